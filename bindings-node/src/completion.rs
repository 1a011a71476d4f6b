//! The Promises of `Client` calls, settled from the tokio threads through one thread-safe
//! function per JavaScript environment.
//!
//! napi-rs's `spawn_future` makes a thread-safe function (a libuv handle, a cleanup hook) for
//! every call and closes it afterwards: about a tenth of a loopback round trip on the
//! JavaScript thread. Here a call costs a plain `napi_create_promise`; the finished task queues
//! its outcome on the environment's thread-safe function, which is referenced (keeps the event
//! loop alive) only while calls are pending. A result crosses as its JSON text and becomes
//! JavaScript objects in one `JSON.parse`, instead of one N-API call per property.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::sync::{Arc, RwLock};

use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Result, Status, sys};
use serde_json::Value;

use crate::error;

/// What a finished call hands to the JavaScript thread: the value as JSON text, or the message
/// of the error to reject with (an envelope, see `error.rs`).
type Outcome = std::result::Result<String, String>;

struct Message {
    deferred: sys::napi_deferred,
    outcome: Outcome,
}

/// The environment's thread-safe function; `None` once the environment is torn down (calls
/// finishing after that are dropped, their Promises with the environment).
struct Sender {
    tsfn: RwLock<Option<Tsfn>>,
}

#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: a thread-safe function may be called from any thread; `Sender` makes sure it is not
// called after the environment released it.
unsafe impl Send for Tsfn {}
unsafe impl Sync for Tsfn {}

impl Sender {
    fn current(&self) -> Option<Tsfn> {
        *self.tsfn.read().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, message: Message) {
        let guard = self.tsfn.read().unwrap_or_else(|p| p.into_inner());
        let Some(tsfn) = *guard else { return };
        let raw = Box::into_raw(Box::new(message));
        // SAFETY: the read lock keeps the function alive (the teardown hook takes the write lock
        // before releasing it); the box is given to `settle`, or taken back when refused.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                tsfn.0,
                raw.cast(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(raw) });
        }
    }
}

/// One environment's completion state, used on its JavaScript thread only (`sender` also from
/// the tokio threads). Freed when the thread-safe function is finalized.
struct EnvState {
    sender: Arc<Sender>,
    /// Calls started and not yet settled: the function is referenced while there are any.
    pending: Cell<usize>,
    /// `JSON.parse` of this environment.
    parse: sys::napi_ref,
    env: sys::napi_env,
}

thread_local! {
    static STATES: RefCell<Vec<*const EnvState>> = const { RefCell::new(Vec::new()) };
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::from(status),
            format!("paysera-scanpay: {what} failed"),
        ))
    }
}

/// This environment's state, made on its first call.
fn state(env: sys::napi_env) -> Result<&'static EnvState> {
    let found = STATES.with(|s| {
        s.borrow()
            .iter()
            // SAFETY: entries are removed before their state is freed.
            .find(|st| unsafe { (***st).env } == env)
            .copied()
    });
    // SAFETY: as above; the state outlives every call made on this thread while listed.
    if let Some(st) = found {
        return Ok(unsafe { &*st });
    }
    // SAFETY: plain N-API calls on the environment's own thread, checked one by one.
    unsafe {
        let mut global = ptr::null_mut();
        check(sys::napi_get_global(env, &mut global), "napi_get_global")?;
        let mut json = ptr::null_mut();
        check(
            sys::napi_get_named_property(env, global, c"JSON".as_ptr(), &mut json),
            "reading JSON",
        )?;
        let mut parse = ptr::null_mut();
        check(
            sys::napi_get_named_property(env, json, c"parse".as_ptr(), &mut parse),
            "reading JSON.parse",
        )?;
        let mut parse_ref = ptr::null_mut();
        check(
            sys::napi_create_reference(env, parse, 1, &mut parse_ref),
            "napi_create_reference",
        )?;
        let name = "paysera-scanpay completions";
        let mut js_name = ptr::null_mut();
        check(
            sys::napi_create_string_utf8(
                env,
                name.as_ptr().cast(),
                name.len() as isize,
                &mut js_name,
            ),
            "napi_create_string_utf8",
        )?;
        let state = Box::into_raw(Box::new(EnvState {
            sender: Arc::new(Sender {
                tsfn: RwLock::new(None),
            }),
            pending: Cell::new(0),
            parse: parse_ref,
            env,
        }));
        let mut tsfn = ptr::null_mut();
        let created = sys::napi_create_threadsafe_function(
            env,
            ptr::null_mut(),
            ptr::null_mut(),
            js_name,
            0,
            1,
            state.cast(),
            Some(finalize),
            state.cast(),
            Some(settle),
            &mut tsfn,
        );
        if let Err(e) = check(created, "napi_create_threadsafe_function") {
            sys::napi_delete_reference(env, parse_ref);
            drop(Box::from_raw(state));
            return Err(e);
        }
        // Idle, it does not keep the process alive.
        sys::napi_unref_threadsafe_function(env, tsfn);
        let made: &'static EnvState = &*state;
        *made.sender.tsfn.write().unwrap_or_else(|p| p.into_inner()) = Some(Tsfn(tsfn));
        // Registered after the function's own teardown hook, so it runs before it.
        sys::napi_add_env_cleanup_hook(env, Some(teardown), state.cast());
        STATES.with(|s| s.borrow_mut().push(state));
        Ok(made)
    }
}

