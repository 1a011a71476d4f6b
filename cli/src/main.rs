//! `paysera-scanpay`: sign Wallet API requests, build/parse/render Scan and Pay QR codes and
//! verify callbacks from the command line.

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use paysera_scanpay::mac::{MacCredentials, MacSigner};
use paysera_scanpay::qr::QrCode;

#[derive(Parser)]
#[command(
    name = "paysera-scanpay",
    version,
    about = "Paysera Scan and Pay toolkit: MAC signing, QR codes, callback verification",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the MAC Authorization header value for a request (and nothing else)
    Sign(SignArgs),
    /// Build, parse or render Scan and Pay QR codes
    Qr(QrArgs),
    /// Check a callback's `sign` against Paysera's public key: exit 0 valid, 1 invalid
    VerifyCallback(VerifyArgs),
    /// Run the Scan and Pay flow end to end against an embedded sandbox, narrated
    Demo,
    /// Run the Paysera sandbox (a stateful Wallet API simulator) until Ctrl-C or SIGTERM
    Sandbox(paysera_sandbox::cli::SandboxArgs),
}

#[derive(Args)]
struct SignArgs {
    /// MAC id (client id)
    #[arg(long, env = "PAYSERA_CLIENT_ID")]
    client_id: String,
    /// MAC key; prefer the PAYSERA_MAC_KEY environment variable over the command line
    #[arg(long, env = "PAYSERA_MAC_KEY", hide_env_values = true)]
    mac_key: String,
    /// HTTP method (GET, POST, PUT, DELETE)
    #[arg(long)]
    method: String,
    /// Full URL exactly as it will be sent, e.g. https://wallet.paysera.com/rest/v1/spots?status=waiting
    #[arg(long)]
    url: String,
    /// Request body text (the exact bytes that will be sent)
    #[arg(long, conflicts_with = "body_file")]
    body: Option<String>,
    /// Read the request body bytes from a file
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Unix time in seconds (default: now)
    #[arg(long)]
    ts: Option<i64>,
    /// Nonce (default: 32 random alphanumerics)
    #[arg(long)]
    nonce: Option<String>,
    /// Extra ext parameter, repeatable, kept in order: --ext project_id=123
    #[arg(long = "ext", value_name = "KEY=VALUE", value_parser = parse_ext)]
    ext: Vec<(String, String)>,
}

fn parse_ext(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some(("", _)) => Err(format!("--ext {s:?}: the name before '=' is empty")),
        Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
        None => Err(format!("--ext {s:?}: expected KEY=VALUE")),
    }
}

#[derive(Args)]
struct QrArgs {
    #[command(subcommand)]
    code: QrCommand,
    /// Also write the code as an SVG image
    #[arg(long, value_name = "FILE", global = true)]
    svg: Option<PathBuf>,
    /// Also write the code as a PNG image
    #[arg(long, value_name = "FILE", global = true)]
    png: Option<PathBuf>,
}

#[derive(Subcommand)]
enum QrCommand {
    /// A table/till code: PAYSERA*{location_id}:{identifier}
    Spot {
        location_id: String,
        identifier: String,
    },
    /// A transaction code: PAYSERA%{key}
    Transaction { key: String },
    /// A wallet payment-form code: EVP{wallet id padded to 12 digits}
    Wallet { id: String },
    /// Wrap a code in https://paysera.com/app?qr=... for non-Paysera scanners
    AppLink { code: String },
    /// Parse any code and print it as JSON
    Parse { code: String },
}

#[derive(Args)]
struct VerifyArgs {
    /// PEM file with Paysera's public key (GET https://wallet.paysera.com/publickey)
    #[arg(long, value_name = "FILE")]
    public_key: PathBuf,
    /// File holding the raw `event` field exactly as received (form-decoded)
    #[arg(long, value_name = "FILE")]
    event_file: PathBuf,
    /// The `sign` field (base64)
    #[arg(long)]
    sign: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Sign(a) => sign(a),
        Command::Qr(a) => qr(a),
        Command::VerifyCallback(a) => verify(a),
        Command::Demo => demo(),
        Command::Sandbox(a) => paysera_sandbox::cli::run(&a).map(|()| ExitCode::SUCCESS),
    }
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

fn sign(a: SignArgs) -> Result<ExitCode, String> {
    let body = match (&a.body, &a.body_file) {
        (Some(b), _) => b.clone().into_bytes(),
        (None, Some(f)) => read(f, "body file")?,
        (None, None) => Vec::new(),
    };
    let credentials = MacCredentials::new(a.client_id, a.mac_key).map_err(|e| e.to_string())?;
    let ext: Vec<(&str, &str)> = a
        .ext
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let header = MacSigner::new(credentials)
        .authorization(&a.method, &a.url, &body, &ext, a.ts, a.nonce.as_deref())
        .map_err(|e| e.to_string())?;
    println!("{header}");
    Ok(ExitCode::SUCCESS)
}

fn number(what: &str, s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{what} {s:?} must be a whole number"))
}

fn qr(a: QrArgs) -> Result<ExitCode, String> {
    let code = match &a.code {
        QrCommand::Spot {
            location_id,
            identifier,
        } => QrCode::spot(number("location id", location_id)?, identifier.as_str()),
        QrCommand::Transaction { key } => QrCode::transaction(key.as_str()),
        QrCommand::Wallet { id } => QrCode::wallet(number("wallet id", id)?),
        QrCommand::AppLink { code } => QrCode::parse(code).and_then(QrCode::app_link),
        QrCommand::Parse { code } => QrCode::parse(code),
    }
    .map_err(|e| e.to_string())?;
    if let QrCommand::Parse { .. } = a.code {
        println!("{}", code.to_json());
    } else {
        println!("{code}");
    }
    if let Some(path) = &a.svg {
        let svg = code.to_svg().map_err(|e| e.to_string())?;
        std::fs::write(path, svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = &a.png {
        let png = code.to_png().map_err(|e| e.to_string())?;
        std::fs::write(path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(a: VerifyArgs) -> Result<ExitCode, String> {
    let pem = String::from_utf8(read(&a.public_key, "public key")?)
        .map_err(|_| format!("{} is not a text PEM file", a.public_key.display()))?;
    let event = read(&a.event_file, "event file")?;
    let valid =
        paysera_scanpay::verify_callback(&event, &a.sign, &pem).map_err(|e| e.to_string())?;
    if valid {
        println!("valid");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("invalid: the signature does not match this event and key");
        Ok(ExitCode::from(1))
    }
}

fn demo() -> Result<ExitCode, String> {
    let runtime = paysera_scanpay::runtime::new_runtime()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let mut out = std::io::stdout();
    runtime.block_on(demo::run(&mut out))?;
    Ok(ExitCode::SUCCESS)
}
