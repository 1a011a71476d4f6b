// Smoke flow for the installed npm packages, run from a fresh project outside the source tree by
// tests/dist/run.sh: sign a published vector, a QR code, a client round trip against the
// in-process sandbox, one cashier tick.
//   node smoke.cjs VECTORS_JSON
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Cashier, MacSigner, qr } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

async function main() {
  const entry = require.resolve('paysera-scanpay');
  assert.match(entry, /node_modules[\\/]paysera-scanpay[\\/]/, `resolved ${entry}, not the installed package`);

  // Signing: Paysera's published vector, byte for byte.
  const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const v = data.vectors[1];
  const signer = new MacSigner(data.client_id, data.mac_key);
  const header = signer.authorization({ method: v.method, url: v.url, body: v.body, ts: v.ts, nonce: v.nonce });
  assert.equal(header, v.expected_authorization);

  // QR: build, parse back, render.
  const code = qr.spotCode(42, 'table-7');
  assert.deepEqual(qr.parse(code), { kind: 'spot', code, location_id: 42, identifier: 'table-7' });
  assert.ok(qr.toSvg(code).startsWith('<svg'));

  const sandbox = await Sandbox.start();
  try {
    const client = sandbox.client();
    // A client round trip: signed requests, MAC-checked by the sandbox.
    const spot = sandbox.createSpot(42, 'table-7');
    assert.equal((await client.getSpot(spot.id)).identifier, 'table-7');

    // One cashier tick prices the customer who scanned.
    const seen = [];
    const cashier = new Cashier(client, {
      price: (s) => [{ description: `Table ${s.identifier}`, price: 1299, currency: 'EUR' }],
      onEvent: (event) => {
        seen.push(event);
      },
      pollIntervalMs: 0,
      requestsPerMinute: 0,
    });
    sandbox.scan(spot.id);
    const report = await cashier.runOnce();
    assert.deepEqual(
      report.events.map((e) => e.kind),
      ['order_created'],
    );
    const [transaction] = sandbox.transactions();
    assert.deepEqual([transaction.status, transaction.payments[0].price], ['new', 1299]);
  } finally {
    await sandbox.stop();
  }
  console.log(`node smoke (CommonJS): paysera-scanpay ${require('paysera-scanpay/package.json').version}: ok`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
