//! Check-in references: derived from the spot, carried in every payment's `parameters`.

use crate::models::{Spot, Transaction};

/// The parameter, in every payment, that carries the check-in's reference.
pub const REFERENCE_PARAMETER: &str = "scanpay_reference";

/// The deterministic reference of a spot's current check-in session.
pub fn reference_for(spot: &Spot) -> String {
    let first = spot
        .check_ins()
        .iter()
        .min_by_key(|c| c.date.unwrap_or(i64::MAX));
    let (date, user) = first.map_or((0, 0), |c| (c.date.unwrap_or(0), c.user_id.unwrap_or(0)));
    format!("sp{}-{}-{}", spot.id, date, user)
}

pub(super) fn spot_of_reference(reference: &str) -> Option<u64> {
    reference
        .strip_prefix("sp")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

pub(super) fn reference_of(tx: &Transaction) -> Option<String> {
    tx.payments().iter().find_map(|p| {
        p.parameters
            .as_ref()?
            .get(REFERENCE_PARAMETER)?
            .as_str()
            .map(str::to_owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_deterministic() {
        let spot: Spot = serde_json::from_str(
            r#"{"id":15,"status":"waiting","check_ins":[{"user_id":7,"date":200},{"user_id":99,"date":100}]}"#,
        )
        .unwrap();
        assert_eq!(reference_for(&spot), "sp15-100-99");
        assert_eq!(spot_of_reference("sp15-100-99"), Some(15));
        assert_eq!(spot_of_reference("other"), None);
    }
}
