// till.test.js: the till against the in-process sandbox, whose customers confirm on their own.
const { Sandbox } = require('paysera-scanpay/testing');
const { createTill } = require('./till');

let sandbox;
let till;
let server;
let running;
let base;

const until = async (check) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
};

beforeAll(async () => {
  sandbox = await Sandbox.start();
  till = createTill(sandbox.client(), { pollIntervalMs: 20 });
  server = till.app.listen(0);
  base = `http://127.0.0.1:${server.address().port}`;
  running = till.cashier.start(); // in the background, on the core's threads
});

afterAll(async () => {
  till.cashier.stop();
  await running;
  server.close();
  await sandbox.stop();
});

test('a billed table is paid and freed without anyone calling Paysera by hand', async () => {
  sandbox.setAutopilot('confirm'); // every customer confirms as soon as the bill shows up
  const table = sandbox.createSpot(1, 'table7');
  await fetch(`${base}/tables/table7/bill`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cents: 2450, orderId: 'A-21' }),
  });
  sandbox.scan(table.id);

  await until(() => sandbox.spots()[0].status === 'closed'); // paid, then the table freed
  const payments = await (await fetch(`${base}/payments`)).json();
  expect(payments).toEqual([{ spotId: table.id, amounts: [{ price: 2450, currency: 'EUR' }] }]);
  expect(sandbox.transactions()[0]).toMatchObject({ status: 'confirmed' });
});

test('the callback route refuses what Paysera did not sign', async () => {
  const forged = await fetch(`${base}/paysera/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ event: '{"type":"reserved"}', sign: 'AAAA' }).toString(),
  });
  expect(forged.status).toBe(400);
});
