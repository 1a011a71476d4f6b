//! The proof for replicas: cashier replicas as separate OS processes over one shared store and
//! one sandbox, 200 tables, about 8 % faults of every kind, a replica killed with SIGKILL and
//! restarted every few seconds, and an event handler that fails about 10 % of the time.
//! Three replicas on Postgres (when `PAYSERA_TEST_POSTGRES_URL` names a server, required with
//! `PAYSERA_REQUIRE_POSTGRES=1`), two on one SQLite file.
//!
//! Each replica is this test binary run again with `replica_process` as its only test and its
//! settings in `PAYSERA_REPLICA_CHILD`: that entry point does nothing in a normal run.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use paysera_sandbox::{Sandbox, SandboxConfig};
use paysera_scanpay::engine::{
    Engine, EngineConfig, Event, EventKind, Merchant, REFERENCE_PARAMETER, open_store,
};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, Spot, SpotStatus, TransactionStatus};
use paysera_scanpay::{Client, MacCredentials};
use serde::{Deserialize, Serialize};

const CHILD_ENV: &str = "PAYSERA_REPLICA_CHILD";
const SPOTS: u64 = 200;
const POLL: Duration = Duration::from_millis(200);

#[derive(Serialize, Deserialize)]
struct ChildSpec {
    base_url: String,
    client_id: String,
    mac_key: String,
    store: String,
    events: String,
    seed: u64,
}

/// One replica's shop: prices every table, and records each event it handles in a file shared
/// by all replicas, failing (before recording) about 10 % of the time.
struct Shop {
    events: std::path::PathBuf,
    rng: std::sync::Mutex<u64>,
}

impl Shop {
    fn blip(&self) -> bool {
        let mut s = self.rng.lock().unwrap();
        // xorshift64*
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33).is_multiple_of(10)
    }
}

impl Merchant for Shop {
    fn price(&self, spot: Spot) -> BoxFuture<'static, Result<Option<Vec<Payment>>, String>> {
        let cents = 500 + (spot.id % 7) as i64 * 100;
        Box::pin(async move { Ok(Some(vec![Payment::new("Dinner", Money::new(cents, "EUR"))])) })
    }
    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>> {
        let result = if event.kind != EventKind::Error && self.blip() {
            Err("database blip".to_owned())
        } else {
            let line = format!("{}\n", serde_json::to_string(&event).unwrap());
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.events)
                .unwrap();
            // One write: appends from several processes do not interleave.
            f.write_all(line.as_bytes()).unwrap();
            f.sync_data().unwrap();
            Ok(())
        };
        Box::pin(async move { result })
    }
}

/// The body of one replica process (see the module's doc); a no-op in a normal test run.
#[test]
fn replica_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec: ChildSpec = serde_json::from_str(&spec).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let credentials = MacCredentials::new(spec.client_id, spec.mac_key).unwrap();
        let client = Client::builder(credentials)
            .base_url(spec.base_url)
            .build()
            .unwrap();
        let shop = Shop {
            events: spec.events.into(),
            rng: std::sync::Mutex::new(spec.seed | 1),
        };
        let config = EngineConfig {
            poll_interval: POLL,
            requests_per_minute: 0,
            customer_timeout: Duration::from_secs(2),
            // Every check-in on one page: the listings per tick stay two, so that the bound
            // below tells one cashier's polling from several (a sweep over several pages lists
            // more per interval; tests/engine.rs covers that).
            page_size: 200,
            concurrency: 8,
            event_retry: Duration::from_millis(50),
            event_retry_max: Duration::from_millis(300),
            lease_ttl: Duration::from_secs(1),
            ..Default::default()
        };
        let store = open_store(&spec.store).await.unwrap();
        let engine = Engine::new(client, Arc::new(shop), store, config).unwrap();
        engine.run_forever().await.unwrap();
    });
}

