//! One conformance suite for every store: memory and SQLite always, Postgres when
//! `PAYSERA_TEST_POSTGRES_URL` names a server (`scripts/with-postgres.sh` starts one; with
//! `PAYSERA_REQUIRE_POSTGRES=1` its absence fails the suite instead of skipping it).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Map;

use super::*;
use crate::engine::{Event, EventKind, UndeliveredEvent};

fn record(reference: &str, stage: Stage) -> Record {
    Record {
        reference: reference.into(),
        spot_id: 1,
        location_id: None,
        stage,
        transaction_key: Some(format!("K-{reference}")),
        started_at: 1,
        ordered_at: None,
        amounts: vec![Money::new(100, "EUR")],
        parameters: Map::new(),
        delivered: vec![],
    }
}

fn pending(id: &str, seq: u64) -> UndeliveredEvent {
    UndeliveredEvent {
        event: Event {
            id: id.into(),
            kind: EventKind::Paid,
            spot_id: 1,
            location_id: Some(3),
            transaction_key: Some("K".into()),
            reference: "a".into(),
            amounts: vec![Money::new(100, "EUR")],
            parameters: Map::new(),
            message: None,
        },
        seq,
        attempts: 0,
        last_error: None,
        next_attempt_at_ms: 0,
    }
}

fn lease(ttl_ms: u64) -> Lease {
    Lease::new(Duration::from_millis(ttl_ms))
}

