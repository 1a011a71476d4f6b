//! The cashier: the merchant's Scan and Pay loop, built once.
//!
//! Each tick reads one page of waiting spots and one page of reserved transactions (whatever
//! the number of spots: the pages rotate across ticks), then does what those require: price a
//! fresh check-in, create its transaction, attach it as the spot's order; confirm what the
//! customer reserved, report it `paid`, close the spot; revoke an order the customer ignored;
//! report rejections and failures and free the spot.
//!
//! Exactly once: every check-in gets a deterministic reference (written into each payment's
//! `parameters`) and a durable [`Record`] saved *before* each call whose outcome could be lost.
//! A lost response is reconciled by reading Paysera's state (the spot's orders, the transaction,
//! transactions carrying the reference) before anything is re-created. All calls share one
//! request budget with jittered backoff on 429 and on errors.

mod budget;
mod store;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

pub use budget::Budget;
pub use store::{FileStore, MemoryStore, Outcome, Record, Stage, Store};

use crate::client::{Client, SpotQuery, TransactionQuery};
use crate::error::Error;
use crate::models::{
    ConfirmPrices, Money, OrderStatus, Payment, Spot, SpotStatus, Transaction, TransactionRequest,
    TransactionStatus,
};

/// The parameter, in every payment, that carries the check-in's reference.
pub const REFERENCE_PARAMETER: &str = "scanpay_reference";

/// What happened, delivered to the merchant's handler and to logging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable across retries and restarts: `{reference}:{kind}`.
    pub id: String,
    pub kind: EventKind,
    pub spot_id: u64,
    pub transaction_key: Option<String>,
    /// The check-in's reference (also in each payment's `parameters`).
    pub reference: String,
    /// Amounts charged (for `paid`) or asked (for `order_created`).
    pub amounts: Vec<Money>,
    /// Details for `error` events.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The transaction was created and attached: the customer sees the bill.
    OrderCreated,
    /// The customer confirmed and the money was taken.
    Paid,
    /// The customer declined in the app.
    Rejected,
    /// The customer did not act in time; the order was revoked.
    Expired,
    /// Paysera failed the transaction.
    Failed,
    /// The spot was closed and is free for the next guest.
    SpotClosed,
    /// Something went wrong for this spot (a handler raised, a request failed); the cashier
    /// carries on and retries on a later tick.
    Error,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OrderCreated => "order_created",
            EventKind::Paid => "paid",
            EventKind::Rejected => "rejected",
            EventKind::Expired => "expired",
            EventKind::Failed => "failed",
            EventKind::SpotClosed => "spot_closed",
            EventKind::Error => "error",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The merchant's side: how to price a spot, optionally how to lower a reserved bill, and what
/// to do on each event. Errors are reported as `error` events; the cashier carries on.
pub trait Merchant: Send + Sync {
    /// The payments for a waiting spot, or `None` to leave it alone (asked again next tick).
    fn price(&self, spot: Spot) -> BoxFuture<'static, Result<Option<Vec<Payment>>, String>>;
    /// New (lower) prices to confirm with, by payment id; `None` confirms as reserved.
    fn adjust(
        &self,
        _transaction: Transaction,
    ) -> BoxFuture<'static, Result<Option<ConfirmPrices>, String>> {
        Box::pin(async { Ok(None) })
    }
    /// Called once per event (see [`Event::id`] to de-duplicate across process crashes).
    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>>;
}

/// Tuning of the cashier.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Pause between ticks in [`Engine::run_forever`] (default 3 s).
    pub poll_interval: Duration,
    /// Request budget shared by every call (default 60 per minute; 0 = unlimited).
    pub requests_per_minute: u32,
    /// How long a customer has at least to confirm an order before it is revoked (default
    /// 5 min; whole seconds, rounded up, so it may be up to a second longer).
    pub customer_timeout: Duration,
    /// Page size of the two listings (1–200, default 100).
    pub page_size: u32,
    /// Spots handled in parallel within a tick (default 8).
    pub concurrency: usize,
    /// Only spots of this location (default: all).
    pub location_id: Option<u64>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(3),
            requests_per_minute: 60,
            customer_timeout: Duration::from_secs(300),
            page_size: 100,
            concurrency: 8,
            location_id: None,
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TickReport {
    /// Listing requests (always at most 2).
    pub polling_requests: u64,
    /// Requests the events required.
    pub action_requests: u64,
    /// Events delivered this tick.
    pub events: Vec<Event>,
}

