//! The self-check (`POST /v3/security/echo`) with the fixture keys: the request as the platform
//! reads it, the platform's answer signed and encrypted as the platform does, and the merchant
//! certificate the configuration is checked against.

mod common;

use common::*;
use serde_json::Value;
use wechatpay_core::security::{EchoAnswer, SecurityEcho};
use wechatpay_core::{
    Backend, Client, EncryptedField, Error, Host, MerchantCertificate, MerchantKey, Nonce,
    PlatformKeys, RequestContext,
};

/// The body the platform would read: the request's JSON, its encrypted field decrypted with
/// the private key of the platform key `Wechatpay-Serial` names.
fn as_the_platform_reads_it(client: &Client, echo: &SecurityEcho) -> (String, Value) {
    let mut rng = rng();
    let request = client
        .prepare(
            echo,
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri().path(), "/v3/security/echo");
    assert_eq!(request.headers()["Content-Type"], "application/json");
    let serial = request.headers()["Wechatpay-Serial"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut body: Value = serde_json::from_slice(request.body()).unwrap();
    if let Some(Value::String(ciphertext)) = body.get_mut("encrypted_echo_message") {
        let platform_private = match serial.as_str() {
            PUBLIC_KEY_ID => PLATFORM_KEY,
            CERT_SERIAL => PLATFORM_CERT_KEY,
            other => panic!("request names {other}"),
        };
        let plaintext = MerchantKey::from_pem(platform_private)
            .unwrap()
            .decrypt(&EncryptedField::new(ciphertext.clone()), &mut rng)
            .unwrap();
        *ciphertext = plaintext.expose().to_owned();
    }
    (serial, body)
}

/// The platform's answer to `body` (as read): the message echoed, the encrypted one encrypted
/// to the merchant's certificate, signed with the platform key at `NOW`.
fn platform_answer(backend: Backend, body: &Value) -> http::Response<Vec<u8>> {
    let mut answer = serde_json::json!({ "echo_message": body["echo_message"] });
    if let Some(Value::String(plaintext)) = body.get("encrypted_echo_message") {
        let mut merchant = PlatformKeys::with_backend(backend);
        merchant
            .add_public_key(
                "PUB_KEY_ID_0100000000000000000000000000000001",
                MERCHANT_PUB,
            )
            .unwrap();
        let mut rng = rng();
        answer["encrypted_echo_message"] = RequestContext::new(&merchant, &mut rng)
            .encrypt(plaintext)
            .unwrap()
            .into();
    }
    signed_response(backend, 200, answer.to_string().as_bytes())
}

#[test]
fn the_echo_round_trips_its_encrypted_field_through_both_keys() {
    for backend in Backend::all() {
        let client = client(*backend);
        let echo = SecurityEcho::new("doctor 1700000000")
            .unwrap()
            .with_encrypted_message("张三 6214830000001234")
            .unwrap();
        let (serial, body) = as_the_platform_reads_it(&client, &echo);
        // The field is encrypted to the preferred key, and the request names that key.
        assert_eq!(serial, PUBLIC_KEY_ID);
        assert_eq!(
            body,
            serde_json::json!({
                "echo_message": "doctor 1700000000",
                "encrypted_echo_message": "张三 6214830000001234",
            })
        );

        let answer: EchoAnswer = client
            .parse(&echo, &platform_answer(*backend, &body), NOW)
            .unwrap();
        assert_eq!(answer.echo_message, echo.echo_message());
        let field = answer.encrypted_echo_message.as_ref().unwrap();
        let decrypted = client.credentials().decrypt(field, &mut rng()).unwrap();
        assert_eq!(Some(&decrypted), echo.encrypted_message());
    }
}

#[test]
fn without_an_encrypted_field_the_body_holds_only_what_was_given() {
    let client = client(Backend::default());
    let plain = SecurityEcho::new("hello").unwrap();
    let (serial, body) = as_the_platform_reads_it(&client, &plain);
    assert_eq!(
        serial, PUBLIC_KEY_ID,
        "the preferred key, named all the same"
    );
    assert_eq!(body, serde_json::json!({ "echo_message": "hello" }));
    let answer = client
        .parse(&plain, &platform_answer(Backend::default(), &body), NOW)
        .unwrap();
    assert_eq!(answer.encrypted_echo_message, None);

    let with_url = plain
        .with_notify_url("https://www.weixin.qq.com/v3/test")
        .unwrap();
    let (_, body) = as_the_platform_reads_it(&client, &with_url);
    assert_eq!(
        body,
        serde_json::json!({
            "echo_message": "hello",
            "notify_url": "https://www.weixin.qq.com/v3/test",
        })
    );
}

#[test]
fn in_certificate_mode_the_field_is_encrypted_to_the_certificate_the_request_names() {
    let mut keys = PlatformKeys::new();
    keys.add_certificate(PLATFORM_CERT).unwrap();
    let client = Client::new(credentials(Backend::default()), keys).unwrap();
    let echo = SecurityEcho::new("hello")
        .unwrap()
        .with_encrypted_message("secret")
        .unwrap();
    let (serial, body) = as_the_platform_reads_it(&client, &echo);
    assert_eq!(serial, CERT_SERIAL);
    assert_eq!(body["encrypted_echo_message"], "secret");
}

#[test]
fn an_encrypted_field_needs_a_platform_key_and_an_altered_answer_is_refused() {
    let echo = SecurityEcho::new("hello")
        .unwrap()
        .with_encrypted_message("secret")
        .unwrap();
    let mut rng = rng();
    let error = wechatpay_core::Operation::request(
        &echo,
        &mut RequestContext::new(&PlatformKeys::new(), &mut rng),
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "platform_keys"),
        "{error}"
    );

    let client = client(Backend::default());
    let (_, body) = as_the_platform_reads_it(&client, &echo);
    let mut answer = platform_answer(Backend::default(), &body);
    let altered = String::from_utf8(answer.body().clone())
        .unwrap()
        .replace("hello", "hellO");
    *answer.body_mut() = altered.into_bytes();
    let error = client.parse(&echo, &answer, NOW).unwrap_err();
    assert!(error.verification().is_some(), "{error}");
}

