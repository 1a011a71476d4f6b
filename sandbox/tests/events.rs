//! At-least-once events: a failing handler is retried until it succeeds, in order per spot,
//! without holding up other spots; undelivered events survive a restart over a durable store;
//! events carry what the shop needs to find its order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use paysera_sandbox::{Autopilot, Sandbox, SandboxConfig};
use paysera_scanpay::engine::{
    Acquired, Engine, EngineConfig, Event, EventKind, Lease, MemoryStore, Merchant, Record,
    SqliteStore, Store, UndeliveredEvent,
};
use paysera_scanpay::models::{Money, Payment, PlaceInfo, Spot, SpotStatus};

/// A shop whose event handler fails `failures[(spot identifier, kind)]` times, then succeeds.
#[derive(Default)]
struct Shop {
    failures: Mutex<HashMap<(u64, EventKind), u32>>,
    /// Every call, successful or not: `(event, succeeded)`.
    calls: Mutex<Vec<(Event, bool)>>,
}

impl Shop {
    fn failing(spot: u64, kind: EventKind, times: u32) -> Arc<Self> {
        let shop = Self::default();
        shop.failures.lock().unwrap().insert((spot, kind), times);
        Arc::new(shop)
    }

    /// Acknowledged events (not `error` notices), in order.
    fn delivered(&self) -> Vec<Event> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .filter(|(e, ok)| *ok && e.kind != EventKind::Error)
            .map(|(e, _)| e.clone())
            .collect()
    }

    fn kinds_of(&self, spot: u64) -> Vec<EventKind> {
        let delivered = self.delivered();
        delivered
            .iter()
            .filter(|e| e.spot_id == spot)
            .map(|e| e.kind)
            .collect()
    }
}

struct Handlers(Arc<Shop>);

impl Merchant for Handlers {
    fn price(&self, spot: Spot) -> BoxFuture<'static, Result<Option<Vec<Payment>>, String>> {
        let payment = Payment::new("Dinner", Money::new(1000 + spot.id as i64, "EUR"))
            .with_parameter("orderid", format!("order-{}", spot.id));
        Box::pin(async move { Ok(Some(vec![payment])) })
    }

    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>> {
        let mut failures = self.0.failures.lock().unwrap();
        let left = failures.entry((event.spot_id, event.kind)).or_default();
        let ok = *left == 0 || event.kind == EventKind::Error;
        if !ok {
            *left -= 1;
        }
        self.0.calls.lock().unwrap().push((event, ok));
        Box::pin(async move {
            if ok {
                Ok(())
            } else {
                Err("database is down".into())
            }
        })
    }
}

fn config() -> EngineConfig {
    EngineConfig {
        poll_interval: Duration::ZERO,
        requests_per_minute: 0,
        // Retried on the next tick: the tests count ticks, never time.
        event_retry: Duration::ZERO,
        event_retry_max: Duration::ZERO,
        ..Default::default()
    }
}

fn engine(sb: &Sandbox, shop: &Arc<Shop>, store: Arc<dyn Store>) -> Engine {
    Engine::new(
        sb.client(),
        Arc::new(Handlers(shop.clone())),
        store,
        config(),
    )
    .unwrap()
}

