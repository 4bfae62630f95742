//! `wechatpay certificates [--save DIR]`: the platform certificates (certificate mode),
//! downloaded, verified (the first download with the certificate it carries) and decrypted
//! with the APIv3 key; listed with their validity, and with `--save` written as
//! `DIR/<serial>.pem` for `--platform-cert`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use wechatpay_core::{PlatformCertificate, Untrusted};

use crate::config::{ApiV3, Connection, Format, Merchant, Missing, Output};
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write each certificate to DIR/SERIAL.pem (DIR is created when missing; a file of the
    /// same serial is replaced: a serial names one certificate).
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    #[command(flatten)]
    merchant: Merchant,
    #[command(flatten)]
    key: ApiV3,
    #[command(flatten)]
    connection: Connection,
    #[command(flatten)]
    format: Format,
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let mut missing = Missing::default();
    args.merchant.missing(&mut missing);
    args.key.missing(&mut missing);
    missing.into_result()?;
    let credentials = args.merchant.credentials()?;
    let key = args.key.key()?;
    let (_, certificates) = args.connection.with_certificates(credentials, &key).await?;
    let saved = match &args.save {
        Some(folder) => certificates
            .iter()
            .map(|certificate| save(folder, certificate).map(Some))
            .collect::<Result<Vec<_>, _>>()?,
        None => vec![None; certificates.len()],
    };
    match args.output() {
        Output::Json => {
            let listed: Vec<_> = certificates
                .iter()
                .zip(&saved)
                .map(|(certificate, path)| {
                    json!({
                        "serial_no": certificate.serial(),
                        "effective_time": certificate.effective_time(),
                        "expire_time": certificate.expire_time(),
                        "not_before": certificate.not_before(),
                        "not_after": certificate.not_after(),
                        "saved": path.as_ref().map(|p| p.display().to_string()),
                    })
                })
                .collect();
            super::emit(&serde_json::Value::Array(listed).to_string());
        }
        Output::Text => {
            for (certificate, path) in certificates.iter().zip(&saved) {
                let mut line = format!(
                    "{}  valid from {} to {}",
                    certificate.serial(),
                    Untrusted(certificate.effective_time()),
                    Untrusted(certificate.expire_time())
                );
                if let Some(path) = path {
                    line.push_str(&format!("  saved to {}", path.display()));
                }
                super::emit(&line);
            }
        }
    }
    Ok(())
}

/// Writes `certificate` to `folder/<serial>.pem`, whole or not at all: through a temporary
/// file in the same folder, renamed into place.
fn save(folder: &Path, certificate: &PlatformCertificate) -> Result<PathBuf, Failure> {
    let cannot = |e: std::io::Error| {
        Failure::usage(
            format!("cannot write into {} (--save): {e}", folder.display()),
            "point --save at a folder this user can write to",
        )
    };
    // The serial is read from the certificate itself as hex digits; checked all the same, so
    // that it can only ever be a file name in the folder, never a path.
    let serial = certificate.serial();
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::new(
            crate::failure::Kind::Decode,
            format!(
                "a certificate's serial is not hex digits: {:?}",
                Untrusted(serial)
            ),
            "report it with the Request-ID",
        ));
    }
    std::fs::create_dir_all(folder).map_err(cannot)?;
    let path = folder.join(format!("{serial}.pem"));
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(cannot)?;
    file.write_all(certificate.pem().as_bytes())
        .map_err(cannot)?;
    file.persist(&path).map_err(|e| cannot(e.error))?;
    Ok(path)
}
