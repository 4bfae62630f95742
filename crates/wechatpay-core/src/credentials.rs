//! The merchant's side: who it is (mchid, API certificate serial) and what signs for it (a
//! key in this process, or one held elsewhere: a KMS, an HSM, WebCrypto).

use std::fmt;
use std::sync::Arc;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{Backend, PrivateKey};
use crate::error::{CryptoError, Error};
use crate::ids::{CertificateSerial, MchId};
use crate::sensitive::{EncryptedField, SensitiveString};
use crate::text::Quoted;

/// Something that signs for the merchant: SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256) with
/// the private key of the merchant API certificate.
///
/// [`MerchantKey`] is the in-process implementation. Implement it for a key the process never
/// holds, when the service signs synchronously (an HSM through PKCS#11, a KMS over a blocking
/// call). A signer that can only answer asynchronously (a KMS over an async client,
/// WebCrypto) needs no implementation: take the two-step form, [`crate::Client::prepare_unsigned`]
/// and [`crate::UnsignedRequest::finish`].
///
/// ```
/// use wechatpay_core::{CryptoError, MerchantKey, SigningKey};
/// use wechatpay_core::rand_core::CryptoRng;
///
/// /// Stands for a hardware module: here it forwards to a key in memory.
/// #[derive(Debug)]
/// struct Hsm(MerchantKey);
///
/// impl SigningKey for Hsm {
///     fn sign(&self, message: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, CryptoError> {
///         self.0.sign(message, rng)
///     }
/// }
/// ```
pub trait SigningKey: fmt::Debug + Send + Sync {
    /// The raw signature (256 bytes for RSA 2048) of `message`, which is the exact message
    /// to sign, not a digest of it. `rng` is there for implementations that blind the private
    /// key operation; others ignore it.
    ///
    /// # Errors
    ///
    /// A [`CryptoError`] when the key cannot sign; [`CryptoError::Rsa`] with the service's
    /// reason for a remote key (never the key itself).
    fn sign(&self, message: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, CryptoError>;
}

/// The merchant API private key (`apiclient_key.pem`), parsed once, in this process. Signs
/// requests and decrypts the sensitive fields of answers. Cloning shares the key.
///
/// `Debug` shows the backend, never the key.
#[derive(Clone)]
pub struct MerchantKey {
    key: Arc<PrivateKey>,
    public_key_der: Arc<[u8]>,
}

impl MerchantKey {
    /// Parses a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM for the
    /// default [`Backend`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`private_key`): a PEM of the wrong kind, a key that is not RSA,
    /// not 2048 to 4096 bits, or damaged.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        Self::from_pem_with_backend(pem, Backend::default())
    }

    /// As [`MerchantKey::from_pem`], for `backend`.
    ///
    /// # Errors
    ///
    /// As [`MerchantKey::from_pem`].
    pub fn from_pem_with_backend(pem: &str, backend: Backend) -> Result<Self, Error> {
        let (key, public_key_der) = PrivateKey::from_pem_with_public_key(pem, backend)
            .map_err(|reason| Error::invalid("private_key", reason))?;
        Ok(MerchantKey {
            key: Arc::new(key),
            public_key_der: public_key_der.into(),
        })
    }

    /// The public half of the key, DER-encoded `SubjectPublicKeyInfo`: the key the merchant
    /// API certificate must hold ([`MerchantCertificate::is_certificate_of`]).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// The key of a PEM as PKCS#8 DER (a PKCS#1 key is converted), after every check
    /// [`MerchantKey::from_pem`] makes: for handing the key to other crypto (WebCrypto's
    /// `importKey("pkcs8", ...)`, a hardware module). The bytes are zeroed when dropped.
    ///
    /// # Errors
    ///
    /// As [`MerchantKey::from_pem`].
    pub fn pkcs8_der_from_pem(pem: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let invalid = |reason| Error::invalid("private_key", reason);
        let der = crate::pem::private_key_der(pem).map_err(invalid)?;
        crate::crypto::check_private_key_der(&der).map_err(invalid)?;
        Ok(der)
    }

    /// The backend the key was parsed for.
    pub fn backend(&self) -> Backend {
        self.key.backend()
    }

    /// Decrypts a sensitive field of an answer (RSA-OAEP, SHA-1, MGF1-SHA-1). `rng` blinds the
    /// private key operation.
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
        let ciphertext = field.ciphertext().map_err(Error::Crypto)?;
        let plaintext = self
            .key
            .oaep_sha1_decrypt(&ciphertext, rng)
            .map_err(Error::Crypto)?;
        SensitiveString::from_utf8(&plaintext).map_err(Error::Crypto)
    }
}

