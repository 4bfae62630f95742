//! A sans-IO WeChat Pay APIv3 core: it builds signed `http::Request`s and verifies and decodes
//! `http::Response`s, and does no I/O at all.
//!
//! Data flows one way. An [`Operation`] (typed input) goes to [`Client::prepare`], which
//! validates, encodes, encrypts sensitive fields (through the [`RequestContext`] the operation
//! is given, which also decides `Wechatpay-Serial`) and signs it into an
//! `http::Request<Vec<u8>>`. An adapter (hyper, ureq, `fetch`, or your own) sends it and hands
//! back the `http::Response`. [`Client::parse`] verifies the platform's signature over the raw
//! body, then decodes the body; sensitive fields stay encrypted until [`MerchantKey::decrypt`]
//! is asked. The current time, the nonce and the random source are arguments, never taken from
//! the environment, so every byte is reproducible and testable, and the crate builds for
//! `wasm32-unknown-unknown`.
//!
//! One seam serves every kind of endpoint:
//!
//! - request bodies: none, JSON ([`RequestParts::json`]), or a multipart upload
//!   ([`Multipart`]) whose `meta` alone is signed and sent as the bytes signed;
//! - answers: signed JSON, signed empty ([`VerifiedBody::no_content`]), or a download the
//!   platform does not sign, trusted only through the digest of the signed answer that
//!   announced it ([`DownloadTicket`], [`DigestWriter`]);
//! - keys the process never holds: the merchant signer is a value ([`SigningKey`]), and both
//!   signing ([`Client::prepare_unsigned`], [`UnsignedRequest::finish`]) and verification
//!   ([`Client::receive`], [`Received::conclude`], [`Client::decode`]) come in two steps, so
//!   that a KMS, an HSM or the runtime's WebCrypto can do the RSA;
//! - uploads checked as the platform checks them ([`merchant::media::UploadMedia`]);
//! - the self-check ([`security::SecurityEcho`]): one call that proves the signature, the
//!   platform key, the clock and the encryption both ways;
//! - identifiers as types ([`MchId`], [`CertificateSerial`], [`PublicKeyId`]) and one retry
//!   classification ([`Retry`]);
//! - adapters that hold only I/O: [`Adapter`] and [`BlockingAdapter`] run the loop over a
//!   [`Transport`] with one [`AdapterSettings`].
//!
//! To send requests, take the adapter for your runtime: it supplies the time, nonces,
//! randomness and the I/O, and executes an operation in one call:
//! [`wechatpay-hyper`](../wechatpay_hyper/index.html) (tokio),
//! [`wechatpay-ureq`](../wechatpay_ureq/index.html) (blocking) or
//! [`wechatpay-fetch`](../wechatpay_fetch/index.html) (the `fetch` of Cloudflare Workers, Deno
//! and Node). [`wechatpay-mock`](../wechatpay_mock/index.html) plays the platform in tests.
//! Endpoints without a typed operation here: call them with [`AnyEndpoint`] (JSON in and
//! out, sensitive fields encrypted by pointer), or implement [`Operation`].
//!
//! ```
//! use http::Response;
//! use wechatpay_core::{Client, Host, MerchantCredentials, Nonce, PlatformKeys};
//! use wechatpay_core::ecommerce::applyment::{ApplymentState, NextStep, QueryApplymentByOutRequestNo};
//! # fn rng() -> impl rand_core::CryptoRng { rand_chacha::ChaCha20Rng::from_seed([7; 32]) }
//! # use rand_core::SeedableRng;
//! # let merchant_key = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
//! # let platform_pub = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
//!
//! // Once, at start-up: keys are parsed here and never again.
//! let credentials = MerchantCredentials::new(
//!     "1900000001",
//!     "3775B6A45ACD588826D15E583A95F5DD20000001", // merchant API certificate serial
//!     merchant_key,                               // apiclient_key.pem
//! )?;
//! let mut platform_keys = PlatformKeys::new();
//! platform_keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", platform_pub)?;
//! let client = Client::new(credentials, platform_keys)?;
//!
//! // Per request: the adapter supplies the time, a nonce and an RNG.
//! let mut rng = rng();
//! let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")?;
//! let request = client.prepare(&query, Host::Primary, 1_700_000_000, &Nonce::generate(&mut rng), &mut rng)?;
//! assert_eq!(
//!     request.uri(),
//!     "https://api.mch.weixin.qq.com/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001"
//! );
//! assert!(request.headers()["Authorization"].is_sensitive());
//!
//! // The adapter sends `request`, and hands the platform's signed answer back:
//! # let response = {
//! #     let platform = wechatpay_core::PlatformSigner::new(
//! #         "PUB_KEY_ID_0119000000012024112300000000000001",
//! #         wechatpay_fixtures::keys::PLATFORM_KEY_PEM,
//! #         wechatpay_core::Backend::default(),
//! #     )?;
//! #     let body = include_bytes!("../testdata/vectors/verify/applyment_public_key/body");
//! #     let mut response = http::Response::new(body.to_vec());
//! #     platform.sign_response(&mut response, 1_700_000_000, "E5F0A1B2C3D4E5F60718293A4B5C6D7E", &mut rng)?;
//! #     response
//! # };
//! let response: Response<Vec<u8>> = response;
//! let applyment = client.parse(&query, &response, 1_700_000_030)?;
//! assert_eq!(applyment.applyment_state, ApplymentState::Finish);
//! assert_eq!(applyment.next_step(), NextStep::Done { sub_mchid: Some("1542488631") });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod adapter;
mod answer;
mod any_endpoint;
mod base64;
pub mod bill;
mod body;
mod call;
pub mod certificates;
mod client;
mod context;
mod credentials;
mod crypto;
mod download;
pub mod ecommerce;
mod endpoint;
mod error;
mod ids;
pub mod merchant;
mod nonce;
mod notification;
mod operation;
mod path;
mod pem;
mod platform_keys;
mod platform_signer;
mod retry;
pub mod security;
mod sensitive;
mod signing;
mod text;
mod unsigned;
mod verification;

