//! The cashier's stores, side by side in one run (`benchmarks/stores/run.sh`, release build,
//! Postgres with fsync on):
//!
//! - store operation latency, p50 and p99: a fenced `save` of a record, a lease renewal
//!   (`acquire`), and `load` of 200 records, for SQLite and Postgres, plain and over TLS
//!   (memory as the floor); the runs below connect to Postgres without TLS;
//! - spots fully paid per second, 200 tables, customers confirming at once (autopilot), budget
//!   lifted, polling every 10 ms: the single-process memory store (the baseline) against SQLite
//!   and against 1, 2 and 4 replicas on one Postgres (separate engines and connections);
//! - polling requests per second for the account, from the sandbox's journal, against the
//!   number of replicas (one replica polls at a time: it must not grow);
//! - both against the in-process sandbox as is (answers in tens of µs: the store's cost shows
//!   in full) and with every request delayed by `STORE_NETWORK_MS` (default 20 ms), as a network
//!   between the shop and Paysera would.
//!
//! Needs `PAYSERA_TEST_POSTGRES_URL` (and `PAYSERA_TEST_POSTGRES_ADMIN`) from
//! `scripts/with-postgres.sh`. Rounds: `STORE_ROUNDS` (default 3), medians reported.

// The integration tests' helpers (here: databases of their own on the test server).
#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use paysera_sandbox::{Autopilot, FaultKind, FaultRule, Sandbox, SandboxConfig};
use paysera_scanpay::engine::{
    Engine, EngineConfig, FnMerchant, Lease, Record, Stage, Store, open_store,
};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, SpotStatus};
use serde_json::Map;

const TABLES: u64 = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// A database of its own on the server `scripts/with-postgres.sh` started.
async fn fresh_postgres(tag: &str) -> String {
    common::fresh_postgres(&format!("bench_{tag}"))
        .await
        .expect("run under scripts/with-postgres.sh (PAYSERA_TEST_POSTGRES_URL)")
}

fn sqlite_url(tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ps-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    format!(
        "sqlite://{}",
        dir.join(format!(
            "{tag}-{}.db",
            paysera_scanpay::mac::random_alphanumeric(6)
        ))
        .display()
    )
}

fn record(i: u64) -> Record {
    Record {
        reference: format!("spot-{i}-checkin-{i}"),
        spot_id: i,
        location_id: Some(1),
        stage: Stage::Ordered,
        transaction_key: Some(format!("tx{i:08}")),
        started_at: 1_700_000_000,
        ordered_at: Some(1_700_000_010),
        amounts: vec![Money::new(1250, "EUR")],
        parameters: Map::new(),
        delivered: vec!["order_created".into()],
    }
}

struct OpLatency {
    save: (Duration, Duration),
    acquire: (Duration, Duration),
    load: (Duration, Duration),
}

async fn op_latency(store: Arc<dyn Store>, n: usize) -> OpLatency {
    let lease = Lease::new(Duration::from_secs(60));
    store.acquire(&lease).await.unwrap();
    for i in 0..TABLES {
        store.save(&lease, &record(i)).await.unwrap();
    }
    let mut save = Vec::with_capacity(n);
    let mut acquire = Vec::with_capacity(n);
    let mut load = Vec::with_capacity(n / 10);
    for i in 0..n {
        let r = record(i as u64 % TABLES);
        let t = Instant::now();
        store.save(&lease, &r).await.unwrap();
        save.push(t.elapsed());
        let t = Instant::now();
        store.acquire(&lease).await.unwrap();
        acquire.push(t.elapsed());
        if i % 10 == 0 {
            let t = Instant::now();
            assert_eq!(store.load().await.unwrap().len() as u64, TABLES);
            load.push(t.elapsed());
        }
    }
    let stats = |mut v: Vec<Duration>| {
        v.sort();
        (percentile(&v, 0.5), percentile(&v, 0.99))
    };
    OpLatency {
        save: stats(save),
        acquire: stats(acquire),
        load: stats(load),
    }
}

struct Run {
    paid_per_s: f64,
    polls_per_s: f64,
}

