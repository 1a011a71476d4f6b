// The dashboard: every spot with its QR code, live state, order and transaction, and the
// customer's actions; the panels (clock, autopilot, faults, journal, callbacks) are panels.js.
// State arrives from /_sandbox/events; drawing is batched into one animation frame and limited
// to one page of spots, so 1,000 spots and a busy journal stay cheap.
'use strict';

(function () {
  const { h, api, say, onClick, connect, AWAITING, phoneUrl, qrUrl } = window.Sandbox;
  const PAGE = 48;

  const spots = new Map(); // id -> view
  let ids = []; // sorted spot ids
  let page = 0;
  let state = {};
  const cards = new Map(); // id -> { json, el } for the spots on screen
  let dirty = false;
  const stats = { messages: 0, frames: 0 };
  window.sandboxDashboard = stats; // read by the browser test

  function apply(msg, whole) {
    stats.messages += 1;
    if (whole) {
      spots.clear();
      cards.clear();
    }
    let added = whole;
    for (const s of msg.spots) {
      if (!spots.has(s.id)) added = true;
      spots.set(s.id, s);
    }
    if (added) ids = [...spots.keys()].sort((a, b) => a - b);
    if (msg.state) state = msg.state;
    window.Panels.update(msg, whole, state);
    schedule();
  }

  function schedule() {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(() => {
      dirty = false;
      stats.frames += 1;
      render();
    });
  }

  function awaitingOrder(spot) {
    const last = spot.orders[spot.orders.length - 1];
    return last && AWAITING.has(last.transaction_status) ? last : null;
  }

  function matches(spot, text, status) {
    if (status === 'ordered' ? !awaitingOrder(spot) : status && spot.status !== status) return false;
    if (!text) return true;
    const hay = `${spot.title || ''} ${spot.identifier} ${spot.location_id} ${spot.code}`.toLowerCase();
    return hay.includes(text);
  }

  function visibleIds() {
    const text = document.getElementById('filter').value.trim().toLowerCase();
    const status = document.getElementById('status-filter').value;
    if (!text && !status) return ids;
    return ids.filter((id) => matches(spots.get(id), text, status));
  }

  function render() {
    const shown = visibleIds();
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    const slice = shown.slice(page * PAGE, page * PAGE + PAGE);
    document.getElementById('page').textContent = `${page + 1} / ${pages}`;
    document.getElementById('prev').disabled = page === 0;
    document.getElementById('next').disabled = page >= pages - 1;
    document.getElementById('spot-count').textContent =
      shown.length === ids.length ? `${ids.length}` : `${shown.length} of ${ids.length}`;
    const list = document.getElementById('spot-list');
    const els = slice.map((id) => {
      const spot = spots.get(id);
      const json = JSON.stringify(spot) + (state.token || '');
      const cached = cards.get(id);
      if (cached && cached.json === json) return cached.el;
      const el = card(spot);
      cards.set(id, { json, el });
      return el;
    });
    // Keep the nodes that did not change (their QR images stay loaded).
    if (els.length !== list.children.length || els.some((el, i) => list.children[i] !== el)) {
      list.replaceChildren(...els);
    }
    for (const id of cards.keys()) if (!slice.includes(id)) cards.delete(id);
    if (!ids.length) list.replaceChildren(h('p', { class: 'hint' }, 'No spots yet: create one above, or let your code create them through the control plane.'));
  }

  function actionButton(label, action, fn, cls) {
    return onClick(h('button', { type: 'button', class: cls, dataset: { action } }, label), fn);
  }

  function orderLine(order) {
    const paid = order.transaction_status === 'confirmed';
    return h(
      'li',
      { class: 'order', dataset: { key: order.transaction_key } },
      h('span', { class: 'total' }, order.total || '–'),
      ' ',
      h('span', { class: `badge tx-status s-${order.transaction_status}` }, order.transaction_status || 'unknown'),
      paid ? h('span', { class: 'badge paid' }, 'paid') : null,
      h('br'),
      h('small', {}, `order ${order.id} ${order.status} · `, h('code', { title: order.transaction_key }, order.transaction_key.slice(0, 8) + '…')),
      h('ul', { class: 'payments' }, order.payments.map((p) => h('li', {}, `${p.description || 'payment'}: ${p.amount} ${p.currency}`))),
    );
  }

  function card(spot) {
    const open = awaitingOrder(spot);
    const key = open && open.transaction_key;
    const customer = (path, label, action, cls) =>
      actionButton(label, action, async () => {
        await api('POST', path);
        say(`${label}: done`);
      }, cls);
    return h(
      'article',
      { class: `spot st-${spot.status}`, dataset: { spotId: spot.id } },
      h('img', { class: 'qr', src: qrUrl(spot), alt: `QR code ${spot.code}`, width: 96, height: 96, loading: 'lazy' }),
      h(
        'div',
        { class: 'body' },
        h('h3', {}, spot.title || `Location ${spot.location_id}`, ' · ', spot.identifier),
        h('code', { class: 'code' }, spot.code),
        h('div', {},
          h('span', { class: `badge status s-${spot.status}` }, spot.status),
          spot.customer != null && spot.status === 'waiting' ? ` customer #${spot.customer}` : ''),
        spot.orders.length ? h('ul', { class: 'orders' }, spot.orders.slice(-2).map(orderLine)) : null,
        h(
          'div',
          { class: 'buttons' },
          actionButton('Scan', 'scan', async () => {
            await api('POST', '/scan', { spot_id: spot.id });
            say(`A customer scanned ${spot.code}`);
          }),
          key ? customer(`/transactions/${key}/confirm`, 'Confirm', 'confirm', 'primary') : null,
          key ? customer(`/transactions/${key}/reject`, 'Reject', 'reject') : null,
          key ? customer(`/transactions/${key}/expire`, 'Let it expire', 'expire') : null,
          h('a', { href: phoneUrl(spot.id, state.token), target: '_blank', rel: 'noopener', class: 'phone-link', dataset: { action: 'phone' } }, 'Phone ↗'),
        ),
      ),
    );
  }

  function setLive(on) {
    const el = document.getElementById('live');
    el.textContent = on ? 'live' : 'reconnecting…';
    el.className = `live ${on ? 'on' : 'off'}`;
  }

  function init() {
    document.getElementById('prev').addEventListener('click', () => {
      page = Math.max(0, page - 1);
      render();
    });
    document.getElementById('next').addEventListener('click', () => {
      page += 1;
      render();
    });
    document.getElementById('filter').addEventListener('input', () => {
      page = 0;
      schedule();
    });
    document.getElementById('status-filter').addEventListener('change', () => {
      page = 0;
      schedule();
    });
    const form = document.getElementById('create-spot');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = {
        location_id: Number(data.get('location_id')),
        identifier: String(data.get('identifier')).trim(),
      };
      const title = String(data.get('title')).trim();
      if (title) body.title = title;
      try {
        const spot = await api('POST', '/spots', body);
        say(`Spot ${spot.id} created: PAYSERA*${body.location_id}:${body.identifier}`);
        form.elements.identifier.value = '';
      } catch {
        // shown by api()
      }
    });
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(location.hostname);
    document.getElementById('lan-hint').hidden = !loopback;
    window.Panels.init();
    connect(null, (m) => apply(m, true), (m) => apply(m, false), setLive);
  }

  document.addEventListener('DOMContentLoaded', init);
})();
