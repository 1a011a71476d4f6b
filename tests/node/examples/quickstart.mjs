import { Sandbox } from 'paysera-scanpay/testing';

const sandbox = await Sandbox.start(); // Paysera's simulator, in this process: no account needed
sandbox.scan(sandbox.createSpot(1, 'table4').id); // a customer scans the table's QR code
const client = sandbox.client(); // for real: new Client({ clientId, macKey }) from 'paysera-scanpay'
const { spots } = await client.listSpots({ status: 'waiting' });
for (const spot of spots) {
  const tx = await client.createTransaction({ payments: [{ description: 'Table 4', price: 1299, currency: 'EUR' }] });
  await client.createSpotOrder(spot.id, tx.transaction_key); // the bill shows in the customer's app
  sandbox.confirm(tx.transaction_key); // the customer confirms: the money is reserved
  await client.confirmTransaction(tx.transaction_key); // take it
  await client.closeSpot(spot.id); // free the table
  console.log((await client.getTransaction(tx.transaction_key)).status); // confirmed
}
await sandbox.stop();
