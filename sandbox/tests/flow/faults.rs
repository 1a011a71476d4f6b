//! Every fault kind, the rate limit and a moved clock, and the client's retry rules under them.

use std::time::Duration;

use paysera_sandbox::{FaultKind, FaultRule, RateLimit};
use paysera_scanpay::models::{PlaceInfo, TransactionStatus};
use paysera_scanpay::{Error, SpotQuery, TransactionQuery};

use super::{fast_retries, order_for, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_get_is_resigned_with_fresh_nonce_under_faults() {
    let sb = sandbox().await;
    let client = fast_retries(&sb, 3);
    for fault in [
        FaultKind::Error {
            status: 503,
            code: "internal_server_error".into(),
            description: None,
        },
        FaultKind::Drop,
        FaultKind::RateLimit { retry_after: 1 },
    ] {
        sb.reset();
        sb.inject_fault(FaultRule::once(fault.clone()).on("GET", "/spots"))
            .unwrap();
        let page = client.list_spots(&SpotQuery::default()).await.unwrap();
        assert!(page.spots.is_empty());
        let journal = sb.requests();
        assert_eq!(journal.len(), 2, "{fault:?}: {journal:#?}");
        assert!(journal[0].fault.is_some());
        assert_eq!(journal[1].status, 200);
        assert_ne!(journal[0].nonce, journal[1].nonce, "{fault:?}");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_with_dropped_response_is_not_resent() {
    let sb = sandbox().await;
    let client = fast_retries(&sb, 3);
    sb.inject_fault(FaultRule::once(FaultKind::ApplyThenDrop).on("POST", "/transaction"))
        .unwrap();
    let err = client
        .create_transaction(&order_for("t9", 700))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    assert!(!err.is_retryable());
    // Applied once, sent once: reconcile by reading state, never by re-sending.
    assert_eq!(sb.requests().len(), 1);
    let created = sb.transactions();
    assert_eq!(created.len(), 1);
    let found = client
        .iter_transactions(TransactionQuery::default())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        found[0].payments()[0].parameters.as_ref().unwrap()["orderid"],
        "t9"
    );

    // Dropped before handling: nothing was created.
    sb.inject_fault(FaultRule::once(FaultKind::Drop).on("POST", "/transaction"))
        .unwrap();
    client
        .create_transaction(&order_for("t10", 700))
        .await
        .unwrap_err();
    assert_eq!(sb.transactions().len(), 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirm_whose_response_was_lost_is_reconciled() {
    let sb = sandbox().await;
    let client = fast_retries(&sb, 2);
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let tx = client
        .create_transaction(&order_for("t1", 100))
        .await
        .unwrap();
    client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap();
    sb.confirm(&tx.transaction_key).unwrap();
    sb.inject_fault(FaultRule::once(FaultKind::ApplyThenDrop).on("PUT", "/confirm"))
        .unwrap();
    let confirmed = client
        .confirm_transaction(&tx.transaction_key, None)
        .await
        .unwrap();
    assert_eq!(confirmed.status, TransactionStatus::Confirmed);
    let methods: Vec<(String, u16)> = sb
        .requests()
        .iter()
        .skip(2)
        .map(|e| (e.method.clone(), e.status))
        .collect();
    assert_eq!(
        methods,
        [("PUT".into(), 0), ("PUT".into(), 409), ("GET".into(), 200)]
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_malformed_and_delayed_responses() {
    let sb = sandbox().await;
    let client = fast_retries(&sb, 0);
    for kind in [FaultKind::Truncate, FaultKind::Malformed] {
        sb.inject_fault(FaultRule::once(kind)).unwrap();
        let err = client.list_spots(&SpotQuery::default()).await.unwrap_err();
        assert_eq!(err.code(), "decode_error", "{err}");
        assert!(err.correlation_id().is_some());
    }
    sb.inject_fault(FaultRule::once(FaultKind::Delay { ms: 1500 }))
        .unwrap();
    let err = client
        .with_timeout(Duration::from_millis(300))
        .list_spots(&SpotQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // The same delay within the timeout just succeeds.
    sb.inject_fault(FaultRule::once(FaultKind::Delay { ms: 100 }))
        .unwrap();
    client.list_spots(&SpotQuery::default()).await.unwrap();
    // Error faults carry Paysera's body.
    sb.inject_fault(FaultRule::once(FaultKind::Error {
        status: 500,
        code: "internal_server_error".into(),
        description: Some("boom".into()),
    }))
    .unwrap();
    let err = client.get_spot(1).await.unwrap_err();
    assert_eq!(err.code(), "internal_server_error");
    assert_eq!(err.api().unwrap().description.as_deref(), Some("boom"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probabilistic_faults_are_seeded() {
    let run = || async {
        let sb = sandbox().await;
        sb.inject_fault(
            FaultRule::once(FaultKind::Error {
                status: 502,
                code: "bad_gateway".into(),
                description: None,
            })
            .with_probability(0.3, 42),
        )
        .unwrap();
        let client = fast_retries(&sb, 0);
        let mut outcome = Vec::new();
        for _ in 0..40 {
            outcome.push(client.get_spot(1).await.unwrap_err().code().to_owned());
        }
        sb.shutdown().await;
        outcome
    };
    let a = run().await;
    let b = run().await;
    assert_eq!(a, b);
    let hits = a.iter().filter(|c| *c == "bad_gateway").count();
    assert!((4..=24).contains(&hits), "{hits}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let sb = sandbox().await;
    sb.set_rate_limit(Some(RateLimit {
        requests: 2,
        per_seconds: 60,
    }))
    .unwrap();
    let client = fast_retries(&sb, 0);
    client.list_spots(&SpotQuery::default()).await.unwrap();
    client.list_spots(&SpotQuery::default()).await.unwrap();
    let err = client.list_spots(&SpotQuery::default()).await.unwrap_err();
    assert_eq!(
        (err.http_status(), err.code()),
        (Some(429), "rate_limit_exceeded")
    );
    let wait = err.retry_after().unwrap();
    assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(60));
    sb.set_rate_limit(None).unwrap();
    client.list_spots(&SpotQuery::default()).await.unwrap();
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advanced_clock_makes_the_client_resync() {
    let sb = sandbox().await;
    let client = sb.client();
    client.list_spots(&SpotQuery::default()).await.unwrap();
    sb.advance_clock(3600).unwrap();
    client.list_spots(&SpotQuery::default()).await.unwrap();
    assert!(
        (client.clock_offset() - 3600).abs() <= 2,
        "{}",
        client.clock_offset()
    );
    let statuses: Vec<(String, u16)> = sb
        .requests()
        .iter()
        .map(|e| (e.path.clone(), e.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("/rest/v1/spots".into(), 200),
            ("/rest/v1/spots".into(), 401),
            ("/rest/v1/server".into(), 200),
            ("/rest/v1/spots".into(), 200),
        ]
    );
    sb.shutdown().await;
}
