//! Spots (tables, tills) and the orders attached to them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{OrderStatus, SpotStatus};

/// Public description of the place a spot belongs to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlaceInfo {
    /// Name of the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// URL of the place's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// Location id (the `{locationId}` in `PAYSERA*{locationId}:{identifier}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<u64>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A customer scanning the spot's QR code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CheckIn {
    /// Paysera user id of the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    /// Unix time of the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A transaction attached to a spot (`POST /spot/{id}/order` response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    pub id: u64,
    /// Key of the attached transaction.
    pub transaction_key: String,
    /// Order status.
    pub status: OrderStatus,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `POST /spot/{id}/order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// Key of the transaction to attach to the spot.
    pub transaction_key: String,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OrderRequest {
    /// An order request for the given transaction.
    pub fn new(transaction_key: impl Into<String>) -> Self {
        Self {
            transaction_key: transaction_key.into(),
            extra: Map::new(),
        }
    }
}

/// A spot: a static QR code at a table or till.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spot {
    /// Spot id (used in `/spot/{id}/...` paths).
    pub id: u64,
    /// Spot status.
    pub status: SpotStatus,
    /// Identifier within the location (the `{identifier}` of the QR code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Description of the place.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::object"
    )]
    pub place_info: Option<PlaceInfo>,
    /// Customers who scanned the spot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_ins: Option<Vec<CheckIn>>,
    /// Orders attached to the spot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<Order>>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Spot {
    /// Orders attached to the spot (empty when absent).
    pub fn orders(&self) -> &[Order] {
        self.orders.as_deref().unwrap_or_default()
    }

    /// Check-ins of the spot (empty when absent).
    pub fn check_ins(&self) -> &[CheckIn] {
        self.check_ins.as_deref().unwrap_or_default()
    }

    /// Location id from `place_info`, if present.
    pub fn location_id(&self) -> Option<u64> {
        self.place_info.as_ref().and_then(|info| info.location_id)
    }
}
