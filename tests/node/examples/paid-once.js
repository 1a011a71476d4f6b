// paid-once.js: record each payment once, however often the cashier delivers its event.
// `pool` is a node-postgres Pool; processed_events.event_id is the primary key.
function paidOnce(pool) {
  return async function onEvent(event) {
    if (event.kind !== 'paid') return;
    const db = await pool.connect();
    try {
      await db.query('BEGIN');
      const fresh = await db.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [event.id]);
      if (fresh.rowCount === 1) {
        await db.query("UPDATE orders SET status = 'paid', transaction_key = $2 WHERE id = $1", [
          event.parameters.orderid,
          event.transaction_key,
        ]);
      }
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error; // the cashier delivers the event again later
    } finally {
      db.release();
    }
  };
}

module.exports = { paidOnce };
