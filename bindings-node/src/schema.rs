//! The core's wire contract and its defaults and limits, for the facade and the tests: the
//! TypeScript option defaults read these constants instead of restating them, and the jest suite
//! compares `ts/models.ts` and `ts/cashier.ts` against `schema()`.

use napi_derive::napi;
use serde_json::Value;

use paysera_scanpay::defaults as d;

/// Whole-request timeout of one attempt, in milliseconds.
#[napi]
pub const DEFAULT_TIMEOUT_MS: u32 = d::DEFAULT_TIMEOUT.as_millis() as u32;
/// TCP + TLS connect timeout, in milliseconds.
#[napi]
pub const DEFAULT_CONNECT_TIMEOUT_MS: u32 = d::DEFAULT_CONNECT_TIMEOUT.as_millis() as u32;
/// Extra attempts for failures that are safe to retry.
#[napi]
pub const DEFAULT_RETRIES: u32 = d::DEFAULT_RETRIES;
/// Smallest page size (`limit`) Paysera's listings accept.
#[napi]
pub const MIN_PAGE_SIZE: u32 = d::MIN_PAGE_SIZE;
/// Largest page size (`limit`) Paysera's listings accept.
#[napi]
pub const MAX_PAGE_SIZE: u32 = d::MAX_PAGE_SIZE;
/// Page size of the iterators and of the cashier's listings by default.
#[napi]
pub const DEFAULT_PAGE_SIZE: u32 = d::DEFAULT_PAGE_SIZE;
/// Pause between two ticks of the cashier, in milliseconds.
#[napi]
pub const DEFAULT_POLL_INTERVAL_MS: u32 = d::DEFAULT_POLL_INTERVAL.as_millis() as u32;
/// Request budget the cashier's calls share, per minute.
#[napi]
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = d::DEFAULT_REQUESTS_PER_MINUTE;
/// How long a customer has at least to act on an order, in milliseconds.
#[napi]
pub const DEFAULT_CUSTOMER_TIMEOUT_MS: u32 = d::DEFAULT_CUSTOMER_TIMEOUT.as_millis() as u32;
/// Spots the cashier handles in parallel within a tick.
#[napi]
pub const DEFAULT_CONCURRENCY: u32 = d::DEFAULT_CONCURRENCY as u32;
/// First pause before a failed event is delivered again, in milliseconds.
#[napi]
pub const DEFAULT_EVENT_RETRY_MS: u32 = d::DEFAULT_EVENT_RETRY.as_millis() as u32;
/// Longest pause between two deliveries of a failing event, in milliseconds.
#[napi]
pub const DEFAULT_EVENT_RETRY_MAX_MS: u32 = d::DEFAULT_EVENT_RETRY_MAX.as_millis() as u32;
/// How long a cashier's claim on a shared store lasts without renewal, in milliseconds.
#[napi]
pub const DEFAULT_LEASE_TTL_MS: u32 = d::DEFAULT_LEASE_TTL.as_millis() as u32;
/// How often the active cashier looks for handed-over callbacks, in milliseconds.
#[napi]
pub const DEFAULT_WAKE_INTERVAL_MS: u32 = d::DEFAULT_WAKE_INTERVAL.as_millis() as u32;

/// The wire contract: `paysera_scanpay::schema::export()`.
#[napi(ts_return_type = "Record<string, any>")]
pub fn schema() -> Value {
    paysera_scanpay::schema::export()
}
