//! `Cashier`: the core's cashier engine, driven from JavaScript. The engine, its store and its
//! requests run on the core's runtime; the merchant's functions (`price`, `onEvent`, `adjust`)
//! are JavaScript, called through thread-safe functions whose Promises the engine awaits.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{BigInt, Buffer, Either, Either3, Promise, PromiseRaw};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Result, Status};
use napi_derive::napi;
use paysera_scanpay::engine::{
    Dispatcher, Engine, EngineConfig, HandlerCall, HandlerKind, open_store_now,
};
use serde_json::Value;
use tokio::sync::{oneshot, watch};

use crate::client::{CancelToken, Client, spawn};
use crate::convert;
use crate::error;

/// A merchant function as the facade wraps it: called with one wire object, it always returns a
/// Promise of `{ ok: value }` or `{ error: message }` (it never throws or rejects). Weak: an idle
/// cashier does not keep the process alive (a pending `runOnce()`/`start()` Promise does).
type JsHandler = ThreadsafeFunction<Value, Promise<Value>, Value, Status, false, true>;

/// Calls `handler` with the engine's call (the core's `Dispatcher` hands it over before its
/// future is polled) and answers with the Promise's outcome.
fn call_js(handler: &JsHandler, call: HandlerCall) {
    let HandlerCall { arg, reply, .. } = call;
    let arg = match convert::to_js(&arg) {
        Ok(arg) => arg,
        Err(e) => return reply.answer(Err(e.reason)),
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
    if status != Status::Ok {
        let message = format!("the JavaScript function cannot be called ({status})");
        return reply.answer(Err(message));
    }
    reply.answer_later(async move {
        let promise = rx
            .await
            .map_err(|_| "the JavaScript function was not called".to_owned())??;
        let mut answer = promise.await.map_err(|e| e.reason)?;
        if let Some(message) = answer.get("error") {
            return Err(message.as_str().unwrap_or("failed").to_owned());
        }
        Ok(answer.get_mut("ok").map(Value::take).unwrap_or(Value::Null))
    });
}

/// The engine's merchant: each call goes to its JavaScript function.
fn dispatcher(price: JsHandler, on_event: JsHandler, adjust: Option<JsHandler>) -> Dispatcher {
    Dispatcher::new(adjust.is_some(), move |call| {
        let handler = match (call.kind, &adjust) {
            (HandlerKind::Price, _) => &price,
            (HandlerKind::Event, _) => &on_event,
            (HandlerKind::Adjust, Some(adjust)) => adjust,
            // The dispatcher makes no `adjust` call without an `adjust` function.
            (HandlerKind::Adjust, None) => return call.reply.answer(Ok(Value::Null)),
        };
        call_js(handler, call);
    })
}

#[napi(object)]
pub struct CashierOptions {
    pub poll_interval_ms: Option<u32>,
    pub requests_per_minute: Option<u32>,
    pub customer_timeout_ms: Option<u32>,
    pub page_size: Option<u32>,
    pub concurrency: Option<u32>,
    pub location_id: Option<Either3<f64, BigInt, String>>,
    pub event_retry_ms: Option<u32>,
    pub event_retry_max_ms: Option<u32>,
    /// A store URL (`memory`, `sqlite:///path`, `postgres://…`) or a path (SQLite); memory
    /// when absent.
    pub store: Option<String>,
    pub callback_uri: Option<String>,
    pub lease_ttl_ms: Option<u32>,
    pub wake_interval_ms: Option<u32>,
}

fn config(o: CashierOptions) -> Result<EngineConfig> {
    let mut c = EngineConfig::default();
    let ms = |v: u32| Duration::from_millis(v.into());
    c.poll_interval = o.poll_interval_ms.map_or(c.poll_interval, ms);
    c.requests_per_minute = o.requests_per_minute.unwrap_or(c.requests_per_minute);
    c.customer_timeout = o.customer_timeout_ms.map_or(c.customer_timeout, ms);
    c.page_size = o.page_size.unwrap_or(c.page_size);
    c.concurrency = o.concurrency.map_or(c.concurrency, |n| n as usize);
    c.event_retry = o.event_retry_ms.map_or(c.event_retry, ms);
    c.event_retry_max = o.event_retry_max_ms.map_or(c.event_retry_max, ms);
    c.callback_uri = o.callback_uri;
    c.lease_ttl = o.lease_ttl_ms.map_or(c.lease_ttl, ms);
    c.wake_interval = o.wake_interval_ms.map_or(c.wake_interval, ms);
    c.location_id = o
        .location_id
        .map(|id| convert::id(id, "locationId"))
        .transpose()?;
    Ok(c)
}

/// One engine over one store; `start()` and `runOnce()` take turns (the engine refuses a second
/// run while one is in progress).
#[napi]
pub struct Cashier {
    engine: Arc<Engine>,
    stop: watch::Sender<bool>,
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
        let store =
            open_store_now(options.store.as_deref().unwrap_or("memory")).map_err(error::core)?;
        let engine = Engine::new(
            client.core().clone(),
            Arc::new(dispatcher(price, on_event, adjust)),
            store,
            config(options)?,
        )
        .map_err(error::core)?;
        Ok(Self {
            engine: Arc::new(engine),
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
        let run = self.engine.begin().map_err(error::core)?;
        spawn(env, cancel, async move { run.once().await })
    }

    /// Ticks until `stop()`; resolves once the loop has ended.
    #[napi]
    pub fn start<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let claimed = self.engine.begin().map_err(error::core)?;
        let engine = self.engine.clone();
        self.stop.send_replace(false);
        let mut stop = self.stop.subscribe();
        env.spawn_future(async move {
            let run = claimed.forever();
            tokio::pin!(run);
            // `run` is polled first: `forever()` clears the engine's stop flag when it starts,
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

    /// Verifies a callback body Paysera posted and wakes the loop for its transaction.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn handle_callback<'e>(
        &self,
        env: &'e Env,
        body: Either<String, Buffer>,
        cancel: Option<&CancelToken>,
    ) -> Result<PromiseRaw<'e, Value>> {
        let (engine, body) = (self.engine.clone(), convert::bytes(Some(body)));
        spawn(
            env,
            cancel,
            async move { engine.handle_callback(&body).await },
        )
    }

    /// Ends the loop of `start()` after its current step.
    #[napi]
    pub fn stop(&self) {
        self.stop.send_replace(true);
        self.engine.stop();
    }

    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.engine.is_running()
    }

    /// The cashier's health (`CashierStats`).
    #[napi(ts_return_type = "any")]
    pub fn stats(&self) -> Result<Value> {
        convert::to_js(&self.engine.stats())
    }

    /// Check-ins in progress, as this engine knows them.
    #[napi(ts_return_type = "any[]")]
    pub fn records(&self) -> Result<Value> {
        convert::to_js(&self.engine.records())
    }

    /// Events `onEvent` has not acknowledged yet, oldest first.
    #[napi(ts_return_type = "any[]")]
    pub fn undelivered(&self) -> Result<Value> {
        convert::to_js(&self.engine.undelivered())
    }
}
