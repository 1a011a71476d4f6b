//! The HTTP face of the sandbox: MAC authentication, fault injection, the journal, the merchant
//! API under `/rest/v1` and the control plane under `/_sandbox`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use paysera_scanpay::callback::form_decode;
use paysera_scanpay::mac::{MacHeader, body_hash, form_urlencode, normalized_string, verify_mac};
use paysera_scanpay::models::{
    ConfirmPrices, OrderRequest, PlaceInfo, TransactionRequest, from_php_json,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::FaultKind;
use crate::state::{ApiFailure, DEFAULT_PAGE, MAX_PAGE, SpotFilter, SpotRef, TxFilter};
use crate::{FaultRule, JournalEntry, RateLimit, Shared, lock};

const MAX_BODY: usize = 1 << 20;
/// Exactly this, no `;charset=utf-8`: Paysera's PHP library decodes a body as JSON only when the
/// header equals `application/json`, and would hand its callers a string otherwise.
const JSON: &str = "application/json";
static CORRELATION: AtomicU64 = AtomicU64::new(1);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

struct Outcome {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

impl Outcome {
    fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }
    fn fail(f: &ApiFailure) -> Self {
        Self {
            status: f.status,
            body: f.body(),
            headers: Vec::new(),
        }
    }
}

fn json_response(o: &Outcome, correlation_id: &str) -> Response {
    let mut resp = Response::new(Body::from(o.body.to_string()));
    *resp.status_mut() =
        StatusCode::from_u16(o.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(v) = HeaderValue::from_str(correlation_id) {
        h.insert("paysera-correlation-id", v);
    }
    for (k, v) in &o.headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    resp
}

/// A response whose body fails at once: the client sees the connection die without a usable
/// answer.
fn dropped_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox fault: connection dropped"))
    });
    Response::new(Body::from_stream(stream))
}

fn raw_response(status: u16, body: String, correlation_id: &str) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(v) = HeaderValue::from_str(correlation_id) {
        resp.headers_mut().insert("paysera-correlation-id", v);
    }
    resp
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let correlation_id = format!("sandbox-{:08}", CORRELATION.fetch_add(1, Ordering::Relaxed));
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let f = ApiFailure::new(400, "invalid_request", "Request body is larger than 1 MiB");
            return json_response(&Outcome::fail(&f), &correlation_id);
        }
    };
    let path = parts.uri.path().to_owned();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let query = parts.uri.query().unwrap_or("").to_owned();
    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        let o = control(&shared, &parts.method, &path, &query, &body);
        return json_response(&o, &correlation_id);
    }
    if parts.method == Method::GET && path == "/publickey" {
        let mut resp = Response::new(Body::from(crate::CALLBACK_PUBLIC_KEY));
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return resp;
    }
    merchant(
        &shared,
        &parts.method,
        &parts.headers,
        &path,
        &path_and_query,
        &query,
        &body,
        correlation_id,
    )
    .await
}

/// What an injected fault does after the request was handled.
enum After {
    Nothing,
    Drop,
    Truncate,
    Malformed,
}

