//! `paysera-sandbox`: run the Paysera Wallet API simulator.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "paysera-sandbox",
    version,
    about = "A stateful Paysera Wallet API (Scan and Pay) simulator"
)]
struct Cli {
    #[command(flatten)]
    args: paysera_sandbox::cli::SandboxArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match paysera_sandbox::cli::run(&cli.args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
