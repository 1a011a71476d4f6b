//! Pagination, the public key, secrets, base URLs and response bodies.

use super::*;

#[tokio::test]
async fn paginator_walks_every_page() {
    let page = |ids: &[u64], total: u64| {
        let spots: Vec<String> = ids
            .iter()
            .map(|i| format!(r#"{{"id":{i},"status":"waiting"}}"#))
            .collect();
        reply(
            200,
            &format!(
                r#"{{"spots":[{}],"_metadata":{{"total":{total}}}}}"#,
                spots.join(",")
            ),
        )
    };
    let mock = Mock::start(vec![page(&[1, 2], 5), page(&[3, 4], 5), page(&[5], 5)]).await;
    let all = mock
        .client(0)
        .iter_spots(SpotQuery {
            limit: Some(2),
            ..Default::default()
        })
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|s| s.id).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    let targets: Vec<String> = mock.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/rest/v1/spots?limit=2&offset=0",
            "/rest/v1/spots?limit=2&offset=2",
            "/rest/v1/spots?limit=2&offset=4"
        ]
    );

    // Without metadata it stops at the first empty page.
    let mock = Mock::start(vec![
        reply(
            200,
            r#"{"transactions":[{"transaction_key":"A","status":"reserved"}]}"#,
        ),
        reply(200, r#"{"transactions":[]}"#),
    ])
    .await;
    use futures_util::StreamExt;
    let items: Vec<_> = mock
        .client(0)
        .iter_transactions(TransactionQuery::default())
        .into_stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert_eq!(mock.seen().len(), 2);
}

#[tokio::test]
async fn public_key_is_fetched_once_and_validated() {
    let pem = include_str!("../data/test_public_key.pem");
    let mock = Mock::start(vec![reply(200, pem)]).await;
    let client = mock.client(0);
    assert_eq!(client.get_public_key().await.unwrap(), pem);
    assert_eq!(client.get_public_key().await.unwrap(), pem);
    let seen = mock.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/publickey");
    assert!(seen[0].authorization.is_none());

    let mock = Mock::start(vec![reply(200, "not a key")]).await;
    let err = mock.client(0).get_public_key().await.unwrap_err();
    assert_eq!(err.code(), "decode_error");
}

#[tokio::test]
async fn callbacks_are_verified_with_the_key_fetched_once() {
    // (That the key is also parsed only once is a matter of speed, measured in BENCHMARKS.md's
    // efficiency section, not something a test of behaviour can see.)
    let pem = include_str!("../data/test_public_key.pem");
    let signer = paysera_scanpay::callback::CallbackSigner::from_pkcs8_pem(include_str!(
        "../data/test_private_key.pem"
    ))
    .unwrap();
    let mock = Mock::start(vec![reply(200, pem)]).await;
    let client = mock.client(0);
    let event = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"K"}}"#;
    let sign = signer.sign(event);
    for _ in 0..3 {
        assert!(client.verify_callback(event, &sign).await.unwrap());
    }
    // A forgery just after the fetch is refused without asking for the key again (the refresh
    // floor keeps forged callbacks from becoming requests).
    let forged = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"X"}}"#;
    assert!(!client.verify_callback(forged, &sign).await.unwrap());
    assert_eq!(mock.seen().len(), 1, "one /publickey request in all");
}

#[tokio::test]
async fn a_rotated_callback_key_is_fetched_again_at_most_once_a_minute() {
    let (old, new) = (
        include_str!("../data/test_public_key_1024.pem"),
        include_str!("../data/test_public_key.pem"),
    );
    let signer = paysera_scanpay::callback::CallbackSigner::from_pkcs8_pem(include_str!(
        "../data/test_private_key.pem"
    ))
    .unwrap();
    // The client fetched the key Paysera signed with before it rotated to the new one.
    let mock = Mock::start(vec![reply(200, old), reply(200, new)]).await;
    let client = mock.client(0);
    let event = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"K"}}"#;
    let sign = signer.sign(event);
    // Refused at first: the key was fetched just now, and fetching it again on every failure
    // would let forged callbacks turn into requests (polling covers what is refused).
    assert!(!client.verify_callback(event, &sign).await.unwrap());
    assert_eq!(mock.seen().len(), 1);
    // A minute on, the failure fetches the key once more, and the callback is genuine.
    tokio::time::pause();
    tokio::time::advance(paysera_scanpay::defaults::PUBLIC_KEY_REFRESH_INTERVAL).await;
    tokio::time::resume();
    assert!(client.verify_callback(event, &sign).await.unwrap());
    assert_eq!(mock.seen().len(), 2);
    // The new key is kept: no more requests, for genuine callbacks or forged ones.
    assert!(client.verify_callback(event, &sign).await.unwrap());
    assert_eq!(client.get_public_key().await.unwrap(), new);
    let forged = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"X"}}"#;
    assert!(!client.verify_callback(forged, &sign).await.unwrap());
    assert_eq!(mock.seen().len(), 2);
    assert!(mock.seen().iter().all(|s| s.target == "/publickey"));
}

