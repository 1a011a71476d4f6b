// pos.test.js: the POS backend against the in-process sandbox, with jest.
const { Sandbox } = require('paysera-scanpay/testing');
const { createApp } = require('./pos');

let sandbox;
let app;
let server;
let base;

beforeAll(async () => {
  sandbox = await Sandbox.start();
  // One bill per page: settling has to read several pages.
  app = createApp({ paysera: sandbox.client(), pageSize: 1 });
  server = app.listen(0);
  base = `http://127.0.0.1:${server.address().port}`;
});

afterAll(async () => {
  server.close();
  await sandbox.stop();
});

beforeEach(() => sandbox.reset());

const post = (path, body) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a table is billed, paid in the app and freed', async () => {
  const table = sandbox.createSpot(1, 'table4', { title: 'Bistro' });
  sandbox.scan(table.id); // the customer scans PAYSERA*1:table4

  const bill = await post(`/tables/${table.id}/bill`, { description: 'Table 4', cents: 2598, orderId: 'A-17' });
  expect(bill.status).toBe(201);
  const { transaction_key } = await bill.json();

  sandbox.confirm(transaction_key); // the customer confirms in the Paysera app

  const settled = await (await post('/settle')).json();
  expect(settled.confirmed).toEqual([transaction_key]);
  expect(sandbox.transactions()[0].status).toBe('confirmed');
  expect(sandbox.spots()[0].status).toBe('closed');
});

test('every reserved bill is settled, however many pages they span', async () => {
  const keys = [];
  for (const n of [1, 2, 3]) {
    const table = sandbox.createSpot(1, `table${n}`);
    sandbox.scan(table.id);
    const bill = await post(`/tables/${table.id}/bill`, { description: `Table ${n}`, cents: 100 * n, orderId: `B-${n}` });
    const { transaction_key } = await bill.json();
    sandbox.confirm(transaction_key);
    keys.push(transaction_key);
  }

  const settled = await (await post('/settle')).json();
  expect([...settled.confirmed].sort()).toEqual([...keys].sort());
  expect(sandbox.transactions().map((tx) => tx.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
  expect(sandbox.spots().map((spot) => spot.status)).toEqual(['closed', 'closed', 'closed']);
});

test('a reservation this app did not create is left alone', async () => {
  const elsewhere = await sandbox.client().createTransaction({
    payments: [{ description: 'Another till', price: 990, currency: 'EUR' }],
  });
  sandbox.confirm(elsewhere.transaction_key); // reserved, but not by this app

  const settled = await (await post('/settle')).json();
  expect(settled.confirmed).toEqual([]);
  expect(sandbox.transactions()[0].status).toBe('reserved');
});

test('billing a table nobody scanned is a conflict', async () => {
  const table = sandbox.createSpot(1, 'table5');
  const bill = await post(`/tables/${table.id}/bill`, { description: 'Table 5', cents: 100, orderId: 'A-18' });
  expect(bill.status).toBe(409);
});

test('Paysera being down is a 502 that names the failure', async () => {
  const table = sandbox.createSpot(1, 'table6');
  sandbox.scan(table.id);
  sandbox.injectFault({ kind: 'error', status: 500, method: 'POST', path: '/transaction' });
  const bill = await post(`/tables/${table.id}/bill`, { description: 'Table 6', cents: 100, orderId: 'A-19' });
  expect(bill.status).toBe(502);
  expect(await bill.json()).toMatchObject({ error: 'internal_server_error', retryable: false });
});

test("Paysera's signed callbacks are accepted, forged ones refused", async () => {
  const seen = new Promise((resolve) => app.once('paysera', (type, tx) => resolve([type, tx.transaction_key])));
  const tx = await sandbox.client().createTransaction({
    payments: [{ description: 'Bar', price: 450, currency: 'EUR' }],
    callback_uri: `${base}/paysera/callback`,
  });
  sandbox.confirm(tx.transaction_key); // Paysera POSTs a signed 'reserved' event to the app
  expect(await seen).toEqual(['reserved', tx.transaction_key]);

  const forged = await fetch(`${base}/paysera/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `event=${encodeURIComponent('{"type":"reserved"}')}&sign=${encodeURIComponent(Buffer.alloc(256, 7).toString('base64'))}`,
  });
  expect(forged.status).toBe(400);
});
