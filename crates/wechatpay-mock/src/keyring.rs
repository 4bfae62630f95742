//! The platform's private keys as it holds them at one moment: the public key's and each
//! platform certificate's, and the mode that says which of them signs what a request does not
//! name. A request is answered with one snapshot from start to end, so that a rotation while it
//! is answered changes nothing of its answer.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{Oaep, PrivateKey};
use sha1::Sha1;
use wechatpay_core::{Backend, PlatformKeyKind, PlatformKeys, PlatformSigner};

use crate::keys::{CertificateKey, MockKeys};
use crate::platform::SetupError;
use crate::sealing::rfc3339;

/// The most platform certificates the platform holds at once: a rotation adds one, and the
/// control route that rotates must not let anyone fill memory with them.
pub const MAX_CERTIFICATES: usize = 16;

/// Which kind of merchant the platform plays (PROTOCOL.md §3).
///
/// In either mode the platform holds every key it has, and answers a request with the key its
/// `Wechatpay-Serial` names when it holds that key, as during a migration; the mode says what
/// it signs with otherwise, and whether `GET /v3/certificates` has certificates to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlatformMode {
    /// Public key mode, where every merchant opened since late 2024 is: answers and callbacks
    /// are signed with the platform public key, and `GET /v3/certificates` is
    /// `404 RESOURCE_NOT_EXISTS`.
    #[default]
    PublicKey,
    /// Certificate mode: answers and callbacks are signed with the newest platform certificate
    /// valid at the time, and `GET /v3/certificates` lists the certificates, each encrypted
    /// with the merchant's APIv3 key.
    Certificate,
}

impl PlatformMode {
    const NAMES: [(&'static str, PlatformMode); 2] = [
        ("public-key", PlatformMode::PublicKey),
        ("certificate", PlatformMode::Certificate),
    ];
}

impl fmt::Display for PlatformMode {
    /// `public-key` or `certificate`, as the control route takes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES
            .iter()
            .find(|(_, mode)| mode == self)
            .map_or("public-key", |(name, _)| name);
        f.write_str(name)
    }
}

/// A mode name [`PlatformMode`]'s `FromStr` refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform mode {0:?}: expected public-key or certificate")]
pub struct InvalidMode(String);

impl FromStr for PlatformMode {
    type Err = InvalidMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, mode)| *mode)
            .ok_or_else(|| InvalidMode(text.to_owned()))
    }
}

/// A platform certificate the platform holds, as `GET /v3/certificates` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedCertificate {
    /// The serial, 40 upper-case hex digits, as read from the certificate.
    pub serial: String,
    /// Start of validity, Unix seconds.
    pub not_before: u64,
    /// End of validity, Unix seconds.
    pub not_after: u64,
    /// The certificate, PEM: what the merchant decrypts from the answer.
    pub certificate_pem: String,
}

impl IssuedCertificate {
    /// `effective_time` as the platform writes it: `2023-01-01T08:00:00+08:00`.
    pub fn effective_time(&self) -> String {
        rfc3339(self.not_before)
    }

    /// `expire_time` as the platform writes it.
    pub fn expire_time(&self) -> String {
        rfc3339(self.not_after)
    }

    /// Whether it is valid at `now`, Unix seconds.
    pub fn is_valid_at(&self, now: u64) -> bool {
        (self.not_before..=self.not_after).contains(&now)
    }
}

/// A change to the platform's certificates or mode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The certificate or its key was refused: not an X.509 certificate with an RSA key, a
    /// serial other than the certificate's, or a private key that is not the certificate's.
    #[error("platform certificate refused: {reason}")]
    Invalid {
        /// Why.
        reason: String,
    },
    /// Certificate mode needs a certificate, and the platform holds none.
    #[error(
        "certificate mode needs a platform certificate and the platform holds none: \
         rotate one in first (MockPlatform::rotate_certificate)"
    )]
    NoCertificate,
    /// The platform already holds a certificate of this serial.
    #[error("the platform already holds certificate {serial}")]
    DuplicateSerial {
        /// The serial.
        serial: String,
    },
    /// The platform holds no certificate of this serial.
    #[error("the platform holds no certificate {serial}; it holds [{}]", held.join(", "))]
    UnknownSerial {
        /// The serial asked for.
        serial: String,
        /// The serials it holds.
        held: Vec<String>,
    },
    /// The certificate is the last one, and the platform is in certificate mode.
    #[error(
        "certificate {serial} is the platform's last, and it is in certificate mode: rotate \
         another in first, or switch to public key mode"
    )]
    LastCertificate {
        /// The serial.
        serial: String,
    },
    /// The platform holds [`MAX_CERTIFICATES`] already.
    #[error(
        "the platform holds {MAX_CERTIFICATES} certificates, the most it keeps: retire one first"
    )]
    TooMany,
}

/// Why a request's sensitive field did not decrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// The request named no key, or one the platform does not hold.
    UnknownSerial,
    /// Not base64, not a ciphertext of that key, or not UTF-8 text.
    Undecryptable,
}

/// One private key, as it signs and as it decrypts.
struct HeldKey {
    signer: PlatformSigner,
    decrypter: PrivateKey,
}

