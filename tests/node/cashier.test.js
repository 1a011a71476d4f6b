// The cashier engine from Node: the merchant's functions in JavaScript (sync or async), the loop
// in the Rust core, the customers played by the sandbox.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Cashier, InvalidInputError, LifecycleError, PayseraError, StoreError } = require('paysera-scanpay');
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kinds = (events) => events.map((e) => [e.spot_id, e.kind]);
const tablePrice = (spot) => [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR' }];

/** A cashier over the sandbox that records what its handler received. */
function cashier(options = {}) {
  const seen = [];
  const c = new Cashier(client, {
    price: tablePrice,
    onEvent: (event) => {
      seen.push(event);
    },
    pollIntervalMs: 0,
    requestsPerMinute: 0,
    ...options,
  });
  return { cashier: c, seen };
}

function tempFile(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-cashier-'));
  return path.join(dir, name);
}

test('happy path: scan, order, the customer confirms, paid and the spot is freed', async () => {
  const spot = sandbox.createSpot(1, 'table1');
  const { cashier: c, seen } = cashier();

  // Nobody scanned: two polling requests and nothing else.
  const idle = await c.runOnce();
  expect(idle).toEqual({ polling_requests: 2, action_requests: 0, events: [] });

  sandbox.scan(spot.id);
  const ordered = await c.runOnce();
  expect(ordered.polling_requests).toBe(2);
  expect(ordered.action_requests).toBe(2); // create the transaction, attach it
  expect(kinds(ordered.events)).toEqual([[spot.id, 'order_created']]);
  const [event] = ordered.events;
  const [tx] = sandbox.transactions();
  expect(event).toEqual({
    id: `${event.reference}:order_created`,
    kind: 'order_created',
    spot_id: spot.id,
    location_id: 1,
    transaction_key: tx.transaction_key,
    reference: event.reference,
    amounts: [{ price: 1299, currency: 'EUR' }],
    parameters: { scanpay_reference: event.reference },
    message: null,
  });
  expect(tx.payments[0].parameters.scanpay_reference).toBe(event.reference);
  expect(sandbox.spots()[0].orders.map((o) => o.transaction_key)).toEqual([tx.transaction_key]);
  expect(c.records()).toMatchObject([{ reference: event.reference, stage: 'ordered', spot_id: spot.id }]);

  // Nothing to do until the customer acts.
  expect(await c.runOnce()).toEqual({ polling_requests: 2, action_requests: 0, events: [] });

  sandbox.confirm(tx.transaction_key);
  const paid = await c.runOnce();
  expect(kinds(paid.events)).toEqual([
    [spot.id, 'paid'],
    [spot.id, 'spot_closed'],
  ]);
  expect(paid.events[0]).toMatchObject({ id: `${event.reference}:paid`, amounts: [{ price: 1299, currency: 'EUR' }] });
  expect(sandbox.transactions()[0].status).toBe('confirmed');
  expect(sandbox.spots()[0].status).toBe('closed');
  expect(c.records()).toEqual([]);
  // The handler saw exactly what the reports carried.
  expect(seen).toEqual([...ordered.events, ...paid.events]);
});

test('async price, onEvent and adjust are awaited; null leaves a spot alone', async () => {
  const [a, b] = [sandbox.createSpot(1, 'a'), sandbox.createSpot(1, 'b')];
  sandbox.scan(a.id);
  sandbox.scan(b.id);
  const log = [];
  let billB = false;
  const { cashier: c } = cashier({
    async price(spot) {
      await sleep(20);
      log.push(`price ${spot.identifier}`);
      if (spot.identifier === 'b' && !billB) return null; // not ready: asked again next tick
      return [{ description: `Table ${spot.identifier}`, price: 2000, currency: 'EUR', parameters: { orderid: spot.id } }];
    },
    async onEvent(event) {
      await sleep(10);
      log.push(`${event.kind} ${event.spot_id}`);
    },
    adjust: async (transaction) => {
      await sleep(10);
      const [payment] = transaction.payments;
      return { [payment.id]: { price: 1500, currency: 'EUR' } }; // a discount at the till
    },
  });

  const first = await c.runOnce();
  expect(kinds(first.events)).toEqual([[a.id, 'order_created']]);
  expect(log).toEqual(expect.arrayContaining(['price a', 'price b', `order_created ${a.id}`]));
  expect(sandbox.transactions()).toHaveLength(1);
  expect(sandbox.transactions()[0].payments[0].parameters).toMatchObject({ orderid: a.id });

  billB = true;
  const second = await c.runOnce();
  expect(kinds(second.events)).toEqual([[b.id, 'order_created']]);

  for (const tx of sandbox.transactions()) sandbox.confirm(tx.transaction_key);
  const third = await c.runOnce();
  expect(third.events.filter((e) => e.kind === 'paid').map((e) => e.amounts)).toEqual([
    [{ price: 1500, currency: 'EUR' }],
    [{ price: 1500, currency: 'EUR' }],
  ]);
  expect(sandbox.transactions().map((t) => [t.status, t.payments[0].price])).toEqual([
    ['confirmed', 1500],
    ['confirmed', 1500],
  ]);
  // Each event's handler finished before that spot went on.
  const forA = log.filter((l) => l.endsWith(` ${a.id}`));
  expect(forA).toEqual([`order_created ${a.id}`, `paid ${a.id}`, `spot_closed ${a.id}`]);
});

test('handlers that throw are reported as error events and the cashier carries on', async () => {
  const [a, b] = [sandbox.createSpot(1, 'a'), sandbox.createSpot(1, 'b')];
  sandbox.scan(a.id);
  sandbox.scan(b.id);
  let priceFailures = 0;
  const seen = [];
  let paidFailures = 0;
  const { cashier: c } = cashier({
    price(spot) {
      if (spot.identifier === 'b' && priceFailures++ === 0) throw new TypeError('menu not loaded');
      return tablePrice(spot);
    },
    onEvent(event) {
      seen.push(event);
      if (event.kind === 'order_created' && event.spot_id === a.id) throw new Error('kitchen printer offline');
      if (event.kind === 'paid' && paidFailures++ === 0) return Promise.reject(new Error('accounting is down'));
      return undefined;
    },
    // A failed event is retried on the next tick.
    eventRetryMs: 0,
    eventRetryMaxMs: 0,
  });

  const first = await c.runOnce();
  const errors = first.events.filter((e) => e.kind === 'error');
  expect(errors.map((e) => e.message).sort()).toEqual([
    'event handler failed on order_created: kitchen printer offline',
    'price handler failed: TypeError: menu not loaded',
  ]);
  // Both failures reach the handler once as error events (a's failed order_created handler, b's
  // failed price handler); b is priced again on the next tick.
  expect(seen.filter((e) => e.kind === 'error').map((e) => e.spot_id).sort((x, y) => x - y)).toEqual(
    [a.id, b.id].sort((x, y) => x - y),
  );
  expect(c.undelivered()).toMatchObject([
    { event: { kind: 'order_created', spot_id: a.id }, attempts: 1, last_error: 'kitchen printer offline' },
  ]);
  const second = await c.runOnce();
  expect(kinds(second.events.filter((e) => e.kind !== 'error'))).toEqual([[b.id, 'order_created']]);

  for (const tx of sandbox.transactions()) sandbox.confirm(tx.transaction_key);
  const third = await c.runOnce();
  // Both paid and freed; b's paid handler fails once, and a's events wait behind its failing
  // order_created.
  const done = third.events.filter((e) => e.kind !== 'error');
  expect(done).toEqual([]);
  expect(third.events.filter((e) => e.kind === 'error').map((e) => e.message)).toEqual([
    'event handler failed on order_created: kitchen printer offline',
    'event handler failed on paid: accounting is down',
  ]);
  expect(sandbox.transactions().every((t) => t.status === 'confirmed')).toBe(true);
  expect(sandbox.spots().every((s) => s.status === 'closed')).toBe(true);
  expect(c.records()).toEqual([]);
  const fourth = await c.runOnce();
  expect(kinds(fourth.events.filter((e) => e.kind !== 'error'))).toEqual([
    [b.id, 'paid'],
    [b.id, 'spot_closed'],
  ]);
  expect(c.undelivered().map((u) => [u.event.spot_id, u.event.kind])).toEqual([
    [a.id, 'order_created'],
    [a.id, 'paid'],
    [a.id, 'spot_closed'],
  ]);
});

test('payments the core cannot accept are an error event, not a crash', async () => {
  const spot = sandbox.createSpot(1, 'x');
  sandbox.scan(spot.id);
  const { cashier: c } = cashier({ price: () => [{ description: 'float money', price: 12.99, currency: 'EUR' }] });
  const report = await c.runOnce();
  expect(report.events).toHaveLength(1);
  expect(report.events[0]).toMatchObject({ kind: 'error', spot_id: spot.id });
  expect(report.events[0].message).toMatch(/^price handler failed: /);
  expect(sandbox.transactions()).toHaveLength(0);
});

test('a rejection and a walk-away are reported and their spots freed', async () => {
  const [a, b] = [sandbox.createSpot(1, 'a'), sandbox.createSpot(1, 'b')];
  sandbox.scan(a.id);
  sandbox.scan(b.id);
  // Timestamps are whole seconds: 2 s cannot run out between two back-to-back ticks.
  const { cashier: c, seen } = cashier({ customerTimeoutMs: 2000 });
  const first = await c.runOnce();
  expect(first.events.map((e) => e.kind)).toEqual(['order_created', 'order_created']);
  const keyOf = Object.fromEntries(first.events.map((e) => [e.spot_id, e.transaction_key]));

  sandbox.reject(keyOf[a.id]);
  const second = await c.runOnce();
  expect(kinds(second.events)).toEqual([
    [a.id, 'rejected'],
    [a.id, 'spot_closed'],
  ]);

  // b's customer walks away: after the timeout the order is read, revoked and the spot freed.
  await sleep(2000);
  await eventually(async () => {
    await c.runOnce();
    return seen.some((e) => e.kind === 'spot_closed' && e.spot_id === b.id);
  }, 3000);
  expect(kinds(seen.filter((e) => e.spot_id === b.id))).toEqual([
    [b.id, 'order_created'],
    [b.id, 'expired'],
    [b.id, 'spot_closed'],
  ]);
  const status = Object.fromEntries(sandbox.transactions().map((t) => [t.transaction_key, t.status]));
  expect(status).toEqual({ [keyOf[a.id]]: 'rejected', [keyOf[b.id]]: 'revoked' });
  expect(sandbox.spots().every((s) => s.status === 'closed')).toBe(true);
});

test('a file store lets a new cashier finish what the old one started', async () => {
  const file = tempFile('cashier.log');
  const spot = sandbox.createSpot(1, 'table9');
  sandbox.scan(spot.id);
  const first = cashier({ store: { file } });
  const ordered = await first.cashier.runOnce();
  const key = ordered.events[0].transaction_key;

  // The process restarts: a new cashier from the same log.
  const second = cashier({ store: { file } });
  expect(second.cashier.records()).toMatchObject([{ stage: 'ordered', transaction_key: key, spot_id: spot.id }]);
  sandbox.confirm(key);
  const paid = await second.cashier.runOnce();
  expect(kinds(paid.events)).toEqual([
    [spot.id, 'paid'],
    [spot.id, 'spot_closed'],
  ]);
  expect(sandbox.transactions()).toHaveLength(1);
  expect(cashier({ store: { file } }).cashier.records()).toEqual([]);
});

describe('start, stop and AbortSignal', () => {
  test('start() runs in the background until stop(); the event loop stays free', async () => {
    for (let i = 0; i < 10; i++) sandbox.scan(sandbox.createSpot(1, `t${i}`).id);
    sandbox.setAutopilot('confirm'); // every customer confirms at once
    const { cashier: c, seen } = cashier({ pollIntervalMs: 10, pageSize: 4 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const running = c.start();
    expect(typeof running.then).toBe('function');
    expect(c.running).toBe(true);
    await eventually(() => seen.filter((e) => e.kind === 'spot_closed').length === 10, 10000);
    c.stop();
    await running;
    clearInterval(timer);
    expect(c.running).toBe(false);
    expect(seen.filter((e) => e.kind === 'paid')).toHaveLength(10);
    expect(sandbox.transactions().every((t) => t.status === 'confirmed')).toBe(true);
    expect(ticks).toBeGreaterThan((Date.now() - started) / 5 / 4);
    // Stopped means stopped: no more requests.
    const count = sandbox.requests().length;
    await sleep(50);
    expect(sandbox.requests()).toHaveLength(count);
  });

  test('start() reads every page of waiting tables within one poll interval', async () => {
    // Three pages and a poll interval far longer than the test: every table is billed and paid
    // in the first sweep, not one page per interval.
    for (let i = 0; i < 25; i++) sandbox.scan(sandbox.createSpot(1, `t${i}`).id);
    sandbox.setAutopilot('confirm');
    const { cashier: c, seen } = cashier({ pollIntervalMs: 600000, pageSize: 10 });
    const running = c.start();
    try {
      await eventually(() => seen.filter((e) => e.kind === 'spot_closed').length === 25, 30000);
    } finally {
      c.stop();
      await running;
    }
    expect(seen.filter((e) => e.kind === 'paid')).toHaveLength(25);
    expect(sandbox.transactions()).toHaveLength(25);
  });

  test('the autopilot can reject too', async () => {
    const spot = sandbox.createSpot(1, 'r');
    sandbox.scan(spot.id);
    sandbox.setAutopilot('reject');
    const { cashier: c } = cashier();
    await c.runOnce();
    const report = await c.runOnce();
    expect(kinds(report.events)).toEqual([
      [spot.id, 'rejected'],
      [spot.id, 'spot_closed'],
    ]);
    sandbox.setAutopilot(null);
  });

  test('aborting the signal stops start(); stop() right after start() is not lost', async () => {
    const { cashier: c } = cashier({ pollIntervalMs: 5 });
    const controller = new AbortController();
    const running = c.start({ signal: controller.signal });
    await sleep(50);
    controller.abort();
    await expect(running).resolves.toBeUndefined();
    expect(c.running).toBe(false);

    const again = c.start();
    c.stop();
    await again;
    await expect(c.start({ signal: AbortSignal.abort() })).resolves.toBeUndefined();
    await expect(c.start({ signal: AbortSignal.timeout(30) })).resolves.toBeUndefined();
  });

  test('one loop per cashier', async () => {
    const { cashier: c } = cashier({ pollIntervalMs: 5 });
    const running = c.start();
    await expect(c.start()).rejects.toBeInstanceOf(LifecycleError);
    await expect(c.runOnce()).rejects.toThrow('already running');
    c.stop();
    await running;
    await expect(c.runOnce()).resolves.toHaveProperty('polling_requests', 2);
  });

  test('aborting runOnce drops the tick; the next one finishes the work', async () => {
    const spot = sandbox.createSpot(1, 'slow');
    sandbox.scan(spot.id);
    const { cashier: c, seen } = cashier();
    sandbox.injectFault({ kind: 'delay', ms: 1000, method: 'POST', path: '/transaction' });
    const controller = new AbortController();
    const reason = new Error('shift ended');
    const started = Date.now();
    const tick = c.runOnce({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(tick).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(900);
    expect(c.running).toBe(false);
    // The create was under way (it lands, or not, once the delay is over): a later tick looks
    // the transaction up by its reference before creating one.
    await sleep(1200);
    await eventually(async () => {
      await c.runOnce();
      return seen.some((e) => e.kind === 'order_created');
    });
    expect(sandbox.transactions()).toHaveLength(1);
    await expect(c.runOnce({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

test('bad options are refused before anything runs', () => {
  const ok = { price: tablePrice, onEvent: () => {} };
  expect(() => new Cashier({}, ok)).toThrow(InvalidInputError);
  expect(() => new Cashier(client, { ...ok, price: 1 })).toThrow('price must be a function');
  expect(() => new Cashier(client, { ...ok, store: 'redis' })).toThrow(InvalidInputError);
  expect(() => new Cashier(client, { ...ok, pageSize: 500 })).toThrow(/page_size 500/);
  expect(() => new Cashier(client, { ...ok, concurrency: 0 })).toThrow(PayseraError);
  expect(() => new Cashier(client, { ...ok, store: { file: '/nonexistent/dir/cashier.log' } })).toThrow(
    StoreError, // a disk problem, not bad input
  );
});
