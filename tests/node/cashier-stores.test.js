// Stores chosen by URL from Node: SQLite and Postgres keep what a cashier started, so a new
// cashier over the same URL finishes it; cashiers over one store take turns (one active, the
// others standing by); stats() says which; no password is ever shown. The Postgres cases run
// against the real server scripts/with-postgres.sh starts (PAYSERA_TEST_POSTGRES_URL).
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Cashier, InvalidInputError, StoreError } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { eventually } = require('./helpers');

let sandbox;
let client;
beforeAll(async () => {
  sandbox = await Sandbox.start();
  client = sandbox.client();
});
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.reset());

const price = (spot) => [{ description: `Table ${spot.identifier}`, price: 1250, currency: 'EUR' }];
const fast = { pollIntervalMs: 50, requestsPerMinute: 0, leaseTtlMs: 1000 };

const postgres = process.env.PAYSERA_TEST_POSTGRES_URL;
if (!postgres && process.env.PAYSERA_REQUIRE_POSTGRES === '1') {
  throw new Error('PAYSERA_TEST_POSTGRES_URL is not set (scripts/with-postgres.sh)');
}

/** A database of its own on the test server, for one test. */
function freshPostgres() {
  const name = `js_${crypto.randomBytes(6).toString('hex')}`;
  const bin = fs.readdirSync('/usr/lib/postgresql').sort().pop();
  const admin = process.env.PAYSERA_TEST_POSTGRES_ADMIN ?? postgres;
  execFileSync(`/usr/lib/postgresql/${bin}/bin/psql`, [admin, '-qc', `CREATE DATABASE ${name}`]);
  return `${postgres.slice(0, postgres.lastIndexOf('/'))}/${name}`;
}

/** `url` over TLS, checked against the test server's CA (or another): its certificate names
 * localhost, which reaches the server (listening on 127.0.0.1) through hostaddr. */
function overTls(url, ca = process.env.PAYSERA_TEST_POSTGRES_CA) {
  return `${url.replace('@127.0.0.1:', '@localhost:')}?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=${ca}`;
}

const stores = [['sqlite', () => `sqlite://${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-store-')), 'cashier.db')}`]];
if (postgres) {
  stores.push(['postgres', freshPostgres]);
  // What a web worker that only hands callbacks over would use.
  stores.push(['postgres with one connection', () => `${freshPostgres()}?pool_size=1`]);
  // What a managed database (RDS, Cloud SQL, Neon...) would use.
  stores.push(['postgres over TLS, verify-full', () => overTls(freshPostgres())]);
}

describe.each(stores)('over %s', (_kind, makeStore) => {
  test('a new cashier over the same store finishes what the last one started', async () => {
    const store = makeStore();
    const table = sandbox.createSpot(1, 't1');
    sandbox.scan(table.id);
    const first = new Cashier(client, { price, onEvent: () => {}, store, ...fast });
    await first.runOnce();
    const [record] = first.records();
    expect(record.stage).toBe('ordered');

    const [tx] = sandbox.transactions();
    sandbox.confirm(tx.transaction_key);
    const events = [];
    const second = new Cashier(client, { price, onEvent: (e) => events.push(e), store, ...fast });
    await second.runOnce();
    expect(events.map((e) => e.kind)).toEqual(['paid', 'spot_closed']);
    expect(events[0].reference).toBe(record.reference);
    expect(sandbox.transactions()).toHaveLength(1);
    expect(sandbox.transactions()[0].status).toBe('confirmed');
  });

  test('cashiers over one store take turns', async () => {
    const store = makeStore();
    const table = sandbox.createSpot(1, 't1');
    sandbox.scan(table.id);
    const active = new Cashier(client, { price, onEvent: () => {}, store, ...fast });
    const standby = new Cashier(client, { price, onEvent: () => {}, store, ...fast });
    const stop = new AbortController();
    const running = active.start({ signal: stop.signal });
    try {
      await eventually(() => active.stats().role === 'active' && sandbox.transactions().length === 1, 20000);
      const report = await standby.runOnce();
      expect([report.polling_requests, report.action_requests]).toEqual([0, 0]);
      const stats = standby.stats();
      expect(stats.role).toBe('standby');
      expect(stats.active_owner).toBe(active.stats().owner);
      expect(stats.owner).not.toBe(stats.active_owner);
      expect(sandbox.transactions()).toHaveLength(1);
    } finally {
      stop.abort();
      await running.catch(() => {});
    }
    // The stopped cashier let its lease go: the other takes over at once.
    await standby.runOnce();
    expect(standby.stats()).toMatchObject({ role: 'idle', ticks: 2, consecutive_errors: 0 });
  });
});

