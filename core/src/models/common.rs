//! Lists, errors, server time and callback events.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, de};
use serde_json::{Map, Value};

use super::{Spot, Transaction};

/// Pagination data of a list (`_metadata`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// Total number of matching items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Offset of the first returned item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Whether a further page exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_next: Option<bool>,
    /// Whether an earlier page exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_previous: Option<bool>,
    /// Cursor-based pagination data.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::present_value"
    )]
    pub cursors: Option<Value>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Response of `GET /spots`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SpotList {
    /// The spots.
    pub spots: Vec<Spot>,
    /// Pagination data.
    #[serde(
        rename = "_metadata",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub metadata: Option<Metadata>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Response of `GET /transactions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TransactionList {
    /// The transactions.
    pub transactions: Vec<Transaction>,
    /// Pagination data.
    #[serde(
        rename = "_metadata",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub metadata: Option<Metadata>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Error response body.
///
/// Decoding is lenient about everything but `error`: a field of an unexpected shape (say an
/// `error_properties` that is a string) is kept in `extra` instead of failing the whole body,
/// so the error code is never lost. PHP's `[]` is an empty `error_properties`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ErrorBody {
    /// Error code, e.g. `invalid_parameters`.
    pub error: String,
    /// Human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Link to documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// Offending parameters and what is wrong with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_properties: Option<Map<String, Value>>,
    /// Further machine-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<Value>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ErrorBody {
    /// An error body with just a code and description.
    pub fn new(error: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            error_description: Some(description.into()),
            ..Self::default()
        }
    }
}

impl<'de> Deserialize<'de> for ErrorBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut extra = Map::<String, Value>::deserialize(deserializer)?;
        let error = match extra.remove("error") {
            Some(Value::String(code)) => code,
            Some(_) => return Err(de::Error::custom("error must be a string code")),
            None => return Err(de::Error::missing_field("error")),
        };
        // Put back what has an unexpected shape, so it is neither fatal nor lost.
        let mut text = |key: &str| match extra.remove(key) {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            Some(other) => {
                extra.insert(key.to_owned(), other);
                None
            }
        };
        let error_description = text("error_description");
        let error_uri = text("error_uri");
        let error_properties = match extra.remove("error_properties") {
            Some(Value::Object(map)) => Some(map),
            Some(Value::Array(items)) => Some(super::php::list_as_map(items)),
            None | Some(Value::Null) => None,
            Some(other) => {
                extra.insert("error_properties".to_owned(), other);
                None
            }
        };
        // An explicit null is kept (re-emitted), as for other free-form fields.
        let error_data = extra.remove("error_data");
        Ok(Self {
            error,
            error_description,
            error_uri,
            error_properties,
            error_data,
            extra,
        })
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(description) = &self.error_description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

/// Response of `GET /server`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerTime {
    /// Server's Unix time in seconds.
    pub time: i64,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The JSON inside a callback's `event` form field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CallbackEvent {
    /// Event type, e.g. `reserved`, `confirmed`, `rejected`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Kind of object in `data`, normally `transaction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The transaction the event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Transaction>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
