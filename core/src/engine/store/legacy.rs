//! The JSON-lines log of the earlier file store, read once to import it into SQLite.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::Record;
use crate::engine::UndeliveredEvent;
use crate::error::Error;

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum LogLine {
    Put { record: Record },
    Del { reference: String },
    EventPut { entry: UndeliveredEvent },
    EventDel { id: String },
}

/// What a log says, replayed.
#[derive(Debug, Default)]
pub(super) struct Contents {
    pub records: HashMap<String, Record>,
    pub events: HashMap<String, UndeliveredEvent>,
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
}

/// Whether `head` (a file's first bytes) looks like a cashier log rather than a database.
pub(super) fn is_log(head: &[u8]) -> bool {
    let text = head.trim_ascii_start();
    text.starts_with(b"{\"op\":") || text.starts_with(b"{ \"op\"")
}

/// Replays the log at `path`. A torn last line (a write a crash interrupted, never
/// acknowledged) is ignored; a corrupt line elsewhere is an error naming it.
pub(super) fn read(path: &Path) -> Result<Contents, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Store(format!(
            "store {}: cannot read the old cashier log: {e}",
            path.display()
        ))
    })?;
    let lines: Vec<&str> = text.lines().collect();
    let mut contents = Contents::default();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LogLine>(line) {
            Ok(line) => contents.apply(line),
            Err(_) if i + 1 == lines.len() => {
                log::warn!(target: "paysera_scanpay", "store {}: ignoring a torn last line of the old cashier log", path.display());
            }
            Err(e) => {
                return Err(Error::Store(format!(
                    "store {}: line {} of the old cashier log is corrupt: {e}",
                    path.display(),
                    i + 1
                )));
            }
        }
    }
    Ok(contents)
}