pub use adapter::{
    Adapter, AdapterSettings, Attempt, BlockingAdapter, BlockingTransport, DEFAULT_DOWNLOAD_LIMIT,
    DefaultTransport, DownloadSink, Transport, too_large,
};
pub use answer::{Checked, Received};
pub use any_endpoint::AnyEndpoint;
pub use body::{Multipart, RequestBody, RequestParts};
pub use call::{
    AdapterError, AttemptFailure, Call, DEFAULT_BODY_LIMIT, DEFAULT_TIMEOUT, ErrorChain,
    POOL_IDLE_TIMEOUT, Step, TransportCause, find_source, origin,
};
pub use certificates::{DownloadCertificates, PlatformCertificate, RefreshPolicy, RefreshTrigger};
pub use client::{Client, DEFAULT_BACKUP_URL, DEFAULT_BASE_URL};
pub use context::RequestContext;
pub use credentials::{MerchantCertificate, MerchantCredentials, MerchantKey, SigningKey};
pub use crypto::Backend;
pub use download::{DigestAlgorithm, DigestCheck, DigestWriter, DownloadTicket, FileDecoder};
pub use error::{ApiError, Authentication, CryptoError, DecodeError, Error, VerificationError};
pub use ids::{CertificateSerial, MchId, PublicKeyId};
pub use nonce::Nonce;
pub use notification::{
    AEAD_AES_256_GCM, ApiV3Key, Event, EventType, Notification, NotificationAnswer,
    NotificationCheck, NotificationResource, OpenedNotification, RawResource, SealedResource,
};
pub use operation::{Operation, VerifiedBody};
pub use path::PathBuilder;
pub use platform_keys::{PlatformKey, PlatformKeyKind, PlatformKeys};
pub use platform_signer::PlatformSigner;
pub use retry::{Decision, Host, MAX_BACKOFF, Outcome, Retry, RetryPolicy, TransportFailure};
pub use sensitive::{EncryptedField, SensitiveString};
pub use signing::{AUTHORIZATION_SCHEME, RequestSignature, SigningInput, check_path_and_query};
pub use text::Untrusted;
pub use unsigned::UnsignedRequest;
pub use verification::{
    DEFAULT_MAX_CLOCK_SKEW, REQUEST_ID, SIGNATURE_PROBE_PREFIX, SignatureCheck, SignatureHeaders,
    WECHATPAY_NONCE, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE, WECHATPAY_SIGNATURE_TYPE,
    WECHATPAY_TIMESTAMP,
};

/// Fuzzing only (`--cfg fuzzing`, set by cargo-fuzz): every typed endpoint as data, so that
/// fuzz targets reach a new endpoint without being edited. Absent from every other build.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::endpoint::{Endpoint, endpoints};
}

/// The random-number traits the core takes, re-exported so callers match their version.
pub use rand_core;

/// The README's quick start, compiled with the doctests so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeQuickStart;
