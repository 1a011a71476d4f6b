// Paysera fidelity through the public API (issue 11): requests as Paysera's PHP library sends
// them pass the sandbox, and validation follows Paysera's documentation.
const { InvalidInputError, InvalidParametersError, MacSigner } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

const PAYMENT = { description: 'Coffee', price_decimal: '2.50', currency: 'EUR' };

let sandbox;
let client;

beforeAll(async () => {
  sandbox = await Sandbox.start();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  client = sandbox.client({ retries: 0 });
});

/** Sends `body` byte for byte, signed with `nonce`, as the PHP library would. */
async function phpRequest(method, path, body, nonce) {
  const url = sandbox.baseUrl + path;
  const signer = new MacSigner(sandbox.clientId, sandbox.macKey);
  const response = await fetch(url, {
    method,
    body: body === '' ? undefined : body,
    headers: {
      Authorization: signer.authorization({ method, url, body, nonce }),
      'Content-Type': 'application/json',
    },
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

test('nonces with commas, equals signs and spaces pass', async () => {
  for (const nonce of ['a,b', 'k=v', 'with space', " ,=!~#$%&'()*+-./:;<>?@[]^_`{|}"]) {
    const answer = await phpRequest('GET', '/rest/v1/spots', '', nonce);
    expect([nonce, answer.status, answer.contentType]).toEqual([nonce, 200, 'application/json']);
  }
});

test("the PHP library's [] confirm body passes", async () => {
  const tx = await client.createTransaction({ payments: [PAYMENT] });
  sandbox.confirm(tx.transaction_key);
  const answer = await phpRequest('PUT', `/rest/v1/transaction/${tx.transaction_key}/confirm`, '[]', 'php-confirm');
  expect(answer).toMatchObject({ status: 200, contentType: 'application/json', body: { status: 'confirmed' } });
});

test('price with price_decimal is refused before sending', async () => {
  const before = sandbox.requests().length;
  const e = await rejection(
    client.createTransaction({ payments: [{ ...PAYMENT, price: 250 }] }),
  );
  expect(e).toBeInstanceOf(InvalidInputError);
  expect(e.code).toBe('invalid_input');
  expect(e.message).toContain('price and price_decimal');
  expect(sandbox.requests().length).toBe(before);
});

test("the sandbox rejects price with price_decimal in Paysera's envelope", async () => {
  const body = JSON.stringify({ payments: [{ ...PAYMENT, price: 250 }] });
  const answer = await phpRequest('POST', '/rest/v1/transaction', body, 'both');
  expect(answer.status).toBe(400);
  expect(answer.contentType).toBe('application/json');
  expect(answer.body.error).toBe('invalid_parameters');
  expect(answer.body.error_description).toContain('payments[0].price_decimal');
  expect(answer.body.error_properties['payments[0].price_decimal']).toContain('price and price_decimal');
});

test('currencies outside ISO 4217 are rejected', async () => {
  const e = await rejection(client.createTransaction({ payments: [{ ...PAYMENT, currency: 'XYZ' }] }));
  expect(e).toBeInstanceOf(InvalidParametersError);
  expect(e).toMatchObject({ code: 'invalid_parameters', statusCode: 400 });
  expect(e.description).toContain('payments[0].currency');
  expect(e.properties['payments[0].currency']).toContain('ISO 4217');
  const kwd = await client.createTransaction({ payments: [{ ...PAYMENT, price_decimal: '2.500', currency: 'KWD' }] });
  expect(kwd.status).toBe('new');
});

test('freeze_for is hours', async () => {
  const tx = await client.createTransaction({ payments: [{ ...PAYMENT, freeze_for: 2 }] });
  expect(tx.payments[0]).toMatchObject({ freeze_for: 2, freeze: { for: 7200 } });
  const e = await rejection(
    client.createTransaction({ payments: [{ ...PAYMENT, freeze_for: 1, freeze: { for: 3600 } }] }),
  );
  expect(e).toBeInstanceOf(InvalidInputError);
  expect(e.message).toContain('freeze');
});

test('a payment of items alone costs their total', async () => {
  const items = [
    { title: 'Coffee', price_decimal: '3.50', currency: 'EUR', quantity: 2, total_price_decimal: '7.00' },
    { title: 'Cake', price: 450, currency: 'EUR', image_uri: 'https://shop.example/cake.png' },
  ];
  const tx = await client.createTransaction({ payments: [{ items }] });
  expect(tx.payments[0]).toMatchObject({ price: 1150, price_decimal: '11.50', currency: 'EUR' });
  expect(tx.payments[0].items[1]).toMatchObject({ title: 'Cake', quantity: 1, total_price: 450 });
});

test('inconsistent item totals are refused with their field path', async () => {
  const items = [
    { title: 'A', price: 100, currency: 'EUR' },
    { title: 'B', price: 100, currency: 'EUR', quantity: 3, total_price: 200 },
  ];
  const e = await rejection(client.createTransaction({ payments: [{ items }] }));
  expect(e).toBeInstanceOf(InvalidInputError);
  expect(e.message).toContain('payments[0].items[1].total_price');
  const sum = await rejection(
    client.createTransaction({ payments: [{ ...PAYMENT, items: [{ title: 'A', price: 100, quantity: 2 }] }] }),
  );
  expect(sum.message).toContain('payments[0].price_decimal');
});

test("the sandbox checks item totals in Paysera's envelope", async () => {
  const items = [{ title: 'B', price: 100, currency: 'EUR', quantity: 3, total_price: 200 }];
  const answer = await phpRequest('POST', '/rest/v1/transaction', JSON.stringify({ payments: [{ items }] }), 'items');
  expect(answer.status).toBe(400);
  expect(answer.body.error).toBe('invalid_parameters');
  expect(answer.body.error_description).toContain('payments[0].items[0].total_price');
  expect(answer.body.error_properties['payments[0].items[0].total_price']).toContain('300');
});
