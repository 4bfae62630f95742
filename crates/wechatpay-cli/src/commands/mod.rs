//! One module per subcommand.

pub mod api;
pub mod applyment;
pub mod bill;
pub mod certificates;
pub mod completions;
pub mod contract;
pub mod decrypt;
pub mod demo;
pub mod doctor;
pub mod mock;
pub mod notify;
pub mod pay;
pub mod refund;
pub mod share;
pub mod sign;
pub mod submit_applyment;
pub mod trigger;
pub mod upload;
pub mod verify;

use std::time::{SystemTime, UNIX_EPOCH};

use getrandom::SysRng;
use rand_core::UnwrapErr;
use wechatpay_core::{Error, Operation, RequestContext, RequestParts, VerifiedBody};
use wechatpay_hyper::HyperClient;

use crate::failure::Failure;
use crate::progress::Activity;

/// The system clock, in Unix seconds: the CLI is the core's clock.
pub fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)]
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The operating system's random source.
pub fn rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// Runs `operation` with a spinner saying `what` on a terminal.
pub async fn execute<O: Operation>(
    http: &HyperClient,
    operation: &O,
    what: &str,
) -> Result<O::Output, wechatpay_hyper::Error> {
    let _activity = Activity::start(what);
    http.execute(operation).await
}

/// An operation that also hands back the verified body, for `--output json`.
pub struct WithBody<'a, O>(pub &'a O);

impl<O: Operation> Operation for WithBody<'_, O> {
    type Output = (O::Output, Vec<u8>);

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        self.0.request(context)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Self::Output, Error> {
        Ok((self.0.decode(body)?, body.bytes().to_vec()))
    }
}

/// The exact bytes of `--body-file`, or an empty body.
pub fn read_body(path: Option<&std::path::Path>) -> Result<Vec<u8>, Failure> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    std::fs::read(path).map_err(|e| {
        Failure::usage(
            format!("cannot read {} (--body-file): {e}", path.display()),
            "point --body-file at the exact body bytes",
        )
    })
}

/// The signature of a saved answer or callback, as given on the command line: its four
/// `Wechatpay-*` headers, the time to check it at and the clock window (`verify`, `notify`).
#[derive(Debug, clap::Args)]
pub struct SavedSignature {
    /// Wechatpay-Timestamp.
    #[arg(long)]
    timestamp: String,
    /// Wechatpay-Nonce.
    #[arg(long)]
    nonce: String,
    /// Wechatpay-Signature.
    #[arg(long)]
    signature: String,
    /// Wechatpay-Serial.
    #[arg(long)]
    serial: String,
    /// The time to check the timestamp against, in Unix seconds (default: now).
    #[arg(long)]
    now: Option<u64>,
    #[command(flatten)]
    skew: crate::config::MaxSkew,
}

impl SavedSignature {
    /// Verifies `body` under these headers with `keys`, as the core verifies an answer:
    /// returns the key that signed it.
    pub fn verify<'k>(
        &self,
        keys: &'k wechatpay_core::PlatformKeys,
        body: &[u8],
    ) -> Result<&'k wechatpay_core::PlatformKey, Failure> {
        let headers = self.headers()?;
        let now = self.now.unwrap_or_else(unix_now);
        keys.verify(&headers, body, now, self.skew.max_skew)
            .map_err(|kind| {
                Error::Verification {
                    kind,
                    request_id: None,
                }
                .into()
            })
    }

    fn headers(&self) -> Result<http::HeaderMap, Failure> {
        use wechatpay_core::{
            WECHATPAY_NONCE, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE, WECHATPAY_TIMESTAMP,
        };
        let mut headers = http::HeaderMap::new();
        for (name, flag, value) in [
            (WECHATPAY_TIMESTAMP, "--timestamp", &self.timestamp),
            (WECHATPAY_NONCE, "--nonce", &self.nonce),
            (WECHATPAY_SIGNATURE, "--signature", &self.signature),
            (WECHATPAY_SERIAL, "--serial", &self.serial),
        ] {
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                Failure::usage(
                    format!("{flag} is not a valid header value"),
                    format!("pass {flag} exactly as received"),
                )
            })?;
            headers.insert(name, value);
        }
        Ok(headers)
    }
}

/// A verified body as received, with no trailing whitespace.
pub fn body_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).trim_end().to_owned()
}

/// Prints `text` on stdout, ending with exactly the newline it may lack.
pub fn emit(text: &str) {
    if text.ends_with('\n') {
        print!("{text}");
    } else {
        println!("{text}");
    }
}

/// A core error about input, naming the input as the user gave it: `shown` turns the core's
/// field (`total`) into the flag or place it came from (`--amount`); the value is never shown.
pub fn input_failure(
    error: wechatpay_core::Error,
    shown: impl Fn(&str) -> Option<String>,
) -> Failure {
    match &error {
        Error::InvalidInput { field, reason } => {
            let name = shown(field).unwrap_or_else(|| field.to_string());
            Failure::usage(
                format!("invalid {name}: {}", wechatpay_core::Untrusted(reason)),
                format!("correct {name} and run again"),
            )
        }
        _ => Failure::from(error),
    }
}

/// The flag a field of the core names when the flag is spelt as the field (`sub_mchid` is
/// `--sub-mchid`), for the fields in `flags`.
pub fn flag_of(field: &str, flags: &[&str]) -> Option<String> {
    flags
        .contains(&field)
        .then(|| format!("--{}", field.replace('_', "-")))
}

/// `what` as JSON for a person, each line shown as text that cannot drive the terminal.
pub fn pretty_json(what: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(what).unwrap_or_else(|_| what.to_string());
    text.lines()
        .map(|line| wechatpay_core::Untrusted(line).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
