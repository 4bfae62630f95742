//! The key material of one merchant and its mock platform.

use std::fmt;

use pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::CryptoRng;

/// A platform certificate (certificate mode): its serial, key and certificate. `Debug` shows
/// the serial only.
#[derive(Clone)]
pub struct CertificateKey {
    /// The certificate's serial, upper-case hex.
    pub serial: String,
    /// The platform's private key for it, PKCS#8 PEM.
    pub private_key_pem: String,
    /// The certificate, PEM, for the merchant's `PlatformKeys::add_certificate`.
    pub certificate_pem: String,
}

impl CertificateKey {
    /// The platform's next certificate in the committed test keys
    /// ([`PLATFORM_CERT_NEXT_PEM`](wechatpay_fixtures::keys::PLATFORM_CERT_NEXT_PEM), on a key of
    /// its own, valid from 2026-01-01 to 2031-01-01): what
    /// [`MockPlatform::rotate_certificate`](crate::MockPlatform::rotate_certificate) brings in
    /// after the certificate of [`MockKeys::fixtures`], which it overlaps until 2029-01-01.
    pub fn next_fixture() -> Self {
        use wechatpay_fixtures::keys;
        CertificateKey {
            serial: keys::PLATFORM_CERT_NEXT_SERIAL.to_owned(),
            private_key_pem: keys::PLATFORM_CERT_NEXT_KEY_PEM.to_owned(),
            certificate_pem: keys::PLATFORM_CERT_NEXT_PEM.to_owned(),
        }
    }
}

impl fmt::Debug for CertificateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateKey")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

/// Everything both sides need: the merchant's credentials and the platform's keys.
///
/// `Debug` shows the ids only.
#[derive(Clone)]
pub struct MockKeys {
    /// The merchant id.
    pub mchid: String,
    /// The merchant API certificate serial.
    pub merchant_serial: String,
    /// The merchant private key, PKCS#8 PEM (`apiclient_key.pem`).
    pub merchant_private_key_pem: String,
    /// The merchant public key, SPKI PEM: the platform checks requests and encrypts sensitive
    /// answer fields with it.
    pub merchant_public_key_pem: String,
    /// The platform public key id (`PUB_KEY_ID_...`).
    pub platform_public_key_id: String,
    /// The platform private key (public key mode), PKCS#8 PEM.
    pub platform_private_key_pem: String,
    /// The platform public key, SPKI PEM (`pub_key.pem`).
    pub platform_public_key_pem: String,
    /// A platform certificate, for merchants in certificate mode or migrating: the first the
    /// platform holds; [`MockPlatform::rotate_certificate`](crate::MockPlatform::rotate_certificate)
    /// adds more.
    pub certificate: Option<CertificateKey>,
    /// The merchant's APIv3 key, 32 characters: the platform encrypts callback resources (and
    /// certificates) with it. Never shown by `Debug`.
    pub api_v3_key: String,
}

impl fmt::Debug for MockKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockKeys")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field("platform_public_key_id", &self.platform_public_key_id)
            .field("certificate", &self.certificate.as_ref().map(|c| &c.serial))
            .finish_non_exhaustive()
    }
}

/// The APIv3 key of [`MockKeys::fixtures`], the one the core's notification vectors were
/// made with. Test only.
pub const FIXTURES_API_V3_KEY: &str = "Wechatpay0Test0ApiV3Key000000001";

/// Key generation failed (the RNG or the encoder).
#[derive(Debug, thiserror::Error)]
#[error("cannot generate mock keys: {0}")]
pub struct KeyGenerationError(String);

impl MockKeys {
    /// Fresh RSA 2048 keys for the merchant and the platform (public key mode), random ids.
    ///
    /// # Errors
    ///
    /// [`KeyGenerationError`] if key generation or PEM encoding fails.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self, KeyGenerationError> {
        let (merchant_private_key_pem, merchant_public_key_pem) = key_pair(rng)?;
        let (platform_private_key_pem, platform_public_key_pem) = key_pair(rng)?;
        let mut serial = [0u8; 20];
        rng.fill_bytes(&mut serial);
        serial[0] = serial[0].clamp(0x10, 0x7f);
        let digits: String = (0..32)
            .map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8))
            .collect();
        Ok(MockKeys {
            mchid: "1900000001".to_owned(),
            merchant_serial: serial.iter().map(|b| format!("{b:02X}")).collect(),
            merchant_private_key_pem,
            merchant_public_key_pem,
            platform_public_key_id: format!("PUB_KEY_ID_01{digits}"),
            platform_private_key_pem,
            platform_public_key_pem,
            certificate: None,
            api_v3_key: alphanumerics(rng, 32),
        })
    }

    /// The committed test keys of [`wechatpay_fixtures::keys`], certificate mode included: the
    /// same keys the core's test vectors were made with.
    pub fn fixtures() -> Self {
        use wechatpay_fixtures::keys;
        MockKeys {
            mchid: keys::MCHID.to_owned(),
            merchant_serial: keys::MERCHANT_SERIAL.to_owned(),
            merchant_private_key_pem: keys::MERCHANT_KEY_PEM.to_owned(),
            merchant_public_key_pem: keys::MERCHANT_PUBLIC_KEY_PEM.to_owned(),
            platform_public_key_id: keys::PLATFORM_PUBLIC_KEY_ID.to_owned(),
            platform_private_key_pem: keys::PLATFORM_KEY_PEM.to_owned(),
            platform_public_key_pem: keys::PLATFORM_PUBLIC_KEY_PEM.to_owned(),
            certificate: Some(CertificateKey {
                serial: keys::PLATFORM_CERT_SERIAL.to_owned(),
                private_key_pem: keys::PLATFORM_CERT_KEY_PEM.to_owned(),
                certificate_pem: keys::PLATFORM_CERT_PEM.to_owned(),
            }),
            api_v3_key: FIXTURES_API_V3_KEY.to_owned(),
        }
    }
}

impl MockKeys {
    /// The merchant's side of these keys: a client that signs with the merchant key and trusts
    /// the platform public key (and the certificate, when there is one), sending to `base_url`
    /// with no backup host.
    ///
    /// # Errors
    ///
    /// A [`wechatpay_core::Error`] if the core refuses a key or the URL.
    pub fn client(&self, base_url: &str) -> Result<wechatpay_core::Client, wechatpay_core::Error> {
        let credentials = wechatpay_core::MerchantCredentials::new(
            &self.mchid,
            &self.merchant_serial,
            &self.merchant_private_key_pem,
        )?;
        let mut platform_keys = wechatpay_core::PlatformKeys::new();
        platform_keys
            .add_public_key(&self.platform_public_key_id, &self.platform_public_key_pem)?;
        if let Some(certificate) = &self.certificate {
            platform_keys.add_certificate(&certificate.certificate_pem)?;
        }
        wechatpay_core::Client::new(credentials, platform_keys)?
            .with_base_url(base_url)?
            .with_backup_url(None)
    }
}

/// `len` random ASCII letters and digits.
pub(crate) fn alphanumerics<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| {
            // 62 divides 2^32 unevenly; the bias (under 2^-26) is nothing for test keys.
            let index = rng.next_u32() as usize % ALPHABET.len();
            char::from(ALPHABET[index])
        })
        .collect()
}

fn key_pair<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<(String, String), KeyGenerationError> {
    let key = rsa::PrivateKey::new(rng, 2048).map_err(|e| KeyGenerationError(e.to_string()))?;
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyGenerationError(e.to_string()))?;
    let public = key
        .as_public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| KeyGenerationError(e.to_string()))?;
    Ok((private.to_string(), public))
}
