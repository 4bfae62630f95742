//! The pure Rust backend: `rsa` 0.10, `sha2`, `sha1`.
//!
//! It also reads and checks every key, whichever backend will use it, so that both backends
//! accept and reject exactly the same keys with the same messages.

use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Sign};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::CryptoError;

/// Key sizes accepted: WeChat Pay issues 2048-bit keys; up to 4096 is tolerated.
const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 4096;

fn check_size(bits: usize) -> Result<(), String> {
    if (MIN_BITS..=MAX_BITS).contains(&bits) {
        Ok(())
    } else {
        Err(format!(
            "the RSA key is {bits} bits; WeChat Pay APIv3 uses 2048-bit keys (accepted: {MIN_BITS} to {MAX_BITS})"
        ))
    }
}

/// Reads PKCS#8 DER as an RSA private key of an accepted size.
pub(crate) fn parse_private_key(der: &[u8]) -> Result<PrivateKey, String> {
    let info = rsa::pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|_| "the PEM does not contain a valid PKCS#8 private key".to_owned())?;
    if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(format!(
            "the key is not an RSA key (algorithm {}); WeChat Pay APIv3 merchant keys are RSA 2048",
            info.algorithm.oid
        ));
    }
    let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(describe_pkcs8_error)?;
    check_size(key.n().bit_width() as usize)?;
    check_stored_crt_values(info.private_key.as_bytes(), &key)?;
    Ok(PrivateKey { key })
}

/// `rsa` recomputes dP, dQ and qInv from the primes and ignores the stored ones, while
/// aws-lc-rs (and OpenSSL) refuse a key whose stored values disagree: such a file is damaged.
/// Refusing it here keeps both backends in agreement on every key.
fn check_stored_crt_values(pkcs1_der: &[u8], key: &rsa::PrivateKey) -> Result<(), String> {
    use rsa::pkcs1::der::Decode;
    use rsa::traits::PrivateKeyParts;

    let damaged = || {
        "the private key is damaged: its stored CRT values (exponent1, exponent2, coefficient)          do not match its primes"
            .to_owned()
    };
    let stored = rsa::pkcs1::RsaPrivateKeyRef::from_der(pkcs1_der).map_err(|_| damaged())?;
    let same = |stored: &[u8], computed: Option<&rsa::BoxedUint>| {
        computed.is_some_and(|value| {
            let bytes = Zeroizing::new(value.to_be_bytes());
            let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
            bytes[first..] == *stored
        })
    };
    let qinv = key.crt_coefficient();
    if same(stored.exponent1.as_bytes(), key.dp())
        && same(stored.exponent2.as_bytes(), key.dq())
        && same(stored.coefficient.as_bytes(), qinv.as_ref())
    {
        Ok(())
    } else {
        Err(damaged())
    }
}

/// Reads SubjectPublicKeyInfo DER as an RSA public key of an accepted size.
pub(crate) fn parse_public_key(der: &[u8]) -> Result<PublicKey, String> {
    let info = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|_| "the PEM does not contain a valid public key".to_owned())?;
    if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(format!(
            "the public key is not an RSA key (algorithm {}); WeChat Pay platform keys are RSA 2048",
            info.algorithm.oid
        ));
    }
    let key = rsa::PublicKey::from_public_key_der(der).map_err(describe_spki_error)?;
    check_size(key.n().bit_width() as usize)?;
    Ok(PublicKey { key })
}

fn describe_pkcs8_error(error: rsa::pkcs8::Error) -> String {
    match error {
        rsa::pkcs8::Error::KeyMalformed(_) => {
            "the key inside the PEM is not a valid RSA key".to_owned()
        }
        rsa::pkcs8::Error::PublicKey(_) | rsa::pkcs8::Error::Asn1(_) => {
            "the PEM does not contain a valid PKCS#8 private key".to_owned()
        }
        // The algorithm was checked before this decoder ran: what remains is damage.
        other => format!("the private key cannot be read: {other}"),
    }
}

fn describe_spki_error(error: rsa::pkcs8::spki::Error) -> String {
    match error {
        rsa::pkcs8::spki::Error::OidUnknown { .. }
        | rsa::pkcs8::spki::Error::AlgorithmParametersMissing => {
            "the public key is not an RSA key (WeChat Pay platform keys are RSA 2048)".to_owned()
        }
        other => format!("the public key cannot be read: {other}"),
    }
}

