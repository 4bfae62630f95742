//! Faults a test switches on for the next requests.

use std::time::Duration;

/// A way for the mock platform to misbehave, as the real one or the network sometimes does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Sign the answer, then change a byte of its body.
    TamperedBody,
    /// Sign with a key other than the one `Wechatpay-Serial` names.
    WrongSigningKey,
    /// Send the platform's deliberate wrong signature, `WECHATPAY/SIGNTEST/...`.
    SignatureProbe,
    /// Sign with a timestamp 10 minutes in the past.
    StaleTimestamp,
    /// Sign with a timestamp 10 minutes in the future.
    FutureTimestamp,
    /// Send the answer without any `Wechatpay-*` header.
    MissingSignatureHeaders,
    /// Name a platform key the merchant does not know in `Wechatpay-Serial`.
    UnknownSerial,
    /// `500 SYSTEM_ERROR`, unsigned.
    SystemError,
    /// `500 RATELIMIT_EXCEEDED`.
    RateLimited,
    /// `429 FREQUENCY_LIMITED`, with `Retry-After: 1`.
    TooManyRequests,
    /// Answer normally, after this delay.
    Slow(Duration),
    /// Pad the (signed) answer to this many bytes.
    OversizeBody(usize),
    /// A signed body that is not JSON.
    InvalidJson,
    /// A signed, empty body.
    EmptyBody,
    /// Enum values no client knows yet (`applyment_state`, `sign_state`, `auth_state`).
    UnknownEnumValues,
    /// Fields no client knows yet.
    ExtraFields,
    /// Close the connection without answering.
    DropConnection,
}
