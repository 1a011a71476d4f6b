//! The cashier against the sandbox: the happy path, and a chaos run with 200 tables, seeded
//! customers, every kind of fault and an engine killed and restarted from its durable store.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paysera_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use paysera_scanpay::engine::{
    Engine, EngineConfig, Event, EventKind, FnMerchant, MemoryStore, Merchant, REFERENCE_PARAMETER,
    SqliteStore, Store,
};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, SpotStatus, TransactionStatus};

type Events = Arc<Mutex<Vec<Event>>>;

fn merchant(events: Events) -> Arc<dyn Merchant> {
    Arc::new(FnMerchant::new(
        |spot: paysera_scanpay::models::Spot| {
            let cents = 500 + (spot.id as i64 % 7) * 100;
            Some(vec![Payment::new(
                format!("Table {}", spot.identifier.unwrap_or_default()),
                Money::new(cents, "EUR"),
            )])
        },
        move |e: Event| events.lock().unwrap().push(e),
    ))
}

fn config() -> EngineConfig {
    EngineConfig {
        poll_interval: Duration::ZERO,
        requests_per_minute: 0,
        customer_timeout: Duration::from_secs(2),
        page_size: 50,
        concurrency: 8,
        location_id: None,
        // A failed event is retried on the next tick.
        event_retry: Duration::ZERO,
        event_retry_max: Duration::ZERO,
        callback_uri: None,
        ..Default::default()
    }
}

/// An engine over `sb` with the recording merchant and a memory store.
fn engine(sb: &Sandbox, events: &Events, cfg: EngineConfig) -> Engine {
    Engine::new(
        sb.client(),
        merchant(events.clone()),
        Arc::new(MemoryStore::new()),
        cfg,
    )
    .unwrap()
}

