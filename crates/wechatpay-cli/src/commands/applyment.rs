//! `wechatpay applyment OUT_REQUEST_NO [--watch [--interval SECS]] [--reveal]`

use std::io::IsTerminal;
use std::time::Duration;

use wechatpay_core::Untrusted;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;

use super::WithBody;
use crate::config::{Api, Output};
use crate::failure::{self, Failure, Kind};
use crate::{progress, render};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The service provider's request number (any characters; it is percent-encoded).
    out_request_no: String,
    /// Poll until the applyment needs someone to act or is final.
    #[arg(long)]
    watch: bool,
    /// First interval between polls, in seconds (at most a day); it grows by half each time,
    /// up to 10 times.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = interval, requires = "watch")]
    interval: Duration,
    /// Decrypt and show the account name and card number to remit from (under `--output
    /// json` too, in `revealed`).
    #[arg(long)]
    reveal: bool,
    #[command(flatten)]
    api: Api,
}

fn interval(text: &str) -> Result<Duration, String> {
    crate::config::seconds(text, 0.01, 86_400.0)
}

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let query = QueryApplymentByOutRequestNo::new(args.out_request_no.as_str())?;
    let http = args.api.http().await?;
    let base_url = args.api.base_url();
    let first = args.interval;
    let mut interval = first;
    let mut polls = 0u32;
    loop {
        polls += 1;
        let outcome = super::execute(&http, &WithBody(&query), "querying the applyment").await;
        let wait = match outcome {
            Ok((applyment, body)) => {
                if !(args.watch && applyment.applyment_state.is_pending()) {
                    let revealed = if args.reveal {
                        render::reveal(&applyment, http.core().credentials())?
                    } else {
                        None
                    };
                    let shown = match args.output() {
                        Output::Json => {
                            render::applyment_json(&applyment, &body, revealed.as_ref())
                        }
                        Output::Text => render::applyment(
                            &applyment,
                            revealed.as_ref(),
                            std::io::stdout().is_terminal(),
                        ),
                    };
                    super::emit(&shown);
                    return Ok(());
                }
                poll_line(
                    polls,
                    &format!(
                        "{} ({})",
                        Untrusted(applyment.applyment_state.as_str()),
                        Untrusted(&applyment.applyment_state_desc)
                    ),
                    interval,
                );
                interval
            }
            Err(error) if args.watch && error.is_retryable() => {
                poll_line(
                    polls,
                    &format!("failed: {}", Untrusted(&error.to_string())),
                    interval,
                );
                interval
            }
            Err(error) => {
                let failure = failure::from_call(error, base_url);
                return Err(failure::queried(
                    failure,
                    "out_request_no",
                    &args.out_request_no,
                ));
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = tokio::signal::ctrl_c() => {
                progress::line("");
                return Err(Failure::new(
                    Kind::Interrupted,
                    format!("stopped by Ctrl-C after {polls} poll(s)"),
                    "run the same command again to resume watching",
                ));
            }
        }
        interval = (interval.mul_f64(1.5)).min(first * 10);
    }
}

fn poll_line(poll: u32, what: &str, next: Duration) {
    progress::line(&format!(
        "poll {poll}: {what}; next check in {:.1}s (Ctrl-C stops)",
        next.as_secs_f64()
    ));
}
