//! The core's cashier engine, driven from Python (`paysera_scanpay.Cashier`, `AsyncCashier`).
//!
//! The engine, its store and its requests run on the core's runtime. The merchant's handlers
//! are Python, so they run on the thread that runs the cashier: the core's `Dispatcher` hands
//! each handler call over at once, and it goes into the [`Mailbox`] of the [`NativeRun`] in
//! progress. The Python side takes the calls with `wait()` (a blocking thread, GIL released) or
//! `drain()` (the asyncio loop, woken as `mailbox.rs` describes), calls the handler and answers
//! through the [`HandlerReply`], which the engine awaits. The run's end goes through the same
//! mailbox, last. The one-run-at-a-time rule is the engine's (`Engine::begin`). No tokio thread
//! ever touches Python, as in `bridge.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use paysera_scanpay::engine::{
    Dispatcher, Engine, EngineConfig, HandlerCall, HandlerKind, Run, Store, open_store,
};
use paysera_scanpay::error::ErrorKind;
use paysera_scanpay::{Client, Error};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::bridge::{Call, runtime};
use crate::client::NativeClient;
use crate::convert::{error, error_of, to_py};
use crate::logging;
use crate::mailbox::Mailbox;
use crate::signing::bytes_arg;
use crate::sync::{ProcessLocal, lock};

/// An inbox item for Python: `(kind, payload, reply)`.
type PyItem = (&'static str, Py<PyAny>, Option<HandlerReply>);

enum Item {
    Call(HandlerCall),
    /// The run ended: its outcome, or `None` when the task was dropped without one (aborted,
    /// or it panicked).
    Done(Option<Result<Value, Error>>),
}

/// The mailbox of the run in progress, where the engine's handler calls go.
type Route = Arc<Mutex<Option<Arc<Mailbox<Item>>>>>;

/// The engine's merchant: its calls go to the run in progress. Between runs there is none to
/// take them, so a call is dropped unanswered and fails (the engine only calls during a run).
fn dispatcher(route: Route, adjust: bool) -> Dispatcher {
    Dispatcher::new(adjust, move |call| {
        if let Some(mailbox) = lock(&route).as_ref() {
            mailbox.push(Item::Call(call));
        }
    })
}

/// Python data as JSON, for the core to decode: dict keys that are not strings (the payment ids
/// of `adjust`) are written as JSON writes them, as strings.
fn to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let Ok(dict) = value.cast::<PyDict>() else {
        return Ok(pythonize::depythonize(value)?);
    };
    let mut object = serde_json::Map::new();
    for (key, value) in dict {
        object.insert(key.str()?.to_string(), to_json(&value)?);
    }
    Ok(Value::Object(object))
}

/// Answers one handler call. Dropping it unanswered fails the call (the engine reports an
/// `error` event), so nothing ever waits forever on Python.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct HandlerReply {
    reply: Mutex<Option<paysera_scanpay::engine::HandlerReply>>,
}

impl HandlerReply {
    fn send(&self, answer: Result<Value, String>) {
        if let Some(reply) = lock(&self.reply).take() {
            reply.answer(answer);
        }
    }
}

#[pymethods]
impl HandlerReply {
    /// Whether the engine still waits for this answer (not after an interrupted run).
    #[getter]
    fn wanted(&self) -> bool {
        lock(&self.reply).as_ref().is_some_and(|r| r.wanted())
    }

    /// The handler's return value, with wire names; one the core cannot accept fails the call.
    fn ok(&self, value: &Bound<'_, PyAny>) {
        let kind = lock(&self.reply).as_ref().map(|r| r.kind());
        self.send(match kind {
            // What `on_event` returns is ignored.
            Some(HandlerKind::Event) | None => Ok(Value::Null),
            Some(_) => to_json(value).map_err(|e| format!("invalid return value: {e}")),
        });
    }

    /// The handler failed: the engine reports `message` in an `error` event.
    fn error(&self, message: String) {
        self.send(Err(message));
    }
}

/// Ends a run when its task ends or is dropped: frees the cashier, then tells the driver.
struct RunGuard {
    run: Option<Run>,
    route: Route,
    mailbox: Arc<Mailbox<Item>>,
    outcome: Option<Result<Value, Error>>,
}

impl RunGuard {
    fn finish(mut self, outcome: Result<Value, Error>) {
        self.outcome = Some(outcome);
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        drop(self.run.take());
        let mut route = lock(&self.route);
        if route
            .as_ref()
            .is_some_and(|m| Arc::ptr_eq(m, &self.mailbox))
        {
            *route = None;
        }
        drop(route);
        self.mailbox.push(Item::Done(self.outcome.take()));
    }
}

/// One `run_once()` or `run_forever()` in progress.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeRun {
    mailbox: Arc<Mailbox<Item>>,
    abort: tokio::task::AbortHandle,
}

