//! The client against a scripted HTTP server: exact bytes on the wire, retry rules, errors.
//! (The stateful end-to-end flow is tested against the sandbox crate.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paysera_scanpay::mac::{MacHeader, body_hash, form_urlencode, normalized_string, verify_mac};
use paysera_scanpay::{
    Client, ConfirmPrices, Error, MacCredentials, Money, Payment, RetryPolicy, SpotQuery,
    SpotStatus, TransactionQuery, TransactionRequest, TransactionStatus,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU";
const SPOTS: &str = include_str!("data/guide/spots_waiting.json");

#[derive(Clone)]
enum Action {
    Reply(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close the connection without answering.
    Drop,
    Delay(Duration, Box<Action>),
}

fn reply(status: u16, body: &str) -> Action {
    Action::Reply(status, vec![], body.to_owned())
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    host: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

struct Mock {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    async fn start(script: Vec<Action>) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (s, q) = (seen.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(sock, s.clone(), q.clone()));
            }
        });
        Mock {
            base_url: format!("http://{addr}"),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self, retries: u32) -> Client {
        Client::builder(MacCredentials::new("wkVd93h2uS", KEY).unwrap())
            .base_url(&self.base_url)
            .retry_policy(RetryPolicy {
                max_retries: retries,
                initial_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(50),
                max_retry_after: Duration::from_secs(5),
            })
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }
}

async fn serve(
    mut sock: TcpStream,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Action>>>,
) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap().to_owned();
        let target = request_line.next().unwrap().to_owned();
        let (mut len, mut host, mut authorization) = (0usize, String::new(), None);
        for line in lines {
            let (k, v) = line.split_once(": ").unwrap();
            match k.to_ascii_lowercase().as_str() {
                "content-length" => len = v.parse().unwrap(),
                "host" => host = v.to_owned(),
                "authorization" => authorization = Some(v.to_owned()),
                _ => {}
            }
        }
        while buf.len() < head_end + 4 + len {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end + 4..head_end + 4 + len].to_vec();
        buf.drain(..head_end + 4 + len);
        seen.lock().unwrap().push(Seen {
            method,
            target,
            host,
            authorization,
            body,
        });
        let mut action = script.lock().unwrap().pop_front().unwrap_or_else(|| {
            reply(
                500,
                r#"{"error":"internal_server_error","error_description":"script exhausted"}"#,
            )
        });
        loop {
            match action {
                Action::Delay(d, next) => {
                    tokio::time::sleep(d).await;
                    action = *next;
                }
                Action::Drop => return,
                Action::Reply(status, headers, body) => {
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\npaysera-correlation-id: corr-{status}\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&body);
                    if sock.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

/// Verifies a recorded request the way Paysera does: MAC over exactly what arrived.
fn assert_signed(seen: &Seen) -> MacHeader {
    let h = MacHeader::parse(seen.authorization.as_deref().expect("Authorization header")).unwrap();
    let (host, port) = seen.host.rsplit_once(':').unwrap();
    let ext = if seen.body.is_empty() {
        String::new()
    } else {
        format!("body_hash={}", form_urlencode(&body_hash(&seen.body)))
    };
    assert_eq!(
        h.ext.clone().unwrap_or_default(),
        ext,
        "ext of {}",
        seen.target
    );
    let normalized = normalized_string(
        h.ts.parse().unwrap(),
        &h.nonce,
        &seen.method,
        &seen.target,
        host,
        port.parse().unwrap(),
        &ext,
    );
    let creds = MacCredentials::new("wkVd93h2uS", KEY).unwrap();
    assert!(
        verify_mac(&creds, &normalized, &h.mac),
        "bad MAC for {} {}",
        seen.method,
        seen.target
    );
    h
}

fn transaction_json(key: &str, status: &str) -> String {
    format!(
        r#"{{"transaction_key":"{key}","status":"{status}","payments":[{{"id":1,"price":1299,"currency":"EUR","description":"x"}}]}}"#
    )
}

fn request() -> TransactionRequest {
    let payment = Payment::new(
        "Table 4",
        Money {
            amount: 1299,
            currency: "EUR".into(),
        },
    );
    TransactionRequest::new(vec![payment])
}

#[tokio::test]
async fn list_spots_signs_the_exact_url_and_decodes() {
    let mock = Mock::start(vec![reply(200, SPOTS)]).await;
    let client = mock.client(0);
    let page = client
        .list_spots(&SpotQuery {
            status: Some(SpotStatus::Waiting),
            location_id: Some(9),
            limit: Some(10),
            offset: Some(20),
        })
        .await
        .unwrap();
    assert_eq!(page.spots[0].id, 15);
    assert_eq!(page.spots[0].status, SpotStatus::Waiting);
    let seen = mock.seen();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].target,
        "/rest/v1/spots?status=waiting&location_id=9&limit=10&offset=20"
    );
    let h = assert_signed(&seen[0]);
    assert_eq!(h.id, "wkVd93h2uS");
    assert_eq!(h.nonce.len(), 32);
}

