// The core's log records in Node: setLogger(), a Client's `logger` option and its events, through
// the public API against the in-process sandbox.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { Client, InvalidInputError, setLogger } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { eventually } = require('./helpers');

let sandbox;

beforeAll(async () => {
  sandbox = await Sandbox.start();
});

afterAll(async () => {
  setLogger(null);
  await sandbox.stop();
});

beforeEach(() => sandbox.reset());
afterEach(() => setLogger(null));

/** A console/pino/winston-shaped logger that keeps what it is given. */
function memoryLogger(level) {
  const lines = [];
  const logger = { lines };
  if (level) logger.level = level;
  for (const name of ['trace', 'debug', 'info', 'warn', 'error']) {
    logger[name] = (message, fields) => lines.push({ name, message, fields });
  }
  return logger;
}

test('setLogger receives each request and response, with structured fields and the record time', async () => {
  const records = [];
  setLogger((record) => records.push(record), { level: 'debug' });
  const before = Date.now();
  await sandbox.client().listSpots({ status: 'waiting' });
  const response = await eventually(() => records.find((r) => r.fields.event === 'response'));
  const request = records.find((r) => r.fields.event === 'request');
  expect(request).toMatchObject({
    level: 'debug',
    logger: 'paysera_scanpay',
    target: 'paysera_scanpay',
    message: '-> GET /rest/v1/spots?status=waiting (attempt 1)',
    fields: { event: 'request', method: 'GET', path: '/rest/v1/spots?status=waiting', attempt: 1, logger: 'paysera_scanpay' },
  });
  expect(response.fields).toMatchObject({ event: 'response', status: 200, attempt: 1 });
  expect(response.fields.correlation_id).toMatch(/^sandbox-/);
  expect(typeof response.fields.duration_ms).toBe('number');
  expect(request.time).toBeGreaterThanOrEqual(before - 1);
  expect(request.time).toBeLessThanOrEqual(response.time);
  expect(response.time).toBeLessThanOrEqual(Date.now() + 1);
});

test('the default level is info: no per-request records, and a pino-like `level` is followed', async () => {
  const quiet = memoryLogger();
  setLogger(quiet);
  await sandbox.client().serverTime();
  const chatty = memoryLogger('debug');
  setLogger(chatty);
  await sandbox.client().serverTime();
  await eventually(() => chatty.lines.some((l) => l.fields.event === 'response'));
  expect(quiet.lines).toEqual([]);
  expect(chatty.lines[0]).toMatchObject({ name: 'debug', fields: { logger: 'paysera_scanpay', method: 'GET' } });
  expect(typeof chatty.lines[0].message).toBe('string');
});

test('sandbox records go to the module logger as paysera_scanpay.sandbox', async () => {
  const records = [];
  setLogger((r) => records.push(r));
  const other = await Sandbox.start();
  const { baseUrl } = other;
  await other.stop();
  const line = await eventually(() => records.find((r) => r.logger === 'paysera_scanpay.sandbox'));
  expect(line).toMatchObject({ level: 'info', target: 'paysera_sandbox' });
  expect(line.message).toBe(`sandbox listening on ${baseUrl}`);
});

test("a Client's logger takes its own calls' records; the module logger keeps the rest", async () => {
  const own = memoryLogger();
  const shared = [];
  setLogger((r) => shared.push(r), { level: 'debug' });
  const mine = sandbox.client({ logger: own, logLevel: 'debug' });
  const theirs = sandbox.client();
  await mine.getSpot(sandbox.createSpot(1, 'mine').id);
  await theirs.getSpot(sandbox.createSpot(1, 'theirs').id);
  await eventually(() => own.lines.some((l) => l.fields.event === 'response'));
  await eventually(() => shared.some((r) => r.fields.event === 'response'));
  expect(own.lines.every((l) => l.fields.path === undefined || l.fields.path.endsWith('/spot/1'))).toBe(true);
  expect(shared.filter((r) => r.fields.path).every((r) => r.fields.path.endsWith('/spot/2'))).toBe(true);
});

