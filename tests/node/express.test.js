// paysera-scanpay/express against a real Express server and the sandbox's real signed callbacks:
// a callback wakes the cashier through the middleware; forged, tampered and duplicate posts get
// 400 and change nothing; verify-only mode hands genuine events to onCallback; oversize bodies
// get 413; a body parser that consumed the form first gets a clear 500.
const express = require('express');

const { Cashier, InvalidInputError } = require('paysera-scanpay');
const { payseraCallback, DEFAULT_CALLBACK_BODY_LIMIT } = require('paysera-scanpay/express');
const { Sandbox } = require('paysera-scanpay/testing');
const { LOST, FORM, eventually, form, orderedTickDone, post } = require('./helpers');

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

/** A real Express server on a free loopback port, closed after the test; `statuses` records every answer. */
async function serve(app) {
  const statuses = [];
  const root = express();
  root.use((req, res, next) => {
    res.on('finish', () => statuses.push(res.statusCode));
    next();
  });
  root.use(app);
  const server = await new Promise((resolve) => {
    const s = root.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  );
  return { base: `http://127.0.0.1:${server.address().port}`, statuses };
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

function capture() {
  const lines = [];
  return { lines, logger: { warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) } };
}

test('a real callback reaches the cashier through the middleware; the transaction is confirmed before any poll', async () => {
  const app = express.Router();
  app.use(express.json()); // another content type's parser before it leaves the form unread
  const { base, statuses } = await serve(app);
  sandbox.scan(sandbox.createSpot(1, 't1').id); // the customer scans; the cashier's first tick bills them
  const cashier = startCashier(`${base}/paysera/callback`);
  const events = [];
  const onCallback = (event, req) => events.push([event.type, event.data.transaction_key, req.path]);
  app.post('/paysera/callback', payseraCallback({ cashier, onCallback }));

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
  expect(statuses).toEqual([200, 400]);
});

test('forged, tampered, unsigned and foreign callbacks get 400 and change nothing', async () => {
  const app = express.Router();
  const { base } = await serve(app);
  sandbox.scan(sandbox.createSpot(1, 't1').id);
  const cashier = startCashier(`${base}/paysera/callback`);
  const events = [];
  app.post('/paysera/callback', payseraCallback({ cashier, onCallback: (e) => events.push(e) }));
  await eventually(() => ordered(cashier) && orderedTickDone(sandbox));
  const theirs = await strangersCallback();
  const records = cashier.records();
  const requests = () => sandbox.requests().filter((r) => !r.path.endsWith('/publickey')).length;
  const before = requests();
  const statuses = sandbox.transactions().map((t) => t.status);

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
  expect(events).toEqual([]);
  expect(cashier.records()).toEqual(records);
  expect(requests()).toBe(before);
  expect(sandbox.transactions().map((t) => t.status)).toEqual(statuses);
});

test('verify-only mode calls onCallback with the decoded event, for genuine posts only', async () => {
  const events = [];
  const { lines, logger } = capture();
  const app = express.Router();
  app.post('/hook', payseraCallback({ verify: client, logger, onCallback: (event) => events.push(event) }));
  const { base } = await serve(app);

  const tx = await client.createTransaction({
    payments: [{ description: 'Bar', price: 450, currency: 'EUR' }],
    callback_uri: `${base}/hook`,
  });
  sandbox.confirm(tx.transaction_key);
  const [sent] = await eventually(() => (sandbox.callbacks()[0]?.status ? sandbox.callbacks() : null));
  expect(sent.status).toBe(200);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ type: 'reserved', data: { transaction_key: tx.transaction_key, status: 'reserved' } });

  const tampered = await post(`${base}/hook`, form(sent.event.replace('450', '1'), sent.sign));
  expect(tampered.status).toBe(400);
  const forged = await post(`${base}/hook`, form(sent.event, Buffer.alloc(256, 1).toString('base64')));
  expect(forged.status).toBe(400);
  expect(events).toHaveLength(1);
  expect(lines.every((l) => l.startsWith('warn') && l.includes('refused'))).toBe(true);
  expect(lines.join('\n')).not.toContain(sandbox.macKey);
  expect(lines.join('\n')).not.toContain(sent.sign);

  // The same with a key you hold.
  const pinned = express.Router();
  const seen = [];
  pinned.post('/pinned', payseraCallback({ publicKeyPem: sandbox.publicKeyPem, logger, onCallback: (e) => seen.push(e.type) }));
  const other = await serve(pinned);
  expect((await post(`${other.base}/pinned`, form(sent.event, sent.sign))).status).toBe(200);
  expect((await post(`${other.base}/pinned`, form(`${sent.event} `, sent.sign))).status).toBe(400);
  expect(seen).toEqual(['reserved']);
});

