// Each error class, from the situation that causes it.
const {
  ApiError,
  AuthenticationError,
  Client,
  DecodeError,
  InvalidInputError,
  InvalidParametersError,
  InvalidQrCodeError,
  InvalidStateError,
  IoError,
  LifecycleError,
  NotFoundError,
  PayseraError,
  RateLimitError,
  StoreError,
  TimeoutError,
  TransportError,
  Cashier,
  qr,
} = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

let sandbox;
let client; // no retries: each fault surfaces as it happened

beforeAll(async () => {
  sandbox = await Sandbox.start();
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  sandbox.reset();
  client = sandbox.client({ retries: 0 });
});

const newTransaction = () =>
  client.createTransaction({ payments: [{ description: 'x', price: 500, currency: 'EUR' }] });

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

test('InvalidStateError: confirming a transaction nobody reserved (409)', async () => {
  const tx = await newTransaction();
  const e = await rejection(client.confirmTransaction(tx.transaction_key));
  expect(e).toBeInstanceOf(InvalidStateError);
  expect(e).toBeInstanceOf(ApiError);
  expect(e).toBeInstanceOf(PayseraError);
  expect(e).toBeInstanceOf(Error);
  expect(e).toMatchObject({ name: 'InvalidStateError', code: 'invalid_state', statusCode: 409, retryable: false });
  expect(e.correlationId).toMatch(/^sandbox-/);
  expect(e.description).toBeTruthy();
  expect(e.method).toBe('PUT');
  expect(e.path).toBe(`/rest/v1/transaction/${tx.transaction_key}/confirm`);
  expect(e.message).toContain('409 invalid_state');
});

test('NotFoundError: an unknown transaction key (404)', async () => {
  const e = await rejection(client.getTransaction('NoSuchKey123'));
  expect(e).toBeInstanceOf(NotFoundError);
  expect(e).toMatchObject({ code: 'not_found', statusCode: 404 });
});

test('AuthenticationError: a wrong MAC key (401)', async () => {
  const wrong = new Client({ clientId: sandbox.clientId, macKey: 'not-the-key', baseUrl: sandbox.baseUrl });
  const e = await rejection(wrong.listSpots());
  expect(e).toBeInstanceOf(AuthenticationError);
  expect(e).toMatchObject({ code: 'unauthorized', statusCode: 401 });
});

test('InvalidParametersError: confirming for more than was reserved (400)', async () => {
  const tx = await newTransaction();
  sandbox.confirm(tx.transaction_key);
  const id = tx.payments[0].id;
  const e = await rejection(
    client.confirmTransaction(tx.transaction_key, { prices: { [id]: { price: 99999, currency: 'EUR' } } }),
  );
  expect(e).toBeInstanceOf(InvalidParametersError);
  expect(e).toMatchObject({ code: 'invalid_parameters', statusCode: 400 });
  expect(Object.keys(e.properties).length).toBeGreaterThan(0);
});

test('RateLimitError: over the per-client budget (429 with Retry-After)', async () => {
  sandbox.setRateLimit({ requests: 1, perSeconds: 60 });
  await client.listSpots();
  const e = await rejection(client.listSpots());
  expect(e).toBeInstanceOf(RateLimitError);
  expect(e).toMatchObject({ code: 'rate_limit_exceeded', statusCode: 429, retryable: true });
  expect(e.retryAfterMs).toBeGreaterThan(0);
  sandbox.setRateLimit(null);
  await client.listSpots();
});

test('ApiError: a server error without a more specific class (500)', async () => {
  sandbox.injectFault({ kind: 'error', status: 500, method: 'GET', path: '/spots' });
  const e = await rejection(client.listSpots());
  expect(e.constructor).toBe(ApiError);
  expect(e).toMatchObject({ code: 'internal_server_error', statusCode: 500 });
});

test('retries absorb a transient fault by default', async () => {
  sandbox.injectFault({ kind: 'rate_limit', retryAfter: 0, path: '/spots' });
  await expect(sandbox.client().listSpots()).resolves.toHaveProperty('spots');
  expect(sandbox.requests().map((r) => r.status)).toEqual([429, 200]);
});

test('TransportError: the connection drops; a POST says its outcome is unknown', async () => {
  sandbox.injectFault({ kind: 'drop', method: 'GET' });
  const e = await rejection(client.listSpots());
  expect(e).toBeInstanceOf(TransportError);
  expect(e).toMatchObject({ code: 'transport_error' });
  expect(e.statusCode).toBeUndefined();

  sandbox.injectFault({ kind: 'apply_then_drop', method: 'POST' });
  const lost = await rejection(newTransaction());
  expect(lost).toBeInstanceOf(TransportError);
  expect(lost.outcomeUnknown).toBe(true);
  expect(lost.retryable).toBe(false);
  expect(sandbox.transactions()).toHaveLength(1); // it was applied
});

