//! `TransactionRequest::validate` and the request rules Paysera enforces.

use serde_json::{Value, json};

use super::*;

/// Validates a request with one payment built from `payment` JSON plus
/// top-level `fields`, returning the error field paths.
fn invalid_fields(payment: Value, fields: Value) -> Vec<String> {
    let mut body = json!({ "payments": [payment] });
    if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
        body.extend(fields.clone());
    }
    let request: TransactionRequest = serde_json::from_value(body).expect("decodes");
    match request.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => {
            for error in &errors {
                assert!(!error.message.is_empty());
            }
            errors.into_iter().map(|e| e.field).collect()
        }
    }
}

#[test]
fn validate_accepts_good_requests() {
    let ok = json!({"description": "d", "price_decimal": "12.990", "currency": "EUR",
                    "freeze_for": 24});
    assert_eq!(
        invalid_fields(
            ok,
            json!({
                "reserve": {"until": 1700000000},
                "redirect_uri": "HTTPS://shop.example/done",
                "callback_uri": false
            })
        ),
        Vec::<String>::new()
    );
    let decimal_only = json!({"description": "d", "price_decimal": "500", "currency": "JPY"});
    assert_eq!(
        invalid_fields(decimal_only, json!({"callback_uri": "http://x"})),
        Vec::<String>::new()
    );
}

#[test]
fn validate_reports_each_rule() {
    let base = json!({"description": "d", "price": 100, "currency": "EUR"});
    let with = |patch: Value| {
        let mut payment = base.clone();
        if let (Some(payment), Some(patch)) = (payment.as_object_mut(), patch.as_object()) {
            for (key, value) in patch {
                if value.is_null() {
                    payment.remove(key);
                } else {
                    payment.insert(key.clone(), value.clone());
                }
            }
        }
        payment
    };
    let none = json!({});

    let empty: TransactionRequest = serde_json::from_str("{}").expect("decodes");
    let errors = empty.validate().expect_err("no payments");
    assert_eq!(errors[0].field, "payments");
    assert_eq!(
        errors[0].to_string(),
        "payments: at least one payment is required"
    );

    let cases: Vec<(Value, Value, &[&str])> = vec![
        (
            with(json!({"description": null})),
            none.clone(),
            &["payments[0].description"],
        ),
        (
            with(json!({"description": "  "})),
            none.clone(),
            &["payments[0].description"],
        ),
        (
            with(json!({"price": null})),
            none.clone(),
            &["payments[0].price"],
        ),
        (
            with(json!({"price": 0})),
            none.clone(),
            &["payments[0].price"],
        ),
        (
            with(json!({"price": -5})),
            none.clone(),
            &["payments[0].price"],
        ),
        (
            with(json!({"price": null, "price_decimal": "1.005"})),
            none.clone(),
            &["payments[0].price_decimal"],
        ),
        (
            with(json!({"price": null, "price_decimal": "0.00"})),
            none.clone(),
            &["payments[0].price_decimal"],
        ),
        (
            with(json!({"price": null, "price_decimal": "-1"})),
            none.clone(),
            &["payments[0].price_decimal"],
        ),
        (
            with(json!({"price": null, "price_decimal": "99999999999999999999"})),
            none.clone(),
            &["payments[0].price_decimal"],
        ),
        (
            with(json!({"price_decimal": "1.01"})),
            none.clone(),
            &["payments[0].price_decimal"],
        ),
        (
            with(json!({"currency": null})),
            none.clone(),
            &["payments[0].currency"],
        ),
        (
            with(json!({"currency": "eur"})),
            none.clone(),
            &["payments[0].currency"],
        ),
        (
            with(json!({"currency": "EURO"})),
            none.clone(),
            &["payments[0].currency"],
        ),
        (
            base.clone(),
            json!({"reserve": {"for": 10, "until": 20}}),
            &["reserve"],
        ),
        (base.clone(), json!({"reserve": {}}), &["reserve"]),
        (
            base.clone(),
            json!({"reserve": {"for": -1}}),
            &["reserve.for"],
        ),
        (
            base.clone(),
            json!({"reserve": {"until": -1}}),
            &["reserve.until"],
        ),
        (
            base.clone(),
            json!({"redirect_uri": "ftp://x"}),
            &["redirect_uri"],
        ),
        (
            base.clone(),
            json!({"redirect_uri": "https://"}),
            &["redirect_uri"],
        ),
        (
            base.clone(),
            json!({"callback_uri": "www.example.com"}),
            &["callback_uri"],
        ),
        (
            json!({}),
            json!({"redirect_uri": "x"}),
            &[
                "payments[0].description",
                "payments[0].currency",
                "payments[0].price",
                "redirect_uri",
            ],
        ),
    ];
    for (payment, fields, expected) in cases {
        let context = format!("{payment} {fields}");
        assert_eq!(invalid_fields(payment, fields), expected, "{context}");
    }

    let two = TransactionRequest::new(vec![
        Payment::new("ok", Money::new(1, "EUR")),
        Payment::new("bad", Money::new(1, "eu")),
    ]);
    let errors = two.validate().expect_err("second payment is bad");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "payments[1].currency");
    assert!(
        errors[0].message.contains("\"eu\""),
        "{}",
        errors[0].message
    );
}

#[test]
fn price_and_price_decimal_are_mutually_exclusive() {
    // Even when they agree: Paysera marks each "unavailable if" the other is given.
    let request: TransactionRequest = serde_json::from_value(json!({"payments": [
        {"description": "d", "price": 1299, "price_decimal": "12.99", "currency": "EUR"}
    ]}))
    .unwrap();
    let errors = request.validate().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "payments[0].price_decimal");
    assert!(
        errors[0]
            .message
            .contains("price and price_decimal are mutually exclusive"),
        "{}",
        errors[0].message
    );
}

#[test]
fn freeze_is_given_one_way_and_freeze_for_is_hours() {
    let base = json!({"description": "d", "price": 100, "currency": "EUR"});
    let with = |extra: Value| {
        let mut p = base.clone();
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        invalid_fields(p, json!({}))
    };
    assert!(with(json!({"freeze_for": 48})).is_empty());
    assert!(with(json!({"freeze": {"for": 3600}})).is_empty());
    assert!(with(json!({"freeze_until": 1700000000})).is_empty());
    assert_eq!(
        with(json!({"freeze_for": 1, "freeze": {"for": 3600}})),
        ["payments[0].freeze_for"]
    );
    assert_eq!(
        with(json!({"freeze_for": 1, "freeze_until": 1700000000})),
        ["payments[0].freeze_until"]
    );
    assert_eq!(with(json!({"freeze_for": -1})), ["payments[0].freeze_for"]);
    assert_eq!(
        with(json!({"freeze_until": "soon"})),
        ["payments[0].freeze_until"]
    );
}

#[test]
fn iso_4217_codes_are_sorted_and_current() {
    assert!(ISO_4217_CURRENCIES.windows(2).all(|w| w[0] < w[1]));
    for code in [
        "EUR", "USD", "GBP", "PLN", "JPY", "KWD", "XCG", "ZWG", "SLE",
    ] {
        assert!(is_iso_4217_currency(code), "{code}");
    }
    for code in ["XYZ", "eur", "EURO", "", "HRK", "ZWL", "XXX", "XTS"] {
        assert!(!is_iso_4217_currency(code), "{code}");
    }
    // Every currency with a special exponent is a real one.
    for code in ["BHD", "CLF", "JPY", "UYW", "VND"] {
        assert!(is_iso_4217_currency(code));
    }
}
