//! What an operation may use while it builds its request: the platform keys, to encrypt
//! sensitive fields, through a context that remembers which key it used.

use std::fmt;

use rand_core::CryptoRng;

use crate::error::Error;
use crate::platform_keys::{PlatformKey, PlatformKeys, no_platform_key};
use crate::text::Quoted;

/// Given to [`crate::Operation::request`]: encrypts sensitive request fields (RSA-OAEP,
/// SHA-1, MGF1-SHA-1) to a platform key, and records that key.
///
/// [`crate::Client::prepare`] then names the recorded key in `Wechatpay-Serial` by itself, so
/// a request can never name a key other than the one its fields are encrypted to; encrypting
/// to two different keys in one request is an error. Without any encryption, requests name
/// the preferred key.
///
/// ```
/// use wechatpay_core::{PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
///
/// let mut context = RequestContext::new(&keys, &mut rng);
/// let ciphertext = context.encrypt("张三")?;
/// assert_eq!(ciphertext.len(), 344); // base64 of 256 bytes
/// assert_eq!(context.encryption_key().map(|k| k.serial()), Some("PUB_KEY_ID_0119000000012024112300000000000001"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
pub struct RequestContext<'a> {
    keys: &'a PlatformKeys,
    rng: &'a mut dyn CryptoRng,
    used: Option<&'a PlatformKey>,
    /// The request's time, when known: picks among certificates ([`PlatformKeys::preferred_at`]).
    now: Option<u64>,
}

impl<'a> RequestContext<'a> {
    /// A context over `keys`; `rng` supplies the OAEP padding randomness.
    pub fn new(keys: &'a PlatformKeys, rng: &'a mut dyn CryptoRng) -> Self {
        RequestContext {
            keys,
            rng,
            used: None,
            now: None,
        }
    }

    /// The context of a request signed at `now` (Unix seconds).
    pub(crate) fn at(self, now: u64) -> Self {
        RequestContext {
            now: Some(now),
            ..self
        }
    }

    /// Encrypts `plaintext` to the key this request already encrypted to, or else to the
    /// preferred platform key, and returns the base64 ciphertext to put in the body.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`platform_keys`) when there is no platform key;
    /// [`Error::Crypto`] with [`crate::CryptoError::PlaintextTooLong`] past
    /// [`RequestContext::max_plaintext_len`] bytes.
    pub fn encrypt(&mut self, plaintext: &str) -> Result<String, Error> {
        let key = match self.used {
            Some(key) => key,
            None => match self.now {
                Some(now) => self.keys.preferred_at(now),
                None => self.keys.preferred(),
            }
            .ok_or_else(no_platform_key)?,
        };
        self.encrypt_with(key, plaintext)
    }

    /// Encrypts `plaintext` to the platform key with this serial.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`Wechatpay-Serial`) when the key is unknown, or when this
    /// request already encrypted a field to another key: the platform decrypts every field
    /// with the one key the request names. As [`RequestContext::encrypt`] otherwise.
    pub fn encrypt_to(&mut self, serial: &str, plaintext: &str) -> Result<String, Error> {
        let key = self.keys.get(serial).ok_or_else(|| {
            Error::invalid(
                "Wechatpay-Serial",
                format!(
                    "{:?} is not among the platform keys ({})",
                    Quoted::value(serial),
                    self.keys.serials().join(", ")
                ),
            )
        })?;
        self.encrypt_with(key, plaintext)
    }

    /// The key this request's fields are encrypted to, once one is.
    pub fn encryption_key(&self) -> Option<&'a PlatformKey> {
        self.used
    }

    /// The longest plaintext, in bytes, the next [`RequestContext::encrypt`] can take (214
    /// for RSA 2048).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`platform_keys`) when there is no platform key.
    pub fn max_plaintext_len(&self) -> Result<usize, Error> {
        let key = match self.used {
            Some(key) => key,
            None => self.keys.preferred().ok_or_else(no_platform_key)?,
        };
        Ok(key.public_key().max_oaep_sha1_plaintext())
    }

    fn encrypt_with(&mut self, key: &'a PlatformKey, plaintext: &str) -> Result<String, Error> {
        if let Some(used) = self.used
            && used.serial() != key.serial()
        {
            return Err(Error::invalid(
                "Wechatpay-Serial",
                format!(
                    "this request already encrypted a field to {}; every encrypted field of one \
                     request must use the same platform key, {} included",
                    used.serial(),
                    key.serial()
                ),
            ));
        }
        let ciphertext = key
            .public_key()
            .oaep_sha1_encrypt(plaintext.as_bytes(), self.rng)
            .map_err(Error::Crypto)?;
        self.used = Some(key);
        Ok(crate::base64::encode(&ciphertext))
    }
}

impl fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("keys", &self.keys.serials())
            .field("encryption_key", &self.used.map(PlatformKey::serial))
            .finish_non_exhaustive()
    }
}
