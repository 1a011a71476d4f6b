//! Paysera QR codes: build, validate, parse and render them.
//!
//! Paysera apps understand four QR code templates (Wallet API, "Scan and Pay"):
//!
//! | Template | Meaning |
//! |---|---|
//! | `PAYSERA%{transactionKey}` | open a transaction for confirmation |
//! | `PAYSERA*{locationId}:{identifier}` | a static spot (table, till) at a location |
//! | `EVP{walletId}` | payment form to a wallet; the id is zero-padded to 12 digits |
//! | `https://paysera.com/app?qr={code}` | wraps any other code for non-Paysera scanners |
//!
//! [`QrCode`] models them. Its constructors and [`QrCode::parse`] validate
//! strictly, and every [`QrError`] explains in plain words what is wrong,
//! quoting the offending part. [`QrCode::to_svg`] and [`QrCode::to_png`]
//! render a printable symbol.
//!
//! ```
//! use paysera_scanpay::qr::{QrCode, QrKind};
//!
//! let table = QrCode::spot(1, "table1")?;
//! assert_eq!(table.to_string(), "PAYSERA*1:table1");
//!
//! let link = QrCode::app_link(table.clone())?;
//! assert_eq!(link.to_string(), "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1");
//!
//! let parsed: QrCode = "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1".parse()?;
//! assert_eq!(parsed.kind(), QrKind::AppLink);
//! assert_eq!(parsed.inner(), &table);
//!
//! let err = QrCode::parse("EVP1").unwrap_err();
//! assert!(err.reason().contains("zero-padded to 12 digits"));
//! # Ok::<(), paysera_scanpay::qr::QrError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use crate::encoding::form_urlencode;
use parse::{parse_app_link, parse_spot, parse_wallet, unknown_prefix_error};

mod parse;
mod render;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod tests;

pub use render::RenderOptions;

const TRANSACTION_PREFIX: &str = "PAYSERA%";
const SPOT_PREFIX: &str = "PAYSERA*";
const WALLET_PREFIX: &str = "EVP";
const APP_LINK_PREFIX: &str = "https://paysera.com/app?qr=";

/// Number of digits of a wallet id in an `EVP` code.
const WALLET_DIGITS: usize = 12;
/// Largest wallet id that fits in 12 digits.
const MAX_WALLET_ID: u64 = 999_999_999_999;

/// Longest part of user input quoted in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 60;

/// The accepted templates, for error messages.
const ACCEPTED_TEMPLATES: &str = "\"PAYSERA%\" (transaction), \"PAYSERA*\" (spot), \
     \"EVP\" (wallet) or \"https://paysera.com/app?qr=\" (app link)";

/// A Paysera QR code.
///
/// Build one with the validating constructors ([`QrCode::transaction`],
/// [`QrCode::spot`], [`QrCode::wallet`], [`QrCode::app_link`]) or with
/// [`QrCode::parse`]; [`Display`](fmt::Display) renders the code string that
/// goes into the QR symbol. A value from the constructors or the parser always
/// displays as a string that parses back to an equal value.
///
/// The variants are public for pattern matching. A value built directly from a
/// variant skips validation; check it with [`QrCode::validate`].
///
/// ```
/// use paysera_scanpay::qr::QrCode;
///
/// assert_eq!(QrCode::wallet(1)?.to_string(), "EVP000000000001");
/// assert_eq!(QrCode::transaction("ATaNL6X6CivO2Ou0FMPt")?.to_string(), "PAYSERA%ATaNL6X6CivO2Ou0FMPt");
/// assert_eq!(
///     QrCode::parse("PAYSERA*1:a:b")?,
///     QrCode::Spot { location_id: 1, identifier: "a:b".into() },
/// );
/// # Ok::<(), paysera_scanpay::qr::QrError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QrCode {
    /// `PAYSERA%{key}`: opens a transaction for confirmation.
    Transaction {
        /// Transaction key (ASCII letters and digits).
        key: String,
    },
    /// `PAYSERA*{location_id}:{identifier}`: a static spot (table, till) at a location.
    Spot {
        /// Location id (positive).
        location_id: u64,
        /// Spot identifier within the location; may contain `:`, but no
        /// whitespace or control characters.
        identifier: String,
    },
    /// `EVP{wallet_id:012}`: opens a payment form to a wallet.
    Wallet {
        /// Wallet id (1 ..= 999 999 999 999).
        wallet_id: u64,
    },
    /// `https://paysera.com/app?qr={code}`: wraps another (non app link) code so
    /// that scanners other than the Paysera app open an information page.
    AppLink(Box<QrCode>),
}

