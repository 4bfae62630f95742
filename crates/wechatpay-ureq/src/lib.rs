//! The blocking adapter of `wechatpay-core`: ureq 3 with rustls on aws-lc-rs.
//!
//! It only moves bytes: [`UreqTransport`] sends a request and reads its answer within the
//! settings' timeout and body limit (counted while reading, so an oversize answer is an error
//! and never an allocation), streams downloads to a `std::io::Write`, sleeps the thread, and
//! reads the clock and the system's random source. Everything else (signing, verification,
//! retries and failover, the digest of downloads) is the core's
//! ([`wechatpay_core::BlockingAdapter`]), the same for every adapter. Pooled connections idle
//! for 5 s are not reused, before the platform closes them at 8 s. ureq's own HTTP error
//! statuses and redirects are off for every request, even on an agent you built: the core
//! reads every answer, and a redirect would leave the signed host.
//!
//! TLS uses the platform's certificate verifier (the operating system's roots, which is what
//! corporate networks that inspect TLS configure) through `rustls-platform-verifier`, or the
//! Mozilla roots compiled in with the `webpki-roots` feature.
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

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use getrandom::SysRng;
use http::{Method, Request, Response};
use rand_core::{CryptoRng, UnwrapErr};
use ureq::config::AutoHeaderValue;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::{Agent, AsSendBody};
use wechatpay_core::{
    AdapterSettings, Attempt, AttemptFailure, BlockingTransport, DefaultTransport, DownloadSink,
    POOL_IDLE_TIMEOUT, TransportCause, TransportFailure, find_source, too_large,
};

/// The adapter's error: the core's, or what went wrong moving the bytes (the same type for
/// every adapter).
pub use wechatpay_core::AdapterError as Error;

/// A WeChat Pay client over ureq: [`UreqClient::new`] for the default agent, or
/// [`wechatpay_core::BlockingAdapter::with_transport`] over a [`UreqTransport`] of an agent
/// you built (a proxy, other roots). Cheap to share: wrap it in an `Arc`.
pub type UreqClient = wechatpay_core::BlockingAdapter<UreqTransport>;

/// A ureq [`Agent`] as a [`BlockingTransport`].
#[derive(Debug, Clone)]
pub struct UreqTransport {
    agent: Agent,
}

impl UreqTransport {
    /// A transport over an agent you built.
    ///
    /// Whatever the agent's configuration, each request is sent with HTTP error statuses as
    /// answers (not [`ureq::Error::StatusCode`]), no redirects, no `Accept-Encoding`, the
    /// settings' timeout, and pooled connections idle over 5 s not reused.
    ///
    /// For `https://` the agent's TLS configuration must name a rustls crypto provider
    /// (`TlsConfig::builder().unversioned_rustls_crypto_provider(...)`, aws-lc-rs being the one
    /// already in the build) and root certificates ureq was built for (`RootCerts::PlatformVerifier`,
    /// or `RootCerts::WebPki` with this crate's `webpki-roots` feature): ureq panics on the
    /// first TLS connection of an agent that names neither. The default transport
    /// ([`DefaultTransport`]) configures both.
    pub fn new(agent: Agent) -> Self {
        UreqTransport { agent }
    }

    /// Sends `request` with the adapter's contract laid over the agent's configuration.
    fn run<S: AsSendBody>(
        &self,
        request: Request<S>,
        timeout: Duration,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
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
            .timeout_global(Some(timeout))
            .max_idle_age(idle)
            .build();
        self.agent.run(request)
    }

    /// Sends `request`, failures sorted for the retry policy.
    fn head(
        &self,
        request: Request<Vec<u8>>,
        settings: &AdapterSettings,
    ) -> Result<Response<ureq::Body>, AttemptFailure> {
        let (parts, body) = request.into_parts();
        // ureq sends an empty byte body as `Content-Length: 0`, even on a GET; the core's
        // empty body on a method without one means no body at all.
        if body.is_empty() && !matches!(parts.method, Method::POST | Method::PUT | Method::PATCH) {
            self.run(Request::from_parts(parts, ()), settings.timeout)
        } else {
            self.run(Request::from_parts(parts, body), settings.timeout)
        }
        .map_err(|e| attempt_failure(e, settings.timeout, settings.body_limit as u64))
    }
}

