//! Tap-to-paid latency (run with `benchmarks/latency/run.sh`, release build): from the moment a
//! customer confirms in the app (the sandbox's `Sandbox::confirm`) until the cashier has
//! confirmed the transaction and closed the spot (its `spot_closed` event, which follows the
//! close call's answer and comes after `paid`).
//!
//! 200 tables check in and get their bills; then each customer confirms at a random moment
//! (seeded, uniform over a window) so the result is a distribution, not one burst. Two modes,
//! side by side in the same run, with the same schedule, interleaved round by round:
//!
//! - polling only: the default poll interval (3 s);
//! - callbacks: the cashier's `callback_uri` points at an endpoint this benchmark serves on
//!   127.0.0.1, which hands the raw body of the sandbox's real signed callback to
//!   `Engine::handle_callback`.
//!
//! Everything else is the default configuration except the request budget, which is lifted
//! (`requests_per_minute: 0`): the default 60 a minute cannot serve 200 tables in minutes, and
//! the budget is not what this measures. Prints Markdown tables and writes an SVG of the two
//! distributions (CDFs on a log-ms axis) to `benchmarks/latency/latency.svg`, or to the path
//! given as the first argument.
//!
//! `LATENCY_ROUNDS` (default 2) and `LATENCY_WINDOW_S` (default 30) change the rounds per mode
//! and the window over which the 200 customers confirm.

#[path = "support/callback_endpoint.rs"]
mod callback_endpoint;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::engine::{Engine, EngineConfig, Event, EventKind, FnMerchant, MemoryStore};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, Spot, SpotStatus, TransactionStatus};

const TABLES: usize = 200;
const SEED: u64 = 0x5eed_2026_1130;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Polling,
    Callbacks,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Polling => "polling only (poll interval 3 s)",
            Mode::Callbacks => "callbacks (+ polling every 3 s)",
        }
    }
}

/// What the merchant's event handler saw, by spot.
#[derive(Default)]
struct Seen {
    ordered: HashMap<u64, String>,
    paid: HashMap<u64, Instant>,
    closed: HashMap<u64, Instant>,
}

/// One customer's tap to paid.
struct Sample {
    total_ms: f64,
    /// Tap to the callback reaching the endpoint (callbacks mode).
    callback_ms: Option<f64>,
}

