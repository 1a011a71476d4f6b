//! Requests as Paysera's official PHP library (paysera/lib-wallet-php-client) sends them, byte
//! for byte, pass the sandbox; its answers are what that library can read.

use paysera_sandbox::{FaultKind, FaultRule, RateLimit, Sandbox, SandboxConfig};
use paysera_scanpay::MacCredentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

struct Answer {
    status: u16,
    /// Header lines, names lower-cased.
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw HTTP/1.1 to the sandbox and reads the whole answer.
async fn raw(sb: &Sandbox, request: &str) -> Answer {
    let mut sock = tokio::net::TcpStream::connect(sb.addr()).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    sock.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    }
}

/// A request signed with `nonce`, as the PHP library sends it (`Content-Type: application/json`).
fn signed(sb: &Sandbox, method: &str, path: &str, body: &str, nonce: &str) -> String {
    let url = format!("{}{}", sb.base_url(), path);
    let creds = MacCredentials::new(sb.client_id(), sb.mac_key()).unwrap();
    let sig =
        paysera_scanpay::mac::sign(&creds, method, &url, body.as_bytes(), &[], sb.now(), nonce)
            .unwrap();
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Paysera WalletApi PHP library\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        sb.addr(),
        sig.authorization,
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonces_with_commas_equals_and_spaces_are_accepted() {
    let sb = sandbox().await;
    // The edges of the charset (space, '!', '~') and the characters a naive parser splits on.
    for nonce in [
        "a,b",
        "k=v",
        "with space",
        " ,= !~",
        ",",
        "=",
        "x', mac='y",
        "#$%&'()*+,-./:;<=>?@[]^_`{|}~",
    ] {
        let answer = raw(&sb, &signed(&sb, "GET", "/rest/v1/spots", "", nonce)).await;
        assert_eq!(answer.status, 200, "nonce {nonce:?}: {}", answer.body);
        let answer = raw(
            &sb,
            &signed(
                &sb,
                "POST",
                "/rest/v1/transaction",
                r#"{"payments":[{"description":"x","price_decimal":"1.00","currency":"EUR"}]}"#,
                nonce,
            ),
        )
        .await;
        // Same nonce again: a replay, which proves the sandbox read the nonce whole.
        assert_eq!(answer.status, 401, "nonce {nonce:?}: {}", answer.body);
        assert_eq!(answer.body["error"], "unauthorized");
        let why = answer.body["error_description"].as_str().unwrap();
        assert!(why.contains("Nonce"), "{why}");
    }
    let journal = sb.requests();
    assert_eq!(journal[0].nonce.as_deref(), Some("a,b"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_answer_is_exactly_application_json() {
    let sb = sandbox().await;
    let mut n = 0;
    let mut nonce = || {
        n += 1;
        format!("ct-{n}")
    };
    let tx = r#"{"payments":[{"description":"x","price_decimal":"1.00","currency":"EUR"}]}"#;
    let mut answers = vec![
        (
            "success",
            raw(&sb, &signed(&sb, "GET", "/rest/v1/spots", "", &nonce())).await,
        ),
        (
            "created",
            raw(
                &sb,
                &signed(&sb, "POST", "/rest/v1/transaction", tx, &nonce()),
            )
            .await,
        ),
        (
            "not found",
            raw(&sb, &signed(&sb, "GET", "/rest/v1/spot/999", "", &nonce())).await,
        ),
        (
            "invalid parameters",
            raw(
                &sb,
                &signed(&sb, "POST", "/rest/v1/transaction", "{}", &nonce()),
            )
            .await,
        ),
        (
            "unsigned",
            raw(
                &sb,
                &format!(
                    "GET /rest/v1/spots HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    sb.addr()
                ),
            )
            .await,
        ),
        (
            "control plane",
            raw(
                &sb,
                &format!(
                    "GET /_sandbox/requests HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    sb.addr()
                ),
            )
            .await,
        ),
    ];
    sb.inject_fault(FaultRule::once(FaultKind::Error {
        status: 502,
        code: "bad_gateway".into(),
        description: None,
    }))
    .unwrap();
    answers.push((
        "injected error",
        raw(&sb, &signed(&sb, "GET", "/rest/v1/spots", "", &nonce())).await,
    ));
    sb.set_rate_limit(Some(RateLimit {
        requests: 1,
        per_seconds: 60,
    }))
    .unwrap();
    raw(&sb, &signed(&sb, "GET", "/rest/v1/spots", "", &nonce())).await;
    answers.push((
        "rate limited",
        raw(&sb, &signed(&sb, "GET", "/rest/v1/spots", "", &nonce())).await,
    ));
    let statuses: Vec<u16> = answers.iter().map(|(_, a)| a.status).collect();
    assert_eq!(statuses, [200, 200, 404, 400, 401, 200, 502, 429]);
    for (what, answer) in &answers {
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        assert!(!answer.body.is_null(), "{what}: not JSON");
        if answer.status >= 400 {
            assert!(answer.body["error"].is_string(), "{what}: {}", answer.body);
        }
    }
    sb.shutdown().await;
}
