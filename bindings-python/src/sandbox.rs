//! The in-process sandbox (`paysera_scanpay.testing.Sandbox`): the `paysera-sandbox` simulator
//! running on the core's runtime, driven from Python.

use std::sync::Mutex;

use paysera_sandbox::{
    ApiFailure, Autopilot, FaultRule, RateLimit, Sandbox, SandboxConfig, SpotRef,
};
use paysera_scanpay::Error;
use paysera_scanpay::error::ErrorKind;
use paysera_scanpay::models::PlaceInfo;
use pyo3::prelude::*;
use serde::Serialize;

use crate::bridge::runtime;
use crate::convert::{error, error_of, from_py, to_py};
use crate::logging;
use crate::sync::{ProcessLocal, lock};

fn failure(py: Python<'_>, e: ApiFailure) -> PyErr {
    error(
        py,
        &Error::refused(e.status, e.code, e.description, e.properties),
    )
}

/// A spot id, or the text of its QR code.
#[derive(FromPyObject)]
pub enum SpotArg {
    Id(u64),
    Code(String),
}

impl From<SpotArg> for SpotRef {
    fn from(arg: SpotArg) -> Self {
        match arg {
            SpotArg::Id(id) => SpotRef::Id(id),
            SpotArg::Code(code) => SpotRef::from(code.as_str()),
        }
    }
}

#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct NativeSandbox {
    /// `None` once closed. The server's runtime threads live in the process that started it:
    /// in a forked child it is leaked, as stopping it there could wait on the parent's locks.
    running: Mutex<Option<ProcessLocal<Sandbox>>>,
    #[pyo3(get)]
    base_url: String,
    #[pyo3(get)]
    client_id: String,
    #[pyo3(get)]
    mac_key: String,
    /// What the standalone command prints (`Sandbox::banner`).
    #[pyo3(get)]
    banner: Vec<String>,
    /// The control-plane token, when one is required.
    #[pyo3(get)]
    token: Option<String>,
}

impl NativeSandbox {
    fn with<T: Serialize>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Sandbox) -> Result<T, ApiFailure>,
    ) -> PyResult<Py<PyAny>> {
        let running = lock(&self.running);
        let running = running
            .as_ref()
            .ok_or_else(|| error_of(py, ErrorKind::Lifecycle, "the sandbox is stopped"))?;
        let value = f(running.get()).map_err(|e| failure(py, e))?;
        to_py(py, &value)
    }
}

#[pymethods]
impl NativeSandbox {
    /// Starts serving on 127.0.0.1 (a free port unless `config["port"]` says otherwise;
    /// `config["host"]` and `config["token"]` as in `SandboxConfig`).
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config: SandboxConfig = match config {
            Some(c) => from_py(c, "sandbox config")?,
            None => SandboxConfig::default(),
        };
        let (rt, _) = runtime()?;
        logging::refresh_level(py);
        let sandbox = py
            .detach(|| rt.block_on(Sandbox::start(config)))
            .map_err(|e| error(py, &Error::Io(format!("cannot start the sandbox: {e}"))))?;
        logging::flush(py);
        Ok(Self {
            base_url: sandbox.base_url().to_owned(),
            client_id: sandbox.client_id().to_owned(),
            mac_key: sandbox.mac_key().to_owned(),
            banner: sandbox.banner(),
            token: sandbox.token().map(str::to_owned),
            running: Mutex::new(Some(ProcessLocal::new(sandbox))),
        })
    }

    /// Stops the server (waits up to 2 s for it). Idempotent.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let Some(sandbox) = lock(&self.running)
            .take()
            .and_then(ProcessLocal::into_current)
        else {
            return Ok(());
        };
        let (rt, _) = runtime()?;
        py.detach(|| rt.block_on(sandbox.shutdown()));
        logging::flush(py);
        Ok(())
    }

    #[getter]
    fn running(&self) -> bool {
        lock(&self.running).is_some()
    }

    fn create_location(
        &self,
        py: Python<'_>,
        location_id: u64,
        place_info: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let place: PlaceInfo = from_py(place_info, "place_info")?;
        self.with(py, |s| Ok(s.create_location(location_id, place)))
    }

    fn create_spot(
        &self,
        py: Python<'_>,
        location_id: u64,
        identifier: &str,
        place_info: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let place: PlaceInfo = from_py(place_info, "place_info")?;
        self.with(py, |s| s.create_spot(location_id, identifier, place))
    }

    #[pyo3(signature = (spot, user_id = None))]
    fn scan(&self, py: Python<'_>, spot: SpotArg, user_id: Option<u64>) -> PyResult<Py<PyAny>> {
        let spot = SpotRef::from(spot);
        self.with(py, |s| match user_id {
            Some(user) => s.scan_as(spot, user),
            None => s.scan(spot),
        })
    }

    fn confirm(&self, py: Python<'_>, transaction_key: &str) -> PyResult<Py<PyAny>> {
        self.with(py, |s| s.confirm(transaction_key))
    }

    fn reject(&self, py: Python<'_>, transaction_key: &str) -> PyResult<Py<PyAny>> {
        self.with(py, |s| s.reject(transaction_key))
    }

    fn expire(&self, py: Python<'_>, transaction_key: &str) -> PyResult<Py<PyAny>> {
        self.with(py, |s| s.expire(transaction_key))
    }

    fn advance_clock(&self, py: Python<'_>, seconds: i64) -> PyResult<Py<PyAny>> {
        self.with(py, |s| s.advance_clock(seconds))
    }

    fn now(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| Ok(s.now()))
    }

    fn reset(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| {
            s.reset();
            Ok(())
        })
    }

    fn requests(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| Ok(s.requests()))
    }

    /// `rule`: a `FaultRule` as its JSON (`{"kind": "error", "status": 500, ...}`).
    fn inject_fault(&self, py: Python<'_>, rule: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let rule: FaultRule = from_py(rule, "fault rule")?;
        self.with(py, |s| s.inject_fault(rule))
    }

    fn clear_faults(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| {
            s.clear_faults();
            Ok(())
        })
    }

    /// `limit`: `{"requests": n, "per_seconds": s}`, or `None` for no limit.
    fn set_rate_limit(&self, py: Python<'_>, limit: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let limit: Option<RateLimit> = from_py(limit, "rate limit")?;
        self.with(py, |s| s.set_rate_limit(limit))
    }

    /// `mode`: `"confirm"` or `"reject"` (every customer answers each new order at once), or
    /// `None` to hand the customers back to the test.
    fn set_autopilot(&self, py: Python<'_>, mode: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let mode: Option<Autopilot> = from_py(mode, "autopilot")?;
        self.with(py, |s| {
            s.set_autopilot(mode);
            Ok(())
        })
    }

    fn transactions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| Ok(s.transactions()))
    }

    fn spots(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| Ok(s.spots()))
    }

    fn callbacks(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.with(py, |s| Ok(s.callbacks()))
    }

    #[getter]
    fn public_key_pem(&self) -> &'static str {
        paysera_sandbox::CALLBACK_PUBLIC_KEY
    }
}
