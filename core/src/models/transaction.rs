//! Transactions, their payments and allowances.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_json::{Map, Value};

use super::{
    AllowanceStatus, AmountError, DecimalAmount, Money, PaymentStatus, TransactionStatus,
    TransactionType, currency_exponent,
};

/// How long funds stay reserved: `{"for": seconds}` or `{"until": unix}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reserve {
    /// Reservation length in seconds (wire name `for`).
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_seconds: Option<i64>,
    /// Unix time the reservation ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Reserve {
    /// Reserve for `seconds` from reservation.
    pub fn for_seconds(seconds: i64) -> Self {
        Self {
            for_seconds: Some(seconds),
            ..Self::default()
        }
    }

    /// Reserve until the Unix time `unix`.
    pub fn until(unix: i64) -> Self {
        Self {
            until: Some(unix),
            ..Self::default()
        }
    }
}

/// A payment's freeze period; the same shape as [`Reserve`].
pub type Freeze = Reserve;

/// One payment inside a transaction (request or response).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Payment {
    /// Payment id (assigned by Paysera; the key of [`super::ConfirmPrices`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Key of the transaction this payment belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_key: Option<String>,
    /// Unix creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Payment status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PaymentStatus>,
    /// Whether the payment can still be canceled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelable: Option<bool>,
    /// Amount in minor units of `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// ISO 4217 currency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Amount as a decimal string in major units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_decimal: Option<DecimalAmount>,
    /// Payer's wallet id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<u64>,
    /// Unix confirmation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<i64>,
    /// How long the funds stay frozen after confirmation: `{"for": seconds}` or
    /// `{"until": unix}`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub freeze: Option<Freeze>,
    /// Freeze length in **hours** (Paysera's older field; `freeze.for` is the same in seconds).
    /// Only one of `freeze`, `freeze_for` and `freeze_until` may be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze_for: Option<i64>,
    /// Text shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Merchant's own parameters (e.g. `orderid`), returned as given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::map"
    )]
    pub parameters: Option<Map<String, Value>>,
    /// Line items; a payment may be made of items alone (its price is then their total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<super::Item>>,
    /// Beneficiary other than the project's wallet.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub beneficiary: Option<Value>,
    /// Purpose of the payment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub purpose: Option<Value>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Payment {
    /// A payment of `money` described to the customer as `description`.
    pub fn new(description: impl Into<String>, money: Money) -> Self {
        Self {
            description: Some(description.into()),
            price: Some(money.amount),
            currency: Some(money.currency),
            ..Self::default()
        }
    }

    /// Adds a merchant parameter (e.g. `orderid`), returned by Paysera as given.
    pub fn with_parameter(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// The amount, from `price` or else `price_decimal` scaled by the
    /// currency's exponent, or else the items' total ([`Payment::items_total`]); `None` when
    /// there is none of these.
    ///
    /// When both are present `price` wins: it is the integer Paysera keeps.
    pub fn money(&self) -> Result<Option<Money>, AmountError> {
        let amount = match (self.price, &self.price_decimal) {
            (Some(price), _) => Amount::Minor(price),
            (None, Some(decimal)) => Amount::Decimal(decimal),
            (None, None) => return self.items_total(),
        };
        let Some(currency) = &self.currency else {
            return Err(AmountError::MissingCurrency {
                value: amount.to_string(),
            });
        };
        let minor = match amount {
            Amount::Minor(price) => price,
            Amount::Decimal(decimal) => decimal.to_minor_units(currency_exponent(currency))?,
        };
        Ok(Some(Money::new(minor, currency.clone())))
    }
}

enum Amount<'a> {
    Minor(i64),
    Decimal(&'a DecimalAmount),
}

impl fmt::Display for Amount<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Minor(price) => write!(f, "{price}"),
            Amount::Decimal(decimal) => f.write_str(decimal.as_str()),
        }
    }
}

