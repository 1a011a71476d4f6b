//! `Cashier`: the core's cashier engine, driven from JavaScript. The engine, its store and its
//! requests run on the core's runtime; the merchant's functions (`price`, `onEvent`, `adjust`)
//! are JavaScript, called through thread-safe functions whose Promises the engine awaits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use napi::bindgen_prelude::{BigInt, Either3, Promise, PromiseRaw};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Result, Status};
use napi_derive::napi;
use paysera_scanpay::engine::{
    Engine, EngineConfig, Event, FileStore, MemoryStore, Merchant, Store,
};
use paysera_scanpay::{ConfirmPrices, Payment, Spot, Transaction};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use tokio::sync::{oneshot, watch};

use crate::client::{CancelToken, Client, spawn};
use crate::convert;
use crate::error;

/// A merchant function as the facade wraps it: called with one wire object, it always returns a
/// Promise of `{ ok: value }` or `{ error: message }` (it never throws or rejects). Weak: an idle
/// cashier does not keep the process alive (a pending `runOnce()`/`start()` Promise does).
type JsHandler = ThreadsafeFunction<Value, Promise<Value>, Value, Status, false, true>;

type Reply<T> = Pin<Box<dyn Future<Output = std::result::Result<T, String>> + Send>>;

/// Calls `handler` now and returns a future of its answer. The call is queued before this
/// returns, not when the future is first polled: an event the engine has recorded as delivered
/// reaches JavaScript even if the engine is stopped or dropped right after.
fn invoke<T: DeserializeOwned + Send + 'static>(
    handler: &JsHandler,
    arg: napi::Result<Value>,
) -> Reply<T> {
    let arg = match arg {
        Ok(arg) => arg,
        Err(e) => return Box::pin(async move { Err(e.reason) }),
    };
    let (tx, rx) = oneshot::channel();
    let status = handler.call_with_return_value(
        arg,
        ThreadsafeFunctionCallMode::NonBlocking,
        move |ret: Result<Promise<Value>>, _| {
            let _ = tx.send(ret.map_err(|e| e.reason.clone()));
            Ok(())
        },
    );
    Box::pin(async move {
        if status != Status::Ok {
            return Err(format!(
                "the JavaScript function cannot be called ({status})"
            ));
        }
        let promise = rx
            .await
            .map_err(|_| "the JavaScript function was not called".to_owned())??;
        let mut reply = promise.await.map_err(|e| e.reason)?;
        if let Some(message) = reply.get("error") {
            return Err(message.as_str().unwrap_or("failed").to_owned());
        }
        let ok = reply.get_mut("ok").map(Value::take).unwrap_or(Value::Null);
        serde_json::from_value(ok).map_err(|e| format!("invalid return value: {e}"))
    })
}

struct JsMerchant {
    price: JsHandler,
    on_event: JsHandler,
    adjust: Option<JsHandler>,
}

impl Merchant for JsMerchant {
    fn price(&self, spot: Spot) -> Reply<Option<Vec<Payment>>> {
        invoke(&self.price, convert::to_js(&spot))
    }

    fn adjust(&self, transaction: Transaction) -> Reply<Option<ConfirmPrices>> {
        match &self.adjust {
            Some(adjust) => invoke(adjust, convert::to_js(&transaction)),
            None => Box::pin(async { Ok(None) }),
        }
    }

    fn on_event(&self, event: Event) -> Reply<()> {
        let reply = invoke::<IgnoredAny>(&self.on_event, convert::to_js(&event));
        Box::pin(async move { reply.await.map(|_| ()) })
    }
}

#[napi(object)]
pub struct CashierOptions {
    pub poll_interval_ms: Option<u32>,
    pub requests_per_minute: Option<u32>,
    pub customer_timeout_ms: Option<u32>,
    pub page_size: Option<u32>,
    pub concurrency: Option<u32>,
    pub location_id: Option<Either3<f64, BigInt, String>>,
    /// A `FileStore` log at this path; in memory when absent.
    pub store_file: Option<String>,
}

