//! Response and callback verification: the three-line message over the raw body, checked with
//! the platform key that `Wechatpay-Serial` names.

use http::{HeaderMap, HeaderName};

use crate::error::VerificationError;
use crate::platform_keys::{PlatformKey, PlatformKeys};
use crate::signing::AUTHORIZATION_SCHEME;

/// `Wechatpay-Timestamp`: Unix seconds of the signature.
pub const WECHATPAY_TIMESTAMP: &str = "Wechatpay-Timestamp";
/// `Wechatpay-Nonce`: the signature's nonce.
pub const WECHATPAY_NONCE: &str = "Wechatpay-Nonce";
/// `Wechatpay-Signature`: base64 SHA256withRSA signature.
pub const WECHATPAY_SIGNATURE: &str = "Wechatpay-Signature";
/// `Wechatpay-Serial`: on a response, the platform key that signed it; on a request, the key
/// the platform should sign with and that encrypted any sensitive field.
pub const WECHATPAY_SERIAL: &str = "Wechatpay-Serial";
/// `Wechatpay-Signature-Type`: `WECHATPAY2-SHA256-RSA2048`.
pub const WECHATPAY_SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";
/// `Request-ID`: the platform's id of the exchange, for support.
pub const REQUEST_ID: &str = "Request-ID";

/// The prefix of the platform's deliberate wrong signatures.
pub const SIGNATURE_PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// The default window, in seconds, between a response's timestamp and the local clock.
pub const DEFAULT_MAX_CLOCK_SKEW: u64 = 300;

/// A signature header: the parsed name it is looked up by (parsing a `&str` name on every
/// lookup is measurable on the verification path), and the name errors show.
struct SignatureHeader {
    name: HeaderName,
    display: &'static str,
}

const TIMESTAMP: SignatureHeader = SignatureHeader {
    name: HeaderName::from_static("wechatpay-timestamp"),
    display: WECHATPAY_TIMESTAMP,
};
const NONCE: SignatureHeader = SignatureHeader {
    name: HeaderName::from_static("wechatpay-nonce"),
    display: WECHATPAY_NONCE,
};
const SIGNATURE: SignatureHeader = SignatureHeader {
    name: HeaderName::from_static("wechatpay-signature"),
    display: WECHATPAY_SIGNATURE,
};
const SERIAL: SignatureHeader = SignatureHeader {
    name: HeaderName::from_static("wechatpay-serial"),
    display: WECHATPAY_SERIAL,
};
const SIGNATURE_TYPE: SignatureHeader = SignatureHeader {
    name: HeaderName::from_static("wechatpay-signature-type"),
    display: WECHATPAY_SIGNATURE_TYPE,
};

/// Large enough for the base64 signature of the largest accepted key (4096 bits: 512 bytes).
const MAX_SIGNATURE_LEN: usize = 1024;

/// The signature headers of a response or callback, read but not yet checked.
///
/// Built only by reading headers ([`SignatureHeaders::from_headers`]) or from the four texts
/// ([`SignatureHeaders::new`]): the timestamp the clock window checks is always parsed from
/// the very text the signature covers, so the two cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureHeaders<'a> {
    timestamp: u64,
    timestamp_text: &'a str,
    nonce: &'a str,
    signature: &'a str,
    serial: &'a str,
}

impl<'a> SignatureHeaders<'a> {
    /// Reads the four signature headers, and checks `Wechatpay-Signature-Type` when present.
    ///
    /// # Errors
    ///
    /// [`VerificationError::MissingHeader`] or [`VerificationError::MalformedHeader`]: a header
    /// that is absent, repeated, not text, empty, or (for the timestamp) not decimal seconds.
    pub fn from_headers(headers: &'a HeaderMap) -> Result<Self, VerificationError> {
        let timestamp_text = required(headers, &TIMESTAMP)?;
        let nonce = required(headers, &NONCE)?;
        let signature = required(headers, &SIGNATURE)?;
        let serial = required(headers, &SERIAL)?;
        if let Some(kind) = optional(headers, &SIGNATURE_TYPE)?
            && kind != AUTHORIZATION_SCHEME
        {
            return Err(malformed(
                WECHATPAY_SIGNATURE_TYPE,
                format!("{kind:?} is not {AUTHORIZATION_SCHEME}"),
            ));
        }
        Self::new(timestamp_text, nonce, signature, serial)
    }

