//! A WeChat Pay APIv3 platform in memory, for tests and demos.
//!
//! [`MockPlatform`] is the platform's side of the exchange with no I/O: it checks a merchant's
//! `Authorization` exactly as the real platform does (scheme, the five fields, mchid, merchant
//! certificate serial, a ±300 s window, the signature over method, path and query as received,
//! and raw body, or an upload's `meta` part alone), requires `Accept` and `User-Agent`,
//! validates parameters, and answers the e-commerce applyment and contract queries from a
//! store seeded with one applyment in every state. It takes image and video uploads, checked
//! as the platform checks them ([`multipart`], [`endpoints::media`]), and applyment
//! submissions whose sensitive fields must decrypt with the platform key the request names.
//! Every answer is signed and carries a `Request-ID`. The platform plays a merchant in
//! [public key mode](PlatformMode::PublicKey) (the default) or in
//! [certificate mode](PlatformMode::Certificate) ([`MockPlatform::with_mode`],
//! [`MockPlatform::set_mode`]): an answer is signed with the key the request's
//! `Wechatpay-Serial` names when the platform holds it, otherwise (and every callback) with the
//! public key or the newest valid platform certificate; `GET /v3/certificates` lists the
//! certificates encrypted with the APIv3 key ([`endpoints::certificates`]), or is a `404` in
//! public key mode. [`MockPlatform::rotate_certificate`] brings in a newer certificate, which
//! overlaps the older one until [`MockPlatform::retire_certificate`]. `POST /v3/security/echo`
//! ([`endpoints::echo`]) echoes a message and a sensitive field, and queues a test callback.
//! Faults are switched on per request with [`MockPlatform::inject`]. [`MockServer`] puts it on
//! a loopback port, optionally with [control routes](control) for tests that reach it only over
//! HTTP, and sends the test callbacks that echoes ask for.
//!
//! It is a sandbox too ([`MockPlatform::advance`], [`MockPlatform::save_state`]): records move
//! as the platform moves them (an applyment from `CHECKING` to `FINISH`, an order from `NOTPAY`
//! to `SUCCESS`), on a control call or, under [`Schedule::EveryQuery`], each time they are
//! queried; a move queues the callback the platform would send ([`MockPlatform::take_notices`],
//! delivered by a [`MockServer`]); one ledger of orders and money keeps amounts consistent
//! across endpoints, and the bills of a day list what it recorded that day; the whole world
//! saves to JSON and loads back ([`MockPlatform::load_state`]), so integration tests can start
//! from a prepared one.
//!
//! ```
//! use std::sync::Arc;
//! use wechatpay_mock::{MockKeys, MockPlatform, MockServer, Schedule};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
//! # let now = 1_700_000_000;
//! let platform = Arc::new(MockPlatform::new(MockKeys::fixtures(), &mut rng)?);
//! platform.set_schedule(Schedule::EveryQuery); // each poll of an applyment moves it one step
//! // Callbacks for your public https:// notify URL arrive at your local test server.
//! platform.redirect_callbacks(Some("http://127.0.0.1:8080"))?;
//! let server = MockServer::start(platform.clone())?;
//! // ... submit an applyment through any adapter pointed at server.url(), or move a seeded one:
//! let moved = platform.advance("applyment", "APPLYMENT_AUDITING", None, now)?;
//! assert_eq!(moved.state, "NEED_SIGN");
//! let world = platform.save_state(); // JSON; load_state(&world) on another run starts from it
//! assert_eq!(world["format"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`conformance`] is what every adapter owes a caller, as one table of scenarios that each
//! adapter's tests run against this platform.
//!
//! The server and the native test helpers are the `server` feature, on by default; without it
//! the crate builds for `wasm32-unknown-unknown`, where a test reaches a running mock through
//! its control routes.
//!
//! A request meets the platform's stages in order: routing, authentication, the endpoint's
//! answer, the signature, the wire; each [`Fault`] strikes at one of them. Each endpoint is a
//! module of [`endpoints`], with its routes, parameter checks, records and answers; the test
//! keys and the API pages' examples come from `wechatpay-fixtures`.
//!
//! ```
//! use std::sync::Arc;
//! use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
//!
//! let platform = Arc::new(MockPlatform::new(MockKeys::fixtures(), &mut rng)?);
//! platform.inject(Fault::SystemError, 2); // the next two requests fail, then all is well
//! let server = MockServer::start(platform.clone())?;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! // ... point a client at server.url(); count what it sent with platform.requests().
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorization;
mod callbacks;
pub mod conformance;
pub mod control;
#[cfg(feature = "server")]
mod delivery;
pub mod endpoints;
mod faults;
mod keyring;
mod keys;
pub mod multipart;
mod platform;
pub mod records;
mod reply;
mod sandbox;
mod sealing;
#[cfg(feature = "server")]
mod server;
mod store;

pub use authorization::{AuthorizationError, MerchantAuthorization};
pub use callbacks::{
    CallbackBody, CallbackError, CallbackEvent, CallbackSignature, Delivery, DeliveryAttempt,
    MAX_DELIVERIES_KEPT, NAMED_EVENTS, RetrySchedule,
};
#[cfg(feature = "server")]
pub use delivery::{DeliveryOptions, deliver};
pub use endpoints::echo::EchoCallback;
pub use faults::{Fault, InvalidFault};
pub use keyring::{
    CertificateError, InvalidMode, IssuedCertificate, MAX_CERTIFICATES, PlatformMode,
};
pub use keys::{CertificateKey, FIXTURES_API_V3_KEY, KeyGenerationError, MockKeys};
pub use platform::{
    Answer, MAX_QUEUED_FAULTS, MAX_RECORDED_TEXT, MAX_REQUEST_SKEW, MAX_REQUESTS_KEPT,
    MockPlatform, SeenRequest, SetupError,
};
pub use sandbox::{
    AdvanceError, Advanced, InvalidRedirect, MAX_NOTICES_QUEUED, Notice, STATE_FORMAT, Schedule,
    StateError,
};
#[cfg(feature = "server")]
pub use server::MockServer;
