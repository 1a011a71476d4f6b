// Shared by the dashboard and the phone page: DOM building without innerHTML (every value
// shown comes from the sandbox's state, and some of it from whoever called its API), the JSON
// control plane, the live event stream and the message line.
'use strict';

(function () {
  const params = new URLSearchParams(location.search);
  // The printed dashboard URL carries ?token=; the sandbox answered with a cookie that carries
  // it from now on. Keep it for the stream and for links to phone pages, and take it out of
  // the address bar so that it is not on every screenshot.
  let token = params.get('token');
  if (token) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  }

  /** h('div', {class: 'x', dataset: {id: 1}, onclick: f}, 'text', child...) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const base = '/_sandbox';

  /** The control plane's own words for a failure: error, description and each bad field. */
  function describe(status, body) {
    if (!body || typeof body !== 'object') return `HTTP ${status}`;
    const props = body.error_properties
      ? Object.entries(body.error_properties).map(([k, v]) => `${k}: ${v}`).join('; ')
      : '';
    return [`${body.error || `HTTP ${status}`}: ${body.error_description || ''}`.trim(), props]
      .filter(Boolean)
      .join(' — ');
  }

  /** Calls the control plane; shows a failure in the message line and rethrows it. */
  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers['X-Sandbox-Token'] = token;
    let res;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch (e) {
      const err = new Error(`The sandbox did not answer: ${e.message}`);
      say(err.message, 'error');
      throw err;
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (!res.ok) {
      const err = new Error(describe(res.status, data));
      err.status = res.status;
      say(err.message, 'error');
      throw err;
    }
    return data;
  }

  /**
   * Runs `fn` on each click of `button`, disabled until it settles; a failure was already shown
   * by api(), so it is not rethrown.
   */
  function onClick(button, fn) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await fn();
      } catch {
        // api() already said what went wrong
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  let sayTimer = null;
  /** One line at the top of the page: what went wrong (until the next action) or went right. */
  function say(text, kind = 'info') {
    const el = document.getElementById('message');
    if (!el) return;
    el.textContent = text;
    el.className = `message ${kind}`;
    el.hidden = !text;
    clearTimeout(sayTimer);
    if (kind !== 'error' && text) sayTimer = setTimeout(() => say(''), 4000);
  }

  /**
   * The live stream: `onSnapshot` with the whole state (at start, after a reset, after a
   * reconnection), `onDelta` with what changed. EventSource reconnects by itself.
   */
  function connect(query, onSnapshot, onDelta, onStatus) {
    const q = new URLSearchParams(query || {});
    if (token) q.set('token', token);
    const qs = q.toString();
    const source = new EventSource(`${base}/events${qs ? `?${qs}` : ''}`);
    source.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
    source.addEventListener('delta', (e) => onDelta(JSON.parse(e.data)));
    source.addEventListener('open', () => onStatus && onStatus(true));
    source.addEventListener('error', () => onStatus && onStatus(false));
    return source;
  }

  /** Statuses in which the customer still has to answer. */
  const AWAITING = new Set(['new', 'waiting', 'waiting_registration', 'waiting_funds', 'waiting_password']);

  /** A phone page's URL for a spot, with the token when the sandbox needs one. */
  function phoneUrl(spotId, knownToken) {
    const t = knownToken || token;
    return `${location.origin}${base}/phone/${spotId}${t ? `?token=${encodeURIComponent(t)}` : ''}`;
  }

  function qrUrl(spot) {
    const q = new URLSearchParams({ location_id: spot.location_id, identifier: spot.identifier });
    return `${base}/qr.svg?${q}`;
  }

  window.Sandbox = { h, api, say, onClick, connect, AWAITING, phoneUrl, qrUrl };
})();
