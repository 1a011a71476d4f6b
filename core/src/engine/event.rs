//! What the cashier reports: events, and what one tick did.

use serde::{Deserialize, Serialize};

use crate::models::Money;

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
