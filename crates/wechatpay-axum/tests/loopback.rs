//! The extractor behind a real axum server on loopback, fed by the mock platform: signed
//! callbacks opened and acknowledged, redeliveries handled once, and altered, stale, replayed
//! and probe callbacks refused with the core's answers, by a receiver on a client and by one
//! on a hyper adapter; and in certificate mode, a rotated certificate downloaded by the
//! adapter's refresh, where a receiver on a client refuses the callback for good.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use rand_core::SeedableRng;
use wechatpay_axum::{Answer, Callback, NotificationReceiver};
use wechatpay_core::{
    ApiV3Key, Client, Event, MerchantCredentials, PlatformKeys, RefreshPolicy, VerificationError,
};
use wechatpay_hyper::HyperClient;
use wechatpay_mock::{
    CallbackEvent, CallbackSignature, CertificateKey, DeliveryOptions, MockKeys, MockPlatform,
    MockServer, PlatformMode, RetrySchedule, deliver,
};

/// What the handler did: the ids it handled and the effects it had, once each.
#[derive(Default)]
struct Ledger {
    handled: HashSet<String>,
    paid: Vec<(String, u64)>,
    refunded: Vec<String>,
    other: Vec<String>,
    redeliveries: u32,
}

#[derive(Clone)]
struct App {
    callbacks: NotificationReceiver,
    ledger: Arc<Mutex<Ledger>>,
    /// How many more callbacks the handler fails, as if its database were down.
    failures: Arc<AtomicU32>,
}

impl FromRef<App> for NotificationReceiver {
    fn from_ref(app: &App) -> Self {
        app.callbacks.clone()
    }
}

async fn notify(State(app): State<App>, Callback(notification): Callback) -> Answer {
    if app
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return Answer::failure("database unavailable");
    }
    let mut ledger = app.ledger.lock().unwrap();
    if !ledger.handled.insert(notification.id.clone()) {
        ledger.redeliveries += 1;
        return Answer::success();
    }
    match notification.event {
        Event::Transaction(paid) => ledger.paid.push((paid.out_trade_no, paid.amount.total)),
        Event::Refund(refund) => ledger.refunded.push(refund.out_refund_no),
        Event::Other(raw) => ledger.other.push(raw.original_type().to_owned()),
        other => panic!("{other:?}"),
    }
    Answer::success()
}

struct Server {
    url: String,
    ledger: Arc<Mutex<Ledger>>,
    failures: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a receiver verifies through.
#[derive(Debug, Clone, Copy)]
enum Through {
    Client,
    /// A hyper adapter over the same client, refreshing nothing: it never calls out.
    Adapter,
}

const BOTH: [Through; 2] = [Through::Client, Through::Adapter];

fn receiver(through: Through, client: Client, key: &str) -> NotificationReceiver {
    let key = ApiV3Key::new(key).unwrap();
    match through {
        Through::Client => NotificationReceiver::new(client, key),
        Through::Adapter => {
            NotificationReceiver::with_adapter(HyperClient::new(client).unwrap(), key)
        }
    }
}

/// A server whose receiver verifies through `through` with the platform's keys.
async fn start(through: Through, platform: &MockPlatform, key: &str, body_limit: usize) -> Server {
    let client = platform.keys().client("http://127.0.0.1:1").unwrap();
    serve(receiver(through, client, key).with_body_limit(body_limit)).await
}

async fn serve(callbacks: NotificationReceiver) -> Server {
    let app = App {
        callbacks,
        ledger: Arc::default(),
        failures: Arc::default(),
    };
    let (ledger, failures) = (app.ledger.clone(), app.failures.clone());
    let router = Router::new()
        .route("/wechatpay/notify", post(notify))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechatpay/notify", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Server {
        url,
        ledger,
        failures,
        task,
    }
}

