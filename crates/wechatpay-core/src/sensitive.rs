//! Sensitive fields: ciphertexts as received, and decrypted personal data that never prints.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// A sensitive field as the platform sends it: RSA-OAEP ciphertext, base64, encrypted to the
/// merchant's API certificate. Decrypt it with [`crate::MerchantKey::decrypt`].
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

    /// The raw ciphertext, for a decryption made elsewhere (a runtime's WebCrypto), decoded
    /// as the core decodes it.
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidBase64`].
    pub fn ciphertext(&self) -> Result<Vec<u8>, CryptoError> {
        crate::base64::decode(&self.0).ok_or(CryptoError::InvalidBase64)
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

    /// Decrypted bytes as text, for a decryption made elsewhere (a runtime's WebCrypto); the
    /// core's own decryptions end here too.
    ///
    /// # Errors
    ///
    /// [`CryptoError::NotUtf8`].
    pub fn from_utf8(plaintext: &[u8]) -> Result<Self, CryptoError> {
        std::str::from_utf8(plaintext)
            .map(SensitiveString::new)
            .map_err(|_| CryptoError::NotUtf8)
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
