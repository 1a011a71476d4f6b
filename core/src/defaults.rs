//! Defaults and limits, defined once. The core uses them; both bindings export them (Python
//! `paysera_scanpay._native`, the Node addon) and their facades read them instead of restating
//! numbers, so a change here reaches every language. [`crate::schema::export`] lists them too.
//!
//! ```
//! use paysera_scanpay::defaults::{MAX_PAGE_SIZE, check_page_size};
//!
//! assert!(check_page_size("limit", MAX_PAGE_SIZE).is_ok());
//! assert!(check_page_size("limit", MAX_PAGE_SIZE + 1).is_err());
//! ```

use std::time::Duration;

use crate::error::Error;

/// Whole-request timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// TCP + TLS connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Extra attempts for failures that are safe to retry.
pub const DEFAULT_RETRIES: u32 = 2;
/// The overall deadline of one call (attempts and backoff) that the Python `Client` and
/// `AsyncClient` use by default: below gunicorn's 30 s worker timeout, so a stuck request becomes
/// a `TimeoutError` the view can handle instead of a killed worker. Rust clients have none unless
/// [`crate::ClientBuilder::deadline`] sets one.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(25);

/// Smallest page Paysera's listings accept (`limit`).
pub const MIN_PAGE_SIZE: u32 = 1;
/// Largest page Paysera's listings accept (`limit`).
pub const MAX_PAGE_SIZE: u32 = 200;
/// Page size of the iterators and of the cashier's listings unless told otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Pause between two ticks of the cashier's loop.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(3);
/// Request budget the cashier's calls share (0 would be unlimited).
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 60;
/// How long a customer has at least to confirm an order before the cashier revokes it.
pub const DEFAULT_CUSTOMER_TIMEOUT: Duration = Duration::from_secs(300);
/// Spots the cashier handles in parallel within a tick.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// First pause before the cashier hands a failed event to the handler again; it doubles with
/// each failure (with jitter) up to [`DEFAULT_EVENT_RETRY_MAX`].
pub const DEFAULT_EVENT_RETRY: Duration = Duration::from_secs(1);
/// Longest pause between two deliveries of a failing event.
pub const DEFAULT_EVENT_RETRY_MAX: Duration = Duration::from_secs(60);
/// How long the active cashier's claim on its store lasts without renewal: a standby replica
/// takes over at most this long after the active one died. Renewed on every tick and write.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(15);
/// How often the active cashier looks in a shared store for callbacks that other processes
/// (web workers, standbys) verified and handed over.
pub const DEFAULT_WAKE_INTERVAL: Duration = Duration::from_millis(50);
/// A callback whose signature fails makes the client fetch Paysera's public key again (it may
/// have been rotated), but not more often than this.
pub const PUBLIC_KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(60);
/// How long the cashier remembers a callback it acted on, to refuse the same one again.
pub const CALLBACK_REPLAY_WINDOW: Duration = Duration::from_secs(3600);

/// The page-size rule, written once: `size` must be within
/// [`MIN_PAGE_SIZE`]`..=`[`MAX_PAGE_SIZE`]. `what` names the argument in the error.
pub fn check_page_size(what: &str, size: u32) -> Result<(), Error> {
    if (MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{what} {size} is out of range; Paysera accepts {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineConfig;

    #[test]
    fn page_size_rule_bounds() {
        assert!(check_page_size("limit", MIN_PAGE_SIZE).is_ok());
        assert!(check_page_size("limit", DEFAULT_PAGE_SIZE).is_ok());
        assert!(check_page_size("limit", MAX_PAGE_SIZE).is_ok());
        let err = check_page_size("limit", 0).unwrap_err().to_string();
        assert!(err.contains("limit 0 is out of range"), "{err}");
        assert!(err.contains("1 to 200"), "{err}");
        assert!(check_page_size("limit", MAX_PAGE_SIZE + 1).is_err());
    }

    /// `EngineConfig::default()` spells its values in engine/config.rs; they must be these.
    #[test]
    fn engine_defaults_are_the_constants() {
        let c = EngineConfig::default();
        assert_eq!(c.poll_interval, DEFAULT_POLL_INTERVAL);
        assert_eq!(c.requests_per_minute, DEFAULT_REQUESTS_PER_MINUTE);
        assert_eq!(c.customer_timeout, DEFAULT_CUSTOMER_TIMEOUT);
        assert_eq!(c.page_size, DEFAULT_PAGE_SIZE);
        assert_eq!(c.concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(c.event_retry, DEFAULT_EVENT_RETRY);
        assert_eq!(c.event_retry_max, DEFAULT_EVENT_RETRY_MAX);
        assert_eq!(c.lease_ttl, DEFAULT_LEASE_TTL);
        assert_eq!(c.wake_interval, DEFAULT_WAKE_INTERVAL);
        assert_eq!(c.location_id, None);
    }

    #[test]
    fn client_defaults_are_the_constants() {
        let policy = crate::RetryPolicy::default();
        assert_eq!(policy.max_retries, DEFAULT_RETRIES);
        let client = crate::Client::new(crate::MacCredentials::new("id", "key").unwrap()).unwrap();
        assert_eq!(client.timeout(), DEFAULT_TIMEOUT);
        assert_eq!(client.retry_policy().max_retries, DEFAULT_RETRIES);
    }
}
