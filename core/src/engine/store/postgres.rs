//! `postgres://user:pass@host:port/db`: the store several replicas share. A few connections
//! ([`POOL`], or `?pool_size=N`), taken in turn, each re-opened after it breaks: concurrent
//! writes commit on separate server processes, whose WAL flushes the server groups. Times come
//! from the database's clock, so replicas on different hosts agree on when a lease expires.
//! Every fenced write checks the lease in the same statement, under a shared advisory lock that
//! a takeover waits for ([`HELD`]).
//!
//! TCP with or without TLS ([`super::postgres_tls`]: libpq's `sslmode` and `sslrootcert`), or
//! a Unix socket.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_postgres::{Client, Config, Statement};

use super::postgres_tls::{Tls, TlsOptions};
use super::sqlite::{check_version, decode, encode};
use super::{Acquired, Lease, Record, SCHEMA_VERSION, Store, lease_lost, redact};
use crate::engine::UndeliveredEvent;
use crate::error::{Error, with_causes};

/// Unix milliseconds on the database's clock.
const NOW: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
/// The lease, checked by a fenced write. The write holds a shared advisory lock ([`FENCE`]) until
/// it commits, which a takeover's exclusive one waits for; the expiry is compared after the lock
/// is granted (`CASE` fixes the order), so a write that waited for a takeover sees its owner's
/// lease expired. An advisory lock lives in the server's memory: unlike `FOR SHARE` on the lease
/// row, many concurrent writers cost no multixact and no WAL.
const HELD: &str = "SELECT 1 FROM paysera_scanpay_lease WHERE name = 'cashier' AND owner = $1 \
                    AND CASE WHEN pg_advisory_xact_lock_shared(5790982734013514) IS NULL THEN false \
                    ELSE until_ms > (extract(epoch from clock_timestamp()) * 1000)::bigint END";
/// The advisory lock key of the fence (in [`HELD`] as a literal).
const FENCE: i64 = 5_790_982_734_013_514;
/// Longest wait for a connection or one operation before it counts as failed.
const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Connections per store unless the URL says `pool_size=N`: concurrent check-ins' writes commit
/// in parallel.
pub const POOL: usize = 4;
/// Largest `pool_size` accepted.
pub const MAX_POOL: usize = 32;
/// Serialises table creation between replicas starting together.
const SETUP_LOCK: i64 = 0x0050_4159_5345_5241;

struct Statements {
    renew: Statement,
    acquire: Statement,
    holder: Statement,
    release: Statement,
    /// `release` of one granted lease only (`until_ms` no later than the one given).
    release_granted: Statement,
    load: Statement,
    save: Statement,
    remove: Statement,
    load_events: Statement,
    put_event: Statement,
    record_event: Statement,
    ack_event: Statement,
    push_wake: Statement,
    take_wakes: Statement,
}

struct Conn {
    client: Client,
    s: Statements,
}

