//! Credentials and platform keys: every bad input named in the core issue, with the exact
//! error kind and the field it names.

mod common;

use common::*;
use wechatpay_core::{Backend, Client, Error, MerchantCredentials, PlatformKeyKind, PlatformKeys};

/// The field of an `InvalidInput`, and its reason; panics on any other error.
fn invalid(result: Result<impl std::fmt::Debug, Error>) -> (String, String) {
    match result {
        Err(Error::InvalidInput { field, reason }) => (field.into_owned(), reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn credentials_accept_pkcs8_and_pkcs1_and_never_print_the_key() {
    for backend in Backend::all() {
        for pem in [MERCHANT_KEY, MERCHANT_KEY_PKCS1] {
            let credentials =
                MerchantCredentials::with_backend(MCHID, MERCHANT_SERIAL, pem, *backend).unwrap();
            assert_eq!(credentials.mchid(), MCHID);
            assert_eq!(credentials.serial_no(), MERCHANT_SERIAL);
            assert_eq!(credentials.key().map(|k| k.backend()), Some(*backend));
            let debug = format!("{credentials:?}");
            assert!(debug.contains("<redacted>"), "{debug}");
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                assert!(!debug.contains(line), "Debug shows key material");
            }
        }
    }
}

#[test]
fn credentials_tolerate_crlf_bom_and_surrounding_blank_lines() {
    let windows = format!("\u{feff}\r\n{}\r\n\r\n", MERCHANT_KEY.replace('\n', "\r\n"));
    MerchantCredentials::new(MCHID, MERCHANT_SERIAL, &windows).unwrap();
}

#[test]
fn mchid_must_be_digits() {
    for bad in [
        "",
        "19000000a1",
        "1900 0001",
        "1900000001\"",
        "1900000001,",
        "１９００",
        &"1".repeat(33),
    ] {
        let (field, _) = invalid(MerchantCredentials::new(bad, MERCHANT_SERIAL, MERCHANT_KEY));
        assert_eq!(field, "mchid", "{bad:?}");
    }
}

#[test]
fn serial_must_be_hex_without_header_breaking_characters() {
    for bad in [
        "",
        "3775B6A45ACD5888G6D1",
        "3775B6A4\"5ACD",
        "3775,B6A4",
        "3775\rB6",
        "3775\nB6",
        "3775 B6",
        &"A".repeat(65),
    ] {
        let (field, _) = invalid(MerchantCredentials::new(MCHID, bad, MERCHANT_KEY));
        assert_eq!(field, "serial_no", "{bad:?}");
    }
}

#[test]
fn a_public_key_id_given_as_the_merchant_serial_is_called_out() {
    let (field, reason) = invalid(MerchantCredentials::new(MCHID, PUBLIC_KEY_ID, MERCHANT_KEY));
    assert_eq!(field, "serial_no");
    assert!(reason.contains("public key id"), "{reason}");
    assert!(reason.contains("apiclient_cert.pem"), "{reason}");
}

#[test]
fn a_pem_of_the_wrong_kind_is_explained() {
    let cases = [
        (MERCHANT_CERT, "certificate"),
        (MERCHANT_PUB, "public key"),
        (MERCHANT_KEY_ENCRYPTED, "encrypted"),
        (EC_KEY, "not an RSA key"),
        (RSA1024_KEY, "1024 bits"),
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "not a PEM"),
        (
            "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
            "cannot be read",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "PKCS#8",
        ),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            "found BEGIN OPENSSH",
        ),
    ];
    for backend in Backend::all() {
        for (pem, expected) in cases {
            let (field, reason) = invalid(MerchantCredentials::with_backend(
                MCHID,
                MERCHANT_SERIAL,
                pem,
                *backend,
            ));
            assert_eq!(field, "private_key");
            assert!(
                reason.contains(expected),
                "expected {expected:?} in {reason:?}"
            );
        }
    }
}

#[test]
fn platform_keys_hold_public_keys_and_certificates_at_once() {
    for backend in Backend::all() {
        let mut keys = PlatformKeys::with_backend(*backend);
        assert!(keys.is_empty());
        let certificate = keys.add_certificate(PLATFORM_CERT).unwrap();
        assert_eq!(certificate.serial(), CERT_SERIAL);
        assert_eq!(
            certificate.kind(),
            PlatformKeyKind::Certificate {
                not_before: 1_672_531_200,
                not_after: 1_861_920_000
            }
        );
        assert!(certificate.is_valid_at(NOW));
        assert!(!certificate.is_valid_at(1_861_920_001));
        // A lone certificate is preferred...
        assert_eq!(keys.preferred().unwrap().serial(), CERT_SERIAL);
        keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB).unwrap();
        // ...until a public key arrives: public key mode is where merchants are headed.
        assert_eq!(keys.preferred().unwrap().serial(), PUBLIC_KEY_ID);
        keys.set_preferred(CERT_SERIAL).unwrap();
        assert_eq!(keys.preferred().unwrap().serial(), CERT_SERIAL);
        assert_eq!(keys.serials(), [CERT_SERIAL, PUBLIC_KEY_ID]);
        assert_eq!(keys.len(), 2);
        // Adding the same serial again replaces, never duplicates.
        keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB).unwrap();
        assert_eq!(keys.len(), 2);
    }
}