pub(crate) struct PrivateKey {
    key: rsa::PrivateKey,
}

/// The DER SubjectPublicKeyInfo of `key`, as `rsa` encodes it: one encoding for every key
/// that is the same, whatever encoding it was read from.
fn spki_der(key: &rsa::PublicKey) -> Result<Vec<u8>, String> {
    key.to_public_key_der()
        .map(|document| document.as_bytes().to_vec())
        .map_err(|e| format!("cannot encode the public key: {e}"))
}

impl PrivateKey {
    /// The public half, as DER SubjectPublicKeyInfo.
    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, String> {
        spki_der(&self.key.to_public_key())
    }

    pub(crate) fn sign_sha256<R: CryptoRng + ?Sized>(
        &self,
        parts: &[&[u8]],
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        let digest = sha256(parts);
        // The RNG only blinds the private operation; PKCS#1 v1.5 output stays deterministic.
        self.key
            .sign_with_rng(rng, Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|e| CryptoError::Rsa(e.to_string()))
    }

    pub(crate) fn oaep_sha1_decrypt<R: CryptoRng + ?Sized>(
        &self,
        ciphertext: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        self.key
            .oaep_decrypt_with_rng::<Sha1, _>(rng, ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::DecryptionFailed)
    }
}

pub(crate) struct PublicKey {
    key: rsa::PublicKey,
}

impl PublicKey {
    /// The key, as DER SubjectPublicKeyInfo encoded as [`PrivateKey::public_key_der`] encodes
    /// it, so that the two compare byte for byte.
    pub(crate) fn der(&self) -> Result<Vec<u8>, String> {
        spki_der(&self.key)
    }

    pub(crate) fn verify_sha256(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        let digest = sha256(parts);
        self.key
            .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
            .is_ok()
    }

    pub(crate) fn oaep_sha1_encrypt<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, CryptoError> {
        self.key
            .encrypt(rng, Oaep::<Sha1>::new(), plaintext)
            .map_err(|e| CryptoError::Rsa(e.to_string()))
    }

    pub(crate) fn modulus_len(&self) -> usize {
        self.key.size()
    }
}

fn sha256(parts: &[&[u8]]) -> [u8; super::SHA256_LEN] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1::der::Decode;

    use crate::crypto::{Backend, PrivateKey};

    /// The merchant test key with the last byte of one stored CRT value changed.
    fn damaged(field: fn(&rsa::pkcs1::RsaPrivateKeyRef<'_>) -> usize) -> String {
        let pem = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
        let mut der = crate::pem::private_key_der(pem).unwrap().to_vec();
        let info = rsa::pkcs8::PrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
        let inner = info.private_key.as_bytes();
        let stored = rsa::pkcs1::RsaPrivateKeyRef::from_der(inner).unwrap();
        let at = field(&stored) - der.as_ptr() as usize;
        der[at] ^= 0x02;
        let body = crate::base64::encode(&der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    fn last_byte(bytes: &[u8]) -> usize {
        bytes.as_ptr() as usize + bytes.len() - 1
    }

    #[test]
    fn a_key_whose_stored_crt_values_disagree_with_its_primes_is_refused_by_every_backend() {
        let damaged_keys = [
            damaged(|k| last_byte(k.exponent1.as_bytes())),
            damaged(|k| last_byte(k.exponent2.as_bytes())),
            damaged(|k| last_byte(k.coefficient.as_bytes())),
        ];
        for pem in &damaged_keys {
            for backend in Backend::all() {
                let error = PrivateKey::from_pem(pem, *backend).err().unwrap();
                assert!(error.contains("damaged"), "{backend:?}: {error}");
            }
        }
        // A modulus that is not the product of the primes: not an RSA key at all.
        let wrong_modulus = damaged(|k| last_byte(k.modulus.as_bytes()));
        for backend in Backend::all() {
            let error = PrivateKey::from_pem(&wrong_modulus, *backend)
                .err()
                .unwrap();
            assert_eq!(
                error, "the key inside the PEM is not a valid RSA key",
                "{backend:?}"
            );
        }
        for backend in Backend::all() {
            let intact = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
            assert!(PrivateKey::from_pem(intact, *backend).is_ok());
        }
    }
}
