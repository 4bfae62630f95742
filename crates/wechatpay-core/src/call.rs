//! One operation through its attempts: the retry loop every adapter runs, as a state machine
//! with no I/O, so that hyper, ureq and `fetch` obey the same policy byte for byte; the
//! `tracing` events that narrate it; and the error every adapter reports.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use http::{Request, Response, Uri};
use rand_core::CryptoRng;

use crate::answer::Checked;
use crate::client::Client;
use crate::error::{Authentication, Error};
use crate::nonce::Nonce;
use crate::operation::Operation;
use crate::retry::{Decision, Host, Outcome, RetryPolicy, TransportFailure};
use crate::text::Untrusted;
use crate::unsigned::UnsignedRequest;
use crate::verification::SignatureHeaders;

/// The `tracing` target of every event the core emits.
const TARGET: &str = "wechatpay";

/// Drives one [`Operation`] through signing, sending, verification and retries.
///
/// The adapter owns the I/O and the clock; the call owns every decision, and narrates each
/// attempt as `tracing` events (below), the same whichever adapter drives it:
///
/// ```no_run
/// # use wechatpay_core::{AdapterError, AttemptFailure, Call, Client, Operation, RetryPolicy, Step};
/// # fn now() -> u64 { 0 }
/// # fn send(r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, AttemptFailure> { unimplemented!() }
/// # fn sleep(_: std::time::Duration) {}
/// # fn run<O: Operation>(client: &Client, operation: &O, rng: &mut impl rand_core::CryptoRng) -> Result<O::Output, AdapterError> {
/// let mut call = Call::new(client, operation, RetryPolicy::default());
/// loop {
///     let request = call.request(now(), rng)?;
///     let wait = match send(request) {
///         Ok(response) => match call.response(&response, now(), rng) {
///             Step::Done(result) => return Ok(result?),
///             Step::Retry { after } => after,
///         },
///         Err(failure) => call.failed(failure, rng)?,
///     };
///     sleep(wait);
/// }
/// # }
/// ```
///
/// # Events
///
/// At `DEBUG` level, with target `wechatpay`; text fields are strings, `attempt` and `status`
/// integers:
///
/// | message | fields |
/// |---|---|
/// | `request signed` | `attempt`, `host` (base URL), `method`, `path` (signed path and query) |
/// | `response` | `attempt`, `status`, `request_id` (absent when the answer has none), `verification` (`verified`, `unsigned`, or the failure) |
/// | `transport failure` | `attempt`, `host`, `error` (the cause, its chain and a hint) |
/// | `decision` | `attempt`, `decision` (`done`, `retry on primary in 1.2s`, `fail over to backup in 450ms`, `give up after 3 attempts`, `give up: the platform asks to wait 60.0s, longer than the policy allows`, `stop: not retryable`) |
///
/// No event carries the `Authorization` header, a signature, a nonce, a key or a body.
#[derive(Debug)]
pub struct Call<'a, O: ?Sized> {
    client: &'a Client,
    operation: &'a O,
    policy: RetryPolicy,
    attempt: u32,
    host: Host,
}

/// What follows a response.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over: the decoded output, or the error to report.
    Done(Result<T, Error>),
    /// Wait `after`, then send [`Call::request`] again.
    Retry {
        /// How long to wait.
        after: Duration,
    },
}

impl<'a, O: Operation + ?Sized> Call<'a, O> {
    /// A call that starts on the primary host.
    pub fn new(client: &'a Client, operation: &'a O, policy: RetryPolicy) -> Self {
        Call {
            client,
            operation,
            policy,
            attempt: 0,
            host: Host::Primary,
        }
    }

    /// The signed request for the next attempt: a fresh nonce from `rng`, the current time
    /// `now`, and the host the policy chose.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] from the operation's validation, [`Error::Signing`]: final.
    pub fn request<R: CryptoRng + ?Sized>(
        &mut self,
        now: u64,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.attempt += 1;
        let nonce = Nonce::generate(rng);
        let request = self
            .client
            .prepare(self.operation, self.host, now, &nonce, rng)?;
        self.narrate_request(&request);
        Ok(request)
    }

    fn narrate_request(&self, request: &Request<Vec<u8>>) {
        // Only the request line: the headers carry the signature and the nonce.
        tracing::debug!(
            target: TARGET,
            attempt = self.attempt,
            host = self.base_url(),
            method = request.method().as_str(),
            path = request.uri().path_and_query().map_or("/", |p| p.as_str()),
            "request signed"
        );
    }

