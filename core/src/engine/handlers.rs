//! The merchant's handlers when they live in another language (Python, JavaScript).
//!
//! A [`Dispatcher`] is the engine's [`Merchant`]: each call becomes a [`HandlerCall`] (the
//! argument as wire JSON, and a [`HandlerReply`]) that is handed to the binding *before* the
//! call returns its future, not when the future is first polled. (An event whose answer is lost
//! with an interrupted run stays in the outbox and is delivered again.) The
//! binding runs the handler wherever its language allows (Python's thread, Node's event loop)
//! and answers through the reply; the answer flows back into the engine, which decodes it,
//! and a handler's failure is the engine's to act on (an `error` event, and for `on_event` a
//! later retry).

use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;

use super::{Event, Merchant};
use crate::models::{ConfirmPrices, Payment, Spot, Transaction};

/// A handler's answer: its return value as wire JSON, or why it failed.
pub type HandlerResult = Result<Value, String>;

/// Which handler the engine is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// `price(spot)`: the payments for a waiting spot, or null.
    Price,
    /// `adjust(transaction)`: new prices for a reserved transaction, or null.
    Adjust,
    /// `on_event(event)`: its return value is ignored.
    Event,
}

impl HandlerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Price => "price",
            HandlerKind::Adjust => "adjust",
            HandlerKind::Event => "event",
        }
    }
}

impl std::fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One call of a merchant handler, for the binding to run.
#[derive(Debug)]
pub struct HandlerCall {
    pub kind: HandlerKind,
    /// The spot, transaction or event, with wire names.
    pub arg: Value,
    pub reply: HandlerReply,
}

/// Answers one [`HandlerCall`]. Dropping it unanswered fails the call, so the engine never
/// waits forever on a handler whose run was torn down.
pub struct HandlerReply {
    kind: HandlerKind,
    sender: oneshot::Sender<BoxFuture<'static, HandlerResult>>,
}

impl std::fmt::Debug for HandlerReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerReply")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl HandlerReply {
    pub fn kind(&self) -> HandlerKind {
        self.kind
    }

    /// Whether the engine still waits for the answer (not after an interrupted run).
    pub fn wanted(&self) -> bool {
        !self.sender.is_closed()
    }

    /// The handler's answer.
    pub fn answer(self, result: HandlerResult) {
        self.answer_later(async move { result });
    }

    /// An answer still to come (a JavaScript Promise): the engine awaits it in its own task,
    /// so dropping the run drops the wait too.
    pub fn answer_later(self, answer: impl Future<Output = HandlerResult> + Send + 'static) {
        let _ = self.sender.send(Box::pin(answer));
    }
}

/// The engine's [`Merchant`] over handlers run elsewhere: `send` receives each call at once.
pub struct Dispatcher {
    send: Box<dyn Fn(HandlerCall) + Send + Sync>,
    adjust: bool,
}

impl Dispatcher {
    /// Calls go to `send`; `adjust` says whether there is an `adjust` handler (without one,
    /// reserved bills are confirmed as they are, and no call is made).
    pub fn new(adjust: bool, send: impl Fn(HandlerCall) + Send + Sync + 'static) -> Self {
        Self {
            send: Box::new(send),
            adjust,
        }
    }

    fn ask<A: Serialize, R: DeserializeOwned + Send + 'static>(
        &self,
        kind: HandlerKind,
        arg: &A,
    ) -> BoxFuture<'static, Result<R, String>> {
        let arg = match serde_json::to_value(arg) {
            Ok(arg) => arg,
            Err(e) => {
                let message = format!("cannot encode the {kind} argument: {e}");
                return Box::pin(async move { Err(message) });
            }
        };
        let (sender, answer) = oneshot::channel();
        (self.send)(HandlerCall {
            kind,
            arg,
            reply: HandlerReply { kind, sender },
        });
        Box::pin(async move {
            let answer = answer.await.map_err(|_| {
                format!("the {kind} handler did not answer (the run was interrupted)")
            })?;
            decode(answer.await?)
        })
    }
}