impl SigningKey for MerchantKey {
    fn sign(&self, message: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, CryptoError> {
        self.key.sign_sha256(&[message], rng)
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantKey")
            .field("backend", &self.key.backend())
            .finish_non_exhaustive()
    }
}

/// What signs for the merchant.
#[derive(Clone)]
enum Signer {
    /// A key in this process, which can also decrypt.
    Key(MerchantKey),
    /// A key elsewhere that signs synchronously.
    External(Arc<dyn SigningKey>),
    /// Nothing here: requests are signed through the two-step form.
    Elsewhere,
}

/// Who the merchant is (its merchant id and the serial of its API certificate) and what signs
/// for it.
///
/// `Debug` shows the ids and the kind of signer, never a key.
#[derive(Clone)]
pub struct MerchantCredentials {
    mchid: MchId,
    serial_no: CertificateSerial,
    signer: Signer,
}

impl MerchantCredentials {
    /// Checks the ids and parses the private key for the default [`Backend`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `mchid`, `serial_no` or `private_key` and the reason: an
    /// mchid that is not digits, a serial that is not hex (a `PUB_KEY_ID_...` is called out), a
    /// PEM of the wrong kind, a key that is not RSA or not 2048 to 4096 bits.
    pub fn new(
        mchid: impl AsRef<str>,
        serial_no: impl AsRef<str>,
        private_key_pem: &str,
    ) -> Result<Self, Error> {
        Self::with_backend(mchid, serial_no, private_key_pem, Backend::default())
    }

    /// As [`MerchantCredentials::new`], with the key parsed for `backend`.
    ///
    /// # Errors
    ///
    /// As [`MerchantCredentials::new`].
    pub fn with_backend(
        mchid: impl AsRef<str>,
        serial_no: impl AsRef<str>,
        private_key_pem: &str,
        backend: Backend,
    ) -> Result<Self, Error> {
        let mchid = MchId::new(mchid.as_ref())?;
        let serial_no = CertificateSerial::new(serial_no.as_ref())?;
        let key = MerchantKey::from_pem_with_backend(private_key_pem, backend)?;
        Ok(Self::with_key(mchid, serial_no, key))
    }

    /// Credentials signing with a key already parsed.
    pub fn with_key(mchid: MchId, serial_no: CertificateSerial, key: MerchantKey) -> Self {
        MerchantCredentials {
            mchid,
            serial_no,
            signer: Signer::Key(key),
        }
    }

    /// Credentials signing with a key held outside the process that answers synchronously.
    pub fn with_signing_key(
        mchid: MchId,
        serial_no: CertificateSerial,
        key: Arc<dyn SigningKey>,
    ) -> Self {
        MerchantCredentials {
            mchid,
            serial_no,
            signer: Signer::External(key),
        }
    }

    /// Credentials with no signer here: every request is signed in two steps
    /// ([`crate::Client::prepare_unsigned`], then [`crate::UnsignedRequest::finish`] with the
    /// signature the key's owner returns). [`crate::Client::prepare`] refuses to sign.
    pub fn signed_elsewhere(mchid: MchId, serial_no: CertificateSerial) -> Self {
        MerchantCredentials {
            mchid,
            serial_no,
            signer: Signer::Elsewhere,
        }
    }

    /// The merchant id (`mchid`).
    pub fn mchid(&self) -> &MchId {
        &self.mchid
    }

    /// The serial number of the merchant API certificate (`serial_no` in `Authorization`).
    pub fn serial_no(&self) -> &CertificateSerial {
        &self.serial_no
    }

    /// The in-process key, when the credentials hold one: it decrypts the sensitive fields of
    /// answers ([`MerchantKey::decrypt`]).
    pub fn key(&self) -> Option<&MerchantKey> {
        match &self.signer {
            Signer::Key(key) => Some(key),
            _ => None,
        }
    }

    /// Decrypts a sensitive field of an answer with the in-process key
    /// ([`MerchantKey::decrypt`]).
    ///
    /// # Errors
    ///
    /// As [`MerchantKey::decrypt`]; [`Error::InvalidInput`] (`private_key`) when the key is
    /// held outside the process: decrypt where it is.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &self,
        field: &EncryptedField,
        rng: &mut R,
    ) -> Result<SensitiveString, Error> {
        match self.key() {
            Some(key) => key.decrypt(field, rng),
            None => Err(Error::invalid(
                "private_key",
                "the merchant key is held outside this process: decrypt the field where the key is",
            )),
        }
    }

