//! Callbacks (notifications): verified like a response, then the `resource` decrypted with the
//! APIv3 key (AES-256-GCM).

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce as GcmNonce};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::error::{CryptoError, Error};
use crate::operation::VerifiedBody;
use crate::sensitive::SensitiveString;

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
        if ciphertext.len() < GCM_TAG_LEN {
            return Err(Error::Crypto(CryptoError::DecryptionFailed));
        }
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key.0));
        let plaintext = cipher
            .decrypt(
                &GcmNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: self.associated_data.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::Crypto(CryptoError::DecryptionFailed))?;
        let text =
            std::str::from_utf8(&plaintext).map_err(|_| Error::Crypto(CryptoError::NotUtf8))?;
        Ok(SensitiveString::new(text))
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
        self.verify(headers, body, now)?;
        Notification::decode(VerifiedBody::new(body, http::StatusCode::OK, None))
    }
}
