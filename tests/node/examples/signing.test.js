// signing.test.js: MAC headers, QR codes and callback signatures; all local, in Rust.
const { MacSigner, parseCallbackForm, qr, verifyCallback } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

test('a request is signed exactly as Paysera checks it', async () => {
  const signer = new MacSigner('wkVd93h2uS', 'IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU'); // Paysera's sample keys
  const url = 'https://wallet.paysera.com/rest/v1/spots?status=waiting';
  const header = signer.authorization({ method: 'GET', url, ts: 1343811600, nonce: 'nQnNaSNyubfPErjRO55yaaEYo9YZfKHN' });
  expect(header.endsWith('mac="irSg0m2b8N87EIhAENNkP+2O3E2x0KkddoTMSOEmHt8="')).toBe(true);

  // The body as sent (string or Buffer) and extra ext parameters, kept in order.
  const body = JSON.stringify({ payments: [{ description: 'Table 4', price: 1299, currency: 'EUR' }] });
  signer.authorization({ method: 'POST', url: 'https://wallet.paysera.com/rest/v1/transaction', body, ext: { project_id: '1' } });
  const many = await signer.authorizationBatch([{ method: 'GET', url }, { method: 'GET', url }]); // off the event loop
  expect(many).toHaveLength(2);
});

test('QR codes are built, parsed and drawn', () => {
  expect(qr.spotCode(1, 'table1')).toBe('PAYSERA*1:table1'); // the static code on a table
  expect(qr.walletCode(1)).toBe('EVP000000000001');
  const link = qr.appLink('PAYSERA*1:table1'); // for scanners other than the Paysera app
  expect(link).toBe('https://paysera.com/app?qr=PAYSERA%2A1%3Atable1');
  expect(qr.parse(link)).toMatchObject({ kind: 'app_link', inner: { kind: 'spot', location_id: 1, identifier: 'table1' } });
  const svg = qr.toSvg('PAYSERA*1:table1'); // to print on the table
  const png = qr.toPng('PAYSERA*1:table1', { moduleSize: 10 });
  expect(svg.startsWith('<?xml') || svg.startsWith('<svg')).toBe(true);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
});

test('a callback is checked over the exact bytes received', async () => {
  const sandbox = await Sandbox.start(); // signs callbacks as Paysera does
  const tx = await sandbox.client().createTransaction({
    payments: [{ description: 'Bar', price: 450, currency: 'EUR' }],
    callback_uri: 'http://127.0.0.1:9/paysera', // nobody listens: the sandbox records what it sent
  });
  sandbox.confirm(tx.transaction_key);
  while (sandbox.callbacks().length === 0) await new Promise((r) => setTimeout(r, 10));
  const [sent] = sandbox.callbacks();

  // What your web framework receives: the raw form body.
  const rawBody = `event=${encodeURIComponent(sent.event)}&sign=${encodeURIComponent(sent.sign)}`;
  const { event, sign } = parseCallbackForm(rawBody); // event: the exact signed bytes (a Buffer)
  expect(verifyCallback(event, sign, sandbox.publicKeyPem)).toBe(true);
  expect(verifyCallback(Buffer.concat([event, Buffer.from(' ')]), sign, sandbox.publicKeyPem)).toBe(false);
  await sandbox.stop();
});
