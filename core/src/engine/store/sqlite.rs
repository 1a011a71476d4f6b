//! `sqlite:///path/cashier.db`: the embedded durable store. WAL journal, every commit synced
//! (`synchronous=FULL`), writes fenced by the lease inside `BEGIN IMMEDIATE` transactions, so
//! several processes on one machine may share a file: one is active, the others stand by.
//!
//! Writes go to one writer thread per store, which commits whatever has queued up meanwhile in
//! one transaction (group commit): one `fsync` for many concurrent writes, each still answered
//! only once its commit is durable. Each write runs in a savepoint of its own, so one that fails
//! halfway leaves nothing behind in the batch. Reads use their own connection (WAL lets them run
//! beside the writer).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Acquired, Lease, Record, SCHEMA_VERSION, Snapshot, Store, lease_lost, legacy};
use crate::clock::unix_now_ms;
use crate::engine::UndeliveredEvent;
use crate::error::Error;

const LEASE: &str = "cashier";

/// Writes queued up at most into one transaction.
const MAX_BATCH: usize = 256;

/// The `sqlite://` store.
pub struct SqliteStore {
    path: PathBuf,
    /// For setup, import and reads.
    conn: Mutex<Connection>,
    /// The writer thread's queue, started on the first write.
    writer: OnceLock<Mutex<Sender<Job>>>,
}

/// A write for the writer thread: `run` inside the batch's transaction, then the answer, given
/// the commit's outcome; `fail` when no transaction could be started.
struct Job {
    run: Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Answer + Send>,
    fail: Box<dyn FnOnce(Error) + Send>,
}

type Answer = Box<dyn FnOnce(Result<(), Error>) + Send>;

