//! Downloads: a file announced by a ticket, streamed through the adapter into memory.

use sha1::{Digest, Sha1};
use wechatpay_core::{AdapterError, Client, DownloadTicket, Error, VerificationError};

use super::{Failure, Report, Settings, Subject};
use crate::keys::MockKeys;

/// A server that answers one request with bytes given in advance, whatever it asks, and keeps
/// the request's head: where [`check_downloads`] fetches a file from, as the mock has no
/// download route.
pub trait FileServer: Sized {
    /// The server's base URL, `http://127.0.0.1:PORT`.
    fn url(&self) -> &str;

    /// Waits for the exchange and returns the head of the request it answered.
    ///
    /// # Errors
    ///
    /// What went wrong, in words; a timeout when no request came.
    fn request_head(self) -> impl Future<Output = Result<String, String>>;
}

/// The download path the tickets name; the token is what a real ticket carries.
const PATH: &str = "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2";

/// Downloads through a client that `build` makes, with `download` streaming the file a ticket
/// announces into memory (returning the length the adapter reported and the bytes written):
/// a file whose digest matches is written whole, and one whose digest differs is
/// [`VerificationError::DigestMismatch`]. Each file comes from a [`FileServer`] that `serve`
/// starts with a whole HTTP answer, and that is the client's base URL, as a ticket must name
/// one of the client's hosts. The request it received must be the signed one.
pub async fn check_downloads<S, C>(
    serve: impl AsyncFn(Vec<u8>) -> Result<S, String>,
    build: impl Fn(Client) -> Result<C, AdapterError>,
    download: impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
) -> Report
where
    S: FileServer,
    C: Subject,
{
    let mut report = Report::default();
    let file = bill();
    let cases: [(&'static str, String); 2] = [
        (
            "a download streams the file to the sink, its digest checked",
            sha1_hex(&file),
        ),
        (
            "a download whose bytes differ from the announced digest is a digest mismatch",
            sha1_hex(b"another file"),
        ),
    ];
    for (name, digest) in cases {
        let server = match serve(file_answer(&file)).await {
            Ok(server) => server,
            Err(reason) => {
                report.failed.push(Failure {
                    scenario: name,
                    reason,
                });
                continue;
            }
        };
        match download_once(server, &build, &download, &file, &digest).await {
            Ok(()) => report.passed.push(name),
            Err(reason) => report.failed.push(Failure {
                scenario: name,
                reason,
            }),
        }
    }
    report
}

async fn download_once<S: FileServer, C: Subject>(
    server: S,
    build: &impl Fn(Client) -> Result<C, AdapterError>,
    download: &impl AsyncFn(&C, &DownloadTicket) -> Result<(u64, Vec<u8>), AdapterError>,
    file: &[u8],
    digest: &str,
) -> Result<(), String> {
    let core = MockKeys::fixtures()
        .client(server.url())
        .map_err(|e| e.to_string())?;
    let client = build(core)
        .map_err(|e| e.to_string())?
        .with_settings(Settings::FAST.adapter_settings());
    let ticket = DownloadTicket::new("SHA1", digest, &format!("{}{PATH}", server.url()))
        .map_err(|e| e.to_string())?;
    let outcome = download(&client, &ticket).await;
    let head = server.request_head().await?;
    let lower = head.to_ascii_lowercase();
    let signed = lower.starts_with(&format!("get {} http/1.1\r\n", PATH.to_ascii_lowercase()))
        && lower.contains("\r\nauthorization: wechatpay2-sha256-rsa2048 ")
        && lower.contains(&format!("\r\nuser-agent: {}", client.product()));
    if !signed {
        return Err(format!("the request was not the signed one: {head:?}"));
    }
    match outcome {
        Ok((length, written)) if digest == sha1_hex(file) => {
            if length == file.len() as u64 && written == file {
                Ok(())
            } else {
                Err(format!(
                    "{length} bytes reported and {} written, of a {}-byte file",
                    written.len(),
                    file.len()
                ))
            }
        }
        Err(AdapterError::Core(Error::Verification {
            kind:
                VerificationError::DigestMismatch {
                    expected, actual, ..
                },
            ..
        })) if expected == digest && actual == sha1_hex(file) => Ok(()),
        other => Err(format!("the download returned {other:?}")),
    }
}

/// A file as `200 OK`, closing the connection after it.
fn file_answer(file: &[u8]) -> Vec<u8> {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        file.len()
    )
    .into_bytes();
    answer.extend_from_slice(file);
    answer
}

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A bill of a few hundred kilobytes, so that it arrives in many pieces.
fn bill() -> Vec<u8> {
    let mut bill = b"trade_time,out_trade_no,amount\n".to_vec();
    for n in 0..8000 {
        bill.extend_from_slice(format!("2024-11-23 10:00:00,ORDER_{n:06},{n}.00\n").as_bytes());
    }
    bill
}
