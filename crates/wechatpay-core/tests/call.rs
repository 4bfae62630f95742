//! The call driver: the retry loop every adapter runs, without I/O.

mod common;

use std::time::Duration;

use common::*;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::{Backend, Call, Error, RetryPolicy, Step, TransportFailure};

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
        call.transport_failure(TransportFailure::Connect, &mut rng)
            .is_some()
    );
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api2.mch.weixin.qq.com")
    );
    assert!(
        call.transport_failure(TransportFailure::Timeout, &mut rng)
            .is_some()
    );
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api.mch.weixin.qq.com")
    );
    assert_eq!(
        call.transport_failure(TransportFailure::Timeout, &mut rng),
        None
    );
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
