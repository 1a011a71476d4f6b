//! One error type for the whole crate. No variant ever holds a secret: requests are described by
//! method and path only, never by headers.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

pub use kind::{ErrorInfo, ErrorKind};

mod kind;

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
    /// The cashier's store cannot be reached, read or written (disk full, permissions, a
    /// database down, a corrupt entry), or the engine lost its lease on it.
    #[error("{0}")]
    Store(String),
    /// A bug: something that should not happen did (a value that cannot be encoded, a task that
    /// ended without a result). Worth a report.
    #[error("internal error: {0}")]
    Internal(String),
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

/// An error's message followed by its causes', each once: libraries (reqwest, tokio-postgres)
/// leave the cause of a transport or TLS failure (a refused connection, an unknown issuer) out
/// of their own message.
pub(crate) fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
        source = cause.source();
    }
    text
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
mod tests;
