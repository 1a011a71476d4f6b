//! The MAC `ext` parameters `project_id` and `location_id` (Paysera's PHP library can add them to
//! every call): the project and location a call acts for. An unknown one is refused with 403
//! `forbidden`; a spot or transaction of another location is `not_found`, as Paysera hides what
//! a caller may not see.

use paysera_scanpay::callback::form_decode;

use crate::state::{ApiFailure, SpotFilter, TxFilter, World};

/// Who is calling, and for which project and location.
#[derive(Debug, Clone, Default)]
pub(super) struct Caller {
    pub client_id: String,
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

impl Caller {
    /// Reads `project_id` and `location_id` from a verified ext string.
    pub(super) fn new(client_id: String, ext: &str) -> Result<Self, ApiFailure> {
        let mut caller = Caller {
            client_id,
            ..Caller::default()
        };
        for pair in ext.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "project_id" => &mut caller.project_id,
                "location_id" => &mut caller.location_id,
                _ => continue,
            };
            let text = form_decode(value.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let id = text.parse().map_err(|_| {
                ApiFailure::invalid_parameter(
                    name,
                    format!("ext parameter {name} must be an id, got {text:?}"),
                )
            })?;
            *slot = Some(id);
        }
        Ok(caller)
    }

    /// Refuses a project or location this sandbox does not have.
    pub(super) fn check(&self, world: &World) -> Result<(), ApiFailure> {
        if let Some(p) = self.project_id
            && p != world.project_id
        {
            return Err(ApiFailure::new(
                403,
                "forbidden",
                format!("Client has no access to project {p}"),
            ));
        }
        if let Some(l) = self.location_id
            && !world.has_location(l)
        {
            return Err(ApiFailure::new(
                403,
                "forbidden",
                format!("Client has no access to location {l}"),
            ));
        }
        Ok(())
    }

    /// A spot outside the caller's location is not found.
    pub(super) fn spot(&self, world: &World, id: u64) -> Result<(), ApiFailure> {
        match (self.location_id, world.peek_spot(id)) {
            (Some(l), Some(spot)) if spot.location_id() != Some(l) => Err(ApiFailure::not_found(
                format!("Spot {id} not found in location {l}"),
            )),
            _ => Ok(()),
        }
    }

    /// A transaction of another project, or bound to another location, is not found. One not yet
    /// bound to any location (created without `location_id`, not ordered yet) is the project's.
    pub(super) fn transaction(&self, world: &World, key: &str) -> Result<(), ApiFailure> {
        let Some(tx) = world.peek_transaction(key) else {
            return Ok(());
        };
        let other_project = self.project_id.is_some_and(|p| tx.project_id != Some(p));
        let other_location = matches!(
            (self.location_id, tx.location_id),
            (Some(l), Some(t)) if l != t
        );
        if other_project || other_location {
            return Err(ApiFailure::not_found(format!(
                "Transaction {key} not found"
            )));
        }
        Ok(())
    }

    /// Narrows `GET /spots` to the caller's location; asking for another one is forbidden.
    pub(super) fn spots(&self, f: &mut SpotFilter) -> Result<(), ApiFailure> {
        f.location_id = narrow("location_id", f.location_id, self.location_id)?;
        Ok(())
    }

    /// Narrows `GET /transactions` to the caller's project and location.
    pub(super) fn transactions(&self, f: &mut TxFilter) -> Result<(), ApiFailure> {
        f.project_id = narrow("project_id", f.project_id, self.project_id)?;
        f.location_id = narrow("location_id", f.location_id, self.location_id)?;
        Ok(())
    }
}

fn narrow(name: &str, query: Option<u64>, ext: Option<u64>) -> Result<Option<u64>, ApiFailure> {
    match (query, ext) {
        (Some(q), Some(e)) if q != e => Err(ApiFailure::new(
            403,
            "forbidden",
            format!("{name} {q} is outside the {name} {e} this call acts for"),
        )),
        (q, e) => Ok(e.or(q)),
    }
}
