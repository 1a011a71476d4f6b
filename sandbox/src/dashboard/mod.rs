//! The sandbox's own web pages under `/_sandbox/`: the dashboard (every spot with its QR code and
//! live state, the customer's actions, autopilot, faults, journal, callbacks, clock) and a
//! "customer phone" page per spot. Plain HTML, CSS and JavaScript embedded in the binary: no
//! build step, no CDN, works offline. Live updates come from one Server-Sent Events stream
//! (`events`); every action goes through the JSON control plane, like any other client's.
//!
//! The token check has already run when `serve` is called: a page opened with `?token=` gets the
//! token back as an `HttpOnly` cookie, so its scripts, images and event stream need nothing more.

mod events;
mod view;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::Response;
use paysera_scanpay::qr::QrCode;

use crate::shared::Shared;

const COOKIE: &str = "paysera_sandbox_token";

/// Scripts and styles only from the sandbox itself, no inline script, nothing framed, no form
/// posted elsewhere; data: images for nothing but the favicon.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "dashboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/dashboard.js"),
    },
    Asset {
        name: "panels.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/panels.js"),
    },
    Asset {
        name: "common.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/common.js"),
    },
    Asset {
        name: "phone.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/phone.js"),
    },
    Asset {
        name: "sandbox.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/sandbox.css"),
    },
];

const DASHBOARD_HTML: &str = include_str!("assets/dashboard.html");
const PHONE_HTML: &str = include_str!("assets/phone.html");

/// The dashboard's cookie, when the request carries one.
pub(crate) fn token_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// Answers the routes of the pages, their assets, QR codes and the event stream; `None` for the
/// JSON control plane (including `GET /_sandbox/` asked for anything but HTML).
pub(crate) fn serve(
    shared: &Arc<Shared>,
    parts: &Parts,
    path: &str,
    query: &str,
) -> Option<Response> {
    if parts.method != Method::GET {
        return None;
    }
    let rest = path.trim_start_matches("/_sandbox");
    let page = |html: &'static str| Some(html_page(shared, html, query));
    match rest
        .trim_start_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        [""] if wants_html(&parts.headers) => page(DASHBOARD_HTML),
        ["phone", id] if id.parse::<u64>().is_ok() => page(PHONE_HTML),
        ["assets", name] => Some(asset(name)),
        ["qr.svg"] => Some(qr_svg(query)),
        ["events"] => Some(events::stream(shared.clone(), query)),
        _ => None,
    }
}

/// Browsers ask for `text/html` first; API clients (`curl`, `fetch`, the bindings) do not.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn secure_headers(resp: &mut Response, content_type: &'static str) {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

fn html_page(shared: &Shared, html: &'static str, query: &str) -> Response {
    let mut resp = Response::new(Body::from(html));
    secure_headers(&mut resp, "text/html; charset=utf-8");
    // Opened with ?token= (the printed dashboard URL, a phone link): remember it for the page's
    // own requests. The check before this one made sure it is the right token.
    if let Some(token) = shared.token.as_deref()
        && query
            .split('&')
            .any(|p| p.strip_prefix("token=") == Some(token))
    {
        let cookie = format!("{COOKIE}={token}; Path=/_sandbox; HttpOnly; SameSite=Strict");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    resp
}

fn asset(name: &str) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => {
            let mut resp = Response::new(Body::from(a.body));
            secure_headers(&mut resp, a.content_type);
            resp
        }
        None => plain(StatusCode::NOT_FOUND, format!("No asset {name:?}")),
    }
}

/// `qr.svg?location_id=1&identifier=table1`: the spot's code, rendered by the core.
fn qr_svg(query: &str) -> Response {
    let param = |name: &str| {
        query.split('&').find_map(|p| {
            let value = p.strip_prefix(name)?.strip_prefix('=')?;
            let bytes = paysera_scanpay::callback::form_decode(value.as_bytes()).ok()?;
            String::from_utf8(bytes).ok()
        })
    };
    let location = param("location_id").and_then(|l| l.parse::<u64>().ok());
    let (Some(location), Some(identifier)) = (location, param("identifier")) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "qr.svg needs ?location_id=<number>&identifier=<text>".to_owned(),
        );
    };
    match QrCode::spot(location, identifier).and_then(|code| code.to_svg()) {
        Ok(svg) => {
            let mut resp = Response::new(Body::from(svg));
            secure_headers(&mut resp, "image/svg+xml");
            // The image depends only on the URL: cache it, 1,000 spots are 1,000 images.
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400, immutable"),
            );
            resp
        }
        Err(e) => plain(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

fn plain(status: StatusCode, text: String) -> Response {
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = status;
    secure_headers(&mut resp, "text/plain; charset=utf-8");
    resp
}
