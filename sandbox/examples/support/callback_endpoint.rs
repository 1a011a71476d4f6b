//! The cashier's callback URL for the benchmarks: a small HTTP endpoint on 127.0.0.1 that hands
//! the raw body the sandbox posted to `Engine::handle_callback`, answering as docs/cashier.md
//! says (200 genuine, 400 refused, 503 when the public key could not be fetched). Included by
//! the benchmark examples with `#[path]`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::serve::ListenerExt;
use paysera_scanpay::callback::CallbackForm;
use paysera_scanpay::engine::Engine;
use paysera_scanpay::models::CallbackEvent;

/// When each callback reached the endpoint, by transaction key, and whether the engine took it.
pub type Arrivals = Arc<Mutex<Vec<(String, Instant, bool)>>>;

/// A listener bound on 127.0.0.1 (any free port): its URL goes into `EngineConfig::callback_uri`
/// before the engine exists, then [`serve`] hands the engine to it.
pub async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a free loopback port");
    let port = listener.local_addr().unwrap().port();
    (
        listener,
        format!("http://127.0.0.1:{port}/paysera/callback"),
    )
}

/// Serves the endpoint until the returned task is aborted.
pub fn serve(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    arrivals: Arrivals,
) -> tokio::task::JoinHandle<()> {
    let app = Router::new().route(
        "/paysera/callback",
        post(move |body: Bytes| {
            let (engine, arrivals) = (engine.clone(), arrivals.clone());
            async move {
                let at = Instant::now();
                let result = engine.handle_callback(&body).await;
                if let Some(key) = transaction_key(&body) {
                    let taken = matches!(result, Ok(true));
                    arrivals.lock().unwrap().push((key, at, taken));
                }
                match result {
                    Ok(true) => StatusCode::OK,
                    Ok(false) => StatusCode::BAD_REQUEST,
                    Err(_) => StatusCode::SERVICE_UNAVAILABLE,
                }
            }
        }),
    );
    tokio::spawn(async move {
        // No Nagle, as in the sandbox: a small answer must not wait for an ACK.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, app).await;
    })
}

/// The transaction a callback names (read only for the timings; the engine verifies it).
fn transaction_key(body: &[u8]) -> Option<String> {
    let form = CallbackForm::parse(body).ok()?;
    let event: CallbackEvent = serde_json::from_slice(&form.event).ok()?;
    event.data.map(|tx| tx.transaction_key)
}