#[tokio::test]
async fn post_body_hash_covers_the_bytes_sent() {
    let mock = Mock::start(vec![reply(200, &transaction_json("K1", "new"))]).await;
    let mut req = request();
    req.payments[0].description = Some("Užsakymas – kava ☕".into());
    let tx = mock.client(0).create_transaction(&req).await.unwrap();
    assert_eq!(tx.transaction_key, "K1");
    assert_eq!(tx.status, TransactionStatus::New);
    let seen = mock.seen();
    assert_eq!(seen[0].target, "/rest/v1/transaction");
    let sent: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent["payments"][0]["description"], "Užsakymas – kava ☕");
    assert_eq!(sent["payments"][0]["price"], 1299);
    assert_signed(&seen[0]);
}

#[tokio::test]
async fn transaction_query_encodes_status_list() {
    let mock = Mock::start(vec![reply(200, r#"{"transactions":[]}"#)]).await;
    mock.client(0)
        .list_transactions(&TransactionQuery {
            statuses: vec![TransactionStatus::Reserved, TransactionStatus::Confirmed],
            from: Some(100),
            to: Some(200),
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap();
    let seen = mock.seen();
    assert_eq!(
        seen[0].target,
        "/rest/v1/transactions?status=reserved%2Cconfirmed&from=100&to=200&limit=200"
    );
    assert_signed(&seen[0]);
}

#[tokio::test]
async fn invalid_input_is_rejected_before_sending() {
    let mock = Mock::start(vec![]).await;
    let client = mock.client(3);
    let err = client
        .list_transactions(&TransactionQuery {
            limit: Some(500),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limit 500"), "{err}");
    let err = client.get_transaction("../spots").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let mut bad = request();
    bad.payments[0].currency = Some("euro".into());
    let err = client.create_transaction(&bad).await.unwrap_err();
    assert!(err.to_string().contains("payments[0].currency"), "{err}");
    let err = client
        .create_transaction(&TransactionRequest::new(vec![]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(mock.seen().is_empty());
}

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
async fn paginator_walks_every_page() {
    let page = |ids: &[u64], total: u64| {
        let spots: Vec<String> = ids
            .iter()
            .map(|i| format!(r#"{{"id":{i},"status":"waiting"}}"#))
            .collect();
        reply(
            200,
            &format!(
                r#"{{"spots":[{}],"_metadata":{{"total":{total}}}}}"#,
                spots.join(",")
            ),
        )
    };
    let mock = Mock::start(vec![page(&[1, 2], 5), page(&[3, 4], 5), page(&[5], 5)]).await;
    let all = mock
        .client(0)
        .iter_spots(SpotQuery {
            limit: Some(2),
            ..Default::default()
        })
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let targets: Vec<String> = mock.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/rest/v1/spots?limit=2&offset=0",
            "/rest/v1/spots?limit=2&offset=2",
            "/rest/v1/spots?limit=2&offset=4"
        ]
    );

    // Without metadata it stops at the first empty page.
    let mock = Mock::start(vec![
        reply(
            200,
            r#"{"transactions":[{"transaction_key":"A","status":"reserved"}]}"#,
        ),
        reply(200, r#"{"transactions":[]}"#),
    ])
    .await;
    use futures_util::StreamExt;
    let items: Vec<_> = mock
        .client(0)
        .iter_transactions(TransactionQuery::default())
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert_eq!(mock.seen().len(), 2);
}

#[tokio::test]
async fn public_key_is_fetched_once_and_validated() {
    let pem = include_str!("data/test_public_key.pem");
    let mock = Mock::start(vec![reply(200, pem)]).await;
    let client = mock.client(0);
    assert_eq!(client.get_public_key().await.unwrap(), pem);
    assert_eq!(client.get_public_key().await.unwrap(), pem);
    let seen = mock.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/publickey");
    assert!(seen[0].authorization.is_none());

    let mock = Mock::start(vec![reply(200, "not a key")]).await;
    let err = mock.client(0).get_public_key().await.unwrap_err();
    assert_eq!(err.code(), "decode_error");
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let mock = Mock::start(vec![
        reply(401, r#"{"error":"unauthorized"}"#),
        Action::Drop,
    ])
    .await;
    let client = mock.client(0);
    let e1 = client.get_spot(1).await.unwrap_err();
    let e2 = client.create_transaction(&request()).await.unwrap_err();
    let seen = mock.seen();
    let mac = MacHeader::parse(seen[0].authorization.as_deref().unwrap())
        .unwrap()
        .mac;
    for text in [
        format!("{client:?}"),
        format!("{e1}"),
        format!("{e1:?}"),
        format!("{e2}"),
        format!("{e2:?}"),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(&mac), "{text}");
        assert!(!text.contains("MAC id="), "{text}");
    }
}

#[tokio::test]
async fn rejects_bad_base_urls() {
    let creds = MacCredentials::new("id", KEY).unwrap();
    for url in [
        "wallet.paysera.com",
        "ftp://x",
        "https://x/?a=b",
        "https://u:p@x",
    ] {
        let err = Client::builder(creds.clone())
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("base_url"), "{url}: {err}");
    }
    let c = Client::builder(creds)
        .base_url("http://127.0.0.1:1/prefix/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
}

#[test]
fn named_base_urls_are_paysera_hosts() {
    use paysera_scanpay::{DEFAULT_BASE_URL, PRODUCTION_BASE_URL, SANDBOX_BASE_URL};
    assert_eq!(PRODUCTION_BASE_URL, "https://wallet.paysera.com");
    assert_eq!(SANDBOX_BASE_URL, "https://wallet-sandbox.paysera.com");
    assert_eq!(DEFAULT_BASE_URL, PRODUCTION_BASE_URL);
    let creds = MacCredentials::new("id", KEY).unwrap();
    assert_eq!(
        Client::new(creds.clone()).unwrap().base_url(),
        PRODUCTION_BASE_URL
    );
    let sandbox = Client::builder(creds)
        .base_url(SANDBOX_BASE_URL)
        .build()
        .unwrap();
    assert_eq!(sandbox.base_url(), SANDBOX_BASE_URL);
}

#[tokio::test]
async fn empty_success_bodies_are_read_back() {
    let mock = Mock::start(vec![
        reply(200, "{}"),
        reply(200, &transaction_json("K5", "confirmed")),
        reply(200, ""),
        reply(200, &transaction_json("K6", "revoked")),
        reply(200, "[]"),
        reply(200, r#"{"id":7,"status":"closed"}"#),
    ])
    .await;
    let client = mock.client(0);
    let confirmed = client.confirm_transaction("K5", None).await.unwrap();
    assert_eq!(confirmed.transaction_key, "K5");
    assert_eq!(confirmed.status, TransactionStatus::Confirmed);
    let revoked = client.revoke_transaction("K6").await.unwrap();
    assert_eq!(revoked.transaction_key, "K6");
    assert_eq!(revoked.status, TransactionStatus::Revoked);
    let spot = client.close_spot(7).await.unwrap();
    assert_eq!((spot.id, spot.status), (7, SpotStatus::Closed));
    let calls: Vec<(String, String)> = mock
        .seen()
        .iter()
        .map(|s| {
            assert_signed(s);
            (s.method.clone(), s.target.clone())
        })
        .collect();
    let expected = [
        ("PUT", "/rest/v1/transaction/K5/confirm"),
        ("GET", "/rest/v1/transaction/K5"),
        ("DELETE", "/rest/v1/transaction/K6"),
        ("GET", "/rest/v1/transaction/K6"),
        ("PUT", "/rest/v1/spot/7/close"),
        ("GET", "/rest/v1/spot/7"),
    ];
    assert_eq!(
        calls,
        expected.map(|(m, t)| (m.to_owned(), t.to_owned())).to_vec()
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_resource_still_fails_to_decode() {
    let mock = Mock::start(vec![reply(200, r#"{"unexpected":true}"#)]).await;
    let err = mock
        .client(0)
        .confirm_transaction("K7", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(mock.seen().len(), 1);
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
