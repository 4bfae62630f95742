//! Receive WeChat Pay APIv3 callbacks in [axum](https://docs.rs/axum): the [`Callback`]
//! extractor reads the raw body, verifies the platform's signature over it with a
//! [`wechatpay_core::Client`] (or through an adapter that keeps the platform certificates
//! current), decrypts the resource with the APIv3 key and reads it by event
//! type; a handler gets an [`OpenedNotification`] or never runs. A callback that fails is
//! refused with the status and `{"code":"FAIL","message":…}` body of
//! [`NotificationAnswer::refusal`] (`401` for what cannot be authenticated: a bad or missing
//! signature, the `WECHATPAY/SIGNTEST/` probe, a stale timestamp; `500` for what was
//! authenticated but cannot be read here), and the platform delivers it again later.
//!
//! The handler answers with [`Answer`]: [`Answer::success`] (`204`) once the callback is
//! handled, [`Answer::failure`] (`500`) to have it delivered again. The platform delivers a
//! callback until it is acknowledged, and may deliver it twice even then: de-duplicate on
//! [`OpenedNotification::id`], in the same transaction as the effect (see
//! [`OpenedNotification`] on idempotency).
//!
//! ```
//! use std::collections::HashSet;
//! use std::sync::{Arc, Mutex};
//!
//! use axum::extract::{FromRef, State};
//! use axum::routing::post;
//! use axum::Router;
//! use wechatpay_axum::{Answer, Callback, NotificationReceiver};
//! use wechatpay_core::{ApiV3Key, Client, Event};
//!
//! #[derive(Clone)]
//! struct App {
//!     callbacks: NotificationReceiver,
//!     handled: Arc<Mutex<HashSet<String>>>, // a table with a unique key, in production
//! }
//!
//! impl FromRef<App> for NotificationReceiver {
//!     fn from_ref(app: &App) -> Self {
//!         app.callbacks.clone()
//!     }
//! }
//!
//! async fn notify(State(app): State<App>, Callback(notification): Callback) -> Answer {
//!     if !app.handled.lock().unwrap().insert(notification.id.clone()) {
//!         return Answer::success(); // a redelivery: already handled
//!     }
//!     if let Event::Transaction(paid) = &notification.event {
//!         // Check paid.amount.total against the order, then mark it paid.
//!         println!("{} paid {} fen", paid.out_trade_no, paid.amount.total);
//!     }
//!     Answer::success()
//! }
//!
//! fn router(client: Client, api_v3_key: ApiV3Key) -> Router {
//!     let app = App {
//!         callbacks: NotificationReceiver::new(client, api_v3_key),
//!         handled: Arc::default(),
//!     };
//!     Router::new().route("/wechatpay/notify", post(notify)).with_state(app)
//! }
//! ```
//!
//! In certificate mode the platform rotates its certificate, and its callbacks then name a
//! serial the client was not given: a receiver on a client refuses them `401` on every
//! delivery, and the platform gives up after a day. A receiver made
//! [`NotificationReceiver::with_adapter`] verifies through a `wechatpay_hyper::HyperClient`
//! made `with_certificate_refresh`, which downloads the certificates when that happens (once
//! per gap of its policy, however many callbacks come) and checks the callback again; the
//! handler and `FromRef` stay as above. Feature `hyper`, on by default.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use wechatpay_core::{
    AdapterError, ApiV3Key, Client, DEFAULT_BODY_LIMIT, Error, NotificationAnswer,
    OpenedNotification, Untrusted, VerificationError,
};
#[cfg(feature = "hyper")]
use wechatpay_hyper::HyperClient;

/// What the [`Callback`] extractor needs from the application's state (through `FromRef`):
/// what verifies callbacks (a [`Client`], or an adapter that can refresh its platform
/// certificates: [`NotificationReceiver::with_adapter`]), the APIv3 key, the clock, and how
/// large a body may be. Cheap to clone.
#[derive(Clone)]
pub struct NotificationReceiver {
    verifier: Verifier,
    key: ApiV3Key,
    clock: fn() -> u64,
    body_limit: usize,
}

/// What verifies a callback. An enum rather than a type parameter, so that applications name
/// `NotificationReceiver` in `FromRef` as it is, whichever they configured.
#[derive(Clone)]
enum Verifier {
    /// With the keys the client holds, at the receiver's clock.
    Client(Arc<Client>),
    /// Through the adapter: a serial it does not hold asks for a certificate download first,
    /// and the check runs at the transport's clock with its crypto.
    #[cfg(feature = "hyper")]
    Adapter(Arc<HyperClient>),
}

