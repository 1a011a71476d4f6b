//! One error type for the whole crate. No variant ever holds a secret: requests are described by
//! method and path only, never by headers.

use std::time::Duration;

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
        write!(
            f,
            "Paysera answered {} {} to {} {}",
            self.status, self.code, self.method, self.path
        )?;
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

    /// A stable machine-readable code: Paysera's `error` for API errors, else `transport_error`,
    /// `timeout`, `decode_error` or `invalid_input`.
    pub fn code(&self) -> &str {
        match self {
            Error::Api(e) => &e.code,
            Error::Transport { .. } => "transport_error",
            Error::Timeout { .. } => "timeout",
            Error::Decode { .. } => "decode_error",
            Error::InvalidInput(_) => "invalid_input",
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
            Error::Decode { .. } | Error::InvalidInput(_) => false,
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
            Error::InvalidInput(_) => false,
        }
    }

    /// `Retry-After` from a 429/503 response.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
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
    fn snippet_is_bounded_and_printable() {
        let body = format!("<html>\n{}</html>", "x".repeat(500));
        let s = snippet(body.as_bytes());
        assert!(s.chars().count() <= 201);
        assert!(!s.contains('\n'));
    }
}
