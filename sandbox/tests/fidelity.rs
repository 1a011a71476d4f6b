//! Requests as Paysera's official PHP library (paysera/lib-wallet-php-client) sends them, byte
//! for byte, pass the sandbox; its answers are what that library can read.

use paysera_sandbox::{FaultKind, FaultRule, RateLimit, Sandbox, SandboxConfig};
use paysera_scanpay::models::{Money, Payment, TransactionRequest};
use paysera_scanpay::{Client, MacCredentials, SpotQuery};
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

/// Creates a transaction through raw HTTP and has the customer reserve it; returns its key.
async fn reserved_transaction(sb: &Sandbox, body: &str, nonce: &str) -> String {
    let created = raw(sb, &signed(sb, "POST", "/rest/v1/transaction", body, nonce)).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let key = created.body["transaction_key"].as_str().unwrap().to_owned();
    sb.confirm(&key).unwrap();
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn php_empty_arrays_in_request_bodies_are_empty_maps() {
    let sb = sandbox().await;
    // PHP's confirmTransaction($key): `json_encode(array())`, byte for byte.
    let key = reserved_transaction(
        &sb,
        r#"{"payments":[{"description":"Coffee","price_decimal":"2.50","currency":"EUR"}]}"#,
        "php-1",
    )
    .await;
    let path = format!("/rest/v1/transaction/{key}/confirm");
    let confirmed = raw(&sb, &signed(&sb, "PUT", &path, "[]", "php-2")).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(confirmed.body["payments"][0]["price"], 250);

    // Nested empty maps in a create: parameters and reserve written by PHP.
    let key = reserved_transaction(
        &sb,
        r#"{"payments":[{"description":"Tea","price_decimal":"1.00","currency":"EUR","parameters":[]}],"reserve":{"for":600}}"#,
        "php-3",
    )
    .await;
    let tx = raw(
        &sb,
        &signed(
            &sb,
            "GET",
            &format!("/rest/v1/transaction/{key}"),
            "",
            "php-4",
        ),
    )
    .await;
    assert_eq!(tx.status, 200, "{}", tx.body);

    // A list is still not a price map.
    let key2 = reserved_transaction(
        &sb,
        r#"{"payments":[{"description":"Cake","price_decimal":"3.00","currency":"EUR"}]}"#,
        "php-5",
    )
    .await;
    let path = format!("/rest/v1/transaction/{key2}/confirm");
    let bad = raw(&sb, &signed(&sb, "PUT", &path, "[1]", "php-6")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.body["error"], "invalid_parameters");
    sb.shutdown().await;
}

/// A stand-in for Paysera that answers every request with one canned response.
async fn canned(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut seen = 0;
                // Requests here are bodiless GETs: read up to the end of the headers.
                while !buf[..seen].windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf[seen..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen += n,
                    }
                }
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

fn client_for(base_url: &str) -> Client {
    let creds = MacCredentials::new("wkVd93h2uS", "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU").unwrap();
    Client::builder(creds)
        .base_url(base_url)
        .retries(0)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_decodes_php_empty_arrays_in_responses() {
    let url = canned(
        200,
        r#"{"spots":[{"id":1,"status":"waiting","identifier":"t1","place_info":[],"check_ins":[],"orders":[]}],"_metadata":[]}"#,
    )
    .await;
    let spots = client_for(&url)
        .list_spots(&SpotQuery::default())
        .await
        .unwrap();
    assert_eq!(spots.spots[0].identifier.as_deref(), Some("t1"));
    assert_eq!(spots.metadata, Some(Default::default()));

    let url = canned(
        200,
        r#"{"transaction_key":"k","status":"reserved","reserve":[],"payments":[{"id":1,"price":250,"currency":"EUR","parameters":[],"freeze":[]}]}"#,
    )
    .await;
    let tx = client_for(&url).get_transaction("k").await.unwrap();
    assert_eq!(tx.payments()[0].parameters, Some(Default::default()));

    // The error code survives whatever shape error_properties has.
    for body in [
        r#"{"error":"invalid_parameters","error_description":"Bad","error_properties":[]}"#,
        r#"{"error":"invalid_parameters","error_description":"Bad","error_properties":"price"}"#,
        r#"{"error":"invalid_parameters","error_description":"Bad","error_properties":["price"]}"#,
        r#"{"error":"invalid_parameters","error_description":"Bad","error_properties":7}"#,
    ] {
        let err = client_for(&canned(400, body).await)
            .get_transaction("k")
            .await
            .unwrap_err();
        assert_eq!(
            (err.http_status(), err.code()),
            (Some(400), "invalid_parameters"),
            "{body}"
        );
        assert_eq!(err.api().unwrap().description.as_deref(), Some("Bad"));
    }
}

/// Asserts Paysera's envelope for a 400 invalid_parameters naming `field`; returns its message.
fn rejected(answer: &Answer, field: &str) -> String {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(
        answer.body["error"], "invalid_parameters",
        "{}",
        answer.body
    );
    let description = answer.body["error_description"].as_str().unwrap();
    assert!(description.contains(field), "{description}");
    answer.body["error_properties"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no error_properties[{field}] in {}", answer.body))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_as_paysera_documents_it() {
    let sb = sandbox().await;
    let post = |body: &'static str, nonce: &'static str| {
        let request = signed(&sb, "POST", "/rest/v1/transaction", body, nonce);
        let sb = &sb;
        async move { raw(sb, &request).await }
    };

    // price and price_decimal together, even when they agree.
    let both = post(
        r#"{"payments":[{"description":"x","price":1299,"price_decimal":"12.99","currency":"EUR"}]}"#,
        "v-1",
    )
    .await;
    let why = rejected(&both, "payments[0].price_decimal");
    assert!(why.contains("price and price_decimal"), "{why}");

    // Well-formed but not a currency.
    let xyz = post(
        r#"{"payments":[{"description":"x","price_decimal":"1.00","currency":"XYZ"}]}"#,
        "v-2",
    )
    .await;
    let why = rejected(&xyz, "payments[0].currency");
    assert!(why.contains("ISO 4217"), "{why}");
    let ok = post(
        r#"{"payments":[{"description":"x","price_decimal":"1.000","currency":"KWD"}]}"#,
        "v-3",
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);

    // freeze_for is hours: 2 h is freeze.for 7200 s.
    let frozen = post(
        r#"{"payments":[{"description":"x","price":100,"currency":"EUR","freeze_for":2}]}"#,
        "v-4",
    )
    .await;
    assert_eq!(frozen.status, 200, "{}", frozen.body);
    let payment = &frozen.body["payments"][0];
    assert_eq!(payment["freeze_for"], 2, "{payment}");
    assert_eq!(
        payment["freeze"],
        serde_json::json!({"for": 7200}),
        "{payment}"
    );
    let seconds = post(
        r#"{"payments":[{"description":"x","price":100,"currency":"EUR","freeze":{"for":5400}}]}"#,
        "v-5",
    )
    .await;
    assert_eq!(seconds.status, 200, "{}", seconds.body);
    let payment = &seconds.body["payments"][0];
    assert_eq!(
        payment["freeze"],
        serde_json::json!({"for": 5400}),
        "{payment}"
    );
    assert!(
        payment.get("freeze_for").is_none(),
        "1.5 h is no whole hour: {payment}"
    );
    let twice = post(
        r#"{"payments":[{"description":"x","price":100,"currency":"EUR","freeze":{"for":3600},"freeze_for":1}]}"#,
        "v-6",
    )
    .await;
    rejected(&twice, "payments[0].freeze_for");

    // The client refuses both prices before sending anything.
    let client = sb.client();
    let before = sb.requests().len();
    let mut payment = Payment::new("x", Money::new(1299, "EUR"));
    payment.price_decimal = Some("12.99".parse().unwrap());
    let err = client
        .create_transaction(&TransactionRequest::new(vec![payment]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("price and price_decimal"), "{err}");
    assert_eq!(sb.requests().len(), before);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_of_items_as_the_php_library_sends_them() {
    let sb = sandbox().await;
    let post = |body: &'static str, nonce: &'static str| {
        let request = signed(&sb, "POST", "/rest/v1/transaction", body, nonce);
        let sb = &sb;
        async move { raw(sb, &request).await }
    };
    // Items alone, no description or price: the payment costs their total.
    let ok = post(
        r#"{"payments":[{"items":[{"title":"Coffee","price_decimal":"3.50","currency":"EUR","quantity":2,"total_price_decimal":"7.00","parameters":[]},{"title":"Cake","image_uri":"https://shop.example/cake.png","price_decimal":"4.50","currency":"EUR","quantity":1}]}]}"#,
        "i-1",
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let payment = &ok.body["payments"][0];
    assert_eq!(
        (
            &payment["price"],
            &payment["price_decimal"],
            &payment["currency"]
        ),
        (
            &serde_json::json!(1150),
            &serde_json::json!("11.50"),
            &serde_json::json!("EUR")
        ),
        "{payment}"
    );
    let cake = &payment["items"][1];
    assert_eq!(cake["total_price"], 450, "{cake}");
    assert_eq!(cake["image_uri"], "https://shop.example/cake.png", "{cake}");

    // An item whose total is not price × quantity, and items that do not add up to the price.
    let bad_line = post(
        r#"{"payments":[{"items":[{"title":"A","price":100,"currency":"EUR"},{"title":"B","price":100,"currency":"EUR","quantity":3,"total_price":200}]}]}"#,
        "i-2",
    )
    .await;
    let why = rejected(&bad_line, "payments[0].items[1].total_price");
    assert!(why.contains("300"), "{why}");
    let bad_sum = post(
        r#"{"payments":[{"description":"x","price":500,"currency":"EUR","items":[{"title":"A","price":100,"quantity":2}]}]}"#,
        "i-3",
    )
    .await;
    rejected(&bad_sum, "payments[0].price");
    let unknown = post(
        r#"{"payments":[{"items":[{"title":"A","price":100,"currency":"XYZ"}]}]}"#,
        "i-4",
    )
    .await;
    rejected(&unknown, "payments[0].items[0].currency");
    sb.shutdown().await;
}
