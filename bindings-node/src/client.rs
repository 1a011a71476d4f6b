//! `Client`: the async Wallet API client. Every method returns a Promise resolved from the core's
//! future on the tokio runtime; an optional `CancelToken` (driven by the facade's `AbortSignal`)
//! drops that future, which closes the request.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{BigInt, Buffer, Either, Either3, PromiseRaw};
use napi::{Env, Result};
use napi_derive::napi;
use paysera_scanpay::{
    Client as CoreClient, ConfirmPrices, MacCredentials, Paginator, Spot, SpotQuery, SpotStatus,
    Transaction, TransactionQuery, TransactionRequest, TransactionStatus,
};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::completion;
use crate::convert;
use crate::error;
use crate::logging::{self, LogSink, Scope};

/// Paysera's production API host; the default base URL.
#[napi]
pub const PRODUCTION_BASE_URL: &str = paysera_scanpay::PRODUCTION_BASE_URL;

/// Paysera's own sandbox host, as named in Paysera's PHP library.
#[napi]
pub const SANDBOX_BASE_URL: &str = paysera_scanpay::SANDBOX_BASE_URL;

/// The base URL a `Client` uses unless given one.
#[napi]
pub const DEFAULT_BASE_URL: &str = paysera_scanpay::DEFAULT_BASE_URL;

/// Cancels the native calls it is passed to. One per `AbortSignal`.
#[napi]
pub struct CancelToken {
    tx: watch::Sender<bool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            tx: watch::channel(false).0,
        }
    }

    #[napi]
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }
}

/// Runs a core future as a Promise of its wire JSON, racing the cancel token when there is one.
pub(crate) fn spawn<'env, T, F>(
    env: &'env Env,
    cancel: Option<&CancelToken>,
    fut: F,
) -> Result<PromiseRaw<'env, Value>>
where
    T: Serialize + Send + 'static,
    F: Future<Output = std::result::Result<T, paysera_scanpay::Error>> + Send + 'static,
{
    let cancel = cancel.map(|c| c.tx.subscribe());
    env.spawn_future(async move { convert::to_js(&cancellable(cancel, fut).await?) })
}

/// `fut`'s outcome, or `aborted` once the token fires; a dropped token (garbage-collected with
/// its signal) never cancels.
async fn cancellable<T, F>(cancel: Option<watch::Receiver<bool>>, fut: F) -> Result<T>
where
    F: Future<Output = std::result::Result<T, paysera_scanpay::Error>>,
{
    let out = match cancel {
        None => fut.await,
        Some(mut rx) => tokio::select! {
            out = fut => out,
            Ok(_) = rx.wait_for(|cancelled| *cancelled) => return Err(error::aborted()),
        },
    };
    out.map_err(error::core)
}

/// [`spawn`] for the client's calls: the value crosses as JSON text, parsed on the JavaScript
/// thread (see `completion.rs`).
pub(crate) fn spawn_json<'env, T, F>(
    env: &'env Env,
    cancel: Option<&CancelToken>,
    fut: F,
) -> Result<PromiseRaw<'env, Value>>
where
    T: Serialize + Send + 'static,
    F: Future<Output = std::result::Result<T, paysera_scanpay::Error>> + Send + 'static,
{
    let cancel = cancel.map(|c| c.tx.subscribe());
    completion::spawn(env, async move {
        convert::to_json(&cancellable(cancel, fut).await?)
    })
}

#[napi(object)]
pub struct ClientOptions {
    pub client_id: String,
    pub mac_key: String,
    pub base_url: Option<String>,
    pub timeout_ms: Option<u32>,
    pub connect_timeout_ms: Option<u32>,
    pub retries: Option<u32>,
    pub user_agent: Option<String>,
    /// Sent as the MAC ext parameter `project_id` on every call.
    pub project_id: Option<Either3<f64, BigInt, String>>,
    /// Sent as the MAC ext parameter `location_id` on every call.
    pub location_id: Option<Either3<f64, BigInt, String>>,
}

#[napi(object)]
pub struct SpotQueryOptions {
    pub status: Option<String>,
    pub location_id: Option<Either3<f64, BigInt, String>>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

fn spot_query(q: Option<SpotQueryOptions>) -> Result<SpotQuery> {
    let Some(q) = q else {
        return Ok(SpotQuery::default());
    };
    Ok(SpotQuery {
        status: q.status.map(SpotStatus::from),
        location_id: q
            .location_id
            .map(|id| convert::id(id, "locationId"))
            .transpose()?,
        limit: q.limit,
        offset: q.offset,
    })
}

#[napi(object)]
pub struct TransactionQueryOptions {
    pub statuses: Option<Vec<String>>,
    pub wallet: Option<Either3<f64, BigInt, String>>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub project_id: Option<Either3<f64, BigInt, String>>,
    pub location_id: Option<Either3<f64, BigInt, String>>,
}

fn transaction_query(q: Option<TransactionQueryOptions>) -> Result<TransactionQuery> {
    let Some(q) = q else {
        return Ok(TransactionQuery::default());
    };
    let id =
        |v: Option<Either3<f64, BigInt, String>>, what| v.map(|v| convert::id(v, what)).transpose();
    Ok(TransactionQuery {
        statuses: q
            .statuses
            .unwrap_or_default()
            .into_iter()
            .map(TransactionStatus::from)
            .collect(),
        wallet: id(q.wallet, "wallet")?,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
        project_id: id(q.project_id, "projectId")?,
        location_id: id(q.location_id, "locationId")?,
    })
}

/// A JSON argument decoded into a core model; a mismatch is the caller's mistake.
fn model<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|e| error::invalid_input(format!("{what}: {e}")))
}

