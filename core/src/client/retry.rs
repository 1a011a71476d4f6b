//! When a call is tried again, and the loop that does it: each attempt signed afresh, a POST
//! never re-sent once it may have been applied, the clock re-synced once on `invalid_timestamp`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};

use super::Client;
use super::transport::{Call, Response};
use crate::error::Error;

/// When and how often a failed call is tried again. Only [`Error::is_retryable`] failures are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first; `0` means exactly one attempt.
    pub max_retries: u32,
    /// First backoff step; doubles each retry, with jitter.
    pub initial_backoff: Duration,
    /// Cap of one backoff step.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: crate::defaults::DEFAULT_RETRIES,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0-based): exponential with "equal jitter" (half
    /// fixed, half random), or the server's `Retry-After` plus a little jitter. `None` when the
    /// server asks for a longer wait than `max_retry_after`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let step = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        let jitter = |span: Duration| span.mul_f64(crate::jitter::unit());
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait + jitter(self.initial_backoff)),
            None => Some(step / 2 + jitter(step / 2)),
        }
    }
}

impl Client {
    /// After a lost response, a retried state change can meet `invalid_state` because the first
    /// attempt did apply: read the resource and accept it when it is already in the target state.
    pub(super) async fn reconcile<T, F, Fut>(
        &self,
        result: Result<T, Error>,
        read: F,
        done: impl Fn(&T) -> bool,
    ) -> Result<T, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        match result {
            Err(Error::Api(e)) if e.code == "invalid_state" && e.after_unknown_outcome => {
                match read().await {
                    Ok(current) if done(&current) => {
                        log::info!(
                            target: "paysera_scanpay",
                            "{} {}: an earlier attempt had succeeded; using the current state",
                            e.method, e.path
                        );
                        Ok(current)
                    }
                    _ => Err(Error::Api(e)),
                }
            }
            other => other,
        }
    }

    /// Sends one logical call: signs each attempt afresh, retries what is safe to retry, and
    /// re-syncs the clock once on `invalid_timestamp`. With a deadline, no attempt runs past it
    /// and no retry is started that would begin after it.
    pub(super) async fn call(&self, mut call: Call) -> Result<Response, Error> {
        let url_text = format!("{}{}", self.shared.base_url, call.path);
        let url = reqwest::Url::parse(&url_text)
            .map_err(|e| Error::invalid_input(format!("bad request URL {url_text:?}: {e}")))?;
        // Sign what goes on the wire: the URL as the HTTP stack will serialize it.
        let wire_url = url.as_str().to_owned();
        let idempotent = call.method != Method::POST;
        let body = call.body.take().unwrap_or_default();
        let mut retries = 0u32;
        let mut resynced = false;
        let mut unknown_outcome = false;
        let until = self.deadline.map(|d| Instant::now() + d);
        let ext = self.scope.params();
        let ext_params: Vec<(&str, &str)> = ext.iter().map(|(k, v)| (*k, v.as_str())).collect();
        loop {
            let started = Instant::now();
            let timeout = match until.map(|u| u.saturating_duration_since(started)) {
                None => self.timeout,
                Some(left) if !left.is_zero() => self.timeout.min(left),
                Some(_) => {
                    return Err(Error::Timeout {
                        method: call.method.to_string(),
                        path: call.path.clone(),
                        timeout: self.deadline.unwrap_or_default(),
                        may_have_been_applied: unknown_outcome,
                        retry_safe: idempotent || !unknown_outcome,
                    });
                }
            };
            let mut headers = HeaderMap::new();
            if call.authenticated {
                let sig =
                    self.shared
                        .signer
                        .sign(call.method.as_str(), &wire_url, &body, &ext_params)?;
                let mut value = HeaderValue::from_str(&sig.authorization)
                    .map_err(|_| Error::invalid_input("client id is not a valid header value"))?;
                value.set_sensitive(true);
                headers.insert(header::AUTHORIZATION, value);
            }
            let mut request = self
                .shared
                .http
                .request(call.method.clone(), url.clone())
                .timeout(timeout)
                .headers(headers)
                .header(header::ACCEPT, "application/json");
            if !body.is_empty() {
                request = request
                    .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
                    .body(body.clone());
            }
            // The key-values are structured fields for the bindings (Node's `request`, `response`
            // and `retry` events); the message stays the human-readable line.
            let (method, path, attempt) = (call.method.as_str(), call.path.as_str(), retries + 1);
            log::debug!(
                target: "paysera_scanpay", event = "request", method, path, attempt;
                "-> {method} {path} (attempt {attempt})"
            );
            let error = match self.read(request, &call, idempotent, timeout).await {
                Ok(resp) => {
                    log::debug!(
                        target: "paysera_scanpay",
                        event = "response", method, path, attempt, status = resp.status,
                        duration_ms = started.elapsed().as_millis() as u64,
                        correlation_id = resp.correlation_id.as_deref();
                        "<- {} {method} {path} in {} ms",
                        resp.status, started.elapsed().as_millis()
                    );
                    if (200..300).contains(&resp.status) {
                        return Ok(resp);
                    }
                    self.api_error(resp, &call, idempotent, unknown_outcome)
                }
                Err(e) => e,
            };
            if call.authenticated
                && !resynced
                && error.api().is_some_and(|e| e.code == "invalid_timestamp")
            {
                resynced = true;
                log::warn!(target: "paysera_scanpay", "{} {}: clock rejected by Paysera; re-syncing with /server", call.method, call.path);
                Box::pin(self.resync_clock()).await?;
                continue;
            }
            let delay = if error.is_retryable() && retries < self.retry.max_retries {
                self.retry
                    .delay(retries, error.retry_after())
                    // A retry that would start at or after the deadline cannot finish in time.
                    .filter(|d| until.is_none_or(|u| Instant::now() + *d < u))
            } else {
                None
            };
            let Some(delay) = delay else {
                log::debug!(
                    target: "paysera_scanpay",
                    method, path, attempt, code = error.code(),
                    correlation_id = error.correlation_id();
                    "{method} {path} failed: {error}"
                );
                return Err(error);
            };
            unknown_outcome |= error.outcome_unknown();
            retries += 1;
            log::warn!(
                target: "paysera_scanpay",
                event = "retry", method, path, attempt, code = error.code(), retry = retries,
                max_retries = self.retry.max_retries, delay_ms = delay.as_millis() as u64,
                correlation_id = error.correlation_id();
                "{method} {path} failed ({}); retry {}/{} in {} ms",
                error.code(), retries, self.retry.max_retries, delay.as_millis()
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Reads Paysera's clock and keeps the offset for every later signature.
    async fn resync_clock(&self) -> Result<(), Error> {
        let local_before = crate::clock::unix_now();
        let server = self.server_time().await?;
        let offset = server - local_before;
        self.shared.clock_offset.store(offset, Ordering::Relaxed);
        log::info!(target: "paysera_scanpay", "clock offset to Paysera is now {offset} s");
        Ok(())
    }
}