impl HeldKey {
    fn read(serial: &str, private_key_pem: &str) -> Result<Self, String> {
        let signer = PlatformSigner::new(serial, private_key_pem, Backend::default())
            .map_err(|e| e.to_string())?;
        let decrypter = PrivateKey::from_pkcs8_pem(private_key_pem).map_err(|e| e.to_string())?;
        Ok(HeldKey { signer, decrypter })
    }
}

/// A platform certificate with its private key.
pub(crate) struct HeldCertificate {
    key: HeldKey,
    issued: IssuedCertificate,
}

impl HeldCertificate {
    /// `certificate` checked: the certificate parses as the merchant's side parses it, its
    /// serial is the one given, and the private key is the certificate's.
    fn read(certificate: &CertificateKey) -> Result<Self, CertificateError> {
        let invalid = |reason: String| CertificateError::Invalid { reason };
        let mut parsed = PlatformKeys::new();
        let platform_key = parsed
            .add_certificate(&certificate.certificate_pem)
            .map_err(|e| invalid(e.to_string()))?;
        let PlatformKeyKind::Certificate {
            not_before,
            not_after,
        } = platform_key.kind()
        else {
            return Err(invalid("not a certificate".to_owned()));
        };
        let serial = platform_key.serial().to_owned();
        if !serial.eq_ignore_ascii_case(&certificate.serial) {
            return Err(invalid(format!(
                "the certificate's serial is {serial}, not {:?}",
                certificate.serial
            )));
        }
        let key = HeldKey::read(&serial, &certificate.private_key_pem)
            .map_err(|reason| invalid(format!("its private key: {reason}")))?;
        let certified = rsa::PublicKey::from_public_key_der(platform_key.spki_der())
            .map_err(|e| invalid(format!("its public key: {e}")))?;
        if &certified != key.decrypter.as_public_key() {
            return Err(invalid(format!(
                "the private key given is not the key of certificate {serial}"
            )));
        }
        Ok(HeldCertificate {
            key,
            issued: IssuedCertificate {
                serial,
                not_before,
                not_after,
                certificate_pem: certificate.certificate_pem.clone(),
            },
        })
    }

    /// The certificate as it is listed.
    pub(crate) fn issued(&self) -> &IssuedCertificate {
        &self.issued
    }
}

/// The platform's keys and mode at one moment. Cloning shares the keys.
#[derive(Clone)]
pub(crate) struct Keyring {
    mode: PlatformMode,
    public_key: Arc<HeldKey>,
    /// In the order they were issued.
    certificates: Vec<Arc<HeldCertificate>>,
    api_v3_key: Arc<str>,
}

impl Keyring {
    /// The keys of `keys` in public key mode: the public key, and the certificate when there
    /// is one.
    pub(crate) fn new(keys: &MockKeys) -> Result<Self, SetupError> {
        let public_key =
            HeldKey::read(&keys.platform_public_key_id, &keys.platform_private_key_pem).map_err(
                |reason| SetupError::Key {
                    which: "platform_private_key",
                    reason,
                },
            )?;
        let certificates = keys
            .certificate
            .iter()
            .map(|certificate| HeldCertificate::read(certificate).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SetupError::Key {
                which: "certificate",
                reason: e.to_string(),
            })?;
        Ok(Keyring {
            mode: PlatformMode::PublicKey,
            public_key: Arc::new(public_key),
            certificates,
            api_v3_key: Arc::from(keys.api_v3_key.as_str()),
        })
    }

    /// The mode.
    pub(crate) fn mode(&self) -> PlatformMode {
        self.mode
    }

    /// The merchant's APIv3 key, which certificates are encrypted with.
    pub(crate) fn api_v3_key(&self) -> &str {
        &self.api_v3_key
    }

    /// The certificates held, in the order they were issued.
    pub(crate) fn certificates(&self) -> impl Iterator<Item = &IssuedCertificate> {
        self.certificates.iter().map(|held| &held.issued)
    }

    /// The same keys in `mode`.
    pub(crate) fn with_mode(&self, mode: PlatformMode) -> Result<Self, CertificateError> {
        if mode == PlatformMode::Certificate && self.certificates.is_empty() {
            return Err(CertificateError::NoCertificate);
        }
        Ok(Keyring {
            mode,
            ..self.clone()
        })
    }

    /// The same keys and one more certificate, read first with [`Keyring::read`].
    pub(crate) fn with_certificate(
        &self,
        certificate: &Arc<HeldCertificate>,
    ) -> Result<Self, CertificateError> {
        let serial = &certificate.issued.serial;
        if self.certificates.iter().any(|c| &c.issued.serial == serial) {
            return Err(CertificateError::DuplicateSerial {
                serial: serial.clone(),
            });
        }
        if self.certificates.len() >= MAX_CERTIFICATES {
            return Err(CertificateError::TooMany);
        }
        let mut next = self.clone();
        next.certificates.push(certificate.clone());
        Ok(next)
    }

