// paysera-scanpay/fastify against a real Fastify server and the sandbox's real signed callbacks:
// a callback wakes the cashier through the plugin; forged, tampered and duplicate posts get 400
// and change nothing; verify-only mode hands genuine events to onCallback; oversize bodies get
// 413; the plugin's form parser stays inside its own encapsulated context.
const http = require('node:http');

const Fastify = require('fastify');

const { Cashier } = require('paysera-scanpay');
const { payseraCallbackPlugin, DEFAULT_CALLBACK_BODY_LIMIT } = require('paysera-scanpay/fastify');
const { Sandbox } = require('paysera-scanpay/testing');
const { LOST, eventually, form, orderedTickDone, post } = require('./helpers');

let sandbox;
let client;
const closers = [];

beforeAll(async () => {
  sandbox = await Sandbox.start();
  client = sandbox.client();
});
afterEach(async () => {
  while (closers.length) await closers.pop()();
});
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.reset());

const ordered = (c) => c.records().some((r) => r.stage === 'ordered');
const price = () => [{ description: 'Dinner', price: 1250, currency: 'EUR' }];
const quiet = { warn: () => {}, error: () => {} };

/** A real Fastify server on a free loopback port, closed after the test. The port is bound
 * first, so `register(app, base)` knows the URL Paysera will post to. */
async function serve(register) {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  );
  const app = Fastify({
    serverFactory: (handler) => server.on('request', handler),
  });
  closers.push(() => app.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  await register(app, base);
  await app.ready();
  return base;
}

/** A cashier polling once a minute: only a callback can explain a prompt confirmation. */
function startCashier(callbackUri) {
  const cashier = new Cashier(client, { price, onEvent: () => {}, pollIntervalMs: 60_000, requestsPerMinute: 0, callbackUri });
  const loop = cashier.start();
  closers.push(async () => {
    cashier.stop();
    await loop;
  });
  return cashier;
}

/** A genuine callback body for a transaction nobody serves (the sandbox posts it nowhere). */
async function strangersCallback() {
  const tx = await client.createTransaction({ payments: [{ description: 'x', price: 1, currency: 'EUR' }], callback_uri: LOST });
  sandbox.confirm(tx.transaction_key);
  return eventually(() => sandbox.callbacks().find((cb) => cb.transaction_key === tx.transaction_key));
}

test('a real callback reaches the cashier through the plugin; the transaction is confirmed before any poll', async () => {
  sandbox.scan(sandbox.createSpot(1, 't1').id); // the customer scans; the cashier's first tick bills them
  let cashier;
  const events = [];
  const base = await serve((app, base) => {
    cashier = startCashier(`${base}/paysera/callback`);
    const onCallback = (event, request) => events.push([event.type, event.data.transaction_key, request.url]);
    app.register(payseraCallbackPlugin, { path: '/paysera/callback', cashier, onCallback });
  });
  await eventually(() => ordered(cashier) && orderedTickDone(sandbox));
  const [tx] = sandbox.transactions();
  sandbox.confirm(tx.transaction_key); // the sandbox posts a signed 'reserved' callback to the app
  await eventually(() => sandbox.spots()[0].status === 'closed', 20_000);
  expect(sandbox.transactions()[0].status).toBe('confirmed');
  // The sandbox journals a callback once it has the answer, which may come after the cashier acted.
  const [sent] = await eventually(() => (sandbox.callbacks()[0]?.status ? sandbox.callbacks() : null));
  expect(sent).toMatchObject({ uri: `${base}/paysera/callback`, status: 200, event_type: 'reserved' });
  expect(events).toEqual([['reserved', tx.transaction_key, '/paysera/callback']]);

  // Paysera posting the same callback again: refused, nothing happens twice.
  await eventually(() => cashier.records().length === 0, 20_000);
  const again = await post(`${base}/paysera/callback`, form(sent.event, sent.sign));
  expect([again.status, await again.text()]).toEqual([400, 'Bad Request']);
  expect(events).toHaveLength(1);
  expect(cashier.records()).toEqual([]);
  expect(sandbox.transactions().map((t) => t.status)).toEqual(['confirmed']);
});

