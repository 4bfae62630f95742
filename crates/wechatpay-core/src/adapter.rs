//! What every adapter shares, written once: the settings, the loop that runs an operation
//! through its attempts, and downloads checked by their digest. An adapter supplies only a
//! [`Transport`] (sending, streaming, sleeping, the clock and randomness), so that hyper,
//! ureq and `fetch` cannot drift apart.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, Response};
use rand_core::CryptoRng;

use std::sync::atomic::{AtomicU64, Ordering};

use crate::call::{
    AdapterError, AttemptFailure, Call, DEFAULT_BODY_LIMIT, DEFAULT_TIMEOUT, Step, origin,
};
use crate::certificates::{
    DownloadCertificates, PlatformCertificate, RefreshPolicy, RefreshTrigger, public_key_mode,
};
use crate::client::Client;
use crate::download::{DownloadTicket, FileDecoder};
use crate::error::{CryptoError, Error};
use crate::nonce::Nonce;
use crate::notification::{ApiV3Key, Notification, OpenedNotification};
use crate::operation::Operation;
use crate::platform_keys::PlatformKeys;
use crate::retry::{Decision, Host, Outcome, RetryPolicy};
use crate::unsigned::UnsignedRequest;
use crate::verification::{SignatureCheck, WECHATPAY_SERIAL};

/// The download limit adapters apply unless told otherwise: 1 GiB. Bills are streamed, never
/// held whole, so this bounds the disk a download may fill, not memory.
pub const DEFAULT_DOWNLOAD_LIMIT: u64 = 1 << 30;

/// The settings every adapter shares.
///
/// ```
/// use std::time::Duration;
/// use wechatpay_core::{AdapterSettings, RetryPolicy};
///
/// let settings = AdapterSettings::default()
///     .with_timeout(Duration::from_secs(5))
///     .with_retry_policy(RetryPolicy::default().with_max_attempts(5));
/// assert_eq!(settings.body_limit, 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdapterSettings {
    /// Per attempt: connecting, sending and reading the whole answer; for a download, the
    /// wait for its head and for each piece of its body (a bill takes as long as it takes).
    pub timeout: Duration,
    /// The largest JSON answer read, in bytes (1 MiB).
    pub body_limit: usize,
    /// The largest download streamed to a sink, in bytes (1 GiB).
    pub download_limit: u64,
    /// Retries and failover.
    pub retry: RetryPolicy,
}

impl Default for AdapterSettings {
    fn default() -> Self {
        AdapterSettings {
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            download_limit: DEFAULT_DOWNLOAD_LIMIT,
            retry: RetryPolicy::default(),
        }
    }
}

impl AdapterSettings {
    /// With this per-attempt timeout.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        AdapterSettings { timeout, ..self }
    }

    /// With this JSON answer limit, in bytes.
    pub fn with_body_limit(self, body_limit: usize) -> Self {
        AdapterSettings { body_limit, ..self }
    }

    /// With this download limit, in bytes.
    pub fn with_download_limit(self, download_limit: u64) -> Self {
        AdapterSettings {
            download_limit,
            ..self
        }
    }

    /// With this retry and failover policy.
    pub fn with_retry_policy(self, retry: RetryPolicy) -> Self {
        AdapterSettings { retry, ..self }
    }

    /// Refuses an answer whose `Content-Length` is over `limit` before a byte of it is read,
    /// so an oversize answer is an error and never an allocation. Transports call it on the
    /// head, then count while reading (the header may be absent or wrong).
    ///
    /// # Errors
    ///
    /// [`AttemptFailure::BodyTooLarge`].
    pub fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), AttemptFailure> {
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(too_large(limit));
        }
        Ok(())
    }
}

/// [`AttemptFailure::BodyTooLarge`] for a limit of any width.
pub fn too_large(limit: u64) -> AttemptFailure {
    AttemptFailure::BodyTooLarge {
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
    }
}

/// One attempt's answer, or how it failed below HTTP.
pub type Attempt = Result<Response<Vec<u8>>, AttemptFailure>;

