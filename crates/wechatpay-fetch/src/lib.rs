//! The wasm32 adapter of `wechatpay-core`: the global `fetch` of Cloudflare Workers, Deno and
//! Node 20+.
//!
//! **Not for browsers.** A merchant private key must never ship to a browser, and browsers
//! hide the `Wechatpay-*` answer headers from cross-origin code, so no answer could be
//! verified there anyway. [`FetchClient::new`] refuses to start on a page (a global
//! `document`).
//!
//! Like the native adapters it only moves bytes ([`FetchTransport`]); the loop, the retry and
//! failover policy and the digest of downloads are [`wechatpay_core::Adapter`]'s, the same for
//! every adapter. It takes from the runtime what the sans-IO core must not take itself:
//!
//! - the time from `Date.now()`; nonces, OAEP and blinding randomness from
//!   `crypto.getRandomValues` (through `getrandom`);
//! - the global `fetch`, bound by name rather than through `window`, with no `mode`,
//!   `credentials`, `cache` or `referrer` (Workers refuse them) and redirects not followed;
//! - a per-attempt timeout through an `AbortController` and a timer, which covers reading the
//!   whole answer (for a download, each wait for the next piece); a response body limit
//!   counted while reading the stream (1 MiB by default); downloads written to a
//!   `WritableStream` as they arrive;
//! - the retry backoff on `setTimeout`.
//!
//! A request the runtime would not send as signed fails before it is sent, with
//! [`Error::Unsupported`]: a runtime that drops the `User-Agent` (the platform answers
//! `400 INVALID_REQUEST` without one) or rewrites the URL (the signature covers the path).
//! Workers, Deno and Node send the adapter's `User-Agent` as set.
//!
//! ```no_run
//! use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
//! use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
//! use wechatpay_fetch::FetchClient;
//!
//! /// In a Worker, the PEMs come from secrets (`env.secret("MERCHANT_KEY")`).
//! async fn applyment_state(merchant_key_pem: &str, platform_public_key_pem: &str)
//!     -> Result<String, Box<dyn std::error::Error>> {
//!     let credentials = MerchantCredentials::new(
//!         "1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001", merchant_key_pem)?;
//!     let mut platform_keys = PlatformKeys::new();
//!     platform_keys.add_public_key(
//!         "PUB_KEY_ID_0119000000012024112300000000000001", platform_public_key_pem)?;
//!     let wechatpay = FetchClient::new(Client::new(credentials, platform_keys)?)?;
//!
//!     let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")?;
//!     let applyment = wechatpay.execute(&query).await?;
//!     Ok(format!("{}: {:?}", applyment.applyment_state, applyment.next_step()))
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod convert;
mod random;
mod runtime;
mod webcrypto;

pub use random::JsRandom;

use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::Request;
use rand_core::CryptoRng;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wechatpay_core::{
    AdapterSettings, ApiV3Key, Attempt, AttemptFailure, CryptoError, DefaultTransport,
    DownloadSink, EncryptedField, MerchantKey, NotificationResource, PlatformKeys, SensitiveString,
    SignatureCheck, SigningKey, Transport,
};

use crate::webcrypto::{WebCryptoAes, WebCryptoKeys};

/// The adapter's error: the core's, or what went wrong moving the bytes (the same type for
/// every adapter).
pub use wechatpay_core::AdapterError as Error;

/// A WeChat Pay client over the runtime's `fetch`. Build it once per Worker instance (key
/// parsing is the expensive part) and share it by reference.
///
/// [`FetchClient::new`] checks once that the runtime has what the adapter needs, and fails
/// with [`Error::Unsupported`] outside wasm32, in a runtime without a global `fetch`,
/// `Request`, `Headers`, `AbortController`, timers or `crypto.getRandomValues`, or on a
/// browser page.
pub type FetchClient = wechatpay_core::Adapter<FetchTransport>;

/// The runtime's `fetch`, timers, clock and random source as a [`Transport`], and its
/// WebCrypto for the keys it is given: the merchant key and platform keys
/// ([`FetchTransport::with_merchant_key`]) and the APIv3 key
/// ([`FetchTransport::with_api_v3_key`]).
#[derive(Debug, Clone, Default)]
pub struct FetchTransport {
    crypto: Option<Rc<Crypto>>,
    callbacks: Option<Rc<CallbackKey>>,
}

/// What signs and verifies for a transport that holds the merchant key.
#[derive(Debug)]
enum Crypto {
    /// `crypto.subtle`, with non-extractable keys.
    WebCrypto(WebCryptoKeys),
    /// The core's pure-Rust backend, where the runtime's WebCrypto lacks what is needed.
    PureRust(MerchantKey),
}

