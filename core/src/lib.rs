//! Paysera Wallet API ("Scan and Pay") for Rust: exact MAC signing, typed models, QR codes,
//! callback verification and an async client whose retries never pay twice.
//!
//! ```
//! use paysera_scanpay::qr::QrCode;
//!
//! let table = QrCode::spot(1, "table1").unwrap();
//! assert_eq!(table.to_string(), "PAYSERA*1:table1");
//! ```

pub mod callback;
pub mod client;
mod clock;
pub mod defaults;
mod encoding;
pub mod engine;
pub mod error;
mod jitter;
pub mod logs;
pub mod mac;
pub mod models;
pub mod qr;
pub mod runtime;
pub mod schema;

pub use callback::{CallbackForm, CallbackSigner, CallbackVerifier, verify_callback};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_DEADLINE, ExtScope, PRODUCTION_BASE_URL,
    Paginator, RetryPolicy, SANDBOX_BASE_URL, SpotQuery, TransactionQuery,
};
pub use defaults::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_PAGE_SIZE, DEFAULT_RETRIES, DEFAULT_TIMEOUT, MAX_PAGE_SIZE,
    MIN_PAGE_SIZE,
};
pub use error::{ApiError, Error};
pub use mac::{MacCredentials, MacSigner, Signature};
pub use models::*;
pub use qr::{QrCode, QrError, QrKind};
