//! What the mock's tests share: the platform on the committed test keys, the merchant's
//! clients for it, and one exchange with no network. Each test binary uses a part of it.
#![allow(dead_code)]

use http::Request;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{Client, Error, Host, MerchantCredentials, Nonce, Operation, PlatformKeys};
use wechatpay_mock::{MockKeys, MockPlatform};

#[cfg(feature = "server")]
pub mod loopback;

/// The platform's clock and the merchant's in the tests without a server: 2023-11-14, when
/// the fixtures' first platform certificate is valid and its next one not yet.
pub const NOW: u64 = 1_700_000_000;

/// A deterministic random source.
pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([3; 32])
}

/// The platform on the fixtures' keys (public key mode), and the merchant's client, which
/// trusts the platform public key and the first certificate.
pub fn setup() -> (MockPlatform, Client) {
    let keys = MockKeys::fixtures();
    let platform = MockPlatform::new(keys.clone(), &mut rng()).unwrap();
    // The mock answers no host; the core still needs one to build requests with.
    (
        platform,
        keys.client("https://api.mch.weixin.qq.com").unwrap(),
    )
}

/// The merchant's credentials of `keys`.
pub fn credentials(keys: &MockKeys) -> MerchantCredentials {
    MerchantCredentials::new(
        &keys.mchid,
        &keys.merchant_serial,
        &keys.merchant_private_key_pem,
    )
    .unwrap()
}

/// The client of a merchant in certificate mode, which trusts these platform certificates
/// and nothing else: its requests name the newest of them.
pub fn certificate_client(keys: &MockKeys, certificate_pems: &[&str]) -> Client {
    let mut platform_keys = PlatformKeys::new();
    for pem in certificate_pems {
        platform_keys.add_certificate(pem).unwrap();
    }
    Client::new(credentials(keys), platform_keys).unwrap()
}

/// `operation` signed by `client` at `now`.
pub fn prepare<O: Operation>(client: &Client, operation: &O, now: u64) -> Request<Vec<u8>> {
    let mut rng = rng();
    client
        .prepare(
            operation,
            Host::Primary,
            now,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap()
}

/// `operation` signed by `client`, answered by `platform` and read by `client`, all at
/// [`NOW`].
pub fn exchange<O: Operation>(
    platform: &MockPlatform,
    client: &Client,
    operation: &O,
) -> Result<O::Output, Error> {
    exchange_at(platform, client, operation, NOW)
}

/// As [`exchange`], at `now`.
pub fn exchange_at<O: Operation>(
    platform: &MockPlatform,
    client: &Client,
    operation: &O,
    now: u64,
) -> Result<O::Output, Error> {
    let request = prepare(client, operation, now);
    let response = platform
        .handle(&request, now, &mut rng())
        .response
        .expect("an answer");
    client.parse(operation, &response, now)
}

/// The status and code of an API error.
pub fn api_code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Api(api)) => (api.status.as_u16(), api.code.clone().unwrap_or_default()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The field a `400 PARAM_ERROR` names in its detail.
pub fn param_field<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::Api(api)) => {
            assert_eq!(api.code.as_deref(), Some("PARAM_ERROR"), "{api}");
            api.detail
                .as_ref()
                .and_then(|d| d["field"].as_str())
                .unwrap_or_default()
                .to_owned()
        }
        other => panic!("expected PARAM_ERROR, got {other:?}"),
    }
}
