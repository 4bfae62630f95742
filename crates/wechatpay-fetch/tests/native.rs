//! Built natively (as `cargo test --workspace` does), the adapter refuses to start instead of
//! panicking on its first JavaScript call.
#![cfg(not(target_arch = "wasm32"))]

use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
use wechatpay_fetch::{Error, FetchClient};

#[test]
fn outside_wasm_the_client_is_refused_with_the_native_adapters_named() {
    let credentials = MerchantCredentials::new(
        "1900000001",
        "3775B6A45ACD588826D15E583A95F5DD20000001",
        wechatpay_fixtures::keys::MERCHANT_KEY_PEM,
    )
    .unwrap();
    let mut platform_keys = PlatformKeys::new();
    platform_keys
        .add_public_key(
            "PUB_KEY_ID_0119000000012024112300000000000001",
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
    let core = Client::new(credentials, platform_keys).unwrap();
    let error = FetchClient::new(core).unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("wechatpay-hyper")),
        "{error}"
    );
    assert!(!error.is_retryable());
}
