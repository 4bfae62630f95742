//! The error type of the core: categories a caller can match on.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::text::{Quoted, Untrusted};

/// Everything that can go wrong in the core.
///
/// Each variant is a category a caller can act on: fix the input or the configuration
/// ([`Error::InvalidInput`]), distrust a response ([`Error::Verification`]), report an API
/// refusal with its `Request-ID` ([`Error::Api`]), or look at a body the core could not read
/// ([`Error::Decode`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter, credential or key was rejected before anything was signed or sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which parameter, in the protocol's own words (`mchid`, `out_request_no`, ...).
        field: Cow<'static, str>,
        /// Why it was rejected, and what to do instead.
        reason: String,
    },
    /// The merchant key failed to sign a request.
    #[error("signing failed: {0}")]
    Signing(CryptoError),
    /// A response or callback failed verification: its body must not be trusted.
    #[error("{kind}{}", RequestIdSuffix(request_id.as_deref()))]
    Verification {
        /// What was wrong.
        kind: VerificationError,
        /// The `Request-ID` of the response, when it had one.
        request_id: Option<String>,
    },
    /// The platform answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A verified body could not be decoded into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// Encrypting or decrypting a sensitive field failed.
    #[error("{0}")]
    Crypto(CryptoError),
    /// Writing a download to the sink it was given failed.
    #[error("writing the download failed: {0}")]
    Io(#[source] std::io::Error),
    /// The certificate download (`GET /v3/certificates`) was refused as the platform refuses
    /// merchants in public key mode: `404 RESOURCE_NOT_EXISTS`, or a `500 SYSTEM_ERROR` that
    /// retries did not clear. Such a merchant verifies with the WeChat Pay public key, not
    /// with certificates.
    #[error("{}{}", PublicKeyModeMessage(*status), RequestIdSuffix(request_id.as_deref()))]
    PublicKeyMode {
        /// `404`, or `500`.
        status: StatusCode,
        /// The `Request-ID` of the answer.
        request_id: Option<String>,
    },
}

impl Error {
    pub(crate) fn invalid(field: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(error: std::io::Error) -> Self {
        Error::Io(error)
    }

    /// The `Request-ID` of the response this error came from, the first thing WeChat Pay
    /// support asks for. `None` for errors raised before a response existed.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Verification { request_id, .. } => request_id.as_deref(),
            Error::Api(api) => api.request_id.as_deref(),
            Error::Decode(decode) => decode.request_id.as_deref(),
            Error::PublicKeyMode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: `SYSTEM_ERROR`,
    /// `RATELIMIT_EXCEEDED`, `429`, and gateway failures (`502`, `503`, `504`).
    /// Verification failures and every other client error are final.
    pub fn is_retryable(&self) -> bool {
        crate::retry::Retry::of(crate::retry::Outcome::Error(self)) != crate::retry::Retry::Never
    }

    /// The verification failure, if this is one.
    pub fn verification(&self) -> Option<&VerificationError> {
        match self {
            Error::Verification { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }
}

struct RequestIdSuffix<'a>(Option<&'a str>);

struct PublicKeyModeMessage(StatusCode);

impl fmt::Display for PublicKeyModeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FIX: &str = "configure the WeChat Pay public key id (PUB_KEY_ID_...) and its \
                           public key (pub_key.pem, from the merchant portal) instead of platform \
                           certificates";
        if self.0 == StatusCode::NOT_FOUND {
            write!(
                f,
                "this merchant uses the WeChat Pay public key, not platform certificates \
                 (GET /v3/certificates answered 404 RESOURCE_NOT_EXISTS): {FIX}"
            )
        } else {
            write!(
                f,
                "GET /v3/certificates kept failing with {} SYSTEM_ERROR, as it does for merchants \
                 that use the WeChat Pay public key: if this one does, {FIX}",
                self.0.as_u16()
            )
        }
    }
}

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (Request-ID {id})"),
            None => Ok(()),
        }
    }
}