/// A handler's return value as the engine needs it, naming where it is wrong.
fn decode<R: DeserializeOwned>(value: Value) -> Result<R, String> {
    serde_path_to_error::deserialize(value).map_err(|e| match e.path().to_string() {
        path if path == "." => format!("invalid return value: {}", e.inner()),
        path => format!("invalid return value: {path}: {}", e.inner()),
    })
}

impl Merchant for Dispatcher {
    fn price(&self, spot: Spot) -> BoxFuture<'static, Result<Option<Vec<Payment>>, String>> {
        self.ask(HandlerKind::Price, &spot)
    }

    fn adjust(
        &self,
        transaction: Transaction,
    ) -> BoxFuture<'static, Result<Option<ConfirmPrices>, String>> {
        if !self.adjust {
            return Box::pin(async { Ok(None) });
        }
        self.ask(HandlerKind::Adjust, &transaction)
    }

    fn on_event(&self, event: Event) -> BoxFuture<'static, Result<(), String>> {
        let answer = self.ask::<_, serde::de::IgnoredAny>(HandlerKind::Event, &event);
        Box::pin(async move { answer.await.map(|_| ()) })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn dispatcher(adjust: bool) -> (Dispatcher, Arc<Mutex<Vec<HandlerCall>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let sink = calls.clone();
        let dispatcher = Dispatcher::new(adjust, move |call| sink.lock().unwrap().push(call));
        (dispatcher, calls)
    }

    fn spot() -> Spot {
        serde_json::from_value(serde_json::json!({"id": 7, "status": "waiting"})).unwrap()
    }

    #[tokio::test]
    async fn a_call_is_queued_before_its_future_is_polled() {
        let (d, calls) = dispatcher(false);
        let future = d.price(spot());
        let call = calls.lock().unwrap().pop().unwrap();
        assert_eq!(call.kind, HandlerKind::Price);
        assert_eq!(call.arg["id"], 7);
        assert!(call.reply.wanted());
        call.reply.answer(Ok(serde_json::json!(null)));
        assert_eq!(future.await, Ok(None));
    }

    #[tokio::test]
    async fn answers_are_decoded_with_the_path_of_what_is_wrong() {
        let (d, calls) = dispatcher(false);
        let future = d.price(spot());
        let call = calls.lock().unwrap().pop().unwrap();
        call.reply.answer(Ok(serde_json::json!([
            {"description": "x", "price": 12.5, "currency": "EUR"}
        ])));
        let message = future.await.unwrap_err();
        assert!(
            message.starts_with("invalid return value: [0].price: "),
            "{message}"
        );
    }

    #[tokio::test]
    async fn failures_and_lost_replies_reach_the_engine() {
        let (d, calls) = dispatcher(false);
        let failed = d.price(spot());
        let lost = d.price(spot());
        let mut queued = calls.lock().unwrap().drain(..).collect::<Vec<_>>();
        drop(queued.pop());
        queued.pop().unwrap().reply.answer(Err("boom".into()));
        assert_eq!(failed.await, Err("boom".into()));
        assert_eq!(
            lost.await,
            Err("the price handler did not answer (the run was interrupted)".into())
        );
    }

    #[tokio::test]
    async fn a_later_answer_is_awaited_and_no_adjust_handler_makes_no_call() {
        let (d, calls) = dispatcher(false);
        let reserved = serde_json::json!({"transaction_key": "t", "status": "reserved"});
        let transaction = serde_json::from_value(reserved).unwrap();
        assert_eq!(d.adjust(transaction).await, Ok(None));
        assert!(calls.lock().unwrap().is_empty());
        let event = d.on_event(Event {
            id: "r:paid".into(),
            kind: super::super::EventKind::Paid,
            spot_id: 1,
            location_id: None,
            transaction_key: None,
            reference: "r".into(),
            amounts: Vec::new(),
            parameters: Default::default(),
            message: None,
        });
        let call = calls.lock().unwrap().pop().unwrap();
        assert_eq!(call.kind, HandlerKind::Event);
        call.reply
            .answer_later(async { Ok(serde_json::json!({"anything": 1})) });
        assert_eq!(event.await, Ok(()));
    }
}