fn platform() -> MockPlatform {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([21; 32]);
    MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Sends one request as it is, returns the status and the JSON body (null when empty).
async fn send(url: &str, request: http::Request<Vec<u8>>) -> (u16, serde_json::Value) {
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
    let response = sender.send_request(request.map(full)).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

fn full(body: Vec<u8>) -> axum::body::Body {
    axum::body::Body::from(Bytes::from(body))
}

/// A callback for `event`, signed at `now` as the platform signs each delivery.
fn signed(
    platform: &MockPlatform,
    url: &str,
    event: &str,
    signature: CallbackSignature,
    now: u64,
) -> http::Request<Vec<u8>> {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([22; 32]);
    let event = CallbackEvent::named(event, platform, now, &mut rng).unwrap();
    let body = platform.callback_body(&event, now, &mut rng).unwrap();
    platform
        .callback_request(&body, url, signature, now, &mut rng)
        .unwrap()
}

fn fast() -> DeliveryOptions {
    DeliveryOptions::new().with_schedule(
        RetrySchedule::platform()
            .compressed(1000)
            .with_max_attempts(4),
    )
}

#[tokio::test]
async fn signed_callbacks_are_opened_typed_and_acknowledged() {
    for through in BOTH {
        signed_callbacks_are_opened_through(through).await;
    }
}

async fn signed_callbacks_are_opened_through(through: Through) {
    let platform = platform();
    let server = start(through, &platform, &platform.keys().api_v3_key, 1 << 20).await;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([23; 32]);
    for (name, fields) in [
        (
            "TRANSACTION.SUCCESS",
            serde_json::json!({"out_trade_no": "ORDER-1", "amount": {"total": 1234}}),
        ),
        (
            "REFUND.SUCCESS",
            serde_json::json!({"out_refund_no": "REFUND-1"}),
        ),
    ] {
        let event = CallbackEvent::named(name, &platform, now(), &mut rng)
            .unwrap()
            .with_fields(fields)
            .unwrap();
        let body = platform.callback_body(&event, now(), &mut rng).unwrap();
        let delivery = deliver(&platform, &body, &server.url, &fast(), |_| {})
            .await
            .unwrap();
        assert!(delivery.delivered, "{through:?}: {delivery:?}");
        assert_eq!(delivery.attempts.len(), 1);
        assert_eq!(delivery.attempts[0].status, Some(204));
    }
    let event = CallbackEvent::custom(
        "VIOLATION.NOTIFY",
        "violation",
        "商户违规",
        serde_json::json!({"record_id": "V1"}),
    )
    .unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    assert!(
        deliver(&platform, &body, &server.url, &fast(), |_| {})
            .await
            .unwrap()
            .delivered
    );

    let ledger = server.ledger.lock().unwrap();
    assert_eq!(ledger.paid, [("ORDER-1".to_owned(), 1234)]);
    assert_eq!(ledger.refunded, ["REFUND-1"]);
    assert_eq!(ledger.other, ["violation"]);
}

#[tokio::test]
async fn a_failed_handler_is_answered_500_and_the_redelivery_handled_once() {
    let platform = platform();
    let server = start(
        Through::Client,
        &platform,
        &platform.keys().api_v3_key,
        1 << 20,
    )
    .await;
    server.failures.store(2, Ordering::SeqCst);
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([24; 32]);
    let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), &mut rng).unwrap();
    let body = platform.callback_body(&event, now(), &mut rng).unwrap();
    let delivery = deliver(&platform, &body, &server.url, &fast(), |_| {})
        .await
        .unwrap();
    let statuses: Vec<_> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(204)]);
    assert_eq!(
        delivery.attempts[0].detail.as_deref(),
        Some("database unavailable")
    );

    // The platform delivers again even after a success now and then: handled once.
    let again = deliver(&platform, &body, &server.url, &fast(), |_| {})
        .await
        .unwrap();
    assert_eq!(again.attempts[0].status, Some(204));
    let ledger = server.ledger.lock().unwrap();
    assert_eq!(ledger.paid.len(), 1);
    assert_eq!(ledger.redeliveries, 1);
}

#[tokio::test]
async fn a_replay_within_the_window_is_acknowledged_but_not_handled_again() {
    for through in BOTH {
        a_replay_is_handled_once_through(through).await;
    }
}

async fn a_replay_is_handled_once_through(through: Through) {
    let platform = platform();
    let server = start(through, &platform, &platform.keys().api_v3_key, 1 << 20).await;
    let request = signed(
        &platform,
        &server.url,
        "REFUND.CLOSED",
        CallbackSignature::Valid,
        now(),
    );
    let (status, _) = send(&server.url, request.clone()).await;
    assert_eq!(status, 204);
    // The very same bytes again, as an eavesdropper would replay them.
    let (status, _) = send(&server.url, request).await;
    assert_eq!(status, 204);
    let ledger = server.ledger.lock().unwrap();
    assert_eq!(ledger.refunded.len(), 1, "{through:?}");
    assert_eq!(ledger.redeliveries, 1);
}

#[tokio::test]
async fn altered_stale_probe_and_unsigned_callbacks_are_refused_with_the_core_s_answers() {
    for through in BOTH {
        refusals_through(through).await;
    }
}

