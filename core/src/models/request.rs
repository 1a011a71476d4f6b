//! The create-transaction request and its client-side validation.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{AmountError, CallbackUri, Payment, Reserve, currency_exponent};

/// Body of `POST /transaction`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TransactionRequest {
    /// Payments to collect; at least one.
    // Defaulted on decode so a body without payments reaches `validate`,
    // which explains the problem better than a decode error would.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// Where the customer is sent afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Callback URL, or `false` to disable callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<CallbackUri>,
    /// Reservation period.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub reserve: Option<Reserve>,
    /// Whether Paysera confirms without the merchant's confirm call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_confirm: Option<bool>,
    /// Whether an existing allowance may pay it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_allowance: Option<bool>,
    /// Whether the customer is offered an allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggest_allowance: Option<bool>,
    /// Allowance to create with the transaction.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub allowance: Option<Value>,
    /// Customer restrictions.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub user: Option<Value>,
    /// Questions to ask the customer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub inquiries: Option<Value>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One problem found by [`TransactionRequest::validate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldError {
    /// Path of the offending field, e.g. `payments[0].currency`.
    pub field: String,
    /// What is wrong, for people.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

impl TransactionRequest {
    /// A request collecting `payments`, all other fields absent.
    pub fn new(payments: Vec<Payment>) -> Self {
        Self {
            payments,
            ..Self::default()
        }
    }

    /// Checks what Paysera would reject, reporting every problem found.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.payments.is_empty() {
            errors.push(FieldError::new(
                "payments",
                "at least one payment is required",
            ));
        }
        for (index, payment) in self.payments.iter().enumerate() {
            validate_payment(&format!("payments[{index}]"), payment, &mut errors);
        }
        if let Some(reserve) = &self.reserve {
            validate_reserve(reserve, &mut errors);
        }
        if let Some(uri) = &self.redirect_uri {
            validate_uri("redirect_uri", uri, &mut errors);
        }
        if let Some(CallbackUri::Url(uri)) = &self.callback_uri {
            validate_uri("callback_uri", uri, &mut errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

pub(super) fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn validate_payment(path: &str, payment: &Payment, errors: &mut Vec<FieldError>) {
    let mut error = |field: &str, message: String| {
        errors.push(FieldError::new(format!("{path}.{field}"), message));
    };

    // A payment made of items needs neither description nor price: Paysera's PHP library
    // (`Mapper::encodePayment`) requires them only "if items are not set".
    let has_items = payment.items.as_ref().is_some_and(|i| !i.is_empty());
    if !has_items
        && payment
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
    {
        error("description", "description is required".to_owned());
    }

    // The scale of price_decimal depends on the currency, so exactness and
    // agreement with price are only checked once the currency is usable.
    let exponent = match payment.currency.as_deref() {
        None if has_items => None,
        None => {
            error("currency", "currency is required".to_owned());
            None
        }
        Some(code) if !is_currency_code(code) => {
            error(
                "currency",
                format!(
                    "currency must be a 3-letter upper-case ISO 4217 code like \"EUR\", got {code:?}"
                ),
            );
            None
        }
        Some(code) => Some(currency_exponent(code)),
    };

    match (payment.price, &payment.price_decimal) {
        (None, None) if has_items => {}
        (None, None) => error(
            "price",
            "either price (integer minor units) or price_decimal is required".to_owned(),
        ),
        // Paysera documents each as "unavailable if" the other is given, and rejects both.
        (Some(price), Some(decimal)) => error(
            "price_decimal",
            format!(
                "price and price_decimal are mutually exclusive: give price (minor units) or price_decimal, not both (got price {price} and price_decimal \"{decimal}\")"
            ),
        ),
        (Some(price), None) => {
            if price <= 0 {
                error(
                    "price",
                    format!("price must be a positive number of minor units, got {price}"),
                );
            }
        }
        (None, Some(decimal)) => {
            if !decimal.is_positive() {
                error(
                    "price_decimal",
                    format!("price_decimal must be positive, got \"{decimal}\""),
                );
            } else if let Some(exponent) = exponent {
                match decimal.to_minor_units(exponent) {
                    Err(AmountError::TooPrecise { .. }) => error(
                        "price_decimal",
                        format!(
                            "price_decimal \"{decimal}\" has more than {exponent} decimal places, which {} does not allow",
                            payment.currency.as_deref().unwrap_or_default()
                        ),
                    ),
                    Err(err) => error("price_decimal", err.to_string()),
                    Ok(_) => {}
                }
            }
        }
    }

    // freeze (seconds or a Unix time), freeze_for (hours) and freeze_until (Unix time) say the
    // same thing three ways; Paysera takes one.
    let freeze_until = payment.extra.get("freeze_until");
    let given: Vec<&str> = [
        ("freeze", payment.freeze.is_some()),
        ("freeze_for", payment.freeze_for.is_some()),
        ("freeze_until", freeze_until.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    if given.len() > 1 {
        error(
            given[1],
            format!("{} are mutually exclusive: give one", given.join(" and ")),
        );
    }
    if let Some(hours) = payment.freeze_for
        && hours < 0
    {
        error(
            "freeze_for",
            format!("freeze_for is a number of hours and must not be negative, got {hours}"),
        );
    }
    if let Some(until) = freeze_until
        && until.as_i64().is_none_or(|t| t < 0)
    {
        error(
            "freeze_until",
            format!("freeze_until must be a Unix time in seconds, got {until}"),
        );
    }
    super::items::validate_items(path, payment, exponent, errors);
}

fn validate_reserve(reserve: &Reserve, errors: &mut Vec<FieldError>) {
    match (reserve.for_seconds, reserve.until) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            "reserve",
            "give either reserve.for or reserve.until, not both",
        )),
        (None, None) => errors.push(FieldError::new(
            "reserve",
            "reserve needs either for (seconds) or until (Unix time)",
        )),
        _ => {}
    }
    for (field, value) in [
        ("reserve.for", reserve.for_seconds),
        ("reserve.until", reserve.until),
    ] {
        if let Some(value) = value
            && value < 0
        {
            errors.push(FieldError::new(
                field,
                format!("{field} must not be negative, got {value}"),
            ));
        }
    }
}

pub(crate) fn validate_uri(field: &str, uri: &str, errors: &mut Vec<FieldError>) {
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &uri[8..]
    } else if lower.starts_with("http://") {
        &uri[7..]
    } else {
        errors.push(FieldError::new(
            field,
            format!("{field} must start with http:// or https://, got {uri:?}"),
        ));
        return;
    };
    if rest.is_empty() {
        errors.push(FieldError::new(
            field,
            format!("{field} has no host after the scheme: {uri:?}"),
        ));
    }
}
