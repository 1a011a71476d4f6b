//! The wire contract, defined once: every model, status enum, cashier event and record the
//! bindings expose, with wire names, types, optionality and enum values, plus the
//! [defaults and limits](crate::defaults). Python and Node read it through their native modules
//! (`paysera_scanpay._native.schema()`, the addon's `schema()`); their test suites compare the
//! facades' field tables and TypeScript types against it, so a hand-copied type that drifts
//! fails CI. A copy is committed as `schema/paysera-scanpay.schema.json`; regenerate it with
//!
//! ```text
//! cargo run -q -p paysera-scanpay --example export-schema > schema/paysera-scanpay.schema.json
//! ```
//!
//! The tables below name each struct's fields; the compiler checks they list every field (an
//! exhaustive pattern), and the tests check them against real serde output (every listed wire
//! name decodes into its field and re-encodes unchanged, absent or `null` as declared).
//!
//! Field presence, as the core *emits* it: `required` (always present), `optional` (absent
//! when unset, never `null`) or `nullable` (always present, `null` when unset).
//!
//! ```
//! let schema = paysera_scanpay::schema::export();
//! let spot = &schema["types"]["Spot"]["fields"];
//! assert_eq!(spot[0]["name"], "id");
//! assert_eq!(schema["enums"]["SpotStatus"]["values"][0], "waiting");
//! ```

use serde_json::{Map, Value, json};

use crate::defaults;
use crate::engine::{EngineStats, Event, EventKind, Record, Role, TickReport, UndeliveredEvent};
use crate::models::{
    Allowance, AllowanceLimit, AllowanceStatus, CallbackEvent, CallbackUri, CheckIn, DecimalAmount,
    Item, Metadata, Money, Order, OrderStatus, Payment, PaymentStatus, PlaceInfo, Reserve, Spot,
    SpotList, SpotStatus, Transaction, TransactionAllowance, TransactionList, TransactionRequest,
    TransactionStatus, TransactionType, Validity,
};

mod enums;
#[cfg(test)]
mod tests;

use enums::enums;

/// Version of the schema's own layout (not of the library): bumped when its shape changes.
pub const SCHEMA_VERSION: u32 = 2;

/// The schema as JSON: `{"version", "constants", "enums", "types"}`.
///
/// `types.<Name>` is `{"rust", "additional_fields", "fields": [{"name", "type", "presence"}]}`
/// where `type` is `{"kind": "integer" | "number" | "string" | "boolean" | "any"}` (`number`:
/// any JSON number, `integer`: a whole one), `{"kind": "string",
/// "format": "decimal"}`, `{"kind": "array", "items"}`, `{"kind": "map", "values"}`,
/// `{"kind": "ref", "name"}` (another type), `{"kind": "enum", "name"}` or `{"kind": "union",
/// "of"}` (with `{"kind": "literal", "value"}` members). `enums.<Name>` is `{"rust", "open",
/// "values"}`; an open enum keeps values it does not know.
pub fn export() -> Value {
    let types: Map<String, Value> = types()
        .into_iter()
        .map(|t| (t.name.to_owned(), t.to_json()))
        .collect();
    let enums: Map<String, Value> = enums()
        .into_iter()
        .map(|e| {
            let body = json!({ "rust": e.rust, "open": e.open, "values": e.values });
            (e.name.to_owned(), body)
        })
        .collect();
    json!({
        "$comment": "Generated from the paysera-scanpay core (core/src/schema.rs); do not edit. \
            Regenerate: cargo run -q -p paysera-scanpay --example export-schema \
            > schema/paysera-scanpay.schema.json",
        "version": SCHEMA_VERSION,
        "constants": constants(),
        "enums": enums,
        "types": types,
    })
}

/// [`export`] as the pretty-printed JSON of the committed `schema/paysera-scanpay.schema.json`
/// (without its final newline).
pub fn to_pretty_json() -> String {
    serde_json::to_string_pretty(&export()).expect("a JSON value always serializes")
}

