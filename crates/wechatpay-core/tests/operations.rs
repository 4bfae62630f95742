//! The seed endpoints and their siblings: validation before signing, the exact bytes sent, the
//! decoded models, and what the caller should do next.

mod common;

use common::*;
use http::Method;
use wechatpay_core::ecommerce::applyment::{
    Applyment, ApplymentState, NextStep, QueryApplymentById, QueryApplymentByOutRequestNo,
    SignState,
};
use wechatpay_core::ecommerce::contract::{
    AuthState, QueryContractByOpenid, QueryContractByOutContractCode,
};
use wechatpay_core::{Backend, Error, Host, Nonce};

fn field_of(error: Error) -> String {
    match error {
        Error::InvalidInput { field, .. } => field.into_owned(),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn out_contract_code_and_appid_are_validated() {
    QueryContractByOutContractCode::new("a", "w").unwrap();
    QueryContractByOutContractCode::new("A-z_09".repeat(22).get(..128).unwrap(), "x".repeat(32))
        .unwrap();
    for bad in [
        "",
        "APPLY MENT",
        "APPLY/1",
        "申请",
        "a.b",
        "a?b",
        "a%20",
        &"a".repeat(129),
    ] {
        let error = QueryContractByOutContractCode::new(bad, "wxd678efh567h23787").unwrap_err();
        assert_eq!(field_of(error), "out_contract_code", "{bad:?}");
    }
    for bad in ["", &"w".repeat(33), "wx\"1", "wx&x=1", "wx 1", "wx\r\n"] {
        let error = QueryContractByOutContractCode::new("APPLYMENT_1", bad).unwrap_err();
        assert_eq!(field_of(error), "appid", "{bad:?}");
        let error = QueryContractByOpenid::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", bad).unwrap_err();
        assert_eq!(field_of(error), "appid", "{bad:?}");
    }
    let error = QueryContractByOpenid::new("o/../x", "wx1").unwrap_err();
    assert_eq!(field_of(error), "openid");
}

#[test]
fn out_request_no_takes_any_character_up_to_124_and_is_encoded() {
    let cases = [
        ("APPLYMENT_00000000001", "APPLYMENT_00000000001"),
        (
            "a b/c?d#e%f+申请",
            "a%20b%2Fc%3Fd%23e%25f%2B%E7%94%B3%E8%AF%B7",
        ),
        ("~-._", "~-._"),
        ("...", "..."),
        ("'\"<>\\`{}|^", "%27%22%3C%3E%5C%60%7B%7D%7C%5E"),
        ("\r\n\0", "%0D%0A%00"),
    ];
    for (raw, encoded) in cases {
        let query = QueryApplymentByOutRequestNo::new(raw).unwrap();
        let parts = request_of(&query).unwrap();
        assert_eq!(parts.method(), Method::GET);
        assert_eq!(
            parts.path_and_query(),
            format!("/v3/ecommerce/applyments/out-request-no/{encoded}")
        );
        wechatpay_core::check_path_and_query(parts.path_and_query()).unwrap();
        assert_eq!(parts.signed_body(), b"");
    }
    QueryApplymentByOutRequestNo::new("申".repeat(124)).unwrap();
    for bad in [
        String::new(),
        "申".repeat(125),
        ".".to_owned(),
        "..".to_owned(),
    ] {
        let error = QueryApplymentByOutRequestNo::new(bad.clone()).unwrap_err();
        assert_eq!(field_of(error), "out_request_no", "{bad:?}");
    }
}

#[test]
fn the_sibling_endpoints_share_the_models() {
    assert_eq!(
        request_of(
            &QueryContractByOpenid::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wxd678efh567h23787")
                .unwrap()
        )
        .unwrap()
        .path_and_query(),
        "/v3/ecommerce/individual-contracts/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o?appid=wxd678efh567h23787&permission_type=INDIVIDUAL_PAYEE"
    );
    assert_eq!(
        request_of(&QueryApplymentById::new(2_000_002_124_775_691))
            .unwrap()
            .path_and_query(),
        "/v3/ecommerce/applyments/2000002124775691"
    );
}

#[test]
fn prepare_signs_exactly_the_bytes_it_sends() {
    for backend in Backend::all() {
        let client = client(*backend);
        let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
        let query = QueryApplymentByOutRequestNo::new("a b/c?d#e%f+申请").unwrap();
        let request = client
            .prepare(&query, Host::Primary, NOW, &nonce, &mut rng())
            .unwrap();
        let sent = request.uri().path_and_query().unwrap().as_str();
        assert_eq!(sent, request_of(&query).unwrap().path_and_query());
        assert_eq!(request.uri().host(), Some("api.mch.weixin.qq.com"));

        // Rebuild the signature from what is on the request and compare.
        let expected = client
            .credentials()
            .sign(
                &wechatpay_core::SigningInput {
                    method: &Method::GET,
                    path_and_query: sent,
                    timestamp: NOW,
                    nonce: &nonce,
                    body: b"",
                },
                &mut rng(),
            )
            .unwrap();
        let headers = request.headers();
        assert_eq!(headers["Authorization"], expected.authorization());
        assert!(headers["Authorization"].is_sensitive());
        assert_eq!(headers["Accept"], "application/json");
        assert_eq!(
            headers["User-Agent"],
            concat!("wechatpay-core/", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(headers["Wechatpay-Serial"], PUBLIC_KEY_ID);
        assert!(headers.get("Content-Type").is_none(), "a GET has no body");

        let backup = client
            .prepare(&query, Host::Backup, NOW, &nonce, &mut rng())
            .unwrap();
        assert_eq!(backup.uri().host(), Some("api2.mch.weixin.qq.com"));
        assert_eq!(
            backup.headers()["Authorization"],
            expected.authorization(),
            "the host is not signed"
        );
    }
}

#[test]
fn the_authorization_header_has_the_exact_protocol_form() {
    let client = client(Backend::default());
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    let query =
        QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787").unwrap();
    let request = client
        .prepare(&query, Host::Primary, NOW, &nonce, &mut rng())
        .unwrap();
    let value = request.headers()["Authorization"].to_str().unwrap();
    let (scheme, fields) = value.split_once(' ').unwrap();
    assert_eq!(scheme, "WECHATPAY2-SHA256-RSA2048");
    assert!(!fields.contains(' '));
    let fields: Vec<(&str, &str)> = fields
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, v.strip_prefix('"').unwrap().strip_suffix('"').unwrap())
        })
        .collect();
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        names,
        ["mchid", "nonce_str", "signature", "timestamp", "serial_no"]
    );
    assert_eq!(fields[0].1, MCHID);
    assert_eq!(fields[1].1, nonce.as_str());
    assert_eq!(fields[3].1, NOW.to_string());
    assert_eq!(fields[4].1, MERCHANT_SERIAL);
}