impl NativeRun {
    /// Takes the queued items once nothing can interrupt their conversion: a pending signal
    /// (Ctrl-C) is raised first, leaving them queued for the next call.
    fn collect(&self, py: Python<'_>) -> PyResult<Vec<PyItem>> {
        py.check_signals()?;
        logging::try_flush(py)?;
        logging::try_refresh_level(py)?;
        self.mailbox
            .take()
            .into_iter()
            .map(|item| {
                Ok(match item {
                    Item::Call(HandlerCall { kind, arg, reply }) => (
                        kind.as_str(),
                        to_py(py, &arg)?,
                        Some(HandlerReply {
                            reply: Mutex::new(Some(reply)),
                        }),
                    ),
                    Item::Done(Some(Ok(value))) => ("done", to_py(py, &value)?, None),
                    Item::Done(Some(Err(e))) => {
                        ("failed", error(py, &e).into_value(py).into(), None)
                    }
                    Item::Done(None) => {
                        let lost = error_of(
                            py,
                            ErrorKind::Internal,
                            "the cashier's task ended without a result (it panicked or was aborted)",
                        );
                        ("failed", lost.into_value(py).into(), None)
                    }
                })
            })
            .collect()
    }
}

impl Drop for NativeRun {
    /// A run nobody drives any more cannot go on (its handler calls would wait forever).
    fn drop(&mut self) {
        self.abort.abort();
    }
}

#[pymethods]
impl NativeRun {
    /// `(kind, payload, reply)` items, waiting up to `timeout` seconds (GIL released). `kind`
    /// is `price`, `adjust` or `event` (answer through `reply`), then `done` or `failed` last.
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<Vec<PyItem>> {
        let timeout = Duration::try_from_secs_f64(timeout).unwrap_or(Duration::ZERO);
        py.detach(|| self.mailbox.wait(timeout));
        self.collect(py)
    }

    /// The items queued so far, without waiting (for the asyncio loop, once woken).
    fn drain(&self, py: Python<'_>) -> PyResult<Vec<PyItem>> {
        self.collect(py)
    }

    /// Readable when items are queued; `None` on builds without a socket.
    fn fileno(&self) -> Option<i32> {
        self.mailbox.fileno()
    }

    /// For an asyncio loop that cannot watch `fileno()`: waits up to `timeout` seconds (GIL
    /// released, in a waiter thread) for items queued since the last drain or wait; false on
    /// timeout, and at once after `stop_waiting()`.
    fn wait_ready(&self, py: Python<'_>, timeout: f64) -> bool {
        py.detach(|| self.mailbox.wait_ready(timeout))
    }

    /// Ends the waits of `wait_ready()`, now and later.
    fn stop_waiting(&self) {
        self.mailbox.stop_waiting();
    }

    /// Drops the engine's work wherever it is (the store keeps what was started); `done` or
    /// `failed` follows once the task is gone.
    fn abort(&self) {
        self.abort.abort();
    }
}

/// One engine over one store, built in the process that uses it.
struct Current {
    engine: Arc<Engine>,
    route: Route,
}

#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeCashier {
    client: Py<NativeClient>,
    /// The store's URL: a forked child opens its own connection to a database store.
    store_url: String,
    store: Arc<dyn Store>,
    config: EngineConfig,
    adjust: bool,
    current: Mutex<ProcessLocal<Current>>,
}

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!("{name} must be a number of seconds, 0 or more"))
    })
}

struct Opened {
    store: Arc<dyn Store>,
    location_url: String,
}

/// Opens the store at `url` on the core's runtime, with the GIL released.
fn open(py: Python<'_>, url: &str) -> PyResult<Opened> {
    let (rt, _) = runtime()?;
    let store = py
        .detach(|| rt.block_on(open_store(url)).map_err(Box::new))
        .map_err(|e| error(py, &e))?;
    Ok(Opened {
        store,
        location_url: url.to_owned(),
    })
}

/// An engine over `store`, calling Python through a new route.
fn build(
    py: Python<'_>,
    client: Client,
    store: &Arc<dyn Store>,
    config: &EngineConfig,
    adjust: bool,
) -> PyResult<Current> {
    let route = Route::default();
    let merchant = dispatcher(route.clone(), adjust);
    let engine = Engine::new(client, Arc::new(merchant), store.clone(), config.clone())
        .map_err(|e| error(py, &e))?;
    Ok(Current {
        engine: Arc::new(engine),
        route,
    })
}

impl NativeCashier {
    fn engine(&self) -> Arc<Engine> {
        lock(&self.current).get().engine.clone()
    }

