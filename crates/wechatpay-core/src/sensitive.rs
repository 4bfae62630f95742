//! Sensitive fields: ciphertexts as received, and decrypted personal data that never prints.

use std::fmt;

use rand_core::CryptoRng;
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use crate::credentials::MerchantCredentials;
use crate::error::{CryptoError, Error};

/// A sensitive field as the platform sends it: RSA-OAEP ciphertext, base64, encrypted to the
/// merchant's API certificate. Decrypt it with [`MerchantCredentials::decrypt`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EncryptedField(String);

impl EncryptedField {
    /// Wraps a base64 ciphertext.
    pub fn new(ciphertext: impl Into<String>) -> Self {
        EncryptedField(ciphertext.into())
    }

    /// The base64 ciphertext.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EncryptedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptedField({} base64 chars)", self.0.len())
    }
}

/// Decrypted personal data (a name, a bank card number) or a secret token.
///
/// `Debug` and `Display` print `<redacted>`; the text comes out only through
/// [`SensitiveString::expose`], so that it cannot reach a log by accident. The memory is zeroed
/// on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SensitiveString(Zeroizing<String>);

impl SensitiveString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SensitiveString(Zeroizing::new(value.into()))
    }

    /// The plaintext. Call it where the value is really needed, and nowhere that logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for SensitiveString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for SensitiveString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SensitiveString::new)
    }
}

impl MerchantCredentials {
    /// Decrypts a sensitive field of a response (RSA-OAEP, SHA-1, MGF1-SHA-1) with the
    /// merchant private key. `rng` blinds the private key operation.
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`]: [`CryptoError::InvalidBase64`], [`CryptoError::DecryptionFailed`]
    /// (another key, or an altered ciphertext), [`CryptoError::NotUtf8`].
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        field: &EncryptedField,
        rng: &mut R,
    ) -> Result<SensitiveString, Error> {
        let ciphertext = crate::base64::decode(field.as_str())
            .ok_or(Error::Crypto(CryptoError::InvalidBase64))?;
        let plaintext = self
            .private_key()
            .oaep_sha1_decrypt(&ciphertext, rng)
            .map_err(Error::Crypto)?;
        let text =
            std::str::from_utf8(&plaintext).map_err(|_| Error::Crypto(CryptoError::NotUtf8))?;
        Ok(SensitiveString::new(text))
    }
}
