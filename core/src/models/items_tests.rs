//! Payments made of items: the model round-trips, and validation checks their totals.

use serde_json::{Value, json};

use super::*;

fn problems(payment: Value) -> Vec<(String, String)> {
    let request: TransactionRequest =
        serde_json::from_value(json!({ "payments": [payment] })).expect("decodes");
    match request.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
    }
}

fn fields(payment: Value) -> Vec<String> {
    problems(payment).into_iter().map(|(f, _)| f).collect()
}

#[test]
fn items_round_trip_with_unknown_fields() {
    let text = r#"{"title":"Cake","description":"Cheese","image_uri":"https://x/c.png","price":450,"price_decimal":"4.50","currency":"EUR","quantity":2,"total_price":900,"total_price_decimal":"9.00","parameters":{"sku":"C1"},"vat":21}"#;
    let item: Item = serde_json::from_str(text).unwrap();
    assert_eq!(item.quantity, Some(2));
    assert_eq!(item.extra["vat"], 21);
    assert_eq!(serde_json::to_string(&item).unwrap(), text);
    // PHP's empty map.
    let item: Item = serde_json::from_str(r#"{"title":"T","parameters":[]}"#).unwrap();
    assert_eq!(item.parameters, Some(serde_json::Map::new()));
}

#[test]
fn a_payment_of_items_alone_takes_its_price_from_them() {
    // As Paysera's PHP library sends it: no description, no price, no payment currency.
    let payment = json!({"items": [
        {"title": "Coffee", "price_decimal": "3.50", "currency": "EUR", "quantity": 2,
         "total_price_decimal": "7.00"},
        {"title": "Cake", "price": 450, "currency": "EUR"}
    ]});
    assert_eq!(fields(payment.clone()), Vec::<String>::new());
    let payment: Payment = serde_json::from_value(payment).unwrap();
    assert_eq!(payment.money().unwrap(), Some(Money::new(1150, "EUR")));
    // The items take the payment's currency when they have none.
    let payment =
        json!({"currency": "JPY", "items": [{"title": "Tea", "price": 300, "quantity": 3}]});
    assert_eq!(fields(payment.clone()), Vec::<String>::new());
    let payment: Payment = serde_json::from_value(payment).unwrap();
    assert_eq!(payment.money().unwrap(), Some(Money::new(900, "JPY")));
    // And a price that matches the items is fine.
    let ok = json!({"description": "d", "price": 700, "currency": "EUR",
                    "items": [{"title": "A", "price": 350, "quantity": 2}]});
    assert_eq!(fields(ok), Vec::<String>::new());
}

#[test]
fn inconsistent_items_are_named_by_path() {
    let bad = json!({"description": "d", "price": 900, "currency": "EUR", "items": [
        {"title": "A", "price": 350, "quantity": 2, "total_price": 700},
        {"title": "B", "price": 100, "quantity": 3, "total_price": 200},
    ]});
    let found = problems(bad);
    let names: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        ["payments[0].items[1].total_price", "payments[0].price"]
    );
    assert!(found[0].1.contains("= 300"), "{}", found[0].1);
    assert!(found[1].1.contains("sum of the items"), "{}", found[1].1);

    let decimal = json!({"items": [
        {"title": "A", "price_decimal": "1.10", "currency": "EUR", "quantity": 3,
         "total_price_decimal": "3.00"}]});
    assert_eq!(
        fields(decimal),
        ["payments[0].items[0].total_price_decimal"]
    );
    let payment_decimal = json!({"price_decimal": "5.00", "currency": "EUR",
        "items": [{"title": "A", "price": 400}]});
    assert_eq!(fields(payment_decimal), ["payments[0].price_decimal"]);
}

#[test]
fn each_item_needs_a_title_one_price_a_quantity_and_the_payments_currency() {
    let bad = json!({"currency": "EUR", "items": [
        {"price": 100},
        {"title": "B", "price": 100, "price_decimal": "1.00"},
        {"title": "C"},
        {"title": "D", "price": 100, "quantity": 0},
        {"title": "E", "price": 100, "currency": "USD"},
        {"title": "F", "price_decimal": "1.005"},
        {"title": "G", "price": -5},
    ]});
    assert_eq!(
        fields(bad),
        [
            "payments[0].items[0].title",
            "payments[0].items[1].price_decimal",
            "payments[0].items[2].price",
            "payments[0].items[3].quantity",
            "payments[0].items[4].currency",
            "payments[0].items[5].price_decimal",
            "payments[0].items[6].price",
        ]
    );
    // Without a currency anywhere.
    assert_eq!(
        fields(json!({"items": [{"title": "A", "price": 100}]})),
        ["payments[0].items[0].currency"]
    );
    // A total of zero has nothing to pay.
    assert_eq!(
        fields(json!({"currency": "EUR", "items": [{"title": "Free", "price": 0}]})),
        ["payments[0].items"]
    );
    // No items and no price is still an error; an empty list is no items.
    assert_eq!(
        fields(json!({"description": "d", "currency": "EUR", "items": []})),
        ["payments[0].price"]
    );
}
