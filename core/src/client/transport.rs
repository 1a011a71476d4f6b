//! One HTTP exchange: the pooled reqwest client, reading a response, and turning failures into
//! [`Error`]s that say whether the request may have been applied.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Method;
use reqwest::header;
use serde::de::DeserializeOwned;

use super::{CORRELATION_HEADER, Client};
use crate::error::{ApiError, Error, code_for_status, snippet, with_causes};
use crate::models::ErrorBody;

/// Installs rustls' `ring` provider as the process default unless one is already installed.
/// reqwest is built without a bundled provider (aws-lc is a slow C build) and panics without one;
/// call this before building any other reqwest client in the same process.
pub fn install_crypto_provider() {
    // "Already installed" is fine: someone else chose a provider for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The process's rustls provider: the installed default, else `ring`.
pub(crate) fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// The platform's certificate verifier with the system's root certificates, built once per
/// process: building it reads and parses every root certificate of the system, which was most of
/// the cost of creating a client (and a Python `Client` makes two). A failure is not kept: the
/// next caller tries again. Also verifies a Postgres store's `sslrootcert=system`.
pub(crate) fn platform_verifier(
    provider: &Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<rustls_platform_verifier::Verifier>, Error> {
    static VERIFIER: OnceLock<Arc<rustls_platform_verifier::Verifier>> = OnceLock::new();
    if let Some(verifier) = VERIFIER.get() {
        return Ok(verifier.clone());
    }
    let built = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::invalid_input(format!("cannot set up TLS: {e}")))?;
    Ok(VERIFIER.get_or_init(|| Arc::new(built)).clone())
}

/// The TLS settings of a client: reqwest's defaults (TLS 1.2 and 1.3, the platform's certificate
/// verifier with the system's root certificates, SNI, ALPN `http/1.1`). The verifier is shared
/// ([`platform_verifier`]); the rest is built for each client, so that no session cache (and its
/// lock) is shared across a `fork()`.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let failed = |e: rustls::Error| Error::invalid_input(format!("cannot set up TLS: {e}"));
    let provider = crypto_provider();
    let verifier = platform_verifier(&provider)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(failed)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

pub(super) fn http_client(
    user_agent: &str,
    connect_timeout: Duration,
) -> Result<reqwest::Client, Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls_config()?)
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::invalid_input(format!("cannot build the HTTP client: {e}")))
}

/// A successful response, read in full.
pub(super) struct Response {
    pub(super) body: Vec<u8>,
    pub(super) status: u16,
    pub(super) correlation_id: Option<String>,
    pub(super) retry_after: Option<Duration>,
}

/// Everything the retry loop needs to know about one call.
pub(super) struct Call {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: Option<Vec<u8>>,
    pub(super) authenticated: bool,
}

