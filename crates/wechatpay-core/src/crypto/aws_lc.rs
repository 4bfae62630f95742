//! The `aws-lc-rs` backend: the same operations at native speed.

use aws_lc_rs::digest;
use aws_lc_rs::rsa::{
    KeyPair, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey,
};
use aws_lc_rs::signature::{self, ParsedPublicKey};
use zeroize::Zeroizing;

use crate::error::CryptoError;

pub(crate) struct PrivateKey {
    signing: KeyPair,
    decrypting: OaepPrivateDecryptingKey,
}

impl PrivateKey {
    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        let signing =
            KeyPair::from_pkcs8(der).map_err(|e| format!("aws-lc-rs rejected the key: {e}"))?;
        let decrypting = PrivateDecryptingKey::from_pkcs8(der)
            .ok()
            .and_then(|key| OaepPrivateDecryptingKey::new(key).ok())
            .ok_or_else(|| "aws-lc-rs rejected the key for decryption".to_owned())?;
        Ok(PrivateKey {
            signing,
            decrypting,
        })
    }

    pub(crate) fn sign_sha256(&self, parts: &[&[u8]]) -> Result<Vec<u8>, CryptoError> {
        let digest = sha256(parts);
        let mut signature = vec![0; self.signing.public_modulus_len()];
        self.signing
            .sign_digest(&signature::RSA_PKCS1_SHA256, &digest, &mut signature)
            .map_err(|_| CryptoError::Rsa("aws-lc-rs signing failed".to_owned()))?;
        Ok(signature)
    }

    pub(crate) fn oaep_sha1_decrypt(
        &self,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if ciphertext.len() != self.decrypting.key_size_bytes() {
            return Err(CryptoError::DecryptionFailed);
        }
        let mut plaintext = Zeroizing::new(vec![0; self.decrypting.min_output_size()]);
        let len = self
            .decrypting
            .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut plaintext, None)
            .map_err(|_| CryptoError::DecryptionFailed)?
            .len();
        plaintext.truncate(len);
        Ok(plaintext)
    }
}

pub(crate) struct PublicKey {
    verifying: ParsedPublicKey,
    encrypting: OaepPublicEncryptingKey,
}

impl PublicKey {
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        let verifying = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|e| format!("aws-lc-rs rejected the public key: {e}"))?;
        let encrypting = PublicEncryptingKey::from_der(der)
            .ok()
            .and_then(|key| OaepPublicEncryptingKey::new(key).ok())
            .ok_or_else(|| "aws-lc-rs rejected the public key for encryption".to_owned())?;
        Ok(PublicKey {
            verifying,
            encrypting,
        })
    }

    pub(crate) fn verify_sha256(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        let digest = sha256(parts);
        self.verifying.verify_digest_sig(&digest, signature).is_ok()
    }

    pub(crate) fn oaep_sha1_encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut ciphertext = vec![0; self.encrypting.ciphertext_size()];
        let len = self
            .encrypting
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut ciphertext, None)
            .map_err(|_| CryptoError::Rsa("aws-lc-rs encryption failed".to_owned()))?
            .len();
        ciphertext.truncate(len);
        Ok(ciphertext)
    }

    pub(crate) fn modulus_len(&self) -> usize {
        self.encrypting.key_size_bytes()
    }
}

fn sha256(parts: &[&[u8]]) -> digest::Digest {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish()
}
