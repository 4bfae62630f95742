//! The merchant's own credentials: mchid, API certificate serial, private key.

use std::fmt;

use rand_core::CryptoRng;

use crate::crypto::{Backend, PrivateKey};
use crate::error::Error;

/// What a merchant signs with: the merchant id, the serial number of its API certificate and
/// its API private key (`apiclient_key.pem`), parsed once here.
///
/// `Debug` shows the ids, never the key.
pub struct MerchantCredentials {
    mchid: String,
    serial_no: String,
    key: PrivateKey,
}

impl MerchantCredentials {
    /// Checks the ids, parses the private key (PKCS#8 `BEGIN PRIVATE KEY`, or PKCS#1
    /// `BEGIN RSA PRIVATE KEY`) for the default [`Backend`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `mchid`, `serial_no` or `private_key` and the reason: an
    /// mchid that is not digits, a serial that is not hex (a `PUB_KEY_ID_...` is called out), a
    /// PEM of the wrong kind, a key that is not RSA or not 2048 to 4096 bits.
    pub fn new(
        mchid: impl Into<String>,
        serial_no: impl Into<String>,
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
        mchid: impl Into<String>,
        serial_no: impl Into<String>,
        private_key_pem: &str,
        backend: Backend,
    ) -> Result<Self, Error> {
        let mchid = mchid.into();
        let serial_no = serial_no.into();
        check_mchid(&mchid)?;
        check_merchant_serial(&serial_no)?;
        let key = PrivateKey::from_pem(private_key_pem, backend)
            .map_err(|reason| Error::invalid("private_key", reason))?;
        Ok(MerchantCredentials {
            mchid,
            serial_no,
            key,
        })
    }

    /// The merchant id (`mchid`).
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The serial number of the merchant API certificate (`serial_no` in `Authorization`).
    pub fn serial_no(&self) -> &str {
        &self.serial_no
    }

    /// The backend the key was parsed for.
    pub fn backend(&self) -> Backend {
        self.key.backend()
    }

    pub(crate) fn sign_sha256<R: CryptoRng + ?Sized>(
        &self,
        parts: &[&[u8]],
        rng: &mut R,
    ) -> Result<Vec<u8>, Error> {
        self.key.sign_sha256(parts, rng).map_err(Error::Signing)
    }

    pub(crate) fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}

impl fmt::Debug for MerchantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantCredentials")
            .field("mchid", &self.mchid)
            .field("serial_no", &self.serial_no)
            .field("private_key", &"<redacted>")
            .field("backend", &self.key.backend())
            .finish()
    }
}

fn check_mchid(mchid: &str) -> Result<(), Error> {
    if mchid.is_empty() || mchid.len() > 32 || !mchid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "mchid",
            format!(
                "{:?} is not a merchant id: expected 1 to 32 digits, as shown in the merchant portal",
                Shown(mchid)
            ),
        ));
    }
    Ok(())
}

fn check_merchant_serial(serial: &str) -> Result<(), Error> {
    if serial.starts_with(crate::platform_keys::PUBLIC_KEY_ID_PREFIX) {
        return Err(Error::invalid(
            "serial_no",
            format!(
                "{serial:?} is a WeChat Pay public key id, which belongs in the platform keys; \
                 serial_no is the serial number of your merchant API certificate (apiclient_cert.pem), \
                 40 hex digits"
            ),
        ));
    }
    if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "serial_no",
            format!(
                "{:?} is not a certificate serial number: expected hex digits \
                 (`openssl x509 -noout -serial -in apiclient_cert.pem`)",
                Shown(serial)
            ),
        ));
    }
    Ok(())
}

/// A possibly hostile value quoted in an error message, cut so a pasted key cannot flood a log.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 64;
        match self.0.char_indices().nth(LIMIT) {
            Some((end, _)) => write!(f, "{:?}...", &self.0[..end]),
            None => write!(f, "{:?}", self.0),
        }
    }
}
