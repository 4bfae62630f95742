//! The platform's mode and its certificates: switched and rotated while it serves.

use std::sync::Arc;

use super::MockPlatform;
use crate::keyring::{CertificateError, IssuedCertificate, Keyring, PlatformMode};
use crate::keys::CertificateKey;

impl MockPlatform {
    /// The same platform in `mode`: how a test builds a platform in certificate mode.
    ///
    /// ```
    /// use wechatpay_mock::{MockKeys, MockPlatform, PlatformMode};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    /// let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng)?
    ///     .with_mode(PlatformMode::Certificate)?;
    /// assert_eq!(platform.mode(), PlatformMode::Certificate);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`MockPlatform::set_mode`].
    pub fn with_mode(self, mode: PlatformMode) -> Result<Self, CertificateError> {
        self.set_mode(mode)?;
        Ok(self)
    }

    /// Switches to `mode` for the requests that follow.
    ///
    /// # Errors
    ///
    /// [`CertificateError::NoCertificate`] for certificate mode when the platform holds no
    /// certificate (keys from [`MockKeys::generate`](crate::MockKeys::generate) have none:
    /// [`MockPlatform::rotate_certificate`] one in first).
    pub fn set_mode(&self, mode: PlatformMode) -> Result<(), CertificateError> {
        self.change_keyring(|keyring| keyring.with_mode(mode))
    }

    /// The mode.
    pub fn mode(&self) -> PlatformMode {
        self.keyring().mode()
    }

    /// Brings in another platform certificate, as the platform does ahead of its current
    /// certificate's expiry: from the next request on, `GET /v3/certificates` lists it after
    /// the others, and in certificate mode it signs what names no key it holds once it is the
    /// newest valid one, while a request naming an older certificate's serial is still answered
    /// with that one (the overlap). [`CertificateKey::next_fixture`] is the fixtures' next
    /// certificate. Returns the certificate as it is listed.
    ///
    /// # Errors
    ///
    /// [`CertificateError::Invalid`] when the certificate does not parse, has another serial
    /// or another key; [`CertificateError::DuplicateSerial`]; [`CertificateError::TooMany`]
    /// past [`MAX_CERTIFICATES`](crate::MAX_CERTIFICATES).
    pub fn rotate_certificate(
        &self,
        certificate: CertificateKey,
    ) -> Result<IssuedCertificate, CertificateError> {
        let held = Keyring::read(&certificate)?;
        self.change_keyring(|keyring| keyring.with_certificate(&held))?;
        Ok(held.issued().clone())
    }

    /// Retires the certificate of `serial`: it is no longer listed, signs nothing, and fields
    /// encrypted to it no longer decrypt.
    ///
    /// # Errors
    ///
    /// [`CertificateError::UnknownSerial`]; [`CertificateError::LastCertificate`] in
    /// certificate mode when it is the only one.
    pub fn retire_certificate(&self, serial: &str) -> Result<(), CertificateError> {
        self.change_keyring(|keyring| keyring.without_certificate(serial))
    }

    /// The certificates the platform holds, in the order they were issued.
    pub fn certificates(&self) -> Vec<IssuedCertificate> {
        self.keyring().certificates().cloned().collect()
    }

    /// Replaces the keyring with `change` of it, under the lock so that two changes at once
    /// cannot lose one. `change` only clones and compares: no key is parsed under the lock.
    fn change_keyring(
        &self,
        change: impl FnOnce(&Keyring) -> Result<Keyring, CertificateError>,
    ) -> Result<(), CertificateError> {
        let mut state = self.lock();
        let next = change(&state.keyring)?;
        state.keyring = Arc::new(next);
        Ok(())
    }
}
