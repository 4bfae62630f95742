//! The platform's side of a response signature, for mock platforms and tests.

use std::fmt;

use http::{HeaderValue, Response};
use rand_core::CryptoRng;

use crate::crypto::{Backend, PrivateKey};
use crate::error::Error;
use crate::signing::AUTHORIZATION_SCHEME;
use crate::verification::{
    WECHATPAY_NONCE, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE, WECHATPAY_SIGNATURE_TYPE,
    WECHATPAY_TIMESTAMP,
};

/// A platform private key that signs responses and callbacks the way WeChat Pay does: for mock
/// platforms and tests. A merchant never holds one.
pub struct PlatformSigner {
    serial: String,
    key: PrivateKey,
}

impl PlatformSigner {
    /// A signer whose signatures name `serial` (a `PUB_KEY_ID_...` or a certificate serial).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`platform_private_key`) for a key the merchant side would also
    /// refuse, or (`serial`) for a serial that is not a header value.
    pub fn new(
        serial: impl Into<String>,
        private_key_pem: &str,
        backend: Backend,
    ) -> Result<Self, Error> {
        let serial = serial.into();
        if serial.is_empty() || HeaderValue::from_str(&serial).is_err() {
            return Err(Error::invalid("serial", "must be a non-empty header value"));
        }
        let key = PrivateKey::from_pem(private_key_pem, backend)
            .map_err(|reason| Error::invalid("platform_private_key", reason))?;
        Ok(PlatformSigner { serial, key })
    }

    /// The serial the signatures name.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The base64 signature over `timestamp\nnonce\nbody\n`.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if the key operation fails.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        timestamp: u64,
        nonce: &str,
        body: &[u8],
        rng: &mut R,
    ) -> Result<String, Error> {
        let timestamp = timestamp.to_string();
        let parts: [&[u8]; 6] = [
            timestamp.as_bytes(),
            b"\n",
            nonce.as_bytes(),
            b"\n",
            body,
            b"\n",
        ];
        let signature = self.key.sign_sha256(&parts, rng).map_err(Error::Signing)?;
        Ok(crate::base64::encode(&signature))
    }

    /// Signs `response`'s body and sets the five `Wechatpay-*` headers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`nonce`) for a nonce that is not a header value;
    /// [`Error::Signing`].
    pub fn sign_response<R: CryptoRng + ?Sized>(
        &self,
        response: &mut Response<Vec<u8>>,
        timestamp: u64,
        nonce: &str,
        rng: &mut R,
    ) -> Result<(), Error> {
        let nonce_value = HeaderValue::from_str(nonce)
            .map_err(|_| Error::invalid("nonce", "not a header value"))?;
        let signature = self.sign(timestamp, nonce, response.body(), rng)?;
        let headers = response.headers_mut();
        headers.insert(WECHATPAY_TIMESTAMP, HeaderValue::from(timestamp));
        headers.insert(WECHATPAY_NONCE, nonce_value);
        headers.insert(
            WECHATPAY_SIGNATURE,
            HeaderValue::from_str(&signature)
                .map_err(|_| Error::invalid("signature", "not a header value"))?,
        );
        headers.insert(
            WECHATPAY_SERIAL,
            HeaderValue::from_str(&self.serial)
                .map_err(|_| Error::invalid("serial", "not a header value"))?,
        );
        headers.insert(
            WECHATPAY_SIGNATURE_TYPE,
            HeaderValue::from_static(AUTHORIZATION_SCHEME),
        );
        Ok(())
    }
}

impl fmt::Debug for PlatformSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformSigner")
            .field("serial", &self.serial)
            .field("private_key", &"<redacted>")
            .finish()
    }
}
