//! Callbacks: verified over the raw body, then the resource decrypted with the APIv3 key
//! (AES-256-GCM). Vectors made with Python's `cryptography` (see testdata/README.md).

mod common;

use std::fs;

use common::*;
use http::HeaderMap;
use wechatpay_core::{ApiV3Key, Backend, CryptoError, Error, Notification, NotificationResource};

fn case(name: &str) -> (ApiV3Key, Vec<u8>, String) {
    let dir = testdata().join("vectors/notification").join(name);
    let key = ApiV3Key::new(&fs::read_to_string(dir.join("api_v3_key")).unwrap()).unwrap();
    (
        key,
        fs::read(dir.join("body")).unwrap(),
        fs::read_to_string(dir.join("plaintext")).unwrap(),
    )
}

/// The headers of the matching `verify/callback_*` vector: the platform's signature.
fn signed_headers(name: &str) -> HeaderMap {
    vectors::callback_headers(name)
}

#[test]
fn every_notification_vector_verifies_and_decrypts() {
    let mut cases: Vec<String> = fs::read_dir(testdata().join("vectors/notification"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            "applyment_state_change",
            "combine_transaction_success",
            "empty_associated_data",
            "refund_abnormal",
            "refund_closed",
            "refund_success",
            "transaction_success",
        ]
    );
    for backend in Backend::all() {
        let client = client(*backend);
        for name in &cases {
            let (key, body, plaintext) = case(name);
            let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let notification = client
                .parse_notification(&signed_headers(name), &body, NOW)
                .unwrap();
            assert_eq!(notification.event_type, envelope["event_type"], "{name}");
            assert_eq!(notification.id, envelope["id"], "{name}");
            assert_eq!(
                notification.summary.as_deref(),
                envelope["summary"].as_str()
            );
            let decrypted = notification.resource.decrypt(&key).unwrap();
            assert_eq!(decrypted.expose(), plaintext, "{name}");
            assert!(
                !format!("{decrypted:?} {notification:?}").contains("sub_mchid"),
                "nothing decrypted prints"
            );
        }
    }
}

#[test]
fn a_callback_is_verified_before_it_is_read() {
    let client = client(Backend::default());
    let (_, body, _) = case("applyment_state_change");
    let mut altered = body.clone();
    altered[10] ^= 1;
    let error = client
        .parse_notification(&signed_headers("applyment_state_change"), &altered, NOW)
        .unwrap_err();
    assert!(matches!(error, Error::Verification { .. }), "{error}");
    let error = client
        .parse_notification(&HeaderMap::new(), &body, NOW)
        .unwrap_err();
    assert!(matches!(error, Error::Verification { .. }));
    let error = client
        .parse_notification(&signed_headers("applyment_state_change"), &body, NOW + 3600)
        .unwrap_err();
    assert!(
        error.to_string().contains("from the local clock"),
        "{error}"
    );
}

fn resource() -> NotificationResource {
    let (_, body, _) = case("applyment_state_change");
    let client = client(Backend::default());
    client
        .parse_notification(&signed_headers("applyment_state_change"), &body, NOW)
        .unwrap()
        .resource
}