/// The Scan and Pay cashier. Cheap to share (`Arc` it); one loop per store.
pub struct Engine {
    client: Client,
    merchant: Arc<dyn Merchant>,
    store: Arc<dyn Store>,
    config: EngineConfig,
    budget: Budget,
    records: Mutex<HashMap<String, Record>>,
    spot_cursor: AtomicU64,
    tx_cursor: AtomicU64,
    polls: AtomicU64,
    actions: AtomicU64,
    stop: AtomicBool,
    /// True while `run_forever` runs: only then does a stop request cut a tick short.
    looping: AtomicBool,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The deterministic reference of a spot's current check-in session.
pub fn reference_for(spot: &Spot) -> String {
    let first = spot
        .check_ins()
        .iter()
        .min_by_key(|c| c.date.unwrap_or(i64::MAX));
    let (date, user) = first.map_or((0, 0), |c| (c.date.unwrap_or(0), c.user_id.unwrap_or(0)));
    format!("sp{}-{}-{}", spot.id, date, user)
}

fn spot_of_reference(reference: &str) -> Option<u64> {
    reference
        .strip_prefix("sp")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

fn reference_of(tx: &Transaction) -> Option<String> {
    tx.payments().iter().find_map(|p| {
        p.parameters
            .as_ref()?
            .get(REFERENCE_PARAMETER)?
            .as_str()
            .map(str::to_owned)
    })
}

fn now() -> i64 {
    crate::mac::unix_now()
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
        if !(1..=200).contains(&config.page_size) {
            return Err(Error::InvalidInput(format!(
                "page_size {} must be between 1 and 200",
                config.page_size
            )));
        }
        if config.concurrency == 0 {
            return Err(Error::InvalidInput("concurrency must be at least 1".into()));
        }
        let records = store
            .load()?
            .into_iter()
            .map(|r| (r.reference.clone(), r))
            .collect();
        Ok(Self {
            // The cashier is the retry loop: every attempt goes through its budget.
            client: client.with_retries(0),
            merchant,
            store,
            budget: Budget::new(config.requests_per_minute),
            config,
            records: Mutex::new(records),
            spot_cursor: AtomicU64::new(0),
            tx_cursor: AtomicU64::new(0),
            polls: AtomicU64::new(0),
            actions: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            looping: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Check-ins in progress.
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

    /// Ticks until [`Self::stop`] (a `stop()` that comes before the first tick counts); a
    /// failing tick is logged and retried after the poll interval. Returns with the stop request
    /// consumed, so the engine can be run again.
    pub async fn run_forever(&self) {
        self.looping.store(true, Ordering::SeqCst);
        while !self.is_stopped() {
            if let Err(e) = self.run_once().await {
                log::warn!(target: "paysera_scanpay", "cashier tick failed: {e}");
            }
            if self.is_stopped() {
                break;
            }
            let pause = self.config.poll_interval;
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.wake.notified() => {}
            }
        }
        self.stop.store(false, Ordering::SeqCst);
        self.looping.store(false, Ordering::SeqCst);
    }

    /// One tick. Errors of single spots become `error` events; `Err` means the tick could not
    /// poll at all (e.g. rate limited), which the next tick retries.
    pub async fn run_once(&self) -> Result<TickReport, Error> {
        let polls_before = self.polls.load(Ordering::Relaxed);
        let actions_before = self.actions.load(Ordering::Relaxed);
        let mut events = Vec::new();

        // 1. Finish what an earlier tick (or process) left mid-way.
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

    fn cut_short(&self) -> bool {
        self.looping.load(Ordering::SeqCst) && self.is_stopped()
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
        Fut: std::future::Future<Output = Vec<Event>>,
    {
        futures_util::stream::iter(items.into_iter().map(f))
            .buffer_unordered(self.config.concurrency)
            .flat_map(futures_util::stream::iter)
            .collect()
            .await
    }

    // ---- polling -------------------------------------------------------------------------------

    async fn poll_spots(&self) -> Result<Vec<Spot>, Error> {
        let offset = self.spot_cursor.load(Ordering::Relaxed) as u32;
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
        let next = advance(
            offset,
            page.spots.len(),
            page.metadata.as_ref().and_then(|m| m.total),
        );
        self.spot_cursor.store(u64::from(next), Ordering::Relaxed);
        Ok(page.spots)
    }

    async fn poll_reserved(&self) -> Result<Vec<Transaction>, Error> {
        let offset = self.tx_cursor.load(Ordering::Relaxed) as u32;
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
        let next = advance(
            offset,
            page.transactions.len(),
            page.metadata.as_ref().and_then(|m| m.total),
        );
        self.tx_cursor.store(u64::from(next), Ordering::Relaxed);
        Ok(page.transactions)
    }

    /// One action request through the budget.
    async fn call<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, CallError> {
        self.budget.acquire().await;
        self.actions.fetch_add(1, Ordering::Relaxed);
        match self.budget.observe(f.await) {
            Ok(v) => Ok(v),
            Err(e) if e.outcome_unknown() => Err(CallError::Lost(e)),
            Err(e) => Err(CallError::Failed(e)),
        }
    }

    // ---- records and events --------------------------------------------------------------------

    fn save(&self, record: &Record) -> Result<(), Error> {
        self.store.save(record)?;
        self.lock().insert(record.reference.clone(), record.clone());
        Ok(())
    }

    fn forget(&self, reference: &str) -> Result<(), Error> {
        self.store.remove(reference)?;
        self.lock().remove(reference);
        Ok(())
    }

    fn record(&self, reference: &str) -> Option<Record> {
        self.lock().get(reference).cloned()
    }

    /// Delivers an event once per record: marked delivered durably, then handed over (a crash
    /// between the two loses nothing that matters: the money side is already done).
    async fn emit(
        &self,
        record: &mut Record,
        kind: EventKind,
        message: Option<String>,
    ) -> Vec<Event> {
        let event = Event {
            id: format!("{}:{}", record.reference, kind),
            kind,
            spot_id: record.spot_id,
            transaction_key: record.transaction_key.clone(),
            reference: record.reference.clone(),
            amounts: record.amounts.clone(),
            message,
        };
        if kind != EventKind::Error {
            if record.delivered.iter().any(|d| d == kind.as_str()) {
                return Vec::new();
            }
            record.delivered.push(kind.as_str().to_owned());
            if let Err(e) = self.save(record) {
                log::error!(target: "paysera_scanpay", "cashier could not record event {}: {e}", event.id);
            }
        }
        self.deliver(event).await
    }

    async fn deliver(&self, event: Event) -> Vec<Event> {
        if event.kind == EventKind::Error {
            log::warn!(
                target: "paysera_scanpay",
                "cashier error spot={} transaction={} reference={}: {}",
                event.spot_id,
                event.transaction_key.as_deref().unwrap_or("-"),
                event.reference,
                event.message.as_deref().unwrap_or("")
            );
        } else {
            log::info!(
                target: "paysera_scanpay",
                "cashier {} spot={} transaction={} reference={}",
                event.kind,
                event.spot_id,
                event.transaction_key.as_deref().unwrap_or("-"),
                event.reference
            );
        }
        let mut out = vec![event.clone()];
        if let Err(e) = self.merchant.on_event(event.clone()).await {
            log::error!(target: "paysera_scanpay", "cashier event handler failed on {}: {e}", event.id);
            if event.kind != EventKind::Error {
                let failure = Event {
                    id: format!("{}:handler-error", event.id),
                    kind: EventKind::Error,
                    message: Some(format!("event handler failed on {}: {e}", event.kind)),
                    ..event
                };
                // Tell the handler once; if it fails on that too, the log has it.
                let _ = self.merchant.on_event(failure.clone()).await;
                out.push(failure);
            }
        }
        out
    }

    async fn error(&self, record: &Record, message: String) -> Vec<Event> {
        let mut r = record.clone();
        self.emit(&mut r, EventKind::Error, Some(message)).await
    }

    // ---- the loop's steps ----------------------------------------------------------------------

    async fn on_waiting_spot(&self, spot: Spot) -> Vec<Event> {
        let reference = reference_for(&spot);
        let live_orders: Vec<_> = spot
            .orders()
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Pending | OrderStatus::Reserved))
            .collect();
        match self.record(&reference) {
            Some(mut record) => match record.stage {
                Stage::Ordering => {
                    // Did the lost attach land? The spot's orders tell.
                    let key = record.transaction_key.clone().unwrap_or_default();
                    if spot.orders().iter().any(|o| o.transaction_key == key) {
                        record.stage = Stage::Ordered;
                        record.ordered_at = Some(now());
                        if let Err(e) = self.save(&record) {
                            return self.error(&record, e.to_string()).await;
                        }
                        self.emit(&mut record, EventKind::OrderCreated, None).await
                    } else if live_orders.is_empty() {
                        self.attach(record, spot.id).await
                    } else {
                        Vec::new()
                    }
                }
                Stage::Ordered => {
                    let key = record.transaction_key.clone().unwrap_or_default();
                    let ours = spot.orders().iter().find(|o| o.transaction_key == key);
                    match ours.map(|o| &o.status) {
                        Some(OrderStatus::Pending | OrderStatus::Reserved) => Vec::new(),
                        // The order ended without our confirm: find out how.
                        _ => self.settle_from_transaction(record).await,
                    }
                }
                _ => Vec::new(),
            },
            None if live_orders.is_empty() => self.start(spot, reference).await,
            None => Vec::new(),
        }
    }

    async fn start(&self, spot: Spot, reference: String) -> Vec<Event> {
        let spot_id = spot.id;
        let priced = self.merchant.price(spot).await;
        let probe = Record {
            reference: reference.clone(),
            spot_id,
            stage: Stage::Creating,
            transaction_key: None,
            started_at: now(),
            ordered_at: None,
            amounts: Vec::new(),
            delivered: Vec::new(),
        };
        let payments = match priced {
            Ok(Some(p)) if !p.is_empty() => p,
            Ok(_) => return Vec::new(),
            Err(e) => {
                return self
                    .error(&probe, format!("price handler failed: {e}"))
                    .await;
            }
        };
        let payments: Vec<Payment> = payments
            .into_iter()
            .map(|p| p.with_parameter(REFERENCE_PARAMETER, reference.clone()))
            .collect();
        let request = TransactionRequest::new(payments);
        if let Err(problems) = request.validate() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return self
                .error(
                    &probe,
                    format!(
                        "price handler returned invalid payments: {}",
                        list.join("; ")
                    ),
                )
                .await;
        }
        let mut record = probe;
        record.amounts = request
            .payments
            .iter()
            .filter_map(|p| p.money().ok().flatten())
            .collect();
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        self.create(record, request).await
    }

    async fn create(&self, mut record: Record, request: TransactionRequest) -> Vec<Event> {
        match self.call(self.client.create_transaction(&request)).await {
            Ok(tx) => {
                record.transaction_key = Some(tx.transaction_key);
                record.stage = Stage::Created;
                if let Err(e) = self.save(&record) {
                    return self.error(&record, e.to_string()).await;
                }
                self.attach(record.clone(), record.spot_id).await
            }
            // Stays Creating: the next tick looks the transaction up before creating another.
            Err(CallError::Lost(e)) => {
                self.error(&record, format!("creating the transaction: {e}"))
                    .await
            }
            Err(CallError::Failed(e)) => {
                let _ = self.forget(&record.reference);
                self.error(&record, format!("creating the transaction: {e}"))
                    .await
            }
        }
    }

    async fn attach(&self, mut record: Record, spot_id: u64) -> Vec<Event> {
        let key = record.transaction_key.clone().unwrap_or_default();
        record.stage = Stage::Ordering;
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        match self
            .call(self.client.create_spot_order(spot_id, &key))
            .await
        {
            Ok(_) => {
                record.stage = Stage::Ordered;
                record.ordered_at = Some(now());
                if let Err(e) = self.save(&record) {
                    return self.error(&record, e.to_string()).await;
                }
                self.emit(&mut record, EventKind::OrderCreated, None).await
            }
            Err(CallError::Lost(e)) => {
                self.error(&record, format!("attaching the order: {e}"))
                    .await
            }
            Err(CallError::Failed(e)) if e.code() == "invalid_state" || e.code() == "not_found" => {
                // The spot is gone (closed, nobody checked in): withdraw the bill.
                record.stage = Stage::Revoking;
                if let Err(e) = self.save(&record) {
                    return self.error(&record, e.to_string()).await;
                }
                self.revoke(record, Outcome::Expired).await
            }
            Err(CallError::Failed(e)) => {
                self.error(&record, format!("attaching the order: {e}"))
                    .await
            }
        }
    }

    async fn on_reserved(&self, tx: Transaction) -> Vec<Event> {
        let Some(reference) = reference_of(&tx) else {
            return Vec::new(); // Not created by this cashier.
        };
        let mut record = match self.record(&reference) {
            Some(r) => r,
            None => match spot_of_reference(&reference) {
                // Ours, but the record is gone (e.g. an in-memory store after a crash): the
                // customer paid, so finish it.
                Some(spot_id) => Record {
                    reference: reference.clone(),
                    spot_id,
                    stage: Stage::Ordered,
                    transaction_key: Some(tx.transaction_key.clone()),
                    started_at: now(),
                    ordered_at: None,
                    amounts: tx.total().unwrap_or_default(),
                    delivered: Vec::new(),
                },
                None => return Vec::new(),
            },
        };
        if record.transaction_key.as_deref() != Some(tx.transaction_key.as_str()) {
            // A second transaction for one check-in would be a bug upstream; never confirm it.
            return self
                .error(
                    &record,
                    format!(
                        "reserved transaction {} is not this check-in's",
                        tx.transaction_key
                    ),
                )
                .await;
        }
        if matches!(record.stage, Stage::Closing { .. }) {
            return Vec::new();
        }
        record.stage = Stage::Confirming;
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        self.confirm(record, tx).await
    }

    async fn confirm(&self, mut record: Record, tx: Transaction) -> Vec<Event> {
        let prices = match self.merchant.adjust(tx.clone()).await {
            Ok(p) => p,
            Err(e) => {
                return self
                    .error(&record, format!("adjust handler failed: {e}"))
                    .await;
            }
        };
        let key = tx.transaction_key.clone();
        match self
            .call(self.client.confirm_transaction(&key, prices.as_ref()))
            .await
        {
            Ok(confirmed) => self.paid(record, confirmed).await,
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {
                // Not reserved any more: read what it became.
                record.stage = Stage::Confirming;
                Box::pin(self.settle_from_transaction(record)).await
            }
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                self.error(&record, format!("confirming: {e}")).await
            }
        }
    }

    async fn paid(&self, mut record: Record, tx: Transaction) -> Vec<Event> {
        record.amounts = tx.total().unwrap_or_default();
        record.stage = Stage::Closing {
            outcome: Outcome::Paid,
        };
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        let mut events = self.emit(&mut record, EventKind::Paid, None).await;
        events.extend(self.close(record).await);
        events
    }

    /// Reads the transaction and moves the record to wherever Paysera says it is.
    async fn settle_from_transaction(&self, mut record: Record) -> Vec<Event> {
        let Some(key) = record.transaction_key.clone() else {
            return Vec::new();
        };
        let tx = match self.call(self.client.get_transaction(&key)).await {
            Ok(tx) => tx,
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self
                    .error(&record, format!("reading the transaction: {e}"))
                    .await;
            }
        };
        let outcome = match tx.status {
            TransactionStatus::Confirmed => return self.paid(record, tx).await,
            TransactionStatus::Reserved => {
                record.stage = Stage::Confirming;
                if let Err(e) = self.save(&record) {
                    return self.error(&record, e.to_string()).await;
                }
                return self.confirm(record, tx).await;
            }
            TransactionStatus::Rejected => Outcome::Rejected,
            TransactionStatus::Revoked | TransactionStatus::Deleted => Outcome::Expired,
            TransactionStatus::Failed => Outcome::Failed,
            // Still awaiting the customer (the order may have been replaced): keep waiting.
            _ => {
                if record.stage == Stage::Confirming {
                    record.stage = Stage::Ordered;
                    let _ = self.save(&record);
                }
                return Vec::new();
            }
        };
        self.finish(record, outcome).await
    }