/// Where a download's body goes: decoded by the core (gunzip, decryption, the digest) and
/// written to the caller's sink piece by piece, within the download limit. Made by
/// [`Adapter::download`] for [`Transport::download`], which runs, for each piece of the body:
///
/// ```text
/// to.admit(chunk.len())?;
/// let mut rest: &[u8] = &chunk;
/// while !rest.is_empty() {
///     let (sink, text) = to.decode(&mut rest)?;
///     sink.write_all(text)?; // `.await` for an asynchronous sink
/// }
/// ```
///
/// and once the body ended, `to.end()` the same way until it gives no text, then flushes.
pub struct DownloadSink<'a, S: ?Sized> {
    sink: &'a mut S,
    decoder: &'a mut FileDecoder,
    settings: AdapterSettings,
}

impl<'a, S: ?Sized> DownloadSink<'a, S> {
    /// The settings of the download: its timeout, and the body limit of an error answer.
    pub fn settings(&self) -> &AdapterSettings {
        &self.settings
    }

    /// Refuses a file whose declared `Content-Length` is over the download limit, before a
    /// byte of it is read.
    ///
    /// # Errors
    ///
    /// [`AttemptFailure::BodyTooLarge`].
    pub fn check_head(&self, headers: &HeaderMap) -> Result<(), AttemptFailure> {
        AdapterSettings::check_declared_length(headers, self.settings.download_limit)
    }

    /// Admits the next `len` bytes of the body, or refuses them past the download limit: call
    /// it before decoding them.
    ///
    /// # Errors
    ///
    /// [`AttemptFailure::BodyTooLarge`].
    pub fn admit(&self, len: usize) -> Result<(), AttemptFailure> {
        let limit = self.settings.download_limit;
        if self.decoder.received().saturating_add(len as u64) > limit {
            return Err(too_large(limit));
        }
        Ok(())
    }

    /// Decodes bytes of the body from the front of `received` (advancing it), and gives the
    /// caller's sink with the text to write to it: possibly none yet, at most a few dozen KiB.
    /// Call it until `received` is empty.
    ///
    /// # Errors
    ///
    /// [`AttemptFailure::Refused`] when the bytes are not what the ticket announced (not
    /// gzip); [`AttemptFailure::BodyTooLarge`] when the text passes the download limit (a
    /// file that inflates without end).
    pub fn decode(&mut self, received: &mut &[u8]) -> Result<(&mut S, &[u8]), AttemptFailure> {
        let limit = self.settings.download_limit;
        let before = self.decoder.decoded();
        let text = self
            .decoder
            .decode(received)
            .map_err(AttemptFailure::Refused)?;
        if before.saturating_add(text.len() as u64) > limit {
            return Err(too_large(limit));
        }
        Ok((&mut *self.sink, text))
    }

    /// The body ended: the text the decoder still holds, with the sink, after an encrypted
    /// file's tag was compared. Call it until it gives no text.
    ///
    /// # Errors
    ///
    /// [`AttemptFailure::Refused`] (a tag that does not match, a gzip stream cut short);
    /// [`AttemptFailure::BodyTooLarge`].
    pub fn end(&mut self) -> Result<(&mut S, &[u8]), AttemptFailure> {
        let limit = self.settings.download_limit;
        let before = self.decoder.decoded();
        let text = self.decoder.end().map_err(AttemptFailure::Refused)?;
        if before.saturating_add(text.len() as u64) > limit {
            return Err(too_large(limit));
        }
        Ok((&mut *self.sink, text))
    }

    /// The caller's sink (to open a writer on it, or flush it).
    pub fn sink(&mut self) -> &mut S {
        self.sink
    }

    /// A failed write of the sink: final, and reported as [`crate::Error::Io`].
    pub fn failed(&self, source: std::io::Error) -> AttemptFailure {
        AttemptFailure::Sink { source }
    }
}

