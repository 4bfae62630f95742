//! The loopback server, spoken to with a raw socket: no client library in between.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Client, Host, Nonce};
use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn client(base_url: &str) -> Client {
    MockKeys::fixtures().client(base_url).unwrap()
}

/// Sends a signed request as raw HTTP/1.1 and returns what came back, or `None` on a closed
/// connection.
fn send(server: &MockServer) -> Option<String> {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let query = QueryApplymentByOutRequestNo::new("商户申请/2024 #1?").unwrap();
    let request = client(&server.url())
        .prepare(
            &query,
            Host::Primary,
            now(),
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    let mut head = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        request.uri().path_and_query().unwrap(),
        server.addr()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
    }
}

#[test]
fn a_signed_request_over_loopback_gets_a_signed_answer_and_drops_are_real() {
    let platform = Arc::new(
        MockPlatform::new(MockKeys::fixtures(), &mut ChaCha20Rng::from_seed([1; 32])).unwrap(),
    );
    let server = MockServer::start(platform.clone()).unwrap();

    let answer = send(&server).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    for header in [
        "wechatpay-signature:",
        "wechatpay-serial:",
        "wechatpay-timestamp:",
        "wechatpay-nonce:",
        "request-id:",
    ] {
        assert!(lower.contains(header), "{header} missing in {answer}");
    }
    assert!(
        answer.contains("\"applyment_id\":9007199254740993"),
        "{answer}"
    );

    platform.inject(Fault::DropConnection, 1);
    assert_eq!(send(&server), None);
    assert_eq!(platform.requests().len(), 2);
    assert_eq!(
        platform.requests()[0].path_and_query,
        "/v3/ecommerce/applyments/out-request-no/%E5%95%86%E6%88%B7%E7%94%B3%E8%AF%B7%2F2024%20%231%3F"
    );

    let addr = server.addr();
    server.stop();
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port is closed after stop"
    );
}

#[test]
fn generated_keys_work_end_to_end() {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let keys = MockKeys::generate(&mut rng).unwrap();
    assert!(keys.platform_public_key_id.starts_with("PUB_KEY_ID_"));
    assert_eq!(keys.merchant_serial.len(), 40);
    let platform = MockPlatform::new(keys.clone(), &mut rng).unwrap();
    let client = keys.client("https://api.mch.weixin.qq.com").unwrap();
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_NEED_SIGN").unwrap();
    let request = client
        .prepare(
            &query,
            Host::Primary,
            now(),
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    let response = platform.handle(&request, now(), &mut rng).response.unwrap();
    let applyment = client.parse(&query, &response, now()).unwrap();
    assert_eq!(applyment.applyment_state.as_str(), "NEED_SIGN");
    assert!(!format!("{keys:?}").contains("PRIVATE"));
}
