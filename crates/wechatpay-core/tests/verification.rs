//! Response and callback verification: each failure has its own matchable kind.

mod common;

use common::*;
use http::{HeaderMap, HeaderValue};
use wechatpay_core::{
    Authentication, Backend, Error, PlatformKeys, PlatformSigner, VerificationError,
};

const BODY: &[u8] = br#"{"applyment_state":"AUDITING"}"#;

fn signed_headers(signer: &PlatformSigner, timestamp: u64, body: &[u8]) -> HeaderMap {
    let mut response = http::Response::new(body.to_vec());
    signer
        .sign_response(
            &mut response,
            timestamp,
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &mut rng(),
        )
        .unwrap();
    response.headers().clone()
}

fn verify(
    keys: &PlatformKeys,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, VerificationError> {
    keys.verify(headers, body, NOW, 300)
        .map(|k| k.serial().to_owned())
}

#[test]
fn public_key_and_certificate_signatures_verify_side_by_side() {
    for backend in Backend::all() {
        let keys = platform_keys(*backend);
        let by_key = signed_headers(&platform_signer(*backend), NOW, BODY);
        let by_cert = signed_headers(&certificate_signer(*backend), NOW, BODY);
        assert_eq!(verify(&keys, &by_key, BODY).unwrap(), PUBLIC_KEY_ID);
        assert_eq!(verify(&keys, &by_cert, BODY).unwrap(), CERT_SERIAL);
    }
}

#[test]
fn each_missing_header_is_named() {
    let full = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    let keys = platform_keys(Backend::default());
    for name in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ] {
        let mut headers = full.clone();
        headers.remove(name);
        assert_eq!(
            verify(&keys, &headers, BODY),
            Err(VerificationError::MissingHeader { name }),
        );
    }
    assert_eq!(
        verify(&keys, &HeaderMap::new(), BODY),
        Err(VerificationError::MissingHeader {
            name: "Wechatpay-Timestamp"
        })
    );
}

