// quickstart.mts: bill the tables customers scanned; on a later poll, take the money for your own bills.
import { Client, InvalidStateError } from 'paysera-scanpay';

const paysera = new Client({ clientId: process.env.PAYSERA_CLIENT_ID!, macKey: process.env.PAYSERA_MAC_KEY! });
const billed = new Map<string, number>(); // transaction key -> spot id: your database, in real life

// 2. Tables whose QR code a customer scanned.
const { spots } = await paysera.listSpots({ status: 'waiting' });
for (const spot of spots) {
  // 3. Price the table (integer cents), 4. attach it: the bill appears in the customer's app.
  const tx = await paysera.createTransaction({
    payments: [{ description: `Table ${spot.identifier}`, price: 1299, currency: 'EUR', parameters: { orderid: 1234 } }],
  });
  await paysera.createSpotOrder(spot.id, tx.transaction_key);
  billed.set(tx.transaction_key, spot.id);
}

// 6. Which of your bills customers confirmed. Only yours: other reservations on the account are
// not yours to take. Collect them all first: each confirmation takes a transaction out of
// status=reserved and shifts the pages still to be read.
const reserved: string[] = [];
for await (const tx of paysera.iterTransactions({ status: 'reserved' })) {
  if (billed.has(tx.transaction_key)) reserved.push(tx.transaction_key);
}
// 7. Take the money, 8. free the table.
for (const key of reserved) {
  try {
    await paysera.confirmTransaction(key, { signal: AbortSignal.timeout(10_000) });
    await paysera.closeSpot(billed.get(key)!);
  } catch (err) {
    if (!(err instanceof InvalidStateError)) throw err; // e.g. revoked meanwhile
  }
}
