//! Running core futures for Python without letting tokio threads touch Python.
//!
//! A [`Call`] is one core request, not started yet. `wait()` runs it for a blocking caller, on
//! the calling thread with the GIL released: a client's requests made this way run on a
//! current-thread runtime of their own ([`BlockingPool`]), whose connections are driven by
//! whichever thread is waiting, so that a call costs no hand-off to another thread and back
//! (two thread wake-ups, a quarter of a loopback round trip). The wait wakes every
//! [`SIGNAL_CHECK`] to let Ctrl-C through. `start()` runs it for asyncio, on the core's
//! process-wide runtime: on completion the tokio task only pushes the result into a
//! [`Completions`] mailbox, which wakes the event loop (see `mailbox.rs`); the loop thread then
//! drains it and builds the Python objects. No tokio thread ever takes the GIL, so a result
//! arriving while the interpreter finalizes cannot crash it, and a thousand completions cost a
//! handful of wakeups.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use paysera_scanpay::error::ErrorKind;
use paysera_scanpay::{Client, Error};
use pyo3::prelude::*;
use serde::Serialize;

use crate::convert::{error, error_of, to_py};
use crate::logging;
use crate::mailbox::Mailbox;
use crate::sync::{ProcessLocal, lock};

/// How often a blocking wait wakes to run Python's signal handlers (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// A finished request's value, converted to Python objects by the thread that owns the call.
/// Kept typed until then: converting straight from the core model skips a `serde_json::Value`
/// in between (same objects, same key order).
pub trait Response: Send {
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

struct Typed<T>(T);

impl<T: Serialize + Send> Response for Typed<T> {
    fn into_py(self: Box<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.0)
    }
}

type Outcome = Result<Box<dyn Response>, Error>;
type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
type MakeFuture = Box<dyn FnOnce(Client) -> BoxFuture + Send>;

fn typed<F, T>(future: F) -> BoxFuture
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Serialize + Send + 'static,
{
    Box::pin(async move { Ok(Box::new(Typed(future.await?)) as Box<dyn Response>) })
}

/// The connections a client (and its views) uses for blocking calls: a current-thread runtime
/// and a pool whose connection tasks live on it. `Runtime::block_on` from several threads at
/// once is allowed: one of them drives the runtime (every waiting call's connections), the
/// others wait for their own results. Made on first use, and again in a forked child (the
/// parent's is leaked there, as `sync.rs` says). The asyncio path and the cashier keep using
/// the core's process-wide runtime and the client's own pool.
#[derive(Default)]
pub struct BlockingPool {
    state: Mutex<Option<ProcessLocal<Arc<Blocking>>>>,
}

struct Blocking {
    /// `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
    /// A reconnect of the family's client: its pool is this runtime's.
    client: Client,
}

impl Drop for Blocking {
    fn drop(&mut self) {
        // Never wait (with the GIL held) for a DNS lookup on the blocking pool to finish.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl BlockingPool {
    fn get(&self, py: Python<'_>, like: &Client) -> PyResult<Arc<Blocking>> {
        let made = {
            let mut state = lock(&self.state);
            match state.as_ref().filter(|s| s.is_current()) {
                Some(current) => Ok(current.get().clone()),
                None => Blocking::new(like).inspect(|blocking| {
                    // In a forked child the parent's is dropped through `ProcessLocal`, which
                    // leaks it.
                    *state = Some(ProcessLocal::new(blocking.clone()));
                }),
            }
        };
        // Outside the lock: making the exception runs Python code.
        made.map_err(|e| error(py, &e))
    }
}

impl Blocking {
    fn new(like: &Client) -> Result<Arc<Self>, Box<Error>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("paysera-scanpay-blocking")
            .build()
            .map_err(|e| Error::Io(format!("cannot start the blocking runtime: {e}")))?;
        Ok(Arc::new(Blocking {
            runtime: Some(runtime),
            client: like.reconnect().map_err(Box::new)?,
        }))
    }
}

/// The core's process-wide runtime (created on first use, re-created after `fork()`).
pub fn runtime() -> PyResult<(Arc<tokio::runtime::Runtime>, u64)> {
    paysera_scanpay::runtime::get().map_err(|e| {
        Python::attach(|py| {
            error_of(
                py,
                ErrorKind::Io,
                format!("cannot start the async runtime: {e}"),
            )
        })
    })
}

