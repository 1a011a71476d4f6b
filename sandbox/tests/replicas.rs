//! Several cashiers over one store take turns through its lease: one acts, the others stand by
//! and take over when its run ends; a callback verified by a process that is not the active one is
//! handed over through the store. Run over SQLite, and over Postgres when
//! `PAYSERA_TEST_POSTGRES_URL` is set (`scripts/with-postgres.sh`; required with
//! `PAYSERA_REQUIRE_POSTGRES=1`).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::engine::{
    Engine, EngineConfig, FnMerchant, Role, Stage, open_store, reference_for,
};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, SpotStatus, TransactionStatus};

type Priced = Arc<Mutex<HashMap<String, u32>>>;

async fn replica(
    sb: &Sandbox,
    url: &str,
    priced: &Priced,
    poll: Duration,
    callback: Option<String>,
) -> Arc<Engine> {
    let priced = priced.clone();
    let merchant = FnMerchant::new(
        move |spot| {
            *priced
                .lock()
                .unwrap()
                .entry(reference_for(&spot))
                .or_default() += 1;
            Some(vec![Payment::new("Dinner", Money::new(1250, "EUR"))])
        },
        |_| {},
    );
    let config = EngineConfig {
        poll_interval: poll,
        requests_per_minute: 0,
        lease_ttl: Duration::from_secs(1),
        callback_uri: callback,
        ..Default::default()
    };
    let store = open_store(url).await.unwrap();
    Arc::new(Engine::new(sb.client(), Arc::new(merchant), store, config).unwrap())
}