impl NotificationReceiver {
    /// A receiver verifying with `client`'s platform keys (and its clock window,
    /// [`Client::with_max_clock_skew`]) and decrypting with `key`, on the system clock, for
    /// bodies up to 1 MiB.
    ///
    /// It verifies with the keys `client` holds and nothing else: in certificate mode, a
    /// callback signed by a certificate the platform rotated in since is refused `401` until
    /// the client holds it. Use [`NotificationReceiver::with_adapter`] there.
    pub fn new(client: impl Into<Arc<Client>>, key: ApiV3Key) -> Self {
        NotificationReceiver {
            verifier: Verifier::Client(client.into()),
            key,
            clock: system_clock,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A receiver verifying through `adapter`
    /// ([`Adapter::open_notification`](wechatpay_core::Adapter::open_notification)) and
    /// decrypting with `key`, for bodies up to 1 MiB: what a merchant in certificate mode
    /// needs. The adapter is a [`HyperClient`] on hyper's default connector, from
    /// [`HyperClient::new`](wechatpay_core::Adapter::new) or over a
    /// [`HyperTransport`](wechatpay_hyper::HyperTransport) of a hyper-util client of your own
    /// on that connector (other roots, a pool of your settings).
    ///
    /// Made [`with_certificate_refresh`](wechatpay_core::Adapter::with_certificate_refresh),
    /// the adapter downloads the platform certificates when a callback names a serial its
    /// client does not hold (the platform rotated its certificate), at most once per
    /// [`RefreshPolicy::min_gap`](wechatpay_core::RefreshPolicy::min_gap) however many such
    /// callbacks come, and checks the callback again with what it downloaded; without it, it
    /// verifies with the keys it holds. Either way the clock is the transport's (the system's),
    /// not [`NotificationReceiver::with_clock`]'s, and the clock window the adapter's client's.
    /// Share one adapter between the receiver and the calls the application makes: a
    /// certificate one of them downloads serves both.
    ///
    /// Feature `hyper` (on by default).
    ///
    /// ```
    /// use wechatpay_axum::NotificationReceiver;
    /// use wechatpay_core::{ApiV3Key, Client, MerchantCredentials, RefreshPolicy};
    /// use wechatpay_hyper::HyperClient;
    ///
    /// /// Certificate mode: no platform key configured; the certificates are downloaded
    /// /// before the first call, or when the first callback comes, and again on rotation.
    /// fn receiver(
    ///     credentials: MerchantCredentials,
    ///     api_v3_key: ApiV3Key,
    /// ) -> Result<NotificationReceiver, wechatpay_hyper::Error> {
    ///     let wechatpay = HyperClient::new(Client::without_platform_keys(credentials))?
    ///         .with_certificate_refresh(api_v3_key.clone(), RefreshPolicy::default());
    ///     Ok(NotificationReceiver::with_adapter(wechatpay, api_v3_key))
    /// }
    /// ```
    #[cfg(feature = "hyper")]
    pub fn with_adapter(adapter: impl Into<Arc<HyperClient>>, key: ApiV3Key) -> Self {
        NotificationReceiver {
            verifier: Verifier::Adapter(adapter.into()),
            key,
            clock: system_clock,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// With this clock, in Unix seconds (tests). A receiver
    /// [`with_adapter`](NotificationReceiver::with_adapter) verifies at its transport's clock,
    /// and uses this one only in [`NotificationReceiver::open`].
    pub fn with_clock(self, clock: fn() -> u64) -> Self {
        NotificationReceiver { clock, ..self }
    }

    /// With this body limit, in bytes: a larger body is refused `413` before it is all read.
    pub fn with_body_limit(self, body_limit: usize) -> Self {
        NotificationReceiver { body_limit, ..self }
    }

    /// The client: the one given, or the adapter's.
    pub fn client(&self) -> &Client {
        match &self.verifier {
            Verifier::Client(client) => client,
            #[cfg(feature = "hyper")]
            Verifier::Adapter(adapter) => adapter.core(),
        }
    }

    /// The adapter, for a receiver made [`with_adapter`](NotificationReceiver::with_adapter).
    #[cfg(feature = "hyper")]
    pub fn adapter(&self) -> Option<&HyperClient> {
        match &self.verifier {
            Verifier::Client(_) => None,
            Verifier::Adapter(adapter) => Some(adapter),
        }
    }

    /// Verifies, decrypts and types a callback received some other way (its headers and raw
    /// body), with the keys [`NotificationReceiver::client`] holds, at the receiver's clock.
    ///
    /// For a receiver made [`with_adapter`](NotificationReceiver::with_adapter), this downloads
    /// nothing: a serial the client does not hold is refused as unknown, and the check runs
    /// with the core's crypto. [`NotificationReceiver::open_async`] is what the extractor does.
    ///
    /// # Errors
    ///
    /// As [`Client::open_notification`].
    pub fn open(&self, headers: &HeaderMap, body: &[u8]) -> Result<OpenedNotification, Error> {
        self.client()
            .open_notification(headers, body, (self.clock)(), &self.key)
    }

    /// Verifies, decrypts and types a callback received some other way, as the extractor
    /// does: [`NotificationReceiver::open`] for a receiver on a client; through the adapter
    /// ([`Adapter::open_notification`](wechatpay_core::Adapter::open_notification), a certificate download first when the serial is not
    /// held and the adapter refreshes) for one made
    /// [`with_adapter`](NotificationReceiver::with_adapter).
    ///
    /// # Errors
    ///
    /// [`AdapterError::Core`] with the error of [`Client::open_notification`]. A failed
    /// certificate download is not an error of its own: it is logged, and the callback is then
    /// refused as signed by an unknown key.
    pub async fn open_async(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<OpenedNotification, AdapterError> {
        match &self.verifier {
            Verifier::Client(_) => Ok(self.open(headers, body)?),
            #[cfg(feature = "hyper")]
            Verifier::Adapter(adapter) => adapter.open_notification(headers, body, &self.key).await,
        }
    }
}

impl fmt::Debug for NotificationReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("NotificationReceiver");
        match &self.verifier {
            Verifier::Client(client) => debug.field("client", client),
            #[cfg(feature = "hyper")]
            Verifier::Adapter(adapter) => debug.field("adapter", adapter),
        };
        debug
            .field("key", &self.key)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> u64 {
    #[allow(clippy::disallowed_methods)] // the server is the clock of the callbacks it checks
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A WeChat Pay callback whose signature verified and whose resource was decrypted and typed:
/// an axum extractor (it reads the body, so it goes last among a handler's arguments). The
/// state must give a [`NotificationReceiver`] through `FromRef`.
#[derive(Debug, Clone)]
pub struct Callback(pub OpenedNotification);

impl Callback {
    /// The opened notification.
    pub fn into_inner(self) -> OpenedNotification {
        self.0
    }
}

impl<S> FromRequest<S> for Callback
where
    NotificationReceiver: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Refusal> {
        let receiver = NotificationReceiver::from_ref(state);
        let (parts, body) = request.into_parts();
        let body = read_body(body, &parts.headers, receiver.body_limit).await?;
        match receiver.open_async(&parts.headers, &body).await {
            Ok(notification) => {
                tracing::debug!(
                    target: "wechatpay",
                    id = %Untrusted(&notification.id),
                    event_type = %Untrusted(notification.event_type.as_str()),
                    "callback verified and opened"
                );
                Ok(Callback(notification))
            }
            Err(AdapterError::Core(error)) => Err(Refusal::of(error)),
            Err(error) => Err(Refusal::unverified(error)),
        }
    }
}

/// The raw body, within the limit: an oversize body is refused on its declared length, or as
/// soon as the count passes it.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Vec<u8>, Refusal> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Refusal::too_large(limit));
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(error) => {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
            while let Some(cause) = source {
                if cause.is::<http_body_util::LengthLimitError>() {
                    return Err(Refusal::too_large(limit));
                }
                source = cause.source();
            }
            Err(Refusal {
                cause: Cause::Unreadable(error.to_string()),
                answer: NotificationAnswer::failure_with_status(
                    StatusCode::BAD_REQUEST,
                    "body could not be read",
                )
                .unwrap_or_else(|_| NotificationAnswer::failure("body could not be read")),
            })
        }
    }
}

/// A callback refused before the handler ran: the answer given to the platform (see
/// [`NotificationAnswer::refusal`]) and why, for logs. Every refusal is logged under the
/// `wechatpay` target: the probe at `info` (refusing it is correct), the rest at `warn`.
#[derive(Debug)]
pub struct Refusal {
    cause: Cause,
    answer: NotificationAnswer,
}

#[derive(Debug)]
enum Cause {
    Core(Error),
    /// An adapter failed otherwise than the core refusing the callback. Not expected (a
    /// failed certificate download ends as an unknown serial), and answered as this side's
    /// fault so that the platform delivers again.
    Adapter(AdapterError),
    TooLarge {
        limit: usize,
    },
    Unreadable(String),
}

impl Refusal {
    fn of(error: Error) -> Self {
        let answer = NotificationAnswer::refusal(&error);
        if matches!(
            error.verification(),
            Some(VerificationError::SignatureProbe)
        ) {
            tracing::info!(target: "wechatpay", "callback refused: {error}");
        } else {
            tracing::warn!(
                target: "wechatpay",
                status = answer.status().as_u16(),
                "callback refused: {error}"
            );
        }
        Refusal {
            cause: Cause::Core(error),
            answer,
        }
    }

    fn unverified(error: AdapterError) -> Self {
        tracing::warn!(target: "wechatpay", "callback refused: {error}");
        Refusal {
            cause: Cause::Adapter(error),
            answer: NotificationAnswer::failure("callback handling failed"),
        }
    }

    fn too_large(limit: usize) -> Self {
        tracing::warn!(target: "wechatpay", limit, "callback refused: body over the limit");
        Refusal {
            cause: Cause::TooLarge { limit },
            answer: NotificationAnswer::failure_with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
            )
            .unwrap_or_else(|_| NotificationAnswer::failure("body too large")),
        }
    }

    /// The core's error, when the core refused it (not for a body over the limit, one that
    /// could not be read, or an adapter's failure other than the core's).
    pub fn error(&self) -> Option<&Error> {
        match &self.cause {
            Cause::Core(error) => Some(error),
            _ => None,
        }
    }

    /// The answer sent.
    pub fn answer(&self) -> &NotificationAnswer {
        &self.answer
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "callback refused with {}: ", self.answer.status())?;
        match &self.cause {
            Cause::Core(error) => write!(f, "{error}"),
            Cause::Adapter(error) => write!(f, "{error}"),
            Cause::TooLarge { limit } => write!(f, "the body is over {limit} bytes"),
            Cause::Unreadable(reason) => {
                write!(f, "the body could not be read: {}", Untrusted(reason))
            }
        }
    }
}

impl std::error::Error for Refusal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Core(error) => Some(error),
            Cause::Adapter(error) => Some(error),
            _ => None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        Answer(self.answer).into_response()
    }
}

