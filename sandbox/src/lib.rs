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
pub mod faults;
mod server;
pub mod state;

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

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use paysera_scanpay::callback::CallbackSigner;
use paysera_scanpay::mac::MacCredentials;
use paysera_scanpay::models::{PlaceInfo, Spot, Transaction};
use serde::{Deserialize, Serialize};

pub use faults::{FaultKind, FaultRule};
pub use state::{ApiFailure, Autopilot, SpotRef};

use faults::ActiveRule;
use state::{PendingCallback, World};

/// Paysera's published sample client id; registered when no client is configured, so the
/// guide's examples work verbatim.
pub const SAMPLE_CLIENT_ID: &str = "wkVd93h2uS";
/// Paysera's published sample MAC key (a public test value, not a secret).
pub const SAMPLE_MAC_KEY: &str = "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU";

const CALLBACK_PRIVATE_KEY: &str = include_str!("../keys/callback_private_key.pem");
/// The public half of the sandbox's callback signing key (served at `/publickey`).
pub const CALLBACK_PUBLIC_KEY: &str = include_str!("../keys/callback_public_key.pem");

/// A registered merchant client.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub mac_key: String,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("mac_key", &"<redacted>")
            .finish()
    }
}

/// How to start a sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Registered clients; Paysera's sample credentials when empty.
    pub clients: Vec<ClientCredentials>,
    /// Accepted clock skew of `ts`, seconds either way (default 300).
    pub timestamp_window: i64,
    /// The `project_id` of created transactions.
    pub project_id: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            clients: Vec::new(),
            timestamp_window: 300,
            project_id: 19019492,
        }
    }
}

/// One request the sandbox received, with its parsed MAC fields and the status it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub seq: u64,
    pub method: String,
    /// Path and query as received.
    pub path: String,
    pub client_id: Option<String>,
    pub ts: Option<String>,
    pub nonce: Option<String>,
    pub ext: Option<String>,
    /// Status answered; 0 when the connection was dropped instead.
    pub status: u16,
    /// Paysera error code answered, if any.
    pub error: Option<String>,
    /// The injected fault that hit this request, if any.
    pub fault: Option<String>,
    pub correlation_id: String,
}

/// A callback the sandbox POSTed (or tried to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackRecord {
    pub uri: String,
    pub event_type: String,
    pub transaction_key: String,
    /// The exact `event` string sent (what `sign` covers).
    pub event: String,
    pub sign: String,
    /// HTTP status of the receiver, when it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// A per-client request budget (fixed windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub requests: u32,
    pub per_seconds: u32,
}

/// Nonces seen inside the timestamp window, expired in arrival order (O(1) amortized).
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: HashMap<(String, String), i64>,
    order: std::collections::VecDeque<(i64, (String, String))>,
}

impl NonceCache {
    /// False when `(client, nonce)` was already used within `window` seconds of `now`.
    pub fn check_and_insert(&mut self, key: (String, String), now: i64, window: i64) -> bool {
        while let Some((at, _)) = self.order.front() {
            if *at >= now - window {
                break;
            }
            if let Some((at, old)) = self.order.pop_front()
                && self.seen.get(&old) == Some(&at)
            {
                self.seen.remove(&old);
            }
        }
        if self.seen.contains_key(&key) {
            return false;
        }
        self.seen.insert(key.clone(), now);
        self.order.push_back((now, key));
        true
    }

    pub fn clear(&mut self) {
        self.seen.clear();
        self.order.clear();
    }
}

/// Per client: start of the current window and requests counted in it.
pub(crate) type RateWindows = HashMap<String, (i64, u32)>;

pub(crate) struct Shared {
    pub world: Mutex<World>,
    pub project_id: u64,
    pub clients: HashMap<String, MacCredentials>,
    pub first_client: ClientCredentials,
    pub window: i64,
    pub nonces: Mutex<NonceCache>,
    pub journal: Mutex<Vec<JournalEntry>>,
    pub faults: Mutex<Vec<ActiveRule>>,
    pub rate_limit: Mutex<Option<(RateLimit, RateWindows)>>,
    pub callbacks: Arc<Mutex<Vec<CallbackRecord>>>,
    pub signer: CallbackSigner,
    pub http: reqwest::Client,
    pub runtime: tokio::runtime::Handle,
    pub base_url: String,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock must not wedge every later test request.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    pub fn reset(&self) {
        *self.world() = World::new(self.project_id);
        lock(&self.journal).clear();
        lock(&self.faults).clear();
        lock(&self.nonces).clear();
        *lock(&self.rate_limit) = None;
        lock(&self.callbacks).clear();
    }

