//! Any endpoint without a typed model: the path as typed, the methods, fields encrypted by JSON
//! pointer (and `Wechatpay-Serial` naming their key), the verified JSON answer or no content.

mod common;

use common::{NOW, PLATFORM_KEY, PUBLIC_KEY_ID, client, rng, signed_response};
use http::Method;
use serde_json::{Value, json};
use wechatpay_core::{
    AnyEndpoint, Backend, EncryptedField, Error, Host, MerchantKey, Nonce, PathBuilder,
};

fn field_error(error: &Error) -> (&str, &str) {
    match error {
        Error::InvalidInput { field, reason } => (field, reason),
        other => panic!("not an input error: {other}"),
    }
}

fn nonce() -> Nonce {
    Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap()
}

fn endpoint(method: Method, path: &str) -> AnyEndpoint {
    AnyEndpoint::new(method, PathBuilder::parse(path).unwrap()).unwrap()
}

#[test]
fn a_typed_path_is_encoded_once_however_it_was_typed() {
    let cases = [
        ("/v3/ecommerce/applyments/1", "/v3/ecommerce/applyments/1"),
        ("/v3/ecommerce/applyments/", "/v3/ecommerce/applyments/"),
        (
            "/v3/ecommerce/applyments/out-request-no/申请 2024",
            "/v3/ecommerce/applyments/out-request-no/%E7%94%B3%E8%AF%B7%202024",
        ),
        (
            "/v3/ecommerce/applyments/out-request-no/%e7%94%b3%E8%AF%B7%202024",
            "/v3/ecommerce/applyments/out-request-no/%E7%94%B3%E8%AF%B7%202024",
        ),
        ("/v3/x/a%2Fb", "/v3/x/a%2Fb"),
        ("/v3/x/%FF", "/v3/x/%FF"),
        (
            "/v3/ecommerce/fund/balance/1900000109?account_type=BASIC",
            "/v3/ecommerce/fund/balance/1900000109?account_type=BASIC",
        ),
        (
            "/v3/x?appid=wx 1&q=a/b&plus=1+1&flag&empty=",
            "/v3/x?appid=wx%201&q=a%2Fb&plus=1%2B1&flag&empty=",
        ),
        ("/", "/"),
    ];
    for (typed, sent) in cases {
        assert_eq!(PathBuilder::parse(typed).unwrap().finish(), sent, "{typed}");
        // What is sent reads back to itself.
        assert_eq!(PathBuilder::parse(sent).unwrap().finish(), sent, "{sent}");
    }
    for (typed, reason) in [
        ("v3/x", "must start with '/'"),
        ("https://evil.example/v3/x", "must start with '/'"),
        ("//evil.example/v3", "empty segment"),
        ("/v3//x", "empty segment"),
        ("/v3/../x", "'.' or '..' segment"),
        ("/v3/%2E%2E/x", "'.' or '..' segment"),
        ("/v3/x#frag", "fragment"),
        ("/v3/x?a=1&&b=2", "empty query pair"),
        ("/v3/x?a=1&", "empty query pair"),
        ("/v3/x?=1", "without a name"),
    ] {
        let error = PathBuilder::parse(typed).unwrap_err();
        let (field, text) = field_error(&error);
        assert_eq!(field, "path_and_query");
        assert!(text.contains(reason), "{typed}: {text}");
    }
}

