//! What Paysera refuses before it looks at a request: MAC, timestamp, nonce, body hash and host
//! checks, driven over raw HTTP; and the guide's own signed example accepted verbatim.

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::{Client, MacCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{place, sandbox};

/// Sends raw HTTP to the sandbox and returns (status, body).
async fn raw(sb: &Sandbox, request: String) -> (u16, serde_json::Value) {
    let mut sock = tokio::net::TcpStream::connect(sb.addr()).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    sock.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

fn signed_request(
    sb: &Sandbox,
    method: &str,
    path: &str,
    body: &str,
    ts: i64,
    nonce: &str,
    tamper_body: Option<&str>,
) -> String {
    let url = format!("{}{}", sb.base_url(), path);
    let creds = MacCredentials::new(sb.client_id(), sb.mac_key()).unwrap();
    let sig =
        paysera_scanpay::mac::sign(&creds, method, &url, body.as_bytes(), &[], ts, nonce).unwrap();
    let sent = tamper_body.unwrap_or(body);
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{sent}",
        sb.addr(),
        sig.authorization,
        sent.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mac_rejections() {
    let sb = sandbox().await;
    let now = sb.now();
    // A correctly signed request passes; the same nonce again is a replay.
    let ok = signed_request(&sb, "GET", "/rest/v1/spots", "", now, "nonce-1", None);
    assert_eq!(raw(&sb, ok.clone()).await.0, 200);
    let (status, body) = raw(&sb, ok).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Nonce")
    );
    // Stale and future timestamps.
    let (status, body) = raw(
        &sb,
        signed_request(&sb, "GET", "/rest/v1/spots", "", now - 400, "n2", None),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_timestamp"))
    );
    assert_eq!(body["error_description"], "Timestamp lifetime exceeded");
    let (_, body) = raw(
        &sb,
        signed_request(&sb, "GET", "/rest/v1/spots", "", now + 400, "n3", None),
    )
    .await;
    assert_eq!(body["error_description"], "Timestamp is in future");
    // Body changed after signing: body_hash mismatch.
    let body_json = r#"{"payments":[{"description":"x","price":100,"currency":"EUR"}]}"#;
    let tampered = signed_request(
        &sb,
        "POST",
        "/rest/v1/transaction",
        body_json,
        now,
        "n4",
        Some(&body_json.replace("100", "1")),
    );
    let (status, body) = raw(&sb, tampered).await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("body_hash"),
        "{body}"
    );
    // Wrong key: MAC mismatch.
    let other = MacCredentials::new(sb.client_id(), "not-the-key").unwrap();
    let url = format!("{}/rest/v1/spots", sb.base_url());
    let sig = paysera_scanpay::mac::sign(&other, "GET", &url, b"", &[], now, "n5").unwrap();
    let req = format!(
        "GET /rest/v1/spots HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        sb.addr(),
        sig.authorization
    );
    let (status, body) = raw(&sb, req).await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"].as_str().unwrap().contains("MAC"),
        "{body}"
    );
    // No Authorization at all, and an unknown client.
    let req = format!(
        "GET /rest/v1/spots HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        sb.addr()
    );
    assert_eq!(raw(&sb, req).await.0, 401);
    let stranger = MacCredentials::new("stranger", "k").unwrap();
    let client = Client::builder(stranger)
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let err = client.get_spot(1).await.unwrap_err();
    assert_eq!((err.http_status(), err.code()), (Some(401), "unauthorized"));
    // The public server time needs no MAC.
    let req = format!(
        "GET /rest/v1/server HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        sb.addr()
    );
    let (status, body) = raw(&sb, req).await;
    assert_eq!(status, 200);
    assert!((body["time"].as_i64().unwrap() - now).abs() < 5);
    // Malformed JSON and bad fields.
    let bad = signed_request(
        &sb,
        "POST",
        "/rest/v1/transaction",
        "{not json",
        now,
        "n6",
        None,
    );
    let (status, body) = raw(&sb, bad).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let fields = r#"{"payments":[{"price":-5,"currency":"eur"}]}"#;
    let (status, body) = raw(
        &sb,
        signed_request(&sb, "POST", "/rest/v1/transaction", fields, now, "n7", None),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_parameters"))
    );
    let props = body["error_properties"].as_object().unwrap();
    assert!(props.keys().any(|k| k.contains("currency")), "{body}");
    assert!(props.keys().any(|k| k.contains("description")), "{body}");
    let (status, body) = raw(
        &sb,
        signed_request(
            &sb,
            "GET",
            "/rest/v1/transactions?limit=500",
            "",
            now,
            "n8",
            None,
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_parameters"))
    );
    assert!(body["error_properties"]["limit"].is_string());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guide_example_works_verbatim() {
    // The guide's request, byte for byte, signed in 2012 for https://wallet.paysera.com.
    let config = SandboxConfig {
        timestamp_window: 100 * 365 * 24 * 3600,
        ..Default::default()
    };
    let sb = Sandbox::start(config).await.unwrap();
    sb.create_spot(1, "table1", place("Cool caffe")).unwrap();
    sb.scan("PAYSERA*1:table1").unwrap();
    let req = "GET /rest/v1/spots?status=waiting HTTP/1.1\r\nHost: wallet.paysera.com\r\nUser-Agent: Paysera WalletApi PHP library\r\nAuthorization: MAC id=\"wkVd93h2uS\", ts=\"1343811600\", nonce=\"nQnNaSNyubfPErjRO55yaaEYo9YZfKHN\", mac=\"irSg0m2b8N87EIhAENNkP+2O3E2x0KkddoTMSOEmHt8=\"\r\nConnection: close\r\n\r\n";
    let (status, body) = raw(&sb, req.to_owned()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["spots"][0]["identifier"], "table1");

    // Every signed example of the guide passes the sandbox's MAC check (the guide reuses one
    // nonce, so the nonce cache is reset between them; ids it names may not exist here).
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../../core/tests/data/vectors.json")).unwrap();
    for v in vectors["vectors"].as_array().unwrap() {
        sb.reset();
        let url = v["url"].as_str().unwrap();
        let path = url.trim_start_matches("https://wallet.paysera.com");
        let body = v["body"].as_str().unwrap();
        let req = format!(
            "{} {path} HTTP/1.1\r\nHost: wallet.paysera.com\r\nAuthorization: {}\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            v["method"].as_str().unwrap(),
            v["expected_authorization"].as_str().unwrap(),
            body.len()
        );
        let (status, answer) = raw(&sb, req).await;
        assert_ne!(status, 401, "{}: {answer}", v["what"]);
        // The body changed after signing: rejected.
        if !body.is_empty() {
            sb.reset();
            let tampered = format!("{body} ");
            let req = format!(
                "{} {path} HTTP/1.1\r\nHost: wallet.paysera.com\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{tampered}",
                v["method"].as_str().unwrap(),
                v["expected_authorization"].as_str().unwrap(),
                tampered.len()
            );
            assert_eq!(raw(&sb, req).await.0, 401, "{}", v["what"]);
        }
    }
    sb.shutdown().await;
}
