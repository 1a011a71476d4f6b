//! Fuzzing what faces the network, on the stable toolchain: the `Authorization` header parser,
//! callback forms and signatures, QR codes and every model Paysera (or a client, in the sandbox)
//! sends as JSON. Any input must give a value or a clean error, never a panic, and what parses
//! must survive its own round trip.
//!
//! Inputs are the hand-picked corpus in `tests/fuzz/corpus/` (each entry also runs as it is),
//! mutated byte by byte, plus arbitrary bytes. A failure's seed is written to
//! `tests/fuzz/regressions/<target>.txt`, which is committed and replayed first on every run.
//!
//! `cargo test -p paysera-scanpay --test fuzz` runs the short pass `make test` runs (256 cases a
//! target); `PAYSERA_FUZZ_CASES=100000` (or `make fuzz`) runs a long one.

use std::sync::LazyLock;

use paysera_scanpay::callback::{CallbackForm, CallbackSigner, CallbackVerifier, form_decode};
use paysera_scanpay::mac::{MacHeader, url_parts};
use paysera_scanpay::models::{
    CallbackEvent, ErrorBody, Order, OrderRequest, ServerTime, Spot, SpotList, Transaction,
    TransactionList, TransactionRequest, from_php_json,
};
use paysera_scanpay::qr::QrCode;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde::Serialize;
use serde::de::DeserializeOwned;

const PRIVATE_KEY: &str = include_str!("../data/test_private_key.pem");
const PUBLIC_KEY: &str = include_str!("../data/test_public_key.pem");

/// The corpus: one entry per line for the text targets, whole files for JSON.
fn lines(text: &'static str) -> Vec<Vec<u8>> {
    text.lines().map(|l| l.as_bytes().to_vec()).collect()
}

static MAC_HEADERS: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| lines(include_str!("corpus/mac_header.txt")));
static QR_CODES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| lines(include_str!("corpus/qr.txt")));
static CALLBACK_FORMS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut forms = lines(include_str!("corpus/callback.txt"));
    forms.push(genuine_form(
        br#"{"type":"transaction.reserved","object":"transaction"}"#,
    ));
    forms
});
static JSON_BODIES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut bodies: Vec<Vec<u8>> = [
        include_str!("../data/guide/spots_waiting.json"),
        include_str!("../data/guide/transaction_request.json"),
        include_str!("../data/guide/transaction_created.json"),
        include_str!("../data/guide/order_request.json"),
        include_str!("../data/guide/order_response.json"),
        include_str!("../data/guide/transactions_reserved.json"),
        include_str!("../data/guide/transaction_confirmed.json"),
        include_str!("../data/guide/spot_closed.json"),
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    bodies.extend(lines(include_str!("corpus/json.txt")));
    bodies
});

static SIGNER: LazyLock<CallbackSigner> =
    LazyLock::new(|| CallbackSigner::from_pkcs8_pem(PRIVATE_KEY).expect("test private key"));
static VERIFIER: LazyLock<CallbackVerifier> =
    LazyLock::new(|| CallbackVerifier::from_pem(PUBLIC_KEY).expect("test public key"));

/// A callback body as Paysera posts it: the event and its signature, form-encoded.
fn genuine_form(event: &[u8]) -> Vec<u8> {
    let sign = SIGNER.sign(event);
    let event = paysera_scanpay::mac::form_urlencode(std::str::from_utf8(event).expect("utf-8"));
    format!(
        "event={event}&sign={}",
        paysera_scanpay::mac::form_urlencode(&sign)
    )
    .into_bytes()
}

fn config(target: &'static str) -> Config {
    let cases = std::env::var("PAYSERA_FUZZ_CASES")
        .ok()
        .map(|v| {
            v.parse()
                .expect("PAYSERA_FUZZ_CASES must be a whole number")
        })
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(target))),
        ..Config::default()
    }
}

