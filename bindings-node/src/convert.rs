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

/// A core value as JSON text for `JSON.parse` on the JavaScript thread (see `completion.rs`):
/// the same objects as [`to_js`] makes, refusing the same integers, with no `Value` in between.
pub fn to_json<T: Serialize>(model: &T) -> napi::Result<String> {
    let mut out = Vec::with_capacity(512);
    let mut inexact = None;
    let written = model.serialize(&mut serde_json::Serializer::with_formatter(
        &mut out,
        JsNumbers {
            inexact: &mut inexact,
        },
    ));
    if let Some(n) = inexact {
        return Err(error::decode(format!(
            "the integer {n} in the response cannot be represented exactly as a JavaScript number"
        )));
    }
    written.map_err(|e| {
        error::core(paysera_scanpay::Error::Internal(format!(
            "cannot encode: {e}"
        )))
    })?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// serde_json's compact output, noting the first integer a JavaScript number cannot hold
/// exactly (and stopping there).
struct JsNumbers<'a> {
    inexact: &'a mut Option<String>,
}

impl JsNumbers<'_> {
    fn refuse(&mut self, n: impl std::fmt::Display) -> std::io::Result<()> {
        *self.inexact = Some(n.to_string());
        Err(std::io::Error::other("inexact integer"))
    }
}

impl serde_json::ser::Formatter for JsNumbers<'_> {
    fn write_u64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: u64) -> std::io::Result<()> {
        if v > MAX_SAFE {
            return self.refuse(v);
        }
        serde_json::ser::CompactFormatter.write_u64(w, v)
    }

    fn write_i64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: i64) -> std::io::Result<()> {
        if v.unsigned_abs() > MAX_SAFE {
            return self.refuse(v);
        }
        serde_json::ser::CompactFormatter.write_i64(w, v)
    }

    fn write_u128<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        v: u128,
    ) -> std::io::Result<()> {
        if v > u128::from(MAX_SAFE) {
            return self.refuse(v);
        }
        serde_json::ser::CompactFormatter.write_u128(w, v)
    }

    fn write_i128<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        v: i128,
    ) -> std::io::Result<()> {
        if v.unsigned_abs() > u128::from(MAX_SAFE) {
            return self.refuse(v);
        }
        serde_json::ser::CompactFormatter.write_i128(w, v)
    }
}
