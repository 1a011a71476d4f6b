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

#[test]
fn sandbox_serves_until_killed_and_prints_credentials() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_paysera-scanpay"))
        .args([
            "sandbox",
            "--port",
            "0",
            "--client-id",
            "shop-1",
            "--mac-key",
            "k1",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let creds = lines.next().unwrap().unwrap();
    assert!(
        creds.contains("client_id=shop-1") && creds.contains("mac_key=k1"),
        "{creds}"
    );
    let addr = base.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    write!(
        sock,
        "GET /rest/v1/server HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    sock.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"time\":"), "{resp}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sandbox_rejects_unpaired_credentials() {
    let o = run(&["sandbox", "--port", "0", "--client-id", "a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("in pairs"), "{}", stderr(&o));
}
