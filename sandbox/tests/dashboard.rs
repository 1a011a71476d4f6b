//! The dashboard and phone pages under `/_sandbox/` (issue 12, parts 2–4): served from the binary
//! with their content types and a strict CSP, the JSON index kept for API clients, spot QR codes,
//! the live event stream (a snapshot, then coalesced changes) and the token beyond loopback.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::models::PlaceInfo;
use serde_json::Value;

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get(url: &str, accept: &str) -> reqwest::Response {
    http()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .unwrap()
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn a_browser_gets_the_dashboard_and_an_api_client_the_json_index() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let page = get(&format!("{}/_sandbox/", sb.base_url()), BROWSER).await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    let csp = header(&page, "content-security-policy").to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains("/_sandbox/assets/dashboard.js"));
    // No inline script, nothing from another host.
    assert!(!html.contains("<script>") && !html.contains("http://") && !html.contains("https://"));

    for accept in ["application/json", "*/*", ""] {
        let index = get(&format!("{}/_sandbox/", sb.base_url()), accept).await;
        assert_eq!(header(&index, "content-type"), "application/json");
        let body: Value = index.json_or_text().await;
        assert_eq!(body["sandbox"], "paysera-sandbox", "Accept: {accept}");
    }
    let index: Value = get(&format!("{}/_sandbox/index.json", sb.base_url()), BROWSER)
        .await
        .json_or_text()
        .await;
    assert_eq!(index["sandbox"], "paysera-sandbox");
}

#[tokio::test]
async fn assets_and_the_phone_page_have_their_content_types() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let base = format!("{}/_sandbox", sb.base_url());
    for (path, kind) in [
        ("assets/dashboard.js", "text/javascript; charset=utf-8"),
        ("assets/panels.js", "text/javascript; charset=utf-8"),
        ("assets/common.js", "text/javascript; charset=utf-8"),
        ("assets/phone.js", "text/javascript; charset=utf-8"),
        ("assets/sandbox.css", "text/css; charset=utf-8"),
        ("phone/1", "text/html; charset=utf-8"),
    ] {
        let resp = get(&format!("{base}/{path}"), BROWSER).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, "content-type"), kind, "{path}");
        assert!(!resp.text().await.unwrap().is_empty());
    }
    assert_eq!(
        get(&format!("{base}/assets/nope.js"), BROWSER)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_spot_qr_code_is_the_cores_svg() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = format!(
        "{}/_sandbox/qr.svg?location_id=1&identifier=table1",
        sb.base_url()
    );
    let resp = get(&url, "image/*").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "content-type"), "image/svg+xml");
    let expected = paysera_scanpay::qr::QrCode::spot(1, "table1")
        .unwrap()
        .to_svg()
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), expected);
    let bad = get(
        &format!("{}/_sandbox/qr.svg?location_id=x", sb.base_url()),
        "*/*",
    )
    .await;
    assert_eq!(bad.status(), 400);
}

/// Reads server-sent events until `until` accepts one (or 5 s pass).
async fn events_until(
    resp: &mut reqwest::Response,
    buf: &mut String,
    mut until: impl FnMut(&str, &Value) -> bool,
) -> (String, Value) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("")
                .to_owned();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let data: Value = serde_json::from_str(data).unwrap();
            if until(&event, &data) {
                return (event, data);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, resp.chunk())
            .await
            .expect("no matching event within 5 s")
            .unwrap()
            .expect("the stream ended");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_event_stream_sends_a_snapshot_then_what_changed() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "table1", PlaceInfo::default()).unwrap();
    let mut stream = get(&format!("{}/_sandbox/events", sb.base_url()), "*/*").await;
    assert_eq!(header(&stream, "content-type"), "text/event-stream");
    let mut buf = String::new();
    let (event, snapshot) = events_until(&mut stream, &mut buf, |_, _| true).await;
    assert_eq!(event, "snapshot");
    assert_eq!(snapshot["spots"][0]["status"], "closed");
    assert_eq!(snapshot["spots"][0]["code"], "PAYSERA*1:table1");

    sb.scan(spot.id).unwrap();
    let (event, delta) = events_until(&mut stream, &mut buf, |_, _| true).await;
    assert_eq!(event, "delta");
    assert_eq!(delta["spots"].as_array().unwrap().len(), 1);
    assert_eq!(delta["spots"][0]["status"], "waiting");

    // A merchant request lands in the journal, with the MAC verdict.
    sb.client().list_spots(&Default::default()).await.unwrap();
    let (_, delta) = events_until(&mut stream, &mut buf, |_, d| {
        d["journal"].as_array().is_some_and(|j| !j.is_empty())
    })
    .await;
    assert_eq!(delta["journal"][0]["mac"], "valid");
    assert!(delta["journal"][0]["correlation_id"].is_string());

    // Many changes at once are coalesced into few messages.
    for i in 0..50 {
        sb.create_spot(2, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
    }
    let mut seen = 0;
    let mut messages = 0;
    while seen < 50 {
        let (_, d) = events_until(&mut stream, &mut buf, |_, _| true).await;
        seen += d["spots"].as_array().unwrap().len();
        messages += 1;
    }
    assert!(messages < 50, "50 changes took {messages} messages");

    // After a reset the page starts over from a snapshot.
    sb.reset();
    let (event, snapshot) = events_until(&mut stream, &mut buf, |e, _| e == "snapshot").await;
    assert_eq!(event, "snapshot");
    assert_eq!(snapshot["spots"], serde_json::json!([]));
}

