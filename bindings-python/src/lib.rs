//! `paysera_scanpay._native`: thin pyo3 wrappers over the core crate. Each method converts its
//! arguments, calls one core function and maps the error. The Python API users see (models,
//! context managers, `async def`, the exception tree) is the package in `python/paysera_scanpay/`.
//!
//! Threading rule: tokio threads never touch Python. A blocking request runs on the calling
//! thread with the GIL released (`Call::wait`, on the client's current-thread runtime); an
//! asyncio one runs on the core's process-wide runtime and hands its result to the loop through
//! a completion mailbox that the loop drains (`Call::start`, woken as `mailbox.rs` says), so
//! nothing can re-enter a finalizing interpreter (pyo3-async-runtimes issue #40). What must
//! survive `fork()` goes through `sync.rs`.

mod bridge;
mod cashier;
mod client;
mod convert;
mod logging;
mod mailbox;
mod qr;
mod sandbox;
mod signing;
mod sync;
mod wakeup;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_BASE_URL", paysera_scanpay::DEFAULT_BASE_URL)?;
    m.add("PRODUCTION_BASE_URL", paysera_scanpay::PRODUCTION_BASE_URL)?;
    m.add("SANDBOX_BASE_URL", paysera_scanpay::SANDBOX_BASE_URL)?;
    m.add("SANDBOX_DEFAULT_PORT", paysera_sandbox::DEFAULT_PORT)?;
    m.add(
        "DEFAULT_DEADLINE",
        paysera_scanpay::DEFAULT_DEADLINE.as_secs_f64(),
    )?;
    add_defaults(m)?;
    m.add_class::<bridge::Call>()?;
    m.add_class::<bridge::Completions>()?;
    m.add_class::<bridge::TaskHandle>()?;
    m.add_class::<cashier::NativeCashier>()?;
    m.add_class::<cashier::NativeRun>()?;
    m.add_class::<cashier::HandlerReply>()?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<client::Pager>()?;
    m.add_class::<sandbox::NativeSandbox>()?;
    m.add_class::<signing::MacSigner>()?;
    m.add_class::<signing::CallbackVerifier>()?;
    m.add_function(wrap_pyfunction!(signing::verify_callback, m)?)?;
    m.add_function(wrap_pyfunction!(signing::parse_callback_form, m)?)?;
    m.add_function(wrap_pyfunction!(convert::normalize, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(convert::error_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_spot, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_transaction, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_wallet, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_app_link, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_parse, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_svg, m)?)?;
    m.add_function(wrap_pyfunction!(qr::qr_png, m)?)?;
    m.add_function(wrap_pyfunction!(logging::flush_logs, m)?)?;
    logging::register_fork_hooks(m.py())?;
    m.add_function(wrap_pyfunction!(bridge::runtime_generation, m)?)?;
    Ok(())
}

/// The core's defaults and limits (`paysera_scanpay::defaults`), durations in seconds: the
/// facade's signatures read these instead of restating them.
fn add_defaults(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use paysera_scanpay::defaults as d;
    m.add("DEFAULT_TIMEOUT", d::DEFAULT_TIMEOUT.as_secs_f64())?;
    m.add(
        "DEFAULT_CONNECT_TIMEOUT",
        d::DEFAULT_CONNECT_TIMEOUT.as_secs_f64(),
    )?;
    m.add("DEFAULT_RETRIES", d::DEFAULT_RETRIES)?;
    m.add("MIN_PAGE_SIZE", d::MIN_PAGE_SIZE)?;
    m.add("MAX_PAGE_SIZE", d::MAX_PAGE_SIZE)?;
    m.add("DEFAULT_PAGE_SIZE", d::DEFAULT_PAGE_SIZE)?;
    m.add(
        "DEFAULT_POLL_INTERVAL",
        d::DEFAULT_POLL_INTERVAL.as_secs_f64(),
    )?;
    m.add(
        "DEFAULT_REQUESTS_PER_MINUTE",
        d::DEFAULT_REQUESTS_PER_MINUTE,
    )?;
    m.add(
        "DEFAULT_CUSTOMER_TIMEOUT",
        d::DEFAULT_CUSTOMER_TIMEOUT.as_secs_f64(),
    )?;
    m.add("DEFAULT_CONCURRENCY", d::DEFAULT_CONCURRENCY)?;
    m.add("DEFAULT_EVENT_RETRY", d::DEFAULT_EVENT_RETRY.as_secs_f64())?;
    m.add(
        "DEFAULT_EVENT_RETRY_MAX",
        d::DEFAULT_EVENT_RETRY_MAX.as_secs_f64(),
    )?;
    m.add("DEFAULT_LEASE_TTL", d::DEFAULT_LEASE_TTL.as_secs_f64())?;
    m.add(
        "DEFAULT_WAKE_INTERVAL",
        d::DEFAULT_WAKE_INTERVAL.as_secs_f64(),
    )?;
    Ok(())
}

/// The wire contract (`paysera_scanpay::schema::export()`) as Python data: the tests compare the
/// package's models against it.
#[pyfunction]
fn schema(py: Python<'_>) -> PyResult<Py<PyAny>> {
    convert::to_py(py, &paysera_scanpay::schema::export())
}
