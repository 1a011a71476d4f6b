//! Where the cashier remembers what it started, so a restarted engine finishes it without
//! creating anything twice.
//!
//! Several backend replicas must not run cashiers over the same locations with separate stores:
//! each would price and order the same check-in. To share work, put the records in one store
//! with leases: a replica claims a record (or a location) by writing `owner` and `lease_until`
//! with a compare-and-set (SQL `UPDATE .. WHERE lease_until < now`, Redis `SET NX PX`), renews the
//! lease every tick, and skips records leased by others. Only the local stores below ship now.
//!
//! The store also holds the outbox: events recorded but not yet acknowledged by the merchant's
//! handler ([`UndeliveredEvent`]). They outlive their record, so a check-in that is finished and
//! forgotten still has its `paid` delivered.
//!
//! The trait is synchronous, and each method takes and returns plain owned values (no borrows
//! kept, no iterators), so that it can become an `async` trait for database stores unchanged in
//! shape.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::UndeliveredEvent;
use crate::error::Error;
use crate::models::Money;

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

/// Durable storage for [`Record`]s and the event outbox. Implementations must make every change
/// durable before returning.
pub trait Store: Send + Sync {
    /// Every record, at start.
    fn load(&self) -> Result<Vec<Record>, Error>;
    /// Inserts or replaces the record with this reference.
    fn save(&self, record: &Record) -> Result<(), Error>;
    /// Forgets a finished check-in (never its undelivered events).
    fn remove(&self, reference: &str) -> Result<(), Error>;
    /// Every undelivered event, at start, in any order (the engine orders them by `seq`).
    fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error>;
    /// Inserts or replaces the outbox entry of this event id.
    fn put_event(&self, entry: &UndeliveredEvent) -> Result<(), Error>;
    /// Removes the event the handler acknowledged.
    fn ack_event(&self, id: &str) -> Result<(), Error>;
}

/// The store the bindings offer: a [`FileStore`] log at `path`, or a [`MemoryStore`] without one.
pub fn open_store(path: Option<impl Into<PathBuf>>) -> Result<Arc<dyn Store>, Error> {
    Ok(match path {
        Some(path) => Arc::new(FileStore::open(path)?),
        None => Arc::new(MemoryStore::new()),
    })
}

/// Keeps records in memory: survives an engine restart inside the process (share the `Arc`),
/// not a process crash.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    records: Arc<Mutex<HashMap<String, Record>>>,
    events: Arc<Mutex<HashMap<String, UndeliveredEvent>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<Vec<Record>, Error> {
        Ok(lock(&self.records).values().cloned().collect())
    }
    fn save(&self, record: &Record) -> Result<(), Error> {
        lock(&self.records).insert(record.reference.clone(), record.clone());
        Ok(())
    }
    fn remove(&self, reference: &str) -> Result<(), Error> {
        lock(&self.records).remove(reference);
        Ok(())
    }
    fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        Ok(lock(&self.events).values().cloned().collect())
    }
    fn put_event(&self, entry: &UndeliveredEvent) -> Result<(), Error> {
        lock(&self.events).insert(entry.event.id.clone(), entry.clone());
        Ok(())
    }
    fn ack_event(&self, id: &str) -> Result<(), Error> {
        lock(&self.events).remove(id);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum LogLine {
    Put { record: Record },
    Del { reference: String },
    EventPut { entry: UndeliveredEvent },
    EventDel { id: String },
}

/// What the log says, replayed.
#[derive(Default)]
struct Contents {
    records: HashMap<String, Record>,
    events: HashMap<String, UndeliveredEvent>,
}

impl Contents {
    fn apply(&mut self, line: LogLine) {
        match line {
            LogLine::Put { record } => {
                self.records.insert(record.reference.clone(), record);
            }
            LogLine::Del { reference } => {
                self.records.remove(&reference);
            }
            LogLine::EventPut { entry } => {
                self.events.insert(entry.event.id.clone(), entry);
            }
            LogLine::EventDel { id } => {
                self.events.remove(&id);
            }
        }
    }

    fn len(&self) -> usize {
        self.records.len() + self.events.len()
    }
}

struct FileState {
    file: File,
    contents: Contents,
    lines: usize,
}

/// A crash-safe local store: an append-only JSON-lines log, `fsync`ed on every change and
/// compacted (write, `fsync`, atomic rename) when it grows. A torn last line — a write the crash
/// interrupted, never acknowledged — is ignored on open.
pub struct FileStore {
    path: PathBuf,
    state: Mutex<FileState>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish()
    }
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Store(format!("store {}: cannot {what}: {e}", path.display()))
}

