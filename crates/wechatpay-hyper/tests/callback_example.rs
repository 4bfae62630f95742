//! The callback endpoint example (`examples/callback_server.rs`), run on loopback and fed by
//! the mock platform: callbacks handled once each, and altered, stale, replayed and probe
//! callbacks refused with the core's answers.

#[path = "../examples/callback_server.rs"]
#[allow(dead_code)]
mod example;

use std::sync::{Arc, Mutex};

use example::{Endpoint, PATH};
use hyper_util::rt::TokioIo;
use rand_core::SeedableRng;
use wechatpay_core::ApiV3Key;
use wechatpay_mock::{
    CallbackEvent, CallbackSignature, DeliveryOptions, MockKeys, MockPlatform, RetrySchedule,
    deliver,
};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn platform() -> MockPlatform {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([31; 32]);
    MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap()
}

/// The example serving on a free loopback port, for `platform`'s merchant.
async fn start(platform: &MockPlatform) -> (String, Arc<Endpoint>, tokio::task::JoinHandle<()>) {
    let endpoint = Arc::new(Endpoint {
        client: platform.keys().client("http://127.0.0.1:1").unwrap(),
        key: ApiV3Key::new(&platform.keys().api_v3_key).unwrap(),
        clock: now,
        ledger: Mutex::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{PATH}", listener.local_addr().unwrap());
    let task = tokio::spawn(example::serve(listener, endpoint.clone()));
    (url, endpoint, task)
}

async fn send(url: &str, request: http::Request<Vec<u8>>) -> (u16, serde_json::Value) {
    use http_body_util::BodyExt;
    let authority = url
        .strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender
        .send_request(request.map(|body| http_body_util::Full::new(bytes::Bytes::from(body))))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn signed(
    platform: &MockPlatform,
    url: &str,
    event: &str,
    signature: CallbackSignature,
    at: u64,
) -> http::Request<Vec<u8>> {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([32; 32]);
    let event = CallbackEvent::named(event, platform, at, &mut rng).unwrap();
    let body = platform.callback_body(&event, at, &mut rng).unwrap();
    platform
        .callback_request(&body, url, signature, at, &mut rng)
        .unwrap()
}

#[tokio::test]
async fn callbacks_from_the_mock_are_handled_once_each() {
    let platform = platform();
    let (url, endpoint, task) = start(&platform).await;
    let options = DeliveryOptions::new().with_schedule(
        RetrySchedule::platform()
            .compressed(1000)
            .with_max_attempts(3),
    );
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([33; 32]);
    let paid = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), &mut rng)
        .unwrap()
        .with_fields(serde_json::json!({"out_trade_no": "ORDER-7", "amount": {"total": 700}}))
        .unwrap();
    let body = platform.callback_body(&paid, now(), &mut rng).unwrap();
    let delivery = deliver(&platform, &body, &url, &options, |_| {})
        .await
        .unwrap();
    assert!(delivery.delivered);
    assert_eq!(delivery.attempts[0].status, Some(204));
    // Delivered again, as the platform may: acknowledged, not paid twice.
    let again = deliver(&platform, &body, &url, &options, |_| {})
        .await
        .unwrap();
    assert!(again.delivered);

    let refund = CallbackEvent::named("REFUND.ABNORMAL", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&refund, now(), &mut rng).unwrap();
    assert!(
        deliver(&platform, &body, &url, &options, |_| {})
            .await
            .unwrap()
            .delivered
    );

    {
        let ledger = endpoint.ledger.lock().unwrap();
        assert_eq!(ledger.paid, [("ORDER-7".to_owned(), 700)]);
        assert_eq!(ledger.refunds.len(), 1);
        assert_eq!(ledger.refunds[0].1, "ABNORMAL");
        assert_eq!(ledger.duplicates, 1);
    }
    task.abort();
}

#[tokio::test]
async fn replayed_altered_stale_and_probe_callbacks_get_the_right_status() {
    let platform = platform();
    let (url, endpoint, task) = start(&platform).await;
    let failure = |message: &str| serde_json::json!({"code": "FAIL", "message": message});

    // Replayed within the window: acknowledged, handled once.
    let request = signed(
        &platform,
        &url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    assert_eq!(send(&url, request.clone()).await.0, 204);
    assert_eq!(send(&url, request.clone()).await.0, 204);

    // Altered.
    let mut altered = request.clone();
    let at = altered.body().len() / 3;
    altered.body_mut()[at] ^= 1;
    assert_eq!(
        send(&url, altered).await,
        (401, failure("signature verification failed"))
    );

    // Replayed (or delivered) after the window: stale.
    let stale = signed(
        &platform,
        &url,
        "REFUND.SUCCESS",
        CallbackSignature::Valid,
        now() - 600,
    );
    assert_eq!(
        send(&url, stale).await,
        (401, failure("timestamp outside the accepted window"))
    );

    // The probe: refused as a bad signature is.
    let probe = signed(
        &platform,
        &url,
        "REFUND.SUCCESS",
        CallbackSignature::Probe,
        now(),
    );
    assert_eq!(
        send(&url, probe).await,
        (401, failure("signature verification failed"))
    );

    // Elsewhere than the callback path.
    let mut elsewhere = request.clone();
    *elsewhere.uri_mut() = "/other".parse().unwrap();
    assert_eq!(send(&url, elsewhere).await.0, 404);

    {
        let ledger = endpoint.ledger.lock().unwrap();
        assert_eq!(ledger.paid.len(), 1);
        assert_eq!(ledger.duplicates, 1);
        assert!(ledger.refunds.is_empty());
    }
    task.abort();
}