/// The I/O an asynchronous adapter supplies. Everything else (signing, verification, the
/// retry policy, the digest of downloads) is the core's.
pub trait Transport {
    /// The adapter's product token, put in front of the `User-Agent`: `wechatpay-hyper/0.1.0`.
    const PRODUCT: &'static str;

    /// Where a download is written: `tokio::io::AsyncWrite`, a JavaScript stream, ...
    type Sink: ?Sized;

    /// Sends `request` exactly as given (redirects not followed) and reads the whole answer
    /// within `settings.timeout` and `settings.body_limit`.
    fn exchange(
        &self,
        request: Request<Vec<u8>>,
        settings: &AdapterSettings,
    ) -> impl Future<Output = Attempt>;

    /// Sends a download request. A `2xx` answer's body goes to `to` as it arrives (see
    /// [`DownloadSink`]), the timeout bounding each wait for the next piece, and the response
    /// comes back with an empty body; any other answer's body is read as
    /// [`Transport::exchange`] reads one, and returned.
    fn download(
        &self,
        request: Request<Vec<u8>>,
        to: DownloadSink<'_, Self::Sink>,
    ) -> impl Future<Output = Attempt>;

    /// Waits `wait`.
    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), AdapterError>>;

    /// The current Unix time, in seconds.
    fn now(&self) -> u64;

    /// The random source for nonces, encryption padding and blinding.
    fn rng(&self) -> impl CryptoRng;

    /// Signs `message` (SHA256withRSA, the raw signature) with a merchant key the transport
    /// holds (the runtime's own crypto, a remote service); `None`, the default, leaves the
    /// signature to the credentials' signer. The core still builds the message and the
    /// request, and checks what comes back.
    fn sign(&self, message: &[u8]) -> impl Future<Output = Option<Result<Vec<u8>, CryptoError>>> {
        let _ = message;
        std::future::ready(None)
    }

    /// Verifies a platform signature with the transport's crypto: whether
    /// [`SignatureCheck::signature`] is valid over [`SignatureCheck::message`] under the key's
    /// [`crate::PlatformKey::spki_der`]. `None`, the default, leaves it to the core. Every other
    /// check (the probe, the key, the clock) stays the core's.
    fn verify(&self, check: &SignatureCheck<'_, '_>) -> impl Future<Output = Option<bool>> {
        let _ = check;
        std::future::ready(None)
    }
}

/// A transport with one obvious default: the adapter's own connection pool and TLS.
pub trait DefaultTransport: Sized {
    /// The default transport.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Unsupported`] when the runtime lacks what the transport needs.
    fn default_transport() -> Result<Self, AdapterError>;
}

/// A client of the platform over a [`Transport`]: the core [`Client`], the settings, and the
/// transport. Each adapter crate names its own (`HyperClient`, `FetchClient`).
pub struct Adapter<T> {
    client: Client,
    settings: AdapterSettings,
    transport: T,
    refresh: Option<CertificateRefresh>,
}

/// What [`Adapter::run`] does with an answer before checking it.
trait BeforeCheck {
    async fn run<T: Transport>(&self, adapter: &Adapter<T>, response: &Response<Vec<u8>>);
}

/// Nothing: the answer is checked at once (the certificate download itself).
struct CheckAtOnce;

impl BeforeCheck for CheckAtOnce {
    async fn run<T: Transport>(&self, _: &Adapter<T>, _: &Response<Vec<u8>>) {}
}

/// A certificate refresh first when the answer names a serial not held.
struct RefreshFirst;

impl BeforeCheck for RefreshFirst {
    async fn run<T: Transport>(&self, adapter: &Adapter<T>, response: &Response<Vec<u8>>) {
        adapter.refresh_for(response.headers()).await;
    }
}

/// The certificate refresh an adapter drives ([`Adapter::with_certificate_refresh`]).
struct CertificateRefresh {
    download: DownloadCertificates,
    policy: RefreshPolicy,
    /// When the last download was attempted, Unix seconds; 0 before the first. Claimed with a
    /// compare-and-swap, so that of many tasks finding a refresh due, one downloads.
    last_attempt: AtomicU64,
}