    /// The first step of the next attempt's request, for a merchant key that signs
    /// asynchronously: as [`Call::request`], but unsigned; finish it with
    /// [`UnsignedRequest::finish`].
    ///
    /// # Errors
    ///
    /// As [`Call::request`].
    pub fn unsigned_request<R: CryptoRng + ?Sized>(
        &mut self,
        now: u64,
        rng: &mut R,
    ) -> Result<UnsignedRequest<'a>, Error> {
        self.attempt += 1;
        let nonce = Nonce::generate(rng);
        let unsigned = self
            .client
            .prepare_unsigned(self.operation, self.host, now, &nonce, rng)?;
        self.narrate_request(unsigned.request());
        Ok(unsigned)
    }

    /// Verifies and decodes the answer to the last request, or says how long to wait before
    /// retrying it.
    pub fn response<B: AsRef<[u8]>, R: CryptoRng + ?Sized>(
        &mut self,
        response: &Response<B>,
        now: u64,
        rng: &mut R,
    ) -> Step<O::Output> {
        self.checked(self.client.receive(response, now).check(), rng)
    }

    /// As [`Call::response`], for an answer whose signature was checked in two steps
    /// ([`Client::receive`], then [`crate::Received::conclude`]).
    pub fn checked<R: CryptoRng + ?Sized>(
        &mut self,
        checked: Checked<'_>,
        rng: &mut R,
    ) -> Step<O::Output> {
        let status = checked.status();
        let request_id = checked.request_id();
        let verification = verification(&checked);
        let result = self.client.decode(self.operation, checked);
        tracing::debug!(
            target: TARGET,
            attempt = self.attempt,
            status = status.as_u16(),
            request_id = request_id.map(|id| Untrusted(id).to_string()),
            verification = verification.as_str(),
            "response"
        );
        match result {
            Ok(output) => {
                self.narrate_decision("done");
                Step::Done(Ok(output))
            }
            Err(error) => match self.decide(Outcome::Error(&error), rng) {
                Some(after) => Step::Retry { after },
                None => Step::Done(Err(error)),
            },
        }
    }

    /// Records that the last request failed below HTTP: `Ok(wait)` to retry after `wait`, or
    /// the error to report. An oversize answer is final.
    ///
    /// # Errors
    ///
    /// The [`AdapterError`] of `failure` when the policy allows no further attempt.
    pub fn failed<R: CryptoRng + ?Sized>(
        &mut self,
        failure: AttemptFailure,
        rng: &mut R,
    ) -> Result<Duration, AdapterError> {
        let host = self.base_url();
        tracing::debug!(
            target: TARGET,
            attempt = self.attempt,
            host,
            error = failure.to_string().as_str(),
            "transport failure"
        );
        let kind = match &failure {
            AttemptFailure::Transport { kind, .. } => *kind,
            AttemptFailure::Timeout { .. } => TransportFailure::Timeout,
            AttemptFailure::BodyTooLarge { .. }
            | AttemptFailure::Unsupported { .. }
            | AttemptFailure::Sink { .. }
            | AttemptFailure::Refused(_) => {
                self.narrate_decision("stop: not retryable");
                return Err(failure.into_error(self.attempt, host));
            }
        };
        match self.decide(Outcome::Transport(kind), rng) {
            Some(after) => Ok(after),
            None => Err(failure.into_error(self.attempt, host)),
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The host the next (or current) attempt goes to.
    pub fn host(&self) -> Host {
        self.host
    }

    /// The base URL of the current attempt's host.
    fn base_url(&self) -> &'a str {
        self.client.base_url(self.host)
    }

    fn decide<R: CryptoRng + ?Sized>(
        &mut self,
        outcome: Outcome<'_>,
        rng: &mut R,
    ) -> Option<Duration> {
        match self.policy.decide(self.attempt, self.host, outcome, rng) {
            Decision::Retry { host, after } => {
                if tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
                    let same = self.client.base_url(host) == self.base_url();
                    let verb = if same { "retry on" } else { "fail over to" };
                    let name = self.host_name(host);
                    self.narrate_decision(&format!("{verb} {name} in {}", Wait(after)));
                }
                self.host = host;
                Some(after)
            }
            Decision::Stop => {
                if tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
                    // A retryable answer the policy stops on asked to wait too long.
                    let asked = match outcome {
                        Outcome::Error(Error::Api(api)) if api.is_retryable() => api.retry_after,
                        _ => None,
                    };
                    let why = match (self.attempt, asked) {
                        (n, _) if n >= self.policy.max_attempts => match n {
                            1 => "give up after 1 attempt".to_owned(),
                            n => format!("give up after {n} attempts"),
                        },
                        (_, Some(wait)) => format!(
                            "give up: the platform asks to wait {}, longer than the policy allows",
                            Wait(wait)
                        ),
                        _ => "stop: not retryable".to_owned(),
                    };
                    self.narrate_decision(&why);
                }
                None
            }
        }
    }

    /// `primary` or `backup`, as the user configured them: without a backup URL, the "backup"
    /// host is the primary one.
    fn host_name(&self, host: Host) -> &'static str {
        let distinct = self.client.base_url(Host::Backup) != self.client.base_url(Host::Primary);
        match host {
            Host::Backup if distinct => "backup",
            _ => "primary",
        }
    }

    fn narrate_decision(&self, decision: &str) {
        tracing::debug!(target: TARGET, attempt = self.attempt, decision, "decision");
    }
}

