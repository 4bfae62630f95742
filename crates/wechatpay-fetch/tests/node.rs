//! The adapter under Node, against the mock platform over real loopback HTTP.
//!
//! Run with `cargo test -p wechatpay-fetch --target wasm32-unknown-unknown`: Cargo's runner
//! for that target (`tests/with-mock.sh`, named in `.cargo/config.toml`) starts
//! `wechatpay mock --backup --control`, passes its two URLs in `WECHATPAY_MOCK_URL` and
//! `WECHATPAY_MOCK_BACKUP_URL` (and a loopback URL nothing listens on in
//! `WECHATPAY_CLOSED_URL`), and runs `wasm-bindgen-test-runner` under Node. Faults are
//! injected and attempts counted through the mock's control routes. wasm-bindgen-test runs
//! one test at a time, so each test starts by clearing the platform's faults and log.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::contract::{AuthState, QueryContractByOutContractCode};
use wechatpay_core::{
    Client, MerchantCredentials, PlatformKeys, RetryPolicy, TransportCause, VerificationError,
};
use wechatpay_fetch::{Error, FetchClient, JsRandom};

const MCHID: &str = wechatpay_fixtures::keys::MCHID;
const MERCHANT_SERIAL: &str = wechatpay_fixtures::keys::MERCHANT_SERIAL;
const PLATFORM_KEY_ID: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID;
const MERCHANT_KEY: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
const PLATFORM_PUB: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;

/// The mock's seeded records (`wechatpay_mock::records::seeded`, which does not build for wasm).
const CHECKING: &str = "商户申请/2024 #1?";
const ACCOUNT_NEED_VERIFY: &str = "APPLYMENT_ACCOUNT_NEED_VERIFY";
const NEED_SIGN: &str = "APPLYMENT_NEED_SIGN";
const APPID: &str = "wxd678efh567h23787";
const CONTRACT_AUTHORIZED: &str = "APPLYMENT_00000000001";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn plain_fetch(url: &str, init: &JsValue) -> Promise;
}

fn env(name: &str) -> String {
    let value = Reflect::get(&js_sys::global(), &"process".into())
        .and_then(|process| Reflect::get(&process, &"env".into()))
        .and_then(|env| Reflect::get(&env, &name.into()))
        .ok()
        .and_then(|value| value.as_string());
    value.unwrap_or_else(|| {
        panic!("{name} is not set: run these tests through `cargo test --target wasm32-unknown-unknown`, whose runner starts the mock")
    })
}

fn primary() -> String {
    env("WECHATPAY_MOCK_URL")
}

fn backup() -> String {
    env("WECHATPAY_MOCK_BACKUP_URL")
}

fn port(url: &str) -> &str {
    url.rsplit(':').next().unwrap()
}

/// One call to a control route, with the plain global `fetch`.
async fn control(method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let init = js_sys::Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(body) = body {
        Reflect::set(&init, &"body".into(), &body.to_string().into()).unwrap();
    }
    let response: web_sys::Response =
        JsFuture::from(plain_fetch(&format!("{}{path}", primary()), &init))
            .await
            .unwrap()
            .dyn_into()
            .unwrap();
    let text = JsFuture::from(response.text().unwrap()).await.unwrap();
    (response.status(), text.as_string().unwrap())
}

/// Clears the platform's faults and request log.
async fn reset() {
    assert_eq!(control("DELETE", "/mock/faults", None).await.0, 204);
    assert_eq!(control("DELETE", "/mock/requests", None).await.0, 204);
}

