//! What several of the sandbox's integration tests share: the diners of the chaos tests, their
//! mix of faults, a minimal callback endpoint, and databases of their own on the Postgres test
//! server. Each test crate uses part of it.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use paysera_sandbox::{FaultKind, FaultRule, Sandbox};
use paysera_scanpay::engine::Engine;
use paysera_scanpay::models::{OrderStatus, TransactionStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The diners: each live order the cashier attached gets one decision, by table: most confirm
/// (returned, so the test can check each was taken), some decline in the app, some walk away
/// (the cashier revokes those). A spot with two live orders is a violation.
pub fn customers_act(
    sb: &Sandbox,
    decided: &mut HashSet<String>,
    violations: &mut Vec<String>,
) -> Vec<String> {
    let mut confirmed = Vec::new();
    let txs: HashMap<String, TransactionStatus> = sb
        .transactions()
        .into_iter()
        .map(|t| (t.transaction_key.clone(), t.status))
        .collect();
    for spot in sb.spots() {
        let live: Vec<_> = spot
            .orders()
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Pending | OrderStatus::Reserved))
            .collect();
        if live.len() > 1 {
            violations.push(format!("spot {} has {} live orders", spot.id, live.len()));
        }
        for order in live {
            if decided.contains(&order.transaction_key)
                || txs.get(&order.transaction_key) != Some(&TransactionStatus::New)
            {
                continue;
            }
            decided.insert(order.transaction_key.clone());
            match spot.id % 20 {
                0..=13 => {
                    sb.confirm(&order.transaction_key).unwrap();
                    confirmed.push(order.transaction_key.clone());
                }
                14..=16 => {
                    sb.reject(&order.transaction_key).unwrap();
                }
                _ => {} // walks away
            }
        }
    }
    confirmed
}

/// About 8 % of requests hit a fault, of every kind, reproducibly from `seed`.
pub fn inject_chaos(sb: &Sandbox, seed: u64) {
    let error = |status| FaultKind::Error {
        status,
        code: "internal_server_error".into(),
        description: None,
    };
    let faults = [
        (error(503), 0.015),
        (error(500), 0.005),
        (FaultKind::RateLimit { retry_after: 0 }, 0.01),
        (FaultKind::Drop, 0.01),
        (FaultKind::ApplyThenDrop, 0.02),
        (FaultKind::Truncate, 0.005),
        (FaultKind::Malformed, 0.005),
        (FaultKind::Delay { ms: 30 }, 0.01),
    ];
    for (i, (kind, p)) in faults.into_iter().enumerate() {
        sb.inject_fault(FaultRule::once(kind).with_probability(p, seed + i as u64))
            .unwrap();
    }
}

/// A minimal merchant endpoint: each POST's body goes to `engine.handle_callback`; 200 when
/// genuine, 400 when refused, 503 when Paysera's key could not be fetched.
pub fn serve_callbacks(listener: tokio::net::TcpListener, engine: Arc<Engine>) {
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let engine = engine.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let body = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break request[end + 4..end + 4 + length].to_vec();
                    }
                };
                let status = match engine.handle_callback(&body).await {
                    Ok(true) => "200 OK",
                    Ok(false) => "400 Bad Request",
                    Err(_) => "503 Service Unavailable",
                };
                let reply =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
}

/// A database of its own (named `{prefix}_{random}`) on the Postgres test server that
/// `scripts/with-postgres.sh` starts, or `None` without one: then, with
/// `PAYSERA_REQUIRE_POSTGRES=1`, the test fails instead of skipping.
pub async fn fresh_postgres(prefix: &str) -> Option<String> {
    let url = match std::env::var("PAYSERA_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            assert!(
                std::env::var("PAYSERA_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "PAYSERA_TEST_POSTGRES_URL is not set (run under scripts/with-postgres.sh)"
            );
            return None;
        }
    };
    let admin = std::env::var("PAYSERA_TEST_POSTGRES_ADMIN").unwrap_or_else(|_| url.clone());
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let name = format!(
        "{prefix}_{}",
        paysera_scanpay::mac::random_alphanumeric(8).to_lowercase()
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    Some(format!("{}/{name}", url.rsplit_once('/').unwrap().0))
}