/// What opens callback resources for a transport that holds the APIv3 key.
#[derive(Debug)]
enum CallbackKey {
    /// `crypto.subtle`, with a non-extractable key.
    WebCrypto(WebCryptoAes),
    /// The core's AES-GCM, where the runtime's WebCrypto lacks it.
    PureRust(ApiV3Key),
}

/// Whether each fallback to pure Rust (RSA, then AES) was announced already: once per
/// process is enough.
static RSA_FALLBACK_ANNOUNCED: AtomicBool = AtomicBool::new(false);
static AES_FALLBACK_ANNOUNCED: AtomicBool = AtomicBool::new(false);

/// Says once, on the console, that `what` runs in pure Rust and why.
fn announce_fallback(announced: &AtomicBool, reason: &str, what: &str) {
    if !announced.swap(true, Ordering::Relaxed) {
        runtime::warn(&format!(
            "wechatpay-fetch: {reason}; {what} with the pure-Rust backend instead"
        ));
    }
}

impl FetchTransport {
    /// A transport that signs with the merchant key and verifies the platform's signatures
    /// with the runtime's WebCrypto (`crypto.subtle`, RSASSA-PKCS1-v1_5 with SHA-256), about
    /// 40 times faster than the pure-Rust backend compiled to wasm. The keys are imported once,
    /// here, as non-extractable `CryptoKey`s; the PEM is not kept. Build the client with
    /// [`wechatpay_core::MerchantCredentials::signed_elsewhere`]: the transport signs for it.
    ///
    /// A runtime whose WebCrypto cannot import the keys gets the core's pure-Rust backend
    /// instead, and a warning on the console, once.
    ///
    /// ```no_run
    /// # async fn run(pem: &str, platform_keys: wechatpay_core::PlatformKeys) -> Result<(), wechatpay_fetch::Error> {
    /// use wechatpay_core::{Client, MerchantCredentials};
    /// use wechatpay_fetch::{FetchClient, FetchTransport};
    ///
    /// let transport = FetchTransport::with_merchant_key(pem, &platform_keys).await?;
    /// let credentials = MerchantCredentials::signed_elsewhere(
    ///     "1900000001".parse()?,
    ///     "3775B6A45ACD588826D15E583A95F5DD20000001".parse()?,
    /// );
    /// let wechatpay = FetchClient::with_transport(Client::new(credentials, platform_keys)?, transport)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] as for [`FetchClient::new`]; [`Error::Core`] for a key the core
    /// refuses (its checks are the same on both paths).
    pub async fn with_merchant_key(
        merchant_key_pem: &str,
        platform_keys: &PlatformKeys,
    ) -> Result<Self, Error> {
        runtime::check()?;
        let crypto = match WebCryptoKeys::import(merchant_key_pem, platform_keys).await {
            Ok(keys) => Crypto::WebCrypto(keys),
            Err(Error::Unsupported { reason }) => {
                announce_fallback(
                    &RSA_FALLBACK_ANNOUNCED,
                    &reason,
                    "signing and verifying (about 10 ms of CPU per signature)",
                );
                Crypto::PureRust(MerchantKey::from_pem(merchant_key_pem)?)
            }
            Err(other) => return Err(other),
        };
        Ok(FetchTransport {
            crypto: Some(Rc::new(crypto)),
            callbacks: None,
        })
    }

    /// This transport, also holding the APIv3 key (the 32 characters set in the merchant
    /// portal) to decrypt callback resources with the runtime's AES-GCM
    /// ([`FetchTransport::decrypt_notification`]). The key is imported once, here, as a
    /// non-extractable `CryptoKey`; a runtime whose WebCrypto cannot import it gets the core's
    /// AES-GCM instead, and a warning on the console, once.
    ///
    /// ```no_run
    /// # async fn run(pem: &str, platform_keys: wechatpay_core::PlatformKeys, api_v3_key: &str) -> Result<(), wechatpay_fetch::Error> {
    /// use wechatpay_fetch::FetchTransport;
    ///
    /// let transport = FetchTransport::with_merchant_key(pem, &platform_keys)
    ///     .await?
    ///     .with_api_v3_key(api_v3_key)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Core`] with `InvalidInput` (`api_v3_key`) unless the key is 32 bytes, as
    /// [`ApiV3Key::new`] says.
    pub async fn with_api_v3_key(self, api_v3_key: &str) -> Result<Self, Error> {
        let key = match WebCryptoAes::import(api_v3_key).await {
            Ok(key) => CallbackKey::WebCrypto(key),
            Err(Error::Unsupported { reason }) => {
                announce_fallback(
                    &AES_FALLBACK_ANNOUNCED,
                    &reason,
                    "decrypting callback resources",
                );
                CallbackKey::PureRust(ApiV3Key::new(api_v3_key)?)
            }
            Err(other) => return Err(other),
        };
        Ok(FetchTransport {
            callbacks: Some(Rc::new(key)),
            ..self
        })
    }