async fn inject(fault: &str, times: u32) {
    let (status, body) = control(
        "POST",
        "/mock/faults",
        Some(json!({"fault": fault, "times": times})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
}

/// What the platform saw, oldest first.
async fn seen() -> Vec<Value> {
    let (status, body) = control("GET", "/mock/requests", None).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn core(backup: Option<&str>) -> Client {
    let credentials = MerchantCredentials::new(MCHID, MERCHANT_SERIAL, MERCHANT_KEY).unwrap();
    let mut platform_keys = PlatformKeys::new();
    platform_keys
        .add_public_key(PLATFORM_KEY_ID, PLATFORM_PUB)
        .unwrap();
    Client::new(credentials, platform_keys)
        .unwrap()
        .with_base_url(&primary())
        .unwrap()
        .with_backup_url(backup)
        .unwrap()
}

/// Quick retries so that the retry tests take milliseconds.
fn client(backup: Option<&str>) -> FetchClient {
    FetchClient::new(core(backup)).unwrap().with_retry_policy(
        RetryPolicy::default().with_delays(Duration::from_millis(20), Duration::from_millis(100)),
    )
}

#[wasm_bindgen_test]
async fn applyment_round_trip_with_an_encoded_out_request_no() {
    reset().await;
    let query = QueryApplymentByOutRequestNo::new(CHECKING).unwrap();
    let applyment = client(None).execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Checking);
    assert_eq!(applyment.out_request_no, CHECKING);
    assert_eq!(applyment.applyment_id, (1 << 53) + 1);

    let seen = seen().await;
    assert_eq!(seen.len(), 1);
    // Sent exactly as signed: the mock checks the signature over the path as received.
    assert_eq!(
        seen[0]["path_and_query"],
        "/v3/ecommerce/applyments/out-request-no/%E5%95%86%E6%88%B7%E7%94%B3%E8%AF%B7%2F2024%20%231%3F"
    );
    assert_eq!(seen[0]["status"], 200);
    // The runtime sent the adapter's User-Agent, as set.
    let user_agent = seen[0]["user_agent"].as_str().unwrap();
    assert!(
        user_agent.starts_with("wechatpay-fetch/0.1.0 wechatpay-core/0.1.0"),
        "{user_agent}"
    );
}

#[wasm_bindgen_test]
async fn applyment_account_fields_decrypt_with_the_runtime_rng() {
    reset().await;
    let client = client(None);
    let query = QueryApplymentByOutRequestNo::new(ACCOUNT_NEED_VERIFY).unwrap();
    let applyment = client.execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::AccountNeedVerify);
    let validation = applyment.account_validation.as_ref().unwrap();
    let credentials = client.core().credentials();
    let mut rng = JsRandom::default();
    let name = credentials
        .decrypt(&validation.account_name, &mut rng)
        .unwrap();
    assert_eq!(name.expose(), "张三");
    let number = credentials
        .decrypt(validation.account_no.as_ref().unwrap(), &mut rng)
        .unwrap();
    assert_eq!(number.expose(), "6214830000001234");
}

#[wasm_bindgen_test]
async fn contract_round_trip() {
    reset().await;
    let query = QueryContractByOutContractCode::new(CONTRACT_AUTHORIZED, APPID).unwrap();
    let contract = client(None).execute(&query).await.unwrap();
    assert_eq!(contract.auth_state, AuthState::Authorized);
    assert!(contract.is_authorized());
    let seen = seen().await;
    assert_eq!(
        seen[0]["path_and_query"],
        format!(
            "/v3/ecommerce/individual-contracts/out-contract-code/{CONTRACT_AUTHORIZED}?appid={APPID}"
        )
    );
}

#[wasm_bindgen_test]
async fn a_tampered_answer_fails_verification_and_is_not_retried() {
    reset().await;
    inject("tampered-body", 1).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client(None).execute(&query).await.unwrap_err();
    let kind = error.core().and_then(|e| e.verification()).cloned();
    assert!(
        matches!(kind, Some(VerificationError::BadSignature { .. })),
        "{error}"
    );
    assert!(error.request_id().is_some(), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(seen().await.len(), 1);
}

#[wasm_bindgen_test]
async fn the_signature_probe_is_rejected() {
    reset().await;
    inject("signature-probe", 1).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client(None).execute(&query).await.unwrap_err();
    let kind = error.core().and_then(|e| e.verification()).cloned();
    assert_eq!(kind, Some(VerificationError::SignatureProbe), "{error}");
}

#[wasm_bindgen_test]
async fn a_slow_answer_times_out_through_the_abort_controller() {
    reset().await;
    inject("slow:3000", 1).await;
    let client = client(None)
        .with_timeout(Duration::from_millis(300))
        .with_retry_policy(RetryPolicy::none());
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let started = js_sys::Date::now();
    let error = client.execute(&query).await.unwrap_err();
    let waited = js_sys::Date::now() - started;
    assert!(
        matches!(&error, Error::Timeout { attempts: 1, timeout, host }
            if *timeout == Duration::from_millis(300) && *host == primary()),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!("no complete answer from {} within 300ms", primary())
    );
    // Aborted, not waited out: the mock holds its answer for 3 s.
    assert!(waited < 2500.0, "returned after {waited} ms");
}

#[wasm_bindgen_test]
async fn a_timeout_is_retried_and_the_next_attempt_succeeds() {
    reset().await;
    inject("slow:2000", 1).await;
    let client = client(None).with_timeout(Duration::from_millis(300));
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let applyment = client.execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::NeedSign);
    let faults: Vec<Value> = seen().await.iter().map(|r| r["fault"].clone()).collect();
    assert_eq!(faults, [json!("slow:2000"), Value::Null]);
}

#[wasm_bindgen_test]
async fn system_errors_are_retried_on_the_same_host_then_succeed() {
    reset().await;
    inject("system-error", 2).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let applyment = client(Some(&backup())).execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::NeedSign);
    let seen = seen().await;
    let statuses: Vec<Value> = seen.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, [json!(500), json!(500), json!(200)]);
    // SYSTEM_ERROR means "ask again", not "this access point is down".
    for request in &seen {
        assert!(
            request["host"]
                .as_str()
                .unwrap()
                .ends_with(port(&primary())),
            "{request}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_dropped_connection_fails_over_to_the_backup_host() {
    reset().await;
    inject("drop-connection", 1).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let applyment = client(Some(&backup())).execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::NeedSign);
    let seen = seen().await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0]["status"], Value::Null);
    assert!(
        seen[0]["host"]
            .as_str()
            .unwrap()
            .ends_with(port(&primary()))
    );
    assert_eq!(seen[1]["status"], 200);
    assert!(seen[1]["host"].as_str().unwrap().ends_with(port(&backup())));
}

