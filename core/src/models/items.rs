//! A payment's line items. A payment may be made of items alone: its price is then their total,
//! as Paysera's PHP library (`Mapper::encodePayment`) sends it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{AmountError, DecimalAmount, FieldError, Money, Payment, currency_exponent};

/// One line item of a [`Payment`]: `quantity` × the unit price (`price` in minor units or
/// `price_decimal`, not both) in `currency` (the payment's when absent).
///
/// ```
/// use paysera_scanpay::models::{Item, Money, Payment, TransactionRequest};
///
/// let coffee = Item::new("Cappuccino", Money::new(350, "EUR")).with_quantity(2);
/// let cake = Item::new("Cheesecake", Money::new(450, "EUR"));
/// let payment = Payment::of_items("Table 4", vec![coffee, cake]);
/// assert_eq!(payment.money().unwrap(), Some(Money::new(1150, "EUR")));
/// TransactionRequest::new(vec![payment]).validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Item {
    /// What the customer sees; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Picture shown beside the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_uri: Option<String>,
    /// Unit price in minor units of `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// Unit price as a decimal string in major units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_decimal: Option<DecimalAmount>,
    /// ISO 4217 code; the payment's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// How many; 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// `price` × `quantity` in minor units; checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price: Option<i64>,
    /// `price` × `quantity` as a decimal string; checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price_decimal: Option<DecimalAmount>,
    /// Merchant's own parameters, returned as given.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::php::map"
    )]
    pub parameters: Option<Map<String, Value>>,
    /// Fields this library does not model, kept for re-encoding.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Item {
    /// One `title` at `price` each.
    pub fn new(title: impl Into<String>, price: Money) -> Self {
        Self {
            title: Some(title.into()),
            price: Some(price.amount),
            currency: Some(price.currency),
            ..Self::default()
        }
    }

    pub fn with_quantity(mut self, quantity: i64) -> Self {
        self.quantity = Some(quantity);
        self
    }

    /// The unit price in minor units, reading `price_decimal` with `currency`'s exponent.
    fn unit(&self, currency: &str) -> Result<Option<i64>, AmountError> {
        match (self.price, &self.price_decimal) {
            (Some(p), _) => Ok(Some(p)),
            (None, Some(d)) => d.to_minor_units(currency_exponent(currency)).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// `quantity` × unit price in the item's currency (else `payment_currency`); `None` without
    /// a price or a currency.
    pub fn total(&self, payment_currency: Option<&str>) -> Result<Option<Money>, AmountError> {
        let Some(currency) = self.currency.as_deref().or(payment_currency) else {
            return Ok(None);
        };
        let Some(unit) = self.unit(currency)? else {
            return Ok(None);
        };
        let total = unit
            .checked_mul(self.quantity.unwrap_or(1))
            .ok_or_else(|| AmountError::Overflow {
                value: format!("{unit} × {}", self.quantity.unwrap_or(1)),
            })?;
        Ok(Some(Money::new(total, currency)))
    }
}

impl Payment {
    /// A payment made only of `items`: its price is their total (as Paysera's PHP library sends
    /// it, without `price`).
    pub fn of_items(description: impl Into<String>, items: Vec<Item>) -> Self {
        Self {
            description: Some(description.into()),
            items: Some(items),
            ..Self::default()
        }
    }

    /// The sum of the items' totals; `None` without items or when one has no amount.
    pub fn items_total(&self) -> Result<Option<Money>, AmountError> {
        let Some(items) = self.items.as_ref().filter(|i| !i.is_empty()) else {
            return Ok(None);
        };
        let mut sum: Option<Money> = None;
        for item in items {
            let Some(line) = item.total(self.currency.as_deref())? else {
                return Ok(None);
            };
            sum = Some(match sum {
                None => line,
                Some(s) if s.currency != line.currency => return Ok(None),
                Some(s) => Money::new(
                    s.amount
                        .checked_add(line.amount)
                        .ok_or_else(|| AmountError::Overflow {
                            value: format!("{} + {}", s.amount, line.amount),
                        })?,
                    s.currency,
                ),
            });
        }
        Ok(sum)
    }
}

/// Checks a payment's items: each has a title, one unit price, a positive quantity, a currency
/// shared with the payment, and a total (if given) of price × quantity; their sum matches the
/// payment's price when both are given.
pub(super) fn validate_items(
    path: &str,
    payment: &Payment,
    payment_exponent: Option<u32>,
    errors: &mut Vec<FieldError>,
) {
    let Some(items) = payment.items.as_ref().filter(|i| !i.is_empty()) else {
        return;
    };
    let payment_currency = payment
        .currency
        .as_deref()
        .filter(|_| payment_exponent.is_some());
    let mut shared: Option<&str> = payment_currency;
    let mut sum = Some(0i64);
    for (index, item) in items.iter().enumerate() {
        let at = format!("{path}.items[{index}]");
        let mut error = |field: &str, message: String| {
            errors.push(FieldError::new(format!("{at}.{field}"), message));
        };
        if item.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            error("title", "title is required".to_owned());
        }
        let quantity = item.quantity.unwrap_or(1);
        if quantity <= 0 {
            error(
                "quantity",
                format!("quantity must be a positive whole number, got {quantity}"),
            );
        }
        let currency = match item.currency.as_deref().or(payment.currency.as_deref()) {
            None => {
                error(
                    "currency",
                    "currency is required (on the item or its payment)".to_owned(),
                );
                None
            }
            Some(code) if !super::request::is_currency_code(code) => {
                error(
                    "currency",
                    format!(
                        "currency must be a 3-letter upper-case ISO 4217 code like \"EUR\", got {code:?}"
                    ),
                );
                None
            }
            Some(code) => match shared {
                Some(first) if first != code => {
                    error(
                        "currency",
                        format!("every item must be in the payment's currency {first}, got {code}"),
                    );
                    None
                }
                _ => {
                    shared = Some(code);
                    Some(code)
                }
            },
        };
        let unit = match (item.price, &item.price_decimal, currency) {
            (None, None, _) => {
                error(
                    "price",
                    "either price (integer minor units) or price_decimal is required".to_owned(),
                );
                None
            }
            (Some(_), Some(_), _) => {
                error(
                    "price_decimal",
                    "price and price_decimal are mutually exclusive: give one".to_owned(),
                );
                None
            }
            (_, _, None) => None,
            (_, _, Some(code)) => match item.unit(code) {
                Ok(Some(p)) if p < 0 => {
                    let field = if item.price.is_some() {
                        "price"
                    } else {
                        "price_decimal"
                    };
                    error(field, format!("{field} must not be negative"));
                    None
                }
                Ok(p) => p,
                Err(e) => {
                    error("price_decimal", e.to_string());
                    None
                }
            },
        };
        let line = unit
            .filter(|_| quantity > 0)
            .and_then(|u| u.checked_mul(quantity));
        if let (Some(line), Some(code)) = (line, currency) {
            let exponent = currency_exponent(code);
            let shown = |minor: i64| DecimalAmount::from_minor_units(minor, exponent);
            if let Some(total) = item.total_price
                && total != line
            {
                error(
                    "total_price",
                    format!("total_price {total} is not price × quantity = {line}"),
                );
            }
            if let Some(total) = &item.total_price_decimal
                && total.to_minor_units(exponent).ok() != Some(line)
            {
                error(
                    "total_price_decimal",
                    format!(
                        "total_price_decimal \"{}\" is not price × quantity = \"{}\"",
                        total.as_str(),
                        shown(line).as_str()
                    ),
                );
            }
        }
        sum = sum.zip(line).and_then(|(s, l)| s.checked_add(l));
    }
    let Some(sum) = sum else { return };
    let exponent = shared.map(currency_exponent);
    let price = match (payment.price, &payment.price_decimal, exponent) {
        (Some(p), _, _) => Some(("price", p)),
        (None, Some(d), Some(e)) => d.to_minor_units(e).ok().map(|p| ("price_decimal", p)),
        _ => None,
    };
    match price {
        Some((field, price)) if price != sum => errors.push(FieldError::new(
            format!("{path}.{field}"),
            format!("{field} does not equal the sum of the items' totals ({sum} minor units, got {price})"),
        )),
        None if sum <= 0 => errors.push(FieldError::new(
            format!("{path}.items"),
            format!("the items' total must be positive, got {sum} minor units"),
        )),
        _ => {}
    }
}
