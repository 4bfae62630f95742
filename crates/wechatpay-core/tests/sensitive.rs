//! Sensitive fields: OAEP both ways, the 214-byte limit, and redaction.

mod common;

use common::*;
use wechatpay_core::{
    Backend, CryptoError, EncryptedField, Error, PlatformKeys, RequestContext, SensitiveString,
};

#[test]
fn response_fields_decrypt_to_redacted_values() {
    for backend in Backend::all() {
        let credentials = credentials(*backend);
        let case = testdata().join("vectors/oaep/account_name_chinese");
        let field = EncryptedField::new(std::fs::read_to_string(case.join("ciphertext")).unwrap());
        let name = credentials.decrypt(&field, &mut rng()).unwrap();
        assert_eq!(name.expose(), "张三");
        assert_eq!(format!("{name:?}"), "<redacted>");
        assert_eq!(format!("{name}"), "<redacted>");
        assert!(!format!("{:?}", Some(&name)).contains("张三"));
    }
}

#[test]
fn request_fields_encrypt_to_the_preferred_key_and_round_trip() {
    for backend in Backend::all() {
        // The merchant's own public key stands in as the platform key, so the merchant private
        // key can check the ciphertext.
        let mut keys = PlatformKeys::with_backend(*backend);
        keys.add_public_key(
            "PUB_KEY_ID_0100000000000000000000000000000001",
            MERCHANT_PUB,
        )
        .unwrap();
        let mut rng = rng();
        let mut encryptor = RequestContext::new(&keys, &mut rng);
        assert_eq!(encryptor.encryption_key().map(|k| k.serial()), None);
        assert_eq!(encryptor.max_plaintext_len().unwrap(), 214);
        let credentials = credentials(*backend);
        for plaintext in [
            "",
            "张三",
            "6214830000001234",
            &"A".repeat(214),
            &"申".repeat(71),
        ] {
            let ciphertext = encryptor.encrypt(plaintext).unwrap();
            assert_eq!(ciphertext.len(), 344, "base64 of 256 bytes");
            let back = credentials
                .decrypt(&EncryptedField::new(ciphertext), &mut common::rng())
                .unwrap();
            assert_eq!(back.expose(), plaintext);
        }
        assert_eq!(
            encryptor.encryption_key().map(|k| k.serial()),
            Some("PUB_KEY_ID_0100000000000000000000000000000001")
        );
        // Two encryptions of the same text differ: OAEP is randomised.
        assert_ne!(
            encryptor.encrypt("张三").unwrap(),
            encryptor.encrypt("张三").unwrap()
        );
    }
}

#[test]
fn plaintexts_past_214_bytes_are_refused_clearly() {
    for backend in Backend::all() {
        let keys = platform_keys(*backend);
        let mut rng = rng();
        let mut encryptor = RequestContext::new(&keys, &mut rng);
        for plaintext in ["A".repeat(215), "申".repeat(72)] {
            match encryptor.encrypt(&plaintext) {
                Err(Error::Crypto(CryptoError::PlaintextTooLong { len, max: 214 })) => {
                    assert_eq!(len, plaintext.len())
                }
                other => panic!("{other:?}"),
            }
        }
    }
    let no_keys = PlatformKeys::new();
    let mut rng = rng();
    assert!(matches!(
        RequestContext::new(&no_keys, &mut rng).encrypt("张三"),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn bad_ciphertexts_are_crypto_errors_not_panics() {
    for backend in Backend::all() {
        let credentials = credentials(*backend);
        let valid =
            std::fs::read_to_string(testdata().join("vectors/oaep/account_no/ciphertext")).unwrap();
        let mut altered = valid.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        let cases = [
            ("!!not base64!!".to_owned(), CryptoError::InvalidBase64),
            (String::new(), CryptoError::DecryptionFailed),
            ("AAAA".to_owned(), CryptoError::DecryptionFailed),
            (
                String::from_utf8(altered).unwrap(),
                CryptoError::DecryptionFailed,
            ),
            (
                format!("{}{}", &valid[..valid.len() - 4], "AAA="),
                CryptoError::DecryptionFailed,
            ),
        ];
        for (ciphertext, expected) in cases {
            match credentials.decrypt(&EncryptedField::new(ciphertext.clone()), &mut rng()) {
                Err(Error::Crypto(kind)) => {
                    assert_eq!(kind, expected, "{ciphertext:?} on {backend:?}")
                }
                other => panic!("{other:?}"),
            }
        }
        // Encrypted to another key: fails, and says why.
        let mut keys = PlatformKeys::with_backend(*backend);
        keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB).unwrap();
        let mut seeded = rng();
        let other = RequestContext::new(&keys, &mut seeded)
            .encrypt("张三")
            .unwrap();
        let error = credentials
            .decrypt(&EncryptedField::new(other), &mut rng())
            .unwrap_err();
        assert!(matches!(
            error,
            Error::Crypto(CryptoError::DecryptionFailed)
        ));
    }
}

#[test]
fn non_utf8_plaintexts_are_reported() {
    for backend in Backend::all() {
        let credentials = credentials(*backend);
        let ciphertext =
            std::fs::read_to_string(testdata().join("vectors/oaep_not_utf8/ciphertext")).unwrap();
        let error = credentials
            .decrypt(&EncryptedField::new(ciphertext), &mut rng())
            .unwrap_err();
        assert!(
            matches!(error, Error::Crypto(CryptoError::NotUtf8)),
            "{error:?}"
        );
    }
}

#[test]
fn sensitive_strings_compare_and_wrap_without_printing() {
    let token = SensitiveString::new("secret");
    assert_eq!(token, SensitiveString::new("secret"));
    assert_eq!(format!("{token:?} {token}"), "<redacted> <redacted>");
}
