//! Request signing: the five-line message, the signature, the `Authorization` value.
//!
//! Signing is a pure function returning a [`RequestSignature`]; putting it on a request is a
//! separate step ([`crate::Client::sign_request`]), so each stage can be checked on its own.

use std::fmt;

use http::{HeaderValue, Method};
use rand_core::CryptoRng;

use crate::credentials::MerchantCredentials;
use crate::error::Error;
use crate::nonce::Nonce;
use crate::text::Quoted;

/// The `Authorization` scheme of APIv3.
pub const AUTHORIZATION_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// What a request signature covers. `path_and_query` must be exactly the bytes sent on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// Absolute path plus `?query`, already percent-encoded: see [`check_path_and_query`].
    pub path_and_query: &'a str,
    /// Unix seconds.
    pub timestamp: u64,
    /// The request nonce.
    pub nonce: &'a Nonce,
    /// The raw body, empty for `GET`.
    pub body: &'a [u8],
}

impl SigningInput<'_> {
    /// The exact signed message: method, path and query, timestamp, nonce and body, each
    /// followed by `\n` (so a `GET` ends in `\n\n`).
    pub fn message(&self) -> Vec<u8> {
        let timestamp = self.timestamp.to_string();
        let mut message = Vec::with_capacity(
            self.method.as_str().len()
                + self.path_and_query.len()
                + timestamp.len()
                + self.nonce.as_str().len()
                + self.body.len()
                + 5,
        );
        for part in [
            self.method.as_str().as_bytes(),
            self.path_and_query.as_bytes(),
            timestamp.as_bytes(),
            self.nonce.as_str().as_bytes(),
            self.body,
        ] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        message
    }
}

/// A computed request signature and the fields of its `Authorization` header.
///
/// `Debug` redacts the signature.
#[derive(Clone)]
pub struct RequestSignature {
    mchid: String,
    serial_no: String,
    nonce: Nonce,
    timestamp: u64,
    signature: String,
    authorization: String,
    header: HeaderValue,
}

impl RequestSignature {
    /// The base64 signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value:
    /// `WECHATPAY2-SHA256-RSA2048 mchid="...",nonce_str="...",signature="...",timestamp="...",serial_no="..."`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The `Authorization` value as a header value marked sensitive, so that HTTP libraries
    /// leave it out of their logs.
    pub fn header_value(&self) -> &HeaderValue {
        &self.header
    }
}

impl fmt::Debug for RequestSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSignature")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("nonce", &self.nonce)
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .finish()
    }
}

impl MerchantCredentials {
    /// Signs a request: SHA256withRSA over [`SigningInput::message`], with the credentials'
    /// signer. `rng` blinds the private key operation (the signature itself is deterministic).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`path_and_query`) when the path is not in sendable form (see
    /// [`check_path_and_query`]), or (`private_key`) when the credentials sign elsewhere;
    /// [`Error::Signing`] if the key operation fails.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        input: &SigningInput<'_>,
        rng: &mut R,
    ) -> Result<RequestSignature, Error> {
        check_path_and_query(input.path_and_query)?;
        let signature = self.sign_message(&input.message(), rng)?;
        RequestSignature::new(self, input.nonce, input.timestamp, &signature)
    }
}

/// The sizes of the RSA signatures a merchant key makes: 2048 to 4096 bits.
const SIGNATURE_LENGTHS: std::ops::RangeInclusive<usize> = 256..=512;

impl RequestSignature {
    /// The `Authorization` of a request whose message `credentials` signed as `signature`
    /// (raw bytes).
    pub(crate) fn new(
        credentials: &MerchantCredentials,
        nonce: &Nonce,
        timestamp: u64,
        signature: &[u8],
    ) -> Result<Self, Error> {
        check_raw_signature(signature)?;
        let signature = crate::base64::encode(signature);
        let authorization = format!(
            "{AUTHORIZATION_SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
            credentials.mchid(),
            credentials.serial_no(),
        );
        let mut header = HeaderValue::try_from(&authorization).map_err(|_| {
            Error::invalid("authorization", "the header value is not visible ASCII")
        })?;
        header.set_sensitive(true);
        Ok(RequestSignature {
            mchid: credentials.mchid().as_str().to_owned(),
            serial_no: credentials.serial_no().as_str().to_owned(),
            nonce: nonce.clone(),
            timestamp,
            signature,
            authorization,
            header,
        })
    }
}

/// Checks that `signature` is what an RSA key of 2048 to 4096 bits returns: the raw bytes,
/// not their base64 or hex text, which a caller finishing a signature made elsewhere may pass
/// by mistake.
pub(crate) fn check_raw_signature(signature: &[u8]) -> Result<(), Error> {
    // A raw signature is random bytes: one made only of base64 characters (2^-512 for a real
    // one) is the signature's text, passed by mistake.
    let text = signature
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b));
    if !SIGNATURE_LENGTHS.contains(&signature.len()) || text {
        return Err(Error::invalid(
            "signature",
            format!(
                "{} bytes{}; an RSA signature of a 2048- to 4096-bit key is 256 to 512 raw \
                 bytes (pass the signature itself, not its base64 or hex text)",
                signature.len(),
                if text { " of text" } else { "" }
            ),
        ));
    }
    Ok(())
}

/// Checks that a path and query is in the one form every HTTP client sends unchanged, so the
/// signed bytes are the sent bytes.
///
/// It must start with `/`, hold only RFC 3986 unreserved characters, `!$&()*+,;=:@/?` and
/// `%` followed by two hex digits, and no `.` or `..` segment (plain or percent-encoded). The
/// excluded characters are the ones some client re-encodes or rewrites on the way out: the
/// WHATWG URL parser behind `fetch` encodes `'` in queries, turns `\` into `/`, and removes dot
/// segments, `%2e` ones included.
///
/// # Errors
///
/// [`Error::InvalidInput`] (`path_and_query`) naming the first offending character.
pub fn check_path_and_query(path_and_query: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::invalid("path_and_query", reason);
    if !path_and_query.starts_with('/') {
        return Err(invalid(format!(
            "{:?} must start with '/'",
            Quoted::value(path_and_query)
        )));
    }
    let bytes = path_and_query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(invalid(format!(
                    "'%' at byte {i} of {:?} is not followed by two hex digits",
                    Quoted::value(path_and_query)
                )));
            }
            i += 3;
            continue;
        }
        if !(byte.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/?".contains(&byte)) {
            return Err(invalid(format!(
                "byte {i} of {:?} ({:?}) must be percent-encoded",
                Quoted::value(path_and_query),
                char::from(byte)
            )));
        }
        i += 1;
    }
    let path = path_and_query.split('?').next().unwrap_or_default();
    if path.split('/').any(is_dot_segment) {
        return Err(invalid(format!(
            "{:?} has a '.' or '..' segment, which HTTP clients remove before sending",
            Quoted::value(path_and_query)
        )));
    }
    Ok(())
}

fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
    )
}
