//! The classification every binding follows: [`ErrorKind`], and [`ErrorInfo`], an error as data.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Which class an error belongs to: the one classification every binding follows (Python's and
/// Node's facades map it to their exception class with a plain table). Stable strings.
///
/// An [`Error::Api`](crate::Error::Api) is classified by Paysera's `error` code first, then by
/// HTTP status (401, 404, 409, 429); anything else is plain [`ErrorKind::Api`].
///
/// ```
/// use paysera_scanpay::Error;
/// use paysera_scanpay::error::ErrorKind;
/// assert_eq!(Error::Lifecycle("the client is closed".into()).kind(), ErrorKind::Lifecycle);
/// assert_eq!(ErrorKind::InvalidQr.as_str(), "invalid_qr");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// An API error none of the finer kinds covers.
    Api,
    /// 409 `invalid_state`.
    InvalidState,
    /// 404 `not_found`.
    NotFound,
    /// 401, `unauthorized`, `invalid_timestamp`, `invalid_grant`.
    Authentication,
    /// `invalid_parameters`, `invalid_request`.
    InvalidParameters,
    /// 429 `rate_limit_exceeded`.
    RateLimit,
    Transport,
    Timeout,
    Decode,
    InvalidInput,
    InvalidQr,
    Lifecycle,
    Io,
    Store,
    Internal,
}

impl ErrorKind {
    /// Every kind, for tests that must cover them all.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::Api,
        ErrorKind::InvalidState,
        ErrorKind::NotFound,
        ErrorKind::Authentication,
        ErrorKind::InvalidParameters,
        ErrorKind::RateLimit,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::InvalidInput,
        ErrorKind::InvalidQr,
        ErrorKind::Lifecycle,
        ErrorKind::Io,
        ErrorKind::Store,
        ErrorKind::Internal,
    ];

    /// The stable name (`invalid_state`, `transport`, `invalid_qr`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Api => "api",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Authentication => "authentication",
            ErrorKind::InvalidParameters => "invalid_parameters",
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::InvalidQr => "invalid_qr",
            ErrorKind::Lifecycle => "lifecycle",
            ErrorKind::Io => "io",
            ErrorKind::Store => "store",
            ErrorKind::Internal => "internal",
        }
    }

    /// The `code` of an error of this kind that has no code of its own.
    pub fn default_code(self) -> &'static str {
        match self {
            ErrorKind::Api => "http_error",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Authentication => "unauthorized",
            ErrorKind::InvalidParameters => "invalid_parameters",
            ErrorKind::RateLimit => "rate_limit_exceeded",
            ErrorKind::Transport => "transport_error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode_error",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::InvalidQr => "invalid_qr_code",
            ErrorKind::Lifecycle => "lifecycle_error",
            ErrorKind::Io => "io_error",
            ErrorKind::Store => "store_error",
            ErrorKind::Internal => "internal_error",
        }
    }

    /// The kind of an API error: by Paysera's `error` code, else by HTTP status.
    pub(super) fn of_api(code: &str, status: u16) -> Self {
        match code {
            "invalid_state" => ErrorKind::InvalidState,
            "not_found" => ErrorKind::NotFound,
            "unauthorized" | "invalid_timestamp" | "invalid_grant" => ErrorKind::Authentication,
            "invalid_parameters" | "invalid_request" => ErrorKind::InvalidParameters,
            "rate_limit_exceeded" => ErrorKind::RateLimit,
            _ => match status {
                401 => ErrorKind::Authentication,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::InvalidState,
                429 => ErrorKind::RateLimit,
                _ => ErrorKind::Api,
            },
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a binding needs to build its exception, in one serializable record: the bindings
/// forward it as it is (Python: a dict, Node: JSON) and never classify on their own. Absent fields
/// are `None`; durations are whole milliseconds. No field ever holds a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorInfo {
    pub kind: ErrorKind,
    /// The error's `Display`.
    pub message: String,
    /// See [`Error::code`](crate::Error::code).
    pub code: String,
    /// See [`Error::http_status`](crate::Error::http_status).
    pub status: Option<u16>,
    pub correlation_id: Option<String>,
    /// See [`Error::is_retryable`](crate::Error::is_retryable).
    pub retryable: bool,
    /// See [`Error::outcome_unknown`](crate::Error::outcome_unknown).
    pub outcome_unknown: bool,
    /// `Retry-After`, on 429 and 503.
    pub retry_after_ms: Option<u64>,
    /// The request's method and path (never its headers), when a request was involved.
    pub method: Option<String>,
    pub path: Option<String>,
    /// The timeout that expired, for [`ErrorKind::Timeout`].
    pub timeout_ms: Option<u64>,
    /// Paysera's `error_description`, `error_uri`, `error_properties` and `error_data`.
    pub description: Option<String>,
    pub error_uri: Option<String>,
    pub properties: Option<Map<String, Value>>,
    pub data: Option<Value>,
}

impl ErrorInfo {
    /// A record of `kind` with only a message (and the kind's default code), for errors that
    /// arise in a binding rather than in the core.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorInfo {
            kind,
            message: message.into(),
            code: kind.default_code().to_owned(),
            status: None,
            correlation_id: None,
            retryable: false,
            outcome_unknown: false,
            retry_after_ms: None,
            method: None,
            path: None,
            timeout_ms: None,
            description: None,
            error_uri: None,
            properties: None,
            data: None,
        }
    }
}