/// One edit of a mutation.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Replace(usize, u8),
    Truncate(usize),
    Repeat(usize, usize),
}

/// Bytes that matter to these parsers more than most, and sometimes any byte at all.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b"\"\\,= \t%+&*:{}[]0129aZ-.\x00\xff\xc3".to_vec()),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), byte()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte()).prop_map(|(at, b)| Edit::Replace(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Repeat(at, n)),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for edit in edits {
        let len = out.len();
        match *edit {
            Edit::Insert(at, b) => out.insert(at % (len + 1), b),
            Edit::Delete(at) if len > 0 => {
                out.remove(at % len);
            }
            Edit::Replace(at, b) if len > 0 => out[at % len] = b,
            Edit::Truncate(at) => out.truncate(at % (len + 1)),
            Edit::Repeat(at, n) if len > 0 => {
                let start = at % len;
                let piece = out[start..(start + n).min(len)].to_vec();
                out.splice(start..start, piece);
            }
            _ => {}
        }
    }
    out
}

/// A corpus entry with up to eight edits, or arbitrary bytes.
fn input(corpus: &'static LazyLock<Vec<Vec<u8>>>) -> impl Strategy<Value = Vec<u8>> {
    let n = corpus.len();
    prop_oneof![
        4 => (0..n, prop::collection::vec(edit(), 0..8))
            .prop_map(move |(i, edits)| apply(&corpus[i], &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// --- the targets: each returns Err(reason) when a property fails --------------------------------

fn mac_header(bytes: &[u8]) -> Result<(), String> {
    let header = text(bytes);
    let Ok(h) = MacHeader::parse(&header) else {
        let err = MacHeader::parse(&header).unwrap_err();
        return if err.is_empty() {
            Err("empty error".into())
        } else {
            Ok(())
        };
    };
    let mut fields = vec![&h.id, &h.ts, &h.nonce, &h.mac];
    fields.extend(h.ext.as_ref());
    if fields.iter().any(|v| v.contains(['"', '\\'])) {
        return Err(format!("a parsed value holds a quote or backslash: {h:?}"));
    }
    let mut again = format!(
        r#"MAC id="{}", ts="{}", nonce="{}", mac="{}""#,
        h.id, h.ts, h.nonce, h.mac
    );
    if let Some(ext) = &h.ext {
        again.push_str(&format!(r#", ext="{ext}""#));
    }
    match MacHeader::parse(&again) {
        Ok(back) if back == h => Ok(()),
        other => Err(format!("re-rendered header {again:?} parsed as {other:?}")),
    }
}

fn qr_code(bytes: &[u8]) -> Result<(), String> {
    let Ok(code) = QrCode::parse(&text(bytes)) else {
        return Ok(());
    };
    code.validate()
        .map_err(|e| format!("{code:?} parsed but does not validate: {e}"))?;
    match QrCode::parse(&code.to_string()) {
        Ok(back) if back == code => Ok(()),
        other => Err(format!(
            "{code:?} rendered as {:?}, which parses as {other:?}",
            code.to_string()
        )),
    }
}

fn callback_form(bytes: &[u8]) -> Result<(), String> {
    let _ = form_decode(bytes);
    let Ok(form) = CallbackForm::parse(bytes) else {
        return Ok(());
    };
    let genuine = VERIFIER.verify(&form.event, &form.sign);
    match VERIFIER.verify_event(&form.event, &form.sign) {
        Ok(_) if !genuine => Err("verify_event accepted what verify refused".into()),
        Err(e) if e.to_string().is_empty() => Err("empty error".into()),
        _ => Ok(()),
    }
}

/// Decoded JSON re-encodes to something that decodes to the same value.
fn stable<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<(), String> {
    let _ = serde_json::from_slice::<T>(bytes);
    let Ok(value) = from_php_json::<T>(bytes) else {
        return Ok(());
    };
    let once = serde_json::to_value(&value).map_err(|e| format!("re-encode failed: {e}"))?;
    let back: T = serde_json::from_value(once.clone()).map_err(|e| {
        format!(
            "{} does not decode its own output {once}: {e}",
            std::any::type_name::<T>()
        )
    })?;
    let twice = serde_json::to_value(&back).map_err(|e| e.to_string())?;
    if once == twice {
        Ok(())
    } else {
        Err(format!("{once} became {twice}"))
    }
}

fn models(bytes: &[u8]) -> Result<(), String> {
    stable::<Spot>(bytes)?;
    stable::<SpotList>(bytes)?;
    stable::<Transaction>(bytes)?;
    stable::<TransactionList>(bytes)?;
    stable::<TransactionRequest>(bytes)?;
    stable::<Order>(bytes)?;
    stable::<OrderRequest>(bytes)?;
    stable::<ErrorBody>(bytes)?;
    stable::<CallbackEvent>(bytes)?;
    stable::<ServerTime>(bytes)?;
    if let Ok(request) = from_php_json::<TransactionRequest>(bytes) {
        let _ = request.validate();
    }
    Ok(())
}

fn url(bytes: &[u8]) -> Result<(), String> {
    let _ = url_parts(&text(bytes));
    Ok(())
}

// --- every corpus entry as it is -----------------------------------------------------------------

fn each(corpus: &[Vec<u8>], target: fn(&[u8]) -> Result<(), String>) {
    for entry in corpus {
        if let Err(e) = target(entry) {
            panic!("corpus entry {:?}: {e}", text(entry));
        }
    }
}

#[test]
fn corpus_entries_pass_as_they_are() {
    each(&MAC_HEADERS, mac_header);
    each(&QR_CODES, qr_code);
    each(&CALLBACK_FORMS, callback_form);
    each(&JSON_BODIES, models);
    assert!(MacHeader::parse(std::str::from_utf8(&MAC_HEADERS[0]).unwrap()).is_ok());
    assert!(QrCode::parse("PAYSERA*1234:table1").is_ok());
    let genuine = CallbackForm::parse(CALLBACK_FORMS.last().unwrap()).unwrap();
    assert!(
        VERIFIER.verify(&genuine.event, &genuine.sign),
        "the genuine callback verifies"
    );
}

proptest! {
    #![proptest_config(config("tests/fuzz/regressions/mac_header.txt"))]
    #[test]
    fn fuzz_mac_header(bytes in input(&MAC_HEADERS)) {
        mac_header(&bytes).map_err(TestCaseError::fail)?;
        url(&bytes).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config("tests/fuzz/regressions/qr.txt"))]
    #[test]
    fn fuzz_qr(bytes in input(&QR_CODES)) {
        qr_code(&bytes).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config("tests/fuzz/regressions/callback.txt"))]
    #[test]
    fn fuzz_callback_form(bytes in input(&CALLBACK_FORMS)) {
        callback_form(&bytes).map_err(TestCaseError::fail)?;
    }

    /// A genuine callback with any one byte of its event changed is refused.
    #[test]
    fn tampered_callbacks_are_refused(at in any::<usize>(), flip in 1u8..=255) {
        let event = br#"{"type":"transaction.reserved","object":"transaction","data":{"transaction_key":"k1"}}"#;
        let sign = SIGNER.sign(event);
        let mut tampered = event.to_vec();
        let i = at % tampered.len();
        tampered[i] ^= flip;
        prop_assert!(VERIFIER.verify(event, &sign));
        prop_assert!(!VERIFIER.verify(&tampered, &sign));
        prop_assert!(VERIFIER.verify_event(&tampered, &sign).is_err());
    }
}

proptest! {
    #![proptest_config(config("tests/fuzz/regressions/models.txt"))]
    #[test]
    fn fuzz_models(bytes in input(&JSON_BODIES)) {
        models(&bytes).map_err(TestCaseError::fail)?;
    }
}
