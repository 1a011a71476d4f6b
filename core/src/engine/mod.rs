//! The cashier: the merchant's Scan and Pay loop, built once.
//!
//! Each tick reads one page of waiting spots and one page of reserved transactions (whatever
//! the number of spots: the pages rotate across ticks, and `run_forever` reads the next ones at
//! once while the budget can spare them: `Sweep`), then does what those require: price a
//! fresh check-in, create its transaction, attach it as the spot's order; confirm what the
//! customer reserved, report it `paid`, close the spot; revoke an order the customer ignored;
//! report rejections and failures and free the spot.
//!
//! Exactly once: every check-in gets a deterministic reference (written into each payment's
//! `parameters`) and a durable [`Record`] saved *before* each call whose outcome could be lost.
//! A lost response is reconciled by reading Paysera's state (the spot's orders, the transaction,
//! transactions carrying the reference) before anything is re-created. All calls share one
//! request budget with jittered backoff on 429 and on errors.
//!
//! Callbacks (`callbacks.rs`) wake the loop to read the transaction they name at once; polling
//! remains the safety net.
//!
//! At least once: events go through the store's outbox (`outbox.rs`) and are removed only when
//! the merchant's handler acknowledged them; failed deliveries are retried on later ticks.

mod budget;
mod callbacks;
mod config;
mod event;
mod handlers;
mod lease;
mod merchant;
mod outbox;
mod reference;
mod run;
mod stats;
mod steps;
pub mod store;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

pub use budget::Budget;
pub use config::EngineConfig;
pub use event::{Event, EventKind, TickReport, UndeliveredEvent};
pub use handlers::{Dispatcher, HandlerCall, HandlerKind, HandlerReply, HandlerResult};
pub use merchant::{FnMerchant, Merchant};
pub use reference::{REFERENCE_PARAMETER, reference_for};
pub use run::Run;
pub use stats::{EngineStats, Role};
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{
    Acquired, Lease, MemoryStore, Outcome, Record, Stage, Store, open_store, open_store_now,
};

use crate::client::{Client, SpotQuery, TransactionQuery};
use crate::clock::unix_now as now;
use crate::error::Error;
use crate::models::{Spot, SpotStatus, Transaction, TransactionStatus};

/// The Scan and Pay cashier. Cheap to share (`Arc` it). Engines (in this process or others)
/// over one shared store take turns through its lease: one acts, the others stand by.
pub struct Engine {
    client: Client,
    merchant: Arc<dyn Merchant>,
    store: Arc<dyn Store>,
    /// This engine's claim on the store (see `lease.rs`).
    lease: Lease,
    /// True while this engine holds the lease and its caches mirror the store.
    holding: AtomicBool,
    /// When the lease runs out unless renewed (Unix ms, the store's clock; for `stats()`).
    lease_until: AtomicI64,
    /// The same on this host's monotonic clock, from when the acquire was sent: what this
    /// engine's own decisions use, whatever the clocks' skew.
    lease_deadline: Mutex<Option<tokio::time::Instant>>,
    stats: Mutex<stats::Counters>,
    config: EngineConfig,
    budget: Budget,
    records: Mutex<HashMap<String, Record>>,
    /// The store's outbox, as this engine knows it (see `outbox.rs`).
    outbox: Mutex<Vec<UndeliveredEvent>>,
    event_seq: AtomicU64,
    /// Spots whose events a task is delivering right now.
    delivering: Mutex<HashSet<u64>>,
    /// Events whose delivery failed during the current tick.
    failed_this_tick: Mutex<HashSet<String>>,
    /// Where the pages of waiting spots, and of reserved transactions, have been read to.
    spot_sweep: Mutex<Sweep>,
    tx_sweep: Mutex<Sweep>,
    /// Spots this engine closed, and transactions it saw leave `reserved` (confirmed, or found
    /// settled otherwise): they left their listing, so the later items moved up.
    spots_closed: AtomicU64,
    unreserved: AtomicU64,
    polls: AtomicU64,
    actions: AtomicU64,
    stop: AtomicBool,
    /// True while `run_forever` runs: only then does a stop request cut a tick short.
    looping: AtomicBool,
    /// True while a run is in progress (see `run.rs`: one at a time).
    running: AtomicBool,
    wake: tokio::sync::Notify,
    /// Callbacks seen and the transactions they named (see `callbacks.rs`).
    inbox: Mutex<callbacks::Inbox>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.holding.load(Ordering::SeqCst) {
            self.store.release_now(&self.lease);
        }
    }
}

