//! The simulated Paysera world: locations, spots, orders and transactions with Paysera's state
//! machines. Pure and synchronous; the HTTP layer and the control plane both drive it.

use std::collections::{BTreeMap, HashMap};

use paysera_scanpay::models::{
    CallbackUri, CheckIn, Metadata, Order, OrderRequest, OrderStatus, PaymentStatus, PlaceInfo,
    Spot, SpotList, SpotStatus, Transaction, TransactionStatus, TransactionType,
};
use paysera_scanpay::qr::QrCode;
use serde_json::Map;

mod transactions;
mod types;

pub use types::{
    ApiFailure, Autopilot, DEFAULT_PAGE, MAX_PAGE, PendingCallback, SpotFilter, SpotRef, TxFilter,
};

#[derive(Debug, Clone)]
struct TxRecord {
    tx: Transaction,
    client_id: String,
    spot_id: Option<u64>,
    order_id: Option<u64>,
    reserved_at: Option<i64>,
}

/// The whole simulated state.
#[derive(Debug)]
pub struct World {
    pub project_id: u64,
    /// When set, customers answer every new order at once.
    pub autopilot: Option<Autopilot>,
    clock_offset: i64,
    next_spot: u64,
    next_order: u64,
    next_payment: u64,
    next_user: u64,
    locations: BTreeMap<u64, PlaceInfo>,
    spots: BTreeMap<u64, Spot>,
    transactions: HashMap<String, TxRecord>,
    /// Transaction keys in creation order (listing order).
    order: Vec<String>,
}

