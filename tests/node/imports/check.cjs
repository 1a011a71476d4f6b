// CommonJS: the package and its testing entry load by name with require().
const assert = require('node:assert/strict');
const pkg = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

const names = ['Cashier', 'Client', 'MacSigner', 'qr', 'verifyCallback', 'verifyCallbackEvent', 'parseCallbackForm', 'PayseraError',
  'ApiError', 'InvalidStateError', 'NotFoundError', 'AuthenticationError', 'InvalidParametersError', 'RateLimitError',
  'TransportError', 'TimeoutError', 'DecodeError', 'InvalidInputError', 'InvalidQrCodeError', 'LifecycleError', 'IoError',
  'StoreError', 'InternalError'];
for (const name of names) assert.ok(pkg[name], `missing export ${name}`);
assert.equal(pkg.qr.spotCode(1, 'table1'), 'PAYSERA*1:table1');
// The framework glue: subpaths of their own, so the main entry never loads them.
assert.equal(typeof require('paysera-scanpay/express').payseraCallback, 'function');
assert.equal(typeof require('paysera-scanpay/fastify').payseraCallbackPlugin, 'function');

(async () => {
  const sandbox = await Sandbox.start();
  try {
    const err = await sandbox.client().getTransaction('NoSuchKey').catch((e) => e);
    assert.ok(err instanceof pkg.NotFoundError && err instanceof pkg.PayseraError);
  } finally {
    await sandbox.stop();
  }
  console.log('CommonJS import: ok');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
