// Client-side Paysera fidelity (issue 11): the named Paysera hosts.
const { Client, DEFAULT_BASE_URL, PRODUCTION_BASE_URL, SANDBOX_BASE_URL } = require('paysera-scanpay');

test('named base URLs are Paysera hosts, read from the core', () => {
  expect(PRODUCTION_BASE_URL).toBe('https://wallet.paysera.com');
  expect(SANDBOX_BASE_URL).toBe('https://wallet-sandbox.paysera.com');
  expect(DEFAULT_BASE_URL).toBe(PRODUCTION_BASE_URL);
});

test('a Client built with a named host reports it', () => {
  const sandbox = new Client({ clientId: 'id', macKey: 'key', baseUrl: SANDBOX_BASE_URL });
  expect(sandbox.baseUrl).toBe(SANDBOX_BASE_URL);
  expect(new Client({ clientId: 'id', macKey: 'key' }).baseUrl).toBe(PRODUCTION_BASE_URL);
});

describe('against the sandbox', () => {
  const { Sandbox } = require('paysera-scanpay/testing');
  const { ApiError, NotFoundError } = require('paysera-scanpay');
  let sandbox;

  beforeAll(async () => {
    sandbox = await Sandbox.start({ projectId: 2248 });
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  async function rejection(promise) {
    try {
      await promise;
    } catch (e) {
      return e;
    }
    throw new Error('expected a rejection');
  }

  test('projectId and locationId are MAC ext parameters, per client and per call', async () => {
    const here = sandbox.createSpot(71, 't1');
    const there = sandbox.createSpot(72, 't1');
    const client = sandbox.client({ projectId: 2248 });
    expect([client.projectId, client.locationId]).toEqual([2248, undefined]);
    const payment = { description: 'Coffee', price: 250, currency: 'EUR' };
    const tx = await client.createTransaction({ payments: [payment] }, { ext: { locationId: 71 } });
    expect(tx.location_id).toBe(71);
    const ext = sandbox.requests().at(-1).ext;
    expect(ext).toMatch(/^body_hash=[^&]+&project_id=2248&location_id=71$/);
    await client.getSpot(there.id);
    expect(sandbox.requests().at(-1).ext).toBe('project_id=2248');

    // Another location's resources are not found; another project is forbidden.
    const e = await rejection(client.getSpot(there.id, { ext: { locationId: 71 } }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ code: 'not_found', statusCode: 404 });
    expect((await client.getSpot(here.id, { ext: { locationId: 71 } })).id).toBe(here.id);
    const other = await rejection(client.getTransaction(tx.transaction_key, { ext: { locationId: 72 } }));
    expect(other).toBeInstanceOf(NotFoundError);
    const stranger = await rejection(client.listSpots({ ext: { projectId: 1 } }));
    expect(stranger).toBeInstanceOf(ApiError);
    expect(stranger).toMatchObject({ code: 'forbidden', statusCode: 403 });
    expect(stranger.description).toContain('project 1');
    const till = sandbox.client({ projectId: 2248, locationId: 72 });
    expect(till.locationId).toBe(72);
    sandbox.scan(here.id);
    sandbox.scan(there.id);
    const { spots } = await till.listSpots({ status: 'waiting' });
    expect(spots.map((s) => s.id)).toEqual([there.id]);
  });

  test('findTransactions finds a create whose answer was lost', async () => {
    const client = sandbox.client({ retries: 0 });
    const started = sandbox.now();
    const payment = (ref) => ({ description: 'Table 1', price: 1299, currency: 'EUR', parameters: { orderid: ref } });
    await client.createTransaction({ payments: [payment('other')] });
    sandbox.injectFault({ kind: 'apply_then_drop', method: 'POST', path: '/rest/v1/transaction' });
    const lost = await rejection(client.createTransaction({ payments: [payment(1234)] }));
    expect(lost.outcomeUnknown).toBe(true);
    const found = await client.findTransactions('orderid', 1234, { from: started - 60 });
    expect(found.map((t) => t.payments[0].parameters.orderid)).toEqual([1234]);
    expect(await client.findTransactions('orderid', '1234', { to: started - 60 })).toEqual([]);
    expect(await client.findTransactions('orderid', 'nope', { from: started - 60 })).toEqual([]);
  });
});
