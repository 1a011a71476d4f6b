// Benchmarks of the Node package against plain Node equivalents, in one run so the ratios compare
// like with like. Run through benchmarks/node/run.sh (release build). Prints a Markdown table.
//
// 1. Signing: MacSigner (one call per request, and batches crossing into Rust once per 1,000)
//    against an equivalent signer written with node:crypto.
// 2. Round trips to the in-process sandbox: Client against fetch + the node:crypto signer,
//    sequential and 1,000 concurrent. Both sides sign every request with a fresh nonce and decode
//    the JSON response.
//
// `--vs-rust` instead runs only Client.getSpot's round trip against the Rust core client's
// (sandbox/examples/round_trip.rs, run as a child process against this process's sandbox),
// interleaved, and prints the ratio (BENCHMARKS.md, "Efficiency against the limit"), with the
// same signed request made with node:http and with fetch as diagnostics.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const os = require('node:os');
const nodePath = require('node:path');
const { MacSigner } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');

const CLIENT_ID = 'wkVd93h2uS';
const MAC_KEY = 'IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU';

// ---- the node:crypto signer: the same algorithm, written the way a careful Node developer would.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function nonce() {
  let out = '';
  while (out.length < 32) {
    if (poolAt === pool.length) {
      crypto.randomFillSync(pool);
      poolAt = 0;
    }
    const b = pool[poolAt++];
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}
function formEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}
function nodeAuthorization(method, url, body) {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const ext = body && body.length ? `body_hash=${formEncode(crypto.createHash('sha256').update(body).digest('base64'))}` : '';
  const ts = Math.floor(Date.now() / 1000);
  const n = nonce();
  const normalized = `${ts}\n${n}\n${method.toUpperCase()}\n${u.pathname}${u.search}\n${u.hostname.toLowerCase()}\n${port}\n${ext}\n`;
  const mac = crypto.createHmac('sha256', MAC_KEY).update(normalized).digest('base64');
  let header = `MAC id="${CLIENT_ID}", ts="${ts}", nonce="${n}", mac="${mac}"`;
  if (ext) header += `, ext="${ext}"`;
  return header;
}

// ---- helpers
async function rate(fn, { ops, rounds = 5 }) {
  // Best of several rounds, after a warm-up round: ops per second.
  await fn();
  let best = 0;
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await fn();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    best = Math.max(best, ops / s);
  }
  return best;
}
// Best of several alternating rounds of each function, after a warm-up round: ops per second.
async function rates(fns, { ops, rounds = 5 }) {
  for (const fn of fns) await fn();
  const best = fns.map(() => 0);
  for (let i = 0; i < rounds; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = process.hrtime.bigint();
      await fn();
      best[k] = Math.max(best[k], ops / (Number(process.hrtime.bigint() - t) / 1e9));
    }
  }
  return best;
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');