/// The environment is going away: no more calls into its thread-safe function.
unsafe extern "C" fn teardown(arg: *mut c_void) {
    let state = arg as *const EnvState;
    STATES.with(|s| s.borrow_mut().retain(|st| *st != state));
    // SAFETY: the state is freed only by `finalize`, which the release below leads to.
    let state = unsafe { &*state };
    let tsfn = state
        .sender
        .tsfn
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    unsafe {
        sys::napi_delete_reference(state.env, state.parse);
        if let Some(tsfn) = tsfn {
            sys::napi_release_threadsafe_function(
                tsfn.0,
                sys::ThreadsafeFunctionReleaseMode::abort,
            );
        }
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: made by `Box::into_raw` in `state`, finalized once.
    drop(unsafe { Box::from_raw(data as *mut EnvState) });
}

/// Settles one call's Promise, on the JavaScript thread.
unsafe extern "C" fn settle(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    context: *mut c_void,
    data: *mut c_void,
) {
    // SAFETY: `data` is a `Message` box from `Sender::send`.
    let message = unsafe { Box::from_raw(data as *mut Message) };
    if env.is_null() {
        return; // torn down: the Promise goes with its environment
    }
    // SAFETY: `context` is the state, alive until `finalize`.
    let state = unsafe { &*(context as *const EnvState) };
    let left = state.pending.get().saturating_sub(1);
    state.pending.set(left);
    if left == 0
        && let Some(tsfn) = state.sender.current()
    {
        unsafe { sys::napi_unref_threadsafe_function(env, tsfn.0) };
    }
    // SAFETY: N-API calls on the environment's thread; a failure leaves a pending exception,
    // which rejects the Promise instead.
    unsafe {
        let mut value = ptr::null_mut();
        let ok = match &message.outcome {
            Ok(json) => {
                let mut text = ptr::null_mut();
                let mut parse = ptr::null_mut();
                let mut undefined = ptr::null_mut();
                sys::napi_create_string_utf8(
                    env,
                    json.as_ptr().cast(),
                    json.len() as isize,
                    &mut text,
                ) == sys::Status::napi_ok
                    && sys::napi_get_reference_value(env, state.parse, &mut parse)
                        == sys::Status::napi_ok
                    && sys::napi_get_undefined(env, &mut undefined) == sys::Status::napi_ok
                    && sys::napi_call_function(env, undefined, parse, 1, &text, &mut value)
                        == sys::Status::napi_ok
            }
            Err(reason) => {
                let code = "GenericFailure";
                let mut js_code = ptr::null_mut();
                let mut js_message = ptr::null_mut();
                let made = sys::napi_create_string_utf8(
                    env,
                    code.as_ptr().cast(),
                    code.len() as isize,
                    &mut js_code,
                ) == sys::Status::napi_ok
                    && sys::napi_create_string_utf8(
                        env,
                        reason.as_ptr().cast(),
                        reason.len() as isize,
                        &mut js_message,
                    ) == sys::Status::napi_ok
                    && sys::napi_create_error(env, js_code, js_message, &mut value)
                        == sys::Status::napi_ok;
                if made {
                    sys::napi_reject_deferred(env, message.deferred, value);
                    return;
                }
                false
            }
        };
        if ok {
            sys::napi_resolve_deferred(env, message.deferred, value);
            return;
        }
        let mut exception = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut exception);
        if exception.is_null() {
            sys::napi_get_undefined(env, &mut exception);
        }
        sys::napi_reject_deferred(env, message.deferred, exception);
    }
}

/// Settles a call's Promise even when its task ends without an outcome (it panicked, or the
/// runtime dropped it), so that no Promise hangs and no reference keeps the process alive.
struct Settle {
    sender: Arc<Sender>,
    deferred: Option<Deferred>,
}

struct Deferred(sys::napi_deferred);

// SAFETY: the deferred is only used by `settle`, on the JavaScript thread.
unsafe impl Send for Deferred {}

impl Settle {
    fn finish(&mut self, outcome: Outcome) {
        if let Some(Deferred(deferred)) = self.deferred.take() {
            self.sender.send(Message { deferred, outcome });
        }
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        if self.deferred.is_some() {
            let mut e = error::core(paysera_scanpay::Error::Internal(
                "the request task ended without a result (it panicked or was aborted)".into(),
            ));
            self.finish(Err(std::mem::take(&mut e.reason)));
        }
    }
}

/// Runs `fut` on the core's runtime; its JSON text resolves the returned Promise, parsed, and
/// its error rejects it.
pub fn spawn<'env, F>(env: &'env Env, fut: F) -> Result<PromiseRaw<'env, Value>>
where
    F: Future<Output = Result<String>> + Send + 'static,
{
    let raw_env = env.raw();
    let state = state(raw_env)?;
    let tsfn = state
        .sender
        .current()
        .ok_or_else(|| error::lifecycle("the JavaScript environment is shutting down"))?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: N-API calls on the environment's thread.
    unsafe {
        check(
            sys::napi_create_promise(raw_env, &mut deferred, &mut promise),
            "napi_create_promise",
        )?;
        if state.pending.get() == 0 {
            sys::napi_ref_threadsafe_function(raw_env, tsfn.0);
        }
    }
    state.pending.set(state.pending.get() + 1);
    let mut settle = Settle {
        sender: state.sender.clone(),
        deferred: Some(Deferred(deferred)),
    };
    napi::bindgen_prelude::spawn(async move {
        let outcome = fut.await.map_err(|mut e| std::mem::take(&mut e.reason));
        settle.finish(outcome);
    });
    Ok(PromiseRaw::new(raw_env, promise))
}
