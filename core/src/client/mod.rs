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

mod builder;
mod find;
mod paginator;
mod query;
mod retry;
mod scope;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use reqwest::Method;

pub use builder::ClientBuilder;
pub(crate) use find::carries;
pub use paginator::Paginator;
pub use query::{SpotQuery, TransactionQuery};
pub use retry::RetryPolicy;
pub use scope::ExtScope;
pub use transport::install_crypto_provider;
#[cfg(feature = "postgres")]
pub(crate) use transport::{crypto_provider, platform_verifier};

pub use crate::defaults::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_PAGE_SIZE, DEFAULT_RETRIES, DEFAULT_TIMEOUT,
    MAX_PAGE_SIZE, MIN_PAGE_SIZE,
};

use crate::error::{Error, snippet};
use crate::mac::{MacCredentials, MacSigner};
use crate::models::{
    ConfirmPrices, Order, ServerTime, Spot, SpotList, SpotStatus, Transaction, TransactionList,
    TransactionRequest, TransactionStatus,
};
use query::check_key;
use transport::{Call, decode, http_client};

/// Paysera's production API host.
pub const PRODUCTION_BASE_URL: &str = "https://wallet.paysera.com";
/// Paysera's own sandbox host, as named in Paysera's PHP library
/// (`paysera/lib-wallet-php-client`). Ask Paysera whether it serves Scan and Pay for your account.
///
/// ```
/// use paysera_scanpay::{Client, MacCredentials, SANDBOX_BASE_URL};
///
/// let client = Client::builder(MacCredentials::new("id", "key").unwrap())
///     .base_url(SANDBOX_BASE_URL)
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://wallet-sandbox.paysera.com");
/// ```
pub const SANDBOX_BASE_URL: &str = "https://wallet-sandbox.paysera.com";
/// The base URL a client uses unless told otherwise: [`PRODUCTION_BASE_URL`].
pub const DEFAULT_BASE_URL: &str = PRODUCTION_BASE_URL;
const REST_ROOT: &str = "/rest/v1";
const CORRELATION_HEADER: &str = "paysera-correlation-id";

struct Shared {
    http: reqwest::Client,
    user_agent: String,
    connect_timeout: Duration,
    signer: MacSigner,
    base_url: String,
    clock_offset: Arc<AtomicI64>,
    /// Paysera's callback key, parsed, and when it was fetched; the lock also makes concurrent
    /// first callbacks share one fetch.
    public_key: tokio::sync::Mutex<Option<Arc<CallbackKey>>>,
}

/// The callback key as fetched (PEM), parsed once for every callback it verifies.
struct CallbackKey {
    pem: String,
    verifier: crate::callback::CallbackVerifier,
    /// tokio's clock (the system's, but that a test can move on).
    fetched: tokio::time::Instant,
}

impl CallbackKey {
    fn new((pem, verifier): (String, crate::callback::CallbackVerifier)) -> Arc<Self> {
        Arc::new(Self {
            pem,
            verifier,
            fetched: tokio::time::Instant::now(),
        })
    }
}

