// cashier-server.js (shown in docs/node.md) against the sandbox: a signed callback posted to its
// Fastify route makes the cashier confirm at once; a forged one is refused.
const { Sandbox } = require('paysera-scanpay/testing');
const { createCashierServer } = require('./cashier-server');
const { eventually, orderedTickDone } = require('../helpers');

let sandbox;
let server;
let running;
let base;

beforeAll(async () => {
  sandbox = await Sandbox.start();
  sandbox.scan(sandbox.createSpot(1, 'table3').id); // billed by the cashier's first tick
  server = createCashierServer(sandbox.client(), {
    price: () => [{ description: 'Table 3', price: 1550, currency: 'EUR' }],
    onEvent: () => {},
    pollIntervalMs: 60_000, // only a callback can explain a prompt confirmation
    callbackUri: 'http://127.0.0.1:9/paysera/callback', // lost: this test posts the callback itself
  });
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  running = server.cashier.start();
});

afterAll(async () => {
  server.cashier.stop();
  await running;
  await server.app.close();
  await sandbox.stop();
});

const post = (fields) =>
  fetch(`${base}/paysera/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

test("Paysera's signed callback settles the bill at once; a forged one changes nothing", async () => {
  expect(await (await fetch(`${base}/health`)).json()).toEqual({ running: true });
  await eventually(() => orderedTickDone(sandbox)); // billed, and that tick is over
  sandbox.confirm(sandbox.transactions()[0].transaction_key); // the customer confirms in the app
  const [sent] = await eventually(() => (sandbox.callbacks().length ? sandbox.callbacks() : null));

  const forged = await post({ event: sent.event, sign: Buffer.alloc(256, 7).toString('base64') });
  expect(forged.status).toBe(400);
  expect(sandbox.transactions()[0].status).toBe('reserved');

  const genuine = await post({ event: sent.event, sign: sent.sign });
  expect([genuine.status, await genuine.text()]).toEqual([200, 'OK']);
  await eventually(() => sandbox.spots()[0].status === 'closed');
  expect(sandbox.transactions()[0].status).toBe('confirmed');
});
