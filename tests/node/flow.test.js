// The whole Scan and Pay flow, merchant side through `Client`, customer side through the sandbox.
const { Client, parseCallbackForm, qr, verifyCallback, verifyCallbackEvent } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { callbackReceiver, eventually } = require('./helpers');

let sandbox;
let client;
let receiver;

beforeAll(async () => {
  sandbox = await Sandbox.start();
  client = sandbox.client();
  receiver = await callbackReceiver();
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
});

beforeEach(() => sandbox.reset());

test('a table is paid from scan to closed spot', async () => {
  sandbox.createLocation(7, { title: 'Café Vilnius', address: 'Gedimino pr. 1' });
  const spot = sandbox.createSpot(7, 'table4');
  expect(spot.status).toBe('closed');
  expect(spot.place_info).toMatchObject({ title: 'Café Vilnius', location_id: 7 });

  // 1. The customer scans the table's printed code.
  sandbox.scan(qr.spotCode(7, 'table4'));

  // 2. The merchant sees the spot waiting.
  const waiting = await client.listSpots({ status: 'waiting', locationId: 7 });
  expect(waiting.spots.map((s) => s.id)).toEqual([spot.id]);
  expect(waiting.spots[0].check_ins).toHaveLength(1);

  // 3. Prices the table, with its own order reference.
  const tx = await client.createTransaction({
    payments: [{ description: 'Table 4', price: 1299, currency: 'EUR', parameters: { orderid: 1234 } }],
    redirect_uri: 'https://example.com/done',
    callback_uri: receiver.url,
  });
  expect(tx.status).toBe('new');
  expect(tx.transaction_key).toMatch(/^[A-Za-z0-9]+$/);
  expect(tx.payments[0]).toMatchObject({ price: 1299, currency: 'EUR', price_decimal: '12.99' });
  expect(tx.payments[0].parameters).toEqual({ orderid: 1234 });

  // 4. Attaches it to the spot.
  const order = await client.createSpotOrder(spot.id, tx.transaction_key);
  expect(order.transaction_key).toBe(tx.transaction_key);
  expect(typeof order.id).toBe('number');

  // 5. The customer confirms in the app.
  expect(sandbox.confirm(tx.transaction_key).status).toBe('reserved');

  // 6. The merchant finds it reserved, by list, by iterator and by key.
  const reserved = await client.listTransactions({ status: 'reserved' });
  expect(reserved.transactions.map((t) => t.transaction_key)).toEqual([tx.transaction_key]);
  const iterated = [];
  for await (const t of client.iterTransactions({ status: ['reserved', 'confirmed'], limit: 1 })) iterated.push(t);
  expect(iterated.map((t) => t.transaction_key)).toEqual([tx.transaction_key]);
  expect((await client.getTransaction(tx.transaction_key)).status).toBe('reserved');

  // 7. Takes the money, 8. frees the table.
  const confirmed = await client.confirmTransaction(tx.transaction_key);
  expect(confirmed.status).toBe('confirmed');
  const closed = await client.closeSpot(spot.id);
  expect(closed.status).toBe('closed');

  // Every merchant request was MAC-signed with the sandbox credentials.
  const api = sandbox.requests().filter((r) => r.path.startsWith('/rest/v1/'));
  expect(api.length).toBeGreaterThanOrEqual(8);
  for (const r of api) {
    expect(r.client_id).toBe(sandbox.clientId);
    expect(r.status).toBe(200);
  }
  const post = api.find((r) => r.method === 'POST' && r.path === '/rest/v1/transaction');
  expect(post.ext).toMatch(/^body_hash=/);

  // The reservation callback arrives signed; verify it over the exact bytes received.
  const body = await eventually(() => receiver.bodies[0]);
  const { event, sign } = parseCallbackForm(body);
  expect(verifyCallback(event, sign, sandbox.publicKeyPem)).toBe(true);
  expect(await client.verifyCallback(event, sign)).toBe(true);
  const decoded = verifyCallbackEvent(event, sign, await client.getPublicKey());
  expect(decoded).toMatchObject({ type: 'reserved', object: 'transaction' });
  expect(decoded.data.transaction_key).toBe(tx.transaction_key);
});

test('spot lookups, paging and revocation', async () => {
  const spots = ['a', 'b', 'c'].map((id) => sandbox.createSpot(3, id));
  for (const s of spots) sandbox.scan(s.id);
  expect((await client.getSpot(spots[1].id)).identifier).toBe('b');
  expect((await client.getSpot(String(spots[1].id))).id).toBe(spots[1].id);
  expect((await client.getSpot(BigInt(spots[1].id))).id).toBe(spots[1].id);

  const seen = [];
  for await (const s of client.iterSpots({ status: 'waiting', limit: 2 })) seen.push(s.identifier);
  expect(seen).toEqual(['a', 'b', 'c']);
  const pages = sandbox.requests().filter((r) => r.path.startsWith('/rest/v1/spots'));
  expect(pages.map((r) => r.path)).toEqual([
    '/rest/v1/spots?status=waiting&limit=2&offset=0',
    '/rest/v1/spots?status=waiting&limit=2&offset=2',
  ]);

  const tx = await client.createTransaction({ payments: [{ description: 'x', price_decimal: '5.00', currency: 'EUR' }] });
  const revoked = await client.revokeTransaction(tx.transaction_key);
  expect(revoked.status).toBe('revoked');
});

test('confirm can lower a price; the customer can reject', async () => {
  const tx = await client.createTransaction({ payments: [{ description: 'x', price: 1000, currency: 'EUR' }] });
  sandbox.confirm(tx.transaction_key);
  const paymentId = tx.payments[0].id;
  const confirmed = await client.confirmTransaction(tx.transaction_key, {
    prices: { [paymentId]: { price: 800, currency: 'EUR' } },
  });
  expect(confirmed.payments[0].price).toBe(800);

  const other = await client.createTransaction({ payments: [{ description: 'y', price: 100, currency: 'EUR' }] });
  expect(sandbox.reject(other.transaction_key).status).toBe('rejected');
  expect((await client.getTransaction(other.transaction_key)).status).toBe('rejected');
});

test('server time, clock skew re-sync and public key', async () => {
  expect(Math.abs((await client.serverTime()) - sandbox.now())).toBeLessThanOrEqual(1);
  // The sandbox clock jumps an hour ahead: the next call meets invalid_timestamp, re-syncs, succeeds.
  sandbox.advanceClock(3600);
  const skewed = sandbox.client();
  await skewed.listSpots();
  expect(skewed.clockOffset).toBeGreaterThanOrEqual(3599);
  expect(await client.getPublicKey()).toBe(sandbox.publicKeyPem);
});

test('sandbox options: own credentials and project', async () => {
  const own = await Sandbox.start({ clients: [{ clientId: 'pos-1', macKey: 'k-123' }], projectId: 42 });
  try {
    expect(own.credentials).toEqual({ clientId: 'pos-1', macKey: 'k-123', baseUrl: own.baseUrl });
    const tx = await own.client().createTransaction({ payments: [{ description: 'x', price: 1, currency: 'EUR' }] });
    expect(tx.project_id).toBe(42);
    expect(own.transactions()).toHaveLength(1);
    expect(own.spots()).toEqual([]);
  } finally {
    await own.stop();
  }
  expect(own.running).toBe(false);
  expect(() => own.now()).toThrow(/stopped/);
  await own.stop();
});
