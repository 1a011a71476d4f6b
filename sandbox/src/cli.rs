//! Command-line front of the sandbox, shared by `paysera-sandbox` and `paysera-scanpay sandbox`.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;

use crate::{ClientCredentials, Sandbox, SandboxConfig};

/// Options of `paysera-sandbox` / `paysera-scanpay sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on
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
        if let Some(w) = self.timestamp_window {
            if w <= 0 {
                return Err(format!("--timestamp-window {w} must be positive"));
            }
            config.timestamp_window = w;
        }
        Ok(config)
    }
}

/// Starts the sandbox, prints where it is and its credentials, and serves until Ctrl-C.
pub fn run(args: &SandboxArgs) -> Result<(), String> {
    let config = args.to_config()?;
    let runtime = paysera_scanpay::runtime::new_runtime()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config.clone())
            .await
            .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
        println!("Paysera sandbox listening on {}", sandbox.base_url());
        let clients = if config.clients.is_empty() {
            vec![ClientCredentials {
                client_id: crate::SAMPLE_CLIENT_ID.into(),
                mac_key: crate::SAMPLE_MAC_KEY.into(),
            }]
        } else {
            config.clients.clone()
        };
        for c in &clients {
            // Sandbox credentials are test values; printing them is the point.
            println!("  client_id={} mac_key={}", c.client_id, c.mac_key);
        }
        println!(
            "  merchant API: {}/rest/v1/   control plane: {}/_sandbox/",
            sandbox.base_url(),
            sandbox.base_url()
        );
        println!("  callback public key: {}/publickey", sandbox.base_url());
        println!("Press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        sandbox.shutdown().await;
        Ok(())
    })
}
