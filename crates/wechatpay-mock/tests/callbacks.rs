//! The mock sends callbacks as the platform does, over loopback HTTP: signed anew on every
//! attempt, retried on failure at growing (here compressed) intervals, until answered `200`
//! or `204`; directly (`deliver`) and through the control route.

use std::sync::Arc;
use std::time::Duration;

use rand_core::SeedableRng;
use wechatpay_core::{ApiV3Key, Event, NotificationAnswer};
use wechatpay_mock::{
    CallbackEvent, CallbackSignature, DeliveryOptions, MockKeys, MockPlatform, MockServer,
    RetrySchedule, deliver,
};

mod support;

use support::loopback::{Endpoint, control, now};

fn platform() -> Arc<MockPlatform> {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([9; 32]);
    Arc::new(MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap())
}

fn fast(attempts: usize) -> DeliveryOptions {
    DeliveryOptions::new().with_schedule(
        RetrySchedule::platform()
            .compressed(1000)
            .with_max_attempts(attempts)
            .with_timeout(Duration::from_secs(5)),
    )
}

#[tokio::test]
async fn a_failed_callback_is_delivered_again_signed_anew_until_acknowledged() {
    let platform = platform();
    let endpoint = Endpoint::start(vec![500, 503, 204], Duration::ZERO).await;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([10; 32]);
    let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), &mut rng)
        .unwrap()
        .with_fields(serde_json::json!({"out_trade_no": "ORDER-42", "amount": {"total": 4200}}))
        .unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    let mut seen = Vec::new();
    let delivery = deliver(&platform, &body, &endpoint.url(), &fast(16), |attempt| {
        seen.push(attempt.status)
    })
    .await
    .unwrap();

    assert!(delivery.delivered);
    assert_eq!(seen, [Some(500), Some(503), Some(204)]);
    assert_eq!(
        delivery.attempts[0].detail.as_deref(),
        Some("库存服务不可用")
    );
    assert_eq!(delivery.attempts[2].detail, None);

    // Each attempt carries the same body, freshly signed, and verifies at the merchant.
    let received = endpoint.received();
    assert_eq!(received.len(), 3);
    let client = platform.keys().client("http://127.0.0.1:1").unwrap();
    let key = ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
    let nonces: std::collections::HashSet<_> = received
        .iter()
        .map(|r| r.headers["wechatpay-nonce"].clone())
        .collect();
    assert_eq!(nonces.len(), 3, "every attempt is signed anew");
    for attempt in &received {
        assert_eq!(attempt.body, body.bytes());
        let opened = client
            .open_notification(&attempt.headers, &attempt.body, now(), &key)
            .unwrap();
        assert_eq!(opened.id, body.id());
        let Event::Transaction(paid) = opened.event else {
            panic!("{:?}", opened.event)
        };
        assert_eq!(
            (paid.out_trade_no.as_str(), paid.amount.total),
            ("ORDER-42", 4200)
        );
    }
    // Waiting as the (compressed) schedule says: 15 ms, then 15 ms.
    for (pair, wait) in received
        .windows(2)
        .zip(RetrySchedule::platform().compressed(1000).waits())
    {
        assert!(
            pair[1].at - pair[0].at >= *wait,
            "{:?} < {wait:?}",
            pair[1].at - pair[0].at
        );
    }

    let logged = platform.deliveries();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].id, body.id());
    assert!(logged[0].delivered && logged[0].finished);
    assert_eq!(logged[0].attempts.len(), 3);
}

#[tokio::test]
async fn only_200_or_204_acknowledge_and_the_schedule_ends_the_delivery() {
    let platform = platform();
    // 202 and 201 are 2xx, but not what the platform takes as handled.
    let endpoint = Endpoint::start(vec![202, 201, 400, 500], Duration::ZERO).await;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([11; 32]);
    let event = CallbackEvent::named("REFUND.SUCCESS", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    let delivery = deliver(&platform, &body, &endpoint.url(), &fast(5), |_| {})
        .await
        .unwrap();
    assert!(!delivery.delivered);
    let statuses: Vec<_> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [Some(202), Some(201), Some(400), Some(500), Some(500)]
    );
    assert_eq!(endpoint.received().len(), 5);
    assert!(platform.deliveries()[0].finished);

    let ok = Endpoint::start(vec![200], Duration::ZERO).await;
    let delivery = deliver(&platform, &body, &ok.url(), &fast(5), |_| {})
        .await
        .unwrap();
    assert!(delivery.delivered);
    assert_eq!(delivery.attempts.len(), 1);
}

