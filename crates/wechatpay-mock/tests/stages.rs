//! The order of the platform's stages as a request meets them (routing, authentication, the
//! answer, the signature, the wire), seen from outside: which refusal wins, and where each kind
//! of fault strikes.

use http::{Request, Response};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{Client, Nonce};
use wechatpay_mock::records::seeded;
use wechatpay_mock::{Fault, MockPlatform};

mod support;

use support::{NOW, setup};

fn send(platform: &MockPlatform, client: Option<&Client>, path: &str) -> Response<Vec<u8>> {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let mut request = Request::get(format!("https://api.mch.weixin.qq.com{path}"))
        .header("accept", "application/json")
        .header("user-agent", "stages/1")
        .body(Vec::new())
        .unwrap();
    if let Some(client) = client {
        client
            .sign_request(&mut request, NOW, &Nonce::generate(&mut rng), &mut rng)
            .unwrap();
    }
    platform
        .handle(&request, NOW, &mut rng)
        .response
        .expect("an answer")
}

fn code(response: &Response<Vec<u8>>) -> (u16, String) {
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    (
        response.status().as_u16(),
        body["code"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn authentication_comes_before_the_unknown_route_and_the_parameters() {
    let (platform, client) = setup();
    for path in ["/v3/nowhere", "/v3/ecommerce/applyments/not-a-number"] {
        let unsigned = send(&platform, None, path);
        assert_eq!(code(&unsigned), (401, "SIGN_ERROR".to_owned()), "{path}");
        assert!(unsigned.headers().contains_key("wechatpay-signature"));
    }
    let unknown = send(&platform, Some(&client), "/v3/nowhere");
    assert_eq!(code(&unknown), (404, "RESOURCE_NOT_EXISTS".to_owned()));
    assert!(unknown.headers().contains_key("wechatpay-signature"));
    let invalid = send(
        &platform,
        Some(&client),
        "/v3/ecommerce/applyments/not-a-number",
    );
    assert_eq!(code(&invalid), (400, "PARAM_ERROR".to_owned()));
}

#[test]
fn the_fronts_faults_answer_before_authentication() {
    let (platform, _) = setup();
    platform.inject(Fault::TooManyRequests, 1);
    let limited = send(&platform, None, "/v3/nowhere");
    assert_eq!(code(&limited), (429, "FREQUENCY_LIMITED".to_owned()));
    assert_eq!(limited.headers()["retry-after"], "1");
    platform.inject(Fault::SystemError, 1);
    let failed = send(&platform, None, "/v3/nowhere");
    assert_eq!(code(&failed), (500, "SYSTEM_ERROR".to_owned()));
    assert!(!failed.headers().contains_key("wechatpay-signature"));
}

#[test]
fn answer_faults_change_only_a_200_and_each_endpoints_own_enum_fields() {
    let (platform, client) = setup();
    platform.inject(Fault::EmptyBody, 1);
    let refused = send(&platform, Some(&client), "/v3/nowhere");
    assert_eq!(code(&refused), (404, "RESOURCE_NOT_EXISTS".to_owned()));

    let contract = format!(
        "/v3/ecommerce/individual-contracts/out-contract-code/{}?appid={}",
        seeded::CONTRACT_AUTHORIZED,
        seeded::APPID
    );
    platform.inject(Fault::UnknownEnumValues, 1);
    let body: serde_json::Value =
        serde_json::from_slice(send(&platform, Some(&client), &contract).body()).unwrap();
    assert_eq!(body["auth_state"], "AUTHORIZING");
    assert!(body.get("applyment_state").is_none(), "{body}");

    let applyment = format!(
        "/v3/ecommerce/applyments/out-request-no/{}",
        seeded::NEED_SIGN
    );
    platform.inject(Fault::UnknownEnumValues, 1);
    let body: serde_json::Value =
        serde_json::from_slice(send(&platform, Some(&client), &applyment).body()).unwrap();
    assert_eq!(
        (&body["applyment_state"], &body["sign_state"]),
        (&"UNDER_SUPERVISION".into(), &"SIGNING".into())
    );
}

#[test]
fn wire_faults_come_after_the_signature() {
    let (platform, client) = setup();
    let path = format!(
        "/v3/ecommerce/applyments/out-request-no/{}",
        seeded::AUDITING
    );
    let intact = send(&platform, Some(&client), &path);
    platform.inject(Fault::TamperedBody, 1);
    let tampered = send(&platform, Some(&client), &path);
    // Same request, same RNG: the same signature over the body before it was changed.
    assert_eq!(
        tampered.headers()["wechatpay-signature"],
        intact.headers()["wechatpay-signature"]
    );
    assert_ne!(tampered.body(), intact.body());
    assert_eq!(tampered.body().len(), intact.body().len());
}
