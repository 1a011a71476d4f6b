//! QR codes: build, parse and render (`paysera_scanpay.qr`).

use paysera_scanpay::Error;
use paysera_scanpay::qr::{QrCode, QrError, RenderOptions};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{error, to_py};

fn invalid_qr(py: Python<'_>, reason: &str) -> PyErr {
    error(py, &Error::InvalidQr(reason.to_owned()))
}

fn qr_error(py: Python<'_>, e: &QrError) -> PyErr {
    invalid_qr(py, e.reason())
}

/// A Python int as an id (the core validates its range; this only rejects what is not a u64).
fn id(py: Python<'_>, what: &str, value: i128) -> PyResult<u64> {
    u64::try_from(value).map_err(|_| invalid_qr(py, &format!("{what} {value} must be positive")))
}

fn code(py: Python<'_>, text: &str) -> PyResult<QrCode> {
    QrCode::parse(text).map_err(|e| qr_error(py, &e))
}

fn options(module_size: u32, quiet_zone: u32) -> RenderOptions {
    RenderOptions {
        module_size,
        quiet_zone,
    }
}

#[pyfunction]
pub fn qr_spot(py: Python<'_>, location_id: i128, identifier: String) -> PyResult<String> {
    let location_id = id(py, "location id", location_id)?;
    QrCode::spot(location_id, identifier)
        .map(|c| c.to_string())
        .map_err(|e| qr_error(py, &e))
}

#[pyfunction]
pub fn qr_transaction(py: Python<'_>, key: String) -> PyResult<String> {
    QrCode::transaction(key)
        .map(|c| c.to_string())
        .map_err(|e| qr_error(py, &e))
}

#[pyfunction]
pub fn qr_wallet(py: Python<'_>, wallet_id: i128) -> PyResult<String> {
    let wallet_id = id(py, "wallet id", wallet_id)?;
    QrCode::wallet(wallet_id)
        .map(|c| c.to_string())
        .map_err(|e| qr_error(py, &e))
}

#[pyfunction]
pub fn qr_app_link(py: Python<'_>, inner: &str) -> PyResult<String> {
    QrCode::app_link(code(py, inner)?)
        .map(|c| c.to_string())
        .map_err(|e| qr_error(py, &e))
}

/// The parsed code as the core's JSON description (`kind`, `code`, then the kind's fields).
#[pyfunction]
pub fn qr_parse(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    to_py(py, &code(py, text)?.to_json())
}

#[pyfunction]
#[pyo3(signature = (text, module_size = 8, quiet_zone = 4))]
pub fn qr_svg(py: Python<'_>, text: &str, module_size: u32, quiet_zone: u32) -> PyResult<String> {
    code(py, text)?
        .to_svg_with(&options(module_size, quiet_zone))
        .map_err(|e| qr_error(py, &e))
}

#[pyfunction]
#[pyo3(signature = (text, module_size = 8, quiet_zone = 4))]
pub fn qr_png<'py>(
    py: Python<'py>,
    text: &str,
    module_size: u32,
    quiet_zone: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let png = code(py, text)?
        .to_png_with(&options(module_size, quiet_zone))
        .map_err(|e| qr_error(py, &e))?;
    Ok(PyBytes::new(py, &png))
}