    /// The signature headers from their texts, for frameworks that hand headers over in
    /// another form: `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`,
    /// `Wechatpay-Serial`, as received.
    ///
    /// # Errors
    ///
    /// [`VerificationError::MalformedHeader`] for an empty value, or a timestamp that is not
    /// 1 to 19 decimal digits.
    pub fn new(
        timestamp: &'a str,
        nonce: &'a str,
        signature: &'a str,
        serial: &'a str,
    ) -> Result<Self, VerificationError> {
        for (name, value) in [
            (WECHATPAY_NONCE, nonce),
            (WECHATPAY_SIGNATURE, signature),
            (WECHATPAY_SERIAL, serial),
        ] {
            if value.is_empty() {
                return Err(malformed(name, "empty".to_owned()));
            }
        }
        Ok(SignatureHeaders {
            timestamp: parse_timestamp(timestamp)?,
            timestamp_text: timestamp,
            nonce,
            signature,
            serial,
        })
    }

    /// `Wechatpay-Timestamp`, parsed.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// `Wechatpay-Timestamp` as received: the signature covers this text.
    pub fn timestamp_text(&self) -> &'a str {
        self.timestamp_text
    }

    /// `Wechatpay-Nonce`.
    pub fn nonce(&self) -> &'a str {
        self.nonce
    }

    /// `Wechatpay-Signature`, base64 (or the `WECHATPAY/SIGNTEST/` probe).
    pub fn signature(&self) -> &'a str {
        self.signature
    }

    /// `Wechatpay-Serial`: the platform key that signed.
    pub fn serial(&self) -> &'a str {
        self.serial
    }

    /// Whether any signature header is present: tells an unsigned error response from a
    /// signed one whose signature must then be checked.
    pub fn any_present(headers: &HeaderMap) -> bool {
        [TIMESTAMP, NONCE, SIGNATURE, SERIAL]
            .iter()
            .any(|header| headers.contains_key(&header.name))
    }

    /// The exact signed message: timestamp, nonce and body, each followed by `\n`.
    pub fn message(&self, body: &[u8]) -> Vec<u8> {
        let mut message =
            Vec::with_capacity(self.timestamp_text.len() + self.nonce.len() + body.len() + 3);
        for part in [self.timestamp_text.as_bytes(), self.nonce.as_bytes(), body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        message
    }
}

impl PlatformKeys {
    /// Verifies the signature of a response or a callback over its raw body.
    ///
    /// Checks, in order: the headers are present and well formed; the signature is not the
    /// platform's `WECHATPAY/SIGNTEST/` probe; `Wechatpay-Serial` names a configured key (a
    /// certificate valid at `now`); the signature matches; the timestamp is within `max_skew`
    /// seconds of `now`. A stale but authentic response is thus reported as clock skew, and a
    /// forged one as a bad signature.
    ///
    /// # Errors
    ///
    /// The [`VerificationError`] of the first check that fails.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: u64,
        max_skew: u64,
    ) -> Result<&PlatformKey, VerificationError> {
        let signed = SignatureHeaders::from_headers(headers)?;
        self.verify_signature(&signed, body, now, max_skew)
    }

    /// As [`PlatformKeys::verify`], for headers already read.
    ///
    /// # Errors
    ///
    /// As [`PlatformKeys::verify`].
    pub fn verify_signature(
        &self,
        signed: &SignatureHeaders<'_>,
        body: &[u8],
        now: u64,
        max_skew: u64,
    ) -> Result<&PlatformKey, VerificationError> {
        let check = self.signature_check(signed, body, now)?;
        let valid = check.verify();
        check.conclude(valid, max_skew)
    }

    /// The first step of verifying with other crypto than the core's (the runtime's own, a
    /// hardware module): every check that needs no public key operation, and the exact
    /// message, signature and key to verify. Run RSASSA-PKCS1-v1_5 with SHA-256 over
    /// [`SignatureCheck::message`] and hand the verdict to [`SignatureCheck::conclude`].
    ///
    /// ```
    /// # use wechatpay_core::{PlatformKeys, SignatureHeaders};
    /// # fn verify_elsewhere(spki_der: &[u8], message: &[u8], signature: &[u8]) -> bool { true }
    /// # fn run(keys: &PlatformKeys, signed: &SignatureHeaders<'_>, body: &[u8], now: u64) -> Result<(), wechatpay_core::VerificationError> {
    /// let check = keys.signature_check(signed, body, now)?;
    /// let valid = verify_elsewhere(check.key().spki_der(), &check.message(), check.signature());
    /// let key = check.conclude(valid, 300)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`VerificationError::SignatureProbe`], [`VerificationError::UnknownSerial`],
    /// [`VerificationError::CertificateNotValid`], or a malformed `Wechatpay-Signature`.
    pub fn signature_check<'k, 'm>(
        &'k self,
        signed: &SignatureHeaders<'m>,
        body: &'m [u8],
        now: u64,
    ) -> Result<SignatureCheck<'k, 'm>, VerificationError> {
        if signed.signature.starts_with(SIGNATURE_PROBE_PREFIX) {
            return Err(VerificationError::SignatureProbe);
        }
        let key = self.key_for(signed.serial, now)?;
        let mut buffer = [0u8; MAX_SIGNATURE_LEN];
        let len = crate::base64::decode_into(signed.signature, &mut buffer)
            .ok_or_else(|| {
                malformed(
                    WECHATPAY_SIGNATURE,
                    "not valid base64, or longer than any accepted key signs".to_owned(),
                )
            })?
            .len();
        Ok(SignatureCheck {
            key,
            signed: *signed,
            body,
            now,
            signature: SignatureBytes { bytes: buffer, len },
        })
    }
}

