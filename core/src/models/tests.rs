use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

/// Decodes `text` as `T`, re-encodes it, and asserts nothing was lost or added.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> T {
    let original: Value = serde_json::from_str(text).expect("test JSON parses");
    let model: T = serde_json::from_str(text).expect("decodes into the model");
    let encoded = serde_json::to_value(&model).expect("encodes");
    assert_eq!(encoded, original, "round trip changed the JSON");
    model
}

const SPOTS_WAITING: &str = include_str!("../../tests/data/guide/spots_waiting.json");
const TRANSACTION_REQUEST: &str = include_str!("../../tests/data/guide/transaction_request.json");
const TRANSACTION_CREATED: &str = include_str!("../../tests/data/guide/transaction_created.json");
const ORDER_REQUEST: &str = include_str!("../../tests/data/guide/order_request.json");
const ORDER_RESPONSE: &str = include_str!("../../tests/data/guide/order_response.json");
const TRANSACTIONS_RESERVED: &str =
    include_str!("../../tests/data/guide/transactions_reserved.json");
const TRANSACTION_CONFIRMED: &str =
    include_str!("../../tests/data/guide/transaction_confirmed.json");
const SPOT_CLOSED: &str = include_str!("../../tests/data/guide/spot_closed.json");

#[test]
fn guide_spot_list_round_trips() {
    let list: SpotList = round_trip(SPOTS_WAITING);
    assert_eq!(list.spots.len(), 1);
    let spot = &list.spots[0];
    assert_eq!(spot.id, 15);
    assert_eq!(spot.status, SpotStatus::Waiting);
    assert_eq!(spot.identifier.as_deref(), Some("table1"));
    assert_eq!(spot.location_id(), Some(1));
    assert_eq!(spot.check_ins()[0].user_id, Some(99));
    assert_eq!(spot.check_ins()[0].date, Some(1111111112));
    // `"orders": []` is present in the input and must stay present.
    assert_eq!(spot.orders, Some(Vec::new()));
    let metadata = list.metadata.expect("metadata");
    assert_eq!(
        (metadata.total, metadata.offset, metadata.limit),
        (Some(1), Some(0), Some(3))
    );
}

#[test]
fn guide_transaction_request_round_trips_and_validates() {
    let request: TransactionRequest = round_trip(TRANSACTION_REQUEST);
    assert_eq!(request.validate(), Ok(()));
    assert_eq!(
        request.payments[0]
            .parameters
            .as_ref()
            .map(|p| &p["orderid"]),
        Some(&json!(1234))
    );
}

#[test]
fn guide_transaction_request_can_be_built() {
    let mut request = TransactionRequest::new(vec![
        Payment::new("Payment for order No. 1234", Money::new(1299, "EUR"))
            .with_parameter("orderid", 1234),
    ]);
    request.redirect_uri = Some("http://www.example.com/somePage".to_owned());
    let expected: Value = serde_json::from_str(TRANSACTION_REQUEST).expect("test JSON");
    assert_eq!(serde_json::to_value(&request).expect("encodes"), expected);
}

#[test]
fn guide_transaction_created_round_trips() {
    let tx: Transaction = round_trip(TRANSACTION_CREATED);
    assert_eq!(tx.transaction_key, "ATaNL6X6CivO2Ou0FMPt");
    assert_eq!(tx.status, TransactionStatus::New);
    assert_eq!(tx.reserve, Some(Reserve::for_seconds(2592000)));
    assert_eq!(tx.inquiries, Some(Vec::new()));
    assert_eq!(tx.transaction_type, None);
    let payment = &tx.payments()[0];
    assert_eq!(payment.id, Some(186975531));
    assert_eq!(payment.status, Some(PaymentStatus::New));
    assert_eq!(payment.freeze, Some(Reserve::for_seconds(0)));
    assert_eq!(payment.money(), Ok(Some(Money::new(1299, "EUR"))));
    assert_eq!(tx.total(), Ok(vec![Money::new(1299, "EUR")]));
}

#[test]
fn guide_order_round_trips() {
    let request: OrderRequest = round_trip(ORDER_REQUEST);
    assert_eq!(request, OrderRequest::new("ATaNL6X6CivO2Ou0FMPt"));
    let order: Order = round_trip(ORDER_RESPONSE);
    assert_eq!(order.id, 11);
    assert_eq!(order.status, OrderStatus::Pending);
}

