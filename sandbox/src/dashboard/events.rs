//! `GET /_sandbox/events`: Server-Sent Events for the pages. First a `snapshot` of everything,
//! then a `delta` with what changed, at most every [`MIN_GAP`]: a burst of changes (100 requests
//! a second in the journal, a cashier serving 1,000 spots) becomes one message, and a page never
//! has more than 20 updates a second to draw. `?spot=ID` narrows it to one spot (the phone page).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tokio::sync::watch;
use tokio::time::Instant;

use super::view::{Sent, next_message};
use crate::shared::{FeedTick, Shared};

/// The shortest time between two messages of one stream.
pub(super) const MIN_GAP: Duration = Duration::from_millis(50);
/// A comment line this often keeps proxies and idle-connection timers from closing the stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Stream {
    shared: Arc<Shared>,
    changes: watch::Receiver<FeedTick>,
    sent: Sent,
    first: bool,
    last: Option<Instant>,
    spot: Option<u64>,
}

impl Stream {
    /// The next chunk of the stream; `None` when the sandbox stops.
    async fn next(&mut self) -> Option<String> {
        loop {
            if !self.first {
                // borrow(), not borrow_and_update(): a change made while the last message was
                // being built must still wake us.
                if self.changes.borrow().closed {
                    return None;
                }
                match tokio::time::timeout(KEEP_ALIVE, self.changes.changed()).await {
                    Err(_) => return Some(": keep-alive\n\n".to_owned()),
                    Ok(Err(_)) => return None,
                    Ok(Ok(())) => {}
                }
                if self.changes.borrow().closed {
                    return None;
                }
                // Coalesce: whatever else changes during the gap goes into the same message.
                if let Some(last) = self.last {
                    tokio::time::sleep_until(last + MIN_GAP).await;
                }
                self.changes.borrow_and_update();
            }
            let first = std::mem::replace(&mut self.first, false);
            if let Some((event, data)) =
                next_message(&self.shared, &mut self.sent, first, self.spot)
            {
                self.last = Some(Instant::now());
                return Some(format!("event: {event}\ndata: {data}\n\n"));
            }
        }
    }
}

pub(super) fn stream(shared: Arc<Shared>, query: &str) -> Response {
    let spot = query
        .split('&')
        .find_map(|p| p.strip_prefix("spot=")?.parse::<u64>().ok());
    let changes = shared.feed.subscribe();
    let state = Stream {
        shared,
        changes,
        sent: Sent::default(),
        first: true,
        last: None,
        spot,
    };
    let body = futures_util::stream::unfold(state, |mut s| async move {
        let chunk = s.next().await?;
        Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), s))
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}