#[test]
fn user_agent_names_the_adapter_and_can_be_replaced() {
    let client = client(Backend::default())
        .with_user_agent_product("wechatpay-hyper/0.1.0")
        .unwrap();
    assert_eq!(
        client.user_agent(),
        concat!(
            "wechatpay-hyper/0.1.0 wechatpay-core/",
            env!("CARGO_PKG_VERSION")
        )
    );
    let client = client.with_user_agent("acme-platform/2.3").unwrap();
    let query = QueryApplymentById::new(1);
    let request = client
        .prepare(
            &query,
            Host::Primary,
            NOW,
            &Nonce::new("n").unwrap(),
            &mut rng(),
        )
        .unwrap();
    assert_eq!(request.headers()["User-Agent"], "acme-platform/2.3");
    for bad in ["", "   ", "agent\r\nX-Injected: 1", "agent\u{7f}", "代理"] {
        let error = client::client(Backend::default())
            .with_user_agent(bad)
            .unwrap_err();
        assert_eq!(field_of(error), "user_agent", "{bad:?}");
    }
}

mod client {
    pub use super::common::client;
}

#[test]
fn base_urls_are_scheme_and_host_only() {
    let client = client(Backend::default())
        .with_base_url("http://127.0.0.1:8080")
        .unwrap()
        .with_backup_url(None)
        .unwrap();
    assert_eq!(client.base_url(Host::Primary), "http://127.0.0.1:8080");
    assert_eq!(
        client.base_url(Host::Backup),
        "http://127.0.0.1:8080",
        "no backup: stay on the primary"
    );
    for bad in [
        "",
        "api.mch.weixin.qq.com",
        "ftp://x",
        "https://x/prefix",
        "https://x/?a=1",
        "https://u:p@x",
    ] {
        let error = common::client(Backend::default())
            .with_base_url(bad)
            .unwrap_err();
        assert_eq!(field_of(error), "base_url", "{bad:?}");
    }
    let error = common::client(Backend::default())
        .with_backup_url(Some("https://x/v3"))
        .unwrap_err();
    assert_eq!(field_of(error), "backup_url");
}

