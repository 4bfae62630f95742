//! Faults a test switches on for the next requests.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A way for the mock platform to misbehave, as the real one or the network sometimes does.
///
/// Each fault strikes at one stage of the platform's handling, in the order a request meets
/// them: routing (the platform's front answers or hangs up before any endpoint sees the
/// request: [`DropConnection`](Fault::DropConnection), [`Redirect`](Fault::Redirect),
/// [`SystemError`](Fault::SystemError), [`RateLimited`](Fault::RateLimited),
/// [`TooManyRequests`](Fault::TooManyRequests)), authentication (none yet), the endpoint's answer
/// (its `200` body changes, and is then signed as it is: [`InvalidJson`](Fault::InvalidJson),
/// [`EmptyBody`](Fault::EmptyBody), [`OversizeBody`](Fault::OversizeBody),
/// [`UnknownEnumValues`](Fault::UnknownEnumValues), [`ExtraFields`](Fault::ExtraFields)), the
/// signature ([`WrongSigningKey`](Fault::WrongSigningKey),
/// [`SignatureProbe`](Fault::SignatureProbe), [`StaleTimestamp`](Fault::StaleTimestamp),
/// [`FutureTimestamp`](Fault::FutureTimestamp),
/// [`MissingSignatureHeaders`](Fault::MissingSignatureHeaders),
/// [`UnknownSerial`](Fault::UnknownSerial)), and the wire, after signing
/// ([`TamperedBody`](Fault::TamperedBody), [`Slow`](Fault::Slow),
/// [`AlteredFile`](Fault::AlteredFile)).
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
    /// Answer normally, after this delay: at most [`Fault::MAX_DELAY`], which a longer
    /// delay is cut to.
    Slow(Duration),
    /// Pad the (signed) answer to this many bytes: at most [`Fault::MAX_OVERSIZE_BODY`],
    /// which a larger size is cut to.
    OversizeBody(usize),
    /// A signed body that is not JSON.
    InvalidJson,
    /// A signed, empty body.
    EmptyBody,
    /// Enum values no client knows yet, in the enum fields of the endpoint's answer
    /// (`applyment_state` and `sign_state` of an applyment, `auth_state` of a contract).
    UnknownEnumValues,
    /// Fields no client knows yet.
    ExtraFields,
    /// Close the connection without answering.
    DropConnection,
    /// `302 Found` to another path, unsigned, as a misconfigured proxy might answer: a client
    /// must not follow it with the signed request.
    Redirect,
    /// Alter a downloaded file on its way (an unsigned `200`): a gzip'd file gets another
    /// gzip member with a line of its own, still valid gzip; any other file one byte changed.
    /// The file no longer has the digest announced for it.
    AlteredFile,
}

/// The names of the faults without a parameter, as [`Fault`]'s `Display` writes them and its
/// `FromStr` reads them; `slow:MILLISECONDS` and `oversize-body:BYTES` take one.
const NAMED: [(&str, Fault); 17] = [
    ("tampered-body", Fault::TamperedBody),
    ("wrong-signing-key", Fault::WrongSigningKey),
    ("signature-probe", Fault::SignatureProbe),
    ("stale-timestamp", Fault::StaleTimestamp),
    ("future-timestamp", Fault::FutureTimestamp),
    ("missing-signature-headers", Fault::MissingSignatureHeaders),
    ("unknown-serial", Fault::UnknownSerial),
    ("system-error", Fault::SystemError),
    ("rate-limited", Fault::RateLimited),
    ("too-many-requests", Fault::TooManyRequests),
    ("invalid-json", Fault::InvalidJson),
    ("empty-body", Fault::EmptyBody),
    ("unknown-enum-values", Fault::UnknownEnumValues),
    ("extra-fields", Fault::ExtraFields),
    ("drop-connection", Fault::DropConnection),
    ("redirect", Fault::Redirect),
    ("altered-file", Fault::AlteredFile),
];

/// The stages of the platform's handling of a request that a fault can strike at, in the order
/// a request meets them. Authentication, between routing and the answer, has no fault yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The platform's front: a request is received and its endpoint found.
    Routing,
    /// The endpoint answers.
    Answer,
    /// The answer is signed.
    Signature,
    /// The signed answer travels back.
    Wire,
}

