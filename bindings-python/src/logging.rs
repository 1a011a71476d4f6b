//! The core's `log` records, delivered to Python's `logging.getLogger("paysera_scanpay")`.
//!
//! Records are queued in Rust and handed to Python by the thread that owns the call (a blocking
//! wait, or the asyncio loop's drain): tokio threads never take the GIL. The core never logs
//! secrets (no MAC key, no Authorization header), so nothing needs redacting here.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use log::{Level, LevelFilter, Log, Metadata, Record};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict};

use crate::bridge::lock;

/// Records kept while no Python thread collects them; the oldest are dropped beyond this.
const MAX_QUEUED: usize = 10_000;

struct Entry {
    level: Level,
    logger: &'static str,
    message: String,
}

static QUEUE: Mutex<VecDeque<Entry>> = Mutex::new(VecDeque::new());
static LOGGING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ROOT_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

struct Forwarder;

fn logger_name(target: &str) -> Option<&'static str> {
    if target.starts_with("paysera_sandbox") {
        Some("paysera_scanpay.sandbox")
    } else if target.starts_with("paysera_scanpay") {
        Some("paysera_scanpay")
    } else {
        None
    }
}

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && logger_name(metadata.target()).is_some()
    }

    fn log(&self, record: &Record<'_>) {
        let Some(logger) = logger_name(record.target()) else {
            return;
        };
        if record.level() > log::max_level() {
            return;
        }
        let mut queue = lock(&QUEUE);
        if queue.len() >= MAX_QUEUED {
            queue.pop_front();
        }
        queue.push_back(Entry {
            level: record.level(),
            logger,
            message: record.args().to_string(),
        });
    }

    fn flush(&self) {}
}

/// Registers the forwarder as the `log` backend of this extension (off until a call reads the
/// Python logger's level).
pub fn install() {
    static FORWARDER: Forwarder = Forwarder;
    if log::set_logger(&FORWARDER).is_ok() {
        log::set_max_level(LevelFilter::Off);
    }
}

fn logging_module(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGING
        .get_or_try_init(py, || py.import("logging").map(|m| m.into_any().unbind()))
        .map(|m| m.bind(py))
}

/// A failure to pass on rather than swallow: a `KeyboardInterrupt` (or `SystemExit`) raised by
/// a signal handler that ran while logging executed Python code. Ordinary exceptions of a
/// broken logging setup are ignored, as `logging` itself does.
fn interrupt(py: Python<'_>, e: PyErr) -> PyResult<()> {
    if e.is_instance_of::<PyException>(py) {
        Ok(())
    } else {
        Err(e)
    }
}

/// Follows the effective level of the `paysera_scanpay` logger, so disabled records cost
/// nothing in Rust.
pub fn refresh_level(py: Python<'_>) {
    let _ = try_refresh_level(py);
}

/// [`refresh_level`], passing on an interrupt that arrived meanwhile.
pub fn try_refresh_level(py: Python<'_>) -> PyResult<()> {
    // Loggers live as long as the process, so the object can be kept.
    let logger = ROOT_LOGGER.get_or_try_init(py, || {
        logging_module(py)?
            .call_method1("getLogger", ("paysera_scanpay",))
            .map(Bound::unbind)
    });
    let level = match logger
        .and_then(|l| l.bind(py).call_method0("getEffectiveLevel"))
        .and_then(|l| l.extract::<i64>())
    {
        Ok(level) => level,
        Err(e) => {
            interrupt(py, e)?;
            30
        }
    };
    log::set_max_level(match level {
        ..=5 => LevelFilter::Trace,
        6..=10 => LevelFilter::Debug,
        11..=20 => LevelFilter::Info,
        21..=30 => LevelFilter::Warn,
        31..=40 => LevelFilter::Error,
        _ => LevelFilter::Off,
    });
    Ok(())
}

/// Hands queued records to Python's logging.
pub fn flush(py: Python<'_>) {
    let _ = try_flush(py);
}

/// [`flush`], passing on an interrupt that arrived meanwhile (the records not yet handed over
/// are dropped with it).
pub fn try_flush(py: Python<'_>) -> PyResult<()> {
    let entries: Vec<Entry> = {
        let mut queue = lock(&QUEUE);
        if queue.is_empty() {
            return Ok(());
        }
        queue.drain(..).collect()
    };
    let Ok(logging) = logging_module(py) else {
        return Ok(());
    };
    for entry in entries {
        let level = match entry.level {
            Level::Error => 40,
            Level::Warn => 30,
            Level::Info => 20,
            Level::Debug => 10,
            Level::Trace => 5,
        };
        let logged = logging
            .call_method1("getLogger", (entry.logger,))
            .and_then(|l| l.call_method1("log", (level, "%s", entry.message)));
        if let Err(e) = logged {
            interrupt(py, e)?;
        }
    }
    Ok(())
}

thread_local! {
    static HELD_FOR_FORK: RefCell<Option<MutexGuard<'static, VecDeque<Entry>>>> =
        const { RefCell::new(None) };
}

/// Tokio threads push records without the GIL, so the queue is held across `os.fork()`: a child
/// must not inherit it locked by a thread that does not exist there. The forking thread locks it
/// before and unlocks it after, in the parent and in the child.
pub fn register_fork_hooks(py: Python<'_>) -> PyResult<()> {
    let os = py.import("os")?;
    // Windows has no fork(), and no `os.register_at_fork`.
    if !os.hasattr("register_at_fork")? {
        return Ok(());
    }
    let before = PyCFunction::new_closure(py, None, None, |_, _| {
        let guard = lock(&QUEUE);
        HELD_FOR_FORK.with(|held| *held.borrow_mut() = Some(guard));
    })?;
    let after = PyCFunction::new_closure(py, None, None, |_, _| {
        HELD_FOR_FORK.with(|held| held.borrow_mut().take());
    })?;
    let hooks = PyDict::new(py);
    hooks.set_item("before", before)?;
    hooks.set_item("after_in_parent", &after)?;
    hooks.set_item("after_in_child", &after)?;
    os.getattr("register_at_fork")?.call((), Some(&hooks))?;
    Ok(())
}

/// Delivers queued log records now.
#[pyfunction]
pub fn flush_logs(py: Python<'_>) -> PyResult<()> {
    try_flush(py)
}
