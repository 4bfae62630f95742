//! `POST /v3/security/echo` through the generic operation, with no network: the message
//! echoed, the sensitive field decrypted with the key `Wechatpay-Serial` names and encrypted
//! again to the merchant, the refusals that name their field, and the test callback asked for.

use http::Method;
use serde_json::{Value, json};
use wechatpay_core::{AnyEndpoint, ApiV3Key, EncryptedField, Event, PathBuilder};
use wechatpay_fixtures::keys;
use wechatpay_mock::endpoints::echo::{ECHO_EVENT, MAX_ECHO_MESSAGE};
use wechatpay_mock::{CallbackSignature, CertificateKey, MockKeys, PlatformMode};

mod support;

use support::{NOW, certificate_client, exchange, exchange_at, param_field, prepare, rng, setup};

fn echo(body: &Value, encrypt: bool) -> AnyEndpoint {
    let operation = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/security/echo").unwrap(),
    )
    .unwrap()
    .with_json(body)
    .unwrap();
    if encrypt {
        operation.encrypt("/encrypted_echo_message").unwrap()
    } else {
        operation
    }
}

/// The answer's `encrypted_echo_message`, decrypted with the merchant's key.
fn decrypted(client: &wechatpay_core::Client, answer: &Value) -> String {
    let field = EncryptedField::new(answer["encrypted_echo_message"].as_str().unwrap());
    client
        .credentials()
        .decrypt(&field, &mut rng())
        .unwrap()
        .expose()
        .to_owned()
}

#[test]
fn an_echo_round_trips_with_encryption_both_ways() {
    let (platform, client) = setup();
    let body =
        json!({"echo_message": "ping 回显", "encrypted_echo_message": "张三 110101199003070011"});
    let request = prepare(&client, &echo(&body, true), NOW);
    let sent: Value = serde_json::from_slice(request.body()).unwrap();
    let answer = exchange(&platform, &client, &echo(&body, true))
        .unwrap()
        .unwrap();
    assert_eq!(answer["echo_message"], "ping 回显");
    // Encrypted again, to the merchant: not the ciphertext sent.
    assert_ne!(
        answer["encrypted_echo_message"],
        sent["encrypted_echo_message"]
    );
    assert_eq!(decrypted(&client, &answer), "张三 110101199003070011");

    // Without the sensitive field, none comes back.
    let plain = exchange(
        &platform,
        &client,
        &echo(&json!({"echo_message": "x"}), false),
    )
    .unwrap()
    .unwrap();
    assert_eq!(plain, json!({"echo_message": "x"}));
}

#[test]
fn an_echo_encrypted_to_a_platform_certificate_decrypts_with_it() {
    // 2026-05-28, in the overlap of a rotation: the merchant encrypts to the newest
    // certificate it holds, and the answer is signed with it.
    let now = 1_780_000_000;
    let (platform, _) = setup();
    let platform = platform.with_mode(PlatformMode::Certificate).unwrap();
    platform
        .rotate_certificate(CertificateKey::next_fixture())
        .unwrap();
    let client = certificate_client(
        &MockKeys::fixtures(),
        &[keys::PLATFORM_CERT_PEM, keys::PLATFORM_CERT_NEXT_PEM],
    );
    let body = json!({"echo_message": "rotated", "encrypted_echo_message": "秘密"});
    let request = prepare(&client, &echo(&body, true), now);
    assert_eq!(
        request.headers()["wechatpay-serial"],
        keys::PLATFORM_CERT_NEXT_SERIAL
    );
    let response = platform.handle(&request, now, &mut rng()).response.unwrap();
    assert_eq!(
        response.headers()["wechatpay-serial"],
        keys::PLATFORM_CERT_NEXT_SERIAL
    );
    let answer = exchange_at(&platform, &client, &echo(&body, true), now)
        .unwrap()
        .unwrap();
    assert_eq!(decrypted(&client, &answer), "秘密");
}

