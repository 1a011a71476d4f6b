//! At-least-once events. An event is written to the store's outbox before it is handed to the
//! merchant's handler, and removed only when the handler returned without error. A failed
//! delivery is retried on later ticks after a capped, jittered exponential pause; a restarted
//! engine over the same store delivers whatever was not acknowledged. A spot's events go out in
//! the order they were recorded: a later one waits until the earlier ones succeeded, while other
//! spots (and the money side of the same spot) carry on.
//!
//! `error` events are notices, not part of the outbox: logged, handed to the handler once (best
//! effort) and listed in the tick's report.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{Engine, Event, EventKind, Record, UndeliveredEvent};
use crate::clock::unix_now_ms;

/// The pause after the `attempts`-th failed delivery: `first` doubling up to `max`, with "equal
/// jitter" (half fixed, half random) so that many failing events do not retry in lockstep.
pub(super) fn backoff(first: Duration, max: Duration, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    let step = first.saturating_mul(1 << doublings).min(max);
    step / 2 + step.mul_f64(crate::jitter::unit() / 2.0)
}

/// Marks a spot as being delivered for as long as it lives (also when its future is dropped).
struct Delivering<'a> {
    spots: &'a Mutex<HashSet<u64>>,
    spot: u64,
}

impl<'a> Delivering<'a> {
    fn claim(spots: &'a Mutex<HashSet<u64>>, spot: u64) -> Option<Self> {
        let fresh = spots.lock().unwrap_or_else(|p| p.into_inner()).insert(spot);
        fresh.then(|| Self { spots, spot })
    }
}

impl Drop for Delivering<'_> {
    fn drop(&mut self) {
        let mut busy = self.spots.lock().unwrap_or_else(|p| p.into_inner());
        busy.remove(&self.spot);
    }
}

impl Engine {
    /// Events the handler has not acknowledged yet, oldest first: with their failed attempts,
    /// the last error and when the next attempt is due.
    pub fn undelivered(&self) -> Vec<UndeliveredEvent> {
        let mut all: Vec<_> = self.outbox().clone();
        all.sort_by_key(|e| e.seq);
        all
    }

    pub(super) fn outbox(&self) -> std::sync::MutexGuard<'_, Vec<UndeliveredEvent>> {
        self.outbox.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The event of `record`, as the handler gets it.
    pub(super) fn event_of(
        &self,
        record: &Record,
        kind: EventKind,
        message: Option<String>,
    ) -> Event {
        Event {
            id: format!("{}:{}", record.reference, kind),
            kind,
            spot_id: record.spot_id,
            location_id: record.location_id,
            transaction_key: record.transaction_key.clone(),
            reference: record.reference.clone(),
            amounts: record.amounts.clone(),
            parameters: record.parameters.clone(),
            message,
        }
    }

    /// Records an event of `record` once (the record remembers it was recorded), then delivers
    /// what is due for its spot. `error` events are only notified.
    pub(super) async fn emit(
        &self,
        record: &mut Record,
        kind: EventKind,
        message: Option<String>,
    ) -> super::Step {
        let event = self.event_of(record, kind, message);
        if kind == EventKind::Error {
            return Ok(self.notify(event).await);
        }
        if record.delivered.iter().any(|d| d == kind.as_str()) {
            return Ok(Vec::new());
        }
        let spot = event.spot_id;
        let queued = self.outbox().iter().any(|e| e.event.id == event.id);
        record.delivered.push(kind.as_str().to_owned());
        let written = if queued {
            // Already in the outbox (recorded before a crash the mark did not survive).
            self.save(record).await
        } else {
            // `seq` is taken before the write: the store orders a spot's events by it.
            let entry = UndeliveredEvent {
                event,
                seq: self.event_seq.fetch_add(1, Ordering::Relaxed),
                attempts: 0,
                last_error: None,
                next_attempt_at_ms: 0,
            };
            self.record_event(record, entry).await
        };
        if let Err(e) = written {
            // Not recorded: the step stops here, the record keeps its stage without the mark,
            // and resuming it records the event (a `paid` is never lost on the way).
            record.delivered.pop();
            let message = format!("recording the {kind} event: {e}");
            return Err(self.report_error(record, message).await);
        }
        Ok(self.flush(spot).await)
    }

    /// Writes the outbox entry and the record that marks it recorded in one durable step.
    async fn record_event(
        &self,
        record: &Record,
        entry: UndeliveredEvent,
    ) -> Result<(), crate::Error> {
        self.renew_if_due().await?;
        self.store_write(self.store.record_event(&self.lease, record, &entry).await)?;
        self.lock().insert(record.reference.clone(), record.clone());
        let mut outbox = self.outbox();
        if !outbox.iter().any(|e| e.event.id == entry.event.id) {
            outbox.push(entry);
        }
        Ok(())
    }

    /// The first phase of a tick: every spot whose oldest undelivered event is due.
    pub(super) async fn redeliver(&self) -> Vec<Event> {
        self.failed().clear();
        let mut seen = HashSet::new();
        let mut due = Vec::new();
        for entry in self.undelivered() {
            if seen.insert(entry.event.spot_id) && self.due(&entry) {
                due.push(entry.event.spot_id);
            }
        }
        self.for_each(due, |spot| async move { Ok(self.flush(spot).await) })
            .await
    }

