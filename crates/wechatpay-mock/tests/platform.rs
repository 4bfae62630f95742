//! The mock platform, driven by the real core with no network: what it accepts, what it
//! refuses, and every fault.

use std::time::Duration;

use http::Request;
use wechatpay_core::ecommerce::applyment::{
    ApplymentState, NextStep, QueryApplymentById, QueryApplymentByOutRequestNo,
};
use wechatpay_core::ecommerce::contract::{
    AuthState, QueryContractByOpenid, QueryContractByOutContractCode,
};
use wechatpay_core::{Authentication, Error, Host, Nonce, VerificationError};
use wechatpay_mock::records::{ApplymentRecord, seeded};
use wechatpay_mock::{Fault, MockKeys};

mod support;

use support::{NOW, api_code, exchange, rng, setup};

#[test]
fn every_seeded_applyment_decodes_in_its_state() {
    let (platform, client) = setup();
    let expected = [
        "CHECKING",
        "ACCOUNT_NEED_VERIFY",
        "AUDITING",
        "REJECTED",
        "NEED_SIGN",
        "FINISH",
        "FROZEN",
        "CANCELED",
    ];
    for (out_request_no, state) in seeded::ALL.iter().zip(expected) {
        let query = QueryApplymentByOutRequestNo::new(*out_request_no).unwrap();
        let applyment = exchange(&platform, &client, &query).unwrap();
        assert_eq!(applyment.applyment_state.as_str(), state);
        assert_eq!(applyment.out_request_no, *out_request_no);
        let by_id = exchange(
            &platform,
            &client,
            &QueryApplymentById::new(applyment.applyment_id),
        )
        .unwrap();
        assert_eq!(by_id, applyment);
    }
    let checking = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap(),
    )
    .unwrap();
    assert_eq!(checking.applyment_id, 9_007_199_254_740_993);
    let rejected = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::REJECTED).unwrap(),
    )
    .unwrap();
    assert_eq!(
        rejected.audit_detail[1].reject_reason,
        "商户简称与经营内容不符"
    );
}

#[test]
fn the_account_fields_decrypt_with_the_merchant_key() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new(seeded::ACCOUNT_NEED_VERIFY).unwrap();
    let applyment = exchange(&platform, &client, &query).unwrap();
    let NextStep::VerifyAccount {
        remittance: Some(remit),
        legal_validation_url: Some(_),
    } = applyment.next_step()
    else {
        panic!("{:?}", applyment.next_step())
    };
    let name = client
        .credentials()
        .decrypt(&remit.account_name, &mut rng())
        .unwrap();
    let number = client
        .credentials()
        .decrypt(remit.account_no.as_ref().unwrap(), &mut rng())
        .unwrap();
    assert_eq!(
        (name.expose(), number.expose()),
        ("张三", "6214830000001234")
    );
}

#[test]
fn the_page_example_is_served_byte_for_byte() {
    let (platform, client) = setup();
    let mut rng = rng();
    let query = QueryApplymentByOutRequestNo::new(seeded::FINISH).unwrap();
    let request = client
        .prepare(
            &query,
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    let response = platform.handle(&request, NOW, &mut rng).response.unwrap();
    assert_eq!(
        response.body(),
        wechatpay_mock::records::PAGE_EXAMPLE_APPLYMENT.as_bytes()
    );
}

#[test]
fn contracts_answer_by_code_and_by_openid() {
    let (platform, client) = setup();
    let query =
        QueryContractByOutContractCode::new(seeded::CONTRACT_AUTHORIZED, seeded::APPID).unwrap();
    let contract = exchange(&platform, &client, &query).unwrap();
    assert_eq!(contract.auth_state, AuthState::Authorized);
    assert_eq!(
        contract.individual_openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t")
    );
    let query =
        QueryContractByOutContractCode::new(seeded::CONTRACT_UNAUTHORIZED, seeded::APPID).unwrap();
    assert_eq!(
        exchange(&platform, &client, &query).unwrap().auth_state,
        AuthState::Unauthorized
    );
    let query = QueryContractByOpenid::new(seeded::OPENID, seeded::APPID).unwrap();
    assert_eq!(
        exchange(&platform, &client, &query).unwrap().auth_state,
        AuthState::Authorized
    );
    let wrong_app =
        QueryContractByOutContractCode::new(seeded::CONTRACT_AUTHORIZED, "wx0000000000000000")
            .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &wrong_app)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn unknown_records_are_404_and_added_records_are_served() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new("NEW_ONE").unwrap();
    let error = exchange(&platform, &client, &query).unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(
        (api.status.as_u16(), api.code.as_deref()),
        (404, Some("RESOURCE_NOT_EXISTS"))
    );
    assert!(
        matches!(api.authentication, Authentication::Verified { .. }),
        "error answers are signed"
    );
    assert!(api.request_id.is_some());
    platform.add_applyment(
        ApplymentRecord::from_body(
            r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"NEW_ONE","applyment_id":5}"#,
        )
        .unwrap(),
    );
    assert_eq!(
        exchange(&platform, &client, &query)
            .unwrap()
            .applyment_state,
        ApplymentState::Auditing
    );
}

