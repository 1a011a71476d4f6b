//! The Rust core client's round trip, for the Python and Node benchmarks to compare against in
//! the same run and against the same sandbox (`benchmarks/python/bench.py --vs-rust`,
//! `benchmarks/node/bench.js --vs-rust`; build with `cargo build --release --example
//! round_trip`).
//!
//! ```sh
//! round_trip BASE_URL CLIENT_ID MAC_KEY SPOT_ID [CALLS]
//! ```
//!
//! Makes CALLS (default 2,000) sequential `GET /spot/{id}` calls with `Client::get_spot` over one
//! kept-alive connection, after 100 untimed ones, and prints one line of JSON: the median and
//! mean round trip in microseconds, from a task on the runtime (how a Rust program calls it),
//! and two diagnostics: the median when each call is handed from a plain thread to the runtime
//! and its result sent back over a channel (how Node's Promises and Python's asyncio calls
//! travel), and the median when the plain thread drives the call itself on a current-thread
//! runtime with its own connection (how Python's blocking `Client` runs since 2026-11-30).

use std::time::Instant;

use paysera_scanpay::Client;
use paysera_scanpay::mac::MacCredentials;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, client_id, mac_key, spot, rest @ ..] = args.as_slice() else {
        eprintln!("usage: round_trip BASE_URL CLIENT_ID MAC_KEY SPOT_ID [CALLS]");
        std::process::exit(2);
    };
    let spot: u64 = spot.parse().expect("SPOT_ID is a number");
    let calls: usize = rest.first().map_or(2000, |c| c.parse().expect("CALLS"));
    let client = Client::builder(MacCredentials::new(client_id, mac_key).expect("credentials"))
        .base_url(base_url)
        .build()
        .expect("a client")
        .with_retries(0);
    let runtime = paysera_scanpay::runtime::new_runtime().unwrap();
    // From a task on the runtime, as a Rust program calls it.
    let mut times = runtime
        .block_on(runtime.spawn({
            let client = client.clone();
            async move {
                for _ in 0..100 {
                    client.get_spot(spot).await.expect("the sandbox answers");
                }
                let mut times = Vec::with_capacity(calls);
                for _ in 0..calls {
                    let t = Instant::now();
                    client.get_spot(spot).await.expect("the sandbox answers");
                    times.push(t.elapsed().as_secs_f64() * 1e6);
                }
                times
            }
        }))
        .unwrap();
    let mut handed = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let client = client.clone();
        runtime.spawn(async move {
            let _ = tx.send(client.get_spot(spot).await);
        });
        rx.recv().unwrap().expect("the sandbox answers");
        handed.push(t.elapsed().as_secs_f64() * 1e6);
    }
    // On the calling thread: a current-thread runtime with its own pool, driven by the waiting
    // thread itself (what the Python binding's blocking `wait` does).
    let local_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = client.reconnect().expect("a client");
    let mut on_thread = Vec::with_capacity(calls);
    for i in 0..calls + 100 {
        let t = Instant::now();
        local_runtime
            .block_on(local.get_spot(spot))
            .expect("the sandbox answers");
        if i >= 100 {
            on_thread.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    on_thread.sort_by(f64::total_cmp);
    handed.sort_by(f64::total_cmp);
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        r#"{{"calls": {calls}, "p50_us": {:.2}, "mean_us": {mean:.2}, "handoff_p50_us": {:.2}, "on_thread_p50_us": {:.2}}}"#,
        times[times.len() / 2],
        handed[handed.len() / 2],
        on_thread[on_thread.len() / 2]
    );
}
