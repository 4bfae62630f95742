//! The seam between the protocol and the RSA implementations.
//!
//! Both backends answer the same four questions (sign, verify, OAEP decrypt, OAEP encrypt) over
//! keys parsed once. Which backend a key uses is a plain value chosen when the key is loaded, so
//! one process (a benchmark, a test suite) can hold keys of both.

mod rust_crypto;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// An RSA implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Pure Rust (`rsa` 0.10, constant-time, blinded): builds everywhere, wasm included.
    RustCrypto,
    /// `aws-lc-rs`: native speed, several times faster. Needs the `aws-lc-rs` feature.
    #[cfg(feature = "aws-lc-rs")]
    AwsLc,
}

impl Default for Backend {
    /// `AwsLc` when the `aws-lc-rs` feature is on, `RustCrypto` otherwise.
    fn default() -> Self {
        #[cfg(feature = "aws-lc-rs")]
        {
            Backend::AwsLc
        }
        #[cfg(not(feature = "aws-lc-rs"))]
        {
            Backend::RustCrypto
        }
    }
}

impl Backend {
    /// Every backend compiled in, for running one test suite or benchmark against each.
    pub const fn all() -> &'static [Backend] {
        &[
            Backend::RustCrypto,
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc,
        ]
    }
}

/// SHA-256 output length, which is also what PKCS#1 v1.5 signs.
pub(crate) const SHA256_LEN: usize = 32;

/// The OAEP overhead with SHA-1: `2 * 20 + 2` bytes (RFC 8017 §7.1.1).
const OAEP_SHA1_OVERHEAD: usize = 42;

/// The checks every backend shares on a PKCS#8 RSA private key (algorithm, size, stored CRT
/// values), without keeping the key.
pub(crate) fn check_private_key_der(der: &[u8]) -> Result<(), String> {
    rust_crypto::parse_private_key(der).map(drop)
}

/// An RSA public key given as DER SubjectPublicKeyInfo, after the checks every backend shares,
/// encoded again the one way the core encodes public keys: two encodings of the same key
/// (parameters written or left out) come out the same bytes.
pub(crate) fn canonical_public_key_der(der: &[u8]) -> Result<Vec<u8>, String> {
    rust_crypto::parse_public_key(der)?.der()
}

/// A merchant private key, parsed once.
pub(crate) enum PrivateKey {
    RustCrypto(Box<rust_crypto::PrivateKey>),
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(Box<aws_lc::PrivateKey>),
}

impl PrivateKey {
    /// Reads a PKCS#8 or PKCS#1 PEM RSA private key for `backend`, after the checks every
    /// backend shares (kind of PEM, algorithm, size).
    pub(crate) fn from_pem(pem: &str, backend: Backend) -> Result<Self, String> {
        Self::from_pem_with_public_key(pem, backend).map(|(key, _)| key)
    }

    /// As [`PrivateKey::from_pem`], with the public half as DER SubjectPublicKeyInfo (in the
    /// encoding of [`canonical_public_key_der`]).
    pub(crate) fn from_pem_with_public_key(
        pem: &str,
        backend: Backend,
    ) -> Result<(Self, Vec<u8>), String> {
        let der = crate::pem::private_key_der(pem)?;
        let checked = rust_crypto::parse_private_key(&der)?;
        let public_key = checked.public_key_der()?;
        let key = match backend {
            Backend::RustCrypto => PrivateKey::RustCrypto(Box::new(checked)),
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => {
                PrivateKey::AwsLc(Box::new(aws_lc::PrivateKey::from_pkcs8_der(&der)?))
            }
        };
        Ok((key, public_key))
    }

    /// SHA256withRSA (PKCS#1 v1.5) over the concatenation of `parts`.
    pub(crate) fn sign_sha256<R: CryptoRng + ?Sized>(
        &self,
        parts: &[&[u8]],
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            PrivateKey::RustCrypto(key) => key.sign_sha256(parts, rng),
            #[cfg(feature = "aws-lc-rs")]
            PrivateKey::AwsLc(key) => key.sign_sha256(parts),
        }
    }

    /// RSA-OAEP with SHA-1 and MGF1-SHA-1, empty label.
    pub(crate) fn oaep_sha1_decrypt<R: CryptoRng + ?Sized>(
        &self,
        ciphertext: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        match self {
            PrivateKey::RustCrypto(key) => key.oaep_sha1_decrypt(ciphertext, rng),
            #[cfg(feature = "aws-lc-rs")]
            PrivateKey::AwsLc(key) => key.oaep_sha1_decrypt(ciphertext),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            PrivateKey::RustCrypto(_) => Backend::RustCrypto,
            #[cfg(feature = "aws-lc-rs")]
            PrivateKey::AwsLc(_) => Backend::AwsLc,
        }
    }
}

/// A platform public key, parsed once.
pub(crate) enum PublicKey {
    RustCrypto(Box<rust_crypto::PublicKey>),
    #[cfg(feature = "aws-lc-rs")]
    AwsLc(Box<aws_lc::PublicKey>),
}

impl PublicKey {
    /// Reads SubjectPublicKeyInfo DER for `backend`, after the checks every backend shares.
    pub(crate) fn from_spki_der(der: &[u8], backend: Backend) -> Result<Self, String> {
        let checked = rust_crypto::parse_public_key(der)?;
        match backend {
            Backend::RustCrypto => Ok(PublicKey::RustCrypto(Box::new(checked))),
            #[cfg(feature = "aws-lc-rs")]
            Backend::AwsLc => Ok(PublicKey::AwsLc(Box::new(
                aws_lc::PublicKey::from_spki_der(der)?,
            ))),
        }
    }

    /// Checks a SHA256withRSA signature over the concatenation of `parts`.
    pub(crate) fn verify_sha256(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        match self {
            PublicKey::RustCrypto(key) => key.verify_sha256(parts, signature),
            #[cfg(feature = "aws-lc-rs")]
            PublicKey::AwsLc(key) => key.verify_sha256(parts, signature),
        }
    }

    /// RSA-OAEP with SHA-1 and MGF1-SHA-1, empty label. The `aws-lc-rs` backend draws its
    /// padding randomness from its own generator and leaves `rng` unused.
    pub(crate) fn oaep_sha1_encrypt<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        let max = self.max_oaep_sha1_plaintext();
        if plaintext.len() > max {
            return Err(CryptoError::PlaintextTooLong {
                len: plaintext.len(),
                max,
            });
        }
        match self {
            PublicKey::RustCrypto(key) => key.oaep_sha1_encrypt(plaintext, rng),
            #[cfg(feature = "aws-lc-rs")]
            PublicKey::AwsLc(key) => {
                let _ = rng;
                key.oaep_sha1_encrypt(plaintext)
            }
        }
    }

    fn modulus_len(&self) -> usize {
        match self {
            PublicKey::RustCrypto(key) => key.modulus_len(),
            #[cfg(feature = "aws-lc-rs")]
            PublicKey::AwsLc(key) => key.modulus_len(),
        }
    }

    /// 214 bytes for a 2048-bit key.
    pub(crate) fn max_oaep_sha1_plaintext(&self) -> usize {
        self.modulus_len().saturating_sub(OAEP_SHA1_OVERHEAD)
    }
}