impl CertificateRefresh {
    /// Whether this caller is the one to download now.
    fn claim(&self, trigger: RefreshTrigger, now: u64, earliest_expiry: Option<u64>) -> bool {
        let last = self.last_attempt.load(Ordering::Acquire);
        let last_attempt = (last != 0).then_some(last);
        self.policy
            .is_due(trigger, now, last_attempt, earliest_expiry)
            && self
                .last_attempt
                .compare_exchange(last, now.max(1), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }
}

impl<T: Transport + DefaultTransport> Adapter<T> {
    /// A client over the adapter's default transport, with the default settings.
    ///
    /// # Errors
    ///
    /// As [`DefaultTransport::default_transport`]; [`AdapterError::Core`] if the adapter
    /// cannot name itself in the `User-Agent`.
    pub fn new(client: Client) -> Result<Self, AdapterError> {
        Self::with_transport(client, T::default_transport()?)
    }
}

impl<T: Transport> Adapter<T> {
    /// A client over `transport`, with the default settings.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Core`] if the adapter cannot name itself in the `User-Agent`.
    pub fn with_transport(client: Client, transport: T) -> Result<Self, AdapterError> {
        Ok(Adapter {
            client: client.with_user_agent_product(T::PRODUCT)?,
            settings: AdapterSettings::default(),
            transport,
            refresh: None,
        })
    }

    /// Keeps the platform certificates current (certificate mode): before a call when
    /// `policy` says a refresh is due (none made yet, the interval passed, a certificate
    /// about to expire), and when an answer or a callback names a serial the client does not
    /// hold, at most once per `policy.min_gap`. A client made with
    /// [`Client::without_platform_keys`] downloads them before its first call.
    ///
    /// A failed refresh is logged (`tracing`, target `wechatpay`) and the call goes on with the
    /// keys held; it fails only when there are none.
    pub fn with_certificate_refresh(self, key: ApiV3Key, policy: RefreshPolicy) -> Self {
        Adapter {
            refresh: Some(CertificateRefresh {
                download: DownloadCertificates::new(key),
                policy,
                last_attempt: AtomicU64::new(0),
            }),
            ..self
        }
    }

    /// Downloads the platform certificates (`GET /v3/certificates`), verifies the answer (the
    /// first download with the certificate it carries and names: see
    /// [`crate::certificates`]), decrypts them with `key` and adds those not held yet to the
    /// client's platform keys. Returns every certificate listed.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Core`] with [`Error::PublicKeyMode`] for a merchant in public key mode,
    /// and otherwise as [`Adapter::execute`].
    pub async fn download_certificates(
        &self,
        key: &ApiV3Key,
    ) -> Result<Vec<PlatformCertificate>, AdapterError> {
        if let Some(refresh) = &self.refresh {
            // A download asked for counts as the policy's last attempt.
            refresh
                .last_attempt
                .store(self.transport.now().max(1), Ordering::Release);
        }
        self.fetch_certificates(&DownloadCertificates::new(key.clone()))
            .await
    }

    async fn fetch_certificates(
        &self,
        download: &DownloadCertificates,
    ) -> Result<Vec<PlatformCertificate>, AdapterError> {
        let certificates = self
            .run(
                download,
                |response| download.carried_keys(&self.client, response),
                CheckAtOnce,
            )
            .await
            .map_err(|error| match error {
                AdapterError::Core(error) => AdapterError::Core(public_key_mode(error)),
                other => other,
            })?;
        let added = self
            .client
            .platform_keys()
            .add_verified_certificates(&certificates)?;
        tracing::debug!(
            target: "wechatpay",
            listed = certificates.len(),
            added,
            "platform certificates downloaded"
        );
        Ok(certificates)
    }

