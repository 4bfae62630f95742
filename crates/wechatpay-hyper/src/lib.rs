//! The async adapter of `wechatpay-core`: hyper 1 with hyper-util's pooled client and rustls.
//!
//! It only moves bytes: [`HyperTransport`] sends a request and reads its answer within the
//! settings' timeout and body limit (counted while reading, so an oversize answer is an error
//! and never an allocation), streams downloads to a `tokio` writer, sleeps on tokio's timer,
//! and reads the clock and the system's random source. Everything else (signing, verification,
//! retries and failover, the digest of downloads) is [`wechatpay_core::Adapter`]'s, the same
//! for every adapter. Pooled connections idle for 5 s are closed, before the platform's 8 s.
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

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use getrandom::SysRng;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rand_core::{CryptoRng, UnwrapErr};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use wechatpay_core::{
    AdapterSettings, Attempt, AttemptFailure, DefaultTransport, DownloadSink, POOL_IDLE_TIMEOUT,
    Transport, TransportCause, TransportFailure, find_source, too_large,
};

/// The adapter's error: the core's, or what went wrong moving the bytes (the same type for
/// every adapter).
pub use wechatpay_core::AdapterError as Error;

/// A WeChat Pay client over hyper: [`HyperClient::new`] for the default connection pool
/// (HTTPS with rustls on aws-lc-rs and the platform's certificate verifier, or the Mozilla
/// roots with the `webpki-roots` feature; plain HTTP for a loopback mock; HTTP/1.1), or [`wechatpay_core::Adapter::with_transport`] over a [`HyperTransport`] of
/// your own hyper-util client (a proxy connector, other roots). Cheap to share: wrap it in an
/// `Arc`.
pub type HyperClient<C = DefaultConnector> = wechatpay_core::Adapter<HyperTransport<C>>;

/// The default connector: HTTPS (the platform's verifier, or the Mozilla roots with the
/// `webpki-roots` feature), or plain HTTP for a loopback mock; HTTP/1.1.
pub type DefaultConnector = HttpsConnector<HttpConnector>;

/// hyper-util's pooled client as a [`Transport`].
#[derive(Debug, Clone)]
pub struct HyperTransport<C = DefaultConnector> {
    http: PooledClient<C, Full<Bytes>>,
}

impl<C> HyperTransport<C> {
    /// A transport over a hyper-util client you built. Keep its idle timeout under 8 s.
    pub fn new(http: PooledClient<C, Full<Bytes>>) -> Self {
        HyperTransport { http }
    }
}

impl DefaultTransport for HyperTransport<DefaultConnector> {
    fn default_transport() -> Result<Self, Error> {
        // Named explicitly: when a build holds several rustls providers, rustls has no process
        // default and would panic on first use.
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let builder = HttpsConnectorBuilder::new();
        #[cfg(feature = "webpki-roots")]
        let builder = builder.with_provider_and_webpki_roots(provider);
        #[cfg(not(feature = "webpki-roots"))]
        let builder = builder.with_provider_and_platform_verifier(provider);
        let connector = builder
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
        Ok(HyperTransport::new(http))
    }
}

impl<C> Transport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    const PRODUCT: &'static str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

    /// Any tokio writer: a file, a buffer, a socket.
    type Sink = dyn AsyncWrite + Unpin + Send;

    fn exchange(
        &self,
        request: Request<Vec<u8>>,
        settings: &AdapterSettings,
    ) -> impl Future<Output = Attempt> {
        let limit = settings.body_limit;
        within(settings.timeout, async move {
            let (parts, body) = self.head(request).await?.into_parts();
            let body = read_limited(body, limit).await?;
            Ok(Response::from_parts(parts, body))
        })
    }

    fn download(
        &self,
        request: Request<Vec<u8>>,
        mut to: DownloadSink<'_, Self::Sink>,
    ) -> impl Future<Output = Attempt> {
        let AdapterSettings {
            timeout,
            body_limit,
            ..
        } = *to.settings();
        async move {
            let (parts, mut body) = within(timeout, self.head(request)).await?.into_parts();
            if !parts.status.is_success() {
                let body = within(timeout, read_limited(body, body_limit)).await?;
                return Ok(Response::from_parts(parts, body));
            }
            to.check_head(&parts.headers)?;
            while let Some(frame) = within(timeout, async { Ok(body.frame().await) }).await? {
                let frame = frame.map_err(|e| interrupted(Box::new(e)))?;
                let Ok(chunk) = frame.into_data() else {
                    continue; // trailers
                };
                to.admit(chunk.len())?;
                let mut rest: &[u8] = &chunk;
                while !rest.is_empty() {
                    let (sink, text) = to.decode(&mut rest)?;
                    let written = sink.write_all(text).await;
                    written.map_err(|e| to.failed(e))?;
                }
            }
            loop {
                let (sink, text) = to.end()?;
                if text.is_empty() {
                    break;
                }
                let written = sink.write_all(text).await;
                written.map_err(|e| to.failed(e))?;
            }
            let flushed = to.sink().flush().await;
            flushed.map_err(|e| to.failed(e))?;
            Ok(Response::from_parts(parts, Vec::new()))
        }
    }

    async fn sleep(&self, wait: Duration) -> Result<(), Error> {
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn now(&self) -> u64 {
        #[allow(clippy::disallowed_methods)] // the adapter is the core's clock
        let now = SystemTime::now();
        now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }

    fn rng(&self) -> impl CryptoRng {
        UnwrapErr(SysRng)
    }
}

impl<C> HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    /// Sends `request` and waits for the answer's head.
    async fn head(&self, request: Request<Vec<u8>>) -> Result<Response<Incoming>, AttemptFailure> {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        self.http.request(request).await.map_err(|e| {
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
        })
    }
}

/// The whole body, refused past `limit` bytes (declared or counted).
async fn read_limited(body: Incoming, limit: usize) -> Result<Vec<u8>, AttemptFailure> {
    let declared_limit = u64::try_from(limit).unwrap_or(u64::MAX);
    let size = hyper::body::Body::size_hint(&body);
    if size.exact().is_some_and(|length| length > declared_limit) {
        return Err(too_large(declared_limit));
    }
    let body = Limited::new(body, limit).collect().await.map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() {
            too_large(declared_limit)
        } else {
            interrupted(e)
        }
    })?;
    Ok(body.to_bytes().to_vec())
}

/// `future` within `timeout`.
async fn within<T>(
    timeout: Duration,
    future: impl Future<Output = Result<T, AttemptFailure>>,
) -> Result<T, AttemptFailure> {
    tokio::time::timeout(timeout, future)
        .await
        .unwrap_or(Err(AttemptFailure::Timeout { timeout }))
}

fn interrupted(source: Box<dyn std::error::Error + Send + Sync>) -> AttemptFailure {
    AttemptFailure::Transport {
        kind: TransportFailure::Interrupted,
        cause: cause_of(&*source),
        source,
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

/// Compiled, never run: tokio services spawn these futures, so they must be `Send` (the
/// core's loop is generic; only a concrete transport shows whether it is).
#[cfg(test)]
#[allow(dead_code)]
fn futures_are_send(
    client: &HyperClient,
    operation: &wechatpay_core::ecommerce::applyment::QueryApplymentById,
    ticket: &wechatpay_core::DownloadTicket,
    sink: &mut tokio::fs::File,
    key: &wechatpay_core::ApiV3Key,
) {
    fn send<T: Send>(_: T) {}
    send(client.execute(operation));
    send(client.download_certificates(key));
    send(client.download(ticket, sink));
    send(client.send(Request::new(Vec::new())));
}
