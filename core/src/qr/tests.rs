use std::collections::HashSet;

use super::*;

fn err(s: &str) -> String {
    match QrCode::parse(s) {
        Ok(code) => panic!("{s:?} should be rejected, but parsed as {code:?}"),
        Err(e) => e.reason().to_owned(),
    }
}

#[track_caller]
fn assert_rejects(s: &str, needles: &[&str]) {
    let reason = err(s);
    for needle in needles {
        assert!(
            reason.contains(needle),
            "rejection of {s:?} should mention {needle:?}, got: {reason}"
        );
    }
}

pub(super) fn spot(location_id: u64, identifier: &str) -> QrCode {
    QrCode::spot(location_id, identifier).unwrap()
}

// ---------------------------------------------------------------------------
// Building, displaying, parsing
// ---------------------------------------------------------------------------

#[test]
fn exact_example_strings() {
    assert_eq!(QrCode::wallet(1).unwrap().to_string(), "EVP000000000001");
    assert_eq!(spot(1, "table1").to_string(), "PAYSERA*1:table1");
    assert_eq!(
        QrCode::transaction("ATaNL6X6CivO2Ou0FMPt")
            .unwrap()
            .to_string(),
        "PAYSERA%ATaNL6X6CivO2Ou0FMPt"
    );
    assert_eq!(
        QrCode::app_link(spot(1, "table1")).unwrap().to_string(),
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1"
    );
    assert_eq!(
        QrCode::wallet(999_999_999_999).unwrap().to_string(),
        "EVP999999999999"
    );
    assert_eq!(
        QrCode::app_link(QrCode::transaction("abc").unwrap())
            .unwrap()
            .to_string(),
        "https://paysera.com/app?qr=PAYSERA%25abc"
    );
}

#[test]
fn round_trip_all_kinds() {
    let plain = vec![
        QrCode::transaction("ATaNL6X6CivO2Ou0FMPt").unwrap(),
        QrCode::transaction("x").unwrap(),
        spot(1, "table1"),
        spot(u64::MAX, "till-2"),
        spot(42, "a:b:c"),
        spot(7, "stalas-ą"),
        spot(7, "~!@#$%^&*()+=[]{}|;'\",.<>/?`"),
        QrCode::wallet(1).unwrap(),
        QrCode::wallet(123_456_789_012).unwrap(),
        QrCode::wallet(999_999_999_999).unwrap(),
    ];
    let mut all = plain.clone();
    all.extend(plain.into_iter().map(|c| QrCode::app_link(c).unwrap()));
    for code in &all {
        let text = code.to_string();
        let parsed = QrCode::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(&parsed, code, "{text}");
        assert_eq!(parsed.to_string(), text);
        assert_eq!(text.parse::<QrCode>().as_ref(), Ok(code));
        assert_eq!(code.validate(), Ok(()));
    }
    // All distinct, and Hash agrees with Eq.
    let set: HashSet<&QrCode> = all.iter().collect();
    assert_eq!(set.len(), all.len());
}

#[test]
fn parse_gives_expected_values() {
    assert_eq!(
        QrCode::parse("PAYSERA%ATaNL6X6CivO2Ou0FMPt").unwrap(),
        QrCode::Transaction {
            key: "ATaNL6X6CivO2Ou0FMPt".into()
        }
    );
    assert_eq!(
        QrCode::parse("PAYSERA*1:table1").unwrap(),
        QrCode::Spot {
            location_id: 1,
            identifier: "table1".into()
        }
    );
    assert_eq!(
        QrCode::parse("EVP000000000001").unwrap(),
        QrCode::Wallet { wallet_id: 1 }
    );
    assert_eq!(
        QrCode::parse("https://paysera.com/app?qr=PAYSERA%2A1%3Atable1").unwrap(),
        QrCode::AppLink(Box::new(spot(1, "table1")))
    );
    assert_eq!(
        QrCode::parse("PAYSERA*18446744073709551615:x").unwrap(),
        spot(u64::MAX, "x")
    );
}

#[test]
fn identifier_may_contain_colons() {
    let code = QrCode::parse("PAYSERA*1:a:b").unwrap();
    assert_eq!(code, spot(1, "a:b"));
    assert_eq!(code.to_string(), "PAYSERA*1:a:b");
    assert_eq!(QrCode::parse("PAYSERA*1::").unwrap(), spot(1, ":"));
}

