//! Records kept in this process: they survive an engine restart inside the process (share the
//! `Arc`), not a process crash. Leases work as in the database stores, between the engines of
//! this process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Acquired, Lease, Record, Snapshot, Store, lease_lost};
use crate::clock::unix_now_ms;
use crate::engine::UndeliveredEvent;
use crate::error::Error;

#[derive(Debug, Default)]
struct State {
    lease: Option<(String, i64)>,
    records: HashMap<String, Record>,
    events: HashMap<String, UndeliveredEvent>,
    wakes: Vec<String>,
}

impl State {
    fn holds(&self, lease: &Lease) -> Result<(), Error> {
        match &self.lease {
            Some((owner, until)) if *owner == lease.owner && *until > unix_now_ms() => Ok(()),
            _ => Err(lease_lost("memory", &lease.owner)),
        }
    }
}

/// The `memory` store.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn acquire(&self, lease: &Lease) -> Result<Acquired, Error> {
        let mut s = self.lock();
        let now = unix_now_ms();
        match &s.lease {
            Some((owner, until)) if *owner != lease.owner && *until > now => Ok(Acquired::Busy {
                owner: owner.clone(),
                until_ms: *until,
            }),
            current => {
                let renewed = current
                    .as_ref()
                    .is_some_and(|(owner, until)| *owner == lease.owner && *until > now);
                let until_ms = now.saturating_add(lease.ttl_ms());
                s.lease = Some((lease.owner.clone(), until_ms));
                Ok(Acquired::Held { until_ms, renewed })
            }
        }
    }
    async fn holder(&self) -> Result<Option<(String, i64)>, Error> {
        let s = self.lock();
        Ok(s.lease.clone().filter(|(_, until)| *until > unix_now_ms()))
    }
    async fn release(&self, lease: &Lease) -> Result<(), Error> {
        let mut s = self.lock();
        if s.lease
            .as_ref()
            .is_some_and(|(owner, _)| *owner == lease.owner)
        {
            s.lease = None;
        }
        Ok(())
    }
    async fn load(&self) -> Result<Vec<Record>, Error> {
        Ok(self.lock().records.values().cloned().collect())
    }
    async fn save(&self, lease: &Lease, record: &Record) -> Result<(), Error> {
        let mut s = self.lock();
        s.holds(lease)?;
        s.records.insert(record.reference.clone(), record.clone());
        Ok(())
    }
    async fn remove(&self, lease: &Lease, reference: &str) -> Result<(), Error> {
        let mut s = self.lock();
        s.holds(lease)?;
        s.records.remove(reference);
        Ok(())
    }
    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, Error> {
        Ok(self.lock().events.values().cloned().collect())
    }
    async fn put_event(&self, lease: &Lease, entry: &UndeliveredEvent) -> Result<(), Error> {
        let mut s = self.lock();
        s.holds(lease)?;
        s.events.insert(entry.event.id.clone(), entry.clone());
        Ok(())
    }
    async fn record_event(
        &self,
        lease: &Lease,
        record: &Record,
        entry: &UndeliveredEvent,
    ) -> Result<(), Error> {
        let mut s = self.lock();
        s.holds(lease)?;
        s.events.insert(entry.event.id.clone(), entry.clone());
        s.records.insert(record.reference.clone(), record.clone());
        Ok(())
    }
    async fn ack_event(&self, lease: &Lease, id: &str) -> Result<(), Error> {
        let mut s = self.lock();
        s.holds(lease)?;
        s.events.remove(id);
        Ok(())
    }
    async fn push_wake(&self, transaction_key: &str) -> Result<(), Error> {
        self.lock().wakes.push(transaction_key.to_owned());
        Ok(())
    }
    async fn take_wakes(&self, lease: &Lease) -> Result<Vec<String>, Error> {
        let mut s = self.lock();
        if s.holds(lease).is_err() {
            return Ok(Vec::new());
        }
        Ok(std::mem::take(&mut s.wakes))
    }
    fn snapshot(&self) -> Option<Result<Snapshot, Error>> {
        let s = self.lock();
        Some(Ok((
            s.records.values().cloned().collect(),
            s.events.values().cloned().collect(),
        )))
    }
    fn release_now(&self, lease: &Lease) {
        let mut s = self.lock();
        if s.lease
            .as_ref()
            .is_some_and(|(owner, _)| *owner == lease.owner)
        {
            s.lease = None;
        }
    }
    fn shared(&self) -> bool {
        false
    }
    fn location(&self) -> String {
        "memory".to_owned()
    }
}
