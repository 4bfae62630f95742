//! Reading PEM files into the DER the crypto backends take, with messages that say which file
//! was given where another was expected.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

use crate::text::Untrusted;

/// The PKCS#8 DER of a merchant private key given as PKCS#8 or PKCS#1 PEM.
pub(crate) fn private_key_der(pem: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let block = find(pem, &["PRIVATE KEY", "RSA PRIVATE KEY"])?;
    match block.label {
        "PRIVATE KEY" => block.decode().map(Zeroizing::new),
        // Older tooling writes PKCS#1; it is the same key, so convert instead of refusing.
        "RSA PRIVATE KEY" => {
            let der = Zeroizing::new(block.decode()?);
            let key = rsa::PrivateKey::from_pkcs1_der(&der)
                .map_err(|_| "the PEM does not contain a valid PKCS#1 RSA private key".to_owned())?;
            let document = key
                .to_pkcs8_der()
                .map_err(|e| format!("cannot convert the PKCS#1 key to PKCS#8: {e}"))?;
            Ok(Zeroizing::new(document.as_bytes().to_vec()))
        }
        "ENCRYPTED PRIVATE KEY" => Err(
            "the private key is encrypted; decrypt it once with \
             `openssl pkcs8 -in KEY.pem -out apiclient_key.pem` and pass the result"
                .to_owned(),
        ),
        "CERTIFICATE" => Err(
            "this is a certificate (apiclient_cert.pem?), not the merchant private key \
             (apiclient_key.pem, BEGIN PRIVATE KEY)"
                .to_owned(),
        ),
        "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(
            "this is a public key, not the merchant private key (apiclient_key.pem, BEGIN PRIVATE KEY)"
                .to_owned(),
        ),
        "EC PRIVATE KEY" => {
            Err("this is an EC key; WeChat Pay APIv3 merchant keys are RSA 2048".to_owned())
        }
        other => Err(format!(
            "expected BEGIN PRIVATE KEY (apiclient_key.pem), found BEGIN {}",
            Untrusted(other)
        )),
    }
}

/// The SubjectPublicKeyInfo DER of a platform public key given as PEM.
pub(crate) fn public_key_der(pem: &str) -> Result<Vec<u8>, String> {
    let block = find(pem, &["PUBLIC KEY"])?;
    match block.label {
        "PUBLIC KEY" => block.decode(),
        "CERTIFICATE" => Err(
            "this is a certificate; add platform certificates with `add_certificate`".to_owned(),
        ),
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => Err(
            "this is a private key; a platform public key (pub_key.pem) begins with BEGIN PUBLIC KEY"
                .to_owned(),
        ),
        "RSA PUBLIC KEY" => Err(
            "this is a PKCS#1 public key; convert it with `openssl rsa -RSAPublicKey_in -pubout`"
                .to_owned(),
        ),
        other => Err(format!(
            "expected BEGIN PUBLIC KEY, found BEGIN {}",
            Untrusted(other)
        )),
    }
}

/// The DER of a certificate given as PEM.
pub(crate) fn certificate_der(pem: &str) -> Result<Vec<u8>, String> {
    let block = find(pem, &["CERTIFICATE"])?;
    match block.label {
        "CERTIFICATE" => block.decode(),
        "PUBLIC KEY" => {
            Err("this is a public key; add platform public keys with `add_public_key`".to_owned())
        }
        other => Err(format!(
            "expected BEGIN CERTIFICATE, found BEGIN {}",
            Untrusted(other)
        )),
    }
}

/// The DER of every certificate in a PEM text (a file may hold several, as a download from
/// `/v3/certificates` during a rotation does).
pub(crate) fn certificate_ders(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let ders = blocks(pem)
        .filter(|block| block.label == "CERTIFICATE")
        .map(|block| block.decode())
        .collect::<Result<Vec<_>, _>>()?;
    if ders.is_empty() {
        // No certificate: say what the text holds instead.
        certificate_der(pem)?;
    }
    Ok(ders)
}

