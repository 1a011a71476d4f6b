//! [`ClientBuilder`]: settings checked once, before the first request.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::transport::http_client;
use super::{Client, DEFAULT_BASE_URL, ExtScope, RetryPolicy, Shared};
use crate::defaults::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::error::Error;
use crate::mac::{Clock, MacCredentials, MacSigner, SystemClock};

/// Configures a [`Client`].
pub struct ClientBuilder {
    credentials: MacCredentials,
    base_url: String,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    scope: ExtScope,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// `https://wallet.paysera.com` by default; a sandbox or proxy URL otherwise. A path prefix
    /// is kept (`https://proxy.example/paysera` → `https://proxy.example/paysera/rest/v1/...`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// TCP+TLS connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`], 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Whole-request timeout per attempt (default [`DEFAULT_TIMEOUT`], 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Overall time for one call, every attempt and backoff included (default: none, only the
    /// per-attempt timeout). An attempt never runs past it, and no retry starts that could not
    /// finish before it. [`super::DEFAULT_DEADLINE`] suits a web worker.
    pub fn deadline(mut self, d: Option<Duration>) -> Self {
        self.deadline = d;
        self
    }
    /// Extra attempts for retryable failures (default [`crate::defaults::DEFAULT_RETRIES`], 2;
    /// 0 = none).
    pub fn retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }
    /// The project every call acts for, sent as the MAC `ext` parameter `project_id` (as
    /// Paysera's PHP library's `walletClient(['project_id' => …])`). Paysera refuses resources of
    /// other projects. [`Client::with_project_id`] changes it for some calls.
    pub fn project_id(mut self, project_id: u64) -> Self {
        self.scope.project_id = Some(project_id);
        self
    }
    /// The location every call acts for, sent as the MAC `ext` parameter `location_id` after
    /// `project_id`. Paysera refuses spots and transactions of other locations.
    /// [`Client::with_location_id`] changes it for some calls.
    pub fn location_id(mut self, location_id: u64) -> Self {
        self.scope.location_id = Some(location_id);
        self
    }
    /// The clock used for `ts` (the client adds the offset learnt from `invalid_timestamp`).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let base = reqwest::Url::parse(&self.base_url).map_err(|e| {
            Error::invalid_input(format!("base_url {:?} is not a URL: {e}", self.base_url))
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::invalid_input(format!(
                "base_url {:?} must be http or https",
                self.base_url
            )));
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err(Error::invalid_input(format!(
                "base_url {:?} must not have a query, fragment or user info",
                self.base_url
            )));
        }
        if self.timeout.is_zero()
            || self.connect_timeout.is_zero()
            || self.deadline.is_some_and(|d| d.is_zero())
        {
            return Err(Error::invalid_input("timeouts must be greater than zero"));
        }
        let base_url = base.as_str().trim_end_matches('/').to_owned();
        let http = http_client(&self.user_agent, self.connect_timeout)?;
        let offset = Arc::new(AtomicI64::new(0));
        let clock_offset = offset.clone();
        let clock = self.clock;
        let signer = MacSigner::new(self.credentials)
            .with_clock(move || clock.now() + clock_offset.load(Ordering::Relaxed));
        Ok(Client {
            shared: Arc::new(Shared {
                http,
                user_agent: self.user_agent,
                connect_timeout: self.connect_timeout,
                signer,
                base_url,
                clock_offset: offset,
                public_key: tokio::sync::Mutex::new(None),
            }),
            timeout: self.timeout,
            deadline: self.deadline,
            retry: self.retry,
            scope: self.scope,
        })
    }
}

impl Client {
    pub fn builder(credentials: MacCredentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_agent: format!("paysera-scanpay/{} (rust)", env!("CARGO_PKG_VERSION")),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            scope: ExtScope::default(),
        }
    }
}
