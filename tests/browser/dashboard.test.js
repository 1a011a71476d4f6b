// The dashboard and the customer phone page in a real browser (Debian's Chromium, driven by
// playwright-core). A sandbox bound to 0.0.0.0 (so the token is required; we connect only to
// 127.0.0.1) and a running cashier from the Node package:
//   1. the dashboard opens from the printed URL; 2. a spot is created in the page;
//   3. it is scanned with a click; 4. the cashier prices it; 5. the phone page confirms;
//   6. the dashboard shows it paid and closed, without a reload.
// Also: without the token, 401 and no change; bad input shows the sandbox's message in the
// page; no console error anywhere; then the performance run (perf.js).
// Screenshots and numbers go to target/browser/. Run by tests/browser/run.sh.
const assert = require('node:assert/strict');
const path = require('node:path');
const { Cashier } = require('paysera-scanpay');
const { Sandbox } = require('paysera-scanpay/testing');
const { OUT, launch, watchErrors, sleep } = require('./lib');
const perf = require('./perf');

const HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

async function tokenIsRequired(base, sandbox, browser, errors) {
  for (const [method, p, body] of [
    ['GET', '/_sandbox/', undefined],
    ['GET', '/_sandbox/phone/1', undefined],
    ['GET', '/_sandbox/events', undefined],
    ['POST', '/_sandbox/spots', '{"location_id":1,"identifier":"intruder"}'],
    ['POST', '/_sandbox/scan', '{"spot_id":1}'],
  ]) {
    const res = await fetch(base + p, { method, body, headers: { Accept: HTML } });
    assert.equal(res.status, 401, `${method} ${p} without the token`);
    await res.body?.cancel();
  }
  const wrong = await fetch(`${base}/_sandbox/?token=not-it`, { headers: { Accept: HTML } });
  assert.equal(wrong.status, 401);
  assert.equal(sandbox.spots().length, 0, 'nothing changed without the token');
  // And in the browser: the page is refused, not shown.
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`unauthorized page: ${e.message}`));
  const res = await page.goto(`${base}/_sandbox/`);
  assert.equal(res.status(), 401);
  assert.match(await page.textContent('body'), /unauthorized/);
  await context.close();
}

