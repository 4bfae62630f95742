//! `wechatpay bill trade|fundflow --date YYYY-MM-DD --out FILE [--gzip] [--csv|--json]`
//!
//! The bill is downloaded into a temporary file beside FILE, gunzipped and checked against
//! the digest of the signed answer that announced it, and moved to FILE only then: a
//! download that fails its digest (exit 4), or any other way, leaves no FILE behind, and an
//! earlier FILE untouched.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use tempfile::NamedTempFile;
use tokio::io::AsyncWrite;
use wechatpay_core::bill::{AccountType, BillReader, BillType, FundFlowBill, TradeBill};
use wechatpay_core::{DownloadTicket, Operation};
use wechatpay_hyper::HyperClient;

use crate::config::{Api, Output};
use crate::failure::{self, Failure};
use crate::progress::Transfer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, Subcommand)]
enum Kind {
    /// The trade bill (交易账单): the day's payments and refunds.
    Trade {
        /// Which orders: ALL (the default), SUCCESS or REFUND.
        #[arg(long, value_enum)]
        bill_type: Option<TradeKind>,
        /// One sub-merchant's bill (service providers and platforms).
        #[arg(long, value_name = "MCHID")]
        sub_mchid: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// The fund-flow bill (资金账单) of one account.
    Fundflow {
        /// Which account: BASIC (the default), OPERATION or FEES.
        #[arg(long, value_enum)]
        account_type: Option<Account>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
enum TradeKind {
    All,
    Success,
    Refund,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "UPPER")]
enum Account {
    Basic,
    Operation,
    Fees,
}

#[derive(Debug, ClapArgs)]
struct Common {
    /// The day, YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: String,
    /// Where to write the verified bill (uncompressed); replaced only once the digest matched.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Download it gzip'd (tar_type=GZIP): about a tenth of the bytes; FILE is still text.
    #[arg(long)]
    gzip: bool,
    /// Write the rows as plain CSV (no backticks, quoted where needed) instead of the bill as
    /// received; the summary goes to stdout.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Write the bill as JSON: {"columns", "rows": [{column: value}], "summary"}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    api: Api,
}

impl Args {
    pub fn output(&self) -> Output {
        self.common().api.output()
    }

    fn common(&self) -> &Common {
        match &self.kind {
            Kind::Trade { common, .. } | Kind::Fundflow { common, .. } => common,
        }
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let common = args.common();
    let http = common.api.http().await?;
    let base_url = common.api.base_url();
    let ticket = match &args.kind {
        Kind::Trade {
            bill_type,
            sub_mchid,
            common,
        } => {
            let mut bill = TradeBill::new(&common.date)?;
            if let Some(kind) = bill_type {
                bill = bill.with_bill_type(match kind {
                    TradeKind::All => BillType::All,
                    TradeKind::Success => BillType::Success,
                    TradeKind::Refund => BillType::Refund,
                });
            }
            if let Some(sub_mchid) = sub_mchid {
                bill = bill.with_sub_mchid(sub_mchid)?;
            }
            ask(
                &http,
                &if common.gzip { bill.gzipped() } else { bill },
                base_url,
            )
            .await?
        }
        Kind::Fundflow {
            account_type,
            common,
        } => {
            let mut bill = FundFlowBill::new(&common.date)?;
            if let Some(account) = account_type {
                bill = bill.with_account_type(match account {
                    Account::Basic => AccountType::Basic,
                    Account::Operation => AccountType::Operation,
                    Account::Fees => AccountType::Fees,
                });
            }
            ask(
                &http,
                &if common.gzip { bill.gzipped() } else { bill },
                base_url,
            )
            .await?
        }
    };
    let verified = download(&http, &ticket, &common.out, base_url).await?;
    let (rows, summary) = if common.csv || common.json {
        convert(verified, &common.out, common.json)?
    } else {
        let counted = count(verified.path())?;
        persist(verified, &common.out)?;
        counted
    };
    report(common, &ticket, rows, summary.as_deref());
    Ok(())
}

async fn ask<O>(http: &HyperClient, bill: &O, base_url: &str) -> Result<DownloadTicket, Failure>
where
    O: Operation<Output = DownloadTicket>,
{
    super::execute(http, bill, "asking for the bill")
        .await
        .map_err(|error| failure::from_call(error, base_url))
}

/// The bill's text, verified, in a temporary file beside `out`.
async fn download(
    http: &HyperClient,
    ticket: &DownloadTicket,
    out: &Path,
    base_url: &str,
) -> Result<NamedTempFile, Failure> {
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let cannot_write = |e: std::io::Error| {
        Failure::usage(
            format!("cannot write beside {} (--out): {e}", out.display()),
            "point --out at a file in a folder you can write to",
        )
    };
    // Beside FILE, so that moving it into place is a rename on the same file system.
    let temporary = tempfile::Builder::new()
        .prefix(".wechatpay-bill-")
        .suffix(".part")
        .tempfile_in(&folder)
        .map_err(cannot_write)?;
    let file = temporary.reopen().map_err(cannot_write)?;
    let mut sink = Counted {
        file: tokio::fs::File::from_std(file),
        transfer: Transfer::start("downloading the bill"),
    };
    http.download(ticket, &mut sink)
        .await
        .map_err(|error| failure::from_call(error, base_url))?;
    Ok(temporary)
}

/// Moves the verified file into place.
fn persist(verified: NamedTempFile, out: &Path) -> Result<(), Failure> {
    verified.persist(out).map(drop).map_err(|e| {
        Failure::usage(
            format!("cannot move the bill to {}: {}", out.display(), e.error),
            "point --out at a file you can replace",
        )
    })
}

/// Counts the rows of a verified bill and reads its summary.
fn count(path: &Path) -> Result<(u64, Option<String>), Failure> {
    let file = std::fs::File::open(path).map_err(read_failure)?;
    let mut reader = BillReader::new(BufReader::new(file)).map_err(unreadable)?;
    let mut rows = 0;
    for row in reader.by_ref() {
        row.map_err(unreadable)?;
        rows += 1;
    }
    Ok((rows, reader.summary().map(summary_text)))
}

/// Writes the verified bill as CSV or JSON into `out`, through a temporary file of its own.
fn convert(
    verified: NamedTempFile,
    out: &Path,
    json: bool,
) -> Result<(u64, Option<String>), Failure> {
    let file = std::fs::File::open(verified.path()).map_err(read_failure)?;
    let mut reader = BillReader::new(BufReader::new(file)).map_err(unreadable)?;
    let folder = verified
        .path()
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let converted = tempfile::Builder::new()
        .prefix(".wechatpay-bill-")
        .suffix(".part")
        .tempfile_in(folder)
        .map_err(write_failure)?;
    let mut writer = BufWriter::new(converted.reopen().map_err(write_failure)?);
    let columns = reader.columns().to_vec();
    let mut rows = 0;
    if json {
        write!(
            writer,
            "{{\"columns\":{},\"rows\":[",
            serde_json::json!(columns)
        )
        .map_err(write_failure)?;
        for row in reader.by_ref() {
            let row = row.map_err(unreadable)?;
            let object: serde_json::Map<String, serde_json::Value> = row
                .iter()
                .map(|(c, v)| (c.to_owned(), serde_json::Value::String(v.to_owned())))
                .collect();
            let separator = if rows == 0 { "" } else { "," };
            write!(writer, "{separator}{}", serde_json::Value::Object(object))
                .map_err(write_failure)?;
            rows += 1;
        }
        let summary: serde_json::Map<String, serde_json::Value> = reader
            .summary()
            .map(|s| {
                s.iter()
                    .map(|(c, v)| (c.to_owned(), serde_json::Value::String(v.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        writeln!(
            writer,
            "],\"summary\":{}}}",
            serde_json::Value::Object(summary)
        )
        .map_err(write_failure)?;
    } else {
        let mut csv = csv::Writer::from_writer(&mut writer);
        csv.write_record(&columns)
            .map_err(|e| write_failure(e.into()))?;
        for row in reader.by_ref() {
            let row = row.map_err(unreadable)?;
            csv.write_record(row.values())
                .map_err(|e| write_failure(e.into()))?;
            rows += 1;
        }
        csv.flush().map_err(write_failure)?;
    }
    writer.flush().map_err(write_failure)?;
    drop(writer);
    let summary = reader.summary().map(summary_text);
    persist(converted, out)?;
    Ok((rows, summary))
}

fn summary_text(summary: &wechatpay_core::bill::Summary) -> String {
    summary
        .iter()
        .map(|(column, value)| format!("{column} {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(common: &Common, ticket: &DownloadTicket, rows: u64, summary: Option<&str>) {
    let out = common.out.display().to_string();
    match common.api.output() {
        Output::Json => super::emit(
            &serde_json::json!({
                "file": out,
                "rows": rows,
                "digest": {"algorithm": ticket.algorithm().name(), "value": ticket.digest_hex()},
                "summary": summary,
            })
            .to_string(),
        ),
        Output::Text => {
            super::emit(&format!(
                "{out}: {rows} rows, {} digest {} matched",
                ticket.algorithm().name(),
                ticket.digest_hex()
            ));
            if let Some(summary) = summary {
                super::emit(&format!("summary: {}", wechatpay_core::Untrusted(summary)));
            }
        }
    }
}

fn read_failure(e: std::io::Error) -> Failure {
    Failure::usage(
        format!("cannot read the downloaded bill: {e}"),
        "check the free space and permissions of --out's folder",
    )
}

fn write_failure(e: std::io::Error) -> Failure {
    Failure::usage(
        format!("cannot write the converted bill: {e}"),
        "check the free space and permissions of --out's folder",
    )
}

fn unreadable(error: wechatpay_core::Error) -> Failure {
    failure::from_core(error, "")
}

/// The temporary file, counting what is written to it for the progress line.
struct Counted {
    file: tokio::fs::File,
    transfer: Transfer,
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.file).poll_write(cx, bytes);
        if let Poll::Ready(Ok(written)) = &polled {
            self.transfer.add(*written as u64);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}
