//! `wechatpay verify --timestamp T --nonce N --signature S --serial SER [--body-file F] [--now T]`

use std::path::PathBuf;

use crate::config::{Format, MaxSkew, Output, Platform};
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// File holding the exact body bytes (none: an empty body).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// The time to check the timestamp against, in Unix seconds (default: now).
    #[arg(long)]
    now: Option<u64>,
    #[command(flatten)]
    platform: Platform,
    #[command(flatten)]
    skew: MaxSkew,
    #[command(flatten)]
    format: Format,
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let keys = args.platform.keys()?;
    let body = super::read_body(args.body_file.as_deref())?;
    let headers =
        super::signature_headers(&args.timestamp, &args.nonce, &args.signature, &args.serial)?;
    let now = args.now.unwrap_or_else(super::unix_now);
    let key = keys
        .verify(&headers, &body, now, args.skew.max_skew)
        .map_err(|kind| wechatpay_core::Error::Verification {
            kind,
            request_id: None,
        })?;
    match args.output() {
        Output::Json => super::emit(
            &serde_json::json!({ "verified": true, "serial": key.serial() }).to_string(),
        ),
        Output::Text => super::emit("ok"),
    }
    Ok(())
}
