//! Key and certificate settings: the PEM itself or a path to it, read with messages that say
//! what a wrong file is and how to convert it, and that never show a private key or its path.

use std::ffi::OsStr;
use std::path::Path;

use crate::config::{
    MERCHANT_CERT, PLATFORM_CERTS, PRIVATE_KEY, PUBLIC_KEY, PUBLIC_KEY_ID, Setting,
};
use crate::failure::Failure;
use crate::shell;

/// Which key setting a value was given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFile {
    PrivateKey,
    PublicKey,
    PlatformCertificate,
    MerchantCertificate,
}

impl KeyFile {
    fn setting(self) -> Setting {
        match self {
            KeyFile::PrivateKey => PRIVATE_KEY,
            KeyFile::PublicKey => PUBLIC_KEY,
            KeyFile::PlatformCertificate => PLATFORM_CERTS,
            KeyFile::MerchantCertificate => MERCHANT_CERT,
        }
    }

    fn wanted(self) -> &'static str {
        match self {
            KeyFile::PrivateKey => {
                "the merchant private key in PEM (apiclient_key.pem, -----BEGIN PRIVATE KEY-----)"
            }
            KeyFile::PublicKey => {
                "the WeChat Pay public key in PEM (pub_key.pem, -----BEGIN PUBLIC KEY-----)"
            }
            KeyFile::PlatformCertificate => {
                "a platform certificate in PEM (-----BEGIN CERTIFICATE-----)"
            }
            KeyFile::MerchantCertificate => {
                "the merchant API certificate in PEM (apiclient_cert.pem, -----BEGIN CERTIFICATE-----)"
            }
        }
    }

    /// The PEM file a conversion writes.
    fn pem_name(self) -> &'static str {
        match self {
            KeyFile::PrivateKey => "apiclient_key.pem",
            KeyFile::PublicKey => "pub_key.pem",
            KeyFile::PlatformCertificate => "platform_cert.pem",
            KeyFile::MerchantCertificate => "apiclient_cert.pem",
        }
    }
}

/// The PEM text of a key setting: the value itself when it holds a `-----BEGIN` line (secret
/// stores hand keys over as contents, sometimes with the `Bag Attributes` lines `openssl
/// pkcs12` writes first), otherwise the contents of the file it names.
pub fn load(value: &OsStr, kind: KeyFile) -> Result<String, Failure> {
    let setting = kind.setting();
    if let Some(text) = value.to_str()
        && text.contains("-----BEGIN")
    {
        check_kind(text, kind, &format!("the PEM given by {setting}"))?;
        return Ok(text.to_owned());
    }
    let path = Path::new(value);
    let name = match kind {
        // A private key's path can say too much (a home folder, a secret mount); it is not shown.
        KeyFile::PrivateKey => format!("the file given by {setting}"),
        _ => format!("{} ({})", shown_path(path), setting.flag),
    };
    let bytes = std::fs::read(path).map_err(|e| {
        Failure::usage(
            format!("cannot read {name}: {e}"),
            format!(
                "point {} at {}, or pass the PEM itself as the value",
                setting.flag,
                kind.wanted()
            ),
        )
    })?;
    // DER and PKCS#12 files are one ASN.1 SEQUENCE: they begin with byte 0x30.
    if bytes.first() == Some(&0x30) {
        return Err(binary(&bytes, kind, &name, path));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::usage(
            format!("{name} is a binary file, neither PEM text nor DER"),
            format!("point {} at {}", setting.flag, kind.wanted()),
        )
    })?;
    check_kind(&text, kind, &name)?;
    Ok(text)
}