test('an onCallback that throws gets a 500, so Paysera posts again', async () => {
  const { lines, logger } = capture();
  const app = express.Router();
  app.post('/hook', payseraCallback({ verify: client, logger, onCallback: () => Promise.reject(new Error('db down')) }));
  const { base } = await serve(app);
  const sent = await strangersCallback();
  const res = await post(`${base}/hook`, form(sent.event, sent.sign));
  expect(res.status).toBe(500);
  expect(lines).toEqual([expect.stringContaining('onCallback failed, answering 500 so Paysera posts it again: db down')]);
});

test('a body over the limit gets 413, read from the stream or from express.raw', async () => {
  const events = [];
  const app = express.Router();
  app.post('/hook', payseraCallback({ publicKeyPem: sandbox.publicKeyPem, onCallback: (e) => events.push(e) }));
  app.post('/raw', express.raw({ type: '*/*', limit: '1mb' }), payseraCallback({ publicKeyPem: sandbox.publicKeyPem }));
  app.post('/small', payseraCallback({ publicKeyPem: sandbox.publicKeyPem, limit: 100 }));
  const { base } = await serve(app);
  const huge = `event=${'x'.repeat(DEFAULT_CALLBACK_BODY_LIMIT)}&sign=AAAA`;
  expect((await post(`${base}/hook`, huge)).status).toBe(413);
  expect((await post(`${base}/raw`, huge)).status).toBe(413);
  // Chunked, without a Content-Length: counted as it arrives.
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(40)));
      controller.close();
    },
  });
  const chunked = await fetch(`${base}/small`, { method: 'POST', headers: FORM, body: stream, duplex: 'half' });
  expect(chunked.status).toBe(413);
  expect(events).toEqual([]);
});

test('after express.raw or express.text it uses req.body; after express.urlencoded it answers a clear 500', async () => {
  const sent = await strangersCallback();
  const { lines, logger } = capture();
  const opts = { publicKeyPem: sandbox.publicKeyPem, logger };
  const app = express.Router();
  app.post('/raw', express.raw({ type: 'application/x-www-form-urlencoded' }), payseraCallback(opts));
  app.post('/text', express.text({ type: 'application/x-www-form-urlencoded' }), payseraCallback(opts));
  app.post('/parsed', express.urlencoded({ extended: false }), payseraCallback(opts));
  const { base } = await serve(app);

  expect((await post(`${base}/raw`, form(sent.event, sent.sign))).status).toBe(200);
  expect((await post(`${base}/text`, form(sent.event, sent.sign))).status).toBe(200);
  const parsed = await post(`${base}/parsed`, form(sent.event, sent.sign));
  expect(parsed.status).toBe(500);
  const text = await parsed.text();
  expect(text).toContain('Mount payseraCallback before express.urlencoded()');
  expect(text).toContain('express.raw(');
  expect(lines).toEqual([`error ${text}`]);
});

test('other methods get 405; bad options are refused when the route is built', async () => {
  const app = express.Router();
  app.use('/hook', payseraCallback({ publicKeyPem: sandbox.publicKeyPem }));
  const { base } = await serve(app);
  const res = await fetch(`${base}/hook`);
  expect([res.status, res.headers.get('allow')]).toEqual([405, 'POST']);

  expect(() => payseraCallback({})).toThrow(InvalidInputError);
  expect(() => payseraCallback({ cashier: {}, verify: client })).toThrow(/exactly one of cashier, verify/);
  expect(() => payseraCallback({ cashier: {} })).toThrow(/cashier must be a Cashier/);
  expect(() => payseraCallback({ verify: client, limit: -1 })).toThrow(/limit/);
});
