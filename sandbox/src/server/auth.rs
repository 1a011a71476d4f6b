//! Who may call the merchant API: the MAC check exactly as Paysera performs it (timestamp
//! window, body hash, host and port, nonce reuse), and the sandbox's per-client rate limit.

use axum::http::{HeaderMap, Method, header};
use paysera_scanpay::mac::{MacHeader, body_hash, form_urlencode, normalized_string, verify_mac};
use serde_json::json;

use super::Outcome;
use super::scope::Caller;
use crate::RateLimit;
use crate::shared::{Shared, lock};
use crate::state::ApiFailure;

pub(super) fn rate_limited(retry_after: u64) -> Outcome {
    Outcome {
        status: 429,
        body: json!({"error": "rate_limit_exceeded", "error_description": "Too many requests"}),
        headers: vec![("retry-after", retry_after.to_string())],
    }
}

pub(super) fn rate_limit(shared: &Shared, client_id: &str) -> Option<Outcome> {
    let now = shared.peek_world().now();
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

/// Checks the MAC the way Paysera does; returns the client id with the project and location
/// the call acts for (ext parameters).
pub(super) fn authenticate(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    path_and_query: &str,
    body: &[u8],
) -> Result<Caller, ApiFailure> {
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
    let now = shared.peek_world().now();
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
    Caller::new(mac.id, &ext)
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
