//! The loop's steps: what each record stage and each Paysera state leads to. Every step saves
//! the record *before* a call whose outcome could be lost, and reconciles a lost outcome by
//! reading Paysera's state before re-creating anything.

use std::sync::atomic::Ordering;

use super::reference::{reference_of, spot_of_reference};
use super::{
    CallError, Engine, EventKind, Outcome, REFERENCE_PARAMETER, Record, Stage, Step, delivered,
    now, reference_for,
};
use crate::client::carries;
use serde_json::{Map, Value};

use crate::client::TransactionQuery;
use crate::models::{
    CallbackUri, OrderStatus, Payment, Spot, Transaction, TransactionRequest, TransactionStatus,
};

impl Engine {
    pub(super) async fn on_waiting_spot(&self, spot: Spot) -> Step {
        let reference = reference_for(&spot);
        let live_orders: Vec<_> = spot
            .orders()
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Pending | OrderStatus::Reserved))
            .collect();
        match self.record(&reference) {
            Some(mut record) => match record.stage {
                Stage::Ordering => {
                    // Did the lost attach land? The spot's orders tell.
                    let key = record.transaction_key.clone().unwrap_or_default();
                    if spot.orders().iter().any(|o| o.transaction_key == key) {
                        record.stage = Stage::Ordered;
                        record.ordered_at = Some(now());
                        self.reported(&record, self.save(&record).await).await?;
                        self.emit(&mut record, EventKind::OrderCreated, None).await
                    } else if live_orders.is_empty() {
                        self.attach(record, spot.id).await
                    } else {
                        Ok(Vec::new())
                    }
                }
                Stage::Ordered => {
                    let key = record.transaction_key.clone().unwrap_or_default();
                    let ours = spot.orders().iter().find(|o| o.transaction_key == key);
                    match ours.map(|o| &o.status) {
                        Some(OrderStatus::Pending | OrderStatus::Reserved) => Ok(Vec::new()),
                        // The order ended without our confirm: find out how.
                        _ => self.settle_from_transaction(record).await,
                    }
                }
                _ => Ok(Vec::new()),
            },
            None if live_orders.is_empty() => self.start(spot, reference).await,
            None => Ok(Vec::new()),
        }
    }

    async fn start(&self, spot: Spot, reference: String) -> Step {
        let spot_id = spot.id;
        let location_id = spot.location_id();
        let priced = self.merchant.price(spot).await;
        let probe = Record {
            reference: reference.clone(),
            spot_id,
            location_id,
            stage: Stage::Creating,
            transaction_key: None,
            started_at: now(),
            ordered_at: None,
            amounts: Vec::new(),
            parameters: Map::new(),
            delivered: Vec::new(),
        };
        let payments = match priced {
            Ok(Some(p)) if !p.is_empty() => p,
            Ok(_) => return Ok(Vec::new()),
            Err(e) => {
                return self
                    .error(&probe, format!("price handler failed: {e}"))
                    .await;
            }
        };
        let payments: Vec<Payment> = payments
            .into_iter()
            .map(|p| p.with_parameter(REFERENCE_PARAMETER, reference.clone()))
            .collect();
        let mut request = TransactionRequest::new(payments);
        request.callback_uri = self.config.callback_uri.clone().map(CallbackUri::Url);
        if let Err(problems) = request.validate() {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return self
                .error(
                    &probe,
                    format!(
                        "price handler returned invalid payments: {}",
                        list.join("; ")
                    ),
                )
                .await;
        }
        let mut record = probe;
        record.amounts = request
            .payments
            .iter()
            .filter_map(|p| p.money().ok().flatten())
            .collect();
        record.parameters = merged_parameters(&request.payments);
        self.reported(&record, self.save(&record).await).await?;
        self.create(record, request).await
    }

    async fn create(&self, mut record: Record, request: TransactionRequest) -> Step {
        match self.call(self.client.create_transaction(&request)).await {
            Ok(tx) => {
                record.transaction_key = Some(tx.transaction_key);
                record.stage = Stage::Created;
                self.reported(&record, self.save(&record).await).await?;
                self.attach(record.clone(), record.spot_id).await
            }
            // Stays Creating: the next tick looks the transaction up before creating another.
            Err(CallError::Lost(e)) => {
                self.error(&record, format!("creating the transaction: {e}"))
                    .await
            }
            Err(CallError::Failed(e)) => {
                let _ = self.forget(&record.reference).await;
                self.error(&record, format!("creating the transaction: {e}"))
                    .await
            }
        }
    }

    async fn attach(&self, mut record: Record, spot_id: u64) -> Step {
        let key = record.transaction_key.clone().unwrap_or_default();
        record.stage = Stage::Ordering;
        self.reported(&record, self.save(&record).await).await?;
        match self
            .call(self.client.create_spot_order(spot_id, &key))
            .await
        {
            Ok(_) => {
                record.stage = Stage::Ordered;
                record.ordered_at = Some(now());
                self.reported(&record, self.save(&record).await).await?;
                self.emit(&mut record, EventKind::OrderCreated, None).await
            }
            Err(CallError::Lost(e)) => {
                self.error(&record, format!("attaching the order: {e}"))
                    .await
            }
            Err(CallError::Failed(e)) if e.code() == "invalid_state" || e.code() == "not_found" => {
                // The spot is gone (closed, nobody checked in): withdraw the bill.
                record.stage = Stage::Revoking;
                self.reported(&record, self.save(&record).await).await?;
                self.revoke(record, Outcome::Expired).await
            }
            Err(CallError::Failed(e)) => {
                self.error(&record, format!("attaching the order: {e}"))
                    .await
            }
        }
    }

    pub(super) async fn on_reserved(&self, tx: Transaction) -> Step {
        let Some(reference) = reference_of(&tx) else {
            return Ok(Vec::new()); // Not created by this cashier.
        };
        let mut record = match self.record(&reference) {
            Some(r) => r,
            None => match spot_of_reference(&reference) {
                // Ours, but the record is gone (e.g. an in-memory store after a crash): the
                // customer paid, so finish it.
                Some(spot_id) => Record {
                    reference: reference.clone(),
                    spot_id,
                    location_id: tx.location_id,
                    stage: Stage::Ordered,
                    transaction_key: Some(tx.transaction_key.clone()),
                    started_at: now(),
                    ordered_at: None,
                    amounts: tx.total().unwrap_or_default(),
                    parameters: merged_parameters(tx.payments()),
                    delivered: Vec::new(),
                },
                None => return Ok(Vec::new()),
            },
        };
        if record.transaction_key.as_deref() != Some(tx.transaction_key.as_str()) {
            // A second transaction for one check-in would be a bug upstream; never confirm it.
            return self
                .error(
                    &record,
                    format!(
                        "reserved transaction {} is not this check-in's",
                        tx.transaction_key
                    ),
                )
                .await;
        }
        if matches!(record.stage, Stage::Closing { .. }) {
            return Ok(Vec::new());
        }
        record.stage = Stage::Confirming;
        self.reported(&record, self.save(&record).await).await?;
        self.confirm(record, tx).await
    }

    async fn confirm(&self, mut record: Record, tx: Transaction) -> Step {
        let prices = match self.merchant.adjust(tx.clone()).await {
            Ok(p) => p,
            Err(e) => {
                return self
                    .error(&record, format!("adjust handler failed: {e}"))
                    .await;
            }
        };
        let key = tx.transaction_key.clone();
        match self
            .call(self.client.confirm_transaction(&key, prices.as_ref()))
            .await
        {
            Ok(confirmed) => {
                self.unreserved.fetch_add(1, Ordering::Relaxed);
                self.paid(record, confirmed).await
            }
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {
                // Not reserved any more: read what it became.
                self.unreserved.fetch_add(1, Ordering::Relaxed);
                record.stage = Stage::Confirming;
                Box::pin(self.settle_from_transaction(record)).await
            }
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                self.error(&record, format!("confirming: {e}")).await
            }
        }
    }

    async fn paid(&self, mut record: Record, tx: Transaction) -> Step {
        record.amounts = tx.total().unwrap_or_default();
        // Paysera's copy of what the shop set, for records that predate it.
        if record.parameters.is_empty() {
            record.parameters = merged_parameters(tx.payments());
        }
        record.location_id = record.location_id.or(tx.location_id);
        record.stage = Stage::Closing {
            outcome: Outcome::Paid,
        };
        self.reported(&record, self.save(&record).await).await?;
        let mut events = self.emit(&mut record, EventKind::Paid, None).await?;
        events.extend(delivered(self.close(record).await));
        Ok(events)
    }

    /// Reads the transaction and moves the record to wherever Paysera says it is.
    pub(super) async fn settle_from_transaction(&self, mut record: Record) -> Step {
        let Some(key) = record.transaction_key.clone() else {
            return Ok(Vec::new());
        };
        let tx = match self.call(self.client.get_transaction(&key)).await {
            Ok(tx) => tx,
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self
                    .error(&record, format!("reading the transaction: {e}"))
                    .await;
            }
        };
        let outcome = match tx.status {
            TransactionStatus::Confirmed => return self.paid(record, tx).await,
            TransactionStatus::Reserved => {
                record.stage = Stage::Confirming;
                self.reported(&record, self.save(&record).await).await?;
                return self.confirm(record, tx).await;
            }
            TransactionStatus::Rejected => Outcome::Rejected,
            TransactionStatus::Revoked | TransactionStatus::Deleted => Outcome::Expired,
            TransactionStatus::Failed => Outcome::Failed,
            // Still awaiting the customer (the order may have been replaced): keep waiting.
            _ => {
                if record.stage == Stage::Confirming {
                    record.stage = Stage::Ordered;
                    let _ = self.save(&record).await;
                }
                return Ok(Vec::new());
            }
        };
        self.finish(record, outcome).await
    }

    async fn finish(&self, mut record: Record, outcome: Outcome) -> Step {
        record.stage = Stage::Closing { outcome };
        self.reported(&record, self.save(&record).await).await?;
        let mut events = self.emit(&mut record, outcome_event(outcome), None).await?;
        events.extend(delivered(self.close(record).await));
        Ok(events)
    }

    /// The customer had the order for `customer_timeout`. Paysera lets a merchant revoke even a
    /// reserved transaction, so read it first: a customer who confirmed at the last moment is
    /// charged, not refunded.
    pub(super) async fn revoke_stale(&self, mut record: Record) -> Step {
        let Some(key) = record.transaction_key.clone() else {
            return Ok(Vec::new());
        };
        match self.call(self.client.get_transaction(&key)).await {
            Ok(tx)
                if tx.status == TransactionStatus::New
                    || tx.status == TransactionStatus::Waiting => {}
            Ok(_) => return self.settle_from_transaction(record).await,
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self
                    .error(&record, format!("reading the transaction: {e}"))
                    .await;
            }
        }
        record.stage = Stage::Revoking;
        self.reported(&record, self.save(&record).await).await?;
        self.revoke(record, Outcome::Expired).await
    }

    async fn revoke(&self, mut record: Record, outcome: Outcome) -> Step {
        let Some(key) = record.transaction_key.clone() else {
            let _ = self.forget(&record.reference).await;
            return Ok(Vec::new());
        };
        match self.call(self.client.revoke_transaction(&key)).await {
            Ok(_) => self.finish(record, outcome).await,
            // Reserved (or otherwise moved on) in the meantime: follow Paysera's state.
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {
                record.stage = Stage::Ordered;
                let _ = self.save(&record).await;
                self.settle_from_transaction(record).await
            }
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                self.error(&record, format!("revoking: {e}")).await
            }
        }
    }

    async fn close(&self, mut record: Record) -> Step {
        match self.call(self.client.close_spot(record.spot_id)).await {
            // Already closed (by us before a lost response, or by staff): the spot is free.
            Ok(_) => {
                self.spots_closed.fetch_add(1, Ordering::Relaxed);
            }
            Err(CallError::Failed(e)) if e.code() == "invalid_state" => {}
            Err(CallError::Lost(e) | CallError::Failed(e)) => {
                return self.error(&record, format!("closing the spot: {e}")).await;
            }
        }
        let events = self.emit(&mut record, EventKind::SpotClosed, None).await?;
        self.reported(&record, self.forget(&record.reference).await)
            .await?;
        Ok(events)
    }

    /// Continues a record left mid-way.
    pub(super) async fn resume(&self, record: Record) -> Step {
        match record.stage.clone() {
            Stage::Creating => self.find_or_recreate(record).await,
            Stage::Created => {
                let spot_id = record.spot_id;
                self.attach(record, spot_id).await
            }
            Stage::Confirming => self.settle_from_transaction(record).await,
            // The customer may have confirmed since: check before revoking again.
            Stage::Revoking => self.revoke_stale(record).await,
            Stage::Closing { outcome } => {
                let mut record = record;
                // Deliver the outcome if a crash came between recording and delivering it.
                let mut events = self.emit(&mut record, outcome_event(outcome), None).await?;
                events.extend(delivered(self.close(record).await));
                Ok(events)
            }
            Stage::Ordering | Stage::Ordered => Ok(Vec::new()),
        }
    }

    /// A create whose outcome was lost: look for a transaction carrying the reference first.
    async fn find_or_recreate(&self, mut record: Record) -> Step {
        let query = TransactionQuery {
            from: Some(record.started_at - 600),
            limit: Some(200),
            ..Default::default()
        };
        let mut pages = self.client.iter_transactions(query);
        loop {
            let page = match self.call(pages.next_page()).await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(CallError::Lost(e) | CallError::Failed(e)) => {
                    return self
                        .error(&record, format!("looking up the transaction: {e}"))
                        .await;
                }
            };
            if let Some(tx) = page
                .into_iter()
                .find(|t| carries(t, REFERENCE_PARAMETER, &record.reference))
            {
                record.transaction_key = Some(tx.transaction_key.clone());
                record.stage = Stage::Created;
                self.reported(&record, self.save(&record).await).await?;
                return match tx.status {
                    TransactionStatus::New => {
                        let spot_id = record.spot_id;
                        self.attach(record, spot_id).await
                    }
                    _ => self.settle_from_transaction(record).await,
                };
            }
        }
        // Provably not created: price the spot afresh on its next appearance.
        let _ = self.forget(&record.reference).await;
        Ok(Vec::new())
    }
}

/// The payments' `parameters` in one map; a key set in several payments keeps the first value.
fn merged_parameters(payments: &[Payment]) -> Map<String, Value> {
    let mut merged = Map::new();
    for parameters in payments.iter().filter_map(|p| p.parameters.as_ref()) {
        for (key, value) in parameters {
            merged.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    merged
}

/// The event that reports how a check-in ended.
fn outcome_event(outcome: Outcome) -> EventKind {
    match outcome {
        Outcome::Paid => EventKind::Paid,
        Outcome::Rejected => EventKind::Rejected,
        Outcome::Expired => EventKind::Expired,
        Outcome::Failed => EventKind::Failed,
    }
}