test('request, response and retry events, typed, with the correlation id', async () => {
  const client = sandbox.client();
  const seen = [];
  for (const name of ['request', 'response', 'retry']) client.on(name, (e) => seen.push([name, e]));
  sandbox.injectFault({ kind: 'error', status: 503, method: 'GET', path: '/spots' });
  await client.listSpots();
  await eventually(() => seen.filter(([n]) => n === 'response').length === 2);
  expect(seen.map(([n, e]) => `${n}:${e.attempt}`)).toEqual(['request:1', 'response:1', 'retry:1', 'request:2', 'response:2']);
  const retry = seen.find(([n]) => n === 'retry')[1];
  expect(retry).toMatchObject({ method: 'GET', code: 'internal_server_error', retry: 1, max_retries: 2 });
  expect(retry.correlation_id).toBe(seen[1][1].correlation_id);
  expect(retry.delay_ms).toBeGreaterThan(0);
  expect(typeof retry.time).toBe('number');
  expect(retry.event).toBeUndefined();
});

test("the log event sees every record down to the client's logLevel", async () => {
  const client = sandbox.client({ logLevel: 'debug' });
  const records = [];
  client.on('log', (r) => records.push(r));
  await client.serverTime();
  await eventually(() => records.some((r) => r.fields.event === 'response'));
  expect(records[0]).toMatchObject({ level: 'debug', logger: 'paysera_scanpay', fields: { event: 'request' } });
});

test('a throwing logger does not break the call', async () => {
  const client = sandbox.client({ logger: () => { throw new Error('broken logger'); }, logLevel: 'trace' });
  await expect(client.serverTime()).resolves.toEqual(expect.any(Number));
});

test('bad loggers and levels are refused', () => {
  expect(() => setLogger({ info() {} })).toThrow(InvalidInputError);
  expect(() => setLogger(console, { level: 'loud' })).toThrow(InvalidInputError);
  expect(() => new Client({ clientId: 'a', macKey: 'b', logger: 42 })).toThrow(InvalidInputError);
  expect(() => new Client({ clientId: 'a', macKey: 'b', logLevel: 'verbose' })).toThrow(InvalidInputError);
});

test('no record of a full flow shows the MAC key or an Authorization header', async () => {
  const records = [];
  setLogger((r) => records.push(r), { level: 'trace' });
  const client = sandbox.client({ retries: 1 });
  const events = [];
  for (const name of ['request', 'response', 'retry', 'log']) client.on(name, (e) => events.push(e));

  const spot = sandbox.createSpot(1, 'table1');
  sandbox.scan(spot.id);
  const tx = await client.createTransaction({ payments: [{ description: 'Table 1', price: 1299, currency: 'EUR' }] });
  await client.createSpotOrder(spot.id, tx.transaction_key);
  sandbox.confirm(tx.transaction_key);
  for await (const t of client.iterTransactions({ status: 'reserved', limit: 1 })) expect(t.transaction_key).toBe(tx.transaction_key);
  sandbox.injectFault({ kind: 'rate_limit', retryAfter: 0, method: 'PUT' });
  await client.confirmTransaction(tx.transaction_key);
  await client.closeSpot(spot.id);
  await client.getPublicKey();
  const wrong = sandbox.client({ macKey: 'not-the-key', logLevel: 'trace', logger: (r) => records.push(r) });
  await expect(wrong.getTransaction(tx.transaction_key)).rejects.toMatchObject({ statusCode: 401 });
  await eventually(() => records.filter((r) => r.fields.status === 401).length > 0 && events.some((e) => e.retry === 1));

  const text = JSON.stringify([records, events]);
  expect(records.length).toBeGreaterThan(15);
  expect(text).not.toContain(sandbox.macKey);
  expect(text).not.toContain('not-the-key');
  expect(text).not.toMatch(/authorization|MAC id=|mac="/i);
});

test('a logger never keeps the process alive', () => {
  const dist = path.join(__dirname, '..', '..', 'bindings-node', 'dist');
  const script = `
    const { Client, setLogger } = require(${JSON.stringify(path.join(dist, 'index.js'))});
    setLogger(() => {}, { level: 'trace' });
    const client = new Client({ clientId: 'a', macKey: 'b', logger: console });
    client.on('request', () => {});
  `;
  const run = spawnSync(process.execPath, ['-e', script], { timeout: 10_000 });
  expect(run.error).toBeUndefined();
  expect(run.status).toBe(0);
});
