//! Retry rules, errors with Paysera's fields, timeouts and deadlines.

use super::*;

#[tokio::test]
async fn retried_get_is_resigned_with_a_fresh_nonce() {
    let mock = Mock::start(vec![
        reply(503, r#"{"error":"internal_server_error"}"#),
        Action::Drop,
        reply(200, SPOTS),
    ])
    .await;
    let page = mock
        .client(2)
        .list_spots(&SpotQuery::default())
        .await
        .unwrap();
    assert_eq!(page.spots.len(), 1);
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    let nonces: Vec<String> = seen.iter().map(|s| assert_signed(s).nonce).collect();
    assert_ne!(nonces[0], nonces[1]);
    assert_ne!(nonces[1], nonces[2]);
}

#[tokio::test]
async fn retries_zero_means_one_attempt() {
    let mock = Mock::start(vec![reply(503, r#"{"error":"internal_server_error"}"#)]).await;
    let err = mock.client(0).get_spot(15).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(mock.seen().len(), 1);
}

#[tokio::test]
async fn invalid_state_is_never_retried_and_carries_paysera_fields() {
    let mock = Mock::start(vec![reply(
        409,
        r#"{"error":"invalid_state","error_description":"Transaction is not reserved","error_uri":"https://x/doc","error_properties":{"status":"new"}}"#,
    )])
    .await;
    let err = mock
        .client(5)
        .confirm_transaction("ATaNL6X6CivO2Ou0FMPt", None)
        .await
        .unwrap_err();
    assert_eq!(mock.seen().len(), 1);
    assert!(!err.is_retryable());
    let api = err.api().unwrap();
    assert_eq!(api.status, 409);
    assert_eq!(api.code, "invalid_state");
    assert_eq!(
        api.description.as_deref(),
        Some("Transaction is not reserved")
    );
    assert_eq!(api.uri.as_deref(), Some("https://x/doc"));
    assert_eq!(api.properties.as_ref().unwrap()["status"], "new");
    assert_eq!(err.correlation_id(), Some("corr-409"));
    assert_eq!(api.method, "PUT");
    assert_eq!(
        api.path,
        "/rest/v1/transaction/ATaNL6X6CivO2Ou0FMPt/confirm"
    );
}

#[tokio::test]
async fn post_whose_response_was_dropped_is_not_resent() {
    let mock = Mock::start(vec![
        Action::Drop,
        reply(200, &transaction_json("K2", "new")),
    ])
    .await;
    let err = mock
        .client(5)
        .create_transaction(&request())
        .await
        .unwrap_err();
    assert_eq!(
        mock.seen().len(),
        1,
        "a POST with unknown outcome must not be re-sent"
    );
    assert!(err.outcome_unknown());
    assert!(!err.is_retryable());
    assert_eq!(err.code(), "transport_error");
}

#[tokio::test]
async fn post_gateway_errors_and_429_are_not_resent() {
    for status in [502, 429] {
        let mock = Mock::start(vec![
            Action::Reply(
                status,
                vec![("retry-after", "0".into())],
                "<html>bad gateway</html>".into(),
            ),
            reply(200, r#"{"id":1,"transaction_key":"K","status":"pending"}"#),
        ])
        .await;
        let err = mock.client(5).create_spot_order(1, "K").await.unwrap_err();
        assert_eq!(mock.seen().len(), 1, "status {status}");
        assert!(!err.is_retryable());
        if status == 502 {
            assert_eq!(err.code(), "bad_gateway");
            assert!(err.to_string().contains("bad gateway"), "{err}");
        } else {
            assert_eq!(err.code(), "rate_limit_exceeded");
        }
    }
}

#[tokio::test]
async fn post_that_never_connected_is_retryable() {
    // Bind then drop a listener: connecting to that port is refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder(MacCredentials::new("id", KEY).unwrap())
        .base_url(format!("http://127.0.0.1:{port}"))
        .retries(1)
        .build()
        .unwrap();
    let err = client.create_transaction(&request()).await.unwrap_err();
    assert!(!err.outcome_unknown(), "{err}");
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains("not sent"), "{err}");
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let mock = Mock::start(vec![
        Action::Reply(
            429,
            vec![("retry-after", "1".into())],
            r#"{"error":"rate_limit_exceeded"}"#.into(),
        ),
        reply(200, SPOTS),
    ])
    .await;
    let started = Instant::now();
    mock.client(1)
        .list_spots(&SpotQuery::default())
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(mock.seen().len(), 2);

    // A Retry-After beyond max_retry_after is reported, not waited for.
    let mock = Mock::start(vec![Action::Reply(
        429,
        vec![("retry-after", "3600".into())],
        r#"{"error":"rate_limit_exceeded"}"#.into(),
    )])
    .await;
    let err = mock.client(3).get_spot(1).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(mock.seen().len(), 1);
}

#[tokio::test]
async fn resyncs_clock_once_on_invalid_timestamp() {
    let skew = 1000;
    let local_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mock = Mock::start(vec![
        reply(
            401,
            r#"{"error":"invalid_timestamp","error_description":"Timestamp lifetime exceeded"}"#,
        ),
        reply(200, &format!(r#"{{"time":{}}}"#, local_now + skew)),
        reply(200, SPOTS),
    ])
    .await;
    let client = mock.client(0);
    client.list_spots(&SpotQuery::default()).await.unwrap();
    let seen = mock.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].target, "/rest/v1/server");
    assert!(seen[1].authorization.is_none(), "/server is public");
    let retried = assert_signed(&seen[2]);
    let ts: i64 = retried.ts.parse().unwrap();
    assert!(
        (ts - (local_now + skew)).abs() <= 3,
        "ts {ts} not corrected"
    );
    assert!((client.clock_offset() - skew).abs() <= 3);

    // A second invalid_timestamp in the same call is returned, not looped on.
    let mock = Mock::start(vec![
        reply(401, r#"{"error":"invalid_timestamp"}"#),
        reply(200, &format!(r#"{{"time":{local_now}}}"#)),
        reply(401, r#"{"error":"invalid_timestamp"}"#),
    ])
    .await;
    let err = mock.client(3).get_spot(1).await.unwrap_err();
    assert_eq!(err.code(), "invalid_timestamp");
    assert_eq!(mock.seen().len(), 3);
}

#[tokio::test]
async fn confirm_after_lost_response_reconciles_instead_of_failing() {
    let mock = Mock::start(vec![
        Action::Drop,
        reply(
            409,
            r#"{"error":"invalid_state","error_description":"already confirmed"}"#,
        ),
        reply(200, &transaction_json("K3", "confirmed")),
    ])
    .await;
    let tx = mock
        .client(2)
        .confirm_transaction("K3", None)
        .await
        .unwrap();
    assert_eq!(tx.status, TransactionStatus::Confirmed);
    let seen = mock.seen();
    assert_eq!(
        seen.iter().map(|s| s.method.as_str()).collect::<Vec<_>>(),
        ["PUT", "PUT", "GET"]
    );
}

#[tokio::test]
async fn confirm_can_lower_prices() {
    let mock = Mock::start(vec![reply(200, &transaction_json("K4", "confirmed"))]).await;
    let mut prices = ConfirmPrices::new();
    prices.insert(
        186975531,
        Money {
            amount: 1000,
            currency: "EUR".into(),
        },
    );
    mock.client(0)
        .confirm_transaction("K4", Some(&prices))
        .await
        .unwrap();
    let seen = mock.seen();
    assert_eq!(
        seen[0].body,
        br#"{"186975531":{"price":1000,"currency":"EUR"}}"#
    );
    assert_signed(&seen[0]);
}

#[tokio::test]
async fn undecodable_and_slow_responses() {
    let mock = Mock::start(vec![reply(200, "{\"spots\": [tru")]).await;
    let err = mock
        .client(0)
        .list_spots(&SpotQuery::default())
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            snippet, status, ..
        } => {
            assert_eq!(*status, 200);
            assert!(snippet.contains("[tru"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(!err.is_retryable());

    let mock = Mock::start(vec![Action::Delay(
        Duration::from_secs(3),
        Box::new(reply(200, SPOTS)),
    )])
    .await;
    let client = mock.client(0).with_timeout(Duration::from_millis(200));
    let err = client.list_spots(&SpotQuery::default()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable(), "a GET that timed out may be re-sent");
}

#[tokio::test]
async fn deadline_cuts_a_slow_attempt_short() {
    let slow = Action::Delay(Duration::from_secs(3), Box::new(reply(200, SPOTS)));
    let mock = Mock::start(vec![slow.clone(), slow]).await;
    let client = mock
        .client(3)
        .with_deadline(Some(Duration::from_millis(300)));
    assert_eq!(client.deadline(), Some(Duration::from_millis(300)));
    let started = Instant::now();
    let err = client.list_spots(&SpotQuery::default()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "{err}");
    match err {
        Error::Timeout { timeout, .. } => assert!(timeout <= Duration::from_millis(300)),
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn deadline_stops_retries_that_cannot_finish() {
    let busy = || {
        Action::Delay(
            Duration::from_millis(100),
            Box::new(reply(
                503,
                r#"{"error":"service_unavailable","error_description":"busy"}"#,
            )),
        )
    };
    let mock = Mock::start((0..20).map(|_| busy()).collect()).await;
    let client = mock
        .client(20)
        .with_deadline(Some(Duration::from_millis(400)));
    let started = Instant::now();
    let err = client.list_spots(&SpotQuery::default()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(900), "{err}");
    let sent = mock.seen().len();
    assert!((1..=5).contains(&sent), "{sent} attempts");
    assert!(
        matches!(err, Error::Api(_) | Error::Timeout { .. }),
        "{err}"
    );
}

#[test]
fn deadline_defaults() {
    let creds = MacCredentials::new("id", KEY).unwrap();
    let client = Client::new(creds.clone()).unwrap();
    assert_eq!(client.deadline(), None);
    assert!(paysera_scanpay::DEFAULT_DEADLINE < Duration::from_secs(30));
    let err = Client::builder(creds)
        .deadline(Some(Duration::ZERO))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("greater than zero"), "{err}");
}