#[tokio::test]
async fn no_answer_is_a_failed_attempt_too() {
    let platform = platform();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([12; 32]);
    let event = CallbackEvent::named("REFUND.CLOSED", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();

    // Nobody listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    let delivery = deliver(&platform, &body, &url, &fast(2), |_| {})
        .await
        .unwrap();
    assert!(!delivery.delivered);
    assert_eq!(delivery.attempts.len(), 2);
    assert_eq!(delivery.attempts[0].status, None);
    assert!(
        delivery.attempts[0]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("connecting to"),
        "{:?}",
        delivery.attempts[0].detail
    );

    // Too slow to answer.
    let slow = Endpoint::start(vec![204], Duration::from_secs(2)).await;
    let options = DeliveryOptions::new().with_schedule(
        RetrySchedule::platform()
            .with_max_attempts(1)
            .with_timeout(Duration::from_millis(100)),
    );
    let delivery = deliver(&platform, &body, &slow.url(), &options, |_| {})
        .await
        .unwrap();
    assert!(!delivery.delivered);
    assert!(
        delivery.attempts[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("no answer within"),
        "{:?}",
        delivery.attempts[0].detail
    );
}

#[tokio::test]
async fn a_probe_and_a_stale_signature_are_refused_by_the_merchant() {
    let platform = platform();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([13; 32]);
    let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    let client = platform.keys().client("http://127.0.0.1:1").unwrap();
    let key = ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
    for (options, message) in [
        (
            fast(1).with_signature(CallbackSignature::Probe),
            "signature verification failed",
        ),
        (
            fast(1).with_clock_offset(-3600),
            "timestamp outside the accepted window",
        ),
    ] {
        let endpoint = Endpoint::start(vec![204], Duration::ZERO).await;
        deliver(&platform, &body, &endpoint.url(), &options, |_| {})
            .await
            .unwrap();
        let received = &endpoint.received()[0];
        let error = client
            .open_notification(&received.headers, &received.body, now(), &key)
            .unwrap_err();
        assert_eq!(NotificationAnswer::refusal(&error).message(), Some(message));
    }
}

#[tokio::test]
async fn https_and_malformed_urls_are_refused_before_any_attempt() {
    let platform = platform();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([14; 32]);
    let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    for url in ["https://example.com/notify", "127.0.0.1:8080"] {
        let error = deliver(&platform, &body, url, &fast(1), |_| {})
            .await
            .unwrap_err();
        assert!(error.to_string().contains("cannot deliver"), "{error}");
    }
    assert!(platform.deliveries().is_empty());
}

#[tokio::test]
async fn the_control_route_sends_a_callback_and_lists_its_attempts() {
    let platform = platform();
    let server =
        MockServer::start_with_control(platform.clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let endpoint = Endpoint::start(vec![500, 204], Duration::ZERO).await;

    let (status, accepted) = control(
        &server,
        http::Method::POST,
        "/mock/notifications",
        serde_json::json!({
            "event": "REFUND.ABNORMAL",
            "url": endpoint.url(),
            "resource": {"out_refund_no": "R-7"},
            "compress": 1000,
        }),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["event_type"], "REFUND.ABNORMAL");
    assert_eq!(accepted["attempts"], 16);
    let id = accepted["id"].as_str().unwrap().to_owned();

    let listed = loop {
        let (_, listed) = control(
            &server,
            http::Method::GET,
            "/mock/notifications",
            serde_json::Value::Null,
        )
        .await;
        if listed[0]["finished"] == true {
            break listed;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["delivered"], true);
    let statuses: Vec<_> = listed[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64())
        .collect();
    assert_eq!(statuses, [Some(500), Some(204)]);

    // What arrived is the asked-for event, for this merchant.
    let received = endpoint.received();
    let client = platform.keys().client("http://127.0.0.1:1").unwrap();
    let key = ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
    let opened = client
        .open_notification(&received[1].headers, &received[1].body, now(), &key)
        .unwrap();
    assert_eq!(opened.id, id);
    let Event::Refund(refund) = opened.event else {
        panic!("{:?}", opened.event)
    };
    assert_eq!(refund.out_refund_no, "R-7");

    // Any other event needs its resource and type.
    let (status, refused) = control(
        &server,
        http::Method::POST,
        "/mock/notifications",
        serde_json::json!({"event": "VIOLATION.NOTIFY", "url": endpoint.url()}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refused["error"].as_str().unwrap().contains("original_type"),
        "{refused}"
    );
    let (status, _) = control(
        &server,
        http::Method::POST,
        "/mock/notifications",
        serde_json::json!({
            "event": "VIOLATION.NOTIFY", "original_type": "violation",
            "resource": {"complaint_id": "C1"}, "url": endpoint.url(),
        }),
    )
    .await;
    assert_eq!(status, 202);
    for bad in [
        serde_json::json!({"event": "REFUND.SUCCESS", "url": "https://example.com"}),
        serde_json::json!({"event": "REFUND.SUCCESS", "url": endpoint.url(), "attempts": 17}),
        serde_json::json!({"event": "REFUND.SUCCESS", "url": endpoint.url(), "clock_offset": 99999}),
        serde_json::json!({"url": endpoint.url()}),
    ] {
        let (status, refused) = control(
            &server,
            http::Method::POST,
            "/mock/notifications",
            bad.clone(),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {refused}");
    }

    let (status, _) = control(
        &server,
        http::Method::DELETE,
        "/mock/notifications",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    assert!(platform.deliveries().is_empty());
}