/// One PEM block in a text: its label and the text from `-----BEGIN` to the end of its
/// `-----END` line.
struct Block<'a> {
    label: &'a str,
    text: &'a str,
}

impl Block<'_> {
    fn decode(&self) -> Result<Vec<u8>, String> {
        der::pem::decode_vec(self.text.as_bytes())
            .map(|(_, der)| der)
            .map_err(|e| format!("the {} PEM block cannot be read: {e}", self.label))
    }
}

/// The first block whose label is one of `wanted`, or else the first block of any kind (for the
/// caller to say what it is). Tools put text around PEM blocks (`openssl pkcs12` writes `Bag
/// Attributes` lines, bundles hold a key and its certificate, editors add a BOM), so blocks are
/// looked for anywhere in the text.
fn find<'a>(text: &'a str, wanted: &[&str]) -> Result<Block<'a>, String> {
    let mut first = None;
    for block in blocks(text) {
        if wanted.contains(&block.label) {
            return Ok(block);
        }
        first.get_or_insert(block);
    }
    first.ok_or_else(|| {
        "not a PEM file: no line like -----BEGIN PRIVATE KEY----- was found".to_owned()
    })
}

fn blocks(text: &str) -> impl Iterator<Item = Block<'_>> {
    const BEGIN: &str = "-----BEGIN ";
    const MAX_LABEL: usize = 64;
    let mut rest = text;
    // A block cannot hold another BEGIN, so each search stops at the next one: a hostile text
    // costs linear time.
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(BEGIN)?;
            let from_begin = &rest[start..];
            let body = &from_begin[BEGIN.len()..];
            let candidate_len = BEGIN.len() + body.find(BEGIN).unwrap_or(body.len());
            let candidate = &from_begin[..candidate_len];
            rest = &from_begin[candidate_len..];
            let label_len = body
                .bytes()
                .take(MAX_LABEL + 1)
                .position(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
            let Some(label_len) = label_len.filter(|&n| n > 0) else {
                continue;
            };
            let label = &body[..label_len];
            if !body[label_len..].starts_with("-----") {
                continue;
            }
            let end_line = format!("-----END {label}-----");
            if let Some(end) = candidate.find(&end_line) {
                return Some(Block {
                    label,
                    text: &candidate[..end + end_line.len()],
                });
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{blocks, find};

    #[test]
    fn blocks_are_found_among_other_text() {
        let text = "Bag Attributes\n    localKeyID: 01 00 00 00\n\
                    -----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n\
                    junk -----BEGIN broken-----\n\
                    -----BEGIN PRIVATE KEY-----\nREVG\n-----END PRIVATE KEY-----\n";
        let labels: Vec<_> = blocks(text).map(|b| b.label).collect();
        assert_eq!(labels, ["CERTIFICATE", "PRIVATE KEY"]);
        assert_eq!(
            find(text, &["PRIVATE KEY"]).unwrap().decode().unwrap(),
            b"DEF"
        );
        assert_eq!(find(text, &["PUBLIC KEY"]).unwrap().label, "CERTIFICATE");
    }

    #[test]
    fn labels_are_1_to_64_capitals_digits_or_spaces() {
        let block = |label: &str| format!("-----BEGIN {label}-----\nQUJD\n-----END {label}-----\n");
        let longest = "A".repeat(64);
        assert_eq!(find(&block(&longest), &["X"]).unwrap().label, longest);
        for label in ["", &"A".repeat(65), "private key", "RSA-KEY"] {
            assert!(find(&block(label), &["X"]).is_err(), "{label:?}");
        }
    }

    #[test]
    fn unterminated_or_mismatched_blocks_are_not_blocks() {
        for text in [
            "",
            "-----BEGIN ",
            "-----BEGIN PRIVATE KEY-----\nREVG\n",
            "-----BEGIN PRIVATE KEY-----\nREVG\n-----END PUBLIC KEY-----\n",
        ] {
            assert!(find(text, &["PRIVATE KEY"]).is_err(), "{text:?}");
        }
    }
}
