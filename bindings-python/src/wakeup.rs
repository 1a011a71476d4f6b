//! Wakes the asyncio loop that drains a [`crate::mailbox::Mailbox`] (`bridge::Completions`,
//! `cashier::NativeRun`).
//!
//! Two ways, both always armed, so the Python side picks whichever its loop supports:
//! - a socket the loop watches with `loop.add_reader(fileno(), drain)` (selector loops on Linux
//!   and macOS, uvloop): no thread at all. Only on unix builds: `fileno()` is `None` elsewhere.
//! - `wait()`, which blocks a waiter thread (GIL released) until there is something to drain;
//!   that thread then schedules the drain with `loop.call_soon_threadsafe`. This is the path of
//!   loops without `add_reader` (Windows' default `ProactorEventLoop`) and of non-unix builds.
//!
//! The `portable-wakeup` feature builds the non-unix variant on unix too, so that CI (which
//! has no Windows target) compiles and lints it.
//!
//! The producer calls `notify()` when its queue goes from empty to non-empty, and the consumer
//! calls `clear()` just before it takes the queue: a push after the take finds the queue empty
//! and notifies again, so no batch is ever left undrained, and a thousand completions cost a
//! handful of wakeups.

use std::io;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::sync::lock;

#[derive(Default)]
struct State {
    /// Notified since the last `clear()` or `wait()`.
    pending: bool,
    /// `stop()` was called: waits return at once.
    stopped: bool,
}

pub struct Wakeup {
    state: Mutex<State>,
    changed: Condvar,
    socket: socket::Socket,
}

impl Wakeup {
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            state: Mutex::default(),
            changed: Condvar::new(),
            socket: socket::Socket::new()?,
        })
    }

    /// Something was queued into an empty queue.
    pub fn notify(&self) {
        lock(&self.state).pending = true;
        self.changed.notify_all();
        self.socket.signal();
    }

    /// The consumer is about to take the queue: what was notified so far will be drained.
    pub fn clear(&self) {
        lock(&self.state).pending = false;
        self.socket.clear();
    }

    /// Waits up to `timeout` for a `notify()` and consumes it. False on timeout, and at once
    /// after `stop()`.
    pub fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = lock(&self.state);
        loop {
            if state.stopped {
                return false;
            }
            if state.pending {
                state.pending = false;
                return true;
            }
            state = match deadline {
                None => self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    let waited = self.changed.wait_timeout(state, left);
                    waited.unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }

    /// Ends every wait, now and later (the waiter thread is going away).
    pub fn stop(&self) {
        lock(&self.state).stopped = true;
        self.changed.notify_all();
    }

    /// The socket to watch for readability, where there is one.
    pub fn fileno(&self) -> Option<i32> {
        self.socket.fileno()
    }
}

/// A timeout in seconds from Python: negative or NaN is no wait, too large is forever.
pub fn timeout(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
    }
}

#[cfg(all(unix, not(feature = "portable-wakeup")))]
mod socket {
    use std::io::{self, Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    /// A connected pair: one byte written per batch, read back by `clear()`.
    pub struct Socket {
        reader: UnixStream,
        writer: UnixStream,
    }

    impl Socket {
        pub fn new() -> io::Result<Self> {
            let (reader, writer) = UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            writer.set_nonblocking(true)?;
            Ok(Self { reader, writer })
        }

        pub fn signal(&self) {
            // A full buffer already means "readable": nothing is lost by dropping the byte.
            let _ = (&self.writer).write(&[1]);
        }

        pub fn clear(&self) {
            let mut buf = [0u8; 512];
            while matches!((&self.reader).read(&mut buf), Ok(n) if n > 0) {}
        }

        pub fn fileno(&self) -> Option<i32> {
            Some(self.reader.as_raw_fd())
        }
    }
}

#[cfg(any(not(unix), feature = "portable-wakeup"))]
mod socket {
    use std::io;

    /// No socket: the loop is woken by a waiter thread blocked in `Wakeup::wait`.
    pub struct Socket;

    impl Socket {
        pub fn new() -> io::Result<Self> {
            Ok(Self)
        }

        pub fn signal(&self) {}

        pub fn clear(&self) {}

        pub fn fileno(&self) -> Option<i32> {
            None
        }
    }
}
