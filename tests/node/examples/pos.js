// pos.js: an Express POS backend taking payments with Paysera Scan and Pay.
const express = require('express');
const { InvalidStateError, PayseraError } = require('paysera-scanpay');
const { payseraCallback } = require('paysera-scanpay/express');

// paysera: a Client; pageSize: of the reserved listing.
function createApp({ paysera, pageSize = 100 }) {
  const app = express();
  const tableOf = new Map(); // transaction key -> spot id (your database, in real life)

  // A waiter bills a table whose QR code a customer scanned: the bill appears on their phone.
  app.post('/tables/:spotId/bill', express.json(), async (req, res, next) => {
    try {
      const { description, cents, orderId } = req.body;
      const tx = await paysera.createTransaction({
        payments: [{ description, price: cents, currency: 'EUR', parameters: { orderid: orderId } }],
      });
      await paysera.createSpotOrder(req.params.spotId, tx.transaction_key);
      tableOf.set(tx.transaction_key, req.params.spotId);
      res.status(201).json({ transaction_key: tx.transaction_key });
    } catch (err) {
      next(err);
    }
  });

  // Run every few seconds: take the money customers reserved for this app's bills, then free
  // their tables. Only this app's: a reserved transaction it did not create (another till,
  // another shop on the same account) is not its to capture. And collect before confirming:
  // each confirmation takes a transaction out of status=reserved, which shifts the offsets of
  // the pages still to be read, so confirming while paging would skip bills.
  app.post('/settle', async (req, res, next) => {
    try {
      const reserved = [];
      for await (const tx of paysera.iterTransactions({ status: 'reserved', limit: pageSize })) {
        if (tableOf.has(tx.transaction_key)) reserved.push(tx.transaction_key);
      }
      const confirmed = [];
      for (const key of reserved) {
        try {
          await paysera.confirmTransaction(key);
        } catch (err) {
          if (err instanceof InvalidStateError) continue; // revoked or expired meanwhile: look at it
          throw err;
        }
        await paysera.closeSpot(tableOf.get(key));
        tableOf.delete(key);
        confirmed.push(key);
      }
      res.json({ confirmed });
    } catch (err) {
      next(err);
    }
  });

  // Paysera's callbacks: the signature is checked over the exact bytes received, with Paysera's
  // public key (fetched by the client, cached, fetched again if Paysera rotates it). Genuine
  // ones reach onCallback and get 200 OK; the rest get 400. No body parser runs before it.
  app.post(
    '/paysera/callback',
    payseraCallback({
      verify: paysera,
      onCallback: ({ type, data }) => app.emit('paysera', type, data), // e.g. 'reserved': tell the waiter's tablet
    }),
  );

  // Paysera's errors carry what support needs; none of them contains your MAC key.
  app.use((err, req, res, next) => {
    if (err instanceof InvalidStateError) return res.status(409).json({ error: err.code, detail: err.description });
    if (err instanceof PayseraError) {
      return res.status(502).json({ error: err.code, correlationId: err.correlationId, retryable: err.retryable });
    }
    next(err);
  });
  return app;
}

module.exports = { createApp };
