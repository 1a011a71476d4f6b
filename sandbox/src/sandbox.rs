//! The handle of a running sandbox: start it, play the customer, inspect it, stop it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::serve::ListenerExt;
use paysera_scanpay::callback::CallbackSigner;
use paysera_scanpay::mac::MacCredentials;
use paysera_scanpay::models::{PlaceInfo, Spot, Transaction};

use crate::server;
use crate::shared::{NonceCache, Shared, lock};
use crate::state::{ApiFailure, Autopilot, SpotRef, World};
use crate::{
    CallbackRecord, ClientCredentials, FaultRule, JournalEntry, RateLimit, SAMPLE_CLIENT_ID,
    SAMPLE_MAC_KEY, SandboxConfig,
};

const CALLBACK_PRIVATE_KEY: &str = include_str!("../keys/callback_private_key.pem");
/// The public half of the sandbox's callback signing key (served at `/publickey`).
pub const CALLBACK_PUBLIC_KEY: &str = include_str!("../keys/callback_public_key.pem");

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] waits for that.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    clients: Vec<ClientCredentials>,
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
        let token = control_token(&config)?;
        let listener = tokio::net::TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        // Bound to every interface, it is reached from this machine over loopback.
        let host = match addr.ip() {
            IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_owned(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.to_string(),
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
            token,
            feed: crate::shared::new_feed(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = server::router(shared.clone());
        let server = tokio::spawn(async move {
            // No Nagle: a dashboard's small event-stream writes would wait ~40 ms for an ACK.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
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
            clients,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// `http://127.0.0.1:PORT`: give it to a client as its base URL. Bound to every interface
    /// (`0.0.0.0`, `::`), this is the loopback URL; other machines use this machine's address.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The address it listens on, as bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The token the control plane (`/_sandbox/...`) requires, if it requires one: generated at
    /// start when bound beyond loopback, or [`SandboxConfig::token`].
    pub fn token(&self) -> Option<&str> {
        self.shared.token.as_deref()
    }

    /// `{base_url}/_sandbox/`, with `?token=` when the control plane requires one.
    pub fn dashboard_url(&self) -> String {
        match self.token() {
            Some(token) => format!("{}/_sandbox/?token={token}", self.base_url()),
            None => format!("{}/_sandbox/", self.base_url()),
        }
    }

    /// What the standalone commands print at start, one line each: where it listens, the base
    /// URL, every client's credentials, the dashboard URL, the callback key's URL and the
    /// control-plane token. The
    /// credentials are the sandbox's own test values: printing them is the point.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let sandbox = paysera_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// for line in sandbox.banner() {
    ///     println!("{line}");
    /// }
    /// # }
    /// ```
    pub fn banner(&self) -> Vec<String> {
        let base = self.base_url();
        let mut lines = vec![
            format!("Paysera sandbox listening on {}", self.addr),
            format!("  base URL:    {base}"),
        ];
        for c in &self.clients {
            lines.push(format!("  client id:   {}", c.client_id));
            lines.push(format!("  mac key:     {}", c.mac_key));
        }
        lines.push(format!("  dashboard:   {}", self.dashboard_url()));
        lines.push(format!("  public key:  {base}/publickey"));
        if let Some(token) = self.token() {
            lines.push(format!("  token:       {token}"));
            lines.push(
                "  The control plane (/_sandbox/) needs the token: header \"Authorization: Bearer \
                 <token>\" or \"X-Sandbox-Token: <token>\", or ?token=<token> in a link."
                    .to_owned(),
            );
        }
        if self.addr.ip().is_unspecified() {
            lines.push(format!(
                "  Other machines reach it at http://<this machine's address>:{}",
                self.addr.port()
            ));
        }
        lines.push("Press Ctrl-C to stop.".to_owned());
        lines
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
        self.shared.changed();
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
        self.shared.close_feeds();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The token the control plane will require: the configured one (checked), a fresh one beyond
/// loopback, none on loopback.
fn control_token(config: &SandboxConfig) -> std::io::Result<Option<String>> {
    match &config.token {
        Some(token) => {
            let url_safe = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            if token.is_empty() || !token.bytes().all(url_safe) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the sandbox token must be non-empty and use only A-Z a-z 0-9 - . _ ~",
                ));
            }
            Ok(Some(token.clone()))
        }
        None if config.host.is_loopback() => Ok(None),
        None => Ok(Some(paysera_scanpay::mac::random_alphanumeric(32))),
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