#[test]
fn guide_transaction_list_round_trips() {
    let list: TransactionList = round_trip(TRANSACTIONS_RESERVED);
    let tx = &list.transactions[0];
    assert_eq!(tx.status, TransactionStatus::Reserved);
    assert_eq!(tx.transaction_type, Some(TransactionType::Page));
    assert_eq!(tx.wallet, Some(14471));
    assert_eq!(tx.payments()[0].freeze, Some(Reserve::until(1585146295)));
    assert_eq!(list.metadata.and_then(|m| m.limit), Some(50));
}

#[test]
fn guide_confirmed_transaction_with_allowance_round_trips() {
    let tx: Transaction = round_trip(TRANSACTION_CONFIRMED);
    assert!(tx.status.is_final());
    let allowance = tx.allowance.expect("allowance");
    assert_eq!(allowance.optional, Some(true));
    let data = allowance.data.expect("allowance data");
    assert_eq!(data.status, Some(AllowanceStatus::Active));
    assert_eq!(
        data.max_price_decimal.as_ref().map(DecimalAmount::as_str),
        Some("15.00")
    );
    assert_eq!(data.valid.and_then(|v| v.until), Some(1585146295));
    let limits = data.limits.expect("limits");
    assert_eq!(limits[0].time, Some(604800));
    assert_eq!(limits[0].max_price, Some(300));
}

#[test]
fn guide_closed_spot_round_trips() {
    let spot: Spot = round_trip(SPOT_CLOSED);
    assert_eq!(spot.status, SpotStatus::Closed);
    assert_eq!(spot.check_ins, None);
    assert!(spot.check_ins().is_empty());
    assert_eq!(spot.orders()[0].status, OrderStatus::Closed);
    assert_eq!(spot.location_id(), Some(9975));
}

#[test]
fn unknown_fields_and_statuses_survive() {
    let spot: Spot = round_trip(
        r#"{"id": 1, "status": "blocked", "new_field": {"a": [1, 2]},
            "place_info": {"title": "T", "opening_hours": "9-17"},
            "check_ins": [{"user_id": 5, "device": "ios"}],
            "orders": [{"id": 2, "transaction_key": "k", "status": "disputed", "note": null}]}"#,
    );
    assert_eq!(spot.status, SpotStatus::Other("blocked".to_owned()));
    assert_eq!(spot.extra["new_field"], json!({"a": [1, 2]}));
    assert_eq!(spot.orders()[0].status, "disputed");

    let tx: Transaction = round_trip(
        r#"{"transaction_key": "k", "status": "on_hold", "type": "nfc",
            "risk": 0.5, "user": null,
            "payments": [{"status": "refunded", "price": 1, "currency": "EUR",
                          "freeze": {"for": 1, "mode": "x"}, "items": [], "extra_id": 7}],
            "allowance": {"data": {"status": "paused", "limits": [{"time": 1, "x": true}]}, "y": 1}}"#,
    );
    assert_eq!(tx.status, TransactionStatus::Other("on_hold".to_owned()));
    assert!(!tx.status.is_final());
    assert_eq!(tx.transaction_type, Some(TransactionType::from("nfc")));
    assert_eq!(tx.user, Some(Value::Null));
    assert_eq!(
        tx.payments()[0].status,
        Some(PaymentStatus::from("refunded"))
    );
    assert_eq!(tx.payments()[0].items, Some(Vec::new()));

    let event: CallbackEvent = round_trip(
        r#"{"type": "waiting_funds", "object": "transaction", "version": 2,
            "data": {"transaction_key": "k", "status": "waiting_funds"}}"#,
    );
    assert_eq!(
        event.data.map(|t| t.status),
        Some(TransactionStatus::WaitingFunds)
    );
}

