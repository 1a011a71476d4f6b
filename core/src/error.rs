//! One error type for the whole crate. No variant ever holds a secret: requests are described by
//! method and path only, never by headers.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Paysera error response (or a non-2xx response without Paysera's error body).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// Paysera's `error` code (`invalid_state`, `not_found`, ...), or one derived from the HTTP
    /// status when the body was not Paysera's error envelope.
    pub code: String,
    pub description: Option<String>,
    pub uri: Option<String>,
    /// `error_properties`: for `invalid_parameters`, which fields were wrong.
    pub properties: Option<Map<String, Value>>,
    pub data: Option<Value>,
    /// The `paysera-correlation-id` response header; quote it to Paysera support.
    pub correlation_id: Option<String>,
    /// Parsed `Retry-After`, on 429 and 503.
    pub retry_after: Option<Duration>,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query of the request (never headers).
    pub path: String,
    /// True when the request may be sent again without risk of applying it twice.
    pub retry_safe: bool,
    /// True when an earlier attempt of this same call may have been applied (its response was
    /// lost); a following `invalid_state` then often means "already done".
    pub after_unknown_outcome: bool,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.method.is_empty() {
            // Not an HTTP exchange: a refusal reported in Paysera's terms (the sandbox's control
            // plane).
            write!(f, "{} {}", self.status, self.code)?;
        } else {
            write!(
                f,
                "Paysera answered {} {} to {} {}",
                self.status, self.code, self.method, self.path
            )?;
        }
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        if let Some(p) = &self.properties {
            write!(f, " ({})", Value::Object(p.clone()))?;
        }
        if let Some(c) = &self.correlation_id {
            write!(f, " [correlation id {c}]")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong. `Display` is safe to log: it never contains `mac_key` or an
/// `Authorization` header.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Paysera (or a proxy in front of it) answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request could not be completed at the network level.
    #[error("transport error on {method} {path}: {message}{}", outcome_note(*.may_have_been_applied))]
    Transport {
        method: String,
        path: String,
        message: String,
        /// False only when the request provably never left this machine (connect failure).
        may_have_been_applied: bool,
        retry_safe: bool,
    },
    /// No complete response within the timeout.
    #[error("{method} {path} timed out after {timeout:?}{}", outcome_note(*.may_have_been_applied))]
    Timeout {
        method: String,
        path: String,
        timeout: Duration,
        may_have_been_applied: bool,
        retry_safe: bool,
    },
    /// A response arrived but is not what the API promises.
    #[error(
        "could not decode the HTTP {status} response to {method} {path}: {message}; body starts with {snippet:?}"
    )]
    Decode {
        method: String,
        path: String,
        status: u16,
        message: String,
        /// The first bytes of the body, control characters replaced.
        snippet: String,
        correlation_id: Option<String>,
    },
    /// The caller passed something the API would reject; nothing was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Not a valid Paysera QR code; the text says why, quoting the offending part.
    #[error("{0}")]
    InvalidQr(String),
    /// The object cannot do this now: the client is closed, the sandbox stopped, the cashier
    /// already running, a call already run.
    #[error("{0}")]
    Lifecycle(String),
    /// A local operating-system failure outside any request (e.g. the sandbox cannot bind its
    /// port, the async runtime cannot start).
    #[error("{0}")]
    Io(String),
    /// The cashier's store cannot be read or written (disk full, permissions, a corrupt line).
    #[error("{0}")]
    Store(String),
    /// A bug: something that should not happen did (a value that cannot be encoded, a task that
    /// ended without a result). Worth a report.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Which class an error belongs to: the one classification every binding follows (Python's and