impl World {
    pub fn new(project_id: u64) -> Self {
        Self {
            project_id,
            autopilot: None,
            clock_offset: 0,
            next_spot: 1,
            next_order: 1,
            next_payment: 1,
            next_user: 1,
            locations: BTreeMap::new(),
            spots: BTreeMap::new(),
            transactions: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// The sandbox clock: real time plus whatever the tests advanced it by.
    pub fn now(&self) -> i64 {
        real_now() + self.clock_offset
    }

    /// Moves the clock forward and lapses reservations whose time ran out.
    pub fn advance_clock(&mut self, seconds: i64) -> Result<i64, ApiFailure> {
        if seconds < 0 {
            return Err(ApiFailure::invalid_parameter(
                "seconds",
                "the clock only moves forward",
            ));
        }
        self.clock_offset += seconds;
        let now = self.now();
        let mut lapsed = Vec::new();
        for rec in self.transactions.values() {
            if rec.tx.status == TransactionStatus::Reserved
                && let Some(deadline) = reserve_deadline(rec)
                && now > deadline
            {
                lapsed.push(rec.tx.transaction_key.clone());
            }
        }
        for key in lapsed {
            self.finish(&key, TransactionStatus::Revoked, PaymentStatus::Revoked);
        }
        Ok(now)
    }

    // ---- control plane ------------------------------------------------------------------------

    /// Creates (or updates) a location.
    pub fn upsert_location(&mut self, location_id: u64, info: PlaceInfo) -> PlaceInfo {
        let mut info = info;
        info.location_id = Some(location_id);
        let entry = self.locations.entry(location_id).or_default();
        merge_place(entry, &info);
        entry.location_id = Some(location_id);
        entry.clone()
    }

    /// A new free spot (status `closed`: nobody has scanned it).
    pub fn create_spot(
        &mut self,
        location_id: u64,
        identifier: &str,
        place: PlaceInfo,
    ) -> Result<Spot, ApiFailure> {
        QrCode::spot(location_id, identifier)
            .map_err(|e| ApiFailure::invalid_parameter("identifier", e.to_string()))?;
        if self.spots.values().any(|s| {
            s.location_id() == Some(location_id) && s.identifier.as_deref() == Some(identifier)
        }) {
            return Err(ApiFailure::invalid_parameter(
                "identifier",
                format!("location {location_id} already has a spot {identifier:?}"),
            ));
        }
        let mut info = self
            .locations
            .get(&location_id)
            .cloned()
            .unwrap_or_else(|| PlaceInfo {
                title: Some(format!("Location {location_id}")),
                ..Default::default()
            });
        merge_place(&mut info, &place);
        info.location_id = Some(location_id);
        self.locations.insert(location_id, info.clone());
        let id = self.next_spot;
        self.next_spot += 1;
        let spot = Spot {
            id,
            status: SpotStatus::Closed,
            identifier: Some(identifier.to_owned()),
            place_info: Some(info),
            check_ins: Some(Vec::new()),
            orders: Some(Vec::new()),
            extra: Map::new(),
        };
        self.spots.insert(id, spot.clone());
        Ok(spot)
    }

    pub fn spot_id_for(&self, spot: &SpotRef) -> Result<u64, ApiFailure> {
        match spot {
            SpotRef::Id(id) => self
                .spots
                .contains_key(id)
                .then_some(*id)
                .ok_or_else(|| ApiFailure::not_found(format!("Spot {id} not found"))),
            SpotRef::Code(code) => {
                let parsed = QrCode::parse(code)
                    .map_err(|e| ApiFailure::invalid_parameter("code", e.to_string()))?;
                let QrCode::Spot {
                    location_id,
                    identifier,
                } = parsed.inner()
                else {
                    return Err(ApiFailure::invalid_parameter(
                        "code",
                        format!(
                            "{code:?} is a {} code, not a spot code",
                            parsed.inner().kind()
                        ),
                    ));
                };
                self.spots
                    .values()
                    .find(|s| {
                        s.location_id() == Some(*location_id)
                            && s.identifier.as_deref() == Some(identifier.as_str())
                    })
                    .map(|s| s.id)
                    .ok_or_else(|| ApiFailure::not_found(format!("No spot for code {code}")))
            }
        }
    }

    /// The customer scans the spot's code: it becomes `waiting` with their check-in. Scanning a
    /// free spot starts a new session (the previous session's orders are gone).
    pub fn scan(&mut self, spot: &SpotRef, user_id: Option<u64>) -> Result<Spot, ApiFailure> {
        let id = self.spot_id_for(spot)?;
        let now = self.now();
        let user_id = user_id.unwrap_or_else(|| {
            let u = self.next_user;
            self.next_user += 1;
            u
        });
        let spot = self.spots.get_mut(&id).expect("checked above");
        if spot.status != SpotStatus::Waiting {
            spot.orders = Some(Vec::new());
            spot.check_ins = Some(Vec::new());
        }
        spot.status = SpotStatus::Waiting;
        spot.check_ins.get_or_insert_with(Vec::new).push(CheckIn {
            user_id: Some(user_id),
            date: Some(now),
            extra: Map::new(),
        });
        Ok(spot.clone())
    }

    /// The customer confirms in the app: the transaction is reserved (or confirmed, with
    /// `auto_confirm`).
    pub fn customer_confirm(
        &mut self,
        key: &str,
        wallet: Option<u64>,
    ) -> Result<(Transaction, Vec<PendingCallback>), ApiFailure> {
        let now = self.now();
        let rec = self.record_mut(key)?;
        if !is_awaiting_customer(&rec.tx.status) {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} cannot be confirmed by the customer: it is {}",
                rec.tx.status
            )));
        }
        let wallet = wallet.unwrap_or(14471);
        let auto = rec.tx.auto_confirm == Some(true);
        rec.reserved_at = Some(now);
        rec.tx.wallet = Some(wallet);
        rec.tx.transaction_type = Some(TransactionType::Page);
        let (status, pay_status, order_status, event) = if auto {
            (
                TransactionStatus::Confirmed,
                PaymentStatus::Confirmed,
                OrderStatus::Confirmed,
                "confirmed",
            )
        } else {
            (
                TransactionStatus::Reserved,
                PaymentStatus::Reserved,
                OrderStatus::Reserved,
                "reserved",
            )
        };
        rec.tx.status = status;
        if auto {
            rec.tx.confirmed_at = Some(now);
        }
        for p in rec.tx.payments.iter_mut().flatten() {
            p.status = Some(pay_status.clone());
            p.wallet = Some(wallet);
            if auto {
                p.confirmed_at = Some(now);
            }
        }
        let (spot_id, order_id) = (rec.spot_id, rec.order_id);
        let tx = rec.tx.clone();
        self.set_order_status(spot_id, order_id, order_status);
        Ok((tx.clone(), callback(&tx, event)))
    }

    /// The customer declines in the app.
    pub fn customer_reject(
        &mut self,
        key: &str,
    ) -> Result<(Transaction, Vec<PendingCallback>), ApiFailure> {
        let status = self.record(key)?.tx.status.clone();
        if !is_awaiting_customer(&status) {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} cannot be rejected: it is {status}"
            )));
        }
        let tx = self.finish(key, TransactionStatus::Rejected, PaymentStatus::Rejected);
        Ok((tx.clone(), callback(&tx, "rejected")))
    }

    /// Paysera gives up on the transaction: one awaiting the customer fails, a reservation lapses
    /// (revoked).
    pub fn expire(&mut self, key: &str) -> Result<(Transaction, Vec<PendingCallback>), ApiFailure> {
        let status = self.record(key)?.tx.status.clone();
        if is_awaiting_customer(&status) {
            let tx = self.finish(key, TransactionStatus::Failed, PaymentStatus::Failed);
            Ok((tx.clone(), callback(&tx, "failed")))
        } else if status == TransactionStatus::Reserved {
            let tx = self.finish(key, TransactionStatus::Revoked, PaymentStatus::Revoked);
            Ok((tx, Vec::new()))
        } else {
            Err(ApiFailure::invalid_state(format!(
                "Transaction {key} cannot expire: it is {status}"
            )))
        }
    }

    /// Every transaction of every client, in creation order (for tests' assertions).
    pub fn all_transactions(&self) -> Vec<Transaction> {
        self.order
            .iter()
            .filter_map(|k| self.transactions.get(k))
            .map(|r| r.tx.clone())
            .collect()
    }

    /// Every spot, by id.
    pub fn all_spots(&self) -> Vec<Spot> {
        self.spots.values().cloned().collect()
    }

    /// Every spot, by id, without copying (the dashboard's views).
    pub fn spots(&self) -> impl Iterator<Item = &Spot> {
        self.spots.values()
    }

    /// Whether the location exists (it was given place info or has spots).
    pub fn has_location(&self, id: u64) -> bool {
        self.locations.contains_key(&id)
    }

    pub fn peek_spot(&self, id: u64) -> Option<&Spot> {
        self.spots.get(&id)
    }

    /// Any client's transaction, without copying.
    pub fn peek_transaction(&self, key: &str) -> Option<&Transaction> {
        self.transactions.get(key).map(|r| &r.tx)
    }

    pub fn transaction_count(&self) -> usize {
        self.transactions.len()
    }

    // ---- merchant API -------------------------------------------------------------------------

    pub fn list_spots(&self, f: &SpotFilter) -> SpotList {
        let matching: Vec<&Spot> = self
            .spots
            .values()
            .filter(|s| f.status.as_deref().is_none_or(|st| s.status.as_str() == st))
            .filter(|s| f.location_id.is_none_or(|l| s.location_id() == Some(l)))
            .collect();
        let total = matching.len() as u64;
        SpotList {
            spots: matching
                .into_iter()
                .skip(f.offset as usize)
                .take(f.limit as usize)
                .cloned()
                .collect(),
            metadata: Some(metadata(total, f.offset, f.limit)),
            extra: Map::new(),
        }
    }

    pub fn get_spot(&self, id: u64) -> Result<Spot, ApiFailure> {
        self.spots
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiFailure::not_found(format!("Spot {id} not found")))
    }

    /// `POST /spot/{id}/order`. With an [`Autopilot`], the customer answers at once (the order
    /// returned is as created, `pending`).
    pub fn create_order(
        &mut self,
        client_id: &str,
        spot_id: u64,
        req: &OrderRequest,
    ) -> Result<(Order, Vec<PendingCallback>), ApiFailure> {
        let order = self.attach_order(client_id, spot_id, req)?;
        let callbacks = match self.autopilot {
            Some(Autopilot::Confirm) => self.customer_confirm(&order.transaction_key, None)?.1,
            Some(Autopilot::Reject) => self.customer_reject(&order.transaction_key)?.1,
            None => Vec::new(),
        };
        Ok((order, callbacks))
    }

    fn attach_order(
        &mut self,
        client_id: &str,
        spot_id: u64,
        req: &OrderRequest,
    ) -> Result<Order, ApiFailure> {
        let key = req.transaction_key.as_str();
        if key.is_empty() {
            return Err(ApiFailure::invalid_parameter(
                "transaction_key",
                "transaction_key is required",
            ));
        }
        let spot = self.get_spot(spot_id)?;
        let rec = self
            .transactions
            .get(key)
            .filter(|r| r.client_id == client_id)
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))?;
        if spot.status != SpotStatus::Waiting {
            return Err(ApiFailure::invalid_state(format!(
                "Spot {spot_id} is {}: nobody is checked in, an order needs a waiting spot",
                spot.status
            )));
        }
        if rec.tx.status != TransactionStatus::New {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} is {}; only a new transaction can be ordered",
                rec.tx.status
            )));
        }
        if let Some(other) = rec.spot_id {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} is already ordered on spot {other}"
            )));
        }
        let location = spot.location_id();
        if let Some(bound) = rec.tx.location_id
            && location != Some(bound)
        {
            return Err(ApiFailure::invalid_parameter(
                "transaction_key",
                format!(
                    "Transaction {key} was created for location {bound}; spot {spot_id} is elsewhere"
                ),
            ));
        }
        let order = Order {
            id: self.next_order,
            transaction_key: key.to_owned(),
            status: OrderStatus::Pending,
            extra: Map::new(),
        };
        self.next_order += 1;
        let rec = self.transactions.get_mut(key).expect("checked above");
        rec.spot_id = Some(spot_id);
        rec.order_id = Some(order.id);
        rec.tx.location_id = location;
        self.spots
            .get_mut(&spot_id)
            .expect("checked above")
            .orders
            .get_or_insert_with(Vec::new)
            .push(order.clone());
        Ok(order)
    }

    /// `PUT /spot/{id}/close`.
    pub fn close_spot(&mut self, spot_id: u64) -> Result<Spot, ApiFailure> {
        let spot = self
            .spots
            .get_mut(&spot_id)
            .ok_or_else(|| ApiFailure::not_found(format!("Spot {spot_id} not found")))?;
        if spot.status == SpotStatus::Closed {
            return Err(ApiFailure::invalid_state(format!(
                "Spot {spot_id} is already closed"
            )));
        }
        spot.status = SpotStatus::Closed;
        spot.check_ins = Some(Vec::new());
        for o in spot.orders.iter_mut().flatten() {
            o.status = OrderStatus::Closed;
        }
        Ok(spot.clone())
    }

    // ---- helpers ------------------------------------------------------------------------------

    fn record(&self, key: &str) -> Result<&TxRecord, ApiFailure> {
        self.transactions
            .get(key)
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))
    }

    fn record_mut(&mut self, key: &str) -> Result<&mut TxRecord, ApiFailure> {
        self.transactions
            .get_mut(key)
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))
    }

    /// Moves a transaction to a final status; its order (if any) closes.
    fn finish(&mut self, key: &str, status: TransactionStatus, pay: PaymentStatus) -> Transaction {
        let rec = self.transactions.get_mut(key).expect("caller checked");
        rec.tx.status = status;
        for p in rec.tx.payments.iter_mut().flatten() {
            p.status = Some(pay.clone());
        }
        let (spot_id, order_id, tx) = (rec.spot_id, rec.order_id, rec.tx.clone());
        self.set_order_status(spot_id, order_id, OrderStatus::Closed);
        tx
    }

    fn set_order_status(
        &mut self,
        spot_id: Option<u64>,
        order_id: Option<u64>,
        status: OrderStatus,
    ) {
        let (Some(spot_id), Some(order_id)) = (spot_id, order_id) else {
            return;
        };
        if let Some(order) = self
            .spots
            .get_mut(&spot_id)
            .and_then(|s| s.orders.as_mut())
            .and_then(|orders| orders.iter_mut().find(|o| o.id == order_id))
        {
            order.status = status;
        }
    }
}