/// The kind of a [`QrCode`].
///
/// ```
/// use paysera_scanpay::qr::{QrCode, QrKind};
///
/// assert_eq!(QrCode::wallet(7)?.kind(), QrKind::Wallet);
/// assert_eq!(QrKind::AppLink.as_str(), "app_link");
/// assert_eq!(QrKind::Spot.to_string(), "spot");
/// # Ok::<(), paysera_scanpay::qr::QrError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrKind {
    /// [`QrCode::Transaction`].
    Transaction,
    /// [`QrCode::Spot`].
    Spot,
    /// [`QrCode::Wallet`].
    Wallet,
    /// [`QrCode::AppLink`].
    AppLink,
}

impl QrKind {
    /// Stable lower-case name: `"transaction"`, `"spot"`, `"wallet"` or `"app_link"`.
    pub fn as_str(self) -> &'static str {
        match self {
            QrKind::Transaction => "transaction",
            QrKind::Spot => "spot",
            QrKind::Wallet => "wallet",
            QrKind::AppLink => "app_link",
        }
    }
}

impl fmt::Display for QrKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a QR code was rejected (or could not be rendered).
///
/// [`Display`](fmt::Display) and [`QrError::reason`] give the same
/// human-readable explanation, which quotes the offending part of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct QrError {
    reason: String,
}

impl QrError {
    fn new(reason: impl Into<String>) -> Self {
        QrError {
            reason: reason.into(),
        }
    }

    /// The human-readable reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl QrCode {
    /// A transaction code `PAYSERA%{key}`.
    ///
    /// The key must be non-empty and consist of ASCII letters and digits only.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// let code = QrCode::transaction("ATaNL6X6CivO2Ou0FMPt")?;
    /// assert_eq!(code.to_string(), "PAYSERA%ATaNL6X6CivO2Ou0FMPt");
    /// assert!(QrCode::transaction("abc-1").is_err());
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn transaction(key: impl Into<String>) -> Result<QrCode, QrError> {
        let key = key.into();
        validate_transaction_key(&key)?;
        Ok(QrCode::Transaction { key })
    }

    /// A spot code `PAYSERA*{location_id}:{identifier}`.
    ///
    /// The location id must not be 0; the identifier must be non-empty and
    /// contain no whitespace or control characters (`:` and non-ASCII letters
    /// are fine).
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// assert_eq!(QrCode::spot(1, "table1")?.to_string(), "PAYSERA*1:table1");
    /// assert!(QrCode::spot(1, "table 1").is_err());
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn spot(location_id: u64, identifier: impl Into<String>) -> Result<QrCode, QrError> {
        let identifier = identifier.into();
        validate_location_id(location_id)?;
        validate_identifier(&identifier)?;
        Ok(QrCode::Spot {
            location_id,
            identifier,
        })
    }

    /// A wallet code `EVP{wallet_id}`, the id zero-padded to 12 digits.
    ///
    /// The id must be between 1 and 999 999 999 999.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// assert_eq!(QrCode::wallet(1)?.to_string(), "EVP000000000001");
    /// assert!(QrCode::wallet(1_000_000_000_000).is_err());
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn wallet(wallet_id: u64) -> Result<QrCode, QrError> {
        validate_wallet_id(wallet_id)?;
        Ok(QrCode::Wallet { wallet_id })
    }

