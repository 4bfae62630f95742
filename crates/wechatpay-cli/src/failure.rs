//! How the command fails: an exit code, what went wrong, and one line on what to do next;
//! as text, or as one JSON object for scripts.

use std::fmt;

use wechatpay_core::{ApiError, Authentication, Untrusted, VerificationError};

use crate::config::{Output, PUBLIC_KEY, PUBLIC_KEY_ID};

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

/// What kind of failure, as `--output json` names it; each has its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Usage,
    Api,
    Decode,
    Verification,
    Transport,
    Interrupted,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Usage => "usage",
            Kind::Api => "api",
            Kind::Decode => "decode",
            Kind::Verification => "verification",
            Kind::Transport => "transport",
            Kind::Interrupted => "interrupted",
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Usage => code::USAGE,
            Kind::Api | Kind::Decode => code::API,
            Kind::Verification => code::VERIFICATION,
            Kind::Transport => code::TRANSPORT,
            Kind::Interrupted => code::INTERRUPTED,
        }
    }
}

/// A failure of the command.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub next: String,
    /// The platform's error code (`PARAM_ERROR`, ...), for API errors.
    pub api_code: Option<String>,
    pub request_id: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>, next: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            next: next.into(),
            api_code: None,
            request_id: None,
        }
    }

    pub fn usage(message: impl Into<String>, next: impl Into<String>) -> Self {
        Failure::new(Kind::Usage, message, next)
    }

    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }

    /// The failure as printed on stderr: two lines of text, or one JSON object.
    pub fn render(&self, output: Output) -> String {
        match output {
            Output::Text => self.to_string(),
            Output::Json => serde_json::json!({
                "error": {
                    "kind": self.kind.as_str(),
                    "code": self.api_code,
                    "message": self.message,
                    "request_id": self.request_id,
                    "next": self.next,
                }
            })
            .to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\nnext: {}", self.message, self.next)
    }
}

/// An error's text, with every control character escaped: core and adapter messages quote
/// bodies, headers and transport errors that nobody signed. Escaping twice changes nothing,
/// so text the core already escaped passes unchanged.
fn shown(error: &impl fmt::Display) -> String {
    Untrusted(&error.to_string()).to_string()
}

/// An adapter error, for a call sent to `base_url`.
pub fn from_call(error: wechatpay_hyper::Error, base_url: &str) -> Failure {
    use wechatpay_hyper::Error as E;
    match error {
        E::Core(core) => from_core(core, base_url),
        E::Transport { .. } | E::Timeout { .. } => Failure::new(
            Kind::Transport,
            shown(&error),
            "check the network path and --base-url, then try again",
        ),
        E::BodyTooLarge { .. } => Failure::new(
            Kind::Transport,
            shown(&error),
            format!(
                "an answer that large is not WeChat Pay's: check that --base-url ({base_url}) points at it"
            ),
        ),
        other => Failure::new(
            Kind::Transport,
            shown(&other),
            "try again; report it if it persists",
        ),
    }
}

impl From<wechatpay_core::Error> for Failure {
    /// A core error raised before anything was sent (configuration, input, crypto).
    fn from(error: wechatpay_core::Error) -> Self {
        from_core(error, wechatpay_core::DEFAULT_BASE_URL)
    }
}

/// A core error; `base_url` is where an answer came from, if any.
pub fn from_core(error: wechatpay_core::Error, base_url: &str) -> Failure {
    use wechatpay_core::Error as E;
    let message = shown(&error);
    let request_id = error.request_id().map(|id| Untrusted(id).to_string());
    let mut failure = match &error {
        E::InvalidInput { field, .. } => Failure::usage(
            message,
            match crate::config::setting_of(field) {
                Some(setting) => format!("correct {setting} and run again"),
                None => format!("correct {field} and run again"),
            },
        ),
        E::Api(api) => {
            let mut failure = Failure::new(Kind::Api, message, api_next_step(api, base_url));
            failure.api_code = api.code.as_deref().map(|c| Untrusted(c).to_string());
            failure
        }
        E::Verification { kind, .. } => Failure::new(
            Kind::Verification,
            message,
            verification_next_step(kind, base_url),
        ),
        E::Decode(_) => Failure::new(
            Kind::Decode,
            message,
            "the answer verified but is not what the API documents: report it with the Request-ID",
        ),
        E::PublicKeyMode { .. } => Failure::new(
            Kind::Api,
            message,
            format!(
                "pass {PUBLIC_KEY_ID} (PUB_KEY_ID_...) and {PUBLIC_KEY} (pub_key.pem, from the \
                 merchant portal's API security page) instead of downloading certificates"
            ),
        ),
        E::Crypto(_) => Failure::usage(
            message,
            "pass a field encrypted to this merchant's certificate, and check --private-key",
        ),
        _ => Failure::usage(
            message,
            "check the merchant private key (--private-key / WECHATPAY_PRIVATE_KEY)",
        ),
    };
    failure.request_id = request_id;
    failure
}

