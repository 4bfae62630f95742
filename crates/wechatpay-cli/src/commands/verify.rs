//! `wechatpay verify --timestamp T --nonce N --signature S --serial SER [--body-file F] [--now T]`

use std::path::PathBuf;

use crate::config::{Format, Output, Platform};
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    signed: super::SavedSignature,
    /// File holding the exact body bytes (none: an empty body).
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    #[command(flatten)]
    platform: Platform,
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
    let key = args.signed.verify(&keys, &body)?;
    match args.output() {
        Output::Json => super::emit(
            &serde_json::json!({ "verified": true, "serial": key.serial() }).to_string(),
        ),
        Output::Text => super::emit("ok"),
    }
    Ok(())
}
