// One naming rule (docs/node.md#names): Paysera's wire names for wire objects, request bodies and
// query filters; camelCase for the library's own options. The older camelCase filter names are
// still accepted as deprecated aliases.
const { InvalidInputError } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

let sandbox;
let client;

beforeAll(async () => {
  sandbox = await Sandbox.start({ projectId: 5 });
  client = sandbox.client();
});

afterAll(() => sandbox.stop());

beforeEach(() => sandbox.reset());

const lastQuery = () => sandbox.requests().at(-1).path.split('?')[1];

test('spot filters take location_id, and the older locationId alike', async () => {
  for (const id of [1, 2]) sandbox.scan(sandbox.createSpot(id, `t${id}`).id);
  const wire = await client.listSpots({ status: 'waiting', location_id: 2 });
  expect(lastQuery()).toBe('status=waiting&location_id=2');
  const alias = await client.listSpots({ status: 'waiting', locationId: 2 });
  expect(lastQuery()).toBe('status=waiting&location_id=2');
  expect(alias).toEqual(wire);
  expect(wire.spots.map((s) => s.identifier)).toEqual(['t2']);
  const walked = [];
  for await (const spot of client.iterSpots({ locationId: 1 })) walked.push(spot.identifier);
  expect(walked).toEqual(['t1']);
});

test('transaction filters take project_id and location_id, and the older projectId and locationId alike', async () => {
  await client.createTransaction({ payments: [{ description: 'x', price: 100, currency: 'EUR' }] });
  const wire = await client.listTransactions({ project_id: 5, location_id: 3 });
  const wireQuery = lastQuery();
  const alias = await client.listTransactions({ projectId: 5, locationId: 3 });
  expect(lastQuery()).toBe(wireQuery);
  expect(wireQuery).toContain('project_id=5');
  expect(wireQuery).toContain('location_id=3');
  expect(alias).toEqual(wire);
  const mine = [];
  for await (const tx of client.iterTransactions({ project_id: 5 })) mine.push(tx.project_id);
  expect(mine).toEqual([5]);
});

test('both spellings at once must agree', async () => {
  await expect(client.listSpots({ location_id: 1, locationId: 1 })).resolves.toBeDefined();
  await expect(client.listSpots({ location_id: 1, locationId: 2 })).rejects.toThrow(InvalidInputError);
  await expect(client.listTransactions({ project_id: 1, projectId: 2 })).rejects.toThrow(/project_id and projectId/);
});

test('data keeps the core names; options are camelCase', async () => {
  const spot = sandbox.createSpot(1, 'table1', { title: 'Bistro' });
  expect(Object.keys(spot)).toContain('place_info');
  sandbox.scan(spot.id, { userId: 7 });
  const tx = await client.createTransaction({ payments: [{ description: 'x', price: 100, currency: 'EUR' }], callback_uri: false });
  expect(Object.keys(tx)).toContain('transaction_key');
  expect(Object.keys(sandbox.requests()[0])).toContain('correlation_id');
});
