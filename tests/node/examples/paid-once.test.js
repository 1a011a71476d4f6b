// paid-once.js against a stand-in for node-postgres: a second delivery of the same event changes
// nothing, and a failing database makes the handler reject (so the cashier retries it).
const { paidOnce } = require('./paid-once');

/** Just enough of a pg Pool for the two statements, with transactions. */
function fakePool({ failUpdates = 0 } = {}) {
  const db = { processed: new Set(), orders: new Map([['A-21', { status: 'open' }]]) };
  let failures = failUpdates;
  const pool = {
    db,
    async connect() {
      let pending = null;
      return {
        async query(sql, params = []) {
          if (sql === 'BEGIN') pending = { processed: [], orders: [] };
          else if (sql === 'COMMIT') {
            for (const id of pending.processed) db.processed.add(id);
            for (const [id, row] of pending.orders) db.orders.set(id, row);
          } else if (sql === 'ROLLBACK') pending = null;
          else if (sql.startsWith('INSERT')) {
            if (db.processed.has(params[0])) return { rowCount: 0 };
            pending.processed.push(params[0]);
            return { rowCount: 1 };
          } else if (sql.startsWith('UPDATE')) {
            if (failures-- > 0) throw new Error('connection reset');
            pending.orders.push([params[0], { status: 'paid', transaction_key: params[1] }]);
          }
          return { rowCount: 0 };
        },
        release() {},
      };
    },
  };
  return pool;
}

const paid = { id: 'sp1-100-7:paid', kind: 'paid', transaction_key: 'K1', parameters: { orderid: 'A-21' } };

test('a payment is recorded once, however often its event comes', async () => {
  const pool = fakePool();
  const onEvent = paidOnce(pool);
  await onEvent(paid);
  await onEvent(paid);
  await onEvent({ ...paid, id: 'sp1-100-7:spot_closed', kind: 'spot_closed' });
  expect(pool.db.orders.get('A-21')).toEqual({ status: 'paid', transaction_key: 'K1' });
  expect([...pool.db.processed]).toEqual([paid.id]);
});

test('a database failure rejects and leaves nothing half done', async () => {
  const pool = fakePool({ failUpdates: 1 });
  const onEvent = paidOnce(pool);
  await expect(onEvent(paid)).rejects.toThrow('connection reset');
  expect(pool.db.processed.size).toBe(0);
  await onEvent(paid); // the cashier's retry
  expect(pool.db.orders.get('A-21').status).toBe('paid');
});
