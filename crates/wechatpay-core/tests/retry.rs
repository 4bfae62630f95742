//! The retry and failover policy, as a pure function.

mod common;

use std::time::Duration;

use common::*;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{
    Backend, Decision, Error, Host, Outcome, Retry, RetryPolicy, TransportFailure,
};

fn error(status: u16, body: &str) -> Error {
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    client
        .parse(&query, &unsigned_response(status, body.as_bytes()), NOW)
        .unwrap_err()
}

fn retry_host(decision: Decision) -> Host {
    match decision {
        Decision::Retry { host, .. } => host,
        Decision::Stop => panic!("expected a retry"),
    }
}

#[test]
fn transport_failures_fail_over_to_the_other_host() {
    let policy = RetryPolicy::default();
    for failure in [
        TransportFailure::Connect,
        TransportFailure::Timeout,
        TransportFailure::Interrupted,
    ] {
        let decision = policy.decide(1, Host::Primary, Outcome::Transport(failure), &mut rng());
        assert_eq!(retry_host(decision), Host::Backup);
        let decision = policy.decide(2, Host::Backup, Outcome::Transport(failure), &mut rng());
        assert_eq!(retry_host(decision), Host::Primary);
    }
    let pinned = RetryPolicy::default().without_failover();
    let decision = pinned.decide(
        1,
        Host::Primary,
        Outcome::Transport(TransportFailure::Connect),
        &mut rng(),
    );
    assert_eq!(retry_host(decision), Host::Primary);
}

#[test]
fn platform_errors_retry_on_the_same_host_and_gateways_fail_over() {
    let policy = RetryPolicy::default();
    for body in [
        r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
        r#"{"code":"RATELIMIT_EXCEEDED","message":"x"}"#,
    ] {
        let error = error(500, body);
        assert_eq!(
            retry_host(policy.decide(1, Host::Primary, Outcome::Error(&error), &mut rng())),
            Host::Primary
        );
    }
    let rate_limited = error(429, "");
    assert_eq!(
        retry_host(policy.decide(1, Host::Primary, Outcome::Error(&rate_limited), &mut rng())),
        Host::Primary
    );
    let gateway = error(502, "<html>");
    assert_eq!(
        retry_host(policy.decide(1, Host::Primary, Outcome::Error(&gateway), &mut rng())),
        Host::Backup
    );
}

