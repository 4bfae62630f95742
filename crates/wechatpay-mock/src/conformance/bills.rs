//! Bills through an adapter, from the mock's own download route: the request, the signed
//! ticket, the download of several MiB gzip'd (and encrypted, for the sub-merchants'
//! fund-flow bill) through the digest check, the text read into rows; an altered file is a
//! digest mismatch naming both digests.

use sha1::{Digest, Sha1};
use wechatpay_core::bill::{Bill, FundFlowBill, TradeBill};
use wechatpay_core::ecommerce::bill::EcommerceFundFlowBill;
use wechatpay_core::{AdapterError, DownloadTicket, Error, VerificationError};

use super::{Control, Failure, Report, Settings, Subject};

/// The size of the bills checked: several MiB, so that every download arrives in many pieces
/// and inflates past any single buffer.
pub const BILL_SIZE: usize = 3 * 1024 * 1024;

/// Runs the bill checks against the mock behind `control`, with `client` (whose base URL is
/// the mock's) and `download`, which streams the file a ticket announces into memory through
/// the adapter, returning the length it reported and the bytes written.
pub async fn check_bills<C: Subject, P: Control>(
    control: &P,
    client: C,
    download: impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Report {
    let client = client.with_settings(Settings::FAST.adapter_settings());
    let mut report = Report::default();
    let mut check = |name: &'static str, outcome: Result<(), String>| match outcome {
        Ok(()) => report.passed.push(name),
        Err(reason) => report.failed.push(Failure {
            scenario: name,
            reason,
        }),
    };
    if let Err(reason) = control.set_bill_size(BILL_SIZE).await {
        check("the mock takes the bill size", Err(reason));
        return report;
    }
    check(
        "a gzip'd trade bill of several MiB downloads, gunzips, matches its digest and parses",
        gzipped_trade_bill(control, &client, &download).await,
    );
    check(
        "a fund-flow bill downloads as it is and parses",
        fund_flow_bill(control, &client, &download).await,
    );
    check(
        "a file altered on its way is a digest mismatch naming both digests",
        altered_file(control, &client, &download).await,
    );
    check(
        "the sub-merchants' fund-flow bill decrypts, gunzips and matches file by file",
        ecommerce_bill(control, &client, &download).await,
    );
    report
}

async fn gzipped_trade_bill<C: Subject, P: Control>(
    control: &P,
    client: &C,
    download: &impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Result<(), String> {
    control.reset().await?;
    let operation = TradeBill::new("2024-11-23").map_err(text)?.gzipped();
    let ticket = client.execute(&operation).await.map_err(text)?;
    if !ticket.is_gzipped() {
        return Err("the ticket does not know the file is gzip'd".to_owned());
    }
    let (length, bill) = download(client, &ticket).await.map_err(text)?;
    if length != bill.len() as u64 || bill.len() < BILL_SIZE {
        return Err(format!(
            "{length} bytes reported, {} written, for a bill of about {BILL_SIZE}",
            bill.len()
        ));
    }
    if sha1_hex(&bill) != ticket.digest_hex() {
        return Err("the text written is not the one announced".to_owned());
    }
    let parsed = Bill::parse(&bill).map_err(text)?;
    let summary = parsed.summary.trade_summary().map_err(text)?;
    if summary.count != parsed.rows.len() as u64 {
        return Err(format!(
            "{} rows, and a summary of {}",
            parsed.rows.len(),
            summary.count
        ));
    }
    parsed.rows[0].trade().map_err(text)?;
    // The file came gzip'd: the platform saw `tar_type=GZIP`, then the download.
    let seen = control.requests().await?;
    let asked = seen
        .iter()
        .any(|r| r.path_and_query.ends_with("tar_type=GZIP"));
    let fetched = seen.iter().any(|r| {
        r.path_and_query.starts_with("/v3/billdownload/file?token=") && r.status == Some(200)
    });
    if !(asked && fetched) {
        return Err(format!("the platform saw {seen:?}"));
    }
    Ok(())
}

async fn fund_flow_bill<C: Subject, P: Control>(
    control: &P,
    client: &C,
    download: &impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Result<(), String> {
    control.reset().await?;
    let ticket = client
        .execute(&FundFlowBill::new("2024-11-23").map_err(text)?)
        .await
        .map_err(text)?;
    let (_, bill) = download(client, &ticket).await.map_err(text)?;
    let parsed = Bill::parse(&bill).map_err(text)?;
    let summary = parsed.summary.fund_flow_summary().map_err(text)?;
    if summary.count != parsed.rows.len() as u64 {
        return Err(format!("{} rows, summary {summary:?}", parsed.rows.len()));
    }
    parsed.rows[0].fund_flow().map_err(text)?;
    Ok(())
}

async fn altered_file<C: Subject, P: Control>(
    control: &P,
    client: &C,
    download: &impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Result<(), String> {
    control.reset().await?;
    let operation = TradeBill::new("2024-11-24").map_err(text)?.gzipped();
    let ticket = client.execute(&operation).await.map_err(text)?;
    control.inject("altered-file", 1).await?;
    match download(client, &ticket).await {
        Err(AdapterError::Core(Error::Verification {
            kind:
                VerificationError::DigestMismatch {
                    expected, actual, ..
                },
            ..
        })) if expected == ticket.digest_hex() && actual != expected => {
            let message = format!("{expected} {actual}");
            if message.len() == 81 {
                Ok(())
            } else {
                Err(format!("digests {message:?}"))
            }
        }
        other => Err(format!("the download returned {:?}", other.map(|(n, _)| n))),
    }
}

async fn ecommerce_bill<C: Subject, P: Control>(
    control: &P,
    client: &C,
    download: &impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Result<(), String> {
    control.reset().await?;
    let operation = EcommerceFundFlowBill::new("2024-11-23")
        .map_err(text)?
        .gzipped();
    let bill = client.execute(&operation).await.map_err(text)?;
    if bill.files.len() != 2 {
        return Err(format!("{} files", bill.files.len()));
    }
    let mut whole = Vec::new();
    let mut rng = client.rng();
    for file in &bill.files {
        let ticket = file
            .ticket(client.core().credentials(), &mut rng)
            .map_err(text)?;
        let (_, part) = download(client, &ticket).await.map_err(text)?;
        whole.extend_from_slice(&part);
    }
    let parsed = Bill::parse(&whole).map_err(text)?;
    let summary = parsed.summary.fund_flow_summary().map_err(text)?;
    if summary.count != parsed.rows.len() as u64 {
        return Err(format!("{} rows, summary {summary:?}", parsed.rows.len()));
    }
    // One file altered on its way: its tag fails.
    let ticket = bill.files[0]
        .ticket(client.core().credentials(), &mut rng)
        .map_err(text)?;
    control.inject("altered-file", 1).await?;
    match download(client, &ticket).await {
        Err(AdapterError::Core(error))
            if error.verification() == Some(&VerificationError::FileTagMismatch) =>
        {
            Ok(())
        }
        other => Err(format!(
            "an altered encrypted file gave {:?}",
            other.map(|(n, _)| n)
        )),
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}
