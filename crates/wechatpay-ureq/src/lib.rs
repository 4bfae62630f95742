//! The blocking adapter of `wechatpay-core`: ureq 3 with rustls.
//!
//! It only moves bytes. For each attempt it supplies what the sans-IO core must not take
//! itself (the time, a fresh nonce, an RNG, the backoff sleeps) and obeys the core's retry and
//! failover policy ([`wechatpay_core::Call`]). On top it enforces a per-attempt timeout and a
//! response body limit counted while reading, so an oversize answer is an error and never an
//! allocation. Pooled connections idle for 5 s are not reused, before the platform closes
//! them at 8 s. ureq's own HTTP error statuses and redirects are off for every request, even
//! on an agent you built: the core reads every answer, and a redirect would leave the signed
//! host.
//!
//! ```no_run
//! use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
//! use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
//! use wechatpay_ureq::UreqClient;
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = MerchantCredentials::new("1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001",
//!     &std::fs::read_to_string("apiclient_key.pem")?)?;
//! let mut platform_keys = PlatformKeys::new();
//! platform_keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001",
//!     &std::fs::read_to_string("pub_key.pem")?)?;
//! let wechatpay = UreqClient::new(Client::new(credentials, platform_keys)?)?;
//!
//! let applyment = wechatpay.execute(&QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")?)?;
//! println!("{}: {:?}", applyment.applyment_state, applyment.next_step());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use getrandom::SysRng;
use http::Method;
use rand_core::UnwrapErr;
use ureq::config::AutoHeaderValue;
use ureq::{Agent, AsSendBody};
use wechatpay_core::{
    AttemptFailure, Call, Operation, RetryPolicy, Step, TransportCause, TransportFailure,
    find_source, origin,
};

/// The defaults every adapter shares: 1 MiB body limit, 10 s per attempt, 5 s idle.
pub use wechatpay_core::{DEFAULT_BODY_LIMIT, DEFAULT_TIMEOUT, POOL_IDLE_TIMEOUT};

const PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The adapter's error: the core's, or what went wrong moving the bytes (the same type for
/// every adapter).
pub use wechatpay_core::AdapterError as Error;

/// A WeChat Pay client over a ureq [`Agent`]. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct UreqClient {
    core: wechatpay_core::Client,
    agent: Agent,
    timeout: Duration,
    body_limit: usize,
    retry: RetryPolicy,
}

impl UreqClient {
    /// A client with its own agent: HTTPS (Mozilla roots, rustls) or HTTP, no proxy, idle
    /// connections dropped after 5 s.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] if the adapter cannot name itself in the `User-Agent`.
    pub fn new(core: wechatpay_core::Client) -> Result<Self, Error> {
        // ureq reads proxies from the environment by default; like the other adapters, this
        // one goes direct unless it is given an agent that does otherwise.
        let agent = Agent::config_builder()
            .proxy(None)
            .max_idle_age(POOL_IDLE_TIMEOUT)
            .build()
            .new_agent();
        Self::with_agent(core, agent)
    }

    /// A client over an agent you built (a proxy, custom TLS roots, your own pool settings).
    ///
    /// Whatever the agent's configuration, each request is sent with HTTP error statuses as
    /// answers (not [`ureq::Error::StatusCode`]), no redirects, no `Accept-Encoding`, this
    /// client's timeout, and pooled connections idle over 5 s not reused.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] if the adapter cannot name itself in the `User-Agent`.
    pub fn with_agent(core: wechatpay_core::Client, agent: Agent) -> Result<Self, Error> {
        Ok(UreqClient {
            core: core.with_user_agent_product(PRODUCT)?,
            agent,
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
        })
    }

    /// Sets the per-attempt timeout (connecting, sending and reading the whole answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response body limit, in bytes.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// Sets the retry and failover policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The core client.
    pub fn core(&self) -> &wechatpay_core::Client {
        &self.core
    }

    /// Runs `operation` to its verified, decoded output, retrying as the policy says. Blocks
    /// the calling thread, backoff sleeps included.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] for what the platform answered or what failed verification;
    /// [`Error::Transport`] or [`Error::Timeout`] when the last attempt allowed failed so;
    /// [`Error::BodyTooLarge`].
    pub fn execute<O: Operation + ?Sized>(&self, operation: &O) -> Result<O::Output, Error> {
        let mut rng = UnwrapErr(SysRng);
        let mut call = Call::new(&self.core, operation, self.retry);
        loop {
            let request = call.request(unix_now(), &mut rng)?;
            let wait = match self.exchange(request) {
                Ok(response) => match call.response(&response, unix_now(), &mut rng) {
                    Step::Done(result) => return Ok(result?),
                    Step::Retry { after } => after,
                },
                Err(failure) => call.failed(failure, &mut rng)?,
            };
            std::thread::sleep(wait);
        }
    }

    /// Sends one request exactly as given (no signing, no retry) and reads the answer within
    /// the timeout and the body limit: for tools that show each step, such as a debugging CLI.
    /// Verify the answer with [`wechatpay_core::Client::parse`] before trusting it.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`], [`Error::Timeout`] or [`Error::BodyTooLarge`], with one attempt.
    pub fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let host = origin(request.uri());
        self.exchange(request)
            .map_err(|failure| failure.into_error(1, &host))
    }

    /// One exchange, within the timeout and the body limit.
    fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, AttemptFailure> {
        let (parts, body) = request.into_parts();
        // ureq sends an empty byte body as `Content-Length: 0`, even on a GET; the core's
        // empty body on a method without one means no body at all.
        let response = if body.is_empty()
            && !matches!(parts.method, Method::POST | Method::PUT | Method::PATCH)
        {
            self.run(http::Request::from_parts(parts, ()))
        } else {
            self.run(http::Request::from_parts(parts, body))
        }
        .map_err(|e| self.attempt_failure(e))?;
        let (parts, mut body) = response.into_parts();
        let declared = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > self.body_limit) {
            return Err(AttemptFailure::BodyTooLarge {
                limit: self.body_limit,
            });
        }
        let limit = u64::try_from(self.body_limit).unwrap_or(u64::MAX);
        let body = body
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| self.attempt_failure(e))?;
        Ok(http::Response::from_parts(parts, body))
    }

    /// What a ureq error means for the attempt.
    fn attempt_failure(&self, error: ureq::Error) -> AttemptFailure {
        match error {
            ureq::Error::Timeout(_) => AttemptFailure::Timeout {
                timeout: self.timeout,
            },
            ureq::Error::BodyExceedsLimit(_) => AttemptFailure::BodyTooLarge {
                limit: self.body_limit,
            },
            error => {
                let kind = transport_failure(&error);
                let cause = transport_cause(&error);
                AttemptFailure::Transport {
                    kind,
                    cause,
                    // Unwrapped: ureq's wrapper adds only an "io: " in front of the cause.
                    source: match error {
                        ureq::Error::Io(io) => Box::new(io),
                        error => Box::new(error),
                    },
                }
            }
        }
    }

    /// Sends `request` with the adapter's contract laid over the agent's configuration.
    fn run<S: AsSendBody>(
        &self,
        request: http::Request<S>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let idle = self.agent.config().max_idle_age().min(POOL_IDLE_TIMEOUT);
        // Each of these is per request in ureq and leaves the agent's pool in use.
        let request = self
            .agent
            .configure_request(request)
            .http_status_as_error(false)
            .max_redirects(0)
            // With gzip compiled in (by any crate in the build) ureq would ask for it and
            // inflate the answer; the platform signs the body it sends, so ask for it as is.
            .accept_encoding(AutoHeaderValue::None)
            .timeout_global(Some(self.timeout))
            .max_idle_age(idle)
            .build();
        self.agent.run(request)
    }
}

