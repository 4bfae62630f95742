//! The platform's keys: public keys (`PUB_KEY_ID_...`) and certificates, side by side.

use std::fmt;

use der::{Decode, Encode};
use rand_core::CryptoRng;
use x509_cert::Certificate;

use crate::credentials::Shown;
use crate::crypto::{Backend, PublicKey};
use crate::error::{Error, VerificationError};

pub(crate) const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// How a platform key was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformKeyKind {
    /// Public key mode: a `PUB_KEY_ID_...` id and an SPKI PEM from the merchant portal.
    PublicKey,
    /// Certificate mode: a platform certificate, with its validity period in Unix seconds.
    Certificate {
        /// Start of validity.
        not_before: u64,
        /// End of validity.
        not_after: u64,
    },
}

/// One platform key, known by the serial that `Wechatpay-Serial` carries.
pub struct PlatformKey {
    serial: String,
    kind: PlatformKeyKind,
    key: PublicKey,
}

impl PlatformKey {
    /// The public key id or certificate serial.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Public key or certificate, with the certificate's validity.
    pub fn kind(&self) -> PlatformKeyKind {
        self.kind
    }

    /// Whether the key may be used at `now` (Unix seconds): always for public keys, within the
    /// validity period for certificates.
    pub fn is_valid_at(&self, now: u64) -> bool {
        match self.kind {
            PlatformKeyKind::PublicKey => true,
            PlatformKeyKind::Certificate {
                not_before,
                not_after,
            } => (not_before..=not_after).contains(&now),
        }
    }

    pub(crate) fn public_key(&self) -> &PublicKey {
        &self.key
    }
}

impl fmt::Debug for PlatformKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformKey")
            .field("serial", &self.serial)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The set of platform keys a merchant trusts, keyed by serial.
///
/// During the migration from certificates to public keys both kinds are live at once: responses
/// are signed with the key the request's `Wechatpay-Serial` named, callbacks move over days.
/// Verification therefore picks the key by the incoming `Wechatpay-Serial`. One key is
/// *preferred*: requests name it in `Wechatpay-Serial`, and sensitive request fields are
/// encrypted to it.
///
/// ```
/// # use wechatpay_core::PlatformKeys;
/// # let pem = include_str!("../testdata/keys/platform_pub.pem");
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// assert_eq!(keys.preferred().map(|k| k.serial()), Some("PUB_KEY_ID_0119000000012024112300000000000001"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
pub struct PlatformKeys {
    keys: Vec<PlatformKey>,
    preferred: Option<usize>,
    backend: Backend,
}

impl Default for PlatformKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl PlatformKeys {
    /// An empty set whose keys will be parsed for the default [`Backend`].
    pub fn new() -> Self {
        Self::with_backend(Backend::default())
    }

    /// An empty set whose keys will be parsed for `backend`.
    pub fn with_backend(backend: Backend) -> Self {
        PlatformKeys {
            keys: Vec::new(),
            preferred: None,
            backend,
        }
    }

    /// Adds a public key (public key mode): `id` is `PUB_KEY_ID_` followed by digits, `pem` the
    /// `BEGIN PUBLIC KEY` file downloaded from the merchant portal. Replaces a key of the same id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an id of another form (a certificate serial is called out: the
    /// merchant's own serial is a common mistake here) or a PEM that is not an RSA public key.
    pub fn add_public_key(&mut self, id: &str, pem: &str) -> Result<&PlatformKey, Error> {
        check_public_key_id(id)?;
        let der = crate::pem::public_key_der(pem)
            .map_err(|reason| Error::invalid("platform_public_key", reason))?;
        let key = self.parse_key(&der, "platform_public_key")?;
        Ok(self.insert(PlatformKey {
            serial: id.to_owned(),
            kind: PlatformKeyKind::PublicKey,
            key,
        }))
    }

    /// Adds a platform certificate (certificate mode) from its PEM. The serial is read from the
    /// certificate (as upper-case hex) and its validity period is kept. Replaces a key of the
    /// same serial.
    ///
    /// The certificate chain is not validated here: platform certificates come decrypted from
    /// `/v3/certificates` over an authenticated channel, or from the merchant's own files.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a PEM that is not an X.509 certificate with an RSA key.
    pub fn add_certificate(&mut self, pem: &str) -> Result<&PlatformKey, Error> {
        let der = crate::pem::certificate_der(pem).map_err(invalid_certificate)?;
        self.add_certificate_der(&der)
    }