#[test]
fn sign_request_refuses_paths_a_client_would_rewrite() {
    let client = client(Backend::default());
    let nonce = Nonce::new("abc").unwrap();
    for bad in [
        "https://api.mch.weixin.qq.com/v3/a/../b",
        "https://api.mch.weixin.qq.com/v3/a/%2e%2E/b",
        "https://api.mch.weixin.qq.com/v3/./b",
        "https://api.mch.weixin.qq.com/v3/a?x='1'",
        "https://api.mch.weixin.qq.com/v3/a%zz",
        "https://api.mch.weixin.qq.com/v3/a%2",
        "https://api.mch.weixin.qq.com/v3/{a}",
    ] {
        let mut request = http::Request::get(bad).body(Vec::new()).unwrap();
        let result = client.sign_request(&mut request, NOW, &nonce, &mut rng());
        let error = result.err().unwrap_or_else(|| panic!("{bad} was signed"));
        assert_eq!(field_of(error), "path_and_query", "{bad}");
        assert!(request.headers().get("Authorization").is_none());
    }
}

#[test]
fn a_body_gets_content_type_and_keeps_the_callers_headers() {
    let client = client(Backend::default());
    let mut request = http::Request::post("https://api.mch.weixin.qq.com/v3/ecommerce/applyments/")
        .header("Wechatpay-Serial", CERT_SERIAL)
        .body(br#"{"out_request_no":"APPLYMENT_00000000002"}"#.to_vec())
        .unwrap();
    client
        .sign_request(&mut request, NOW, &Nonce::new("abc").unwrap(), &mut rng())
        .unwrap();
    assert_eq!(request.headers()["Content-Type"], "application/json");
    assert_eq!(request.headers()["Wechatpay-Serial"], CERT_SERIAL);
}

#[test]
fn request_bodies_refuse_four_byte_characters() {
    let error = wechatpay_core::RequestParts::json(
        Method::POST,
        "/v3/x",
        &serde_json::json!({"name": "shop 🛒"}),
    )
    .unwrap_err();
    assert_eq!(field_of(error), "body");
    let parts = wechatpay_core::RequestParts::json(
        Method::POST,
        "/v3/x",
        &serde_json::json!({"name": "腾讯"}),
    )
    .unwrap();
    assert_eq!(parts.signed_body(), r#"{"name":"腾讯"}"#.as_bytes());
}

fn parse_applyment(body: &str) -> Applyment {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    client
        .parse(
            &query,
            &signed_response(Backend::default(), 200, body.as_bytes()),
            NOW,
        )
        .unwrap()
}

#[test]
fn the_page_example_applyment_decodes_completely() {
    let applyment = parse_applyment(APPLYMENT_EXAMPLE);
    assert_eq!(applyment.applyment_state, ApplymentState::Finish);
    assert_eq!(applyment.applyment_state_desc, "审核中");
    assert_eq!(applyment.sub_mchid.as_deref(), Some("1542488631"));
    assert_eq!(applyment.applyment_id, 2_000_002_124_775_691);
    assert_eq!(applyment.sign_state, Some(SignState::Signed));
    assert_eq!(applyment.out_request_no, "APPLYMENT_00000000001");
    assert!(
        applyment
            .sign_url
            .as_deref()
            .unwrap()
            .starts_with("https://pay.weixin.qq.com/")
    );
    assert!(applyment.legal_validation_url.is_some());
    let validation = applyment.account_validation.as_ref().unwrap();
    assert_eq!(validation.pay_amount, 124);
    assert_eq!(validation.pay_amount_yuan(), "1.24");
    assert_eq!(
        validation.destination_account_name,
        "财付通支付科技有限公司"
    );
    assert_eq!(validation.deadline, "2018-12-10 17:09:01");
    assert_eq!(
        validation.deadline_at().unwrap().unix_timestamp(),
        1_544_432_941
    );
    assert_eq!(validation.account_name.as_str().len(), 344);
    assert_eq!(applyment.audit_detail.len(), 1);
    assert_eq!(applyment.audit_detail[0].param_name, "id_card_copy");
    assert_eq!(
        applyment.next_step(),
        NextStep::Done {
            sub_mchid: Some("1542488631")
        }
    );
    assert!(applyment.applyment_state.is_final());
}

#[test]
fn applyment_ids_beyond_2_pow_53_are_exact() {
    let body = r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"X","applyment_id":18446744073709551615}"#;
    assert_eq!(parse_applyment(body).applyment_id, u64::MAX);
    let body = r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"X","applyment_id":9007199254740993}"#;
    assert_eq!(parse_applyment(body).applyment_id, 9_007_199_254_740_993);
}

