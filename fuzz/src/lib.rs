//! What the fuzz targets share: the committed test keys, parsed once.

use std::sync::OnceLock;

use wechatpay_core::{ApiV3Key, Backend, Client, MerchantCredentials, PlatformKeys};

/// The test merchant id.
pub const MCHID: &str = wechatpay_fixtures::keys::MCHID;
/// The test merchant certificate serial.
pub const MERCHANT_SERIAL: &str = wechatpay_fixtures::keys::MERCHANT_SERIAL;
/// The test merchant private key, PKCS#8 PEM.
pub const MERCHANT_KEY: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
/// The test platform public key id.
pub const PLATFORM_KEY_ID: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID;
/// The test platform public key, SPKI PEM.
pub const PLATFORM_PUB: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// The private half of [`PLATFORM_PUB`], to sign answers that verify.
pub const PLATFORM_KEY: &str = wechatpay_fixtures::keys::PLATFORM_KEY_PEM;
/// The test platform certificate.
pub const PLATFORM_CERT: &str = wechatpay_fixtures::keys::PLATFORM_CERT_PEM;

/// A new client with the test merchant and both platform keys (public key and certificate), on
/// `backend`, for the production hosts.
pub fn new_client(backend: Backend) -> Client {
    let credentials =
        MerchantCredentials::with_backend(MCHID, MERCHANT_SERIAL, MERCHANT_KEY, backend)
            .expect("test merchant key");
    let mut keys = PlatformKeys::with_backend(backend);
    keys.add_public_key(PLATFORM_KEY_ID, PLATFORM_PUB)
        .expect("platform public key");
    keys.add_certificate(PLATFORM_CERT)
        .expect("platform certificate");
    Client::new(credentials, keys).expect("test client")
}

/// A client with the test merchant and both platform keys, on the pure-Rust backend.
pub fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| new_client(Backend::RustCrypto))
}

/// The test APIv3 key of the notification vectors.
pub fn api_v3_key() -> &'static ApiV3Key {
    static KEY: OnceLock<ApiV3Key> = OnceLock::new();
    KEY.get_or_init(|| ApiV3Key::new("Wechatpay0Test0ApiV3Key000000001").expect("32 bytes"))
}

/// The time the test vectors were signed at.
pub const NOW: u64 = 1_700_000_000;