/// splitmix64: a seeded schedule without a dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn round(mode: Mode, window: Duration, seed: u64) -> Vec<Sample> {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spots: Vec<u64> = (0..TABLES)
        .map(|i| {
            let s = sb
                .create_spot(1, &format!("t{i}"), PlaceInfo::default())
                .unwrap();
            sb.scan(s.id).unwrap();
            s.id
        })
        .collect();

    let seen = Arc::new(Mutex::new(Seen::default()));
    let on_event = {
        let seen = seen.clone();
        move |e: Event| {
            let now = Instant::now();
            let mut s = seen.lock().unwrap();
            match e.kind {
                EventKind::OrderCreated => {
                    s.ordered
                        .insert(e.spot_id, e.transaction_key.expect("an order has a key"));
                }
                EventKind::Paid => {
                    s.paid.insert(e.spot_id, now);
                }
                EventKind::SpotClosed => {
                    s.closed.insert(e.spot_id, now);
                }
                EventKind::Error => eprintln!("error event: {:?}", e.message),
                _ => {}
            }
        }
    };
    let merchant = FnMerchant::new(
        |spot: Spot| {
            Some(vec![Payment::new(
                format!("table {}", spot.id),
                Money::new(1000 + spot.id as i64, "EUR"),
            )])
        },
        on_event,
    );
    let (listener, callback_uri) = match mode {
        Mode::Callbacks => {
            let (listener, uri) = callback_endpoint::bind().await;
            (Some(listener), Some(uri))
        }
        Mode::Polling => (None, None),
    };
    let engine = Arc::new(
        Engine::new(
            sb.client(),
            Arc::new(merchant),
            Arc::new(MemoryStore::new()),
            EngineConfig {
                requests_per_minute: 0,
                callback_uri,
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let arrivals = callback_endpoint::Arrivals::default();
    let server = listener.map(|l| callback_endpoint::serve(l, engine.clone(), arrivals.clone()));
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_forever().await.unwrap() })
    };

    wait_for("every table's bill", Duration::from_secs(120), || {
        seen.lock().unwrap().ordered.len() == TABLES
    })
    .await;

    // The customers: each taps confirm at a seeded random moment of the window.
    let mut rng = SplitMix(seed);
    let mut plan: Vec<(Duration, u64, String)> = {
        let s = seen.lock().unwrap();
        spots
            .iter()
            .map(|id| (window.mul_f64(rng.next_f64()), *id, s.ordered[id].clone()))
            .collect()
    };
    plan.sort_by_key(|p| p.0);
    let start = tokio::time::Instant::now();
    let mut tapped: HashMap<u64, Instant> = HashMap::new();
    for (offset, spot, key) in &plan {
        tokio::time::sleep_until(start + *offset).await;
        tapped.insert(*spot, Instant::now());
        sb.confirm(key).expect("the customer can confirm the bill");
    }
    wait_for(
        "every table paid and closed",
        Duration::from_secs(60),
        || seen.lock().unwrap().closed.len() == TABLES,
    )
    .await;

    engine.stop();
    runner.await.unwrap();
    if let Some(server) = server {
        server.abort();
    }
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    assert!(
        sb.transactions()
            .iter()
            .all(|t| t.status == TransactionStatus::Confirmed)
    );
    sb.shutdown().await;

    let seen = seen.lock().unwrap();
    let arrivals = arrivals.lock().unwrap();
    plan.iter()
        .map(|(_, spot, key)| {
            let (tap, paid, closed) = (tapped[spot], seen.paid[spot], seen.closed[spot]);
            assert!(paid <= closed, "paid is reported before the spot is closed");
            let callback = arrivals
                .iter()
                .filter(|(k, _, _)| k == key)
                .map(|(_, at, _)| *at)
                .min();
            Sample {
                total_ms: ms(closed - tap),
                callback_ms: callback.map(|at| ms(at.saturating_duration_since(tap))),
            }
        })
        .collect()
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// CDFs of the modes on a log-ms axis, hand-written SVG.
fn svg(series: &[(Mode, &[f64])], title: &str) -> String {
    let (w, h) = (760.0, 480.0);
    let (left, right, top, bottom) = (70.0, 720.0, 50.0, 370.0);
    let all = series.iter().flat_map(|(_, v)| v.iter().copied());
    let (lo, hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo_dec = lo.max(0.01).log10().floor().min(0.0);
    let hi_dec = hi.max(1000.0).log10().ceil();
    let x = |v: f64| {
        left + (v.max(10f64.powf(lo_dec)).log10() - lo_dec) / (hi_dec - lo_dec) * (right - left)
    };
    let y = |f: f64| bottom - f * (bottom - top);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{title}</text>"#,
        w / 2.0
    );
    // Grid: decades labelled, 2..9 faint; quarters of the fraction.
    let mut d = lo_dec;
    while d <= hi_dec {
        let v = 10f64.powf(d);
        let label = if v >= 1000.0 {
            format!("{} s", v / 1000.0)
        } else {
            format!("{v} ms")
        };
        let xv = x(v);
        let _ = writeln!(
            s,
            r##"<line x1="{xv:.1}" y1="{top}" x2="{xv:.1}" y2="{bottom}" stroke="#bbb"/><text x="{xv:.1}" y="{}" text-anchor="middle">{label}</text>"##,
            bottom + 18.0
        );
        if d < hi_dec {
            for k in 2..10 {
                let xm = x(v * f64::from(k));
                let _ = writeln!(
                    s,
                    r##"<line x1="{xm:.1}" y1="{top}" x2="{xm:.1}" y2="{bottom}" stroke="#eee"/>"##
                );
            }
        }
        d += 1.0;
    }
    for q in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let yq = y(q);
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{yq:.1}" x2="{right}" y2="{yq:.1}" stroke="#bbb"/><text x="{}" y="{:.1}" text-anchor="end">{}%</text>"##,
            left - 6.0,
            yq + 4.0,
            q * 100.0
        );
    }
    let y99 = y(0.99);
    let _ = writeln!(
        s,
        r##"<line x1="{left}" y1="{y99:.1}" x2="{right}" y2="{y99:.1}" stroke="#999" stroke-dasharray="2 3"/><text x="{}" y="{:.1}">p99</text>"##,
        right + 4.0,
        y99 + 4.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">confirm in the app → transaction confirmed and spot closed (log scale)</text>"#,
        (left + right) / 2.0,
        bottom + 40.0
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle">fraction of customers</text>"#,
        (top + bottom) / 2.0
    );
    // The target: p99 ≤ 100 ms with callbacks.
    let xt = x(100.0);
    let _ = writeln!(
        s,
        r##"<line x1="{xt:.1}" y1="{top}" x2="{xt:.1}" y2="{bottom}" stroke="#c33" stroke-dasharray="5 4"/><text x="{:.1}" y="{}" fill="#c33">target p99 ≤ 100 ms</text>"##,
        xt + 4.0,
        top + 40.0
    );
    let colours = ["#1f6fb4", "#e07b00"];
    for (i, (mode, values)) in series.iter().enumerate() {
        let n = values.len() as f64;
        let mut points = format!("{:.1},{:.1}", x(values[0]), y(0.0));
        for (k, v) in values.iter().enumerate() {
            let xv = x(*v);
            let _ = write!(
                points,
                " {xv:.1},{:.1} {xv:.1},{:.1}",
                y(k as f64 / n),
                y((k + 1) as f64 / n)
            );
        }
        let colour = colours[i % colours.len()];
        let _ = writeln!(
            s,
            r#"<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
        let ly = bottom + 66.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{}">{}: n {}, p50 {}, p95 {}, p99 {}</text>"#,
            left + 12.0,
            left + 36.0,
            left + 42.0,
            ly + 4.0,
            mode.label(),
            values.len(),
            fmt_ms(pct(values, 50.0)),
            fmt_ms(pct(values, 95.0)),
            fmt_ms(pct(values, 99.0)),
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        right - left,
        bottom - top
    );
    s.push_str("</svg>\n");
    s
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env_or("LATENCY_ROUNDS", 2);
    let window = Duration::from_secs(env_or("LATENCY_WINDOW_S", 30));
    let out = std::env::args().nth(1).unwrap_or_else(|| {
        format!(
            "{}/../benchmarks/latency/latency.svg",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let runtime = paysera_scanpay::runtime::new_runtime().unwrap();
    let mut results: Vec<(Mode, Vec<Sample>)> =
        vec![(Mode::Polling, Vec::new()), (Mode::Callbacks, Vec::new())];
    runtime.block_on(async {
        for r in 0..rounds {
            // Same schedule for both modes in a round; alternate which goes first.
            let order = if r % 2 == 0 { [0, 1] } else { [1, 0] };
            for i in order {
                let mode = results[i].0;
                eprintln!("round {}/{rounds}: {mode:?} ...", r + 1);
                let samples = round(mode, window, SEED + r).await;
                results[i].1.extend(samples);
            }
        }
    });

    let totals: Vec<(Mode, Vec<f64>)> = results
        .iter()
        .map(|(m, s)| (*m, sorted(s.iter().map(|x| x.total_ms).collect())))
        .collect();
    let n = totals[0].1.len();
    println!(
        "### Tap to paid, {TABLES} tables, confirms spread over {} s (seeded), {rounds} rounds per mode",
        window.as_secs()
    );
    println!();
    println!("| mode | n | p50 | p95 | p99 | max | target |");
    println!("|---|---|---|---|---|---|---|");
    for (mode, v) in &totals {
        let target = match mode {
            Mode::Callbacks if pct(v, 99.0) <= 100.0 => "p99 ≤ 100 ms: **met**",
            Mode::Callbacks => "p99 ≤ 100 ms: **missed**",
            Mode::Polling => "(baseline)",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {target} |",
            mode.label(),
            v.len(),
            fmt_ms(pct(v, 50.0)),
            fmt_ms(pct(v, 95.0)),
            fmt_ms(pct(v, 99.0)),
            fmt_ms(v[v.len() - 1]),
        );
    }
    let (p, c) = (&totals[0].1, &totals[1].1);
    println!(
        "| ratio polling / callbacks | | {:.0}× | {:.0}× | {:.0}× | | |",
        pct(p, 50.0) / pct(c, 50.0),
        pct(p, 95.0) / pct(c, 95.0),
        pct(p, 99.0) / pct(c, 99.0)
    );
    println!();
    // Where the callback mode's time goes.
    let cb = &results[1].1;
    let to_callback = sorted(cb.iter().filter_map(|s| s.callback_ms).collect());
    let after_callback = sorted(
        cb.iter()
            .filter_map(|s| s.callback_ms.map(|c| s.total_ms - c))
            .collect(),
    );
    if !to_callback.is_empty() {
        println!("| callbacks mode, split | n | p50 | p95 | p99 |");
        println!("|---|---|---|---|---|");
        for (what, v) in [
            (
                "confirm → signed callback reaches the endpoint",
                &to_callback,
            ),
            (
                "callback → transaction confirmed and spot closed",
                &after_callback,
            ),
        ] {
            println!(
                "| {what} | {} | {} | {} | {} |",
                v.len(),
                fmt_ms(pct(v, 50.0)),
                fmt_ms(pct(v, 95.0)),
                fmt_ms(pct(v, 99.0)),
            );
        }
    }
    let series: Vec<(Mode, &[f64])> = totals.iter().map(|(m, v)| (*m, v.as_slice())).collect();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let title = format!(
        "Tap to paid, {TABLES} tables, {n} customers per mode ({cpus} CPUs, release build)"
    );
    std::fs::write(&out, svg(&series, &title)).expect("the SVG is written");
    eprintln!("wrote {out}");
}
