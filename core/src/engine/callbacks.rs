//! Callbacks drive the cashier: a signed callback Paysera posted names a transaction, and the
//! running loop acts on it at once instead of at its next poll. Polling stays the safety net for
//! callbacks that never arrive.
//!
//! A callback only ever makes the engine *read* the transaction it names (through the same budget
//! and steps as polling), so even a genuine callback replayed later cannot make it act wrongly;
//! forged, unsigned, replayed callbacks and those naming transactions this cashier does not
//! know are refused, logged and change nothing.

use std::collections::HashMap;
use std::time::Instant;

use super::{Engine, Record, Stage, Step};
use crate::callback::CallbackForm;
use crate::defaults::CALLBACK_REPLAY_WINDOW;
use crate::error::Error;
use crate::models::CallbackEvent;

const TARGET: &str = "paysera_scanpay";

/// Callbacks acted on recently (by signature: Paysera's signatures are deterministic, so a
/// re-sent callback has the same one) and the transactions waiting for the loop.
#[derive(Default)]
pub(super) struct Inbox {
    seen: HashMap<String, Instant>,
    due: Vec<String>,
}

impl Engine {
    /// Takes the raw `application/x-www-form-urlencoded` body Paysera posted to the callback
    /// URL, verifies its signature with Paysera's public key (cached by the client, fetched
    /// again once when a signature does not match), and queues the transaction it names for the
    /// loop, waking [`Self::run_forever`] from its pause.
    ///
    /// `Ok(true)`: genuine and queued. `Ok(false)`: refused (unparsable, forged or unsigned,
    /// already handled, or about a transaction this cashier does not know), logged, nothing
    /// changed. `Err` only when the public key could not be fetched: answer with a 5xx so
    /// Paysera tries again later (polling covers it meanwhile).
    ///
    /// ```no_run
    /// # async fn view(engine: &paysera_scanpay::engine::Engine, body: &[u8]) {
    /// let status = match engine.handle_callback(body).await {
    ///     Ok(true) => 200,
    ///     Ok(false) => 400,
    ///     Err(_) => 503,
    /// };
    /// # }
    /// ```
    pub async fn handle_callback(&self, body: &[u8]) -> Result<bool, Error> {
        let form = match CallbackForm::parse(body) {
            Ok(form) => form,
            Err(e) => return Ok(refuse(&format!("malformed body: {e}"))),
        };
        if !self.client.verify_callback(&form.event, &form.sign).await? {
            return Ok(refuse("signature does not match Paysera's public key"));
        }
        let event: CallbackEvent = match serde_json::from_slice(&form.event) {
            Ok(event) => event,
            Err(e) => return Ok(refuse(&format!("signed event is not valid JSON: {e}"))),
        };
        let Some(key) = event.data.map(|tx| tx.transaction_key) else {
            return Ok(refuse("event names no transaction"));
        };
        // The active engine knows its records; elsewhere (a web worker, a standby) the store
        // does, and the callback is handed to the active replica through it.
        let here = self.is_active() || !self.store.shared();
        let known = if here {
            self.lock()
                .values()
                .any(|r| r.transaction_key.as_deref() == Some(key.as_str()))
        } else {
            self.store
                .load()
                .await?
                .iter()
                .any(|r| r.transaction_key.as_deref() == Some(key.as_str()))
        };
        if !known {
            return Ok(refuse(&format!(
                "{} event for transaction {key}, which this cashier is not serving",
                event.event_type
            )));
        }
        let sign = form.sign;
        {
            let mut inbox = self.inbox();
            let now = Instant::now();
            inbox
                .seen
                .retain(|_, at| now.duration_since(*at) < CALLBACK_REPLAY_WINDOW);
            if inbox.seen.insert(sign.clone(), now).is_some() {
                drop(inbox);
                return Ok(refuse(&format!(
                    "{} event for transaction {key} was already handled",
                    event.event_type
                )));
            }
        }
        if !here {
            if let Err(e) = self.store.push_wake(&key).await {
                // Not handed over: Paysera's retry must not be refused as a replay.
                self.inbox().seen.remove(&sign);
                return Err(e);
            }
            log::info!(target: TARGET, "callback: {} event for transaction {key}, handed to the active cashier", event.event_type);
            return Ok(true);
        }
        self.called_back(vec![key.clone()]);
        log::info!(target: TARGET, "callback: {} event for transaction {key}, acting now", event.event_type);
        Ok(true)
    }

    /// Queues these transactions for the loop and wakes it. A permit, not only a wake-up: a
    /// loop in the middle of a tick skips its next pause.
    pub(super) fn called_back(&self, keys: Vec<String>) {
        self.queue_called_back(keys);
        self.wake.notify_one();
    }

    /// Queues these transactions for the next tick, without waking the loop.
    pub(super) fn queue_called_back(&self, keys: Vec<String>) {
        let mut inbox = self.inbox();
        for key in keys {
            if !inbox.due.contains(&key) {
                inbox.due.push(key);
            }
        }
    }

    fn inbox(&self) -> std::sync::MutexGuard<'_, Inbox> {
        self.inbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The records of the transactions callbacks named since the last tick, in the stages the
    /// rest of the tick would not act on before the next poll (the others are resumed anyway).
    pub(super) fn take_called_back(&self) -> Vec<Record> {
        let due = std::mem::take(&mut self.inbox().due);
        let records = self.lock();
        due.iter()
            .filter_map(|key| {
                records
                    .values()
                    .find(|r| r.transaction_key.as_deref() == Some(key.as_str()))
            })
            .filter(|r| matches!(r.stage, Stage::Ordering | Stage::Ordered))
            .cloned()
            .collect()
    }

    /// Reads the called-back transaction and follows it (confirm what was reserved, report a
    /// rejection), exactly as polling would.
    pub(super) async fn on_called_back(&self, record: Record) -> Step {
        self.settle_from_transaction(record).await
    }
}

fn refuse(why: &str) -> bool {
    log::warn!(target: TARGET, "callback refused: {why}");
    false
}