impl Client {
    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let resp = self.signed(&method, &path, body).await?;
        decode(&method, &path, resp)
    }

    /// One signed call to the merchant API, through the retry loop.
    async fn signed(
        &self,
        method: &Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response, Error> {
        self.call(Call {
            method: method.clone(),
            path: path.to_owned(),
            body,
            authenticated: true,
        })
        .await
    }

    /// A state change (confirm, revoke, close) whose 2xx answer may carry no resource: Paysera's
    /// newer API reference shows `{}` for these, and an empty body or PHP's `[]` means the same.
    /// Then the resource is read back with `read_back`, so the caller still gets it.
    pub(super) async fn change<T, F, Fut>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
        read_back: F,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let resp = self.signed(&method, &path, body).await?;
        if is_empty_answer(&resp.body) {
            log::debug!(
                target: "paysera_scanpay",
                "{method} {path}: {} without a resource; reading it back", resp.status
            );
            return read_back().await;
        }
        decode(&method, &path, resp)
    }

    pub(super) async fn read(
        &self,
        request: reqwest::RequestBuilder,
        call: &Call,
        idempotent: bool,
        timeout: Duration,
    ) -> Result<Response, Error> {
        let transport = |e: reqwest::Error| self.transport_error(e, call, idempotent, timeout);
        let resp = request.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(transport)?.to_vec();
        let correlation_id = headers
            .get(CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Only the delay-seconds form; an HTTP-date falls back to our own backoff.
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok(Response {
            body,
            status,
            correlation_id,
            retry_after,
        })
    }

    fn transport_error(
        &self,
        e: reqwest::Error,
        call: &Call,
        idempotent: bool,
        timeout: Duration,
    ) -> Error {
        // A connect failure (refused, DNS, TLS handshake, connect timeout) provably sent nothing.
        let may_have_been_applied = !e.is_connect();
        let retry_safe = idempotent || !may_have_been_applied;
        let method = call.method.to_string();
        let path = call.path.clone();
        if e.is_timeout() {
            return Error::Timeout {
                method,
                path,
                timeout,
                may_have_been_applied,
                retry_safe,
            };
        }
        // The URL and headers are left out: the path is reported separately, headers never are.
        let message = with_causes(&e.without_url());
        Error::Transport {
            method,
            path,
            message,
            may_have_been_applied,
            retry_safe,
        }
    }

    pub(super) fn api_error(
        &self,
        resp: Response,
        call: &Call,
        idempotent: bool,
        after_unknown_outcome: bool,
    ) -> Error {
        let parsed: Option<ErrorBody> = serde_json::from_slice(&resp.body).ok();
        let (code, description, uri, properties, data) = match parsed {
            Some(b) => (
                b.error,
                b.error_description,
                b.error_uri,
                b.error_properties,
                b.error_data,
            ),
            None => (
                code_for_status(resp.status).to_owned(),
                (!resp.body.is_empty()).then(|| {
                    format!(
                        "response without Paysera's error body: {}",
                        snippet(&resp.body)
                    )
                }),
                None,
                None,
                None,
            ),
        };
        let status = resp.status;
        // 429: Paysera refused before doing anything, but only idempotent calls are re-sent
        // automatically; 502/503/504 may hide a request that was applied behind the gateway.
        let retry_safe = idempotent && matches!(status, 429 | 502 | 503 | 504);
        let retry_after = resp.retry_after.filter(|_| matches!(status, 429 | 503));
        Error::Api(Box::new(ApiError {
            status,
            code,
            description,
            uri,
            properties,
            data,
            correlation_id: resp.correlation_id,
            retry_after,
            method: call.method.to_string(),
            path: call.path.clone(),
            retry_safe,
            after_unknown_outcome,
        }))
    }
}

/// No body, only whitespace, `{}` or `[]` (JSON whitespace allowed around and inside). Looks at
/// the bytes only: a resource in the answer is parsed once, by its decoder, not here as well.
fn is_empty_answer(body: &[u8]) -> bool {
    if body.trim_ascii().is_empty() {
        return true;
    }
    let json_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = body
        .iter()
        .position(|b| !json_space(b))
        .unwrap_or(body.len());
    let end = body
        .iter()
        .rposition(|b| !json_space(b))
        .map_or(start, |i| i + 1);
    match &body[start..end] {
        [b'{', inner @ .., b'}'] | [b'[', inner @ .., b']'] => inner.iter().all(json_space),
        _ => false,
    }
}

pub(super) fn decode<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    resp: Response,
) -> Result<T, Error> {
    serde_json::from_slice(&resp.body).map_err(|e| Error::Decode {
        method: method.to_string(),
        path: path.to_owned(),
        status: resp.status,
        message: e.to_string(),
        snippet: snippet(&resp.body),
        correlation_id: resp.correlation_id,
    })
}

#[cfg(test)]
mod tests {
    use super::is_empty_answer;

    #[test]
    fn empty_answers_are_recognised_without_parsing_resources() {
        for empty in ["", "  \n", "{}", "[]", " { \n } ", "[\t]\r\n"] {
            assert!(is_empty_answer(empty.as_bytes()), "{empty:?}");
        }
        for full in [
            r#"{"status":"confirmed"}"#,
            "[1]",
            "{",
            "}",
            "{]",
            "null",
            "\u{c}{}",
            "{}{}",
        ] {
            assert!(!is_empty_answer(full.as_bytes()), "{full:?}");
        }
    }
}