/// The writer thread: takes what has queued up, runs it in one immediate transaction, commits
/// (one sync), then answers each job. Ends when the store is dropped.
fn write_loop(mut conn: Connection, path: PathBuf, jobs: Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let error = fail(&path, "start a transaction", e);
                for job in batch {
                    (job.fail)(error.clone());
                }
                continue;
            }
        };
        let answers: Vec<Answer> = batch.into_iter().map(|job| (job.run)(&tx)).collect();
        let committed = tx.commit().map_err(|e| fail(&path, "commit", e));
        for answer in answers {
            answer(committed.clone());
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the database at `path`, creating its tables on first use; an old
    /// cashier log at `path` is imported first (and kept as `<path>.imported`).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        import_log(&path)?;
        Self::open_database(path)
    }

    fn open_database(path: PathBuf) -> Result<Self, Error> {
        let conn = Connection::open(&path).map_err(|e| fail(&path, "open", e))?;
        let store = Self {
            conn: Mutex::new(conn),
            writer: OnceLock::new(),
            path,
        };
        store.setup()?;
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self, what: &str, e: rusqlite::Error) -> Error {
        fail(&self.path, what, e)
    }

    fn setup(&self) -> Result<(), Error> {
        let mut conn = self.lock();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| fail(&self.path, "configure", e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| fail(&self.path, "switch to WAL", e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| fail(&self.path, "configure", e))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| fail(&self.path, "create the tables", e))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS paysera_scanpay_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
        )
        .map_err(|e| fail(&self.path, "create the tables", e))?;
        let version: Option<String> = tx
            .query_row(
                "SELECT value FROM paysera_scanpay_meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| fail(&self.path, "read the schema version", e))?;
        match version {
            Some(v) => check_version(&self.path.display().to_string(), &v)?,
            None => {
                tx.execute_batch(
                    "CREATE TABLE paysera_scanpay_lease (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until_ms INTEGER NOT NULL);
                     CREATE TABLE paysera_scanpay_records (reference TEXT PRIMARY KEY, body TEXT NOT NULL);
                     CREATE TABLE paysera_scanpay_events (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL);
                     CREATE TABLE paysera_scanpay_wakes (id INTEGER PRIMARY KEY AUTOINCREMENT, transaction_key TEXT NOT NULL, at_ms INTEGER NOT NULL);",
                )
                .map_err(|e| fail(&self.path, "create the tables", e))?;
                tx.execute(
                    "INSERT INTO paysera_scanpay_meta (key, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(|e| fail(&self.path, "create the tables", e))?;
            }
        }
        tx.commit()
            .map_err(|e| fail(&self.path, "create the tables", e))
    }

    fn import(&self, contents: legacy::Contents) -> Result<(), Error> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err("import the old log", e))?;
        for record in contents.records.values() {
            tx.execute(
                "INSERT OR REPLACE INTO paysera_scanpay_records (reference, body) VALUES (?1, ?2)",
                params![record.reference, encode(record)?],
            )
            .map_err(|e| self.err("import the old log", e))?;
        }
        for entry in contents.events.values() {
            tx.execute(
                "INSERT OR REPLACE INTO paysera_scanpay_events (id, seq, body) VALUES (?1, ?2, ?3)",
                params![entry.event.id, entry.seq as i64, encode(entry)?],
            )
            .map_err(|e| self.err("import the old log", e))?;
        }
        tx.commit().map_err(|e| self.err("import the old log", e))
    }

    /// The writer thread's queue (started now if it is not yet).
    fn queue(&self) -> Result<Sender<Job>, Error> {
        if let Some(q) = self.writer.get() {
            return Ok(q.lock().unwrap_or_else(|p| p.into_inner()).clone());
        }
        let conn = Connection::open(&self.path).map_err(|e| self.err("open", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| self.err("configure", e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.err("configure", e))?;
        let (tx, rx) = std::sync::mpsc::channel();
        let path = self.path.clone();
        std::thread::Builder::new()
            .name("paysera-sqlite".into())
            .spawn(move || write_loop(conn, path, rx))
            .map_err(|e| {
                Error::Store(format!(
                    "store {}: cannot start its writer: {e}",
                    self.location()
                ))
            })?;
        let queue = self.writer.get_or_init(|| Mutex::new(tx));
        Ok(queue.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Runs `write` in the writer's next transaction; its result once that commit is durable.
    async fn write<T: Send + 'static>(
        &self,
        what: &'static str,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T, Error>>();
        let slot = Arc::new(Mutex::new(Some(reply)));
        let on_fail = slot.clone();
        let path = self.path.clone();
        let job = Job {
            run: Box::new(move |tx| {
                let out = in_savepoint(tx, &path, write);
                Box::new(move |committed: Result<(), Error>| {
                    let result = out.and_then(|v| committed.map(|()| v));
                    if let Some(reply) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
                        let _ = reply.send(result);
                    }
                })
            }),
            fail: Box::new(move |e| {
                if let Some(reply) = on_fail.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    let _ = reply.send(Err(e));
                }
            }),
        };
        let gone = || Error::Store(format!("store {}: its writer stopped", self.location()));
        self.queue()?.send(job).map_err(|_| gone())?;
        let result = answer.await.map_err(|_| gone())?;
        result.map_err(|e| annotate(e, &self.location(), what))
    }

    /// A write that only happens while `lease` is held (checked in the same transaction).
    async fn fenced(
        &self,
        lease: &Lease,
        what: &'static str,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<(), Error> {
        let (owner, path, location) = (lease.owner.clone(), self.path.clone(), self.location());
        self.write(what, move |tx| {
            if !holds(tx, &owner).map_err(|e| fail(&path, what, e))? {
                return Err(lease_lost(&location, &owner));
            }
            write(tx).map_err(|e| fail(&path, what, e))
        })
        .await
    }

    fn rows<T: serde::de::DeserializeOwned>(&self, sql: &str, what: &str) -> Result<Vec<T>, Error> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(sql).map_err(|e| self.err(what, e))?;
        let bodies = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(what, e))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| self.err(what, e))?;
        bodies.iter().map(|b| decode(&self.location(), b)).collect()
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn acquire(&self, lease: &Lease) -> Result<Acquired, Error> {
        let (owner, ttl, path) = (lease.owner.clone(), lease.ttl_ms(), self.path.clone());
        self.write("take the lease", move |tx| {
            let what = "take the lease";
            let now = unix_now_ms();
            let current: Option<(String, i64)> = tx
                .query_row(
                    "SELECT owner, until_ms FROM paysera_scanpay_lease WHERE name = ?1",
                    params![LEASE],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| fail(&path, what, e))?;
            if let Some((holder, until_ms)) = &current
                && *holder != owner
                && *until_ms > now
            {
                return Ok(Acquired::Busy {
                    owner: holder.clone(),
                    until_ms: *until_ms,
                });
            }
            let renewed = current.is_some_and(|(holder, until)| holder == owner && until > now);
            let until_ms = now.saturating_add(ttl);
            tx.execute(
                "INSERT INTO paysera_scanpay_lease (name, owner, until_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms",
                params![LEASE, owner, until_ms],
            )
            .map_err(|e| fail(&path, what, e))?;
            Ok(Acquired::Held { until_ms, renewed })
        })
        .await
    }

    async fn holder(&self) -> Result<Option<(String, i64)>, Error> {
        self.lock()
            .query_row(
                "SELECT owner, until_ms FROM paysera_scanpay_lease WHERE name = ?1 AND until_ms > ?2",
                params![LEASE, unix_now_ms()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err("read the lease", e))
    }

    async fn release(&self, lease: &Lease) -> Result<(), Error> {
        let owner = lease.owner.clone();
        self.write("release the lease", move |tx| {
            tx.execute(
                "DELETE FROM paysera_scanpay_lease WHERE name = ?1 AND owner = ?2",
                params![LEASE, owner],
            )
            .map(drop)
            .map_err(|e| Error::Store(e.to_string()))
        })
        .await
    }

    fn release_now(&self, lease: &Lease) {
        // Straight on the read connection: no waiting for the writer's queue.
        let _ = self.lock().execute(
            "DELETE FROM paysera_scanpay_lease WHERE name = ?1 AND owner = ?2",
            params![LEASE, lease.owner],
        );
    }

    fn snapshot(&self) -> Option<Result<Snapshot, Error>> {
        let records = self.rows(
            "SELECT body FROM paysera_scanpay_records",
            "read the records",
        );
        let events = self.rows(
            "SELECT body FROM paysera_scanpay_events ORDER BY seq",
            "read the events",
        );
        Some(records.and_then(|r| events.map(|e| (r, e))))
    }

    async fn load(&self) -> Result<Vec<Record>, Error> {
        self.rows(
            "SELECT body FROM paysera_scanpay_records",
            "read the records",
        )
    }

    async fn save(&self, lease: &Lease, record: &Record) -> Result<(), Error> {
        let (body, reference) = (encode(record)?, record.reference.clone());
        self.fenced(lease, "save a record", move |tx| {
            tx.execute(
                "INSERT INTO paysera_scanpay_records (reference, body) VALUES (?1, ?2)
                 ON CONFLICT (reference) DO UPDATE SET body = excluded.body",
                params![reference, body],
            )
            .map(drop)
        })
        .await
    }

    async fn remove(&self, lease: &Lease, reference: &str) -> Result<(), Error> {
        let reference = reference.to_owned();
        self.fenced(lease, "remove a record", move |tx| {
            tx.execute(
                "DELETE FROM paysera_scanpay_records WHERE reference = ?1",
                params![reference],
            )
            .map(drop)
        })
        .await
    }

    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        self.rows(
            "SELECT body FROM paysera_scanpay_events ORDER BY seq",
            "read the events",
        )
    }

    async fn put_event(&self, lease: &Lease, entry: &UndeliveredEvent) -> Result<(), Error> {
        let (body, id, seq) = (encode(entry)?, entry.event.id.clone(), entry.seq as i64);
        self.fenced(lease, "record an event", move |tx| {
            tx.execute(
                "INSERT INTO paysera_scanpay_events (id, seq, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
                params![id, seq, body],
            )
            .map(drop)
        })
        .await
    }

    async fn record_event(
        &self,
        lease: &Lease,
        record: &Record,
        entry: &UndeliveredEvent,
    ) -> Result<(), Error> {
        let (event_body, id, seq) = (encode(entry)?, entry.event.id.clone(), entry.seq as i64);
        let (record_body, reference) = (encode(record)?, record.reference.clone());
        self.fenced(lease, "record an event", move |tx| {
            tx.execute(
                "INSERT INTO paysera_scanpay_events (id, seq, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, body = excluded.body",
                params![id, seq, event_body],
            )?;
            tx.execute(
                "INSERT INTO paysera_scanpay_records (reference, body) VALUES (?1, ?2)
                 ON CONFLICT (reference) DO UPDATE SET body = excluded.body",
                params![reference, record_body],
            )
            .map(drop)
        })
        .await
    }

    async fn ack_event(&self, lease: &Lease, id: &str) -> Result<(), Error> {
        let id = id.to_owned();
        self.fenced(lease, "acknowledge an event", move |tx| {
            tx.execute(
                "DELETE FROM paysera_scanpay_events WHERE id = ?1",
                params![id],
            )
            .map(drop)
        })
        .await
    }

    async fn push_wake(&self, transaction_key: &str) -> Result<(), Error> {
        let (key, path) = (transaction_key.to_owned(), self.path.clone());
        self.write("hand over a callback", move |tx| {
            let now = unix_now_ms();
            let kept = super::WAKE_KEPT.as_millis() as i64;
            tx.execute(
                "DELETE FROM paysera_scanpay_wakes WHERE at_ms < ?1",
                params![now - kept],
            )
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO paysera_scanpay_wakes (transaction_key, at_ms) VALUES (?1, ?2)",
                    params![key, now],
                )
            })
            .map(drop)
            .map_err(|e| fail(&path, "hand over a callback", e))
        })
        .await
    }

    async fn take_wakes(&self, lease: &Lease) -> Result<Vec<String>, Error> {
        // Usually there are none: look first, without a write transaction (and its sync).
        let any: bool = self
            .lock()
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM paysera_scanpay_wakes)",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err("take callbacks", e))?;
        if !any {
            return Ok(Vec::new());
        }
        let (owner, path) = (lease.owner.clone(), self.path.clone());
        self.write("take callbacks", move |tx| {
            let what = "take callbacks";
            if !holds(tx, &owner).map_err(|e| fail(&path, what, e))? {
                return Ok(Vec::new());
            }
            let mut stmt = tx
                .prepare_cached("DELETE FROM paysera_scanpay_wakes RETURNING transaction_key")
                .map_err(|e| fail(&path, what, e))?;
            stmt.query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(|e| fail(&path, what, e))
        })
        .await
    }

    fn location(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

/// Whether `owner` holds the lease now (inside the caller's transaction).
fn holds(tx: &rusqlite::Transaction<'_>, owner: &str) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM paysera_scanpay_lease WHERE name = ?1 AND owner = ?2 AND until_ms > ?3)",
        params![LEASE, owner, unix_now_ms()],
        |r| r.get(0),
    )
}