fn spawn(spec: &ChildSpec) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "replica_process",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, serde_json::to_string(spec).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn chaos(store: String, replicas: usize) {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for i in 0..SPOTS {
        let s = sb
            .create_spot(1 + i % 4, &format!("t{i}"), PlaceInfo::default())
            .unwrap();
        sb.scan_as(s.id, 1000 + i).unwrap();
    }
    common::inject_chaos(&sb, 2000);
    let dir = std::env::temp_dir().join(format!(
        "ps-replicas-chaos-{}-{}",
        std::process::id(),
        paysera_scanpay::mac::random_alphanumeric(6)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let events_path = dir.join("events.jsonl");
    let spec = |seed: u64| ChildSpec {
        base_url: sb.base_url().to_owned(),
        client_id: sb.client_id().to_owned(),
        mac_key: sb.mac_key().to_owned(),
        store: store.clone(),
        events: events_path.display().to_string(),
        seed,
    };
    let mut children: Vec<Child> = (0..replicas).map(|i| spawn(&spec(i as u64 + 1))).collect();
    let observer = open_store(&store).await.unwrap();

    let mut decided = HashSet::new();
    let mut violations = Vec::new();
    let mut confirms: Vec<String> = Vec::new();
    let mut kills = 0u64;
    let mut takeovers = 0u64;
    let started = Instant::now();
    let mut last_kill = Instant::now();
    let done = loop {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the replicas did not finish: {} of {SPOTS} tables closed",
            sb.spots()
                .iter()
                .filter(|s| s.status == SpotStatus::Closed)
                .count()
        );
        confirms.extend(common::customers_act(&sb, &mut decided, &mut violations));
        // Every few seconds, SIGKILL a replica and start it again: the active one (the lease
        // holder, by its pid) every other time, so that standbys must take over.
        if last_kill.elapsed() > Duration::from_millis(2500) && kills < 12 {
            let holder = observer.holder().await.unwrap();
            let active = holder.as_ref().and_then(|(owner, _)| {
                let pid: u32 = owner.split(':').nth(1)?.parse().ok()?;
                children.iter().position(|c| c.id() == pid)
            });
            let victim = match active {
                Some(i) if kills.is_multiple_of(2) => {
                    takeovers += 1;
                    i
                }
                _ => (kills as usize) % children.len(),
            };
            children[victim].kill().unwrap();
            children[victim].wait().unwrap();
            children[victim] = spawn(&spec(100 + kills));
            kills += 1;
            last_kill = Instant::now();
        }
        let closed = sb.spots().iter().all(|s| s.status == SpotStatus::Closed);
        if closed
            && observer.load().await.unwrap().is_empty()
            && observer.load_events().await.unwrap().is_empty()
        {
            break Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    let elapsed = done - started;

    assert!(
        kills >= 3,
        "replicas were killed only {kills} times in {elapsed:?}"
    );
    assert!(
        takeovers >= 2,
        "the active replica was killed only {takeovers} times"
    );
    assert!(violations.is_empty(), "{violations:?}");
    let txs = sb.transactions();
    // No check-in priced into two transactions.
    let mut per_reference: HashMap<String, usize> = HashMap::new();
    for t in &txs {
        let r = t.payments()[0].parameters.as_ref().unwrap()[REFERENCE_PARAMETER]
            .as_str()
            .unwrap()
            .to_owned();
        *per_reference.entry(r).or_default() += 1;
    }
    let twice: Vec<_> = per_reference.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "check-ins with two transactions: {twice:?}"
    );
    assert_eq!(
        per_reference.len() as u64,
        SPOTS,
        "every check-in got its transaction"
    );
    // Exactly one confirmed transaction per customer confirmation; nothing left reserved.
    for key in &confirms {
        let t = txs.iter().find(|t| &t.transaction_key == key).unwrap();
        assert_eq!(
            t.status,
            TransactionStatus::Confirmed,
            "customer confirmed {key}"
        );
    }
    let confirmed: HashSet<&str> = txs
        .iter()
        .filter(|t| t.status == TransactionStatus::Confirmed)
        .map(|t| t.transaction_key.as_str())
        .collect();
    assert_eq!(confirmed.len(), confirms.len());
    assert!(txs.iter().all(|t| t.status != TransactionStatus::Reserved));
    // Every paid delivered at least once, and exactly once after de-duplication by id.
    let handled: Vec<Event> = std::fs::read_to_string(&events_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let paid_ids: HashSet<&str> = handled
        .iter()
        .filter(|e| e.kind == EventKind::Paid)
        .map(|e| e.id.as_str())
        .collect();
    let paid_keys: HashSet<&str> = handled
        .iter()
        .filter(|e| e.kind == EventKind::Paid)
        .filter_map(|e| e.transaction_key.as_deref())
        .collect();
    assert_eq!(
        paid_keys, confirmed,
        "paid events against confirmed transactions"
    );
    assert_eq!(
        paid_ids.len(),
        confirmed.len(),
        "one paid id per confirmed transaction"
    );
    let redelivered = handled.len()
        - handled
            .iter()
            .map(|e| e.id.as_str())
            .collect::<HashSet<_>>()
            .len();
    // Every spot closed and reported.
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    let closed: HashSet<u64> = handled
        .iter()
        .filter(|e| e.kind == EventKind::SpotClosed)
        .map(|e| e.spot_id)
        .collect();
    assert_eq!(closed.len() as u64, SPOTS);
    // Polling stays that of one cashier: two listings per tick, at most one tick per POLL.
    let mut per_second: HashMap<String, u64> = HashMap::new();
    let journal = sb.requests();
    for e in &journal {
        let listing = e.method == "GET"
            && (e.path.starts_with("/rest/v1/spots?")
                || e.path.starts_with("/rest/v1/transactions?"))
            && e.path.contains("status");
        if listing && let Some(ts) = &e.ts {
            *per_second.entry(ts.clone()).or_default() += 1;
        }
    }
    let max_polls = per_second.values().copied().max().unwrap_or(0);
    let bound = 2 * (Duration::from_secs(1).as_millis() / POLL.as_millis()) as u64 + 2;
    assert!(
        max_polls > 0,
        "no listing requests recognised in the journal"
    );
    assert!(
        max_polls <= bound,
        "{max_polls} listing requests in one second (bound {bound})"
    );
    let faults_hit = journal.iter().filter(|e| e.fault.is_some()).count();
    assert!(faults_hit > 20, "only {faults_hit} faults were injected");
    eprintln!(
        "replicas chaos over {}: {replicas} replicas, {kills} kills ({takeovers} of the active one), {} confirmed, {redelivered} events redelivered, {faults_hit} faults, max {max_polls} listings/s, {elapsed:?}",
        observer.location(),
        confirmed.len()
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_three_replicas_on_postgres_with_sigkills() {
    if let Some(url) = common::fresh_postgres("chaos").await {
        chaos(url, 3).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_two_processes_on_one_sqlite_file_with_sigkills() {
    let dir = std::env::temp_dir().join(format!("ps-replicas-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}.db",
        paysera_scanpay::mac::random_alphanumeric(6)
    ));
    chaos(format!("sqlite://{}", path.display()), 2).await;
}
