//! Shared primitives of the extension: poison-tolerant locking, and the one place that knows
//! about `fork()`.
//!
//! Python programs fork after using the library (gunicorn `--preload`, Celery prefork). The
//! child has a copy of every Rust object but none of the threads: the core's runtime (and the
//! sandbox's server) run only in the parent. So:
//! - objects tied to those threads are [`ProcessLocal`]: used, dropped and rebuilt only in the
//!   process that made them, and leaked (never dropped, which could wait on the parent's locks)
//!   in a child;
//! - a lock that threads without the GIL take is held by the forking thread across `os.fork()`
//!   ([`hold_across_fork`]), so a child never inherits it locked by a thread it does not have.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict};

/// Locks `m`, recovering the data from a thread that panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A value that belongs to the process that made it.
pub struct ProcessLocal<T> {
    value: ManuallyDrop<T>,
    pid: u32,
}

impl<T> ProcessLocal<T> {
    pub fn new(value: T) -> Self {
        Self {
            value: ManuallyDrop::new(value),
            pid: paysera_scanpay::runtime::process_id(),
        }
    }

    /// False in a forked child of the process that made the value.
    pub fn is_current(&self) -> bool {
        self.pid == paysera_scanpay::runtime::process_id()
    }

    pub fn get(&self) -> &T {
        &self.value
    }

    /// The value, if this process made it; in a forked child it is leaked and `None` returned.
    pub fn into_current(self) -> Option<T> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the value is taken exactly once.
        let value = unsafe { ManuallyDrop::take(&mut this.value) };
        if this.is_current() {
            Some(value)
        } else {
            std::mem::forget(value);
            None
        }
    }

    /// The value for this process: in a forked child, `rebuild`'s (the parent's is leaked).
    pub fn current_or<E>(&mut self, rebuild: impl FnOnce(&T) -> Result<T, E>) -> Result<&T, E> {
        if !self.is_current() {
            let fresh = Self::new(rebuild(&self.value)?);
            // The parent's value is dropped through `Drop`, which leaks it here.
            *self = fresh;
        }
        Ok(&self.value)
    }
}

impl<T> Drop for ProcessLocal<T> {
    fn drop(&mut self) {
        if self.is_current() {
            // SAFETY: dropped once, here; the field is never used again.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}

thread_local! {
    /// The guards the forking thread keeps between `os.fork()`'s `before` and `after` hooks.
    static HELD_FOR_FORK: RefCell<Vec<Box<dyn std::any::Any>>> = const { RefCell::new(Vec::new()) };
}

/// Holds `lock` across every `os.fork()` of this interpreter: taken just before, released
/// just after, in the parent and in the child.
pub fn hold_across_fork<T: Send + 'static>(
    py: Python<'_>,
    lock: &'static Mutex<T>,
) -> PyResult<()> {
    let os = py.import("os")?;
    // Windows has no fork(), and no `os.register_at_fork`.
    if !os.hasattr("register_at_fork")? {
        return Ok(());
    }
    let before = PyCFunction::new_closure(py, None, None, move |_, _| {
        let guard = self::lock(lock);
        HELD_FOR_FORK.with(|held| held.borrow_mut().push(Box::new(guard)));
    })?;
    let after = PyCFunction::new_closure(py, None, None, |_, _| {
        HELD_FOR_FORK.with(|held| held.borrow_mut().clear());
    })?;
    let hooks = PyDict::new(py);
    hooks.set_item("before", before)?;
    hooks.set_item("after_in_parent", &after)?;
    hooks.set_item("after_in_child", &after)?;
    os.getattr("register_at_fork")?.call((), Some(&hooks))?;
    Ok(())
}
