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
