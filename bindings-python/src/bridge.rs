//! Running core futures for Python without letting tokio threads touch Python.
//!
//! A [`Call`] is one core request, not started yet. `wait()` runs it for a blocking caller:
//! the future runs on the core's runtime while this thread waits with the GIL released, waking
//! every [`SIGNAL_CHECK`] to let Ctrl-C through. `start()` runs it for asyncio: on completion
//! the tokio task only pushes the result into a [`Completions`] mailbox, which wakes the event
//! loop (see `mailbox.rs`); the loop thread then drains it and builds the Python objects. No tokio thread
//! ever takes the GIL, so a result arriving while the interpreter finalizes cannot crash it, and
//! a thousand completions cost a handful of wakeups.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use paysera_scanpay::Error;
use paysera_scanpay::error::ErrorKind;
use pyo3::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::convert::{error, error_of, to_py};
use crate::logging;
use crate::mailbox::Mailbox;
use crate::sync::{ProcessLocal, lock};

/// How often a blocking wait wakes to run Python's signal handlers (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

type Outcome = Result<Value, Error>;
type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

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
        Ok(value) => to_py(py, &value),
        Err(e) => Err(error(py, &e)),
    }
}

/// One core request, not started yet.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct Call {
    future: Mutex<Option<BoxFuture>>,
}

impl Call {
    /// Wraps a core future; its value is serialized to JSON data on the tokio thread.
    pub fn new<F, T>(py: Python<'_>, future: F) -> Self
    where
        F: Future<Output = Result<T, Error>> + Send + 'static,
        T: Serialize,
    {
        logging::refresh_level(py);
        let future = async move {
            let value = future.await?;
            serde_json::to_value(value)
                .map_err(|e| Error::Internal(format!("cannot encode the response: {e}")))
        };
        Call {
            future: Mutex::new(Some(Box::pin(future))),
        }
    }

    fn take(&self) -> PyResult<BoxFuture> {
        lock(&self.future).take().ok_or_else(|| {
            Python::attach(|py| {
                error_of(py, ErrorKind::Lifecycle, "this call has already been run")
            })
        })
    }
}

#[pymethods]
impl Call {
    /// Runs the request to completion, GIL released; Ctrl-C aborts it.
    fn wait(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let future = self.take()?;
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

    /// Starts the request; its result goes to `completions` under `token`.
    fn start(&self, completions: &Completions, token: u64) -> PyResult<TaskHandle> {
        let future = self.take()?;
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
