//! The engine's side of the store's lease (see `store/mod.rs` for the design): take it at the
//! start of every tick, renew it before writes when a third of it has run out, read the store
//! afresh whenever it is (re)taken, and give it up when a run ends.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::{Acquired, Engine};
use crate::error::Error;

const TARGET: &str = "paysera_scanpay";

/// Gives the lease up when a run is dropped mid-way (a cancelled task, an aborted Node call, a
/// Ctrl-C in Python): the run is gone, so a standby (or the next run) need not wait for expiry.
pub(super) struct LetGoOnDrop<'a>(pub(super) &'a Engine);

impl Drop for LetGoOnDrop<'_> {
    fn drop(&mut self) {
        if self.0.holding.swap(false, Ordering::SeqCst) {
            self.0.store.release_now(&self.0.lease);
        }
    }
}

impl Engine {
    /// Takes or renews the lease. `Ok(false)` on a standby: another replica holds it.
    pub(super) async fn hold(&self) -> Result<bool, Error> {
        // Held, and not yet due for renewal: no round trip (writes are fenced anyway).
        if self.holding.load(Ordering::SeqCst) && !self.renewal_due() {
            return Ok(true);
        }
        let sent = tokio::time::Instant::now();
        let acquired = match self.store.acquire(&self.lease).await {
            Ok(a) => a,
            Err(e) => {
                self.drop_caches();
                return Err(e);
            }
        };
        match acquired {
            Acquired::Held { until_ms, renewed } => {
                self.held_from(sent, until_ms);
                // Taken afresh (not extended without a break): another replica may have acted
                // meanwhile, so read what the store holds now.
                if !self.holding.load(Ordering::SeqCst) || !renewed {
                    self.reload().await?;
                    self.holding.store(true, Ordering::SeqCst);
                    log::info!(target: TARGET, "cashier {} is active on store {}", self.lease.owner, self.store.location());
                }
                Ok(true)
            }
            Acquired::Busy { owner, until_ms } => {
                if self.holding.swap(false, Ordering::SeqCst) {
                    log::warn!(target: TARGET, "cashier {} lost the store's lease to {owner}; standing by", self.lease.owner);
                }
                self.drop_caches();
                self.counters().standby_of = Some((owner, until_ms));
                Ok(false)
            }
        }
    }

    /// Renews the lease when a third of it has run out (writes between ticks keep it alive).
    pub(super) async fn renew_if_due(&self) -> Result<(), Error> {
        if !self.holding.load(Ordering::SeqCst) {
            return Err(self.not_holding());
        }
        if !self.renewal_due() {
            return Ok(());
        }
        let sent = tokio::time::Instant::now();
        match self.store.acquire(&self.lease).await? {
            Acquired::Held {
                until_ms,
                renewed: true,
            } => {
                self.held_from(sent, until_ms);
                Ok(())
            }
            // Retaken after a break: what this engine knows may be stale. Every step stops
            // (`holding` is false: their saves and calls are refused) and the tick ends; the
            // next one reads the store afresh.
            Acquired::Held { until_ms, .. } => {
                self.held_from(sent, until_ms);
                self.drop_caches();
                Err(super::store::lease_lost(
                    &self.store.location(),
                    &self.lease.owner,
                ))
            }
            Acquired::Busy { .. } => {
                self.holding.store(false, Ordering::SeqCst);
                self.drop_caches();
                Err(super::store::lease_lost(
                    &self.store.location(),
                    &self.lease.owner,
                ))
            }
        }
    }

    /// Whether a third of the lease has run out (by this host's clock against the store's
    /// expiry: a skew only makes renewals earlier or the next write refused, never unsafe).
    fn renewal_due(&self) -> bool {
        self.lease_left()
            .is_none_or(|left| left < self.lease.ttl.mul_f64(2.0 / 3.0))
    }

    /// How long this engine may still act on its lease, by this host's monotonic clock counted
    /// from when the acquire was sent (so never longer than the store grants), less a tenth
    /// for the store's answer to travel; `None` when it holds none.
    pub(super) fn lease_left(&self) -> Option<std::time::Duration> {
        if !self.holding.load(Ordering::SeqCst) {
            return None;
        }
        let deadline = (*self
            .lease_deadline
            .lock()
            .unwrap_or_else(|p| p.into_inner()))?;
        let left = deadline
            .checked_duration_since(tokio::time::Instant::now())?
            .checked_sub(self.lease.ttl / 10)?;
        (!left.is_zero()).then_some(left)
    }

    fn held_from(&self, sent: tokio::time::Instant, until_ms: i64) {
        self.lease_until.store(until_ms, Ordering::SeqCst);
        *self
            .lease_deadline
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(sent + self.lease.ttl);
    }

    pub(super) fn not_holding(&self) -> Error {
        super::store::lease_lost(&self.store.location(), &self.lease.owner)
    }

    /// Reads records and the outbox from the store: what the previous holder left.
    async fn reload(&self) -> Result<(), Error> {
        let records: HashMap<_, _> = self
            .store
            .load()
            .await?
            .into_iter()
            .map(|r| (r.reference.clone(), r))
            .collect();
        let outbox = self.store.load_events().await?;
        let seq = outbox.iter().map(|e| e.seq + 1).max().unwrap_or(1);
        self.event_seq.fetch_max(seq, Ordering::SeqCst);
        *self.lock() = records;
        *self.outbox() = outbox;
        Ok(())
    }

    fn drop_caches(&self) {
        self.holding.store(false, Ordering::SeqCst);
        *self
            .lease_deadline
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        self.lock().clear();
        self.outbox().clear();
    }

    /// Between ticks: keeps the lease alive and, in a shared store, collects the callbacks other
    /// processes handed over. Returns when there is something to act on.
    pub(super) async fn watch(&self) {
        loop {
            tokio::time::sleep(self.config.wake_interval).await;
            if !self.holding.load(Ordering::SeqCst) {
                continue;
            }
            if let Err(e) = self.renew_if_due().await {
                log::warn!(target: TARGET, "cashier could not renew its lease: {e}");
                return;
            }
            if !self.store.shared() {
                continue;
            }
            match self.store.take_wakes(&self.lease).await {
                Ok(keys) if keys.is_empty() => {}
                Ok(keys) => {
                    self.queue_called_back(keys);
                    return;
                }
                Err(e) => {
                    log::warn!(target: TARGET, "cashier could not read handed-over callbacks: {e}");
                }
            }
        }
    }

    /// Callbacks other processes handed over through a shared store, for this tick.
    pub(super) async fn collect_wakes(&self) {
        if !self.store.shared() {
            return;
        }
        match self.store.take_wakes(&self.lease).await {
            Ok(keys) => self.queue_called_back(keys),
            Err(e) => {
                log::warn!(target: TARGET, "cashier could not read handed-over callbacks: {e}");
            }
        }
    }

    /// At the end of a run: lets a standby take over now rather than when the lease expires.
    /// The caches stay (for [`Engine::records`]); they are read afresh with the next lease.
    pub(super) async fn let_go(&self) {
        if self.holding.swap(false, Ordering::SeqCst)
            && let Err(e) = self.store.release(&self.lease).await
        {
            log::warn!(target: TARGET, "cashier could not release its lease: {e}");
        }
    }

    /// Whether this engine holds the store's lease now.
    pub fn is_active(&self) -> bool {
        self.holding.load(Ordering::SeqCst)
    }

    /// This engine's owner id in the store's lease (`host:pid:random`).
    pub fn owner(&self) -> &str {
        &self.lease.owner
    }
}