/// 200 tables paid by `replicas` engines over stores from `url`, each request answered after
/// `network` more.
async fn paid_per_second(url: &str, replicas: usize, network: Duration) -> Run {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    if !network.is_zero() {
        let delay = FaultKind::Delay {
            ms: network.as_millis() as u64,
        };
        sb.inject_fault(FaultRule::once(delay).with_probability(1.0, 1))
            .unwrap();
    }
    for i in 0..TABLES {
        let s = sb
            .create_spot(1, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan(s.id).unwrap();
    }
    sb.set_autopilot(Some(Autopilot::Confirm));
    let mut engines = Vec::new();
    for _ in 0..replicas {
        let merchant = FnMerchant::new(
            |_| Some(vec![Payment::new("Dinner", Money::new(1250, "EUR"))]),
            |_| {},
        );
        let config = EngineConfig {
            poll_interval: Duration::from_millis(10),
            requests_per_minute: 0,
            page_size: 200,
            concurrency: concurrency(),
            ..Default::default()
        };
        let store = open_store(url).await.unwrap();
        engines.push(Arc::new(
            Engine::new(sb.client(), Arc::new(merchant), store, config).unwrap(),
        ));
    }
    let started = Instant::now();
    let tasks: Vec<_> = engines
        .iter()
        .map(|e| {
            let e = e.clone();
            tokio::spawn(async move { e.run_forever().await })
        })
        .collect();
    while !sb.spots().iter().all(|s| s.status == SpotStatus::Closed) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    for e in &engines {
        e.stop();
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let polls = sb
        .requests()
        .iter()
        .filter(|e| {
            e.method == "GET"
                && (e.path.starts_with("/rest/v1/spots?")
                    || e.path.starts_with("/rest/v1/transactions?"))
                && e.path.contains("status")
        })
        .count();
    sb.shutdown().await;
    Run {
        paid_per_s: TABLES as f64 / elapsed,
        polls_per_s: polls as f64 / elapsed,
    }
}

/// Spots handled at once (`STORE_CONCURRENCY`, default the engine's 8).
fn concurrency() -> usize {
    std::env::var("STORE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(paysera_scanpay::defaults::DEFAULT_CONCURRENCY)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::var("STORE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);

    println!(
        "| store | save p50 | save p99 | lease renewal p50 | p99 | load 200 records p50 | p99 |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, url) in [
        ("memory", "memory".to_owned()),
        ("SQLite (WAL, synchronous=FULL)", sqlite_url("ops")),
        (
            "Postgres (fsync on, loopback)",
            format!("{}?sslmode=disable", fresh_postgres("ops").await),
        ),
        (
            "Postgres over TLS (`sslmode=require`, fsync on, loopback)",
            format!("{}?sslmode=require", fresh_postgres("ops").await),
        ),
    ] {
        let l = op_latency(open_store(&url).await.unwrap(), 2000).await;
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            us(l.save.0),
            us(l.save.1),
            us(l.acquire.0),
            us(l.acquire.1),
            us(l.load.0),
            us(l.load.1)
        );
    }

    let variants: Vec<(&str, usize)> = vec![
        ("memory", 1),
        ("sqlite", 1),
        ("postgres", 1),
        ("postgres", 2),
        ("postgres", 4),
    ];
    let network = Duration::from_millis(
        std::env::var("STORE_NETWORK_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    for latency in [Duration::ZERO, network] {
        let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); variants.len()];
        for _ in 0..rounds {
            // Interleaved, so that drift in the machine's load hits every variant alike.
            for (i, (kind, replicas)) in variants.iter().enumerate() {
                let url = match *kind {
                    "memory" => "memory".to_owned(),
                    "sqlite" => sqlite_url("run"),
                    _ => format!("{}?sslmode=disable", fresh_postgres("run").await),
                };
                let run = paid_per_second(&url, *replicas, latency).await;
                results[i].0.push(run.paid_per_s);
                results[i].1.push(run.polls_per_s);
            }
        }
        let baseline = median(results[0].0.clone());
        println!();
        println!(
            "Sandbox answering {} (concurrency {}):",
            if latency.is_zero() {
                "in-process, no added latency".to_owned()
            } else {
                format!("after {} ms per request", latency.as_millis())
            },
            concurrency()
        );
        println!();
        println!("| store | replicas | spots paid/s | vs memory | polling requests/s |");
        println!("|---|---|---|---|---|");
        for ((kind, replicas), (paid, polls)) in variants.iter().zip(results) {
            let paid = median(paid);
            println!(
                "| {kind} | {replicas} | {paid:.0} | {:.0} % | {:.1} |",
                100.0 * paid / baseline,
                median(polls)
            );
        }
    }
}
