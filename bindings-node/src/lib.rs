//! Node bindings: a thin napi-rs layer over the `paysera-scanpay` core and the sandbox.
//!
//! Each exported function converts its arguments, calls one core function and maps the error.
//! The public API (error classes, `AbortSignal`, option names, async iterators) is the TypeScript
//! facade in `bindings-node/ts/`; this module is its private native half.

use napi_derive::module_init;

pub mod callback;
pub mod cashier;
pub mod client;
mod completion;
pub mod convert;
pub mod error;
pub mod logging;
pub mod mac;
pub mod qr;
pub mod sandbox;
pub mod schema;

/// Hands napi the runtime the core is configured for. A process loads the addon once per
/// JavaScript realm (jest loads it per test file), but there is one runtime per process.
#[module_init]
fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        logging::install();
        let runtime = paysera_scanpay::runtime::new_runtime()
            .expect("paysera-scanpay: cannot start the tokio runtime");
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    });
}
