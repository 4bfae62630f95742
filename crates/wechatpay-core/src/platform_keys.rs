//! The platform's keys: public keys (`PUB_KEY_ID_...`) and certificates, side by side.

use std::fmt;

use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::crypto::{Backend, PublicKey};
use crate::error::{Error, VerificationError};
use crate::ids::{CertificateSerial, PublicKeyId};
use crate::text::Quoted;

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
    spki_der: Vec<u8>,
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

    /// The public key, DER-encoded `SubjectPublicKeyInfo`: what WebCrypto's `importKey("spki")`
    /// and most crypto libraries take, for verifying in two steps
    /// ([`PlatformKeys::signature_check`]).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
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
/// Keys are parsed once, when added. The set only grows while it is shared: a certificate
/// download ([`crate::Adapter::download_certificates`], or a refresh) adds the certificates it
/// verified through `&self` ([`PlatformKeys::add_verified_certificates`]), so a client shared
/// by many tasks picks up a rotated certificate without a lock and without a rebuild, and a
/// key once handed out (`&PlatformKey`) stays valid.
///
/// During the migration from certificates to public keys both kinds are live at once: responses
/// are signed with the key the request's `Wechatpay-Serial` named, callbacks move over days.
/// Verification therefore picks the key by the incoming `Wechatpay-Serial`. One key is
/// *preferred*: requests name it in `Wechatpay-Serial`, and sensitive request fields are
/// encrypted to it.
///
/// ```
/// # use wechatpay_core::PlatformKeys;
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// assert_eq!(keys.preferred().map(|k| k.serial()), Some("PUB_KEY_ID_0119000000012024112300000000000001"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
pub struct PlatformKeys {
    // Append-only (see the type's docs): an element's address never changes, so `get` can hand
    // out references while another task pushes.
    keys: boxcar::Vec<PlatformKey>,
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
            keys: boxcar::Vec::new(),
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
        let id = PublicKeyId::new(id)?;
        let der = crate::pem::public_key_der(pem)
            .map_err(|reason| Error::invalid("platform_public_key", reason))?;
        let key = self.parse_key(&der, "platform_public_key")?;
        Ok(self.insert(PlatformKey {
            serial: id.as_str().to_owned(),
            kind: PlatformKeyKind::PublicKey,
            key,
            spki_der: der,
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
        let facts = read_certificate(der).map_err(invalid_certificate)?;
        let key = self.parse_key(&facts.spki_der, "platform_certificate")?;
        Ok(PlatformKey {
            serial: facts.serial.as_str().to_owned(),
            kind: PlatformKeyKind::Certificate {
                not_before: facts.not_before,
                not_after: facts.not_after,
            },
            key,
            spki_der: facts.spki_der,
        })
    }

    /// Makes the key with this serial the one requests name in `Wechatpay-Serial`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when no key has this serial.
    pub fn set_preferred(&mut self, serial: &str) -> Result<(), Error> {
        match self.position(serial) {
            Some(index) => {
                self.preferred = Some(index);
                Ok(())
            }
            None => Err(Error::invalid(
                "preferred_platform_serial",
                format!(
                    "{:?} is not among the platform keys ({})",
                    Quoted::value(serial),
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
        self.iter()
            .find(|k| k.kind == PlatformKeyKind::PublicKey)
            .or_else(|| {
                self.iter().max_by_key(|k| match k.kind {
                    PlatformKeyKind::Certificate { not_before, .. } => not_before,
                    PlatformKeyKind::PublicKey => u64::MAX,
                })
            })
    }

    /// The key requests made at `now` (Unix seconds) name: as [`PlatformKeys::preferred`],
    /// except that among certificates the one valid at `now` whose validity started last is
    /// taken, so that a certificate downloaded ahead of its validity (a rotation announced
    /// early) is not named before it may sign. Without a certificate valid at `now`, as
    /// [`PlatformKeys::preferred`].
    pub fn preferred_at(&self, now: u64) -> Option<&PlatformKey> {
        if let Some(index) = self.preferred {
            return self.keys.get(index);
        }
        self.iter()
            .find(|k| k.kind == PlatformKeyKind::PublicKey)
            .or_else(|| {
                self.iter()
                    .filter(|k| k.is_valid_at(now))
                    .max_by_key(|k| match k.kind {
                        PlatformKeyKind::Certificate { not_before, .. } => not_before,
                        PlatformKeyKind::PublicKey => u64::MAX,
                    })
            })
            .or_else(|| self.preferred())
    }

    /// The key with this serial.
    pub fn get(&self, serial: &str) -> Option<&PlatformKey> {
        self.iter().find(|k| k.serial == serial)
    }

    /// Every key, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &PlatformKey> {
        self.keys.iter().map(|(_, key)| key)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.count()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every serial, in the order added.
    pub fn serials(&self) -> Vec<String> {
        self.iter().map(|k| k.serial.clone()).collect()
    }

    /// The earliest end of validity among the certificates (`None` without certificates): when
    /// a [`crate::RefreshPolicy`] must have fetched their successors.
    pub fn earliest_expiry(&self) -> Option<u64> {
        self.iter()
            .filter_map(|k| match k.kind {
                PlatformKeyKind::Certificate { not_after, .. } => Some(not_after),
                PlatformKeyKind::PublicKey => None,
            })
            .min()
    }

    /// Adds the certificates a download verified, through a shared reference: the way a
    /// refresh reaches a client many tasks hold. A serial already present is skipped (a
    /// platform certificate does not change under its serial), so adding the same download
    /// twice adds nothing. Returns how many were new. Nothing is added when one is refused.
    ///
    /// # Errors
    ///
    /// As [`PlatformKeys::add_certificate`].
    pub fn add_verified_certificates(
        &self,
        certificates: &[crate::PlatformCertificate],
    ) -> Result<usize, Error> {
        let keys = certificates
            .iter()
            .filter(|c| self.get(c.serial()).is_none())
            .map(|c| {
                let der = crate::pem::certificate_der(c.pem()).map_err(invalid_certificate)?;
                self.certificate_key(&der)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let added = keys.len();
        for key in keys {
            // Two refreshes racing may both find a serial missing: the second copy is
            // identical, and `get` returns the first.
            self.keys.push(key);
        }
        Ok(added)
    }

    /// The backend keys are parsed for.
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    fn position(&self, serial: &str) -> Option<usize> {
        self.keys
            .iter()
            .find(|(_, k)| k.serial == serial)
            .map(|(index, _)| index)
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

    fn parse_key(&self, spki_der: &[u8], field: &'static str) -> Result<PublicKey, Error> {
        PublicKey::from_spki_der(spki_der, self.backend)
            .map_err(|reason| Error::invalid(field, reason))
    }

    fn insert(&mut self, key: PlatformKey) -> &PlatformKey {
        let index = match self.position(&key.serial) {
            Some(index) => {
                if let Some(slot) = self.keys.get_mut(index) {
                    *slot = key;
                }
                index
            }
            None => self.keys.push(key),
        };
        &self.keys[index]
    }
}

impl fmt::Debug for PlatformKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformKeys")
            .field("keys", &self.iter().collect::<Vec<_>>())
            .field("preferred", &self.preferred().map(PlatformKey::serial))
            .field("backend", &self.backend)
            .finish()
    }
}

/// What the core reads from a certificate, platform or merchant: its serial, its validity and
/// its key. The chain is not validated (see [`PlatformKeys::add_certificate`]).
pub(crate) struct CertificateFacts {
    pub(crate) serial: CertificateSerial,
    /// Start of validity, Unix seconds.
    pub(crate) not_before: u64,
    /// End of validity, Unix seconds.
    pub(crate) not_after: u64,
    /// DER SubjectPublicKeyInfo, as the certificate holds it.
    pub(crate) spki_der: Vec<u8>,
}

pub(crate) fn read_certificate(der: &[u8]) -> Result<CertificateFacts, String> {
    let certificate =
        Certificate::from_der(der).map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let spki_der = tbs
        .subject_public_key_info()
        .to_der()
        .map_err(|e| format!("cannot read the certificate's public key: {e}"))?;
    Ok(CertificateFacts {
        serial: CertificateSerial::from_der_integer(tbs.serial_number().as_bytes()),
        not_before: unix_seconds(validity.not_before.to_unix_duration()),
        not_after: unix_seconds(validity.not_after.to_unix_duration()),
        spki_der,
    })
}

pub(crate) fn no_platform_key() -> Error {
    Error::invalid(
        "platform_keys",
        "no platform key is configured: add the WeChat Pay public key (PUB_KEY_ID_...) or the platform certificates",
    )
}

fn invalid_certificate(reason: String) -> Error {
    Error::invalid("platform_certificate", reason)
}

fn unix_seconds(duration: std::time::Duration) -> u64 {
    duration.as_secs()
}
