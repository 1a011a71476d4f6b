// The error contract shared with the Python package (tests/data/errors.json): the same core
// error becomes the same class, code and fields in both languages.
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const pkg = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { errorForTest } = require('../../bindings-node/dist/errors.js');

const CONTRACT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'errors.json'), 'utf8'));
const SECRET = 's3cr3t-MAC-key-never-shown';

// The core's field names (ErrorInfo) → this package's.
const NAMES = {
  status: 'statusCode',
  correlation_id: 'correlationId',
  outcome_unknown: 'outcomeUnknown',
  retry_after_ms: 'retryAfterMs',
  timeout_ms: 'timeoutMs',
  error_uri: 'errorUri',
};

function check(error, c) {
  const Class = pkg[c.class];
  expect(error).toBeInstanceOf(Class);
  expect(error.constructor).toBe(Class);
  expect(error).toBeInstanceOf(pkg.PayseraError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe(c.class);
  expect(error.code).toBe(c.code);
  if (c.message !== undefined) expect(error.message).toBe(c.message);
  for (const [name, want] of Object.entries(c.fields)) {
    const got = error[NAMES[name] ?? name];
    if (want === null) expect(got).toBeUndefined();
    else expect([name, got]).toEqual([name, want]);
  }
  const text = `${error.message} ${JSON.stringify(error)} ${require('node:util').inspect(error)}`;
  expect(text).not.toContain(SECRET);
}

test('the tree matches the contract', () => {
  for (const [name, parent] of Object.entries(CONTRACT.classes)) {
    expect(typeof pkg[name]).toBe('function');
    if (parent !== null) expect(Object.getPrototypeOf(pkg[name])).toBe(pkg[parent]);
  }
});

test('every class has a case', () => {
  const covered = new Set(CONTRACT.cases.map((c) => c.class));
  expect([...covered].sort()).toEqual(Object.keys(CONTRACT.classes).filter((n) => n !== 'PayseraError').sort());
});

test.each(CONTRACT.cases.map((c) => [c.name, c]))('%s', (_name, c) => {
  check(errorForTest(c.record), c);
});

test('a bad record is refused', () => {
  expect(() => errorForTest({ variant: 'nope' })).toThrow();
});

describe('end to end', () => {
  let sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.start({ clients: [{ clientId: 'shop-1', macKey: SECRET }] });
  });
  afterAll(() => sandbox.stop());

  async function closedPort() {
    const server = net.createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  async function provoke(name) {
    sandbox.reset();
    const client = sandbox.client({ retries: 0 });
    const scenarios = {
      wrong_mac_key: () =>
        new pkg.Client({ clientId: 'shop-1', macKey: 'wr0ng', baseUrl: sandbox.baseUrl, retries: 0 }).listSpots(),
      unknown_transaction: () => client.getTransaction('NoSuchKey123'),
      confirm_unreserved: async () => {
        const tx = await client.createTransaction({ payments: [{ description: 'x', price: 100, currency: 'EUR' }] });
        return client.confirmTransaction(tx.transaction_key);
      },
      rate_limited: () => {
        sandbox.injectFault({ kind: 'rate_limit', retryAfter: 7, path: '/spots' });
        return client.listSpots();
      },
      closed_port: async () =>
        new pkg.Client({ clientId: 'shop-1', macKey: SECRET, baseUrl: `http://127.0.0.1:${await closedPort()}`, retries: 0 })
          .getTransaction('NoSuchKey123'),
      invalid_qr: () => pkg.qr.parse('EVP1'),
      sandbox_refusal: () => sandbox.confirm('NoSuchKey123'),
      stopped_sandbox: async () => {
        const s = await Sandbox.start();
        await s.stop();
        return s.confirm('NoSuchKey123');
      },
      sandbox_port_taken: () => Sandbox.start({ port: Number(new URL(sandbox.baseUrl).port) }),
      store_is_a_directory: () =>
        new pkg.Cashier(client, {
          price: async () => null,
          onEvent: async () => {},
          store: { file: fs.mkdtempSync(path.join(os.tmpdir(), 'paysera-store-')) },
        }),
    };
    try {
      await scenarios[name]();
    } catch (e) {
      return e;
    }
    throw new Error(`${name} did not fail`);
  }

  test.each(CONTRACT.end_to_end.map((c) => [c.provoke, c]))('%s', async (name, c) => {
    check(await provoke(name), c);
  });
});