/// Node's facades map it to their exception class with a plain table). Stable strings.
///
/// An [`Error::Api`] is classified by Paysera's `error` code first, then by HTTP status
/// (401, 404, 409, 429); anything else is plain [`ErrorKind::Api`].
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
    fn of_api(code: &str, status: u16) -> Self {
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
    /// See [`Error::code`].
    pub code: String,
    /// See [`Error::http_status`].
    pub status: Option<u16>,
    pub correlation_id: Option<String>,
    /// See [`Error::is_retryable`].
    pub retryable: bool,
    /// See [`Error::outcome_unknown`].
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

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A core error described as data: the input of [`Error::from_record`]. `variant` names the
/// [`Error`] variant; the other keys are its fields (durations in milliseconds).
#[derive(Deserialize)]
#[serde(tag = "variant", rename_all = "snake_case", deny_unknown_fields)]
enum Record {
    Api {
        status: u16,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        uri: Option<String>,
        #[serde(default)]
        properties: Option<Map<String, Value>>,
        #[serde(default)]
        data: Option<Value>,
        #[serde(default)]
        correlation_id: Option<String>,
        #[serde(default)]
        retry_after_ms: Option<u64>,
        method: String,
        path: String,
        #[serde(default)]
        retry_safe: bool,
        #[serde(default)]
        after_unknown_outcome: bool,
    },
    Transport {
        method: String,
        path: String,
        message: String,
        may_have_been_applied: bool,
        retry_safe: bool,
    },
    Timeout {
        method: String,
        path: String,
        timeout_ms: u64,
        may_have_been_applied: bool,
        retry_safe: bool,
    },
    Decode {
        method: String,
        path: String,
        status: u16,
        message: String,
        #[serde(default)]
        snippet: String,
        #[serde(default)]
        correlation_id: Option<String>,
    },
    InvalidInput {
        message: String,
    },
    InvalidQr {
        message: String,
    },
    Lifecycle {
        message: String,
    },
    Io {
        message: String,
    },
    Store {
        message: String,
    },
    Internal {
        message: String,
    },
}

fn outcome_note(maybe_applied: bool) -> &'static str {
    if maybe_applied {
        " (the request was sent; Paysera may have applied it)"
    } else {
        " (the request was not sent)"
    }
}

impl Error {
    pub(crate) fn invalid_input(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    /// A refusal in Paysera's terms that did not come from an HTTP exchange (the sandbox's
    /// control plane refuses `confirm` on an unknown transaction this way): an [`Error::Api`]
    /// without method and path.
    pub fn refused(
        status: u16,
        code: impl Into<String>,
        description: impl Into<String>,
        properties: Option<Map<String, Value>>,
    ) -> Self {
        Error::Api(Box::new(ApiError {
            status,
            code: code.into(),
            description: Some(description.into()),
            uri: None,
            properties,
            data: None,
            correlation_id: None,
            retry_after: None,
            method: String::new(),
            path: String::new(),
            retry_safe: false,
            after_unknown_outcome: false,
        }))
    }

    /// Builds an error from its description as JSON: `{"variant": "api", "status": 401,
    /// "method": "GET", "path": "/x", ...}`, `{"variant": "store", "message": "..."}`, one
    /// `variant` per [`Error`] variant with its fields (durations as `..._ms`). For the bindings'
    /// error-contract tests (`tests/data/errors.json`), which run such records through the same
    /// path as real errors.
    ///
    /// ```
    /// use paysera_scanpay::Error;
    /// let e = Error::from_record(r#"{"variant": "lifecycle", "message": "stopped"}"#).unwrap();
    /// assert_eq!(e.code(), "lifecycle_error");
    /// ```
    pub fn from_record(json: &str) -> Result<Error, String> {
        let record: Record = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(match record {
            Record::Api {
                status,
                code,
                description,
                uri,
                properties,
                data,
                correlation_id,
                retry_after_ms,
                method,
                path,
                retry_safe,
                after_unknown_outcome,
            } => Error::Api(Box::new(ApiError {
                status,
                code: code.unwrap_or_else(|| code_for_status(status).to_owned()),
                description,
                uri,
                properties,
                data,
                correlation_id,
                retry_after: retry_after_ms.map(Duration::from_millis),
                method,
                path,
                retry_safe,
                after_unknown_outcome,
            })),
            Record::Transport {
                method,
                path,
                message,
                may_have_been_applied,
                retry_safe,
            } => Error::Transport {
                method,
                path,
                message,
                may_have_been_applied,
                retry_safe,
            },
            Record::Timeout {
                method,
                path,
                timeout_ms,
                may_have_been_applied,
                retry_safe,
            } => Error::Timeout {
                method,
                path,
                timeout: Duration::from_millis(timeout_ms),
                may_have_been_applied,
                retry_safe,
            },
            Record::Decode {
                method,
                path,
                status,
                message,
                snippet,
                correlation_id,
            } => Error::Decode {
                method,
                path,
                status,
                message,
                snippet,
                correlation_id,
            },
            Record::InvalidInput { message } => Error::InvalidInput(message),
            Record::InvalidQr { message } => Error::InvalidQr(message),
            Record::Lifecycle { message } => Error::Lifecycle(message),
            Record::Io { message } => Error::Io(message),
            Record::Store { message } => Error::Store(message),
            Record::Internal { message } => Error::Internal(message),
        })
    }

    /// Which class this error belongs to; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => ErrorKind::of_api(&e.code, e.status),
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::InvalidQr(_) => ErrorKind::InvalidQr,
            Error::Lifecycle(_) => ErrorKind::Lifecycle,
            Error::Io(_) => ErrorKind::Io,
            Error::Store(_) => ErrorKind::Store,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// Everything a binding needs to build its exception: kind, message, code and fields.
    pub fn info(&self) -> ErrorInfo {
        let mut info = ErrorInfo::new(self.kind(), self.to_string());
        info.code = self.code().to_owned();
        info.status = self.http_status();
        info.correlation_id = self.correlation_id().map(str::to_owned);
        info.retryable = self.is_retryable();
        info.outcome_unknown = self.outcome_unknown();
        info.retry_after_ms = self.retry_after().map(millis);
        let request = match self {
            Error::Api(a) => {
                info.description = a.description.clone();
                info.error_uri = a.uri.clone();
                info.properties = a.properties.clone();
                info.data = a.data.clone();
                Some((&a.method, &a.path))
            }
            Error::Timeout {
                method,
                path,
                timeout,
                ..
            } => {
                info.timeout_ms = Some(millis(*timeout));
                Some((method, path))
            }
            Error::Transport { method, path, .. } | Error::Decode { method, path, .. } => {
                Some((method, path))
            }
            _ => None,
        };
        if let Some((method, path)) = request.filter(|(m, _)| !m.is_empty()) {
            info.method = Some(method.clone());
            info.path = Some(path.clone());
        }
        info
    }

    /// A stable machine-readable code: Paysera's `error` for API errors, else the kind's
    /// [`ErrorKind::default_code`] (`transport_error`, `timeout`, `decode_error`,
    /// `invalid_input`, `invalid_qr_code`, `lifecycle_error`, `io_error`, `store_error`,
    /// `internal_error`).
    pub fn code(&self) -> &str {
        match self {
            Error::Api(e) => &e.code,
            other => other.kind().default_code(),
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Paysera's `paysera-correlation-id`, when a response arrived with one.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.correlation_id.as_deref(),
            Error::Decode { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// True only when sending the same request again cannot apply it twice: connect failures,
    /// and 429/502/503/504/timeouts/dropped responses of idempotent requests (GET, PUT, DELETE).
    /// A POST that may have reached Paysera is never retryable (there are no idempotency keys:
    /// reconcile by reading state first), and a 409 `invalid_state` never is.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.retry_safe,
            Error::Transport { retry_safe, .. } | Error::Timeout { retry_safe, .. } => *retry_safe,
            _ => false,
        }
    }

    /// True when the request may have been applied by Paysera although no success was seen.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Transport {
                may_have_been_applied,
                ..
            }
            | Error::Timeout {
                may_have_been_applied,
                ..
            } => *may_have_been_applied,
            Error::Api(e) => matches!(e.status, 502 | 504) || e.after_unknown_outcome,
            Error::Decode { .. } => true,
            _ => false,
        }
    }

    /// `Retry-After` from a 429/503 response.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }
}

