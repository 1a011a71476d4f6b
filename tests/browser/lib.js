// Helpers of the browser test: Debian's Chromium through playwright-core (it cannot download
// browsers here), console-error collection, percentiles, a paced merchant-API load.
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const OUT = path.resolve(__dirname, '../../target/browser');

function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROMIUM');
  return found;
}

async function launch() {
  fs.mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/**
 * Every console error and uncaught exception of a page, as strings. `allow(text)` says which
 * errors are expected at that moment (the browser logs a 4xx answer to fetch as an error).
 */
function watchErrors(page, name, errors, allow = () => false) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow(m.text())) errors.push(`${name} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${name} exception: ${e.message}`));
  page.on('crash', () => errors.push(`${name} crashed`));
}

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summary(values) {
  const r = (x) => Math.round(x * 10) / 10;
  return { n: values.length, p50: r(percentile(values, 50)), p95: r(percentile(values, 95)), max: r(Math.max(...values)) };
}

/**
 * Signed merchant-API requests at `perSecond` (each lands in the journal) until `stop()`;
 * at most 32 in flight, so a slow sandbox slows the load instead of piling it up.
 */
function paceLoad(client, perSecond) {
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * perSecond);
    while (sent < due && inFlight < 32) {
      sent += 1;
      inFlight += 1;
      client
        .listSpots({ limit: 1 })
        .catch(() => {
          failed += 1;
        })
        .finally(() => {
          inFlight -= 1;
        });
    }
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      const seconds = (Date.now() - started) / 1000;
      return { sent, failed, seconds, perSecond: Math.round((sent / seconds) * 10) / 10 };
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { OUT, launch, watchErrors, summary, paceLoad, sleep };