async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A fresh SQLite file, and a fresh database on the Postgres test server when there is one.
async fn stores() -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("ps-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("{}.db", paysera_scanpay::mac::random_alphanumeric(8));
    let mut urls = vec![format!("sqlite://{}", dir.join(name).display())];
    if let Some(url) = common::fresh_postgres("replicas").await {
        urls.push(url);
    }
    urls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_take_turns_and_a_standby_takes_over_when_the_active_run_ends() {
    for url in stores().await {
        let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let spots: Vec<_> = (1..=10)
            .map(|i| {
                sb.create_spot(1, &format!("t{i}"), PlaceInfo::default())
                    .unwrap()
            })
            .collect();
        for spot in &spots {
            sb.scan(spot.id).unwrap();
        }
        let priced = Priced::default();
        let poll = Duration::from_millis(100);
        let a = replica(&sb, &url, &priced, poll, None).await;
        let b = replica(&sb, &url, &priced, poll, None).await;
        let run_a = tokio::spawn({
            let a = a.clone();
            async move { a.run_forever().await }
        });
        let run_b = tokio::spawn({
            let b = b.clone();
            async move { b.run_forever().await }
        });

        // One of them bills the tables; the other stands by.
        until("every table billed", Duration::from_secs(20), || {
            sb.transactions().len() == spots.len()
                && [&a, &b].iter().any(|e| {
                    e.records()
                        .iter()
                        .filter(|r| r.stage == Stage::Ordered)
                        .count()
                        == spots.len()
                })
        })
        .await;
        let (active, standby, run_active, run_standby) = if a.is_active() {
            (a, b, run_a, run_b)
        } else {
            (b, a, run_b, run_a)
        };
        assert_eq!(active.stats().role, Role::Active, "{url}");
        let stats = standby.stats();
        assert_eq!(stats.role, Role::Standby, "{url}");
        assert_eq!(stats.active_owner.as_deref(), Some(active.owner()), "{url}");
        assert!(!stats.store.is_empty());

        // The active replica's run is cancelled mid-way (its task aborted): it lets the lease go,
        // and the standby takes over. (A SIGKILLed process cannot: replicas_chaos.rs shows the
        // standby taking over once the lease expires.)
        run_active.abort();
        let _ = run_active.await;
        std::mem::forget(active);
        for tx in sb.transactions() {
            sb.confirm(&tx.transaction_key).unwrap();
        }
        until(
            "every table freed by the standby",
            Duration::from_secs(20),
            || sb.spots().iter().all(|s| s.status == SpotStatus::Closed),
        )
        .await;
        assert_eq!(standby.stats().role, Role::Active, "{url}");
        // Exactly once: one transaction per check-in, each priced once and confirmed.
        let txs = sb.transactions();
        assert_eq!(txs.len(), spots.len(), "{url}");
        assert!(txs.iter().all(|t| t.status == TransactionStatus::Confirmed));
        assert!(
            priced.lock().unwrap().values().all(|n| *n == 1),
            "{url}: {priced:?}"
        );

        standby.stop();
        run_standby.await.unwrap().unwrap();
        sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_verified_elsewhere_reaches_the_active_replica_through_the_store() {
    for url in stores().await {
        let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
        sb.scan(spot.id).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let callback = format!("http://{}/paysera/callback", listener.local_addr().unwrap());
        let priced = Priced::default();
        // The active cashier polls once a minute: only the handed-over callback explains a
        // prompt confirmation.
        let active = replica(
            &sb,
            &url,
            &priced,
            Duration::from_secs(60),
            Some(callback.clone()),
        )
        .await;
        // A web worker's cashier over the same store, never run: it only verifies callbacks.
        let web = replica(&sb, &url, &priced, Duration::from_secs(60), Some(callback)).await;
        common::serve_callbacks(listener, web.clone());
        let looping = tokio::spawn({
            let active = active.clone();
            async move { active.run_forever().await }
        });
        until("the order", Duration::from_secs(20), || {
            active.records().iter().any(|r| r.stage == Stage::Ordered)
        })
        .await;
        let key = sb.transactions()[0].transaction_key.clone();
        sb.confirm(&key).unwrap();
        until("the table to be freed", Duration::from_secs(10), || {
            sb.spots()[0].status == SpotStatus::Closed
        })
        .await;
        assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
        until("the callback's answer", Duration::from_secs(10), || {
            sb.callbacks().iter().any(|c| c.status.is_some())
        })
        .await;
        assert_eq!(sb.callbacks()[0].status, Some(200), "{url}");
        assert_eq!(web.stats().role, Role::Idle);
        active.stop();
        looping.await.unwrap().unwrap();
        sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_database_the_cashier_stops_acting_and_resumes_when_it_returns() {
    let Some(url) = common::fresh_postgres("down").await else {
        return; // no server (fresh_postgres() failed already if one was required)
    };
    let name = url.rsplit_once('/').unwrap().1.to_owned();
    let admin_url = std::env::var("PAYSERA_TEST_POSTGRES_ADMIN").unwrap_or_else(|_| url.clone());
    let (admin, conn) = tokio_postgres::connect(&admin_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);

    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let priced = Priced::default();
    let engine = replica(&sb, &url, &priced, Duration::from_millis(100), None).await;
    let looping = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run_forever().await }
    });
    until("the order", Duration::from_secs(20), || {
        engine.records().iter().any(|r| r.stage == Stage::Ordered)
    })
    .await;

    // The database goes away: no new connections, and the cashier's is cut.
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
        ))
        .await
        .unwrap();
    let key = sb.transactions()[0].transaction_key.clone();
    sb.confirm(&key).unwrap();
    until("ticks to fail", Duration::from_secs(20), || {
        engine.stats().consecutive_errors >= 3
    })
    .await;
    // It never acts without a durable record: the customer's reservation waits.
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Reserved);
    assert_eq!(sb.spots()[0].status, SpotStatus::Waiting);
    let stats = engine.stats();
    assert!(
        stats
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot connect") || e.contains("store")),
        "{stats:?}"
    );

    // It comes back: the cashier resumes and finishes.
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    until("the table to be freed", Duration::from_secs(20), || {
        sb.spots()[0].status == SpotStatus::Closed
    })
    .await;
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
    until("a good tick", Duration::from_secs(5), || {
        engine.stats().consecutive_errors == 0
    })
    .await;
    engine.stop();
    looping.await.unwrap().unwrap();
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paysera_call_never_outlives_the_lease() {
    let dir = std::env::temp_dir().join(format!("ps-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!(
        "sqlite://{}",
        dir.join(format!(
            "{}.db",
            paysera_scanpay::mac::random_alphanumeric(8)
        ))
        .display()
    );
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(spot.id).unwrap();
    let priced = Priced::default();
    let engine = replica(&sb, &url, &priced, Duration::from_millis(50), None).await;
    engine.run_once().await.unwrap();
    let key = sb.transactions()[0].transaction_key.clone();
    sb.confirm(&key).unwrap();
    // Paysera takes 3 s to answer the confirm: longer than the 1 s lease. The engine gives up
    // on the call before its lease could run out (a standby may take over then), as an
    // unknown outcome...
    let slow = paysera_sandbox::FaultRule::once(paysera_sandbox::FaultKind::Delay { ms: 3000 })
        .on("PUT", "/confirm");
    sb.inject_fault(slow).unwrap();
    let report = engine.run_once().await.unwrap();
    let error = report
        .events
        .iter()
        .find(|e| e.kind == paysera_scanpay::engine::EventKind::Error)
        .expect("the dropped call is reported");
    assert!(
        error
            .message
            .as_deref()
            .unwrap()
            .contains("lease would have run out"),
        "{error:?}"
    );
    // ...which the next tick reconciles from Paysera's state: paid once, table freed.
    for _ in 0..40 {
        if sb.spots()[0].status == SpotStatus::Closed {
            break;
        }
        engine.run_once().await.unwrap();
    }
    assert_eq!(sb.spots()[0].status, SpotStatus::Closed);
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
    assert_eq!(sb.transactions().len(), 1);
    sb.shutdown().await;
}