    pub fn inject_fault(&self, rule: FaultRule) -> Result<(), ApiFailure> {
        rule.validate()
            .map_err(|e| ApiFailure::invalid_parameter("fault", e))?;
        lock(&self.faults).push(ActiveRule::new(rule));
        Ok(())
    }

    pub fn set_rate_limit(&self, limit: Option<RateLimit>) -> Result<(), ApiFailure> {
        if let Some(l) = limit
            && (l.requests == 0 || l.per_seconds == 0)
        {
            return Err(ApiFailure::invalid_parameter(
                "rate_limit",
                "requests and per_seconds must be positive",
            ));
        }
        *lock(&self.rate_limit) = limit.map(|l| (l, HashMap::new()));
        Ok(())
    }

    /// POSTs callbacks in the background, as Paysera does after a state change.
    pub fn deliver(&self, callbacks: Vec<PendingCallback>) {
        for cb in callbacks {
            let event = serde_json::json!({
                "type": cb.event_type,
                "object": "transaction",
                "data": cb.transaction,
            })
            .to_string();
            let sign = self.signer.sign(event.as_bytes());
            let body = format!(
                "event={}&sign={}",
                paysera_scanpay::mac::form_urlencode(&event),
                paysera_scanpay::mac::form_urlencode(&sign)
            );
            let http = self.http.clone();
            let log = self.callbacks.clone();
            let mut record = CallbackRecord {
                uri: cb.uri.clone(),
                event_type: cb.event_type.clone(),
                transaction_key: cb.transaction.transaction_key.clone(),
                event,
                sign,
                status: None,
                error: None,
            };
            self.runtime.spawn(async move {
                let result = http
                    .post(&record.uri)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await;
                match result {
                    Ok(resp) => record.status = Some(resp.status().as_u16()),
                    Err(e) => record.error = Some(e.without_url().to_string()),
                }
                lock(&log).push(record);
            });
        }
    }
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] waits for that.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.shared.base_url)
            .field("client_id", &self.shared.first_client.client_id)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds, starts serving on the current tokio runtime and returns at once.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let clients = if config.clients.is_empty() {
            vec![ClientCredentials {
                client_id: SAMPLE_CLIENT_ID.to_owned(),
                mac_key: SAMPLE_MAC_KEY.to_owned(),
            }]
        } else {
            config.clients.clone()
        };
        let mut registered = HashMap::new();
        for c in &clients {
            let creds = MacCredentials::new(&c.client_id, &c.mac_key).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
            })?;
            registered.insert(c.client_id.clone(), creds);
        }
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        let host = match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        paysera_scanpay::client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(std::io::Error::other)?;
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(config.project_id)),
            project_id: config.project_id,
            clients: registered,
            first_client: clients[0].clone(),
            window: config.timestamp_window,
            nonces: Mutex::new(NonceCache::default()),
            journal: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            rate_limit: Mutex::new(None),
            callbacks: Arc::new(Mutex::new(Vec::new())),
            signer: CallbackSigner::from_pkcs8_pem(CALLBACK_PRIVATE_KEY)
                .map_err(|e| std::io::Error::other(e.to_string()))?,
            http,
            runtime: tokio::runtime::Handle::current(),
            base_url: format!("http://{host}:{}", addr.port()),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                log::error!(target: "paysera_sandbox", "server stopped: {e}");
            }
        });
        log::info!(target: "paysera_sandbox", "sandbox listening on {}", shared.base_url);
        Ok(Sandbox {
            shared,
            addr,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// `http://127.0.0.1:PORT`: give it to a client as its base URL.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first registered client's id.
    pub fn client_id(&self) -> &str {
        &self.shared.first_client.client_id
    }

    /// The first registered client's MAC key.
    pub fn mac_key(&self) -> &str {
        &self.shared.first_client.mac_key
    }

    /// A core client for the first registered client, pointed at this sandbox.
    pub fn client(&self) -> paysera_scanpay::Client {
        self.client_builder()
            .build()
            .expect("sandbox credentials and URL are valid")
    }

    /// A builder for such a client, to adjust timeouts or retries.
    pub fn client_builder(&self) -> paysera_scanpay::ClientBuilder {
        let creds = self
            .shared
            .clients
            .get(&self.shared.first_client.client_id)
            .expect("first client is registered")
            .clone();
        paysera_scanpay::Client::builder(creds).base_url(&self.shared.base_url)
    }

    /// Creates or updates a location (its place info is shown on its spots).
    pub fn create_location(&self, location_id: u64, place: PlaceInfo) -> PlaceInfo {
        self.shared.world().upsert_location(location_id, place)
    }

    /// A free spot (table, till) at a location, printed as `PAYSERA*{location}:{identifier}`.
    pub fn create_spot(
        &self,
        location_id: u64,
        identifier: &str,
        place: PlaceInfo,
    ) -> Result<Spot, ApiFailure> {
        self.shared
            .world()
            .create_spot(location_id, identifier, place)
    }

    /// A customer scans the spot (by id, or by its QR code text).
    pub fn scan(&self, spot: impl Into<SpotRef>) -> Result<Spot, ApiFailure> {
        self.shared.world().scan(&spot.into(), None)
    }

    /// A given customer (user id) scans the spot.
    pub fn scan_as(&self, spot: impl Into<SpotRef>, user_id: u64) -> Result<Spot, ApiFailure> {
        self.shared.world().scan(&spot.into(), Some(user_id))
    }

    /// The customer confirms the transaction in the app: it becomes `reserved` (or `confirmed`
    /// with `auto_confirm`) and a callback is sent if it has a `callback_uri`.
    pub fn confirm(&self, transaction_key: &str) -> Result<Transaction, ApiFailure> {
        let (tx, cbs) = self
            .shared
            .world()
            .customer_confirm(transaction_key, None)?;
        self.shared.deliver(cbs);
        Ok(tx)
    }

    /// The customer declines in the app: `rejected`, with a callback.
    pub fn reject(&self, transaction_key: &str) -> Result<Transaction, ApiFailure> {
        let (tx, cbs) = self.shared.world().customer_reject(transaction_key)?;
        self.shared.deliver(cbs);
        Ok(tx)
    }

    /// Paysera gives up on it: `failed` while awaiting the customer (with a callback), `revoked`
    /// when a reservation lapses.
    pub fn expire(&self, transaction_key: &str) -> Result<Transaction, ApiFailure> {
        let (tx, cbs) = self.shared.world().expire(transaction_key)?;
        self.shared.deliver(cbs);
        Ok(tx)
    }

    /// Moves the sandbox clock forward (reservations past their time lapse); returns the new
    /// sandbox time. Clients then meet `invalid_timestamp` until they re-sync with `/server`.
    pub fn advance_clock(&self, seconds: i64) -> Result<i64, ApiFailure> {
        self.shared.world().advance_clock(seconds)
    }

    /// The sandbox's current Unix time.
    pub fn now(&self) -> i64 {
        self.shared.world().now()
    }

    /// Forgets all spots, transactions, requests, faults, nonces, callbacks and the rate limit.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<JournalEntry> {
        lock(&self.shared.journal).clone()
    }

    /// Adds a fault rule; rules are checked in the order added.
    pub fn inject_fault(&self, rule: FaultRule) -> Result<(), ApiFailure> {
        self.shared.inject_fault(rule)
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Limits each client to `requests` per `per_seconds` (429 with `Retry-After` beyond).
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) -> Result<(), ApiFailure> {
        self.shared.set_rate_limit(limit)
    }

    /// Makes every customer answer each new order at once (load tests); `None` hands the
    /// customers back to the test.
    pub fn set_autopilot(&self, autopilot: Option<Autopilot>) {
        self.shared.world().autopilot = autopilot;
    }

    /// Every transaction of every client, in creation order.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.shared.world().all_transactions()
    }

    /// Every spot, by id.
    pub fn spots(&self) -> Vec<Spot> {
        self.shared.world().all_spots()
    }

    /// Callbacks sent so far (delivery is asynchronous: poll for the one you expect).
    pub fn callbacks(&self) -> Vec<CallbackRecord> {
        lock(&self.shared.callbacks).clone()
    }

    /// The PEM public key that verifies this sandbox's callbacks.
    pub fn public_key_pem(&self) -> &'static str {
        CALLBACK_PUBLIC_KEY
    }

    /// Stops accepting requests and waits (up to 2 s) for the server task to end.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(2), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_now();
        if let Some(server) = self.server.take() {
            // Idle keep-alive connections would hold graceful shutdown open; nobody waits here.
            server.abort();
        }
    }
}
