// Runs the NestJS recipe of docs/node.md (payments.module.ts, compiled here by tsc, which also
// type-checks it against Nest's and Express's own types) on a real Nest application with
// `rawBody: true`, against the sandbox's real signed callbacks.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Cashier } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { eventually, orderedTickDone } = require('../helpers');

const root = path.join(__dirname, '..', '..', '..');
// Inside the repository, so the compiled module finds @nestjs and paysera-scanpay; one folder per
// jest worker, since test runs may overlap.
const out = path.join(root, 'target', `nest-example-${process.pid}`);
// Nobody listens here: the test posts the sandbox's signed callback itself.
const LOST = 'http://127.0.0.1:9/paysera/callback';

let sandbox;
let app;
let base;

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict'],
      ...['--experimentalDecorators', '--types', 'node', '--rootDir', __dirname, '--outDir', out],
      path.join(__dirname, 'payments.module.ts'),
    ],
    { cwd: root, stdio: 'pipe' },
  );
  const { PaymentsModule } = require(path.join(out, 'payments.module.js'));
  sandbox = await Sandbox.start();
  sandbox.scan(sandbox.createSpot(1, 'table1').id); // the cashier's first tick, at bootstrap, bills it
  const options = { price: () => [{ description: 'Table', price: 990, currency: 'EUR' }], onEvent: () => {} };
  const module = PaymentsModule.forRoot(sandbox.client(), { ...options, pollIntervalMs: 60_000, callbackUri: LOST });
  app = await NestFactory.create(module, { rawBody: true, logger: false });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
  fs.rmSync(out, { recursive: true, force: true });
});

const post = (body) =>
  fetch(`${base}/paysera/callback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

test('the cashier runs from bootstrap to shutdown; the controller hands it the raw callback', async () => {
  const cashier = app.get(Cashier);
  expect(cashier.running).toBe(true);
  await eventually(() => orderedTickDone(sandbox)); // billed, and that tick is over
  const [tx] = sandbox.transactions();
  sandbox.confirm(tx.transaction_key);
  const [sent] = await eventually(() => (sandbox.callbacks().length ? sandbox.callbacks() : null));

  const forged = await post(new URLSearchParams({ event: sent.event, sign: Buffer.alloc(256, 7).toString('base64') }).toString());
  expect(forged.status).toBe(400);
  const genuine = await post(new URLSearchParams({ event: sent.event, sign: sent.sign }).toString());
  expect([genuine.status, await genuine.text()]).toEqual([200, 'OK']);
  await eventually(() => sandbox.spots()[0].status === 'closed', 20_000);
  expect(sandbox.transactions()[0].status).toBe('confirmed'); // at once: the next poll is a minute away

  await app.close(); // onApplicationShutdown stops the cashier
  app = null;
  expect(cashier.running).toBe(false);
});
