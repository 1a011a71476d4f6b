//! The simulated Paysera world: locations, spots, orders and transactions with Paysera's state
//! machines. Pure and synchronous; the HTTP layer and the control plane both drive it.

use std::collections::{BTreeMap, HashMap};

use paysera_scanpay::models::{
    CallbackUri, CheckIn, ConfirmPrices, Metadata, Order, OrderRequest, OrderStatus, Payment,
    PaymentStatus, PlaceInfo, Reserve, Spot, SpotList, SpotStatus, Transaction, TransactionList,
    TransactionRequest, TransactionStatus, TransactionType, currency_exponent,
    is_iso_4217_currency,
};
use paysera_scanpay::qr::QrCode;
use serde_json::{Map, Value, json};

/// An error answered the way Paysera answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
    pub properties: Option<Map<String, Value>>,
}

impl ApiFailure {
    pub fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            properties: None,
        }
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(404, "not_found", what)
    }
    pub fn invalid_state(what: impl Into<String>) -> Self {
        Self::new(409, "invalid_state", what)
    }
    /// 400 `invalid_parameters` naming each bad field.
    pub fn invalid_parameters(fields: &[(String, String)]) -> Self {
        let mut props = Map::new();
        for (field, message) in fields {
            props.insert(field.clone(), Value::String(message.clone()));
        }
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        Self {
            status: 400,
            code: "invalid_parameters",
            description: format!("Invalid parameters: {}", names.join(", ")),
            properties: Some(props),
        }
    }
    pub fn invalid_parameter(field: &str, message: impl Into<String>) -> Self {
        Self::invalid_parameters(&[(field.to_owned(), message.into())])
    }
    pub fn body(&self) -> Value {
        let mut v = json!({"error": self.code, "error_description": self.description});
        if let Some(p) = &self.properties {
            v["error_properties"] = Value::Object(p.clone());
        }
        v
    }
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.description)
    }
}

impl std::error::Error for ApiFailure {}

/// A callback Paysera would send now.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCallback {
    pub uri: String,
    pub event_type: String,
    pub transaction: Transaction,
}

/// Which spot the customer scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpotRef {
    Id(u64),
    /// A `PAYSERA*{location}:{identifier}` code (or an app link wrapping one).
    Code(String),
}

impl From<u64> for SpotRef {
    fn from(id: u64) -> Self {
        SpotRef::Id(id)
    }
}

