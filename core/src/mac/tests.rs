use super::*;
use serde_json::Value;

const VECTORS: &str = include_str!("../../tests/data/vectors.json");

fn sample() -> MacCredentials {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    MacCredentials::new(
        v["client_id"].as_str().unwrap(),
        v["mac_key"].as_str().unwrap(),
    )
    .unwrap()
}

#[test]
fn reproduces_every_vector() {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    let creds = sample();
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 6);
    for vec in vectors {
        let ext: Vec<(&str, &str)> = vec["ext_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        let sig = sign(
            &creds,
            vec["method"].as_str().unwrap(),
            vec["url"].as_str().unwrap(),
            vec["body"].as_str().unwrap().as_bytes(),
            &ext,
            vec["ts"].as_i64().unwrap(),
            vec["nonce"].as_str().unwrap(),
        )
        .unwrap();
        let what = vec["what"].as_str().unwrap();
        assert_eq!(sig.ext, vec["expected_ext"].as_str().unwrap(), "{what}");
        assert_eq!(sig.mac, vec["expected_mac"].as_str().unwrap(), "{what}");
        assert_eq!(
            sig.authorization,
            vec["expected_authorization"].as_str().unwrap(),
            "{what}"
        );
        assert!(verify_mac(&creds, &sig.normalized, &sig.mac));
    }
    for ex in v["body_hash_examples"].as_array().unwrap() {
        assert_eq!(
            body_hash(ex["body"].as_str().unwrap().as_bytes()),
            ex["body_hash"].as_str().unwrap()
        );
    }
}

#[test]
fn normalized_string_has_seven_terminated_lines() {
    let sig = sign(
        &sample(),
        "get",
        "https://Wallet.Paysera.com/rest/v1/server",
        b"",
        &[],
        1,
        "n",
    )
    .unwrap();
    assert_eq!(
        sig.normalized,
        "1\nn\nGET\n/rest/v1/server\nwallet.paysera.com\n443\n\n"
    );
}

#[test]
fn explicit_port_and_http_default_port() {
    let p = url_parts("https://example.com:8443/a").unwrap();
    assert_eq!(
        (p.host.as_str(), p.port, p.request_uri),
        ("example.com", 8443, "/a")
    );
    let p = url_parts("http://127.0.0.1/rest/v1/spots").unwrap();
    assert_eq!(p.port, 80);
    let p = url_parts("HTTP://LOCALHOST:3000").unwrap();
    assert_eq!(
        (p.host.as_str(), p.port, p.request_uri),
        ("localhost", 3000, "/")
    );
    let p = url_parts("http://[::1]:9000/x?y#frag").unwrap();
    assert_eq!(
        (p.host.as_str(), p.port, p.request_uri),
        ("[::1]", 9000, "/x?y")
    );
    let sig = sign(&sample(), "GET", "http://h:8080/p", b"", &[], 5, "n").unwrap();
    assert_eq!(sig.normalized, "5\nn\nGET\n/p\nh\n8080\n\n");
}

#[test]
fn query_is_signed_byte_for_byte() {
    let url = "https://h/rest/v1/transactions?status=reserved%2Cconfirmed&b=%2f&a=1+2";
    let sig = sign(&sample(), "GET", url, b"", &[], 5, "n").unwrap();
    assert!(
        sig.normalized
            .contains("\n/rest/v1/transactions?status=reserved%2Cconfirmed&b=%2f&a=1+2\n")
    );
    // A different but "equivalent" encoding must give a different MAC.
    let other = sign(
        &sample(),
        "GET",
        "https://h/rest/v1/transactions?status=reserved,confirmed&b=%2F&a=1+2",
        b"",
        &[],
        5,
        "n",
    )
    .unwrap();
    assert_ne!(sig.mac, other.mac);
}

#[test]
fn ext_params_with_and_without_body() {
    let ext = [("project_id", "123"), ("location_id", "a b/c=d+e")];
    let sig = sign(&sample(), "GET", "https://h/x", b"", &ext, 5, "n").unwrap();
    assert_eq!(sig.ext, "project_id=123&location_id=a+b%2Fc%3Dd%2Be");
    assert!(
        sig.authorization
            .ends_with(", ext=\"project_id=123&location_id=a+b%2Fc%3Dd%2Be\"")
    );
    let sig = sign(&sample(), "POST", "https://h/x", b"{}", &ext, 5, "n").unwrap();
    assert_eq!(
        sig.ext,
        format!(
            "body_hash={}&project_id=123&location_id=a+b%2Fc%3Dd%2Be",
            form_urlencode(&body_hash(b"{}"))
        )
    );
}

#[test]
fn empty_body_has_no_body_hash() {
    let sig = sign(&sample(), "PUT", "https://h/x", b"", &[], 5, "n").unwrap();
    assert_eq!(sig.ext, "");
    assert!(!sig.authorization.contains("ext="));
    assert!(sig.normalized.ends_with("\n443\n\n"));
}

