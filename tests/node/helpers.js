// Shared by the jest suites: a receiver for the sandbox's callbacks.
const http = require('node:http');

/** An HTTP server on a free loopback port that records raw POST bodies. */
async function callbackReceiver() {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.end('OK');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/paysera/callback`,
    bodies,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Polls `check` until it returns something truthy (callbacks are delivered asynchronously). */
async function eventually(check, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** True once a cashier's tick that ordered has also read the reserved transactions: a customer
 * confirming after that is seen by a callback or the next poll, never by that same tick. */
function orderedTickDone(sandbox) {
  const requests = sandbox.requests();
  const order = requests.findIndex((r) => r.method === 'POST' && /\/spot\/[^/]+\/order/.test(r.path));
  return order >= 0 && requests.slice(order).some((r) => r.method === 'GET' && r.path.includes('/transactions?'));
}

// Nobody listens here: callbacks sent to it are lost (the sandbox still journals them).
const LOST = 'http://127.0.0.1:9/paysera/callback';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
/** A callback's raw form body, as Paysera posts it. */
const form = (event, sign) => new URLSearchParams({ event, sign }).toString();
/** POSTs `body` (a form by default) to `url`. */
const post = (url, body, headers = FORM) => fetch(url, { method: 'POST', headers, body });

module.exports = { LOST, FORM, callbackReceiver, eventually, form, orderedTickDone, post };