    /// Adds every certificate of a PEM text that holds one or more (a bundle, or the
    /// certificates of a rotation saved in one file), as [`PlatformKeys::add_certificate`]
    /// does for each. Returns their serials, in the order of the text. Nothing is added when
    /// one of them is refused.
    ///
    /// # Errors
    ///
    /// As [`PlatformKeys::add_certificate`], for the first certificate refused, or for a text
    /// that holds none.
    pub fn add_certificates(&mut self, pem: &str) -> Result<Vec<String>, Error> {
        let ders = crate::pem::certificate_ders(pem).map_err(invalid_certificate)?;
        let keys = ders
            .iter()
            .map(|der| self.certificate_key(der))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(keys
            .into_iter()
            .map(|key| self.insert(key).serial().to_owned())
            .collect())
    }

    fn add_certificate_der(&mut self, der: &[u8]) -> Result<&PlatformKey, Error> {
        let key = self.certificate_key(der)?;
        Ok(self.insert(key))
    }

    fn certificate_key(&self, der: &[u8]) -> Result<PlatformKey, Error> {
        let invalid = invalid_certificate;
        let certificate = Certificate::from_der(der)
            .map_err(|e| invalid(format!("not a valid X.509 certificate: {e}")))?;
        let tbs = certificate.tbs_certificate();
        let serial = hex_upper(tbs.serial_number().as_bytes());
        let validity = tbs.validity();
        let not_before = unix_seconds(validity.not_before.to_unix_duration());
        let not_after = unix_seconds(validity.not_after.to_unix_duration());
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| invalid(format!("cannot read the certificate's public key: {e}")))?;
        let key = self.parse_key(&spki, "platform_certificate")?;
        Ok(PlatformKey {
            serial,
            kind: PlatformKeyKind::Certificate {
                not_before,
                not_after,
            },
            key,
        })
    }

    /// Makes the key with this serial the one requests name in `Wechatpay-Serial`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when no key has this serial.
    pub fn set_preferred(&mut self, serial: &str) -> Result<(), Error> {
        match self.keys.iter().position(|k| k.serial == serial) {
            Some(index) => {
                self.preferred = Some(index);
                Ok(())
            }
            None => Err(Error::invalid(
                "preferred_platform_serial",
                format!(
                    "{:?} is not among the platform keys ({})",
                    Shown(serial),
                    self.serials().join(", ")
                ),
            )),
        }
    }

    /// The key requests name in `Wechatpay-Serial`: the one set with
    /// [`PlatformKeys::set_preferred`]; otherwise the first public key added (public key mode is
    /// where every merchant is headed); otherwise the certificate whose validity started last.
    pub fn preferred(&self) -> Option<&PlatformKey> {
        if let Some(index) = self.preferred {
            return self.keys.get(index);
        }
        self.keys
            .iter()
            .find(|k| k.kind == PlatformKeyKind::PublicKey)
            .or_else(|| {
                self.keys.iter().max_by_key(|k| match k.kind {
                    PlatformKeyKind::Certificate { not_before, .. } => not_before,
                    PlatformKeyKind::PublicKey => u64::MAX,
                })
            })
    }

    /// The key with this serial.
    pub fn get(&self, serial: &str) -> Option<&PlatformKey> {
        self.keys.iter().find(|k| k.serial == serial)
    }

    /// Every key, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &PlatformKey> {
        self.keys.iter()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every serial, in the order added.
    pub fn serials(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.serial.clone()).collect()
    }

    /// The key a signature claims, checked to be known and, for a certificate, valid at `now`.
    pub(crate) fn key_for(
        &self,
        serial: &str,
        now: u64,
    ) -> Result<&PlatformKey, VerificationError> {
        let key = self
            .get(serial)
            .ok_or_else(|| VerificationError::UnknownSerial {
                serial: serial.to_owned(),
                known: self.serials(),
            })?;
        if let PlatformKeyKind::Certificate {
            not_before,
            not_after,
        } = key.kind
            && !key.is_valid_at(now)
        {
            return Err(VerificationError::CertificateNotValid {
                serial: key.serial.clone(),
                not_before,
                not_after,
                at: now,
            });
        }
        Ok(key)
    }

    /// Encrypts a sensitive request field to the preferred key. See [`FieldEncryptor`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when the set is empty.
    pub fn encryptor(&self) -> Result<FieldEncryptor<'_>, Error> {
        let key = self.preferred().ok_or_else(no_platform_key)?;
        Ok(FieldEncryptor { key })
    }

    fn parse_key(&self, spki_der: &[u8], field: &'static str) -> Result<PublicKey, Error> {
        PublicKey::from_spki_der(spki_der, self.backend)
            .map_err(|reason| Error::invalid(field, reason))
    }

    fn insert(&mut self, key: PlatformKey) -> &PlatformKey {
        let index = match self.keys.iter().position(|k| k.serial == key.serial) {
            Some(index) => {
                self.keys[index] = key;
                index
            }
            None => {
                self.keys.push(key);
                self.keys.len() - 1
            }
        };
        &self.keys[index]
    }
}