#[test]
fn non_ascii_body_hashes_its_utf8_bytes() {
    let body = "{\"description\":\"Užsakymas Nr. 5 – kava ☕\"}";
    let sig = sign(
        &sample(),
        "POST",
        "https://h/x",
        body.as_bytes(),
        &[],
        5,
        "n",
    )
    .unwrap();
    assert_eq!(
        sig.ext,
        format!("body_hash={}", form_urlencode(&body_hash(body.as_bytes())))
    );
    assert_eq!(body_hash(body.as_bytes()).len(), 44);
    assert_ne!(
        body_hash(body.as_bytes()),
        body_hash(b"{\"description\":\"Uzsakymas\"}")
    );
}

#[test]
fn rejects_bad_input_with_reasons() {
    let c = sample();
    let err = |m: &str, u: &str, n: &str, ts: i64| {
        sign(&c, m, u, b"", &[], ts, n).unwrap_err().to_string()
    };
    assert!(err("GET", "wallet.paysera.com/x", "n", 1).contains("absolute URL"));
    assert!(err("GET", "ftp://h/x", "n", 1).contains("scheme"));
    assert!(err("GET", "https://h:abc/x", "n", 1).contains("port"));
    assert!(err("GET", "https://h:99999/x", "n", 1).contains("out of range"));
    assert!(err("GET", "https:///x", "n", 1).contains("host is empty"));
    assert!(err("GET", "https://h/a b", "n", 1).contains("encode it"));
    assert!(err("GET", "https://h/x", "a\"b", 1).contains("nonce"));
    assert!(err("GET", "https://h/x", "", 1).contains("nonce is empty"));
    assert!(err("G T", "https://h/x", "n", 1).contains("method"));
    assert!(err("GET", "https://h/x", "n", -1).contains("negative"));
    assert!(
        sign(&c, "GET", "https://h/x", b"", &[("body_hash", "x")], 1, "n")
            .unwrap_err()
            .to_string()
            .contains("body_hash")
    );
    assert!(MacCredentials::new("", "k").is_err());
    assert!(MacCredentials::new("id", "").is_err());
    assert!(MacCredentials::new("i\"d", "k").is_err());
}

#[test]
fn default_nonce_and_clock() {
    let signer = MacSigner::new(sample());
    let a = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
    let b = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
    assert_eq!(a.nonce.len(), 32);
    assert!(a.nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_ne!(a.nonce, b.nonce);
    assert!((a.ts - unix_now()).abs() <= 2);

    let fixed = MacSigner::new(sample())
        .with_clock(|| 1343811600)
        .with_nonce_source(|| "nQnNaSNyubfPErjRO55yaaEYo9YZfKHN".to_owned());
    let auth = fixed
        .authorization(
            "GET",
            "https://wallet.paysera.com/rest/v1/spots?status=waiting",
            b"",
            &[],
            None,
            None,
        )
        .unwrap();
    assert!(auth.contains("irSg0m2b8N87EIhAENNkP+2O3E2x0KkddoTMSOEmHt8="));
}

#[test]
fn nonces_are_unique_and_uniform() {
    let nonces: std::collections::HashSet<String> =
        (0..10_000).map(|_| random_alphanumeric(32)).collect();
    assert_eq!(nonces.len(), 10_000);
    let mut counts = std::collections::HashMap::new();
    for c in nonces.iter().flat_map(|n| n.chars()) {
        assert!(c.is_ascii_alphanumeric());
        *counts.entry(c).or_insert(0u32) += 1;
    }
    // 320,000 draws over 62 symbols: about 5,161 each.
    assert_eq!(counts.len(), 62);
    assert!(
        counts.values().all(|n| (4_600..5_700).contains(n)),
        "{counts:?}"
    );
}

#[test]
fn nonces_of_any_length() {
    assert_eq!(random_alphanumeric(0), "");
    for len in [1, 31, 32, 63, 64, 65, 200] {
        let n = random_alphanumeric(len);
        assert_eq!(n.len(), len);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()), "{n}");
    }
    // Threads draw from their own generators, and never the same nonces.
    let other = std::thread::spawn(|| random_alphanumeric(32))
        .join()
        .unwrap();
    assert_ne!(other, random_alphanumeric(32));
}

#[test]
fn secrets_never_in_debug() {
    let c = sample();
    let signer = MacSigner::new(c.clone());
    let sig = signer.sign("GET", "https://h/x", b"", &[]).unwrap();
    for s in [format!("{c:?}"), format!("{signer:?}"), format!("{sig:?}")] {
        assert!(!s.contains("IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU"), "{s}");
        assert!(!s.contains(&sig.mac), "{s}");
    }
}