    /// An app link `https://paysera.com/app?qr={inner}` wrapping another code.
    ///
    /// The inner code must itself be valid and must not be an app link.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// let link = QrCode::app_link(QrCode::spot(1, "table1")?)?;
    /// assert_eq!(link.to_string(), "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1");
    /// assert!(QrCode::app_link(link).is_err());
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn app_link(inner: QrCode) -> Result<QrCode, QrError> {
        if let QrCode::AppLink(_) = inner {
            return Err(nested_app_link_error());
        }
        inner.validate()?;
        Ok(QrCode::AppLink(Box::new(inner)))
    }

    /// Checks that this value obeys the same rules as the constructors.
    ///
    /// Only needed for values built directly from the enum variants.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// assert!(QrCode::Wallet { wallet_id: 0 }.validate().is_err());
    /// assert!(QrCode::Wallet { wallet_id: 5 }.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), QrError> {
        match self {
            QrCode::Transaction { key } => validate_transaction_key(key),
            QrCode::Spot {
                location_id,
                identifier,
            } => {
                validate_location_id(*location_id)?;
                validate_identifier(identifier)
            }
            QrCode::Wallet { wallet_id } => validate_wallet_id(*wallet_id),
            QrCode::AppLink(inner) => match **inner {
                QrCode::AppLink(_) => Err(nested_app_link_error()),
                ref inner => inner.validate(),
            },
        }
    }

    /// Parses a code string strictly.
    ///
    /// Nothing is trimmed or normalised: the input must be exactly what
    /// [`Display`](fmt::Display) produces for some valid code, except that an
    /// app link may leave characters unencoded that need no encoding in a URL
    /// query (such as `*` and `:`). Every error explains what is wrong.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// assert_eq!(QrCode::parse("EVP000000000001")?, QrCode::wallet(1)?);
    ///
    /// let err = QrCode::parse("PAYSERA*x:table1").unwrap_err();
    /// assert_eq!(err.reason(), "location id \"x\" must contain only digits 0-9, but it contains 'x'");
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn parse(s: &str) -> Result<QrCode, QrError> {
        if s.is_empty() {
            return Err(QrError::new(format!(
                "QR code is empty: expected a code starting with {ACCEPTED_TEMPLATES}"
            )));
        }
        if s.trim() != s {
            return Err(QrError::new(format!(
                "QR code {} has leading or trailing whitespace; remove it (it is not trimmed automatically)",
                quoted(s)
            )));
        }
        if let Some(key) = s.strip_prefix(TRANSACTION_PREFIX) {
            validate_transaction_key(key)?;
            Ok(QrCode::Transaction {
                key: key.to_owned(),
            })
        } else if let Some(rest) = s.strip_prefix(SPOT_PREFIX) {
            parse_spot(s, rest)
        } else if let Some(digits) = s.strip_prefix(WALLET_PREFIX) {
            parse_wallet(s, digits)
        } else if let Some(value) = s.strip_prefix(APP_LINK_PREFIX) {
            parse_app_link(value)
        } else {
            Err(unknown_prefix_error(s))
        }
    }

    /// The kind of this code.
    pub fn kind(&self) -> QrKind {
        match self {
            QrCode::Transaction { .. } => QrKind::Transaction,
            QrCode::Spot { .. } => QrKind::Spot,
            QrCode::Wallet { .. } => QrKind::Wallet,
            QrCode::AppLink(_) => QrKind::AppLink,
        }
    }

    /// The wrapped code of an app link; `self` for any other code.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// let wallet = QrCode::wallet(1)?;
    /// assert_eq!(QrCode::app_link(wallet.clone())?.inner(), &wallet);
    /// assert_eq!(wallet.inner(), &wallet);
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn inner(&self) -> &QrCode {
        match self {
            QrCode::AppLink(inner) => inner,
            other => other,
        }
    }

    /// A JSON description of the code.
    ///
    /// Always has `kind` (see [`QrKind::as_str`]) and `code` (the code
    /// string), then `transaction_key`, `location_id` + `identifier`,
    /// `wallet_id`, or `inner` (the wrapped code's JSON) depending on the kind.
    ///
    /// ```
    /// use paysera_scanpay::qr::QrCode;
    ///
    /// assert_eq!(
    ///     QrCode::spot(1, "table1")?.to_json().to_string(),
    ///     r#"{"kind":"spot","code":"PAYSERA*1:table1","location_id":1,"identifier":"table1"}"#,
    /// );
    /// # Ok::<(), paysera_scanpay::qr::QrError>(())
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("kind".into(), self.kind().as_str().into());
        map.insert("code".into(), self.to_string().into());
        match self {
            QrCode::Transaction { key } => {
                map.insert("transaction_key".into(), key.as_str().into());
            }
            QrCode::Spot {
                location_id,
                identifier,
            } => {
                map.insert("location_id".into(), (*location_id).into());
                map.insert("identifier".into(), identifier.as_str().into());
            }
            QrCode::Wallet { wallet_id } => {
                map.insert("wallet_id".into(), (*wallet_id).into());
            }
            QrCode::AppLink(inner) => {
                map.insert("inner".into(), inner.to_json());
            }
        }
        serde_json::Value::Object(map)
    }
}

