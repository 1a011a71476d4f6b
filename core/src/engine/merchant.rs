//! The merchant's side of the cashier.

use futures_util::future::BoxFuture;

use super::Event;
use crate::models::{ConfirmPrices, Payment, Spot, Transaction};

/// The merchant's side: how to price a spot, optionally how to lower a reserved bill, and what
/// to do on each event. Errors are reported as `error` events; the cashier carries on (and
/// delivers a failed event again later).
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
    /// Called at least once per event: an event is acknowledged when this returns `Ok`, and
    /// delivered again on a later tick after an `Err` (or after a crash before the
    /// acknowledgement). De-duplicate on [`Event::id`]. `error` events are notices, called once.
    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>>;
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
