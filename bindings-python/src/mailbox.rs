//! Where native work hands things to the Python thread that owns them: the results of started
//! calls (`bridge::Completions`) and a cashier run's handler calls (`cashier::NativeRun`).
//!
//! Producers (tokio tasks, never holding the GIL) `push`; the Python side either blocks in
//! `wait` (a plain thread, GIL released) or is woken (`wakeup.rs`: a socket the asyncio loop
//! watches, or a waiter thread) and then `take`s everything queued. One wakeup per batch: a
//! push into an empty mailbox notifies, and `take` clears the wakeup before taking, so a push
//! after the take finds the mailbox empty and notifies again. Nothing is ever left undrained,
//! and a thousand items cost a handful of wakeups.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::sync::lock;
use crate::wakeup::Wakeup;

pub struct Mailbox<T> {
    items: Mutex<VecDeque<T>>,
    ready: Condvar,
    wakeup: Wakeup,
}

impl<T> Mailbox<T> {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            items: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            wakeup: Wakeup::new()?,
        })
    }

    pub fn push(&self, item: T) {
        let was_empty = {
            let mut items = lock(&self.items);
            items.push_back(item);
            items.len() == 1
        };
        self.ready.notify_all();
        if was_empty {
            self.wakeup.notify();
        }
    }

    /// Blocks up to `timeout` until something is queued (release the GIL around it).
    pub fn wait(&self, timeout: Duration) {
        let items = lock(&self.items);
        if items.is_empty() && !timeout.is_zero() {
            let _ = self.ready.wait_timeout(items, timeout);
        }
    }

    /// Everything queued, oldest first.
    pub fn take(&self) -> Vec<T> {
        self.wakeup.clear();
        lock(&self.items).drain(..).collect()
    }

    /// Readable when there is something to take; `None` on builds without a socket.
    pub fn fileno(&self) -> Option<i32> {
        self.wakeup.fileno()
    }

    /// Blocks up to `timeout` seconds for a push since the last take or wait (release the GIL
    /// around it); false on timeout, and at once after `stop_waiting()`.
    pub fn wait_ready(&self, timeout: f64) -> bool {
        self.wakeup.wait(crate::wakeup::timeout(timeout))
    }

    /// Ends the waits of `wait_ready()`, now and later.
    pub fn stop_waiting(&self) {
        self.wakeup.stop();
    }
}
