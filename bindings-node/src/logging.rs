//! The core's `log` records, delivered to JavaScript (`setLogger`, a `Client`'s `logger` option
//! and its `request` / `response` / `retry` / `log` events).
//!
//! Each JavaScript realm that asks for records owns one [`LogSink`]: a weak (unref'd)
//! thread-safe function, called without blocking from whichever thread logged. A record goes
//! to the sink of the `Client` whose call produced it (the call's future runs inside that
//! client's [`Scope`], a tokio task-local), else to the sink set by `setGlobalLogSink`. The core
//! never logs secrets (no MAC key, no Authorization header), so nothing needs redacting here.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use log::{Level, LevelFilter, Log, Metadata, Record};
use napi::Status;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use paysera_scanpay::logs::{LogEntry, logger_name};
use serde_json::{Map, Number, Value};

use crate::error;

/// Records waiting for the JavaScript thread, per sink; newer ones are dropped beyond this
/// rather than blocking the thread that logs.
const MAX_QUEUED: usize = 10_000;

/// Weak: a sink never keeps the process alive.
type LogFn =
    ThreadsafeFunction<Value, napi::Unknown<'static>, Value, Status, false, true, MAX_QUEUED>;

struct Inner {
    callback: LogFn,
    level: Mutex<LevelFilter>,
}

/// Every live sink, to set the `log` crate's global level to the most verbose one wanted.
static SINKS: Mutex<Vec<Weak<Inner>>> = Mutex::new(Vec::new());
/// Where records from outside any client's call go (the sandbox, the cashier's own lines).
static GLOBAL: Mutex<Option<Arc<Inner>>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A client's routing: its realm's sink and the tag JavaScript knows the client by.
#[derive(Clone)]
pub struct Scope {
    sink: Arc<Inner>,
    tag: u32,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// Runs `fut` with its records routed to `scope` (when there is one).
pub async fn scoped<F: Future>(scope: Option<Scope>, fut: F) -> F::Output {
    match scope {
        Some(scope) => SCOPE.scope(scope, fut).await,
        None => fut.await,
    }
}

fn parse_level(level: &str) -> napi::Result<LevelFilter> {
    level
        .parse()
        .map_err(|_| error::invalid_input(format!("unknown log level {level:?}")))
}

fn refresh_max_level() {
    let mut sinks = lock(&SINKS);
    sinks.retain(|s| s.strong_count() > 0);
    let max = sinks
        .iter()
        .filter_map(Weak::upgrade)
        .map(|s| *lock(&s.level))
        .max()
        .unwrap_or(LevelFilter::Off);
    log::set_max_level(max);
}

/// One realm's receiver of records: `callback(record)` on the JavaScript thread.
#[napi]
pub struct LogSink {
    inner: Arc<Inner>,
}

impl LogSink {
    pub(crate) fn scope(&self, tag: u32) -> Scope {
        Scope {
            sink: self.inner.clone(),
            tag,
        }
    }
}

#[napi]
impl LogSink {
    /// `level`: the most verbose level delivered (`"trace"` … `"error"`, or `"off"`).
    #[napi(constructor)]
    pub fn new(
        #[napi(ts_arg_type = "(record: any) => void")] callback: LogFn,
        level: String,
    ) -> napi::Result<Self> {
        let inner = Arc::new(Inner {
            callback,
            level: Mutex::new(parse_level(&level)?),
        });
        lock(&SINKS).push(Arc::downgrade(&inner));
        refresh_max_level();
        Ok(Self { inner })
    }

    #[napi]
    pub fn set_level(&self, level: String) -> napi::Result<()> {
        *lock(&self.inner.level) = parse_level(&level)?;
        refresh_max_level();
        Ok(())
    }

    /// Makes this sink the destination of records from outside any client's call (or none).
    #[napi]
    pub fn set_global(&self, global: bool) {
        let mut current = lock(&GLOBAL);
        if global {
            *current = Some(self.inner.clone());
        } else if current
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &self.inner))
        {
            *current = None;
        }
    }
}

impl Drop for LogSink {
    fn drop(&mut self) {
        self.set_global(false);
        // Clients may still hold the sink: the level follows once the last one goes.
        refresh_max_level();
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warn => "warn",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    }
}

struct Forwarder;

impl Log for Forwarder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && logger_name(metadata.target()).is_some()
    }

    fn log(&self, record: &Record<'_>) {
        if logger_name(record.target()).is_none() {
            return;
        }
        let wants = |sink: &Inner| record.level() <= *lock(&sink.level);
        let (sink, tag) = match SCOPE.try_with(Scope::clone) {
            Ok(scope) if wants(&scope.sink) => (scope.sink, Some(scope.tag)),
            _ => match lock(&GLOBAL).clone() {
                Some(global) if wants(&global) => (global, None),
                _ => return,
            },
        };
        // The time the record was made, not the time JavaScript gets to it.
        let Some(entry) = LogEntry::capture(record) else {
            return;
        };
        let mut out = Map::new();
        out.insert("level".into(), level_name(entry.level).into());
        out.insert("logger".into(), entry.logger.into());
        out.insert("target".into(), record.target().into());
        out.insert("message".into(), entry.message.into());
        out.insert(
            "time".into(),
            Number::from_f64(entry.time * 1000.0).map_or(Value::Null, Value::Number),
        );
        out.insert("fields".into(), Value::Object(entry.fields));
        out.insert("tag".into(), tag.map_or(Value::Null, Value::from));
        // A full queue drops the record: logging never blocks a request.
        let _ = sink
            .callback
            .call(Value::Object(out), ThreadsafeFunctionCallMode::NonBlocking);
    }

    fn flush(&self) {}
}

/// Registers the forwarder as the `log` backend of this addon, silent until a sink asks.
pub fn install() {
    static FORWARDER: Forwarder = Forwarder;
    if log::set_logger(&FORWARDER).is_ok() {
        log::set_max_level(LevelFilter::Off);
    }
}