fn api_next_step(api: &ApiError, base_url: &str) -> String {
    let check = format!(
        "check that --base-url ({base_url}) points at WeChat Pay and that no proxy answers in its place"
    );
    if api.status.is_redirection() {
        return format!(
            "WeChat Pay never answers an API call with a redirect (it was not followed): {check}"
        );
    }
    if api.request_id.is_none() {
        let signed = matches!(api.authentication, Authentication::Verified { .. });
        return format!(
            "this answer has no Request-ID{}, so it does not come from WeChat Pay: {check}",
            if signed { "" } else { " and is unsigned" }
        );
    }
    let next = match api.code.as_deref() {
        Some("SIGN_ERROR") => {
            "check --mchid, --serial-no and --private-key; compare the server's signed message above with `wechatpay sign`"
        }
        Some("PARAM_ERROR") => "fix the parameter named in the detail and run again",
        Some("INVALID_REQUEST") => {
            "the request broke an APIv3 rule: report it, quoting the Request-ID"
        }
        Some("RESOURCE_NOT_EXISTS") => {
            "check the value you queried (quoted above); it is unknown to WeChat Pay"
        }
        Some("NO_AUTH") => "ask WeChat Pay to enable this API for the merchant",
        Some("RESOURCE_ALREADY_EXISTS") => {
            "query the existing applyment, or use a new out_request_no"
        }
        _ if api.is_retryable() => "retry later with the same parameters",
        // WeChat Pay signs its error answers too; only its gateways' 5xx (retryable) do not.
        _ if !matches!(api.authentication, Authentication::Verified { .. }) => {
            return format!(
                "this answer is not signed by WeChat Pay: {check}; if it does, quote the Request-ID \
                 to WeChat Pay support"
            );
        }
        _ => "quote the Request-ID to WeChat Pay support",
    };
    next.to_owned()
}

fn verification_next_step(kind: &VerificationError, base_url: &str) -> String {
    let next = match kind {
        VerificationError::UnknownSerial { .. } => {
            "add that platform key with --public-key-id and --public-key, or --platform-cert"
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
            return format!(
                "the answer is unsigned: check that --base-url ({base_url}) points at WeChat Pay and \
                 that nothing in between rewrites answers"
            );
        }
        VerificationError::DigestMismatch { .. }
        | VerificationError::UndecodableFile { .. }
        | VerificationError::FileTagMismatch => {
            "the file was altered or cut short on its way, and nothing of it was kept: run again \
             (a download URL lives about 5 minutes; the command asks for a new one)"
        }
        VerificationError::CertificateNotValid { .. } => {
            "download the current platform certificates, or move to the platform public key"
        }
        _ => "check the platform keys (--public-key-id, --public-key, --platform-cert)",
    };
    next.to_owned()
}

/// When WeChat Pay says what was queried does not exist, the value as queried, quoted so that
/// a pasted space, tab or look-alike shows.
pub fn queried(mut failure: Failure, field: &str, value: &str) -> Failure {
    if failure.api_code.as_deref() == Some("RESOURCE_NOT_EXISTS") && failure.request_id.is_some() {
        failure.message = format!("{} (queried {field} {value:?})", failure.message);
        failure.next = format!(
            "check {field} {value:?}: WeChat Pay knows none by that value (the quotes show any stray space)"
        );
    }
    failure
}
