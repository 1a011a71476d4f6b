//! Data crosses the boundary through serde: core models ⇄ Python dicts with Paysera's wire
//! names (pythonize), and core errors → the exception classes of `paysera_scanpay.errors`.

use paysera_scanpay::Error;
use paysera_scanpay::engine::{EngineStats, Event, Record, TickReport};
use paysera_scanpay::error::{ErrorInfo, ErrorKind};
use paysera_scanpay::models::{
    Allowance, AllowanceLimit, CallbackEvent, CheckIn, Item, Metadata, Money, Order, Payment,
    PlaceInfo, Reserve, Spot, SpotList, Transaction, TransactionAllowance, TransactionList,
    TransactionRequest, Validity,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
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

/// The `paysera_scanpay.errors` exception for a core error.
pub fn error(py: Python<'_>, e: &Error) -> PyErr {
    forward(py, &e.info())
}

/// The one place core errors cross to Python: the core's [`ErrorInfo`] (kind, message, code and
/// fields; the message is the core's `Display`, which never contains a secret) becomes a dict,
/// and `errors._from_native` picks the class from `kind` with a table.
pub fn forward(py: Python<'_>, info: &ErrorInfo) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let factory = FROM_NATIVE.get_or_try_init(py, || {
            py.import("paysera_scanpay.errors")?
                .getattr("_from_native")
                .map(Bound::unbind)
        })?;
        Ok(PyErr::from_value(
            factory.bind(py).call1((to_py(py, info)?,))?,
        ))
    };
    build().unwrap_or_else(|e| e)
}

/// A core error of a kind this binding reports itself (closed client, lost task, ...).
pub fn error_of(py: Python<'_>, kind: ErrorKind, message: impl Into<String>) -> PyErr {
    forward(py, &ErrorInfo::new(kind, message))
}

/// The exception the core error described by `record` (JSON, see `Error::from_record`) becomes:
/// the error-contract tests (`tests/data/errors.json`) run every kind through [`forward`].
#[pyfunction]
pub fn error_for_test(py: Python<'_>, record: &str) -> PyResult<Py<PyAny>> {
    let e = Error::from_record(record).map_err(pyo3::exceptions::PyValueError::new_err)?;
    Ok(error(py, &e).into_value(py).into_any())
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
        "Transaction" => Transaction, "Payment" => Payment, "Item" => Item, "Reserve" => Reserve,
        "Allowance" => Allowance, "AllowanceLimit" => AllowanceLimit, "Validity" => Validity,
        "TransactionAllowance" => TransactionAllowance, "SpotList" => SpotList,
        "TransactionList" => TransactionList, "Metadata" => Metadata,
        "CallbackEvent" => CallbackEvent, "TransactionRequest" => TransactionRequest,
        "Money" => Money, "Event" => Event, "TickReport" => TickReport, "CashierRecord" => Record,
        "CashierStats" => EngineStats,
    }
}