#[allow(clippy::too_many_arguments)]
async fn merchant(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    path: &str,
    path_and_query: &str,
    query: &str,
    body: &[u8],
    correlation_id: String,
) -> Response {
    let mut entry = JournalEntry {
        seq: 0,
        method: method.to_string(),
        path: path_and_query.to_owned(),
        client_id: None,
        ts: None,
        nonce: None,
        ext: None,
        status: 0,
        error: None,
        fault: None,
        correlation_id: correlation_id.clone(),
    };
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| MacHeader::parse(v).ok())
    {
        entry.client_id = Some(auth.id);
        entry.ts = Some(auth.ts);
        entry.nonce = Some(auth.nonce);
        entry.ext = auth.ext;
    }

    // Faults come first: a real network or gateway fails before Paysera sees anything.
    let fault = {
        let mut rules = lock(&shared.faults);
        let hit = rules
            .iter_mut()
            .find_map(|r| r.hits(method.as_str(), path).then(|| r.rule.fault.clone()));
        rules.retain(|r| !r.exhausted());
        hit
    };
    let mut after = After::Nothing;
    if let Some(f) = &fault {
        entry.fault = Some(fault_name(f).to_owned());
        match f {
            FaultKind::Delay { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            FaultKind::Error {
                status,
                code,
                description,
            } => {
                let body = json!({
                    "error": code,
                    "error_description": description.clone().unwrap_or_else(|| "Injected by the sandbox".to_owned()),
                });
                let o = Outcome {
                    status: *status,
                    body,
                    headers: Vec::new(),
                };
                return finish(shared, entry, &o, &correlation_id, After::Nothing);
            }
            FaultKind::RateLimit { retry_after } => {
                let o = rate_limited(*retry_after);
                return finish(shared, entry, &o, &correlation_id, After::Nothing);
            }
            FaultKind::Drop => {
                entry.status = 0;
                journal(shared, entry);
                return dropped_response();
            }
            FaultKind::ApplyThenDrop => after = After::Drop,
            FaultKind::Truncate => after = After::Truncate,
            FaultKind::Malformed => after = After::Malformed,
        }
    }

    let outcome = if *method == Method::GET && path == "/rest/v1/server" {
        Outcome::ok(json!({"time": shared.world().now()}))
    } else {
        match authenticate(shared, method, headers, path_and_query, body) {
            Err(f) => Outcome::fail(&f),
            Ok(client_id) => match rate_limit(shared, &client_id) {
                Some(o) => o,
                None => {
                    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                    match dispatch(shared, method, &segments, query, body, &client_id) {
                        Ok(v) => Outcome::ok(v),
                        Err(f) => Outcome::fail(&f),
                    }
                }
            },
        }
    };
    finish(shared, entry, &outcome, &correlation_id, after)
}

fn finish(
    shared: &Shared,
    mut entry: JournalEntry,
    o: &Outcome,
    correlation_id: &str,
    after: After,
) -> Response {
    entry.status = o.status;
    entry.error = o
        .body
        .get("error")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let response = match after {
        After::Nothing => json_response(o, correlation_id),
        After::Drop => {
            entry.status = 0;
            dropped_response()
        }
        After::Truncate => {
            let text = o.body.to_string();
            let cut = text.len() / 2;
            let cut = (0..=cut)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            raw_response(o.status, text[..cut].to_owned(), correlation_id)
        }
        After::Malformed => raw_response(
            o.status,
            "<html><body>502 Bad Gateway</body></html>".to_owned(),
            correlation_id,
        ),
    };
    journal(shared, entry);
    response
}

fn journal(shared: &Shared, mut entry: JournalEntry) {
    let mut j = lock(&shared.journal);
    entry.seq = j.len() as u64 + 1;
    j.push(entry);
}

fn fault_name(f: &FaultKind) -> &'static str {
    match f {
        FaultKind::Error { .. } => "error",
        FaultKind::RateLimit { .. } => "rate_limit",
        FaultKind::Delay { .. } => "delay",
        FaultKind::Drop => "drop",
        FaultKind::ApplyThenDrop => "apply_then_drop",
        FaultKind::Truncate => "truncate",
        FaultKind::Malformed => "malformed",
    }
}

fn rate_limited(retry_after: u64) -> Outcome {
    Outcome {
        status: 429,
        body: json!({"error": "rate_limit_exceeded", "error_description": "Too many requests"}),
        headers: vec![("retry-after", retry_after.to_string())],
    }
}

fn rate_limit(shared: &Shared, client_id: &str) -> Option<Outcome> {
    let now = shared.world().now();
    let mut guard = lock(&shared.rate_limit);
    let (limit, windows) = guard.as_mut()?;
    let RateLimit {
        requests,
        per_seconds,
    } = *limit;
    let per = i64::from(per_seconds);
    let slot = windows.entry(client_id.to_owned()).or_insert((now, 0));
    if now >= slot.0 + per {
        *slot = (now - (now - slot.0) % per, 0);
    }
    if slot.1 >= requests {
        let wait = (slot.0 + per - now).max(1) as u64;
        return Some(rate_limited(wait));
    }
    slot.1 += 1;
    None
}