/// A signature whose public key operation is still to be made: what to verify, and the
/// checks that follow the verdict. Made by [`PlatformKeys::signature_check`]; `'k` is the
/// lifetime of the platform keys, `'m` that of the message's headers and body.
#[derive(Debug, Clone)]
pub struct SignatureCheck<'k, 'm> {
    key: &'k PlatformKey,
    signed: SignatureHeaders<'m>,
    body: &'m [u8],
    now: u64,
    signature: SignatureBytes,
}

/// A decoded signature, on the stack: the verification path allocates nothing.
#[derive(Clone)]
struct SignatureBytes {
    bytes: [u8; MAX_SIGNATURE_LEN],
    len: usize,
}

impl std::fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.len)
    }
}

impl<'k, 'm> SignatureCheck<'k, 'm> {
    /// The platform key the signature names; [`PlatformKey::spki_der`] is its public key.
    pub fn key(&self) -> &'k PlatformKey {
        self.key
    }

    /// The exact signed message: timestamp, nonce and body, each followed by `\n`.
    pub fn message(&self) -> Vec<u8> {
        self.signed.message(self.body)
    }

    /// The raw signature (decoded from base64).
    pub fn signature(&self) -> &[u8] {
        self.signature
            .bytes
            .get(..self.signature.len)
            .unwrap_or_default()
    }

    /// The signature headers.
    pub fn headers(&self) -> &SignatureHeaders<'m> {
        &self.signed
    }

    /// Verifies with the core's own crypto (the backend the key was parsed for): the verdict
    /// to give [`SignatureCheck::conclude`] when no other crypto does the work.
    pub fn verify(&self) -> bool {
        let parts: [&[u8]; 6] = [
            self.signed.timestamp_text.as_bytes(),
            b"\n",
            self.signed.nonce.as_bytes(),
            b"\n",
            self.body,
            b"\n",
        ];
        self.key
            .public_key()
            .verify_sha256(&parts, self.signature())
    }

    /// The second step: `valid` is whether the signature verified under [`SignatureCheck::key`]
    /// over [`SignatureCheck::message`]. Then the clock: the timestamp must be within
    /// `max_skew` seconds of the time the check was made for.
    ///
    /// # Errors
    ///
    /// [`VerificationError::BadSignature`] when `valid` is false;
    /// [`VerificationError::ClockSkew`].
    pub fn conclude(
        self,
        valid: bool,
        max_skew: u64,
    ) -> Result<&'k PlatformKey, VerificationError> {
        if !valid {
            return Err(VerificationError::BadSignature {
                serial: self.key.serial().to_owned(),
            });
        }
        if self.signed.timestamp.abs_diff(self.now) > max_skew {
            return Err(VerificationError::ClockSkew {
                timestamp: self.signed.timestamp,
                now: self.now,
                max_skew,
            });
        }
        Ok(self.key)
    }
}

fn required<'a>(
    headers: &'a HeaderMap,
    header: &SignatureHeader,
) -> Result<&'a str, VerificationError> {
    optional(headers, header)?.ok_or(VerificationError::MissingHeader {
        name: header.display,
    })
}

fn optional<'a>(
    headers: &'a HeaderMap,
    header: &SignatureHeader,
) -> Result<Option<&'a str>, VerificationError> {
    let name = header.display;
    let mut values = headers.get_all(&header.name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        // Two values leave it open which one a verifier and a reader would each take.
        return Err(malformed(name, "the header is repeated".to_owned()));
    }
    let text = value
        .to_str()
        .map_err(|_| malformed(name, "not visible ASCII".to_owned()))?;
    if text.is_empty() {
        return Err(malformed(name, "empty".to_owned()));
    }
    Ok(Some(text))
}

fn parse_timestamp(text: &str) -> Result<u64, VerificationError> {
    // `u64::from_str` alone would take a leading `+`; 19 digits hold every u64 of that width.
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            WECHATPAY_TIMESTAMP,
            format!("{text:?} is not decimal Unix seconds"),
        ));
    }
    text.parse()
        .map_err(|_| malformed(WECHATPAY_TIMESTAMP, format!("{text:?} is out of range")))
}

fn malformed(name: &'static str, reason: String) -> VerificationError {
    VerificationError::MalformedHeader { name, reason }
}