#[tokio::test]
async fn the_phone_stream_follows_one_spot() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let a = sb.create_spot(1, "a", PlaceInfo::default()).unwrap();
    sb.create_spot(1, "b", PlaceInfo::default()).unwrap();
    let url = format!("{}/_sandbox/events?spot={}", sb.base_url(), a.id);
    let mut stream = get(&url, "*/*").await;
    let mut buf = String::new();
    let (_, snapshot) = events_until(&mut stream, &mut buf, |_, _| true).await;
    assert_eq!(snapshot["spots"].as_array().unwrap().len(), 1);
    assert!(snapshot.get("journal").is_none());
}

#[tokio::test]
async fn beyond_loopback_the_pages_and_the_stream_need_the_token() {
    let sb = Sandbox::start(SandboxConfig {
        host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ..Default::default()
    })
    .await
    .unwrap();
    let token = sb.token().unwrap().to_owned();
    let base = format!("{}/_sandbox", sb.base_url());
    for path in [
        "/",
        "/phone/1",
        "/events",
        "/assets/dashboard.js",
        "/qr.svg",
    ] {
        let resp = get(&format!("{base}{path}"), BROWSER).await;
        assert_eq!(resp.status(), 401, "{path}");
    }
    let wrong = get(&format!("{base}/?token=wrong"), BROWSER).await;
    assert_eq!(wrong.status(), 401);

    // The printed URL works and leaves a cookie for the page's own requests.
    let page = get(&format!("{base}/?token={token}"), BROWSER).await;
    assert_eq!(page.status(), 200);
    let cookie = header(&page, "set-cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = |path: &str| {
        http()
            .get(format!("{base}{path}"))
            .header("cookie", pair.clone())
            .send()
    };
    assert_eq!(with_cookie("/assets/phone.js").await.unwrap().status(), 200);
    let mut stream = with_cookie("/events").await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut buf = String::new();
    let (event, snapshot) = events_until(&mut stream, &mut buf, |_, _| true).await;
    assert_eq!(event, "snapshot");
    assert_eq!(snapshot["state"]["token"], token.as_str());

    // Without the token nothing changes.
    let refused = http()
        .post(format!("{base}/spots"))
        .header("cookie", "paysera_sandbox_token=wrong")
        .body(r#"{"location_id":1,"identifier":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(sb.spots().is_empty());
}

#[tokio::test]
async fn the_stream_ends_when_the_sandbox_stops() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut stream = get(&format!("{}/_sandbox/events", sb.base_url()), "*/*").await;
    let mut buf = String::new();
    events_until(&mut stream, &mut buf, |_, _| true).await;
    let started = Instant::now();
    sb.shutdown().await;
    // Graceful shutdown was not held open by the stream.
    assert!(started.elapsed() < Duration::from_millis(1500));
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream did not end");
}

trait JsonOrText {
    async fn json_or_text(self) -> Value;
}

impl JsonOrText for reqwest::Response {
    async fn json_or_text(self) -> Value {
        let text = self.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}