/// Checks the MAC the way Paysera does; returns the client id.
fn authenticate(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    path_and_query: &str,
    body: &[u8],
) -> Result<String, ApiFailure> {
    let unauthorized = |why: &str| ApiFailure::new(401, "unauthorized", why);
    let raw = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("Authorization header with a MAC is required"))?
        .to_str()
        .map_err(|_| unauthorized("Authorization header is not ASCII"))?;
    let mac = MacHeader::parse(raw).map_err(|e| unauthorized(&e))?;
    let creds = shared
        .clients
        .get(&mac.id)
        .ok_or_else(|| unauthorized("Unknown client id"))?;
    let ts: i64 = mac
        .ts
        .parse()
        .map_err(|_| unauthorized("ts must be Unix time in seconds"))?;
    let now = shared.world().now();
    if ts > now + shared.window {
        return Err(ApiFailure::new(
            401,
            "invalid_timestamp",
            "Timestamp is in future",
        ));
    }
    if ts < now - shared.window {
        return Err(ApiFailure::new(
            401,
            "invalid_timestamp",
            "Timestamp lifetime exceeded",
        ));
    }
    let ext = mac.ext.clone().unwrap_or_default();
    let claimed_hash = ext.split('&').find_map(|p| p.strip_prefix("body_hash="));
    match (body.is_empty(), claimed_hash) {
        (true, Some(_)) => return Err(unauthorized("body_hash given for an empty body")),
        (false, None) => {
            return Err(unauthorized(
                "body_hash is required for a request with a body",
            ));
        }
        (false, Some(h)) if h != form_urlencode(&body_hash(body)) => {
            return Err(unauthorized("body_hash does not match the request body"));
        }
        _ => {}
    }
    let host_header = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| unauthorized("Host header is required"))?;
    let (host, port) = split_host(host_header);
    // Without an explicit port the client may have signed 80 (plain HTTP) or 443 (HTTPS ended
    // by a proxy in front of the sandbox, as in Paysera's own guide examples).
    let ports: &[u16] = match port {
        Some(p) => &[p][..],
        None => &[80, 443],
    };
    let signed = ports.iter().any(|port| {
        let normalized = normalized_string(
            ts,
            &mac.nonce,
            method.as_str(),
            path_and_query,
            &host,
            *port,
            &ext,
        );
        verify_mac(creds, &normalized, &mac.mac)
    });
    if !signed {
        return Err(unauthorized("MAC does not match the request"));
    }
    if !lock(&shared.nonces).check_and_insert(
        (mac.id.clone(), mac.nonce.clone()),
        now,
        shared.window,
    ) {
        return Err(unauthorized("Nonce was already used"));
    }
    Ok(mac.id)
}

fn split_host(h: &str) -> (String, Option<u16>) {
    let lower = h.to_ascii_lowercase();
    if let Some(end) = lower.rfind(']') {
        let (host, rest) = lower.split_at(end + 1);
        let port = rest.strip_prefix(':').and_then(|p| p.parse().ok());
        return (host.to_owned(), port);
    }
    match lower.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse().ok()),
        None => (lower, None),
    }
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, ApiFailure> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            form_decode(s.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiFailure::new(
                        400,
                        "invalid_request",
                        format!("Bad query encoding in {pair:?}"),
                    )
                })
        };
        out.push((decode(k)?, decode(v)?));
    }
    Ok(out)
}

fn num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ApiFailure> {
    v.parse()
        .map_err(|_| ApiFailure::invalid_parameter(name, format!("{v:?} is not a valid number")))
}

