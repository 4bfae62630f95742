//! The certificate download's answer, which is read before its signature is checked on a
//! first download (the certificates it carries verify it): `carried_keys` and
//! `parse_certificates` on any body under any `Wechatpay-Serial`, and the decoder past
//! verification (the `--cfg fuzzing` hook).
//!
//! The input is a `Wechatpay-Serial` line, then the body.
#![no_main]

use std::sync::OnceLock;

use http::Response;
use libfuzzer_sys::fuzz_target;
use wechatpay_core::{
    Backend, Client, DownloadCertificates, MerchantCredentials, Operation, VerifiedBody,
};
use wechatpay_fuzz::{MCHID, MERCHANT_KEY, MERCHANT_SERIAL, NOW, api_v3_key};

/// A client in certificate mode before its first download.
fn keyless() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let credentials = MerchantCredentials::with_backend(
            MCHID,
            MERCHANT_SERIAL,
            MERCHANT_KEY,
            Backend::RustCrypto,
        )
        .expect("test merchant key");
        Client::without_platform_keys(credentials)
    })
}

fuzz_target!(|data: &[u8]| {
    let (serial, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let Ok(serial) = http::HeaderValue::from_bytes(serial) else {
        return;
    };
    let client = keyless();
    let download = DownloadCertificates::new(api_v3_key().clone());
    // Signed with nothing anyone holds: whatever the body, it must not pass.
    let response = Response::builder()
        .status(200)
        .header("Wechatpay-Serial", serial)
        .header("Wechatpay-Timestamp", NOW.to_string())
        .header("Wechatpay-Nonce", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS")
        .header("Wechatpay-Signature", "c2lnbmF0dXJl")
        .body(body.to_vec())
        .expect("a response");
    if let Some(keys) = download.carried_keys(client, &response) {
        assert_eq!(keys.len(), 1);
    }
    let refused = client.parse_certificates(&download, &response, NOW);
    assert!(refused.is_err(), "a forged signature passed");
    let _ = refused.map_err(|e| e.to_string());

    // Past verification: every certificate decoded is whole and under its own serial.
    if let Ok(certificates) = download.decode(VerifiedBody::for_fuzzing(body)) {
        for certificate in &certificates {
            assert_eq!(certificate.serial().len() % 2, 0);
            assert!(certificate.pem().contains("BEGIN CERTIFICATE"));
            let _ = format!("{certificate:?}");
        }
        let held = Client::without_platform_keys(client.credentials().clone());
        let _ = held.platform_keys().add_verified_certificates(&certificates);
    }
});
