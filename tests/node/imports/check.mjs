// ESM: named and default imports by name, sharing the CommonJS objects (one class per error).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import pkg, { Cashier, Client, MacSigner, NotFoundError, PayseraError, qr, verifyCallback } from 'paysera-scanpay';
import * as esm from 'paysera-scanpay';
import { Sandbox } from 'paysera-scanpay/testing';
import express, { payseraCallback } from 'paysera-scanpay/express';
import * as expressEsm from 'paysera-scanpay/express';
import fastify, { payseraCallbackPlugin } from 'paysera-scanpay/fastify';
import * as fastifyEsm from 'paysera-scanpay/fastify';

const require = createRequire(import.meta.url);
const cjs = require('paysera-scanpay');
assert.equal(Client, cjs.Client);
assert.equal(Cashier, cjs.Cashier);
assert.equal(NotFoundError, cjs.NotFoundError);
assert.equal(pkg.MacSigner, MacSigner);
// The ESM entry lists its names by hand: every CommonJS export must be there, as the same object.
for (const name of Object.keys(cjs)) assert.equal(esm[name], cjs[name], `ESM entry lacks ${name}`);
assert.equal(Sandbox, require('paysera-scanpay/testing').Sandbox);
// The framework glue's ESM entries list their names by hand too.
for (const [esmEntry, cjsEntry] of [
  [expressEsm, require('paysera-scanpay/express')],
  [fastifyEsm, require('paysera-scanpay/fastify')],
]) {
  for (const name of Object.keys(cjsEntry)) assert.equal(esmEntry[name], cjsEntry[name], `ESM entry lacks ${name}`);
}
assert.equal(payseraCallback, express.payseraCallback);
assert.equal(payseraCallbackPlugin, fastify.payseraCallbackPlugin);
assert.equal(typeof verifyCallback, 'function');
assert.equal(qr.walletCode(1), 'EVP000000000001');

const sandbox = await Sandbox.start();
try {
  const client = sandbox.client();
  assert.ok(client instanceof Client);
  const err = await client.getTransaction('NoSuchKey').catch((e) => e);
  assert.ok(err instanceof NotFoundError && err instanceof PayseraError);
  assert.equal(err.statusCode, 404);
} finally {
  await sandbox.stop();
}
console.log('ESM import: ok');