test('forged, tampered, unsigned and foreign callbacks get 400 and change nothing', async () => {
  sandbox.scan(sandbox.createSpot(1, 't1').id);
  let cashier;
  const events = [];
  const base = await serve((app, base) => {
    cashier = startCashier(`${base}/paysera/callback`);
    app.register(payseraCallbackPlugin, { prefix: '/paysera', path: '/callback', cashier, onCallback: (e) => events.push(e) });
  });
  await eventually(() => ordered(cashier) && orderedTickDone(sandbox));
  const theirs = await strangersCallback();
  const records = cashier.records();
  const statuses = sandbox.transactions().map((t) => t.status);
  const requests = () => sandbox.requests().filter((r) => !r.path.endsWith('/publickey')).length;
  const before = requests();

  const refused = {
    forged: form(theirs.event, Buffer.alloc(256, 7).toString('base64')),
    tampered: form(`${theirs.event} `, theirs.sign),
    unsigned: new URLSearchParams({ event: theirs.event }).toString(),
    'not this cashier’s transaction': form(theirs.event, theirs.sign),
    garbage: 'garbage',
  };
  for (const [what, body] of Object.entries(refused)) {
    const res = await post(`${base}/paysera/callback`, body);
    expect([what, res.status]).toEqual([what, 400]);
  }
  const json = await post(`${base}/paysera/callback`, JSON.stringify({ event: theirs.event }), { 'content-type': 'application/json' });
  expect(json.status).toBe(400);
  expect(events).toEqual([]);
  expect(cashier.records()).toEqual(records);
  expect(requests()).toBe(before);
  expect(sandbox.transactions().map((t) => t.status)).toEqual(statuses);
});

test('verify-only mode calls onCallback with the decoded event, for genuine posts only', async () => {
  const events = [];
  const base = await serve((app) => {
    app.register(payseraCallbackPlugin, { path: '/hook', verify: client, logger: quiet, onCallback: (event) => events.push(event) });
    app.register(payseraCallbackPlugin, { path: '/pinned', publicKeyPem: sandbox.publicKeyPem, logger: quiet });
  });
  const tx = await client.createTransaction({
    payments: [{ description: 'Bar', price: 450, currency: 'EUR' }],
    callback_uri: `${base}/hook`,
  });
  sandbox.confirm(tx.transaction_key);
  const [sent] = await eventually(() => (sandbox.callbacks()[0]?.status ? sandbox.callbacks() : null));
  expect(sent.status).toBe(200);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'reserved', data: { transaction_key: tx.transaction_key, status: 'reserved' } });

  expect((await post(`${base}/hook`, form(sent.event.replace('450', '1'), sent.sign))).status).toBe(400);
  expect((await post(`${base}/hook`, form(sent.event, Buffer.alloc(256, 1).toString('base64')))).status).toBe(400);
  expect(events).toHaveLength(1);

  expect((await post(`${base}/pinned`, form(sent.event, sent.sign))).status).toBe(200);
  expect((await post(`${base}/pinned`, form(`${sent.event} `, sent.sign))).status).toBe(400);
});

test('a body over the limit gets 413', async () => {
  const events = [];
  const base = await serve((app) => {
    app.register(payseraCallbackPlugin, { path: '/hook', publicKeyPem: sandbox.publicKeyPem, onCallback: (e) => events.push(e) });
    app.register(payseraCallbackPlugin, { path: '/small', publicKeyPem: sandbox.publicKeyPem, limit: 100 });
  });
  const huge = `event=${'x'.repeat(DEFAULT_CALLBACK_BODY_LIMIT)}&sign=AAAA`;
  expect((await post(`${base}/hook`, huge)).status).toBe(413);
  expect((await post(`${base}/small`, 'x'.repeat(101))).status).toBe(413);
  expect(events).toEqual([]);
});

test("the plugin's raw form parser stays in its own context; the app's routes keep theirs", async () => {
  const base = await serve((app) => {
    app.register(payseraCallbackPlugin, { path: '/paysera/callback', publicKeyPem: sandbox.publicKeyPem, logger: quiet });
    app.post('/orders', async (request) => ({ got: request.body }));
  });
  const order = await post(`${base}/orders`, JSON.stringify({ table: 4 }), { 'content-type': 'application/json' });
  expect(await order.json()).toEqual({ got: { table: 4 } });
  // No form parser outside the plugin: Fastify's own 415, not the plugin's raw Buffer.
  expect((await post(`${base}/orders`, 'a=1')).status).toBe(415);
  const sent = await strangersCallback();
  expect((await post(`${base}/paysera/callback`, form(sent.event, sent.sign))).status).toBe(200);
});
