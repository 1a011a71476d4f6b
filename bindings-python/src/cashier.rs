//! The core's cashier engine, driven from Python (`paysera_scanpay.Cashier`, `AsyncCashier`).
//!
//! The engine, its store and its requests run on the core's runtime. The merchant's handlers
//! are Python, so they run on the thread that runs the cashier: each [`NativeRun`] has an inbox
//! into which the engine's `Merchant` calls are pushed (plain Rust data and a oneshot sender);
//! the Python side takes them with `wait()` (a blocking thread, GIL released) or `drain()` (the
//! asyncio loop, woken as `wakeup.rs` describes), calls the handler and answers through the
//! [`HandlerReply`], which the engine awaits. The run's end goes through the same inbox, last.
//! No tokio thread ever touches Python, as in `bridge.rs`.

use std::collections::VecDeque;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use paysera_scanpay::engine::{
    Engine, EngineConfig, Event, FileStore, MemoryStore, Merchant, Store,
};
use paysera_scanpay::error::ErrorKind;
use paysera_scanpay::models::{ConfirmPrices, Payment, Spot, Transaction};
use paysera_scanpay::{Client, Error};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::bridge::{lock, runtime};
use crate::client::NativeClient;
use crate::convert::{error, error_of, to_py};
use crate::logging;
use crate::wakeup::{self, Wakeup};

type Reply<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;
type Answer = Result<Answered, String>;
/// An inbox item for Python: `(kind, payload, reply)`.
type PyItem = (&'static str, Py<PyAny>, Option<HandlerReply>);

/// Which handler the engine is calling.
#[derive(Clone, Copy)]
enum Kind {
    Price,
    Adjust,
    Event,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Price => "price",
            Kind::Adjust => "adjust",
            Kind::Event => "event",
        }
    }
}

/// A handler's answer, decoded on the Python thread into what the engine asked for.
enum Answered {
    Payments(Option<Vec<Payment>>),
    Prices(Option<ConfirmPrices>),
    Nothing,
}

enum Item {
    Call {
        kind: Kind,
        arg: Value,
        reply: oneshot::Sender<Answer>,
    },
    /// The run ended: its outcome, or `None` when the task was dropped without one (aborted,
    /// or it panicked).
    Done(Option<Result<Value, Error>>),
}

/// What one run hands to the Python thread driving it.
struct Inbox {
    items: Mutex<VecDeque<Item>>,
    ready: Condvar,
    /// Wakes the asyncio loop driving the run.
    wakeup: Wakeup,
}

impl Inbox {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            items: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            wakeup: Wakeup::new()?,
        })
    }

    fn push(&self, item: Item) {
        let was_empty = {
            let mut items = lock(&self.items);
            items.push_back(item);
            items.len() == 1
        };
        self.ready.notify_all();
        // One wakeup per batch, as in `bridge::Queue`: `take` clears it before taking the queue.
        if was_empty {
            self.wakeup.notify();
        }
    }

    /// Waits up to `timeout` for something to be queued.
    fn wait(&self, timeout: Duration) {
        let items = lock(&self.items);
        if items.is_empty() && !timeout.is_zero() {
            let _ = self.ready.wait_timeout(items, timeout);
        }
    }

    /// Everything queued.
    fn take(&self) -> Vec<Item> {
        self.wakeup.clear();
        lock(&self.items).drain(..).collect()
    }
}

/// The inbox of the run in progress, where the engine's handler calls go.
#[derive(Default)]
struct Route(Mutex<Option<Arc<Inbox>>>);

struct PyMerchant {
    route: Arc<Route>,
    adjust: bool,
}

impl PyMerchant {
    /// Queues the call now (not when the future is first polled), so an event the engine has
    /// recorded as delivered reaches Python even if the run is interrupted right after.
    fn ask<T: Serialize, R: Send + 'static>(
        &self,
        kind: Kind,
        arg: &T,
        pick: fn(Answered) -> Option<R>,
    ) -> Reply<R> {
        let arg = serde_json::to_value(arg);
        let inbox = lock(&self.route.0).clone();
        let (tx, rx) = oneshot::channel();
        let queued = match (arg, inbox) {
            (Ok(arg), Some(inbox)) => {
                inbox.push(Item::Call {
                    kind,
                    arg,
                    reply: tx,
                });
                Ok(())
            }
            (Err(e), _) => Err(format!("cannot encode the {} argument: {e}", kind.as_str())),
            (_, None) => Err("the cashier is not running".to_owned()),
        };
        Box::pin(async move {
            queued?;
            match rx.await {
                Ok(answer) => pick(answer?).ok_or_else(|| "unexpected answer".to_owned()),
                Err(_) => Err(format!(
                    "the {} handler did not answer (the run was interrupted)",
                    kind.as_str()
                )),
            }
        })
    }
}