/// What the answer's signature came to: `verified`, `unsigned`, or why it failed.
fn verification(checked: &Checked<'_>) -> String {
    if !SignatureHeaders::any_present(checked.headers()) {
        return "unsigned".to_owned();
    }
    match checked.authentication() {
        Authentication::Verified { .. } => "verified".to_owned(),
        Authentication::Unsigned => "unsigned".to_owned(),
        Authentication::Failed(why) => why.to_string(),
    }
}

/// A wait as people read it: `450ms`, `1.2s` (a wait under a millisecond is `0ms`).
struct Wait(Duration);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= Duration::from_secs(1) {
            write!(f, "{:.1}s", self.0.as_secs_f64())
        } else {
            write!(f, "{}ms", self.0.as_millis())
        }
    }
}

/// The response body limit adapters apply unless told otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The per-attempt timeout adapters apply unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long adapters keep an idle connection: under the 8 s after which the platform closes
/// it, so that a request never goes out on a connection being closed.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How one attempt failed below HTTP, as an adapter saw it.
///
/// Its `Display` is the cause in words, the error's chain and a hint where one helps:
/// `TLS handshake failed: received corrupt message of type InvalidContentType (is this an
/// http:// server?)`.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The exchange broke: no connection, TLS, or a connection lost mid-way.
    Transport {
        /// Whether anything can have reached the platform.
        kind: TransportFailure,
        /// What the adapter recognised in its error; [`TransportCause::Other`] if nothing.
        cause: TransportCause,
        /// The adapter's own error.
        source: Box<dyn StdError + Send + Sync>,
    },
    /// No complete answer within the timeout.
    Timeout {
        /// The per-attempt timeout.
        timeout: Duration,
    },
    /// The answer's body was longer than the limit; reading stopped there.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The runtime cannot send the request as signed (see [`AdapterError::Unsupported`]):
    /// nothing was sent, and no retry can help.
    Unsupported {
        /// What is missing or refused, and what to do instead.
        reason: String,
    },
    /// The sink a download was written to refused a write: final, reported as
    /// [`Error::Io`].
    Sink {
        /// The sink's error.
        source: io::Error,
    },
    /// The core refused what a download's body decoded to (not gzip, a failed tag): final,
    /// reported as the core's error.
    Refused(Error),
}

impl AttemptFailure {
    /// The error to report after `attempts` attempts, the last of them to `host` (a base URL,
    /// [`Client::base_url`], or the [`origin`] of a request sent without a [`Call`]).
    pub fn into_error(self, attempts: u32, host: &str) -> AdapterError {
        match self {
            AttemptFailure::Transport {
                kind,
                cause,
                source,
            } => AdapterError::Transport {
                attempts,
                host: host.to_owned(),
                kind,
                cause,
                source,
            },
            AttemptFailure::Timeout { timeout } => AdapterError::Timeout {
                timeout,
                attempts,
                host: host.to_owned(),
            },
            AttemptFailure::BodyTooLarge { limit } => AdapterError::BodyTooLarge { limit },
            AttemptFailure::Unsupported { reason } => AdapterError::Unsupported { reason },
            AttemptFailure::Sink { source } => AdapterError::Core(Error::Io(source)),
            AttemptFailure::Refused(error) => AdapterError::Core(error),
        }
    }
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Transport { cause, source, .. } => {
                write!(f, "{}", Explained(*cause, &**source))
            }
            AttemptFailure::Timeout { timeout } => {
                write!(f, "no complete answer within {timeout:?}")
            }
            AttemptFailure::BodyTooLarge { limit } => {
                write!(f, "the answer's body exceeds the {limit}-byte limit")
            }
            AttemptFailure::Unsupported { reason } => {
                write!(f, "this runtime cannot send WeChat Pay requests: {reason}")
            }
            AttemptFailure::Sink { source } => {
                write!(f, "writing the download failed: {source}")
            }
            AttemptFailure::Refused(error) => write!(f, "{error}"),
        }
    }
}