async fn started() -> Sandbox {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    sb.set_autopilot(Some(Autopilot::Confirm));
    sb
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_paid_handler_is_retried_in_order_and_delivered_once_it_succeeds() {
    let sb = started().await;
    let place = PlaceInfo {
        location_id: Some(42),
        ..Default::default()
    };
    let table = sb.create_spot(42, "t1", place).unwrap();
    sb.scan(table.id).unwrap();
    let shop = Shop::failing(table.id, EventKind::Paid, 3);
    let engine = engine(&sb, &shop, Arc::new(MemoryStore::new()));

    // Billed, paid (autopilot) and closed in one tick; the paid handler fails.
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::OrderCreated, EventKind::Error]);
    assert_eq!(
        report.events[1].message.as_deref(),
        Some("event handler failed on paid: database is down")
    );
    assert_eq!(sb.spots()[0].status, SpotStatus::Closed);
    assert!(engine.records().is_empty(), "the check-in itself is done");
    // paid waits for a retry; spot_closed waits behind it.
    let waiting = engine.undelivered();
    let waiting_kinds: Vec<EventKind> = waiting.iter().map(|u| u.event.kind).collect();
    assert_eq!(waiting_kinds, [EventKind::Paid, EventKind::SpotClosed]);
    assert_eq!(waiting[0].attempts, 1);
    assert_eq!(waiting[0].last_error.as_deref(), Some("database is down"));
    assert_eq!(waiting[1].attempts, 0);

    // Two more failures, then success: paid, then spot_closed, each acknowledged once.
    for attempt in 2..=3 {
        let report = engine.run_once().await.unwrap();
        assert_eq!(report.events.len(), 1, "{report:?}");
        assert_eq!(engine.undelivered()[0].attempts, attempt);
    }
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Paid, EventKind::SpotClosed]);
    assert!(engine.undelivered().is_empty());
    assert!(engine.run_once().await.unwrap().events.is_empty());

    assert_eq!(
        shop.kinds_of(table.id),
        [
            EventKind::OrderCreated,
            EventKind::Paid,
            EventKind::SpotClosed
        ]
    );
    let paid_calls: Vec<bool> = (shop.calls.lock().unwrap().iter())
        .filter(|(e, _)| e.kind == EventKind::Paid)
        .map(|(_, ok)| *ok)
        .collect();
    assert_eq!(paid_calls, [false, false, false, true]);

    // The paid event says which order was paid.
    let paid = shop.delivered()[1].clone();
    assert_eq!(paid.id, format!("{}:paid", paid.reference));
    assert_eq!(paid.parameters["orderid"], format!("order-{}", table.id));
    assert_eq!(
        paid.parameters["scanpay_reference"],
        paid.reference.as_str()
    );
    assert_eq!(paid.location_id, Some(42));
    assert_eq!(paid.amounts, [Money::new(1000 + table.id as i64, "EUR")]);
    assert!(paid.transaction_key.is_some());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spot_whose_handler_keeps_failing_does_not_hold_up_the_others() {
    let sb = started().await;
    let stuck = sb.create_spot(1, "stuck", PlaceInfo::default()).unwrap();
    let others: Vec<_> = (0..4)
        .map(|i| {
            sb.create_spot(1, &format!("t{i}"), PlaceInfo::default())
                .unwrap()
        })
        .collect();
    for spot in std::iter::once(&stuck).chain(&others) {
        sb.scan(spot.id).unwrap();
    }
    let shop = Shop::failing(stuck.id, EventKind::OrderCreated, u32::MAX);
    let engine = engine(&sb, &shop, Arc::new(MemoryStore::new()));
    for _ in 0..3 {
        engine.run_once().await.unwrap();
    }
    // Every table was billed, paid and freed, the stuck one too: only its events wait.
    assert!(sb.spots().iter().all(|s| s.status == SpotStatus::Closed));
    for spot in &others {
        assert_eq!(
            shop.kinds_of(spot.id),
            [
                EventKind::OrderCreated,
                EventKind::Paid,
                EventKind::SpotClosed
            ]
        );
    }
    assert!(shop.kinds_of(stuck.id).is_empty());
    let waiting = engine.undelivered();
    assert!(waiting.iter().all(|u| u.event.spot_id == stuck.id));
    let kinds: Vec<EventKind> = waiting.iter().map(|u| u.event.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::OrderCreated,
            EventKind::Paid,
            EventKind::SpotClosed
        ]
    );
    assert_eq!(waiting[0].attempts, 3);
    assert!(engine.records().is_empty());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undelivered_events_survive_a_restart_over_the_file_store() {
    let sb = started().await;
    let table = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(table.id).unwrap();
    let dir = std::env::temp_dir().join(format!("ps-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cashier.log");
    let _ = std::fs::remove_file(&path);

    // The shop's database is down while the engine runs: paid and spot_closed stay undelivered.
    let down = Shop::failing(table.id, EventKind::Paid, u32::MAX);
    {
        let engine = engine(&sb, &down, Arc::new(SqliteStore::open(&path).unwrap()));
        engine.run_once().await.unwrap();
        engine.run_once().await.unwrap();
        assert_eq!(engine.undelivered().len(), 2);
        assert_eq!(engine.undelivered()[0].attempts, 2);
    } // the process dies

    let up = Arc::new(Shop::default());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let engine = engine(&sb, &up, store.clone());
    let mut before = store.load_events().await.unwrap();
    before.sort_by_key(|e| e.seq);
    assert_eq!(before.len(), 2);
    assert_eq!(before[0].attempts, 2);
    assert_eq!(before[0].last_error.as_deref(), Some("database is down"));
    let report = engine.run_once().await.unwrap();
    let kinds: Vec<EventKind> = report.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Paid, EventKind::SpotClosed]);
    assert_eq!(
        up.kinds_of(table.id),
        [EventKind::Paid, EventKind::SpotClosed]
    );
    assert_eq!(
        up.delivered()[0].parameters["orderid"],
        format!("order-{}", table.id)
    );
    assert!(engine.undelivered().is_empty());
    drop(engine);
    // Acknowledged durably: a third process has nothing left to deliver.
    let later = Arc::new(Shop::default());
    let engine = self::engine(&sb, &later, Arc::new(SqliteStore::open(&path).unwrap()));
    assert!(engine.undelivered().is_empty());
    engine.run_once().await.unwrap();
    assert!(later.delivered().is_empty());
    sb.shutdown().await;
}