/// A certificate where a public key is wanted, or the reverse: the fix is another flag, which
/// the core cannot know about.
fn check_kind(text: &str, kind: KeyFile, name: &str) -> Result<(), Failure> {
    let has = |label: &str| text.contains(&format!("-----BEGIN {label}-----"));
    match kind {
        KeyFile::PublicKey if !has("PUBLIC KEY") && has("CERTIFICATE") => Err(Failure::usage(
            format!("{name} holds a certificate, not the WeChat Pay public key"),
            format!(
                "pass platform certificates with {PLATFORM_CERTS}; {PUBLIC_KEY} takes pub_key.pem \
                 from the merchant portal, with its id in {PUBLIC_KEY_ID}"
            ),
        )),
        KeyFile::PlatformCertificate if !has("CERTIFICATE") && has("PUBLIC KEY") => {
            Err(Failure::usage(
                format!("{name} holds a public key, not a certificate"),
                format!(
                    "pass the WeChat Pay public key with {PUBLIC_KEY} and its id with {PUBLIC_KEY_ID}"
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// What a binary ASN.1 file is, as far as its first elements tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Der {
    Pkcs12,
    PrivateKey,
    EncryptedPrivateKey,
    PublicKey,
    Certificate,
    Unknown,
}

/// An element's tag, and the lengths of its header and contents; `None` when cut short.
fn element(bytes: &[u8]) -> Option<(u8, usize, usize)> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some((tag, 2, usize::from(first)));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return None;
    }
    let length = bytes
        .get(2..2 + count)?
        .iter()
        .fold(0usize, |n, b| (n << 8) | usize::from(*b));
    Some((tag, 2 + count, length))
}

fn classify(bytes: &[u8]) -> Der {
    let Some((0x30, header, _)) = element(bytes) else {
        return Der::Unknown;
    };
    let body = &bytes[header..];
    match body {
        // PFX: version 3.
        [0x02, 0x01, 0x03, ..] => Der::Pkcs12,
        // PKCS#8 (version 0 or 1) or PKCS#1 (version 0).
        [0x02, 0x01, 0x00 | 0x01, ..] => Der::PrivateKey,
        [0x30, ..] => {
            // What follows the first inner SEQUENCE tells them apart: a certificate's
            // signature algorithm, a public key's BIT STRING, an encrypted key's OCTET STRING.
            let Some((_, inner_header, inner_length)) = element(body) else {
                return Der::Unknown;
            };
            match body.get(inner_header.saturating_add(inner_length)) {
                Some(0x30) => Der::Certificate,
                Some(0x03) => Der::PublicKey,
                Some(0x04) => Der::EncryptedPrivateKey,
                _ => Der::Unknown,
            }
        }
        _ => Der::Unknown,
    }
}

fn binary(bytes: &[u8], kind: KeyFile, name: &str, path: &Path) -> Failure {
    // A private key's path is not repeated, not even in a command line.
    let input = match kind {
        KeyFile::PrivateKey => None,
        _ => Some(shell::quote(&path.to_string_lossy())),
    };
    let input = |placeholder: &str| input.clone().unwrap_or_else(|| placeholder.to_owned());
    let out = kind.pem_name();
    let (what, next) = match (classify(bytes), kind) {
        (Der::Pkcs12, KeyFile::PrivateKey) => (
            "a PKCS#12 bundle (.p12, as the merchant portal's certificate tool hands out)".to_owned(),
            "take the key out of it: `openssl pkcs12 -in apiclient_cert.p12 -nocerts -nodes -out apiclient_key.pem` \
             (its password is usually the mchid; OpenSSL 3 may need -legacy), then pass apiclient_key.pem"
                .to_owned(),
        ),
        (Der::Pkcs12, KeyFile::PlatformCertificate) => (
            "a PKCS#12 bundle (.p12)".to_owned(),
            format!(
                "take the certificate out of it: `openssl pkcs12 -in {} -nokeys -out {out}`, then pass {out}",
                input("cert.p12")
            ),
        ),
        (Der::Pkcs12, KeyFile::PublicKey) => (
            "a PKCS#12 bundle (.p12), which holds the merchant's own key and certificate".to_owned(),
            format!(
                "download the WeChat Pay public key (pub_key.pem) from the merchant portal and pass it with {PUBLIC_KEY}"
            ),
        ),
        (Der::PrivateKey, KeyFile::PrivateKey) => (
            "a private key in binary DER".to_owned(),
            format!("convert it: `openssl pkey -inform DER -in key.der -out {out}`, then pass {out}"),
        ),
        (Der::EncryptedPrivateKey, KeyFile::PrivateKey) => (
            "an encrypted private key in binary DER".to_owned(),
            format!(
                "decrypt and convert it: `openssl pkcs8 -inform DER -in key.der -out {out}`, then pass {out}"
            ),
        ),
        (Der::PublicKey, KeyFile::PublicKey) => (
            "a public key in binary DER".to_owned(),
            format!(
                "convert it: `openssl pkey -pubin -inform DER -in {} -out {out}`, then pass {out}",
                input("pub_key.der")
            ),
        ),
        (Der::Certificate, KeyFile::PlatformCertificate) => (
            "a certificate in binary DER".to_owned(),
            format!(
                "convert it: `openssl x509 -inform DER -in {} -out {out}`, then pass {out}",
                input("cert.der")
            ),
        ),
        (Der::Pkcs12, KeyFile::MerchantCertificate) => (
            "a PKCS#12 bundle (.p12, as the merchant portal's certificate tool hands out)".to_owned(),
            format!(
                "take the certificate out of it: `openssl pkcs12 -in {} -clcerts -nokeys -out {out}` \
                 (its password is usually the mchid; OpenSSL 3 may need -legacy), then pass {out}",
                input("apiclient_cert.p12")
            ),
        ),
        (Der::Certificate, KeyFile::MerchantCertificate) => (
            "a certificate in binary DER".to_owned(),
            format!(
                "convert it: `openssl x509 -inform DER -in {} -out {out}`, then pass {out}",
                input("apiclient_cert.der")
            ),
        ),
        (Der::PublicKey, KeyFile::MerchantCertificate) => (
            "a public key in binary DER, not a certificate".to_owned(),
            format!("point {MERCHANT_CERT} at {}", kind.wanted()),
        ),
        (Der::Certificate, KeyFile::PublicKey) => (
            "a certificate in binary DER, not a public key".to_owned(),
            format!(
                "convert it (`openssl x509 -inform DER -in {} -out platform_cert.pem`) and pass it with {PLATFORM_CERTS}",
                input("cert.der")
            ),
        ),
        (Der::PrivateKey | Der::EncryptedPrivateKey, _) => (
            "a private key in binary DER".to_owned(),
            format!("point {} at {}; a private key belongs only in {PRIVATE_KEY}", kind.setting().flag, kind.wanted()),
        ),
        (Der::Certificate | Der::PublicKey, _) => (
            "a certificate or public key in binary DER, not a private key".to_owned(),
            format!("point {PRIVATE_KEY} at {}", kind.wanted()),
        ),
        (Der::Unknown, _) => (
            "binary (DER?), not PEM text".to_owned(),
            format!("point {} at {}", kind.setting().flag, kind.wanted()),
        ),
    };
    Failure::usage(format!("{name} is {what}"), next)
}

/// A path as shown in a message: cut, so that a key pasted where a path was expected does not
/// fill the terminal.
fn shown_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Der, classify};

    #[test]
    fn binary_files_are_told_apart_by_their_first_elements() {
        assert_eq!(
            classify(&[0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x30]),
            Der::Pkcs12
        );
        assert_eq!(
            classify(&[0x30, 0x82, 0x04, 0xbd, 0x02, 0x01, 0x00, 0x30]),
            Der::PrivateKey
        );
        // SPKI: SEQUENCE { SEQUENCE (13 bytes) { ... }, BIT STRING }
        let mut spki = vec![0x30, 0x82, 0x01, 0x22, 0x30, 0x0d];
        spki.extend([0; 13]);
        spki.push(0x03);
        assert_eq!(classify(&spki), Der::PublicKey);
        let mut certificate = vec![0x30, 0x82, 0x03, 0x00, 0x30, 0x81, 0x03];
        certificate.extend([0; 3]);
        certificate.push(0x30);
        assert_eq!(classify(&certificate), Der::Certificate);
        assert_eq!(
            classify(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x84, 0xff]),
            Der::Unknown
        );
        assert_eq!(classify(&[0x30]), Der::Unknown);
    }
}