#[test]
fn parses_authorization_header() {
    let h = MacHeader::parse(
        "MAC id=\"wkVd93h2uS\", ts=\"1\", nonce=\"n\", mac=\"m\", ext=\"body_hash=x\"",
    )
    .unwrap();
    assert_eq!(h.id, "wkVd93h2uS");
    assert_eq!(h.ext.as_deref(), Some("body_hash=x"));
    assert!(MacHeader::parse("Bearer x").is_err());
    assert!(MacHeader::parse("MAC id=\"a\", ts=\"1\", nonce=\"n\"").is_err());
}

#[test]
fn header_values_may_hold_commas_equals_and_spaces() {
    let h = MacHeader::parse(
        "MAC id=\"i\",ts=\"1\" ,  nonce=\", =a, b=\",\tmac=\"m=\", ext=\"body_hash=x%3D\"",
    )
    .unwrap();
    assert_eq!(
        (
            h.id.as_str(),
            h.ts.as_str(),
            h.nonce.as_str(),
            h.mac.as_str()
        ),
        ("i", "1", ", =a, b=", "m=")
    );
    assert_eq!(h.ext.as_deref(), Some("body_hash=x%3D"));
    // Edges of the charset: space and '!' are the lowest, '~' the highest.
    let h = MacHeader::parse("MAC id=\"i\", ts=\"1\", nonce=\" !~,\", mac=\"m\"").unwrap();
    assert_eq!(h.nonce, " !~,");
}

#[test]
fn malformed_headers_are_rejected_with_reasons() {
    let err = |h: &str| MacHeader::parse(h).unwrap_err();
    let ok = "MAC id=\"i\", ts=\"1\", nonce=\"n\", mac=\"m\"";
    assert!(MacHeader::parse(ok).is_ok());
    assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"n, mac=\"m\"").contains("followed by"));
    assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"n").contains("closing quote"));
    assert!(err("MAC id=\"i\", ts=1, nonce=\"n\", mac=\"m\"").contains("quoted"));
    assert!(err("MAC id=\"i\", ts=\"1\", nonce=\"a\\\"b\", mac=\"m\"").contains("'\\'"));
    assert!(err(&format!("{ok}, id=\"j\"")).contains("twice"));
    assert!(err(&format!("{ok}, foo=\"j\"")).contains("unknown"));
    assert!(err(&format!("{ok},")).contains("malformed"));
    assert!(err(&format!("{ok} x")).contains("followed by"));
    assert!(err("MAC ").contains("malformed"));
    assert!(err("MAC").contains("scheme"));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Paysera's nonce charset: printable ASCII except '"' and '\'.
    fn nonce() -> impl Strategy<Value = String> {
        let charset: Vec<char> = (' '..='~').filter(|c| !matches!(c, '"' | '\\')).collect();
        prop::collection::vec(prop::sample::select(charset), 1..64)
            .prop_map(|cs| cs.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_nonce_signs_parses_and_verifies(
            nonce in nonce(),
            ts in 0i64..4_000_000_000,
            body in prop::option::of("[ -~]{0,40}"),
            ext in prop::option::of(("[a-z_]{1,12}", "[ -~]{0,20}")),
        ) {
            let creds = sample();
            let body = body.unwrap_or_default();
            let ext_params: Vec<(&str, &str)> =
                ext.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prop_assume!(ext_params.iter().all(|(k, _)| *k != "body_hash"));
            let sig = sign(&creds, "POST", "https://h/rest/v1/x?a=1", body.as_bytes(),
                &ext_params, ts, &nonce).unwrap();
            let h = MacHeader::parse(&sig.authorization).unwrap();
            prop_assert_eq!(&h.nonce, &nonce);
            prop_assert_eq!(h.ts, ts.to_string());
            prop_assert_eq!(h.id, creds.client_id());
            prop_assert_eq!(h.ext.unwrap_or_default(), sig.ext.clone());
            let normalized = normalized_string(ts, &h.nonce, "POST", "/rest/v1/x?a=1", "h",
                443, &sig.ext);
            prop_assert!(verify_mac(&creds, &normalized, &h.mac));
        }

        #[test]
        fn parse_never_panics(header in "MAC [ -~]{0,80}") {
            let _ = MacHeader::parse(&header);
        }
    }
}

#[test]
fn normalized_string_writes_numbers_as_decimal() {
    for (ts, port) in [
        (0, 1),
        (9, 80),
        (10, 443),
        (1_343_811_600, 8080),
        (i64::MAX, u16::MAX),
    ] {
        assert_eq!(
            normalized_string(ts, "n", "GET", "/x?a=1", "h", port, "e"),
            format!("{ts}\nn\nGET\n/x?a=1\nh\n{port}\ne\n")
        );
    }
}
