//! The Scan and Pay demo: an embedded sandbox, a café with a few tables, customers who scan and
//! confirm, and the merchant's 8 steps run with the core client, narrated for a newcomer.

use std::fmt::Write as _;
use std::io::Write;

use paysera_scanpay::models::{
    Money, Payment, PlaceInfo, SpotStatus, TransactionRequest, TransactionStatus,
};
use paysera_scanpay::qr::QrCode;
use paysera_scanpay::{SpotQuery, TransactionQuery};

use paysera_sandbox::{Sandbox, SandboxConfig};

/// What the demo did, for callers that check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Act 1, the eight steps by hand.
    pub spots_closed: usize,
    pub transactions_confirmed: usize,
    pub total_cents: i64,
    pub requests: usize,
    /// Act 2, the cashier engine.
    pub cashier: CashierSummary,
}

/// How the cashier act ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CashierSummary {
    pub paid: usize,
    pub paid_cents: i64,
    pub rejected: usize,
    pub expired: usize,
    pub spots_closed: usize,
}

const TABLES: [(&str, i64, &str); 3] = [
    ("table1", 1299, "2 cappuccinos and a cheesecake"),
    ("table2", 2450, "lunch menu for two"),
    ("table3", 780, "espresso and a croissant"),
];

fn eur(cents: i64) -> String {
    format!("{}.{:02} EUR", cents / 100, cents % 100)
}

/// Runs the whole demo, writing the story to `out`: act 1 walks the eight steps by hand, act 2
/// lets the cashier engine serve customers who confirm, reject or walk away. Fails if anything
/// is left open, unconfirmed or unreported.
pub async fn run(out: &mut (dyn Write + Send)) -> Result<DemoSummary, String> {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let mut summary = eight_steps(&sb, out).await?;
    summary.cashier = cashier(&sb, out).await?;
    sb.shutdown().await;
    Ok(summary)
}

