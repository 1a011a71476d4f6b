//! The async Wallet API client: one method per Scan and Pay endpoint, MAC-signed per attempt,
//! with retry rules that never apply a payment twice.
//!
//! ```no_run
//! # async fn run() -> Result<(), paysera_scanpay::Error> {
//! use paysera_scanpay::{Client, MacCredentials, SpotQuery, SpotStatus};
//!
//! let client = Client::new(MacCredentials::new("my-client-id", "my-mac-key")?)?;
//! let waiting = client
//!     .list_spots(&SpotQuery { status: Some(SpotStatus::Waiting), ..Default::default() })
//!     .await?;
//! for spot in waiting.spots {
//!     println!("spot {} is waiting", spot.id);
//! }
//! # Ok(()) }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, Stream};
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error, code_for_status, snippet};
use crate::mac::{Clock, MacCredentials, MacSigner, SystemClock, form_urlencode};
use crate::models::{
    ConfirmPrices, ErrorBody, Metadata, Order, ServerTime, Spot, SpotList, SpotStatus, Transaction,
    TransactionList, TransactionRequest, TransactionStatus,
};

/// Paysera's production API host.
pub const DEFAULT_BASE_URL: &str = "https://wallet.paysera.com";
const REST_ROOT: &str = "/rest/v1";
const CORRELATION_HEADER: &str = "paysera-correlation-id";

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
            max_retries: 2,
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
        let jitter = |span: Duration| span.mul_f64(random_unit());
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait + jitter(self.initial_backoff)),
            None => Some(step / 2 + jitter(step / 2)),
        }
    }
}

