//! The state one running sandbox shares between its handle and its HTTP handlers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use paysera_scanpay::callback::CallbackSigner;
use paysera_scanpay::mac::MacCredentials;

use crate::faults::ActiveRule;
use crate::state::{ApiFailure, PendingCallback, World};
use crate::{CallbackRecord, ClientCredentials, FaultRule, JournalEntry, RateLimit};

/// Nonces seen inside the timestamp window, expired in arrival order (O(1) amortized).
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: HashMap<(String, String), i64>,
    order: std::collections::VecDeque<(i64, (String, String))>,
}

impl NonceCache {
    /// False when `(client, nonce)` was already used within `window` seconds of `now`.
    pub fn check_and_insert(&mut self, key: (String, String), now: i64, window: i64) -> bool {
        while let Some((at, _)) = self.order.front() {
            if *at >= now - window {
                break;
            }
            if let Some((at, old)) = self.order.pop_front()
                && self.seen.get(&old) == Some(&at)
            {
                self.seen.remove(&old);
            }
        }
        if self.seen.contains_key(&key) {
            return false;
        }
        self.seen.insert(key.clone(), now);
        self.order.push_back((now, key));
        true
    }

    pub fn clear(&mut self) {
        self.seen.clear();
        self.order.clear();
    }
}

/// Per client: start of the current window and requests counted in it.
pub(crate) type RateWindows = HashMap<String, (i64, u32)>;

pub(crate) struct Shared {
    pub world: Mutex<World>,
    pub project_id: u64,
    pub clients: HashMap<String, MacCredentials>,
    pub first_client: ClientCredentials,
    pub window: i64,
    pub nonces: Mutex<NonceCache>,
    pub journal: Mutex<Vec<JournalEntry>>,
    pub faults: Mutex<Vec<ActiveRule>>,
    pub rate_limit: Mutex<Option<(RateLimit, RateWindows)>>,
    pub callbacks: Arc<Mutex<Vec<CallbackRecord>>>,
    pub signer: CallbackSigner,
    pub http: reqwest::Client,
    pub runtime: tokio::runtime::Handle,
    pub base_url: String,
    /// Required on `/_sandbox/...` when set (see `SandboxConfig::token`).
    pub token: Option<String>,
    /// Bumped on every change the dashboard shows; its live streams wait on it.
    pub feed: tokio::sync::watch::Sender<FeedTick>,
}

/// The dashboard's change signal: a version, and whether the sandbox is stopping (so that open
/// event streams end and graceful shutdown is not held open by them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FeedTick {
    /// Any change: the world, the journal, callbacks, faults.
    pub version: u64,
    /// Changes of the world only (spots are redrawn only then).
    pub world: u64,
    pub closed: bool,
}

pub(crate) fn new_feed() -> tokio::sync::watch::Sender<FeedTick> {
    tokio::sync::watch::Sender::new(FeedTick::default())
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock must not wedge every later test request.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// The world, to read or change it. Counts as a change for the dashboard; the signal is
    /// sent while the lock is held, so a stream woken by it reads the state after the change.
    pub fn world(&self) -> MutexGuard<'_, World> {
        let guard = lock(&self.world);
        self.feed.send_modify(|t| {
            t.version = t.version.wrapping_add(1);
            t.world = t.world.wrapping_add(1);
        });
        guard
    }

    /// The world, only to read it: no change for the dashboard. The merchant API's reads use it,
    /// so that 100 polls a second do not make the dashboard look at 1,000 spots each time.
    pub fn peek_world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Wakes the dashboard's event streams.
    pub fn changed(&self) {
        self.feed
            .send_modify(|t| t.version = t.version.wrapping_add(1));
    }

    /// Ends the dashboard's event streams (the sandbox is stopping).
    pub fn close_feeds(&self) {
        self.feed.send_modify(|t| t.closed = true);
    }

    pub fn reset(&self) {
        *self.world() = World::new(self.project_id);
        lock(&self.journal).clear();
        lock(&self.faults).clear();
        lock(&self.nonces).clear();
        *lock(&self.rate_limit) = None;
        lock(&self.callbacks).clear();
        self.changed();
    }

    pub fn inject_fault(&self, rule: FaultRule) -> Result<(), ApiFailure> {
        rule.validate()
            .map_err(|e| ApiFailure::invalid_parameter("fault", e))?;
        lock(&self.faults).push(ActiveRule::new(rule));
        self.changed();
        Ok(())
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) -> Result<(), ApiFailure> {
        if let Some(l) = limit
            && (l.requests == 0 || l.per_seconds == 0)
        {
            return Err(ApiFailure::invalid_parameter(
                "rate_limit",
                "requests and per_seconds must be positive",
            ));
        }
        *lock(&self.rate_limit) = limit.map(|l| (l, HashMap::new()));
        Ok(())
    }

    /// Signs and POSTs callbacks in the background, as Paysera does after a state change: the
    /// request that changed the state is answered without waiting for the signature (an RSA
    /// signature, about half a millisecond of CPU).
    pub fn deliver(&self, callbacks: Vec<PendingCallback>) {
        for cb in callbacks {
            let event = serde_json::json!({
                "type": cb.event_type,
                "object": "transaction",
                "data": cb.transaction,
            })
            .to_string();
            let signer = self.signer.clone();
            let http = self.http.clone();
            let log = self.callbacks.clone();
            let feed = self.feed.clone();
            self.runtime.spawn(async move {
                let sign = signer.sign(event.as_bytes());
                let body = format!(
                    "event={}&sign={}",
                    paysera_scanpay::mac::form_urlencode(&event),
                    paysera_scanpay::mac::form_urlencode(&sign)
                );
                let mut record = CallbackRecord {
                    uri: cb.uri.clone(),
                    event_type: cb.event_type.clone(),
                    transaction_key: cb.transaction.transaction_key.clone(),
                    event,
                    sign,
                    status: None,
                    error: None,
                };
                let result = http
                    .post(&record.uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await;
                match result {
                    Ok(resp) => record.status = Some(resp.status().as_u16()),
                    Err(e) => record.error = Some(e.without_url().to_string()),
                }
                lock(&log).push(record);
                feed.send_modify(|t| t.version = t.version.wrapping_add(1));
            });
        }
    }
}
