//! How long creating a `Client` takes (run with `cargo run --release -p paysera-scanpay --example
//! client_creation`): the client as it is now, beside a bare reqwest client with reqwest's own
//! TLS defaults (what every `Client` built before its TLS settings were shared), alternating,
//! best of 5 rounds of 200.

use std::time::Instant;

use paysera_scanpay::{Client, MacCredentials};

fn per_call(f: &dyn Fn()) -> f64 {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..200 {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / 200.0
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let credentials = MacCredentials::new("bench-client", "bench-mac-key").unwrap();
    let client = || drop(Client::builder(credentials.clone()).build().unwrap());
    let bare = || drop(reqwest::Client::builder().build().unwrap());
    client(); // the process's provider and shared TLS settings, outside the timing
    let (ours, theirs) = (per_call(&client), per_call(&bare));
    println!("| creating a client | µs |");
    println!("|---|---|");
    println!("| `Client::builder(..).build()` (certificate verifier shared) | {ours:.1} |");
    println!(
        "| bare `reqwest::Client::builder().build()` (root certificates read and parsed each time) | {theirs:.1} |"
    );
}