/// A uniform float in [0, 1) from the OS RNG (jitter only; not security sensitive).
fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// Filters for `GET /spots`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpotQuery {
    pub status: Option<SpotStatus>,
    pub location_id: Option<u64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Filters for `GET /transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// Sent comma-separated; empty means any status.
    pub statuses: Vec<TransactionStatus>,
    pub wallet: Option<u64>,
    /// Unix seconds, inclusive lower bound of `created_at`.
    pub from: Option<i64>,
    /// Unix seconds, upper bound of `created_at`.
    pub to: Option<i64>,
    /// 1–200.
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

struct Query(Vec<(&'static str, String)>);

impl Query {
    fn to_path(&self, path: &str) -> String {
        if self.0.is_empty() {
            return path.to_owned();
        }
        let q: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", form_urlencode(v)))
            .collect();
        format!("{path}?{}", q.join("&"))
    }
}

impl SpotQuery {
    fn encode(&self) -> Result<Query, Error> {
        let mut q = Vec::new();
        if let Some(s) = &self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(l) = self.location_id {
            q.push(("location_id", l.to_string()));
        }
        push_paging(&mut q, self.limit, self.offset)?;
        Ok(Query(q))
    }
}

impl TransactionQuery {
    fn encode(&self) -> Result<Query, Error> {
        let mut q = Vec::new();
        if !self.statuses.is_empty() {
            let s: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
            q.push(("status", s.join(",")));
        }
        if let Some(w) = self.wallet {
            q.push(("wallet", w.to_string()));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(Error::invalid_input(format!(
                "transaction query: from ({from}) is after to ({to})"
            )));
        }
        if let Some(f) = self.from {
            q.push(("from", f.to_string()));
        }
        if let Some(t) = self.to {
            q.push(("to", t.to_string()));
        }
        push_paging(&mut q, self.limit, self.offset)?;
        if let Some(p) = self.project_id {
            q.push(("project_id", p.to_string()));
        }
        if let Some(l) = self.location_id {
            q.push(("location_id", l.to_string()));
        }
        Ok(Query(q))
    }
}

fn push_paging(
    q: &mut Vec<(&'static str, String)>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> Result<(), Error> {
    if let Some(l) = limit {
        if !(1..=200).contains(&l) {
            return Err(Error::invalid_input(format!(
                "limit {l} is out of range; Paysera accepts 1 to 200"
            )));
        }
        q.push(("limit", l.to_string()));
    }
    if let Some(o) = offset {
        q.push(("offset", o.to_string()));
    }
    Ok(())
}

/// Transaction keys and ids go into URL paths: allow only what Paysera issues.
fn check_key(key: &str) -> Result<&str, Error> {
    if key.is_empty() {
        return Err(Error::invalid_input("transaction key is empty"));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid_input(format!(
            "transaction key {key:?} contains {c:?}; keys are letters and digits"
        )));
    }
    Ok(key)
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    credentials: MacCredentials,
    base_url: String,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
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
    /// TCP+TLS connect timeout (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Whole-request timeout per attempt (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }
    /// Extra attempts for retryable failures (default 2; 0 = none).
    pub fn retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
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
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
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
                public_key: tokio::sync::OnceCell::new(),
            }),
            timeout: self.timeout,
            retry: self.retry,
        })
    }
}

/// Installs rustls' `ring` provider as the process default unless one is already installed.
/// reqwest is built without a bundled provider (aws-lc is a slow C build) and panics without one;
/// call this before building any other reqwest client in the same process.
pub fn install_crypto_provider() {
    // "Already installed" is fine: someone else chose a provider for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn http_client(user_agent: &str, connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::invalid_input(format!("cannot build the HTTP client: {e}")))
}

struct Shared {
    http: reqwest::Client,
    user_agent: String,
    connect_timeout: Duration,
    signer: MacSigner,
    base_url: String,
    clock_offset: Arc<AtomicI64>,
    public_key: tokio::sync::OnceCell<String>,
}

/// An async Paysera Wallet API client. Cheap to clone: clones share one connection pool.
/// `Debug` never shows the MAC key.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("client_id", &self.shared.signer.credentials().client_id())
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A successful response, read in full.
struct Response {
    body: Vec<u8>,
    status: u16,
    correlation_id: Option<String>,
    retry_after: Option<Duration>,
}

/// Everything the retry loop needs to know about one call.
struct Call {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
    authenticated: bool,
}

impl Client {
    /// A client for production Paysera with default timeouts and retries.
    pub fn new(credentials: MacCredentials) -> Result<Self, Error> {
        Self::builder(credentials).build()
    }

    pub fn builder(credentials: MacCredentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_agent: format!("paysera-scanpay/{} (rust)", env!("CARGO_PKG_VERSION")),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// A view of this client with another per-attempt timeout; shares the connection pool.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// A view of this client with another retry count; shares the connection pool.
    pub fn with_retries(&self, max_retries: u32) -> Self {
        let mut c = self.clone();
        c.retry.max_retries = max_retries;
        c
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The same client (credentials, settings, learnt clock offset) with a new, empty connection
    /// pool. Pooled connections belong to the async runtime that opened them: after `fork()` or
    /// when moving to another runtime, reconnect instead of reusing them.
    pub fn reconnect(&self) -> Result<Self, Error> {
        let s = &self.shared;
        Ok(Self {
            shared: Arc::new(Shared {
                http: http_client(&s.user_agent, s.connect_timeout)?,
                user_agent: s.user_agent.clone(),
                connect_timeout: s.connect_timeout,
                signer: s.signer.clone(),
                base_url: s.base_url.clone(),
                clock_offset: s.clock_offset.clone(),
                public_key: match s.public_key.get() {
                    Some(pem) => tokio::sync::OnceCell::new_with(Some(pem.clone())),
                    None => tokio::sync::OnceCell::new(),
                },
            }),
            timeout: self.timeout,
            retry: self.retry.clone(),
        })
    }

    /// The MAC id this client signs with.
    pub fn client_id(&self) -> &str {
        self.shared.signer.credentials().client_id()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Seconds added to the local clock when signing, learnt from `invalid_timestamp`.
    pub fn clock_offset(&self) -> i64 {
        self.shared.clock_offset.load(Ordering::Relaxed)
    }

    // ---- endpoints -------------------------------------------------------------------------

    /// `GET /spots`: one page.
    pub async fn list_spots(&self, query: &SpotQuery) -> Result<SpotList, Error> {
        let path = query.encode()?.to_path(&format!("{REST_ROOT}/spots"));
        self.json(Method::GET, path, None).await
    }

    /// Every spot matching `query`, page by page (`limit` is the page size, default 100).
    pub fn iter_spots(&self, query: SpotQuery) -> Paginator<Spot> {
        let client = self.clone();
        let start = query.offset.unwrap_or(0);
        let limit = query.limit.unwrap_or(100);
        Paginator::new(start, limit, move |offset, limit| {
            let client = client.clone();
            let q = SpotQuery {
                offset: Some(offset),
                limit: Some(limit),
                ..query.clone()
            };
            Box::pin(async move {
                let page = client.list_spots(&q).await?;
                Ok((page.spots, page.metadata))
            })
        })
    }

    /// `GET /spot/{id}`.
    pub async fn get_spot(&self, spot_id: u64) -> Result<Spot, Error> {
        self.json(Method::GET, format!("{REST_ROOT}/spot/{spot_id}"), None)
            .await
    }

    /// `POST /spot/{id}/order`: attach a transaction to a waiting spot.
    ///
    /// Not retried once sent: on an unknown outcome, read the spot's `orders` before trying again.
    pub async fn create_spot_order(
        &self,
        spot_id: u64,
        transaction_key: &str,
    ) -> Result<Order, Error> {
        let body = serde_json::to_vec(&serde_json::json!({
            "transaction_key": check_key(transaction_key)?
        }))
        .map_err(|e| Error::invalid_input(e.to_string()))?;
        self.json(
            Method::POST,
            format!("{REST_ROOT}/spot/{spot_id}/order"),
            Some(body),
        )
        .await
    }

    /// `PUT /spot/{id}/close`. If a retry follows an attempt whose outcome was lost and Paysera
    /// answers `invalid_state`, the spot is read back and returned when it is in fact closed.
    pub async fn close_spot(&self, spot_id: u64) -> Result<Spot, Error> {
        let result = self
            .json(
                Method::PUT,
                format!("{REST_ROOT}/spot/{spot_id}/close"),
                None,
            )
            .await;
        self.reconcile(
            result,
            || self.get_spot(spot_id),
            |s: &Spot| s.status == SpotStatus::Closed,
        )
        .await
    }

    /// `POST /transaction`. The request is validated first (nothing is sent if it is invalid).
    ///
    /// Not retried once sent: Paysera has no idempotency keys. On an unknown outcome
    /// ([`Error::outcome_unknown`]), look the transaction up (e.g. with
    /// [`Client::iter_transactions`] and your reference in `parameters`) before creating another.
    pub async fn create_transaction(
        &self,
        request: &TransactionRequest,
    ) -> Result<Transaction, Error> {
        if let Err(problems) = request.validate() {
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect();
            return Err(Error::invalid_input(format!(
                "transaction request: {}",
                list.join("; ")
            )));
        }
        let body = serde_json::to_vec(request).map_err(|e| Error::invalid_input(e.to_string()))?;
        self.json(Method::POST, format!("{REST_ROOT}/transaction"), Some(body))
            .await
    }

    /// `GET /transaction/{key}`.
    pub async fn get_transaction(&self, key: &str) -> Result<Transaction, Error> {
        let key = check_key(key)?;
        self.json(Method::GET, format!("{REST_ROOT}/transaction/{key}"), None)
            .await
    }

    /// `GET /transactions`: one page.
    pub async fn list_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<TransactionList, Error> {
        let path = query
            .encode()?
            .to_path(&format!("{REST_ROOT}/transactions"));
        self.json(Method::GET, path, None).await
    }

    /// Every transaction matching `query`, page by page (`limit` is the page size, default 100).
    pub fn iter_transactions(&self, query: TransactionQuery) -> Paginator<Transaction> {
        let client = self.clone();
        let start = query.offset.unwrap_or(0);
        let limit = query.limit.unwrap_or(100);
        Paginator::new(start, limit, move |offset, limit| {
            let client = client.clone();
            let q = TransactionQuery {
                offset: Some(offset),
                limit: Some(limit),
                ..query.clone()
            };
            Box::pin(async move {
                let page = client.list_transactions(&q).await?;
                Ok((page.transactions, page.metadata))
            })
        })
    }

    /// `PUT /transaction/{key}/confirm`, optionally lowering payment prices
    /// (`{payment id: new amount}`). A retry that meets `invalid_state` after a lost response
    /// reads the transaction back and returns it when it is in fact confirmed.
    pub async fn confirm_transaction(
        &self,
        key: &str,
        prices: Option<&ConfirmPrices>,
    ) -> Result<Transaction, Error> {
        let key = check_key(key)?;
        let body = match prices {
            Some(p) if !p.is_empty() => {
                Some(serde_json::to_vec(p).map_err(|e| Error::invalid_input(e.to_string()))?)
            }
            _ => None,
        };
        let result = self
            .json(
                Method::PUT,
                format!("{REST_ROOT}/transaction/{key}/confirm"),
                body,
            )
            .await;
        self.reconcile(
            result,
            || self.get_transaction(key),
            |t: &Transaction| t.status == TransactionStatus::Confirmed,
        )
        .await
    }

    /// `DELETE /transaction/{key}`: revoke (allowed while `new`, `waiting*` or `reserved`).
    pub async fn revoke_transaction(&self, key: &str) -> Result<Transaction, Error> {
        let key = check_key(key)?;
        let result = self
            .json(
                Method::DELETE,
                format!("{REST_ROOT}/transaction/{key}"),
                None,
            )
            .await;
        self.reconcile(
            result,
            || self.get_transaction(key),
            |t: &Transaction| t.status == TransactionStatus::Revoked,
        )
        .await
    }

    /// `GET /server`: Paysera's clock, Unix seconds.
    pub async fn server_time(&self) -> Result<i64, Error> {
        let t: ServerTime = self
            .call(Call {
                method: Method::GET,
                path: format!("{REST_ROOT}/server"),
                body: None,
                authenticated: false,
            })
            .await
            .and_then(|r| decode(&Method::GET, &format!("{REST_ROOT}/server"), r))?;
        Ok(t.time)
    }

    /// `GET /publickey`: the PEM key that signs callbacks. Fetched once per client, then cached.
    pub async fn get_public_key(&self) -> Result<String, Error> {
        self.shared
            .public_key
            .get_or_try_init(|| async {
                let resp = self
                    .call(Call {
                        method: Method::GET,
                        path: "/publickey".to_owned(),
                        body: None,
                        authenticated: false,
                    })
                    .await?;
                let pem = String::from_utf8(resp.body).map_err(|_| Error::Decode {
                    method: "GET".into(),
                    path: "/publickey".into(),
                    status: resp.status,
                    message: "public key is not UTF-8 text".into(),
                    snippet: String::new(),
                    correlation_id: resp.correlation_id.clone(),
                })?;
                // Parse now so a bad key fails here, not at the first callback.
                crate::callback::CallbackVerifier::from_pem(&pem).map_err(|e| Error::Decode {
                    method: "GET".into(),
                    path: "/publickey".into(),
                    status: resp.status,
                    message: e.to_string(),
                    snippet: snippet(pem.as_bytes()),
                    correlation_id: resp.correlation_id.clone(),
                })?;
                Ok(pem)
            })
            .await
            .cloned()
    }

    /// Verifies a callback with Paysera's public key (fetched and cached by [`Self::get_public_key`]).
    pub async fn verify_callback(&self, event: &[u8], sign: &str) -> Result<bool, Error> {
        let pem = self.get_public_key().await?;
        crate::callback::verify_callback(event, sign, &pem)
    }

    // ---- plumbing --------------------------------------------------------------------------

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: String,
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let resp = self
            .call(Call {
                method: method.clone(),
                path: path.clone(),
                body,
                authenticated: true,
            })
            .await?;
        decode(&method, &path, resp)
    }

    /// After a lost response, a retried state change can meet `invalid_state` because the first
    /// attempt did apply: read the resource and accept it when it is already in the target state.
    async fn reconcile<T, F, Fut>(
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
    /// re-syncs the clock once on `invalid_timestamp`.
    async fn call(&self, mut call: Call) -> Result<Response, Error> {
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
        loop {
            let started = Instant::now();
            let mut headers = HeaderMap::new();
            if call.authenticated {
                let sig = self
                    .shared
                    .signer
                    .sign(call.method.as_str(), &wire_url, &body, &[])?;
                let mut value = HeaderValue::from_str(&sig.authorization)
                    .map_err(|_| Error::invalid_input("client id is not a valid header value"))?;
                value.set_sensitive(true);
                headers.insert(header::AUTHORIZATION, value);
            }
            let mut request = self
                .shared
                .http
                .request(call.method.clone(), url.clone())
                .timeout(self.timeout)
                .headers(headers)
                .header(header::ACCEPT, "application/json");
            if !body.is_empty() {
                request = request
                    .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
                    .body(body.clone());
            }
            log::debug!(target: "paysera_scanpay", "-> {} {} (attempt {})", call.method, call.path, retries + 1);
            let error = match self.read(request, &call, idempotent).await {
                Ok(resp) if (200..300).contains(&resp.status) => {
                    log::debug!(
                        target: "paysera_scanpay",
                        "<- {} {} {} in {} ms",
                        resp.status, call.method, call.path, started.elapsed().as_millis()
                    );
                    return Ok(resp);
                }
                Ok(resp) => self.api_error(resp, &call, idempotent, unknown_outcome),
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
                self.retry.delay(retries, error.retry_after())
            } else {
                None
            };
            let Some(delay) = delay else {
                log::debug!(target: "paysera_scanpay", "{} {} failed: {error}", call.method, call.path);
                return Err(error);
            };
            unknown_outcome |= error.outcome_unknown();
            retries += 1;
            log::warn!(
                target: "paysera_scanpay",
                "{} {} failed ({}); retry {}/{} in {} ms",
                call.method, call.path, error.code(), retries, self.retry.max_retries, delay.as_millis()
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn read(
        &self,
        request: reqwest::RequestBuilder,
        call: &Call,
        idempotent: bool,
    ) -> Result<Response, Error> {
        let transport = |e: reqwest::Error| self.transport_error(e, call, idempotent);
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

    fn transport_error(&self, e: reqwest::Error, call: &Call, idempotent: bool) -> Error {
        // A connect failure (refused, DNS, TLS handshake, connect timeout) provably sent nothing.
        let may_have_been_applied = !e.is_connect();
        let retry_safe = idempotent || !may_have_been_applied;
        let method = call.method.to_string();
        let path = call.path.clone();
        if e.is_timeout() {
            return Error::Timeout {
                method,
                path,
                timeout: self.timeout,
                may_have_been_applied,
                retry_safe,
            };
        }
        // The URL and headers are left out: the path is reported separately, headers never are.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Transport {
            method,
            path,
            message,
            may_have_been_applied,
            retry_safe,
        }
    }

    fn api_error(
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

    /// Reads Paysera's clock and keeps the offset for every later signature.
    async fn resync_clock(&self) -> Result<(), Error> {
        let local_before = crate::mac::unix_now();
        let server = self.server_time().await?;
        let offset = server - local_before;
        self.shared.clock_offset.store(offset, Ordering::Relaxed);
        log::info!(target: "paysera_scanpay", "clock offset to Paysera is now {offset} s");
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(method: &Method, path: &str, resp: Response) -> Result<T, Error> {
    serde_json::from_slice(&resp.body).map_err(|e| Error::Decode {
        method: method.to_string(),
        path: path.to_owned(),
        status: resp.status,
        message: e.to_string(),
        snippet: snippet(&resp.body),
        correlation_id: resp.correlation_id,
    })
}

type PageFuture<T> = BoxFuture<'static, Result<(Vec<T>, Option<Metadata>), Error>>;

/// Walks a paged listing. Stops at an empty page, when `_metadata.total` is reached, or when
/// `_metadata.has_next` is false. A failed page can be retried by calling again.
///
/// Offset paging over live data can skip or repeat an item that changes while you walk.
pub struct Paginator<T> {
    fetch: Box<dyn FnMut(u32, u32) -> PageFuture<T> + Send>,
    offset: u32,
    limit: u32,
    buffer: VecDeque<T>,
    done: bool,
}

impl<T> fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("offset", &self.offset)
            .field("limit", &self.limit)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Paginator<T> {
    fn new(
        offset: u32,
        limit: u32,
        fetch: impl FnMut(u32, u32) -> PageFuture<T> + Send + 'static,
    ) -> Self {
        Self {
            fetch: Box::new(fetch),
            offset,
            limit,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    /// The next page, or `None` when the listing is exhausted.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        if !self.buffer.is_empty() {
            return Ok(Some(self.buffer.drain(..).collect()));
        }
        if self.done {
            return Ok(None);
        }
        if !(1..=200).contains(&self.limit) {
            return Err(Error::invalid_input(format!(
                "page size {} is out of range; Paysera accepts 1 to 200",
                self.limit
            )));
        }
        let (items, meta) = (self.fetch)(self.offset, self.limit).await?;
        if items.is_empty() {
            self.done = true;
            return Ok(None);
        }
        self.offset = self.offset.saturating_add(items.len() as u32);
        if let Some(m) = meta
            && (m.total.is_some_and(|t| u64::from(self.offset) >= t) || m.has_next == Some(false))
        {
            self.done = true;
        }
        Ok(Some(items))
    }

    /// The next item, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<T>, Error> {
        if self.buffer.is_empty() {
            match self.next_page().await? {
                Some(items) => self.buffer.extend(items),
                None => return Ok(None),
            }
        }
        Ok(self.buffer.pop_front())
    }

    /// Every remaining item.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }

    /// As a `Stream` of items; an error ends the stream after it is yielded.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, Error>> + Send {
        stream::unfold(Some(self), |state| async move {
            let mut pager = state?;
            match pager.next().await {
                Ok(Some(item)) => Some((Ok(item), Some(pager))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