impl From<&str> for SpotRef {
    fn from(code: &str) -> Self {
        match code.parse::<u64>() {
            Ok(id) => SpotRef::Id(id),
            Err(_) => SpotRef::Code(code.to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
struct TxRecord {
    tx: Transaction,
    client_id: String,
    spot_id: Option<u64>,
    order_id: Option<u64>,
    reserved_at: Option<i64>,
}

/// Filters of `GET /transactions`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct TxFilter {
    pub statuses: Vec<String>,
    pub wallet: Option<u64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: u32,
    pub offset: u32,
    pub project_id: Option<u64>,
    pub location_id: Option<u64>,
}

/// Filters of `GET /spots`, already parsed.
#[derive(Debug, Clone, Default)]
pub struct SpotFilter {
    pub status: Option<String>,
    pub location_id: Option<u64>,
    pub limit: u32,
    pub offset: u32,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Paysera's default reservation lifetime (30 days), as in the guide's example.
const DEFAULT_RESERVE_SECONDS: i64 = 2_592_000;

/// What simulated customers do as soon as an order reaches their app (load tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Autopilot {
    Confirm,
    Reject,
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

    /// `POST /transaction`.
    pub fn create_transaction(
        &mut self,
        client_id: &str,
        req: &TransactionRequest,
    ) -> Result<Transaction, ApiFailure> {
        if let Err(problems) = req.validate() {
            let fields: Vec<(String, String)> =
                problems.into_iter().map(|p| (p.field, p.message)).collect();
            return Err(ApiFailure::invalid_parameters(&fields));
        }
        // validate() checks the shape of a code; Paysera also knows which codes exist.
        let unknown: Vec<(String, String)> = req
            .payments
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let code = p.currency.as_deref()?;
                (!is_iso_4217_currency(code)).then(|| {
                    (
                        format!("payments[{i}].currency"),
                        format!("{code:?} is not an ISO 4217 currency code"),
                    )
                })
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ApiFailure::invalid_parameters(&unknown));
        }
        let now = self.now();
        let key = paysera_scanpay::mac::random_alphanumeric(20);
        let mut payments = Vec::with_capacity(req.payments.len());
        for p in &req.payments {
            let currency = p.currency.clone().unwrap_or_default();
            let exponent = currency_exponent(&currency);
            // validate() guarantees an exact amount in a valid currency.
            let price = match p.money() {
                Ok(Some(m)) => m.amount,
                _ => {
                    return Err(ApiFailure::invalid_parameter(
                        "payments",
                        "payment amount could not be read",
                    ));
                }
            };
            // One freeze, however it was given: freeze {for: seconds | until: unix},
            // freeze_for (hours) or freeze_until (unix); validate() allowed only one.
            let freeze = match (&p.freeze, p.freeze_for, p.extra.get("freeze_until")) {
                (Some(f), _, _) => f.clone(),
                (None, Some(hours), _) => Reserve::for_seconds(hours.saturating_mul(3600)),
                (None, None, Some(until)) => Reserve::until(until.as_i64().unwrap_or(0)),
                (None, None, None) => Reserve::for_seconds(0),
            };
            let id = self.next_payment;
            self.next_payment += 1;
            payments.push(Payment {
                id: Some(id),
                transaction_key: Some(key.clone()),
                created_at: Some(now),
                status: Some(PaymentStatus::New),
                cancelable: Some(false),
                price: Some(price),
                currency: Some(currency),
                price_decimal: Some(paysera_scanpay::models::DecimalAmount::from_minor_units(
                    price, exponent,
                )),
                freeze: Some(freeze.clone()),
                // freeze_for is hours: shown only when the freeze is a whole number of them.
                freeze_for: freeze
                    .for_seconds
                    .filter(|s| s % 3600 == 0)
                    .map(|s| s / 3600),
                description: p.description.clone(),
                parameters: p.parameters.clone(),
                items: p.items.clone(),
                beneficiary: p.beneficiary.clone(),
                purpose: p.purpose.clone(),
                ..Default::default()
            });
        }
        let tx = Transaction {
            transaction_key: key.clone(),
            created_at: Some(now),
            status: TransactionStatus::New,
            transaction_type: None,
            wallet: None,
            valid_for_payment_card_debit: Some(false),
            confirmed_at: None,
            project_id: Some(self.project_id),
            location_id: None,
            reserve: Some(
                req.reserve
                    .clone()
                    .unwrap_or_else(|| Reserve::for_seconds(DEFAULT_RESERVE_SECONDS)),
            ),
            use_allowance: Some(req.use_allowance.unwrap_or(true)),
            suggest_allowance: Some(req.suggest_allowance.unwrap_or(false)),
            auto_confirm: Some(req.auto_confirm.unwrap_or(false)),
            redirect_uri: req.redirect_uri.clone(),
            callback_uri: req.callback_uri.clone(),
            payments: Some(payments),
            inquiries: Some(Vec::new()),
            allowance: None,
            user: None,
            extra: Map::new(),
        };
        self.transactions.insert(
            key.clone(),
            TxRecord {
                tx: tx.clone(),
                client_id: client_id.to_owned(),
                spot_id: None,
                order_id: None,
                reserved_at: None,
            },
        );
        self.order.push(key);
        Ok(tx)
    }

    pub fn get_transaction(&self, client_id: &str, key: &str) -> Result<Transaction, ApiFailure> {
        self.transactions
            .get(key)
            .filter(|r| r.client_id == client_id)
            .map(|r| r.tx.clone())
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))
    }

    pub fn list_transactions(&self, client_id: &str, f: &TxFilter) -> TransactionList {
        let matching: Vec<&TxRecord> = self
            .order
            .iter()
            .filter_map(|k| self.transactions.get(k))
            .filter(|r| r.client_id == client_id)
            .filter(|r| {
                f.statuses.is_empty() || f.statuses.iter().any(|s| s == r.tx.status.as_str())
            })
            .filter(|r| f.wallet.is_none_or(|w| r.tx.wallet == Some(w)))
            .filter(|r| f.from.is_none_or(|t| r.tx.created_at.unwrap_or(0) >= t))
            .filter(|r| f.to.is_none_or(|t| r.tx.created_at.unwrap_or(0) <= t))
            .filter(|r| f.project_id.is_none_or(|p| r.tx.project_id == Some(p)))
            .filter(|r| f.location_id.is_none_or(|l| r.tx.location_id == Some(l)))
            .collect();
        let total = matching.len() as u64;
        TransactionList {
            transactions: matching
                .into_iter()
                .skip(f.offset as usize)
                .take(f.limit as usize)
                .map(|r| r.tx.clone())
                .collect(),
            metadata: Some(metadata(total, f.offset, f.limit)),
            extra: Map::new(),
        }
    }

    /// `PUT /transaction/{key}/confirm`, optionally lowering payment prices.
    pub fn confirm_transaction(
        &mut self,
        client_id: &str,
        key: &str,
        prices: Option<&ConfirmPrices>,
    ) -> Result<Transaction, ApiFailure> {
        let now = self.now();
        let rec = self
            .transactions
            .get_mut(key)
            .filter(|r| r.client_id == client_id)
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))?;
        if rec.tx.status != TransactionStatus::Reserved {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} is {}; only a reserved transaction can be confirmed",
                rec.tx.status
            )));
        }
        if let Some(prices) = prices {
            let mut bad = Vec::new();
            for (payment_id, money) in prices {
                let field = payment_id.to_string();
                match rec.tx.payments().iter().find(|p| p.id == Some(*payment_id)) {
                    None => bad.push((field, "no such payment in this transaction".to_owned())),
                    Some(p) if p.currency.as_deref() != Some(money.currency.as_str()) => {
                        bad.push((
                            field,
                            format!(
                                "currency {} differs from the payment's {}",
                                money.currency,
                                p.currency.as_deref().unwrap_or("?")
                            ),
                        ))
                    }
                    Some(p) if money.amount <= 0 || Some(money.amount) > p.price => bad.push((
                        field,
                        format!(
                            "price {} must be positive and at most the reserved {}",
                            money.amount,
                            p.price.unwrap_or(0)
                        ),
                    )),
                    Some(_) => {}
                }
            }
            if !bad.is_empty() {
                return Err(ApiFailure::invalid_parameters(&bad));
            }
            for p in rec.tx.payments.iter_mut().flatten() {
                if let Some(m) = p.id.and_then(|id| prices.get(&id)) {
                    p.price = Some(m.amount);
                    p.price_decimal =
                        Some(paysera_scanpay::models::DecimalAmount::from_minor_units(
                            m.amount,
                            currency_exponent(&m.currency),
                        ));
                }
            }
        }
        rec.tx.status = TransactionStatus::Confirmed;
        rec.tx.confirmed_at = Some(now);
        for p in rec.tx.payments.iter_mut().flatten() {
            p.status = Some(PaymentStatus::Confirmed);
            p.confirmed_at = Some(now);
        }
        let (spot_id, order_id, tx) = (rec.spot_id, rec.order_id, rec.tx.clone());
        self.set_order_status(spot_id, order_id, OrderStatus::Confirmed);
        Ok(tx)
    }

    /// `DELETE /transaction/{key}`.
    pub fn revoke_transaction(
        &mut self,
        client_id: &str,
        key: &str,
    ) -> Result<Transaction, ApiFailure> {
        let rec = self
            .transactions
            .get(key)
            .filter(|r| r.client_id == client_id)
            .ok_or_else(|| ApiFailure::not_found(format!("Transaction {key} not found")))?;
        let status = &rec.tx.status;
        if !(is_awaiting_customer(status) || *status == TransactionStatus::Reserved) {
            return Err(ApiFailure::invalid_state(format!(
                "Transaction {key} is {status}; only new, waiting or reserved transactions can be revoked"
            )));
        }
        Ok(self.finish(key, TransactionStatus::Revoked, PaymentStatus::Revoked))
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
