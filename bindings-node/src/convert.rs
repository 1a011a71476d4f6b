//! Argument and result conversions shared by the bindings.

use napi::bindgen_prelude::{BigInt, Buffer, Either, Either3};
use serde::Serialize;
use serde_json::{Number, Value};

use crate::error;

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE: u64 = (1 << 53) - 1;

/// An id from JavaScript: a safe non-negative integer number, a bigint or a decimal string.
pub type JsId = Either3<f64, BigInt, String>;

pub fn id(value: JsId, what: &str) -> napi::Result<u64> {
    let bad = |shown: String| {
        error::invalid_input(format!(
            "{what} {shown} is not a valid id (a non-negative integer)"
        ))
    };
    match value {
        Either3::A(n) if n.fract() == 0.0 && (0.0..=MAX_SAFE as f64).contains(&n) => Ok(n as u64),
        Either3::A(n) => Err(bad(n.to_string())),
        Either3::B(b) => match (b.sign_bit, b.words.as_slice()) {
            (false, []) => Ok(0),
            (false, [w]) => Ok(*w),
            _ => Err(bad("(bigint out of range)".into())),
        },
        Either3::C(s) => s.parse().map_err(|_| bad(format!("{s:?}"))),
    }
}

/// Request bodies and callback events: a string (sent as UTF-8) or exact bytes.
pub fn bytes(body: Option<Either<String, Buffer>>) -> Vec<u8> {
    match body {
        None => Vec::new(),
        Some(Either::A(s)) => s.into_bytes(),
        Some(Either::B(b)) => b.to_vec(),
    }
}

/// A core model as the wire JSON its serde impl produces, with every integer made a JS number.
/// napi would turn integers above `u32::MAX` into bigints (or strings), so that a wallet id's type
/// would depend on its size; ids are numbers throughout, and one that a number cannot hold
/// exactly is refused instead of rounded.
pub fn to_js<T: Serialize>(model: &T) -> napi::Result<Value> {
    let mut value = serde_json::to_value(model).map_err(|e| {
        error::core(paysera_scanpay::Error::Internal(format!(
            "cannot encode: {e}"
        )))
    })?;
    numbers(&mut value)?;
    Ok(value)
}

fn numbers(value: &mut Value) -> napi::Result<()> {
    match value {
        Value::Number(n) => {
            let (big, exact) = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => (u > u64::from(u32::MAX), u <= MAX_SAFE),
                (None, Some(i)) => (false, i.unsigned_abs() <= MAX_SAFE),
                _ => (false, true),
            };
            if !exact {
                return Err(error::decode(format!(
                    "the integer {n} in the response cannot be represented exactly as a JavaScript number"
                )));
            }
            if big && let Some(f) = n.as_f64().and_then(Number::from_f64) {
                *n = f;
            }
        }
        Value::Array(items) => items.iter_mut().try_for_each(numbers)?,
        Value::Object(map) => map.values_mut().try_for_each(numbers)?,
        _ => {}
    }
    Ok(())
}
