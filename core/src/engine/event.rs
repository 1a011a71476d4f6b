//! What the cashier reports: events, and what one tick did.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::Money;

/// What happened, delivered to the merchant's handler and to logging.
///
/// Every kind but `error` is delivered at least once: it is written to the store's outbox
/// first and removed only when the handler returned without error, so a handler may see an
/// event again (after a failure, or a crash between its success and the acknowledgement).
/// De-duplicate on [`Event::id`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable across retries and restarts: `{reference}:{kind}`.
    pub id: String,
    pub kind: EventKind,
    pub spot_id: u64,
    /// The spot's location, when known.
    #[serde(default)]
    pub location_id: Option<u64>,
    pub transaction_key: Option<String>,
    /// The check-in's reference (also in each payment's `parameters`).
    pub reference: String,
    /// Amounts charged (for `paid`) or asked (for `order_created`).
    pub amounts: Vec<Money>,
    /// The payments' `parameters` as the `price` handler set them (e.g. an `orderid`), merged
    /// (a key set in several payments keeps the first payment's value), with
    /// `scanpay_reference`. Empty when the cashier never saw the payments (`error` events of a
    /// spot not yet priced).
    #[serde(default)]
    pub parameters: Map<String, Value>,
    /// Details for `error` events.
    pub message: Option<String>,
}

/// An event the handler has not acknowledged yet, as the store's outbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndeliveredEvent {
    pub event: Event,
    /// Order of recording: a spot's events are delivered in this order.
    pub seq: u64,
    /// Failed deliveries so far.
    pub attempts: u32,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
    /// Unix milliseconds before which the event is not retried.
    pub next_attempt_at_ms: i64,
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
