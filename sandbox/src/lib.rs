//! A stateful Paysera Wallet API simulator for Scan and Pay.
//!
//! It speaks the merchant API of `/rest/v1` with real MAC authentication and Paysera's state
//! machines, lets a test play the customer (scan, confirm, reject), advance the clock, inject
//! faults and read the journal of requests — as Rust methods or over `/_sandbox/...`.
//!
//! ```no_run
//! # async fn run() {
//! use paysera_sandbox::{Sandbox, SandboxConfig};
//! use paysera_scanpay::models::PlaceInfo;
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
//! let spot = sandbox.create_spot(1, "table1", PlaceInfo::default()).unwrap();
//! sandbox.scan(spot.id).unwrap(); // a customer scans PAYSERA*1:table1
//! let client = sandbox.client(); // a paysera_scanpay::Client for the sandbox
//! # sandbox.shutdown().await;
//! # }
//! ```

#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod dashboard;
mod faults;
mod records;
mod sandbox;
mod server;
mod shared;
mod state;

pub use config::{
    ClientCredentials, DEFAULT_PORT, RateLimit, SAMPLE_CLIENT_ID, SAMPLE_MAC_KEY, SandboxConfig,
};
pub use faults::{FaultKind, FaultRule};
pub use records::{CallbackRecord, JournalEntry};
pub use sandbox::{CALLBACK_PUBLIC_KEY, Sandbox};
pub use state::{ApiFailure, Autopilot, SpotRef};

/// The Rust examples of the README and of every page of docs/ (core, cashier and sandbox),
/// compiled, and run unless marked `no_run`, by `cargo test --doc`. This crate hosts them because
/// they use both crates. tests/python/test_readme.py checks that every page is listed here.
#[cfg(doctest)]
pub mod doc_examples {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/cashier.md")]
    pub struct Cashier;
    #[doc = include_str!("../../docs/deployment.md")]
    pub struct Deployment;
    #[doc = include_str!("../../docs/django.md")]
    pub struct Django;
    #[doc = include_str!("../../docs/going-live.md")]
    pub struct GoingLive;
    #[doc = include_str!("../../docs/node.md")]
    pub struct Node;
    #[doc = include_str!("../../docs/python.md")]
    pub struct Python;
    #[doc = include_str!("../../docs/rust.md")]
    pub struct Rust;
    #[doc = include_str!("../../docs/sandbox.md")]
    pub struct Sandbox;
    #[doc = include_str!("../../docs/troubleshooting.md")]
    pub struct Troubleshooting;
}