#[test]
fn non_ascii_identifier_is_percent_encoded_as_utf8() {
    let code = spot(1, "stalas-ą");
    assert_eq!(code.to_string(), "PAYSERA*1:stalas-ą");
    let link = QrCode::app_link(code.clone()).unwrap();
    let text = link.to_string();
    assert_eq!(
        text,
        "https://paysera.com/app?qr=PAYSERA%2A1%3Astalas-%C4%85"
    );
    assert_eq!(QrCode::parse(&text).unwrap(), link);
    assert_eq!(link.inner(), &code);
}

#[test]
fn url_encoding_matches_php_urlencode() {
    assert_eq!(form_urlencode("AZaz09-_."), "AZaz09-_.");
    assert_eq!(form_urlencode("a b"), "a+b");
    assert_eq!(
        form_urlencode("~*:%/?&=+#"),
        "%7E%2A%3A%25%2F%3F%26%3D%2B%23"
    );
    assert_eq!(form_urlencode("ą"), "%C4%85");
    assert_eq!(form_urlencode("\u{7f}"), "%7F");
}

#[test]
fn app_link_decoding_is_tolerant_of_unencoded_safe_characters() {
    // Lower-case hex and characters that need no encoding in a query.
    let expected = QrCode::app_link(spot(1, "table1")).unwrap();
    for s in [
        "https://paysera.com/app?qr=PAYSERA%2a1%3atable1",
        "https://paysera.com/app?qr=PAYSERA*1:table1",
    ] {
        let parsed = QrCode::parse(s).unwrap();
        assert_eq!(parsed, expected);
        assert_eq!(
            parsed.to_string(),
            "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1"
        );
    }
    // `%` of a transaction code must be encoded: `%AT` is not a valid escape.
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%ATaNL6X6CivO2Ou0FMPt",
        &["invalid percent-encoding", "\"%AT\""],
    );
}

#[test]
fn kind_inner_and_json() {
    let s = spot(1, "table1");
    let t = QrCode::transaction("abc123").unwrap();
    let w = QrCode::wallet(1).unwrap();
    let a = QrCode::app_link(s.clone()).unwrap();
    assert_eq!(s.kind(), QrKind::Spot);
    assert_eq!(t.kind(), QrKind::Transaction);
    assert_eq!(w.kind(), QrKind::Wallet);
    assert_eq!(a.kind(), QrKind::AppLink);
    assert_eq!(a.inner(), &s);
    assert_eq!(s.inner(), &s);
    for (kind, name) in [
        (QrKind::Transaction, "transaction"),
        (QrKind::Spot, "spot"),
        (QrKind::Wallet, "wallet"),
        (QrKind::AppLink, "app_link"),
    ] {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }

    assert_eq!(
        s.to_json().to_string(),
        r#"{"kind":"spot","code":"PAYSERA*1:table1","location_id":1,"identifier":"table1"}"#
    );
    assert_eq!(
        t.to_json().to_string(),
        r#"{"kind":"transaction","code":"PAYSERA%abc123","transaction_key":"abc123"}"#
    );
    assert_eq!(
        w.to_json().to_string(),
        r#"{"kind":"wallet","code":"EVP000000000001","wallet_id":1}"#
    );
    assert_eq!(
        a.to_json(),
        serde_json::json!({
            "kind": "app_link",
            "code": "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1",
            "inner": {
                "kind": "spot",
                "code": "PAYSERA*1:table1",
                "location_id": 1,
                "identifier": "table1",
            },
        })
    );
}

// ---------------------------------------------------------------------------
// Rejections
// ---------------------------------------------------------------------------