#[test]
fn each_method_is_signed_and_sent_as_itself() {
    let client = client(Backend::default());
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ] {
        let mut operation = endpoint(method.clone(), "/v3/x/1?a=b");
        if method != Method::GET {
            operation = operation.with_json_bytes(b"{}".to_vec()).unwrap();
        }
        let unsigned = client
            .prepare_unsigned(&operation, Host::Primary, NOW, &nonce(), &mut rng())
            .unwrap();
        let body = if method == Method::GET { "" } else { "{}" };
        let message =
            format!("{method}\n/v3/x/1?a=b\n{NOW}\n593BEC0C930BF1AFEB40B4A08C8FB242\n{body}\n");
        assert_eq!(unsigned.message(), message.as_bytes());
        let request = unsigned.sign(&mut rng()).unwrap();
        assert_eq!(request.method(), method);
        assert_eq!(request.uri(), "https://api.mch.weixin.qq.com/v3/x/1?a=b");
        assert_eq!(request.body(), body.as_bytes());
    }
    for method in [Method::HEAD, Method::OPTIONS, Method::TRACE] {
        let error = AnyEndpoint::new(method, PathBuilder::parse("/v3/x").unwrap()).unwrap_err();
        assert_eq!(field_error(&error).0, "method");
    }
    let error = endpoint(Method::GET, "/v3/x")
        .with_json(&json!({"a": 1}))
        .unwrap_err();
    assert_eq!(field_error(&error).0, "body");
}

#[test]
fn a_body_without_encrypted_fields_is_sent_byte_for_byte() {
    let body = b"{ \"z\": 1,\n  \"a\": \"\xE5\xBC\xA0\xE4\xB8\x89\", \"n\": 1.50 }".to_vec();
    let operation = endpoint(Method::POST, "/v3/x")
        .with_json_bytes(body.clone())
        .unwrap();
    let request = client(Backend::default())
        .prepare(&operation, Host::Primary, NOW, &nonce(), &mut rng())
        .unwrap();
    assert_eq!(request.body(), &body);
    assert_eq!(request.headers()["Content-Type"], "application/json");
    // Not JSON, or four-byte characters: refused before anything is signed.
    for bad in [&b"{\"a\": "[..], "{\"a\": \"🛒\"}".as_bytes()] {
        let error = endpoint(Method::POST, "/v3/x")
            .with_json_bytes(bad.to_vec())
            .unwrap_err();
        assert_eq!(field_error(&error).0, "body");
    }
}

#[test]
fn fields_named_by_pointer_are_encrypted_to_the_key_the_request_names() {
    let operation = endpoint(Method::POST, "/v3/ecommerce/applyments/")
        .with_json(&json!({
            "out_request_no": "APPLYMENT_00000000002",
            "id_card_info": {"id_card_name": "张三", "id_card_number": "110101199003070011"},
            "a/b": {"~c": "slash and tilde"},
            "contact_info": {"contact_name": "李四"},
        }))
        .unwrap()
        .encrypt("/id_card_info/id_card_name")
        .unwrap()
        .encrypt("/id_card_info/id_card_number")
        .unwrap()
        .encrypt("/a~1b/~0c")
        .unwrap();
    let request = client(Backend::default())
        .prepare(&operation, Host::Primary, NOW, &nonce(), &mut rng())
        .unwrap();
    assert_eq!(request.headers()["Wechatpay-Serial"], PUBLIC_KEY_ID);
    let sent: Value = serde_json::from_slice(request.body()).unwrap();
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    for (pointer, plaintext) in [
        ("/id_card_info/id_card_name", "张三"),
        ("/id_card_info/id_card_number", "110101199003070011"),
        ("/a~1b/~0c", "slash and tilde"),
    ] {
        let ciphertext = sent.pointer(pointer).and_then(Value::as_str).unwrap();
        assert_eq!(ciphertext.len(), 344, "{pointer}");
        let decrypted = platform
            .decrypt(&EncryptedField::new(ciphertext), &mut rng())
            .unwrap();
        assert_eq!(decrypted.expose(), plaintext, "{pointer}");
    }
    // What was not named is sent as it was.
    assert_eq!(sent["contact_info"]["contact_name"], "李四");
    assert_eq!(sent["out_request_no"], "APPLYMENT_00000000002");
    // The plaintext never shows in Debug.
    let shown = format!("{operation:?}");
    assert!(
        !shown.contains("张三") && shown.contains("/id_card_info/id_card_name"),
        "{shown}"
    );
}

