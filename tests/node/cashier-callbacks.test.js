// Callbacks drive the cashier: a signed callback makes it confirm at once, long before its next
// poll; forged, tampered, unknown and replayed callbacks change nothing; a lost callback is still
// handled by polling.
const http = require('node:http');

const { Cashier } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { LOST, eventually } = require('./helpers');

let sandbox;
let client;
beforeAll(async () => {
  sandbox = await Sandbox.start();
  client = sandbox.client();
});
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.reset());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const price = () => [{ description: 'Dinner', price: 1250, currency: 'EUR' }];
const body = (event, sign) => new URLSearchParams({ event, sign }).toString();
const ordered = (c) => c.records().some((r) => r.stage === 'ordered');

function cashier(callbackUri, extra = {}) {
  // A minute between polls: only a callback can explain a prompt confirmation.
  return new Cashier(client, { price, onEvent: () => {}, pollIntervalMs: 60_000, requestsPerMinute: 0, callbackUri, ...extra });
}

test('a callback wakes the cashier: confirmed and freed without waiting for a poll', async () => {
  const spot = sandbox.createSpot(1, 't1');
  sandbox.scan(spot.id);
  const answers = [];
  let c;
  // What an Express route does with express.raw(): hand the body over, answer 200 or 400.
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const genuine = await c.handleCallback(Buffer.concat(chunks));
      answers.push(genuine ? 200 : 400);
      res.statusCode = answers.at(-1);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/paysera/callback`;
  c = cashier(url);
  const loop = c.start();
  try {
    await eventually(() => ordered(c));
    const [tx] = sandbox.transactions();
    expect(tx.callback_uri).toBe(url);
    sandbox.confirm(tx.transaction_key);
    await eventually(() => sandbox.spots()[0].status === 'closed', 20_000);
    expect(sandbox.transactions()[0].status).toBe('confirmed');
    await eventually(() => answers.length === 1);
    expect(answers).toEqual([200]);
  } finally {
    c.stop();
    await loop;
    await new Promise((resolve) => server.close(resolve));
  }
});

test('forged, tampered, unsigned, unknown and replayed callbacks change nothing', async () => {
  const spot = sandbox.createSpot(1, 't1');
  sandbox.scan(spot.id);
  const c = cashier(LOST);
  const loop = c.start();
  try {
    await eventually(() => ordered(c));
    const key = sandbox.transactions()[0].transaction_key;
    const other = await client.createTransaction({ payments: [{ description: 'x', price: 1, currency: 'EUR' }], callback_uri: LOST });
    sandbox.confirm(other.transaction_key);
    sandbox.confirm(key);
    const callbacks = await eventually(() => (sandbox.callbacks().length === 2 ? sandbox.callbacks() : null));
    const ours = callbacks.find((cb) => cb.transaction_key === key);
    const theirs = callbacks.find((cb) => cb.transaction_key !== key);
    const records = c.records();
    const refused = {
      forged: body(ours.event, theirs.sign),
      tampered: body(ours.event.replace('1250', '1'), ours.sign),
      unsigned: new URLSearchParams({ event: ours.event }).toString(),
      'unknown transaction': body(theirs.event, theirs.sign),
      garbage: Buffer.from('garbage'),
    };
    for (const [what, bad] of Object.entries(refused)) {
      expect([what, await c.handleCallback(bad)]).toEqual([what, false]);
    }
    await sleep(300);
    expect(c.records()).toEqual(records);
    expect(sandbox.transactions()[0].status).toBe('reserved');

    const genuine = Buffer.from(body(ours.event, ours.sign));
    await expect(c.handleCallback(genuine)).resolves.toBe(true);
    await eventually(() => sandbox.spots()[0].status === 'closed', 20_000);
    await expect(c.handleCallback(genuine)).resolves.toBe(false); // a replay: harmless
    await eventually(() => c.records().length === 0, 20_000); // forgotten once the close returns
  } finally {
    c.stop();
    await loop;
  }
});

test('a lost callback is handled by polling', async () => {
  const spot = sandbox.createSpot(1, 't1');
  sandbox.scan(spot.id);
  const c = cashier(LOST, { pollIntervalMs: 0 });
  const [event] = (await c.runOnce()).events;
  sandbox.confirm(event.transaction_key);
  const [cb] = await eventually(() => (sandbox.callbacks().length ? sandbox.callbacks() : null));
  expect(cb.error).toBeTruthy();
  const report = await c.runOnce();
  expect(report.events.map((e) => e.kind)).toEqual(['paid', 'spot_closed']);
});