#[wasm_bindgen_test]
async fn retries_stop_after_the_policy_and_report_the_transport_failure() {
    reset().await;
    inject("drop-connection", 5).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client(None).execute(&query).await.unwrap_err();
    match &error {
        Error::Transport {
            attempts: 3, host, ..
        } => assert_eq!(*host, primary()),
        other => panic!("expected a transport failure after 3 attempts, got {other}"),
    }
    let shown = error.to_string();
    assert!(shown.contains(&primary()), "{shown}");
    assert!(shown.contains("fetch failed"), "{shown}");
    assert!(shown.ends_with("; gave up after 3 attempts"), "{shown}");
    assert!(error.is_retryable());
    assert_eq!(seen().await.len(), 3);
}

#[wasm_bindgen_test]
async fn an_unreachable_host_is_a_connect_failure() {
    // A loopback port the runner found free: the connection is refused, nothing is sent.
    let core = core(None)
        .with_base_url(&env("WECHATPAY_CLOSED_URL"))
        .unwrap();
    let client = FetchClient::new(core)
        .unwrap()
        .with_retry_policy(RetryPolicy::none());
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client.execute(&query).await.unwrap_err();
    let Error::Transport {
        attempts: 1,
        cause,
        host,
        ..
    } = &error
    else {
        panic!("expected a transport failure, got {error}");
    };
    assert_eq!(*cause, TransportCause::Refused);
    assert_eq!(*host, env("WECHATPAY_CLOSED_URL"));
    // The host, the JavaScript cause chain, and what to check.
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!(
            "connecting to {}: connection refused: TypeError: fetch failed: ",
            env("WECHATPAY_CLOSED_URL")
        )),
        "{shown}"
    );
    assert!(shown.contains("ECONNREFUSED"), "{shown}");
    assert!(
        shown.ends_with("(is the server running, and is the port right?)"),
        "{shown}"
    );
}

/// One attempt to `base_url`, which fails below HTTP.
async fn transport_failure_at(base_url: &str) -> Error {
    let core = core(None).with_base_url(base_url).unwrap();
    let client = FetchClient::new(core)
        .unwrap()
        .with_retry_policy(RetryPolicy::none());
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    client.execute(&query).await.unwrap_err()
}

#[wasm_bindgen_test]
async fn tls_to_a_plain_http_server_names_the_host_and_suggests_http() {
    let https = primary().replacen("http://", "https://", 1);
    let error = transport_failure_at(&https).await;
    assert!(
        matches!(&error, Error::Transport { cause: TransportCause::PlainHttp, host, .. } if *host == https),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!("connecting to {https}: TLS handshake failed: ")),
        "{shown}"
    );
    assert!(shown.ends_with("(is this an http:// server?)"), "{shown}");
}

#[wasm_bindgen_test]
async fn a_host_that_does_not_resolve_is_a_dns_failure() {
    // The .invalid top-level domain never resolves: no network needed.
    let error = transport_failure_at("https://nonexistent.invalid").await;
    assert!(
        matches!(
            &error,
            Error::Transport {
                cause: TransportCause::Dns,
                ..
            }
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with("connecting to https://nonexistent.invalid: DNS lookup failed: "),
        "{shown}"
    );
    assert!(shown.contains("nonexistent.invalid"), "{shown}");
    assert!(shown.ends_with("(is the host name right?)"), "{shown}");
}

#[wasm_bindgen_test]
async fn an_oversize_answer_stops_at_the_body_limit() {
    reset().await;
    inject("oversize-body:2097152", 1).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client(None).execute(&query).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit: 1048576 }),
        "{error}"
    );
    // A smaller limit applies while reading too, whatever Content-Length says.
    reset().await;
    let small = client(None).with_body_limit(256);
    let error = small.execute(&query).await.unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit: 256 }),
        "{error}"
    );
}

/// Runs `code` in the global scope: the tests' way to make Node behave like another runtime.
fn js(code: &str) {
    Function::new_no_args(code)
        .call0(&JsValue::UNDEFINED)
        .unwrap();
}

