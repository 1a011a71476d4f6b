//! Exact money amounts: integer minor units and decimal strings, never floats.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount in minor units (cents) of a currency, as Paysera's
/// `{"price": 1299, "currency": "EUR"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units of `currency` (1299 = 12.99 EUR).
    #[serde(rename = "price")]
    pub amount: i64,
    /// ISO 4217 currency code, e.g. `EUR`.
    pub currency: String,
}

impl Money {
    /// Creates an amount of `amount` minor units of `currency`.
    pub fn new(amount: i64, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }

    /// The amount as a decimal string in major units ("12.99").
    pub fn to_decimal(&self) -> DecimalAmount {
        DecimalAmount::from_minor_units(self.amount, currency_exponent(&self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}

/// Body of `PUT /transaction/{key}/confirm` that lowers payment amounts,
/// keyed by payment id (serialized as a JSON object with string keys).
pub type ConfirmPrices = BTreeMap<u64, Money>;

/// Number of decimal places of an ISO 4217 currency (2 when unknown).
pub fn currency_exponent(code: &str) -> u32 {
    match code.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// Active alphabetic codes of ISO 4217 (List One, as amended to 2025), sorted. `XTS` (testing)
/// and `XXX` (no currency) are left out: no payment is made in them. Withdrawn codes (`HRK`,
/// `ANG`, `ZWL`, `SLL`, ...) are not listed.
pub const ISO_4217_CURRENCIES: [&str; 175] = [
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD",
    "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DJF",
    "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR",
    "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
    "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR",
    "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB",
    "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN",
    "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF",
    "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT",
    "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG",
];

/// Whether `code` is an active ISO 4217 currency code (upper case, as Paysera writes them).
///
/// ```
/// use paysera_scanpay::models::is_iso_4217_currency;
///
/// assert!(is_iso_4217_currency("EUR"));
/// assert!(!is_iso_4217_currency("XYZ"));
/// assert!(!is_iso_4217_currency("eur"));
/// ```
pub fn is_iso_4217_currency(code: &str) -> bool {
    ISO_4217_CURRENCIES.binary_search(&code).is_ok()
}

/// Why an amount could not be converted exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The text is not a plain decimal number.
    #[error(
        "invalid decimal amount {value:?}: expected digits with an optional '.' and fraction, like \"12.99\""
    )]
    InvalidFormat {
        /// The rejected text.
        value: String,
    },
    /// The amount has non-zero digits below the currency's smallest unit.
    #[error(
        "amount {value:?} has more than {exponent} decimal places and cannot be represented exactly"
    )]
    TooPrecise {
        /// The rejected amount.
        value: String,
        /// Decimal places the currency allows.
        exponent: u32,
    },
    /// The amount does not fit in 64-bit minor units.
    #[error("amount {value:?} is too large to represent in minor units")]
    Overflow {
        /// The amount that overflowed.
        value: String,
    },
    /// An amount was given without a currency, so its scale is unknown.
    #[error("amount {value:?} has no currency")]
    MissingCurrency {
        /// The amount lacking a currency.
        value: String,
    },
}

/// A decimal amount string as Paysera sends it in `price_decimal`
/// (`-?[0-9]+(\.[0-9]+)?`), kept verbatim so it re-encodes unchanged.
///
/// Equality is textual: `"12.9"` and `"12.90"` differ; compare
/// [`DecimalAmount::to_minor_units`] results for numeric equality.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct DecimalAmount(String);

impl DecimalAmount {
    /// The decimal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the amount is strictly greater than zero.
    pub fn is_positive(&self) -> bool {
        !self.0.starts_with('-') && self.0.bytes().any(|b| matches!(b, b'1'..=b'9'))
    }

    /// Converts to integer minor units with `exponent` decimal places,
    /// failing rather than rounding when digits would be lost.
    pub fn to_minor_units(&self, exponent: u32) -> Result<i64, AmountError> {
        let (negative, digits) = match self.0.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.0.as_str()),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        let kept = usize::try_from(exponent).unwrap_or(usize::MAX);
        let (frac_kept, frac_dropped) = frac_part.split_at(frac_part.len().min(kept));
        if frac_dropped.bytes().any(|b| b != b'0') {
            return Err(AmountError::TooPrecise {
                value: self.0.clone(),
                exponent,
            });
        }
        let overflow = || AmountError::Overflow {
            value: self.0.clone(),
        };
        // Accumulating towards the sign keeps i64::MIN representable.
        let push = |acc: i64, digit: u8| -> Result<i64, AmountError> {
            let digit = i64::from(digit - b'0');
            let shifted = acc.checked_mul(10).ok_or_else(overflow)?;
            if negative {
                shifted.checked_sub(digit)
            } else {
                shifted.checked_add(digit)
            }
            .ok_or_else(overflow)
        };
        let mut acc = 0i64;
        for digit in int_part.bytes().chain(frac_kept.bytes()) {
            acc = push(acc, digit)?;
        }
        // A zero stays zero however far it is scaled; stopping early also
        // keeps absurd exponents from looping for billions of iterations.
        let mut missing = u64::from(exponent) - frac_kept.len() as u64;
        while missing > 0 && acc != 0 {
            acc = push(acc, b'0')?;
            missing -= 1;
        }
        Ok(acc)
    }

    /// Formats `amount` minor units with `exponent` decimal places
    /// (`1299, 2` → `"12.99"`; `12, 0` → `"12"`).
    pub fn from_minor_units(amount: i64, exponent: u32) -> DecimalAmount {
        let digits = amount.unsigned_abs().to_string();
        let sign = if amount < 0 { "-" } else { "" };
        let scale = usize::try_from(exponent).unwrap_or(usize::MAX);
        if scale == 0 {
            return DecimalAmount(format!("{sign}{digits}"));
        }
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int_part, frac_part) = padded.split_at(padded.len() - scale);
        DecimalAmount(format!("{sign}{int_part}.{frac_part}"))
    }
}

fn is_valid_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(int_part) && frac_part.is_none_or(all_digits)
}

impl FromStr for DecimalAmount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if is_valid_decimal(text) {
            Ok(DecimalAmount(text.to_owned()))
        } else {
            Err(AmountError::InvalidFormat {
                value: text.to_owned(),
            })
        }
    }
}

impl TryFrom<String> for DecimalAmount {
    type Error = AmountError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if is_valid_decimal(&text) {
            Ok(DecimalAmount(text))
        } else {
            Err(AmountError::InvalidFormat { value: text })
        }
    }
}

impl TryFrom<&str> for DecimalAmount {
    type Error = AmountError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<DecimalAmount> for String {
    fn from(amount: DecimalAmount) -> String {
        amount.0
    }
}

impl AsRef<str> for DecimalAmount {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DecimalAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
