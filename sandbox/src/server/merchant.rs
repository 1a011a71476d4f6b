//! The merchant API under `/rest/v1`: injected faults first (as a network would fail), then
//! authentication and the rate limit, then the endpoint; every request lands in the journal.

use std::time::Duration;

use axum::http::{HeaderMap, Method, header};
use axum::response::Response;
use paysera_scanpay::callback::form_decode;
use paysera_scanpay::mac::MacHeader;
use paysera_scanpay::models::{ConfirmPrices, OrderRequest, TransactionRequest};
use serde_json::{Value, json};

use super::auth::{authenticate, rate_limit, rate_limited};
use super::scope::Caller;
use super::{Outcome, dropped_response, json_body, json_response, raw_response, to_value};
use crate::JournalEntry;
use crate::faults::FaultKind;
use crate::shared::{Shared, lock};
use crate::state::{ApiFailure, DEFAULT_PAGE, MAX_PAGE, SpotFilter, SpotRef, TxFilter};

/// What an injected fault does after the request was handled.
enum After {
    Nothing,
    Drop,
    Truncate,
    Malformed,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn merchant(
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
        Outcome::ok(json!({"time": shared.peek_world().now()}))
    } else {
        match authenticate(shared, method, headers, path_and_query, body) {
            Err(f) => Outcome::fail(&f),
            Ok(caller) => match rate_limit(shared, &caller.client_id) {
                Some(o) => o,
                None => {
                    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
                    match dispatch(shared, method, &segments, query, body, &caller) {
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
    drop(j);
    shared.changed();
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
    caller: &Caller,
) -> Result<Value, ApiFailure> {
    let m = method.as_str();
    let rest = match segments {
        ["rest", "v1", rest @ ..] => rest,
        _ => return Err(ApiFailure::not_found("No such endpoint")),
    };
    let client = caller.client_id.as_str();
    // The project and location the call acts for, then the resource against them.
    {
        let w = shared.peek_world();
        caller.check(&w)?;
        match rest {
            ["spot", id, ..] => {
                if let Ok(id) = id.parse() {
                    caller.spot(&w, id)?;
                }
            }
            ["transaction", key, ..] => caller.transaction(&w, key)?,
            _ => {}
        }
    }
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
            caller.spots(&mut f)?;
            let page = shared.peek_world().list_spots(&f);
            to_value(&page)
        }
        ("GET", ["spot"]) => {
            let code = parse_query(query)?
                .into_iter()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v)
                .ok_or_else(|| ApiFailure::invalid_parameter("code", "code is required"))?;
            let w = shared.peek_world();
            let id = w.spot_id_for(&SpotRef::Code(code))?;
            to_value(&w.get_spot(id)?)
        }
        ("GET", ["spot", id]) => to_value(&shared.peek_world().get_spot(spot_id(id)?)?),
        ("POST", ["spot", id, "order"]) => {
            let req: OrderRequest = json_body(body)?;
            caller.transaction(&shared.peek_world(), &req.transaction_key)?;
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
            let mut world = shared.world();
            let tx = world.create_transaction(client, &req)?;
            match caller.location_id {
                Some(l) => to_value(&world.bind_location(&tx.transaction_key, l)),
                None => to_value(&tx),
            }
        }
        ("GET", ["transaction", key]) => {
            to_value(&shared.peek_world().get_transaction(client, key)?)
        }
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
            caller.transactions(&mut f)?;
            let page = shared.peek_world().list_transactions(client, &f);
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