/// An async Paysera Wallet API client. Cheap to clone: clones share one connection pool.
/// `Debug` never shows the MAC key.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    /// `project_id`/`location_id` sent as MAC ext parameters on every call.
    scope: ExtScope,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("client_id", &self.shared.signer.credentials().client_id())
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for production Paysera with default timeouts and retries.
    pub fn new(credentials: MacCredentials) -> Result<Self, Error> {
        Self::builder(credentials).build()
    }

    /// A view of this client with another per-attempt timeout; shares the connection pool.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    /// A view of this client with another overall deadline per call (`None`: only the
    /// per-attempt timeout); shares the connection pool.
    pub fn with_deadline(&self, deadline: Option<Duration>) -> Self {
        Self {
            deadline,
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
                // Busy only while a fetch is in flight: the new client then fetches its own.
                public_key: tokio::sync::Mutex::new(
                    s.public_key.try_lock().ok().and_then(|k| k.clone()),
                ),
            }),
            timeout: self.timeout,
            deadline: self.deadline,
            retry: self.retry.clone(),
            scope: self.scope,
        })
    }

    /// This view's settings (timeout, deadline, retries, ext scope) over the connection pool of
    /// `pool`, which must be a [`Client::reconnect`] of this client or of the client this is a
    /// view of (it also brings the credentials, base URL and clock offset). For bindings that
    /// keep one pool per async runtime and pick the pool per call.
    pub fn with_pool_of(&self, pool: &Client) -> Self {
        Self {
            shared: pool.shared.clone(),
            ..self.clone()
        }
    }

    /// The MAC id this client signs with.
    pub fn client_id(&self) -> &str {
        self.shared.signer.credentials().client_id()
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The overall deadline of one call, attempts and backoff included, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
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

    /// Every spot matching `query`, page by page (`limit` is the page size, default
    /// [`DEFAULT_PAGE_SIZE`]).
    pub fn iter_spots(&self, query: SpotQuery) -> Paginator<Spot> {
        let client = self.clone();
        let start = query.offset.unwrap_or(0);
        let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
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

    /// `PUT /spot/{id}/close`. An answer without the spot (`{}` or no body) is followed by a
    /// `GET` of the spot, which is returned. If a retry follows an attempt whose outcome was lost and Paysera
    /// answers `invalid_state`, the spot is read back and returned when it is in fact closed.
    pub async fn close_spot(&self, spot_id: u64) -> Result<Spot, Error> {
        let result = self
            .change(
                Method::PUT,
                format!("{REST_ROOT}/spot/{spot_id}/close"),
                None,
                || self.get_spot(spot_id),
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
    /// ([`Error::outcome_unknown`]), look the transaction up with
    /// [`Client::find_transactions`] and your reference in `parameters` before creating another.
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

    /// Every transaction matching `query`, page by page (`limit` is the page size, default
    /// [`DEFAULT_PAGE_SIZE`]).
    pub fn iter_transactions(&self, query: TransactionQuery) -> Paginator<Transaction> {
        let client = self.clone();
        let start = query.offset.unwrap_or(0);
        let limit = query.limit.unwrap_or(DEFAULT_PAGE_SIZE);
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
    /// (`{payment id: new amount}`). An answer without the transaction (`{}` or no body, as
    /// Paysera's newer API reference shows) is followed by a `GET` of it. A retry that meets `invalid_state` after a lost response
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
            .change(
                Method::PUT,
                format!("{REST_ROOT}/transaction/{key}/confirm"),
                body,
                || self.get_transaction(key),
            )
            .await;
        self.reconcile(
            result,
            || self.get_transaction(key),
            |t: &Transaction| t.status == TransactionStatus::Confirmed,
        )
        .await
    }

    /// `DELETE /transaction/{key}`: revoke (allowed while `new`, `waiting*` or `reserved`). An
    /// answer without the transaction (`{}` or no body) is followed by a `GET` of it.
    pub async fn revoke_transaction(&self, key: &str) -> Result<Transaction, Error> {
        let key = check_key(key)?;
        let result = self
            .change(
                Method::DELETE,
                format!("{REST_ROOT}/transaction/{key}"),
                None,
                || self.get_transaction(key),
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

    /// `GET /publickey`: the PEM key that signs callbacks. Fetched once per client, then cached
    /// (see [`Self::verify_callback`] for when it is fetched again).
    pub async fn get_public_key(&self) -> Result<String, Error> {
        Ok(self.callback_key().await?.pem.clone())
    }

    /// The cached callback key, fetched (and parsed) on first use.
    async fn callback_key(&self) -> Result<Arc<CallbackKey>, Error> {
        let mut cached = self.shared.public_key.lock().await;
        if let Some(key) = cached.as_ref() {
            return Ok(Arc::clone(key));
        }
        let key = CallbackKey::new(self.fetch_public_key().await?);
        *cached = Some(key.clone());
        Ok(key)
    }

    /// Fetches the key again when the cached one is older than
    /// [`crate::defaults::PUBLIC_KEY_REFRESH_INTERVAL`]; `Some` only when the key changed. The
    /// floor keeps forged callbacks from turning into a stream of `/publickey` requests.
    async fn refresh_public_key(&self) -> Result<Option<Arc<CallbackKey>>, Error> {
        let mut cached = self.shared.public_key.lock().await;
        if let Some(key) = cached.as_ref()
            && key.fetched.elapsed() < crate::defaults::PUBLIC_KEY_REFRESH_INTERVAL
        {
            return Ok(None);
        }
        let key = CallbackKey::new(self.fetch_public_key().await?);
        let changed = cached.as_ref().is_none_or(|old| old.pem != key.pem);
        *cached = Some(key.clone());
        Ok(changed.then_some(key))
    }

    /// `GET /publickey`, parsed now so that a bad key fails here, not at the first callback.
    async fn fetch_public_key(&self) -> Result<(String, crate::callback::CallbackVerifier), Error> {
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
        let verifier =
            crate::callback::CallbackVerifier::from_pem(&pem).map_err(|e| Error::Decode {
                method: "GET".into(),
                path: "/publickey".into(),
                status: resp.status,
                message: e.to_string(),
                snippet: snippet(pem.as_bytes()),
                correlation_id: resp.correlation_id.clone(),
            })?;
        Ok((pem, verifier))
    }

    /// Verifies a callback with Paysera's public key (fetched, parsed and cached by
    /// [`Self::get_public_key`]). When the signature does not match, the key is fetched once
    /// more (Paysera may have rotated it) and the callback checked again with the new key.
    pub async fn verify_callback(&self, event: &[u8], sign: &str) -> Result<bool, Error> {
        if self.callback_key().await?.verifier.verify(event, sign) {
            return Ok(true);
        }
        Ok(self
            .refresh_public_key()
            .await?
            .is_some_and(|key| key.verifier.verify(event, sign)))
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    #[test]
    fn a_view_over_another_pool_keeps_its_settings_and_takes_the_pool() {
        let base = Client::builder(MacCredentials::new("id", "key").unwrap())
            .base_url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let view = base
            .with_timeout(Duration::from_secs(7))
            .with_retries(5)
            .with_deadline(None)
            .with_project_id(Some(3))
            .with_location_id(Some(4));
        let pool = base.reconnect().unwrap();
        let moved = view.with_pool_of(&pool);
        assert!(Arc::ptr_eq(&moved.shared, &pool.shared));
        assert!(!Arc::ptr_eq(&moved.shared, &view.shared));
        assert_eq!(moved.timeout(), Duration::from_secs(7));
        assert_eq!(moved.retry_policy().max_retries, 5);
        assert_eq!(moved.deadline(), None);
        assert_eq!(moved.project_id(), Some(3));
        assert_eq!(moved.location_id(), Some(4));
        assert_eq!(moved.base_url(), base.base_url());
    }
}
