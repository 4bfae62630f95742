//! `wechatpay notify --body-file F --timestamp T --nonce N --signature S --serial SER [--now T]`:
//! a saved callback verified as `verify` does, its resource decrypted with the APIv3 key and
//! printed as JSON, for debugging an endpoint.

use std::path::PathBuf;

use serde_json::{Value, json};
use wechatpay_core::{Error, Notification};

use crate::config::{ApiV3, Format, Missing, Output, Platform};
use crate::failure::{Failure, Kind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// File holding the callback's exact body bytes, as received.
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
    #[command(flatten)]
    signed: super::SavedSignature,
    #[command(flatten)]
    platform: Platform,
    #[command(flatten)]
    key: ApiV3,
    #[command(flatten)]
    format: Format,
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let mut missing = Missing::default();
    args.platform.missing(&mut missing);
    args.key.missing(&mut missing);
    missing.into_result()?;
    let keys = args.platform.keys()?;
    let key = args.key.key()?;
    let body = super::read_body(Some(&args.body_file))?;
    args.signed.verify(&keys, &body)?;
    // Verified: only now is the body read.
    let notification: Notification = serde_json::from_slice(&body).map_err(|e| {
        Failure::new(
            Kind::Decode,
            format!("the body verified but is not a callback: {e}"),
            "pass the body of a callback (id, event_type, resource ...) as --body-file",
        )
    })?;
    let plaintext = notification.resource.decrypt(&key).map_err(undecryptable)?;
    // Typed as an endpoint would type it, so that a resource the core cannot read shows here.
    notification.open_with(plaintext.clone())?;
    // Asked for explicitly: the decrypted resource (personal data included) is printed.
    let resource = serde_json::from_str::<Value>(plaintext.expose())
        .unwrap_or_else(|_| Value::String(plaintext.expose().to_owned()));
    let printed = json!({
        "id": notification.id,
        "create_time": notification.create_time,
        "event_type": notification.event_type,
        "resource_type": notification.resource_type,
        "summary": notification.summary,
        "original_type": notification.resource.original_type,
        "resource": resource,
    });
    let text = match args.output() {
        Output::Json => printed.to_string(),
        Output::Text => serde_json::to_string_pretty(&printed).unwrap_or_default(),
    };
    super::emit(&text);
    Ok(())
}

/// A resource that does not decrypt fails the check of the callback, as a bad signature does:
/// exit 4, with what to check.
fn undecryptable(error: Error) -> Failure {
    let next = match &error {
        Error::Crypto(wechatpay_core::CryptoError::DecryptionFailed) => {
            "check --apiv3-key / WECHATPAY_APIV3_KEY: the resource was encrypted with another APIv3 key \
             (the one set in the merchant platform), or altered"
        }
        _ => {
            "the resource is not what the platform sends: check that the body is a WeChat Pay callback"
        }
    };
    Failure::new(Kind::Verification, error.to_string(), next)
}
