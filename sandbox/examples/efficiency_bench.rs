//! The cashier's efficiency against the limit (run with `benchmarks/efficiency/run.sh`, release
//! build): how much of the sandbox's capacity the engine turns into paid tables.
//!
//! - The limits, in this run: the signed, MAC-checked requests per second the sandbox answers
//!   (1) for `GET /spot/{id}`, measured as `sandbox_bench.rs` measures it (the core client, 64 in
//!   flight, 3 s windows), and (2) for the engine's own requests: the same four per spot (create
//!   the transaction, attach it, confirm, close) sent straight from the client, 64 in flight, no
//!   engine, without and with a callback per transaction. A write costs the sandbox more than a
//!   `GET`, and a callback much more (an RSA signature), so (2) is the limit the engine can reach.
//! - The engine: 200 tables checked in (`EFFICIENCY_TABLES`), customers confirming as soon as
//!   the bill arrives (autopilot), callbacks on (an endpoint on 127.0.0.1 handing the sandbox's signed callbacks
//!   to `Engine::handle_callback`) or off, the request budget lifted (`requests_per_minute: 0`),
//!   pages of 200, `run_forever` with the default 3 s poll interval. Spots fully paid
//!   (transaction confirmed, spot closed) per second, times the sandbox requests per spot (from
//!   the sandbox's journal), divided by each limit.
//!
//! Interleaved round by round, median of `EFFICIENCY_ROUNDS` (default 5). Prints Markdown
//! tables. `EFFICIENCY_ONLY=mix|mix-callbacks|engine|engine-callbacks` repeats one measurement
//! and prints nothing, for a profiler.

#[path = "support/callback_endpoint.rs"]
mod callback_endpoint;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use paysera_sandbox::{Autopilot, CALLBACK_PUBLIC_KEY, Sandbox, SandboxConfig};
use paysera_scanpay::callback::{CallbackSigner, CallbackVerifier};
use paysera_scanpay::engine::{Engine, EngineConfig, Event, EventKind, FnMerchant, MemoryStore};
use paysera_scanpay::models::{
    CallbackUri, Money, Payment, PlaceInfo, Spot, SpotStatus, TransactionRequest, TransactionStatus,
};

/// Tables per run unless `EFFICIENCY_TABLES` says otherwise.
const DEFAULT_TABLES: usize = 200;

/// Tables checked in per run (`EFFICIENCY_TABLES`, default [`DEFAULT_TABLES`]).
fn tables() -> usize {
    static TABLES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *TABLES.get_or_init(|| match std::env::var("EFFICIENCY_TABLES") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| panic!("EFFICIENCY_TABLES={v}: expected a whole number above 0")),
        Err(_) => DEFAULT_TABLES,
    })
}
/// The engine runs compared: (concurrency, callbacks on).
const VARIANTS: [(usize, bool); 4] = [(8, true), (64, true), (8, false), (64, false)];
/// The sandbox's callback signing key (the private half is not exported by the crate).
const CALLBACK_PRIVATE_KEY: &str = include_str!("../keys/callback_private_key.pem");