impl fmt::Display for QrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrCode::Transaction { key } => write!(f, "{TRANSACTION_PREFIX}{key}"),
            QrCode::Spot {
                location_id,
                identifier,
            } => write!(f, "{SPOT_PREFIX}{location_id}:{identifier}"),
            QrCode::Wallet { wallet_id } => write!(f, "{WALLET_PREFIX}{wallet_id:012}"),
            QrCode::AppLink(inner) => {
                f.write_str(APP_LINK_PREFIX)?;
                f.write_str(&form_urlencode(&inner.to_string()))
            }
        }
    }
}

impl FromStr for QrCode {
    type Err = QrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QrCode::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

fn validate_transaction_key(key: &str) -> Result<(), QrError> {
    if key.is_empty() {
        return Err(QrError::new(
            "transaction key is empty: expected PAYSERA%{transaction key}",
        ));
    }
    if let Some(c) = key.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(QrError::new(format!(
            "transaction key {} contains {}; only ASCII letters (A-Z, a-z) and digits (0-9) are allowed",
            quoted(key),
            describe_char(c)
        )));
    }
    Ok(())
}

fn validate_location_id(location_id: u64) -> Result<(), QrError> {
    if location_id == 0 {
        return Err(QrError::new(
            "location id must not be 0: use the id of your location in Paysera",
        ));
    }
    Ok(())
}

fn validate_identifier(identifier: &str) -> Result<(), QrError> {
    if identifier.is_empty() {
        return Err(QrError::new(
            "spot identifier is empty: expected PAYSERA*{location id}:{identifier}, e.g. PAYSERA*1:table1",
        ));
    }
    if let Some(c) = identifier
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(QrError::new(format!(
            "spot identifier {} contains {}; identifiers must not contain whitespace or control characters",
            quoted(identifier),
            describe_char(c)
        )));
    }
    Ok(())
}

fn validate_wallet_id(wallet_id: u64) -> Result<(), QrError> {
    if wallet_id == 0 {
        return Err(QrError::new("wallet id must not be 0"));
    }
    if wallet_id > MAX_WALLET_ID {
        return Err(QrError::new(format!(
            "wallet id {wallet_id} is longer than 12 digits (the largest is {MAX_WALLET_ID})"
        )));
    }
    Ok(())
}

fn nested_app_link_error() -> QrError {
    QrError::new(
        "an app link must not wrap another app link: wrap the transaction, spot or wallet code directly",
    )
}

// ---------------------------------------------------------------------------
// Error message helpers
// ---------------------------------------------------------------------------

/// Quotes user input for an error message: in double quotes, invisible
/// characters escaped, long input shortened with `…`.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_QUOTED_CHARS) + 2);
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            out.push('…');
            break;
        }
        if c == '"' || c == '\\' || c.is_control() {
            out.extend(c.escape_default());
        } else if (c.is_whitespace() && c != ' ') || is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Zero-width characters that are neither whitespace nor control characters.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}')
}

/// Names a character for an error message.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\n' | '\r' => "a line break".to_owned(),
        c if c.is_whitespace() => format!("a whitespace character (U+{:04X})", u32::from(c)),
        c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
        c if is_invisible(c) => format!("an invisible character (U+{:04X})", u32::from(c)),
        c => format!("'{c}'"),
    }
}