/// The `postgres://` store.
pub struct PostgresStore {
    config: Config,
    tls: Tls,
    /// The URL with its password redacted.
    location: String,
    conns: Vec<Mutex<Option<Arc<Conn>>>>,
    next: std::sync::atomic::AtomicUsize,
    /// The expiry last granted to each owner (by a take-over or a renewal): `release_now`
    /// deletes only that lease, so its late arrival cannot end one the owner took again since.
    granted: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects, and creates the tables on first use. Must run inside a tokio runtime (the
    /// connection's task is spawned on it).
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let location = redact(url);
        let options = url_options(url, &location)?;
        let mut config: Config = options.url.parse().map_err(|e| {
            Error::InvalidInput(format!(
                "store {location}: not a valid Postgres URL: {}",
                with_causes(&e)
            ))
        })?;
        config.ssl_mode(options.tls.mode.ssl_mode());
        let tls = options.tls.connector(&location)?;
        // A cashier cut off from its database must fail its ticks, not hang in them.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(OPERATION_TIMEOUT);
        }
        config.keepalives_idle(std::time::Duration::from_secs(10));
        let store = Self {
            config,
            location,
            tls,
            conns: (0..options.pool).map(|_| Mutex::new(None)).collect(),
            next: std::sync::atomic::AtomicUsize::new(0),
            granted: std::sync::Mutex::default(),
        };
        store.conn_at(0).await?;
        Ok(store)
    }

    /// Renews the lease, or takes it over when it is free or expired.
    async fn take(&self, lease: &Lease) -> Result<Acquired, Error> {
        let ttl = lease.ttl_ms();
        let owner = lease.owner.as_str();
        self.run("take the lease", |c| async move {
            if let Some(row) = c.client.query_opt(&c.s.renew, &[&owner, &ttl]).await? {
                return Ok(Acquired::Held {
                    until_ms: row.get(0),
                    renewed: true,
                });
            }
            // Held by another and live: busy, without touching the fence (a standby asks every
            // tick, and the fence's exclusive lock would stall the holder's writes).
            if let Some(row) = c.client.query_opt(&c.s.holder, &[]).await?
                && row.get::<_, bool>(2)
            {
                return Ok(Acquired::Busy {
                    owner: row.get(0),
                    until_ms: row.get(1),
                });
            }
            // Free or expired: take it over, once in-flight fenced writes have committed.
            if let Some(row) = c.client.query_opt(&c.s.acquire, &[&owner, &ttl]).await? {
                return Ok(Acquired::Held {
                    until_ms: row.get(0),
                    renewed: false,
                });
            }
            Ok(match c.client.query_opt(&c.s.holder, &[]).await? {
                Some(row) => Acquired::Busy {
                    owner: row.get(0),
                    until_ms: row.get(1),
                },
                // Released in between: the next tick takes it.
                None => Acquired::Busy {
                    owner: String::new(),
                    until_ms: 0,
                },
            })
        })
        .await
    }

    fn granted(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, i64>> {
        self.granted.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the connection goes, for errors: `host:port` of the redacted URL, never the user
    /// or any part of a password.
    fn target(&self) -> String {
        super::target(&self.location)
    }

    fn err(&self, what: &str, e: tokio_postgres::Error) -> Error {
        Error::Store(format!(
            "store {}: cannot {what}: {}",
            self.location,
            with_causes(&e)
        ))
    }

    /// The next connection in turn.
    async fn conn(&self) -> Result<(usize, Arc<Conn>), Error> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.conns.len();
        Ok((i, self.conn_at(i).await?))
    }

    /// Connection `i`, or a new one when there is none or it broke.
    async fn conn_at(&self, i: usize) -> Result<Arc<Conn>, Error> {
        let mut slot = self.conns[i].lock().await;
        if let Some(conn) = slot.as_ref().filter(|c| !c.client.is_closed()) {
            return Ok(conn.clone());
        }
        *slot = None;
        let (mut client, connection) =
            self.config.connect(self.tls.clone()).await.map_err(|e| {
                Error::Store(format!(
                    "store {}: cannot connect to {}: {}",
                    self.location,
                    self.target(),
                    with_causes(&e)
                ))
            })?;
        let location = self.location.clone();
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                log::warn!(
                    target: "paysera_scanpay",
                    "store {location}: connection lost: {}",
                    with_causes(&e)
                );
            }
        });
        self.setup(&mut client).await?;
        let s = self.prepare(&client).await?;
        let conn = Arc::new(Conn { client, s });
        *slot = Some(conn.clone());
        Ok(conn)
    }

    async fn setup(&self, client: &mut Client) -> Result<(), Error> {
        let what = "create the tables";
        let tx = client.transaction().await.map_err(|e| self.err(what, e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])
            .await
            .map_err(|e| self.err(what, e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS paysera_scanpay_meta (key text PRIMARY KEY, value text NOT NULL)",
        )
        .await
        .map_err(|e| self.err(what, e))?;
        let version = tx
            .query_opt(
                "SELECT value FROM paysera_scanpay_meta WHERE key = 'schema_version'",
                &[],
            )
            .await
            .map_err(|e| self.err("read the schema version", e))?;
        match version {
            Some(row) => check_version(&self.location, row.get::<_, &str>(0))?,
            None => {
                tx.batch_execute(
                    "CREATE TABLE paysera_scanpay_lease (name text PRIMARY KEY, owner text NOT NULL, until_ms bigint NOT NULL);
                     CREATE TABLE paysera_scanpay_records (reference text PRIMARY KEY, body text NOT NULL);
                     CREATE TABLE paysera_scanpay_events (id text PRIMARY KEY, seq bigint NOT NULL, body text NOT NULL);
                     CREATE TABLE paysera_scanpay_wakes (id bigserial PRIMARY KEY, transaction_key text NOT NULL, at_ms bigint NOT NULL);",
                )
                .await
                .map_err(|e| self.err(what, e))?;
                tx.execute(
                    "INSERT INTO paysera_scanpay_meta (key, value) VALUES ('schema_version', $1)",
                    &[&SCHEMA_VERSION.to_string()],
                )
                .await
                .map_err(|e| self.err(what, e))?;
            }
        }
        tx.commit().await.map_err(|e| self.err(what, e))
    }

    async fn prepare(&self, c: &Client) -> Result<Statements, Error> {
        let p = |sql: String| async move {
            c.prepare(&sql)
                .await
                .map_err(|e| self.err("prepare its statements", e))
        };
        Ok(Statements {
            // The holder extends its own lease: no fence needed, nothing changes hands.
            renew: p(format!(
                "UPDATE paysera_scanpay_lease SET until_ms = {NOW} + $2::bigint \
                 WHERE name = 'cashier' AND owner = $1 AND until_ms > {NOW} RETURNING until_ms"
            ))
            .await?,
            acquire: p(format!(
                "WITH fence AS MATERIALIZED (SELECT pg_advisory_xact_lock({FENCE})) \
                 INSERT INTO paysera_scanpay_lease AS l (name, owner, until_ms) \
                 SELECT 'cashier', $1, {NOW} + $2::bigint FROM fence \
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms \
                 WHERE l.owner = excluded.owner OR l.until_ms < {NOW} RETURNING until_ms"
            ))
            .await?,
            holder: p(format!(
                "SELECT owner, until_ms, until_ms > {NOW} FROM paysera_scanpay_lease WHERE name = 'cashier'"
            ))
            .await?,
            release: p(
                "DELETE FROM paysera_scanpay_lease WHERE name = 'cashier' AND owner = $1".into(),
            )
            .await?,
            release_granted: p(
                "DELETE FROM paysera_scanpay_lease WHERE name = 'cashier' AND owner = $1 \
                 AND until_ms <= $2::bigint"
                    .into(),
            )
            .await?,
            load: p("SELECT body FROM paysera_scanpay_records".into()).await?,
            save: p(format!(
                "WITH l AS ({HELD}) INSERT INTO paysera_scanpay_records (reference, body) \
                 SELECT $2::text, $3::text FROM l \
                 ON CONFLICT (reference) DO UPDATE SET body = excluded.body"
            ))
            .await?,
            remove: p(format!(
                "WITH l AS ({HELD}), d AS (DELETE FROM paysera_scanpay_records \
                 WHERE reference = $2::text AND EXISTS (SELECT 1 FROM l)) SELECT count(*) FROM l"
            ))
            .await?,
            load_events: p("SELECT body FROM paysera_scanpay_events ORDER BY seq".into()).await?,
            put_event: p(format!(
                "WITH l AS ({HELD}) INSERT INTO paysera_scanpay_events (id, seq, body) \
                 SELECT $2::text, $3::bigint, $4::text FROM l \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, body = excluded.body"
            ))
            .await?,
            record_event: p(format!(
                "WITH l AS ({HELD}), \
                 e AS (INSERT INTO paysera_scanpay_events (id, seq, body) \
                   SELECT $2::text, $3::bigint, $4::text FROM l \
                   ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, body = excluded.body), \
                 r AS (INSERT INTO paysera_scanpay_records (reference, body) \
                   SELECT $5::text, $6::text FROM l \
                   ON CONFLICT (reference) DO UPDATE SET body = excluded.body) \
                 SELECT count(*) FROM l"
            ))
            .await?,
            ack_event: p(format!(
                "WITH l AS ({HELD}), d AS (DELETE FROM paysera_scanpay_events \
                 WHERE id = $2::text AND EXISTS (SELECT 1 FROM l)) SELECT count(*) FROM l"
            ))
            .await?,
            push_wake: p(format!(
                "WITH old AS (DELETE FROM paysera_scanpay_wakes WHERE at_ms < {NOW} - $2::bigint) \
                 INSERT INTO paysera_scanpay_wakes (transaction_key, at_ms) VALUES ($1, {NOW})"
            ))
            .await?,
            take_wakes: p(format!(
                "WITH l AS ({HELD}), d AS (DELETE FROM paysera_scanpay_wakes \
                 WHERE EXISTS (SELECT 1 FROM l) RETURNING id, transaction_key) \
                 SELECT transaction_key FROM d ORDER BY id"
            ))
            .await?,
        })
    }

    /// A query on the current connection; a broken one is dropped, to be re-opened next time.
    async fn run<T, F, Fut>(&self, what: &str, f: F) -> Result<T, Error>
    where
        F: FnOnce(Arc<Conn>) -> Fut,
        Fut: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let (i, conn) = self.conn().await?;
        let Ok(result) = tokio::time::timeout(OPERATION_TIMEOUT, f(conn.clone())).await else {
            // The server stopped answering: this connection is dropped, the next call opens
            // another.
            let mut slot = self.conns[i].lock().await;
            if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, &conn)) {
                *slot = None;
            }
            return Err(Error::Store(format!(
                "store {}: cannot {what}: no answer within {} s",
                self.location,
                OPERATION_TIMEOUT.as_secs()
            )));
        };
        if result.is_err() && conn.client.is_closed() {
            let mut slot = self.conns[i].lock().await;
            if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, &conn)) {
                *slot = None;
            }
        }
        result.map_err(|e| self.err(what, e))
    }

    fn fenced(&self, lease: &Lease, rows: u64) -> Result<(), Error> {
        if rows == 0 {
            return Err(lease_lost(&self.location, &lease.owner));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn acquire(&self, lease: &Lease) -> Result<Acquired, Error> {
        let acquired = self.take(lease).await?;
        if let Acquired::Held { until_ms, .. } = acquired {
            self.granted().insert(lease.owner.clone(), until_ms);
        }
        Ok(acquired)
    }

    async fn holder(&self) -> Result<Option<(String, i64)>, Error> {
        self.run("read the lease", |c| async move {
            let row = c.client.query_opt(&c.s.holder, &[]).await?;
            Ok(row.map(|r| {
                (
                    r.get::<_, String>(0),
                    r.get::<_, i64>(1),
                    r.get::<_, bool>(2),
                )
            }))
        })
        .await
        .map(|h| h.filter(|(_, _, live)| *live).map(|(o, u, _)| (o, u)))
    }

    async fn release(&self, lease: &Lease) -> Result<(), Error> {
        let owner = lease.owner.as_str();
        self.granted().remove(owner);
        self.run("release the lease", |c| async move {
            c.client.execute(&c.s.release, &[&owner]).await.map(drop)
        })
        .await
    }

    /// Sent in the background, so it may arrive after this owner took the lease again: it
    /// deletes only the lease granted before (by its expiry), never a later one.
    fn release_now(&self, lease: &Lease) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(until_ms) = self.granted().remove(&lease.owner) else {
            return; // Nothing granted to this owner: nothing to give up.
        };
        let conn = self
            .conns
            .iter()
            .find_map(|slot| slot.try_lock().ok().and_then(|c| c.clone()));
        if let Some(conn) = conn {
            let owner = lease.owner.clone();
            handle.spawn(async move {
                let _ = conn
                    .client
                    .execute(&conn.s.release_granted, &[&owner, &until_ms])
                    .await;
            });
        }
    }

    async fn load(&self) -> Result<Vec<Record>, Error> {
        let rows = self
            .run("read the records", |c| async move {
                c.client.query(&c.s.load, &[]).await
            })
            .await?;
        rows.iter()
            .map(|r| decode(&self.location, r.get::<_, &str>(0)))
            .collect()
    }

    async fn save(&self, lease: &Lease, record: &Record) -> Result<(), Error> {
        let body = encode(record)?;
        let (owner, reference) = (lease.owner.as_str(), record.reference.as_str());
        let rows = self
            .run("save a record", |c| async move {
                c.client
                    .execute(&c.s.save, &[&owner, &reference, &body])
                    .await
            })
            .await?;
        self.fenced(lease, rows)
    }

    async fn remove(&self, lease: &Lease, reference: &str) -> Result<(), Error> {
        let owner = lease.owner.as_str();
        let held: i64 = self
            .run("remove a record", |c| async move {
                c.client
                    .query_one(&c.s.remove, &[&owner, &reference])
                    .await
                    .map(|r| r.get(0))
            })
            .await?;
        self.fenced(lease, held as u64)
    }

    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        let rows = self
            .run("read the events", |c| async move {
                c.client.query(&c.s.load_events, &[]).await
            })
            .await?;
        rows.iter()
            .map(|r| decode(&self.location, r.get::<_, &str>(0)))
            .collect()
    }

    async fn put_event(&self, lease: &Lease, entry: &UndeliveredEvent) -> Result<(), Error> {
        let body = encode(entry)?;
        let (owner, id) = (lease.owner.as_str(), entry.event.id.as_str());
        let seq = entry.seq as i64;
        let rows = self
            .run("record an event", |c| async move {
                c.client
                    .execute(&c.s.put_event, &[&owner, &id, &seq, &body])
                    .await
            })
            .await?;
        self.fenced(lease, rows)
    }

    async fn record_event(
        &self,
        lease: &Lease,
        record: &Record,
        entry: &UndeliveredEvent,
    ) -> Result<(), Error> {
        let (event_body, record_body) = (encode(entry)?, encode(record)?);
        let (owner, id, reference) = (
            lease.owner.as_str(),
            entry.event.id.as_str(),
            record.reference.as_str(),
        );
        let seq = entry.seq as i64;
        let held: i64 = self
            .run("record an event", |c| async move {
                c.client
                    .query_one(
                        &c.s.record_event,
                        &[&owner, &id, &seq, &event_body, &reference, &record_body],
                    )
                    .await
                    .map(|r| r.get(0))
            })
            .await?;
        self.fenced(lease, held as u64)
    }

    async fn ack_event(&self, lease: &Lease, id: &str) -> Result<(), Error> {
        let owner = lease.owner.as_str();
        let held: i64 = self
            .run("acknowledge an event", |c| async move {
                c.client
                    .query_one(&c.s.ack_event, &[&owner, &id])
                    .await
                    .map(|r| r.get(0))
            })
            .await?;
        self.fenced(lease, held as u64)
    }

    async fn push_wake(&self, transaction_key: &str) -> Result<(), Error> {
        let kept = super::WAKE_KEPT.as_millis() as i64;
        self.run("hand over a callback", |c| async move {
            c.client
                .execute(&c.s.push_wake, &[&transaction_key, &kept])
                .await
                .map(drop)
        })
        .await
    }

    async fn take_wakes(&self, lease: &Lease) -> Result<Vec<String>, Error> {
        let owner = lease.owner.as_str();
        let rows = self
            .run("take callbacks", |c| async move {
                c.client.query(&c.s.take_wakes, &[&owner]).await
            })
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

/// What the store takes out of its URL before tokio-postgres reads the rest: `pool_size`, and
/// libpq's `sslmode` and `sslrootcert` (tokio-postgres knows only three of the five modes).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UrlOptions {
    /// The URL without them.
    pub(super) url: String,
    /// Connections (1 to [`MAX_POOL`], default [`POOL`]): a web worker that only hands
    /// callbacks over needs one, `?pool_size=1`.
    pub(super) pool: usize,
    pub(super) tls: TlsOptions,
}