/// Builds a signed request, lets `tweak` spoil it, and returns the platform's answer.
fn tweaked(tweak: impl FnOnce(&mut Request<Vec<u8>>)) -> (u16, serde_json::Value) {
    let (platform, client) = setup();
    let mut rng = rng();
    let query = QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap();
    let mut request = client
        .prepare(
            &query,
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    tweak(&mut request);
    let response = platform.handle(&request, NOW, &mut rng).response.unwrap();
    (
        response.status().as_u16(),
        serde_json::from_slice(response.body()).unwrap(),
    )
}

#[test]
fn requests_are_checked_as_the_platform_checks_them() {
    let (status, body) = tweaked(|_| {});
    assert_eq!(
        (status, body["applyment_state"].as_str()),
        (200, Some("AUDITING"))
    );

    let (status, body) = tweaked(|r| {
        r.headers_mut().remove("accept");
    });
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );
    let (status, body) = tweaked(|r| {
        r.headers_mut().remove("user-agent");
    });
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_REQUEST"))
    );

    let authorization =
        |r: &Request<Vec<u8>>| r.headers()["authorization"].to_str().unwrap().to_owned();
    let set = |r: &mut Request<Vec<u8>>, value: String| {
        r.headers_mut()
            .insert("authorization", value.parse().unwrap());
    };
    type Spoil = Box<dyn Fn(&mut Request<Vec<u8>>)>;
    let refusals: Vec<(Spoil, &str)> = vec![
        (
            Box::new(|r| {
                r.headers_mut().remove("authorization");
            }),
            "missing",
        ),
        (
            Box::new(move |r| {
                let v = authorization(r).replacen(' ', "  ", 1);
                set(r, v)
            }),
            "one space",
        ),
        (
            Box::new(move |r| {
                let v = authorization(r).replace(",nonce_str", ", nonce_str");
                set(r, v)
            }),
            "key=\\\"value\\\"",
        ),
        (
            Box::new(move |r| {
                let v = authorization(r).replace("mchid=\"1900000001\"", "mchid=\"1900000002\"");
                set(r, v)
            }),
            "unknown mchid",
        ),
        (
            Box::new(move |r| {
                let v = authorization(r).replace("serial_no=\"3775", "serial_no=\"4775");
                set(r, v)
            }),
            "serial_no",
        ),
        (
            Box::new(move |r| {
                let v = authorization(r).replace(
                    &format!("timestamp=\"{NOW}\""),
                    &format!("timestamp=\"{}\"", NOW - 301),
                );
                set(r, v)
            }),
            "5 minutes",
        ),
        (
            Box::new(|r| {
                *r.uri_mut() = "http://x/v3/ecommerce/applyments/out-request-no/APPLYMENT_REJECTED"
                    .parse()
                    .unwrap()
            }),
            "sign not match",
        ),
        (
            Box::new(|r| r.body_mut().extend_from_slice(b"{}")),
            "sign not match",
        ),
    ];
    for (spoil, reason) in refusals {
        let (status, body) = tweaked(spoil);
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("SIGN_ERROR")),
            "{reason}"
        );
        assert!(
            body["detail"].to_string().contains(reason),
            "{reason}: {body}"
        );
    }
    // A signature mismatch shows the platform's view of the signed message.
    let (_, body) = tweaked(|r| r.body_mut().extend_from_slice(b"{}"));
    let information = &body["detail"]["sign_information"];
    assert_eq!(
        information["url"],
        "/v3/ecommerce/applyments/out-request-no/APPLYMENT_AUDITING"
    );
    assert!(
        information["truncated_sign_message"]
            .as_str()
            .unwrap()
            .ends_with("\n{}\n")
    );
}

#[test]
fn invalid_parameters_are_param_errors_naming_the_field() {
    let (platform, client) = setup();
    let mut rng = rng();
    for (uri, field) in [
        (
            "/v3/ecommerce/individual-contracts/out-contract-code/bad%20code?appid=wx1",
            "out_contract_code",
        ),
        (
            "/v3/ecommerce/individual-contracts/out-contract-code/CODE",
            "appid",
        ),
        (
            "/v3/ecommerce/individual-contracts/openid1?appid=wx1",
            "permission_type",
        ),
        (
            "/v3/ecommerce/applyments/out-request-no/%FF",
            "out_request_no",
        ),
        ("/v3/ecommerce/applyments/12x", "applyment_id"),
    ] {
        let mut request = Request::get(format!("https://api.mch.weixin.qq.com{uri}"))
            .body(Vec::new())
            .unwrap();
        client
            .sign_request(&mut request, NOW, &Nonce::generate(&mut rng), &mut rng)
            .unwrap();
        let response = platform.handle(&request, NOW, &mut rng).response.unwrap();
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            (response.status().as_u16(), body["code"].as_str()),
            (400, Some("PARAM_ERROR")),
            "{uri}"
        );
        assert_eq!(body["detail"]["field"], field, "{uri}");
    }
}

