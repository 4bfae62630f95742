//! Certificate mode and public key mode, `GET /v3/certificates`, and a rotation with an
//! overlap, driven by the real core with no network: what the certificates decrypt to, which
//! key signs each answer, and what the platform refuses.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use http::{Method, Request, Response};
use serde_json::Value;
use wechatpay_core::{
    AnyEndpoint, ApiV3Key, Authentication, Client, DownloadCertificates, Error, PathBuilder,
    PlatformKeys, VerificationError,
};
use wechatpay_fixtures::keys;
use wechatpay_mock::{
    CallbackEvent, CallbackSignature, CertificateError, CertificateKey, Fault, MockKeys,
    MockPlatform, PlatformMode,
};

mod support;

use support::{NOW, api_code, certificate_client, credentials, exchange, prepare, rng, setup};

/// 2026-05-28: both the fixtures' certificate (2023–2029) and its next one (2026–2031) valid.
const OVERLAP: u64 = 1_780_000_000;

/// 2030-03-17: the first certificate has expired, the next one is valid.
const AFTER: u64 = 1_900_000_000;

/// A platform in certificate mode holding the fixtures' first certificate.
fn certificate_platform() -> MockPlatform {
    let (platform, _) = setup();
    platform.with_mode(PlatformMode::Certificate).unwrap()
}

/// The same, with the next certificate rotated in.
fn rotated_platform() -> MockPlatform {
    let platform = certificate_platform();
    platform
        .rotate_certificate(CertificateKey::next_fixture())
        .unwrap();
    platform
}

fn download() -> AnyEndpoint {
    AnyEndpoint::new(Method::GET, PathBuilder::parse("/v3/certificates").unwrap()).unwrap()
}

/// `GET /v3/certificates` signed by the fixtures' merchant at `now`, naming `serial` in
/// `Wechatpay-Serial` (none for `None`: a first download), and the platform's answer.
fn answer(platform: &MockPlatform, serial: Option<&str>, now: u64) -> Response<Vec<u8>> {
    let client = MockKeys::fixtures()
        .client("https://api.mch.weixin.qq.com")
        .unwrap();
    let mut request: Request<Vec<u8>> = prepare(&client, &download(), now);
    // Not part of the signed message: the merchant may name any key, or none.
    match serial {
        Some(serial) => request
            .headers_mut()
            .insert("wechatpay-serial", serial.parse().unwrap()),
        None => request.headers_mut().remove("wechatpay-serial"),
    };
    platform
        .handle(&request, now, &mut rng())
        .response
        .expect("an answer")
}

/// The serial the answer names in `Wechatpay-Serial`.
fn signed_by(response: &Response<Vec<u8>>) -> &str {
    response.headers()["wechatpay-serial"].to_str().unwrap()
}

/// One listed certificate, decrypted here with AES-256-GCM, apart from the core.
#[derive(Debug, PartialEq)]
struct Listed {
    serial_no: String,
    effective_time: String,
    expire_time: String,
    pem: String,
}

fn listed(response: &Response<Vec<u8>>) -> Vec<Listed> {
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    let key = MockKeys::fixtures().api_v3_key;
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key.as_bytes()).unwrap();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let sealed = &entry["encrypt_certificate"];
            assert_eq!(sealed["algorithm"], "AEAD_AES_256_GCM");
            assert_eq!(sealed["associated_data"], "certificate");
            let nonce: [u8; 12] = sealed["nonce"]
                .as_str()
                .unwrap()
                .as_bytes()
                .try_into()
                .unwrap();
            let ciphertext = base64::engine::general_purpose::STANDARD
                .decode(sealed["ciphertext"].as_str().unwrap())
                .unwrap();
            let pem = cipher
                .decrypt(
                    &nonce.into(),
                    Payload {
                        msg: &ciphertext,
                        aad: b"certificate",
                    },
                )
                .unwrap();
            Listed {
                serial_no: entry["serial_no"].as_str().unwrap().to_owned(),
                effective_time: entry["effective_time"].as_str().unwrap().to_owned(),
                expire_time: entry["expire_time"].as_str().unwrap().to_owned(),
                pem: String::from_utf8(pem).unwrap(),
            }
        })
        .collect()
}