/// Why a response or callback failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// A required `Wechatpay-*` header is absent.
    #[error("response is not signed: header {name} is missing")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A `Wechatpay-*` header is present but unusable.
    #[error("header {name} is malformed: {reason}")]
    MalformedHeader {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `Wechatpay-Serial` names a key that is not among the configured platform keys.
    #[error(
        "response is signed with platform key {serial:?}, which is not configured (known: {}); \
         download it from the merchant portal (public key) or /v3/certificates (certificate)",
        known.join(", ")
    )]
    UnknownSerial {
        /// The serial the response named.
        serial: String,
        /// The serials that are configured.
        known: Vec<String>,
    },
    /// The platform's deliberate wrong signature (`WECHATPAY/SIGNTEST/...`), sent now and
    /// then to check that merchants verify. Rejecting it is the correct behaviour; it is not
    /// an attack and not a misconfiguration.
    #[error("signature probe (WECHATPAY/SIGNTEST/) rejected, as it must be")]
    SignatureProbe,
    /// The signature does not match the message under the named key.
    #[error(
        "signature does not match under platform key {serial:?}: the body was altered or signed by another key"
    )]
    BadSignature {
        /// The platform key that was tried.
        serial: String,
    },
    /// `Wechatpay-Timestamp` is too far from the local clock.
    #[error(
        "timestamp {timestamp} is {}s from the local clock {now} (allowed {max_skew}s): \
         a replay, or a local clock that needs synchronising",
        timestamp.abs_diff(*now)
    )]
    ClockSkew {
        /// The response's timestamp, in Unix seconds.
        timestamp: u64,
        /// The local time given to the verifier, in Unix seconds.
        now: u64,
        /// The configured window, in seconds.
        max_skew: u64,
    },
    /// The platform certificate that signed the response is outside its validity period.
    #[error(
        "platform certificate {serial} is valid from {not_before} to {not_after} (Unix seconds), \
         not at {at}: download the current certificates"
    )]
    CertificateNotValid {
        /// The certificate's serial.
        serial: String,
        /// Start of validity, Unix seconds.
        not_before: u64,
        /// End of validity, Unix seconds.
        not_after: u64,
        /// The time the check was made for.
        at: u64,
    },
    /// A download's bytes do not have the digest its signed announcement gave: the file was
    /// altered, cut short, or is another file. Nothing of it may be trusted.
    #[error(
        "the downloaded file's {algorithm} digest is {actual}, not {expected} as the signed answer announced: \
         the file was altered or cut short"
    )]
    DigestMismatch {
        /// The algorithm (`SHA1`).
        algorithm: &'static str,
        /// The announced digest, lower-case hex.
        expected: String,
        /// The digest of the bytes received, lower-case hex.
        actual: String,
    },
    /// A download could not be decoded as announced (`tar_type=GZIP` and the bytes are not a
    /// whole gzip stream, or its checksum fails). Nothing of it may be trusted.
    #[error("the downloaded file is not a whole {format} stream: {reason}")]
    UndecodableFile {
        /// The format expected (`gzip`).
        format: &'static str,
        /// What the decoder found.
        reason: String,
    },
    /// An encrypted bill file's AES-256-GCM tag does not match what it decrypted to. Nothing of
    /// it may be trusted.
    #[error(
        "the downloaded file's AES-256-GCM tag does not match: the file was altered or cut short, \
         or was not encrypted under this encrypt_key and nonce"
    )]
    FileTagMismatch,
}

/// Whether an error response was authenticated by a platform signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authentication {
    /// The signature verified under this platform key.
    Verified {
        /// The platform key's serial.
        serial: String,
    },
    /// The response carried no signature (common for `5xx` and for proxies' error pages).
    Unsigned,
    /// A signature was present and did not verify.
    Failed(VerificationError),
}

/// An error answer from the platform: `{"code": ..., "message": ..., "detail": {...}}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The platform's error code (`PARAM_ERROR`, `SIGN_ERROR`, ...), when the body had one.
    pub code: Option<String>,
    /// The platform's message, when the body had one.
    pub message: Option<String>,
    /// The free-form `detail` object, as received.
    pub detail: Option<serde_json::Value>,
    /// The `Request-ID` header.
    pub request_id: Option<String>,
    /// A `Retry-After` header, when present and in seconds.
    pub retry_after: Option<Duration>,
    /// Whether the answer was signed by the platform.
    pub authentication: Authentication,
    /// The raw body.
    pub body: Vec<u8>,
}

impl ApiError {
    /// Whether the same request may succeed later. See [`Error::is_retryable`].
    pub fn is_retryable(&self) -> bool {
        crate::retry::Retry::of_api_error(self) != crate::retry::Retry::Never
    }

    /// Whether this is a rate limit (`429` or `RATELIMIT_EXCEEDED`/`FREQUENCY_LIMITED`).
    pub fn is_rate_limited(&self) -> bool {
        self.status == StatusCode::TOO_MANY_REQUESTS
            || matches!(
                self.code.as_deref(),
                Some("RATELIMIT_EXCEEDED" | "FREQUENCY_LIMITED")
            )
    }

    /// The server's view of the signed message on a `SIGN_ERROR`
    /// (`detail.sign_information`, wherever it is nested): compare it with the message that
    /// was signed locally to find the difference.
    pub fn sign_information(&self) -> Option<&serde_json::Value> {
        fn find(value: &serde_json::Value, depth: u8) -> Option<&serde_json::Value> {
            let object = value.as_object()?;
            if let Some(info) = object.get("sign_information") {
                return Some(info);
            }
            if depth == 0 {
                return None;
            }
            object.values().find_map(|v| find(v, depth - 1))
        }
        find(self.detail.as_ref()?, 3)
    }
}

