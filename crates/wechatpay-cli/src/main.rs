//! `wechatpay`: the WeChat Pay APIv3 e-commerce APIs from a terminal, on `wechatpay-core`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod commands;
mod config;
mod failure;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::failure::Failure;

/// Query WeChat Pay e-commerce applyments and contracts, sign and verify by hand, and run a
/// mock platform.
///
/// Settings come from flags or environment variables (a flag wins). Exit codes: 0 ok; 2 usage
/// or configuration error; 3 API error; 4 verification failure; 5 transport failure or timeout;
/// 130 stopped by Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "wechatpay", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a mock platform on loopback with fresh keys and show every step of querying it.
    Demo,
    /// Show an applyment's state and what to do next.
    Applyment(commands::applyment::Args),
    /// Show an individual contract.
    Contract(commands::contract::Args),
    /// Print the Authorization header value for a request.
    Sign(commands::sign::Args),
    /// Verify a response or callback signature; prints `ok` when valid.
    Verify(commands::verify::Args),
    /// Decrypt a sensitive field with the merchant private key.
    Decrypt(commands::decrypt::Args),
    /// Run the mock platform until stopped.
    Mock(commands::mock::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(Failure::usage(
                format!("cannot start the runtime: {e}"),
                "check the system's thread limits",
            ));
        }
    };
    let settings = cli.settings;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo => commands::demo::run().await,
            Command::Applyment(args) => commands::applyment::run(&settings, args).await,
            Command::Contract(args) => commands::contract::run(&settings, args).await,
            Command::Sign(args) => commands::sign::run(&settings, args),
            Command::Verify(args) => commands::verify::run(&settings, args),
            Command::Decrypt(args) => commands::decrypt::run(&settings, args),
            Command::Mock(args) => commands::mock::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure),
    }
}

fn fail(failure: Failure) -> ExitCode {
    eprintln!("{failure}");
    ExitCode::from(failure.code)
}
