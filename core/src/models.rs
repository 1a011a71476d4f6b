//! Serde models of the Wallet API's Scan and Pay resources.
//!
//! Decoding then encoding reproduces the input: absent optional fields stay
//! absent, present ones (even `[]`) are re-emitted, unknown fields are kept
//! in each struct's `extra` and unknown status strings in `Other`.

mod common;
mod items;
mod money;
mod php;
mod request;
mod spot;
mod status;
mod transaction;

#[cfg(test)]
mod items_tests;
#[cfg(test)]
mod money_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod validation_tests;

pub use common::{CallbackEvent, ErrorBody, Metadata, ServerTime, SpotList, TransactionList};
pub use items::Item;
pub use money::{
    AmountError, ConfirmPrices, DecimalAmount, ISO_4217_CURRENCIES, Money, currency_exponent,
    is_iso_4217_currency,
};
pub use php::from_php_json;
pub(crate) use request::validate_uri;
pub use request::{FieldError, TransactionRequest};
pub use spot::{CheckIn, Order, OrderRequest, PlaceInfo, Spot};
pub use status::{
    AllowanceStatus, OrderStatus, PaymentStatus, SpotStatus, TransactionStatus, TransactionType,
};
pub use transaction::{
    Allowance, AllowanceLimit, CallbackUri, Freeze, Payment, Reserve, Transaction,
    TransactionAllowance, Validity,
};

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Keeps an explicit `null` as `Some(Value::Null)` for free-form fields, so
/// it is re-emitted instead of being confused with an absent field.
fn present_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}