    /// Delivers `spot`'s due events in order, stopping at the first failure (or the first
    /// event not due yet). A spot another task is delivering is left to it.
    async fn flush(&self, spot: u64) -> Vec<Event> {
        let Some(_claim) = Delivering::claim(&self.delivering, spot) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        loop {
            let next = self
                .undelivered()
                .into_iter()
                .find(|e| e.event.spot_id == spot);
            let Some(entry) = next.filter(|e| self.due(e)) else {
                return out;
            };
            // Only the lease holder delivers: a replica that lost it stops, and the new holder
            // delivers from the store, in order.
            if !self.holding.load(Ordering::SeqCst) {
                return out;
            }
            let delivered = self.attempt(entry, &mut out).await;
            if !delivered {
                return out;
            }
        }
    }

    /// Whether `entry` may be attempted now: its pause is over, and it has not failed during
    /// this tick already (a failing handler is called at most once per event and tick, however
    /// short the pause).
    fn due(&self, entry: &UndeliveredEvent) -> bool {
        entry.next_attempt_at_ms <= unix_now_ms() && !self.failed().contains(&entry.event.id)
    }

    pub(super) fn failed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.failed_this_tick
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// One delivery of an outbox entry; true when the handler acknowledged it.
    async fn attempt(&self, mut entry: UndeliveredEvent, out: &mut Vec<Event>) -> bool {
        let event = entry.event.clone();
        self.log_event(&event);
        match self.merchant.on_event(event.clone()).await {
            Ok(()) => {
                let acked = self.store_write(self.store.ack_event(&self.lease, &event.id).await);
                out.push(event.clone());
                if let Err(e) = acked {
                    // At least once: it stays in the store, and whoever holds the lease next
                    // delivers it again, under the same id, before the spot's later events.
                    log::error!(target: "paysera_scanpay", "cashier could not acknowledge event {}: {e}", event.id);
                    return false;
                }
                self.outbox().retain(|e| e.event.id != event.id);
                true
            }
            Err(e) => {
                entry.attempts += 1;
                let pause = backoff(
                    self.config.event_retry,
                    self.config.event_retry_max,
                    entry.attempts,
                );
                entry.next_attempt_at_ms = unix_now_ms() + pause.as_millis() as i64;
                entry.last_error = Some(e.clone());
                self.failed().insert(event.id.clone());
                let transaction_key = event.transaction_key.as_deref();
                log::error!(
                    target: "paysera_scanpay",
                    spot = event.spot_id, reference = event.reference.as_str(), transaction_key;
                    "cashier event handler failed on {} (attempt {}, next in {:.1} s): {e}",
                    event.id, entry.attempts, pause.as_secs_f64()
                );
                if let Err(e) = self.store_write(self.store.put_event(&self.lease, &entry).await) {
                    log::error!(target: "paysera_scanpay", "cashier could not record the failed delivery of {}: {e}", event.id);
                }
                if let Some(slot) = self.outbox().iter_mut().find(|e| e.seq == entry.seq) {
                    *slot = entry;
                }
                let failure = Event {
                    id: format!("{}:handler-error", event.id),
                    kind: EventKind::Error,
                    message: Some(format!("event handler failed on {}: {e}", event.kind)),
                    ..event
                };
                out.extend(self.notify(failure).await);
                false
            }
        }
    }

    /// An `error` event: logged and handed to the handler once; a failure there is only logged.
    pub(super) async fn notify(&self, event: Event) -> Vec<Event> {
        self.log_event(&event);
        if let Err(e) = self.merchant.on_event(event.clone()).await {
            log::error!(target: "paysera_scanpay", "cashier event handler failed on {}: {e}", event.id);
        }
        vec![event]
    }

    fn log_event(&self, event: &Event) {
        // The check-in's identifiers also go as key-values, for structured log handlers.
        let transaction_key = event.transaction_key.as_deref();
        if event.kind == EventKind::Error {
            log::warn!(
                target: "paysera_scanpay",
                spot = event.spot_id, reference = event.reference.as_str(), transaction_key;
                "cashier error spot={} transaction={} reference={}: {}",
                event.spot_id,
                event.transaction_key.as_deref().unwrap_or("-"),
                event.reference,
                event.message.as_deref().unwrap_or("")
            );
        } else {
            log::info!(
                target: "paysera_scanpay",
                spot = event.spot_id, reference = event.reference.as_str(), transaction_key;
                "cashier {} spot={} transaction={} reference={}",
                event.kind,
                event.spot_id,
                event.transaction_key.as_deref().unwrap_or("-"),
                event.reference
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(60));
        for attempts in 1..=12 {
            let step = Duration::from_secs(1 << (attempts - 1).min(6)).min(max);
            let pause = backoff(first, max, attempts);
            assert!(pause >= step / 2 && pause <= step, "{attempts}: {pause:?}");
        }
        assert_eq!(backoff(Duration::ZERO, max, 5), Duration::ZERO);
        assert!(backoff(first, max, u32::MAX) <= max);
    }
}
