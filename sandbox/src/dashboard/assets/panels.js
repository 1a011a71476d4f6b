// The dashboard's panels beside the spots: clock, reset, autopilot, fault presets, the request
// journal (with MAC verdicts and correlation ids) and the callbacks sent (with signatures).
'use strict';

(function () {
  const { h, api, say, onClick } = window.Sandbox;
  const JOURNAL_KEEP = 500; // entries kept in the page
  const JOURNAL_SHOWN = 100; // rows drawn
  const CALLBACKS_KEEP = 100;

  let journal = [];
  let callbacks = [];
  let journalTotal = 0;
  let callbacksTotal = 0;
  let logsDirty = false;
  let clockOffsetMs = 0; // sandbox time minus this browser's time
  let clockKnown = false;

  // Paysera-side trouble, one click each; every preset is an ordinary fault rule.
  const PRESETS = {
    drop: { kind: 'drop', count: 1 },
    lose: { kind: 'apply_then_drop', count: 1 },
    burst429: { kind: 'rate_limit', retry_after: 1, count: 5 },
    random5: { kind: 'error', status: 503, code: 'service_unavailable', probability: 0.05 },
  };

  function faultLabel(f) {
    const what = f.kind === 'error' ? `error ${f.status}` : f.kind.replace(/_/g, ' ');
    const which = [f.method, f.path].filter(Boolean).join(' ') || 'any request';
    const how = f.probability != null ? `${Math.round(f.probability * 1000) / 10} % of requests` : `next ${f.remaining}`;
    return `${what} · ${which} · ${how}`;
  }

  function update(msg, whole, state) {
    if (state.now != null) {
      clockOffsetMs = state.now * 1000 - Date.now();
      clockKnown = true;
      tick();
    }
    const auto = document.getElementById('autopilot');
    if (document.activeElement !== auto) auto.value = state.autopilot || '';
    const faults = document.getElementById('faults');
    faults.replaceChildren(
      ...(state.faults || []).map((f) => h('li', { class: 'fault' }, faultLabel(f))),
    );
    if (msg.journal) {
      journal = whole ? msg.journal : journal.concat(msg.journal);
      if (journal.length > JOURNAL_KEEP) journal = journal.slice(-JOURNAL_KEEP);
      journalTotal = msg.journal_total;
      callbacks = whole ? msg.callbacks : callbacks.concat(msg.callbacks);
      if (callbacks.length > CALLBACKS_KEEP) callbacks = callbacks.slice(-CALLBACKS_KEEP);
      callbacksTotal = msg.callbacks_total;
      if (whole || msg.journal.length || msg.callbacks.length) scheduleLogs();
    }
  }

  function scheduleLogs() {
    if (logsDirty) return;
    logsDirty = true;
    requestAnimationFrame(() => {
      logsDirty = false;
      renderLogs();
    });
  }

  function renderLogs() {
    document.getElementById('journal-count').textContent =
      journalTotal > JOURNAL_SHOWN ? `newest ${JOURNAL_SHOWN} of ${journalTotal}` : `${journalTotal}`;
    document.getElementById('callback-count').textContent = `${callbacksTotal}`;
    if (!document.getElementById('journal-pause').checked) {
      const rows = journal.slice(-JOURNAL_SHOWN).reverse().map((e) =>
        h(
          'tr',
          { class: e.status >= 400 || e.status === 0 ? 'bad' : '' },
          h('td', {}, e.seq),
          h('td', { title: `${e.method} ${e.path}` }, h('code', {}, `${e.method} ${e.path}`)),
          h('td', {}, e.client_id || '–'),
          h('td', { class: `mac ${/^(rejected|missing)/.test(e.mac) ? 'bad' : ''}` }, e.mac),
          h('td', {}, e.status === 0 ? 'dropped' : e.status),
          h('td', {}, [e.error, e.fault && `fault: ${e.fault}`].filter(Boolean).join(' · ')),
          h('td', {}, h('code', {}, e.correlation_id)),
        ),
      );
      document.getElementById('journal').replaceChildren(...rows);
    }
    const cbRows = callbacks.slice().reverse().map((c) =>
      h(
        'tr',
        { class: c.error || (c.status && c.status >= 400) ? 'bad' : '' },
        h('td', {}, c.event_type),
        h('td', {}, h('code', {}, c.transaction_key)),
        h('td', {}, h('code', {}, c.uri)),
        h('td', {}, c.error || c.status),
        h('td', {}, h('code', { class: 'sign', title: c.sign }, c.sign)),
      ),
    );
    document.getElementById('callbacks').replaceChildren(...cbRows);
  }

  function tick() {
    if (!clockKnown) return;
    const t = new Date(Date.now() + clockOffsetMs);
    const el = document.getElementById('clock');
    el.textContent = t.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    el.dateTime = t.toISOString();
  }

  function button(id, fn) {
    onClick(typeof id === 'string' ? document.getElementById(id) : id, fn);
  }

  async function advance(seconds) {
    const { time } = await api('POST', '/clock/advance', { seconds });
    say(`Clock advanced by ${seconds} s to ${new Date(time * 1000).toISOString()}`);
  }

  function init() {
    for (const b of document.querySelectorAll('[data-advance]')) {
      button(b, () => advance(Number(b.dataset.advance)));
    }
    button('advance', () => {
      const raw = document.getElementById('advance-seconds').value;
      // Sent as typed: the sandbox says what is wrong with it (negative, not a number…).
      const seconds = raw.trim() === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
      return advance(seconds);
    });
    button('reset', async () => {
      if (!window.confirm('Forget every spot, transaction, request, fault and callback?')) return;
      await api('POST', '/reset');
      say('The sandbox was reset');
    });
    const auto = document.getElementById('autopilot');
    auto.addEventListener('change', async () => {
      try {
        await api('PUT', '/autopilot', auto.value || null);
        say(auto.value ? `Autopilot: customers ${auto.value} every new order` : 'Autopilot off');
      } catch {
        // shown by api()
      }
    });
    for (const b of document.querySelectorAll('[data-fault]')) {
      button(b, async () => {
        const rule = { ...PRESETS[b.dataset.fault] };
        if (rule.probability != null) rule.seed = Math.floor(Math.random() * 2 ** 32);
        await api('POST', '/faults', rule);
        say(`Fault added: ${faultLabel({ ...rule, remaining: rule.count })}`);
      });
    }
    button('clear-faults', async () => {
      await api('DELETE', '/faults');
      say('Faults cleared');
    });
    document.getElementById('journal-pause').addEventListener('change', scheduleLogs);
    setInterval(tick, 1000);
  }

  window.Panels = { init, update };
})();