impl DefaultTransport for UreqTransport {
    /// An agent with rustls on aws-lc-rs (no second crypto library in the build), the
    /// platform's verifier (or the Mozilla roots with the `webpki-roots` feature), no proxy,
    /// idle connections dropped after 5 s.
    fn default_transport() -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        #[cfg(feature = "webpki-roots")]
        let roots = RootCerts::WebPki;
        #[cfg(not(feature = "webpki-roots"))]
        let roots = RootCerts::PlatformVerifier;
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(provider)
            .root_certs(roots)
            .build();
        // ureq reads proxies from the environment by default; like the other adapters, this
        // one goes direct unless it is given an agent that does otherwise.
        let agent = Agent::config_builder()
            .tls_config(tls)
            .proxy(None)
            .max_idle_age(POOL_IDLE_TIMEOUT)
            .build()
            .new_agent();
        Ok(UreqTransport::new(agent))
    }
}

impl BlockingTransport for UreqTransport {
    const PRODUCT: &'static str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

    /// Any writer: a file, a buffer, standard output.
    type Sink = dyn Write;

    fn exchange(&self, request: Request<Vec<u8>>, settings: &AdapterSettings) -> Attempt {
        let (parts, body) = self.head(request, settings)?.into_parts();
        let body = read_limited(body, &parts.headers, settings)?;
        Ok(Response::from_parts(parts, body))
    }

    fn download(&self, request: Request<Vec<u8>>, mut to: DownloadSink<'_, Self::Sink>) -> Attempt {
        let settings = *to.settings();
        let (parts, body) = self.head(request, &settings)?.into_parts();
        if !parts.status.is_success() {
            let body = read_limited(body, &parts.headers, &settings)?;
            return Ok(Response::from_parts(parts, body));
        }
        to.check_head(&parts.headers)?;
        let limit = settings.download_limit;
        let mut reader = body.into_with_config().limit(limit).reader();
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = reader
                .read(&mut buffer)
                .map_err(|e| io_failure(e, settings.timeout, limit))?;
            let Some(chunk) = buffer.get(..read).filter(|chunk| !chunk.is_empty()) else {
                break;
            };
            to.admit(chunk.len())?;
            let mut rest = chunk;
            while !rest.is_empty() {
                let (sink, text) = to.decode(&mut rest)?;
                let written = sink.write_all(text);
                written.map_err(|e| to.failed(e))?;
            }
        }
        loop {
            let (sink, text) = to.end()?;
            if text.is_empty() {
                break;
            }
            let written = sink.write_all(text);
            written.map_err(|e| to.failed(e))?;
        }
        let flushed = to.sink().flush();
        flushed.map_err(|e| to.failed(e))?;
        Ok(Response::from_parts(parts, Vec::new()))
    }

    fn sleep(&self, wait: Duration) {
        std::thread::sleep(wait);
    }

    fn rng(&self) -> impl CryptoRng {
        UnwrapErr(SysRng)
    }

    fn now(&self) -> u64 {
        #[allow(clippy::disallowed_methods)] // the adapter is the core's clock
        let since_1970 = SystemTime::now().duration_since(UNIX_EPOCH);
        since_1970.map_or(0, |d| d.as_secs())
    }
}

/// The whole body, refused past the body limit (declared or counted).
fn read_limited(
    mut body: ureq::Body,
    headers: &http::HeaderMap,
    settings: &AdapterSettings,
) -> Result<Vec<u8>, AttemptFailure> {
    let limit = settings.body_limit as u64;
    AdapterSettings::check_declared_length(headers, limit)?;
    body.with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| attempt_failure(e, settings.timeout, limit))
}

/// What a ureq error means for the attempt.
fn attempt_failure(error: ureq::Error, timeout: Duration, limit: u64) -> AttemptFailure {
    match error {
        ureq::Error::Timeout(_) => AttemptFailure::Timeout { timeout },
        ureq::Error::BodyExceedsLimit(_) => too_large(limit),
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

/// A read of a streamed body failed: ureq's error is inside the `io::Error` when it has one.
fn io_failure(error: io::Error, timeout: Duration, limit: u64) -> AttemptFailure {
    match error.downcast::<ureq::Error>() {
        Ok(ureq) => attempt_failure(ureq, timeout, limit),
        Err(io) => attempt_failure(ureq::Error::Io(io), timeout, limit),
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
        // The standard library's resolver fails with an uncategorised I/O error, known only
        // by its words; a name that did not resolve was never connected to.
        ureq::Error::Io(e) if TransportCause::of(e) == TransportCause::Dns => {
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
