// The installed package through its ESM entry points: the same classes as CommonJS.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Client, MacSigner, qr } from 'paysera-scanpay';
import { Sandbox } from 'paysera-scanpay/testing';

const cjs = createRequire(import.meta.url)('paysera-scanpay');
assert.equal(Client, cjs.Client);
assert.equal(new MacSigner('id', 'key').clientId, 'id');
assert.equal(qr.spotCode(1, 'a'), 'PAYSERA*1:a');
const sandbox = await Sandbox.start();
try {
  const spot = sandbox.createSpot(1, 'a');
  assert.equal((await sandbox.client().getSpot(spot.id)).id, spot.id);
} finally {
  await sandbox.stop();
}
console.log('node smoke (ESM): ok');
