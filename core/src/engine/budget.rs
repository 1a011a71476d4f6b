//! One request budget for every call the cashier makes: a token bucket (Paysera allows about
//! 60 requests a minute per client), a pause when Paysera says 429, and jittered backoff while
//! Paysera or the network is failing.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;

const ERROR_BACKOFF_BASE: Duration = Duration::from_millis(200);
const ERROR_BACKOFF_MAX: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct State {
    tokens: f64,
    last: Instant,
    paused_until: Option<Instant>,
    consecutive_errors: u32,
}

/// A shared request budget. `requests_per_minute == 0` means no limit (pauses still apply).
#[derive(Debug)]
pub struct Budget {
    per_minute: u32,
    state: Mutex<State>,
}

impl Budget {
    pub fn new(requests_per_minute: u32) -> Self {
        Self {
            per_minute: requests_per_minute,
            state: Mutex::new(State {
                tokens: f64::from(requests_per_minute),
                last: Instant::now(),
                paused_until: None,
                consecutive_errors: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tokens available now (`None` without a limit) and how long requests are paused for.
    pub fn snapshot(&self) -> (Option<f64>, Option<Duration>) {
        let s = self.lock();
        let now = Instant::now();
        let tokens = (self.per_minute > 0).then(|| {
            let rate = f64::from(self.per_minute) / 60.0;
            let elapsed = now.duration_since(s.last).as_secs_f64();
            (s.tokens + elapsed * rate).min(f64::from(self.per_minute))
        });
        let paused = s.paused_until.filter(|u| *u > now).map(|u| u - now);
        (tokens, paused)
    }

    /// Whether the budget can afford more polling now: not paused, and unlimited or with at
    /// least half its tokens left (what the next pages of a sweep may spend without starving
    /// the actions that follow).
    pub fn has_spare(&self) -> bool {
        match self.snapshot() {
            (_, Some(_)) => false,
            (None, None) => true,
            (Some(tokens), None) => tokens >= f64::from(self.per_minute) / 2.0,
        }
    }

    /// Waits until a request may be sent, and takes its token.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => Some(until - now),
                    _ if self.per_minute == 0 => None,
                    _ => {
                        let rate = f64::from(self.per_minute) / 60.0;
                        let elapsed = now.duration_since(s.last).as_secs_f64();
                        s.tokens = (s.tokens + elapsed * rate).min(f64::from(self.per_minute));
                        s.last = now;
                        if s.tokens >= 1.0 {
                            s.tokens -= 1.0;
                            None
                        } else {
                            Some(Duration::from_secs_f64((1.0 - s.tokens) / rate))
                        }
                    }
                }
            };
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d).await,
            }
        }
    }

    /// Learns from a result: 429 pauses everyone for `Retry-After` (or a backoff), server and
    /// network failures back off exponentially with jitter, success resets the backoff.
    pub fn observe<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        let mut s = self.lock();
        match &result {
            Ok(_) => s.consecutive_errors = 0,
            Err(e) => {
                let transient = matches!(e, Error::Transport { .. } | Error::Timeout { .. })
                    || e.http_status().is_some_and(|st| st == 429 || st >= 500);
                if transient {
                    s.consecutive_errors = s.consecutive_errors.saturating_add(1);
                    let step = ERROR_BACKOFF_BASE
                        .saturating_mul(1 << (s.consecutive_errors - 1).min(10))
                        .min(ERROR_BACKOFF_MAX);
                    let jittered = step / 2 + step.mul_f64(crate::jitter::unit() / 2.0);
                    let pause = match e.retry_after() {
                        Some(ra) => ra + jittered / 4,
                        None => jittered,
                    };
                    let until = Instant::now() + pause;
                    if s.paused_until.is_none_or(|p| p < until) {
                        s.paused_until = Some(until);
                    }
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paysera's 429 with `Retry-After: seconds`.
    fn rate_limited(seconds: u64) -> Error {
        Error::Api(Box::new(crate::error::ApiError {
            status: 429,
            code: "rate_limit_exceeded".into(),
            description: None,
            uri: None,
            properties: None,
            data: None,
            correlation_id: None,
            retry_after: Some(Duration::from_secs(seconds)),
            method: "GET".into(),
            path: "/".into(),
            retry_safe: true,
            after_unknown_outcome: false,
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn spends_tokens_then_waits_for_refill() {
        let b = Budget::new(60);
        let start = tokio::time::Instant::now();
        for _ in 0..60 {
            b.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(50));
        b.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn spare_means_half_the_tokens_left_and_no_pause() {
        assert!(Budget::new(0).has_spare());
        let b = Budget::new(60);
        assert!(b.has_spare());
        for _ in 0..30 {
            b.acquire().await;
        }
        assert!(b.has_spare(), "30 of 60 left");
        b.acquire().await;
        assert!(!b.has_spare(), "29 of 60 left");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(b.has_spare(), "refilled to 30");
        let _ = b.observe::<()>(Err(rate_limited(2)));
        assert!(!b.has_spare(), "paused by a 429");
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_pauses_everyone() {
        let b = Budget::new(0);
        let _ = b.observe::<()>(Err(rate_limited(2)));
        let start = tokio::time::Instant::now();
        b.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(2));
        let _ = b.observe(Ok(()));
        let start = tokio::time::Instant::now();
        b.acquire().await;
        assert!(start.elapsed() < Duration::from_millis(10));
    }
}
