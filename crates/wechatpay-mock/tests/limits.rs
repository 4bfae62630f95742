//! Every size and duration the mock accepts is bounded: a value past a bound is refused with a
//! `400` and a message that names the bound, and nothing a request carries can panic the mock.
//! The bounds are written out as numbers here: they are part of the mock's documented contract.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Request;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Client, Host, Nonce};
use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};

/// 64 MiB: `oversize-body:BYTES` pads an answer to at most this.
const MAX_OVERSIZE_BODY: usize = 64 * 1024 * 1024;
/// 10 minutes: `slow:MILLISECONDS` waits at most this.
const MAX_SLOW_MILLIS: u64 = 600_000;
/// Faults queued at once through the control route.
const MAX_QUEUED_FAULTS: usize = 1024;
/// Requests kept in the log, the newest ones.
const MAX_REQUESTS_KEPT: usize = 10_000;
/// Bytes kept of each text recorded for a request (path and query, `Host`, `User-Agent`).
const MAX_RECORDED_TEXT: usize = 8 * 1024;

const NOW: u64 = 1_700_000_000;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([9; 32])
}

fn platform() -> Arc<MockPlatform> {
    Arc::new(MockPlatform::new(MockKeys::fixtures(), &mut rng()).unwrap())
}

fn client(base_url: &str) -> Client {
    MockKeys::fixtures().client(base_url).unwrap()
}

fn signed_query(client: &Client, now: u64) -> Request<Vec<u8>> {
    let mut rng = rng();
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_AUDITING").unwrap();
    client
        .prepare(
            &query,
            Host::Primary,
            now,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap()
}

/// One raw HTTP/1.1 exchange: the status and the body (headers dropped).
fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {:?}", String::from_utf8_lossy(&answer)));
    let status_line = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {status_line:?}"));
    (status, answer[split + 4..].to_vec())
}

fn post_fault(server: &MockServer, json: &str) -> (u16, Value) {
    let head = format!(
        "POST /mock/faults HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        server.addr(),
        json.len()
    );
    let (status, body) = exchange(server.addr(), &head, json.as_bytes());
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, value)
}