impl FileStore {
    /// Opens (or creates) the log at `path` and replays it.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let mut contents = Contents::default();
        let mut lines = 0;
        if path.exists() {
            let file = File::open(&path).map_err(|e| io_error(&path, "open", e))?;
            let all: Vec<String> = BufReader::new(file)
                .lines()
                .collect::<Result<_, _>>()
                .map_err(|e| io_error(&path, "read", e))?;
            let count = all.len();
            for (i, line) in all.into_iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<LogLine>(&line) {
                    Ok(line) => contents.apply(line),
                    // Only the last line can be torn by a crash mid-write.
                    Err(_) if i + 1 == count => {
                        log::warn!(target: "paysera_scanpay", "store {}: ignoring a torn last line", path.display());
                    }
                    Err(e) => {
                        return Err(Error::Store(format!(
                            "store {}: line {} is corrupt: {e}",
                            path.display(),
                            i + 1
                        )));
                    }
                }
                lines += 1;
            }
        }
        let store = Self {
            state: Mutex::new(FileState {
                file: Self::rewrite(&path, &contents)?,
                contents,
                lines,
            }),
            path,
        };
        Ok(store)
    }

    /// Writes a compact log beside the old one, syncs it and renames it over the old one.
    fn rewrite(path: &Path, contents: &Contents) -> Result<File, Error> {
        let tmp = path.with_extension("tmp");
        {
            let mut f = File::create(&tmp).map_err(|e| io_error(&tmp, "create", e))?;
            let records = contents.records.values().map(|record| LogLine::Put {
                record: record.clone(),
            });
            let events = contents.events.values().map(|entry| LogLine::EventPut {
                entry: entry.clone(),
            });
            for line in records.chain(events) {
                let line = encode(&line)?;
                writeln!(f, "{line}").map_err(|e| io_error(&tmp, "write", e))?;
            }
            f.sync_all().map_err(|e| io_error(&tmp, "sync", e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| io_error(path, "replace", e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(path, "open", e))
    }

    fn append(&self, line: LogLine) -> Result<(), Error> {
        let mut state = lock(&self.state);
        let text = encode(&line)?;
        state
            .file
            .write_all(format!("{text}\n").as_bytes())
            .map_err(|e| io_error(&self.path, "write", e))?;
        state
            .file
            .sync_data()
            .map_err(|e| io_error(&self.path, "sync", e))?;
        state.contents.apply(line);
        state.lines += 1;
        if state.lines > 1000 && state.lines > 4 * state.contents.len() {
            let file = Self::rewrite(&self.path, &state.contents)?;
            state.file = file;
            state.lines = state.contents.len();
        }
        Ok(())
    }
}

fn encode(line: &LogLine) -> Result<String, Error> {
    serde_json::to_string(line)
        .map_err(|e| Error::Internal(format!("cannot encode a store line: {e}")))
}

impl Store for FileStore {
    fn load(&self) -> Result<Vec<Record>, Error> {
        Ok(lock(&self.state)
            .contents
            .records
            .values()
            .cloned()
            .collect())
    }
    fn save(&self, record: &Record) -> Result<(), Error> {
        self.append(LogLine::Put {
            record: record.clone(),
        })
    }
    fn remove(&self, reference: &str) -> Result<(), Error> {
        self.append(LogLine::Del {
            reference: reference.to_owned(),
        })
    }
    fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        Ok(lock(&self.state)
            .contents
            .events
            .values()
            .cloned()
            .collect())
    }
    fn put_event(&self, entry: &UndeliveredEvent) -> Result<(), Error> {
        self.append(LogLine::EventPut {
            entry: entry.clone(),
        })
    }
    fn ack_event(&self, id: &str) -> Result<(), Error> {
        self.append(LogLine::EventDel { id: id.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(reference: &str, stage: Stage) -> Record {
        Record {
            reference: reference.into(),
            spot_id: 1,
            location_id: None,
            stage,
            transaction_key: Some("K".into()),
            started_at: 1,
            ordered_at: None,
            amounts: vec![Money::new(100, "EUR")],
            parameters: Map::new(),
            delivered: vec![],
        }
    }

    fn pending(id: &str, seq: u64) -> UndeliveredEvent {
        UndeliveredEvent {
            event: crate::engine::Event {
                id: id.into(),
                kind: crate::engine::EventKind::Paid,
                spot_id: 1,
                location_id: Some(3),
                transaction_key: Some("K".into()),
                reference: "a".into(),
                amounts: vec![Money::new(100, "EUR")],
                parameters: Map::new(),
                message: None,
            },
            seq,
            attempts: 0,
            last_error: None,
            next_attempt_at_ms: 0,
        }
    }

    #[test]
    fn file_store_keeps_undelivered_events_across_reopen_and_compaction() {
        let dir = std::env::temp_dir().join(format!("ps-store-e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cashier.log");
        let _ = std::fs::remove_file(&path);
        {
            let s = FileStore::open(&path).unwrap();
            s.save(&record("a", Stage::Ordered)).unwrap();
            s.put_event(&pending("a:paid", 1)).unwrap();
            s.put_event(&pending("a:spot_closed", 2)).unwrap();
            let mut failed = pending("a:paid", 1);
            failed.attempts = 1;
            failed.last_error = Some("db down".into());
            s.put_event(&failed).unwrap();
            // The record is forgotten; its events stay until acknowledged.
            s.remove("a").unwrap();
            s.ack_event("a:spot_closed").unwrap();
            for i in 0..1200 {
                s.save(&record(&format!("r{}", i % 2), Stage::Ordered))
                    .unwrap();
            }
        }
        let s = FileStore::open(&path).unwrap();
        let events = s.load_events().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].attempts, 1);
        assert_eq!(events[0].last_error.as_deref(), Some("db down"));
        assert_eq!(s.load().unwrap().len(), 2);
        let memory = MemoryStore::new();
        memory.put_event(&pending("x:paid", 1)).unwrap();
        memory.ack_event("x:paid").unwrap();
        assert!(memory.load_events().unwrap().is_empty());
    }

    #[test]
    fn file_store_survives_reopen_and_torn_lines() {
        let dir = std::env::temp_dir().join(format!("ps-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cashier.log");
        let _ = std::fs::remove_file(&path);
        {
            let s = FileStore::open(&path).unwrap();
            s.save(&record("a", Stage::Creating)).unwrap();
            s.save(&record("b", Stage::Ordered)).unwrap();
            s.save(&record("a", Stage::Confirming)).unwrap();
            s.remove("b").unwrap();
        }
        // A crash in the middle of a write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"op\":\"put\",\"record\":{\"refer").unwrap();
        drop(f);
        let s = FileStore::open(&path).unwrap();
        let all = s.load().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].stage, Stage::Confirming);
        s.save(&record(
            "c",
            Stage::Closing {
                outcome: Outcome::Paid,
            },
        ))
        .unwrap();
        drop(s);
        let s = FileStore::open(&path).unwrap();
        assert_eq!(s.load().unwrap().len(), 2);
    }

    #[test]
    fn file_store_compacts() {
        let dir = std::env::temp_dir().join(format!("ps-store-c-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cashier.log");
        let _ = std::fs::remove_file(&path);
        let s = FileStore::open(&path).unwrap();
        for i in 0..1500 {
            s.save(&record(&format!("r{}", i % 3), Stage::Ordered))
                .unwrap();
        }
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines < 1000, "{lines}");
        drop(s);
        assert_eq!(FileStore::open(&path).unwrap().load().unwrap().len(), 3);
    }

    #[test]
    fn corrupt_middle_line_is_an_error() {
        let dir = std::env::temp_dir().join(format!("ps-store-x-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cashier.log");
        std::fs::write(&path, "garbage\n{\"op\":\"del\",\"reference\":\"a\"}\n").unwrap();
        let err = FileStore::open(&path).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }
}