/// What an adapter recognised in a transport error, so that the message says it in words a
/// person can act on, with a hint where one helps. The error's own chain is shown as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportCause {
    /// The host name did not resolve.
    Dns,
    /// The connection was refused: nothing listens on that port.
    Refused,
    /// The TLS handshake failed (a certificate, a protocol mismatch).
    Tls,
    /// The TLS handshake was answered in plain text: an `https://` URL for an `http://` server.
    PlainHttp,
    /// The network gave up waiting (a connect timeout below the adapter's own).
    TimedOut,
    /// The other side reset or closed the connection.
    Reset,
    /// Nothing more specific than the error's own text.
    Other,
}

impl TransportCause {
    /// What the standard library's errors in `error`'s chain say: a refused, reset or timed
    /// out connection, a failed name lookup; [`TransportCause::Other`] if none. Adapters look
    /// for their own error types (TLS) first.
    pub fn of(error: &(dyn StdError + 'static)) -> TransportCause {
        for link in links(error) {
            let Some(io) = link.downcast_ref::<io::Error>() else {
                continue;
            };
            let cause = match io.kind() {
                io::ErrorKind::ConnectionRefused => TransportCause::Refused,
                io::ErrorKind::TimedOut => TransportCause::TimedOut,
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => TransportCause::Reset,
                // The standard resolver's error has no kind of its own, only this text.
                _ if io
                    .to_string()
                    .starts_with("failed to lookup address information") =>
                {
                    TransportCause::Dns
                }
                _ => continue,
            };
            return cause;
        }
        TransportCause::Other
    }

    /// Whether nothing can have reached the server when this is why the exchange failed.
    fn before_sending(self) -> bool {
        matches!(
            self,
            TransportCause::Dns
                | TransportCause::Refused
                | TransportCause::Tls
                | TransportCause::PlainHttp
        )
    }

    /// The words for the cause, and the words that, found in the error's own text, make them
    /// redundant.
    fn words(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            TransportCause::Dns => Some(("DNS lookup failed", &["dns", "lookup"])),
            TransportCause::Refused => Some(("connection refused", &["connection refused"])),
            TransportCause::Tls | TransportCause::PlainHttp => {
                Some(("TLS handshake failed", &["tls handshake"]))
            }
            TransportCause::TimedOut => Some(("timed out", &["timed out", "timeout"])),
            TransportCause::Reset => Some((
                "connection reset",
                &["reset", "closed", "broken pipe", "eof", "aborted"],
            )),
            TransportCause::Other => None,
        }
    }

    fn hint(self) -> &'static str {
        match self {
            TransportCause::Dns => " (is the host name right?)",
            TransportCause::Refused => " (is the server running, and is the port right?)",
            TransportCause::PlainHttp => " (is this an http:// server?)",
            _ => "",
        }
    }
}

/// The first error of type `T` in `error`'s chain, looking inside the errors an `io::Error`
/// wraps too (its `source()` skips them): how an adapter finds, say, a TLS library's error
/// under its HTTP client's.
pub fn find_source<'e, T: StdError + 'static>(
    error: &'e (dyn StdError + 'static),
) -> Option<&'e T> {
    links(error).find_map(|link| link.downcast_ref::<T>())
}

/// The scheme and authority of `uri` (`https://api.mch.weixin.qq.com`): the host an error
/// names for a request sent without a [`Call`].
pub fn origin(uri: &Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
        _ => uri.to_string(),
    }
}