/// A signed query over loopback: the server still answers, and signs, after what came before.
fn query_is_answered(server: &MockServer) {
    #[allow(clippy::disallowed_methods)] // the test plays the merchant, whose clock is real
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let request = signed_query(&client(&server.url()), now);
    let mut head = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        request.uri().path_and_query().unwrap(),
        server.addr()
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    let (status, body) = exchange(server.addr(), &head, b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

fn error_text(value: &Value) -> &str {
    value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message in {value}"))
}

#[test]
fn fault_names_past_a_bound_are_refused_and_name_the_bound() {
    for (text, bound) in [
        (
            format!("oversize-body:{}", MAX_OVERSIZE_BODY + 1),
            "67108864",
        ),
        ("oversize-body:18446744073709551615".to_owned(), "67108864"),
        (
            "oversize-body:99999999999999999999999999".to_owned(),
            "67108864",
        ),
        (format!("slow:{}", MAX_SLOW_MILLIS + 1), "600000"),
        ("slow:18446744073709551615".to_owned(), "600000"),
    ] {
        let error = text.parse::<Fault>().expect_err(&text);
        assert!(error.to_string().contains(bound), "{text}: {error}");
    }
    for text in [
        format!("oversize-body:{MAX_OVERSIZE_BODY}"),
        format!("slow:{MAX_SLOW_MILLIS}"),
        "slow:0".to_owned(),
    ] {
        assert!(text.parse::<Fault>().is_ok(), "{text}");
    }
}

#[test]
fn an_oversize_body_past_the_bound_is_a_400_over_loopback_and_the_server_lives_on() {
    let server = MockServer::start_with_control(platform(), ([127, 0, 0, 1], 0).into()).unwrap();
    for json in [
        r#"{"fault":"oversize-body:18446744073709551615"}"#.to_owned(),
        format!(r#"{{"fault":"oversize-body:{}"}}"#, MAX_OVERSIZE_BODY + 1),
    ] {
        let (status, answer) = post_fault(&server, &json);
        assert_eq!(status, 400, "{json}: {answer}");
        assert!(error_text(&answer).contains("67108864"), "{answer}");
    }
    assert!(server.platform().requests().is_empty());
    query_is_answered(&server);
}

#[test]
fn a_delay_past_the_bound_is_a_400_over_loopback() {
    let server = MockServer::start_with_control(platform(), ([127, 0, 0, 1], 0).into()).unwrap();
    for json in [
        r#"{"fault":"slow:18446744073709551615"}"#.to_owned(),
        format!(r#"{{"fault":"slow:{}"}}"#, MAX_SLOW_MILLIS + 1),
    ] {
        let (status, answer) = post_fault(&server, &json);
        assert_eq!(status, 400, "{json}: {answer}");
        assert!(error_text(&answer).contains("600000"), "{answer}");
    }
    query_is_answered(&server);
}

#[test]
fn the_fault_queue_is_bounded_over_loopback() {
    let server = MockServer::start_with_control(platform(), ([127, 0, 0, 1], 0).into()).unwrap();
    // Filled in-process: a thousand loopback connections would only make the test slow.
    for _ in 0..MAX_QUEUED_FAULTS - 1 {
        server.platform().inject(Fault::ExtraFields, 1);
    }
    let (status, answer) = post_fault(&server, r#"{"fault":"system-error","times":2}"#);
    assert_eq!(status, 204, "{answer}");
    let (status, answer) = post_fault(&server, r#"{"fault":"system-error"}"#);
    assert_eq!(status, 400, "{answer}");
    assert!(error_text(&answer).contains("1024"), "{answer}");
    let clear = format!(
        "DELETE /mock/faults HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    assert_eq!(exchange(server.addr(), &clear, b"").0, 204);
    let (status, answer) = post_fault(&server, r#"{"fault":"system-error"}"#);
    assert_eq!(status, 204, "{answer}");
}

#[test]
fn out_of_range_times_are_a_400_naming_the_range() {
    let server = MockServer::start_with_control(platform(), ([127, 0, 0, 1], 0).into()).unwrap();
    for times in ["4294967296", "-1", "1.5", "\"2\""] {
        let (status, answer) = post_fault(
            &server,
            &format!(r#"{{"fault":"system-error","times":{times}}}"#),
        );
        assert_eq!(status, 400, "{times}: {answer}");
        assert!(error_text(&answer).contains("4294967295"), "{answer}");
    }
}

#[test]
fn the_request_log_keeps_the_newest_requests_only() {
    let platform = platform();
    let mut rng = rng();
    // Unsigned answers: the bound is about the log, not about signing ten thousand answers.
    platform.inject(Fault::SystemError, u32::MAX);
    for n in 0..=MAX_REQUESTS_KEPT {
        let request = Request::builder()
            .uri(format!("/v3/ecommerce/applyments/{n}"))
            .body(Vec::new())
            .unwrap();
        platform.handle(&request, NOW, &mut rng);
    }
    let seen = platform.requests();
    assert_eq!(seen.len(), MAX_REQUESTS_KEPT);
    assert_eq!(seen[0].path_and_query, "/v3/ecommerce/applyments/1");
    assert_eq!(
        seen[MAX_REQUESTS_KEPT - 1].path_and_query,
        format!("/v3/ecommerce/applyments/{MAX_REQUESTS_KEPT}")
    );
}

#[test]
fn recorded_texts_are_cut_at_the_bound() {
    let platform = platform();
    let long = "a".repeat(3 * MAX_RECORDED_TEXT);
    let request = Request::builder()
        .uri(format!("/v3/{long}?q={long}"))
        .header("host", &long)
        .header("user-agent", &long)
        .body(Vec::new())
        .unwrap();
    platform.inject(Fault::SystemError, 1);
    platform.handle(&request, NOW, &mut rng());
    let seen = &platform.requests()[0];
    assert!(seen.path_and_query.starts_with("/v3/aaa"));
    for text in [
        Some(&seen.path_and_query),
        seen.host.as_ref(),
        seen.user_agent.as_ref(),
    ] {
        let text = text.expect("recorded");
        assert!(text.len() <= MAX_RECORDED_TEXT, "{} bytes", text.len());
    }
}

#[test]
fn in_process_faults_past_a_bound_act_at_the_bound() {
    let platform = platform();
    let request = signed_query(&client("https://api.mch.weixin.qq.com"), NOW);
    platform.inject(Fault::Slow(Duration::MAX), 1);
    let answer = platform.handle(&request, NOW, &mut rng());
    assert_eq!(answer.delay, Duration::from_millis(MAX_SLOW_MILLIS));
    platform.inject(Fault::OversizeBody(usize::MAX), 1);
    let answer = platform.handle(&request, NOW, &mut rng());
    let response = answer.response.expect("an answer");
    assert_eq!(response.status(), 200);
    let len = response.body().len();
    assert!(
        (MAX_OVERSIZE_BODY - 64..=MAX_OVERSIZE_BODY).contains(&len),
        "{len} bytes"
    );
}

#[test]
fn the_platform_clock_at_its_limit_does_not_panic() {
    let platform = platform();
    let request = signed_query(&client("https://api.mch.weixin.qq.com"), NOW);
    for fault in [
        Fault::FutureTimestamp,
        Fault::StaleTimestamp,
        Fault::SystemError,
    ] {
        for now in [0, u64::MAX] {
            platform.inject(fault.clone(), 1);
            let answer = platform.handle(&request, now, &mut rng());
            assert!(answer.response.is_some(), "{fault:?} at {now}");
        }
    }
}
