//! The Wallet API client: one method per core endpoint, each returning a [`Call`] that the
//! Python `Client` waits for and `AsyncClient` awaits.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use paysera_scanpay::error::ErrorKind;
use paysera_scanpay::models::{ConfirmPrices, Spot, Transaction, TransactionRequest};
use paysera_scanpay::{
    Client, MacCredentials, Paginator, SpotQuery, SpotStatus, TransactionQuery, TransactionStatus,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Serialize;

use crate::bridge::{BlockingPool, Call};
use crate::convert::{error, error_of, from_py};
use crate::signing::bytes_arg;
use crate::sync::{ProcessLocal, lock};

fn closed() -> PyErr {
    Python::attach(|py| error_of(py, ErrorKind::Lifecycle, "the client is closed"))
}

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            PyValueError::new_err(format!("{name} must be a positive number of seconds"))
        })
}

/// A deadline in seconds: `None` or infinity for none.
fn deadline_arg(value: Option<f64>) -> PyResult<Option<Duration>> {
    match value {
        Some(v) if v == f64::INFINITY => Ok(None),
        Some(v) => seconds("deadline", v).map(Some),
        None => Ok(None),
    }
}

/// A core `Client` that follows the process across `fork()`.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeClient {
    /// `None` once closed. Pooled connections belong to the runtime of the process that opened
    /// them: a forked child reconnects (and leaks the parent's pool, as the core leaks the
    /// parent's runtime).
    state: Mutex<Option<ProcessLocal<Client>>>,
    /// The connections of blocking calls, shared with this client's views; `None` once closed
    /// (the last handle to close or go closes them).
    blocking: Mutex<Option<Arc<BlockingPool>>>,
}

impl NativeClient {
    fn wrap(client: Client, blocking: Arc<BlockingPool>) -> Self {
        Self {
            state: Mutex::new(Some(ProcessLocal::new(client))),
            blocking: Mutex::new(Some(blocking)),
        }
    }

    fn blocking(&self, py: Python<'_>) -> PyResult<Arc<BlockingPool>> {
        lock(&self.blocking)
            .clone()
            .ok_or_else(|| error_of(py, ErrorKind::Lifecycle, "the client is closed"))
    }

    /// A call of the core method `make` applies to this client.
    fn call<M, F, T>(&self, py: Python<'_>, make: M) -> PyResult<Call>
    where
        M: FnOnce(Client) -> F + Send + 'static,
        F: Future<Output = Result<T, paysera_scanpay::Error>> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let client = self.client(py)?;
        Ok(Call::request(py, client, self.blocking(py)?, make))
    }

    /// The core client for this process.
    pub(crate) fn client(&self, py: Python<'_>) -> PyResult<Client> {
        let mut state = lock(&self.state);
        let client = state
            .as_mut()
            .ok_or_else(|| error_of(py, ErrorKind::Lifecycle, "the client is closed"))?;
        let client = client.current_or(|parent| parent.reconnect().map_err(|e| error(py, &e)))?;
        Ok(client.clone())
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (client_id, mac_key, base_url, timeout, connect_timeout, retries, user_agent = None, deadline = None, project_id = None, location_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: String,
        mac_key: String,
        base_url: String,
        timeout: f64,
        connect_timeout: f64,
        retries: u32,
        user_agent: Option<String>,
        deadline: Option<f64>,
        project_id: Option<u64>,
        location_id: Option<u64>,
    ) -> PyResult<Self> {
        let credentials = MacCredentials::new(client_id, mac_key).map_err(|e| error(py, &e))?;
        let mut builder = Client::builder(credentials)
            .base_url(base_url)
            .timeout(seconds("timeout", timeout)?)
            .deadline(deadline_arg(deadline)?)
            .connect_timeout(seconds("connect_timeout", connect_timeout)?)
            .retries(retries);
        if let Some(ua) = user_agent {
            builder = builder.user_agent(ua);
        }
        if let Some(p) = project_id {
            builder = builder.project_id(p);
        }
        if let Some(l) = location_id {
            builder = builder.location_id(l);
        }
        builder
            .build()
            .map(|c| Self::wrap(c, Arc::default()))
            .map_err(|e| error(py, &e))
    }

    /// A view with another timeout, retry count, deadline (infinity: none), project and/or
    /// location (the MAC ext parameters), sharing the connection pool.
    #[pyo3(signature = (timeout = None, retries = None, deadline = None, project_id = None, location_id = None))]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        retries: Option<u32>,
        deadline: Option<f64>,
        project_id: Option<u64>,
        location_id: Option<u64>,
    ) -> PyResult<Self> {
        let mut client = self.client(py)?;
        if project_id.is_some() {
            client = client.with_project_id(project_id);
        }
        if location_id.is_some() {
            client = client.with_location_id(location_id);
        }
        if let Some(t) = timeout {
            client = client.with_timeout(seconds("timeout", t)?);
        }
        if deadline.is_some() {
            client = client.with_deadline(deadline_arg(deadline)?);
        }
        if let Some(r) = retries {
            client = client.with_retries(r);
        }
        Ok(Self::wrap(client, self.blocking(py)?))
    }

