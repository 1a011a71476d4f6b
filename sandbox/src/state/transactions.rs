//! The merchant's transaction endpoints: create, read, list, confirm, revoke.

use paysera_scanpay::models::{
    ConfirmPrices, DecimalAmount, Item, OrderStatus, Payment, PaymentStatus, Reserve, Transaction,
    TransactionList, TransactionRequest, TransactionStatus, currency_exponent,
    is_iso_4217_currency,
};
use serde_json::Map;

use super::{ApiFailure, TxFilter, TxRecord, World, is_awaiting_customer, metadata};

/// Paysera's default reservation lifetime (30 days), as in the guide's example.
const DEFAULT_RESERVE_SECONDS: i64 = 2_592_000;

impl World {
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
            .flat_map(|(i, p)| {
                let items = p.items.iter().flatten().enumerate();
                let codes = std::iter::once((format!("payments[{i}].currency"), &p.currency))
                    .chain(items.map(move |(j, item)| {
                        (format!("payments[{i}].items[{j}].currency"), &item.currency)
                    }));
                codes.filter_map(|(field, code)| {
                    let code = code.as_deref()?;
                    (!is_iso_4217_currency(code))
                        .then(|| (field, format!("{code:?} is not an ISO 4217 currency code")))
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
            // validate() guarantees an exact amount in a valid currency; a payment of items
            // alone costs their total, in their currency.
            let (price, currency) = match p.money() {
                Ok(Some(m)) => (m.amount, m.currency),
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
            let exponent = currency_exponent(&currency);
            let id = self.next_payment;
            self.next_payment += 1;
            payments.push(Payment {
                id: Some(id),
                transaction_key: Some(key.clone()),
                created_at: Some(now),
                status: Some(PaymentStatus::New),
                cancelable: Some(false),
                price: Some(price),
                currency: Some(currency.clone()),
                price_decimal: Some(DecimalAmount::from_minor_units(price, exponent)),
                freeze: Some(freeze.clone()),
                // freeze_for is hours: shown only when the freeze is a whole number of them.
                freeze_for: freeze
                    .for_seconds
                    .filter(|s| s % 3600 == 0)
                    .map(|s| s / 3600),
                description: p.description.clone(),
                parameters: p.parameters.clone(),
                items: p.items.as_ref().map(|items| {
                    items
                        .iter()
                        .map(|item| priced_item(item, &currency, exponent))
                        .collect()
                }),
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

    /// Binds a new transaction to the location it was created for (the `location_id` ext
    /// parameter): it may then be ordered only on that location's spots.
    pub(crate) fn bind_location(&mut self, key: &str, location_id: u64) -> Transaction {
        let rec = self.transactions.get_mut(key).expect("just created");
        rec.tx.location_id = Some(location_id);
        rec.tx.clone()
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
}

/// An item as Paysera answers it: unit and total price both in minor units and as decimals, its
/// currency and quantity spelled out.
fn priced_item(item: &Item, currency: &str, exponent: u32) -> Item {
    let quantity = item.quantity.unwrap_or(1);
    // validate() checked the amounts; an unreadable one is left as sent.
    let Ok(Some(total)) = item.total(Some(currency)) else {
        return item.clone();
    };
    let unit = total.amount / quantity.max(1);
    Item {
        price: Some(unit),
        price_decimal: Some(DecimalAmount::from_minor_units(unit, exponent)),
        currency: Some(currency.to_owned()),
        quantity: Some(quantity),
        total_price: Some(total.amount),
        total_price_decimal: Some(DecimalAmount::from_minor_units(total.amount, exponent)),
        ..item.clone()
    }
}