#[test]
fn absent_fields_stay_absent() {
    let tx: Transaction = round_trip(r#"{"transaction_key": "k", "status": "new"}"#);
    assert_eq!(
        serde_json::to_string(&tx).expect("encodes"),
        r#"{"transaction_key":"k","status":"new"}"#
    );
    let payment = Payment::default();
    assert_eq!(serde_json::to_string(&payment).expect("encodes"), "{}");
}

#[test]
fn status_enums_behave_like_strings() {
    assert_eq!(
        TransactionStatus::WaitingRegistration.as_str(),
        "waiting_registration"
    );
    assert_eq!(
        "reservation_code".parse::<TransactionType>(),
        Ok(TransactionType::ReservationCode)
    );
    assert_eq!(PaymentStatus::Canceled.to_string(), "canceled");
    assert_eq!(SpotStatus::Open, "open");
    assert!(SpotStatus::Open == *"open");
    assert_eq!(SpotStatus::Other("open".to_owned()), SpotStatus::Open);
    assert!(SpotStatus::Open.is_known());
    assert!(!SpotStatus::from("gone").is_known());
    assert_eq!(
        serde_json::to_string(&AllowanceStatus::Inactive).expect("encodes"),
        r#""inactive""#
    );
    assert_eq!(
        serde_json::from_str::<OrderStatus>(r#""confirmed""#).expect("decodes"),
        OrderStatus::Confirmed
    );
    assert!(serde_json::from_str::<OrderStatus>("1").is_err());

    let finals = ["confirmed", "rejected", "revoked", "failed", "deleted"];
    for status in [
        "new",
        "waiting",
        "waiting_registration",
        "waiting_funds",
        "waiting_password",
        "reserved",
        "confirmed",
        "rejected",
        "revoked",
        "failed",
        "deleted",
    ] {
        let parsed = TransactionStatus::from(status);
        assert!(parsed.is_known(), "{status}");
        assert_eq!(parsed.as_str(), status);
        assert_eq!(parsed.is_final(), finals.contains(&status), "{status}");
    }
}

#[test]
fn callback_uri_disabled_is_false() {
    let mut request = TransactionRequest::new(vec![Payment::new("x", Money::new(1, "EUR"))]);
    request.callback_uri = Some(CallbackUri::Disabled);
    let encoded = serde_json::to_value(&request).expect("encodes");
    assert_eq!(encoded["callback_uri"], json!(false));
    let decoded: TransactionRequest = serde_json::from_value(encoded).expect("decodes");
    assert_eq!(decoded.callback_uri, Some(CallbackUri::Disabled));

    let tx: Transaction = round_trip(
        r#"{"transaction_key": "k", "status": "new", "callback_uri": "https://shop.example/cb"}"#,
    );
    assert_eq!(
        tx.callback_uri.as_ref().and_then(CallbackUri::as_url),
        Some("https://shop.example/cb")
    );

    let err = serde_json::from_str::<Transaction>(
        r#"{"transaction_key": "k", "status": "new", "callback_uri": true}"#,
    )
    .expect_err("true is rejected");
    assert!(err.to_string().contains("cannot be `true`"), "{err}");
    assert!(serde_json::from_str::<CallbackUri>("3").is_err());
}

#[test]
fn other_bodies_round_trip() {
    let error: ErrorBody = round_trip(
        r#"{"error": "invalid_parameters", "error_description": "Bad price",
            "error_properties": {"payments[0].price": ["must be positive"]},
            "error_data": null, "error_uri": "https://example.com/e"}"#,
    );
    assert_eq!(error.error_data, Some(Value::Null));
    assert_eq!(error.to_string(), "invalid_parameters: Bad price");

    let time: ServerTime = round_trip(r#"{"time": 1343811600}"#);
    assert_eq!(time.time, 1343811600);

    let list: TransactionList = round_trip(
        r#"{"transactions": [], "_metadata": {"limit": 10, "has_next": true,
            "has_previous": false, "cursors": {"after": "abc"}}}"#,
    );
    assert_eq!(list.metadata.and_then(|m| m.has_next), Some(true));

    let spots: SpotList = round_trip(r#"{"spots": []}"#);
    assert_eq!(spots.metadata, None);
}

#[test]
fn php_empty_arrays_decode_as_empty_maps() {
    // What Paysera's PHP side writes for empty maps: `[]`, never `{}`.
    let tx: Transaction = serde_json::from_str(
        r#"{"transaction_key": "k", "status": "new", "reserve": [], "allowance": [],
            "payments": [{"id": 1, "price": 100, "currency": "EUR", "parameters": [],
                          "freeze": []},
                         {"id": 2, "price": 100, "currency": "EUR",
                          "parameters": ["a", {"b": 1}]}]}"#,
    )
    .unwrap();
    assert_eq!(tx.reserve, Some(Reserve::default()));
    assert_eq!(tx.allowance, Some(TransactionAllowance::default()));
    let payments = tx.payments();
    assert_eq!(payments[0].parameters, Some(serde_json::Map::new()));
    assert_eq!(payments[0].freeze, Some(Freeze::default()));
    // A PHP list is a map keyed 0, 1, ...
    assert_eq!(
        Value::Object(payments[1].parameters.clone().unwrap()),
        json!({"0": "a", "1": {"b": 1}})
    );

    let spots: SpotList = serde_json::from_str(
        r#"{"spots": [{"id": 1, "status": "closed", "place_info": []}], "_metadata": []}"#,
    )
    .unwrap();
    assert_eq!(spots.metadata, Some(Metadata::default()));
    assert_eq!(spots.spots[0].place_info, Some(PlaceInfo::default()));
    let list: TransactionList =
        serde_json::from_str(r#"{"transactions": [], "_metadata": []}"#).unwrap();
    assert_eq!(list.metadata, Some(Metadata::default()));

    let allowance: Allowance = serde_json::from_str(r#"{"id": 1, "valid": []}"#).unwrap();
    assert_eq!(allowance.valid, Some(Validity::default()));

    // null stays "absent"; a non-empty list where an object is meant is still an error.
    let spot: Spot =
        serde_json::from_str(r#"{"id": 1, "status": "open", "place_info": null}"#).unwrap();
    assert_eq!(spot.place_info, None);
    assert!(
        serde_json::from_str::<Spot>(r#"{"id": 1, "status": "open", "place_info": [1]}"#).is_err()
    );
    assert!(serde_json::from_str::<Payment>(r#"{"parameters": "x"}"#).is_err());

    // Whole bodies: the PHP library's confirmTransaction($key) sends exactly `[]`.
    let prices: ConfirmPrices = from_php_json(b"[]").unwrap();
    assert!(prices.is_empty());
    let request: TransactionRequest = from_php_json(b"[]").unwrap();
    assert!(request.payments.is_empty());
    assert!(from_php_json::<ConfirmPrices>(b"[1]").is_err());
}

#[test]
fn error_body_never_loses_its_code() {
    let empty: ErrorBody =
        serde_json::from_str(r#"{"error": "invalid_parameters", "error_properties": []}"#).unwrap();
    assert_eq!(empty.error_properties, Some(serde_json::Map::new()));

    let listed: ErrorBody =
        serde_json::from_str(r#"{"error": "invalid_parameters", "error_properties": ["price"]}"#)
            .unwrap();
    assert_eq!(
        Value::Object(listed.error_properties.unwrap()),
        json!({"0": "price"})
    );

    // Unexpected shapes are kept aside in `extra`, re-encoded as they came, never fatal.
    for odd in [
        json!("price is wrong"),
        json!(42),
        json!(true),
        json!({"nested": [1, 2]}),
    ] {
        let text = json!({
            "error": "invalid_parameters",
            "error_description": "Bad",
            "error_properties": odd,
        })
        .to_string();
        let body: ErrorBody = serde_json::from_str(&text).unwrap();
        assert_eq!(body.error, "invalid_parameters", "{text}");
        assert_eq!(body.error_description.as_deref(), Some("Bad"));
        if odd.is_object() {
            assert_eq!(Value::Object(body.error_properties.unwrap()), odd);
        } else {
            assert_eq!(body.error_properties, None);
            assert_eq!(body.extra["error_properties"], odd);
            assert_eq!(
                serde_json::to_value(&body).unwrap(),
                serde_json::from_str::<Value>(&text).unwrap()
            );
        }
    }
    let body: ErrorBody = serde_json::from_str(
        r#"{"error": "not_found", "error_description": {"en": "No"}, "error_uri": 5}"#,
    )
    .unwrap();
    assert_eq!(
        (body.error.as_str(), body.error_description, body.error_uri),
        ("not_found", None, None)
    );
    assert_eq!(body.extra["error_description"], json!({"en": "No"}));
    // Without a string `error` it is not Paysera's envelope.
    assert!(serde_json::from_str::<ErrorBody>(r#"{"error_description": "x"}"#).is_err());
    assert!(serde_json::from_str::<ErrorBody>(r#"{"error": 1}"#).is_err());
    assert!(serde_json::from_str::<ErrorBody>("[]").is_err());
}
