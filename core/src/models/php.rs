//! Reading maps the way PHP writes them.
//!
//! PHP has one array type, so `json_encode(array())` is `[]`, never `{}`: Paysera's servers and
//! its official PHP library send `[]` wherever an empty map is meant (`parameters`,
//! `error_properties`, `_metadata`, a confirm body without prices). A list-shaped PHP array
//! (`["a", "b"]`) is a map with keys `0`, `1`, ...

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// A free-form map that PHP may have written as `[]` (empty) or as a list (keys `0`, `1`, ...).
/// `null` or an absent field is `None`.
pub(crate) fn map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(Value::Array(items)) => Some(list_as_map(items)),
        Some(other) => {
            return Err(de::Error::invalid_type(
                unexpected(&other),
                &"a JSON object (or [], PHP's empty map)",
            ));
        }
    })
}

/// `["a", "b"]` as PHP sees it: `{"0": "a", "1": "b"}`.
pub(crate) fn list_as_map(items: Vec<Value>) -> Map<String, Value> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), v))
        .collect()
}

fn unexpected(value: &Value) -> de::Unexpected<'_> {
    match value {
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(_) => de::Unexpected::Other("a number"),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
        Value::Null => de::Unexpected::Unit,
    }
}

/// An object-shaped model that PHP writes as `[]` when it is empty, which decodes as the
/// model's default. Streams the object straight into `T` (no intermediate `Value`).
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    deserializer.deserialize_any(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for ObjectVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (or [], PHP's empty map)")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
        }
        Ok(Some(T::default()))
    }
}

/// Reads a top-level request or response body whose whole value may be PHP's `[]` for an
/// empty object (the PHP library's `confirmTransaction($key)` sends exactly `[]`).
///
/// ```
/// use paysera_scanpay::models::{ConfirmPrices, from_php_json};
///
/// let prices: ConfirmPrices = from_php_json(b" [] ").unwrap();
/// assert!(prices.is_empty());
/// ```
pub fn from_php_json<'a, T: Deserialize<'a>>(body: &'a [u8]) -> serde_json::Result<T> {
    if body.trim_ascii() == b"[]" {
        serde_json::from_slice(b"{}")
    } else {
        serde_json::from_slice(body)
    }
}
