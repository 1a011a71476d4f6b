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
const SPOTS: &str = include_str!("../data/guide/spots_waiting.json");

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

mod resources;
mod retries;
mod tls;