    /// Signs the exact `message` with the merchant's signer.
    pub(crate) fn sign_message<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        let mut rng = rng;
        let rng: &mut dyn CryptoRng = &mut rng;
        match &self.signer {
            Signer::Key(key) => key.sign(message, rng).map_err(Error::Signing),
            Signer::External(key) => key.sign(message, rng).map_err(Error::Signing),
            Signer::Elsewhere => Err(Error::invalid(
                "private_key",
                "these credentials sign outside the process: use Client::prepare_unsigned and \
                 UnsignedRequest::finish with the signature",
            )),
        }
    }
}

impl fmt::Debug for MerchantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signer = match &self.signer {
            Signer::Key(key) => format!("in process ({:?})", key.backend()),
            Signer::External(_) => "external signing key".to_owned(),
            Signer::Elsewhere => "elsewhere (two-step)".to_owned(),
        };
        f.debug_struct("MerchantCredentials")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("private_key", &"<redacted>")
            .field("signer", &signer)
            .finish()
    }
}

/// The merchant API certificate (`apiclient_cert.pem`), read to check a configuration against
/// it: the private key must be the one whose public half it holds, and `serial_no` must be its
/// serial. Requests do not need it: the platform knows it by its serial.
///
/// ```
/// use wechatpay_core::{MerchantCertificate, MerchantKey};
/// # let cert_pem = wechatpay_fixtures::keys::MERCHANT_CERT_PEM;
/// # let key_pem = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
/// let certificate = MerchantCertificate::from_pem(cert_pem)?;
/// assert!(certificate.is_certificate_of(&MerchantKey::from_pem(key_pem)?));
/// assert_eq!(certificate.serial().as_str(), "3775B6A45ACD588826D15E583A95F5DD20000001");
/// certificate.check_serial("3775B6A45ACD588826D15E583A95F5DD20000001")?;
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantCertificate {
    serial: CertificateSerial,
    not_before: u64,
    not_after: u64,
    public_key_der: Vec<u8>,
}

impl MerchantCertificate {
    /// Reads the first certificate of a PEM text.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`merchant_certificate`): no `BEGIN CERTIFICATE` block (a key
    /// given instead is named as such), not an X.509 certificate, or one without an RSA key
    /// of 2048 to 4096 bits.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::invalid("merchant_certificate", reason);
        let der = crate::pem::certificate_der(pem).map_err(|reason| {
            invalid(format!(
                "{reason}; the merchant API certificate is apiclient_cert.pem"
            ))
        })?;
        let facts = crate::platform_keys::read_certificate(&der).map_err(invalid)?;
        let public_key_der =
            crate::crypto::canonical_public_key_der(&facts.spki_der).map_err(invalid)?;
        Ok(MerchantCertificate {
            serial: facts.serial,
            not_before: facts.not_before,
            not_after: facts.not_after,
            public_key_der,
        })
    }

    /// The certificate's serial, upper-case hex: what `serial_no` must be.
    pub fn serial(&self) -> &CertificateSerial {
        &self.serial
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// End of validity, Unix seconds.
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// Whether the certificate is valid at `now` (Unix seconds).
    pub fn is_valid_at(&self, now: u64) -> bool {
        (self.not_before..=self.not_after).contains(&now)
    }

    /// The certified public key, DER-encoded `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// Whether `key` is the private key of this certificate.
    pub fn is_certificate_of(&self, key: &MerchantKey) -> bool {
        *self.public_key_der == *key.public_key_der()
    }

    /// Checks that `serial_no` is this certificate's serial (hex digits compared without
    /// regard to case: tools print either).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`serial_no`) naming both serials.
    pub fn check_serial(&self, serial_no: &str) -> Result<(), Error> {
        if self.serial.as_str().eq_ignore_ascii_case(serial_no) {
            return Ok(());
        }
        Err(Error::invalid(
            "serial_no",
            format!(
                "{} is not the serial of the merchant certificate, which is {}",
                Quoted::value(serial_no),
                self.serial
            ),
        ))
    }
}

impl fmt::Debug for MerchantCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantCertificate")
            .field("serial", &self.serial)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}
