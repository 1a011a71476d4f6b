// Paysera's published MAC examples, reproduced through the Node API.
const fs = require('node:fs');
const path = require('node:path');
const { MacSigner, InvalidInputError } = require('paysera-scanpay');

const data = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'core', 'tests', 'data', 'vectors.json'), 'utf8'),
);
const signer = new MacSigner(data.client_id, data.mac_key);

describe.each(data.vectors)('$what', (v) => {
  const request = { method: v.method, url: v.url, body: v.body, ts: v.ts, nonce: v.nonce, ext: v.ext_params };

  test('sign() reproduces ext, mac and header', () => {
    const sig = signer.sign(request);
    expect(sig.ext).toBe(v.expected_ext);
    expect(sig.mac).toBe(v.expected_mac);
    expect(sig.authorization).toBe(v.expected_authorization);
    expect(sig.normalized.endsWith('\n')).toBe(true);
  });

  test('authorization() with a string or a Buffer body', () => {
    expect(signer.authorization(request)).toBe(v.expected_authorization);
    expect(signer.authorization({ ...request, body: Buffer.from(v.body) })).toBe(v.expected_authorization);
    expect(signer.authorization({ ...request, body: new Uint8Array(Buffer.from(v.body)) })).toBe(
      v.expected_authorization,
    );
  });
});

test('batch signing gives the same headers', async () => {
  const requests = data.vectors.map((v) => ({ method: v.method, url: v.url, body: v.body, ts: v.ts, nonce: v.nonce }));
  const p = signer.authorizationBatch(requests);
  expect(typeof p.then).toBe('function');
  expect(await p).toEqual(data.vectors.map((v) => v.expected_authorization));
});

test('ext parameters as pairs or as an object, in order', () => {
  const base = { method: 'GET', url: 'https://wallet.paysera.com/rest/v1/spots', ts: 1, nonce: 'n' };
  const pairs = signer.sign({ ...base, ext: [['project_id', '1'], ['location_id', 'a b/c']] });
  const object = signer.sign({ ...base, ext: { project_id: '1', location_id: 'a b/c' } });
  expect(pairs.ext).toBe('project_id=1&location_id=a+b%2Fc');
  expect(object.authorization).toBe(pairs.authorization);
  expect(pairs.authorization).toContain(', ext="project_id=1&location_id=a+b%2Fc"');
});

test('defaults: fresh nonce and current time', () => {
  const a = signer.sign({ method: 'GET', url: 'https://wallet.paysera.com/rest/v1/server' });
  const b = signer.sign({ method: 'GET', url: 'https://wallet.paysera.com/rest/v1/server' });
  expect(a.nonce).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(a.nonce).not.toBe(b.nonce);
  expect(Math.abs(a.ts - Date.now() / 1000)).toBeLessThan(5);
  expect(signer.clientId).toBe(data.client_id);
});

test('bad input is an InvalidInputError that says why', () => {
  expect(() => signer.authorization({ method: 'GET', url: 'wallet.paysera.com/x' })).toThrow(InvalidInputError);
  expect(() => signer.authorization({ method: 'GET', url: 'wallet.paysera.com/x' })).toThrow(/absolute URL/);
  expect(() => signer.sign({ method: 'GET', url: 'https://h/x', ts: 1 })).toThrow(/both ts and nonce/);
  expect(() => new MacSigner('', 'k')).toThrow(InvalidInputError);
  try {
    signer.authorization({ method: 'GET', url: 'ftp://h/x' });
  } catch (e) {
    expect(e.code).toBe('invalid_input');
  }
});

// authorization() reads its arguments on a fast path of its own (stack buffers, a one-byte result
// string); sign() and requests with ext parameters take the ordinary napi-rs path. Both must agree.
test('authorization() agrees with sign() for long, non-ASCII, ext and odd inputs', () => {
  const base = { method: 'POST', url: 'https://wallet.paysera.com/rest/v1/transaction', ts: 1700000000, nonce: 'abc' };
  const cases = [
    base,
    { ...base, method: 'get' },
    { ...base, body: '{"description":"Café – 2 × lunch"}' },
    { ...base, body: Buffer.from('{"description":"Café"}') },
    { ...base, body: '' },
    { ...base, body: null },
    { ...base, body: 'x'.repeat(5000) },
    { ...base, url: `https://wallet.paysera.com/rest/v1/spots?q=${'a'.repeat(700)}` },
    { ...base, nonce: 'n'.repeat(600) },
    { ...base, ext: { project_id: '7' } },
  ];
  const outcome = (f) => {
    try {
      return f();
    } catch (e) {
      return `${e.constructor.name}: ${e.message}`;
    }
  };
  for (const request of cases) {
    expect(outcome(() => signer.authorization(request))).toBe(outcome(() => signer.sign(request).authorization));
  }
  const fresh = signer.authorization({ method: 'GET', url: 'https://wallet.paysera.com/rest/v1/server' });
  expect(fresh).toMatch(/^MAC id="[^"]+", ts="\d+", nonce="[A-Za-z0-9]{32}", mac="[^"]{44}"$/);
  // Wrong types fall back to the ordinary path, which refuses them as before.
  expect(() => signer.authorization({ method: 5, url: base.url })).toThrow();
  expect(() => signer.authorization({ ...base, ts: 'soon' })).toThrow();
  expect(() => signer.authorization({ ...base, url: 'wallet.paysera.com/x' })).toThrow(InvalidInputError);
});
