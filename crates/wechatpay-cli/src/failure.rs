//! How the command fails: an exit code, what went wrong, and one line on what to do next.

use std::fmt;

use wechatpay_core::VerificationError;

/// Exit codes, as documented in `--help`.
pub mod code {
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
    /// The platform answered with an error, or with something that could not be decoded.
    pub const API: u8 = 3;
    /// An answer failed signature verification.
    pub const VERIFICATION: u8 = 4;
    /// Transport failure or timeout.
    pub const TRANSPORT: u8 = 5;
    /// Stopped by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// A failure of the command.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub next: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>, next: impl Into<String>) -> Self {
        Failure {
            code: code::USAGE,
            message: message.into(),
            next: next.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\nnext: {}", self.message, self.next)
    }
}

impl From<wechatpay_hyper::Error> for Failure {
    fn from(error: wechatpay_hyper::Error) -> Self {
        use wechatpay_hyper::Error as E;
        match error {
            E::Core(core) => Failure::from(core),
            E::Transport { .. } | E::Timeout { .. } | E::BodyTooLarge { .. } => Failure {
                code: code::TRANSPORT,
                message: error.to_string(),
                next: "check the network path and --base-url, then try again".to_owned(),
            },
            other => Failure {
                code: code::TRANSPORT,
                message: other.to_string(),
                next: "try again; report it if it persists".to_owned(),
            },
        }
    }
}

impl From<wechatpay_core::Error> for Failure {
    fn from(error: wechatpay_core::Error) -> Self {
        use wechatpay_core::Error as E;
        let message = error.to_string();
        match &error {
            E::InvalidInput { field, .. } => Failure {
                code: code::USAGE,
                message,
                next: format!("correct {field} (flag, environment variable or argument) and run again"),
            },
            E::Api(api) => Failure {
                code: code::API,
                message,
                next: api_next_step(api.code.as_deref(), api.is_retryable()),
            },
            E::Verification { kind, .. } => Failure {
                code: code::VERIFICATION,
                message,
                next: verification_next_step(kind),
            },
            E::Decode(_) => Failure {
                code: code::API,
                message,
                next: "the answer verified but is not what the API documents: report it with the Request-ID".to_owned(),
            },
            E::Crypto(_) => Failure {
                code: code::USAGE,
                message,
                next: "pass a field encrypted to this merchant's certificate, and check --private-key".to_owned(),
            },
            _ => Failure {
                code: code::USAGE,
                message,
                next: "check the merchant private key (--private-key)".to_owned(),
            },
        }
    }
}

fn api_next_step(code: Option<&str>, retryable: bool) -> String {
    let next = match code {
        Some("SIGN_ERROR") => {
            "check --mchid, --serial-no and --private-key; compare the server's signed message above with `wechatpay sign`"
        }
        Some("PARAM_ERROR") => "fix the parameter named in the detail and run again",
        Some("INVALID_REQUEST") => {
            "the request broke an APIv3 rule: report it, quoting the Request-ID"
        }
        Some("RESOURCE_NOT_EXISTS") => "check the number you queried; it is unknown to WeChat Pay",
        Some("NO_AUTH") => "ask WeChat Pay to enable this API for the merchant",
        Some("RESOURCE_ALREADY_EXISTS") => {
            "query the existing applyment, or use a new out_request_no"
        }
        _ if retryable => "retry later with the same parameters",
        _ => "quote the Request-ID to WeChat Pay support",
    };
    next.to_owned()
}

fn verification_next_step(kind: &VerificationError) -> String {
    let next = match kind {
        VerificationError::UnknownSerial { .. } => {
            "add that platform key with --public-key-id and --public-key"
        }
        VerificationError::BadSignature { .. } => {
            "check that --public-key is the key of --public-key-id; if it is, the answer was altered on the way"
        }
        VerificationError::ClockSkew { .. } => {
            "synchronise this machine's clock (or widen --max-skew)"
        }
        VerificationError::SignatureProbe => {
            "nothing: this was WeChat Pay's deliberate test signature, rejected as it must be; run again"
        }
        VerificationError::MissingHeader { .. } | VerificationError::MalformedHeader { .. } => {
            "make sure --base-url points at WeChat Pay and nothing in between rewrites answers"
        }
        VerificationError::CertificateNotValid { .. } => {
            "download the current platform certificates, or move to the platform public key"
        }
        _ => "check the platform key configuration (--public-key-id, --public-key)",
    };
    next.to_owned()
}
