//! Cashier benchmark (run with `benchmarks/engine/run.sh`, release build).
//!
//! 1. Throughput: 1,000 tables scan at once, customers confirm at once (sandbox autopilot), poll
//!    interval zero: spots fully paid (transaction confirmed, spot closed) per second, for the
//!    engine and, side by side in the same run, for the straightforward sequential loop a
//!    merchant would write with the same client.
//! 2. Polling requests per tick with 10 … 10,000 waiting spots, engine versus walking every
//!    page of the listing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use paysera_sandbox::{Autopilot, Sandbox, SandboxConfig};
use paysera_scanpay::engine::{Engine, EngineConfig, Event, EventKind, FnMerchant, MemoryStore};
use paysera_scanpay::models::{
    Money, Payment, PlaceInfo, SpotStatus, TransactionRequest, TransactionStatus,
};
use paysera_scanpay::{Client, SpotQuery, TransactionQuery};

async fn tables(n: u64) -> Sandbox {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..n {
        let s = sb
            .create_spot(1, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan(s.id).unwrap();
    }
    sb
}

fn bill(spot: &paysera_scanpay::models::Spot) -> Vec<Payment> {
    vec![Payment::new(
        format!("table {}", spot.id),
        Money::new(1000 + spot.id as i64, "EUR"),
    )]
}

async fn engine_throughput(n: u64) -> f64 {
    let sb = tables(n).await;
    sb.set_autopilot(Some(Autopilot::Confirm));
    let paid = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = paid.clone();
    let merchant = FnMerchant::new(
        |spot: paysera_scanpay::models::Spot| Some(bill(&spot)),
        move |e: Event| {
            if e.kind == EventKind::SpotClosed {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        },
    );
    let engine = Engine::new(
        sb.client(),
        Arc::new(merchant),
        Arc::new(MemoryStore::new()),
        EngineConfig {
            poll_interval: Duration::ZERO,
            requests_per_minute: 0,
            page_size: 200,
            concurrency: 64,
            ..Default::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    while paid.load(std::sync::atomic::Ordering::Relaxed) < n {
        engine.run_once().await.unwrap();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    sb.shutdown().await;
    rate
}

/// What a merchant writes by hand: walk every page, one request after another.
async fn naive_throughput(n: u64) -> f64 {
    let sb = tables(n).await;
    sb.set_autopilot(Some(Autopilot::Confirm));
    let client: Client = sb.client();
    let started = Instant::now();
    let mut closed = 0;
    let mut spot_of: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    while closed < n {
        let waiting = client
            .iter_spots(SpotQuery {
                status: Some(SpotStatus::Waiting),
                limit: Some(200),
                ..Default::default()
            })
            .collect_all()
            .await
            .unwrap();
        for spot in waiting.iter().filter(|s| s.orders().is_empty()) {
            let tx = client
                .create_transaction(&TransactionRequest::new(bill(spot)))
                .await
                .unwrap();
            client
                .create_spot_order(spot.id, &tx.transaction_key)
                .await
                .unwrap();
            spot_of.insert(tx.transaction_key, spot.id);
        }
        let reserved = client
            .iter_transactions(TransactionQuery {
                statuses: vec![TransactionStatus::Reserved],
                limit: Some(200),
                ..Default::default()
            })
            .collect_all()
            .await
            .unwrap();
        for tx in reserved {
            client
                .confirm_transaction(&tx.transaction_key, None)
                .await
                .unwrap();
            client
                .close_spot(spot_of[&tx.transaction_key])
                .await
                .unwrap();
            closed += 1;
        }
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    sb.shutdown().await;
    rate
}

async fn polling(n: u64) -> (u64, u64) {
    let sb = tables(n).await;
    let engine = Engine::new(
        sb.client(),
        Arc::new(FnMerchant::new(
            |_s: paysera_scanpay::models::Spot| None,
            |_e: Event| {},
        )),
        Arc::new(MemoryStore::new()),
        EngineConfig {
            poll_interval: Duration::ZERO,
            requests_per_minute: 0,
            page_size: 200,
            ..Default::default()
        },
    )
    .unwrap();
    let mut most = 0;
    for _ in 0..3 {
        most = most.max(engine.run_once().await.unwrap().polling_requests);
    }
    let before = sb.requests().len();
    sb.client()
        .iter_spots(SpotQuery {
            status: Some(SpotStatus::Waiting),
            limit: Some(200),
            ..Default::default()
        })
        .collect_all()
        .await
        .unwrap();
    let naive = (sb.requests().len() - before) as u64 + 1; // + one page of reserved transactions
    sb.shutdown().await;
    (most, naive)
}

fn main() {
    let runtime = paysera_scanpay::runtime::new_runtime().unwrap();
    runtime.block_on(async {
        let n = 1000;
        // Interleave the two so neither gets a warmer machine.
        let mut engine = Vec::new();
        let mut naive = Vec::new();
        for _ in 0..3 {
            engine.push(engine_throughput(n).await);
            naive.push(naive_throughput(n).await);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        let (e, b) = (median(&mut engine), median(&mut naive));
        println!(
            "## Cashier throughput, {n} tables scanning at once, poll interval 0 (median of 3)"
        );
        println!("| loop | spots fully paid per second |");
        println!("|---|---|");
        println!("| cashier engine (concurrency 64, pages of 200) | {e:.0} |");
        println!("| sequential hand-written loop, same client | {b:.0} |");
        println!("| ratio | {:.1}x |", e / b);
        println!();
        println!("## Polling requests per tick");
        println!("| waiting spots | cashier engine | walking every page |");
        println!("|---|---|---|");
        for n in [10, 100, 1_000, 10_000] {
            let (engine, naive) = polling(n).await;
            println!("| {n} | {engine} | {naive} |");
        }
    });
}
