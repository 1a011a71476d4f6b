//! Amounts: decimal conversions, currency exponents, totals and confirm prices.

use serde_json::json;

use super::*;

fn decimal(text: &str) -> DecimalAmount {
    text.parse().expect("valid decimal")
}

#[test]
fn decimal_amount_converts_exactly() {
    for (text, exponent, expected) in [
        ("12.99", 2, 1299),
        ("12.9", 2, 1290),
        ("12.990", 2, 1299),
        ("-0.50", 2, -50),
        ("12", 2, 1200),
        ("12", 0, 12),
        ("1.000", 0, 1),
        ("0.005", 3, 5),
        ("-0", 2, 0),
        ("007.10", 2, 710),
        ("92233720368547758.07", 2, i64::MAX),
        ("-92233720368547758.08", 2, i64::MIN),
        ("0", u32::MAX, 0),
    ] {
        assert_eq!(
            decimal(text).to_minor_units(exponent),
            Ok(expected),
            "{text} at {exponent}"
        );
    }
}

#[test]
fn decimal_amount_refuses_lossy_or_overflowing_conversions() {
    assert_eq!(
        decimal("1.005").to_minor_units(2),
        Err(AmountError::TooPrecise {
            value: "1.005".to_owned(),
            exponent: 2
        })
    );
    assert!(matches!(
        decimal("1.5").to_minor_units(0),
        Err(AmountError::TooPrecise { .. })
    ));
    for (text, exponent) in [
        ("92233720368547758.08", 2),
        ("9223372036854775808", 0),
        ("99999999999999999999999", 0),
        ("1", 19),
        ("1", u32::MAX),
    ] {
        let err = decimal(text)
            .to_minor_units(exponent)
            .expect_err("overflows");
        assert!(matches!(err, AmountError::Overflow { .. }), "{text}");
        assert!(err.to_string().contains(text), "{err}");
    }
}

#[test]
fn decimal_amount_rejects_malformed_text() {
    for text in [
        "1e3", "1.", ".5", "+1", " 1", "1 ", "1,5", "abc", "", "-", "--1", "1.2.3", "-.5", "١",
    ] {
        let err = text.parse::<DecimalAmount>().expect_err(text);
        assert!(err.to_string().contains(&format!("{text:?}")), "{err}");
        assert!(DecimalAmount::try_from(text.to_owned()).is_err());
    }
    let err = serde_json::from_str::<Payment>(r#"{"price_decimal": "1e3"}"#)
        .expect_err("invalid decimal fails decoding");
    assert!(err.to_string().contains("\"1e3\""), "{err}");
    assert!(serde_json::from_str::<Payment>(r#"{"price_decimal": 12.99}"#).is_err());
}

#[test]
fn decimal_amount_formats_minor_units() {
    for (amount, exponent, expected) in [
        (1299, 2, "12.99"),
        (5, 2, "0.05"),
        (-50, 2, "-0.50"),
        (-5, 3, "-0.005"),
        (12, 0, "12"),
        (-12, 0, "-12"),
        (0, 3, "0.000"),
        (i64::MIN, 2, "-92233720368547758.08"),
    ] {
        let formatted = DecimalAmount::from_minor_units(amount, exponent);
        assert_eq!(formatted.as_str(), expected);
        assert_eq!(formatted.to_minor_units(exponent), Ok(amount));
    }
    assert_eq!(
        serde_json::to_string(&decimal("12.99")).expect("encodes"),
        r#""12.99""#
    );
}

#[test]
fn currency_exponents() {
    assert_eq!(currency_exponent("EUR"), 2);
    assert_eq!(currency_exponent("HUF"), 2);
    assert_eq!(currency_exponent("JPY"), 0);
    assert_eq!(currency_exponent("krw"), 0);
    assert_eq!(currency_exponent("KWD"), 3);
    assert_eq!(currency_exponent("XXX?"), 2);
}

#[test]
fn money_from_price_or_price_decimal() {
    let from_price: Payment =
        serde_json::from_str(r#"{"price": 1299, "currency": "EUR"}"#).expect("decodes");
    assert_eq!(from_price.money(), Ok(Some(Money::new(1299, "EUR"))));

    let from_decimal: Payment =
        serde_json::from_str(r#"{"price_decimal": "12.99", "currency": "EUR"}"#).expect("decodes");
    assert_eq!(from_decimal.money(), Ok(Some(Money::new(1299, "EUR"))));

    let yen: Payment =
        serde_json::from_str(r#"{"price_decimal": "500", "currency": "JPY"}"#).expect("decodes");
    assert_eq!(yen.money(), Ok(Some(Money::new(500, "JPY"))));

    let dinar: Payment =
        serde_json::from_str(r#"{"price_decimal": "1.5", "currency": "KWD"}"#).expect("decodes");
    assert_eq!(dinar.money(), Ok(Some(Money::new(1500, "KWD"))));

    let both: Payment =
        serde_json::from_str(r#"{"price": 100, "price_decimal": "2.00", "currency": "EUR"}"#)
            .expect("decodes");
    assert_eq!(both.money(), Ok(Some(Money::new(100, "EUR"))));

    let lossy: Payment =
        serde_json::from_str(r#"{"price_decimal": "1.005", "currency": "EUR"}"#).expect("decodes");
    assert!(matches!(lossy.money(), Err(AmountError::TooPrecise { .. })));

    let no_currency: Payment = serde_json::from_str(r#"{"price": 5}"#).expect("decodes");
    assert_eq!(
        no_currency.money(),
        Err(AmountError::MissingCurrency {
            value: "5".to_owned()
        })
    );
    assert_eq!(Payment::default().money(), Ok(None));

    assert_eq!(Money::new(1299, "EUR").to_string(), "12.99 EUR");
    assert_eq!(Money::new(-7, "KWD").to_decimal().as_str(), "-0.007");
}

#[test]
fn total_sums_per_currency_in_order_of_appearance() {
    let tx: Transaction = serde_json::from_value(json!({
        "transaction_key": "k",
        "status": "new",
        "payments": [
            {"price": 100, "currency": "USD"},
            {"price_decimal": "2.50", "currency": "EUR"},
            {"description": "no amount"},
            {"price": 50, "currency": "USD"},
        ]
    }))
    .expect("decodes");
    assert_eq!(
        tx.total(),
        Ok(vec![Money::new(150, "USD"), Money::new(250, "EUR")])
    );

    let overflow: Transaction = serde_json::from_value(json!({
        "transaction_key": "k",
        "status": "new",
        "payments": [
            {"price": i64::MAX, "currency": "EUR"},
            {"price": 1, "currency": "EUR"},
        ]
    }))
    .expect("decodes");
    assert!(matches!(
        overflow.total(),
        Err(AmountError::Overflow { .. })
    ));
}

#[test]
fn confirm_prices_use_string_keys() {
    let mut prices = ConfirmPrices::new();
    prices.insert(186975531, Money::new(1000, "EUR"));
    let text = serde_json::to_string(&prices).expect("encodes");
    assert_eq!(text, r#"{"186975531":{"price":1000,"currency":"EUR"}}"#);
    let back: ConfirmPrices = serde_json::from_str(&text).expect("decodes");
    assert_eq!(back, prices);
}

#[test]
fn reserve_constructors() {
    assert_eq!(
        serde_json::to_string(&Reserve::for_seconds(60)).expect("encodes"),
        r#"{"for":60}"#
    );
    assert_eq!(
        serde_json::to_string(&Reserve::until(1700000000)).expect("encodes"),
        r#"{"until":1700000000}"#
    );
}
