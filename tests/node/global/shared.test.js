// A test file using the run-wide sandbox: the app's Client from the environment, the customer's
// side over the sandbox's HTTP control plane (/_sandbox/...), since the Sandbox object lives in
// jest's main process.
const { Client } = require('paysera-scanpay');

const base = process.env.PAYSERA_BASE_URL;
const paysera = new Client({ clientId: process.env.PAYSERA_CLIENT_ID, macKey: process.env.PAYSERA_MAC_KEY, baseUrl: base });
const control = async (method, path, body) => {
  const res = await fetch(`${base}/_sandbox${path}`, { method, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
};

test('a customer pays through the shared sandbox', async () => {
  const spot = await control('POST', '/spots', { location_id: 9, identifier: 'bar1' });
  await control('POST', '/scan', { code: 'PAYSERA*9:bar1' });
  const { spots } = await paysera.listSpots({ status: 'waiting', location_id: 9 });
  expect(spots.map((s) => s.id)).toEqual([spot.id]);

  const tx = await paysera.createTransaction({ payments: [{ description: 'Bar', price: 700, currency: 'EUR' }] });
  await paysera.createSpotOrder(spot.id, tx.transaction_key);
  await control('POST', `/transactions/${tx.transaction_key}/confirm`);
  expect((await paysera.confirmTransaction(tx.transaction_key)).status).toBe('confirmed');
});
