//! Callbacks (notifications): verified like a response, then the `resource` decrypted with the
//! APIv3 key (AES-256-GCM) and read by event type ([`OpenedNotification`]), then answered
//! ([`NotificationAnswer`]).

mod answer;
mod event;

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce as GcmNonce};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{CryptoError, Error};
use crate::operation::VerifiedBody;
use crate::sensitive::SensitiveString;
use crate::verification::{SignatureCheck, SignatureHeaders};

pub use answer::NotificationAnswer;
pub use event::{Event, EventType, OpenedNotification, RawResource};

/// The only algorithm APIv3 uses for callback resources.
pub const AEAD_AES_256_GCM: &str = "AEAD_AES_256_GCM";

const GCM_NONCE_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;

/// The merchant's APIv3 key: the 32 characters set in the merchant portal, which decrypt
/// callbacks. `Debug` never shows it; the memory is zeroed on drop.
#[derive(Clone)]
pub struct ApiV3Key(Zeroizing<[u8; 32]>);

impl ApiV3Key {
    /// Checks the key's length.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`api_v3_key`) unless exactly 32 bytes.
    pub fn new(key: &str) -> Result<Self, Error> {
        let bytes: [u8; 32] = key.as_bytes().try_into().map_err(|_| {
            Error::invalid(
                "api_v3_key",
                format!(
                    "is {} bytes; the APIv3 key set in the merchant portal is exactly 32 characters \
                     (not the API certificate key, not the older APIv2 key)",
                    key.len()
                ),
            )
        })?;
        Ok(ApiV3Key(Zeroizing::new(bytes)))
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(<redacted>)")
    }
}

/// A callback body: the event and its encrypted resource.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// The notification id (the same on each redelivery: handle callbacks idempotently).
    pub id: String,
    /// When the event happened, RFC 3339.
    pub create_time: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// What happened, such as `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// The platform's one-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// The event's data, encrypted with the APIv3 key.
    pub resource: NotificationResource,
}

impl Notification {
    /// Reads a verified callback body.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when it is not a notification.
    pub fn decode(body: VerifiedBody<'_>) -> Result<Self, Error> {
        body.json()
    }
}

/// The encrypted `resource` of a callback.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NotificationResource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 ciphertext with the 16-byte tag appended.
    pub ciphertext: String,
    /// The additional authenticated data, possibly empty.
    #[serde(default)]
    pub associated_data: String,
    /// The 12-character nonce.
    pub nonce: String,
    /// The type of the object inside, such as `transaction`.
    pub original_type: String,
}

impl fmt::Debug for NotificationResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationResource")
            .field("algorithm", &self.algorithm)
            .field(
                "ciphertext",
                &format_args!("<{} base64 chars>", self.ciphertext.len()),
            )
            .field("associated_data", &self.associated_data)
            .field("nonce", &self.nonce)
            .field("original_type", &self.original_type)
            .finish()
    }
}

impl NotificationResource {
    /// Decrypts the resource with the APIv3 key. The plaintext (JSON, often with personal
    /// data) comes back redacted until exposed.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`]: [`CryptoError::UnsupportedAlgorithm`], [`CryptoError::InvalidNonce`],
    /// [`CryptoError::InvalidBase64`], [`CryptoError::DecryptionFailed`] (another key, altered
    /// data or associated data), [`CryptoError::NotUtf8`].
    pub fn decrypt(&self, key: &ApiV3Key) -> Result<SensitiveString, Error> {
        self.sealed()?.open(key)
    }

    /// The first step of decrypting with other crypto than the core's (a runtime's
    /// WebCrypto): every check that needs no key, and the nonce, ciphertext and associated
    /// data to open with AES-256-GCM. Turn the plaintext into text with
    /// [`SensitiveString::from_utf8`]; a tag that does not verify is
    /// [`CryptoError::DecryptionFailed`], as [`NotificationResource::decrypt`] reports it.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`]: [`CryptoError::UnsupportedAlgorithm`], [`CryptoError::InvalidNonce`],
    /// [`CryptoError::InvalidBase64`], [`CryptoError::DecryptionFailed`] for a ciphertext
    /// shorter than its tag.
    pub fn sealed(&self) -> Result<SealedResource<'_>, Error> {
        if self.algorithm != AEAD_AES_256_GCM {
            return Err(Error::Crypto(CryptoError::UnsupportedAlgorithm {
                algorithm: self.algorithm.clone(),
            }));
        }
        let nonce: [u8; GCM_NONCE_LEN] = self.nonce.as_bytes().try_into().map_err(|_| {
            Error::Crypto(CryptoError::InvalidNonce {
                len: self.nonce.len(),
            })
        })?;
        let ciphertext = crate::base64::decode(&self.ciphertext)
            .ok_or(Error::Crypto(CryptoError::InvalidBase64))?;
        // No key opens what cannot even hold the tag.
        if ciphertext.len() < GCM_TAG_LEN {
            return Err(Error::Crypto(CryptoError::DecryptionFailed));
        }
        Ok(SealedResource {
            nonce,
            ciphertext,
            associated_data: &self.associated_data,
        })
    }
}

/// A callback resource that passed every check needing no key: what AES-256-GCM opens. Made
/// by [`NotificationResource::sealed`].
#[derive(Clone)]
pub struct SealedResource<'r> {
    nonce: [u8; GCM_NONCE_LEN],
    ciphertext: Vec<u8>,
    associated_data: &'r str,
}