fn page(name: &str, v: &str) -> Result<u32, ApiFailure> {
    let n: u32 = num(name, v)?;
    if !(1..=MAX_PAGE).contains(&n) {
        return Err(ApiFailure::invalid_parameter(
            name,
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok(n)
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    if body.is_empty() {
        return Err(ApiFailure::new(
            400,
            "invalid_request",
            "A JSON body is required",
        ));
    }
    // PHP writes an empty map as `[]`: the PHP library's confirmTransaction($key) sends exactly
    // that.
    from_php_json(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiFailure::invalid_parameter("body", e.to_string()),
        _ => ApiFailure::new(400, "invalid_request", format!("Malformed JSON: {e}")),
    })
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn spot_id(s: &str) -> Result<u64, ApiFailure> {
    s.parse()
        .map_err(|_| ApiFailure::not_found(format!("Spot {s:?} not found")))
}

fn dispatch(
    shared: &Shared,
    method: &Method,
    segments: &[&str],
    query: &str,
    body: &[u8],
    client: &str,
) -> Result<Value, ApiFailure> {
    let m = method.as_str();
    let rest = match segments {
        ["rest", "v1", rest @ ..] => rest,
        _ => return Err(ApiFailure::not_found("No such endpoint")),
    };
    let value = match (m, rest) {
        ("GET", ["spots"]) => {
            let mut f = SpotFilter {
                limit: DEFAULT_PAGE,
                ..Default::default()
            };
            for (k, v) in parse_query(query)? {
                match k.as_str() {
                    "status" => f.status = Some(v),
                    "location_id" => f.location_id = Some(num(&k, &v)?),
                    "limit" => f.limit = page(&k, &v)?,
                    "offset" => f.offset = num(&k, &v)?,
                    _ => {}
                }
            }
            let page = shared.world().list_spots(&f);
            to_value(&page)
        }
        ("GET", ["spot"]) => {
            let code = parse_query(query)?
                .into_iter()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v)
                .ok_or_else(|| ApiFailure::invalid_parameter("code", "code is required"))?;
            let w = shared.world();
            let id = w.spot_id_for(&SpotRef::Code(code))?;
            to_value(&w.get_spot(id)?)
        }
        ("GET", ["spot", id]) => to_value(&shared.world().get_spot(spot_id(id)?)?),
        ("POST", ["spot", id, "order"]) => {
            let req: OrderRequest = json_body(body)?;
            let (order, callbacks) = shared.world().create_order(client, spot_id(id)?, &req)?;
            shared.deliver(callbacks);
            to_value(&order)
        }
        ("PUT", ["spot", id, "close"]) => to_value(&shared.world().close_spot(spot_id(id)?)?),
        ("DELETE", ["spot", id]) => to_value(&shared.world().close_spot(spot_id(id)?)?),
        ("PUT", ["spot", id, "check-in"]) => {
            to_value(&shared.world().scan(&SpotRef::Id(spot_id(id)?), None)?)
        }
        ("POST", ["transaction"]) => {
            let req: TransactionRequest = json_body(body)?;
            to_value(&shared.world().create_transaction(client, &req)?)
        }
        ("GET", ["transaction", key]) => to_value(&shared.world().get_transaction(client, key)?),
        ("DELETE", ["transaction", key]) => {
            to_value(&shared.world().revoke_transaction(client, key)?)
        }
        ("PUT", ["transaction", key, "confirm"]) => {
            let prices: Option<ConfirmPrices> = if body.is_empty() {
                None
            } else {
                Some(json_body(body)?)
            };
            to_value(
                &shared
                    .world()
                    .confirm_transaction(client, key, prices.as_ref())?,
            )
        }
        ("GET", ["transactions"]) => {
            let mut f = TxFilter {
                limit: DEFAULT_PAGE,
                ..Default::default()
            };
            for (k, v) in parse_query(query)? {
                match k.as_str() {
                    "status" => {
                        f.statuses = v
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    }
                    "wallet" => f.wallet = Some(num(&k, &v)?),
                    "from" => f.from = Some(num(&k, &v)?),
                    "to" => f.to = Some(num(&k, &v)?),
                    "limit" => f.limit = page(&k, &v)?,
                    "offset" => f.offset = num(&k, &v)?,
                    "project_id" => f.project_id = Some(num(&k, &v)?),
                    "location_id" => f.location_id = Some(num(&k, &v)?),
                    _ => {}
                }
            }
            let page = shared.world().list_transactions(client, &f);
            to_value(&page)
        }
        _ => {
            return Err(ApiFailure::not_found(format!(
                "No endpoint {m} /{}",
                segments.join("/")
            )));
        }
    };
    Ok(value)
}

// ---- control plane -----------------------------------------------------------------------------

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

fn control(shared: &Shared, method: &Method, path: &str, _query: &str, body: &[u8]) -> Outcome {
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
            shared.world().autopilot = json_body::<Option<crate::state::Autopilot>>(body)?;
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
