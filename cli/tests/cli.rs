//! The CLI as a user runs it: exit codes, stdout, messages.

use std::process::{Command, Output};

const KEY: &str = "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paysera-scanpay"))
        .args(args)
        .env_remove("PAYSERA_MAC_KEY")
        .env_remove("PAYSERA_CLIENT_ID")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn sign_prints_only_the_header() {
    let o = run(&[
        "sign",
        "--client-id",
        "wkVd93h2uS",
        "--mac-key",
        KEY,
        "--method",
        "POST",
        "--url",
        "https://wallet.paysera.com/rest/v1/spot/1/order",
        "--body",
        "{\n    \"transaction_key\": \"ATaNL6X6CivO2Ou0FMPt\"\n}",
        "--ts",
        "1343811600",
        "--nonce",
        "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "MAC id=\"wkVd93h2uS\", ts=\"1343811600\", nonce=\"nQnNaSNyubfPErjRO55yaaEYo9YZfKHN\", mac=\"tG7zkaFGyeqt00i9NXKhiVzPjuLYh2GinSL6l6Cgijc=\", ext=\"body_hash=9fSrhGfETAG0H9O%2BMqrpupLFqtG8nB05dag9neRfZoY%3D\"\n"
    );
}

#[test]
fn sign_reads_body_file_ext_and_key_from_env() {
    let dir = std::env::temp_dir().join(format!("pscli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("body.json");
    std::fs::write(&body, "{}").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_paysera-scanpay"))
        .args([
            "sign",
            "--client-id",
            "id",
            "--method",
            "post",
            "--url",
            "http://localhost:8080/rest/v1/transaction",
            "--body-file",
            body.to_str().unwrap(),
            "--ext",
            "project_id=12",
            "--ext",
            "location_id=3",
        ])
        .env("PAYSERA_MAC_KEY", KEY)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let header = stdout(&o);
    assert!(header.starts_with("MAC id=\"id\", ts=\""), "{header}");
    assert!(
        header.contains("&project_id=12&location_id=3\""),
        "{header}"
    );
    assert!(
        header.contains("ext=\"body_hash=RBNvo1WzZ4oRRq0W9%2BhknpT7T8If536DEMBg9hyq%2F4o%3D"),
        "{header}"
    );
}

#[test]
fn sign_rejects_bad_arguments_with_reasons() {
    let base = [
        "sign",
        "--client-id",
        "id",
        "--mac-key",
        KEY,
        "--method",
        "GET",
    ];
    let o = run(&[&base[..], &["--url", "wallet.paysera.com/x"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("absolute URL"), "{}", stderr(&o));
    let o = run(&[&base[..], &["--url", "https://h/x", "--ext", "novalue"]].concat());
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("KEY=VALUE"), "{}", stderr(&o));
    let o = run(&[
        &base[..],
        &["--url", "https://h/x", "--body", "a", "--body-file", "f"],
    ]
    .concat());
    assert_ne!(o.status.code(), Some(0));
    let o = run(&[
        "sign",
        "--client-id",
        "id",
        "--method",
        "GET",
        "--url",
        "https://h/",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("--mac-key"));
}

#[test]
fn qr_builds_parses_and_renders() {
    let o = run(&["qr", "spot", "1", "table1"]);
    assert_eq!(stdout(&o), "PAYSERA*1:table1\n");
    assert_eq!(stdout(&run(&["qr", "wallet", "1"])), "EVP000000000001\n");
    assert_eq!(
        stdout(&run(&["qr", "transaction", "ATaNL6X6CivO2Ou0FMPt"])),
        "PAYSERA%ATaNL6X6CivO2Ou0FMPt\n"
    );
    assert_eq!(
        stdout(&run(&["qr", "app-link", "PAYSERA*1:table1"])),
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1\n"
    );
    let o = run(&[
        "qr",
        "parse",
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["kind"], "app_link");
    assert_eq!(v["inner"]["identifier"], "table1");
    assert_eq!(v["inner"]["location_id"], 1);

    let dir = std::env::temp_dir().join(format!("psqr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg, png) = (dir.join("t.svg"), dir.join("t.png"));
    let o = run(&[
        "qr",
        "spot",
        "7",
        "till-2",
        "--svg",
        svg.to_str().unwrap(),
        "--png",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn qr_rejections_exit_nonzero_and_say_why() {
    for (args, why) in [
        (vec!["qr", "spot", "abc", "t1"], "location id"),
        (
            vec!["qr", "wallet", "1234567890123"],
            "longer than 12 digits",
        ),
        (vec!["qr", "parse", "HELLO"], "PAYSERA"),
        (vec!["qr", "spot", "1", ""], "identifier"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn verify_callback_exit_codes() {
    let dir = std::env::temp_dir().join(format!("pscb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("key.pem");
    std::fs::write(
        &key,
        include_str!("../../core/tests/data/test_public_key.pem"),
    )
    .unwrap();
    let event = dir.join("event.json");
    std::fs::write(&event, r#"{"type":"reserved"}"#).unwrap();
    let args = |sign: &'static str| {
        vec![
            "verify-callback".to_owned(),
            "--public-key".to_owned(),
            key.to_str().unwrap().to_owned(),
            "--event-file".to_owned(),
            event.to_str().unwrap().to_owned(),
            "--sign".to_owned(),
            sign.to_owned(),
        ]
    };
    let a = args(include_str!("../../core/tests/data/test_event.sign").trim_ascii());
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let a = args("AAAA");
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(&key, "garbage").unwrap();
    let a = args("AAAA");
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("PEM"), "{}", stderr(&o));
}

#[test]
fn help_lists_commands() {
    let o = run(&["--help"]);
    let out = stdout(&o);
    for cmd in ["sign", "qr", "verify-callback"] {
        assert!(out.contains(cmd), "{out}");
    }
}

#[test]
fn demo_runs_the_whole_flow() {
    let o = run(&["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("8. PUT /rest/v1/spot/"), "{out}");
    assert!(
        out.contains("Done: 3 spots closed, 3 transactions confirmed"),
        "{out}"
    );
}

/// Starts `paysera-scanpay sandbox ARGS` and reads its banner up to "Press Ctrl-C".
fn start_sandbox(args: &[&str]) -> (std::process::Child, Vec<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_paysera-scanpay"))
        .arg("sandbox")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    (child, banner)
}

/// The value of the banner's `label:` line.
fn banner_value<'a>(banner: &'a [String], label: &str) -> &'a str {
    banner
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {banner:?}"))
        .trim()
}

/// `(status line, body)` of a plain HTTP/1.1 request to 127.0.0.1.
fn http(base: &str, request_head: &str) -> (String, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    write!(
        sock,
        "{request_head}\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    sock.read_to_string(&mut resp).unwrap();
    let status = resp.lines().next().unwrap_or("").to_owned();
    let body = resp.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

#[test]
fn sandbox_serves_until_killed_and_prints_credentials() {
    let (mut child, banner) =
        start_sandbox(&["--port", "0", "--client-id", "shop-1", "--mac-key", "k1"]);
    let base = banner_value(&banner, "base URL:").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner:?}");
    assert_eq!(banner_value(&banner, "client id:"), "shop-1");
    assert_eq!(banner_value(&banner, "mac key:"), "k1");
    assert_eq!(
        banner_value(&banner, "dashboard:"),
        format!("{base}/_sandbox/")
    );
    let (status, body) = http(&base, "GET /rest/v1/server HTTP/1.1");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(body.contains("\"time\":"), "{body}");
    // On loopback the control plane needs no token; its index says what it offers.
    let (status, body) = http(&base, "GET /_sandbox/ HTTP/1.1");
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {body}");
    assert!(body.contains("/_sandbox/scan"), "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[cfg(unix)]
#[test]
fn sandbox_beyond_loopback_prints_a_token_and_requires_it_then_stops_on_sigterm() {
    let (mut child, banner) = start_sandbox(&["--port", "0", "--host", "0.0.0.0"]);
    let base = banner_value(&banner, "base URL:").to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{banner:?}");
    let token = banner_value(&banner, "token:").to_owned();
    assert_eq!(
        banner_value(&banner, "dashboard:"),
        format!("{base}/_sandbox/?token={token}")
    );
    let (status, body) = http(&base, "POST /_sandbox/reset HTTP/1.1");
    assert!(status.starts_with("HTTP/1.1 401"), "{status} {body}");
    assert!(body.contains("token"), "{body}");
    let (status, _) = http(
        &base,
        &format!("GET /_sandbox/spots?token={token} HTTP/1.1"),
    );
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn sandbox_rejects_a_token_that_does_not_fit_a_url() {
    let o = run(&["sandbox", "--port", "0", "--token", "a b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("token"), "{}", stderr(&o));
}

#[test]
fn sandbox_rejects_unpaired_credentials() {
    let o = run(&["sandbox", "--port", "0", "--client-id", "a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("in pairs"), "{}", stderr(&o));
}
