//! Finding transactions by the shop's own reference: what to do after `outcome_unknown` on a
//! create, since Paysera has no idempotency keys.

use serde_json::Value;

use super::{Client, TransactionQuery};
use crate::defaults::MAX_PAGE_SIZE;
use crate::error::Error;
use crate::models::Transaction;

impl Client {
    /// Every transaction created between `from` and `to` (Unix seconds, as `GET /transactions`
    /// filters `created_at`; `None`: unbounded) one of whose payments carries
    /// `parameters[parameter] == value`. A number or boolean parameter matches its text
    /// (`{"orderid": 1234}` matches `"1234"`). Walks every page of the window (200 a page), so
    /// keep the window short: from a little before the create to now.
    ///
    /// ```no_run
    /// # async fn run(client: paysera_scanpay::Client, started: i64) -> Result<(), paysera_scanpay::Error> {
    /// // The create's response was lost: did Paysera make the transaction?
    /// let found = client.find_transactions("orderid", "1234", Some(started - 60), None).await?;
    /// if let Some(tx) = found.first() {
    ///     println!("already created: {}", tx.transaction_key);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_transactions(
        &self,
        parameter: &str,
        value: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<Transaction>, Error> {
        if parameter.is_empty() {
            return Err(Error::invalid_input(
                "find_transactions: parameter is empty",
            ));
        }
        let mut pages = self.iter_transactions(TransactionQuery {
            from,
            to,
            limit: Some(MAX_PAGE_SIZE),
            ..TransactionQuery::default()
        });
        let mut found = Vec::new();
        while let Some(page) = pages.next_page().await? {
            found.extend(page.into_iter().filter(|tx| carries(tx, parameter, value)));
        }
        Ok(found)
    }
}

/// Whether one of `tx`'s payments has `parameters[name]` equal to `value` as text.
pub(crate) fn carries(tx: &Transaction, name: &str, value: &str) -> bool {
    tx.payments().iter().any(|p| {
        p.parameters
            .as_ref()
            .and_then(|m| m.get(name))
            .is_some_and(|v| match v {
                Value::String(s) => s == value,
                Value::Number(n) => n.to_string() == value,
                Value::Bool(b) => b.to_string() == value,
                _ => false,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_match_as_text() {
        let tx: Transaction = serde_json::from_str(
            r#"{"transaction_key":"k","status":"new","payments":[
                {"parameters":[]},
                {"parameters":{"orderid":1234,"ref":"a-1","ok":true}}]}"#,
        )
        .unwrap();
        assert!(carries(&tx, "orderid", "1234"));
        assert!(carries(&tx, "ref", "a-1"));
        assert!(carries(&tx, "ok", "true"));
        assert!(!carries(&tx, "orderid", "123"));
        assert!(!carries(&tx, "missing", "1234"));
    }
}