fn config(o: CashierOptions) -> Result<EngineConfig> {
    let mut c = EngineConfig::default();
    let ms = |v: u32| Duration::from_millis(v.into());
    c.poll_interval = o.poll_interval_ms.map_or(c.poll_interval, ms);
    c.requests_per_minute = o.requests_per_minute.unwrap_or(c.requests_per_minute);
    c.customer_timeout = o.customer_timeout_ms.map_or(c.customer_timeout, ms);
    c.page_size = o.page_size.unwrap_or(c.page_size);
    c.concurrency = o.concurrency.map_or(c.concurrency, |n| n as usize);
    c.location_id = o
        .location_id
        .map(|id| convert::id(id, "locationId"))
        .transpose()?;
    Ok(c)
}

/// Marks the cashier busy for as long as it lives (one loop per cashier).
struct Busy(Arc<AtomicBool>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// One engine over one store; `start()` and `runOnce()` take turns (one loop per cashier).
#[napi]
pub struct Cashier {
    engine: Arc<Engine>,
    busy: Arc<AtomicBool>,
    stop: watch::Sender<bool>,
}

impl Cashier {
    fn claim(&self) -> Result<Busy> {
        self.busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .map(|_| Busy(self.busy.clone()))
            .map_err(|_| error::lifecycle("the cashier is already running"))
    }
}

#[napi]
impl Cashier {
    #[napi(constructor)]
    pub fn new(
        client: &Client,
        #[napi(ts_arg_type = "(spot: any) => Promise<any>")] price: JsHandler,
        #[napi(ts_arg_type = "(event: any) => Promise<any>")] on_event: JsHandler,
        #[napi(ts_arg_type = "((transaction: any) => Promise<any>) | undefined | null")]
        adjust: Option<JsHandler>,
        options: CashierOptions,
    ) -> Result<Self> {
        let store: Arc<dyn Store> = match &options.store_file {
            Some(path) => Arc::new(FileStore::open(path).map_err(error::core)?),
            None => Arc::new(MemoryStore::new()),
        };
        let merchant = JsMerchant {
            price,
            on_event,
            adjust,
        };
        let engine = Engine::new(
            client.core().clone(),
            Arc::new(merchant),
            store,
            config(options)?,
        )
        .map_err(error::core)?;
        Ok(Self {
            engine: Arc::new(engine),
            busy: Arc::default(),
            stop: watch::channel(false).0,
        })
    }

    /// One tick: a `TickReport`. The token drops it wherever it is (the store keeps what was
    /// started, and the next tick finishes it).
    #[napi(ts_return_type = "Promise<any>")]
    pub fn run_once<'e>(
        &self,
        env: &'e Env,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (busy, engine) = (self.claim()?, self.engine.clone());
        spawn(env, cancel, async move {
            let _busy = busy;
            engine.run_once().await
        })
    }

    /// Ticks until `stop()`; resolves once the loop has ended.
    #[napi]
    pub fn start<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let (busy, engine) = (self.claim()?, self.engine.clone());
        self.stop.send_replace(false);
        let mut stop = self.stop.subscribe();
        env.spawn_future(async move {
            let _busy = busy;
            let run = engine.run_forever();
            tokio::pin!(run);
            // `run` is polled first: `run_forever` clears the engine's stop flag when it starts,
            // so the flag must be set only after that. A dropped sender (the cashier garbage
            // collected) disables the branch instead of stopping.
            tokio::select! {
                biased;
                () = &mut run => {}
                Ok(()) = async { stop.wait_for(|stop| *stop).await.map(drop) } => {
                    engine.stop();
                    run.await;
                }
            }
            Ok(())
        })
    }

    /// Ends the loop of `start()` after its current step.
    #[napi]
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.engine.stop();
    }

    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.busy.load(Ordering::SeqCst)
    }

    /// Check-ins in progress (the store's records).
    #[napi(ts_return_type = "any[]")]
    pub fn records(&self) -> Result<Value> {
        convert::to_js(&self.engine.records())
    }
}
