//! Health: what `/healthz` needs to know about a cashier ([`Engine::stats`]).

use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

use super::{Engine, TickReport};
use crate::clock::{unix_now, unix_now_ms};
use crate::error::Error;

/// Whether this engine acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// It holds the store's lease: it polls, acts and delivers events.
    Active,
    /// Another replica holds the lease; this one takes over when it expires.
    Standby,
    /// No tick has taken the lease yet (not started, or stopped).
    Idle,
}

/// A snapshot of the cashier's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineStats {
    pub role: Role,
    /// This engine's owner id in the store's lease.
    pub owner: String,
    /// The store's URL, password redacted.
    pub store: String,
    /// The replica holding the lease when this one stands by.
    pub active_owner: Option<String>,
    /// Until when the lease is held (Unix ms), by this engine or `active_owner`.
    pub lease_until_ms: Option<i64>,
    /// Whether a run (`run_forever`) is in progress.
    pub running: bool,
    /// When the last tick ended (Unix ms).
    pub last_tick_at_ms: Option<i64>,
    /// Ticks so far (standby ticks included).
    pub ticks: u64,
    /// Ticks in a row that failed (could not reach Paysera or the store, or a write to the store
    /// failed during the tick); 0 when the last one worked.
    pub consecutive_errors: u32,
    /// Why the last failed tick failed.
    pub last_error: Option<String>,
    /// Check-ins in progress.
    pub open_records: usize,
    /// Age of the oldest check-in in progress, in seconds.
    pub oldest_record_age_s: Option<i64>,
    /// Events the handler has not acknowledged.
    pub undelivered_events: usize,
    /// Requests the budget allows right now (`None`: no limit).
    pub budget_tokens: Option<f64>,
    /// Until when all requests wait (Unix ms) after a 429 or errors.
    pub paused_until_ms: Option<i64>,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub ticks: u64,
    pub last_tick_at_ms: Option<i64>,
    pub consecutive_errors: u32,
    pub last_error: Option<String>,
    pub standby_of: Option<(String, i64)>,
    /// The first store write that failed during the tick in progress: the tick then counts as
    /// failed in `stats()`, though it ran (its steps reported the failure as `error` events).
    pub store_failure: Option<String>,
}

impl Engine {
    pub(super) fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn counted(&self, result: &Result<TickReport, Error>) {
        let mut c = self.counters();
        c.ticks += 1;
        c.last_tick_at_ms = Some(unix_now_ms());
        let store_failure = c.store_failure.take();
        match (result, store_failure) {
            (Ok(_), None) => c.consecutive_errors = 0,
            (Err(e), _) => {
                c.consecutive_errors = c.consecutive_errors.saturating_add(1);
                c.last_error = Some(e.to_string());
            }
            (Ok(_), Some(failure)) => {
                c.consecutive_errors = c.consecutive_errors.saturating_add(1);
                c.last_error = Some(failure);
            }
        }
        if self.holding.load(Ordering::SeqCst) {
            c.standby_of = None;
        }
    }

    /// Passes a store write's result through, noting its failure for this tick's health.
    pub(super) fn store_write<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        if let Err(e) = &result {
            self.counters()
                .store_failure
                .get_or_insert_with(|| e.to_string());
        }
        result
    }

    /// The cashier's health now, for a `/healthz` endpoint or metrics.
    pub fn stats(&self) -> EngineStats {
        let active = self.holding.load(Ordering::SeqCst);
        let (open_records, oldest) = {
            let records = self.lock();
            let oldest = records.values().map(|r| r.started_at).min();
            (records.len(), oldest.map(|t| (unix_now() - t).max(0)))
        };
        let undelivered_events = self.outbox().len();
        let (tokens, paused) = self.budget.snapshot();
        let c = self.counters();
        let (role, active_owner, lease_until_ms) = match (&c.standby_of, active) {
            (_, true) => (
                Role::Active,
                None,
                Some(self.lease_until.load(Ordering::SeqCst)),
            ),
            (Some((owner, until)), false) => (Role::Standby, Some(owner.clone()), Some(*until)),
            (None, false) => (Role::Idle, None, None),
        };
        EngineStats {
            role,
            owner: self.lease.owner.clone(),
            store: self.store.location(),
            active_owner,
            lease_until_ms,
            running: self.is_running(),
            last_tick_at_ms: c.last_tick_at_ms,
            ticks: c.ticks,
            consecutive_errors: c.consecutive_errors,
            last_error: c.last_error.clone(),
            open_records,
            oldest_record_age_s: oldest,
            undelivered_events,
            budget_tokens: tokens,
            paused_until_ms: paused.map(|d| unix_now_ms() + d.as_millis() as i64),
        }
    }
}
