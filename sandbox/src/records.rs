//! What a sandbox remembers for the test to read: the requests it received and the callbacks
//! it sent.

use serde::{Deserialize, Serialize};

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