    /// Downloads the certificates when the refresh policy says so for `trigger`.
    async fn refresh_if_due(&self, trigger: RefreshTrigger) -> Result<(), AdapterError> {
        let Some(refresh) = &self.refresh else {
            return Ok(());
        };
        let keys = self.client.platform_keys();
        if !refresh.claim(trigger, self.transport.now(), keys.earliest_expiry()) {
            return Ok(());
        }
        match self.fetch_certificates(&refresh.download).await {
            Ok(_) => Ok(()),
            Err(error) if keys.is_empty() => Err(error),
            Err(error) => {
                tracing::warn!(
                    target: "wechatpay",
                    error = %error,
                    "platform certificate refresh failed; going on with the certificates held"
                );
                Ok(())
            }
        }
    }

    /// A refresh asked by an answer or a callback naming a serial not held: `headers` are its.
    async fn refresh_for(&self, headers: &HeaderMap) {
        let unknown = self.refresh.is_some()
            && headers
                .get(WECHATPAY_SERIAL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|serial| self.client.platform_keys().get(serial).is_none());
        if unknown {
            // Its failure is logged there; the answer then fails as an unknown serial.
            let _ = self.refresh_if_due(RefreshTrigger::UnknownSerial).await;
        }
    }

    /// With these settings.
    pub fn with_settings(self, settings: AdapterSettings) -> Self {
        Adapter { settings, ..self }
    }

    /// The settings.
    pub fn settings(&self) -> &AdapterSettings {
        &self.settings
    }

    /// The core client.
    pub fn core(&self) -> &Client {
        &self.client
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Runs `operation` to its verified, decoded output, retrying as the policy says.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Core`] for what the platform answered or what failed verification;
    /// [`AdapterError::Transport`] or [`AdapterError::Timeout`] when the last attempt allowed
    /// failed so; [`AdapterError::BodyTooLarge`]; [`AdapterError::Unsupported`].
    pub async fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<O::Output, AdapterError> {
        self.refresh_if_due(RefreshTrigger::Scheduled).await?;
        self.run(
            operation,
            |_| None,
            // The same answer is verified after the refresh: nothing is sent twice.
            RefreshFirst,
        )
        .await
    }

    /// The loop of [`Adapter::execute`]: `carried` gives the keys an answer carries for
    /// itself (a first certificate download), `before` runs before an answer is checked (a
    /// refresh on an unknown serial). A type rather than a flag, so that the certificate
    /// download a refresh runs is another instance of this loop, not a recursion.
    async fn run<O: Operation + ?Sized, B: BeforeCheck>(
        &self,
        operation: &O,
        carried: impl Fn(&Response<Vec<u8>>) -> Option<PlatformKeys>,
        before: B,
    ) -> Result<O::Output, AdapterError> {
        let mut rng = self.transport.rng();
        let mut call = Call::new(&self.client, operation, self.settings.retry);
        loop {
            let unsigned = call.unsigned_request(self.transport.now(), &mut rng)?;
            let request = self.sign(unsigned, &mut rng).await?;
            let wait = match self.transport.exchange(request, &self.settings).await {
                Ok(response) => {
                    before.run(self, &response).await;
                    let carried = carried(&response);
                    let now = self.transport.now();
                    let received = match &carried {
                        Some(keys) => self.client.receive_with(&response, keys, now),
                        None => self.client.receive(&response, now),
                    };
                    let valid = match received.signature_check() {
                        Some(check) => self.verdict(check).await,
                        // Nothing to verify: the verdict is not used.
                        None => false,
                    };
                    match call.checked(received.conclude(valid), &mut rng) {
                        Step::Done(result) => return Ok(result?),
                        Step::Retry { after } => after,
                    }
                }
                Err(failure) => call.failed(failure, &mut rng)?,
            };
            self.transport.sleep(wait).await?;
        }
    }

    /// Signs with the transport's crypto when it has its own ([`Transport::sign`]), else with
    /// the credentials' signer: the one place both loops sign, so that a download is signed
    /// where every other call is.
    async fn sign<R: CryptoRng + ?Sized>(
        &self,
        unsigned: UnsignedRequest<'_>,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        match self.transport.sign(unsigned.message()).await {
            Some(signature) => unsigned.finish(&signature.map_err(Error::Signing)?),
            None => unsigned.sign(rng),
        }
    }

    /// Verifies a callback (the headers and raw body the platform posted) at the transport's
    /// time, with the transport's crypto when it has its own ([`Transport::verify`]), and
    /// reads it: [`Client::parse_notification`] for a server that already holds an adapter.
    ///
    /// # Errors
    ///
    /// As [`Client::parse_notification`].
    pub async fn parse_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, AdapterError> {
        // A callback signed by a certificate issued since the last download (a rotation).
        self.refresh_for(headers).await;
        let check = self
            .client
            .notification_check(headers, body, self.transport.now())?;
        let valid = self.verdict(check.signature_check()).await;
        Ok(check.conclude(valid)?)
    }

    /// As [`Adapter::parse_notification`], then the resource decrypted with the APIv3 key and
    /// read by event type: [`Client::open_notification`] at the transport's time, with its
    /// crypto for the signature.
    ///
    /// # Errors
    ///
    /// As [`Client::open_notification`].
    pub async fn open_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        key: &ApiV3Key,
    ) -> Result<OpenedNotification, AdapterError> {
        let notification = self.parse_notification(headers, body).await?;
        Ok(notification.open(key)?)
    }

    /// The transport's verdict on `check` when it verifies itself, else the core's.
    async fn verdict(&self, check: &SignatureCheck<'_, '_>) -> bool {
        match self.transport.verify(check).await {
            Some(valid) => valid,
            None => check.verify(),
        }
    }

    /// Sends one request exactly as given (no signing, no retry) and reads the answer within
    /// the timeout and the body limit: for tools that show each step, such as a debugging CLI.
    /// Verify the answer with [`Client::parse`] before trusting it.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Transport`], [`AdapterError::Timeout`], [`AdapterError::BodyTooLarge`]
    /// or [`AdapterError::Unsupported`], with one attempt.
    pub async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, AdapterError> {
        let host = origin(request.uri());
        self.transport
            .exchange(request, &self.settings)
            .await
            .map_err(|failure| failure.into_error(1, &host))
    }

