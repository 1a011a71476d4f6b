// The README's Node quick start, run as users run it: `node quickstart.mjs`, importing the package
// by name (Node resolves `paysera-scanpay` to this checkout through package.json "exports").
const { execFile } = require('node:child_process');
const path = require('node:path');
const { promisify } = require('node:util');

test('the quick start runs against the in-process sandbox and takes the payment', async () => {
  const script = path.join(__dirname, 'quickstart.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 20000 });
  expect(stdout).toBe('confirmed\n');
});