/// A sandbox with `tables` spots, each checked in by a customer.
async fn with_check_ins(tables: usize) -> Sandbox {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..tables {
        let s = sb
            .create_spot(1, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan(s.id).unwrap();
    }
    sb
}

/// `run_forever` in a task; [`stop`] ends it.
fn run_in_background(
    engine: &Arc<Engine>,
) -> tokio::task::JoinHandle<Result<(), paysera_scanpay::Error>> {
    let engine = engine.clone();
    tokio::spawn(async move { engine.run_forever().await })
}

async fn stop(
    engine: &Engine,
    runner: tokio::task::JoinHandle<Result<(), paysera_scanpay::Error>>,
) {
    engine.stop();
    tokio::time::timeout(Duration::from_secs(5), runner)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// How many events of `kind` the handler received.
fn count(events: &Events, kind: EventKind) -> usize {
    events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_one_table() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sb.create_spot(1, "table1", PlaceInfo::default()).unwrap();
    let events: Events = Default::default();
    let engine = engine(&sb, &events, config());

    // Nobody scanned: nothing happens, two polling requests.
    let report = engine.run_once().await.unwrap();
    assert_eq!((report.polling_requests, report.action_requests), (2, 0));
    assert!(report.events.is_empty());

    sb.scan(spot.id).unwrap();
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::OrderCreated]);
    let key = report.events[0].transaction_key.clone().unwrap();
    let tx = sb.transactions().pop().unwrap();
    assert_eq!(tx.transaction_key, key);
    let reference = tx.payments()[0].parameters.as_ref().unwrap()[REFERENCE_PARAMETER].clone();
    assert_eq!(reference, report.events[0].reference.as_str());
    // Nothing more to do until the customer acts.
    let report = engine.run_once().await.unwrap();
    assert!(report.events.is_empty());
    assert_eq!(report.action_requests, 0);

    sb.confirm(&key).unwrap();
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Paid, EventKind::SpotClosed]);
    assert_eq!(
        report.events[0].amounts,
        vec![Money::new(500 + (spot.id as i64 % 7) * 100, "EUR")]
    );
    assert_eq!(sb.spots()[0].status, SpotStatus::Closed);
    assert_eq!(sb.transactions()[0].status, TransactionStatus::Confirmed);
    assert!(engine.records().is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejection_walkaway_and_raising_handler() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let a = sb.create_spot(1, "a", PlaceInfo::default()).unwrap();
    let b = sb.create_spot(1, "b", PlaceInfo::default()).unwrap();
    let seen: Events = Default::default();
    let seen2 = seen.clone();
    // A handler that raises on each spot's first order_created: the engine reports it, carries
    // on, and delivers it again on the next tick, before anything later for that spot.
    struct Raising(Events);
    impl Merchant for Raising {
        fn price(
            &self,
            _spot: paysera_scanpay::models::Spot,
        ) -> futures_util::future::BoxFuture<'static, Result<Option<Vec<Payment>>, String>>
        {
            Box::pin(async { Ok(Some(vec![Payment::new("x", Money::new(100, "EUR"))])) })
        }
        fn on_event(
            &self,
            e: Event,
        ) -> futures_util::future::BoxFuture<'static, Result<(), String>> {
            let mut seen = self.0.lock().unwrap();
            let first = !seen.iter().any(|s| s.id == e.id);
            seen.push(e.clone());
            Box::pin(async move {
                if e.kind == EventKind::OrderCreated && first {
                    Err("kitchen printer offline".into())
                } else {
                    Ok(())
                }
            })
        }
    }
    let mut cfg = config();
    cfg.customer_timeout = Duration::from_secs(1);
    let engine = Engine::new(
        sb.client(),
        Arc::new(Raising(seen2)),
        Arc::new(MemoryStore::new()),
        cfg,
    )
    .unwrap();
    sb.scan(a.id).unwrap();
    sb.scan(b.id).unwrap();
    let report = engine.run_once().await.unwrap();
    let errors = report
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Error)
        .count();
    assert_eq!(errors, 2, "{report:#?}");
    assert!(report.events.iter().any(|e| {
        e.message
            .as_deref()
            .unwrap_or("")
            .contains("kitchen printer")
    }));
    let keys: HashMap<u64, String> = sb
        .transactions()
        .into_iter()
        .map(|t| {
            let r = t.payments()[0].parameters.as_ref().unwrap()[REFERENCE_PARAMETER]
                .as_str()
                .unwrap()
                .to_owned();
            (
                r[2..].split('-').next().unwrap().parse().unwrap(),
                t.transaction_key,
            )
        })
        .collect();
    assert_eq!(engine.undelivered().len(), 2);
    assert_eq!(engine.undelivered()[0].attempts, 1);
    sb.reject(&keys[&a.id]).unwrap();
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<(u64, EventKind)> = report.events.iter().map(|e| (e.spot_id, e.kind)).collect();
    // The failed order_created events first (in either order), then a's outcome.
    let mut first: Vec<u64> = kinds[..2]
        .iter()
        .filter(|(_, kind)| *kind == EventKind::OrderCreated)
        .map(|(spot, _)| *spot)
        .collect();
    first.sort();
    let mut both = vec![a.id, b.id];
    both.sort();
    assert_eq!(first, both, "{kinds:?}");
    assert_eq!(
        kinds[2..],
        [(a.id, EventKind::Rejected), (a.id, EventKind::SpotClosed)]
    );
    assert!(engine.undelivered().is_empty());
    // b's customer walks away; after the timeout the order is revoked and the spot freed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<(u64, EventKind)> = report.events.iter().map(|e| (e.spot_id, e.kind)).collect();
    assert_eq!(
        kinds,
        [(b.id, EventKind::Expired), (b.id, EventKind::SpotClosed)]
    );
    let txs = sb.transactions();
    assert!(txs.iter().any(|t| t.status == TransactionStatus::Rejected));
    assert!(txs.iter().any(|t| t.status == TransactionStatus::Revoked));
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_budget_is_shared_and_polling_is_constant() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..30 {
        let s = sb
            .create_spot(1, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan(s.id).unwrap();
    }
    let events: Events = Default::default();
    let mut cfg = config();
    cfg.page_size = 10;
    cfg.requests_per_minute = 600; // 10 per second after a burst of 600
    let engine = engine(&sb, &events, cfg);
    for _ in 0..4 {
        let r = engine.run_once().await.unwrap();
        assert_eq!(r.polling_requests, 2);
    }
    assert_eq!(
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.kind == EventKind::OrderCreated)
            .count(),
        30
    );

    // A 429 pauses the whole engine for Retry-After.
    sb.inject_fault(FaultRule::once(FaultKind::RateLimit { retry_after: 1 }).on("GET", "/spots"))
        .unwrap();
    assert!(engine.run_once().await.is_err());
    let started = Instant::now();
    engine.run_once().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    sb.shutdown().await;
}