fn is_awaiting_customer(s: &TransactionStatus) -> bool {
    matches!(
        s,
        TransactionStatus::New
            | TransactionStatus::Waiting
            | TransactionStatus::WaitingRegistration
            | TransactionStatus::WaitingFunds
            | TransactionStatus::WaitingPassword
    )
}

fn reserve_deadline(rec: &TxRecord) -> Option<i64> {
    let reserve = rec.tx.reserve.as_ref()?;
    reserve
        .until
        .or_else(|| Some(rec.reserved_at? + reserve.for_seconds?))
}

fn callback(tx: &Transaction, event_type: &str) -> Vec<PendingCallback> {
    match &tx.callback_uri {
        Some(CallbackUri::Url(uri)) => vec![PendingCallback {
            uri: uri.clone(),
            event_type: event_type.to_owned(),
            transaction: tx.clone(),
        }],
        _ => Vec::new(),
    }
}

fn metadata(total: u64, offset: u32, limit: u32) -> Metadata {
    Metadata {
        total: Some(total),
        offset: Some(u64::from(offset)),
        limit: Some(u64::from(limit)),
        ..Default::default()
    }
}

fn merge_place(into: &mut PlaceInfo, from: &PlaceInfo) {
    if from.title.is_some() {
        into.title = from.title.clone();
    }
    if from.description.is_some() {
        into.description = from.description.clone();
    }
    if from.address.is_some() {
        into.address = from.address.clone();
    }
    if from.logo_uri.is_some() {
        into.logo_uri = from.logo_uri.clone();
    }
    for (k, v) in &from.extra {
        into.extra.insert(k.clone(), v.clone());
    }
}

pub(crate) fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