/// Reads and checks the options of a store URL; `location` is the redacted URL, for errors.
pub(super) fn url_options(url: &str, location: &str) -> Result<UrlOptions, Error> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pool = None;
    let mut sslmode = None;
    let mut sslrootcert = None;
    let mut rest = Vec::new();
    let twice = |key: &str| Error::InvalidInput(format!("store {location}: {key} is given twice"));
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "pool_size" => {
                let n = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_POOL).contains(n))
                    .ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "store {location}: pool_size must be a whole number from 1 to {MAX_POOL}, not {value:?}"
                        ))
                    })?;
                if pool.replace(n).is_some() {
                    return Err(twice(key));
                }
            }
            "sslmode" => {
                if sslmode.replace(super::percent_decoded(value)).is_some() {
                    return Err(twice(key));
                }
            }
            "sslrootcert" => {
                if sslrootcert.replace(super::percent_decoded(value)).is_some() {
                    return Err(twice(key));
                }
            }
            _ => rest.push(pair),
        }
    }
    let tls = TlsOptions::new(sslmode.as_deref(), sslrootcert, location)?;
    let url = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok(UrlOptions {
        url,
        pool: pool.unwrap_or(POOL),
        tls,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fence_in_the_sql_is_the_fence_key() {
        assert!(super::HELD.contains(&super::FENCE.to_string()));
    }

    #[test]
    fn pool_size_and_tls_options_are_taken_out_of_the_url() {
        use super::super::postgres_tls::{Mode, RootCert, TlsOptions};
        use super::{POOL, url_options};
        let at = "postgres://shop:***@db/shop";
        let prefer = TlsOptions {
            mode: Mode::Prefer,
            root: None,
        };
        let cases = [
            (
                "postgres://shop:pw@db/shop",
                "postgres://shop:pw@db/shop",
                POOL,
                prefer.clone(),
            ),
            (
                "postgres://db/shop?pool_size=1",
                "postgres://db/shop",
                1,
                prefer.clone(),
            ),
            (
                "postgres://db/shop?sslmode=disable&pool_size=8&connect_timeout=3",
                "postgres://db/shop?connect_timeout=3",
                8,
                TlsOptions {
                    mode: Mode::Disable,
                    root: None,
                },
            ),
            (
                "postgres://db/shop?sslmode=require",
                "postgres://db/shop",
                POOL,
                TlsOptions {
                    mode: Mode::Require,
                    root: None,
                },
            ),
            (
                "postgres://db/shop?sslmode=verify-ca&sslrootcert=%2Fetc%2Fca%20certs.pem&application_name=x",
                "postgres://db/shop?application_name=x",
                POOL,
                TlsOptions {
                    mode: Mode::VerifyCa,
                    root: Some(RootCert::File("/etc/ca certs.pem".into())),
                },
            ),
            (
                "postgres://db/shop?sslrootcert=system&sslmode=verify-full",
                "postgres://db/shop",
                POOL,
                TlsOptions {
                    mode: Mode::VerifyFull,
                    root: Some(RootCert::System),
                },
            ),
        ];
        for (url, rest, pool, tls) in cases {
            let options = url_options(url, at).unwrap();
            assert_eq!(
                (options.url.as_str(), options.pool, &options.tls),
                (rest, pool, &tls),
                "{url}"
            );
        }
        let refused = |query: &str| {
            url_options(&format!("postgres://db/shop?{query}"), at)
                .unwrap_err()
                .to_string()
        };
        for bad in ["0", "33", "two", ""] {
            let err = refused(&format!("pool_size={bad}"));
            assert!(
                err.contains("pool_size must be a whole number from 1 to 32"),
                "{err}"
            );
            assert!(err.contains(at), "{err}");
        }
        for (query, why) in [
            ("pool_size=1&pool_size=2", "pool_size is given twice"),
            ("sslmode=require&sslmode=disable", "sslmode is given twice"),
            (
                "sslmode=verify-full&sslrootcert=a&sslrootcert=b",
                "sslrootcert is given twice",
            ),
            (
                "sslmode=allow",
                "sslmode must be disable, prefer, require, verify-ca or verify-full, not \"allow\"",
            ),
            ("sslmode=REQUIRE", "not \"REQUIRE\""),
            (
                "sslmode=verify-full",
                "sslmode=verify-full needs sslrootcert=",
            ),
            ("sslmode=verify-ca", "sslmode=verify-ca needs sslrootcert="),
            (
                "sslmode=verify-ca&sslrootcert=system",
                "sslrootcert=system needs sslmode=verify-full, not sslmode=verify-ca",
            ),
            (
                "sslrootcert=system",
                "sslrootcert=system needs sslmode=verify-full, not sslmode=prefer",
            ),
            (
                "sslmode=disable&sslrootcert=/ca.pem",
                "sslrootcert is given with sslmode=disable",
            ),
            ("sslmode=require&sslrootcert=", "sslrootcert is empty"),
        ] {
            let err = refused(query);
            assert!(err.contains(why), "{query}: {err}");
            assert!(err.contains(at), "{query}: {err}");
        }
    }
}