async fn refusals_through(through: Through) {
    let platform = platform();
    let server = start(through, &platform, &platform.keys().api_v3_key, 4096).await;
    let failure = |message: &str| serde_json::json!({"code": "FAIL", "message": message});

    // Altered: one byte of the body.
    let mut altered = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    let at = altered.body().len() / 2;
    altered.body_mut()[at] ^= 1;
    assert_eq!(
        send(&server.url, altered).await,
        (401, failure("signature verification failed")),
        "{through:?}"
    );

    // Stale: signed an hour ago (a replay after the window, or a platform clock adrift).
    let stale = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now() - 3600,
    );
    assert_eq!(
        send(&server.url, stale).await,
        (401, failure("timestamp outside the accepted window")),
        "{through:?}"
    );

    // The platform's probe: refused exactly as a bad signature is.
    let probe = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Probe,
        now(),
    );
    assert_eq!(
        send(&server.url, probe).await,
        (401, failure("signature verification failed")),
        "{through:?}"
    );

    // Not signed at all.
    let mut unsigned = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    for header in [
        "wechatpay-signature",
        "wechatpay-timestamp",
        "wechatpay-nonce",
        "wechatpay-serial",
    ] {
        unsigned.headers_mut().remove(header);
    }
    assert_eq!(
        send(&server.url, unsigned).await,
        (401, failure("signature verification failed")),
        "{through:?}"
    );

    // Signed with a key this merchant does not hold.
    let mut unknown = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    unknown.headers_mut().insert(
        "wechatpay-serial",
        "PUB_KEY_ID_0119000000012024112300000000000099"
            .parse()
            .unwrap(),
    );
    assert_eq!(
        send(&server.url, unknown).await,
        (401, failure("unknown platform key")),
        "{through:?}"
    );

    // Over the body limit: refused before it is read.
    let mut large = signed(
        &platform,
        &server.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    *large.body_mut() = vec![b' '; 5000];
    large.headers_mut().remove("content-length");
    assert_eq!(
        send(&server.url, large).await,
        (413, failure("body too large")),
        "{through:?}"
    );

    assert!(
        server.ledger.lock().unwrap().handled.is_empty(),
        "no handler ran"
    );
}

#[tokio::test]
async fn another_apiv3_key_is_this_side_s_fault_and_answered_500() {
    for through in BOTH {
        another_apiv3_key_through(through).await;
    }
}