impl SealedResource<'_> {
    /// The 12-byte nonce (the resource's `nonce`, as its ASCII bytes).
    pub fn nonce(&self) -> &[u8; GCM_NONCE_LEN] {
        &self.nonce
    }

    /// The ciphertext with its 16-byte tag appended, decoded from base64: the form WebCrypto's
    /// `decrypt` and most AEAD interfaces take.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The additional authenticated data, possibly empty.
    pub fn associated_data(&self) -> &[u8] {
        self.associated_data.as_bytes()
    }

    /// Opens it with the core's AES-256-GCM.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`]: [`CryptoError::DecryptionFailed`] (another key, altered data or
    /// associated data), [`CryptoError::NotUtf8`].
    pub fn open(&self, key: &ApiV3Key) -> Result<SensitiveString, Error> {
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key.0));
        let plaintext = cipher
            .decrypt(
                &GcmNonce::from(self.nonce),
                Payload {
                    msg: &self.ciphertext,
                    aad: self.associated_data(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::Crypto(CryptoError::DecryptionFailed))?;
        SensitiveString::from_utf8(&plaintext).map_err(Error::Crypto)
    }
}

impl fmt::Debug for SealedResource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedResource")
            .field("ciphertext_len", &self.ciphertext.len())
            .field("associated_data", &self.associated_data)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Verifies a callback's signature over its raw body (as for a response: the key by
    /// `Wechatpay-Serial`, the clock window, the probe), then reads it. Answer the platform
    /// `200`/`204` once it is handled; it redelivers otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`]; [`Error::Decode`] when the verified body is not a notification.
    pub fn parse_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: u64,
    ) -> Result<Notification, Error> {
        let check = self.notification_check(headers, body, now)?;
        let valid = check.signature_check().verify();
        check.conclude(valid)
    }

    /// Verifies a callback as [`Client::parse_notification`] does, then decrypts its resource
    /// with the APIv3 key and reads it by event type ([`Notification::open`]): the one call a
    /// callback endpoint makes before acting. Answer with [`NotificationAnswer::success`] once
    /// handled, or [`NotificationAnswer::refusal`] of the error.
    ///
    /// ```
    /// # use wechatpay_core::{ApiV3Key, Client, Event, NotificationAnswer};
    /// fn handle(client: &Client, key: &ApiV3Key, request: &http::Request<Vec<u8>>, now: u64) -> http::Response<Vec<u8>> {
    ///     let notification = match client.open_notification(request.headers(), request.body(), now, key) {
    ///         Ok(notification) => notification,
    ///         Err(refused) => return NotificationAnswer::refusal(&refused).to_response(),
    ///     };
    ///     // De-duplicate on notification.id, then act:
    ///     if let Event::Transaction(paid) = &notification.event {
    ///         println!("{} paid {} fen", paid.out_trade_no, paid.amount.total);
    ///     }
    ///     NotificationAnswer::success().to_response()
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::parse_notification`], then as [`Notification::open`].
    pub fn open_notification(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: u64,
        key: &ApiV3Key,
    ) -> Result<OpenedNotification, Error> {
        self.parse_notification(headers, body, now)?.open(key)
    }

    /// The first step of reading a callback with other crypto than the core's (see
    /// [`Client::receive`] for answers): every check that needs no public key operation, and
    /// in [`NotificationCheck::signature_check`] what to verify.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`]: missing or malformed signature headers, the probe, an unknown
    /// serial.
    pub fn notification_check<'c, 'm>(
        &'c self,
        headers: &'m http::HeaderMap,
        body: &'m [u8],
        now: u64,
    ) -> Result<NotificationCheck<'c, 'm>, Error> {
        let refused = |kind| Error::Verification {
            kind,
            request_id: crate::client::request_id(headers).map(str::to_owned),
        };
        let signed = SignatureHeaders::from_headers(headers).map_err(refused)?;
        let check = self
            .platform_keys()
            .signature_check(&signed, body, now)
            .map_err(refused)?;
        Ok(NotificationCheck {
            check,
            body,
            headers,
            max_skew: self.max_clock_skew(),
        })
    }
}

/// A callback whose signature is still to be verified. Made by [`Client::notification_check`].
#[derive(Debug)]
pub struct NotificationCheck<'c, 'm> {
    check: SignatureCheck<'c, 'm>,
    body: &'m [u8],
    headers: &'m http::HeaderMap,
    max_skew: u64,
}

impl<'c, 'm> NotificationCheck<'c, 'm> {
    /// What to verify: message, signature and platform key.
    pub fn signature_check(&self) -> &SignatureCheck<'c, 'm> {
        &self.check
    }

    /// The second step: `valid` is the verdict on [`NotificationCheck::signature_check`].
    /// Then the clock window, then the body read as a notification.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`] (a bad signature, clock skew); [`Error::Decode`] when the
    /// verified body is not a notification.
    pub fn conclude(self, valid: bool) -> Result<Notification, Error> {
        let request_id = crate::client::request_id(self.headers);
        self.check
            .conclude(valid, self.max_skew)
            .map_err(|kind| Error::Verification {
                kind,
                request_id: request_id.map(str::to_owned),
            })?;
        Notification::decode(VerifiedBody::new(
            self.body,
            http::StatusCode::OK,
            request_id,
        ))
    }
}
