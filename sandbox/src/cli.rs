//! Command-line front of the sandbox, shared by `paysera-sandbox` and `paysera-scanpay sandbox`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use crate::{ClientCredentials, Sandbox, SandboxConfig};

/// Options of `paysera-sandbox` / `paysera-scanpay sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = crate::DEFAULT_PORT)]
    pub port: u16,
    /// Address to listen on; beyond loopback the control plane requires a token
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Register a client id (repeatable; pair each with --mac-key, in order)
    #[arg(long = "client-id", value_name = "ID")]
    pub client_ids: Vec<String>,
    /// MAC key of the client id at the same position
    #[arg(long = "mac-key", value_name = "KEY")]
    pub mac_keys: Vec<String>,
    /// JSON config file: {"clients":[{"client_id":..,"mac_key":..}], "timestamp_window":300, "project_id":..}
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accepted clock skew of `ts`, in seconds either way
    #[arg(long, value_name = "SECONDS")]
    pub timestamp_window: Option<i64>,
    /// Control-plane token to require (default: generated when --host is not loopback)
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}

impl SandboxArgs {
    /// The configuration these options describe; errors say which option is wrong.
    pub fn to_config(&self) -> Result<SandboxConfig, String> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
                serde_json::from_str::<SandboxConfig>(&text)
                    .map_err(|e| format!("config {} is not valid: {e}", path.display()))?
            }
            None => SandboxConfig::default(),
        };
        if self.client_ids.len() != self.mac_keys.len() {
            return Err(format!(
                "{} --client-id but {} --mac-key: give them in pairs",
                self.client_ids.len(),
                self.mac_keys.len()
            ));
        }
        for (client_id, mac_key) in self.client_ids.iter().zip(&self.mac_keys) {
            config.clients.push(ClientCredentials {
                client_id: client_id.clone(),
                mac_key: mac_key.clone(),
            });
        }
        config.port = self.port;
        config.host = self.host;
        if self.token.is_some() {
            config.token = self.token.clone();
        }
        if let Some(w) = self.timestamp_window {
            if w <= 0 {
                return Err(format!("--timestamp-window {w} must be positive"));
            }
            config.timestamp_window = w;
        }
        Ok(config)
    }
}

/// Starts the sandbox, prints its banner (address, credentials, dashboard, token) and serves
/// until Ctrl-C or SIGTERM.
pub fn run(args: &SandboxArgs) -> Result<(), String> {
    let config = args.to_config()?;
    let runtime = paysera_scanpay::runtime::new_runtime()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config.clone()).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput {
                e.to_string()
            } else {
                format!("cannot listen on {}:{}: {e}", config.host, config.port)
            }
        })?;
        // Handlers first: a script may send SIGTERM as soon as it has read the banner.
        let stopped = stop_signals();
        for line in sandbox.banner() {
            println!("{line}");
        }
        stopped.await;
        sandbox.shutdown().await;
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM where there is one (`docker stop`, `kill`). The handlers are installed
/// when this is called (inside the runtime), not when the future is first polled, so a signal
/// that arrives in between is not missed (and does not kill the process with its default
/// action).
fn stop_signals() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            return Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = interrupt.recv() => {}
                }
            });
        }
    }
    Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
