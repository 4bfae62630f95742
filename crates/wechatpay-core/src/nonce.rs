//! The request nonce (`nonce_str`).

use std::fmt;

use rand_core::CryptoRng;

use crate::error::Error;
use crate::text::Quoted;

/// A request nonce: 1 to 64 ASCII letters and digits (32 is usual).
///
/// The core has no random source of its own: an adapter draws one with [`Nonce::generate`] and
/// its RNG, a test fixes one with [`Nonce::new`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nonce(String);

impl Nonce {
    /// The length [`Nonce::generate`] produces.
    pub const LEN: usize = 32;

    /// Checks a given nonce.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`nonce`) when empty, longer than 64, or not alphanumeric ASCII.
    pub fn new(nonce: impl Into<String>) -> Result<Self, Error> {
        let nonce = nonce.into();
        if nonce.is_empty() || nonce.len() > 64 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::invalid(
                "nonce",
                format!(
                    "{:?} must be 1 to 64 ASCII letters and digits",
                    Quoted::value(&nonce)
                ),
            ));
        }
        Ok(Nonce(nonce))
    }

    /// 32 uniformly drawn letters and digits.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        const ALPHABET: &[u8; 62] =
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut nonce = String::with_capacity(Self::LEN);
        let mut buffer = [0u8; 64];
        while nonce.len() < Self::LEN {
            rng.fill_bytes(&mut buffer);
            // Rejection sampling keeps the draw uniform: 248 = 4 * 62.
            for &byte in buffer.iter().filter(|&&b| b < 248) {
                if nonce.len() == Self::LEN {
                    break;
                }
                nonce.push(char::from(ALPHABET[usize::from(byte % 62)]));
            }
        }
        Nonce(nonce)
    }

    /// The nonce's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({:?})", self.0)
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
