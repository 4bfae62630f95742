//! `wechatpay sign --method M --url PATH_AND_QUERY [--timestamp T] [--nonce N] [--body-file F] [--curl]`

use std::path::PathBuf;

use http::Method;
use wechatpay_core::{Client, Host, Nonce, SigningInput};

use crate::config::{BaseUrl, Format, Merchant, Missing, Output, Platform};
use crate::failure::Failure;
use crate::shell;

/// How the CLI names itself in the `User-Agent` of a `--curl` command.
const PRODUCT: &str = concat!("wechatpay-cli/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, clap::Args)]
pub struct Args {
    /// HTTP method.
    #[arg(long)]
    method: String,
    /// Path and query exactly as sent, already percent-encoded, such as /v3/certificates.
    #[arg(long, value_name = "PATH_AND_QUERY")]
    url: String,
    /// Unix seconds (default: now).
    #[arg(long)]
    timestamp: Option<u64>,
    /// The request nonce (default: a fresh random one).
    #[arg(long)]
    nonce: Option<String>,
    /// File holding the exact body bytes.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
    /// Print a ready curl command instead of the Authorization value: Authorization, Accept,
    /// User-Agent and Wechatpay-Serial (the platform key settings are needed for it), against
    /// --base-url.
    #[arg(long)]
    curl: bool,
    #[command(flatten)]
    merchant: Merchant,
    #[command(flatten)]
    platform: Platform,
    #[command(flatten)]
    base: BaseUrl,
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
    args.merchant.missing(&mut missing);
    if args.curl {
        args.platform.missing(&mut missing);
    }
    missing.into_result()?;
    let credentials = args.merchant.credentials()?;
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        Failure::usage(
            format!("{:?} is not an HTTP method", args.method),
            "pass --method GET, POST, PUT, PATCH or DELETE",
        )
    })?;
    let body = super::read_body(args.body_file.as_deref())?;
    let timestamp = args.timestamp.unwrap_or_else(super::unix_now);
    let nonce = match &args.nonce {
        Some(nonce) => Nonce::new(nonce.as_str())?,
        None => Nonce::generate(&mut super::rng()),
    };
    let (authorization, curl) = if args.curl {
        let (authorization, curl) = curl(&args, credentials, method, body, timestamp, &nonce)?;
        (authorization, Some(curl))
    } else {
        let signature = credentials.sign(
            &SigningInput {
                method: &method,
                path_and_query: &args.url,
                timestamp,
                nonce: &nonce,
                body: &body,
            },
            &mut super::rng(),
        )?;
        (signature.authorization().to_owned(), None)
    };
    match (args.output(), curl) {
        (Output::Json, curl) => super::emit(
            &serde_json::json!({
                "authorization": authorization,
                "timestamp": timestamp,
                "nonce": nonce.as_str(),
                "curl": curl,
            })
            .to_string(),
        ),
        (Output::Text, Some(curl)) => super::emit(&curl),
        (Output::Text, None) => super::emit(&authorization),
    }
    Ok(())
}

/// The signed request as a curl command; and its Authorization value.
fn curl(
    args: &Args,
    credentials: wechatpay_core::MerchantCredentials,
    method: Method,
    body: Vec<u8>,
    timestamp: u64,
    nonce: &Nonce,
) -> Result<(String, String), Failure> {
    // Joined to the base URL below: anything but a path would move the request to another host.
    if !args.url.starts_with('/') {
        return Err(Failure::usage(
            format!("--url {:?} does not begin with /", args.url),
            "pass the path and query only, such as /v3/certificates; the host comes from --base-url",
        ));
    }
    let client =
        Client::new(credentials, args.platform.keys()?)?.with_user_agent_product(PRODUCT)?;
    let client = args.base.apply(client)?;
    let url = format!("{}{}", client.base_url(Host::Primary), args.url);
    let has_body = !body.is_empty();
    let mut request = http::Request::builder()
        .method(method)
        .uri(&url)
        .body(body)
        .map_err(|e| {
            Failure::usage(
                format!("--url {:?} does not make a valid URL: {e}", args.url),
                "pass the path and query exactly as sent, percent-encoded",
            )
        })?;
    let signature = client.sign_request(&mut request, timestamp, nonce, &mut super::rng())?;
    let mut words = vec![format!("curl -X {}", request.method()), shell::quote(&url)];
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes());
        words.push(format!(
            "-H {}",
            shell::quote(&format!("{}: {value}", title_case(name.as_str())))
        ));
    }
    if has_body {
        let body = request.body();
        match std::str::from_utf8(body) {
            // A shell word holds any text but NUL.
            Ok(text) if !text.contains('\0') => {
                words.push(format!("--data-binary {}", shell::quote(text)));
            }
            _ => {
                let path = args
                    .body_file
                    .as_deref()
                    .map(|p| p.to_string_lossy())
                    .unwrap_or_default();
                words.push(format!(
                    "--data-binary {}",
                    shell::quote(&format!("@{path}"))
                ));
            }
        }
    }
    Ok((signature.authorization().to_owned(), words.join(" \\\n  ")))
}

/// A header name as the protocol's pages write it (`Wechatpay-Serial`); `http` keeps them in
/// lower case, which is as valid and harder to read.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}
