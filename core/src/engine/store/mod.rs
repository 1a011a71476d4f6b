//! Where the cashier remembers what it started, so that a restarted engine (or another
//! replica) finishes it without creating anything twice.
//!
//! A store is chosen by URL, the same in Rust, Python and Node ([`open_store`]):
//! - `memory`: kept in this process (tests, demos);
//! - `sqlite:///path/cashier.db`: the embedded durable default (WAL, every change synced);
//! - `postgres://user:pass@host:port/db`: shared by several replicas.
//!
//! **Replicas.** Any number of cashiers may share one store (and one merchant account). One of
//! them at a time is *active*: it holds the store's lease (`owner` and `lease_until`, taken
//! with a compare-and-set and renewed when a third of it has run out) and alone polls Paysera,
//! acts on check-ins and delivers events. The others are *standbys*: they poll only the lease,
//! and take over when it expires (the active replica died or lost the database). Polling and the
//! request budget are therefore those of one cashier whatever the number of replicas, as
//! Paysera's rate limit is per client id.
//!
//! Every write is fenced by the lease: it succeeds only while the writer still holds it, in the
//! same statement (Postgres) or transaction (SQLite). The engine itself counts its lease down on
//! its monotonic clock from when it asked for it: it makes a Paysera call only while it holds
//! the lease, renews it first when a third has run out, and drops a call still unanswered just
//! before the lease would end (an unknown outcome, reconciled like a lost response). A replica
//! that lost its lease (paused past expiry, cut off from the database) stops its tick and acts
//! on Paysera no more; the next holder reads the store afresh.
//!
//! Callbacks that reach a process whose engine is not the active one (a web worker, a standby)
//! are verified there and handed to the active replica through the store ([`Store::push_wake`]).
//!
//! The store also holds the outbox: events recorded but not yet acknowledged by the merchant's
//! handler ([`UndeliveredEvent`]). They outlive their record, so a check-in that is finished and
//! forgotten still has its `paid` delivered.

mod legacy;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
mod postgres_tls;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::UndeliveredEvent;
use crate::error::Error;
use crate::models::Money;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The version of the tables this library writes. A store whose tables are newer is refused.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a callback handed over ([`Store::push_wake`]) waits for an active replica before it
/// is dropped (the next push removes older ones), so that the table stays small while no
/// cashier runs. Polling acts on its transaction anyway: a wake only makes that sooner.
pub const WAKE_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

/// Where a check-in is in the cashier's loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// A transaction is being created; if the outcome was lost, look it up by reference before
    /// creating another.
    Creating,
    /// The transaction exists and is not attached yet.
    Created,
    /// Attaching the order; if the outcome was lost, the spot's `orders` tell.
    Ordering,
    /// The customer sees the order in the app.
    Ordered,
    /// Confirming the reserved transaction; if the outcome was lost, read the transaction.
    Confirming,
    /// Revoking an order the customer did not act on in time.
    Revoking,
    /// The outcome is known; the spot is being closed.
    Closing { outcome: Outcome },
}

/// How a check-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Paid,
    Rejected,
    Expired,
    Failed,
}

/// The cashier's memory of one check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Deterministic from the spot and its check-in: the idempotency key written into every
    /// payment's `parameters`.
    pub reference: String,
    pub spot_id: u64,
    /// The spot's location, when known.
    #[serde(default)]
    pub location_id: Option<u64>,
    #[serde(flatten)]
    pub stage: Stage,
    pub transaction_key: Option<String>,
    /// Unix seconds when the cashier first acted on this check-in.
    pub started_at: i64,
    /// Unix seconds when the order was attached.
    pub ordered_at: Option<i64>,
    /// What the customer was charged (after any lowering).
    #[serde(default)]
    pub amounts: Vec<Money>,
    /// The payments' `parameters`, merged (see [`super::Event::parameters`]).
    #[serde(default)]
    pub parameters: Map<String, Value>,
    /// Event kinds already recorded in the outbox (so none is recorded twice); the handler
    /// gets them at least once from there.
    #[serde(default)]
    pub delivered: Vec<String>,
}

/// Who acts on a store, and for how long a claim lasts without renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Unique per engine: `host:pid:random`.
    pub owner: String,
    pub ttl: Duration,
}

impl Lease {
    /// A fresh owner id for an engine of this process.
    pub fn new(ttl: Duration) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".to_owned());
        let tag = crate::mac::random_alphanumeric(6);
        Self {
            owner: format!("{host}:{}:{tag}", std::process::id()),
            ttl,
        }
    }

    pub(crate) fn ttl_ms(&self) -> i64 {
        i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX)
    }
}

/// What a store holds, read at once ([`Store::snapshot`]): records and undelivered events.
pub type Snapshot = (Vec<Record>, Vec<UndeliveredEvent>);