    async fn finish(&self, mut record: Record, outcome: Outcome) -> Vec<Event> {
        record.stage = Stage::Closing { outcome };
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        let kind = match outcome {
            Outcome::Paid => EventKind::Paid,
            Outcome::Rejected => EventKind::Rejected,
            Outcome::Expired => EventKind::Expired,
            Outcome::Failed => EventKind::Failed,
        };
        let mut events = self.emit(&mut record, kind, None).await;
        events.extend(self.close(record).await);
        events
    }

    /// The customer had the order for `customer_timeout`. Paysera lets a merchant revoke even a
    /// reserved transaction, so read it first: a customer who confirmed at the last moment is
    /// charged, not refunded.
    async fn revoke_stale(&self, mut record: Record) -> Vec<Event> {
        let Some(key) = record.transaction_key.clone() else {
            return Vec::new();
        };
        match self.call(self.client.get_transaction(&key)).await {
            Ok(tx)
                if tx.status == TransactionStatus::New
                    || tx.status == TransactionStatus::Waiting => {}
            Ok(_) => return self.settle_from_transaction(record).await,
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self
                    .error(&record, format!("reading the transaction: {e}"))
                    .await;
            }
        }
        record.stage = Stage::Revoking;
        if let Err(e) = self.save(&record) {
            return self.error(&record, e.to_string()).await;
        }
        self.revoke(record, Outcome::Expired).await
    }

    async fn revoke(&self, mut record: Record, outcome: Outcome) -> Vec<Event> {
        let Some(key) = record.transaction_key.clone() else {
            let _ = self.forget(&record.reference);
            return Vec::new();
        };
        match self.call(self.client.revoke_transaction(&key)).await {
            Ok(_) => self.finish(record, outcome).await,
            // Reserved (or otherwise moved on) in the meantime: follow Paysera's state.
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {
                record.stage = Stage::Ordered;
                let _ = self.save(&record);
                self.settle_from_transaction(record).await
            }
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                self.error(&record, format!("revoking: {e}")).await
            }
        }
    }

    async fn close(&self, mut record: Record) -> Vec<Event> {
        match self.call(self.client.close_spot(record.spot_id)).await {
            // Already closed (by us before a lost response, or by staff): the spot is free.
            Ok(_) => {}
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {}
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self.error(&record, format!("closing the spot: {e}")).await;
            }
        }
        let events = self.emit(&mut record, EventKind::SpotClosed, None).await;
        if let Err(e) = self.forget(&record.reference) {
            return self.error(&record, e.to_string()).await;
        }
        events
    }

    /// Continues a record left mid-way.
    async fn resume(&self, record: Record) -> Vec<Event> {
        match record.stage.clone() {
            Stage::Creating => self.find_or_recreate(record).await,
            Stage::Created => {
                let spot_id = record.spot_id;
                self.attach(record, spot_id).await
            }
            Stage::Confirming => self.settle_from_transaction(record).await,
            // The customer may have confirmed since: check before revoking again.
            Stage::Revoking => self.revoke_stale(record).await,
            Stage::Closing { outcome } => {
                let mut record = record;
                let kind = match outcome {
                    Outcome::Paid => EventKind::Paid,
                    Outcome::Rejected => EventKind::Rejected,
                    Outcome::Expired => EventKind::Expired,
                    Outcome::Failed => EventKind::Failed,
                };
                // Deliver the outcome if a crash came between recording and delivering it.
                let mut events = self.emit(&mut record, kind, None).await;
                events.extend(self.close(record).await);
                events
            }
            Stage::Ordering | Stage::Ordered => Vec::new(),
        }
    }

    /// A create whose outcome was lost: look for a transaction carrying the reference first.
    async fn find_or_recreate(&self, mut record: Record) -> Vec<Event> {
        let query = TransactionQuery {
            from: Some(record.started_at - 600),
            limit: Some(200),
            ..Default::default()
        };
        let mut pages = self.client.iter_transactions(query);
        loop {
            let page = match self.call(pages.next_page()).await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(CallError::Lost(e) | CallError::Failed(e)) => {
                    return self
                        .error(&record, format!("looking up the transaction: {e}"))
                        .await;
                }
            };
            if let Some(tx) = page
                .into_iter()
                .find(|t| reference_of(t).as_deref() == Some(record.reference.as_str()))
            {
                record.transaction_key = Some(tx.transaction_key.clone());
                record.stage = Stage::Created;
                if let Err(e) = self.save(&record) {
                    return self.error(&record, e.to_string()).await;
                }
                return match tx.status {
                    TransactionStatus::New => {
                        let spot_id = record.spot_id;
                        self.attach(record, spot_id).await
                    }
                    _ => self.settle_from_transaction(record).await,
                };
            }
        }
        // Provably not created: price the spot afresh on its next appearance.
        let _ = self.forget(&record.reference);
        Vec::new()
    }
}