    /// The engine of this process: in a forked child, a new one is built first. A database
    /// store's connections (and SQLite's writer thread) belong to the parent, so the child opens
    /// the store again; a memory store is the parent's copy, as the rest of the child's memory.
    fn here<'a>(
        &self,
        py: Python<'_>,
        current: &'a mut ProcessLocal<Current>,
    ) -> PyResult<&'a Current> {
        current.current_or(|_| {
            let client = self.client.get().client(py)?;
            let store = if self.store.shared() {
                open(py, &self.store_url)?.store
            } else {
                self.store.clone()
            };
            build(py, client, &store, &self.config, self.adjust)
        })
    }
}

#[pymethods]
impl NativeCashier {
    /// `store`: a store URL (`memory`, `sqlite:///path`, `postgres://…`) or a path (SQLite).
    #[new]
    #[pyo3(signature = (client, store, adjust, poll_interval, requests_per_minute, customer_timeout, page_size, concurrency, event_retry, event_retry_max, location_id = None, callback_uri = None, lease_ttl = None, wake_interval = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: Py<NativeClient>,
        store: String,
        adjust: bool,
        poll_interval: f64,
        requests_per_minute: u32,
        customer_timeout: f64,
        page_size: u32,
        concurrency: usize,
        event_retry: f64,
        event_retry_max: f64,
        location_id: Option<u64>,
        callback_uri: Option<String>,
        lease_ttl: Option<f64>,
        wake_interval: Option<f64>,
    ) -> PyResult<Self> {
        let defaults = EngineConfig::default();
        let config = EngineConfig {
            poll_interval: seconds("poll_interval", poll_interval)?,
            requests_per_minute,
            customer_timeout: seconds("customer_timeout", customer_timeout)?,
            page_size,
            concurrency,
            location_id,
            event_retry: seconds("event_retry", event_retry)?,
            event_retry_max: seconds("event_retry_max", event_retry_max)?,
            callback_uri,
            lease_ttl: match lease_ttl {
                Some(s) => seconds("lease_ttl", s)?,
                None => defaults.lease_ttl,
            },
            wake_interval: match wake_interval {
                Some(s) => seconds("wake_interval", s)?,
                None => defaults.wake_interval,
            },
        };
        let store = open(py, &store)?;
        let current = build(py, client.get().client(py)?, &store.store, &config, adjust)?;
        Ok(Self {
            client,
            store_url: store.location_url,
            store: store.store,
            config,
            adjust,
            // In a forked child the engine's connections belong to the parent's runtime, whose
            // threads do not exist there: it is leaked, and a new one built over the store.
            current: Mutex::new(ProcessLocal::new(current)),
        })
    }

    /// Starts `run_once()` (`forever=False`) or `run_forever()` on the core's runtime.
    fn start(&self, py: Python<'_>, forever: bool) -> PyResult<NativeRun> {
        let (rt, _) = runtime()?;
        let mut current = lock(&self.current);
        let current = self.here(py, &mut current)?;
        let run = current.engine.begin().map_err(|e| error(py, &e))?;
        let mailbox = Mailbox::new()
            .map_err(|e| error(py, &Error::Io(format!("cannot start the cashier: {e}"))))?;
        let mailbox = Arc::new(mailbox);
        *lock(&current.route) = Some(mailbox.clone());
        logging::refresh_level(py);
        let guard = RunGuard {
            run: Some(run),
            route: current.route.clone(),
            mailbox: mailbox.clone(),
            outcome: None,
        };
        let task = rt.spawn(async move {
            let Some(run) = guard.run.as_ref() else {
                return;
            };
            let outcome = if forever {
                run.forever().await;
                Ok(Value::Null)
            } else {
                match run.once().await {
                    Ok(report) => serde_json::to_value(report)
                        .map_err(|e| Error::Internal(format!("cannot encode the report: {e}"))),
                    Err(e) => Err(e),
                }
            };
            guard.finish(outcome);
        });
        Ok(NativeRun {
            mailbox,
            abort: task.abort_handle(),
        })
    }

    /// Verifies a callback body Paysera posted and wakes the loop for its transaction.
    fn handle_callback(&self, py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Call> {
        let body = bytes_arg(body, "body")?.into_owned();
        // Verifying may read the store: use this process's engine (after a fork, a new one).
        let engine = self.here(py, &mut lock(&self.current))?.engine.clone();
        Ok(Call::new(
            py,
            async move { engine.handle_callback(&body).await },
        ))
    }

    /// Ends `run_forever()` after the tick in progress (one asked before it starts counts).
    fn stop(&self) {
        self.engine().stop();
    }

    #[getter]
    fn running(&self) -> bool {
        self.engine().is_running()
    }

    /// The cashier's health (`EngineStats` as a dict).
    fn stats(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.engine().stats())
    }

    /// Check-ins in progress, as this process's engine knows them.
    fn records(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.engine().records())
    }

    /// Events the handler has not acknowledged yet, oldest first.
    fn undelivered(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.engine().undelivered())
    }
}
