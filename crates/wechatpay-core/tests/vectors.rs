//! The committed test vectors, made with the openssl command line (see testdata/README.md),
//! checked stage by stage (message, signature, header) against every crypto backend. The
//! folders are discovered, so a new vector is a new folder and nothing else.

mod common;

use common::vectors::*;
use common::*;
use http::Method;
use wechatpay_core::{
    Backend, EncryptedField, Nonce, SignatureHeaders, SigningInput, VerificationError,
};

#[test]
fn sign_vectors_match_openssl_stage_by_stage() {
    let mut checked = 0;
    for backend in Backend::all() {
        let credentials = credentials(*backend);
        for case in cases("sign") {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let input: SignInput = serde_json::from_slice(&read(&case, "input.json")).unwrap();
            let body = read_optional(&case, "body");
            let method = Method::from_bytes(input.method.as_bytes()).unwrap();
            let nonce = Nonce::new(input.nonce).unwrap();
            let signing = SigningInput {
                method: &method,
                path_and_query: &input.path_and_query,
                timestamp: input.timestamp,
                nonce: &nonce,
                body: &body,
            };
            assert_eq!(signing.message(), read(&case, "message"), "{name}: message");
            let signature = credentials.sign(&signing, &mut rng()).unwrap();
            assert_eq!(
                signature.signature(),
                read_text(&case, "signature"),
                "{name} on {backend:?}: signature"
            );
            assert_eq!(
                signature.authorization(),
                read_text(&case, "authorization"),
                "{name}: header"
            );
            assert!(signature.header_value().is_sensitive());
            checked += 1;
        }
    }
    assert_eq!(checked, cases("sign").len() * Backend::all().len());
}

#[test]
fn verify_vectors_match_openssl_and_reject_any_altered_byte() {
    for backend in Backend::all() {
        let keys = platform_keys(*backend);
        for case in cases("verify") {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let input: VerifyInput = serde_json::from_slice(&read(&case, "input.json")).unwrap();
            let body = read(&case, "body");
            let headers = input.headers();
            let parsed = SignatureHeaders::from_headers(&headers).unwrap();
            assert_eq!(
                parsed.message(&body),
                read(&case, "message"),
                "{name}: message"
            );
            assert_eq!(input.expect, "ok");
            let key = keys
                .verify(&headers, &body, NOW, 300)
                .unwrap_or_else(|e| panic!("{name} on {backend:?}: {e}"));
            assert_eq!(key.serial(), input.serial);

            // One flipped bit anywhere in the body, or a body with a byte appended, must fail.
            let mut tampered = body.clone();
            tampered.push(b' ');
            assert!(matches!(
                keys.verify(&headers, &tampered, NOW, 300),
                Err(VerificationError::BadSignature { .. })
            ));
            if !body.is_empty() {
                for position in [0, body.len() / 2, body.len() - 1] {
                    let mut tampered = body.clone();
                    tampered[position] ^= 1;
                    assert!(
                        matches!(
                            keys.verify(&headers, &tampered, NOW, 300),
                            Err(VerificationError::BadSignature { .. })
                        ),
                        "{name}: flipped bit at {position} verified"
                    );
                }
            }
        }
    }
}

#[test]
fn oaep_vectors_made_by_openssl_decrypt_with_the_merchant_key() {
    for backend in Backend::all() {
        let credentials = credentials(*backend);
        for case in cases("oaep") {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let field = EncryptedField::new(read_text(&case, "ciphertext"));
            let plaintext = credentials
                .decrypt(&field, &mut rng())
                .unwrap_or_else(|e| panic!("{name} on {backend:?}: {e}"));
            assert_eq!(
                plaintext.expose().as_bytes(),
                read(&case, "plaintext"),
                "{name}"
            );
        }
    }
}