    /// Decrypts a callback's resource (AES-256-GCM) with the APIv3 key, in WebCrypto when
    /// the transport uses it; the core checks the resource first, as
    /// [`NotificationResource::decrypt`] does. Verify the callback first:
    /// [`wechatpay_core::Adapter::parse_notification`] does it with this transport's WebCrypto.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] with the core's [`CryptoError`]s: `UnsupportedAlgorithm`,
    /// `InvalidNonce`, `InvalidBase64`, `DecryptionFailed` (another key, altered data or
    /// associated data), `NotUtf8`; with `InvalidInput` (`api_v3_key`) for a transport built
    /// without the APIv3 key.
    pub async fn decrypt_notification(
        &self,
        resource: &NotificationResource,
    ) -> Result<SensitiveString, Error> {
        let sealed = resource.sealed()?;
        match self.callbacks.as_deref() {
            Some(CallbackKey::WebCrypto(key)) => {
                let plaintext = key.open(&sealed).await.map_err(crypto_error)?;
                SensitiveString::from_utf8(&plaintext).map_err(crypto_error)
            }
            Some(CallbackKey::PureRust(key)) => Ok(sealed.open(key)?),
            None => Err(without("api_v3_key", "FetchTransport::with_api_v3_key")),
        }
    }

    /// Decrypts a sensitive field of an answer (RSA-OAEP with SHA-1) with the merchant key,
    /// in WebCrypto when the transport uses it.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] with the core's [`CryptoError`]s: `InvalidBase64`, `DecryptionFailed`
    /// (another key, an altered ciphertext), `NotUtf8`; with `InvalidInput` (`private_key`)
    /// for a transport built without the merchant key.
    pub async fn decrypt(&self, field: &EncryptedField) -> Result<SensitiveString, Error> {
        match self.crypto.as_deref() {
            Some(Crypto::WebCrypto(keys)) => {
                let ciphertext = field.ciphertext().map_err(crypto_error)?;
                let plaintext = keys.decrypt(&ciphertext).await.map_err(crypto_error)?;
                SensitiveString::from_utf8(&plaintext).map_err(crypto_error)
            }
            Some(Crypto::PureRust(key)) => Ok(key.decrypt(field, &mut JsRandom::default())?),
            None => Err(without("private_key", "FetchTransport::with_merchant_key")),
        }
    }

    /// Whether every key this transport holds (at least one) is in the runtime's WebCrypto:
    /// false when any of them fell back to pure Rust.
    pub fn uses_webcrypto(&self) -> bool {
        let rsa = match self.crypto.as_deref() {
            Some(Crypto::WebCrypto(_)) => Some(true),
            Some(Crypto::PureRust(_)) => Some(false),
            None => None,
        };
        let aes = match self.callbacks.as_deref() {
            Some(CallbackKey::WebCrypto(_)) => Some(true),
            Some(CallbackKey::PureRust(_)) => Some(false),
            None => None,
        };
        match (rsa, aes) {
            (None, None) => false,
            (rsa, aes) => rsa.unwrap_or(true) && aes.unwrap_or(true),
        }
    }
}

impl DefaultTransport for FetchTransport {
    fn default_transport() -> Result<Self, Error> {
        runtime::check()?;
        Ok(FetchTransport::default())
    }
}

impl Transport for FetchTransport {
    const PRODUCT: &'static str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

    /// A JavaScript `WritableStream` (an R2 upload, a `TransformStream`'s writable side, a
    /// file in Deno or Node).
    type Sink = web_sys::WritableStream;

    fn exchange(
        &self,
        request: Request<Vec<u8>>,
        settings: &AdapterSettings,
    ) -> impl Future<Output = Attempt> {
        let (timeout, limit) = (settings.timeout, settings.body_limit);
        async move {
            let deadline = runtime::Deadline::start(timeout).map_err(unsupported)?;
            let answer = send(&request, &deadline).await?;
            convert::response(answer, limit, &deadline).await
        }
    }