impl fmt::Debug for PlatformKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformKeys")
            .field("keys", &self.keys)
            .field("preferred", &self.preferred().map(PlatformKey::serial))
            .field("backend", &self.backend)
            .finish()
    }
}

pub(crate) fn no_platform_key() -> Error {
    Error::invalid(
        "platform_keys",
        "no platform key is configured: add the WeChat Pay public key (PUB_KEY_ID_...) or the platform certificates",
    )
}

/// Encrypts sensitive request fields (RSA-OAEP, SHA-1, MGF1-SHA-1) to one platform key.
///
/// All encrypted fields of one request must use the same key, and the request's
/// `Wechatpay-Serial` must name it: take both from the same encryptor ([`FieldEncryptor::serial`]).
#[derive(Debug)]
pub struct FieldEncryptor<'a> {
    key: &'a PlatformKey,
}

impl FieldEncryptor<'_> {
    /// The serial to send as the request's `Wechatpay-Serial`.
    pub fn serial(&self) -> &str {
        &self.key.serial
    }

    /// The longest plaintext, in bytes, this key can encrypt (214 for RSA 2048).
    pub fn max_plaintext_len(&self) -> usize {
        self.key.key.max_oaep_sha1_plaintext()
    }

    /// Encrypts `plaintext` and returns the base64 ciphertext to put in the request body.
    /// `rng` supplies the OAEP padding randomness (the `aws-lc-rs` backend uses its own).
    ///
    /// # Errors
    ///
    /// [`Error::Crypto`] with [`crate::CryptoError::PlaintextTooLong`] past
    /// [`FieldEncryptor::max_plaintext_len`] bytes.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &str,
        rng: &mut R,
    ) -> Result<String, Error> {
        let ciphertext = self
            .key
            .key
            .oaep_sha1_encrypt(plaintext.as_bytes(), rng)
            .map_err(Error::Crypto)?;
        Ok(crate::base64::encode(&ciphertext))
    }
}

fn invalid_certificate(reason: String) -> Error {
    Error::invalid("platform_certificate", reason)
}

fn check_public_key_id(id: &str) -> Result<(), Error> {
    let digits = id.strip_prefix(PUBLIC_KEY_ID_PREFIX);
    match digits {
        Some(d) if !d.is_empty() && d.len() <= 64 && d.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(())
        }
        _ if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(Error::invalid(
                "platform_public_key_id",
                format!(
                    "{id:?} looks like a certificate serial, not a WeChat Pay public key id \
                     (PUB_KEY_ID_ followed by digits); if it is your merchant certificate serial it \
                     belongs in serial_no, if it is a platform certificate use `add_certificate`"
                ),
            ))
        }
        _ => Err(Error::invalid(
            "platform_public_key_id",
            format!(
                "{:?} is not a WeChat Pay public key id: expected PUB_KEY_ID_ followed by digits",
                Shown(id)
            ),
        )),
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    // DER integers carry a leading zero byte when the top bit is set; it is not part of the
    // serial as WeChat Pay writes it.
    let bytes = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => bytes,
    };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn unix_seconds(duration: std::time::Duration) -> u64 {
    duration.as_secs()
}

#[cfg(test)]
mod tests {
    use super::hex_upper;

    #[test]
    fn serials_drop_only_the_sign_byte_of_their_der_integer() {
        // A serial whose top bit is set is stored with a leading zero byte.
        assert_eq!(hex_upper(&[0x00, 0x9E, 0x01]), "9E01");
        assert_eq!(hex_upper(&[0x5E, 0x00]), "5E00");
        // Zero itself is the one byte 00.
        assert_eq!(hex_upper(&[0x00]), "00");
    }
}