/// [`crate::defaults`] by name, durations in seconds.
fn constants() -> Value {
    json!({
        "DEFAULT_TIMEOUT": defaults::DEFAULT_TIMEOUT.as_secs_f64(),
        "DEFAULT_CONNECT_TIMEOUT": defaults::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
        "DEFAULT_RETRIES": defaults::DEFAULT_RETRIES,
        "DEFAULT_DEADLINE": defaults::DEFAULT_DEADLINE.as_secs_f64(),
        "MIN_PAGE_SIZE": defaults::MIN_PAGE_SIZE,
        "MAX_PAGE_SIZE": defaults::MAX_PAGE_SIZE,
        "DEFAULT_PAGE_SIZE": defaults::DEFAULT_PAGE_SIZE,
        "DEFAULT_POLL_INTERVAL": defaults::DEFAULT_POLL_INTERVAL.as_secs_f64(),
        "DEFAULT_REQUESTS_PER_MINUTE": defaults::DEFAULT_REQUESTS_PER_MINUTE,
        "DEFAULT_CUSTOMER_TIMEOUT": defaults::DEFAULT_CUSTOMER_TIMEOUT.as_secs_f64(),
        "DEFAULT_CONCURRENCY": defaults::DEFAULT_CONCURRENCY,
        "DEFAULT_EVENT_RETRY": defaults::DEFAULT_EVENT_RETRY.as_secs_f64(),
        "DEFAULT_EVENT_RETRY_MAX": defaults::DEFAULT_EVENT_RETRY_MAX.as_secs_f64(),
        "DEFAULT_LEASE_TTL": defaults::DEFAULT_LEASE_TTL.as_secs_f64(),
        "DEFAULT_WAKE_INTERVAL": defaults::DEFAULT_WAKE_INTERVAL.as_secs_f64(),
    })
}

/// How a field appears in what the core emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
    Nullable,
    /// The flattened map of fields this library does not model (not a wire field).
    Extra,
}

impl Presence {
    fn as_str(self) -> &'static str {
        match self {
            Presence::Required => "required",
            Presence::Optional => "optional",
            Presence::Nullable => "nullable",
            Presence::Extra => "extra",
        }
    }
}

struct FieldSpec {
    wire: &'static str,
    ty: Value,
    presence: Presence,
    /// Whether the Rust field is an `Option` (checked against `presence` by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    option: bool,
}

/// Decodes wire JSON into the Rust type and encodes it back; also says how many fields landed
/// in the type's `extra` map (a listed name that is not a real field would).
type RoundTrip = fn(Value) -> Result<(Value, usize), String>;

struct TypeSpec {
    name: &'static str,
    rust: &'static str,
    fields: Vec<FieldSpec>,
    #[cfg_attr(not(test), allow(dead_code))]
    round_trip: RoundTrip,
}

impl TypeSpec {
    fn additional(&self) -> bool {
        self.fields.iter().any(|f| f.presence == Presence::Extra)
    }

    fn wire_fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().filter(|f| f.presence != Presence::Extra)
    }

    fn to_json(&self) -> Value {
        let fields: Vec<Value> = self
            .wire_fields()
            .map(|f| json!({ "name": f.wire, "type": f.ty, "presence": f.presence.as_str() }))
            .collect();
        json!({ "rust": self.rust, "additional_fields": self.additional(), "fields": fields })
    }
}

struct EnumSpec {
    name: &'static str,
    rust: &'static str,
    open: bool,
    values: Vec<&'static str>,
    /// Decodes a wire value and encodes it back; `Ok(None)` for an unknown value kept as is.
    #[cfg_attr(not(test), allow(dead_code))]
    round_trip: fn(&str) -> Result<(String, bool), String>,
}

/// How a Rust type appears on the wire.
trait Wire {
    const OPTION: bool = false;
    fn wire() -> Value;
}

fn kind(kind: &str) -> Value {
    json!({ "kind": kind })
}

macro_rules! wire_kind {
    ($kind:literal: $($ty:ty),+) => {
        $(impl Wire for $ty {
            fn wire() -> Value {
                kind($kind)
            }
        })+
    };
}

wire_kind!("integer": u64, u32, i64, usize);
wire_kind!("number": f64);
wire_kind!("string": String);
wire_kind!("boolean": bool);
wire_kind!("any": Value);