#[test]
fn malformed_headers_are_named() {
    let full = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    let keys = platform_keys(Backend::default());
    let cases: [(&'static str, &[u8]); 9] = [
        ("Wechatpay-Timestamp", b"17000000OO"),
        ("Wechatpay-Timestamp", b"-1700000000"),
        ("Wechatpay-Timestamp", b" 1700000000"),
        ("Wechatpay-Timestamp", b"99999999999999999999"),
        ("Wechatpay-Nonce", b""),
        ("Wechatpay-Serial", b"PUB_KEY_\xff"),
        ("Wechatpay-Signature", b"not base64 at all!"),
        ("Wechatpay-Signature-Type", b"WECHATPAY2-SHA256-RSA4096"),
        ("Wechatpay-Signature-Type", b"wechatpay2-sha256-rsa2048"),
    ];
    for (name, value) in cases {
        let mut headers = full.clone();
        headers.insert(name, HeaderValue::from_bytes(value).unwrap());
        match verify(&keys, &headers, BODY) {
            Err(VerificationError::MalformedHeader { name: got, .. }) => {
                assert_eq!(got, name, "{value:?}")
            }
            other => panic!("{name}={value:?}: {other:?}"),
        }
    }
}

#[test]
fn a_repeated_signature_header_is_refused() {
    let mut headers = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    let forged = HeaderValue::from_static("AAAA");
    headers.append("Wechatpay-Signature", forged);
    assert!(matches!(
        verify(&platform_keys(Backend::default()), &headers, BODY),
        Err(VerificationError::MalformedHeader {
            name: "Wechatpay-Signature",
            ..
        })
    ));
}

#[test]
fn the_signature_probe_has_its_own_kind() {
    let mut headers = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    headers.insert(
        "Wechatpay-Signature",
        HeaderValue::from_static("WECHATPAY/SIGNTEST/HxDWBmZWbPF1Qn0Q9mj2y0bA0TfeS4aWnq+lfPPyxgk="),
    );
    let error = verify(&platform_keys(Backend::default()), &headers, BODY).unwrap_err();
    assert_eq!(error, VerificationError::SignatureProbe);
    assert!(error.to_string().contains("probe"), "{error}");
}

#[test]
fn an_unknown_serial_names_it_and_the_known_ones() {
    let headers = signed_headers(
        &PlatformSigner::new(
            "PUB_KEY_ID_0000000000000000000000000000000099",
            PLATFORM_KEY,
            Backend::default(),
        )
        .unwrap(),
        NOW,
        BODY,
    );
    match verify(&platform_keys(Backend::default()), &headers, BODY) {
        Err(VerificationError::UnknownSerial { serial, known }) => {
            assert_eq!(serial, "PUB_KEY_ID_0000000000000000000000000000000099");
            assert_eq!(known, [PUBLIC_KEY_ID, CERT_SERIAL]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_signature_by_another_key_is_a_bad_signature() {
    for backend in Backend::all() {
        // The certificate's key signing under the public key's id.
        let impostor = PlatformSigner::new(PUBLIC_KEY_ID, PLATFORM_CERT_KEY, *backend).unwrap();
        let headers = signed_headers(&impostor, NOW, BODY);
        assert_eq!(
            verify(&platform_keys(*backend), &headers, BODY),
            Err(VerificationError::BadSignature {
                serial: PUBLIC_KEY_ID.to_owned()
            })
        );
    }
}

#[test]
fn a_truncated_or_empty_signature_is_a_bad_signature_not_a_panic() {
    let full = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    let signature = full["Wechatpay-Signature"].to_str().unwrap().to_owned();
    for backend in Backend::all() {
        let keys = platform_keys(*backend);
        for bad in [&signature[..signature.len() - 4], "AAAA"] {
            let mut headers = full.clone();
            headers.insert("Wechatpay-Signature", bad.parse().unwrap());
            assert!(matches!(
                verify(&keys, &headers, BODY),
                Err(VerificationError::BadSignature { .. })
            ));
        }
        // Padding in the middle is not base64 at all.
        let mut headers = full.clone();
        headers.insert(
            "Wechatpay-Signature",
            format!("{signature}AAAA").parse().unwrap(),
        );
        assert!(matches!(
            verify(&keys, &headers, BODY),
            Err(VerificationError::MalformedHeader {
                name: "Wechatpay-Signature",
                ..
            })
        ));
    }
}

#[test]
fn timestamps_outside_the_window_are_clock_skew() {
    let keys = platform_keys(Backend::default());
    let signer = platform_signer(Backend::default());
    for (timestamp, ok) in [
        (NOW - 300, true),
        (NOW + 300, true),
        (NOW - 301, false),
        (NOW + 301, false),
        (0, false),
    ] {
        let headers = signed_headers(&signer, timestamp, BODY);
        let result = verify(&keys, &headers, BODY);
        if ok {
            result.unwrap();
        } else {
            assert_eq!(
                result,
                Err(VerificationError::ClockSkew {
                    timestamp,
                    now: NOW,
                    max_skew: 300
                })
            );
        }
    }
    // The window is configurable.
    let headers = signed_headers(&signer, NOW - 3600, BODY);
    keys.verify(&headers, BODY, NOW, 3600).unwrap();
}

#[test]
fn a_certificate_outside_its_validity_is_refused() {
    let mut keys = PlatformKeys::new();
    keys.add_certificate(PLATFORM_CERT_EXPIRED).unwrap();
    let signer =
        PlatformSigner::new(EXPIRED_CERT_SERIAL, PLATFORM_CERT_KEY, Backend::default()).unwrap();
    let headers = signed_headers(&signer, NOW, BODY);
    match verify(&keys, &headers, BODY) {
        Err(VerificationError::CertificateNotValid {
            serial,
            not_after,
            at,
            ..
        }) => {
            assert_eq!(serial, EXPIRED_CERT_SERIAL);
            assert_eq!(not_after, 1_577_836_800);
            assert_eq!(at, NOW);
        }
        other => panic!("{other:?}"),
    }
    // The same signature within the validity period verifies.
    let then = 1_500_000_000;
    let headers = signed_headers(&signer, then, BODY);
    keys.verify(&headers, BODY, then, 300).unwrap();
}

#[test]
fn a_2xx_is_never_decoded_unless_it_verifies() {
    use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    for backend in Backend::all() {
        let client = client(*backend);
        let mut response = signed_response(*backend, 200, APPLYMENT_EXAMPLE.as_bytes());
        client.parse(&query, &response, NOW).unwrap();

        response.body_mut()[10] ^= 0x20;
        let error = client.parse(&query, &response, NOW).unwrap_err();
        assert!(
            matches!(
                error.verification(),
                Some(VerificationError::BadSignature { .. })
            ),
            "{error}"
        );
        assert_eq!(error.request_id(), Some("08F4C1A2B30610A7051A0B"));
        assert!(!error.is_retryable());

        let unsigned = unsigned_response(200, APPLYMENT_EXAMPLE.as_bytes());
        let error = client.parse(&query, &unsigned, NOW).unwrap_err();
        assert!(matches!(
            error,
            Error::Verification {
                kind: VerificationError::MissingHeader { .. },
                ..
            }
        ));
    }
}

#[test]
fn error_answers_report_whether_they_were_authenticated() {
    use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    let body = r#"{"code":"RESOURCE_NOT_EXISTS","message":"申请单不存在"}"#.as_bytes();
    let client = client(Backend::default());

    let signed = signed_response(Backend::default(), 404, body);
    let api = client.parse(&query, &signed, NOW).unwrap_err();
    let api = api.api().unwrap();
    assert_eq!(
        api.authentication,
        Authentication::Verified {
            serial: PUBLIC_KEY_ID.to_owned()
        }
    );

    let unsigned = unsigned_response(
        500,
        r#"{"code":"SYSTEM_ERROR","message":"系统繁忙"}"#.as_bytes(),
    );
    let error = client.parse(&query, &unsigned, NOW).unwrap_err();
    assert_eq!(
        error.api().unwrap().authentication,
        Authentication::Unsigned
    );

    let mut forged = signed_response(Backend::default(), 404, body);
    *forged.body_mut() = br#"{"code":"RESOURCE_NOT_EXISTS","message":"forged"}"#.to_vec();
    let error = client.parse(&query, &forged, NOW).unwrap_err();
    let api = error.api().unwrap();
    assert!(matches!(
        api.authentication,
        Authentication::Failed(VerificationError::BadSignature { .. })
    ));
    assert!(error.to_string().contains("signature invalid"), "{error}");
}

#[test]
fn callbacks_verify_through_the_same_routine() {
    let body = br#"{"id":"EV-2018022511223320873","event_type":"TRANSACTION.SUCCESS","resource_type":"encrypt-resource","resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"...","associated_data":"","nonce":"fdasflkja484w"}}"#;
    for backend in Backend::all() {
        let client = client(*backend);
        let headers = signed_headers(&certificate_signer(*backend), NOW, body);
        assert_eq!(
            client.verify(&headers, body, NOW).unwrap().serial(),
            CERT_SERIAL
        );
        let error = client.verify(&headers, &body[1..], NOW).unwrap_err();
        assert!(matches!(
            error.verification(),
            Some(VerificationError::BadSignature { .. })
        ));
    }
}

#[test]
fn a_signature_longer_than_any_key_signs_is_malformed() {
    let mut headers = signed_headers(&platform_signer(Backend::default()), NOW, BODY);
    headers.insert("Wechatpay-Signature", "A".repeat(4096).parse().unwrap());
    assert!(matches!(
        verify(&platform_keys(Backend::default()), &headers, BODY),
        Err(VerificationError::MalformedHeader {
            name: "Wechatpay-Signature",
            ..
        })
    ));
}
