//! `wechatpay trigger EVENT --to URL`: the mock platform sends a signed callback to an
//! endpoint, retrying as the platform does, and shows each attempt.

use std::time::Duration;

use serde_json::{Value, json};
use wechatpay_mock::{
    CallbackEvent, CallbackSignature, DeliveryAttempt, DeliveryOptions, MockKeys, MockPlatform,
    NAMED_EVENTS, RetrySchedule, deliver,
};

use crate::config::{Format, Output, seconds};
use crate::failure::{Failure, Kind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event: TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED (the
    /// mock makes their resource), or any other with --resource and --original-type.
    event: String,
    /// The endpoint's URL (http://: the mock delivers to test endpoints).
    #[arg(long, value_name = "URL")]
    to: String,
    /// JSON object, or @FILE: for a named event, fields set in its resource
    /// ('{"out_trade_no":"ORDER-1","amount":{"total":999}}'); for another, the whole resource.
    #[arg(long, value_name = "JSON|@FILE")]
    resource: Option<String>,
    /// The resource's original_type, for an event the mock has no resource for.
    #[arg(long, value_name = "TYPE")]
    original_type: Option<String>,
    /// The callback's summary.
    #[arg(long)]
    summary: Option<String>,
    /// Send the platform's probe signature (WECHATPAY/SIGNTEST/...), which the endpoint must
    /// refuse.
    #[arg(long)]
    probe: bool,
    /// Divide every wait of the platform's schedule (15 s, 15 s, 30 s, 3 min, ... 24 h in all)
    /// by N: 1000 retries within milliseconds.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    compress: u32,
    /// At most N attempts (the platform makes 16).
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u64).range(1..=16))]
    attempts: u64,
    /// How long each answer is waited for, in seconds (the platform waits 5).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = answer_timeout)]
    timeout: Duration,
    /// Seconds added to the clock the callback is signed by (-3600: a copy replayed an hour
    /// later, which the endpoint must refuse as stale).
    #[arg(long, value_name = "SECS", default_value_t = 0, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i64).range(-86_400..=86_400))]
    clock_offset: i64,
    #[command(flatten)]
    format: Format,
}

fn answer_timeout(text: &str) -> Result<Duration, String> {
    seconds(text, 0.001, 60.0)
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let mut rng = super::rng();
    let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).map_err(|e| {
        Failure::usage(
            e.to_string(),
            "report this: the embedded test keys were refused",
        )
    })?;
    let now = super::unix_now();
    let resource = args.resource.as_deref().map(read_json).transpose()?;
    let named = NAMED_EVENTS.contains(&args.event.as_str());
    let event = match (&args.original_type, resource) {
        (None, fields) if named => CallbackEvent::named(&args.event, &platform, now, &mut rng)
            .and_then(|event| match fields {
                Some(fields) => event.with_fields(fields),
                None => Ok(event),
            }),
        (Some(original_type), resource) => CallbackEvent::custom(
            &args.event,
            original_type,
            args.summary.clone().unwrap_or_default(),
            resource.unwrap_or_else(|| json!({})),
        ),
        (None, _) => {
            return Err(Failure::usage(
                format!("the mock has no resource for {:?}", args.event),
                format!(
                    "use one of {}, or give --resource and --original-type",
                    NAMED_EVENTS.join(", ")
                ),
            ));
        }
    }
    .map_err(|e| Failure::usage(e.to_string(), "pass --resource as a JSON object"))?;
    let event = match &args.summary {
        Some(summary) => event.with_summary(summary),
        None => event,
    };
    let body = platform
        .callback_body(&event, now, &mut rng)
        .map_err(|e| Failure::usage(e.to_string(), "report this"))?;
    let schedule = RetrySchedule::platform()
        .compressed(args.compress)
        .with_max_attempts(usize::try_from(args.attempts).unwrap_or(1))
        .with_timeout(args.timeout);
    let waits = schedule.waits().to_vec();
    let options = DeliveryOptions::new()
        .with_schedule(schedule)
        .with_signature(if args.probe {
            CallbackSignature::Probe
        } else {
            CallbackSignature::Valid
        })
        .with_clock_offset(args.clock_offset);
    let text = args.output() == Output::Text;
    if text {
        println!(
            "sending {} {} to {} (signed with the mock's test keys)",
            body.event_type(),
            body.id(),
            args.to
        );
    }
    let delivery = deliver(&platform, &body, &args.to, &options, |attempt| {
        if text {
            println!("{}", attempt_line(attempt, &waits));
        }
    })
    .await
    .map_err(|e| Failure::usage(e.to_string(), "pass --to an http:// URL"))?;

    let last = delivery.attempts.last();
    match args.output() {
        Output::Json => super::emit(
            &json!({
                "id": delivery.id,
                "event_type": delivery.event_type,
                "url": delivery.url,
                "delivered": delivery.delivered,
                "attempts": delivery.attempts.iter().map(|a| json!({
                    "number": a.number, "status": a.status, "detail": a.detail,
                })).collect::<Vec<_>>(),
            })
            .to_string(),
        ),
        Output::Text if delivery.delivered => {
            println!("delivered after {} attempt(s)", delivery.attempts.len())
        }
        Output::Text => {}
    }
    if delivery.delivered {
        return Ok(());
    }
    let (kind, what) = match last.and_then(|a| a.status) {
        Some(status) => (Kind::Api, format!("the last answer was HTTP {status}")),
        None => (Kind::Transport, "the last attempt got no answer".to_owned()),
    };
    Err(Failure::new(
        kind,
        format!(
            "not delivered after {} attempt(s): {what}",
            delivery.attempts.len()
        ),
        "the endpoint must answer 200 or 204 once it has handled the callback",
    ))
}

/// `attempt 2: HTTP 500 库存服务不可用; next in 15ms`.
fn attempt_line(attempt: &DeliveryAttempt, waits: &[Duration]) -> String {
    let mut line = format!("attempt {}: ", attempt.number);
    match attempt.status {
        Some(status) => line.push_str(&format!("HTTP {status}")),
        None => line.push_str("no answer"),
    }
    if let Some(detail) = &attempt.detail {
        line.push_str(&format!(" {detail}"));
    }
    if !attempt.acknowledged() {
        let index = usize::try_from(attempt.number).unwrap_or(usize::MAX) - 1;
        match waits.get(index) {
            Some(wait) => line.push_str(&format!("; next in {wait:?}")),
            None => line.push_str("; no attempt left"),
        }
    }
    line
}

/// A JSON value given inline or as `@FILE`.
fn read_json(text: &str) -> Result<Value, Failure> {
    let (source, content) = match text.strip_prefix('@') {
        Some(path) => (
            path.to_owned(),
            std::fs::read_to_string(path).map_err(|e| {
                Failure::usage(
                    format!("cannot read {path} (--resource): {e}"),
                    "point --resource @FILE at a JSON file",
                )
            })?,
        ),
        None => ("--resource".to_owned(), text.to_owned()),
    };
    serde_json::from_str(&content).map_err(|e| {
        Failure::usage(
            format!("{source} is not JSON: {e}"),
            "pass --resource a JSON object",
        )
    })
}