impl Wire for Map<String, Value> {
    fn wire() -> Value {
        json!({ "kind": "map", "values": kind("any") })
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn wire() -> Value {
        json!({ "kind": "array", "items": T::wire() })
    }
}

impl<T: Wire> Wire for Option<T> {
    const OPTION: bool = true;
    fn wire() -> Value {
        T::wire()
    }
}

impl Wire for DecimalAmount {
    fn wire() -> Value {
        json!({ "kind": "string", "format": "decimal" })
    }
}

impl Wire for CallbackUri {
    fn wire() -> Value {
        json!({ "kind": "union", "of": [kind("string"), { "kind": "literal", "value": false }] })
    }
}

macro_rules! wire_named {
    ($kind:literal: $($ty:ident => $name:literal),+ $(,)?) => {
        $(impl Wire for $ty {
            fn wire() -> Value {
                json!({ "kind": $kind, "name": $name })
            }
        })+
    };
}

wire_named!("enum":
    SpotStatus => "SpotStatus", OrderStatus => "OrderStatus",
    TransactionStatus => "TransactionStatus", TransactionType => "TransactionType",
    PaymentStatus => "PaymentStatus", AllowanceStatus => "AllowanceStatus",
    EventKind => "EventKind", Role => "Role",
);
wire_named!("ref":
    PlaceInfo => "PlaceInfo", CheckIn => "CheckIn", Order => "Order", Spot => "Spot",
    Metadata => "Metadata", Reserve => "Reserve", Payment => "Payment", Item => "Item",
    Money => "Money",
    AllowanceLimit => "AllowanceLimit", Validity => "Validity", Allowance => "Allowance",
    TransactionAllowance => "TransactionAllowance", Transaction => "Transaction", Event => "Event",
    UndeliveredEvent => "UndeliveredEvent",
);

/// The wire description of a struct field's type, found from an accessor (no value needed).
fn field_type<S, T: Wire>(_: fn(&S) -> &T) -> (Value, bool) {
    (T::wire(), T::OPTION)
}

fn field(wire: &'static str, (ty, option): (Value, bool), presence: Presence) -> FieldSpec {
    FieldSpec {
        wire,
        ty,
        presence,
        option,
    }
}

/// One struct's table: `field [as "wire"]: presence`, every field of the struct, in order.
macro_rules! model {
    (@presence required) => { Presence::Required };
    (@presence optional) => { Presence::Optional };
    (@presence nullable) => { Presence::Nullable };
    (@presence extra) => { Presence::Extra };
    (@wire $field:ident) => { stringify!($field) };
    (@wire $field:ident $wire:literal) => { $wire };
    (@extra $value:ident extra $field:ident) => { $value.$field.len() };
    (@extra $value:ident $presence:ident $field:ident) => { 0 };
    ($name:literal, $ty:ident { $($field:ident $(as $wire:literal)?: $presence:ident),+ $(,)? }) => {{
        // Fails to compile when the struct gains a field this table does not list.
        #[allow(dead_code)]
        fn exhaustive(value: $ty) {
            let $ty { $($field: _),+ } = value;
        }
        TypeSpec {
            name: $name,
            rust: concat!("paysera_scanpay::", stringify!($ty)),
            fields: vec![$(field(
                model!(@wire $field $($wire)?),
                field_type(|v: &$ty| &v.$field),
                model!(@presence $presence),
            )),+],
            round_trip: |json| {
                let value: $ty = serde_json::from_value(json).map_err(|e| e.to_string())?;
                let extra = 0 $(+ model!(@extra value $presence $field))+;
                Ok((serde_json::to_value(&value).map_err(|e| e.to_string())?, extra))
            },
        }
    }};
}

fn types() -> Vec<TypeSpec> {
    let mut types = vec![
        model!(
            "PlaceInfo",
            PlaceInfo {
                title: optional,
                description: optional,
                address: optional,
                logo_uri: optional,
                location_id: optional,
                extra: extra,
            }
        ),
        model!(
            "CheckIn",
            CheckIn {
                user_id: optional,
                date: optional,
                extra: extra
            }
        ),
        model!(
            "Order",
            Order {
                id: required,
                transaction_key: required,
                status: required,
                extra: extra,
            }
        ),
        model!(
            "Spot",
            Spot {
                id: required,
                status: required,
                identifier: optional,
                place_info: optional,
                check_ins: optional,
                orders: optional,
                extra: extra,
            }
        ),
        model!(
            "Metadata",
            Metadata {
                total: optional,
                offset: optional,
                limit: optional,
                has_next: optional,
                has_previous: optional,
                cursors: optional,
                extra: extra,
            }
        ),
        model!("SpotList", SpotList {
            spots: required, metadata as "_metadata": optional, extra: extra,
        }),
        model!("TransactionList", TransactionList {
            transactions: required, metadata as "_metadata": optional, extra: extra,
        }),
        model!("Reserve", Reserve { for_seconds as "for": optional, until: optional, extra: extra }),
        model!(
            "Payment",
            Payment {
                id: optional,
                transaction_key: optional,
                created_at: optional,
                status: optional,
                cancelable: optional,
                price: optional,
                currency: optional,
                price_decimal: optional,
                wallet: optional,
                confirmed_at: optional,
                freeze: optional,
                freeze_for: optional,
                description: optional,
                parameters: optional,
                items: optional,
                beneficiary: optional,
                purpose: optional,
                extra: extra,
            }
        ),
        model!(
            "Item",
            Item {
                title: optional,
                description: optional,
                image_uri: optional,
                price: optional,
                price_decimal: optional,
                currency: optional,
                quantity: optional,
                total_price: optional,
                total_price_decimal: optional,
                parameters: optional,
                extra: extra,
            }
        ),
        model!("Money", Money { amount as "price": required, currency: required }),
        model!(
            "AllowanceLimit",
            AllowanceLimit {
                max_price: optional,
                max_price_decimal: optional,
                time: optional,
                extra: extra,
            }
        ),
        model!(
            "Validity",
            Validity {
                until: optional,
                extra: extra
            }
        ),
        model!(
            "Allowance",
            Allowance {
                id: optional,
                transaction_key: optional,
                created_at: optional,
                status: optional,
                currency: optional,
                wallet: optional,
                confirmed_at: optional,
                valid: optional,
                description: optional,
                max_price: optional,
                max_price_decimal: optional,
                limits: optional,
                extra: extra,
            }
        ),
        model!(
            "TransactionAllowance",
            TransactionAllowance {
                optional: optional,
                data: optional,
                extra: extra,
            }
        ),
        model!("Transaction", Transaction {
            transaction_key: required, created_at: optional, status: required,
            transaction_type as "type": optional, wallet: optional,
            valid_for_payment_card_debit: optional, confirmed_at: optional, project_id: optional,
            location_id: optional, reserve: optional, use_allowance: optional,
            suggest_allowance: optional, auto_confirm: optional, redirect_uri: optional,
            callback_uri: optional, payments: optional, inquiries: optional, allowance: optional,
            user: optional, extra: extra,
        }),
        model!(
            "TransactionRequest",
            TransactionRequest {
                payments: required,
                redirect_uri: optional,
                callback_uri: optional,
                reserve: optional,
                auto_confirm: optional,
                use_allowance: optional,
                suggest_allowance: optional,
                allowance: optional,
                user: optional,
                inquiries: optional,
                extra: extra,
            }
        ),
        model!("CallbackEvent", CallbackEvent {
            event_type as "type": required, object: optional, data: optional, extra: extra,
        }),
        model!(
            "Event",
            Event {
                id: required,
                kind: required,
                spot_id: required,
                location_id: nullable,
                transaction_key: nullable,
                reference: required,
                amounts: required,
                parameters: required,
                message: nullable,
            }
        ),
        model!(
            "UndeliveredEvent",
            UndeliveredEvent {
                event: required,
                seq: required,
                attempts: required,
                last_error: nullable,
                next_attempt_at_ms: required,
            }
        ),
        model!(
            "TickReport",
            TickReport {
                polling_requests: required,
                action_requests: required,
                events: required,
            }
        ),
        model!(
            "CashierStats",
            EngineStats {
                role: required,
                owner: required,
                store: required,
                active_owner: nullable,
                lease_until_ms: nullable,
                running: required,
                last_tick_at_ms: nullable,
                ticks: required,
                consecutive_errors: required,
                last_error: nullable,
                open_records: required,
                oldest_record_age_s: nullable,
                undelivered_events: required,
                budget_tokens: nullable,
                paused_until_ms: nullable,
            }
        ),
    ];
    types.push(record());
    types
}

/// The cashier's [`Record`]: its `stage` is an internally tagged enum flattened into the record
/// (`"stage": "closing", "outcome": "paid"`), so its two wire fields are written out here.
fn record() -> TypeSpec {
    #[allow(dead_code)]
    fn exhaustive(value: Record) {
        let Record {
            reference: _,
            spot_id: _,
            location_id: _,
            stage: _,
            transaction_key: _,
            started_at: _,
            ordered_at: _,
            amounts: _,
            parameters: _,
            delivered: _,
        } = value;
    }
    let stage = json!({ "kind": "enum", "name": "Stage" });
    let outcome = json!({ "kind": "enum", "name": "Outcome" });
    TypeSpec {
        name: "CashierRecord",
        rust: "paysera_scanpay::engine::Record",
        fields: vec![
            field(
                "reference",
                field_type(|r: &Record| &r.reference),
                Presence::Required,
            ),
            field(
                "spot_id",
                field_type(|r: &Record| &r.spot_id),
                Presence::Required,
            ),
            field(
                "location_id",
                field_type(|r: &Record| &r.location_id),
                Presence::Nullable,
            ),
            field("stage", (stage, false), Presence::Required),
            field("outcome", (outcome, true), Presence::Optional),
            field(
                "transaction_key",
                field_type(|r: &Record| &r.transaction_key),
                Presence::Nullable,
            ),
            field(
                "started_at",
                field_type(|r: &Record| &r.started_at),
                Presence::Required,
            ),
            field(
                "ordered_at",
                field_type(|r: &Record| &r.ordered_at),
                Presence::Nullable,
            ),
            field(
                "amounts",
                field_type(|r: &Record| &r.amounts),
                Presence::Required,
            ),
            field(
                "parameters",
                field_type(|r: &Record| &r.parameters),
                Presence::Required,
            ),
            field(
                "delivered",
                field_type(|r: &Record| &r.delivered),
                Presence::Required,
            ),
        ],
        round_trip: |json| {
            let value: Record = serde_json::from_value(json).map_err(|e| e.to_string())?;
            Ok((serde_json::to_value(&value).map_err(|e| e.to_string())?, 0))
        },
    }
}