#[test]
fn every_fault_gives_its_error_kind() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap();
    let verification = |fault: Fault| {
        platform.inject(fault.clone(), 1);
        match exchange(&platform, &client, &query) {
            Err(Error::Verification { kind, request_id }) => {
                assert!(request_id.is_some(), "{fault:?}");
                kind
            }
            other => panic!("{fault:?}: {other:?}"),
        }
    };
    assert!(matches!(
        verification(Fault::TamperedBody),
        VerificationError::BadSignature { .. }
    ));
    assert!(matches!(
        verification(Fault::WrongSigningKey),
        VerificationError::BadSignature { .. }
    ));
    assert_eq!(
        verification(Fault::SignatureProbe),
        VerificationError::SignatureProbe
    );
    assert!(matches!(
        verification(Fault::StaleTimestamp),
        VerificationError::ClockSkew { .. }
    ));
    assert!(matches!(
        verification(Fault::FutureTimestamp),
        VerificationError::ClockSkew { .. }
    ));
    assert!(matches!(
        verification(Fault::MissingSignatureHeaders),
        VerificationError::MissingHeader { .. }
    ));
    assert!(matches!(
        verification(Fault::UnknownSerial),
        VerificationError::UnknownSerial { .. }
    ));

    for (fault, status, code, retryable) in [
        (Fault::SystemError, 500, "SYSTEM_ERROR", true),
        (Fault::RateLimited, 500, "RATELIMIT_EXCEEDED", true),
        (Fault::TooManyRequests, 429, "FREQUENCY_LIMITED", true),
    ] {
        platform.inject(fault, 1);
        let error = exchange(&platform, &client, &query).unwrap_err();
        assert_eq!(error.is_retryable(), retryable);
        assert_eq!(api_code(Err::<(), _>(error)), (status, code.to_owned()));
    }
    for fault in [Fault::InvalidJson, Fault::EmptyBody] {
        platform.inject(fault.clone(), 1);
        assert!(
            matches!(exchange(&platform, &client, &query), Err(Error::Decode(_))),
            "{fault:?}"
        );
    }
    platform.inject(Fault::UnknownEnumValues, 1);
    let applyment = exchange(&platform, &client, &query).unwrap();
    assert_eq!(
        applyment.applyment_state,
        ApplymentState::Unknown("UNDER_SUPERVISION".to_owned())
    );
    platform.inject(Fault::ExtraFields, 1);
    assert_eq!(
        exchange(&platform, &client, &query)
            .unwrap()
            .applyment_state,
        ApplymentState::Auditing
    );
    platform.inject(Fault::OversizeBody(2 * 1024 * 1024), 1);
    assert_eq!(
        exchange(&platform, &client, &query)
            .unwrap()
            .applyment_state,
        ApplymentState::Auditing
    );

    let mut rng = rng();
    let request = client
        .prepare(
            &query,
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    platform.inject(Fault::DropConnection, 1);
    assert!(platform.handle(&request, NOW, &mut rng).response.is_none());
    platform.inject(Fault::Slow(Duration::from_secs(3)), 1);
    assert_eq!(
        platform.handle(&request, NOW, &mut rng).delay,
        Duration::from_secs(3)
    );
}

#[test]
fn fail_n_times_then_succeed_and_the_log_counts_attempts() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap();
    platform.inject(Fault::SystemError, 2);
    assert!(exchange(&platform, &client, &query).is_err());
    assert!(exchange(&platform, &client, &query).is_err());
    assert!(exchange(&platform, &client, &query).is_ok());
    let seen = platform.requests();
    assert_eq!(
        seen.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(500), Some(500), Some(200)]
    );
    assert_eq!(seen[0].fault, Some(Fault::SystemError));
    assert_eq!(
        seen[0].path_and_query,
        "/v3/ecommerce/applyments/out-request-no/APPLYMENT_AUDITING"
    );
    platform.clear_requests();
    assert!(platform.requests().is_empty());
}

#[test]
fn a_request_naming_the_certificate_is_answered_with_the_certificate_key() {
    let (platform, client) = setup();
    let mut rng = rng();
    let query = QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap();
    let mut request = client
        .prepare(
            &query,
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    let certificate_serial = MockKeys::fixtures().certificate.unwrap().serial;
    request
        .headers_mut()
        .insert("wechatpay-serial", certificate_serial.parse().unwrap());
    let response = platform.handle(&request, NOW, &mut rng).response.unwrap();
    assert_eq!(
        response.headers()["wechatpay-serial"],
        certificate_serial.as_str()
    );
    client.parse(&query, &response, NOW).unwrap();
}