fn first() -> Listed {
    Listed {
        serial_no: keys::PLATFORM_CERT_SERIAL.to_owned(),
        effective_time: "2023-01-01T08:00:00+08:00".to_owned(),
        expire_time: "2029-01-01T08:00:00+08:00".to_owned(),
        pem: keys::PLATFORM_CERT_PEM.to_owned(),
    }
}

fn next() -> Listed {
    Listed {
        serial_no: keys::PLATFORM_CERT_NEXT_SERIAL.to_owned(),
        effective_time: "2026-01-01T08:00:00+08:00".to_owned(),
        expire_time: "2031-01-01T08:00:00+08:00".to_owned(),
        pem: keys::PLATFORM_CERT_NEXT_PEM.to_owned(),
    }
}

/// Verifies `response` with the certificates it carries, as a first download must be
/// verified (PROTOCOL.md §10), and returns the serial of the certificate that signed it.
fn verify_with_its_own_certificates(response: &Response<Vec<u8>>, now: u64) -> String {
    let mut carried = PlatformKeys::new();
    for certificate in listed(response) {
        carried.add_certificate(&certificate.pem).unwrap();
    }
    carried
        .verify(response.headers(), response.body(), now, 300)
        .unwrap()
        .serial()
        .to_owned()
}

#[test]
fn in_certificate_mode_the_certificates_decrypt_to_the_fixtures_and_the_answer_verifies() {
    let platform = certificate_platform();
    let response = answer(&platform, Some(keys::PLATFORM_CERT_SERIAL), NOW);
    assert_eq!(response.status(), 200);
    assert_eq!(listed(&response), [first()]);
    assert_eq!(signed_by(&response), keys::PLATFORM_CERT_SERIAL);
    // The merchant's client, trusting the certificate, verifies the answer with it.
    let client = certificate_client(&MockKeys::fixtures(), &[keys::PLATFORM_CERT_PEM]);
    let key = client
        .verify(response.headers(), response.body(), NOW)
        .unwrap();
    assert_eq!(key.serial(), keys::PLATFORM_CERT_SERIAL);
    // The same through the whole exchange, and the same bytes every time.
    let body = exchange(&platform, &client, &download()).unwrap().unwrap();
    assert_eq!(body["data"][0]["serial_no"], keys::PLATFORM_CERT_SERIAL);
    let again = answer(&platform, Some(keys::PLATFORM_CERT_SERIAL), NOW);
    assert_eq!(again.body(), response.body());
}

#[test]
fn a_first_download_names_no_key_and_is_signed_with_the_newest_valid_certificate() {
    let platform = rotated_platform();
    for (now, newest) in [
        // Before the next certificate's validity: the first one.
        (NOW, keys::PLATFORM_CERT_SERIAL),
        (OVERLAP, keys::PLATFORM_CERT_NEXT_SERIAL),
        (AFTER, keys::PLATFORM_CERT_NEXT_SERIAL),
    ] {
        let response = answer(&platform, None, now);
        assert_eq!(response.status(), 200, "{now}");
        assert_eq!(signed_by(&response), newest, "{now}");
        assert_eq!(verify_with_its_own_certificates(&response, now), newest);
    }
}

