//! Built natively (as `cargo test --workspace` does), the adapter refuses to start instead of
//! panicking on its first JavaScript call.
#![cfg(not(target_arch = "wasm32"))]

use wechatpay_fetch::{Error, FetchClient};
use wechatpay_mock::MockKeys;

#[test]
fn outside_wasm_the_client_is_refused_with_the_native_adapters_named() {
    let core = MockKeys::fixtures()
        .client(wechatpay_core::DEFAULT_BASE_URL)
        .unwrap();
    let error = FetchClient::new(core).unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("wechatpay-hyper")),
        "{error}"
    );
    assert!(!error.is_retryable());
}