/// Errors of the writer name the store; a bare one gets the store and the operation added.
fn annotate(e: Error, store: &str, what: &str) -> Error {
    match e {
        Error::Store(m) if !m.starts_with("store ") => {
            Error::Store(format!("store {store}: cannot {what}: {m}"))
        }
        other => other,
    }
}

/// Runs one job of a batch inside a savepoint of the batch's transaction: a job that fails
/// halfway (its second statement, say) leaves nothing behind when the batch commits the others.
fn in_savepoint<T>(
    tx: &rusqlite::Transaction<'_>,
    path: &Path,
    write: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    tx.execute_batch("SAVEPOINT job")
        .map_err(|e| fail(path, "start a savepoint", e))?;
    let out = write(tx);
    let end = if out.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    let ended = tx
        .execute_batch(end)
        .map_err(|e| fail(path, "end a savepoint", e));
    out.and_then(|v| ended.map(|()| v))
}

fn fail(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::Store(format!(
        "store sqlite://{}: cannot {what}: {e}",
        path.display()
    ))
}

pub(super) fn check_version(store: &str, found: &str) -> Result<(), Error> {
    match found.parse::<i64>() {
        Ok(v) if v == SCHEMA_VERSION => Ok(()),
        Ok(v) if v > SCHEMA_VERSION => Err(Error::Store(format!(
            "store {store}: its tables have schema version {v}, newer than this library's \
             ({SCHEMA_VERSION}); upgrade paysera-scanpay, or use another store"
        ))),
        _ => Err(Error::Store(format!(
            "store {store}: unknown schema version {found:?}"
        ))),
    }
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("cannot encode a store entry: {e}")))
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(store: &str, body: &str) -> Result<T, Error> {
    serde_json::from_str(body)
        .map_err(|e| Error::Store(format!("store {store}: an entry is corrupt: {e}")))
}

