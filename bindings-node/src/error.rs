//! Core errors cross to JavaScript as one napi error whose message is a marked JSON envelope;
//! the facade (`ts/errors.ts`) turns it into the matching `PayseraError` subclass. Every field
//! comes from the core error's accessors, whose Display never holds a secret.

use paysera_scanpay::Error;
use serde_json::{Value, json};

/// Prefix of an envelope message; keep in sync with `ts/errors.ts`.
pub const MARK: &str = "\u{1}paysera-scanpay:";

fn envelope(v: Value) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{MARK}{v}"))
}

/// Maps a core error.
pub fn core(e: Error) -> napi::Error {
    let kind = match &e {
        Error::Api(_) => "api",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::Decode { .. } => "decode",
        _ => "invalid_input",
    };
    let api = e.api();
    envelope(json!({
        "kind": kind,
        "message": e.to_string(),
        "code": e.code(),
        "statusCode": e.http_status(),
        "correlationId": e.correlation_id(),
        "description": api.and_then(|a| a.description.clone()),
        "properties": api.and_then(|a| a.properties.clone()),
        "method": api.map(|a| a.method.clone()),
        "path": api.map(|a| a.path.clone()),
        "retryable": e.is_retryable(),
        "outcomeUnknown": e.outcome_unknown(),
        "retryAfterMs": e.retry_after().map(|d| d.as_millis() as u64),
    }))
}

/// A QR code that is not valid.
pub fn qr(e: paysera_scanpay::QrError) -> napi::Error {
    envelope(json!({"kind": "qr", "code": "invalid_qr_code", "message": e.reason()}))
}

/// Bad arguments detected while converting them (nothing was sent).
pub fn invalid_input(message: impl Into<String>) -> napi::Error {
    envelope(json!({"kind": "invalid_input", "code": "invalid_input", "message": message.into()}))
}

/// The call's `AbortSignal` fired; the facade rejects with `signal.reason` instead.
pub fn aborted() -> napi::Error {
    envelope(json!({"kind": "aborted", "code": "aborted", "message": "the operation was aborted"}))
}

/// A sandbox operation refused the way Paysera would refuse it.
pub fn sandbox(e: paysera_sandbox::ApiFailure) -> napi::Error {
    envelope(json!({
        "kind": "api",
        "message": e.to_string(),
        "code": e.code,
        "statusCode": e.status,
        "description": e.description,
        "properties": e.properties,
        "retryable": false,
        "outcomeUnknown": false,
    }))
}

/// A value the core decoded that JavaScript cannot hold exactly.
pub fn decode(message: String) -> napi::Error {
    envelope(json!({
        "kind": "decode", "code": "decode_error", "message": message,
        "retryable": false, "outcomeUnknown": true,
    }))
}
