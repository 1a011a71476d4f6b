//! The vocabulary of the simulated world, shared with the HTTP layer and the public API.

use paysera_scanpay::models::Transaction;
use serde_json::{Map, Value, json};

/// An error answered the way Paysera answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
    pub properties: Option<Map<String, Value>>,
}

impl ApiFailure {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            properties: None,
        }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(404, "not_found", what)
    }
    pub fn invalid_state(what: impl Into<String>) -> Self {
        Self::new(409, "invalid_state", what)
    }
    /// 400 `invalid_parameters` naming each bad field.
    pub fn invalid_parameters(fields: &[(String, String)]) -> Self {
        let mut props = Map::new();
        for (field, message) in fields {
            props.insert(field.clone(), Value::String(message.clone()));
        }
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        Self {
            status: 400,
            code: "invalid_parameters",
            description: format!("Invalid parameters: {}", names.join(", ")),
            properties: Some(props),
        }
    }
    pub fn invalid_parameter(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_parameters(&[(field.to_owned(), message.into())])
    }
    pub fn body(&self) -> Value {
        let mut v = json!({"error": self.code, "error_description": self.description});
        if let Some(p) = &self.properties {
            v["error_properties"] = Value::Object(p.clone());
        }
        v
    }
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.description)
    }
}

impl std::error::Error for ApiFailure {}

/// A callback Paysera would send now.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCallback {
    pub uri: String,
    pub event_type: String,
    pub transaction: Transaction,
}

/// Which spot the customer scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpotRef {
    Id(u64),
    /// A `PAYSERA*{location}:{identifier}` code (or an app link wrapping one).
    Code(String),
}

impl From<u64> for SpotRef {
    fn from(id: u64) -> Self {
        SpotRef::Id(id)
    }
}

impl From<&str> for SpotRef {
    fn from(code: &str) -> Self {
        match code.parse::<u64>() {
            Ok(id) => SpotRef::Id(id),
            Err(_) => SpotRef::Code(code.to_owned()),
        }
    }
}

/// Filters of `GET /transactions`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct TxFilter {
    pub statuses: Vec<String>,
    pub wallet: Option<u64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: u32,
    pub offset: u32,
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

/// Filters of `GET /spots`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct SpotFilter {
    pub status: Option<String>,
    pub location_id: Option<u64>,
    pub limit: u32,
    pub offset: u32,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

/// What simulated customers do as soon as an order reaches their app (load tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Autopilot {
    Confirm,
    Reject,
}
