//! The Scan and Pay demo: an embedded sandbox, a café with a few tables, customers who scan and
//! confirm, and the merchant's 8 steps run with the core client, narrated for a newcomer.

use std::fmt::Write as _;
use std::io::Write;

use paysera_scanpay::models::{
    Money, Payment, PlaceInfo, SpotStatus, TransactionRequest, TransactionStatus,
};
use paysera_scanpay::qr::QrCode;
use paysera_scanpay::{SpotQuery, TransactionQuery};

use crate::{Sandbox, SandboxConfig};

/// What the demo did, for callers that check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub spots_closed: usize,
    pub transactions_confirmed: usize,
    pub total_cents: i64,
    pub requests: usize,
}

const TABLES: [(&str, i64, &str); 3] = [
    ("table1", 1299, "2 cappuccinos and a cheesecake"),
    ("table2", 2450, "lunch menu for two"),
    ("table3", 780, "espresso and a croissant"),
];

fn eur(cents: i64) -> String {
    format!("{}.{:02} EUR", cents / 100, cents % 100)
}

/// Runs the whole demo, writing the story to `out`. Fails if any spot is left open or any
/// transaction unconfirmed.
pub async fn run(out: &mut (dyn Write + Send)) -> Result<DemoSummary, String> {
    let e = |e: paysera_scanpay::Error| e.to_string();
    let io = |e: std::io::Error| e.to_string();
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
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
    sb.shutdown().await;
    Ok(DemoSummary {
        spots_closed: spot_ids.len(),
        transactions_confirmed: reserved.len(),
        total_cents: total,
        requests,
    })
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_closes_every_spot_and_confirms_every_transaction() {
        let mut out = Vec::new();
        let summary = super::run(&mut out).await.unwrap();
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