/// A spending limit per period inside an allowance.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AllowanceLimit {
    /// Maximum amount per period in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<i64>,
    /// Maximum amount per period as a decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price_decimal: Option<DecimalAmount>,
    /// Period length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Validity period of an allowance.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Validity {
    /// Unix time the allowance expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A pre-approved spending allowance.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Allowance {
    /// Allowance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Key of the transaction that created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_key: Option<String>,
    /// Unix creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Allowance status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AllowanceStatus>,
    /// ISO 4217 currency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Wallet id of the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<u64>,
    /// Unix confirmation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<i64>,
    /// Validity period.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub valid: Option<Validity>,
    /// Text shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Maximum total in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<i64>,
    /// Maximum total as a decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price_decimal: Option<DecimalAmount>,
    /// Per-period limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Vec<AllowanceLimit>>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A transaction's `allowance` field: the allowance and whether it is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TransactionAllowance {
    /// Whether the customer may decline the allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// The allowance itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Allowance>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `callback_uri`: a URL, or `false` to turn callbacks off.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallbackUri {
    /// Paysera POSTs events to this URL.
    Url(String),
    /// No callbacks (wire `false`).
    Disabled,
}

impl CallbackUri {
    /// The URL, unless callbacks are disabled.
    pub fn as_url(&self) -> Option<&str> {
        match self {
            Self::Url(url) => Some(url),
            Self::Disabled => None,
        }
    }
}

impl From<String> for CallbackUri {
    fn from(url: String) -> Self {
        Self::Url(url)
    }
}

impl From<&str> for CallbackUri {
    fn from(url: &str) -> Self {
        Self::Url(url.to_owned())
    }
}

impl Serialize for CallbackUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Url(url) => serializer.serialize_str(url),
            Self::Disabled => serializer.serialize_bool(false),
        }
    }
}

impl<'de> Deserialize<'de> for CallbackUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CallbackVisitor;

        impl de::Visitor<'_> for CallbackVisitor {
            type Value = CallbackUri;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a callback URL string or `false`")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<CallbackUri, E> {
                if value {
                    Err(E::custom(
                        "callback_uri cannot be `true`: give a URL string, or `false` to disable callbacks",
                    ))
                } else {
                    Ok(CallbackUri::Disabled)
                }
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<CallbackUri, E> {
                Ok(CallbackUri::Url(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<CallbackUri, E> {
                Ok(CallbackUri::Url(value))
            }
        }

        deserializer.deserialize_any(CallbackVisitor)
    }
}

/// A transaction as returned by Paysera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Transaction key (used in paths and `PAYSERA%{key}` QR codes).
    pub transaction_key: String,
    /// Unix creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Transaction status.
    pub status: TransactionStatus,
    /// How the customer reserved it (wire name `type`).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
    /// Customer's wallet id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<u64>,
    /// Whether a payment card may be debited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for_payment_card_debit: Option<bool>,
    /// Unix confirmation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<i64>,
    /// Merchant project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<u64>,
    /// Location id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<u64>,
    /// Reservation period.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub reserve: Option<Reserve>,
    /// Whether an existing allowance may pay it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_allowance: Option<bool>,
    /// Whether the customer is offered an allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggest_allowance: Option<bool>,
    /// Whether Paysera confirms it without the merchant's confirm call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_confirm: Option<bool>,
    /// Where the customer is sent afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Callback URL, or disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_uri: Option<CallbackUri>,
    /// Payments of the transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<Payment>>,
    /// Questions asked of the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiries: Option<Vec<Value>>,
    /// Allowance attached to the transaction.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub allowance: Option<TransactionAllowance>,
    /// Customer restrictions or details.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub user: Option<Value>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Transaction {
    /// Payments of the transaction (empty when absent).
    pub fn payments(&self) -> &[Payment] {
        self.payments.as_deref().unwrap_or_default()
    }

    /// Total per currency, in order of each currency's first appearance.
    /// Payments without an amount are skipped.
    pub fn total(&self) -> Result<Vec<Money>, AmountError> {
        let mut totals: Vec<Money> = Vec::new();
        for payment in self.payments() {
            let Some(money) = payment.money()? else {
                continue;
            };
            match totals.iter_mut().find(|t| t.currency == money.currency) {
                Some(total) => {
                    total.amount = total.amount.checked_add(money.amount).ok_or_else(|| {
                        AmountError::Overflow {
                            value: format!(
                                "{} + {} {}",
                                total.amount, money.amount, money.currency
                            ),
                        }
                    })?;
                }
                None => totals.push(money),
            }
        }
        Ok(totals)
    }
}
