//! The hyper adapter against the loopback mock platform: real HTTP round trips, every state,
//! every fault, and retries and failover counted on the platform's side.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::contract::{
    AuthState, QueryContractByOpenid, QueryContractByOutContractCode,
};
use wechatpay_core::{Client, RetryPolicy, TransportCause, TransportFailure, VerificationError};
use wechatpay_hyper::{Error, HyperClient};
use wechatpay_mock::records::seeded;
use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};

/// A platform on loopback, and a client pointed at it with fast retries.
struct Setup {
    platform: Arc<MockPlatform>,
    server: MockServer,
    client: HyperClient,
}

fn core_client(base_url: &str, backup_url: Option<&str>) -> Client {
    MockKeys::fixtures()
        .client(base_url)
        .unwrap()
        .with_backup_url(backup_url)
        .unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_millis(20))
}

fn setup() -> Setup {
    let platform = Arc::new(
        MockPlatform::new(MockKeys::fixtures(), &mut ChaCha20Rng::from_seed([1; 32])).unwrap(),
    );
    let server = MockServer::start(platform.clone()).unwrap();
    let client = HyperClient::new(core_client(&server.url(), None))
        .unwrap()
        .with_retry_policy(fast_retries())
        .with_timeout(Duration::from_secs(5));
    Setup {
        platform,
        server,
        client,
    }
}

fn auditing() -> QueryApplymentByOutRequestNo {
    QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap()
}