/// The outcome of [`Store::acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// This owner holds the lease until `until_ms` (Unix milliseconds, the store's clock).
    /// `renewed`: it held it without a break (a live lease of its own was extended); when
    /// false, someone else may have held it meanwhile, so what the owner knows is stale.
    Held { until_ms: i64, renewed: bool },
    /// Another live owner holds it.
    Busy { owner: String, until_ms: i64 },
}

/// Durable storage for [`Record`]s, the event outbox, the replicas' lease and the callback
/// wake-ups. Implementations make every change durable before returning, and refuse a fenced
/// write (those taking a [`Lease`]) with [`lease_lost`] unless that lease is held.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Takes the lease when free, expired or already ours, and extends it by `lease.ttl`.
    async fn acquire(&self, lease: &Lease) -> Result<Acquired, Error>;
    /// Who holds the lease, and until when (Unix ms), without touching it; `None` when free.
    async fn holder(&self) -> Result<Option<(String, i64)>, Error>;
    /// Gives the lease up now (a clean shutdown), so a standby need not wait for it to expire.
    async fn release(&self, lease: &Lease) -> Result<(), Error>;
    /// Every record.
    async fn load(&self) -> Result<Vec<Record>, Error>;
    /// Inserts or replaces the record with this reference.
    async fn save(&self, lease: &Lease, record: &Record) -> Result<(), Error>;
    /// Forgets a finished check-in (never its undelivered events).
    async fn remove(&self, lease: &Lease, reference: &str) -> Result<(), Error>;
    /// Every undelivered event, in any order (the engine orders them by `seq`).
    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error>;
    /// Inserts or replaces the outbox entry of this event id.
    async fn put_event(&self, lease: &Lease, entry: &UndeliveredEvent) -> Result<(), Error>;
    /// Records an event and the record marking it recorded, together: both or neither where
    /// the store can (the default writes the event first, then the record).
    async fn record_event(
        &self,
        lease: &Lease,
        record: &Record,
        entry: &UndeliveredEvent,
    ) -> Result<(), Error> {
        self.put_event(lease, entry).await?;
        self.save(lease, record).await
    }
    /// Removes the event the handler acknowledged.
    async fn ack_event(&self, lease: &Lease, id: &str) -> Result<(), Error>;
    /// Asks the active replica to act on this transaction now (a verified callback); removes
    /// wake-ups older than [`WAKE_KEPT`] that no replica took.
    async fn push_wake(&self, transaction_key: &str) -> Result<(), Error>;
    /// Takes the wake-ups pushed so far (nothing unless `lease` is held).
    async fn take_wakes(&self, lease: &Lease) -> Result<Vec<String>, Error>;
    /// Records and undelivered events, read without waiting, where the store can (memory,
    /// SQLite): a new engine shows them before its first tick. `None` for a database server.
    fn snapshot(&self) -> Option<Result<Snapshot, Error>> {
        None
    }
    /// Gives the lease up without waiting (when an engine is dropped while holding it); best
    /// effort, it expires anyway.
    fn release_now(&self, lease: &Lease) {
        let _ = lease;
    }
    /// Whether [`Self::push_wake`] reaches other processes (false for memory).
    fn shared(&self) -> bool {
        true
    }
    /// Where the store is, for logs and errors: its URL with any password redacted.
    fn location(&self) -> String;
}

/// The error of a fenced write by an owner that no longer holds the lease.
pub fn lease_lost(store: &str, owner: &str) -> Error {
    Error::Store(format!(
        "store {store}: this cashier ({owner}) no longer holds the store's lease; another \
         replica took over, or the lease expired while the database was unreachable"
    ))
}

/// Opens the store at `url`: `memory`, `sqlite:///path/cashier.db`, `postgres://…` (or
/// `postgresql://…`). A plain path means SQLite there. When the file at a SQLite path is a
/// cashier log of the earlier file store, it is imported on this first open and kept beside
/// the database as `<path>.imported`. Tables are created on first use.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, Error> {
    match parse_url(url)? {
        StoreUrl::Memory => Ok(Arc::new(MemoryStore::new())),
        #[cfg(feature = "sqlite")]
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        #[cfg(feature = "postgres")]
        StoreUrl::Postgres(url) => Ok(Arc::new(PostgresStore::connect(&url).await?)),
        #[allow(unreachable_patterns)]
        _ => Err(Error::InvalidInput(format!(
            "store {}: this build of paysera-scanpay has no support for it",
            redact(url)
        ))),
    }
}

