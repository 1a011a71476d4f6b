//! Callbacks drive the cashier: a signed callback makes the loop confirm at once, long before its
//! next poll; forged, tampered, replayed callbacks and unknown transactions change nothing; a
//! lost callback is still handled by polling.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::engine::{Engine, EngineConfig, EventKind, FnMerchant, MemoryStore, Stage};
use paysera_scanpay::mac::form_urlencode;
use paysera_scanpay::models::{
    CallbackUri, Money, Payment, PlaceInfo, SpotStatus, TransactionRequest, TransactionStatus,
};

/// Nobody listens here: callbacks sent to it are lost (the sandbox still journals them).
const LOST: &str = "http://127.0.0.1:9/paysera/callback";

fn engine(sb: &Sandbox, callback_uri: &str, poll_interval: Duration) -> Arc<Engine> {
    let merchant = FnMerchant::new(
        |_| Some(vec![Payment::new("Dinner", Money::new(1250, "EUR"))]),
        |_| {},
    );
    let config = EngineConfig {
        poll_interval,
        requests_per_minute: 0,
        callback_uri: Some(callback_uri.to_owned()),
        ..Default::default()
    };
    let store = Arc::new(MemoryStore::new());
    Arc::new(Engine::new(sb.client(), Arc::new(merchant), store, config).unwrap())
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn body(event: &str, sign: &str) -> Vec<u8> {
    format!(
        "event={}&sign={}",
        form_urlencode(event),
        form_urlencode(sign)
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_wakes_the_cashier() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/paysera/callback", listener.local_addr().unwrap());
    // A minute between polls: only the callback can explain a prompt confirmation.
    let engine = engine(&sb, &url, Duration::from_secs(60));
    common::serve_callbacks(listener, engine.clone());
    let looping = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run_forever().await }
    });

    // The first tick bills the table, with our callback URL on the transaction.
    until("the order", || {
        engine.records().iter().any(|r| r.stage == Stage::Ordered)
    })
    .await;
    let tx = sb.transactions().pop().unwrap();
    assert_eq!(
        tx.callback_uri.as_ref().and_then(CallbackUri::as_url),
        Some(url.as_str())
    );

    // The diner confirms; Paysera posts `reserved`; the cashier confirms and frees the table
    // without waiting for its next poll.
    sb.confirm(&tx.transaction_key).unwrap();
    until("the table to be freed", || {
        sb.spots()[0].status == SpotStatus::Closed
    })
    .await;
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
    until("the callback's answer", || !sb.callbacks().is_empty()).await;
    let callback = sb.callbacks().remove(0);
    assert_eq!(
        (callback.event_type.as_str(), callback.status),
        ("reserved", Some(200))
    );
    // The engine forgets the check-in right after its close call returns.
    until("the check-in to be finished", || {
        engine.records().is_empty()
    })
    .await;

    engine.stop();
    looping.await.unwrap().unwrap();
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_unknown_and_replayed_callbacks_change_nothing() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let engine = engine(&sb, LOST, Duration::from_secs(60));
    let looping = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run_forever().await }
    });
    until("the order", || {
        engine.records().iter().any(|r| r.stage == Stage::Ordered)
    })
    .await;
    let key = sb.transactions()[0].transaction_key.clone();

    // A transaction someone else created, with a genuine callback.
    let mut request = TransactionRequest::new(vec![Payment::new("x", Money::new(1, "EUR"))]);
    request.callback_uri = Some(CallbackUri::Url(LOST.into()));
    let other = sb.client().create_transaction(&request).await.unwrap();
    sb.confirm(&other.transaction_key).unwrap();
    sb.confirm(&key).unwrap();
    until("both callbacks", || sb.callbacks().len() == 2).await;
    let callbacks = sb.callbacks();
    let ours = callbacks.iter().find(|c| c.transaction_key == key).unwrap();
    let theirs = callbacks.iter().find(|c| c.transaction_key != key).unwrap();

    let other_sign = &theirs.sign;
    let tampered = ours.event.replace("1250", "1");
    assert_ne!(tampered, ours.event);
    let refused = [
        body(&ours.event, other_sign), // forged: a signature of something else
        body(&ours.event, "bm90IGEgc2lnbg=="), // forged: not a signature at all
        body(&tampered, &ours.sign),   // tampered body
        format!("event={}", form_urlencode(&ours.event)).into_bytes(), // unsigned
        b"garbage".to_vec(),
        body(&theirs.event, &theirs.sign), // genuine, but not this cashier's transaction
    ];
    let records = engine.records();
    for bad in &refused {
        assert!(!engine.handle_callback(bad).await.unwrap());
    }
    // Nothing was queued: the loop still sleeps and the customer's reservation stands.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(engine.records(), records);
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Reserved);
    assert_eq!(sb.spots()[0].status, SpotStatus::Waiting);

    // The genuine one (as if it had arrived) is acted on; the same one again is a harmless replay.
    let genuine = body(&ours.event, &ours.sign);
    assert!(engine.handle_callback(&genuine).await.unwrap());
    until("the table to be freed", || {
        sb.spots()[0].status == SpotStatus::Closed
    })
    .await;
    assert!(!engine.handle_callback(&genuine).await.unwrap());
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
    // The engine forgets the check-in right after its close call returns.
    until("the check-in to be finished", || {
        engine.records().is_empty()
    })
    .await;

    engine.stop();
    looping.await.unwrap().unwrap();
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_callback_is_handled_by_polling() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let engine = engine(&sb, LOST, Duration::ZERO);
    let report = engine.run_once().await.unwrap();
    let key = report.events[0].transaction_key.clone().unwrap();
    sb.confirm(&key).unwrap();
    until("the lost callback", || !sb.callbacks().is_empty()).await;
    assert!(sb.callbacks()[0].error.is_some());
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Paid, EventKind::SpotClosed]);
    sb.shutdown().await;
}