#[test]
fn what_does_not_decrypt_or_read_is_a_param_error_naming_it() {
    let (platform, client) = setup();
    let refused = |body: Value| param_field(exchange(&platform, &client, &echo(&body, false)));
    // Sent unencrypted, or encrypted to the merchant rather than the platform.
    assert_eq!(
        refused(json!({"echo_message": "x", "encrypted_echo_message": "bm90IGEgY2lwaGVydGV4dA=="})),
        "encrypted_echo_message"
    );
    let to_merchant = platform.encrypt_for_merchant("x", &mut rng()).unwrap();
    assert_eq!(
        refused(json!({"echo_message": "x", "encrypted_echo_message": to_merchant})),
        "encrypted_echo_message"
    );
    assert_eq!(
        refused(json!({"echo_message": "x", "encrypted_echo_message": 7})),
        "encrypted_echo_message"
    );
    assert_eq!(
        refused(json!({"encrypted_echo_message": "x"})),
        "echo_message"
    );
    assert_eq!(refused(json!({"echo_message": ""})), "echo_message");
    assert_eq!(
        refused(json!({"echo_message": "长".repeat(MAX_ECHO_MESSAGE + 1)})),
        "echo_message"
    );
    assert_eq!(
        refused(json!({"echo_message": "x", "notify_url": "ftp://example.com/"})),
        "notify_url"
    );
    assert_eq!(refused(json!(["echo_message"])), "body");
    // At the bound, taken.
    let longest = json!({"echo_message": "长".repeat(MAX_ECHO_MESSAGE)});
    assert!(exchange(&platform, &client, &echo(&longest, false)).is_ok());
}

#[test]
fn an_encrypted_field_without_wechatpay_serial_names_the_header() {
    let (platform, client) = setup();
    let body = json!({"echo_message": "x", "encrypted_echo_message": "y"});
    let mut request = prepare(&client, &echo(&body, true), NOW);
    // Not part of the signed message: the signature still verifies.
    request.headers_mut().remove("wechatpay-serial");
    let response = platform.handle(&request, NOW, &mut rng()).response.unwrap();
    let answer: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        (answer["code"].as_str(), answer["detail"]["field"].as_str()),
        (Some("PARAM_ERROR"), Some("Wechatpay-Serial"))
    );
}

#[test]
fn a_notify_url_queues_a_test_callback_that_opens_at_the_merchant() {
    let (platform, client) = setup();
    let url = "http://127.0.0.1:9/echo?from=test";
    let body = json!({"echo_message": "call me", "notify_url": url});
    exchange(&platform, &client, &echo(&body, false)).unwrap();
    let queued = platform.take_echo_callbacks();
    assert_eq!(queued.len(), 1);
    assert!(platform.take_echo_callbacks().is_empty(), "taken once");
    assert_eq!(queued[0].url, url);
    assert_eq!(queued[0].event.event_type, ECHO_EVENT);

    let mut rng = rng();
    let callback = platform
        .callback_body(&queued[0].event, NOW, &mut rng)
        .unwrap();
    let request = platform
        .callback_request(&callback, url, CallbackSignature::Valid, NOW, &mut rng)
        .unwrap();
    let key = ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
    let opened = client
        .open_notification(request.headers(), request.body(), NOW, &key)
        .unwrap();
    assert_eq!(opened.event_type.as_str(), ECHO_EVENT);
    let Event::Other(resource) = opened.event else {
        panic!("{:?}", opened.event)
    };
    assert_eq!(
        resource.json::<Value>().unwrap(),
        json!({"echo_message": "call me"})
    );

    // An https:// URL is taken, as the platform takes it; the mock sends nothing there.
    let secure = json!({"echo_message": "x", "notify_url": "https://example.com/echo"});
    exchange(&platform, &client, &echo(&secure, false)).unwrap();
    assert!(platform.take_echo_callbacks().is_empty());
}
