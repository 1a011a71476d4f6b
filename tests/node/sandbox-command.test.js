// `npx paysera-scanpay sandbox`, run as a user runs it: the package's `bin` in a child process
// prints its banner, serves signed requests with the credentials it printed, and exits 0 on
// Ctrl-C or SIGTERM; bad arguments exit 2 with a reason.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { Client } = require('paysera-scanpay');

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, require(path.join(ROOT, 'package.json')).bin['paysera-scanpay']);
const started = [];

/** Starts the command and resolves with the child and its banner ("label: value" lines). */
function start(...args) {
  const child = spawn(process.execPath, [BIN, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const banner = {};
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('Press Ctrl-C')) {
        lines.close();
        resolve({ child, banner });
        return;
      }
      const at = line.indexOf(': ');
      if (at > 0) (banner[line.slice(0, at).trim()] ??= []).push(line.slice(at + 2).trim());
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before its banner: ${stderr}`)));
  });
}

function exited(child) {
  if (child.exitCode != null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function control(baseUrl, pathAndQuery, token) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { headers });
  return { status: response.status, body: await response.json() };
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode == null) child.kill('SIGKILL');
});

const posix = process.platform === 'win32' ? test.skip : test;

posix('serves signed requests with the printed credentials; Ctrl-C exits 0', async () => {
  const { child, banner } = await start(
    '--port', '0', '--client-id', 'shop-1', '--mac-key', 'k1', '--client-id', 'shop-2', '--mac-key', 'k2',
  );
  const [baseUrl] = banner['base URL'];
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(banner['client id']).toEqual(['shop-1', 'shop-2']);
  expect(banner['mac key']).toEqual(['k1', 'k2']);
  expect(banner.dashboard).toEqual([`${baseUrl}/_sandbox/`]);
  expect(banner.token).toBeUndefined();

  for (const [i, clientId] of banner['client id'].entries()) {
    const client = new Client({ clientId, macKey: banner['mac key'][i], baseUrl });
    expect(await client.serverTime()).toBeGreaterThan(0);
  }
  const index = await control(baseUrl, '/_sandbox/');
  expect(index.status).toBe(200);
  expect(index.body.token_required).toBe(false);

  child.kill('SIGINT');
  expect(await exited(child)).toBe(0);
});

posix('bound beyond loopback it prints and requires a token; SIGTERM exits 0', async () => {
  const { child, banner } = await start('--port', '0', '--host', '0.0.0.0');
  const [baseUrl] = banner['base URL'];
  const [token] = banner.token;
  expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(banner.dashboard).toEqual([`${baseUrl}/_sandbox/?token=${token}`]);

  const refused = await control(baseUrl, '/_sandbox/spots');
  expect(refused.status).toBe(401);
  expect(refused.body.error).toBe('unauthorized');
  expect(refused.body.error_description).toMatch(/token/);
  expect((await control(baseUrl, '/_sandbox/spots', token)).status).toBe(200);
  const client = new Client({ clientId: banner['client id'][0], macKey: banner['mac key'][0], baseUrl });
  expect(await client.serverTime()).toBeGreaterThan(0);

  child.kill('SIGTERM');
  expect(await exited(child)).toBe(0);
});

test.each([
  [['--client-id', 'a'], /in pairs/],
  [['--port', 'notaport'], /--port notaport must be a whole number/],
  [['--port', '70000'], /between 0 and 65535/],
  [['--host', 'not-an-address'], /IP address/],
  [['--token', 'has space'], /token/],
  [['--bogus'], /Unknown option '--bogus'/],
  [['extra'], /unknown command or argument: extra/],
])('bad arguments %j exit 2 with a reason', (args, message) => {
  const done = spawnSync(process.execPath, [BIN, 'sandbox', '--port', '0', ...args], { encoding: 'utf8' });
  expect(done.status).toBe(2);
  expect(done.stderr).toMatch(message);
  expect(done.stdout).toBe('');
});

test('--help names the options and exits 0', () => {
  const done = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
  expect(done.status).toBe(0);
  for (const option of ['sandbox', '--port', '--host', '--client-id', '--mac-key', '--token']) {
    expect(done.stdout).toContain(option);
  }
});
