//! The async adapter of `wechatpay-core`: hyper 1 with hyper-util's pooled client and rustls.
//!
//! It only moves bytes. For each attempt it supplies what the sans-IO core must not take
//! itself (the time, a fresh nonce, an RNG, the backoff sleeps) and obeys the core's retry and
//! failover policy ([`wechatpay_core::Call`]). On top it enforces a per-attempt timeout and a
//! response body limit counted while reading, so an oversize answer is an error and never an
//! allocation. Pooled connections idle for 5 s are closed, before the platform's 8 s.
//!
//! ```no_run
//! use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
//! use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
//! use wechatpay_hyper::HyperClient;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let credentials = MerchantCredentials::new("1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001",
//!     &std::fs::read_to_string("apiclient_key.pem")?)?;
//! let mut platform_keys = PlatformKeys::new();
//! platform_keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001",
//!     &std::fs::read_to_string("pub_key.pem")?)?;
//! let wechatpay = HyperClient::new(Client::new(credentials, platform_keys)?)?;
//!
//! let applyment = wechatpay.execute(&QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")?).await?;
//! println!("{}: {:?}", applyment.applyment_state, applyment.next_step());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use getrandom::SysRng;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rand_core::UnwrapErr;
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

/// The default connector: HTTPS with the Mozilla roots (webpki-roots), or plain HTTP for a
/// loopback mock; HTTP/1.1.
pub type DefaultConnector = HttpsConnector<HttpConnector>;

/// A WeChat Pay client over hyper. Cheap to share: wrap it in an `Arc`.
#[derive(Debug)]
pub struct HyperClient<C = DefaultConnector> {
    core: wechatpay_core::Client,
    http: PooledClient<C, Full<Bytes>>,
    timeout: Duration,
    body_limit: usize,
    retry: RetryPolicy,
}

impl HyperClient<DefaultConnector> {
    /// A client with its own connection pool: HTTPS (Mozilla roots, rustls with aws-lc-rs) or
    /// HTTP, HTTP/1.1, idle connections closed after 5 s.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] if the adapter cannot name itself in the `User-Agent`;
    /// [`Error::Unsupported`] if rustls refuses the TLS configuration.
    pub fn new(core: wechatpay_core::Client) -> Result<Self, Error> {
        // Named explicitly: when a build holds several rustls providers (ring through another
        // crate, say), rustls has no process default and would panic on first use.
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| Error::Unsupported {
                reason: format!("rustls refuses the TLS configuration: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let http = PooledClient::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_timer(TokioTimer::new())
            .build(connector);
        Self::with_http_client(core, http)
    }
}

impl<C> HyperClient<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    /// A client over a hyper-util client you built (a proxy connector, custom TLS roots, your
    /// own pool settings). Keep its idle timeout under 8 s.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] if the adapter cannot name itself in the `User-Agent`.
    pub fn with_http_client(
        core: wechatpay_core::Client,
        http: PooledClient<C, Full<Bytes>>,
    ) -> Result<Self, Error> {
        Ok(HyperClient {
            core: core.with_user_agent_product(PRODUCT)?,
            http,
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
        })
    }

    /// Sets the per-attempt timeout (sending and reading the whole answer).
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

    /// Runs `operation` to its verified, decoded output, retrying as the policy says.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] for what the platform answered or what failed verification;
    /// [`Error::Transport`] or [`Error::Timeout`] when the last attempt allowed failed so;
    /// [`Error::BodyTooLarge`].
    pub async fn execute<O: Operation + ?Sized>(&self, operation: &O) -> Result<O::Output, Error> {
        let mut rng = UnwrapErr(SysRng);
        let mut call = Call::new(&self.core, operation, self.retry);
        loop {
            let request = call.request(unix_now(), &mut rng)?;
            let wait = match self.exchange(request).await {
                Ok(response) => match call.response(&response, unix_now(), &mut rng) {
                    Step::Done(result) => return Ok(result?),
                    Step::Retry { after } => after,
                },
                Err(failure) => call.failed(failure, &mut rng)?,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one request exactly as given (no signing, no retry) and reads the answer within
    /// the timeout and the body limit: for tools that show each step, such as a debugging CLI.
    /// Verify the answer with [`wechatpay_core::Client::parse`] before trusting it.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`], [`Error::Timeout`] or [`Error::BodyTooLarge`], with one attempt.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let host = origin(request.uri());
        self.exchange(request)
            .await
            .map_err(|failure| failure.into_error(1, &host))
    }

    /// One exchange, within the timeout and the body limit.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, AttemptFailure> {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                let kind = if e.is_connect() {
                    TransportFailure::Connect
                } else {
                    TransportFailure::Interrupted
                };
                AttemptFailure::Transport {
                    kind,
                    cause: cause_of(&e),
                    source: Box::new(ClientError(e)),
                }
            })?;
            let (parts, body) = response.into_parts();
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
            let body = Limited::new(body, self.body_limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        AttemptFailure::BodyTooLarge {
                            limit: self.body_limit,
                        }
                    } else {
                        AttemptFailure::Transport {
                            kind: TransportFailure::Interrupted,
                            cause: cause_of(&*e),
                            source: e,
                        }
                    }
                })?;
            Ok(http::Response::from_parts(parts, body.to_bytes().to_vec()))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(AttemptFailure::Timeout {
                timeout: self.timeout,
            }))
    }
}

/// What a failed exchange was: the TLS library's errors first, then the standard library's
/// (DNS, refused, reset, timed out), wherever they sit in the chain.
fn cause_of(error: &(dyn std::error::Error + 'static)) -> TransportCause {
    match find_source::<rustls::Error>(error) {
        // The first byte of a plain HTTP answer ('H') is not a TLS record type.
        Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) => {
            TransportCause::PlainHttp
        }
        Some(_) => TransportCause::Tls,
        None => TransportCause::of(error),
    }
}

/// hyper-util's client error, shown by its cause. Its own text only names the stage that
/// failed ("client error (Connect)"), which the core's message says in words, and would
/// otherwise stand in front of every cause.
#[derive(Debug)]
struct ClientError(hyper_util::client::legacy::Error);

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match std::error::Error::source(&self.0) {
            Some(cause) => std::fmt::Display::fmt(cause, f),
            None => std::fmt::Display::fmt(&self.0, f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0).and_then(std::error::Error::source)
    }
}

fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)] // the adapter is the core's clock
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
