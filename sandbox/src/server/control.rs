//! The control plane under `/_sandbox`: the test plays the customer (scan, confirm, reject),
//! moves the clock, injects faults and reads the journal. No MAC: it is not Paysera's API. On
//! loopback it is open; bound beyond loopback it can confirm payments for anyone on the network,
//! so it requires the sandbox's token.

use axum::http::{HeaderMap, Method, header};
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

/// `None` when the request may use the control plane: no token is required, or it carries the
/// token as `Authorization: Bearer`, `X-Sandbox-Token`, `?token=` (for links in a browser) or the
/// dashboard's cookie (set when a page was opened with `?token=`).
pub(super) fn refuse_without_token(
    shared: &Shared,
    headers: &HeaderMap,
    query: &str,
) -> Option<Outcome> {
    let expected = shared.token.as_deref()?;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let custom = headers.get("x-sandbox-token").and_then(|v| v.to_str().ok());
    let in_query = query.split('&').find_map(|p| p.strip_prefix("token="));
    let cookie = crate::dashboard::token_cookie(headers);
    let given = [bearer, custom, in_query, cookie];
    if given
        .iter()
        .flatten()
        .any(|t| same_secret(t.trim().as_bytes(), expected.as_bytes()))
    {
        return None;
    }
    let why = if given.iter().all(Option::is_none) {
        "This sandbox listens beyond loopback: its control plane needs the token it printed at \
         start, as the header `Authorization: Bearer <token>` or `X-Sandbox-Token: <token>`, or \
         `?token=<token>`"
    } else {
        "The sandbox token is wrong: use the token the sandbox printed at start"
    };
    Some(Outcome::fail(&ApiFailure::new(401, "unauthorized", why)))
}

/// Compares in time independent of where the first difference is.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// What `GET /_sandbox/` answers: where things are and what the control plane offers.
fn index(shared: &Shared) -> Value {
    let base = &shared.base_url;
    let endpoints: Vec<Value> = ENDPOINTS
        .iter()
        .map(|(method, path, what)| json!({"method": method, "path": path, "does": what}))
        .collect();
    json!({
        "sandbox": "paysera-sandbox",
        "version": env!("CARGO_PKG_VERSION"),
        "merchant_api": format!("{base}/rest/v1/"),
        "public_key": format!("{base}/publickey"),
        "token_required": shared.token.is_some(),
        "control_plane": endpoints,
    })
}

const ENDPOINTS: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/_sandbox/",
        "the dashboard in a browser (Accept: text/html); this index otherwise",
    ),
    ("GET", "/_sandbox/index.json", "this index"),
    (
        "GET",
        "/_sandbox/phone/{spot_id}",
        "the customer's phone page for a spot",
    ),
    (
        "GET",
        "/_sandbox/events",
        "Server-Sent Events: a snapshot, then coalesced changes (?spot= for one spot)",
    ),
    (
        "GET",
        "/_sandbox/qr.svg?location_id=1&identifier=table1",
        "a spot's QR code",
    ),
    (
        "POST",
        "/_sandbox/locations",
        "create or update a location: {\"location_id\":1,\"title\":\"Café\"}",
    ),
    (
        "POST",
        "/_sandbox/spots",
        "create a spot: {\"location_id\":1,\"identifier\":\"table1\"}",
    ),
    ("GET", "/_sandbox/spots", "every spot"),
    (
        "POST",
        "/_sandbox/scan",
        "a customer scans: {\"spot_id\":1} or {\"code\":\"PAYSERA*1:table1\"}",
    ),
    ("GET", "/_sandbox/transactions", "every transaction"),
    (
        "POST",
        "/_sandbox/transactions/{key}/confirm",
        "the customer confirms (also reject, expire)",
    ),
    (
        "PUT",
        "/_sandbox/autopilot",
        "\"confirm\", \"reject\" or null",
    ),
    ("GET", "/_sandbox/clock", "the sandbox time"),
    (
        "POST",
        "/_sandbox/clock/advance",
        "move the clock: {\"seconds\":3600}",
    ),
    (
        "GET",
        "/_sandbox/requests",
        "the journal of merchant API requests",
    ),
    ("GET", "/_sandbox/callbacks", "callbacks sent"),
    (
        "POST",
        "/_sandbox/faults",
        "inject a fault: {\"kind\":\"error\",\"status\":503}",
    ),
    ("DELETE", "/_sandbox/faults", "clear the faults"),
    (
        "PUT",
        "/_sandbox/rate-limit",
        "{\"requests\":60,\"per_seconds\":60}",
    ),
    ("DELETE", "/_sandbox/rate-limit", "lift the rate limit"),
    ("POST", "/_sandbox/reset", "forget everything"),
];

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
        ("GET", [""] | ["index.json"]) => index(shared),
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
            shared.changed();
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