impl Merchant for PyMerchant {
    fn price(&self, spot: Spot) -> Reply<Option<Vec<Payment>>> {
        self.ask(Kind::Price, &spot, |a| match a {
            Answered::Payments(p) => Some(p),
            _ => None,
        })
    }

    fn adjust(&self, transaction: Transaction) -> Reply<Option<ConfirmPrices>> {
        if !self.adjust {
            return Box::pin(async { Ok(None) });
        }
        self.ask(Kind::Adjust, &transaction, |a| match a {
            Answered::Prices(p) => Some(p),
            _ => None,
        })
    }

    fn on_event(&self, event: Event) -> Reply<()> {
        self.ask(Kind::Event, &event, |a| match a {
            Answered::Nothing => Some(()),
            _ => None,
        })
    }
}

/// Answers one handler call. Dropping it unanswered fails the call (the engine reports an
/// `error` event), so nothing ever waits forever on Python.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct HandlerReply {
    kind: Kind,
    sender: Mutex<Option<oneshot::Sender<Answer>>>,
}

fn decode<T: DeserializeOwned>(value: &Bound<'_, PyAny>) -> Result<T, String> {
    let mut de = pythonize::Depythonizer::from_object(value);
    serde_path_to_error::deserialize(&mut de).map_err(|e| match e.path().to_string() {
        path if path == "." => format!("invalid return value: {}", e.inner()),
        path => format!("invalid return value: {path}: {}", e.inner()),
    })
}

impl HandlerReply {
    fn send(&self, answer: Answer) {
        if let Some(sender) = lock(&self.sender).take() {
            let _ = sender.send(answer);
        }
    }
}

#[pymethods]
impl HandlerReply {
    /// Whether the engine still waits for this answer (not after an interrupted run).
    #[getter]
    fn wanted(&self) -> bool {
        lock(&self.sender).as_ref().is_some_and(|s| !s.is_closed())
    }

    /// The handler's return value, with wire names; one the core cannot accept fails the call.
    fn ok(&self, value: &Bound<'_, PyAny>) {
        self.send(match self.kind {
            Kind::Price => decode(value).map(Answered::Payments),
            Kind::Adjust => decode(value).map(Answered::Prices),
            Kind::Event => Ok(Answered::Nothing),
        });
    }

    /// The handler failed: the engine reports `message` in an `error` event.
    fn error(&self, message: String) {
        self.send(Err(message));
    }
}

/// Ends a run when its task ends or is dropped: frees the cashier, then tells the driver.
struct RunGuard {
    route: Arc<Route>,
    busy: Arc<AtomicBool>,
    inbox: Arc<Inbox>,
    outcome: Option<Result<Value, Error>>,
}

impl RunGuard {
    fn finish(mut self, outcome: Result<Value, Error>) {
        self.outcome = Some(outcome);
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        let mut route = lock(&self.route.0);
        if route.as_ref().is_some_and(|i| Arc::ptr_eq(i, &self.inbox)) {
            *route = None;
        }
        drop(route);
        self.busy.store(false, Ordering::SeqCst);
        self.inbox.push(Item::Done(self.outcome.take()));
    }
}

/// One `run_once()` or `run_forever()` in progress.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeRun {
    inbox: Arc<Inbox>,
    abort: tokio::task::AbortHandle,
}