/// `path` with `suffix` appended to its file name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// When `path` holds an old cashier log: imports it into a new database built beside it, then
/// moves the log aside (`<path>.imported`) and the database into its place. A crash between the
/// two moves is finished by the next open.
fn import_log(path: &Path) -> Result<(), Error> {
    let (importing, imported) = (beside(path, ".importing"), beside(path, ".imported"));
    let moved = |from: &Path, to: &Path| {
        std::fs::rename(from, to).map_err(|e| {
            Error::Store(format!(
                "store {}: cannot move {} to {}: {e}",
                path.display(),
                from.display(),
                to.display()
            ))
        })
    };
    if !path.exists() && importing.exists() && imported.exists() {
        return moved(&importing, path);
    }
    let mut head = [0u8; 16];
    let n = match std::fs::File::open(path) {
        Ok(mut f) => std::io::Read::read(&mut f, &mut head).unwrap_or(0),
        Err(_) => return Ok(()),
    };
    if n == 0 || !legacy::is_log(&head[..n]) {
        return Ok(());
    }
    let contents = legacy::read(path)?;
    for stale in [
        importing.clone(),
        beside(&importing, "-wal"),
        beside(&importing, "-shm"),
    ] {
        let _ = std::fs::remove_file(stale);
    }
    {
        let store = SqliteStore::open_database(importing.clone())?;
        store.import(contents)?;
        // Everything in the main file before it moves: no WAL left behind.
        store
            .lock()
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(|e| fail(&importing, "checkpoint", e))?;
    }
    moved(path, &imported)?;
    moved(&importing, path)?;
    log::warn!(
        target: "paysera_scanpay",
        "store {}: imported the old cashier log (kept as {})",
        path.display(),
        imported.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(store: &SqliteStore) -> i64 {
        store
            .lock()
            .query_row(
                "SELECT count(*) FROM paysera_scanpay_meta WHERE key LIKE 'test-%'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[tokio::test]
    async fn a_job_failing_halfway_leaves_nothing_in_the_batch_it_shared() {
        let dir = super::super::tests::temp_dir("savepoint");
        let store = Arc::new(SqliteStore::open(dir.join("cashier.db")).unwrap());
        // Queue a failing job and a good one together so that they share one batch (and one
        // commit) whenever the writer finds both queued; either way neither may leave half.
        let bad = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .write("test", |tx| {
                        tx.execute(
                            "INSERT INTO paysera_scanpay_meta (key, value) VALUES ('test-half', 'x')",
                            [],
                        )
                        .map_err(|e| Error::Store(e.to_string()))?;
                        Err::<(), _>(Error::Store("the second statement failed".into()))
                    })
                    .await
            })
        };
        let good = store.write("test", |tx| {
            tx.execute(
                "INSERT INTO paysera_scanpay_meta (key, value) VALUES ('test-whole', 'y')",
                [],
            )
            .map(drop)
            .map_err(|e| Error::Store(e.to_string()))
        });
        good.await.unwrap();
        let err = bad.await.unwrap().unwrap_err();
        assert!(
            err.to_string().contains("the second statement failed"),
            "{err}"
        );
        assert_eq!(count(&store), 1, "only the good job's row is committed");
        let _ = std::fs::remove_dir_all(dir);
    }
}
