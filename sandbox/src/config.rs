//! How a sandbox is set up: the clients it accepts, where it listens, its rate limit.

use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

/// Paysera's published sample client id; registered when no client is configured, so the
/// guide's examples work verbatim.
pub const SAMPLE_CLIENT_ID: &str = "wkVd93h2uS";
/// Paysera's published sample MAC key (a public test value, not a secret).
pub const SAMPLE_MAC_KEY: &str = "IrdTc8uQodU7PRpLzzLTW6wqZAO6tAMU";

/// A registered merchant client.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub mac_key: String,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("mac_key", &"<redacted>")
            .finish()
    }
}

/// The port the standalone commands (`paysera-sandbox`, `paysera-scanpay sandbox`,
/// `python -m paysera_scanpay sandbox`, `npx paysera-scanpay sandbox`) listen on by default.
pub const DEFAULT_PORT: u16 = 8080;

/// How to start a sandbox.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxConfig {
    /// 127.0.0.1 by default. Bound to any other address, the control plane (`/_sandbox/...`,
    /// which can confirm payments) requires a token.
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Registered clients; Paysera's sample credentials when empty.
    pub clients: Vec<ClientCredentials>,
    /// Accepted clock skew of `ts`, seconds either way (default 300).
    pub timestamp_window: i64,
    /// The `project_id` of created transactions.
    pub project_id: u64,
    /// The control plane's token. When `None`, one is generated at start if `host` is not a
    /// loopback address, and none is required on loopback. When set, it is required on any
    /// address. Characters `A-Z a-z 0-9 - . _ ~` only, so that it fits a URL as is.
    pub token: Option<String>,
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("clients", &self.clients)
            .field("timestamp_window", &self.timestamp_window)
            .field("project_id", &self.project_id)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            clients: Vec::new(),
            timestamp_window: 300,
            project_id: 19019492,
            token: None,
        }
    }
}

/// A per-client request budget (fixed windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub requests: u32,
    pub per_seconds: u32,
}