/// Queries a seeded applyment while `Headers.prototype.append` is `function (name, value) {
/// BODY }`, with the runtime's own as `original`.
async fn query_with_headers_append(body: &str) -> Result<ApplymentState, Error> {
    js(&format!(
        "globalThis.__append = Headers.prototype.append;
         Headers.prototype.append = function (name, value) {{
             const original = globalThis.__append;
             {body}
         }};"
    ));
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let result = client(None).execute(&query).await;
    js("Headers.prototype.append = globalThis.__append; delete globalThis.__append;");
    result.map(|applyment| applyment.applyment_state)
}

#[wasm_bindgen_test]
async fn a_runtime_that_drops_the_user_agent_fails_before_sending() {
    reset().await;
    // As a browser does with a forbidden header: accepted, and nothing kept.
    let error = query_with_headers_append(
        "if (name.toLowerCase() !== 'user-agent') original.call(this, name, value);",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("drops the User-Agent")),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(seen().await.is_empty(), "nothing may be sent");
}

#[wasm_bindgen_test]
async fn a_runtime_that_refuses_the_user_agent_fails_before_sending() {
    reset().await;
    let error = query_with_headers_append(
        "if (name.toLowerCase() === 'user-agent') throw new TypeError('forbidden header name');
         original.call(this, name, value);",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason }
            if reason.contains("user-agent header") && reason.contains("forbidden header name")),
        "{error}"
    );
    assert!(seen().await.is_empty(), "nothing may be sent");
}

#[wasm_bindgen_test]
async fn a_runtime_that_replaces_the_user_agent_on_the_wire_is_still_accepted() {
    reset().await;
    // A runtime that keeps the header in the Request but sends its own (Node's fetch sends
    // `node` when a request has none): the platform needs a User-Agent, not ours.
    js("globalThis.__fetch = globalThis.fetch;
        globalThis.fetch = function (request) {
            const headers = new Headers(request.headers);
            headers.delete('user-agent');
            return globalThis.__fetch(new Request(request, { headers }));
        };");
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let result = client(None).execute(&query).await;
    js("globalThis.fetch = globalThis.__fetch; delete globalThis.__fetch;");
    assert_eq!(result.unwrap().applyment_state, ApplymentState::NeedSign);
    let seen = seen().await;
    let user_agent = seen[0]["user_agent"].as_str().unwrap();
    assert!(!user_agent.contains("wechatpay"), "{user_agent}");
}

#[wasm_bindgen_test]
async fn a_browser_page_is_refused() {
    js("globalThis.document = {};");
    let result = FetchClient::new(core(None));
    js("delete globalThis.document;");
    let error = result.unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("browser")),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn a_runtime_without_fetch_is_refused() {
    js("globalThis.__fetch = globalThis.fetch; delete globalThis.fetch;");
    let result = FetchClient::new(core(None));
    js("globalThis.fetch = globalThis.__fetch; delete globalThis.__fetch;");
    let error = result.unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("`fetch`")),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn send_moves_a_request_with_a_body_as_given() {
    reset().await;
    // `send` signs nothing: here it carries a control request, body and all, to the mock.
    let request = http::Request::post(format!("{}/mock/faults", primary()))
        .header("content-type", "application/json")
        .body(br#"{"fault":"system-error","times":1}"#.to_vec())
        .unwrap();
    let answer = client(None).send(request).await.unwrap();
    assert_eq!(answer.status(), 204);
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    client(None).execute(&query).await.unwrap();
    let statuses: Vec<Value> = seen().await.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(statuses, [json!(500), json!(200)]);
}

#[wasm_bindgen_test]
async fn a_runtime_that_rewrites_the_url_fails_before_sending() {
    reset().await;
    // A runtime whose `Request` decodes `%2F` would send another path than the one signed,
    // and the platform would answer SIGN_ERROR.
    js("globalThis.__Request = Request;
        globalThis.Request = class extends globalThis.__Request {
            constructor(input, init) { super(String(input).replaceAll('%2F', '/'), init); }
        };");
    let query = QueryApplymentByOutRequestNo::new(CHECKING).unwrap();
    let result = client(None).execute(&query).await;
    js("globalThis.Request = globalThis.__Request; delete globalThis.__Request;");
    let error = result.unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("rewrote the URL")),
        "{error}"
    );
    assert!(seen().await.is_empty(), "nothing may be sent");
}

#[wasm_bindgen_test]
async fn a_redirect_is_not_followed_with_the_signed_request() {
    reset().await;
    inject("redirect", 1).await;
    let query = QueryApplymentByOutRequestNo::new(NEED_SIGN).unwrap();
    let error = client(None).execute(&query).await.unwrap_err();
    let status = error
        .core()
        .and_then(|e| e.api())
        .map(|api| api.status.as_u16());
    assert_eq!(status, Some(302), "{error}");
    assert!(!error.is_retryable());
    // Followed, the signed request would have gone on to /v3/redirected.
    assert_eq!(seen().await.len(), 1);
}
