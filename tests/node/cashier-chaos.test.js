// A smaller chaos run of the cashier from Node: 30 tables, customers who confirm, reject or walk
// away (decided by spot id), a few percent of requests hit by faults of every kind, an onEvent
// that fails about 10% of the time, and the cashier killed mid-tick or stopped, then re-created
// from the same file store, again and again. Every event is delivered at least once, and exactly
// once after de-duplication by id.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Cashier, PayseraError } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

const SPOTS = 30;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator (mulberry32): the same blips on every run. */
function seeded(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let sandbox;
beforeAll(async () => {
  sandbox = await Sandbox.start();
});
afterAll(() => sandbox.stop());

/** The customers look at their apps: each live order is confirmed, rejected or ignored,
 * depending on its spot id. */
function customersAct(decided, violations) {
  const confirmed = [];
  const status = new Map(sandbox.transactions().map((t) => [t.transaction_key, t.status]));
  for (const spot of sandbox.spots()) {
    const live = (spot.orders ?? []).filter((o) => o.status === 'pending' || o.status === 'reserved');
    if (live.length > 1) violations.push(`spot ${spot.id} has ${live.length} live orders`);
    for (const order of live) {
      const key = order.transaction_key;
      if (decided.has(key) || status.get(key) !== 'new') continue;
      decided.add(key);
      const choice = spot.id % 10;
      if (choice < 6) {
        sandbox.confirm(key);
        confirmed.push(key);
      } else if (choice < 8) {
        sandbox.reject(key);
      } // else the customer walks away
    }
  }
  return confirmed;
}

test('chaos: faults, kills and restarts from the file store; exactly once throughout', async () => {
  for (let i = 0; i < SPOTS; i++) {
    const spot = sandbox.createSpot(1 + (i % 3), `t${i}`);
    sandbox.scan(spot.id, { userId: 1000 + i });
  }
  // About 10% of requests fail, in every way, reproducibly.
  const faults = [
    [{ kind: 'error', status: 503, code: 'internal_server_error' }, 0.02],
    [{ kind: 'error', status: 500, code: 'internal_server_error' }, 0.01],
    [{ kind: 'rate_limit', retryAfter: 0 }, 0.015],
    [{ kind: 'drop' }, 0.015],
    [{ kind: 'apply_then_drop' }, 0.03],
    [{ kind: 'truncate' }, 0.005],
    [{ kind: 'malformed' }, 0.005],
    [{ kind: 'delay', ms: 30 }, 0.01],
  ];
  faults.forEach(([rule, probability], i) => sandbox.injectFault({ ...rule, probability, seed: 1000 + i }));

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-chaos-')), 'cashier.log');
  // Events the handler acknowledged (returned without throwing), duplicates included.
  const events = [];
  const failed = [];
  const blip = seeded(7);
  const decided = new Set();
  const violations = [];
  const customerConfirms = [];
  let maxPolls = 0;
  let kills = 0;
  let stops = 0;
  let cashier;
  const started = Date.now();

  for (let round = 1; ; round++) {
    expect(Date.now() - started).toBeLessThan(20000);
    // A new cashier over the same log, as after a process restart.
    cashier = new Cashier(sandbox.client(), {
      // Sync for some tables, async for others.
      price: (spot) => {
        const payments = [{ description: `Table ${spot.identifier}`, price: 500 + (spot.id % 7) * 100, currency: 'EUR' }];
        return spot.id % 2 ? payments : sleep(1).then(() => payments);
      },
      // The shop's database blips on about 10% of the events (sync throws and async rejections).
      onEvent: (event) => {
        if (event.kind !== 'error' && blip() < 0.1) {
          failed.push(event);
          if (event.spot_id % 2) throw new Error('database blip');
          return Promise.reject(new Error('database blip'));
        }
        events.push(event);
        return undefined;
      },
      store: { file },
      pollIntervalMs: 5,
      requestsPerMinute: 0,
      customerTimeoutMs: 2000,
      pageSize: 10,
      concurrency: 4,
      eventRetryMs: 5,
      eventRetryMaxMs: 20,
    });
    const tick = async (signal) => {
      try {
        const report = await cashier.runOnce({ signal });
        maxPolls = Math.max(maxPolls, report.polling_requests);
      } catch (e) {
        // A tick that could not poll (Paysera failing) rejects; the next one tries again.
        if (!(e instanceof PayseraError)) throw e;
      }
    };
    if (round <= 6 && round % 2 === 1) {
      // Killed: ticks until the signal fires, wherever the tick then is.
      const signal = AbortSignal.timeout(15 + ((round * 37) % 60));
      const outcome = await (async () => {
        for (;;) await tick(signal);
      })().catch((e) => e);
      expect(outcome).toMatchObject({ name: 'TimeoutError' });
      kills++;
    } else if (round <= 6) {
      // Stopped cleanly between steps.
      const running = cashier.start();
      await sleep(40 + round * 10);
      cashier.stop();
      await running;
      stops++;
    } else {
      for (let i = 0; i < 3; i++) await tick();
    }
    customerConfirms.push(...customersAct(decided, violations));
    const settled = cashier.records().length === 0 && cashier.undelivered().length === 0;
    const done = round > 6 && settled && sandbox.spots().every((s) => s.status === 'closed');
    if (done) break;
    await sleep(20);
  }

  expect([kills, stops]).toEqual([3, 3]);
  expect(violations).toEqual([]);
  expect(maxPolls).toBeLessThanOrEqual(2);
  expect(maxPolls).toBeGreaterThan(0);

  const txs = sandbox.transactions();
  // At most one transaction per check-in, and every check-in got one.
  const perReference = new Map();
  for (const t of txs) {
    const reference = t.payments[0].parameters.scanpay_reference;
    perReference.set(reference, (perReference.get(reference) ?? 0) + 1);
  }
  expect([...perReference.entries()].filter(([, n]) => n > 1)).toEqual([]);
  expect(perReference.size).toBe(SPOTS);

  // Every customer confirmation: exactly one confirmed transaction, and its paid event delivered at
  // least once, exactly once after de-duplication by id, with the payment's parameters.
  const confirmed = txs.filter((t) => t.status === 'confirmed').map((t) => t.transaction_key);
  expect(customerConfirms.length).toBeGreaterThan(5);
  expect(confirmed.sort()).toEqual([...customerConfirms].sort());
  expect(failed.length).toBeGreaterThanOrEqual(3);
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  for (const key of confirmed) {
    expect([key, events.some((e) => e.kind === 'paid' && e.transaction_key === key)]).toEqual([key, true]);
    expect([key, unique.filter((e) => e.kind === 'paid' && e.transaction_key === key).length]).toEqual([key, 1]);
  }
  const paid = unique.filter((e) => e.kind === 'paid');
  expect(paid).toHaveLength(confirmed.length);
  for (const e of paid) expect(e.parameters.scanpay_reference).toBe(e.reference);

  // Nothing left reserved; rejections and walk-aways reported as such.
  const reported = (kind, key) => events.some((e) => e.kind === kind && e.transaction_key === key);
  for (const t of txs) {
    if (t.status === 'rejected') expect([t.transaction_key, reported('rejected', t.transaction_key)]).toEqual([t.transaction_key, true]);
    else if (t.status === 'revoked') expect([t.transaction_key, reported('expired', t.transaction_key)]).toEqual([t.transaction_key, true]);
    else expect([t.transaction_key, t.status]).toEqual([t.transaction_key, 'confirmed']);
  }

  // Every spot closed, and reported closed.
  expect(sandbox.spots().filter((s) => s.status !== 'closed')).toEqual([]);
  expect(new Set(events.filter((e) => e.kind === 'spot_closed').map((e) => e.spot_id)).size).toBe(SPOTS);

  const hit = sandbox.requests().filter((r) => r.fault != null);
  expect(hit.length).toBeGreaterThanOrEqual(5);
  expect(new Set(hit.map((r) => r.fault)).size).toBeGreaterThanOrEqual(3);
}, 30000);