async function main() {
  const sandbox = await Sandbox.start({ host: '0.0.0.0' });
  const base = sandbox.baseUrl;
  const token = sandbox.token;
  assert.ok(token, 'bound to 0.0.0.0, the sandbox requires a token');
  assert.match(base, /^http:\/\/127\.0\.0\.1:/);
  const client = sandbox.client();
  const browser = await launch();
  const errors = [];
  let expectHttpErrors = false;
  const allow = (text) => expectHttpErrors && /status of 40[09]/.test(text);
  let cashier;
  try {
    await tokenIsRequired(base, sandbox, browser, errors);

    // 1. The printed dashboard URL.
    const desk = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    const dash = await desk.newPage();
    watchErrors(dash, 'dashboard', errors, allow);
    const opened = await dash.goto(`${base}/_sandbox/?token=${token}`);
    assert.equal(opened.status(), 200);
    await dash.waitForSelector('#live.on');
    assert.ok(!dash.url().includes(token), 'the token is taken out of the address bar');
    await dash.evaluate(() => {
      window.sameDocument = true; // gone if the page reloads
    });

    // 2. A spot, created in the page.
    await dash.fill('#create-spot [name=location_id]', '7');
    await dash.fill('#create-spot [name=identifier]', 'table1');
    await dash.fill('#create-spot [name=title]', 'Bistro');
    await dash.click('#create-spot button[type=submit]');
    const card = dash.locator('.spot', { hasText: 'PAYSERA*7:table1' });
    await card.waitFor();
    const spotId = Number(await card.getAttribute('data-spot-id'));
    assert.equal(sandbox.spots()[0].identifier, 'table1');
    await card.locator('img.qr').evaluate((img) =>
      img.complete && img.naturalWidth ? null : new Promise((r, j) => { img.onload = r; img.onerror = () => j(new Error('QR image failed')); }));

    // Bad input: the sandbox's own message, shown in the page.
    expectHttpErrors = true;
    await dash.fill('#create-spot [name=identifier]', 'table1');
    await dash.click('#create-spot button[type=submit]');
    await dash.waitForSelector('#message.error');
    assert.match(await dash.textContent('#message'), /invalid_parameters.*already has a spot "table1"/);
    await dash.fill('#advance-seconds', '-60');
    await dash.click('#advance');
    await dash.waitForFunction(() => /only moves forward/.test(document.getElementById('message').textContent));
    expectHttpErrors = false;
    assert.equal(sandbox.spots().length, 1);

    // 3. A customer scans it: one click.
    await card.locator('[data-action=scan]').click();
    await dash.waitForFunction((id) => document.querySelector(`[data-spot-id="${id}"] .status`)?.textContent === 'waiting', spotId);

    // 4. A running cashier prices it.
    const events = [];
    cashier = new Cashier(client, {
      price: (spot) => [
        { description: `Table ${spot.identifier}: lunch`, price: 1850, currency: 'EUR' },
        { description: 'Coffee', price: 290, currency: 'EUR' },
      ],
      onEvent: (e) => {
        events.push(e.kind);
      },
      pollIntervalMs: 100,
      requestsPerMinute: 0,
    });
    const running = cashier.start();
    await dash.waitForFunction(
      (id) => document.querySelector(`[data-spot-id="${id}"] .order .total`)?.textContent === '21.40 EUR',
      spotId,
    );

    // 5. The customer's phone: another device, from the dashboard's link (it carries the token).
    const link = await card.locator('[data-action=phone]').getAttribute('href');
    assert.match(link, new RegExp(`/_sandbox/phone/${spotId}\\?token=`));
    const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phone = await phoneContext.newPage();
    watchErrors(phone, 'phone', errors, allow);
    await phone.goto(link);
    await phone.waitForSelector('.bill');
    assert.equal(await phone.textContent('#total'), '21.40 EUR');
    assert.match(await phone.textContent('.bill'), /Table table1: lunch.*18\.50 EUR.*Coffee.*2\.90 EUR/s);
    await phone.screenshot({ path: path.join(OUT, 'phone-bill.png') });
    await phone.tap('[data-action=confirm]');

    // 6. Paid and closed, on both pages, without a reload.
    await phone.waitForSelector('#state[data-status=confirmed]', { timeout: 15000 });
    await phone.screenshot({ path: path.join(OUT, 'phone-paid.png') });
    await dash.waitForFunction((id) => {
      const el = document.querySelector(`[data-spot-id="${id}"]`);
      return el && el.querySelector('.status').textContent === 'closed' && el.querySelector('.tx-status').textContent === 'confirmed' && el.querySelector('.paid');
    }, spotId, { timeout: 15000 });
    assert.equal(await dash.evaluate(() => window.sameDocument), true, 'the dashboard was not reloaded');
    cashier.stop();
    await running;
    cashier = null;
    assert.ok(events.includes('paid') && events.includes('spot_closed'), `cashier events: ${events}`);
    const [tx] = sandbox.transactions();
    assert.equal(tx.status, 'confirmed');
    await dash.waitForFunction(() => [...document.querySelectorAll('#journal td.mac')].some((td) => td.textContent === 'valid'));
    assert.ok(await dash.locator('#journal tr').count() > 0);
    await dash.screenshot({ path: path.join(OUT, 'dashboard-paid.png'), fullPage: true });

    // Fault presets and the autopilot, through the page.
    await dash.click('[data-fault=burst429]');
    await dash.waitForFunction(() => /rate limit.*next 5/.test(document.getElementById('faults').textContent));
    await dash.click('#clear-faults');
    await dash.waitForFunction(() => document.getElementById('faults').children.length === 0);
    await dash.selectOption('#autopilot', 'confirm');
    await dash.waitForFunction(() => /Autopilot/.test(document.getElementById('message').textContent));
    await dash.selectOption('#autopilot', '');

    // The dashboard with 1,000 spots and 100 requests a second.
    const numbers = await perf.run({ page: dash, sandbox, client, assert });
    await dash.screenshot({ path: path.join(OUT, 'dashboard-1000-spots.png') });
    assert.deepEqual(errors, [], 'no console errors, no exceptions');
    console.log(`browser test passed; screenshots and perf.json in ${OUT}`);
    return numbers;
  } finally {
    if (cashier) cashier.stop();
    await browser.close();
    await sleep(50);
    await sandbox.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
