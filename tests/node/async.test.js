// AbortSignal cancellation, concurrency, and an event loop that keeps ticking.
const { MacSigner } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

let sandbox;
let client;
beforeAll(async () => {
  sandbox = await Sandbox.start();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  client = sandbox.client();
});

describe('AbortSignal', () => {
  test('aborting rejects at once with the signal reason', async () => {
    sandbox.injectFault({ kind: 'delay', ms: 3000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = client.listSpots({ signal: controller.signal });
    expect(typeof pending.then).toBe('function');
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    // The client is fine afterwards.
    await expect(client.listSpots()).resolves.toHaveProperty('spots');
  });

  test('a custom reason and AbortSignal.timeout', async () => {
    sandbox.injectFault({ kind: 'delay', ms: 3000, count: 2 });
    const controller = new AbortController();
    const reason = new Error('shift ended');
    const pending = client.getSpot(1, { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(client.serverTime({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  test('an already aborted signal sends nothing', async () => {
    const signal = AbortSignal.abort();
    await expect(client.createTransaction({ payments: [{ description: 'x', price: 1, currency: 'EUR' }] }, { signal }))
      .rejects.toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 50));
    expect(sandbox.requests()).toHaveLength(0);
  });

  test('every method accepts a signal', async () => {
    const tx = await client.createTransaction({ payments: [{ description: 'x', price: 1, currency: 'EUR' }] });
    const spot = sandbox.createSpot(1, 't');
    sandbox.scan(spot.id);
    const { signal } = new AbortController();
    const calls = [
      client.listSpots({ signal }),
      client.getSpot(spot.id, { signal }),
      client.listTransactions({ signal }),
      client.getTransaction(tx.transaction_key, { signal }),
      client.serverTime({ signal }),
      client.getPublicKey({ signal }),
    ];
    await Promise.all(calls);
    await client.createSpotOrder(spot.id, tx.transaction_key, { signal });
    sandbox.confirm(tx.transaction_key);
    await client.confirmTransaction(tx.transaction_key, { signal });
    await client.closeSpot(spot.id, { signal });
    const other = await client.createTransaction({ payments: [{ description: 'y', price: 1, currency: 'EUR' }] }, { signal });
    await client.revokeTransaction(other.transaction_key, { signal });
    const items = [];
    for await (const t of client.iterTransactions({ signal })) items.push(t);
    expect(items).toHaveLength(2);
  });

  test('aborting an iterator stops it', async () => {
    for (let i = 0; i < 3; i++) sandbox.scan(sandbox.createSpot(1, `t${i}`).id);
    const controller = new AbortController();
    const seen = [];
    await expect(
      (async () => {
        for await (const s of client.iterSpots({ limit: 1, signal: controller.signal })) {
          seen.push(s.id);
          sandbox.injectFault({ kind: 'delay', ms: 3000 });
          setTimeout(() => controller.abort(), 20);
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
  });
});

test('100 concurrent requests', async () => {
  const spot = sandbox.createSpot(1, 'busy');
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      i % 2 ? client.getSpot(spot.id) : client.createTransaction({ payments: [{ description: `#${i}`, price: i + 1, currency: 'EUR' }] }),
    ),
  );
  expect(results.filter((r) => r.id === spot.id)).toHaveLength(50);
  const keys = new Set(results.filter((r) => r.transaction_key).map((r) => r.transaction_key));
  expect(keys.size).toBe(50);
  expect(sandbox.transactions()).toHaveLength(50);
  const nonces = sandbox.requests().map((r) => r.nonce);
  expect(new Set(nonces).size).toBe(100);
});

test('the event loop keeps ticking during slow requests and batch signing', async () => {
  sandbox.injectFault({ kind: 'delay', ms: 400, count: 20 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const started = Date.now();
  const slow = Promise.all(Array.from({ length: 20 }, () => client.serverTime()));
  const signer = new MacSigner('wkVd93h2uS', 'IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU');
  const batch = signer.authorizationBatch(
    Array.from({ length: 20000 }, (_, i) => ({ method: 'POST', url: `https://wallet.paysera.com/rest/v1/transaction?i=${i}`, body: '{"a":1}' })),
  );
  expect(typeof batch.then).toBe('function');
  const ticksWhenCalled = ticks;
  const [times, headers] = await Promise.all([slow, batch]);
  const elapsed = Date.now() - started;
  clearInterval(timer);
  expect(times).toHaveLength(20);
  expect(headers).toHaveLength(20000);
  expect(ticksWhenCalled).toBe(0); // the calls returned at once
  expect(elapsed).toBeGreaterThanOrEqual(390);
  // A blocked loop would tick once or twice; a free one about every 10 ms.
  expect(ticks).toBeGreaterThan(elapsed / 10 / 3);
});