    /// The same keys without the certificate of `serial`.
    pub(crate) fn without_certificate(&self, serial: &str) -> Result<Self, CertificateError> {
        let index = self
            .certificates
            .iter()
            .position(|c| c.issued.serial.eq_ignore_ascii_case(serial))
            .ok_or_else(|| CertificateError::UnknownSerial {
                serial: serial.to_owned(),
                held: self.certificates().map(|c| c.serial.clone()).collect(),
            })?;
        if self.mode == PlatformMode::Certificate && self.certificates.len() == 1 {
            return Err(CertificateError::LastCertificate {
                serial: self.certificates[index].issued.serial.clone(),
            });
        }
        let mut next = self.clone();
        next.certificates.remove(index);
        Ok(next)
    }

    /// `certificate` checked, ready for [`Keyring::with_certificate`]: outside any lock, since
    /// it parses keys.
    pub(crate) fn read(
        certificate: &CertificateKey,
    ) -> Result<Arc<HeldCertificate>, CertificateError> {
        HeldCertificate::read(certificate).map(Arc::new)
    }

    /// The signer of an answer or a callback at `now`: the key `requested` names when the
    /// platform holds it (PROTOCOL.md §3: an answer is signed with the key the request's
    /// `Wechatpay-Serial` named); otherwise, in public key mode the public key, in certificate
    /// mode the newest certificate valid at `now` (the newest of all when none is valid, so
    /// that the merchant sees which certificate it was and why it is refused).
    pub(crate) fn signer(&self, requested: Option<&str>, now: u64) -> &PlatformSigner {
        if let Some(held) = requested.and_then(|serial| self.held(serial)) {
            return &held.signer;
        }
        match self.mode {
            PlatformMode::PublicKey => &self.public_key.signer,
            PlatformMode::Certificate => self
                .newest(now)
                .map_or(&self.public_key.signer, |certificate| {
                    &certificate.key.signer
                }),
        }
    }

    /// `ciphertext` (base64, RSA-OAEP with SHA-1) decrypted with the key of `serial`.
    pub(crate) fn decrypt(
        &self,
        serial: Option<&str>,
        ciphertext: &str,
    ) -> Result<String, FieldError> {
        use base64::Engine as _;
        let key = serial
            .and_then(|serial| self.held(serial))
            .ok_or(FieldError::UnknownSerial)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(ciphertext)
            .map_err(|_| FieldError::Undecryptable)?;
        let plaintext = key
            .decrypter
            .decrypt(Oaep::<Sha1>::new(), &bytes)
            .map_err(|_| FieldError::Undecryptable)?;
        String::from_utf8(plaintext).map_err(|_| FieldError::Undecryptable)
    }

    /// The key of `serial`: the public key's id or a certificate's serial, exactly as written.
    fn held(&self, serial: &str) -> Option<&HeldKey> {
        if self.public_key.signer.serial() == serial {
            return Some(&self.public_key);
        }
        self.certificates
            .iter()
            .find(|c| c.issued.serial == serial)
            .map(|c| &c.key)
    }

    /// The certificate valid at `now` whose validity started last, or the one whose validity
    /// started last when none is valid.
    fn newest(&self, now: u64) -> Option<&HeldCertificate> {
        let newest = |valid_only: bool| {
            self.certificates
                .iter()
                .filter(|c| !valid_only || c.issued.is_valid_at(now))
                .max_by_key(|c| c.issued.not_before)
        };
        newest(true).or_else(|| newest(false)).map(|c| c.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_back_their_names() {
        for mode in [PlatformMode::PublicKey, PlatformMode::Certificate] {
            assert_eq!(mode.to_string().parse::<PlatformMode>(), Ok(mode));
        }
        let error = "certificates".parse::<PlatformMode>().unwrap_err();
        assert!(error.to_string().contains("public-key"), "{error}");
    }

    #[test]
    fn a_certificate_is_checked_against_its_serial_and_key() {
        use wechatpay_fixtures::keys;
        let next = CertificateKey::next_fixture();
        assert_eq!(
            Keyring::read(&next).unwrap().issued().serial,
            keys::PLATFORM_CERT_NEXT_SERIAL
        );
        let refused = |certificate: CertificateKey| match Keyring::read(&certificate) {
            Err(CertificateError::Invalid { reason }) => reason,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("accepted"),
        };
        let wrong_serial = refused(CertificateKey {
            serial: keys::PLATFORM_CERT_SERIAL.to_owned(),
            ..next.clone()
        });
        assert!(wrong_serial.contains("serial"), "{wrong_serial}");
        let wrong_key = refused(CertificateKey {
            private_key_pem: keys::PLATFORM_CERT_KEY_PEM.to_owned(),
            ..next.clone()
        });
        assert!(wrong_key.contains("not the key"), "{wrong_key}");
        let not_a_certificate = refused(CertificateKey {
            certificate_pem: keys::PLATFORM_PUBLIC_KEY_PEM.to_owned(),
            ..next.clone()
        });
        assert!(
            !not_a_certificate.contains("PRIVATE"),
            "{not_a_certificate}"
        );
        let not_a_key = refused(CertificateKey {
            private_key_pem: "not a key".to_owned(),
            ..next
        });
        assert!(not_a_key.contains("private key"), "{not_a_key}");
    }
}