/// Act 1: the merchant's eight steps, one request at a time.
async fn eight_steps(sb: &Sandbox, out: &mut (dyn Write + Send)) -> Result<DemoSummary, String> {
    let e = |e: paysera_scanpay::Error| e.to_string();
    let io = |e: std::io::Error| e.to_string();
    let client = sb.client();
    writeln!(
        out,
        "Paysera Scan and Pay demo, against an in-process sandbox at {}",
        sb.base_url()
    )
    .map_err(io)?;
    writeln!(
        out,
        "(merchant client {}; nothing here reaches the real Paysera)\n",
        sb.client_id()
    )
    .map_err(io)?;

    let location = 1;
    writeln!(
        out,
        "Setup: location {location}, \"Café Demo\", prints a QR code on each table:"
    )
    .map_err(io)?;
    let mut spot_ids = Vec::new();
    for (table, _, _) in TABLES {
        let spot = sb
            .create_spot(
                location,
                table,
                PlaceInfo {
                    title: Some("Café Demo".into()),
                    address: Some("Gedimino pr. 1, Vilnius".into()),
                    ..Default::default()
                },
            )
            .map_err(|f| f.to_string())?;
        let code = QrCode::spot(location, table).map_err(|q| q.to_string())?;
        writeln!(out, "  {table}: {code}   (spot {})", spot.id).map_err(io)?;
        spot_ids.push(spot.id);
    }

    writeln!(out, "\n1. Customers scan the codes with the Paysera app").map_err(io)?;
    for (i, (table, _, _)) in TABLES.iter().enumerate() {
        let user = 101 + i as u64;
        sb.scan_as(
            QrCode::spot(location, *table)
                .map_err(|q| q.to_string())?
                .to_string()
                .as_str(),
            user,
        )
        .map_err(|f| f.to_string())?;
        writeln!(
            out,
            "   customer {user} scans {table}: the spot is now waiting"
        )
        .map_err(io)?;
    }

    let waiting = client
        .list_spots(&SpotQuery {
            status: Some(SpotStatus::Waiting),
            location_id: Some(location),
            ..Default::default()
        })
        .await
        .map_err(e)?;
    writeln!(
        out,
        "\n2. GET /rest/v1/spots?status=waiting&location_id={location} -> 200: {} waiting spots",
        waiting.spots.len()
    )
    .map_err(io)?;

    let mut keys = Vec::new();
    for spot in &waiting.spots {
        let table = spot.identifier.clone().unwrap_or_default();
        let (_, cents, what) = TABLES
            .iter()
            .find(|(t, _, _)| *t == table)
            .copied()
            .ok_or_else(|| format!("unexpected spot {table}"))?;
        let request = TransactionRequest::new(vec![
            Payment::new(format!("{table}: {what}"), Money::new(cents, "EUR"))
                .with_parameter("orderid", format!("demo-{table}")),
        ]);
        let tx = client.create_transaction(&request).await.map_err(e)?;
        writeln!(
            out,
            "\n3. POST /rest/v1/transaction -> 200: {} for {table} (\"{what}\"), key {}, status {}",
            eur(cents),
            tx.transaction_key,
            tx.status
        )
        .map_err(io)?;
        let order = client
            .create_spot_order(spot.id, &tx.transaction_key)
            .await
            .map_err(e)?;
        writeln!(
            out,
            "4. POST /rest/v1/spot/{}/order -> 200: order {} is {}; the customer sees the bill in the app",
            spot.id, order.id, order.status
        )
        .map_err(io)?;
        keys.push((spot.id, table, tx.transaction_key));
    }

    writeln!(out).map_err(io)?;
    for (_, table, key) in &keys {
        let tx = sb.confirm(key).map_err(|f| f.to_string())?;
        writeln!(
            out,
            "5. The customer at {table} confirms in the app: {key} is {}",
            tx.status
        )
        .map_err(io)?;
    }

    let reserved = client
        .iter_transactions(TransactionQuery {
            statuses: vec![TransactionStatus::Reserved],
            ..Default::default()
        })
        .collect_all()
        .await
        .map_err(e)?;
    writeln!(
        out,
        "\n6. GET /rest/v1/transactions?status=reserved -> 200: {} reserved transactions",
        reserved.len()
    )
    .map_err(io)?;

    let mut total = 0;
    for tx in &reserved {
        let confirmed = client
            .confirm_transaction(&tx.transaction_key, None)
            .await
            .map_err(e)?;
        let amount: i64 = confirmed
            .total()
            .map_err(|a| a.to_string())?
            .iter()
            .map(|m| m.amount)
            .sum();
        total += amount;
        writeln!(
            out,
            "7. PUT /rest/v1/transaction/{}/confirm -> 200: {}, {} taken",
            tx.transaction_key,
            confirmed.status,
            eur(amount)
        )
        .map_err(io)?;
        let spot_id = keys
            .iter()
            .find(|(_, _, k)| *k == tx.transaction_key)
            .map(|(s, _, _)| *s)
            .ok_or("confirmed a transaction the demo did not create")?;
        let closed = client.close_spot(spot_id).await.map_err(e)?;
        writeln!(
            out,
            "8. PUT /rest/v1/spot/{spot_id}/close -> 200: spot {} is {}, ready for the next guest",
            closed.identifier.as_deref().unwrap_or("?"),
            closed.status
        )
        .map_err(io)?;
    }

    // The demo's promise, checked against the sandbox's own state.
    let open: Vec<String> = sb
        .spots()
        .iter()
        .filter(|s| s.status != SpotStatus::Closed)
        .map(|s| s.id.to_string())
        .collect();
    let unconfirmed: Vec<String> = sb
        .transactions()
        .iter()
        .filter(|t| t.status != TransactionStatus::Confirmed)
        .map(|t| t.transaction_key.clone())
        .collect();
    if !open.is_empty() || !unconfirmed.is_empty() {
        return Err(format!(
            "demo left spots open ({}) or transactions unconfirmed ({})",
            open.join(", "),
            unconfirmed.join(", ")
        ));
    }
    let requests = sb.requests().len();
    let mut summary_line = String::new();
    let _ = write!(
        summary_line,
        "\nDone: {} spots closed, {} transactions confirmed, {} taken, in {requests} signed requests.",
        spot_ids.len(),
        reserved.len(),
        eur(total)
    );
    writeln!(out, "{summary_line}").map_err(io)?;
    Ok(DemoSummary {
        spots_closed: spot_ids.len(),
        transactions_confirmed: reserved.len(),
        total_cents: total,
        requests,
        cashier: CashierSummary::default(),
    })
}

