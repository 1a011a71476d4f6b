//! One lazily created tokio runtime per process, for language bindings that have none of their
//! own (Python). Never created at import; re-created in a child after `fork()` (gunicorn
//! `--preload`, Celery prefork), where the parent's worker threads do not exist.

use std::sync::{Arc, Mutex};

use tokio::runtime::{Builder, Handle, Runtime};

struct Current {
    pid: u32,
    generation: u64,
    runtime: Arc<Runtime>,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);

/// This process's id, which changes in a forked child; for the per-call checks of fork-aware
/// state (the nonce generator, this runtime, the Python binding's process-local objects).
/// `std::process::id()` is a system call each time (glibc no longer caches it), so the id is
/// read once per process: a `pthread_atfork` child handler forgets it.
#[cfg(unix)]
pub fn process_id() -> u32 {
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    static PID: AtomicU32 = AtomicU32::new(0);
    static HOOK: Once = Once::new();
    static HOOKED: AtomicBool = AtomicBool::new(false);

    extern "C" fn forget_pid() {
        PID.store(0, Ordering::Relaxed);
    }
    unsafe extern "C" {
        fn pthread_atfork(
            prepare: Option<extern "C" fn()>,
            parent: Option<extern "C" fn()>,
            child: Option<extern "C" fn()>,
        ) -> std::ffi::c_int;
    }

    let pid = PID.load(Ordering::Relaxed);
    if pid != 0 {
        return pid;
    }
    HOOK.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic.
        let registered = unsafe { pthread_atfork(None, None, Some(forget_pid)) } == 0;
        HOOKED.store(registered, Ordering::Relaxed);
    });
    let pid = std::process::id();
    // Without the handler, ask the OS every time.
    if HOOKED.load(Ordering::Relaxed) {
        PID.store(pid, Ordering::Relaxed);
    }
    pid
}

/// This process's id (no `fork()` here).
#[cfg(not(unix))]
pub fn process_id() -> u32 {
    std::process::id()
}

/// A multi-threaded runtime configured the way the library expects (for bindings that must own
/// theirs, such as napi).
pub fn new_runtime() -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .enable_all()
        .thread_name("paysera-scanpay")
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4)))
        .build()
}

/// The process-wide runtime and its generation. The generation changes when the runtime had to
/// be re-created (after `fork()`); objects holding connections opened on an older generation must
/// [`crate::Client::reconnect`].
pub fn get() -> std::io::Result<(Arc<Runtime>, u64)> {
    let mut guard = CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    let pid = process_id();
    match guard.as_ref() {
        Some(c) if c.pid == pid => return Ok((c.runtime.clone(), c.generation)),
        _ => {}
    }
    let generation = match guard.take() {
        Some(old) => {
            // The parent's runtime threads are gone in this child: dropping it would try to
            // join them. Leak it instead (once per fork).
            std::mem::forget(old.runtime);
            old.generation + 1
        }
        None => 1,
    };
    let runtime = Arc::new(new_runtime()?);
    *guard = Some(Current {
        pid,
        generation,
        runtime: runtime.clone(),
    });
    Ok((runtime, generation))
}

/// A handle to the process-wide runtime.
pub fn handle() -> std::io::Result<Handle> {
    Ok(get()?.0.handle().clone())
}

/// The generation of the current runtime without creating one (0 when none exists yet in this
/// process).
pub fn generation() -> u64 {
    let guard = CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_ref() {
        Some(c) if c.pid == process_id() => c.generation,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cached_process_id_is_this_process() {
        assert_eq!(super::process_id(), std::process::id());
        assert_eq!(super::process_id(), std::process::id());
    }
}
