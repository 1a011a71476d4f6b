//! Callback verification.

use napi::Result;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use paysera_scanpay::callback::{CallbackForm, CallbackVerifier};
use serde_json::Value;

use crate::{convert, error};

/// True when `sign` is Paysera's signature of exactly these `event` bytes; throws only for an
/// unusable public key.
#[napi]
pub fn verify_callback(
    event: Either<String, Buffer>,
    sign: String,
    public_key_pem: String,
) -> Result<bool> {
    let event = convert::bytes(Some(event));
    paysera_scanpay::verify_callback(&event, &sign, &public_key_pem).map_err(error::core)
}

/// Verifies, then decodes the event JSON; throws when the signature or the JSON is wrong.
#[napi(ts_return_type = "any")]
pub fn verify_callback_event(
    event: Either<String, Buffer>,
    sign: String,
    public_key_pem: String,
) -> Result<Value> {
    let event = convert::bytes(Some(event));
    let verifier = CallbackVerifier::from_pem(&public_key_pem).map_err(error::core)?;
    convert::to_js(&verifier.verify_event(&event, &sign).map_err(error::core)?)
}

/// The `event` (exact signed bytes) and `sign` fields of a raw callback POST body.
#[napi(object)]
pub struct CallbackFields {
    pub event: Buffer,
    pub sign: String,
}

#[napi]
pub fn parse_callback_form(body: Either<String, Buffer>) -> Result<CallbackFields> {
    let form = CallbackForm::parse(&convert::bytes(Some(body))).map_err(error::core)?;
    Ok(CallbackFields {
        event: form.event.into(),
        sign: form.sign,
    })
}
