//! What the pages see: compact views of spots (with the order and transaction on each), the
//! journal with MAC verdicts, callbacks, faults, autopilot and the clock; and the difference
//! between two moments, so that a stream sends only what changed.

use std::collections::HashMap;

use paysera_scanpay::models::{DecimalAmount, Spot, currency_exponent};
use serde_json::{Map, Value, json};

use crate::shared::{Shared, lock};
use crate::state::World;
use crate::{CallbackRecord, JournalEntry};

/// Entries sent at most per message: a page shows the newest ones, older ones are in
/// `GET /_sandbox/requests`.
const JOURNAL_TAIL: usize = 200;
const CALLBACK_TAIL: usize = 100;

/// What one stream has sent so far.
#[derive(Default)]
pub(super) struct Sent {
    /// The world version the spots were sent at.
    world: Option<u64>,
    spots: HashMap<u64, String>,
    journal: usize,
    callbacks: usize,
    scalars: String,
}

/// One spot as the pages show it.
fn spot_view(world: &World, spot: &Spot) -> Value {
    let place = spot.place_info.as_ref();
    let location_id = spot.location_id().unwrap_or(0);
    let identifier = spot.identifier.clone().unwrap_or_default();
    let orders: Vec<Value> = spot
        .orders
        .iter()
        .flatten()
        .map(|o| {
            let tx = world.peek_transaction(&o.transaction_key);
            let payments: Vec<Value> = tx
                .and_then(|t| t.payments.as_ref())
                .into_iter()
                .flatten()
                .map(|p| {
                    let currency = p.currency.clone().unwrap_or_default();
                    json!({
                        "description": p.description,
                        "amount": amount(p.price.unwrap_or(0), &currency),
                        "currency": currency,
                    })
                })
                .collect();
            // One bill, one currency in practice; several are listed side by side.
            let mut totals: Vec<(String, i64)> = Vec::new();
            for p in tx.and_then(|t| t.payments.as_ref()).into_iter().flatten() {
                let currency = p.currency.clone().unwrap_or_default();
                match totals.iter_mut().find(|(c, _)| *c == currency) {
                    Some((_, sum)) => *sum += p.price.unwrap_or(0),
                    None => totals.push((currency, p.price.unwrap_or(0))),
                }
            }
            let total: Vec<String> = totals
                .iter()
                .map(|(c, sum)| format!("{} {c}", amount(*sum, c)))
                .collect();
            json!({
                "id": o.id,
                "status": o.status.as_str(),
                "transaction_key": o.transaction_key,
                "transaction_status": tx.map(|t| t.status.as_str()),
                "total": total.join(" + "),
                "payments": payments,
            })
        })
        .collect();
    let check_ins = spot.check_ins.as_deref().unwrap_or_default();
    json!({
        "id": spot.id,
        "location_id": location_id,
        "identifier": identifier,
        "title": place.and_then(|p| p.title.clone()),
        "status": spot.status.as_str(),
        "code": format!("PAYSERA*{location_id}:{identifier}"),
        "customer": check_ins.last().and_then(|c| c.user_id),
        "check_ins": check_ins.len(),
        "orders": orders,
    })
}

fn amount(minor: i64, currency: &str) -> String {
    DecimalAmount::from_minor_units(minor, currency_exponent(currency)).to_string()
}

/// How the sandbox judged the request's MAC, from what the journal recorded.
fn mac_verdict(e: &JournalEntry) -> &'static str {
    match (e.fault.as_deref(), e.status, e.error.as_deref()) {
        (Some("error" | "rate_limit" | "drop"), _, _) => "not checked (fault)",
        (_, 401, Some("invalid_timestamp")) => "rejected: timestamp",
        (_, 401, _) if e.client_id.is_none() => "missing",
        (_, 401, _) => "rejected",
        _ if e.client_id.is_none() => "no MAC",
        _ => "valid",
    }
}

fn journal_view(e: &JournalEntry) -> Value {
    json!({
        "seq": e.seq,
        "method": e.method,
        "path": e.path,
        "client_id": e.client_id,
        "status": e.status,
        "error": e.error,
        "fault": e.fault,
        "mac": mac_verdict(e),
        "correlation_id": e.correlation_id,
    })
}

fn callback_view(c: &CallbackRecord) -> Value {
    json!({
        "uri": c.uri,
        "event_type": c.event_type,
        "transaction_key": c.transaction_key,
        "sign": c.sign,
        "status": c.status,
        "error": c.error,
    })
}