    /// Downloads the file `ticket` announced into `sink`, streaming: gunzipped when the
    /// ticket says it is gzip'd, decrypted when it is encrypted, its digest checked over the
    /// text. Returns the text's length.
    ///
    /// Only attempts that failed before any text reached the sink are retried (on the
    /// ticket's own host: the download URL names it). On any error, what the sink holds is not
    /// the file: discard it. Write to a temporary file and move it into place on success.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Core`] with a digest mismatch (naming both digests), a file that is not
    /// gzip as announced, an encrypted file whose tag fails, an error answer, or a ticket for
    /// a host the client does not know; the transport errors of [`Adapter::execute`],
    /// [`AdapterError::BodyTooLarge`] past the download limit (of the bytes received, and of
    /// the text they decode to).
    pub async fn download(
        &self,
        ticket: &DownloadTicket,
        sink: &mut T::Sink,
    ) -> Result<u64, AdapterError> {
        let mut rng = self.transport.rng();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let nonce = Nonce::generate(&mut rng);
            let unsigned =
                self.client
                    .prepare_download_unsigned(ticket, self.transport.now(), &nonce)?;
            let request = self.sign(unsigned, &mut rng).await?;
            let mut decoder = FileDecoder::new(ticket);
            let to = DownloadSink {
                sink: &mut *sink,
                decoder: &mut decoder,
                settings: self.settings,
            };
            // The path only: the query holds the download token.
            tracing::debug!(
                target: "wechatpay",
                attempt,
                host = ticket.origin(),
                path = ticket.path_and_query().split('?').next().unwrap_or_default(),
                "download requested"
            );
            let failure = match self.transport.download(request, to).await {
                Ok(response) if response.status().is_success() => {
                    let verdict = decoder.finish();
                    tracing::debug!(
                        target: "wechatpay",
                        attempt,
                        status = response.status().as_u16(),
                        digest = if verdict.is_ok() { "matched" } else { "mismatch" },
                        "download received"
                    );
                    return Ok(verdict?);
                }
                Ok(response) => {
                    let error = self.client.download_error(&response, self.transport.now());
                    if decoder.decoded() == 0
                        && let Decision::Retry { after, .. } = self.settings.retry.decide(
                            attempt,
                            Host::Primary,
                            Outcome::Error(&error),
                            &mut rng,
                        )
                    {
                        self.transport.sleep(after).await?;
                        continue;
                    }
                    return Err(error.into());
                }
                Err(failure) => failure,
            };
            let retryable = decoder.decoded() == 0
                && matches!(
                    failure,
                    AttemptFailure::Transport { .. } | AttemptFailure::Timeout { .. }
                );
            if retryable {
                let outcome = match &failure {
                    AttemptFailure::Transport { kind, .. } => Outcome::Transport(*kind),
                    _ => Outcome::Transport(crate::retry::TransportFailure::Timeout),
                };
                let policy = self.settings.retry.without_failover();
                if let Decision::Retry { after, .. } =
                    policy.decide(attempt, Host::Primary, outcome, &mut rng)
                {
                    self.transport.sleep(after).await?;
                    continue;
                }
            }
            return Err(failure.into_error(attempt, ticket.origin()));
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Adapter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adapter")
            .field("client", &self.client)
            .field("settings", &self.settings)
            .field("transport", &self.transport)
            .field(
                "certificate_refresh",
                &self.refresh.as_ref().map(|refresh| refresh.policy),
            )
            .finish()
    }
}

/// The I/O a blocking adapter supplies: [`Transport`], with every call returning when done.
pub trait BlockingTransport {
    /// As [`Transport::PRODUCT`].
    const PRODUCT: &'static str;