#[test]
fn final_errors_stop_at_once() {
    let policy = RetryPolicy::default();
    for (status, body) in [
        (400, r#"{"code":"PARAM_ERROR","message":"x"}"#),
        (401, r#"{"code":"SIGN_ERROR","message":"x"}"#),
        (404, r#"{"code":"RESOURCE_NOT_EXISTS","message":"x"}"#),
    ] {
        let error = error(status, body);
        assert_eq!(
            policy.decide(1, Host::Primary, Outcome::Error(&error), &mut rng()),
            Decision::Stop
        );
    }
    // A verification failure is never retried.
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let forged = client
        .parse(&query, &unsigned_response(200, b"{}"), NOW)
        .unwrap_err();
    assert_eq!(
        policy.decide(1, Host::Primary, Outcome::Error(&forged), &mut rng()),
        Decision::Stop
    );
}

#[test]
fn attempts_are_bounded() {
    let policy = RetryPolicy::default().with_max_attempts(3);
    let outcome = Outcome::Transport(TransportFailure::Connect);
    assert!(matches!(
        policy.decide(1, Host::Primary, outcome, &mut rng()),
        Decision::Retry { .. }
    ));
    assert!(matches!(
        policy.decide(2, Host::Backup, outcome, &mut rng()),
        Decision::Retry { .. }
    ));
    assert_eq!(
        policy.decide(3, Host::Primary, outcome, &mut rng()),
        Decision::Stop
    );
    assert_eq!(
        RetryPolicy::none().decide(1, Host::Primary, outcome, &mut rng()),
        Decision::Stop
    );
}

#[test]
fn backoff_grows_exponentially_within_jitter_and_the_cap() {
    let policy = RetryPolicy::default()
        .with_max_attempts(20)
        .with_delays(Duration::from_millis(100), Duration::from_secs(2));
    let mut rng = rng();
    for attempt in 1..20u32 {
        let ceiling = Duration::from_millis(100 * (1u64 << (attempt - 1).min(10)))
            .min(Duration::from_secs(2));
        let mut seen = Vec::new();
        for _ in 0..50 {
            match policy.decide(
                attempt,
                Host::Primary,
                Outcome::Transport(TransportFailure::Timeout),
                &mut rng,
            ) {
                Decision::Retry { after, .. } => {
                    assert!(
                        after >= ceiling / 2 && after <= ceiling,
                        "attempt {attempt}: {after:?} outside {:?}..={ceiling:?}",
                        ceiling / 2
                    );
                    seen.push(after);
                }
                Decision::Stop => panic!("stopped early"),
            }
        }
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 10, "attempt {attempt}: no jitter");
    }
}

#[test]
fn retry_after_is_obeyed_up_to_the_cap() {
    let policy = RetryPolicy::default();
    let mut response = unsigned_response(429, b"");
    response
        .headers_mut()
        .insert("Retry-After", "3".parse().unwrap());
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let error = client.parse(&query, &response, NOW).unwrap_err();
    match policy.decide(1, Host::Primary, Outcome::Error(&error), &mut rng()) {
        Decision::Retry { after, host } => {
            assert!(after >= Duration::from_secs(3));
            assert_eq!(host, Host::Primary);
        }
        Decision::Stop => panic!("should retry"),
    }
    response
        .headers_mut()
        .insert("Retry-After", "60".parse().unwrap());
    let error = client.parse(&query, &response, NOW).unwrap_err();
    assert_eq!(
        policy.decide(1, Host::Primary, Outcome::Error(&error), &mut rng()),
        Decision::Stop
    );
}

#[test]
fn one_classification_decides_both_retryability_and_the_host() {
    let policy = RetryPolicy::default();
    let bodies = [
        "",
        "<html>gateway</html>",
        r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
        r#"{"code":"RATELIMIT_EXCEEDED","message":"x"}"#,
        r#"{"code":"FREQUENCY_LIMITED","message":"x"}"#,
        r#"{"code":"PARAM_ERROR","message":"x"}"#,
        r#"{"code":"SIGN_ERROR","message":"x"}"#,
    ];
    for status in [400, 401, 403, 404, 429, 500, 501, 502, 503, 504, 505, 599] {
        for body in bodies {
            let error = error(status, body);
            let class = Retry::of(Outcome::Error(&error));
            assert_eq!(
                error.is_retryable(),
                class != Retry::Never,
                "{status} {body}"
            );
            assert_eq!(
                error.api().map(|api| api.is_retryable()),
                Some(class != Retry::Never)
            );
            let decision = policy.decide(1, Host::Primary, Outcome::Error(&error), &mut rng());
            let expected = match class {
                Retry::Never => None,
                Retry::SameHost => Some(Host::Primary),
                Retry::OtherHost => Some(Host::Backup),
            };
            let host = match decision {
                Decision::Retry { host, .. } => Some(host),
                Decision::Stop => None,
            };
            assert_eq!(host, expected, "{status} {body}");
        }
    }
    // The table's corners.
    assert_eq!(Retry::of(Outcome::Error(&error(502, ""))), Retry::OtherHost);
    assert_eq!(Retry::of(Outcome::Error(&error(429, ""))), Retry::SameHost);
    assert_eq!(
        Retry::of(Outcome::Error(&error(
            503,
            r#"{"code":"SYSTEM_ERROR","message":"x"}"#
        ))),
        Retry::SameHost
    );
    assert_eq!(
        Retry::of(Outcome::Error(&error(
            500,
            r#"{"code":"PARAM_ERROR","message":"x"}"#
        ))),
        Retry::Never
    );
    assert_eq!(
        Retry::of(Outcome::Transport(TransportFailure::Connect)),
        Retry::OtherHost
    );
}
