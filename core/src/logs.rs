//! The library's `log` records as the language bindings hand them over: which of them are ours,
//! the logger each is filed under, the time it was made and its key-values. Bindings forward
//! records from another thread, later; this captures them at the log call, once for both.

use std::time::{SystemTime, UNIX_EPOCH};

use log::kv::{self, Key, VisitSource, VisitValue};
use log::{Level, Record};
use serde_json::{Map, Number, Value};

/// The logger a record of `target` is filed under (`paysera_scanpay`, or
/// `paysera_scanpay.sandbox` for the simulator); `None` for other crates' records.
pub fn logger_name(target: &str) -> Option<&'static str> {
    if target.starts_with("paysera_sandbox") {
        Some("paysera_scanpay.sandbox")
    } else if target.starts_with("paysera_scanpay") {
        Some("paysera_scanpay")
    } else {
        None
    }
}

/// One of the library's log records, captured when it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub level: Level,
    /// See [`logger_name`].
    pub logger: &'static str,
    pub message: String,
    /// When the log call was made: Unix time in seconds.
    pub time: f64,
    /// The call's key-values (`correlation_id`, `spot`, `reference`, `transaction_key`), as
    /// JSON; absent ones (`None`) are left out.
    pub fields: Map<String, Value>,
}

impl LogEntry {
    /// The record, now, if it is one of the library's.
    pub fn capture(record: &Record<'_>) -> Option<Self> {
        let logger = logger_name(record.target())?;
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut fields = Fields(Map::new());
        let _ = record.key_values().visit(&mut fields);
        Some(Self {
            level: record.level(),
            logger,
            message: record.args().to_string(),
            time,
            fields: fields.0,
        })
    }
}

struct Fields(Map<String, Value>);

impl<'kvs> VisitSource<'kvs> for Fields {
    fn visit_pair(&mut self, key: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let mut json = Json(None);
        value.visit(&mut json)?;
        if let Some(v) = json.0 {
            self.0.insert(key.as_str().to_owned(), v);
        }
        Ok(())
    }
}

struct Json(Option<Value>);

impl<'v> VisitValue<'v> for &mut Json {
    fn visit_any(&mut self, value: kv::Value<'_>) -> Result<(), kv::Error> {
        self.0 = Some(Value::String(value.to_string()));
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = None;
        Ok(())
    }
    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = Some(Value::Number(value.into()));
        Ok(())
    }
    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = Some(Value::Number(value.into()));
        Ok(())
    }
    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.0 = Number::from_f64(value).map(Value::Number);
        Ok(())
    }
    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = Some(Value::Bool(value));
        Ok(())
    }
    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        self.0 = Some(Value::String(value.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use log::kv::ToValue;

    use super::*;

    #[test]
    fn records_are_filed_under_the_package_s_loggers() {
        assert_eq!(logger_name("paysera_scanpay"), Some("paysera_scanpay"));
        assert_eq!(
            logger_name("paysera_sandbox::server"),
            Some("paysera_scanpay.sandbox")
        );
        assert_eq!(logger_name("reqwest::connect"), None);
    }

    #[test]
    fn a_capture_keeps_its_time_and_key_values() {
        let reference = "sp1-2-3";
        let missing: Option<&str> = None;
        let kvs: [(&str, kv::Value<'_>); 3] = [
            ("spot", kv::Value::from(7u64)),
            ("reference", kv::Value::from(reference)),
            ("correlation_id", missing.to_value()),
        ];
        let args = format_args!("cashier paid");
        let record = Record::builder()
            .target("paysera_scanpay")
            .level(Level::Info)
            .args(args)
            .key_values(&kvs)
            .build();
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let entry = LogEntry::capture(&record).unwrap();
        assert_eq!(entry.message, "cashier paid");
        assert_eq!(entry.logger, "paysera_scanpay");
        assert!((entry.time - before.as_secs_f64()).abs() < 5.0);
        assert_eq!(
            Value::Object(entry.fields),
            serde_json::json!({"spot": 7, "reference": "sp1-2-3"})
        );
        let other = Record::builder().target("hyper").args(args).build();
        assert_eq!(LogEntry::capture(&other), None);
    }
}