/// The current runtime generation (0 before any runtime exists in this process).
#[pyfunction]
pub fn runtime_generation() -> u64 {
    paysera_scanpay::runtime::generation()
}

fn lost(py: Python<'_>) -> PyErr {
    error_of(
        py,
        ErrorKind::Internal,
        "the request task ended without a result (it panicked or was aborted)",
    )
}

fn outcome_to_py(py: Python<'_>, outcome: Outcome) -> PyResult<Py<PyAny>> {
    match outcome {
        Ok(value) => value.into_py(py),
        Err(e) => Err(error(py, &e)),
    }
}

enum Pending {
    /// A request on a client: run on the client's [`BlockingPool`] by `wait()`, on the core's
    /// runtime by `start()`.
    Request {
        client: Client,
        blocking: Arc<BlockingPool>,
        make: MakeFuture,
    },
    /// Anything else (a paginator's next page): always on the core's runtime.
    Future(BoxFuture),
}

/// One core request, not started yet.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct Call {
    pending: Mutex<Option<Pending>>,
}

impl Call {
    /// Wraps a core future, run on the core's runtime.
    pub fn new<F, T>(py: Python<'_>, future: F) -> Self
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        logging::refresh_level(py);
        Call {
            pending: Mutex::new(Some(Pending::Future(typed(future)))),
        }
    }

    /// A request `make` builds from `client` (or, for a blocking wait, from the same client over
    /// `blocking`'s connections).
    pub fn request<M, F, T>(
        py: Python<'_>,
        client: Client,
        blocking: Arc<BlockingPool>,
        make: M,
    ) -> Self
    where
        M: FnOnce(Client) -> F + Send + 'static,
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        logging::refresh_level(py);
        Call {
            pending: Mutex::new(Some(Pending::Request {
                client,
                blocking,
                make: Box::new(move |c| typed(make(c))),
            })),
        }
    }

    fn take(&self) -> PyResult<Pending> {
        lock(&self.pending).take().ok_or_else(|| {
            Python::attach(|py| {
                error_of(py, ErrorKind::Lifecycle, "this call has already been run")
            })
        })
    }
}

/// Runs `future` on the calling thread with the GIL released, on `rt` (a current-thread
/// runtime), waking every [`SIGNAL_CHECK`] for Ctrl-C. Dropping the future on an interrupt
/// closes its connection, as aborting a task does.
fn drive(
    py: Python<'_>,
    rt: &tokio::runtime::Runtime,
    mut future: BoxFuture,
) -> PyResult<Py<PyAny>> {
    loop {
        let polled = py.detach(|| {
            catch_unwind(AssertUnwindSafe(|| {
                rt.block_on(async { tokio::time::timeout(SIGNAL_CHECK, &mut future).await.ok() })
            }))
        });
        // Logging runs Python code, where a pending Ctrl-C may surface: pass it on.
        logging::try_flush(py)?;
        match polled {
            Ok(Some(outcome)) => return outcome_to_py(py, outcome),
            Ok(None) => py.check_signals()?,
            // As a panicking task on the core's runtime: the request ended without a result.
            Err(_) => return Err(lost(py)),
        }
    }
}

/// Runs `future` as a task on the core's runtime while this thread waits with the GIL released.
fn wait_spawned(py: Python<'_>, future: BoxFuture) -> PyResult<Py<PyAny>> {
    let (rt, _) = runtime()?;
    let (tx, rx) = sync_channel(1);
    let task = rt.spawn(async move {
        let _ = tx.send(future.await);
    });
    let rx = Mutex::new(rx);
    loop {
        let received = py.detach(|| lock(&rx).recv_timeout(SIGNAL_CHECK));
        // Logging runs Python code, where a pending Ctrl-C may surface: pass it on.
        if let Err(interrupt) = logging::try_flush(py) {
            task.abort();
            return Err(interrupt);
        }
        match received {
            Ok(outcome) => return outcome_to_py(py, outcome),
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    task.abort();
                    return Err(interrupt);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Err(lost(py)),
        }
    }
}

