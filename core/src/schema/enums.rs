//! The enums of the schema: status enums that keep unknown values (their values come from the
//! models' own lists) and the closed engine and QR enums (listed here, kept complete by an
//! exhaustive match).

use serde_json::{Value, json};

use super::EnumSpec;
use crate::engine::{EventKind, Outcome, Role, Stage};
use crate::models::{
    AllowanceStatus, OrderStatus, PaymentStatus, SpotStatus, TransactionStatus, TransactionType,
};
use crate::qr::QrKind;

/// A status enum that keeps unknown values (`Other(String)`).
macro_rules! open_enum {
    ($ty:ident) => {
        EnumSpec {
            name: stringify!($ty),
            rust: concat!("paysera_scanpay::", stringify!($ty)),
            open: true,
            values: $ty::VALUES.to_vec(),
            round_trip: |wire| {
                let value: $ty =
                    serde_json::from_value(Value::from(wire)).map_err(|e| e.to_string())?;
                Ok((value.as_str().to_owned(), value.is_known()))
            },
        }
    };
}

/// A closed serde enum of unit variants: its values are listed by hand, and `all` matches every
/// variant so that a new one fails to compile until it is listed.
fn closed<T: serde::Serialize + serde::de::DeserializeOwned>(
    name: &'static str,
    rust: &'static str,
    values: Vec<&'static str>,
) -> EnumSpec {
    EnumSpec {
        name,
        rust,
        open: false,
        values,
        round_trip: |wire| {
            let value: T = serde_json::from_value(Value::from(wire)).map_err(|e| e.to_string())?;
            match serde_json::to_value(&value).map_err(|e| e.to_string())? {
                Value::String(s) => Ok((s, true)),
                other => Err(format!("encoded as {other}")),
            }
        },
    }
}

/// Matches every variant of the closed enums listed by hand below: a new variant fails to compile
/// here until its wire value is listed.
#[allow(dead_code)]
fn closed_enums_are_listed(
    kind: EventKind,
    outcome: Outcome,
    stage: Stage,
    qr: QrKind,
    role: Role,
) {
    use EventKind as K;
    match kind {
        K::OrderCreated
        | K::Paid
        | K::Rejected
        | K::Expired
        | K::Failed
        | K::SpotClosed
        | K::Error => {}
    }
    match outcome {
        Outcome::Paid | Outcome::Rejected | Outcome::Expired | Outcome::Failed => {}
    }
    match stage {
        Stage::Creating
        | Stage::Created
        | Stage::Ordering
        | Stage::Ordered
        | Stage::Confirming
        | Stage::Revoking
        | Stage::Closing { .. } => {}
    }
    match qr {
        QrKind::Transaction | QrKind::Spot | QrKind::Wallet | QrKind::AppLink => {}
    }
    match role {
        Role::Active | Role::Standby | Role::Idle => {}
    }
}

pub(super) fn enums() -> Vec<EnumSpec> {
    use EventKind as K;
    let event_values = [
        K::OrderCreated,
        K::Paid,
        K::Rejected,
        K::Expired,
        K::Failed,
        K::SpotClosed,
        K::Error,
    ]
    .into_iter()
    .map(K::as_str)
    .collect();
    let qr_values = [
        QrKind::Transaction,
        QrKind::Spot,
        QrKind::Wallet,
        QrKind::AppLink,
    ]
    .into_iter()
    .map(QrKind::as_str)
    .collect();
    vec![
        open_enum!(SpotStatus),
        open_enum!(OrderStatus),
        open_enum!(TransactionStatus),
        open_enum!(TransactionType),
        open_enum!(PaymentStatus),
        open_enum!(AllowanceStatus),
        closed::<EventKind>(
            "EventKind",
            "paysera_scanpay::engine::EventKind",
            event_values,
        ),
        closed::<Outcome>(
            "Outcome",
            "paysera_scanpay::engine::Outcome",
            vec!["paid", "rejected", "expired", "failed"],
        ),
        closed::<Role>(
            "Role",
            "paysera_scanpay::engine::Role",
            vec!["active", "standby", "idle"],
        ),
        EnumSpec {
            name: "Stage",
            rust: "paysera_scanpay::engine::Stage",
            open: false,
            values: vec![
                "creating",
                "created",
                "ordering",
                "ordered",
                "confirming",
                "revoking",
                "closing",
            ],
            // Internally tagged: `{"stage": "closing", "outcome": ...}`.
            round_trip: |wire| {
                let mut json = json!({ "stage": wire });
                if wire == "closing" {
                    json["outcome"] = Value::from("paid");
                }
                let stage: Stage = serde_json::from_value(json).map_err(|e| e.to_string())?;
                let back = serde_json::to_value(&stage).map_err(|e| e.to_string())?;
                Ok((back["stage"].as_str().unwrap_or_default().to_owned(), true))
            },
        },
        EnumSpec {
            name: "QrKind",
            rust: "paysera_scanpay::QrKind",
            open: false,
            values: qr_values,
            // Not a serde type: the bindings show it as `kind` of a parsed code.
            round_trip: |wire| Ok((wire.to_owned(), true)),
        },
    ]
}