test('stats report health', async () => {
  const table = sandbox.createSpot(1, 't1');
  sandbox.scan(table.id);
  const store = `sqlite://${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-stats-')), 'c.db')}`;
  const cashier = new Cashier(client, { price, onEvent: () => {}, store, requestsPerMinute: 60 });
  expect(cashier.stats()).toMatchObject({ role: 'idle', ticks: 0, last_tick_at_ms: null, running: false, store });
  await cashier.runOnce();
  const stats = cashier.stats();
  expect(stats.ticks).toBe(1);
  expect(stats.open_records).toBe(1);
  expect(stats.oldest_record_age_s).not.toBeNull();
  expect(stats.undelivered_events).toBe(0);
  expect(stats.budget_tokens).toBeLessThan(60);
  expect(stats.paused_until_ms).toBeNull();
});

test('bad and unreachable stores say so without the password', async () => {
  expect(() => new Cashier(client, { price, onEvent: () => {}, store: 'mysql://shop:hunter2@db/shop' })).toThrow(InvalidInputError);
  try {
    new Cashier(client, { price, onEvent: () => {}, store: 'mysql://shop:hunter2@db/shop' });
  } catch (e) {
    expect(e.message).toMatch(/unknown scheme/);
    expect(e.message).not.toMatch(/hunter2/);
  }
  // A bad pool size is refused at once, before any connection.
  for (const size of ['0', '33', 'many']) {
    let refused;
    try {
      new Cashier(client, { price, onEvent: () => {}, store: `postgres://shop:hunter2@db/shop?pool_size=${size}` });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(refused.message).toMatch(/pool_size must be a whole number from 1 to 32/);
    expect(refused.message).not.toMatch(/hunter2/);
  }
  // A database server is connected to on the first tick: the error comes from there.
  const cashier = new Cashier(client, { price, onEvent: () => {}, store: 'postgres://shop:hunter2@127.0.0.1:1/shop' });
  expect(cashier.stats().store).toBe('postgres://shop:***@127.0.0.1:1/shop');
  const failure = await cashier.runOnce().catch((e) => e);
  expect(failure).toBeInstanceOf(StoreError);
  expect(failure.message).toMatch(/127\.0\.0\.1:1/);
  expect(failure.message).toMatch(/shop:\*\*\*@/);
  expect(failure.message).not.toMatch(/hunter2/);
  expect(cashier.stats().last_error).not.toMatch(/hunter2/);
  expect(cashier.stats().consecutive_errors).toBe(1);
});

(postgres ? test : test.skip)('TLS to Postgres refuses a server it cannot trust, and bad settings', async () => {
  const url = postgres.replace('postgres://postgres@', 'postgres://postgres:hunter2@');
  const cases = [
    [overTls(url, process.env.PAYSERA_TEST_POSTGRES_OTHER_CA), /UnknownIssuer/],
    // The certificate names localhost, not the address.
    [overTls(url).replace('@localhost:', '@127.0.0.1:'), /not valid for name/],
  ];
  for (const [store, why] of cases) {
    const cashier = new Cashier(client, { price, onEvent: () => {}, store });
    const failure = await cashier.runOnce().catch((e) => e);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure.message).toMatch(why);
    expect(failure.message).toMatch(/postgres:\*\*\*@/);
    expect(failure.message).not.toMatch(/hunter2/);
  }
  // Contradictory or incomplete settings are refused at once, before any connection.
  for (const [query, why] of [
    ['sslmode=allow', /sslmode must be disable, prefer, require, verify-ca or verify-full/],
    ['sslmode=verify-full', /sslmode=verify-full needs sslrootcert=/],
    ['sslmode=require&sslrootcert=system', /sslrootcert=system needs sslmode=verify-full/],
  ]) {
    let refused;
    try {
      new Cashier(client, { price, onEvent: () => {}, store: `postgres://shop:hunter2@db/shop?${query}` });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(refused.message).toMatch(why);
    expect(refused.message).not.toMatch(/hunter2/);
  }
});
