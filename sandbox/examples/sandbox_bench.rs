//! Sandbox capacity benchmark (run with `benchmarks/sandbox/run.sh`, release build). Prints the
//! Markdown section of BENCHMARKS.md.
//!
//! 1. Capacity: signed requests the sandbox answers per second, every one MAC-checked (HMAC,
//!    timestamp window, nonce replay), from the core client over loopback: `GET /spot/{id}`
//!    with 1 and 64 requests in flight. Client and sandbox share the machine's cores, as they do
//!    in a test suite.
//! 2. Round trip of the pure Rust core client (sequential `GET /spot/{id}`): p50 and p99.
//! 3. The `Authorization` parser: the quote-aware `MacHeader::parse` beside the naive parser it
//!    replaced (split on `,` then `=`; wrong for nonces holding a comma, kept here only as the
//!    baseline), per header, and what the difference costs per request at the measured capacity.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::mac::{MacCredentials, MacHeader, MacSigner};
use paysera_scanpay::models::PlaceInfo;

const ROUNDS: usize = 3;

/// Requests per second with `in_flight` tasks issuing `GET /spot/{id}` for `window`.
async fn capacity(sandbox: &Sandbox, spot: u64, in_flight: usize, window: Duration) -> f64 {
    let client = sandbox.client().with_retries(0);
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
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// Sequential round trips: (p50, p99) in microseconds. Run in a spawned task, like the
/// capacity loops (the main task of `#[tokio::main]` is not on a worker thread).
async fn round_trip(client: paysera_scanpay::Client, spot: u64, n: usize) -> (f64, f64) {
    let mut times: Vec<f64> = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.get_spot(spot).await.expect("the sandbox answers");
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    (times[n / 2], times[n * 99 / 100])
}

/// The parser `MacHeader::parse` replaced, as the baseline: split on `,`, then on `=`.
fn naive_parse(header: &str) -> Option<[String; 5]> {
    let rest = header.strip_prefix("MAC ")?;
    let mut out: [String; 5] = Default::default();
    for field in rest.split(',') {
        let (name, value) = field.trim().split_once('=')?;
        let value = value.strip_prefix('"')?.strip_suffix('"')?.to_owned();
        let slot = ["id", "ts", "nonce", "mac", "ext"]
            .iter()
            .position(|n| *n == name)?;
        out[slot] = value;
    }
    Some(out)
}

/// Nanoseconds per header, best of [`ROUNDS`].
fn per_header(headers: &[String], parse: impl Fn(&str) -> bool) -> f64 {
    let reps = 200;
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let mut ok = 0usize;
        for _ in 0..reps {
            for h in headers {
                ok += usize::from(parse(std::hint::black_box(h)));
            }
        }
        assert_eq!(ok, reps * headers.len(), "every header parses");
        best = best.min(t.elapsed().as_nanos() as f64 / (reps * headers.len()) as f64);
    }
    best
}

fn headers() -> Vec<String> {
    let signer = MacSigner::new(
        MacCredentials::new("wkVd93h2uS", "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU").unwrap(),
    );
    let body = br#"{"payments":[{"description":"Table 4","price":2598,"currency":"EUR"}]}"#;
    (0..1000)
        .map(|i| {
            let (method, body): (&str, &[u8]) = if i % 2 == 0 {
                ("GET", b"")
            } else {
                ("POST", body)
            };
            // Alphanumeric nonces, which the naive parser also reads correctly.
            signer
                .authorization(
                    method,
                    "https://wallet.paysera.com/rest/v1/transaction",
                    body,
                    &[],
                    None,
                    None,
                )
                .unwrap()
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let spot = sandbox
        .create_spot(1, "bench", PlaceInfo::default())
        .unwrap()
        .id;
    let window = Duration::from_secs(3);

    capacity(&sandbox, spot, 64, Duration::from_secs(1)).await; // warm-up
    let mut one = Vec::new();
    let mut many = Vec::new();
    for _ in 0..ROUNDS {
        one.push(capacity(&sandbox, spot, 1, window).await);
        many.push(capacity(&sandbox, spot, 64, window).await);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, many) = (median(&mut one), median(&mut many));
    let client = sandbox.client().with_retries(0);
    let (p50, p99) = tokio::spawn(round_trip(client, spot, 5000)).await.unwrap();

    let hs = headers();
    let quote_aware = per_header(&hs, |h| MacHeader::parse(h).is_ok());
    let naive = per_header(&hs, |h| naive_parse(h).is_some());
    let request_ns = 1e9 / many;
    let share = (quote_aware - naive) / request_ns * 100.0;

    println!("| Measure | Result |");
    println!("|---|---|");
    println!(
        "| Signed, MAC-checked requests/s, 64 in flight (median of {ROUNDS} × 3 s) | **{many:.0}** |"
    );
    println!("| Signed, MAC-checked requests/s, 1 in flight | {one:.0} |");
    println!(
        "| Core client round trip, sequential `GET /spot/{{id}}`, p50 / p99 | {p50:.0} µs / {p99:.0} µs |"
    );
    println!("| `MacHeader::parse` (quote-aware), per header | {quote_aware:.0} ns |");
    println!("| Naive split parser it replaced (baseline), per header | {naive:.0} ns |");
    println!(
        "| Ratio quote-aware / naive | {:.2}× |",
        quote_aware / naive
    );
    println!(
        "| Parser difference as a share of one request at 64 in flight ({request_ns:.0} ns) | {share:+.2} % (limit: a 5 % drop) |"
    );
}