/// What every store must do, given a way to open the same store again.
async fn conformance<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Store>>,
{
    let store = open().await;
    let (a, b) = (lease(60_000), lease(60_000));
    assert!(matches!(
        store.acquire(&a).await.unwrap(),
        Acquired::Held { renewed: false, .. }
    ));
    match store.acquire(&b).await.unwrap() {
        Acquired::Busy { owner, .. } => assert_eq!(owner, a.owner),
        held => panic!("a second owner got the lease: {held:?}"),
    }
    assert!(matches!(
        store.acquire(&a).await.unwrap(),
        Acquired::Held { renewed: true, .. }
    ));

    // Writes are fenced by the lease.
    store
        .save(&a, &record("r1", Stage::Creating))
        .await
        .unwrap();
    store.save(&a, &record("r1", Stage::Ordered)).await.unwrap();
    store.save(&a, &record("r2", Stage::Created)).await.unwrap();
    let err = store
        .save(&b, &record("r3", Stage::Creating))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no longer holds"), "{err}");
    assert!(store.remove(&b, "r1").await.is_err());
    assert!(store.put_event(&b, &pending("x:paid", 9)).await.is_err());
    let mut all = store.load().await.unwrap();
    all.sort_by(|x, y| x.reference.cmp(&y.reference));
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].stage, Stage::Ordered);
    store.remove(&a, "r2").await.unwrap();
    assert_eq!(store.load().await.unwrap().len(), 1);

    // The outbox: ordered by seq, replaced by id, removed on acknowledgement.
    store
        .put_event(&a, &pending("a:spot_closed", 2))
        .await
        .unwrap();
    store.put_event(&a, &pending("a:paid", 1)).await.unwrap();
    let mut failed = pending("a:paid", 1);
    failed.attempts = 1;
    failed.last_error = Some("db down".into());
    store.put_event(&a, &failed).await.unwrap();
    let mut events = store.load_events().await.unwrap();
    events.sort_by_key(|e| e.seq);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].attempts, 1);
    // An event and the record that marks it, together; fenced too.
    let mut marked = record("r1", Stage::Ordered);
    marked.delivered.push("order_created".into());
    store
        .record_event(&a, &marked, &pending("r1:order_created", 3))
        .await
        .unwrap();
    assert!(
        store
            .record_event(&b, &marked, &pending("r1:x", 4))
            .await
            .is_err()
    );
    let r1 = store
        .load()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.reference == "r1")
        .unwrap();
    assert_eq!(r1.delivered, ["order_created"]);
    assert_eq!(store.load_events().await.unwrap().len(), 3);
    store.ack_event(&a, "r1:order_created").await.unwrap();
    store.ack_event(&a, "a:spot_closed").await.unwrap();
    assert!(store.ack_event(&b, "a:paid").await.is_err());
    assert_eq!(store.load_events().await.unwrap().len(), 1);

    // Callbacks handed over: only the holder takes them, once, in order.
    store.push_wake("T1").await.unwrap();
    store.push_wake("T2").await.unwrap();
    assert!(store.take_wakes(&b).await.unwrap().is_empty());
    if store.shared() {
        assert_eq!(store.take_wakes(&a).await.unwrap(), vec!["T1", "T2"]);
    } else {
        assert_eq!(store.take_wakes(&a).await.unwrap().len(), 2);
    }
    assert!(store.take_wakes(&a).await.unwrap().is_empty());

    // A released lease is free at once; an expired one is taken over, and fences its old owner.
    store.release(&a).await.unwrap();
    assert_eq!(store.holder().await.unwrap(), None);
    let short = lease(300);
    assert!(matches!(
        store.acquire(&short).await.unwrap(),
        Acquired::Held { .. }
    ));
    assert!(matches!(
        store.acquire(&b).await.unwrap(),
        Acquired::Busy { .. }
    ));
    tokio::time::sleep(Duration::from_millis(450)).await;
    // Expired and retaken by its owner: not a renewal (someone may have held it meanwhile).
    assert!(matches!(
        store.acquire(&short).await.unwrap(),
        Acquired::Held { renewed: false, .. }
    ));
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(
        store
            .save(&short, &record("late", Stage::Creating))
            .await
            .is_err()
    );
    assert!(matches!(
        store.acquire(&b).await.unwrap(),
        Acquired::Held { .. }
    ));
    assert!(matches!(
        store.acquire(&short).await.unwrap(),
        Acquired::Busy { .. }
    ));
    // Best effort, maybe in the background (Postgres): soon, not necessarily at once.
    store.release_now(&b);
    let mut taken = false;
    for _ in 0..40 {
        if matches!(store.acquire(&short).await.unwrap(), Acquired::Held { .. }) {
            taken = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(taken, "the lease was not released");
    store.acquire(&b).await.unwrap();
    store.release(&short).await.unwrap();

    // Durable: another handle on the same store sees everything.
    if store.shared() {
        let again = open().await;
        assert_eq!(again.load().await.unwrap().len(), 1);
        assert_eq!(again.load_events().await.unwrap().len(), 1);
        assert!(matches!(
            again.acquire(&b).await.unwrap(),
            Acquired::Held { .. }
        ));
    }
}

#[tokio::test]
async fn memory_store_conforms() {
    let store = MemoryStore::new();
    conformance(|| {
        let s = store.clone();
        async move { Arc::new(s) as Arc<dyn Store> }
    })
    .await;
}

pub(super) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ps-store-{name}-{}-{}",
        std::process::id(),
        crate::mac::random_alphanumeric(6)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn sqlite_store_conforms() {
    let path = temp_dir("sqlite").join("cashier.db");
    let url = format!("sqlite://{}", path.display());
    conformance(|| {
        let url = url.clone();
        async move { open_store(&url).await.unwrap() }
    })
    .await;
}

/// A wake-up pushed long ago that no replica took is dropped by the next push; recent ones stay,
/// in order. `age` makes every wake-up in the store older by that many milliseconds.
async fn stale_wakes_are_dropped<F, Fut>(store: Arc<dyn Store>, age: F)
where
    F: FnOnce(i64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    store.push_wake("OLD").await.unwrap();
    age(WAKE_KEPT.as_millis() as i64 + 60_000).await;
    store.push_wake("NEW1").await.unwrap();
    store.push_wake("NEW2").await.unwrap();
    let lease = Lease::new(Duration::from_secs(30));
    assert!(matches!(
        store.acquire(&lease).await.unwrap(),
        Acquired::Held { .. }
    ));
    assert_eq!(store.take_wakes(&lease).await.unwrap(), ["NEW1", "NEW2"]);
}

#[tokio::test]
async fn sqlite_drops_stale_wakes() {
    let path = temp_dir("wakes").join("cashier.db");
    let store = open_store(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    stale_wakes_are_dropped(store, |ms| {
        let path = path.clone();
        async move {
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute(
                    "UPDATE paysera_scanpay_wakes SET at_ms = at_ms - ?1",
                    rusqlite::params![ms],
                )
                .unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn sqlite_imports_the_old_log_once() {
    let dir = temp_dir("import");
    let path = dir.join("cashier.log");
    let put = |r: &str| {
        format!(
            "{{\"op\":\"put\",\"record\":{}}}\n",
            serde_json::to_string(&record(r, Stage::Ordered)).unwrap()
        )
    };
    let event = format!(
        "{{\"op\":\"event_put\",\"entry\":{}}}\n",
        serde_json::to_string(&pending("a:paid", 4)).unwrap()
    );
    let log = format!(
        "{}{}{{\"op\":\"del\",\"reference\":\"b\"}}\n{event}{{\"op\":\"put\",\"record\":{{\"refer",
        put("a"),
        put("b")
    );
    std::fs::write(&path, log).unwrap();
    // A plain path is SQLite; the old log there is imported (its torn last line ignored).
    let store = open_store(path.to_str().unwrap()).await.unwrap();
    let records = store.load().await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].reference, "a");
    assert_eq!(store.load_events().await.unwrap()[0].seq, 4);
    assert!(dir.join("cashier.log.imported").exists());
    drop(store);
    let store = open_store(path.to_str().unwrap()).await.unwrap();
    assert_eq!(store.load().await.unwrap().len(), 1);

    let corrupt = dir.join("corrupt.log");
    std::fs::write(&corrupt, format!("{}garbage\n{}", put("a"), put("b"))).unwrap();
    let err = open_store(corrupt.to_str().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(
        corrupt.exists(),
        "a log that could not be imported stays where it was"
    );
}

#[tokio::test]
async fn sqlite_refuses_a_newer_schema() {
    let path = temp_dir("newer").join("cashier.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE paysera_scanpay_meta SET value = '99' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("schema version 99") && err.contains("upgrade"),
        "{err}"
    );
}

#[test]
fn urls_choose_the_store_and_never_show_a_password() {
    assert_eq!(parse_url("memory").unwrap(), StoreUrl::Memory);
    assert_eq!(
        parse_url("sqlite:///var/lib/shop/cashier.db").unwrap(),
        StoreUrl::Sqlite("/var/lib/shop/cashier.db".into())
    );
    assert_eq!(
        parse_url("relative/cashier.db").unwrap(),
        StoreUrl::Sqlite("relative/cashier.db".into())
    );
    assert!(matches!(
        parse_url("postgresql://u:p@h/db").unwrap(),
        StoreUrl::Postgres(_)
    ));
    for bad in ["", "sqlite://", "mysql://u:hunter2@h/db"] {
        let err = parse_url(bad).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("store "), "{err}");
    }
    assert_eq!(
        redact("postgres://shop:hunter2@db.internal:5432/shop?sslmode=disable&password=x"),
        "postgres://shop:***@db.internal:5432/shop?sslmode=disable&password=***"
    );
    assert_eq!(redact("postgres://shop@db/shop"), "postgres://shop@db/shop");
    // Passwords holding the URL's own delimiters (libraries split them differently).
    for (url, shown) in [
        (
            "postgres://shop:pa/ss@db:5432/shop",
            "postgres://shop:***@db:5432/shop",
        ),
        (
            "postgres://shop:pa@ss@db/shop",
            "postgres://shop:***@db/shop",
        ),
        (
            "postgres://shop:pa?ss#x@db/shop",
            "postgres://shop:***@db/shop",
        ),
        (
            "postgres://db/shop?pass%77ord=hunter2",
            "postgres://db/shop?pass%77ord=***",
        ),
        (
            "postgres://shop:hunter2@%2Frun%2Fpostgresql/shop",
            "postgres://shop:***@%2Frun%2Fpostgresql/shop",
        ),
    ] {
        assert_eq!(redact(url), shown, "{url}");
    }
    assert_eq!(target(&redact("postgres://shop:pa@ss@db/shop")), "db:5432");
    assert_eq!(
        target("postgres://u:***@10.0.0.5:6432/shop"),
        "10.0.0.5:6432"
    );
    assert_eq!(target("postgres:///shop"), "localhost:5432");
    assert_eq!(redact("sqlite:///a/b.db"), "sqlite:///a/b.db");
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    /// The test server's URL, or `None` to skip (unless `PAYSERA_REQUIRE_POSTGRES=1`).
    pub(crate) fn server() -> Option<String> {
        match std::env::var("PAYSERA_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                assert!(
                    std::env::var("PAYSERA_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PAYSERA_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"
                );
                eprintln!("skipped: no PAYSERA_TEST_POSTGRES_URL (scripts/with-postgres.sh)");
                None
            }
        }
    }

    /// A fresh database on the test server, for one test.
    async fn fresh_database(url: &str) -> String {
        let admin = std::env::var("PAYSERA_TEST_POSTGRES_ADMIN").unwrap_or_else(|_| url.into());
        let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let name = format!("t_{}", crate::mac::random_alphanumeric(10).to_lowercase());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = url.rsplit_once('/').unwrap().0;
        format!("{base}/{name}")
    }

    /// A connection of the test's own to the store's database, to change what the store wrote.
    async fn direct(url: &str) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    }

    #[tokio::test]
    async fn postgres_store_conforms() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server).await;
        conformance(|| {
            let url = url.clone();
            async move { open_store(&url).await.unwrap() }
        })
        .await;
        // One connection (`pool_size=1`, as a web worker that only hands callbacks over).
        let one = format!("{}?pool_size=1", fresh_database(&server).await);
        conformance(|| {
            let url = one.clone();
            async move { open_store(&url).await.unwrap() }
        })
        .await;
        // Concurrent first opens create the tables once.
        let url = fresh_database(&server).await;
        let opens = (0..4).map(|_| open_store(&url));
        for store in futures_util::future::join_all(opens).await {
            store.unwrap();
        }
    }

    #[tokio::test]
    async fn a_late_background_release_never_ends_a_lease_taken_again() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server).await;
        let store = open_store(&url).await.unwrap();
        let lease = Lease::new(Duration::from_secs(30));
        assert!(matches!(
            store.acquire(&lease).await.unwrap(),
            Acquired::Held { .. }
        ));
        // The lease is taken again (its expiry moves on) before the background release of the
        // earlier grant reaches the database, as when a cancelled run is started again at once.
        direct(&url)
            .await
            .batch_execute("UPDATE paysera_scanpay_lease SET until_ms = until_ms + 60000")
            .await
            .unwrap();
        store.release_now(&lease);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let holder = store.holder().await.unwrap();
        assert_eq!(holder.map(|(owner, _)| owner), Some(lease.owner.clone()));

        // The grant this store knows is given up in the background.
        assert!(matches!(
            store.acquire(&lease).await.unwrap(),
            Acquired::Held { renewed: true, .. }
        ));
        store.release_now(&lease);
        let mut released = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if store.holder().await.unwrap().is_none() {
                released = true;
                break;
            }
        }
        assert!(released, "release_now gave the lease up");
    }

    #[tokio::test]
    async fn postgres_drops_stale_wakes() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server).await;
        let store = open_store(&url).await.unwrap();
        stale_wakes_are_dropped(store, |ms| {
            let url = url.clone();
            async move {
                direct(&url)
                    .await
                    .execute(
                        "UPDATE paysera_scanpay_wakes SET at_ms = at_ms - $1::bigint",
                        &[&ms],
                    )
                    .await
                    .unwrap();
            }
        })
        .await;
    }

    #[tokio::test]
    async fn postgres_refuses_a_newer_schema() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server).await;
        drop(open_store(&url).await.unwrap());
        direct(&url)
            .await
            .batch_execute(
                "UPDATE paysera_scanpay_meta SET value = '7' WHERE key = 'schema_version'",
            )
            .await
            .unwrap();
        let err = open_store(&url).await.unwrap_err().to_string();
        assert!(err.contains("schema version 7"), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_database_is_named_without_its_password() {
        // A port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("postgres://shop:hunter2@127.0.0.1:{port}/shop");
        let err = open_store(&url).await.unwrap_err().to_string();
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(err.contains("shop:***@"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    /// The test server's CA files (scripts/with-postgres.sh): the one that signed its
    /// certificate (for `localhost` only), and one that signed nothing it holds.
    fn cas() -> (String, String) {
        let var = |name: &str| {
            std::env::var(name)
                .unwrap_or_else(|_| panic!("{name} is not set (scripts/with-postgres.sh)"))
        };
        (
            var("PAYSERA_TEST_POSTGRES_CA"),
            var("PAYSERA_TEST_POSTGRES_OTHER_CA"),
        )
    }

    /// `url` with a password and its host as given (the server listens on 127.0.0.1 only;
    /// `localhost` reaches it through `hostaddr`), and a query.
    fn at_host(server: &str, host: &str, query: &str) -> String {
        let url = server
            .replace("postgres://postgres@", "postgres://postgres:hunter2@")
            .replace("127.0.0.1", host);
        let hostaddr = if host == "localhost" {
            "hostaddr=127.0.0.1&"
        } else {
            ""
        };
        format!("{url}?{hostaddr}{query}")
    }

    /// Whether every connection the store holds (named by `application_name`) is encrypted.
    async fn encrypted(server: &str, app: &str) -> bool {
        let row = direct(server)
            .await
            .query_one(
                "SELECT count(*), coalesce(bool_and(s.ssl), false) FROM pg_stat_activity a \
                 JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = $1",
                &[&app],
            )
            .await
            .unwrap();
        assert!(row.get::<_, i64>(0) > 0, "no connection named {app}");
        row.get(1)
    }

    #[tokio::test]
    async fn tls_modes_connect_and_encrypt_as_libpq_does() {
        let Some(server) = server() else { return };
        let (ca, _) = cas();
        let database = fresh_database(&server).await;
        let cases = [
            ("127.0.0.1", String::new(), true), // prefer, the default
            ("127.0.0.1", "sslmode=disable".to_owned(), false),
            ("127.0.0.1", "sslmode=prefer".to_owned(), true),
            ("127.0.0.1", "sslmode=require".to_owned(), true),
            (
                "127.0.0.1",
                format!("sslmode=require&sslrootcert={ca}"),
                true,
            ),
            (
                "127.0.0.1",
                format!("sslmode=verify-ca&sslrootcert={ca}"),
                true,
            ),
            (
                "localhost",
                format!("sslmode=verify-full&sslrootcert={ca}"),
                true,
            ),
        ];
        for (i, (host, query, tls)) in cases.into_iter().enumerate() {
            let app = format!("tls_{i}_{}", crate::mac::random_alphanumeric(6));
            let url = at_host(&database, host, &format!("{query}&application_name={app}"));
            let store = open_store(&url)
                .await
                .unwrap_or_else(|e| panic!("{query}: {e}"));
            // The store works over it: a lease taken and a record written and read back.
            let lease = Lease::new(Duration::from_secs(30));
            assert!(
                matches!(store.acquire(&lease).await.unwrap(), Acquired::Held { .. }),
                "{query}"
            );
            store
                .save(&lease, &record(&format!("tls-{i}"), Stage::Created))
                .await
                .unwrap();
            assert!(
                store
                    .load()
                    .await
                    .unwrap()
                    .iter()
                    .any(|r| r.reference == format!("tls-{i}"))
            );
            store.release(&lease).await.unwrap();
            assert_eq!(encrypted(&server, &app).await, tls, "{query}");
        }
    }

    #[tokio::test]
    async fn tls_refuses_a_server_it_cannot_trust() {
        let Some(server) = server() else { return };
        let (ca, other) = cas();
        let cases = [
            // The certificate is for localhost, not for the address connected to.
            (
                "127.0.0.1",
                format!("sslmode=verify-full&sslrootcert={ca}"),
                "not valid for name",
            ),
            // Signed by a CA that was not given.
            (
                "localhost",
                format!("sslmode=verify-full&sslrootcert={other}"),
                "UnknownIssuer",
            ),
            (
                "127.0.0.1",
                format!("sslmode=verify-ca&sslrootcert={other}"),
                "UnknownIssuer",
            ),
            (
                "127.0.0.1",
                format!("sslmode=require&sslrootcert={other}"),
                "UnknownIssuer",
            ),
            ("127.0.0.1", format!("sslrootcert={other}"), "UnknownIssuer"),
            // Not by one the system trusts either.
            (
                "localhost",
                "sslmode=verify-full&sslrootcert=system".to_owned(),
                "certificate",
            ),
        ];
        for (host, query, why) in cases {
            let err = open_store(&at_host(&server, host, &query))
                .await
                .map(|_| ())
                .unwrap_err();
            assert!(matches!(err, Error::Store(_)), "{query}: {err:?}");
            let err = err.to_string();
            assert!(
                err.contains(why) && err.contains("cannot connect to"),
                "{query}: {err}"
            );
            assert!(
                !err.contains("hunter2") && err.contains("postgres:***@"),
                "{query}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn an_unusable_sslrootcert_is_named_when_the_store_opens() {
        let dir = temp_dir("sslrootcert");
        let missing = dir.join("missing.pem");
        let not_pem = dir.join("notes.txt");
        std::fs::write(&not_pem, "not a certificate\n").unwrap();
        let cut = dir.join("cut.pem");
        std::fs::write(&cut, "-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap();
        for (file, why) in [
            (&missing, "cannot read it"),
            (&not_pem, "holds no PEM certificate"),
            (&cut, "not a PEM file of certificates"),
        ] {
            // Nothing listens there: the file is read before any connection.
            let url = format!(
                "postgres://shop:hunter2@127.0.0.1:1/shop?sslmode=verify-ca&sslrootcert={}",
                file.display()
            );
            let err = open_store(&url).await.map(|_| ()).unwrap_err();
            assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
            let err = err.to_string();
            assert!(
                err.contains(why) && err.contains(&file.display().to_string()),
                "{err}"
            );
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