    /// Drops this handle's connection pool; later calls raise.
    fn close(&self) {
        lock(&self.state).take();
        lock(&self.blocking).take();
    }

    #[getter]
    fn closed(&self) -> bool {
        lock(&self.state).is_none()
    }

    #[getter]
    fn base_url(&self) -> PyResult<String> {
        self.peek(|c| c.base_url().to_owned())
    }

    #[getter]
    fn client_id(&self) -> PyResult<String> {
        self.peek(|c| c.client_id().to_owned())
    }

    #[getter]
    fn timeout(&self) -> PyResult<f64> {
        self.peek(|c| c.timeout().as_secs_f64())
    }

    /// Seconds, or `None` for no overall deadline.
    #[getter]
    fn deadline(&self) -> PyResult<Option<f64>> {
        self.peek(|c| c.deadline().map(|d| d.as_secs_f64()))
    }

    #[getter]
    fn retries(&self) -> PyResult<u32> {
        self.peek(|c| c.retry_policy().max_retries)
    }

    #[getter]
    fn project_id(&self) -> PyResult<Option<u64>> {
        self.peek(|c| c.project_id())
    }

    #[getter]
    fn location_id(&self) -> PyResult<Option<u64>> {
        self.peek(|c| c.location_id())
    }

    #[pyo3(signature = (status = None, location_id = None, limit = None, offset = None))]
    fn list_spots(
        &self,
        py: Python<'_>,
        status: Option<String>,
        location_id: Option<u64>,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> PyResult<Call> {
        let query = spot_query(status, location_id, limit, offset);
        self.call(py, move |c| async move { c.list_spots(&query).await })
    }

    #[pyo3(signature = (status = None, location_id = None, limit = None, offset = None))]
    fn iter_spots(
        &self,
        py: Python<'_>,
        status: Option<String>,
        location_id: Option<u64>,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> PyResult<Pager> {
        let query = spot_query(status, location_id, limit, offset);
        Ok(Pager::new(Pages::Spots(self.client(py)?.iter_spots(query))))
    }

    fn get_spot(&self, py: Python<'_>, spot_id: u64) -> PyResult<Call> {
        self.call(py, move |c| async move { c.get_spot(spot_id).await })
    }

    fn create_spot_order(
        &self,
        py: Python<'_>,
        spot_id: u64,
        transaction_key: String,
    ) -> PyResult<Call> {
        self.call(py, move |c| async move {
            c.create_spot_order(spot_id, &transaction_key).await
        })
    }

    fn close_spot(&self, py: Python<'_>, spot_id: u64) -> PyResult<Call> {
        self.call(py, move |c| async move { c.close_spot(spot_id).await })
    }

    /// `request`: the create-transaction body with wire names (validated by the core).
    fn create_transaction(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Call> {
        let request: TransactionRequest = from_py(request, "transaction request")?;
        self.call(
            py,
            move |c| async move { c.create_transaction(&request).await },
        )
    }

    fn get_transaction(&self, py: Python<'_>, key: String) -> PyResult<Call> {
        self.call(py, move |c| async move { c.get_transaction(&key).await })
    }

    #[pyo3(signature = (statuses, wallet = None, from = None, to = None, limit = None, offset = None, project_id = None, location_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn list_transactions(
        &self,
        py: Python<'_>,
        statuses: Vec<String>,
        wallet: Option<u64>,
        from: Option<i64>,
        to: Option<i64>,
        limit: Option<u32>,
        offset: Option<u32>,
        project_id: Option<u64>,
        location_id: Option<u64>,
    ) -> PyResult<Call> {
        let query = transaction_query(
            statuses,
            wallet,
            from,
            to,
            limit,
            offset,
            project_id,
            location_id,
        );
        self.call(
            py,
            move |c| async move { c.list_transactions(&query).await },
        )
    }

    #[pyo3(signature = (statuses, wallet = None, from = None, to = None, limit = None, offset = None, project_id = None, location_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn iter_transactions(
        &self,
        py: Python<'_>,
        statuses: Vec<String>,
        wallet: Option<u64>,
        from: Option<i64>,
        to: Option<i64>,
        limit: Option<u32>,
        offset: Option<u32>,
        project_id: Option<u64>,
        location_id: Option<u64>,
    ) -> PyResult<Pager> {
        let query = transaction_query(
            statuses,
            wallet,
            from,
            to,
            limit,
            offset,
            project_id,
            location_id,
        );
        Ok(Pager::new(Pages::Transactions(
            self.client(py)?.iter_transactions(query),
        )))
    }

    /// Transactions created in `[from, to]` whose payments carry `parameters[parameter] == value`.
    #[pyo3(signature = (parameter, value, from = None, to = None))]
    fn find_transactions(
        &self,
        py: Python<'_>,
        parameter: String,
        value: String,
        from: Option<i64>,
        to: Option<i64>,
    ) -> PyResult<Call> {
        self.call(py, move |c| async move {
            c.find_transactions(&parameter, &value, from, to).await
        })
    }

    /// `prices`: `{payment id: {"price": cents, "currency": "EUR"}}` to lower amounts.
    #[pyo3(signature = (key, prices = None))]
    fn confirm_transaction(
        &self,
        py: Python<'_>,
        key: String,
        prices: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Call> {
        let prices: Option<ConfirmPrices> = prices.map(|p| from_py(p, "prices")).transpose()?;
        self.call(py, move |c| async move {
            c.confirm_transaction(&key, prices.as_ref()).await
        })
    }

    fn revoke_transaction(&self, py: Python<'_>, key: String) -> PyResult<Call> {
        self.call(py, move |c| async move { c.revoke_transaction(&key).await })
    }

    fn server_time(&self, py: Python<'_>) -> PyResult<Call> {
        self.call(py, move |c| async move { c.server_time().await })
    }

    fn get_public_key(&self, py: Python<'_>) -> PyResult<Call> {
        self.call(py, move |c| async move { c.get_public_key().await })
    }

    /// Verifies a callback with the public key fetched (once) from Paysera.
    fn verify_callback(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
        sign: String,
    ) -> PyResult<Call> {
        let event = bytes_arg(event, "event")?.into_owned();
        self.call(py, move |c| async move {
            c.verify_callback(&event, &sign).await
        })
    }
}

impl NativeClient {
    fn peek<T>(&self, f: impl FnOnce(&Client) -> T) -> PyResult<T> {
        lock(&self.state)
            .as_ref()
            .map(|c| f(c.get()))
            .ok_or_else(closed)
    }
}

fn spot_query(
    status: Option<String>,
    location_id: Option<u64>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> SpotQuery {
    SpotQuery {
        status: status.map(SpotStatus::from),
        location_id,
        limit,
        offset,
    }
}

#[allow(clippy::too_many_arguments)]
fn transaction_query(
    statuses: Vec<String>,
    wallet: Option<u64>,
    from: Option<i64>,
    to: Option<i64>,
    limit: Option<u32>,
    offset: Option<u32>,
    project_id: Option<u64>,
    location_id: Option<u64>,
) -> TransactionQuery {
    TransactionQuery {
        statuses: statuses.into_iter().map(TransactionStatus::from).collect(),
        wallet,
        from,
        to,
        limit,
        offset,
        project_id,
        location_id,
    }
}

/// A page of items, or `None` (Python `None`) at the end.
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

/// A paged listing; `next_page()` gives the next page's items, or `None` at the end.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct Pager {
    pages: Arc<tokio::sync::Mutex<Pages>>,
}

impl Pager {
    fn new(pages: Pages) -> Self {
        Self {
            pages: Arc::new(tokio::sync::Mutex::new(pages)),
        }
    }
}

#[pymethods]
impl Pager {
    fn next_page(&self, py: Python<'_>) -> Call {
        let pages = self.pages.clone();
        Call::new(py, async move {
            Ok(match &mut *pages.lock().await {
                Pages::Spots(p) => Page::Spots(p.next_page().await?),
                Pages::Transactions(p) => Page::Transactions(p.next_page().await?),
            })
        })
    }
}
