//! The HTTP face of the sandbox: one fallback handler that sends `/_sandbox/...` to the control
//! plane (`control`), serves `/publickey`, and runs everything else through the merchant API
//! pipeline (`merchant`: faults, MAC authentication from `auth`, rate limit, journal).

mod auth;
mod control;
mod merchant;
mod scope;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use paysera_scanpay::models::from_php_json;
use serde_json::Value;

use crate::shared::Shared;
use crate::state::ApiFailure;

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
        if let Some(refused) = control::refuse_without_token(&shared, &parts.headers, &query) {
            return json_response(&refused, &correlation_id);
        }
        if let Some(page) = crate::dashboard::serve(&shared, &parts, &path, &query) {
            return page;
        }
        let o = control::control(&shared, &parts.method, &path, &query, &body);
        return json_response(&o, &correlation_id);
    }
    if parts.method == Method::GET && path == "/publickey" {
        let mut resp = Response::new(Body::from(crate::CALLBACK_PUBLIC_KEY));
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return resp;
    }
    merchant::merchant(
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
