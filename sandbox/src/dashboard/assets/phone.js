// The customer's phone for one spot (/_sandbox/phone/{id}): scan the spot, see the bill the
// merchant sent, confirm or reject it, see the outcome. Like the Paysera app, in a browser on
// the LAN, so that a POS team can demo a payment end to end.
'use strict';

(function () {
  const { h, api, say, onClick, connect, AWAITING } = window.Sandbox;
  const spotId = Number(location.pathname.split('/').pop());
  let spot = null;
  let known = false;

  const OUTCOME = {
    reserved: ['Payment approved', 'The merchant is completing the payment…', 'ok'],
    confirmed: ['Paid', 'Thank you! The payment is complete.', 'ok'],
    rejected: ['Payment rejected', 'You declined this bill.', 'bad'],
    failed: ['Payment expired', 'The bill was not answered in time.', 'bad'],
    revoked: ['Payment cancelled', 'The merchant cancelled the payment.', 'bad'],
    canceled: ['Payment cancelled', 'The merchant cancelled the payment.', 'bad'],
  };

  function button(label, action, fn, cls) {
    return onClick(h('button', { type: 'button', class: `big ${cls || ''}`, dataset: { action } }, label), fn);
  }

  const scan = (label) =>
    button(label, 'scan', async () => {
      say('');
      await api('POST', '/scan', { spot_id: spotId });
    }, 'primary');

  function bill(order) {
    return h(
      'div',
      { class: 'bill', dataset: { key: order.transaction_key } },
      h('h2', {}, 'Your bill'),
      h('ul', { class: 'lines' }, order.payments.map((p) =>
        h('li', {}, h('span', {}, p.description || 'Payment'), h('span', { class: 'amount' }, `${p.amount} ${p.currency}`)))),
      h('p', { class: 'total' }, h('span', {}, 'Total'), h('strong', { id: 'total' }, order.total)),
      h(
        'div',
        { class: 'answer' },
        button('Confirm', 'confirm', () => api('POST', `/transactions/${order.transaction_key}/confirm`), 'primary'),
        button('Reject', 'reject', () => api('POST', `/transactions/${order.transaction_key}/reject`), 'danger'),
      ),
    );
  }

  function render() {
    const view = document.getElementById('view');
    if (!known) return;
    if (!spot) {
      document.getElementById('place-title').textContent = 'Unknown spot';
      view.replaceChildren(h('p', { class: 'result bad', id: 'state' }, `There is no spot ${spotId} in this sandbox.`));
      return;
    }
    document.getElementById('place-title').textContent = `${spot.title || `Location ${spot.location_id}`} · ${spot.identifier}`;
    document.getElementById('place-code').textContent = spot.code;
    const last = spot.orders[spot.orders.length - 1];
    const status = last && last.transaction_status;
    if (last && AWAITING.has(status)) {
      view.replaceChildren(bill(last));
    } else if (last && OUTCOME[status]) {
      const [title, text, kind] = OUTCOME[status];
      view.replaceChildren(
        h('div', { class: `result ${kind}`, id: 'state', dataset: { status } },
          h('h2', {}, title), h('p', { class: 'total' }, last.total), h('p', {}, text)),
        status === 'reserved' ? null : scan('Scan again'),
      );
    } else if (spot.status === 'waiting') {
      view.replaceChildren(h('div', { class: 'result', id: 'state', dataset: { status: 'checked_in' } },
        h('h2', {}, 'Checked in'), h('p', {}, 'Waiting for the bill…'), h('div', { class: 'spinner' })));
    } else {
      view.replaceChildren(h('div', { class: 'result', id: 'state', dataset: { status: 'idle' } },
        h('p', {}, 'Scan the code on the table to pay here.')), scan('Scan the code'));
    }
  }

  function apply(msg, whole) {
    if (whole) {
      known = true;
      spot = null;
    }
    for (const s of msg.spots) if (s.id === spotId) spot = s;
    render();
  }

  document.addEventListener('DOMContentLoaded', () => {
    connect({ spot: spotId }, (m) => apply(m, true), (m) => apply(m, false), (on) => {
      document.body.classList.toggle('offline', !on);
    });
  });
})();
