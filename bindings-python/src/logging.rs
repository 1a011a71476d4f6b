//! The core's `log` records, delivered to Python's `logging.getLogger("paysera_scanpay")`.
//!
//! Records are queued in Rust and handed to Python by the thread that owns the call (a blocking
//! wait, or the asyncio loop's drain): tokio threads never take the GIL. The core never logs
//! secrets (no MAC key, no Authorization header), so nothing needs redacting here.
//!
//! A record keeps the time it was made in Rust (`created`, `msecs`), not the time Python got
//! it, and the key-values of the core's log call (`correlation_id`, `spot`, `reference`,
//! `transaction_key`) become attributes of the `LogRecord`, as `extra=` would make them.

use std::collections::VecDeque;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use paysera_scanpay::logs::{LogEntry, logger_name};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::convert::to_py;
use crate::sync::lock;

/// Records kept while no Python thread collects them; the oldest are dropped beyond this.
const MAX_QUEUED: usize = 10_000;

static QUEUE: Mutex<VecDeque<LogEntry>> = Mutex::new(VecDeque::new());
static LOGGING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ROOT_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

struct Forwarder;

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && logger_name(metadata.target()).is_some()
    }

    fn log(&self, record: &Record<'_>) {
        if record.level() > log::max_level() {
            return;
        }
        let Some(entry) = LogEntry::capture(record) else {
            return;
        };
        let mut queue = lock(&QUEUE);
        if queue.len() >= MAX_QUEUED {
            queue.pop_front();
        }
        queue.push_back(entry);
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
    let entries: Vec<LogEntry> = {
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
        if let Err(e) = emit(py, logging, &entry, level) {
            interrupt(py, e)?;
        }
    }
    Ok(())
}

/// `logger.log(level, "%s", message)`, with the record's own time and fields.
fn emit(py: Python<'_>, logging: &Bound<'_, PyAny>, entry: &LogEntry, level: i64) -> PyResult<()> {
    let logger = logging.call_method1("getLogger", (entry.logger,))?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    for (key, value) in &entry.fields {
        extra.set_item(key, to_py(py, value)?)?;
    }
    let record = logger.call_method1(
        "makeRecord",
        (
            logger.getattr("name")?,
            level,
            "(rust)",
            0,
            "%s",
            (&entry.message,),
            py.None(),
            py.None(),
            extra,
        ),
    )?;
    // `relativeCreated` moves with `created` (its origin is private to `logging`).
    let made: f64 = record.getattr("created")?.extract()?;
    let relative: f64 = record.getattr("relativeCreated")?.extract()?;
    record.setattr("created", entry.time)?;
    record.setattr("msecs", (entry.time.fract() * 1000.0).floor())?;
    record.setattr("relativeCreated", relative + (entry.time - made) * 1000.0)?;
    logger.call_method1("handle", (record,))?;
    Ok(())
}

/// Tokio threads push records without the GIL, so the queue is held across `os.fork()` (see
/// `sync.rs`).
pub fn register_fork_hooks(py: Python<'_>) -> PyResult<()> {
    crate::sync::hold_across_fork(py, &QUEUE)
}

/// Delivers queued log records now.
#[pyfunction]
pub fn flush_logs(py: Python<'_>) -> PyResult<()> {
    try_flush(py)
}