// ---- against the Rust core client: the same request to the same sandbox, alternating.
function roundTripExe() {
  if (process.env.PAYSERA_ROUND_TRIP_EXE) return process.env.PAYSERA_ROUND_TRIP_EXE;
  const root = nodePath.resolve(__dirname, '..', '..');
  return nodePath.join(root, 'target', process.env.CARGO_BUILD_TARGET || '', 'release', 'examples', 'round_trip');
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// p50 in µs of `calls` sequential awaits of `fn`, after 100 untimed ones (a warm connection).
async function p50(fn, calls) {
  for (let i = 0; i < 100; i++) await fn();
  const times = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  return median(times);
}

// The same signed `GET /spot/{id}` with Node's own HTTP stacks and the node:crypto signer: what
// any JavaScript client pays on this event loop. `node:http` with one kept-alive socket, and
// `fetch` (undici). Both parse the JSON and check the status.
function nodeHttpGet(url) {
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return () =>
    new Promise((resolve, reject) => {
      const headers = { authorization: nodeAuthorization('GET', url, ''), accept: 'application/json' };
      const req = http.get(url, { agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`node:http: HTTP ${res.statusCode}`));
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
}
function fetchGet(url) {
  return async () => {
    const res = await fetch(url, { headers: { authorization: nodeAuthorization('GET', url, ''), accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`fetch: HTTP ${res.status}`);
    return res.json();
  };
}

async function vsRust({ calls = 2000, rounds = 9 } = {}) {
  const sandbox = await Sandbox.start();
  const rust = [];
  const handoff = [];
  const node = [];
  const plainHttp = [];
  const plainFetch = [];
  try {
    const spot = sandbox.createSpot(1, 'bench-vs-rust', { title: 'Bench' });
    const client = sandbox.client({ retries: 0 });
    const exe = roundTripExe();
    if (sandbox.clientId !== CLIENT_ID || sandbox.macKey !== MAC_KEY) throw new Error('the node:crypto signer needs the sandbox credentials');
    const url = `${sandbox.baseUrl}/rest/v1/spot/${spot.id}`;
    const viaHttp = nodeHttpGet(url);
    const viaFetch = fetchGet(url);
    for (let r = 0; r < rounds; r++) {
      // The child talks to this process's sandbox, which runs on the core's threads, so blocking
      // the event loop meanwhile is fine.
      const out = execFileSync(exe, [sandbox.baseUrl, sandbox.clientId, sandbox.macKey, String(spot.id), String(calls)]);
      const measured = JSON.parse(out.toString());
      rust.push(measured.p50_us);
      handoff.push(measured.handoff_p50_us);
      node.push(await p50(() => client.getSpot(spot.id), calls));
      plainHttp.push(await p50(viaHttp, calls));
      plainFetch.push(await p50(viaFetch, calls));
    }
  } finally {
    await sandbox.stop();
  }
  // Each round's pair ran back to back, so load from other work on the shared machine hits both
  // sides of a pair alike: the ratio is the median of the rounds' ratios.
  const ratios = node.map((n, i) => n / rust[i]).sort((a, b) => a - b);
  const handoffRatio = median(handoff.map((h, i) => h / rust[i]));
  console.log(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0].model}, ${os.platform()} ${os.arch()}\n`);
  console.log(
    `| round trip, sequential \`getSpot\`, p50 (median of ${rounds} interleaved runs of ${calls.toLocaleString('en-US')}) | Rust core client | Node \`Client\` | ratio (median of the runs' ratios; range) | target |`,
  );
  console.log('|---|---|---|---|---|');
  console.log(
    `| same in-process sandbox, same run | ${median(rust).toFixed(0)} µs | ${median(node).toFixed(0)} µs | **${median(ratios).toFixed(2)}×** (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)}) | ≤ 1.3× |`,
  );
  console.log(
    `| diagnostic: the Rust call handed from a plain thread to the runtime, result over a channel (no JavaScript) | ${median(handoff).toFixed(0)} µs | | ${handoffRatio.toFixed(2)}× | |`,
  );
  for (const [name, xs] of [
    ['`node:http` (one kept-alive socket) + the node:crypto signer + `JSON.parse`', plainHttp],
    ['`fetch` (undici) + the node:crypto signer + `res.json()`', plainFetch],
  ]) {
    const rs = xs.map((x, i) => x / rust[i]).sort((a, b) => a - b);
    console.log(
      `| diagnostic: the same signed request from JavaScript, ${name} | ${median(rust).toFixed(0)} µs | ${median(xs).toFixed(0)} µs | ${median(rs).toFixed(2)}× (${rs[0].toFixed(2)}–${rs[rs.length - 1].toFixed(2)}) | |`,
    );
  }
}

async function main() {
  if (process.argv.includes('--vs-rust')) {
    const at = process.argv.indexOf('--rounds');
    return vsRust(at > 0 ? { rounds: Number(process.argv[at + 1]) } : {});
  }
  const rows = [];
  const row = (what, ours, theirs, unit) =>
    rows.push(`| ${what} | ${fmt(ours)} ${unit} | ${fmt(theirs)} ${unit} | **${(ours / theirs).toFixed(2)}×** |`);

  // ---- signing
  const signer = new MacSigner(CLIENT_ID, MAC_KEY);
  const body = JSON.stringify({
    payments: [{ description: 'Table 4, 2 × lunch menu', price: 2598, currency: 'EUR', parameters: { orderid: 123456 } }],
    redirect_uri: 'https://shop.example.com/paysera/done',
  });
  const mix = [
    ['GET', 'https://wallet.paysera.com/rest/v1/spots?status=waiting&location_id=7', undefined],
    ['POST', 'https://wallet.paysera.com/rest/v1/transaction', body],
    ['PUT', 'https://wallet.paysera.com/rest/v1/transaction/ATaNL6X6CivO2Ou0FMPt/confirm', undefined],
    ['POST', 'https://wallet.paysera.com/rest/v1/spot/1/order', '{"transaction_key":"ATaNL6X6CivO2Ou0FMPt"}'],
  ];
  const N = 100_000;
  const requests = Array.from({ length: N }, (_, i) => {
    const [method, url, b] = mix[i % mix.length];
    return { method, url, body: b };
  });
  // Same output format from both (checked on a fixed ts/nonce in the jest vectors suite).
  // Alternating rounds, so that load from other work on the shared machine hits both alike.
  const [native, node] = await rates(
    [
      () => {
        for (const r of requests) signer.authorization(r);
      },
      () => {
        for (const r of requests) nodeAuthorization(r.method, r.url, r.body);
      },
    ],
    { ops: N, rounds: 9 },
  );
  const batches = Array.from({ length: N / 1000 }, (_, i) => requests.slice(i * 1000, (i + 1) * 1000));
  const batched = await rate(async () => {
    for (const b of batches) await signer.authorizationBatch(b);
  }, { ops: N });
  row('`MacSigner.authorization`, one call per request', native, node, 'signatures/s');
  row('`MacSigner.authorizationBatch`, 1,000 per call', batched, node, 'signatures/s');

  // ---- round trips
  const sandbox = await Sandbox.start();
  try {
    const spot = sandbox.createSpot(1, 'table1', { title: 'Bench café' });
    const client = sandbox.client({ retries: 0 });
    const path = `/rest/v1/spot/${spot.id}`;
    const url = `${sandbox.baseUrl}${path}`;
    const viaFetch = fetchGet(url);
    const viaClient = () => client.getSpot(spot.id);
    // Both must agree on what they read.
    if (JSON.stringify(await viaFetch()) !== JSON.stringify(await viaClient())) throw new Error('responses differ');

    const SEQ = 2000;
    const seqClient = await rate(async () => {
      for (let i = 0; i < SEQ; i++) await viaClient();
    }, { ops: SEQ, rounds: 3 });
    const seqFetch = await rate(async () => {
      for (let i = 0; i < SEQ; i++) await viaFetch();
    }, { ops: SEQ, rounds: 3 });
    row('Round trips, sequential (`getSpot` vs `fetch`)', seqClient, seqFetch, 'requests/s');

    const CONC = 1000;
    const concClient = await rate(() => Promise.all(Array.from({ length: CONC }, viaClient)), { ops: CONC });
    const concFetch = await rate(() => Promise.all(Array.from({ length: CONC }, viaFetch)), { ops: CONC });
    row('Round trips, 1,000 concurrent', concClient, concFetch, 'requests/s');
    const failed = sandbox.requests().filter((r) => r.status !== 200);
    if (failed.length) throw new Error(`${failed.length} requests failed in the sandbox`);
  } finally {
    await sandbox.stop();
  }

  console.log(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0].model}, ${os.platform()} ${os.arch()}\n`);
  console.log('| Benchmark | paysera-scanpay | Node equivalent | Ratio |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
