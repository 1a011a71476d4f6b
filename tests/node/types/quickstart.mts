import { Client, InvalidStateError } from 'paysera-scanpay';

const paysera = new Client({ clientId: process.env.PAYSERA_CLIENT_ID!, macKey: process.env.PAYSERA_MAC_KEY! });

// 2. Tables whose QR code a customer scanned.
const { spots } = await paysera.listSpots({ status: 'waiting' });
for (const spot of spots) {
  // 3. Price the table (integer cents), 4. attach it: the bill appears in the customer's app.
  const tx = await paysera.createTransaction({
    payments: [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR', parameters: { orderid: 1234 } }],
  });
  await paysera.createSpotOrder(spot.id, tx.transaction_key);
}

// 6. What customers confirmed, 7. take the money.
for await (const tx of paysera.iterTransactions({ status: 'reserved' })) {
  try {
    await paysera.confirmTransaction(tx.transaction_key, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    if (!(err instanceof InvalidStateError)) throw err; // e.g. revoked meanwhile
  }
}