impl NativeRun {
    /// Takes the queued items once nothing can interrupt their conversion: a pending signal
    /// (Ctrl-C) is raised first, leaving them queued for the next call.
    fn collect(&self, py: Python<'_>) -> PyResult<Vec<PyItem>> {
        py.check_signals()?;
        logging::try_flush(py)?;
        logging::try_refresh_level(py)?;
        self.inbox
            .take()
            .into_iter()
            .map(|item| {
                Ok(match item {
                    Item::Call { kind, arg, reply } => (
                        kind.as_str(),
                        to_py(py, &arg)?,
                        Some(HandlerReply {
                            kind,
                            sender: Mutex::new(Some(reply)),
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
        py.detach(|| self.inbox.wait(timeout));
        self.collect(py)
    }

    /// The items queued so far, without waiting (for the asyncio loop, once woken).
    fn drain(&self, py: Python<'_>) -> PyResult<Vec<PyItem>> {
        self.collect(py)
    }

    /// Readable when items are queued; `None` on builds without a socket.
    fn fileno(&self) -> Option<i32> {
        self.inbox.wakeup.fileno()
    }

    /// For an asyncio loop that cannot watch `fileno()`: waits up to `timeout` seconds (GIL
    /// released, in a waiter thread) for items queued since the last drain or wait; false on
    /// timeout, and at once after `stop_waiting()`.
    fn wait_ready(&self, py: Python<'_>, timeout: f64) -> bool {
        let timeout = wakeup::timeout(timeout);
        py.detach(|| self.inbox.wakeup.wait(timeout))
    }

    /// Ends the waits of `wait_ready()`, now and later.
    fn stop_waiting(&self) {
        self.inbox.wakeup.stop();
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
    route: Arc<Route>,
    busy: Arc<AtomicBool>,
    pid: u32,
}

#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeCashier {
    client: Py<NativeClient>,
    store: Arc<dyn Store>,
    config: EngineConfig,
    adjust: bool,
    current: Mutex<Current>,
}

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!("{name} must be a number of seconds, 0 or more"))
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
    let route = Arc::new(Route::default());
    let merchant = PyMerchant {
        route: route.clone(),
        adjust,
    };
    let engine = Engine::new(client, Arc::new(merchant), store.clone(), config.clone())
        .map_err(|e| error(py, &e))?;
    Ok(Current {
        engine: Arc::new(engine),
        route,
        busy: Arc::default(),
        pid: std::process::id(),
    })
}

impl NativeCashier {
    fn engine(&self) -> Arc<Engine> {
        lock(&self.current).engine.clone()
    }
}

impl Drop for NativeCashier {
    fn drop(&mut self) {
        // In a forked child the engine's connections belong to the parent's runtime, whose
        // threads do not exist here: dropping them could wait on its locks.
        let current = self.current.get_mut().unwrap_or_else(|p| p.into_inner());
        if current.pid != std::process::id() {
            std::mem::forget(current.engine.clone());
        }
    }
}

#[pymethods]
impl NativeCashier {
    /// `store`: a `FileStore` log at this path, or `None` for memory.
    #[new]
    #[pyo3(signature = (client, store, adjust, poll_interval, requests_per_minute, customer_timeout, page_size, concurrency, location_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client: Py<NativeClient>,
        store: Option<PathBuf>,
        adjust: bool,
        poll_interval: f64,
        requests_per_minute: u32,
        customer_timeout: f64,
        page_size: u32,
        concurrency: usize,
        location_id: Option<u64>,
    ) -> PyResult<Self> {
        let config = EngineConfig {
            poll_interval: seconds("poll_interval", poll_interval)?,
            requests_per_minute,
            customer_timeout: seconds("customer_timeout", customer_timeout)?,
            page_size,
            concurrency,
            location_id,
        };
        let store: Arc<dyn Store> = match store {
            Some(path) => Arc::new(FileStore::open(path).map_err(|e| error(py, &e))?),
            None => Arc::new(MemoryStore::new()),
        };
        let current = build(py, client.get().client(py)?, &store, &config, adjust)?;
        Ok(Self {
            client,
            store,
            config,
            adjust,
            current: Mutex::new(current),
        })
    }

    /// Starts `run_once()` (`forever=False`) or `run_forever()` on the core's runtime.
    fn start(&self, py: Python<'_>, forever: bool) -> PyResult<NativeRun> {
        let (rt, _) = runtime()?;
        let mut current = lock(&self.current);
        if current.pid != std::process::id() {
            // A forked child: a new engine over the same store, on this process's runtime.
            let client = self.client.get().client(py)?;
            let fresh = build(py, client, &self.store, &self.config, self.adjust)?;
            std::mem::forget(std::mem::replace(&mut *current, fresh));
        }
        if current
            .busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(error_of(
                py,
                ErrorKind::Lifecycle,
                "the cashier is already running",
            ));
        }
        let inbox = match Inbox::new() {
            Ok(inbox) => Arc::new(inbox),
            Err(e) => {
                current.busy.store(false, Ordering::SeqCst);
                return Err(error(
                    py,
                    &Error::Io(format!("cannot start the cashier: {e}")),
                ));
            }
        };
        *lock(&current.route.0) = Some(inbox.clone());
        logging::refresh_level(py);
        let guard = RunGuard {
            route: current.route.clone(),
            busy: current.busy.clone(),
            inbox: inbox.clone(),
            outcome: None,
        };
        let engine = current.engine.clone();
        let task = rt.spawn(async move {
            let outcome = if forever {
                engine.run_forever().await;
                Ok(Value::Null)
            } else {
                match engine.run_once().await {
                    Ok(report) => serde_json::to_value(report)
                        .map_err(|e| Error::Internal(format!("cannot encode the report: {e}"))),
                    Err(e) => Err(e),
                }
            };
            guard.finish(outcome);
        });
        Ok(NativeRun {
            inbox,
            abort: task.abort_handle(),
        })
    }

    /// Ends `run_forever()` after the tick in progress (one asked before it starts counts).
    fn stop(&self) {
        self.engine().stop();
    }

    #[getter]
    fn running(&self) -> bool {
        lock(&self.current).busy.load(Ordering::SeqCst)
    }

    /// Check-ins in progress, as the store keeps them.
    fn records(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.engine().records())
    }
}
