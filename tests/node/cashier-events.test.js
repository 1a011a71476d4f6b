// At-least-once events from Node: an onEvent that throws or rejects gets the event again on a
// later tick, in order per spot, without holding up other spots; undelivered events survive a
// restart over the file store; events say which order was paid. Ticks are counted, never timed:
// with eventRetryMs 0 a failed event is retried on the next tick.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Cashier } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

let sandbox;
let client;
beforeAll(async () => {
  sandbox = await Sandbox.start();
  client = sandbox.client();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  sandbox.setAutopilot('confirm');
});

/** The shop sets its own order id in the payment's parameters. */
const price = (spot) => [
  { description: `Table ${spot.identifier}`, price: 1000 + spot.id, currency: 'EUR', parameters: { orderid: `order-${spot.id}` } },
];

/** An onEvent whose Promise rejects the first `failures[`${spotId}:${kind}`]` times. */
function shop(failures = {}) {
  const calls = [];
  const onEvent = async (event) => {
    const key = `${event.spot_id}:${event.kind}`;
    const ok = !(failures[key] > 0) || event.kind === 'error';
    calls.push({ event, ok });
    if (!ok) {
      failures[key] -= 1;
      throw new Error('database is down');
    }
  };
  const delivered = (spotId) => calls.filter((c) => c.ok && c.event.spot_id === spotId && c.event.kind !== 'error').map((c) => c.event.kind);
  return { onEvent, calls, delivered };
}

const options = (onEvent, extra = {}) => ({ price, onEvent, pollIntervalMs: 0, requestsPerMinute: 0, eventRetryMs: 0, eventRetryMaxMs: 0, ...extra });
const kinds = (report) => report.events.map((e) => e.kind);

test('a failing paid handler is retried, in order, and delivered once it succeeds', async () => {
  const table = sandbox.createSpot(7, 't1');
  sandbox.scan(table.id);
  const s = shop({ [`${table.id}:paid`]: 3 });
  const cashier = new Cashier(client, options(s.onEvent));

  const first = await cashier.runOnce();
  expect(kinds(first)).toEqual(['order_created', 'error']);
  expect(first.events[1].message).toBe('event handler failed on paid: database is down');
  // The money side is done; paid waits, and spot_closed waits behind it.
  expect(sandbox.spots()[0].status).toBe('closed');
  expect(cashier.records()).toEqual([]);
  const waiting = cashier.undelivered();
  expect(waiting).toMatchObject([
    { event: { kind: 'paid' }, attempts: 1, last_error: 'database is down' },
    { event: { kind: 'spot_closed' }, attempts: 0, last_error: null },
  ]);
  expect(waiting[0].seq).toBeLessThan(waiting[1].seq);
  expect(typeof waiting[0].next_attempt_at_ms).toBe('number');

  for (const attempts of [2, 3]) {
    expect(kinds(await cashier.runOnce())).toEqual(['error']);
    expect(cashier.undelivered()[0].attempts).toBe(attempts);
  }
  const last = await cashier.runOnce();
  expect(kinds(last)).toEqual(['paid', 'spot_closed']);
  expect(cashier.undelivered()).toEqual([]);
  expect((await cashier.runOnce()).events).toEqual([]);

  expect(s.calls.filter((c) => c.event.kind === 'paid').map((c) => c.ok)).toEqual([false, false, false, true]);
  expect(s.delivered(table.id)).toEqual(['order_created', 'paid', 'spot_closed']);
  const [paid] = last.events;
  expect(paid).toMatchObject({
    id: `${paid.reference}:paid`,
    spot_id: table.id,
    location_id: 7,
    transaction_key: sandbox.transactions()[0].transaction_key,
    amounts: [{ price: 1000 + table.id, currency: 'EUR' }],
    parameters: { orderid: `order-${table.id}`, scanpay_reference: paid.reference },
  });
});

test('a spot whose handler keeps failing does not hold up the others', async () => {
  const stuck = sandbox.createSpot(1, 'stuck');
  const others = [0, 1, 2].map((i) => sandbox.createSpot(1, `t${i}`));
  for (const spot of [stuck, ...others]) sandbox.scan(spot.id);
  const s = shop({ [`${stuck.id}:order_created`]: Infinity });
  const cashier = new Cashier(client, options(s.onEvent));
  for (let i = 0; i < 3; i++) await cashier.runOnce();
  expect(sandbox.spots().every((spot) => spot.status === 'closed')).toBe(true);
  for (const spot of others) expect(s.delivered(spot.id)).toEqual(['order_created', 'paid', 'spot_closed']);
  expect(s.delivered(stuck.id)).toEqual([]);
  expect(cashier.undelivered().map((u) => [u.event.spot_id, u.event.kind, u.attempts])).toEqual([
    [stuck.id, 'order_created', 3],
    [stuck.id, 'paid', 0],
    [stuck.id, 'spot_closed', 0],
  ]);
});

test('undelivered events survive a restart over the file store', async () => {
  const table = sandbox.createSpot(1, 't1');
  sandbox.scan(table.id);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-events-')), 'cashier.log');
  const down = shop({ [`${table.id}:paid`]: Infinity });
  const crashed = new Cashier(client, options(down.onEvent, { store: { file } }));
  await crashed.runOnce();
  expect(crashed.undelivered().map((u) => u.event.kind)).toEqual(['paid', 'spot_closed']);

  // A new process over the same log, with the shop's database back.
  const up = shop();
  const restarted = new Cashier(client, options(up.onEvent, { store: { file } }));
  expect(restarted.undelivered().map((u) => [u.event.kind, u.attempts])).toEqual([
    ['paid', 1],
    ['spot_closed', 0],
  ]);
  const report = await restarted.runOnce();
  expect(kinds(report)).toEqual(['paid', 'spot_closed']);
  expect(report.events[0].parameters.orderid).toBe(`order-${table.id}`);
  expect(restarted.undelivered()).toEqual([]);
  expect(new Cashier(client, options(up.onEvent, { store: { file } })).undelivered()).toEqual([]);
});
