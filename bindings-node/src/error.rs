//! Core errors cross to JavaScript as one napi error whose message is a marked JSON envelope:
//! the core's `ErrorInfo` (kind, message, code and fields) as it is. The facade (`ts/errors.ts`)
//! picks the `PayseraError` subclass from `kind` with a table. Every field comes from the core,
//! whose error texts never hold a secret.

use napi_derive::napi;
use paysera_scanpay::Error;
use paysera_scanpay::error::{ErrorInfo, ErrorKind};
use serde_json::json;

/// Prefix of an envelope message; keep in sync with `ts/errors.ts`.
pub const MARK: &str = "\u{1}paysera-scanpay:";

/// The one place core errors cross to JavaScript.
pub fn forward(info: &ErrorInfo) -> napi::Error {
    let text = serde_json::to_string(info).unwrap_or_else(|e| {
        json!({"kind": "internal", "code": "internal_error", "message": e.to_string()}).to_string()
    });
    napi::Error::new(napi::Status::GenericFailure, format!("{MARK}{text}"))
}

/// Maps a core error.
pub fn core(e: Error) -> napi::Error {
    forward(&e.info())
}

/// A QR code that is not valid.
pub fn qr(e: paysera_scanpay::QrError) -> napi::Error {
    core(e.into())
}

/// Bad arguments detected while converting them (nothing was sent).
pub fn invalid_input(message: impl Into<String>) -> napi::Error {
    core(Error::InvalidInput(message.into()))
}

/// The object cannot do this now (stopped sandbox, cashier already running).
pub fn lifecycle(message: impl Into<String>) -> napi::Error {
    core(Error::Lifecycle(message.into()))
}

/// The call's `AbortSignal` fired; the facade rejects with `signal.reason` instead. Not a
/// `PayseraError`, so not a core kind.
pub fn aborted() -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        format!(
            r#"{MARK}{{"kind":"aborted","code":"aborted","message":"the operation was aborted"}}"#
        ),
    )
}

/// A sandbox operation refused the way Paysera would refuse it.
pub fn sandbox(e: paysera_sandbox::ApiFailure) -> napi::Error {
    core(Error::refused(
        e.status,
        e.code,
        e.description,
        e.properties,
    ))
}

/// A value the core decoded that JavaScript cannot hold exactly.
pub fn decode(message: String) -> napi::Error {
    forward(&ErrorInfo {
        outcome_unknown: true,
        ..ErrorInfo::new(ErrorKind::Decode, message)
    })
}

/// Throws the error the core error described by `record` (JSON, see `Error::from_record`)
/// becomes; the error-contract tests (`tests/data/errors.json`) run every kind through
/// [`forward`] with it.
#[napi(js_name = "errorForTest")]
pub fn error_for_test(record: String) -> napi::Result<()> {
    Err(match Error::from_record(&record) {
        Ok(e) => core(e),
        Err(message) => napi::Error::new(napi::Status::InvalidArg, message),
    })
}
