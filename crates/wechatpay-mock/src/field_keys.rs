//! The platform's private keys as they decrypt the sensitive fields of a request: with the
//! key the request's `Wechatpay-Serial` names, as the platform does.

use pkcs8::DecodePrivateKey;
use rsa::{Oaep, PrivateKey};
use sha1::Sha1;

use crate::keys::MockKeys;
use crate::platform::SetupError;

/// The platform key of each serial the platform answers to.
pub(crate) struct FieldKeys(Vec<(String, PrivateKey)>);

/// Why a field did not decrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// The request named no key, or one the platform does not have.
    UnknownSerial,
    /// Not base64, not a ciphertext of that key, or not UTF-8 text.
    Undecryptable,
}

impl FieldKeys {
    /// The keys of `keys`: the public key, and the certificate's when there is one.
    pub(crate) fn new(keys: &MockKeys) -> Result<Self, SetupError> {
        let read = |which: &'static str, pem: &str| {
            PrivateKey::from_pkcs8_pem(pem).map_err(|e| SetupError::Key {
                which,
                reason: e.to_string(),
            })
        };
        let mut all = vec![(
            keys.platform_public_key_id.clone(),
            read("platform_private_key", &keys.platform_private_key_pem)?,
        )];
        if let Some(certificate) = &keys.certificate {
            all.push((
                certificate.serial.clone(),
                read("certificate_private_key", &certificate.private_key_pem)?,
            ));
        }
        Ok(FieldKeys(all))
    }

    /// `ciphertext` (base64, RSA-OAEP with SHA-1) decrypted with the key of `serial`.
    pub(crate) fn decrypt(
        &self,
        serial: Option<&str>,
        ciphertext: &str,
    ) -> Result<String, FieldError> {
        use base64::Engine as _;
        let key = serial
            .and_then(|serial| self.0.iter().find(|(s, _)| s == serial))
            .map(|(_, key)| key)
            .ok_or(FieldError::UnknownSerial)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(ciphertext)
            .map_err(|_| FieldError::Undecryptable)?;
        let plaintext = key
            .decrypt(Oaep::<Sha1>::new(), &bytes)
            .map_err(|_| FieldError::Undecryptable)?;
        String::from_utf8(plaintext).map_err(|_| FieldError::Undecryptable)
    }
}
