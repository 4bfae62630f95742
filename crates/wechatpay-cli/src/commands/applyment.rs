//! `wechatpay applyment OUT_REQUEST_NO [--watch [--interval SECS]] [--reveal]`

use std::io::Write;
use std::time::Duration;

use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;

use super::{WithBody, print_body};
use crate::config::{Output, Settings};
use crate::failure::{Failure, code};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The service provider's request number (any characters; it is percent-encoded).
    out_request_no: String,
    /// Poll until the applyment needs someone to act or is final.
    #[arg(long)]
    watch: bool,
    /// First interval between polls, in seconds; it grows by half each time, up to 10 times.
    #[arg(long, value_name = "SECS", default_value_t = 60.0, requires = "watch")]
    interval: f64,
    /// Decrypt and show the account name and card number to remit from.
    #[arg(long)]
    reveal: bool,
}

pub async fn run(settings: &Settings, args: Args) -> Result<(), Failure> {
    let query = QueryApplymentByOutRequestNo::new(args.out_request_no)?;
    let http = settings.http()?;
    if !(args.interval.is_finite() && args.interval > 0.0) {
        return Err(Failure::usage(
            format!(
                "--interval {} is not a positive number of seconds",
                args.interval
            ),
            "pass --interval SECS, such as 60",
        ));
    }
    let first = Duration::from_secs_f64(args.interval);
    let mut interval = first;
    let mut polls = 0u32;
    loop {
        polls += 1;
        let outcome = http.execute(&WithBody(&query)).await;
        let wait = match outcome {
            Ok((applyment, body)) => {
                if !(args.watch && applyment.applyment_state.is_pending()) {
                    match settings.output {
                        Output::Json => print_body(&body),
                        Output::Text => print!(
                            "{}",
                            render::applyment(&applyment, http.core().credentials(), args.reveal)?
                        ),
                    }
                    return Ok(());
                }
                progress(
                    polls,
                    &format!(
                        "{} ({})",
                        applyment.applyment_state, applyment.applyment_state_desc
                    ),
                    interval,
                );
                interval
            }
            Err(error) if args.watch && error.is_retryable() => {
                progress(polls, &format!("failed: {error}"), interval);
                interval
            }
            Err(error) => return Err(error.into()),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = tokio::signal::ctrl_c() => {
                eprintln!();
                return Err(Failure {
                    code: code::INTERRUPTED,
                    message: format!("stopped by Ctrl-C after {polls} poll(s)"),
                    next: "run the same command again to resume watching".to_owned(),
                });
            }
        }
        interval = (interval.mul_f64(1.5)).min(first * 10);
    }
}

fn progress(poll: u32, what: &str, next: Duration) {
    let mut stderr = std::io::stderr();
    let _ = writeln!(
        stderr,
        "poll {poll}: {what}; next check in {:.1}s (Ctrl-C stops)",
        next.as_secs_f64()
    );
}