#[tokio::test]
async fn every_applyment_state_and_contract_state_decodes() {
    let s = setup();
    let states = [
        "CHECKING",
        "ACCOUNT_NEED_VERIFY",
        "AUDITING",
        "REJECTED",
        "NEED_SIGN",
        "FINISH",
        "FROZEN",
        "CANCELED",
    ];
    for (out_request_no, state) in seeded::ALL.iter().zip(states) {
        let applyment = s
            .client
            .execute(&QueryApplymentByOutRequestNo::new(*out_request_no).unwrap())
            .await
            .unwrap();
        assert_eq!(applyment.applyment_state.as_str(), state);
    }
    let contract = s
        .client
        .execute(
            &QueryContractByOutContractCode::new(seeded::CONTRACT_AUTHORIZED, seeded::APPID)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(contract.auth_state, AuthState::Authorized);
    assert_eq!(
        contract.individual_openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t")
    );
    let contract = s
        .client
        .execute(
            &QueryContractByOutContractCode::new(seeded::CONTRACT_UNAUTHORIZED, seeded::APPID)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(contract.auth_state, AuthState::Unauthorized);
    let by_openid = s
        .client
        .execute(&QueryContractByOpenid::new(seeded::OPENID, seeded::APPID).unwrap())
        .await
        .unwrap();
    assert_eq!(by_openid.auth_state, AuthState::Authorized);
    // The percent-encoded out_request_no arrived as signed: the mock checked the signature.
    let seen = s.platform.requests();
    assert_eq!(
        seen[0].path_and_query,
        "/v3/ecommerce/applyments/out-request-no/%E5%95%86%E6%88%B7%E7%94%B3%E8%AF%B7%2F2024%20%231%3F"
    );
    assert!(seen.iter().all(|r| r.status == Some(200)), "{seen:?}");
}

#[tokio::test]
async fn the_adapter_names_itself_in_the_user_agent() {
    let s = setup();
    assert!(
        s.client.core().user_agent().starts_with("wechatpay-hyper/"),
        "{}",
        s.client.core().user_agent()
    );
    assert!(s.client.core().user_agent().contains("wechatpay-core/"));
}

async fn verification_error(s: &Setup, fault: Fault) -> VerificationError {
    s.platform.inject(fault.clone(), 1);
    match s.client.execute(&auditing()).await {
        Err(Error::Core(wechatpay_core::Error::Verification { kind, request_id })) => {
            assert!(
                request_id.is_some(),
                "{fault:?}: the Request-ID reaches the error"
            );
            kind
        }
        other => panic!("{fault:?}: {other:?}"),
    }
}

#[tokio::test]
async fn every_signature_fault_is_its_verification_error_and_never_retried() {
    let s = setup();
    assert!(matches!(
        verification_error(&s, Fault::TamperedBody).await,
        VerificationError::BadSignature { .. }
    ));
    assert!(matches!(
        verification_error(&s, Fault::WrongSigningKey).await,
        VerificationError::BadSignature { .. }
    ));
    assert_eq!(
        verification_error(&s, Fault::SignatureProbe).await,
        VerificationError::SignatureProbe
    );
    assert!(matches!(
        verification_error(&s, Fault::StaleTimestamp).await,
        VerificationError::ClockSkew { .. }
    ));
    assert!(matches!(
        verification_error(&s, Fault::FutureTimestamp).await,
        VerificationError::ClockSkew { .. }
    ));
    assert!(matches!(
        verification_error(&s, Fault::MissingSignatureHeaders).await,
        VerificationError::MissingHeader { .. }
    ));
    assert!(matches!(
        verification_error(&s, Fault::UnknownSerial).await,
        VerificationError::UnknownSerial { .. }
    ));
    assert_eq!(
        s.platform.requests().len(),
        7,
        "verification failures are final: one attempt each"
    );
}

#[tokio::test]
async fn body_faults_are_decode_errors_or_tolerated() {
    let s = setup();
    for fault in [Fault::InvalidJson, Fault::EmptyBody] {
        s.platform.inject(fault.clone(), 1);
        let error = s.client.execute(&auditing()).await.unwrap_err();
        assert!(
            matches!(error, Error::Core(wechatpay_core::Error::Decode(_))),
            "{fault:?}: {error}"
        );
        assert!(error.request_id().is_some());
    }
    s.platform.inject(Fault::UnknownEnumValues, 1);
    let applyment = s.client.execute(&auditing()).await.unwrap();
    assert_eq!(
        applyment.applyment_state,
        ApplymentState::Unknown("UNDER_SUPERVISION".to_owned())
    );
    s.platform.inject(Fault::ExtraFields, 1);
    assert_eq!(
        s.client.execute(&auditing()).await.unwrap().applyment_state,
        ApplymentState::Auditing
    );
}

#[tokio::test]
async fn api_errors_carry_status_code_and_request_id() {
    let s = setup();
    let missing = QueryApplymentByOutRequestNo::new("NO_SUCH_APPLYMENT").unwrap();
    let error = s.client.execute(&missing).await.unwrap_err();
    let api = error.core().and_then(wechatpay_core::Error::api).unwrap();
    assert_eq!(
        (api.status.as_u16(), api.code.as_deref()),
        (404, Some("RESOURCE_NOT_EXISTS"))
    );
    assert!(error.request_id().is_some());
    assert!(!error.is_retryable());
    assert_eq!(s.platform.requests().len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn fail_twice_then_succeed_takes_three_attempts() {
    let s = setup();
    s.platform.inject(Fault::SystemError, 2);
    let applyment = s.client.execute(&auditing()).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Auditing);
    let statuses: Vec<_> = s.platform.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
}

#[tokio::test]
async fn rate_limits_are_retried_and_then_reported() {
    let s = setup();
    // The 429 asks for `Retry-After: 1`: a policy capped below that gives up at once...
    s.platform.inject(Fault::TooManyRequests, 1);
    let error = s.client.execute(&auditing()).await.unwrap_err();
    assert_eq!(
        error
            .core()
            .and_then(wechatpay_core::Error::api)
            .unwrap()
            .status,
        429
    );
    assert_eq!(s.platform.requests().len(), 1);
    // ...and one that allows it waits and retries.
    let patient = HyperClient::new(core_client(&s.server.url(), None))
        .unwrap()
        .with_retry_policy(
            RetryPolicy::default().with_delays(Duration::from_millis(5), Duration::from_secs(2)),
        );
    s.platform.clear_requests();
    s.platform.inject(Fault::TooManyRequests, 1);
    s.platform.inject(Fault::RateLimited, 1);
    let started = std::time::Instant::now();
    patient.execute(&auditing()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was obeyed"
    );
    assert_eq!(s.platform.requests().len(), 3);

    s.platform.clear_requests();
    s.platform.inject(Fault::RateLimited, 5);
    let error = s.client.execute(&auditing()).await.unwrap_err();
    let api = error.core().and_then(wechatpay_core::Error::api).unwrap();
    assert_eq!(api.code.as_deref(), Some("RATELIMIT_EXCEEDED"));
    assert!(error.is_retryable());
    assert_eq!(s.platform.requests().len(), 3, "bounded by max_attempts");
    s.platform.clear_faults();
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let s = setup();
    s.platform.inject(Fault::DropConnection, 1);
    s.client.execute(&auditing()).await.unwrap();
    let seen = s.platform.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].status, None);
}

#[tokio::test]
async fn a_slow_answer_times_out_on_every_attempt() {
    let s = setup();
    let client = HyperClient::new(core_client(&s.server.url(), None))
        .unwrap()
        .with_retry_policy(fast_retries().with_max_attempts(2))
        .with_timeout(Duration::from_millis(300));
    s.platform.inject(Fault::Slow(Duration::from_secs(2)), 2);
    match client.execute(&auditing()).await {
        Err(error @ Error::Timeout { .. }) => {
            assert_eq!(
                error.to_string(),
                format!(
                    "no complete answer from {} within 300ms; gave up after 2 attempts",
                    s.server.url()
                )
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_oversize_answer_is_refused_without_reading_it_all() {
    let s = setup();
    s.platform.inject(Fault::OversizeBody(2 * 1024 * 1024), 1);
    match s.client.execute(&auditing()).await {
        Err(Error::BodyTooLarge { limit }) => assert_eq!(limit, 1024 * 1024),
        other => panic!("{other:?}"),
    }
    // A larger limit reads it, verifies it and decodes it.
    let roomy = HyperClient::new(core_client(&s.server.url(), None))
        .unwrap()
        .with_body_limit(4 * 1024 * 1024);
    s.platform.inject(Fault::OversizeBody(2 * 1024 * 1024), 1);
    roomy.execute(&auditing()).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_primary_fails_over_to_the_backup() {
    let s = setup();
    let closed = closed_url();
    let client = HyperClient::new(core_client(&closed, Some(&s.server.url())))
        .unwrap()
        .with_retry_policy(fast_retries());
    client.execute(&auditing()).await.unwrap();
    let seen = s.platform.requests();
    assert_eq!(
        seen.len(),
        1,
        "the backup saw the one attempt that reached a server"
    );
    assert_eq!(
        seen[0].host.as_deref(),
        Some(s.server.addr().to_string().as_str())
    );
}

#[tokio::test]
async fn a_gateway_failure_on_the_primary_moves_to_the_backup_host() {
    let s = setup();
    let backup = MockServer::start(s.platform.clone()).unwrap();
    let client = HyperClient::new(core_client(&s.server.url(), Some(&backup.url())))
        .unwrap()
        .with_retry_policy(fast_retries());
    s.platform.inject(Fault::DropConnection, 1);
    client.execute(&auditing()).await.unwrap();
    let hosts: Vec<_> = s.platform.requests().into_iter().map(|r| r.host).collect();
    assert_eq!(
        hosts,
        [
            Some(s.server.addr().to_string()),
            Some(backup.addr().to_string())
        ]
    );
}

/// A loopback URL nothing listens on: the port was free a moment ago.
fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

/// The error of a call to `base_url` whose attempts all fail below HTTP.
async fn transport_error(base_url: &str, policy: RetryPolicy) -> Error {
    let client = HyperClient::new(core_client(base_url, None))
        .unwrap()
        .with_retry_policy(policy);
    client.execute(&auditing()).await.unwrap_err()
}

#[tokio::test]
async fn a_refused_connection_names_the_host_and_the_cause() {
    let closed = closed_url();
    let error = transport_error(&closed, fast_retries()).await;
    match &error {
        Error::Transport {
            attempts: 3,
            cause: TransportCause::Refused,
            kind: TransportFailure::Connect,
            host,
            ..
        } => assert_eq!(*host, closed),
        other => panic!("{other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!("connecting to {closed}: ")),
        "{shown}"
    );
    assert!(
        shown.to_lowercase().contains("connection refused"),
        "{shown}"
    );
    assert!(
        shown
            .ends_with("(is the server running, and is the port right?); gave up after 3 attempts"),
        "{shown}"
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_asks_whether_it_is_one() {
    let s = setup();
    let https = s.server.url().replacen("http://", "https://", 1);
    let error = transport_error(&https, RetryPolicy::none()).await;
    assert!(
        matches!(&error, Error::Transport { cause: TransportCause::PlainHttp, host, .. } if *host == https),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "connecting to {https}: TLS handshake failed: received corrupt message of type \
             InvalidContentType (is this an http:// server?)"
        )
    );
}

#[tokio::test]
async fn a_host_name_that_does_not_resolve_is_a_dns_failure() {
    // The .invalid top-level domain never resolves (RFC 2606): no network needed.
    let error = transport_error("https://nonexistent.invalid", RetryPolicy::none()).await;
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
        shown.starts_with("connecting to https://nonexistent.invalid: "),
        "{shown}"
    );
    assert!(
        shown.contains("failed to lookup address information"),
        "{shown}"
    );
    assert!(shown.ends_with("(is the host name right?)"), "{shown}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_signed_request() {
    let s = setup();
    s.platform.inject(Fault::Redirect, 1);
    let error = s.client.execute(&auditing()).await.unwrap_err();
    let api = error.core().and_then(wechatpay_core::Error::api).unwrap();
    assert_eq!(api.status.as_u16(), 302);
    assert!(!error.is_retryable());
    let seen = s.platform.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
}