/// A cashier over `sb` with pages of 50 and a poll interval far longer than any test, running.
fn sweeping_cashier(
    sb: &Sandbox,
    events: &Events,
) -> (
    Arc<Engine>,
    tokio::task::JoinHandle<Result<(), paysera_scanpay::Error>>,
) {
    let mut cfg = config();
    cfg.poll_interval = Duration::from_secs(600);
    let engine = Arc::new(engine(sb, events, cfg));
    let runner = run_in_background(&engine);
    (engine, runner)
}

/// Waits up to a minute (far less than the poll interval) for `n` events of `kind`.
async fn wait_for(events: &Events, kind: EventKind, n: usize) {
    let started = Instant::now();
    while count(events, kind) < n {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} of {n} {kind:?}, {} paid",
            count(events, kind),
            count(events, EventKind::Paid)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_read_within_one_poll_interval() {
    // 5 pages of waiting spots: each check-in is ordered in the first sweep, not one page per
    // interval.
    let sb = with_check_ins(250).await;
    let events: Events = Default::default();
    let (engine, runner) = sweeping_cashier(&sb, &events);
    wait_for(&events, EventKind::OrderCreated, 250).await;
    // The sweep ended at the last page: no more listings until the next interval.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let listings = |path: &str| {
        sb.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.split('?').next() == Some(path))
            .count()
    };
    assert_eq!(listings("/rest/v1/spots"), 5, "one listing per page of 50");
    assert_eq!(
        listings("/rest/v1/transactions"),
        5,
        "read beside each page of spots"
    );
    stop(&engine, runner).await;
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_alone_pays_every_page_within_one_poll_interval() {
    // No callbacks and customers confirming at once: the spots closed and the transactions
    // confirmed leave their listings while the sweep reads them, and no page is skipped for it.
    let sb = with_check_ins(250).await;
    sb.set_autopilot(Some(paysera_sandbox::Autopilot::Confirm));
    let events: Events = Default::default();
    let (engine, runner) = sweeping_cashier(&sb, &events);
    wait_for(&events, EventKind::SpotClosed, 250).await;
    assert_eq!(count(&events, EventKind::Paid), 250);
    assert_eq!(sb.transactions().len(), 250, "one transaction per check-in");
    stop(&engine, runner).await;
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_200_tables_faults_and_restarts() {
    const SPOTS: u64 = 200;
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..SPOTS {
        let s = sb
            .create_spot(1 + i % 4, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan_as(s.id, 1000 + i).unwrap();
    }
    // About 8% of requests hit a fault, of every kind, reproducibly.
    common::inject_chaos(&sb, 1000);

    let dir = std::env::temp_dir().join(format!("ps-chaos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cashier.log");
    let _ = std::fs::remove_file(&path);

    let events: Events = Default::default();
    let mut decided = HashSet::new();
    let mut violations = Vec::new();
    let mut customer_confirms: Vec<String> = Vec::new();
    let mut max_polls = 0;
    let mut kills = 0;
    let started = Instant::now();
    let mut round = 0u64;
    loop {
        round += 1;
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "chaos run did not converge"
        );
        // A fresh engine from the durable store, as after a process restart.
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
        let engine =
            Arc::new(Engine::new(sb.client(), merchant(events.clone()), store, config()).unwrap());
        let kill = round <= 8;
        let run = {
            let engine = engine.clone();
            async move {
                let mut polls = 0;
                for _ in 0..5 {
                    if let Ok(r) = engine.run_once().await {
                        polls = polls.max(r.polling_requests);
                    }
                }
                polls
            }
        };
        if kill {
            // Killed mid-run: the future is dropped wherever it is.
            let budget = Duration::from_millis(40 + (round * 37) % 200);
            if let Ok(p) = tokio::time::timeout(budget, run).await {
                max_polls = max_polls.max(p);
            } else {
                kills += 1;
            }
        } else {
            max_polls = max_polls.max(run.await);
        }
        customer_confirms.extend(common::customers_act(&sb, &mut decided, &mut violations));
        let done = sb.spots().iter().all(|s| s.status == SpotStatus::Closed)
            && engine.records().is_empty()
            && engine.undelivered().is_empty()
            && round > 8;
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(kills >= 3, "the engine was killed only {kills} times");
    assert!(violations.is_empty(), "{violations:?}");
    assert!(
        max_polls <= 2,
        "polling requests per tick grew to {max_polls}"
    );

    let txs = sb.transactions();
    let events = events.lock().unwrap().clone();
    // At most one transaction per check-in, ever.
    let mut per_reference: HashMap<String, usize> = HashMap::new();
    for t in &txs {
        let r = t.payments()[0].parameters.as_ref().unwrap()[REFERENCE_PARAMETER]
            .as_str()
            .unwrap()
            .to_owned();
        *per_reference.entry(r).or_default() += 1;
    }
    assert!(
        per_reference.values().all(|n| *n == 1),
        "duplicate transactions: {:?}",
        per_reference
            .iter()
            .filter(|(_, n)| **n > 1)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        per_reference.len() as u64,
        SPOTS,
        "every check-in got its transaction"
    );
    // Every customer confirmation: exactly one confirmed transaction and one paid event.
    let confirmed: Vec<&str> = txs
        .iter()
        .filter(|t| t.status == TransactionStatus::Confirmed)
        .map(|t| t.transaction_key.as_str())
        .collect();
    for key in &customer_confirms {
        let t = txs.iter().find(|t| &t.transaction_key == key).unwrap();
        let evs: Vec<_> = events
            .iter()
            .filter(|e| e.transaction_key.as_deref() == Some(key))
            .map(|e| (e.kind, e.message.clone()))
            .collect();
        assert_eq!(
            t.status,
            TransactionStatus::Confirmed,
            "customer confirmed {key}; events {evs:?}"
        );
    }
    assert_eq!(confirmed.len(), customer_confirms.len());
    for key in &confirmed {
        let paid = events
            .iter()
            .filter(|e| e.kind == EventKind::Paid && e.transaction_key.as_deref() == Some(key))
            .count();
        assert_eq!(paid, 1, "transaction {key} reported paid {paid} times");
    }
    assert_eq!(
        events.iter().filter(|e| e.kind == EventKind::Paid).count(),
        confirmed.len()
    );
    // No reservation left behind; every rejection reported; every walk-away revoked and reported.
    assert!(txs.iter().all(|t| t.status != TransactionStatus::Reserved));
    for t in &txs {
        let reported = |kind| {
            events.iter().any(|e| {
                e.kind == kind && e.transaction_key.as_deref() == Some(t.transaction_key.as_str())
            })
        };
        match t.status {
            TransactionStatus::Rejected => {
                assert!(reported(EventKind::Rejected), "{}", t.transaction_key)
            }
            TransactionStatus::Revoked => {
                assert!(reported(EventKind::Expired), "{}", t.transaction_key)
            }
            TransactionStatus::Confirmed => {}
            ref other => panic!("transaction {} left {other}", t.transaction_key),
        }
    }
    // Every spot closed, and each closing reported once.
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    let closed: HashSet<u64> = events
        .iter()
        .filter(|e| e.kind == EventKind::SpotClosed)
        .map(|e| e.spot_id)
        .collect();
    assert_eq!(closed.len() as u64, SPOTS);
    let faults_hit = sb.requests().iter().filter(|e| e.fault.is_some()).count();
    assert!(faults_hit > 20, "only {faults_hit} faults were injected");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autopilot_customers_and_run_forever_stop() {
    let sb = with_check_ins(25).await;
    sb.set_autopilot(Some(paysera_sandbox::Autopilot::Confirm));
    let events: Events = Default::default();
    let mut cfg = config();
    cfg.poll_interval = Duration::from_millis(10);
    cfg.page_size = 10;
    let engine = Arc::new(engine(&sb, &events, cfg));
    let runner = run_in_background(&engine);
    let started = Instant::now();
    while count(&events, EventKind::SpotClosed) < 25 {
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop(&engine, runner).await;
    let paid = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::Paid)
        .count();
    assert_eq!(paid, 25);
    assert!(
        sb.transactions()
            .iter()
            .all(|t| t.status == TransactionStatus::Confirmed)
    );
    sb.shutdown().await;
}