#[test]
fn unknown_states_and_fields_never_fail_a_response() {
    let body = r#"{"applyment_state":"UNDER_SUPERVISION","applyment_state_desc":"新状态","out_request_no":"X","applyment_id":1,"sign_state":"SIGNING","brand_new_field":{"nested":[1,2]}}"#;
    let applyment = parse_applyment(body);
    assert_eq!(
        applyment.applyment_state,
        ApplymentState::Unknown("UNDER_SUPERVISION".to_owned())
    );
    assert_eq!(applyment.applyment_state.as_str(), "UNDER_SUPERVISION");
    assert_eq!(
        applyment.sign_state,
        Some(SignState::Unknown("SIGNING".to_owned()))
    );
    assert_eq!(
        applyment.next_step(),
        NextStep::Unrecognized {
            state: "UNDER_SUPERVISION"
        }
    );
    assert!(!applyment.applyment_state.is_pending() && !applyment.applyment_state.is_final());
}

#[test]
fn every_state_maps_to_its_next_step() {
    let cases = [
        ("CHECKING", true, false),
        ("AUDITING", true, false),
        ("ACCOUNT_NEED_VERIFY", false, false),
        ("REJECTED", false, false),
        ("NEED_SIGN", false, false),
        ("FINISH", false, true),
        ("FROZEN", false, false),
        ("CANCELED", false, true),
    ];
    for (state, pending, is_final) in cases {
        let body = format!(
            r#"{{"applyment_state":"{state}","applyment_state_desc":"d","out_request_no":"X","applyment_id":1,
                "sign_url":"https://sign","sub_mchid":"1542488631","legal_validation_url":"https://legal",
                "audit_detail":[{{"param_name":"id_card_copy","reject_reason":"模糊"}}]}}"#
        );
        let applyment = parse_applyment(&body);
        assert_eq!(applyment.applyment_state.as_str(), state);
        assert_eq!(applyment.applyment_state.to_string(), state);
        assert_eq!(applyment.applyment_state.is_pending(), pending, "{state}");
        assert_eq!(applyment.applyment_state.is_final(), is_final, "{state}");
        let step = applyment.next_step();
        let expected = match state {
            "CHECKING" | "AUDITING" => NextStep::KeepPolling,
            "ACCOUNT_NEED_VERIFY" => NextStep::VerifyAccount {
                remittance: None,
                legal_validation_url: Some("https://legal"),
            },
            "REJECTED" => NextStep::FixRejected {
                items: &applyment.audit_detail,
            },
            "NEED_SIGN" => NextStep::Sign {
                sign_url: Some("https://sign"),
            },
            "FINISH" => NextStep::Done {
                sub_mchid: Some("1542488631"),
            },
            "FROZEN" => NextStep::Frozen {
                items: &applyment.audit_detail,
            },
            "CANCELED" => NextStep::Canceled,
            _ => unreachable!(),
        };
        assert_eq!(step, expected, "{state}");
    }
}

#[test]
fn the_page_example_contract_round_trips_its_tab_escape() {
    let client = client(Backend::default());
    let query =
        QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787").unwrap();
    let response = signed_response(Backend::default(), 200, CONTRACT_EXAMPLE.as_bytes());
    let contract = client.parse(&query, &response, NOW).unwrap();
    assert_eq!(
        contract.individual_openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t")
    );
    assert_eq!(contract.individual_auth_id.as_deref(), Some("1900000109"));
    assert_eq!(contract.auth_state, AuthState::Authorized);
    assert!(contract.is_authorized());
    assert_eq!(
        contract.signed_at().unwrap().unix_timestamp(),
        1_528_425_296
    );
    assert_eq!(contract.real_name_auth_result, None);
}