#[test]
fn the_newest_certificate_is_preferred_when_there_is_no_public_key() {
    let mut keys = PlatformKeys::new();
    keys.add_certificate(PLATFORM_CERT).unwrap();
    keys.add_certificate(PLATFORM_CERT_EXPIRED).unwrap();
    assert_eq!(
        keys.get(EXPIRED_CERT_SERIAL).unwrap().serial(),
        EXPIRED_CERT_SERIAL
    );
    assert_eq!(keys.preferred().unwrap().serial(), CERT_SERIAL);
}

#[test]
fn public_key_ids_must_have_the_platform_form() {
    let mut keys = PlatformKeys::new();
    let (field, reason) = invalid(keys.add_public_key(MERCHANT_SERIAL, PLATFORM_PUB));
    assert_eq!(field, "platform_public_key_id");
    assert!(reason.contains("certificate serial"), "{reason}");
    for bad in [
        "",
        "PUB_KEY_ID_",
        "PUB_KEY_ID_12ab",
        "PUB_KEY_ID_1\"",
        "pub_key_id_0112",
    ] {
        let (field, _) = invalid(keys.add_public_key(bad, PLATFORM_PUB));
        assert_eq!(field, "platform_public_key_id", "{bad:?}");
    }
    assert!(keys.is_empty());
}

#[test]
fn platform_pems_of_the_wrong_kind_are_explained() {
    let mut keys = PlatformKeys::new();
    let (field, reason) = invalid(keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_CERT));
    assert_eq!(field, "platform_public_key");
    assert!(reason.contains("add_certificate"), "{reason}");
    let (_, reason) = invalid(keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_KEY));
    assert!(reason.contains("private key"), "{reason}");
    let (field, reason) = invalid(keys.add_certificate(PLATFORM_PUB));
    assert_eq!(field, "platform_certificate");
    assert!(reason.contains("add_public_key"), "{reason}");
    let (_, reason) = invalid(
        keys.add_certificate("-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"),
    );
    assert!(reason.contains("X.509"), "{reason}");
    let (field, _) = invalid(keys.set_preferred("PUB_KEY_ID_999"));
    assert_eq!(field, "preferred_platform_serial");
}

#[test]
fn the_merchant_serial_among_platform_keys_is_a_configuration_error() {
    let mut keys = PlatformKeys::new();
    // Loading the merchant's own certificate as a platform certificate is the mix-up.
    keys.add_certificate(MERCHANT_CERT).unwrap();
    let (field, reason) = invalid(Client::new(credentials(Backend::default()), keys));
    assert_eq!(field, "platform_keys");
    assert!(reason.contains("merchant certificate serial"), "{reason}");

    let (field, _) = invalid(Client::new(
        credentials(Backend::default()),
        PlatformKeys::new(),
    ));
    assert_eq!(field, "platform_keys");
}

#[test]
fn platform_keys_debug_shows_serials_only() {
    let debug = format!("{:?}", platform_keys(Backend::default()));
    assert!(
        debug.contains(PUBLIC_KEY_ID) && debug.contains(CERT_SERIAL),
        "{debug}"
    );
    assert!(!debug.contains("MII"), "{debug}");
}

#[test]
fn a_key_for_other_crypto_is_pkcs8_der_after_the_same_checks() {
    use wechatpay_core::MerchantKey;
    let pkcs8 = MerchantKey::pkcs8_der_from_pem(MERCHANT_KEY).unwrap();
    // PKCS#1 is the same key, converted.
    let converted = MerchantKey::pkcs8_der_from_pem(MERCHANT_KEY_PKCS1).unwrap();
    assert_eq!(*pkcs8, *converted);
    assert_eq!(pkcs8[0], 0x30, "a DER SEQUENCE");
    for (pem, why) in [
        (RSA1024_KEY, "2048"),
        (EC_KEY, "not an RSA key"),
        (MERCHANT_KEY_ENCRYPTED, "encrypted"),
        (PLATFORM_PUB, "public key"),
    ] {
        let error = MerchantKey::pkcs8_der_from_pem(pem)
            .unwrap_err()
            .to_string();
        assert!(error.contains(why), "{why}: {error}");
    }
}
