//! The control plane under `/_sandbox`: the test plays the customer (scan, confirm, reject),
//! moves the clock, injects faults and reads the journal. No MAC: it is not Paysera's API.

use axum::http::Method;
use paysera_scanpay::models::PlaceInfo;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Outcome, json_body, to_value};
use crate::shared::{Shared, lock};
use crate::state::{ApiFailure, Autopilot, SpotRef};
use crate::{FaultRule, RateLimit};

#[derive(Deserialize)]
struct SpotSpec {
    location_id: u64,
    identifier: String,
    #[serde(flatten)]
    place: PlaceInfo,
}

#[derive(Deserialize)]
struct LocationSpec {
    location_id: u64,
    #[serde(flatten)]
    place: PlaceInfo,
}

#[derive(Deserialize, Default)]
struct ScanSpec {
    spot_id: Option<u64>,
    code: Option<String>,
    user_id: Option<u64>,
}

#[derive(Deserialize, Default)]
struct ConfirmSpec {
    wallet: Option<u64>,
}

#[derive(Deserialize)]
struct AdvanceSpec {
    seconds: i64,
}

fn control_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiFailure> {
    if body.is_empty() {
        Ok(T::default())
    } else {
        json_body(body)
    }
}

pub(super) fn control(
    shared: &Shared,
    method: &Method,
    path: &str,
    _query: &str,
    body: &[u8],
) -> Outcome {
    match control_inner(shared, method, path, body) {
        Ok(v) => Outcome::ok(v),
        Err(f) => Outcome::fail(&f),
    }
}

fn control_inner(
    shared: &Shared,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Result<Value, ApiFailure> {
    let segments: Vec<&str> = path
        .trim_start_matches("/_sandbox")
        .trim_matches('/')
        .split('/')
        .collect();
    let ok = json!({"ok": true});
    Ok(match (method.as_str(), segments.as_slice()) {
        ("POST", ["locations"]) => {
            let spec: LocationSpec = json_body(body)?;
            to_value(&shared.world().upsert_location(spec.location_id, spec.place))
        }
        ("POST", ["spots"]) => {
            let spec: SpotSpec = json_body(body)?;
            to_value(
                &shared
                    .world()
                    .create_spot(spec.location_id, &spec.identifier, spec.place)?,
            )
        }
        ("GET", ["spots"]) => to_value(&shared.world().all_spots()),
        ("POST", ["scan"]) => {
            let spec: ScanSpec = json_body(body)?;
            let spot = match (spec.spot_id, spec.code) {
                (Some(id), None) => SpotRef::Id(id),
                (None, Some(code)) => SpotRef::Code(code),
                _ => {
                    return Err(ApiFailure::invalid_parameter(
                        "spot_id",
                        "give exactly one of spot_id and code",
                    ));
                }
            };
            to_value(&shared.world().scan(&spot, spec.user_id)?)
        }
        ("GET", ["transactions"]) => to_value(&shared.world().all_transactions()),
        ("POST", ["transactions", key, action]) => {
            let result = match *action {
                "confirm" => {
                    let spec: ConfirmSpec = control_body(body)?;
                    shared.world().customer_confirm(key, spec.wallet)
                }
                "reject" => shared.world().customer_reject(key),
                "expire" => shared.world().expire(key),
                other => {
                    return Err(ApiFailure::not_found(format!(
                        "No customer action {other:?}; use confirm, reject or expire"
                    )));
                }
            };
            let (tx, cbs) = result?;
            shared.deliver(cbs);
            to_value(&tx)
        }
        ("POST", ["clock", "advance"]) => {
            let spec: AdvanceSpec = json_body(body)?;
            json!({"time": shared.world().advance_clock(spec.seconds)?})
        }
        ("GET", ["clock"]) => json!({"time": shared.world().now()}),
        ("POST", ["reset"]) => {
            shared.reset();
            ok
        }
        ("GET", ["requests"]) => to_value(&*lock(&shared.journal)),
        ("GET", ["callbacks"]) => to_value(&*lock(&shared.callbacks)),
        ("POST", ["faults"]) => {
            shared.inject_fault(json_body::<FaultRule>(body)?)?;
            ok
        }
        ("DELETE", ["faults"]) => {
            lock(&shared.faults).clear();
            ok
        }
        ("PUT", ["rate-limit"]) => {
            shared.set_rate_limit(Some(json_body::<RateLimit>(body)?))?;
            ok
        }
        ("PUT", ["autopilot"]) => {
            shared.world().autopilot = json_body::<Option<Autopilot>>(body)?;
            ok
        }
        ("DELETE", ["rate-limit"]) => {
            shared.set_rate_limit(None)?;
            ok
        }
        _ => {
            return Err(ApiFailure::not_found(format!(
                "No control endpoint {method} {path}"
            )));
        }
    })
}
