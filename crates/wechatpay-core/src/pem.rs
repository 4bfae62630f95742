//! Reading PEM files into the DER the crypto backends take, with messages that say which file
//! was given where another was expected.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

/// The PKCS#8 DER of a merchant private key given as PKCS#8 or PKCS#1 PEM.
pub(crate) fn private_key_der(pem: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let (label, der) = decode(pem)?;
    let der = Zeroizing::new(der);
    match label.as_str() {
        "PRIVATE KEY" => Ok(der),
        // Older tooling writes PKCS#1; it is the same key, so convert instead of refusing.
        "RSA PRIVATE KEY" => {
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
            "expected BEGIN PRIVATE KEY (apiclient_key.pem), found BEGIN {other}"
        )),
    }
}

/// The SubjectPublicKeyInfo DER of a platform public key given as PEM.
pub(crate) fn public_key_der(pem: &str) -> Result<Vec<u8>, String> {
    let (label, der) = decode(pem)?;
    match label.as_str() {
        "PUBLIC KEY" => Ok(der),
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
        other => Err(format!("expected BEGIN PUBLIC KEY, found BEGIN {other}")),
    }
}

/// The DER of a certificate given as PEM.
pub(crate) fn certificate_der(pem: &str) -> Result<Vec<u8>, String> {
    let (label, der) = decode(pem)?;
    match label.as_str() {
        "CERTIFICATE" => Ok(der),
        "PUBLIC KEY" => {
            Err("this is a public key; add platform public keys with `add_public_key`".to_owned())
        }
        other => Err(format!("expected BEGIN CERTIFICATE, found BEGIN {other}")),
    }
}

fn decode(pem: &str) -> Result<(String, Vec<u8>), String> {
    // Files saved by editors often carry a BOM or surrounding blank lines.
    let pem = pem.trim_start_matches('\u{feff}').trim();
    if !pem.starts_with("-----BEGIN ") {
        return Err("not a PEM file: expected a line like -----BEGIN PRIVATE KEY-----".to_owned());
    }
    let (label, der) =
        der::pem::decode_vec(pem.as_bytes()).map_err(|e| format!("the PEM cannot be read: {e}"))?;
    Ok((label.to_owned(), der))
}
