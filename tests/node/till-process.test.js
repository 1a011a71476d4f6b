// The README's till run as a process: it ticks against Paysera (the sandbox) beside its HTTP
// server and stops cleanly on SIGTERM, leaving its store behind.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Sandbox } = require('paysera-scanpay/testing');
const { eventually } = require('./helpers');

test('node till.js serves, polls Paysera and exits 0 on SIGTERM', async () => {
  const sandbox = await Sandbox.start();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scanpay-till-')), 'cashier.db');
  const child = spawn(process.execPath, [path.join(__dirname, 'examples', 'till.js')], {
    env: {
      ...process.env,
      PAYSERA_CLIENT_ID: sandbox.clientId,
      PAYSERA_MAC_KEY: sandbox.macKey,
      PAYSERA_BASE_URL: sandbox.baseUrl,
      CASHIER_STORE: `sqlite://${file}`,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const port = await eventually(() => /till: port (\d+)/.exec(out)?.[1]);
    expect(await (await fetch(`http://127.0.0.1:${port}/payments`)).json()).toEqual([]);
    await eventually(() => sandbox.requests().some((r) => r.path.startsWith('/rest/v1/spots?status=waiting')));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGTERM');
    await expect(exited).resolves.toEqual({ code: 0, signal: null });
    expect(fs.existsSync(file)).toBe(true);
  } finally {
    child.kill('SIGKILL');
    await sandbox.stop();
  }
});