async fn another_apiv3_key_through(through: Through) {
    let platform = platform();
    let server = start(
        through,
        &platform,
        "Wechatpay0Test0ApiV3Key000000002",
        1 << 20,
    )
    .await;
    let request = signed(
        &platform,
        &server.url,
        "REFUND.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    assert_eq!(
        send(&server.url, request).await,
        (
            500,
            serde_json::json!({"code": "FAIL", "message": "resource decryption failed"})
        ),
        "{through:?}"
    );
    // The platform will deliver it again; with the right key, it then succeeds.
    let fixed = start(through, &platform, &platform.keys().api_v3_key, 1 << 20).await;
    let request = signed(
        &platform,
        &fixed.url,
        "REFUND.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    assert_eq!(send(&fixed.url, request).await.0, 204);
}

/// How many times the platform was asked for its certificates.
fn certificate_downloads(platform: &MockPlatform) -> usize {
    platform
        .requests()
        .iter()
        .filter(|seen| seen.path_and_query == "/v3/certificates")
        .count()
}

/// The client of a merchant in certificate mode that downloaded the platform's certificates
/// before the rotation: it holds the first one only, and calls `base_url`.
fn holding_the_first_certificate(keys: &MockKeys, base_url: &str) -> Client {
    let credentials = MerchantCredentials::new(
        &keys.mchid,
        &keys.merchant_serial,
        &keys.merchant_private_key_pem,
    )
    .unwrap();
    let mut platform_keys = PlatformKeys::new();
    let first = keys.certificate.as_ref().unwrap();
    platform_keys
        .add_certificate(&first.certificate_pem)
        .unwrap();
    Client::new(credentials, platform_keys)
        .unwrap()
        .with_base_url(base_url)
        .unwrap()
}

#[tokio::test]
async fn after_a_rotation_a_refreshing_adapter_downloads_the_certificate_once_and_a_client_refuses()
{
    let platform = Arc::new(platform().with_mode(PlatformMode::Certificate).unwrap());
    let mock = MockServer::start(platform.clone()).unwrap();
    let keys = platform.keys().clone();
    let next = CertificateKey::next_fixture();
    platform.rotate_certificate(next.clone()).unwrap();
    let key = || ApiV3Key::new(&keys.api_v3_key).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([25; 32]);
    let paid = |out_trade_no: &str, rng: &mut rand_chacha::ChaCha20Rng| {
        let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, now(), rng)
            .unwrap()
            .with_fields(serde_json::json!({"out_trade_no": out_trade_no}))
            .unwrap();
        platform.callback_body(&event, now(), rng).unwrap()
    };

    // The platform signs callbacks with the newest certificate valid now: the one rotated in.
    let request = signed(
        &platform,
        "http://127.0.0.1:1/",
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    assert_eq!(request.headers()["wechatpay-serial"], next.serial.as_str());

    // A receiver on the client as it is refuses it on every delivery: the platform gives up.
    let plain = serve(NotificationReceiver::new(
        holding_the_first_certificate(&keys, &mock.url()),
        key(),
    ))
    .await;
    let body = paid("ORDER-PLAIN", &mut rng);
    let delivery = deliver(&platform, &body, &plain.url, &fast(), |_| {})
        .await
        .unwrap();
    assert!(!delivery.delivered);
    assert_eq!(delivery.attempts.len(), 4);
    for attempt in &delivery.attempts {
        assert_eq!(attempt.status, Some(401));
        assert_eq!(attempt.detail.as_deref(), Some("unknown platform key"));
    }
    assert!(plain.ledger.lock().unwrap().handled.is_empty());
    assert_eq!(certificate_downloads(&platform), 0);

    // A receiver on a refreshing adapter over the same kind of client.
    let adapter = Arc::new(
        HyperClient::new(holding_the_first_certificate(&keys, &mock.url()))
            .unwrap()
            .with_certificate_refresh(key(), RefreshPolicy::default()),
    );
    let receiver = NotificationReceiver::with_adapter(adapter.clone(), key());
    // `open` downloads nothing: with the keys held, the serial is unknown.
    let refused = receiver
        .open(request.headers(), request.body())
        .unwrap_err();
    assert!(
        matches!(
            refused.verification(),
            Some(VerificationError::UnknownSerial { .. })
        ),
        "{refused}"
    );
    // The callback the other receiver refused, delivered again: accepted after one download.
    let refreshing = serve(receiver.clone()).await;
    let delivery = deliver(&platform, &body, &refreshing.url, &fast(), |_| {})
        .await
        .unwrap();
    assert!(delivery.delivered, "{delivery:?}");
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(delivery.attempts[0].status, Some(204));
    assert_eq!(certificate_downloads(&platform), 1);
    assert!(adapter.core().platform_keys().get(&next.serial).is_some());
    // What the adapter downloaded serves `open` too, and the next callbacks: no download.
    let opened = receiver.open(request.headers(), request.body()).unwrap();
    assert_eq!(opened.event_type.as_str(), "TRANSACTION.SUCCESS");
    let body = paid("ORDER-NEXT", &mut rng);
    let delivery = deliver(&platform, &body, &refreshing.url, &fast(), |_| {})
        .await
        .unwrap();
    assert_eq!(delivery.attempts[0].status, Some(204));
    assert_eq!(certificate_downloads(&platform), 1);

    // A serial nobody holds, within the policy's gap: refused, and no download.
    let mut stranger = signed(
        &platform,
        &refreshing.url,
        "TRANSACTION.SUCCESS",
        CallbackSignature::Valid,
        now(),
    );
    stranger.headers_mut().insert(
        "wechatpay-serial",
        "6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90".parse().unwrap(),
    );
    let (status, answer) = send(&refreshing.url, stranger).await;
    assert_eq!(
        (status, answer),
        (
            401,
            serde_json::json!({"code": "FAIL", "message": "unknown platform key"})
        )
    );
    assert_eq!(certificate_downloads(&platform), 1);

    // The first certificate retired: the callbacks, signed by the next one, still verify.
    platform
        .retire_certificate(&keys.certificate.as_ref().unwrap().serial)
        .unwrap();
    let body = paid("ORDER-AFTER", &mut rng);
    let delivery = deliver(&platform, &body, &refreshing.url, &fast(), |_| {})
        .await
        .unwrap();
    assert_eq!(delivery.attempts[0].status, Some(204));
    let ledger = refreshing.ledger.lock().unwrap();
    let paid: Vec<_> = ledger
        .paid
        .iter()
        .map(|(order, _)| order.as_str())
        .collect();
    assert_eq!(paid, ["ORDER-PLAIN", "ORDER-NEXT", "ORDER-AFTER"]);
    assert_eq!(certificate_downloads(&platform), 1);
    drop(ledger);
    mock.stop();
}