/// A memory store whose recording of `paid` events fails while `down` is set (the database
/// blipped just then).
#[derive(Debug, Default)]
struct Blipping {
    inner: MemoryStore,
    down: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Store for Blipping {
    async fn acquire(&self, l: &Lease) -> Result<Acquired, paysera_scanpay::Error> {
        self.inner.acquire(l).await
    }
    async fn holder(&self) -> Result<Option<(String, i64)>, paysera_scanpay::Error> {
        self.inner.holder().await
    }
    async fn release(&self, l: &Lease) -> Result<(), paysera_scanpay::Error> {
        self.inner.release(l).await
    }
    async fn load(&self) -> Result<Vec<Record>, paysera_scanpay::Error> {
        self.inner.load().await
    }
    async fn save(&self, l: &Lease, r: &Record) -> Result<(), paysera_scanpay::Error> {
        self.inner.save(l, r).await
    }
    async fn remove(&self, l: &Lease, reference: &str) -> Result<(), paysera_scanpay::Error> {
        self.inner.remove(l, reference).await
    }
    async fn load_events(&self) -> Result<Vec<UndeliveredEvent>, paysera_scanpay::Error> {
        self.inner.load_events().await
    }
    async fn put_event(
        &self,
        l: &Lease,
        e: &UndeliveredEvent,
    ) -> Result<(), paysera_scanpay::Error> {
        self.inner.put_event(l, e).await
    }
    async fn record_event(
        &self,
        l: &Lease,
        r: &Record,
        e: &UndeliveredEvent,
    ) -> Result<(), paysera_scanpay::Error> {
        if e.event.kind == EventKind::Paid && self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(paysera_scanpay::Error::Store("connection reset".into()));
        }
        self.inner.record_event(l, r, e).await
    }
    async fn ack_event(&self, l: &Lease, id: &str) -> Result<(), paysera_scanpay::Error> {
        self.inner.ack_event(l, id).await
    }
    async fn push_wake(&self, key: &str) -> Result<(), paysera_scanpay::Error> {
        self.inner.push_wake(key).await
    }
    async fn take_wakes(&self, l: &Lease) -> Result<Vec<String>, paysera_scanpay::Error> {
        self.inner.take_wakes(l).await
    }
    fn shared(&self) -> bool {
        false
    }
    fn location(&self) -> String {
        "blipping".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_event_the_store_could_not_record_is_never_lost() {
    let sb = started().await;
    let table = sb.create_spot(1, "t1", PlaceInfo::default()).unwrap();
    sb.scan(table.id).unwrap();
    let shop = Arc::new(Shop::default());
    let store = Arc::new(Blipping::default());
    store.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let engine = engine(&sb, &shop, store.clone());

    // Confirmed (the money is taken), but `paid` cannot be recorded: the step stops there, the
    // spot stays open and the check-in stays in its closing stage.
    let report = engine.run_once().await.unwrap();
    let error = report
        .events
        .iter()
        .find(|e| e.kind == EventKind::Error)
        .unwrap();
    assert!(
        error
            .message
            .as_deref()
            .unwrap()
            .contains("recording the paid event"),
        "{error:?}"
    );
    assert_eq!(sb.spots()[0].status, SpotStatus::Waiting);
    assert!(!shop.kinds_of(table.id).contains(&EventKind::Paid));
    assert_eq!(engine.records().len(), 1);
    // The tick ran, but health says the store failed it (a `/healthz` must not look green).
    let stats = engine.stats();
    assert_eq!(stats.consecutive_errors, 1);
    assert!(
        stats
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("connection reset")),
        "{stats:?}"
    );

    // The store is back: the next tick records and delivers `paid`, then frees the table.
    store.down.store(false, std::sync::atomic::Ordering::SeqCst);
    engine.run_once().await.unwrap();
    assert_eq!(
        shop.kinds_of(table.id),
        [
            EventKind::OrderCreated,
            EventKind::Paid,
            EventKind::SpotClosed
        ]
    );
    assert_eq!(sb.spots()[0].status, SpotStatus::Closed);
    assert!(engine.records().is_empty() && engine.undelivered().is_empty());
    assert_eq!(engine.stats().consecutive_errors, 0);
    sb.shutdown().await;
}