impl From<crate::qr::QrError> for Error {
    fn from(e: crate::qr::QrError) -> Self {
        Error::InvalidQr(e.reason().to_owned())
    }
}

/// A code for a non-2xx response that lacked Paysera's error body.
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        406 => "not_acceptable",
        409 => "invalid_state",
        429 => "rate_limit_exceeded",
        500 => "internal_server_error",
        502 => "bad_gateway",
        503 => "service_unavailable",
        504 => "gateway_timeout",
        _ => "http_error",
    }
}

/// A printable, bounded excerpt of a response body.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX)]);
    let mut s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.len() > MAX {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, retry_safe: bool) -> Error {
        Error::Api(Box::new(ApiError {
            status,
            code: code.into(),
            description: Some("Transaction is not reserved".into()),
            uri: None,
            properties: None,
            data: None,
            correlation_id: Some("abc-123".into()),
            retry_after: None,
            method: "PUT".into(),
            path: "/rest/v1/transaction/K/confirm".into(),
            retry_safe,
            after_unknown_outcome: false,
        }))
    }

    #[test]
    fn display_names_request_and_correlation_id() {
        let e = api(409, "invalid_state", false);
        let s = e.to_string();
        assert!(s.contains("409 invalid_state"), "{s}");
        assert!(s.contains("PUT /rest/v1/transaction/K/confirm"), "{s}");
        assert!(s.contains("abc-123"), "{s}");
        assert_eq!(e.code(), "invalid_state");
        assert_eq!(e.http_status(), Some(409));
        assert_eq!(e.correlation_id(), Some("abc-123"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn transport_errors_say_whether_the_request_was_sent() {
        let e = Error::Transport {
            method: "POST".into(),
            path: "/rest/v1/transaction".into(),
            message: "connection reset".into(),
            may_have_been_applied: true,
            retry_safe: false,
        };
        assert!(e.to_string().contains("may have applied"));
        assert!(e.outcome_unknown());
        assert!(!e.is_retryable());
        assert_eq!(e.code(), "transport_error");
    }

    #[test]
    fn api_errors_are_classified_by_code_then_status() {
        let kind = |status, code: &str| api(status, code, false).kind();
        assert_eq!(kind(409, "invalid_state"), ErrorKind::InvalidState);
        assert_eq!(kind(400, "invalid_grant"), ErrorKind::Authentication);
        assert_eq!(kind(400, "invalid_request"), ErrorKind::InvalidParameters);
        assert_eq!(kind(401, "some_new_code"), ErrorKind::Authentication);
        assert_eq!(kind(404, "gone_elsewhere"), ErrorKind::NotFound);
        assert_eq!(kind(409, "conflict"), ErrorKind::InvalidState);
        assert_eq!(kind(429, "slow_down"), ErrorKind::RateLimit);
        assert_eq!(kind(403, "forbidden"), ErrorKind::Api);
        assert_eq!(kind(503, "service_unavailable"), ErrorKind::Api);
    }

    #[test]
    fn every_kind_has_a_record_and_a_distinct_name() {
        let records = [
            r#"{"variant":"api","status":500,"method":"GET","path":"/a"}"#,
            r#"{"variant":"api","status":409,"method":"GET","path":"/a"}"#,
            r#"{"variant":"api","status":404,"method":"GET","path":"/a"}"#,
            r#"{"variant":"api","status":401,"method":"GET","path":"/a"}"#,
            r#"{"variant":"api","status":400,"code":"invalid_parameters","method":"GET","path":"/a"}"#,
            r#"{"variant":"api","status":429,"method":"GET","path":"/a"}"#,
            r#"{"variant":"transport","method":"GET","path":"/a","message":"m","may_have_been_applied":false,"retry_safe":true}"#,
            r#"{"variant":"timeout","method":"GET","path":"/a","timeout_ms":5,"may_have_been_applied":true,"retry_safe":true}"#,
            r#"{"variant":"decode","method":"GET","path":"/a","status":200,"message":"m"}"#,
            r#"{"variant":"invalid_input","message":"m"}"#,
            r#"{"variant":"invalid_qr","message":"m"}"#,
            r#"{"variant":"lifecycle","message":"m"}"#,
            r#"{"variant":"io","message":"m"}"#,
            r#"{"variant":"store","message":"m"}"#,
            r#"{"variant":"internal","message":"m"}"#,
        ];
        let kinds: Vec<ErrorKind> = records
            .iter()
            .map(|r| Error::from_record(r).unwrap().kind())
            .collect();
        assert_eq!(kinds, ErrorKind::ALL);
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        for k in ErrorKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert!(Error::from_record(r#"{"variant":"nope"}"#).is_err());
    }

    #[test]
    fn info_carries_every_field() {
        let mut e = api(429, "rate_limit_exceeded", true);
        if let Error::Api(a) = &mut e {
            a.retry_after = Some(Duration::from_millis(1500));
        }
        let info = e.info();
        assert_eq!(info.kind, ErrorKind::RateLimit);
        assert_eq!(info.code, "rate_limit_exceeded");
        assert_eq!(info.status, Some(429));
        assert_eq!(info.correlation_id.as_deref(), Some("abc-123"));
        assert!(info.retryable && !info.outcome_unknown);
        assert_eq!(info.retry_after_ms, Some(1500));
        assert_eq!(info.method.as_deref(), Some("PUT"));
        assert_eq!(info.path.as_deref(), Some("/rest/v1/transaction/K/confirm"));
        assert_eq!(info.message, e.to_string());

        let t = Error::Timeout {
            method: "GET".into(),
            path: "/p".into(),
            timeout: Duration::from_millis(250),
            may_have_been_applied: true,
            retry_safe: true,
        }
        .info();
        assert_eq!((t.kind, t.timeout_ms), (ErrorKind::Timeout, Some(250)));
        assert_eq!(
            (t.method.as_deref(), t.path.as_deref()),
            (Some("GET"), Some("/p"))
        );

        let refused = Error::refused(404, "not_found", "no such spot", None);
        assert_eq!(refused.to_string(), "404 not_found: no such spot");
        let r = refused.info();
        assert_eq!(
            (r.kind, r.method, r.path),
            (ErrorKind::NotFound, None, None)
        );

        let store = Error::Store("store /x: cannot write: disk full".into()).info();
        assert_eq!(
            (store.kind, store.code.as_str()),
            (ErrorKind::Store, "store_error")
        );
        assert!(!store.retryable && !store.outcome_unknown);
    }

    #[test]
    fn snippet_is_bounded_and_printable() {
        let body = format!("<html>\n{}</html>", "x".repeat(500));
        let s = snippet(body.as_bytes());
        assert!(s.chars().count() <= 201);
        assert!(!s.contains('\n'));
    }
}