fn crypto_error(resource: &NotificationResource, key: &ApiV3Key) -> CryptoError {
    match resource.decrypt(key) {
        Err(Error::Crypto(kind)) => kind,
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_decryption_failure_has_its_kind() {
    let (key, _, _) = case("applyment_state_change");
    let wrong_key = ApiV3Key::new("Wechatpay0Test0ApiV3Key000000002").unwrap();
    assert_eq!(
        crypto_error(&resource(), &wrong_key),
        CryptoError::DecryptionFailed
    );

    let mut altered_aad = resource();
    altered_aad.associated_data = "transaction".to_owned();
    assert_eq!(
        crypto_error(&altered_aad, &key),
        CryptoError::DecryptionFailed
    );

    let mut truncated = resource();
    truncated.ciphertext = "AAAA".to_owned();
    assert_eq!(
        crypto_error(&truncated, &key),
        CryptoError::DecryptionFailed
    );

    let mut not_base64 = resource();
    not_base64.ciphertext = "!!".to_owned();
    assert_eq!(crypto_error(&not_base64, &key), CryptoError::InvalidBase64);

    let mut other_algorithm = resource();
    other_algorithm.algorithm = "AEAD_SM4_GCM".to_owned();
    assert_eq!(
        crypto_error(&other_algorithm, &key),
        CryptoError::UnsupportedAlgorithm {
            algorithm: "AEAD_SM4_GCM".to_owned()
        }
    );

    let mut short_nonce = resource();
    short_nonce.nonce = "abc".to_owned();
    assert_eq!(
        crypto_error(&short_nonce, &key),
        CryptoError::InvalidNonce { len: 3 }
    );
}

#[test]
fn api_v3_keys_are_exactly_32_bytes_and_never_print() {
    for bad in [
        "",
        "short",
        &"k".repeat(31),
        &"k".repeat(33),
        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二",
    ] {
        match ApiV3Key::new(bad) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "api_v3_key"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let key = ApiV3Key::new("Wechatpay0Test0ApiV3Key000000001").unwrap();
    assert_eq!(format!("{key:?}"), "ApiV3Key(<redacted>)");
}

#[test]
fn a_body_that_is_not_a_notification_is_a_decode_error() {
    let client = client(Backend::default());
    let body = br#"{"id":"EV-1"}"#;
    let response = signed_response(Backend::default(), 200, body);
    match client.parse_notification(response.headers(), body, NOW) {
        Err(Error::Decode(decode)) => assert!(decode.target.ends_with("Notification")),
        other => panic!("{other:?}"),
    }
    let _: fn(wechatpay_core::VerifiedBody<'_>) -> Result<Notification, Error> =
        Notification::decode;
}

#[test]
fn a_callback_reads_in_two_steps_with_a_verdict_from_elsewhere() {
    let client = client(Backend::default());
    let (_, body, _) = case("applyment_state_change");
    let headers = signed_headers("applyment_state_change");

    // The verdict of other crypto decides, and the clock window still applies after it.
    let check = client.notification_check(&headers, &body, NOW).unwrap();
    assert!(check.signature_check().verify());
    assert!(
        check
            .signature_check()
            .message()
            .ends_with(&[body.as_slice(), b"\n"].concat())
    );
    let notification = check.conclude(true).unwrap();
    assert_eq!(notification.id, "EV-2018022511223320873");

    let check = client.notification_check(&headers, &body, NOW).unwrap();
    assert!(matches!(
        check.conclude(false),
        Err(Error::Verification {
            kind: wechatpay_core::VerificationError::BadSignature { .. },
            ..
        })
    ));
    let stale = client
        .notification_check(&headers, &body, NOW + 3600)
        .unwrap();
    assert!(matches!(
        stale.conclude(true),
        Err(Error::Verification {
            kind: wechatpay_core::VerificationError::ClockSkew { .. },
            ..
        })
    ));

    // What is refused before the crypto never reaches a verdict.
    let mut probe = headers.clone();
    probe.insert(
        "Wechatpay-Signature",
        "WECHATPAY/SIGNTEST/AAAA".parse().unwrap(),
    );
    assert!(matches!(
        client.notification_check(&probe, &body, NOW),
        Err(Error::Verification {
            kind: wechatpay_core::VerificationError::SignatureProbe,
            ..
        })
    ));
}

#[test]
fn a_sealed_resource_opens_with_any_aes_gcm_as_with_the_core() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    for name in ["applyment_state_change", "empty_associated_data"] {
        let dir = testdata().join("vectors/notification").join(name);
        let raw_key = fs::read_to_string(dir.join("api_v3_key")).unwrap();
        let (key, body, plaintext) = case(name);
        let notification = client(Backend::default())
            .parse_notification(&signed_headers(name), &body, NOW)
            .unwrap();
        let sealed = notification.resource.sealed().unwrap();
        assert_eq!(sealed.nonce(), notification.resource.nonce.as_bytes());
        assert_eq!(
            sealed.associated_data(),
            notification.resource.associated_data.as_bytes()
        );
        // Another AES-GCM, given only what the sealed resource holds, opens it.
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(raw_key.as_bytes()).unwrap();
        let opened = cipher
            .decrypt(
                sealed.nonce().into(),
                Payload {
                    msg: sealed.ciphertext(),
                    aad: sealed.associated_data(),
                },
            )
            .unwrap();
        let text = wechatpay_core::SensitiveString::from_utf8(&opened).unwrap();
        assert_eq!(text.expose(), plaintext);
        assert_eq!(sealed.open(&key).unwrap(), text);
        assert!(!format!("{sealed:?}").contains(&notification.resource.ciphertext));
    }
    assert_eq!(
        wechatpay_core::SensitiveString::from_utf8(&[0xff, 0xfe]),
        Err(CryptoError::NotUtf8)
    );
}