/// The events one step of the loop delivered. `Err` when the step stopped early: it holds the
/// `error` event that says why, so `?` ends a step exactly as `return self.error(..)` does.
type Step = Result<Vec<Event>, Reported>;

/// The events of a step that stopped early (the last one is its `error` event).
struct Reported(Vec<Event>);

/// Every event a step delivered, whether it ran to the end or not.
fn delivered(step: Step) -> Vec<Event> {
    match step {
        Ok(events) | Err(Reported(events)) => events,
    }
}

/// A failed call: `Lost` when Paysera may have applied it.
enum CallError {
    Lost(Error),
    Failed(Error),
}

impl Engine {
    /// A cashier driving `client`. Records in `store` from an earlier run are resumed.
    pub fn new(
        client: Client,
        merchant: Arc<dyn Merchant>,
        store: Arc<dyn Store>,
        config: EngineConfig,
    ) -> Result<Self, Error> {
        crate::defaults::check_page_size("page_size", config.page_size)?;
        if config.concurrency == 0 {
            return Err(Error::InvalidInput("concurrency must be at least 1".into()));
        }
        if let Some(uri) = &config.callback_uri {
            let mut problems = Vec::new();
            crate::models::validate_uri("callback_uri", uri, &mut problems);
            if let Some(problem) = problems.first() {
                return Err(Error::InvalidInput(problem.message.clone()));
            }
        }
        if config.lease_ttl < std::time::Duration::from_secs(1) {
            return Err(Error::InvalidInput(
                "lease_ttl must be at least 1 second".into(),
            ));
        }
        if config.wake_interval.is_zero() {
            return Err(Error::InvalidInput(
                "wake_interval must be greater than zero".into(),
            ));
        }
        // Records and the outbox are read from the store whenever this engine takes its lease;
        // stores that can be read without waiting show them before the first tick too.
        let (records, outbox) = match store.snapshot() {
            Some(snapshot) => snapshot?,
            None => (Vec::new(), Vec::new()),
        };
        let event_seq = outbox.iter().map(|e| e.seq + 1).max().unwrap_or(1);
        let records = records
            .into_iter()
            .map(|r| (r.reference.clone(), r))
            .collect();
        Ok(Self {
            lease: Lease::new(config.lease_ttl),
            holding: AtomicBool::new(false),
            lease_until: AtomicI64::new(0),
            lease_deadline: Mutex::new(None),
            stats: Mutex::new(stats::Counters::default()),
            // The cashier is the retry loop: every attempt goes through its budget.
            client: client.with_retries(0),
            merchant,
            store,
            budget: Budget::new(config.requests_per_minute),
            config,
            records: Mutex::new(records),
            outbox: Mutex::new(outbox),
            event_seq: AtomicU64::new(event_seq),
            delivering: Mutex::new(HashSet::new()),
            failed_this_tick: Mutex::new(HashSet::new()),
            spot_sweep: Mutex::default(),
            tx_sweep: Mutex::default(),
            spots_closed: AtomicU64::new(0),
            unreserved: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            actions: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            looping: AtomicBool::new(false),
            running: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
            inbox: Mutex::new(callbacks::Inbox::default()),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Check-ins in progress, as this engine knows them (empty on a standby replica).
    pub fn records(&self) -> Vec<Record> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks [`Self::run_forever`] to return: the current tick ends after the phase in progress
    /// (finishing left-overs, waiting spots, reserved transactions), never mid-step.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Ticks until [`Self::stop`] (a `stop()` that comes before the first tick counts), a poll
    /// interval apart, or at once while more pages of waiting spots or reserved transactions
    /// remain and the budget can spare it (`Sweep`); a failing tick is logged and retried after
    /// the poll interval. Returns with the stop request
    /// consumed, so the engine can be run again. `Err(Lifecycle)` at once if a run is in
    /// progress.
    pub async fn run_forever(&self) -> Result<(), Error> {
        let _claim = run::Claim::take(&self.running)?;
        self.ticks().await;
        Ok(())
    }

    /// One tick. Errors of single spots become `error` events; `Err` means the tick could not
    /// poll at all (e.g. rate limited), which the next tick retries, or that a run is in
    /// progress (`Lifecycle`).
    pub async fn run_once(&self) -> Result<TickReport, Error> {
        let _claim = run::Claim::take(&self.running)?;
        self.tick_alone().await
    }

    /// One tick under the lease, given up afterwards (so that another engine or replica may
    /// take over at once).
    async fn tick_alone(&self) -> Result<TickReport, Error> {
        let _hold = lease::LetGoOnDrop(self);
        let report = self.tick().await;
        self.let_go().await;
        report
    }

    async fn ticks(&self) {
        let _hold = lease::LetGoOnDrop(self);
        self.looping.store(true, Ordering::SeqCst);
        while !self.is_stopped() {
            let ticked = self.tick().await;
            if let Err(e) = &ticked {
                log::warn!(target: "paysera_scanpay", "cashier tick failed: {e}");
            }
            if self.is_stopped() {
                break;
            }
            // More pages of waiting spots or reserved transactions than this tick read: read
            // the next ones now, while the budget can spare it, so that a check-in on the last
            // page waits one poll interval, not one per page. The cursors wrap after the last
            // page, which ends the sweep until the next interval. (A tick that polled nothing, a
            // standby's or one cut short, never continues one.)
            let polled = ticked.as_ref().is_ok_and(|r| r.polling_requests > 0);
            if polled && self.mid_sweep() && self.budget.has_spare() {
                tokio::task::yield_now().await;
                continue;
            }
            let pause = self.config.poll_interval;
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.wake.notified() => {}
                _ = self.watch() => {}
            }
        }
        self.let_go().await;
        // Stopped: neither active nor standing by (a `run_once` keeps what it found).
        self.counters().standby_of = None;
        self.stop.store(false, Ordering::SeqCst);
        self.looping.store(false, Ordering::SeqCst);
    }

    async fn tick(&self) -> Result<TickReport, Error> {
        let result = self.tick_held().await;
        self.counted(&result);
        result
    }

    async fn tick_held(&self) -> Result<TickReport, Error> {
        // A standby replica only checks the lease.
        if !self.hold().await? {
            return Ok(TickReport::default());
        }
        self.collect_wakes().await;
        let polls_before = self.polls.load(Ordering::Relaxed);
        let actions_before = self.actions.load(Ordering::Relaxed);
        // 0. Events whose delivery failed earlier (or that a stopped engine left), when due.
        let mut events = self.redeliver().await;
        if self.cut_short() {
            return Ok(self.report(polls_before, actions_before, events));
        }

        // 1. Transactions a callback named: now, not when a poll page reaches them.
        let called_back = self.take_called_back();
        events.extend(self.for_each(called_back, |r| self.on_called_back(r)).await);
        if self.cut_short() {
            return Ok(self.report(polls_before, actions_before, events));
        }

        // 1b. Finish what an earlier tick (or process) left mid-way.
        let pending: Vec<Record> = self
            .lock()
            .values()
            .filter(|r| {
                matches!(
                    r.stage,
                    Stage::Creating
                        | Stage::Created
                        | Stage::Confirming
                        | Stage::Revoking
                        | Stage::Closing { .. }
                )
            })
            .cloned()
            .collect();
        events.extend(self.for_each(pending, |r| self.resume(r)).await);
        if self.cut_short() {
            return Ok(self.report(polls_before, actions_before, events));
        }

        // 2. One page of waiting spots.
        let spots = self.poll_spots().await?;
        events.extend(self.for_each(spots, |s| self.on_waiting_spot(s)).await);
        if self.cut_short() {
            return Ok(self.report(polls_before, actions_before, events));
        }

        // 3. One page of reserved transactions.
        let reserved = self.poll_reserved().await?;
        events.extend(self.for_each(reserved, |t| self.on_reserved(t)).await);

        // 4. Orders the customer ignored for too long. Times are whole seconds: round the
        // timeout up and compare strictly, so a customer never gets less than promised.
        let timeout = self.config.customer_timeout.as_millis().div_ceil(1000) as i64;
        let now = now();
        let stale: Vec<Record> = self
            .lock()
            .values()
            .filter(|r| {
                r.stage == Stage::Ordered && r.ordered_at.is_some_and(|t| now - t > timeout)
            })
            .cloned()
            .collect();
        events.extend(self.for_each(stale, |r| self.revoke_stale(r)).await);

        Ok(self.report(polls_before, actions_before, events))
    }

    /// Whether the tick must end after the phase in progress: a stop request during a run, or
    /// the lease lost (what this engine knows may be stale: the next tick reads the store).
    fn cut_short(&self) -> bool {
        (self.looping.load(Ordering::SeqCst) && self.is_stopped())
            || !self.holding.load(Ordering::SeqCst)
    }

    fn report(&self, polls_before: u64, actions_before: u64, events: Vec<Event>) -> TickReport {
        TickReport {
            polling_requests: self.polls.load(Ordering::Relaxed) - polls_before,
            action_requests: self.actions.load(Ordering::Relaxed) - actions_before,
            events,
        }
    }

    async fn for_each<T, F, Fut>(&self, items: Vec<T>, f: F) -> Vec<Event>
    where
        F: Fn(T) -> Fut,
        Fut: std::future::Future<Output = Step>,
    {
        futures_util::stream::iter(items.into_iter().map(f))
            .buffer_unordered(self.config.concurrency)
            .flat_map(|step| futures_util::stream::iter(delivered(step)))
            .collect()
            .await
    }

    // ---- polling -------------------------------------------------------------------------------

    /// Whether the last page read of waiting spots or of reserved transactions was followed by
    /// more: a sweep over every page is under way.
    fn mid_sweep(&self) -> bool {
        lock(&self.spot_sweep).more || lock(&self.tx_sweep).more
    }

    async fn poll_spots(&self) -> Result<Vec<Spot>, Error> {
        let (offset, left) = Sweep::start(&self.spot_sweep, &self.spots_closed);
        let query = SpotQuery {
            status: Some(SpotStatus::Waiting),
            location_id: self.config.location_id,
            limit: Some(self.config.page_size),
            offset: Some(offset),
        };
        self.budget.acquire().await;
        self.polls.fetch_add(1, Ordering::Relaxed);
        let page = self.client.list_spots(&query).await;
        let page = self.budget.observe(page)?;
        let total = page.metadata.as_ref().and_then(|m| m.total);
        *lock(&self.spot_sweep) =
            Sweep::read(offset, self.config.page_size, page.spots.len(), total, left);
        Ok(page.spots)
    }

    async fn poll_reserved(&self) -> Result<Vec<Transaction>, Error> {
        let (offset, left) = Sweep::start(&self.tx_sweep, &self.unreserved);
        let query = TransactionQuery {
            statuses: vec![TransactionStatus::Reserved],
            location_id: self.config.location_id,
            limit: Some(self.config.page_size),
            offset: Some(offset),
            ..Default::default()
        };
        self.budget.acquire().await;
        self.polls.fetch_add(1, Ordering::Relaxed);
        let page = self.client.list_transactions(&query).await;
        let page = self.budget.observe(page)?;
        let total = page.metadata.as_ref().and_then(|m| m.total);
        *lock(&self.tx_sweep) = Sweep::read(
            offset,
            self.config.page_size,
            page.transactions.len(),
            total,
            left,
        );
        Ok(page.transactions)
    }

    /// One action request through the budget, only while this engine holds the lease, and
    /// bounded by it: the lease is renewed first when a third of it has run out, and a request
    /// still unanswered shortly before the lease would end is dropped as an unknown outcome
    /// (reconciled like any lost response). So a replica that lost its lease never has a
    /// request in flight once a standby may take over.
    async fn call<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, CallError> {
        self.budget.acquire().await;
        if let Err(e) = self.renew_if_due().await {
            return Err(CallError::Failed(e));
        }
        let Some(left) = self.lease_left() else {
            return Err(CallError::Failed(self.not_holding()));
        };
        self.actions.fetch_add(1, Ordering::Relaxed);
        let outcome = match tokio::time::timeout(left, f).await {
            Ok(outcome) => outcome,
            Err(_) => {
                return Err(CallError::Lost(Error::Timeout {
                    method: "-".into(),
                    path: "(the cashier's lease would have run out first)".into(),
                    timeout: left,
                    may_have_been_applied: true,
                    retry_safe: false,
                }));
            }
        };
        match self.budget.observe(outcome) {
            Ok(v) => Ok(v),
            Err(e) if e.outcome_unknown() => Err(CallError::Lost(e)),
            Err(e) => Err(CallError::Failed(e)),
        }
    }

    // ---- records and events --------------------------------------------------------------------

    async fn save(&self, record: &Record) -> Result<(), Error> {
        self.renew_if_due().await?;
        self.store_write(self.store.save(&self.lease, record).await)?;
        self.lock().insert(record.reference.clone(), record.clone());
        Ok(())
    }

    async fn forget(&self, reference: &str) -> Result<(), Error> {
        self.renew_if_due().await?;
        self.store_write(self.store.remove(&self.lease, reference).await)?;
        self.lock().remove(reference);
        Ok(())
    }

    /// Passes `result` through, or reports its error as an `error` event of `record` and stops
    /// the step (with `?`): how a failed save or forget ends a step.
    async fn reported<T>(&self, record: &Record, result: Result<T, Error>) -> Result<T, Reported> {
        match result {
            Ok(value) => Ok(value),
            Err(e) => Err(self.report_error(record, e.to_string()).await),
        }
    }

    fn record(&self, reference: &str) -> Option<Record> {
        self.lock().get(reference).cloned()
    }

    /// Reports a failure of `record`'s step as an `error` event and ends the step.
    async fn error(&self, record: &Record, message: String) -> Step {
        Err(self.report_error(record, message).await)
    }

    async fn report_error(&self, record: &Record, message: String) -> Reported {
        Reported(
            self.notify(self.event_of(record, EventKind::Error, Some(message)))
                .await,
        )
    }
}

/// How far a sweep over the pages of a listing has read. Polling reads one page per tick, and
/// the next tick the next page, until the last; items that left the listing in between (spots
/// this engine closed, transactions it confirmed) moved the later ones up by as many, so the
/// next page starts that much earlier. (Items others removed are not known: what moved past the
/// cursor is read in the next sweep.)
#[derive(Debug, Default)]
struct Sweep {
    /// Where the page after the last one read starts, as the listing was then.
    next: u32,
    /// Whether there is such a page: the sweep is under way.
    more: bool,
    /// The count of items that left the listing, when it was read.
    left_at: u64,
}

impl Sweep {
    /// The offset of the page to read now, and the count of items that have left (to pass to
    /// [`Self::read`]).
    fn start(sweep: &Mutex<Sweep>, left: &AtomicU64) -> (u32, u64) {
        let left = left.load(Ordering::Relaxed);
        let s = lock(sweep);
        let offset = if s.more {
            s.next
                .saturating_sub(u32::try_from(left.saturating_sub(s.left_at)).unwrap_or(u32::MAX))
        } else {
            0
        };
        (offset, left)
    }

    /// After reading `got` items at `offset`, of `total` when Paysera says (else a full page of
    /// `page_size` means there may be more).
    fn read(offset: u32, page_size: u32, got: usize, total: Option<u64>, left_at: u64) -> Self {
        let more = got > 0
            && match total {
                Some(t) => u64::from(offset) + (got as u64) < t,
                None => got >= page_size as usize,
            };
        Self {
            next: offset.saturating_add(u32::try_from(got).unwrap_or(u32::MAX)),
            more,
            left_at,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_reads_every_page_then_starts_again() {
        let (sweep, left) = (Mutex::new(Sweep::default()), AtomicU64::new(0));
        let read = |got: usize, total: Option<u64>| {
            let (offset, at) = Sweep::start(&sweep, &left);
            *lock(&sweep) = Sweep::read(offset, 100, got, total, at);
            offset
        };
        // 250 in all, pages of 100.
        assert_eq!(read(100, Some(250)), 0);
        assert_eq!(read(100, Some(250)), 100);
        assert_eq!(read(50, Some(250)), 200);
        assert!(!lock(&sweep).more);
        assert_eq!(
            read(100, Some(250)),
            0,
            "the next sweep starts at the first page"
        );
        // 30 left the listing since: the next page starts 30 earlier.
        left.store(30, Ordering::Relaxed);
        assert_eq!(read(100, Some(220)), 70);
        // A whole page left: read at the same place again.
        left.store(130, Ordering::Relaxed);
        assert_eq!(read(0, Some(120)), 70);
        assert!(!lock(&sweep).more, "nothing there: the sweep is over");
        // Without a total, a full page may be followed by more; a short one is the last.
        assert_eq!(read(100, None), 0);
        assert!(lock(&sweep).more);
        assert_eq!(read(40, None), 100);
        assert!(!lock(&sweep).more);
    }
}
