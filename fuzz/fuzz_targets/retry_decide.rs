//! Any `RetryPolicy` (built through its public builder), any attempt number and any outcome:
//! `decide` never panics, never allows more attempts than `max_attempts`, never waits longer
//! than `max_delay`, and keeps to its host without failover.
//!
//! Outcomes that are platform errors come from `Client::parse` over an unsigned answer with a
//! fuzzed status, error code and `Retry-After`: the errors adapters really hand to `decide`.
#![no_main]

use std::time::Duration;

use http::{Response, StatusCode};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::ecommerce::applyment::QueryApplymentById;
use wechatpay_core::{Decision, Error, Host, Outcome, RetryPolicy, TransportFailure};
use wechatpay_fuzz::{NOW, client};

const CODES: [&str; 5] = [
    "SYSTEM_ERROR",
    "RATELIMIT_EXCEEDED",
    "FREQUENCY_LIMITED",
    "PARAM_ERROR",
    "SIGN_ERROR",
];

fn duration(u: &mut Unstructured<'_>) -> Result<Duration> {
    // Mostly extremes and small values: the interesting arithmetic is near both ends.
    Ok(match u.int_in_range(0..=3u8)? {
        0 => Duration::MAX,
        1 => Duration::from_millis(u.int_in_range(0..=10_000)?),
        _ => Duration::new(u.arbitrary()?, u.int_in_range(0..=999_999_999)?),
    })
}

fn policy(u: &mut Unstructured<'_>) -> Result<RetryPolicy> {
    let mut policy = if u.arbitrary()? {
        RetryPolicy::none()
    } else {
        RetryPolicy::default()
    };
    if u.arbitrary()? {
        policy = policy.with_max_attempts(u.arbitrary()?);
    }
    if u.arbitrary()? {
        policy = policy.with_delays(duration(u)?, duration(u)?);
    }
    if u.arbitrary()? {
        policy = policy.without_failover();
    }
    Ok(policy)
}

/// An unsigned error answer, as any gateway or the platform's `5xx` sends it.
fn api_error(u: &mut Unstructured<'_>) -> Result<Error> {
    let status = StatusCode::from_u16(u.int_in_range(100..=999)?)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::new(Vec::new());
    *response.status_mut() = if status.is_success() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        status
    };
    if u.arbitrary()? {
        let code = u.choose(&CODES)?;
        *response.body_mut() = format!(r#"{{"code":"{code}","message":"m"}}"#).into_bytes();
    }
    if u.arbitrary()? {
        let retry_after: &str = u.arbitrary()?;
        if let Ok(value) = http::HeaderValue::from_str(retry_after) {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, value);
        }
    }
    let query = QueryApplymentById::new(1);
    Ok(client()
        .parse(&query, &response, NOW)
        .expect_err("a non-2xx answer is an error"))
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let policy = policy(u)?;
    let transport = *u.choose(&[
        TransportFailure::Connect,
        TransportFailure::Timeout,
        TransportFailure::Interrupted,
    ])?;
    let error = api_error(u)?;
    let use_transport: bool = u.arbitrary()?;
    let outcome = if use_transport {
        Outcome::Transport(transport)
    } else {
        Outcome::Error(&error)
    };
    let mut rng = ChaCha20Rng::from_seed(u.arbitrary()?);

    // One decision at an arbitrary attempt number.
    let attempt: u32 = u.arbitrary()?;
    let host = if u.arbitrary()? {
        Host::Primary
    } else {
        Host::Backup
    };
    check(
        &policy,
        attempt,
        host,
        policy.decide(attempt, host, outcome, &mut rng),
    );

    // A whole run of attempts with the same outcome, as an adapter loops: it must stop in time.
    // Past `MAX_RUN` attempts the per-decision check above stands for the rest.
    const MAX_RUN: u32 = 1000;
    let mut host = Host::Primary;
    let mut attempt = 1u32;
    while attempt <= MAX_RUN {
        match policy.decide(attempt, host, outcome, &mut rng) {
            Decision::Stop => break,
            decision @ Decision::Retry { host: next, .. } => {
                check(&policy, attempt, host, decision);
                attempt += 1;
                host = next;
            }
        }
    }
    if attempt <= MAX_RUN {
        assert!(
            attempt <= policy.max_attempts.max(1),
            "{attempt} attempts under {policy:?}"
        );
    }
    Ok(())
}

fn check(policy: &RetryPolicy, attempt: u32, host: Host, decision: Decision) {
    if let Decision::Retry { host: next, after } = decision {
        assert!(
            attempt < policy.max_attempts,
            "attempt {attempt} retried under {policy:?}"
        );
        assert!(
            after <= policy.max_delay,
            "waits {after:?} under {policy:?}"
        );
        if !policy.failover {
            assert_eq!(next, host, "left its host without failover: {policy:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
