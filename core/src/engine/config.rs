//! Tuning of the cashier.

use std::time::Duration;

use crate::defaults;

/// Tuning of the cashier.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Pause between ticks in [`Engine::run_forever`](super::Engine::run_forever) (default
    /// [`DEFAULT_POLL_INTERVAL`](crate::defaults::DEFAULT_POLL_INTERVAL), 3 s); none while a
    /// sweep over more pages is under way and the budget can spare it.
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
    /// First pause before an event whose handler failed is delivered again (default 1 s); it
    /// doubles with each failure, with jitter, up to `event_retry_max` (default 60 s).
    pub event_retry: Duration,
    pub event_retry_max: Duration,
    /// Set as `callback_uri` on the transactions the cashier creates: Paysera posts signed
    /// callbacks there, to be passed to [`super::Engine::handle_callback`] (default: none,
    /// polling alone).
    pub callback_uri: Option<String>,
    /// How long this cashier's claim on a shared store lasts without renewal (default 15 s):
    /// a standby replica takes over at most this long after the active one died.
    pub lease_ttl: Duration,
    /// How often the active cashier looks in a shared store for callbacks handed over by other
    /// processes (default 50 ms).
    pub wake_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            poll_interval: defaults::DEFAULT_POLL_INTERVAL,
            requests_per_minute: defaults::DEFAULT_REQUESTS_PER_MINUTE,
            customer_timeout: defaults::DEFAULT_CUSTOMER_TIMEOUT,
            page_size: defaults::DEFAULT_PAGE_SIZE,
            concurrency: defaults::DEFAULT_CONCURRENCY,
            location_id: None,
            event_retry: defaults::DEFAULT_EVENT_RETRY,
            event_retry_max: defaults::DEFAULT_EVENT_RETRY_MAX,
            callback_uri: None,
            lease_ttl: defaults::DEFAULT_LEASE_TTL,
            wake_interval: defaults::DEFAULT_WAKE_INTERVAL,
        }
    }
}
