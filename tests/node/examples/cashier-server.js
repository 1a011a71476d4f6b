// cashier-server.js: the cashier's own process serves Paysera's callbacks, here with Fastify. One
// such process per store (docs/deployment.md); the web app and its workers never see a callback.
const Fastify = require('fastify');
const { Cashier, Client } = require('paysera-scanpay');
const { payseraCallbackPlugin } = require('paysera-scanpay/fastify');

function createCashierServer(paysera, cashierOptions) {
  const cashier = new Cashier(paysera, cashierOptions); // with callbackUri: this server's public URL
  const app = Fastify();
  // Verifies each callback over the exact bytes received (its own form parser, in its own
  // context), wakes the cashier and answers 200 OK; anything not genuine gets 400.
  app.register(payseraCallbackPlugin, { path: '/paysera/callback', cashier });
  app.get('/health', async () => ({ running: cashier.running }));
  return { app, cashier };
}

// node cashier-server.js
if (require.main === module) {
  const { PAYSERA_CLIENT_ID: clientId, PAYSERA_MAC_KEY: macKey } = process.env;
  const { app, cashier } = createCashierServer(new Client({ clientId, macKey }), {
    price: (spot) => [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR' }], // your pricing
    onEvent: (event) => console.log(event.kind, event.spot_id), // your bookkeeping
    store: process.env.CASHIER_STORE ?? 'sqlite://cashier.db',
    callbackUri: process.env.PAYSERA_CALLBACK_URI, // e.g. https://shop.example/paysera/callback
  });
  const shutdown = new AbortController();
  process.once('SIGTERM', () => shutdown.abort());
  app
    .listen({ port: Number(process.env.PORT ?? 3001), host: '0.0.0.0' })
    .then(() => cashier.start({ signal: shutdown.signal })) // stops between two steps
    .then(() => app.close());
}

module.exports = { createCashierServer };