#[napi]
pub struct Client {
    inner: CoreClient,
    /// Where the records of this client's calls go, once JavaScript asks for them.
    log: Option<Scope>,
}

impl Client {
    /// The core client (for the cashier).
    pub(crate) fn core(&self) -> &CoreClient {
        &self.inner
    }

    /// [`spawn`], with the call's log records routed to this client's logger.
    fn run<'env, T, F>(
        &self,
        env: &'env Env,
        cancel: Option<&CancelToken>,
        fut: F,
    ) -> Result<PromiseRaw<'env, Value>>
    where
        T: Serialize + Send + 'static,
        F: Future<Output = std::result::Result<T, paysera_scanpay::Error>> + Send + 'static,
    {
        spawn_json(env, cancel, logging::scoped(self.log.clone(), fut))
    }
}

#[napi]
impl Client {
    #[napi(constructor)]
    pub fn new(options: ClientOptions) -> Result<Self> {
        let credentials =
            MacCredentials::new(options.client_id, options.mac_key).map_err(error::core)?;
        let mut builder = CoreClient::builder(credentials);
        if let Some(url) = options.base_url {
            builder = builder.base_url(url);
        }
        if let Some(ms) = options.timeout_ms {
            builder = builder.timeout(Duration::from_millis(ms.into()));
        }
        if let Some(ms) = options.connect_timeout_ms {
            builder = builder.connect_timeout(Duration::from_millis(ms.into()));
        }
        if let Some(n) = options.retries {
            builder = builder.retries(n);
        }
        if let Some(ua) = options.user_agent {
            builder = builder.user_agent(ua);
        }
        if let Some(id) = options.project_id {
            builder = builder.project_id(convert::id(id, "projectId")?);
        }
        if let Some(id) = options.location_id {
            builder = builder.location_id(convert::id(id, "locationId")?);
        }
        Ok(Self {
            inner: builder.build().map_err(error::core)?,
            log: None,
        })
    }

    /// Routes the records of this client's calls to `sink`, tagged `tag` (the facade's id of
    /// this client).
    #[napi]
    pub fn set_log_sink(&mut self, sink: &LogSink, tag: u32) {
        self.log = Some(sink.scope(tag));
    }

    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    #[napi(getter)]
    pub fn client_id(&self) -> String {
        self.inner.client_id().to_owned()
    }

    #[napi(getter)]
    pub fn timeout_ms(&self) -> f64 {
        self.inner.timeout().as_millis() as f64
    }

    #[napi(getter)]
    pub fn retries(&self) -> u32 {
        self.inner.retry_policy().max_retries
    }