impl Fault {
    /// The stage this fault strikes at. Exhaustive on purpose: a new fault must say where it
    /// belongs before it compiles.
    pub(crate) fn stage(&self) -> Stage {
        match self {
            Fault::DropConnection
            | Fault::Redirect
            | Fault::SystemError
            | Fault::RateLimited
            | Fault::TooManyRequests => Stage::Routing,
            Fault::InvalidJson
            | Fault::EmptyBody
            | Fault::OversizeBody(_)
            | Fault::UnknownEnumValues
            | Fault::ExtraFields => Stage::Answer,
            Fault::WrongSigningKey
            | Fault::SignatureProbe
            | Fault::StaleTimestamp
            | Fault::FutureTimestamp
            | Fault::MissingSignatureHeaders
            | Fault::UnknownSerial => Stage::Signature,
            Fault::TamperedBody | Fault::Slow(_) | Fault::AlteredFile => Stage::Wire,
        }
    }

    /// The largest body [`Fault::OversizeBody`] pads to: 64 MiB, far past any client's body
    /// limit worth testing, and small enough that a test server can build it.
    pub const MAX_OVERSIZE_BODY: usize = 64 * 1024 * 1024;

    /// The longest delay [`Fault::Slow`] waits: 10 minutes, past any client timeout worth
    /// testing, so that a typo cannot hold a connection open for ever.
    pub const MAX_DELAY: Duration = Duration::from_secs(600);
}

impl fmt::Display for Fault {
    /// The fault's name: `system-error`, `slow:1500` (milliseconds), `oversize-body:2097152`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Slow(delay) => write!(f, "slow:{}", delay.as_millis()),
            Fault::OversizeBody(bytes) => write!(f, "oversize-body:{bytes}"),
            fault => {
                let name = NAMED
                    .iter()
                    .find(|(_, named)| named == fault)
                    .map_or("unknown", |(name, _)| name);
                f.write_str(name)
            }
        }
    }
}

/// A fault name [`Fault`]'s `FromStr` refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidFault {
    /// Not a fault name, or a parameter that is not a decimal number.
    #[error(
        "unknown fault {0:?}: expected one of {names}, slow:MILLISECONDS or oversize-body:BYTES",
        names = NAMED.map(|(name, _)| name).join(", ")
    )]
    Unknown(String),
    /// A parameter past its bound.
    #[error("fault {text:?}: {parameter} must be at most {max}")]
    OutOfRange {
        /// The fault as given.
        text: String,
        /// The parameter, as the fault's syntax names it (`MILLISECONDS`, `BYTES`).
        parameter: &'static str,
        /// The largest value accepted.
        max: u64,
    },
}

impl FromStr for Fault {
    type Err = InvalidFault;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // Bounded here, where the control route reads them, so that no request can make the
        // mock wait for ever or build a body larger than memory.
        let number = |digits: &str, parameter, max: u64| {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InvalidFault::Unknown(text.to_owned()));
            }
            // Digits only, so a failed parse is an overflow: out of range as well.
            match digits.parse::<u64>() {
                Ok(value) if value <= max => Ok(value),
                _ => Err(InvalidFault::OutOfRange {
                    text: text.to_owned(),
                    parameter,
                    max,
                }),
            }
        };
        match text.split_once(':') {
            Some(("slow", millis)) => {
                let max = u64::try_from(Fault::MAX_DELAY.as_millis()).unwrap_or(u64::MAX);
                number(millis, "MILLISECONDS", max).map(|ms| Fault::Slow(Duration::from_millis(ms)))
            }
            Some(("oversize-body", bytes)) => {
                let max = u64::try_from(Fault::MAX_OVERSIZE_BODY).unwrap_or(u64::MAX);
                number(bytes, "BYTES", max).map(|n| {
                    Fault::OversizeBody(usize::try_from(n).unwrap_or(Fault::MAX_OVERSIZE_BODY))
                })
            }
            Some(_) => Err(InvalidFault::Unknown(text.to_owned())),
            None => NAMED
                .iter()
                .find(|(name, _)| *name == text)
                .map(|(_, fault)| fault.clone())
                .ok_or_else(|| InvalidFault::Unknown(text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_reads_back_its_name() {
        let mut faults: Vec<Fault> = NAMED.iter().map(|(_, fault)| fault.clone()).collect();
        faults.push(Fault::Slow(Duration::from_millis(1500)));
        faults.push(Fault::OversizeBody(2 * 1024 * 1024));
        for fault in faults {
            let name = fault.to_string();
            assert_eq!(name.parse::<Fault>(), Ok(fault), "{name}");
        }
        assert_eq!(Fault::Slow(Duration::from_secs(2)).to_string(), "slow:2000");
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        for text in [
            "",
            "system_error",
            "slow",
            "slow:",
            "slow:1s",
            "oversize-body:-1",
            "oversize-body:+1",
            "tampered-body:1",
        ] {
            let error = text.parse::<Fault>().unwrap_err();
            assert!(error.to_string().contains("drop-connection"), "{error}");
        }
    }
}