/// A handler's answer to a callback: the platform's `204` or `{"code":"FAIL",…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer(pub NotificationAnswer);

impl Answer {
    /// Handled: `204 No Content`.
    pub fn success() -> Self {
        Answer(NotificationAnswer::success())
    }

    /// Not handled (`500` with the message): the platform delivers the callback again later.
    pub fn failure(message: impl Into<String>) -> Self {
        Answer(NotificationAnswer::failure(message))
    }
}

impl From<NotificationAnswer> for Answer {
    fn from(answer: NotificationAnswer) -> Self {
        Answer(answer)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        self.0.to_response().map(Body::from).into_response()
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;

    /// A body that arrives in 8-byte pieces and declares no length, as a chunked one does.
    struct Chunked(Vec<u8>);

    impl http_body::Body for Chunked {
        type Data = axum::body::Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            if self.0.is_empty() {
                return Poll::Ready(None);
            }
            let at = self.0.len().min(8);
            let rest = self.0.split_off(at);
            let piece = std::mem::replace(&mut self.0, rest);
            Poll::Ready(Some(Ok(http_body::Frame::data(piece.into()))))
        }
    }

    #[tokio::test]
    async fn a_body_without_a_length_is_counted_against_the_limit() {
        let read = read_body(Body::new(Chunked(vec![b'x'; 40])), &HeaderMap::new(), 40).await;
        assert_eq!(read.unwrap().len(), 40);
        let refused = read_body(Body::new(Chunked(vec![b'x'; 41])), &HeaderMap::new(), 40)
            .await
            .unwrap_err();
        assert_eq!(refused.answer().status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(refused.error().is_none());
        assert!(refused.to_string().contains("over 40 bytes"), "{refused}");
    }

    #[test]
    fn an_adapter_failure_other_than_the_core_s_is_this_side_s_fault() {
        let refused = Refusal::unverified(AdapterError::BodyTooLarge { limit: 1 });
        assert_eq!(refused.answer().status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(refused.answer().message(), Some("callback handling failed"));
        assert!(refused.error().is_none());
        assert!(std::error::Error::source(&refused).is_some());
    }

    #[cfg(feature = "hyper")]
    #[test]
    fn a_receiver_on_an_adapter_shows_it_and_never_the_key() {
        let keys = wechatpay_mock::MockKeys::fixtures();
        let client = keys.client("http://127.0.0.1:1").unwrap();
        let held = client.platform_keys().len();
        let receiver = NotificationReceiver::with_adapter(
            HyperClient::new(client).unwrap(),
            ApiV3Key::new(&keys.api_v3_key).unwrap(),
        );
        assert!(receiver.adapter().is_some());
        assert_eq!(receiver.client().platform_keys().len(), held);
        let shown = format!("{receiver:?}");
        assert!(shown.contains("adapter"), "{shown}");
        assert!(!shown.contains(&keys.api_v3_key), "{shown}");
    }
}
