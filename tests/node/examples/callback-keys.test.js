// callback-keys.js (docs/going-live.md): cached, fetched again once on a failed signature.
const fs = require('node:fs');
const path = require('node:path');
const { Sandbox } = require('paysera-scanpay/testing');
const { callbackKeys } = require('./callback-keys');

// Some other valid RSA public key: the key Paysera signed with before a rotation.
const oldKey = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'core', 'tests', 'data', 'test_public_key.pem'), 'utf8');

let sandbox;
let sent;

beforeAll(async () => {
  sandbox = await Sandbox.start();
  const tx = await sandbox.client().createTransaction({
    payments: [{ description: 'Bar', price: 450, currency: 'EUR' }],
    callback_uri: 'http://127.0.0.1:9/paysera',
  });
  sandbox.confirm(tx.transaction_key);
  while (sandbox.callbacks().length === 0) await new Promise((r) => setTimeout(r, 10));
  [sent] = sandbox.callbacks();
});

afterAll(() => sandbox.stop());

test('the key is fetched once, then served from the cache', async () => {
  let fetches = 0;
  const keys = callbackKeys(async () => {
    fetches += 1;
    return sandbox.client().getPublicKey(); // a new Client: each one caches the key it fetched
  });
  expect(await keys.verify(sent.event, sent.sign)).toBe(true);
  expect(await keys.verify(sent.event, sent.sign)).toBe(true);
  expect(fetches).toBe(1);
});

test('a rotated key is fetched again once, and the callback accepted', async () => {
  const served = [oldKey, sandbox.publicKeyPem];
  const keys = callbackKeys(async () => served.shift(), { refetchAfterMs: 0 });
  expect(await keys.verify(sent.event, sent.sign)).toBe(true);
  expect(served).toEqual([]);
});

test('a forged callback costs at most one fetch per refetchAfterMs', async () => {
  let fetches = 0;
  const keys = callbackKeys(async () => {
    fetches += 1;
    return sandbox.publicKeyPem;
  });
  expect(await keys.verify(`${sent.event} `, sent.sign)).toBe(false);
  expect(await keys.verify(`${sent.event} `, sent.sign)).toBe(false);
  expect(fetches).toBe(1);

  const eager = callbackKeys(async () => sandbox.publicKeyPem, { refetchAfterMs: 0 });
  expect(await eager.verify(`${sent.event} `, sent.sign)).toBe(false); // fetched, fetched again, still refused
});
