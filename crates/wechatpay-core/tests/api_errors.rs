//! Error answers: everything support asks for is kept, and retryability is decided once.

mod common;

use std::time::Duration;

use common::*;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{ApiError, Backend, Error};

fn api_error(response: http::Response<Vec<u8>>) -> (Error, ApiError) {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    let error = client.parse(&query, &response, NOW).unwrap_err();
    let api = error
        .api()
        .cloned()
        .unwrap_or_else(|| panic!("expected an API error, got {error:?}"));
    (error, api)
}

const SIGN_ERROR: &str = r#"{"code":"SIGN_ERROR","message":"签名错误","detail":{"detail":{"issue":"sign not match"},"field":"signature","location":"authorization","sign_information":{"method":"GET","sign_message_length":70,"truncated_sign_message":"GET\n/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001\n1700000000\nabc\n\n","url":"/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001"}}}"#;

#[test]
fn sign_error_keeps_the_servers_view_of_the_signed_message() {
    let (error, api) = api_error(signed_response(
        Backend::default(),
        401,
        SIGN_ERROR.as_bytes(),
    ));
    assert_eq!(api.status, 401);
    assert_eq!(api.code.as_deref(), Some("SIGN_ERROR"));
    assert_eq!(api.message.as_deref(), Some("签名错误"));
    assert_eq!(api.request_id.as_deref(), Some("08F4C1A2B30610A7051A0B"));
    assert_eq!(error.request_id(), Some("08F4C1A2B30610A7051A0B"));
    let info = api.sign_information().unwrap();
    assert_eq!(info["sign_message_length"], 70);
    assert_eq!(api.body, SIGN_ERROR.as_bytes());
    let message = error.to_string();
    assert!(
        message.starts_with("HTTP 401 SIGN_ERROR: 签名错误 (Request-ID 08F4C1A2B30610A7051A0B)"),
        "{message}"
    );
    assert!(message.contains("truncated_sign_message"), "{message}");
    assert!(!error.is_retryable());
}

#[test]
fn param_error_keeps_its_detail() {
    let body = r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"out_request_no","location":"path"}}"#;
    let (error, api) = api_error(signed_response(Backend::default(), 400, body.as_bytes()));
    assert_eq!(api.detail.as_ref().unwrap()["field"], "out_request_no");
    assert!(api.sign_information().is_none());
    assert!(
        error.to_string().contains("\"field\":\"out_request_no\""),
        "{error}"
    );
}

#[test]
fn retryability_follows_the_platform_codes() {
    let cases: [(u16, &str, bool); 11] = [
        (500, r#"{"code":"SYSTEM_ERROR","message":"系统异常"}"#, true),
        (
            500,
            r#"{"code":"RATELIMIT_EXCEEDED","message":"频率超限"}"#,
            true,
        ),
        (
            429,
            r#"{"code":"FREQUENCY_LIMITED","message":"频率超限"}"#,
            true,
        ),
        (429, "", true),
        (502, "<html>Bad Gateway</html>", true),
        (503, "", true),
        (500, r#"{"code":"SOMETHING_FINAL","message":"x"}"#, false),
        (400, r#"{"code":"PARAM_ERROR","message":"参数错误"}"#, false),
        (
            400,
            r#"{"code":"RESOURCE_ALREADY_EXISTS","message":"存在流程进行中的申请单"}"#,
            false,
        ),
        (403, r#"{"code":"NO_AUTH","message":"商户权限异常"}"#, false),
        (
            404,
            r#"{"code":"RESOURCE_NOT_EXISTS","message":"申请单不存在"}"#,
            false,
        ),
    ];
    for (status, body, retryable) in cases {
        let (error, api) = api_error(unsigned_response(status, body.as_bytes()));
        assert_eq!(error.is_retryable(), retryable, "{status} {body}");
        assert_eq!(api.is_retryable(), retryable);
    }
}

#[test]
fn a_gateway_page_is_kept_and_shortened() {
    let page = format!("<html>{}</html>", "Bad Gateway ".repeat(100));
    let (error, api) = api_error(unsigned_response(502, page.as_bytes()));
    assert_eq!(api.code, None);
    assert_eq!(api.body, page.as_bytes());
    let message = error.to_string();
    assert!(
        message.contains("[unsigned]") && message.contains("body: \"<html>"),
        "{message}"
    );
    assert!(message.len() < 400, "{message}");
}

#[test]
fn retry_after_is_read_in_seconds() {
    let mut response = unsigned_response(429, b"");
    response
        .headers_mut()
        .insert("Retry-After", "7".parse().unwrap());
    let (_, api) = api_error(response);
    assert_eq!(api.retry_after, Some(Duration::from_secs(7)));
    assert!(api.is_rate_limited());
    let mut response = unsigned_response(429, b"");
    response.headers_mut().insert(
        "Retry-After",
        "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
    );
    assert_eq!(api_error(response).1.retry_after, None);
}