    fn download(
        &self,
        request: Request<Vec<u8>>,
        mut to: DownloadSink<'_, Self::Sink>,
    ) -> impl Future<Output = Attempt> {
        let settings = *to.settings();
        async move {
            let mut deadline = runtime::Deadline::start(settings.timeout).map_err(unsupported)?;
            let answer = send(&request, &deadline).await?;
            if !(200..300).contains(&answer.status()) {
                return convert::response(answer, settings.body_limit, &deadline).await;
            }
            let head = convert::head(&answer)?;
            if let Err(too_large) = to.check_head(head.headers()) {
                deadline.abort();
                return Err(too_large);
            }
            let writer = to
                .sink()
                .get_writer()
                .map_err(|e| sink_failure(&e, "the sink cannot be written (is it locked?)"))?;
            let chunks = convert::Chunks::of(&answer);
            let written = async {
                while let Some(chunk) = chunks.next(&deadline).await? {
                    if let Err(too_large) = to.admit(chunk.length() as usize) {
                        deadline.abort();
                        return Err(too_large);
                    }
                    let bytes = chunk.to_vec();
                    let mut rest: &[u8] = &bytes;
                    while !rest.is_empty() {
                        let (_, text) = to.decode(&mut rest)?;
                        write_text(&writer, text).await?;
                    }
                    deadline.renew().map_err(unsupported)?;
                }
                loop {
                    let (_, text) = to.end()?;
                    if text.is_empty() {
                        break;
                    }
                    write_text(&writer, text).await?;
                }
                JsFuture::from(writer.close())
                    .await
                    .map_err(|e| sink_failure(&e, "the sink refused to close"))?;
                Ok(())
            }
            .await;
            writer.release_lock();
            written?;
            Ok(head)
        }
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = Result<(), Error>> {
        runtime::sleep(wait)
    }

    fn now(&self) -> u64 {
        runtime::unix_now()
    }

    fn rng(&self) -> impl CryptoRng {
        JsRandom::default()
    }

    async fn sign(&self, message: &[u8]) -> Option<Result<Vec<u8>, CryptoError>> {
        Some(match self.crypto.as_deref()? {
            Crypto::WebCrypto(keys) => keys.sign(message).await,
            Crypto::PureRust(key) => key.sign(message, &mut JsRandom::default()),
        })
    }

    async fn verify(&self, check: &SignatureCheck<'_, '_>) -> Option<bool> {
        match self.crypto.as_deref()? {
            Crypto::WebCrypto(keys) => keys.verify(check).await,
            Crypto::PureRust(_) => None,
        }
    }
}

fn crypto_error(error: CryptoError) -> Error {
    Error::Core(wechatpay_core::Error::Crypto(error))
}

/// The error of a transport asked to use a key it was not given.
fn without(field: &'static str, builder: &str) -> Error {
    Error::Core(wechatpay_core::Error::InvalidInput {
        field: field.into(),
        reason: format!(
            "this transport was built without this key ({builder}); decrypt with the core's \
             own types instead"
        ),
    })
}

/// Sends `request` under `deadline` and waits for the answer's head.
async fn send(
    request: &Request<Vec<u8>>,
    deadline: &runtime::Deadline,
) -> Result<web_sys::Response, AttemptFailure> {
    let outgoing = convert::request(request, &deadline.signal()).map_err(unsupported)?;
    let pending = runtime::fetch(&outgoing).map_err(unsupported)?;
    let answer = JsFuture::from(pending)
        .await
        .map_err(|e| convert::failure(&e, deadline))?;
    answer
        .dyn_into::<web_sys::Response>()
        .map_err(|other| convert::interrupted(&other))
}

/// Writes a piece of bill text to the sink's writer (copied into JavaScript memory first, so
/// that nothing of the decoder's buffer is borrowed across the wait). Nothing for no text.
async fn write_text(
    writer: &web_sys::WritableStreamDefaultWriter,
    text: &[u8],
) -> Result<(), AttemptFailure> {
    if text.is_empty() {
        return Ok(());
    }
    let chunk = js_sys::Uint8Array::from(text);
    JsFuture::from(writer.write_with_chunk(&chunk))
        .await
        .map(|_| ())
        .map_err(|e| sink_failure(&e, "the sink refused a write"))
}

/// A refusal of the runtime, final for the call.
fn unsupported(error: Error) -> AttemptFailure {
    match error {
        Error::Unsupported { reason } => AttemptFailure::Unsupported { reason },
        other => AttemptFailure::Unsupported {
            reason: other.to_string(),
        },
    }
}

/// The sink failed: the file is incomplete.
fn sink_failure(value: &wasm_bindgen::JsValue, what: &str) -> AttemptFailure {
    AttemptFailure::Sink {
        source: std::io::Error::other(format!("{what}: {}", runtime::describe(value))),
    }
}