/// The next offset of a rotating page cursor: wrap to the start after the last page.
fn advance(offset: u32, got: usize, total: Option<u64>) -> u32 {
    let next = offset.saturating_add(got as u32);
    match total {
        _ if got == 0 => 0,
        Some(t) if u64::from(next) >= t => 0,
        _ => next,
    }
}

/// A [`Merchant`] from closures.
pub struct FnMerchant<P, E> {
    price: P,
    on_event: E,
}

impl<P, E> FnMerchant<P, E>
where
    P: Fn(Spot) -> Option<Vec<Payment>> + Send + Sync + 'static,
    E: Fn(Event) + Send + Sync + 'static,
{
    pub fn new(price: P, on_event: E) -> Self {
        Self { price, on_event }
    }
}

impl<P, E> Merchant for FnMerchant<P, E>
where
    P: Fn(Spot) -> Option<Vec<Payment>> + Send + Sync + 'static,
    E: Fn(Event) + Send + Sync + 'static,
{
    fn price(&self, spot: Spot) -> BoxFuture<'static, Result<Option<Vec<Payment>>, String>> {
        let result = (self.price)(spot);
        Box::pin(async move { Ok(result) })
    }
    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>> {
        (self.on_event)(event);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_wraps() {
        assert_eq!(advance(0, 100, Some(250)), 100);
        assert_eq!(advance(200, 50, Some(250)), 0);
        assert_eq!(advance(100, 0, None), 0);
        assert_eq!(advance(0, 100, None), 100);
    }

    #[test]
    fn references_are_deterministic() {
        let spot: Spot = serde_json::from_str(
            r#"{"id":15,"status":"waiting","check_ins":[{"user_id":7,"date":200},{"user_id":99,"date":100}]}"#,
        )
        .unwrap();
        assert_eq!(reference_for(&spot), "sp15-100-99");
        assert_eq!(spot_of_reference("sp15-100-99"), Some(15));
        assert_eq!(spot_of_reference("other"), None);
    }
}
