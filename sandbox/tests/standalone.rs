//! The sandbox as a standalone server: the banner the commands print, and the control-plane
//! token it requires once bound beyond loopback (issue 12, safety). Requests always go to
//! 127.0.0.1, even to a sandbox bound to 0.0.0.0.

use std::net::{IpAddr, Ipv4Addr};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, TransactionRequest, TransactionStatus};
use serde_json::Value;

fn on_every_interface() -> SandboxConfig {
    SandboxConfig {
        host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ..Default::default()
    }
}

/// `(status, JSON body)` of a control-plane request; `auth` is one extra header.
async fn control(
    sb: &Sandbox,
    method: &str,
    path_and_query: &str,
    body: &str,
    auth: Option<(&str, String)>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let url = format!("{}{path_and_query}", sb.base_url());
    let mut req = http.request(method.parse().unwrap(), url);
    if !body.is_empty() {
        req = req.body(body.to_owned());
    }
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A transaction ordered on a scanned spot, waiting for the customer; returns its key.
async fn waiting_transaction(sb: &Sandbox) -> String {
    let client = sb.client();
    let spot = sb.create_spot(1, "table1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let tx = client
        .create_transaction(&TransactionRequest::new(vec![Payment::new(
            "Bill",
            Money::new(1299, "EUR"),
        )]))
        .await
        .unwrap();
    client
        .create_spot_order(spot.id, &tx.transaction_key)
        .await
        .unwrap();
    tx.transaction_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_loopback_the_control_plane_needs_the_token() {
    let sb = Sandbox::start(on_every_interface()).await.unwrap();
    assert!(sb.addr().ip().is_unspecified());
    assert!(
        sb.base_url().starts_with("http://127.0.0.1:"),
        "{}",
        sb.base_url()
    );
    let token = sb.token().expect("a token is generated").to_owned();
    assert!(token.len() >= 32, "{token}");
    let key = waiting_transaction(&sb).await;

    // Without the token, or with a wrong one: 401, a clear error, and nothing changes.
    let wrong = "x".repeat(token.len());
    for auth in [
        None,
        Some(("authorization", format!("Bearer {wrong}"))),
        Some(("x-sandbox-token", wrong.clone())),
    ] {
        let (status, body) = control(
            &sb,
            "POST",
            &format!("/_sandbox/transactions/{key}/confirm"),
            "",
            auth,
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"], "unauthorized", "{body}");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("token"),
            "{body}"
        );
    }
    for (method, path, body) in [
        ("POST", "/_sandbox/reset", ""),
        (
            "POST",
            "/_sandbox/spots",
            r#"{"location_id":1,"identifier":"t2"}"#,
        ),
        ("POST", "/_sandbox/clock/advance", r#"{"seconds":3600}"#),
        ("GET", "/_sandbox/spots", ""),
        ("GET", "/_sandbox/", ""),
        ("GET", &format!("/_sandbox/spots?token={wrong}"), ""),
    ] {
        let (status, answer) = control(&sb, method, path, body, None).await;
        assert_eq!(status, 401, "{method} {path}: {answer}");
    }
    assert_eq!(sb.transactions()[0].status, TransactionStatus::New);
    assert_eq!(sb.spots().len(), 1);

    // The merchant API is MAC-authenticated as always, and needs no token.
    sb.client().server_time().await.unwrap();

    // With the token, in each of its three forms.
    let (status, body) = control(
        &sb,
        "GET",
        "/_sandbox/",
        "",
        Some(("x-sandbox-token", token.clone())),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_required"], true);
    let (status, body) = control(
        &sb,
        "GET",
        &format!("/_sandbox/spots?token={token}"),
        "",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = control(
        &sb,
        "POST",
        &format!("/_sandbox/transactions/{key}/confirm"),
        "",
        Some(("authorization", format!("Bearer {token}"))),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Reserved);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_loopback_no_token_is_needed() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert_eq!(sb.token(), None);
    let key = waiting_transaction(&sb).await;
    let (status, body) = control(&sb, "GET", "/_sandbox/", "", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_required"], false);
    assert!(
        body["control_plane"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "/_sandbox/scan"),
        "{body}"
    );
    let (status, body) = control(
        &sb,
        "POST",
        &format!("/_sandbox/transactions/{key}/confirm"),
        "",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_token_is_required_even_on_loopback() {
    let sb = Sandbox::start(SandboxConfig {
        token: Some("test-token_1.x~".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(sb.token(), Some("test-token_1.x~"));
    let (status, _) = control(&sb, "GET", "/_sandbox/clock", "", None).await;
    assert_eq!(status, 401);
    let auth = Some(("authorization", "Bearer test-token_1.x~".to_owned()));
    let (status, body) = control(&sb, "GET", "/_sandbox/clock", "", auth).await;
    assert_eq!(status, 200, "{body}");
    sb.shutdown().await;

    for bad in ["", "has space", "sl/ash", "ünï"] {
        let err = Sandbox::start(SandboxConfig {
            token: Some(bad.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_says_where_and_with_what() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let banner = sb.banner().join("\n");
    let base = sb.base_url();
    assert!(
        banner.contains(&format!("base URL:    {base}\n")),
        "{banner}"
    );
    assert!(banner.contains("client id:   wkVd93h2uS\n"), "{banner}");
    assert!(
        banner.contains("mac key:     IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU\n"),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("dashboard:   {base}/_sandbox/\n")),
        "{banner}"
    );
    assert!(!banner.contains("token"), "{banner}");
    sb.shutdown().await;

    let sb = Sandbox::start(on_every_interface()).await.unwrap();
    let banner = sb.banner().join("\n");
    let token = sb.token().unwrap();
    assert!(
        banner.contains(&format!("token:       {token}\n")),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("{}/_sandbox/?token={token}", sb.base_url())),
        "{banner}"
    );
    assert!(banner.contains("Other machines reach it"), "{banner}");
    // Debug never shows the token.
    let config = SandboxConfig {
        token: Some("secret-token".into()),
        ..Default::default()
    };
    assert!(!format!("{config:?}").contains("secret-token"));
    sb.shutdown().await;
}
