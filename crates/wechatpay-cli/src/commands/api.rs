//! `wechatpay api METHOD PATH [--data JSON|@FILE] [--encrypt FIELD]...`

use std::io::{IsTerminal, Read};

use http::Method;
use wechatpay_core::{AnyEndpoint, PathBuilder, Untrusted};

use super::{WithBody, body_text};
use crate::config::{Api, Output};
use crate::failure::{self, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// GET, POST, PUT, PATCH or DELETE.
    method: String,
    /// The path and query, as the API page writes them
    /// (/v3/ecommerce/applyments/out-request-no/APPLYMENT_01): typed raw or percent-encoded,
    /// each segment and query value is encoded once, and that is what is signed and sent.
    path: String,
    /// The JSON body, or @FILE to read it from FILE (@- reads standard input). Sent byte for
    /// byte unless a field of it is encrypted.
    #[arg(short, long, value_name = "JSON|@FILE")]
    data: Option<String>,
    /// A JSON pointer into --data whose string value is encrypted to the platform key
    /// (/id_card_info/id_card_name); the request then names that key in Wechatpay-Serial.
    /// Repeat it for more fields.
    #[arg(long, value_name = "FIELD")]
    encrypt: Vec<String>,
    #[command(flatten)]
    api: Api,
}

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let operation = operation(&args)?;
    let http = args.api.http().await?;
    let what = format!("{} {}", operation.method(), operation.path_and_query());
    let (answer, body) = super::execute(&http, &WithBody(&operation), &what)
        .await
        .map_err(|error| failure::from_call(error, args.api.base_url()))?;
    let Some(answer) = answer else {
        // 204 No Content: nothing to print.
        return Ok(());
    };
    match args.output() {
        Output::Text if std::io::stdout().is_terminal() => super::emit(&pretty(&answer)),
        // The verified body as received, for scripts and files.
        _ => super::emit(&body_text(&body)),
    }
    Ok(())
}

/// The operation the arguments describe, checked before any setting is read.
fn operation(args: &Args) -> Result<AnyEndpoint, Failure> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        Failure::usage(
            format!("{:?} is not an HTTP method", args.method),
            "use GET, POST, PUT, PATCH or DELETE",
        )
    })?;
    let path = PathBuilder::parse(&args.path).map_err(|error| {
        let mut failure = Failure::from(error);
        failure.next = "write PATH as the API page does, starting with /v3/".to_owned();
        failure
    })?;
    let mut operation = AnyEndpoint::new(method, path)?;
    if let Some(data) = &args.data {
        operation = operation
            .with_json_bytes(read_data(data)?)
            .map_err(|error| {
                let mut failure = Failure::from(error);
                failure.next =
                    "pass one JSON document with --data, or @FILE to read one".to_owned();
                failure
            })?;
    }
    for pointer in &args.encrypt {
        operation = operation.encrypt(pointer)?;
    }
    Ok(operation)
}

/// `--data`: the JSON itself, or `@FILE`, or `@-` for standard input.
fn read_data(data: &str) -> Result<Vec<u8>, Failure> {
    let Some(source) = data.strip_prefix('@') else {
        return Ok(data.as_bytes().to_vec());
    };
    let cannot = |e: std::io::Error| {
        Failure::usage(
            format!("cannot read {source} (--data @FILE): {e}"),
            "point --data @FILE at a file holding the JSON body",
        )
    };
    if source == "-" {
        let mut body = Vec::new();
        std::io::stdin().read_to_end(&mut body).map_err(cannot)?;
        return Ok(body);
    }
    std::fs::read(source).map_err(cannot)
}

/// The answer indented for a person, each line shown as text that cannot drive the terminal.
fn pretty(answer: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(answer).unwrap_or_else(|_| answer.to_string());
    text.lines()
        .map(|line| Untrusted(line).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