/// Requests per second with `in_flight` tasks issuing `GET /spot/{id}` for `window`: the
/// measurement of `sandbox_bench.rs` (BENCHMARKS.md, "Sandbox capacity"), repeated here so that
/// the limit and the engine share one run.
async fn capacity(in_flight: usize, window: Duration) -> (f64, Cost) {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sandbox
        .create_spot(1, "bench", PlaceInfo::default())
        .unwrap()
        .id;
    let client = sandbox.client().with_retries(0);
    client.get_spot(spot).await.expect("the sandbox answers"); // connect outside the window
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + window;
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let (client, done) = (client.clone(), done.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    client.get_spot(spot).await.expect("the sandbox answers");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let (started, cpu) = (Instant::now(), cpu_seconds());
    for t in tasks {
        t.await.unwrap();
    }
    let cost = Cost {
        wall: started.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - cpu,
    };
    let rate = done.load(Ordering::Relaxed) as f64 / cost.wall;
    sandbox.shutdown().await;
    (rate, cost)
}

/// CPU seconds this process has used (user + system, all threads), from `/proc/self/stat`
/// (clock ticks of 10 ms: coarse, so only sums over the rounds are reported).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Wall and CPU seconds of a measured stretch.
#[derive(Clone, Copy, Default)]
struct Cost {
    wall: f64,
    cpu: f64,
}

/// One engine run: every table paid and closed.
struct EngineRun {
    paid_per_s: f64,
    requests_per_spot: f64,
    /// Sandbox requests by kind, per spot.
    kinds: BTreeMap<String, f64>,
    callbacks_taken: usize,
    callbacks_sent: usize,
    cost: Cost,
}

/// The same four requests per spot the engine makes (create the transaction, attach it,
/// confirm, close), issued straight from the client with 64 in flight, no engine: spots per
/// second the request mix allows on this machine. With `callbacks`, each transaction names an
/// endpoint that answers 200 without reading the body, so the sandbox signs and posts a
/// callback per spot as it does for the engine.
async fn request_mix_bound(callbacks: bool) -> (f64, Cost) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spots: Vec<u64> = (0..tables())
        .map(|i| {
            let s = sb
                .create_spot(1, &format!("t{i}"), PlaceInfo::default())
                .unwrap();
            sb.scan(s.id).unwrap();
            s.id
        })
        .collect();
    sb.set_autopilot(Some(Autopilot::Confirm));
    let client = sb.client().with_retries(0);
    client.get_spot(spots[0]).await.unwrap(); // connect outside the timing
    let (listener, uri) = callback_endpoint::bind().await;
    let sink = tokio::spawn(async move {
        let app = axum::Router::new().route(
            "/paysera/callback",
            axum::routing::post(|| async { axum::http::StatusCode::OK }),
        );
        let _ = axum::serve(listener, app).await;
    });
    let uri = callbacks.then_some(uri);
    let queue = Arc::new(std::sync::Mutex::new(spots));
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (client, queue, uri) = (client.clone(), queue.clone(), uri.clone());
            tokio::spawn(async move {
                loop {
                    let Some(spot) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let bill = vec![Payment::new(
                        format!("table {spot}"),
                        Money::new(1000 + spot as i64, "EUR"),
                    )];
                    let mut request = TransactionRequest::new(bill);
                    request.callback_uri = uri.clone().map(CallbackUri::Url);
                    let tx = client.create_transaction(&request).await.unwrap();
                    client
                        .create_spot_order(spot, &tx.transaction_key)
                        .await
                        .unwrap();
                    client
                        .confirm_transaction(&tx.transaction_key, None)
                        .await
                        .unwrap();
                    client.close_spot(spot).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let cost = Cost {
        wall: started.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - cpu,
    };
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    sink.abort();
    sb.shutdown().await;
    (tables() as f64 / cost.wall, cost)
}

/// CPU per spot and cores busy, summed over the rounds.
fn cpu_columns(costs: impl Iterator<Item = Cost>, rounds: usize) -> String {
    let total = costs.fold(Cost::default(), |a, c| Cost {
        wall: a.wall + c.wall,
        cpu: a.cpu + c.cpu,
    });
    format!(
        "{:.2} ms | {:.1}",
        total.cpu * 1e3 / (tables() * rounds) as f64,
        total.cpu / total.wall
    )
}

/// Microseconds to sign one callback (the sandbox, RSA-2048 PKCS#1 v1.5) and to verify it (the
/// engine), best of 3 × 50.
fn rsa_costs() -> (f64, f64) {
    let signer = CallbackSigner::from_pkcs8_pem(CALLBACK_PRIVATE_KEY).unwrap();
    let verifier = CallbackVerifier::from_pem(CALLBACK_PUBLIC_KEY).unwrap();
    let event = br#"{"type":"reserved","object":"transaction","data":{"transaction_key":"ATaNL6X6CivO2Ou0FMPt","status":"reserved"}}"#;
    let sign = signer.sign(event);
    let (mut s_best, mut v_best) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..50 {
            std::hint::black_box(signer.sign(std::hint::black_box(event)));
        }
        s_best = s_best.min(t.elapsed().as_secs_f64() * 1e6 / 50.0);
        let t = Instant::now();
        for _ in 0..50 {
            assert!(verifier.verify(std::hint::black_box(event), &sign));
        }
        v_best = v_best.min(t.elapsed().as_secs_f64() * 1e6 / 50.0);
    }
    (s_best, v_best)
}

/// `GET /rest/v1/transaction/KEY` → `GET transaction/{key}`.
fn kind(method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_prefix("/rest/v1/").unwrap_or(path);
    let shape: Vec<&str> = path
        .split('/')
        .enumerate()
        .map(|(i, part)| {
            if i == 1 && !part.is_empty() {
                if path.starts_with("spot") {
                    "{id}"
                } else {
                    "{key}"
                }
            } else {
                part
            }
        })
        .collect();
    format!("{method} {}", shape.join("/"))
}

async fn engine_run(concurrency: usize, callbacks: bool) -> EngineRun {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..tables() {
        let s = sb
            .create_spot(1, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan(s.id).unwrap();
    }
    sb.set_autopilot(Some(Autopilot::Confirm));
    let closed = Arc::new(AtomicUsize::new(0));
    let all_closed = Arc::new(tokio::sync::Notify::new());
    let merchant = {
        let (closed, all_closed) = (closed.clone(), all_closed.clone());
        FnMerchant::new(
            |spot: Spot| {
                Some(vec![Payment::new(
                    format!("table {}", spot.id),
                    Money::new(1000 + spot.id as i64, "EUR"),
                )])
            },
            move |e: Event| match e.kind {
                EventKind::SpotClosed if closed.fetch_add(1, Ordering::SeqCst) + 1 == tables() => {
                    all_closed.notify_one();
                }
                EventKind::Error => eprintln!("error event: {:?}", e.message),
                _ => {}
            },
        )
    };
    let (listener, uri) = callback_endpoint::bind().await;
    let uri = callbacks.then_some(uri);
    let engine = Arc::new(
        Engine::new(
            sb.client(),
            Arc::new(merchant),
            Arc::new(MemoryStore::new()),
            EngineConfig {
                requests_per_minute: 0,
                page_size: 200,
                concurrency,
                callback_uri: uri,
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let arrivals = callback_endpoint::Arrivals::default();
    let server = callback_endpoint::serve(listener, engine.clone(), arrivals.clone());

    let (started, cpu) = (Instant::now(), cpu_seconds());
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_forever().await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(120), all_closed.notified())
        .await
        .expect("every table paid and closed within 2 minutes");
    let elapsed = started.elapsed();
    let cost = Cost {
        wall: elapsed.as_secs_f64(),
        cpu: cpu_seconds() - cpu,
    };
    let journal = sb.requests();
    let callbacks_sent = sb.callbacks().len();

    engine.stop();
    runner.await.unwrap();
    server.abort();
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    assert!(
        sb.transactions()
            .iter()
            .all(|t| t.status == TransactionStatus::Confirmed)
    );
    sb.shutdown().await;

    let mut kinds = BTreeMap::new();
    for entry in &journal {
        *kinds.entry(kind(&entry.method, &entry.path)).or_insert(0.0) += 1.0 / tables() as f64;
    }
    let callbacks_taken = arrivals.lock().unwrap().iter().filter(|a| a.2).count();
    EngineRun {
        paid_per_s: tables() as f64 / elapsed.as_secs_f64(),
        requests_per_spot: journal.len() as f64 / tables() as f64,
        kinds,
        callbacks_taken,
        callbacks_sent,
        cost,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("EFFICIENCY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let runtime = paysera_scanpay::runtime::new_runtime().unwrap();
    // For a profiler: `EFFICIENCY_ONLY=mix|mix-callbacks|engine|engine-callbacks` repeats that
    // one measurement for the rounds and prints nothing else.
    if let Ok(only) = std::env::var("EFFICIENCY_ONLY") {
        runtime.block_on(async {
            for _ in 0..rounds {
                match only.as_str() {
                    "mix" => drop(request_mix_bound(false).await),
                    "mix-callbacks" => drop(request_mix_bound(true).await),
                    "engine" => drop(engine_run(8, false).await),
                    "engine-callbacks" => drop(engine_run(8, true).await),
                    other => panic!("EFFICIENCY_ONLY={other}: expected mix, mix-callbacks, engine or engine-callbacks"),
                }
            }
        });
        return;
    }
    let (mut caps, mut mix, mut mix_cb) = (Vec::new(), Vec::new(), Vec::new());
    let mut runs: Vec<Vec<EngineRun>> = VARIANTS.iter().map(|_| Vec::new()).collect();
    runtime.block_on(async {
        // Warm-up: first connections, page faults, the allocator.
        capacity(64, Duration::from_secs(1)).await;
        engine_run(8, true).await;
        for r in 0..rounds {
            eprintln!("round {}/{rounds} ...", r + 1);
            caps.push(capacity(64, Duration::from_secs(3)).await);
            for (i, (c, callbacks)) in VARIANTS.iter().enumerate() {
                runs[i].push(engine_run(*c, *callbacks).await);
            }
            mix.push(request_mix_bound(false).await);
            mix_cb.push(request_mix_bound(true).await);
        }
    });
    let (sign_us, verify_us) = rsa_costs();
    let cap_cost = caps.iter().fold(Cost::default(), |a, c| Cost {
        wall: a.wall + c.1.wall,
        cpu: a.cpu + c.1.cpu,
    });
    let cap_requests: f64 = caps.iter().map(|c| c.0 * c.1.wall).sum();
    let mut caps: Vec<f64> = caps.iter().map(|c| c.0).collect();
    let capacity = median(&mut caps);
    let mix_cols = cpu_columns(mix.iter().map(|m: &(f64, Cost)| m.1), rounds);
    let mix_cb_cols = cpu_columns(mix_cb.iter().map(|m: &(f64, Cost)| m.1), rounds);
    println!(
        "### Efficiency against the limit, {} tables, budget lifted (median of {rounds}, interleaved)",
        tables()
    );
    println!();
    println!(
        "| measure | spots fully paid / s | requests per spot | requests / s | share of the limit for the same requests | share of the `GET` capacity | process CPU per spot | cores busy |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| limit: sandbox capacity, signed MAC-checked `GET /spot/{{id}}`, 64 in flight | | | {capacity:.0} | | 100 % | {:.3} ms per request | {:.1} |",
        cap_cost.cpu * 1e3 / cap_requests,
        cap_cost.cpu / cap_cost.wall
    );
    // The limit for the engine's own requests: the same four per spot, straight from the client.
    for (label, limit, cols) in [
        ("no callbacks", &mix, &mix_cols),
        (
            "each transaction with a callback URL (the sandbox signs and posts one callback per spot)",
            &mix_cb,
            &mix_cb_cols,
        ),
    ] {
        let mut rates: Vec<f64> = limit.iter().map(|m| m.0).collect();
        let rate = median(&mut rates);
        println!(
            "| limit: the engine's 4 requests per spot straight from the client, 64 in flight, {label} | {rate:.0} | 4 | {:.0} | 100 % | {:.0} % | {cols} |",
            rate * 4.0,
            rate * 4.0 / capacity * 100.0
        );
    }
    for (i, (c, callbacks)) in VARIANTS.iter().enumerate() {
        let limit = if *callbacks { &mix_cb } else { &mix };
        let mut rates: Vec<f64> = runs[i].iter().map(|r| r.paid_per_s).collect();
        let mut per_spot: Vec<f64> = runs[i].iter().map(|r| r.requests_per_spot).collect();
        let mut of_get: Vec<f64> = runs[i]
            .iter()
            .map(|r| r.paid_per_s * r.requests_per_spot / capacity)
            .collect();
        // Each round's engine run against the same round's limit (run minutes apart at most).
        let mut of_limit: Vec<f64> = runs[i]
            .iter()
            .zip(limit.iter())
            .map(|(r, m)| r.paid_per_s * r.requests_per_spot / (m.0 * 4.0))
            .collect();
        let (rate, per_spot, of_get, of_limit) = (
            median(&mut rates),
            median(&mut per_spot),
            median(&mut of_get),
            median(&mut of_limit),
        );
        let bold = if *c == 8 { "**" } else { "" };
        println!(
            "| engine, concurrency {c}{}, callbacks {} | {rate:.0} | {per_spot:.2} | {:.0} | {bold}{:.0} %{bold} | {:.0} % | {} |",
            if *c == 8 { " (default)" } else { "" },
            if *callbacks { "on" } else { "off" },
            rate * per_spot,
            of_limit * 100.0,
            of_get * 100.0,
            cpu_columns(runs[i].iter().map(|r| r.cost), rounds)
        );
    }
    println!();
    let last = runs[0].last().unwrap();
    println!("| where a spot's requests go (concurrency 8, callbacks on, last round) | per spot |");
    println!("|---|---|");
    for (k, v) in &last.kinds {
        println!("| `{k}` | {v:.2} |");
    }
    println!(
        "| callbacks the sandbox signed and posted / the engine took | {:.2} / {:.2} |",
        last.callbacks_sent as f64 / tables() as f64,
        last.callbacks_taken as f64 / tables() as f64
    );
    println!("| RSA-2048 signature of one callback (sandbox side) | {sign_us:.0} µs |");
    println!("| RSA-2048 verification of one callback (engine side) | {verify_us:.0} µs |");
}