    /// As [`Transport::Sink`]: `dyn std::io::Write` for a blocking adapter.
    type Sink: ?Sized;

    /// As [`Transport::exchange`].
    ///
    /// # Errors
    ///
    /// The attempt's failure.
    fn exchange(&self, request: Request<Vec<u8>>, settings: &AdapterSettings) -> Attempt;

    /// As [`Transport::download`].
    ///
    /// # Errors
    ///
    /// The attempt's failure.
    fn download(&self, request: Request<Vec<u8>>, to: DownloadSink<'_, Self::Sink>) -> Attempt;

    /// Blocks the thread for `wait`.
    fn sleep(&self, wait: Duration);

    /// As [`Transport::now`].
    fn now(&self) -> u64;

    /// As [`Transport::rng`].
    fn rng(&self) -> impl CryptoRng;
}

/// A blocking transport seen as an asynchronous one whose futures are ready at once: the
/// blocking adapter runs the very loop of [`Adapter`].
#[derive(Debug)]
pub(crate) struct Blocking<T>(T);

impl<T: BlockingTransport> Transport for Blocking<T> {
    const PRODUCT: &'static str = T::PRODUCT;
    type Sink = T::Sink;

    fn exchange(
        &self,
        request: Request<Vec<u8>>,
        settings: &AdapterSettings,
    ) -> impl Future<Output = Attempt> {
        std::future::ready(self.0.exchange(request, settings))
    }

    fn download(
        &self,
        request: Request<Vec<u8>>,
        to: DownloadSink<'_, Self::Sink>,
    ) -> impl Future<Output = Attempt> {
        std::future::ready(self.0.download(request, to))
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), AdapterError>> {
        self.0.sleep(wait);
        std::future::ready(Ok(()))
    }

    fn now(&self) -> u64 {
        self.0.now()
    }