#[test]
fn the_merchant_certificate_holds_the_public_half_of_the_merchant_key() {
    let certificate = MerchantCertificate::from_pem(MERCHANT_CERT).unwrap();
    assert_eq!(certificate.serial().as_str(), MERCHANT_SERIAL);
    // 2023-01-01 to 2034-01-01, as `openssl x509 -dates` reads them.
    assert_eq!(
        (certificate.not_before(), certificate.not_after()),
        (1_672_531_200, 2_019_686_400)
    );
    assert!(certificate.is_valid_at(NOW));
    assert!(!certificate.is_valid_at(certificate.not_before() - 1));
    assert!(!certificate.is_valid_at(certificate.not_after() + 1));
    for backend in Backend::all() {
        for pem in [MERCHANT_KEY, MERCHANT_KEY_PKCS1] {
            let key = MerchantKey::from_pem_with_backend(pem, *backend).unwrap();
            assert!(certificate.is_certificate_of(&key), "{backend:?}");
            assert_eq!(key.public_key_der(), certificate.public_key_der());
        }
        let other = MerchantKey::from_pem_with_backend(PLATFORM_KEY, *backend).unwrap();
        assert!(!certificate.is_certificate_of(&other), "{backend:?}");
    }
    // The certified key is the one `merchant_pub.pem` holds too.
    let mut keys = PlatformKeys::new();
    let from_pub = keys
        .add_public_key("PUB_KEY_ID_01", MERCHANT_PUB)
        .unwrap()
        .spki_der()
        .to_vec();
    assert_eq!(from_pub, certificate.public_key_der());
}

#[test]
fn the_merchant_serial_is_checked_against_the_certificate() {
    let certificate = MerchantCertificate::from_pem(MERCHANT_CERT).unwrap();
    certificate.check_serial(MERCHANT_SERIAL).unwrap();
    certificate
        .check_serial(&MERCHANT_SERIAL.to_ascii_lowercase())
        .unwrap();
    let error = certificate.check_serial(CERT_SERIAL).unwrap_err();
    let shown = error.to_string();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "serial_no"),
        "{shown}"
    );
    assert!(
        shown.contains(CERT_SERIAL) && shown.contains(MERCHANT_SERIAL),
        "{shown}"
    );
}

#[test]
fn a_merchant_certificate_of_the_wrong_kind_is_named() {
    for (pem, says) in [
        (MERCHANT_KEY, "PRIVATE KEY"),
        (MERCHANT_PUB, "public key"),
        ("not a pem", "not a PEM file"),
    ] {
        let error = MerchantCertificate::from_pem(pem).unwrap_err();
        let shown = error.to_string();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "merchant_certificate"),
            "{shown}"
        );
        assert!(shown.contains(says), "{says:?} missing from {shown}");
        assert!(shown.contains("apiclient_cert.pem"), "{shown}");
    }
    // Debug shows what identifies the certificate.
    let debug = format!(
        "{:?}",
        MerchantCertificate::from_pem(MERCHANT_CERT).unwrap()
    );
    assert!(debug.contains(MERCHANT_SERIAL), "{debug}");
}
