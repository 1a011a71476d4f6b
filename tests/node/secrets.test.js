// The MAC key never shows: not in errors, not in util.inspect, not in JSON.
const util = require('node:util');
const { Client, MacSigner } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

const KEY = 'S3cr3t-MAC-key-that-must-never-leak';

function shown(value) {
  return [
    util.inspect(value, { showHidden: true, depth: 10, getters: true }),
    String(value),
    JSON.stringify(value) ?? '',
    value instanceof Error ? `${value.message}\n${value.stack}` : '',
  ].join('\n');
}

let sandbox;
beforeAll(async () => {
  sandbox = await Sandbox.start({ clients: [{ clientId: 'merchant', macKey: KEY }] });
});
afterAll(() => sandbox.stop());

test('signer and client objects do not show the key', () => {
  const signer = new MacSigner('merchant', KEY);
  const client = new Client({ clientId: 'merchant', macKey: KEY, baseUrl: sandbox.baseUrl });
  for (const object of [signer, client]) {
    const text = shown(object);
    expect(text).toContain('merchant');
    expect(text).not.toContain(KEY);
    expect(Object.values(object)).not.toContain(KEY);
  }
  expect(shown(signer)).toBe(shown(new MacSigner('merchant', 'another key')));
});

test('errors of every kind do not show the key nor a full Authorization header', async () => {
  const errors = [];
  const catchIt = (p) => p.catch((e) => errors.push(e));
  const wrong = new Client({ clientId: 'merchant', macKey: `${KEY}x`, baseUrl: sandbox.baseUrl, retries: 0 });
  const client = new Client({ clientId: 'merchant', macKey: KEY, baseUrl: sandbox.baseUrl, retries: 0, timeoutMs: 100 });
  await catchIt(wrong.listSpots());
  await catchIt(client.getTransaction('NoSuchKey'));
  sandbox.injectFault({ kind: 'drop' });
  await catchIt(client.listSpots());
  sandbox.injectFault({ kind: 'delay', ms: 1000 });
  await catchIt(client.listSpots());
  sandbox.injectFault({ kind: 'malformed' });
  await catchIt(client.listSpots());
  try {
    new MacSigner('merchant', KEY).authorization({ method: 'GET', url: 'not a url' });
  } catch (e) {
    errors.push(e);
  }
  expect(errors.map((e) => e.name)).toEqual([
    'AuthenticationError',
    'NotFoundError',
    'TransportError',
    'TimeoutError',
    'DecodeError',
    'InvalidInputError',
  ]);
  const macs = sandbox.requests().map((r) => r.nonce).filter(Boolean);
  for (const e of errors) {
    const text = shown(e);
    expect(text).not.toContain(KEY);
    expect(text).not.toMatch(/MAC id=/);
    expect(text).not.toMatch(/mac="/);
    for (const nonce of macs) expect(text).not.toContain(nonce);
  }
});

test('the sandbox inspects without credentials', () => {
  expect(shown(sandbox)).not.toContain(KEY);
});
