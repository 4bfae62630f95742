//! `wechatpay sign --method M --url PATH_AND_QUERY --timestamp T --nonce N [--body-file F]`

use std::path::PathBuf;

use http::Method;
use wechatpay_core::{Nonce, SigningInput};

use crate::config::Settings;
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// HTTP method.
    #[arg(long)]
    method: String,
    /// Path and query exactly as sent, already percent-encoded, such as /v3/certificates.
    #[arg(long, value_name = "PATH_AND_QUERY")]
    url: String,
    /// Unix seconds.
    #[arg(long)]
    timestamp: u64,
    /// The request nonce.
    #[arg(long)]
    nonce: String,
    /// File holding the exact body bytes.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: Args) -> Result<(), Failure> {
    let credentials = settings.credentials()?;
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        Failure::usage(
            format!("{:?} is not an HTTP method", args.method),
            "pass --method GET, POST, PUT, PATCH or DELETE",
        )
    })?;
    let body = super::read_body(args.body_file.as_deref())?;
    let nonce = Nonce::new(args.nonce)?;
    let signature = credentials.sign(
        &SigningInput {
            method: &method,
            path_and_query: &args.url,
            timestamp: args.timestamp,
            nonce: &nonce,
            body: &body,
        },
        &mut super::rng(),
    )?;
    println!("{}", signature.authorization());
    Ok(())
}
