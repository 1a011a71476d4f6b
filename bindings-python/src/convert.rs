//! Data crosses the boundary through serde: core models ⇄ Python dicts with Paysera's wire
//! names (pythonize), and core errors → the exception classes of `paysera_scanpay.errors`.

use paysera_scanpay::Error;
use paysera_scanpay::engine::{Event, Record, TickReport};
use paysera_scanpay::models::{
    Allowance, AllowanceLimit, CallbackEvent, CheckIn, Metadata, Money, Order, Payment, PlaceInfo,
    Reserve, Spot, SpotList, Transaction, TransactionAllowance, TransactionList,
    TransactionRequest, Validity,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use serde::Serialize;
use serde::de::DeserializeOwned;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A Python value (dicts, lists, str, int, ...) from anything serde can serialize.
pub fn to_py<T: Serialize + ?Sized>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, value)?.unbind())
}

/// A core value from Python data; a mismatch is a `paysera_scanpay.InvalidInputError` naming
/// the field.
pub fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let mut de = pythonize::Depythonizer::from_object(obj);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let message = if field == "." {
            format!("{what}: {}", e.inner())
        } else {
            format!("{what}: {field}: {}", e.inner())
        };
        error(obj.py(), &Error::InvalidInput(message))
    })
}

/// The `paysera_scanpay.errors` exception for a core error. Its fields come from the core's
/// accessors; the message is the core's `Display`, which never contains a secret.
pub fn error(py: Python<'_>, e: &Error) -> PyErr {
    let fields = || -> PyResult<Bound<'_, PyDict>> {
        let f = PyDict::new(py);
        f.set_item("message", e.to_string())?;
        f.set_item("code", e.code())?;
        f.set_item("status", e.http_status())?;
        f.set_item("correlation_id", e.correlation_id())?;
        f.set_item("retryable", e.is_retryable())?;
        f.set_item("outcome_unknown", e.outcome_unknown())?;
        let kind = match e {
            Error::Api(a) => {
                f.set_item("description", &a.description)?;
                f.set_item("error_uri", &a.uri)?;
                f.set_item("properties", to_py(py, &a.properties)?)?;
                f.set_item("data", to_py(py, &a.data)?)?;
                f.set_item("retry_after", a.retry_after.map(|d| d.as_secs_f64()))?;
                f.set_item("method", &a.method)?;
                f.set_item("path", &a.path)?;
                "api"
            }
            Error::Transport { method, path, .. } | Error::Decode { method, path, .. } => {
                f.set_item("method", method)?;
                f.set_item("path", path)?;
                if matches!(e, Error::Decode { .. }) {
                    "decode"
                } else {
                    "transport"
                }
            }
            Error::Timeout {
                method,
                path,
                timeout,
                ..
            } => {
                f.set_item("method", method)?;
                f.set_item("path", path)?;
                f.set_item("timeout", timeout.as_secs_f64())?;
                "timeout"
            }
            _ => "invalid_input",
        };
        f.set_item("kind", kind)?;
        Ok(f)
    };
    raise(py, fields())
}

/// Builds an exception from a dict of fields with the Python factory (`errors._from_native`).
pub fn raise(py: Python<'_>, fields: PyResult<Bound<'_, PyDict>>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let factory = FROM_NATIVE.get_or_try_init(py, || {
            py.import("paysera_scanpay.errors")?
                .getattr("_from_native")
                .map(Bound::unbind)
        })?;
        Ok(PyErr::from_value(factory.bind(py).call1((fields?,))?))
    };
    build().unwrap_or_else(|e| e)
}

/// Decodes `data` as the core model `kind` and encodes it back: the wire JSON the core would
/// send or keep (unknown fields kept, absent ones left out). Used by the models' constructors.
#[pyfunction]
pub fn normalize(py: Python<'_>, kind: &str, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    macro_rules! round_trip {
        ($($name:literal => $ty:ty),+ $(,)?) => {
            match kind {
                $($name => to_py(py, &from_py::<$ty>(data, $name)?),)+
                _ => Err(pyo3::exceptions::PyValueError::new_err(format!("unknown model {kind:?}"))),
            }
        };
    }
    round_trip! {
        "Spot" => Spot, "PlaceInfo" => PlaceInfo, "CheckIn" => CheckIn, "Order" => Order,
        "Transaction" => Transaction, "Payment" => Payment, "Reserve" => Reserve,
        "Allowance" => Allowance, "AllowanceLimit" => AllowanceLimit, "Validity" => Validity,
        "TransactionAllowance" => TransactionAllowance, "SpotList" => SpotList,
        "TransactionList" => TransactionList, "Metadata" => Metadata,
        "CallbackEvent" => CallbackEvent, "TransactionRequest" => TransactionRequest,
        "Money" => Money, "Event" => Event, "TickReport" => TickReport, "CashierRecord" => Record,
    }
}
