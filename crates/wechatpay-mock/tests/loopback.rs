//! Certificate mode, a rotation and the echo over real loopback HTTP: the mode and the
//! certificates switched through the control routes, and the echo's test callback sent by the
//! server to a merchant endpoint.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde_json::{Value, json};
use wechatpay_core::{
    AnyEndpoint, ApiV3Key, Client, DownloadCertificates, Error, Event, PathBuilder, PlatformKeys,
};
use wechatpay_fixtures::keys;
use wechatpay_mock::endpoints::echo::ECHO_EVENT;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer};

mod support;

use support::loopback::{Endpoint, control, now, send};
use support::{certificate_client, credentials, rng};

/// 2026-05-28, in the overlap of the fixtures' two certificates. The server signs by this
/// machine's clock; answers are verified here as of this time, with a clock window wide
/// enough for any date the fixtures are valid at, so that what is checked is the signer.
const OVERLAP: u64 = 1_780_000_000;
const ANY_CLOCK: u64 = 10 * 365 * 24 * 3600;

fn server() -> MockServer {
    let platform = Arc::new(MockPlatform::new(MockKeys::fixtures(), &mut rng()).unwrap());
    MockServer::start_with_control(platform, "127.0.0.1:0".parse().unwrap()).unwrap()
}

/// The serial that signed `response`, verified with `certificates` as of [`OVERLAP`].
fn signer(response: &http::Response<Vec<u8>>, certificates: &[&str]) -> String {
    let mut trusted = PlatformKeys::new();
    for pem in certificates {
        trusted.add_certificate(pem).unwrap();
    }
    trusted
        .verify(response.headers(), response.body(), OVERLAP, ANY_CLOCK)
        .unwrap()
        .serial()
        .to_owned()
}

#[tokio::test]
async fn the_control_routes_switch_the_mode_and_rotate_the_certificates() {
    let server = server();
    let keys = MockKeys::fixtures();
    let first_download = Client::without_platform_keys(credentials(&keys));
    let download = DownloadCertificates::new(ApiV3Key::new(&keys.api_v3_key).unwrap());

    // Public key mode: a signed 404, which the core calls what it is.
    let response = send(&server, &first_download, &download, now()).await;
    assert_eq!(response.status(), 404);
    let in_public_key_mode = Client::without_platform_keys(credentials(&keys));
    assert!(matches!(
        in_public_key_mode.parse_certificates(&download, &response, now()),
        Err(Error::PublicKeyMode { .. })
    ));

    let (status, _) = control(
        &server,
        Method::POST,
        "/mock/mode",
        json!({"mode": "certificate"}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, rotated) = control(&server, Method::POST, "/mock/certificates", json!({})).await;
    assert_eq!(status, 201, "{rotated}");
    assert_eq!(rotated["serial_no"], keys::PLATFORM_CERT_NEXT_SERIAL);
    assert_eq!(rotated["expire_time"], "2031-01-01T08:00:00+08:00");
    let (status, _) = control(&server, Method::POST, "/mock/certificates", json!({})).await;
    assert_eq!(status, 409, "the same serial twice");
    let (_, listed) = control(&server, Method::GET, "/mock/certificates", Value::Null).await;
    assert_eq!(listed["mode"], "certificate");
    assert_eq!(listed["certificates"].as_array().unwrap().len(), 2);

    // The merchant that still holds the first certificate names it, and is answered with it.
    let holding_first = certificate_client(&keys, &[keys::PLATFORM_CERT_PEM]);
    let operation =
        AnyEndpoint::new(Method::GET, PathBuilder::parse("/v3/certificates").unwrap()).unwrap();
    let response = send(&server, &holding_first, &operation, now()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        signer(&response, &[keys::PLATFORM_CERT_PEM]),
        keys::PLATFORM_CERT_SERIAL
    );
    // A first download names none, reads both, and verifies by itself: with the next
    // certificate, the newest valid one from 2026 (until it expires in 2031).
    let response = send(&server, &first_download, &download, now()).await;
    let certificates = first_download
        .parse_certificates(&download, &response, now())
        .unwrap();
    assert_eq!(
        certificates.iter().map(|c| c.serial()).collect::<Vec<_>>(),
        [keys::PLATFORM_CERT_SERIAL, keys::PLATFORM_CERT_NEXT_SERIAL]
    );

    // Retired, the first one is gone; the last one stays in certificate mode.
    let path = format!("/mock/certificates/{}", keys::PLATFORM_CERT_SERIAL);
    let (status, _) = control(&server, Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, 204);
    let (status, _) = control(&server, Method::DELETE, &path, Value::Null).await;
    assert_eq!(status, 404);
    let response = send(&server, &holding_first, &operation, now()).await;
    assert_eq!(
        signer(&response, &[keys::PLATFORM_CERT_NEXT_PEM]),
        keys::PLATFORM_CERT_NEXT_SERIAL
    );
    let last = format!("/mock/certificates/{}", keys::PLATFORM_CERT_NEXT_SERIAL);
    let (status, refused) = control(&server, Method::DELETE, &last, Value::Null).await;
    assert_eq!(status, 409, "{refused}");

    let (status, refused) =
        control(&server, Method::POST, "/mock/mode", json!({"mode": "both"})).await;
    assert_eq!(status, 400);
    assert!(
        refused["error"].as_str().unwrap().contains("public-key"),
        "{refused}"
    );
    let (status, refused) = control(
        &server,
        Method::POST,
        "/mock/certificates",
        json!({"certificate_pem": keys::PLATFORM_CERT_PEM, "private_key_pem": keys::PLATFORM_KEY_PEM}),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(!refused.to_string().contains("PRIVATE KEY"), "{refused}");
    let (status, _) = control(
        &server,
        Method::POST,
        "/mock/mode",
        json!({"mode": "public-key"}),
    )
    .await;
    assert_eq!(status, 204);
    let response = send(&server, &first_download, &download, now()).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn an_echo_with_a_notify_url_sends_a_test_callback() {
    let server = server();
    let endpoint = Endpoint::start(vec![200], Duration::ZERO).await;
    let (_, client) = support::setup();
    let echo = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/security/echo").unwrap(),
    )
    .unwrap()
    .with_json(&json!({"echo_message": "over loopback", "notify_url": endpoint.url()}))
    .unwrap();
    let response = send(&server, &client, &echo, now()).await;
    let answer = client.parse(&echo, &response, now()).unwrap().unwrap();
    assert_eq!(answer["echo_message"], "over loopback");

    // The server sends it after answering, as the platform sends callbacks.
    let delivered = loop {
        let deliveries = server.platform().deliveries();
        if deliveries.first().is_some_and(|d| d.finished) {
            break deliveries;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(delivered[0].delivered);
    assert_eq!(delivered[0].event_type, ECHO_EVENT);
    let received = endpoint.received();
    let key = ApiV3Key::new(&MockKeys::fixtures().api_v3_key).unwrap();
    let opened = client
        .open_notification(&received[0].headers, &received[0].body, now(), &key)
        .unwrap();
    let Event::Other(resource) = opened.event else {
        panic!("{:?}", opened.event)
    };
    assert_eq!(
        resource.json::<Value>().unwrap(),
        json!({"echo_message": "over loopback"})
    );
}