/// What each guest of act 2 does once the bill reaches the app.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guest {
    Pays,
    Declines,
    WalksAway,
}

const GUESTS: [(&str, i64, Guest); 6] = [
    ("terrace-1", 1850, Guest::Pays),
    ("terrace-2", 990, Guest::Pays),
    ("terrace-3", 3120, Guest::Declines),
    ("terrace-4", 640, Guest::WalksAway),
    ("terrace-5", 2275, Guest::Pays),
    ("terrace-6", 1480, Guest::Pays),
];

/// Act 2: the cashier engine runs the loop; simulated guests pay, decline or walk away.
async fn cashier(sb: &Sandbox, out: &mut (dyn Write + Send)) -> Result<CashierSummary, String> {
    use paysera_scanpay::engine::{
        Engine, EngineConfig, Event, EventKind, FnMerchant, MemoryStore,
    };
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let io = |e: std::io::Error| e.to_string();
    let location = 2;
    writeln!(
        out,
        "\nAct 2: the cashier engine serves the terrace on its own\n"
    )
    .map_err(io)?;
    let mut names = HashMap::new();
    for (table, _, _) in GUESTS {
        let spot = sb
            .create_spot(
                location,
                table,
                PlaceInfo {
                    title: Some("Café Demo terrace".into()),
                    ..Default::default()
                },
            )
            .map_err(|f| f.to_string())?;
        names.insert(spot.id, table);
    }
    let prices: HashMap<String, i64> = GUESTS.iter().map(|(t, c, _)| (t.to_string(), *c)).collect();
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let log = events.clone();
    let merchant = FnMerchant::new(
        move |spot: paysera_scanpay::models::Spot| {
            let table = spot.identifier.clone().unwrap_or_default();
            prices.get(&table).map(|cents| {
                vec![Payment::new(
                    format!("{table} bill"),
                    Money::new(*cents, "EUR"),
                )]
            })
        },
        move |event: Event| log.lock().unwrap_or_else(|p| p.into_inner()).push(event),
    );
    let timeout = Duration::from_secs(3);
    let engine = Engine::new(
        sb.client(),
        Arc::new(merchant),
        Arc::new(MemoryStore::new()),
        EngineConfig {
            poll_interval: Duration::from_millis(200),
            requests_per_minute: 0,
            customer_timeout: timeout,
            location_id: Some(location),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    writeln!(
        out,
        "The cashier polls one page of waiting spots and one of reserved transactions per tick,\n\
         prices each new check-in, and gives guests {} s to answer before revoking the bill.\n",
        timeout.as_secs()
    )
    .map_err(io)?;
    for (i, (table, _, _)) in GUESTS.iter().enumerate() {
        sb.scan_as(
            QrCode::spot(location, *table)
                .map_err(|q| q.to_string())?
                .to_string()
                .as_str(),
            201 + i as u64,
        )
        .map_err(|f| f.to_string())?;
    }
    writeln!(out, "  {} guests scan their table's code", GUESTS.len()).map_err(io)?;

    let mut summary = CashierSummary::default();
    let mut answered = HashSet::new();
    let mut printed = 0;
    let started = Instant::now();
    loop {
        engine.run_once().await.map_err(|e| e.to_string())?;
        let snapshot = events.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for event in &snapshot[printed..] {
            let table = names.get(&event.spot_id).copied().unwrap_or("?");
            let amount = event.amounts.iter().map(|m| m.amount).sum::<i64>();
            let line = match event.kind {
                EventKind::OrderCreated => format!(
                    "cashier: {table} priced at {}, bill sent to the guest's app",
                    eur(amount)
                ),
                EventKind::Paid => {
                    summary.paid += 1;
                    summary.paid_cents += amount;
                    format!(
                        "cashier: {table} PAID {} (transaction confirmed)",
                        eur(amount)
                    )
                }
                EventKind::Rejected => {
                    summary.rejected += 1;
                    format!("cashier: {table} declined; nothing charged")
                }
                EventKind::Expired => {
                    summary.expired += 1;
                    format!("cashier: {table} did not answer in time; bill revoked")
                }
                EventKind::Failed => format!("cashier: {table} payment failed at Paysera"),
                EventKind::SpotClosed => {
                    summary.spots_closed += 1;
                    format!("cashier: {table} closed, free for the next guest")
                }
                EventKind::Error => format!(
                    "cashier: {table}: {}",
                    event.message.clone().unwrap_or_default()
                ),
            };
            writeln!(out, "  {line}").map_err(io)?;
        }
        printed = snapshot.len();
        // The guests look at their phones.
        for tx in sb.transactions() {
            if tx.status != TransactionStatus::New || answered.contains(&tx.transaction_key) {
                continue;
            }
            let Some(spot) = sb.spots().into_iter().find(|s| {
                s.orders()
                    .iter()
                    .any(|o| o.transaction_key == tx.transaction_key)
            }) else {
                continue;
            };
            let table = names.get(&spot.id).copied().unwrap_or("?");
            let guest = GUESTS
                .iter()
                .find(|g| g.0 == table)
                .map_or(Guest::Pays, |g| g.2);
            answered.insert(tx.transaction_key.clone());
            match guest {
                Guest::Pays => {
                    sb.confirm(&tx.transaction_key).map_err(|f| f.to_string())?;
                    writeln!(out, "  guest at {table} confirms the bill in the app").map_err(io)?;
                }
                Guest::Declines => {
                    sb.reject(&tx.transaction_key).map_err(|f| f.to_string())?;
                    writeln!(out, "  guest at {table} declines the bill").map_err(io)?;
                }
                Guest::WalksAway => {
                    writeln!(out, "  guest at {table} puts the phone away and leaves")
                        .map_err(io)?;
                }
            }
        }
        if summary.spots_closed == GUESTS.len() {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the cashier did not finish the terrace within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let reserved_left = sb
        .transactions()
        .iter()
        .filter(|t| t.status == TransactionStatus::Reserved)
        .count();
    if reserved_left > 0 {
        return Err(format!(
            "{reserved_left} reserved transactions were left unconfirmed"
        ));
    }
    writeln!(
        out,
        "\nSummary: {} paid ({}), {} declined, {} walked away (revoked); all {} tables closed.",
        summary.paid,
        eur(summary.paid_cents),
        summary.rejected,
        summary.expired,
        summary.spots_closed
    )
    .map_err(io)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_closes_every_spot_and_confirms_every_transaction() {
        let mut out = Vec::new();
        let summary = super::run(&mut out).await.unwrap();
        assert_eq!(summary.cashier.paid, 4);
        assert_eq!(summary.cashier.paid_cents, 1850 + 990 + 2275 + 1480);
        assert_eq!((summary.cashier.rejected, summary.cashier.expired), (1, 1));
        assert_eq!(summary.cashier.spots_closed, 6);
        assert_eq!(summary.spots_closed, 3);
        assert_eq!(summary.transactions_confirmed, 3);
        assert_eq!(summary.total_cents, 1299 + 2450 + 780);
        let text = String::from_utf8(out).unwrap();
        for step in [
            "1. ", "2. GET", "3. POST", "4. POST", "5. ", "6. GET", "7. PUT", "8. PUT",
        ] {
            assert!(text.contains(step), "missing {step:?} in\n{text}");
        }
        assert!(text.contains("PAYSERA*1:table1"));
        assert!(text.contains("45.29 EUR"));
    }
}