#[test]
fn a_pointer_to_nothing_or_to_a_non_string_is_refused_before_signing() {
    let body =
        json!({"id_card_info": {"id_card_name": "张三", "valid": true, "n": 1, "list": ["a"]}});
    // Refused where the pointer is named, once the body is known, and when the request is
    // built, whichever came first.
    let prepare = |pointer: &str| {
        let named_after = endpoint(Method::POST, "/v3/x")
            .with_json(&body)
            .unwrap()
            .encrypt(pointer);
        let named_before = endpoint(Method::POST, "/v3/x")
            .encrypt(pointer)
            .unwrap()
            .with_json(&body)
            .unwrap();
        let built = client(Backend::default()).prepare(
            &named_before,
            Host::Primary,
            NOW,
            &nonce(),
            &mut rng(),
        );
        match (named_after, built) {
            (Ok(_), Ok(request)) => Ok(request),
            (Err(early), Err(late)) => {
                assert_eq!(early.to_string(), late.to_string());
                Err(early)
            }
            (early, late) => panic!("{pointer}: {early:?} when named, {late:?} when built"),
        }
    };
    for (pointer, reason) in [
        ("/id_card_info/id_card_number", "names no field of the body"),
        ("/missing", "names no field of the body"),
        ("/id_card_info/list/1", "names no field of the body"),
        ("/id_card_info/valid", "holds a boolean, not a string"),
        ("/id_card_info/n", "holds a number, not a string"),
        ("/id_card_info", "holds an object, not a string"),
        ("/id_card_info/list", "holds an array, not a string"),
    ] {
        let error = prepare(pointer).unwrap_err();
        let (field, text) = field_error(&error);
        assert_eq!(field, "encrypt");
        assert!(text.contains(reason), "{pointer}: {text}");
        assert!(!text.contains("张三"), "{text}");
    }
    // An element of an array is a field too.
    assert!(prepare("/id_card_info/list/0").is_ok());

    for pointer in ["id_card_info/id_card_name", ""] {
        let error = endpoint(Method::POST, "/v3/x")
            .encrypt(pointer)
            .unwrap_err();
        assert!(
            field_error(&error).1.contains("is not a JSON pointer"),
            "{error}"
        );
    }
    let error = endpoint(Method::POST, "/v3/x")
        .encrypt("/a")
        .unwrap()
        .encrypt("/a")
        .unwrap_err();
    assert!(field_error(&error).1.contains("named twice"), "{error}");

    // Fields to encrypt, and no body to find them in.
    let operation = endpoint(Method::POST, "/v3/x").encrypt("/a").unwrap();
    let error = client(Backend::default())
        .prepare(&operation, Host::Primary, NOW, &nonce(), &mut rng())
        .unwrap_err();
    assert!(field_error(&error).1.contains("has no body"), "{error}");
}

#[test]
fn the_answer_is_the_verified_json_or_no_content() {
    let client = client(Backend::default());
    let operation = endpoint(Method::GET, "/v3/ecommerce/applyments/2000002124775691");
    let body = wechatpay_fixtures::pages::APPLYMENT_STATE.as_bytes();
    let answer = client
        .parse(
            &operation,
            &signed_response(Backend::default(), 200, body),
            NOW,
        )
        .unwrap();
    let expected: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(answer, Some(expected));
    assert_eq!(
        client
            .parse(
                &operation,
                &signed_response(Backend::default(), 204, b""),
                NOW
            )
            .unwrap(),
        None
    );
    let error = client
        .parse(
            &operation,
            &signed_response(Backend::default(), 200, b"<html>"),
            NOW,
        )
        .unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error}");
    // Unsigned: never read.
    let error = client
        .parse(&operation, &common::unsigned_response(200, body), NOW)
        .unwrap_err();
    assert!(matches!(error, Error::Verification { .. }), "{error}");
    // An error answer is an API error, as for any operation.
    let refused = br#"{"code":"RESOURCE_NOT_EXISTS","message":"no such applyment"}"#;
    let error = client
        .parse(
            &operation,
            &signed_response(Backend::default(), 404, refused),
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        error.api().and_then(|a| a.code.as_deref()),
        Some("RESOURCE_NOT_EXISTS")
    );
}