/// Autopilot, clock, faults and counts: small, sent whole whenever one of them changes.
fn scalars(shared: &Shared, world: &World) -> Value {
    let faults: Vec<Value> = lock(&shared.faults)
        .iter()
        .filter(|r| r.remaining() != Some(0))
        .map(|r| {
            let mut v = serde_json::to_value(&r.rule).unwrap_or(Value::Null);
            v["remaining"] = json!(r.remaining());
            v
        })
        .collect();
    json!({
        "autopilot": world.autopilot,
        "now": world.now(),
        "faults": faults,
        "transactions_total": world.transaction_count(),
        "token_required": shared.token.is_some(),
        // The stream is open only to holders of the token: the dashboard puts it in phone links.
        "token": shared.token,
    })
}

/// The message to send next: the whole state the first time (or after a reset), what changed
/// since `sent` otherwise, `None` when nothing did. `spot` limits it to one spot (phone page).
pub(super) fn next_message(
    shared: &Shared,
    sent: &mut Sent,
    first: bool,
    spot: Option<u64>,
) -> Option<(&'static str, Value)> {
    // The logs shrink only on a reset: then everything is sent again.
    let logs_reset = lock(&shared.journal).len() < sent.journal
        || lock(&shared.callbacks).len() < sent.callbacks;
    let world = shared.peek_world();
    let world_version = shared.feed.borrow().world;
    // Journal entries alone (a busy merchant polling) leave the spots as they were.
    let look_at_spots = first || logs_reset || sent.world != Some(world_version);
    let mut views: Vec<(u64, Value)> = Vec::new();
    match spot {
        _ if !look_at_spots => {}
        Some(id) => views.extend(world.peek_spot(id).map(|s| (id, spot_view(&world, s)))),
        None => views.extend(world.spots().map(|s| (s.id, spot_view(&world, s)))),
    }
    let scalars = scalars(shared, &world);
    drop(world);
    let journal_log = lock(&shared.journal);
    let callback_log = lock(&shared.callbacks);
    let (journal_len, callbacks_len) = (journal_log.len(), callback_log.len());
    // A reset empties everything: start the page over.
    let reset = logs_reset
        || journal_len < sent.journal
        || callbacks_len < sent.callbacks
        || (look_at_spots
            && sent
                .spots
                .keys()
                .any(|id| !views.iter().any(|(v, _)| v == id)));
    if reset && !look_at_spots {
        // A reset began after the spots were read: the world's change signal comes next.
        return None;
    }
    let whole = first || reset;
    if whole {
        *sent = Sent::default();
    }
    sent.world = Some(world_version);
    let tail = |len: usize, keep: usize, seen: usize| len.saturating_sub(keep).max(seen);
    let (journal, callbacks): (Vec<Value>, Vec<Value>) = if spot.is_some() {
        (Vec::new(), Vec::new())
    } else {
        let j = tail(journal_len, JOURNAL_TAIL, sent.journal);
        let c = tail(callbacks_len, CALLBACK_TAIL, sent.callbacks);
        (
            journal_log[j..].iter().map(journal_view).collect(),
            callback_log[c..].iter().map(callback_view).collect(),
        )
    };
    drop((journal_log, callback_log));
    let mut changed = Vec::new();
    for (id, view) in views {
        let text = view.to_string();
        if sent.spots.get(&id) != Some(&text) {
            sent.spots.insert(id, text);
            changed.push(view);
        }
    }
    let scalars_text = scalars.to_string();
    let new_scalars = sent.scalars != scalars_text;
    sent.scalars = scalars_text;
    let (new_journal, new_callbacks) = (journal_len > sent.journal, callbacks_len > sent.callbacks);
    sent.journal = journal_len;
    sent.callbacks = callbacks_len;
    if !whole && changed.is_empty() && !new_scalars && !new_journal && !new_callbacks {
        return None;
    }
    let mut msg = Map::new();
    msg.insert("spots".into(), Value::Array(changed));
    msg.insert("state".into(), scalars);
    if spot.is_none() {
        msg.insert("journal".into(), Value::Array(journal));
        msg.insert("journal_total".into(), json!(journal_len));
        msg.insert("callbacks".into(), Value::Array(callbacks));
        msg.insert("callbacks_total".into(), json!(callbacks_len));
    }
    Some((if whole { "snapshot" } else { "delta" }, Value::Object(msg)))
}
