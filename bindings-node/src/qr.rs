//! Paysera QR codes: build, parse and render.

use napi::Result;
use napi::bindgen_prelude::{BigInt, Buffer, Either3};
use napi_derive::napi;
use paysera_scanpay::qr::{QrCode, RenderOptions};
use serde_json::Value;

use crate::convert;
use crate::error;

/// Image options; defaults are 8 pixels per module and a 4-module quiet zone.
#[napi(object)]
pub struct QrRenderOptions {
    pub module_size: Option<u32>,
    pub quiet_zone: Option<u32>,
}

fn render_options(o: Option<QrRenderOptions>) -> RenderOptions {
    let d = RenderOptions::default();
    let o = o.unwrap_or(QrRenderOptions {
        module_size: None,
        quiet_zone: None,
    });
    RenderOptions {
        module_size: o.module_size.unwrap_or(d.module_size),
        quiet_zone: o.quiet_zone.unwrap_or(d.quiet_zone),
    }
}

/// `PAYSERA*{locationId}:{identifier}`.
#[napi]
pub fn qr_spot_code(
    location_id: Either3<f64, BigInt, String>,
    identifier: String,
) -> Result<String> {
    let location_id = convert::id(location_id, "locationId")?;
    Ok(QrCode::spot(location_id, identifier)
        .map_err(error::qr)?
        .to_string())
}

/// `PAYSERA%{transactionKey}`.
#[napi]
pub fn qr_transaction_code(transaction_key: String) -> Result<String> {
    Ok(QrCode::transaction(transaction_key)
        .map_err(error::qr)?
        .to_string())
}

/// `EVP{walletId}`, zero-padded to 12 digits.
#[napi]
pub fn qr_wallet_code(wallet_id: Either3<f64, BigInt, String>) -> Result<String> {
    let wallet_id = convert::id(wallet_id, "walletId")?;
    Ok(QrCode::wallet(wallet_id).map_err(error::qr)?.to_string())
}

/// `https://paysera.com/app?qr={code}` around another (valid, non app-link) code.
#[napi]
pub fn qr_app_link(code: String) -> Result<String> {
    let inner = QrCode::parse(&code).map_err(error::qr)?;
    Ok(QrCode::app_link(inner).map_err(error::qr)?.to_string())
}

/// The code as `{kind, code, ...}` JSON (see `QrCode::to_json`).
#[napi(ts_return_type = "any")]
pub fn qr_parse(code: String) -> Result<Value> {
    convert::to_js(&QrCode::parse(&code).map_err(error::qr)?.to_json())
}

/// The code as a printable SVG document.
#[napi]
pub fn qr_to_svg(code: String, options: Option<QrRenderOptions>) -> Result<String> {
    let code = QrCode::parse(&code).map_err(error::qr)?;
    code.to_svg_with(&render_options(options))
        .map_err(error::qr)
}

/// The code as a PNG image.
#[napi]
pub fn qr_to_png(code: String, options: Option<QrRenderOptions>) -> Result<Buffer> {
    let code = QrCode::parse(&code).map_err(error::qr)?;
    Ok(code
        .to_png_with(&render_options(options))
        .map_err(error::qr)?
        .into())
}