impl fmt::Display for ApiError {
    // Everything but the status comes from a body or header that may be unsigned (any proxy
    // can answer), so it is shown through `Untrusted`: no control character reaches a terminal
    // or a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, " {}", Untrusted(code))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", Untrusted(message))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (Request-ID {})", Untrusted(id))?;
        }
        match &self.authentication {
            Authentication::Verified { .. } => {}
            Authentication::Unsigned => f.write_str(" [unsigned]")?,
            Authentication::Failed(why) => write!(f, " [signature invalid: {why}]")?,
        }
        // serde_json escapes C0 controls in strings, but not DEL or the C1 controls.
        if let Some(info) = self.sign_information() {
            // The single most useful line when a signature is rejected.
            write!(
                f,
                "; server's view of the signed message: {}",
                Untrusted(&info.to_string())
            )?;
        } else if let Some(detail) = &self.detail {
            write!(f, "; detail: {}", Untrusted(&detail.to_string()))?;
        } else if self.code.is_none() && !self.body.is_empty() {
            write!(f, "; body: {}", Quoted::body(&self.body))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A verified body that could not be decoded. The raw body is kept for whoever asks for it;
/// `Display` and `Debug` show a shortened excerpt with secret fields (`access_token`) redacted.
#[derive(Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// What was being decoded (a type name).
    pub target: &'static str,
    /// The decoder's message (line, column, what was expected).
    pub reason: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// The `Request-ID` of the response.
    pub request_id: Option<String>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode {}: {}; body ({} bytes): {}",
            self.target,
            self.reason,
            self.body.len(),
            Quoted::body(&redact_secrets(&self.body))
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (Request-ID {})", Untrusted(id))?;
        }
        Ok(())
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("target", &self.target)
            .field("reason", &self.reason)
            .field(
                "body",
                &format_args!("{}", Quoted::body(&redact_secrets(&self.body))),
            )
            .field("request_id", &self.request_id)
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// JSON fields whose values are secrets even inside a verified body.
const SECRET_FIELDS: &[&str] = &["access_token"];

/// The body with the values of [`SECRET_FIELDS`] replaced, so that a message about a body
/// that failed to decode cannot carry a token into a log.
///
/// Redaction works on the parsed JSON, where `"access\u005ftoken"` and `"access_token"` are
/// the same key, as they are to serde. A body that is not JSON is shown only when it cannot
/// name a secret field in any spelling: JSON can only spell a key differently with a `\`.
fn redact_secrets(body: &[u8]) -> Cow<'_, [u8]> {
    /// Whether anything was redacted. Every value is visited: no short circuit.
    fn redact(value: &mut serde_json::Value) -> bool {
        let mut found = false;
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if SECRET_FIELDS.contains(&key.as_str()) {
                        *value = serde_json::Value::String("<redacted>".to_owned());
                        found = true;
                    } else {
                        found |= redact(value);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    found |= redact(item);
                }
            }
            _ => {}
        }
        found
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        // Shown as received when it holds no secret, so that the decoder's line and column
        // point into what is shown.
        Ok(mut json) => {
            if redact(&mut json) {
                Cow::Owned(json.to_string().into_bytes())
            } else {
                Cow::Borrowed(body)
            }
        }
        Err(_) => {
            let may_name_secret = body.contains(&b'\\')
                || SECRET_FIELDS
                    .iter()
                    .any(|name| body.windows(name.len()).any(|w| w == name.as_bytes()));
            if may_name_secret {
                Cow::Borrowed(b"<not shown: a body that is not JSON and may name a secret field>")
            } else {
                Cow::Borrowed(body)
            }
        }
    }
}

/// A cryptographic failure. Errors of the underlying crates are never exposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A sensitive field is longer than RSA-OAEP can encrypt with this key.
    #[error("plaintext is {len} bytes; RSA-OAEP with this key takes at most {max}")]
    PlaintextTooLong {
        /// The plaintext's length in bytes.
        len: usize,
        /// The limit for the key (214 for a 2048-bit key).
        max: usize,
    },
    /// A ciphertext is not valid base64.
    #[error("ciphertext is not valid base64")]
    InvalidBase64,
    /// Decryption failed: wrong key, or an altered ciphertext (or associated data).
    #[error("decryption failed: the ciphertext was not encrypted to this key, or was altered")]
    DecryptionFailed,
    /// A callback resource names an algorithm other than `AEAD_AES_256_GCM`.
    #[error("callback resource algorithm {algorithm:?} is not AEAD_AES_256_GCM")]
    UnsupportedAlgorithm {
        /// The algorithm named.
        algorithm: String,
    },
    /// A callback resource's nonce is not 12 bytes.
    #[error("callback resource nonce is {len} bytes; AES-256-GCM takes 12")]
    InvalidNonce {
        /// Its length.
        len: usize,
    },
    /// A decrypted sensitive field is not UTF-8.
    #[error("decrypted field is not UTF-8")]
    NotUtf8,
    /// The RSA operation itself failed.
    #[error("RSA operation failed: {0}")]
    Rsa(String),
    /// The AES operation itself failed (crypto outside the core, such as a runtime's
    /// WebCrypto, refused to run it), as opposed to a ciphertext that does not open:
    /// [`CryptoError::DecryptionFailed`].
    #[error("AES operation failed: {0}")]
    Aes(String),
}