#[test]
fn the_cores_first_download_verifies_with_a_carried_certificate_and_reads_them_all() {
    let platform = rotated_platform();
    let keys = MockKeys::fixtures();
    let client = Client::without_platform_keys(credentials(&keys));
    let download = DownloadCertificates::new(ApiV3Key::new(&keys.api_v3_key).unwrap());
    for now in [NOW, OVERLAP] {
        let request = prepare(&client, &download, now);
        assert!(request.headers().get("wechatpay-serial").is_none());
        let response = platform.handle(&request, now, &mut rng()).response.unwrap();
        let certificates = client
            .parse_certificates(&download, &response, now)
            .unwrap();
        let read: Vec<_> = certificates
            .iter()
            .map(|c| Listed {
                serial_no: c.serial().to_owned(),
                effective_time: c.effective_time().to_owned(),
                expire_time: c.expire_time().to_owned(),
                pem: c.pem().to_owned(),
            })
            .collect();
        assert_eq!(read, [first(), next()], "{now}");
        assert_eq!(certificates[1].not_before(), 1_767_225_600);
    }
    // A merchant in public key mode gets the core's clear message.
    platform.set_mode(PlatformMode::PublicKey).unwrap();
    let request = prepare(&client, &download, NOW);
    let response = platform.handle(&request, NOW, &mut rng()).response.unwrap();
    let error = client
        .parse_certificates(&download, &response, NOW)
        .unwrap_err();
    assert!(
        matches!(&error, Error::PublicKeyMode { status, request_id: Some(_) } if *status == 404),
        "{error:?}"
    );
    assert!(error.to_string().contains("public key"), "{error}");
}

#[test]
fn in_public_key_mode_the_certificates_are_a_signed_404() {
    let (platform, client) = setup();
    assert_eq!(platform.mode(), PlatformMode::PublicKey);
    let refused = exchange(&platform, &client, &download());
    let Err(Error::Api(api)) = &refused else {
        panic!("{refused:?}")
    };
    assert!(
        matches!(api.authentication, Authentication::Verified { .. }),
        "error answers are signed"
    );
    assert!(
        api.message.as_deref().unwrap().contains("public key"),
        "{api}"
    );
    assert_eq!(api_code(refused), (404, "RESOURCE_NOT_EXISTS".to_owned()));

    // Back and forth: certificate mode lists them, public key mode refuses again.
    platform.set_mode(PlatformMode::Certificate).unwrap();
    assert!(exchange(&platform, &client, &download()).is_ok());
    platform.set_mode(PlatformMode::PublicKey).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &download())),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn during_a_rotation_both_are_listed_and_the_request_names_the_signer() {
    let platform = rotated_platform();
    let issued = platform.certificates();
    assert_eq!(
        issued.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(),
        [keys::PLATFORM_CERT_SERIAL, keys::PLATFORM_CERT_NEXT_SERIAL]
    );
    assert_eq!(issued[1].effective_time(), "2026-01-01T08:00:00+08:00");
    let both = certificate_client(
        &MockKeys::fixtures(),
        &[keys::PLATFORM_CERT_PEM, keys::PLATFORM_CERT_NEXT_PEM],
    );
    for (named, signer) in [
        (Some(keys::PLATFORM_CERT_SERIAL), keys::PLATFORM_CERT_SERIAL),
        (
            Some(keys::PLATFORM_CERT_NEXT_SERIAL),
            keys::PLATFORM_CERT_NEXT_SERIAL,
        ),
        // A key the platform does not hold, and none: the newest valid certificate.
        (
            Some("6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90"),
            keys::PLATFORM_CERT_NEXT_SERIAL,
        ),
        (None, keys::PLATFORM_CERT_NEXT_SERIAL),
    ] {
        let response = answer(&platform, named, OVERLAP);
        assert_eq!(listed(&response), [first(), next()], "{named:?}");
        assert_eq!(signed_by(&response), signer, "{named:?}");
        let key = both
            .verify(response.headers(), response.body(), OVERLAP)
            .unwrap();
        assert_eq!(key.serial(), signer);
    }
    // A merchant still migrating names its public key, which the platform holds too.
    let response = answer(&platform, Some(keys::PLATFORM_PUBLIC_KEY_ID), OVERLAP);
    assert_eq!(signed_by(&response), keys::PLATFORM_PUBLIC_KEY_ID);
}

