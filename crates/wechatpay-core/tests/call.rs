//! The call driver: the retry loop every adapter runs, without I/O.

mod common;

use std::time::Duration;

use common::*;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::{
    AdapterError, AttemptFailure, Backend, Call, Error, RetryPolicy, Step, TransportFailure,
};

fn broken(kind: TransportFailure) -> AttemptFailure {
    AttemptFailure::Transport {
        kind,
        source: Box::new(std::io::Error::other("test")),
    }
}

const AUDITING: &str = r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"A","applyment_id":1}"#;

#[test]
fn a_system_error_is_retried_on_the_same_host_then_succeeds() {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());

    let first = call.request(NOW, &mut rng).unwrap();
    assert_eq!(first.uri().host(), Some("api.mch.weixin.qq.com"));
    let busy = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"busy"}"#);
    let Step::Retry { after } = call.response(&busy, NOW, &mut rng) else {
        panic!("should retry")
    };
    assert!(after > Duration::ZERO);

    let second = call.request(NOW, &mut rng).unwrap();
    assert_eq!(second.uri().host(), Some("api.mch.weixin.qq.com"));
    assert_ne!(
        first.headers()["Authorization"],
        second.headers()["Authorization"],
        "fresh nonce per attempt"
    );
    let ok = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    match call.response(&ok, NOW, &mut rng) {
        Step::Done(Ok(applyment)) => {
            assert_eq!(applyment.applyment_state, ApplymentState::Auditing)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempts(), 2);
}

#[test]
fn a_transport_failure_fails_over_and_attempts_are_bounded() {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default().with_max_attempts(3));
    call.request(NOW, &mut rng).unwrap();
    assert!(
        call.failed(broken(TransportFailure::Connect), &mut rng)
            .is_ok()
    );
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api2.mch.weixin.qq.com")
    );
    let timeout = || AttemptFailure::Timeout {
        timeout: Duration::from_secs(1),
    };
    assert!(call.failed(timeout(), &mut rng).is_ok());
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api.mch.weixin.qq.com")
    );
    match call.failed(timeout(), &mut rng) {
        Err(AdapterError::Timeout {
            timeout,
            attempts: 3,
        }) => assert_eq!(timeout, Duration::from_secs(1)),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempts(), 3);
}

#[test]
fn final_answers_end_the_call_with_their_error() {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let missing = signed_response(
        Backend::default(),
        404,
        br#"{"code":"RESOURCE_NOT_EXISTS","message":"x"}"#,
    );
    match call.response(&missing, NOW, &mut rng) {
        Step::Done(Err(Error::Api(api))) => {
            assert_eq!(api.code.as_deref(), Some("RESOURCE_NOT_EXISTS"))
        }
        other => panic!("{other:?}"),
    }
    // A forged success is final too: never retried into acceptance.
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let mut forged = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    forged.body_mut()[5] ^= 1;
    assert!(matches!(
        call.response(&forged, NOW, &mut rng),
        Step::Done(Err(Error::Verification { .. }))
    ));
}

#[test]
fn an_oversize_answer_is_final_and_transport_errors_keep_their_source() {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let error = call
        .failed(AttemptFailure::BodyTooLarge { limit: 1024 }, &mut rng)
        .unwrap_err();
    assert!(matches!(error, AdapterError::BodyTooLarge { limit: 1024 }));
    assert!(!error.is_retryable());

    let mut call = Call::new(&client, &query, RetryPolicy::none());
    call.request(NOW, &mut rng).unwrap();
    let error = call
        .failed(broken(TransportFailure::Interrupted), &mut rng)
        .unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "transport failure after 1 attempt(s): test; check the network path to the platform"
    );
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(error.request_id(), None);
}