#[test]
fn rejects_empty_and_whitespace() {
    assert_rejects(
        "",
        &["empty", "PAYSERA%", "PAYSERA*", "EVP", APP_LINK_PREFIX],
    );
    for s in [
        " PAYSERA*1:table1",
        "PAYSERA*1:table1 ",
        "PAYSERA*1:table1\n",
        "\tEVP000000000001",
        " ",
    ] {
        assert_rejects(s, &["leading or trailing whitespace", "not trimmed"]);
    }
    // The whitespace is visible in the quote.
    assert_rejects("EVP000000000001\n", &[r#""EVP000000000001\n""#]);
}

#[test]
fn rejects_unknown_prefixes() {
    let accepted = ["\"PAYSERA%\"", "\"PAYSERA*\"", "\"EVP\"", APP_LINK_PREFIX];
    let mut needles = vec!["unrecognised", "\"hello\""];
    needles.extend(accepted);
    assert_rejects("hello", &needles);
    assert_rejects("PAYSERA#1", &["\"PAYSERA#1\"", "'%'", "'*'", "found '#'"]);
    assert_rejects("PAYSERA", &["found nothing"]);
    assert_rejects("paysera*1:table1", &["upper-case", "\"paysera*1:table1\""]);
    assert_rejects("evp000000000001", &["upper-case"]);
    assert_rejects("ąčę", &["unrecognised", "\"ąčę\""]);
    assert_rejects(
        "\u{feff}PAYSERA*1:table1",
        &["byte order mark", r#""\u{feff}PAYSERA*1:table1""#],
    );
    assert_rejects("PAYSERA%ab\u{200b}", &["an invisible character (U+200B)"]);
}

#[test]
fn rejects_bad_transaction_keys() {
    assert_rejects("PAYSERA%", &["transaction key is empty"]);
    assert_rejects(
        "PAYSERA%abc-def",
        &["transaction key \"abc-def\"", "'-'", "letters", "digits"],
    );
    assert_rejects("PAYSERA%abc def", &["a space"]);
    assert_rejects("PAYSERA%abcą", &["'ą'"]);
    assert_rejects("PAYSERA%ab\u{7}c", &["control character (U+0007)"]);
}

#[test]
fn rejects_bad_spots() {
    assert_rejects("PAYSERA*12", &["\"PAYSERA*12\"", "no ':'"]);
    assert_rejects("PAYSERA*", &["no ':'"]);
    assert_rejects(
        "PAYSERA*:table1",
        &["no location id", "\"PAYSERA*:table1\""],
    );
    for (s, location, found) in [
        ("PAYSERA*abc:t", "\"abc\"", "'a'"),
        ("PAYSERA*-1:t", "\"-1\"", "'-'"),
        ("PAYSERA*+1:t", "\"+1\"", "'+'"),
        ("PAYSERA*1 :t", "\"1 \"", "a space"),
        ("PAYSERA* 1:t", "\" 1\"", "a space"),
        ("PAYSERA*1.5:t", "\"1.5\"", "'.'"),
        ("PAYSERA*١:t", "\"١\"", "'١'"),
    ] {
        assert_rejects(
            s,
            &[
                &format!("location id {location}"),
                "only digits",
                &format!("contains {found}"),
            ],
        );
    }
    assert_rejects(
        "PAYSERA*18446744073709551616:t",
        &["\"18446744073709551616\"", "too large"],
    );
    assert_rejects("PAYSERA*0:t", &["location id must not be 0"]);
    assert_rejects("PAYSERA*01:t", &["\"01\"", "must not start with 0"]);
    assert_rejects("PAYSERA*1:", &["identifier is empty"]);
    for (s, found) in [
        ("PAYSERA*1:table 1", "a space"),
        ("PAYSERA*1:table\t1", "a tab"),
        ("PAYSERA*1:table\n1", "a line break"),
        ("PAYSERA*1:table\u{a0}1", "a whitespace character (U+00A0)"),
        ("PAYSERA*1:table\u{0}1", "a control character (U+0000)"),
        ("PAYSERA*1:table\u{85}1", "a whitespace character (U+0085)"),
    ] {
        assert_rejects(
            s,
            &[
                "spot identifier",
                &format!("contains {found}"),
                "whitespace or control characters",
            ],
        );
    }
    // The quote shows the identifier, escaping the invisible character.
    assert_rejects("PAYSERA*1:a\tb", &[r#""a\tb""#]);
    assert_rejects("PAYSERA*1:a\u{a0}b", &[r#""a\u{a0}b""#]);
}

#[test]
fn rejects_bad_wallets() {
    assert_rejects("EVP", &["no wallet id", "12 digits"]);
    assert_rejects(
        "EVP00000000000A",
        &["wallet id \"00000000000A\"", "only digits", "'A'"],
    );
    assert_rejects("EVP-00000000001", &["'-'"]);
    assert_rejects("EVP00000000000 1", &["a space"]);
    assert_rejects(
        "EVP0000000000001",
        &["\"0000000000001\"", "longer than 12 digits"],
    );
    assert_rejects(
        "EVP1",
        &[
            "\"1\"",
            "must be zero-padded to 12 digits",
            "EVP000000000001",
        ],
    );
    assert_rejects("EVP00000000001", &["must be zero-padded to 12 digits"]);
    assert_rejects("EVP000000000000", &["wallet id must not be 0"]);
}

#[test]
fn rejects_bad_app_links() {
    for s in [
        "http://paysera.com/app?qr=EVP000000000001",
        "https://www.paysera.com/app?qr=EVP000000000001",
        "https://paysera.com/app/?qr=EVP000000000001",
        "https://paysera.com/app?code=EVP000000000001",
        "https://paysera.com/app?foo=1&qr=EVP000000000001",
        "HTTPS://PAYSERA.COM/app?qr=EVP000000000001",
        "https://paysera.lt/app?qr=EVP000000000001",
    ] {
        assert_rejects(
            s,
            &[
                "must start with exactly",
                "\"https://paysera.com/app?qr=\"",
                &quoted(s),
            ],
        );
    }
    assert_rejects("https://paysera.com/app?qr=", &["empty qr value"]);
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1%4",
        &["truncated percent-encoding", "\"%4\""],
    );
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable1%",
        &["truncated percent-encoding", "\"%\""],
    );
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%ZZ1",
        &["invalid percent-encoding", "\"%ZZ\""],
    );
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable%FF",
        &["not valid UTF-8"],
    );
    assert_rejects(
        "https://paysera.com/app?qr=EVP000000000001&utm_source=x",
        &["extra query parameters", "\"&utm_source=x\""],
    );
    assert_rejects(
        "https://paysera.com/app?qr=EVP000000000001#top",
        &["fragment", "\"#top\""],
    );
    assert_rejects(
        "https://paysera.com/app?qr=EVP000000000001 x",
        &["a space", "percent-encoded"],
    );
    let nested = format!(
        "https://paysera.com/app?qr={}",
        form_urlencode("https://paysera.com/app?qr=EVP000000000001")
    );
    assert_rejects(&nested, &["must not wrap another app link"]);
    // Inner codes are validated with the inner reason.
    assert_rejects(
        "https://paysera.com/app?qr=EVP1",
        &["app link contains an invalid code", "zero-padded"],
    );
    assert_rejects(
        "https://paysera.com/app?qr=PAYSERA%2A1%3Atable+1",
        &["app link contains an invalid code", "a space"],
    );
    assert_rejects(
        "https://paysera.com/app?qr=+EVP000000000001",
        &["leading or trailing whitespace"],
    );
}

#[test]
fn long_input_is_shortened_in_messages() {
    let long = format!("X{}", "y".repeat(10_000));
    let reason = err(&long);
    assert!(reason.contains('…'));
    assert!(reason.len() < 400, "{reason}");
}

#[test]
fn constructors_apply_the_same_rules() {
    let reason = |r: Result<QrCode, QrError>| r.unwrap_err().reason().to_owned();
    assert!(reason(QrCode::transaction("")).contains("transaction key is empty"));
    assert!(reason(QrCode::transaction("a_b")).contains("'_'"));
    assert!(reason(QrCode::spot(0, "t")).contains("location id must not be 0"));
    assert!(reason(QrCode::spot(1, "")).contains("identifier is empty"));
    assert!(reason(QrCode::spot(1, "a b")).contains("a space"));
    assert!(reason(QrCode::wallet(0)).contains("wallet id must not be 0"));
    assert!(
        reason(QrCode::wallet(1_000_000_000_000))
            .contains("wallet id 1000000000000 is longer than 12 digits")
    );
    assert!(reason(QrCode::wallet(u64::MAX)).contains("longer than 12 digits"));
    let link = QrCode::app_link(QrCode::wallet(1).unwrap()).unwrap();
    assert!(reason(QrCode::app_link(link)).contains("must not wrap another app link"));
    assert!(reason(QrCode::app_link(QrCode::Wallet { wallet_id: 0 })).contains("must not be 0"));
    assert!(
        QrCode::AppLink(Box::new(QrCode::AppLink(Box::new(QrCode::Wallet {
            wallet_id: 1
        }))))
        .validate()
        .is_err()
    );
}

#[test]
fn error_display_is_the_reason() {
    let e = QrCode::parse("EVP1").unwrap_err();
    assert_eq!(e.to_string(), e.reason());
    let cloned = e.clone();
    assert_eq!(cloned, e);
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().contains("zero-padded"));
}
