// till.js: an Express backend whose cashier takes Scan and Pay payments on its own.
const express = require('express');
const { Cashier, Client } = require('paysera-scanpay');

function createTill(paysera, cashierOptions = {}) {
  const app = express();
  const bills = new Map(); // table -> { cents, orderId }: your database, in real life
  const payments = [];

  // Polls Paysera, bills the tables customers scanned, takes the money they confirm and frees
  // the tables, exactly once. Handlers may be async; one that throws becomes an 'error' event.
  const cashier = new Cashier(paysera, {
    price: (spot) => {
      const bill = bills.get(spot.identifier);
      if (!bill) return null; // nothing ordered yet: asked again on the next tick
      return [{ description: `Table ${spot.identifier}`, price: bill.cents, currency: 'EUR', parameters: { orderid: bill.orderId } }];
    },
    onEvent: async (event) => {
      if (event.kind === 'paid') payments.push({ spotId: event.spot_id, amounts: event.amounts });
      if (event.kind === 'error') console.warn(`cashier: ${event.message}`);
    },
    ...cashierOptions, // store, pollIntervalMs, requestsPerMinute, customerTimeoutMs, ...
  });

  // The waiter's tablet sets a table's bill.
  app.put('/tables/:table/bill', express.json(), (req, res) => {
    bills.set(req.params.table, req.body);
    res.sendStatus(204);
  });
  app.get('/payments', (req, res) => res.json(payments));

  // Paysera's callbacks (`callbackUri` pointing here) wake the cashier at once; polling stays
  // the safety net. express.raw keeps the body exactly as Paysera signed it.
  app.post('/paysera/callback', express.raw({ type: 'application/x-www-form-urlencoded' }), async (req, res) => {
    try {
      res.sendStatus((await cashier.handleCallback(req.body)) ? 200 : 400);
    } catch {
      res.sendStatus(503); // Paysera's public key could not be fetched: it posts again later
    }
  });
  return { app, cashier };
}

// node till.js: the cashier runs beside the server until SIGTERM.
if (require.main === module) {
  const { PAYSERA_CLIENT_ID: clientId, PAYSERA_MAC_KEY: macKey, PAYSERA_BASE_URL: baseUrl } = process.env;
  const { app, cashier } = createTill(new Client({ clientId, macKey, baseUrl }), {
    store: process.env.CASHIER_STORE ?? 'sqlite://cashier.db', // a restart finishes what was started
    callbackUri: process.env.PAYSERA_CALLBACK_URI, // e.g. https://till.example/paysera/callback
  });
  const server = app.listen(process.env.PORT ?? 3000, () => console.log(`till: port ${server.address().port}`));
  const shutdown = new AbortController();
  process.once('SIGTERM', () => shutdown.abort());
  cashier.start({ signal: shutdown.signal }).then(() => server.close()); // stops between two steps
}

module.exports = { createTill };
