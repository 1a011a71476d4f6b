//! Listing filters and the query strings they become.

use crate::defaults::check_page_size;
use crate::encoding::form_urlencode;
use crate::error::Error;
use crate::models::{SpotStatus, TransactionStatus};

/// Filters for `GET /spots`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpotQuery {
    pub status: Option<SpotStatus>,
    pub location_id: Option<u64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Filters for `GET /transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// Sent comma-separated; empty means any status.
    pub statuses: Vec<TransactionStatus>,
    pub wallet: Option<u64>,
    /// Unix seconds, inclusive lower bound of `created_at`.
    pub from: Option<i64>,
    /// Unix seconds, upper bound of `created_at`.
    pub to: Option<i64>,
    /// 1–200 ([`crate::defaults::MIN_PAGE_SIZE`]–[`crate::defaults::MAX_PAGE_SIZE`]).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

pub(super) struct Query(Vec<(&'static str, String)>);

impl Query {
    pub(super) fn to_path(&self, path: &str) -> String {
        if self.0.is_empty() {
            return path.to_owned();
        }
        let q: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", form_urlencode(v)))
            .collect();
        format!("{path}?{}", q.join("&"))
    }
}

impl SpotQuery {
    pub(super) fn encode(&self) -> Result<Query, Error> {
        let mut q = Vec::new();
        if let Some(s) = &self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(l) = self.location_id {
            q.push(("location_id", l.to_string()));
        }
        push_paging(&mut q, self.limit, self.offset)?;
        Ok(Query(q))
    }
}

impl TransactionQuery {
    pub(super) fn encode(&self) -> Result<Query, Error> {
        let mut q = Vec::new();
        if !self.statuses.is_empty() {
            let s: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
            q.push(("status", s.join(",")));
        }
        if let Some(w) = self.wallet {
            q.push(("wallet", w.to_string()));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(Error::invalid_input(format!(
                "transaction query: from ({from}) is after to ({to})"
            )));
        }
        if let Some(f) = self.from {
            q.push(("from", f.to_string()));
        }
        if let Some(t) = self.to {
            q.push(("to", t.to_string()));
        }
        push_paging(&mut q, self.limit, self.offset)?;
        if let Some(p) = self.project_id {
            q.push(("project_id", p.to_string()));
        }
        if let Some(l) = self.location_id {
            q.push(("location_id", l.to_string()));
        }
        Ok(Query(q))
    }
}

fn push_paging(
    q: &mut Vec<(&'static str, String)>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> Result<(), Error> {
    if let Some(l) = limit {
        check_page_size("limit", l)?;
        q.push(("limit", l.to_string()));
    }
    if let Some(o) = offset {
        q.push(("offset", o.to_string()));
    }
    Ok(())
}

/// Transaction keys and ids go into URL paths: allow only what Paysera issues.
pub(super) fn check_key(key: &str) -> Result<&str, Error> {
    if key.is_empty() {
        return Err(Error::invalid_input("transaction key is empty"));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid_input(format!(
            "transaction key {key:?} contains {c:?}; keys are letters and digits"
        )));
    }
    Ok(key)
}
