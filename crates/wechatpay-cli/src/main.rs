//! `wechatpay`: the WeChat Pay APIv3 e-commerce APIs from a terminal, on `wechatpay-core`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod commands;
mod config;
mod failure;
mod keyfile;
mod progress;
mod render;
mod shell;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::config::Output;
use crate::failure::Failure;

/// Query WeChat Pay e-commerce applyments and contracts, submit applyments, pay, refund and
/// share, sign and verify by hand, and run a mock platform.
///
/// Settings come from flags or environment variables (a flag wins); each subcommand takes
/// only the ones it uses (see its --help). Exit codes: 0 ok; 2 usage or configuration error;
/// 3 API error; 4 verification failure; 5 transport failure or timeout; 130 stopped by Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "wechatpay", version, max_term_width = 100)]
struct Cli {
    /// Print each attempt on stderr: the signed request line, the status, the Request-ID,
    /// the verification result and the decision (RUST_LOG, when set, chooses instead).
    #[arg(short, long, global = true)]
    verbose: bool,
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
    /// Upload an image or a video; prints its media_id.
    Upload(commands::upload::Args),
    /// Submit a sub-merchant's applyment from a JSON description with plaintext personal
    /// data, encrypted here; prints its applyment_id.
    SubmitApplyment(commands::submit_applyment::Args),
    /// Place a partner or combined order; prints the prepay answer and the signed payment
    /// parameters for JSAPI and app.
    Pay(commands::pay::Args),
    /// Apply for a refund, or show one (--query).
    Refund(commands::refund::Args),
    /// Share a paid order's money with receivers (profit sharing), or show a sharing (--query).
    Share(commands::share::Args),
    /// Call any endpoint: sign, send, verify, and print the verified JSON answer.
    Api(commands::api::Args),
    /// Download a day's bill, verified against its digest, to a file.
    Bill(commands::bill::Args),
    /// Sign a request: print its Authorization header value, or a ready curl command.
    Sign(commands::sign::Args),
    /// Verify a response or callback signature; prints `ok` when valid.
    Verify(commands::verify::Args),
    /// Decrypt a sensitive field with the merchant private key.
    Decrypt(commands::decrypt::Args),
    /// Verify a saved callback and print its decrypted resource as JSON.
    Notify(commands::notify::Args),
    /// Send a signed callback to an endpoint, as the mock platform, retrying as WeChat Pay does.
    Trigger(commands::trigger::Args),
    /// Download the platform certificates (certificate mode) and list them, or save them.
    Certificates(commands::certificates::Args),
    /// Check the configuration: each key and id offline, then the clock and a signed,
    /// encrypted echo against the platform; exits 0 only when every check passes.
    Doctor(commands::doctor::Args),
    /// Run the mock platform until stopped.
    Mock(commands::mock::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::completions::Args),
}

impl Command {
    /// The format failures are printed in.
    fn output(&self) -> Output {
        match self {
            Command::Applyment(args) => args.output(),
            Command::Contract(args) => args.output(),
            Command::Upload(args) => args.output(),
            Command::SubmitApplyment(args) => args.output(),
            Command::Pay(args) => args.output(),
            Command::Refund(args) => args.output(),
            Command::Share(args) => args.output(),
            Command::Api(args) => args.output(),
            Command::Bill(args) => args.output(),
            Command::Sign(args) => args.output(),
            Command::Verify(args) => args.output(),
            Command::Decrypt(args) => args.output(),
            Command::Notify(args) => args.output(),
            Command::Trigger(args) => args.output(),
            Command::Doctor(args) => args.output(),
            Command::Certificates(args) => args.output(),
            Command::Demo | Command::Mock(_) | Command::Completions(_) => Output::Text,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(error),
    };
    progress::init(cli.verbose);
    let output = cli.command.output();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                Failure::usage(
                    format!("cannot start the runtime: {e}"),
                    "check the system's thread limits",
                ),
                output,
            );
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo => commands::demo::run().await,
            Command::Applyment(args) => commands::applyment::run(args).await,
            Command::Contract(args) => commands::contract::run(args).await,
            Command::Upload(args) => commands::upload::run(args).await,
            Command::SubmitApplyment(args) => commands::submit_applyment::run(args).await,
            Command::Pay(args) => commands::pay::run(args).await,
            Command::Refund(args) => commands::refund::run(args).await,
            Command::Share(args) => commands::share::run(args).await,
            Command::Api(args) => commands::api::run(args).await,
            Command::Bill(args) => commands::bill::run(args).await,
            Command::Sign(args) => commands::sign::run(args),
            Command::Verify(args) => commands::verify::run(args),
            Command::Decrypt(args) => commands::decrypt::run(args),
            Command::Notify(args) => commands::notify::run(args),
            Command::Trigger(args) => commands::trigger::run(args).await,
            Command::Doctor(args) => commands::doctor::run(args).await,
            Command::Certificates(args) => commands::certificates::run(args).await,
            Command::Mock(args) => commands::mock::run(args).await,
            Command::Completions(args) => {
                commands::completions::run(args, &mut Cli::command());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure, output),
    }
}

fn fail(failure: Failure, output: Output) -> ExitCode {
    eprintln!("{}", failure.render(output));
    ExitCode::from(failure.exit_code())
}

/// clap's own errors (exit 2) and `--help`/`--version` (exit 0). Under `--output json` a usage
/// error is JSON too: the arguments did not parse, so the flag is looked for by hand.
fn usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let json = {
        let args: Vec<String> = std::env::args().collect();
        args.windows(2)
            .any(|pair| pair[0] == "--output" && pair[1] == "json")
            || args.iter().any(|arg| arg == "--output=json")
    };
    let informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !json || informational {
        error.exit()
    }
    let text = error.render().to_string();
    let message = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    fail(
        Failure::usage(
            message,
            "see `wechatpay --help` and the subcommand's --help",
        ),
        Output::Json,
    )
}