/// An error and its causes on one line, `outer: inner: innermost`, each text shown once (an
/// error that repeats its cause's text in its own, as many do, is not repeated) and with
/// control characters escaped.
///
/// ```
/// use wechatpay_core::ErrorChain;
///
/// let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
/// let wrapped = std::io::Error::other(refused);
/// assert_eq!(ErrorChain(&wrapped).to_string(), "connection refused");
/// ```
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown: Vec<String> = Vec::new();
        for link in links(self.0) {
            let text = link.to_string();
            let text = Untrusted(text.trim()).to_string();
            let text = text.as_str();
            if text.is_empty() || shown.iter().any(|s| s.contains(text)) {
                continue;
            }
            // An outer error that is a prefix of its cause's text ("tcp connect error", then
            // "tcp connect error: refused") is said by the cause.
            match shown.last_mut() {
                Some(last) if text.contains(last.as_str()) => *last = text.to_owned(),
                _ => shown.push(text.to_owned()),
            }
        }
        f.write_str(&shown.join(": "))
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// The links of an error's chain. An `io::Error` wrapping another error displays that error
/// and returns that error's source, hiding the error itself; the walk visits it.
fn links<'e>(
    error: &'e (dyn StdError + 'static),
) -> impl Iterator<Item = &'e (dyn StdError + 'static)> {
    // A chain that loops, or a pathological depth, stops here.
    const MAX_DEPTH: usize = 16;
    std::iter::successors(Some(error), |&link| {
        match link.downcast_ref::<io::Error>() {
            Some(io) => match io.get_ref() {
                Some(inner) => Some(inner as &(dyn StdError + 'static)),
                None => link.source(),
            },
            None => link.source(),
        }
    })
    .take(MAX_DEPTH)
}

/// The cause in words, the chain, and the hint: `TLS handshake failed: received corrupt
/// message of type InvalidContentType (is this an http:// server?)`.
struct Explained<'a>(TransportCause, &'a (dyn StdError + 'static));

impl fmt::Display for Explained<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Explained(cause, error) = *self;
        let chain = ErrorChain(error).to_string();
        if let Some((words, said_by)) = cause.words() {
            let lower = chain.to_lowercase();
            if chain.is_empty() {
                f.write_str(words)?;
            } else if !said_by.iter().any(|w| lower.contains(w)) {
                write!(f, "{words}: ")?;
            }
        }
        write!(f, "{chain}{}", cause.hint())
    }
}

/// `; gave up after 3 attempts` when there was more than one.
struct AttemptsSuffix(u32);

impl fmt::Display for AttemptsSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 | 1 => Ok(()),
            n => write!(f, "; gave up after {n} attempts"),
        }
    }
}

/// `connecting to` when nothing can have been sent, `exchanging with` otherwise.
fn stage(kind: TransportFailure, cause: TransportCause) -> &'static str {
    if kind == TransportFailure::Connect || cause.before_sending() {
        "connecting to"
    } else {
        "exchanging with"
    }
}

/// The error of an adapter: the core's, or what went wrong moving the bytes. Every adapter
/// reports this one type, so code that switches adapters keeps its error handling.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Signing, verification, an API error answer, decoding: see [`Error`].
    #[error(transparent)]
    Core(#[from] Error),
    /// The exchange failed below HTTP (DNS, connect, TLS, a broken connection), on every
    /// attempt allowed. Shown with the host and the whole cause: `connecting to
    /// https://127.0.0.1:41234: TLS handshake failed: received corrupt message of type
    /// InvalidContentType (is this an http:// server?)`.
    #[error(
        "{} {host}: {}{}",
        stage(*kind, *cause),
        Explained(*cause, &**source),
        AttemptsSuffix(*attempts)
    )]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The base URL the last attempt went to.
        host: String,
        /// Whether the last attempt can have reached the server.
        kind: TransportFailure,
        /// What the adapter recognised in its error.
        cause: TransportCause,
        /// The last failure.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// No complete answer within the timeout, on every attempt allowed.
    #[error(
        "no complete answer from {host} within {timeout:?}{}",
        AttemptsSuffix(*attempts)
    )]
    Timeout {
        /// The per-attempt timeout.
        timeout: Duration,
        /// Attempts made.
        attempts: u32,
        /// The base URL the last attempt went to.
        host: String,
    },
    /// The answer's body was longer than the limit; reading stopped there.
    #[error("the answer's body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The runtime cannot send this request as the platform requires it (a JavaScript
    /// runtime without `fetch`, one that drops the `User-Agent`, a browser page, a TLS
    /// configuration the TLS library refuses). Nothing was sent; trying again in the same
    /// runtime fails the same way.
    #[error("this runtime cannot send WeChat Pay requests: {reason}")]
    Unsupported {
        /// What is missing or refused, and what to do instead.
        reason: String,
    },
}

impl AdapterError {
    /// The core error, if this is one.
    pub fn core(&self) -> Option<&Error> {
        match self {
            AdapterError::Core(error) => Some(error),
            _ => None,
        }
    }

    /// The `Request-ID` of the answer this error came from.
    pub fn request_id(&self) -> Option<&str> {
        self.core().and_then(Error::request_id)
    }

    /// Whether trying again later may succeed. The retries the policy allows have been made.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdapterError::Core(error) => error.is_retryable(),
            AdapterError::Transport { .. } | AdapterError::Timeout { .. } => true,
            AdapterError::BodyTooLarge { .. } | AdapterError::Unsupported { .. } => false,
        }
    }

    /// The base URL of the host the last attempt went to, for a transport failure or timeout.
    pub fn host(&self) -> Option<&str> {
        match self {
            AdapterError::Transport { host, .. } | AdapterError::Timeout { host, .. } => Some(host),
            _ => None,
        }
    }
}