#[test]
fn the_real_name_access_token_is_redacted() {
    let body = r#"{"signed_time":"2018-06-08T10:34:56+08:00","auth_state":"UNAUTHORIZED",
        "real_name_auth_result":{"scope":"pay_realname","access_token":"TOKEN-SECRET-123","access_token_expire_time":"2018-06-08T12:34:56+08:00"}}"#;
    let client = client(Backend::default());
    let query =
        QueryContractByOpenid::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wxd678efh567h23787").unwrap();
    let contract = client
        .parse(
            &query,
            &signed_response(Backend::default(), 200, body.as_bytes()),
            NOW,
        )
        .unwrap();
    let result = contract.real_name_auth_result.as_ref().unwrap();
    assert_eq!(result.scope.as_deref(), Some("pay_realname"));
    assert_eq!(
        result.access_token.as_ref().unwrap().expose(),
        "TOKEN-SECRET-123"
    );
    let debug = format!("{contract:?}");
    assert!(!debug.contains("TOKEN-SECRET"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert_eq!(contract.auth_state, AuthState::Unauthorized);
}

#[test]
fn a_body_that_is_not_the_documented_shape_is_a_decode_error_with_the_raw_body() {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    for body in [
        "",
        "not json",
        r#"{"applyment_state":"FINISH"}"#,
        r#"{"applyment_state":1,"applyment_state_desc":"d","out_request_no":"X","applyment_id":1}"#,
        r#"{"applyment_state":"FINISH","applyment_state_desc":"d","out_request_no":"X","applyment_id":1.5}"#,
    ] {
        let response = signed_response(Backend::default(), 200, body.as_bytes());
        match client.parse(&query, &response, NOW).unwrap_err() {
            Error::Decode(decode) => {
                assert_eq!(decode.body, body.as_bytes());
                assert_eq!(decode.request_id.as_deref(), Some("08F4C1A2B30610A7051A0B"));
                assert!(decode.target.ends_with("Applyment"), "{}", decode.target);
            }
            other => panic!("{body:?}: {other:?}"),
        }
    }
    // A long body is shortened in the message, never dumped whole.
    let long = format!("{{\"x\":\"{}\"}}", "y".repeat(10_000));
    let error = client
        .parse(
            &query,
            &signed_response(Backend::default(), 200, long.as_bytes()),
            NOW,
        )
        .unwrap_err();
    assert!(error.to_string().len() < 600, "{}", error.to_string().len());
}

#[test]
fn one_client_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<wechatpay_core::Client>();
    shareable::<wechatpay_core::Error>();
    let client = std::sync::Arc::new(client(Backend::default()));
    let query = QueryApplymentById::new(7);
    let signatures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let client = client.clone();
                scope.spawn(move || {
                    let nonce = Nonce::new("sharedNonce").unwrap();
                    let request = client
                        .prepare(&query, Host::Primary, NOW, &nonce, &mut rng())
                        .unwrap();
                    request.headers()["Authorization"]
                        .to_str()
                        .unwrap()
                        .to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(signatures[0], signatures[1]);
}

#[test]
fn a_decode_error_never_prints_an_access_token() {
    let client = client(Backend::default());
    let query =
        QueryContractByOpenid::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wxd678efh567h23787").unwrap();
    for body in [
        // auth_state missing: valid JSON that does not decode.
        r#"{"signed_time":"2018-06-08T10:34:56+08:00","real_name_auth_result":{"access_token":"TOKEN-SECRET-123"}}"#,
        // Not JSON at all.
        r#"{"signed_time":"x","real_name_auth_result":{"access_token":"TOKEN-SECRET-123""#,
    ] {
        let error = client
            .parse(
                &query,
                &signed_response(Backend::default(), 200, body.as_bytes()),
                NOW,
            )
            .unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, Error::Decode(_)), "{message}");
        assert!(!message.contains("TOKEN-SECRET"), "{message}");
        let debug = format!("{error:?}");
        assert!(!debug.contains("TOKEN-SECRET"), "{debug}");
        assert!(
            debug.contains("<redacted>") || debug.contains("<not shown"),
            "{debug}"
        );
        // The raw body stays available to code that asks for it explicitly.
        if let Error::Decode(decode) = error {
            assert_eq!(decode.body, body.as_bytes());
        }
    }
}