/// What reached the platform, as far as the error tells: [`TransportFailure::Connect`] only
/// when nothing can have.
fn transport_failure(error: &ureq::Error) -> TransportFailure {
    match error {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Http(_) => TransportFailure::Connect,
        // The kinds ureq itself treats as concerning the address only, when connecting.
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::HostUnreachable
                    | io::ErrorKind::NetworkUnreachable
                    | io::ErrorKind::NetworkDown
                    | io::ErrorKind::AddrNotAvailable
            ) =>
        {
            TransportFailure::Connect
        }
        // Including a failed TLS handshake: rustls reports it as `io::ErrorKind::InvalidData`,
        // as it does a broken record mid-exchange, and only "interrupted" is then sure not to
        // claim that nothing reached the platform.
        _ => TransportFailure::Interrupted,
    }
}

/// What a failed exchange was, in words the core's message uses.
fn transport_cause(error: &ureq::Error) -> TransportCause {
    match error {
        ureq::Error::HostNotFound => TransportCause::Dns,
        ureq::Error::Tls(_) => TransportCause::Tls,
        ureq::Error::Rustls(tls) => tls_cause(tls),
        // A failed handshake arrives as an I/O error around rustls's.
        ureq::Error::Io(io) => match find_source::<rustls::Error>(io) {
            Some(tls) => tls_cause(tls),
            None => TransportCause::of(io),
        },
        _ => TransportCause::Other,
    }
}

fn tls_cause(error: &rustls::Error) -> TransportCause {
    match error {
        // The first byte of a plain HTTP answer ('H') is not a TLS record type.
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            TransportCause::PlainHttp
        }
        _ => TransportCause::Tls,
    }
}

fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)] // the adapter is the core's clock
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
