//! MAC signing and callback verification.

use std::borrow::Cow;

use paysera_scanpay::mac::{MacCredentials, MacSigner as CoreSigner};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySequence, PyString};

use crate::convert::{error, to_py};

/// Bytes as given, or a `str` as its UTF-8 encoding.
pub fn bytes_arg<'a>(value: &'a Bound<'_, PyAny>, name: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(Cow::Borrowed(b.as_bytes()))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(match s.to_cow()? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        })
    } else {
        Err(PyTypeError::new_err(format!(
            "{name} must be bytes or str, not {}",
            value.get_type().name()?
        )))
    }
}

/// A mapping (its `items()`) or an iterable of two-item sequences (tuples, or lists as
/// `json.load` gives them), order kept.
fn pairs(ext: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let items = if ext.hasattr("items")? {
        ext.call_method0("items")?
    } else {
        ext.clone()
    };
    items.try_iter()?.map(|pair| pair_of(&pair?)).collect()
}

fn pair_of(pair: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    let bad = || {
        PyTypeError::new_err(format!(
            "ext: each item must be a (name, value) pair of str, not {}",
            pair.repr().map_or_else(|_| "?".into(), |r| r.to_string())
        ))
    };
    // A str is a sequence too: "ab" must not pass as ("a", "b").
    if pair.is_instance_of::<PyString>() || pair.is_instance_of::<PyBytes>() {
        return Err(bad());
    }
    let seq = pair.cast::<PySequence>().map_err(|_| bad())?;
    if seq.len()? != 2 {
        return Err(bad());
    }
    let part = |i| seq.get_item(i).and_then(|v| v.extract::<String>());
    Ok((part(0).map_err(|_| bad())?, part(1).map_err(|_| bad())?))
}

/// Signs Wallet API requests (`Authorization: MAC ...`).
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct MacSigner {
    inner: CoreSigner,
}

#[pymethods]
impl MacSigner {
    #[new]
    fn new(py: Python<'_>, client_id: String, mac_key: String) -> PyResult<Self> {
        let credentials = MacCredentials::new(client_id, mac_key).map_err(|e| error(py, &e))?;
        Ok(Self {
            inner: CoreSigner::new(credentials),
        })
    }

    #[getter]
    fn client_id(&self) -> &str {
        self.inner.credentials().client_id()
    }

    /// The `Authorization` header value for one request; `ts` and `nonce` default to now and a
    /// fresh random nonce.
    #[pyo3(
        signature = (method, url, body = None, *, ts = None, nonce = None, ext = None),
        text_signature = "(self, method, url, body=b'', *, ts=None, nonce=None, ext=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn authorization(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        body: Option<&Bound<'_, PyAny>>,
        ts: Option<i64>,
        nonce: Option<&str>,
        ext: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let body = body.map(|b| bytes_arg(b, "body")).transpose()?;
        let ext = ext.map(pairs).transpose()?.unwrap_or_default();
        let ext: Vec<(&str, &str)> = ext.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.inner
            .authorization(
                method,
                url,
                body.as_deref().unwrap_or_default(),
                &ext,
                ts,
                nonce,
            )
            .map_err(|e| error(py, &e))
    }

    fn __repr__(&self) -> String {
        format!("MacSigner(client_id={:?})", self.client_id())
    }
}

/// Paysera's callback public key, parsed once for many callbacks.
#[pyclass(frozen, module = "paysera_scanpay._native")]
pub struct CallbackVerifier {
    inner: paysera_scanpay::CallbackVerifier,
}

#[pymethods]
impl CallbackVerifier {
    #[new]
    fn new(py: Python<'_>, public_key_pem: &str) -> PyResult<Self> {
        let inner = paysera_scanpay::CallbackVerifier::from_pem(public_key_pem)
            .map_err(|e| error(py, &e))?;
        Ok(Self { inner })
    }

    /// True when `sign` is valid for exactly these `event` bytes.
    fn verify(&self, event: &Bound<'_, PyAny>, sign: &str) -> PyResult<bool> {
        Ok(self.inner.verify(&bytes_arg(event, "event")?, sign))
    }

    /// Verifies, then decodes the event (wire JSON as a dict).
    fn verify_event(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
        sign: &str,
    ) -> PyResult<Py<PyAny>> {
        let decoded = self
            .inner
            .verify_event(&bytes_arg(event, "event")?, sign)
            .map_err(|e| error(py, &e))?;
        to_py(py, &decoded)
    }
}

/// The `event` (exact signed bytes) and `sign` fields of a raw callback POST body.
#[pyfunction]
pub fn parse_callback_form<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyBytes>, String)> {
    let form = paysera_scanpay::CallbackForm::parse(&bytes_arg(body, "body")?)
        .map_err(|e| error(py, &e))?;
    Ok((PyBytes::new(py, &form.event), form.sign))
}

/// One-shot callback check: `True` valid, `False` not; an unusable key raises.
#[pyfunction]
pub fn verify_callback(
    py: Python<'_>,
    event: &Bound<'_, PyAny>,
    sign: &str,
    public_key_pem: &str,
) -> PyResult<bool> {
    paysera_scanpay::verify_callback(&bytes_arg(event, "event")?, sign, public_key_pem)
        .map_err(|e| error(py, &e))
}