    fn rng(&self) -> impl CryptoRng {
        self.0.rng()
    }
}

impl<T: DefaultTransport> DefaultTransport for Blocking<T> {
    fn default_transport() -> Result<Self, AdapterError> {
        T::default_transport().map(Blocking)
    }
}

/// A client of the platform over a [`BlockingTransport`]; each adapter crate names its own
/// (`UreqClient`). Every call blocks the calling thread, backoff sleeps included.
pub struct BlockingAdapter<T> {
    inner: Adapter<Blocking<T>>,
}

impl<T: BlockingTransport + DefaultTransport> BlockingAdapter<T> {
    /// As [`Adapter::new`].
    ///
    /// # Errors
    ///
    /// As [`Adapter::new`].
    pub fn new(client: Client) -> Result<Self, AdapterError> {
        Ok(BlockingAdapter {
            inner: Adapter::new(client)?,
        })
    }
}

impl<T: BlockingTransport> BlockingAdapter<T> {
    /// As [`Adapter::with_transport`].
    ///
    /// # Errors
    ///
    /// As [`Adapter::with_transport`].
    pub fn with_transport(client: Client, transport: T) -> Result<Self, AdapterError> {
        Ok(BlockingAdapter {
            inner: Adapter::with_transport(client, Blocking(transport))?,
        })
    }

    /// With these settings.
    pub fn with_settings(self, settings: AdapterSettings) -> Self {
        BlockingAdapter {
            inner: self.inner.with_settings(settings),
        }
    }

    /// As [`Adapter::with_certificate_refresh`].
    pub fn with_certificate_refresh(self, key: ApiV3Key, policy: RefreshPolicy) -> Self {
        BlockingAdapter {
            inner: self.inner.with_certificate_refresh(key, policy),
        }
    }

    /// As [`Adapter::download_certificates`], blocking.
    ///
    /// # Errors
    ///
    /// As [`Adapter::download_certificates`].
    pub fn download_certificates(
        &self,
        key: &ApiV3Key,
    ) -> Result<Vec<PlatformCertificate>, AdapterError> {
        ready(self.inner.download_certificates(key))
    }

    /// The settings.
    pub fn settings(&self) -> &AdapterSettings {
        self.inner.settings()
    }

    /// The core client.
    pub fn core(&self) -> &Client {
        self.inner.core()
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.inner.transport().0
    }

    /// As [`Adapter::execute`], blocking.
    ///
    /// # Errors
    ///
    /// As [`Adapter::execute`].
    pub fn execute<O: Operation + ?Sized>(&self, operation: &O) -> Result<O::Output, AdapterError> {
        ready(self.inner.execute(operation))
    }

    /// As [`Adapter::send`], blocking.
    ///
    /// # Errors
    ///
    /// As [`Adapter::send`].
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, AdapterError> {
        ready(self.inner.send(request))
    }

    /// As [`Adapter::parse_notification`], at the transport's time.
    ///
    /// # Errors
    ///
    /// As [`Client::parse_notification`].
    pub fn parse_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, AdapterError> {
        ready(self.inner.parse_notification(headers, body))
    }

    /// As [`Adapter::open_notification`], at the transport's time.
    ///
    /// # Errors
    ///
    /// As [`Client::open_notification`].
    pub fn open_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        key: &ApiV3Key,
    ) -> Result<OpenedNotification, AdapterError> {
        ready(self.inner.open_notification(headers, body, key))
    }

    /// As [`Adapter::download`], blocking.
    ///
    /// # Errors
    ///
    /// As [`Adapter::download`].
    pub fn download(
        &self,
        ticket: &DownloadTicket,
        sink: &mut T::Sink,
    ) -> Result<u64, AdapterError> {
        ready(self.inner.download(ticket, sink))
    }
}

impl<T: fmt::Debug> fmt::Debug for BlockingAdapter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingAdapter")
            .field("client", &self.inner.client)
            .field("settings", &self.inner.settings)
            .field("transport", &self.inner.transport.0)
            .finish()
    }
}

/// The output of a future built only on [`Blocking`] transports, which never waits: every
/// future in it is ready when first polled.
fn ready<F: Future<Output = Result<T, AdapterError>>, T>(future: F) -> Result<T, AdapterError> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        // Unreachable: nothing in the loop awaits anything but ready futures.
        Poll::Pending => Err(AdapterError::Unsupported {
            reason: "a blocking transport returned a pending future".to_owned(),
        }),
    }
}