test('TransportError: nothing listens at the base URL', async () => {
  const stopped = await Sandbox.start();
  const url = stopped.baseUrl;
  await stopped.stop();
  const e = await rejection(new Client({ clientId: 'a', macKey: 'b', baseUrl: url, retries: 0 }).serverTime());
  expect(e).toBeInstanceOf(TransportError);
  expect(e.outcomeUnknown).toBe(false);
});

test('TimeoutError: no response within timeoutMs', async () => {
  sandbox.injectFault({ kind: 'delay', ms: 2000 });
  const slow = sandbox.client({ retries: 0, timeoutMs: 100 });
  const started = Date.now();
  const e = await rejection(slow.listSpots());
  expect(e).toBeInstanceOf(TimeoutError);
  expect(e).toBeInstanceOf(TransportError);
  expect(e.code).toBe('timeout');
  expect(Date.now() - started).toBeLessThan(1500);
});

test('DecodeError: a 200 whose body is not JSON', async () => {
  sandbox.injectFault({ kind: 'malformed', method: 'GET' });
  const e = await rejection(client.listSpots());
  expect(e).toBeInstanceOf(DecodeError);
  expect(e).toMatchObject({ code: 'decode_error', statusCode: 200, outcomeUnknown: true });
  expect(e.correlationId).toMatch(/^sandbox-/);
});

test('InvalidInputError: arguments the API would reject, nothing sent', async () => {
  await expect(client.listSpots({ limit: 500 })).rejects.toThrow(InvalidInputError);
  await expect(client.getTransaction('../etc')).rejects.toThrow(InvalidInputError);
  await expect(client.getSpot(1.5)).rejects.toThrow(InvalidInputError);
  await expect(client.getSpot(-1)).rejects.toThrow(/not a valid id/);
  await expect(client.createTransaction({ payments: [] })).rejects.toThrow(InvalidInputError);
  await expect(client.createTransaction({ payments: [{ description: 'x', price: 1.5, currency: 'EUR' }] })).rejects.toThrow(
    InvalidInputError,
  );
  expect(() => new Client({ clientId: 'a', macKey: 'b', baseUrl: 'ftp://x' })).toThrow(InvalidInputError);
  expect(sandbox.requests()).toHaveLength(0);
});

test('InvalidQrCodeError: a code that is not a Paysera code', () => {
  expect(() => qr.parse('EVP1')).toThrow(InvalidQrCodeError);
  try {
    qr.parse('PAYSERA*x:table1');
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError); // as in the Python package
    expect(e).toBeInstanceOf(PayseraError);
    expect(e.code).toBe('invalid_qr_code');
    expect(e.message).toBe('location id "x" must contain only digits 0-9, but it contains \'x\'');
  }
});

test('sandbox refusals use the same classes', () => {
  expect(() => sandbox.confirm('NoSuchKey123')).toThrow(NotFoundError);
  expect(() => sandbox.scan(999)).toThrow(NotFoundError);
});

test('TransportError keeps the method and path of the request', async () => {
  const stopped = await Sandbox.start();
  const url = stopped.baseUrl;
  await stopped.stop();
  const e = await rejection(new Client({ clientId: 'a', macKey: 'b', baseUrl: url, retries: 0 }).getTransaction('K1'));
  expect(e).toMatchObject({ method: 'GET', path: '/rest/v1/transaction/K1', retryable: true });
});

test('LifecycleError: a stopped sandbox; IoError: a port already taken', async () => {
  const other = await Sandbox.start();
  await other.stop();
  expect(() => other.confirm('K')).toThrow(LifecycleError);
  const port = Number(new URL(sandbox.baseUrl).port);
  const e = await rejection(Sandbox.start({ port }));
  expect(e).toBeInstanceOf(IoError);
  expect(e).toMatchObject({ code: 'io_error' });
  expect(e.message).toContain('cannot start the sandbox');
});

test('StoreError: the store file cannot be opened (not an InvalidInputError)', () => {
  const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'store-'));
  let e;
  try {
    new Cashier(client, { price: async () => null, onEvent: async () => {}, store: { file: dir } });
  } catch (error) {
    e = error;
  }
  expect(e).toBeInstanceOf(StoreError);
  expect(e).toBeInstanceOf(IoError);
  expect(e).not.toBeInstanceOf(InvalidInputError);
  expect(e.code).toBe('store_error');
});