#[tokio::test]
async fn no_secret_in_debug_or_errors() {
    let mock = Mock::start(vec![
        reply(401, r#"{"error":"unauthorized"}"#),
        Action::Drop,
    ])
    .await;
    let client = mock.client(0);
    let e1 = client.get_spot(1).await.unwrap_err();
    let e2 = client.create_transaction(&request()).await.unwrap_err();
    let seen = mock.seen();
    let mac = MacHeader::parse(seen[0].authorization.as_deref().unwrap())
        .unwrap()
        .mac;
    for text in [
        format!("{client:?}"),
        format!("{e1}"),
        format!("{e1:?}"),
        format!("{e2}"),
        format!("{e2:?}"),
    ] {
        assert!(!text.contains(KEY), "{text}");
        assert!(!text.contains(&mac), "{text}");
        assert!(!text.contains("MAC id="), "{text}");
    }
}

#[tokio::test]
async fn rejects_bad_base_urls() {
    let creds = MacCredentials::new("id", KEY).unwrap();
    for url in [
        "wallet.paysera.com",
        "ftp://x",
        "https://x/?a=b",
        "https://u:p@x",
    ] {
        let err = Client::builder(creds.clone())
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("base_url"), "{url}: {err}");
    }
    let c = Client::builder(creds)
        .base_url("http://127.0.0.1:1/prefix/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:1/prefix");
}

#[test]
fn named_base_urls_are_paysera_hosts() {
    use paysera_scanpay::{DEFAULT_BASE_URL, PRODUCTION_BASE_URL, SANDBOX_BASE_URL};
    assert_eq!(PRODUCTION_BASE_URL, "https://wallet.paysera.com");
    assert_eq!(SANDBOX_BASE_URL, "https://wallet-sandbox.paysera.com");
    assert_eq!(DEFAULT_BASE_URL, PRODUCTION_BASE_URL);
    let creds = MacCredentials::new("id", KEY).unwrap();
    assert_eq!(
        Client::new(creds.clone()).unwrap().base_url(),
        PRODUCTION_BASE_URL
    );
    let sandbox = Client::builder(creds)
        .base_url(SANDBOX_BASE_URL)
        .build()
        .unwrap();
    assert_eq!(sandbox.base_url(), SANDBOX_BASE_URL);
}

#[tokio::test]
async fn empty_success_bodies_are_read_back() {
    let mock = Mock::start(vec![
        reply(200, "{}"),
        reply(200, &transaction_json("K5", "confirmed")),
        reply(200, ""),
        reply(200, &transaction_json("K6", "revoked")),
        reply(200, "[]"),
        reply(200, r#"{"id":7,"status":"closed"}"#),
    ])
    .await;
    let client = mock.client(0);
    let confirmed = client.confirm_transaction("K5", None).await.unwrap();
    assert_eq!(confirmed.transaction_key, "K5");
    assert_eq!(confirmed.status, TransactionStatus::Confirmed);
    let revoked = client.revoke_transaction("K6").await.unwrap();
    assert_eq!(revoked.transaction_key, "K6");
    assert_eq!(revoked.status, TransactionStatus::Revoked);
    let spot = client.close_spot(7).await.unwrap();
    assert_eq!((spot.id, spot.status), (7, SpotStatus::Closed));
    let calls: Vec<(String, String)> = mock
        .seen()
        .iter()
        .map(|s| {
            assert_signed(s);
            (s.method.clone(), s.target.clone())
        })
        .collect();
    let expected = [
        ("PUT", "/rest/v1/transaction/K5/confirm"),
        ("GET", "/rest/v1/transaction/K5"),
        ("DELETE", "/rest/v1/transaction/K6"),
        ("GET", "/rest/v1/transaction/K6"),
        ("PUT", "/rest/v1/spot/7/close"),
        ("GET", "/rest/v1/spot/7"),
    ];
    assert_eq!(
        calls,
        expected.map(|(m, t)| (m.to_owned(), t.to_owned())).to_vec()
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_resource_still_fails_to_decode() {
    let mock = Mock::start(vec![reply(200, r#"{"unexpected":true}"#)]).await;
    let err = mock
        .client(0)
        .confirm_transaction("K7", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
    assert_eq!(mock.seen().len(), 1);
}