#[derive(Debug, PartialEq)]
enum StoreUrl {
    Memory,
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

fn parse_url(url: &str) -> Result<StoreUrl, Error> {
    let invalid = |why: &str| Error::InvalidInput(format!("store {:?}: {why}", redact(url)));
    if url.is_empty() {
        return Err(invalid(
            "is empty; use \"memory\", \"sqlite:///path/cashier.db\" or \"postgres://user:pass@host:port/db\"",
        ));
    }
    if url == "memory" || url == "memory://" {
        return Ok(StoreUrl::Memory);
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(invalid("names no file; use sqlite:///path/cashier.db"));
        }
        return Ok(StoreUrl::Sqlite(path.into()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // Checked here, so that a store opened lazily (Node) refuses it at once too.
        #[cfg(feature = "postgres")]
        postgres::url_options(url, &redact(url))?;
        return Ok(StoreUrl::Postgres(url.to_owned()));
    }
    if let Some((scheme, _)) = url.split_once("://") {
        return Err(invalid(&format!(
            "unknown scheme {scheme:?}; use memory, sqlite:// or postgres://"
        )));
    }
    Ok(StoreUrl::Sqlite(url.into()))
}

/// `url` with the password of its user info replaced by `***`, and a `password` query
/// parameter masked. The user info ends at the *last* `@`, so that a password holding `/`, `?`,
/// `#` or `@` never shows; when in doubt, more is masked, never less.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    let tail = redact_query(tail);
    match userinfo {
        Some(info) => {
            let masked = match info.split_once(':') {
                Some((user, _)) => format!("{user}:***"),
                None => info.to_owned(),
            };
            format!("{scheme}://{masked}@{host}{tail}")
        }
        None => format!("{scheme}://{host}{tail}"),
    }
}

/// `host:port` of a redacted URL, for "cannot connect to …" (5432 when no port is given).
pub(crate) fn target(redacted: &str) -> String {
    let rest = redacted.split_once("://").map_or(redacted, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match host {
        "" => "localhost:5432".to_owned(),
        h if h
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok()) =>
        {
            h.to_owned()
        }
        h => format!("{h}:5432"),
    }
}

/// A `password=` query parameter masked too (libpq accepts it there), whatever its case or
/// percent-encoding.
fn redact_query(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if percent_decoded(k).eq_ignore_ascii_case("password") => {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

pub(super) fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// [`open_store`] without waiting: the URL is checked now, memory and SQLite stores open now,
/// and a database server is connected to on first use (its errors then come from that call).
/// For constructors that cannot wait (Node's `new Cashier`).
pub fn open_store_now(url: &str) -> Result<Arc<dyn Store>, Error> {
    match parse_url(url)? {
        StoreUrl::Memory => Ok(Arc::new(MemoryStore::new())),
        #[cfg(feature = "sqlite")]
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        _ => Ok(Arc::new(Lazy {
            url: url.to_owned(),
            location: redact(url),
            inner: tokio::sync::OnceCell::new(),
        })),
    }
}

/// A store opened on first use.
struct Lazy {
    url: String,
    location: String,
    inner: tokio::sync::OnceCell<Arc<dyn Store>>,
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Lazy {
    async fn get(&self) -> Result<&Arc<dyn Store>, Error> {
        self.inner.get_or_try_init(|| open_store(&self.url)).await
    }
}

#[async_trait::async_trait]
impl Store for Lazy {
    async fn acquire(&self, lease: &Lease) -> Result<Acquired, Error> {
        self.get().await?.acquire(lease).await
    }
    async fn release(&self, lease: &Lease) -> Result<(), Error> {
        self.get().await?.release(lease).await
    }
    async fn holder(&self) -> Result<Option<(String, i64)>, Error> {
        self.get().await?.holder().await
    }
    async fn load(&self) -> Result<Vec<Record>, Error> {
        self.get().await?.load().await
    }
    async fn save(&self, lease: &Lease, record: &Record) -> Result<(), Error> {
        self.get().await?.save(lease, record).await
    }
    async fn remove(&self, lease: &Lease, reference: &str) -> Result<(), Error> {
        self.get().await?.remove(lease, reference).await
    }
    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        self.get().await?.load_events().await
    }
    async fn put_event(&self, lease: &Lease, entry: &UndeliveredEvent) -> Result<(), Error> {
        self.get().await?.put_event(lease, entry).await
    }
    async fn record_event(
        &self,
        lease: &Lease,
        record: &Record,
        entry: &UndeliveredEvent,
    ) -> Result<(), Error> {
        self.get().await?.record_event(lease, record, entry).await
    }
    async fn ack_event(&self, lease: &Lease, id: &str) -> Result<(), Error> {
        self.get().await?.ack_event(lease, id).await
    }
    async fn push_wake(&self, transaction_key: &str) -> Result<(), Error> {
        self.get().await?.push_wake(transaction_key).await
    }
    async fn take_wakes(&self, lease: &Lease) -> Result<Vec<String>, Error> {
        self.get().await?.take_wakes(lease).await
    }
    fn release_now(&self, lease: &Lease) {
        if let Some(store) = self.inner.get() {
            store.release_now(lease);
        }
    }
    fn location(&self) -> String {
        self.location.clone()
    }
}
