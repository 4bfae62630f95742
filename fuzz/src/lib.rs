//! What the fuzz targets share: the committed test keys, parsed once.

use std::sync::OnceLock;

use wechatpay_core::{ApiV3Key, Backend, Client, MerchantCredentials, PlatformKeys};


/// A client with the test merchant and both platform keys (public key and certificate).
pub fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let credentials = MerchantCredentials::with_backend(
            "1900000001",
            "3775B6A45ACD588826D15E583A95F5DD20000001",
            include_str!("../../crates/wechatpay-core/testdata/keys/merchant_key.pem"),
            Backend::RustCrypto,
        )
        .expect("test merchant key");
        let mut keys = PlatformKeys::with_backend(Backend::RustCrypto);
        keys.add_public_key(
            "PUB_KEY_ID_0119000000012024112300000000000001",
            include_str!("../../crates/wechatpay-core/testdata/keys/platform_pub.pem"),
        )
        .expect("platform public key");
        keys.add_certificate(include_str!("../../crates/wechatpay-core/testdata/keys/platform_cert.pem"))
            .expect("platform certificate");
        Client::new(credentials, keys).expect("test client")
    })
}

/// The test APIv3 key of the notification vectors.
pub fn api_v3_key() -> &'static ApiV3Key {
    static KEY: OnceLock<ApiV3Key> = OnceLock::new();
    KEY.get_or_init(|| ApiV3Key::new("Wechatpay0Test0ApiV3Key000000001").expect("32 bytes"))
}

/// The time the test vectors were signed at.
pub const NOW: u64 = 1_700_000_000;