#[test]
fn a_retired_certificate_is_no_longer_listed_nor_signs() {
    let platform = rotated_platform();
    platform
        .retire_certificate(keys::PLATFORM_CERT_SERIAL)
        .unwrap();
    let response = answer(&platform, Some(keys::PLATFORM_CERT_SERIAL), OVERLAP);
    assert_eq!(listed(&response), [next()]);
    assert_eq!(signed_by(&response), keys::PLATFORM_CERT_NEXT_SERIAL);
    assert_eq!(
        platform.retire_certificate(keys::PLATFORM_CERT_SERIAL),
        Err(CertificateError::UnknownSerial {
            serial: keys::PLATFORM_CERT_SERIAL.to_owned(),
            held: vec![keys::PLATFORM_CERT_NEXT_SERIAL.to_owned()],
        })
    );
    // The last one stays while the platform is in certificate mode.
    assert!(matches!(
        platform.retire_certificate(keys::PLATFORM_CERT_NEXT_SERIAL),
        Err(CertificateError::LastCertificate { .. })
    ));
    platform.set_mode(PlatformMode::PublicKey).unwrap();
    platform
        .retire_certificate(keys::PLATFORM_CERT_NEXT_SERIAL)
        .unwrap();
    assert!(platform.certificates().is_empty());
}

#[test]
fn changes_the_platform_cannot_make_are_refused_and_named() {
    // A platform with no certificate cannot be in certificate mode until one is rotated in.
    let keys = MockKeys {
        certificate: None,
        ..MockKeys::fixtures()
    };
    let platform = MockPlatform::new(keys, &mut rng()).unwrap();
    assert_eq!(
        platform.set_mode(PlatformMode::Certificate),
        Err(CertificateError::NoCertificate)
    );
    let issued = platform
        .rotate_certificate(CertificateKey::next_fixture())
        .unwrap();
    assert_eq!(issued.serial, keys::PLATFORM_CERT_NEXT_SERIAL);
    let platform = platform.with_mode(PlatformMode::Certificate).unwrap();
    assert_eq!(platform.mode(), PlatformMode::Certificate);

    assert_eq!(
        platform.rotate_certificate(CertificateKey::next_fixture()),
        Err(CertificateError::DuplicateSerial {
            serial: keys::PLATFORM_CERT_NEXT_SERIAL.to_owned()
        })
    );
    let mismatched = CertificateKey {
        private_key_pem: keys::PLATFORM_KEY_PEM.to_owned(),
        ..MockKeys::fixtures().certificate.unwrap()
    };
    let Err(CertificateError::Invalid { reason }) = platform.rotate_certificate(mismatched) else {
        panic!("a certificate with another key was taken")
    };
    assert!(!reason.contains("PRIVATE KEY"), "{reason}");
    assert_eq!(platform.certificates().len(), 1);
}

#[test]
fn callbacks_in_certificate_mode_are_signed_with_the_newest_certificate() {
    let platform = rotated_platform();
    let mut rng = rng();
    let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, OVERLAP, &mut rng).unwrap();
    let body = platform.callback_body(&event, OVERLAP, &mut rng).unwrap();
    let request = platform
        .callback_request(
            &body,
            "http://127.0.0.1:9/notify",
            CallbackSignature::Valid,
            OVERLAP,
            &mut rng,
        )
        .unwrap();
    assert_eq!(
        request.headers()["wechatpay-serial"],
        keys::PLATFORM_CERT_NEXT_SERIAL
    );
    let both = certificate_client(
        &MockKeys::fixtures(),
        &[keys::PLATFORM_CERT_PEM, keys::PLATFORM_CERT_NEXT_PEM],
    );
    let key = wechatpay_core::ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
    let opened = both
        .open_notification(request.headers(), request.body(), OVERLAP, &key)
        .unwrap();
    assert_eq!(opened.id, body.id());
}

#[test]
fn a_wrong_signing_key_names_the_certificate_and_fails_as_a_bad_signature() {
    let platform = certificate_platform();
    let client = certificate_client(&MockKeys::fixtures(), &[keys::PLATFORM_CERT_PEM]);
    platform.inject(Fault::WrongSigningKey, 1);
    match exchange(&platform, &client, &download()) {
        Err(Error::Verification {
            kind: VerificationError::BadSignature { .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // The fault is spent: the next answer verifies.
    assert!(exchange(&platform, &client, &download()).is_ok());
}