#[pymethods]
impl Call {
    /// Runs the request to completion, GIL released; Ctrl-C aborts it.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.take()? {
            Pending::Future(future) => wait_spawned(py, future),
            Pending::Request {
                client,
                blocking,
                make,
            } => {
                // The process-wide runtime is made (or re-made after fork) on first use, as
                // before, though blocking calls no longer run on it.
                runtime()?;
                let blocking = blocking.get(py, &client)?;
                let future = make(client.with_pool_of(&blocking.client));
                let rt = blocking.runtime.as_ref().expect("set until dropped");
                drive(py, rt, future)
            }
        }
    }

    /// Starts the request; its result goes to `completions` under `token`.
    fn start(&self, completions: &Completions, token: u64) -> PyResult<TaskHandle> {
        let future = match self.take()? {
            Pending::Future(future) => future,
            Pending::Request { client, make, .. } => make(client),
        };
        let (rt, _) = runtime()?;
        let mut delivery = Delivery {
            mailbox: completions.mailbox.clone(),
            token,
            delivered: false,
        };
        let task = rt.spawn(async move { delivery.deliver(future.await) });
        Ok(TaskHandle {
            abort: task.abort_handle(),
        })
    }
}

/// Pushes the task's outcome — or `None` when the task is dropped without one (aborted, or it
/// panicked), so that an awaiting coroutine never hangs.
struct Delivery {
    mailbox: Arc<Mailbox<Completed>>,
    token: u64,
    delivered: bool,
}

impl Delivery {
    fn deliver(&mut self, outcome: Outcome) {
        self.mailbox.push((self.token, Some(outcome)));
        self.delivered = true;
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if !self.delivered {
            self.mailbox.push((self.token, None));
        }
    }
}

/// Aborts a started call (asyncio cancellation); dropping the future closes its connection.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct TaskHandle {
    abort: tokio::task::AbortHandle,
}

#[pymethods]
impl TaskHandle {
    fn abort(&self) {
        self.abort.abort();
    }

    fn done(&self) -> bool {
        self.abort.is_finished()
    }
}

/// A finished call: its token, and its outcome (`None`: the task ended without one).
type Completed = (u64, Option<Outcome>);

/// The results of started calls for one asyncio loop, which calls `drain()` when `fileno()`
/// becomes readable or, without one, when `wait_ready()` returns true in a waiter thread.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct Completions {
    mailbox: Arc<Mailbox<Completed>>,
    /// The process that made it: a forked child makes its own (its tasks run there).
    origin: ProcessLocal<()>,
}

#[pymethods]
impl Completions {
    #[new]
    fn new() -> PyResult<Self> {
        Ok(Self {
            mailbox: Arc::new(Mailbox::new()?),
            origin: ProcessLocal::new(()),
        })
    }

    /// Readable when there is something to drain; `None` on builds without a socket.
    fn fileno(&self) -> Option<i32> {
        self.mailbox.fileno()
    }

    /// True in a forked child of the process that made it.
    #[getter]
    fn forked(&self) -> bool {
        !self.origin.is_current()
    }

    /// Waits up to `timeout` seconds (GIL released) for something to drain since the last
    /// drain or wait; false on timeout, and at once after `stop_waiting()`.
    fn wait_ready(&self, py: Python<'_>, timeout: f64) -> bool {
        py.detach(|| self.mailbox.wait_ready(timeout))
    }

    /// Ends the waits of `wait_ready()`, now and later.
    fn stop_waiting(&self) {
        self.mailbox.stop_waiting();
    }

    /// `(token, ok, value or exception)` for every call finished since the last drain.
    fn drain(&self, py: Python<'_>) -> PyResult<Vec<(u64, bool, Py<PyAny>)>> {
        // Before taking the results, so that an interrupt surfacing in logging's Python code
        // leaves them queued for the next drain.
        logging::try_flush(py)?;
        let items = self.mailbox.take();
        let mut out = Vec::with_capacity(items.len());
        for (token, outcome) in items {
            let converted = match outcome {
                Some(outcome) => outcome_to_py(py, outcome),
                None => Err(lost(py)),
            };
            out.push(match converted {
                Ok(value) => (token, true, value),
                Err(e) => (token, false, e.into_value(py).into_any()),
            });
        }
        Ok(out)
    }
}