    #[napi(getter)]
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset()
    }

    #[napi(getter)]
    pub fn project_id(&self) -> Option<f64> {
        self.inner.project_id().map(|id| id as f64)
    }

    #[napi(getter)]
    pub fn location_id(&self) -> Option<f64> {
        self.inner.location_id().map(|id| id as f64)
    }

    /// A view acting for another project and/or location (the MAC ext parameters; absent ones
    /// keep this client's), sharing the connection pool and the logger.
    #[napi]
    pub fn with_ext(
        &self,
        project_id: Option<Either3<f64, BigInt, String>>,
        location_id: Option<Either3<f64, BigInt, String>>,
    ) -> Result<Client> {
        let mut inner = self.inner.clone();
        if let Some(id) = project_id {
            inner = inner.with_project_id(Some(convert::id(id, "projectId")?));
        }
        if let Some(id) = location_id {
            inner = inner.with_location_id(Some(convert::id(id, "locationId")?));
        }
        Ok(Client {
            inner,
            log: self.log.clone(),
        })
    }

    /// Transactions created in `[from, to]` whose payments carry `parameters[parameter] == value`.
    #[napi(ts_return_type = "Promise<any[]>")]
    pub fn find_transactions<'e>(
        &self,
        env: &'e Env,
        parameter: String,
        value: String,
        from: Option<i64>,
        to: Option<i64>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        self.run(env, cancel, async move {
            c.find_transactions(&parameter, &value, from, to).await
        })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn list_spots<'e>(
        &self,
        env: &'e Env,
        query: Option<SpotQueryOptions>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, q) = (self.inner.clone(), spot_query(query)?);
        self.run(env, cancel, async move { c.list_spots(&q).await })
    }

    #[napi]
    pub fn iter_spots(&self, query: Option<SpotQueryOptions>) -> Result<Pager> {
        Ok(Pager::new(
            Pages::Spots(self.inner.iter_spots(spot_query(query)?)),
            self.log.clone(),
        ))
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn get_spot<'e>(
        &self,
        env: &'e Env,
        spot_id: Either3<f64, BigInt, String>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, id) = (self.inner.clone(), convert::id(spot_id, "spotId")?);
        self.run(env, cancel, async move { c.get_spot(id).await })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn create_spot_order<'e>(
        &self,
        env: &'e Env,
        spot_id: Either3<f64, BigInt, String>,
        transaction_key: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, id) = (self.inner.clone(), convert::id(spot_id, "spotId")?);
        self.run(env, cancel, async move {
            c.create_spot_order(id, &transaction_key).await
        })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn close_spot<'e>(
        &self,
        env: &'e Env,
        spot_id: Either3<f64, BigInt, String>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, id) = (self.inner.clone(), convert::id(spot_id, "spotId")?);
        self.run(env, cancel, async move { c.close_spot(id).await })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn create_transaction<'e>(
        &self,
        env: &'e Env,
        request: Value,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, r) = (
            self.inner.clone(),
            model::<TransactionRequest>(request, "transaction request")?,
        );
        self.run(env, cancel, async move { c.create_transaction(&r).await })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn get_transaction<'e>(
        &self,
        env: &'e Env,
        key: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        self.run(env, cancel, async move { c.get_transaction(&key).await })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn list_transactions<'e>(
        &self,
        env: &'e Env,
        query: Option<TransactionQueryOptions>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, q) = (self.inner.clone(), transaction_query(query)?);
        self.run(env, cancel, async move { c.list_transactions(&q).await })
    }

    #[napi]
    pub fn iter_transactions(&self, query: Option<TransactionQueryOptions>) -> Result<Pager> {
        Ok(Pager::new(
            Pages::Transactions(self.inner.iter_transactions(transaction_query(query)?)),
            self.log.clone(),
        ))
    }

    /// `prices`: `{ [paymentId]: { price, currency } }` to lower amounts.
    #[napi(ts_return_type = "Promise<any>")]
    pub fn confirm_transaction<'e>(
        &self,
        env: &'e Env,
        key: String,
        prices: Option<Value>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let prices = prices
            .map(|p| model::<ConfirmPrices>(p, "prices"))
            .transpose()?;
        let c = self.inner.clone();
        self.run(env, cancel, async move {
            c.confirm_transaction(&key, prices.as_ref()).await
        })
    }

    #[napi(ts_return_type = "Promise<any>")]
    pub fn revoke_transaction<'e>(
        &self,
        env: &'e Env,
        key: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        self.run(env, cancel, async move { c.revoke_transaction(&key).await })
    }

    #[napi(ts_return_type = "Promise<number>")]
    pub fn server_time<'e>(
        &self,
        env: &'e Env,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        self.run(env, cancel, async move { c.server_time().await })
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn get_public_key<'e>(
        &self,
        env: &'e Env,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        self.run(env, cancel, async move { c.get_public_key().await })
    }

    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn verify_callback<'e>(
        &self,
        env: &'e Env,
        event: Either<String, Buffer>,
        sign: String,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (c, event) = (self.inner.clone(), convert::bytes(Some(event)));
        self.run(env, cancel, async move {
            c.verify_callback(&event, &sign).await
        })
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Page {
    Spots(Option<Vec<Spot>>),
    Transactions(Option<Vec<Transaction>>),
}

enum Pages {
    Spots(Paginator<Spot>),
    Transactions(Paginator<Transaction>),
}

/// Walks a listing page by page (the facade's async iterators).
#[napi]
pub struct Pager {
    pages: Arc<tokio::sync::Mutex<Pages>>,
    log: Option<Scope>,
}

impl Pager {
    fn new(pages: Pages, log: Option<Scope>) -> Self {
        Self {
            pages: Arc::new(tokio::sync::Mutex::new(pages)),
            log,
        }
    }
}

#[napi]
impl Pager {
    /// The next page of items, or `null` at the end. A failed page can be fetched again.
    #[napi(ts_return_type = "Promise<any[] | null>")]
    pub fn next_page<'e>(
        &self,
        env: &'e Env,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let pages = self.pages.clone();
        let page = async move {
            Ok(match &mut *pages.lock().await {
                Pages::Spots(p) => Page::Spots(p.next_page().await?),
                Pages::Transactions(p) => Page::Transactions(p.next_page().await?),
            })
        };
        spawn_json(env, cancel, logging::scoped(self.log.clone(), page))
    }
}
