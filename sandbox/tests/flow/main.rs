//! The sandbox end to end, driven by the core client: the 8-step flow, wrong states and bad
//! fields, listings, callbacks and the control plane here; the MAC rejections in `auth`; every
//! fault kind, and the client's retry rules under them, in `faults`.

mod auth;
mod faults;

use std::time::Duration;

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::callback::CallbackForm;
use paysera_scanpay::models::{
    ConfirmPrices, Money, OrderStatus, Payment, PlaceInfo, SpotStatus, TransactionRequest,
    TransactionStatus,
};
use paysera_scanpay::{Client, MacCredentials, RetryPolicy, SpotQuery, TransactionQuery};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

fn fast_retries(sb: &Sandbox, retries: u32) -> Client {
    sb.client_builder()
        .retry_policy(RetryPolicy {
            max_retries: retries,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(3),
        })
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn order_for(table: &str, cents: i64) -> TransactionRequest {
    TransactionRequest::new(vec![
        Payment::new(format!("Bill for {table}"), Money::new(cents, "EUR"))
            .with_parameter("orderid", table),
    ])
}

fn place(title: &str) -> PlaceInfo {
    PlaceInfo {
        title: Some(title.into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_scan_and_pay_flow() {
    let sb = sandbox().await;
    let client = sb.client();
    let spot = sb.create_spot(7, "table1", place("Cool caffe")).unwrap();
    assert_eq!(spot.status, SpotStatus::Closed);

    // 1. The customer scans PAYSERA*7:table1.
    sb.scan("PAYSERA*7:table1").unwrap();
    // 2. The merchant sees the waiting spot.
    let waiting = client
        .list_spots(&SpotQuery {
            status: Some(SpotStatus::Waiting),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(waiting.spots.len(), 1);
    let spot = &waiting.spots[0];
    assert_eq!(spot.identifier.as_deref(), Some("table1"));
    assert_eq!(spot.location_id(), Some(7));
    assert_eq!(spot.check_ins().len(), 1);
    assert_eq!(waiting.metadata.as_ref().unwrap().total, Some(1));
    // 3. Create the transaction.
    let tx = client
        .create_transaction(&order_for("table1", 1299))
        .await
        .unwrap();
    assert_eq!(tx.status, TransactionStatus::New);
    assert_eq!(tx.payments()[0].price, Some(1299));
    assert_eq!(
        tx.payments()[0].price_decimal.as_ref().unwrap().as_str(),
        "12.99"
    );
    // 4. Attach it.
    let order = client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    // 5. The customer confirms in the app.
    sb.confirm(&tx.transaction_key).unwrap();
    // 6. The merchant sees it reserved.
    let reserved = client
        .list_transactions(&TransactionQuery {
            statuses: vec![TransactionStatus::Reserved],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(reserved.transactions.len(), 1);
    assert_eq!(reserved.transactions[0].location_id, Some(7));
    assert_eq!(
        client.get_spot(spot.id).await.unwrap().orders()[0].status,
        OrderStatus::Reserved
    );
    // 7. Confirm, lowering the price.
    let mut prices = ConfirmPrices::new();
    prices.insert(tx.payments()[0].id.unwrap(), Money::new(1000, "EUR"));
    let confirmed = client
        .confirm_transaction(&tx.transaction_key, Some(&prices))
        .await
        .unwrap();
    assert_eq!(confirmed.status, TransactionStatus::Confirmed);
    assert_eq!(confirmed.payments()[0].price, Some(1000));
    // 8. Close the spot.
    let closed = client.close_spot(spot.id).await.unwrap();
    assert_eq!(closed.status, SpotStatus::Closed);
    assert_eq!(closed.orders()[0].status, OrderStatus::Closed);

    let journal = sb.requests();
    assert!(journal.iter().all(|e| e.status == 200), "{journal:#?}");
    assert!(
        journal
            .iter()
            .all(|e| e.client_id.as_deref() == Some(sb.client_id()))
    );
    assert!(journal.iter().all(|e| !e.correlation_id.is_empty()));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_state_unknown_ids_and_bad_fields() {
    let sb = sandbox().await;
    let client = fast_retries(&sb, 3);
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    let tx = client
        .create_transaction(&order_for("t1", 500))
        .await
        .unwrap();

    // Ordering on a spot nobody scanned.
    let err = client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state", "{err}");
    assert!(!err.is_retryable());
    // Confirming what the customer has not reserved: 409, never retried.
    let before = sb.requests().len();
    let err = client
        .confirm_transaction(&tx.transaction_key, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.http_status(), err.code()),
        (Some(409), "invalid_state")
    );
    assert_eq!(sb.requests().len(), before + 1);
    // Unknown ids.
    let err = client.get_transaction("NoSuchKey123").await.unwrap_err();
    assert_eq!((err.http_status(), err.code()), (Some(404), "not_found"));
    let err = client.get_spot(999).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    let err = client.close_spot(spot.id).await.unwrap_err();
    assert_eq!(err.code(), "invalid_state", "closing a free spot");
    // Lowering a price above the reserved amount names the payment.
    sb.scan(spot.id).unwrap();
    client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap();
    let err = client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state", "ordered twice");
    sb.confirm(&tx.transaction_key).unwrap();
    let pid = tx.payments()[0].id.unwrap();
    let mut prices = ConfirmPrices::new();
    prices.insert(pid, Money::new(9999, "EUR"));
    let err = client
        .confirm_transaction(&tx.transaction_key, Some(&prices))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_parameters");
    assert!(
        err.api()
            .unwrap()
            .properties
            .as_ref()
            .unwrap()
            .contains_key(&pid.to_string())
    );
    // Revoking a reserved one is allowed; confirming it afterwards is not.
    let revoked = client
        .revoke_transaction(&tx.transaction_key)
        .await
        .unwrap();
    assert_eq!(revoked.status, TransactionStatus::Revoked);
    let err = client
        .revoke_transaction(&tx.transaction_key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_state");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_filters_and_pagination() {
    let sb = sandbox().await;
    let client = sb.client();
    for i in 0..7 {
        let s = sb
            .create_spot(
                if i < 4 { 1 } else { 2 },
                &format!("t{i}"),
                PlaceInfo::default(),
            )
            .unwrap();
        if i % 2 == 0 {
            sb.scan(s.id).unwrap();
        }
    }
    let waiting_at_1 = client
        .list_spots(&SpotQuery {
            status: Some(SpotStatus::Waiting),
            location_id: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(waiting_at_1.spots.len(), 2);
    let all = client
        .iter_spots(SpotQuery {
            limit: Some(3),
            ..Default::default()
        })
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    let page = client
        .list_spots(&SpotQuery {
            limit: Some(3),
            offset: Some(6),
            ..Default::default()
        })
        .await
        .unwrap();
    let meta = page.metadata.unwrap();
    assert_eq!(
        (meta.total, meta.offset, meta.limit),
        (Some(7), Some(6), Some(3))
    );
    assert_eq!(page.spots.len(), 1);

    for i in 0..5 {
        client
            .create_transaction(&order_for(&format!("x{i}"), 100 + i))
            .await
            .unwrap();
    }
    let keys: Vec<String> = sb
        .transactions()
        .iter()
        .map(|t| t.transaction_key.clone())
        .collect();
    sb.reject(&keys[0]).unwrap();
    sb.confirm(&keys[1]).unwrap();
    let some = client
        .list_transactions(&TransactionQuery {
            statuses: vec![TransactionStatus::Rejected, TransactionStatus::Reserved],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(some.transactions.len(), 2);
    // Another merchant never sees these.
    let config = SandboxConfig {
        clients: vec![
            paysera_sandbox::ClientCredentials {
                client_id: "a".into(),
                mac_key: "ka".into(),
            },
            paysera_sandbox::ClientCredentials {
                client_id: "b".into(),
                mac_key: "kb".into(),
            },
        ],
        ..Default::default()
    };
    let sb2 = Sandbox::start(config).await.unwrap();
    let a = sb2.client();
    let b = Client::builder(MacCredentials::new("b", "kb").unwrap())
        .base_url(sb2.base_url())
        .build()
        .unwrap();
    let tx = a.create_transaction(&order_for("a1", 100)).await.unwrap();
    assert_eq!(
        b.get_transaction(&tx.transaction_key)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(
        b.list_transactions(&TransactionQuery::default())
            .await
            .unwrap()
            .transactions
            .is_empty()
    );
    sb.shutdown().await;
    sb2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_are_signed_and_verifiable() {
    // A tiny receiver for the merchant's callback URL.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = format!("http://{}/paysera/callback", listener.local_addr().unwrap());
    let (tx_body, mut rx_body) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let tx_body = tx_body.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap();
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .unwrap()
                            .trim()
                            .parse()
                            .unwrap();
                        if buf.len() >= i + 4 + len {
                            tx_body.send(buf[i + 4..i + 4 + len].to_vec()).unwrap();
                            sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nOK")
                                .await
                                .unwrap();
                            return;
                        }
                    }
                    if n == 0 {
                        return;
                    }
                }
            });
        }
    });

    let sb = sandbox().await;
    let client = sb.client();
    let mut req = order_for("t1", 100);
    req.callback_uri = Some(receiver.as_str().into());
    let tx = client.create_transaction(&req).await.unwrap();
    sb.confirm(&tx.transaction_key).unwrap();
    let body = tokio::time::timeout(Duration::from_secs(5), rx_body.recv())
        .await
        .unwrap()
        .unwrap();
    let form = CallbackForm::parse(&body).unwrap();
    assert!(
        client
            .verify_callback(&form.event, &form.sign)
            .await
            .unwrap()
    );
    let verifier =
        paysera_scanpay::CallbackVerifier::from_pem(&client.get_public_key().await.unwrap())
            .unwrap();
    let event = verifier.verify_event(&form.event, &form.sign).unwrap();
    assert_eq!(event.event_type, "reserved");
    assert_eq!(event.data.unwrap().transaction_key, tx.transaction_key);
    // A tampered event does not verify.
    let mut tampered = form.event.clone();
    tampered[5] ^= 1;
    assert!(!client.verify_callback(&tampered, &form.sign).await.unwrap());

    let tx2 = client.create_transaction(&req).await.unwrap();
    sb.reject(&tx2.transaction_key).unwrap();
    let body = tokio::time::timeout(Duration::from_secs(5), rx_body.recv())
        .await
        .unwrap()
        .unwrap();
    let form = CallbackForm::parse(&body).unwrap();
    assert_eq!(
        verifier
            .verify_event(&form.event, &form.sign)
            .unwrap()
            .event_type,
        "rejected"
    );
    // The journal of callbacks records the receiver's answer.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let records = sb.callbacks();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.status == Some(200)));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_plane_over_http() {
    let sb = sandbox().await;
    paysera_scanpay::client::install_crypto_provider();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/_sandbox/{p}", sb.base_url());
    let spot: serde_json::Value = http
        .post(url("spots"))
        .body(r#"{"location_id":3,"identifier":"bar-1","title":"Bar"}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(spot["status"], "closed");
    assert_eq!(spot["place_info"]["title"], "Bar");
    let scanned: serde_json::Value = http
        .post(url("scan"))
        .body(r#"{"code":"https://paysera.com/app?qr=PAYSERA%2A3%3Abar-1"}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(scanned["status"], "waiting");
    let resp = http
        .post(url("faults"))
        .body(r#"{"kind":"error","status":503,"count":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let err = sb.client().with_retries(0).get_spot(1).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    let journal: serde_json::Value = serde_json::from_slice(
        &http
            .get(url("requests"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(journal[0]["fault"], "error");
    let bad = http
        .post(url("scan"))
        .body(r#"{"code":"EVP000000000001"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let reset = http.post(url("reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert!(sb.spots().is_empty());
    sb.shutdown().await;
}
