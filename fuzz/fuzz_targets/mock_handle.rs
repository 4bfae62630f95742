//! Any method, URI, headers and body into the mock platform, routed as its server routes them
//! (control routes under `/mock/`, the platform's handler otherwise): no panic, every request is
//! answered within the mock's bounds, and the request log stays bounded.
//!
//! Input: up to four requests separated by two NUL bytes, each a flags byte then
//! `METHOD URI \n (name: value \n)* \n body`. Flags: bit 0 signs the request with the test
//! merchant key (so that routing and parameters are reached past authentication), bit 1 sets
//! the platform's clock to `u64::MAX`, bit 2 to `0`, bit 3 serves without control routes.
#![no_main]

use std::sync::OnceLock;

use http::{HeaderName, HeaderValue, Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{Client, Nonce};
use wechatpay_fuzz::NOW;
use wechatpay_mock::{Fault, MAX_REQUESTS_KEPT, MockKeys, MockPlatform, PlatformMode, control};

const MAX_REQUESTS: usize = 4;

/// One platform for the whole run: building one signs and encrypts. Its faults and log are
/// cleared before each input, and its mode and certificates put back as built ([`as_built`]). Requests add records only within bounds (uploads, at most
/// `MAX_MEDIA_KEPT`; applyment submissions, at most `MAX_APPLYMENTS`).
fn platform() -> &'static (MockPlatform, Client) {
    static PLATFORM: OnceLock<(MockPlatform, Client)> = OnceLock::new();
    PLATFORM.get_or_init(|| {
        let keys = MockKeys::fixtures();
        let platform = MockPlatform::new(keys.clone(), &mut ChaCha20Rng::from_seed([5; 32]))
            .expect("mock platform");
        let client = keys.client("http://127.0.0.1:8080").expect("mock client");
        (platform, client)
    })
}

/// Puts back the mode and certificates the control routes may have changed, so that an input
/// does the same whatever ran before it. A certificate is parsed again only when one was
/// retired.
fn as_built(platform: &MockPlatform) {
    let built = MockKeys::fixtures()
        .certificate
        .expect("the fixtures have a certificate");
    platform
        .set_mode(PlatformMode::PublicKey)
        .expect("public key mode needs no certificate");
    for held in platform.certificates() {
        if held.serial != built.serial {
            // Always allowed in public key mode.
            let _ = platform.retire_certificate(&held.serial);
        }
    }
    if platform.certificates().is_empty() {
        platform
            .rotate_certificate(built)
            .expect("the fixtures' certificate");
    }
}

fn request(text: &[u8]) -> Option<Request<Vec<u8>>> {
    let (head, body) = match text.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => (text, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let request_line = lines.next()?;
    let space = request_line.iter().position(|&b| b == b' ')?;
    let method = Method::from_bytes(&request_line[..space]).ok()?;
    let uri = Uri::try_from(&request_line[space + 1..]).ok()?;
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.to_vec())
        .ok()?;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = line[colon + 1..]
            .strip_prefix(b" ")
            .unwrap_or(&line[colon + 1..]);
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            request.headers_mut().append(name, value);
        }
    }
    Some(request)
}

fuzz_target!(|data: &[u8]| {
    let (platform, client) = platform();
    platform.clear_faults();
    platform.clear_requests();
    as_built(platform);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let mut chunks = Vec::new();
    let mut rest = data;
    while chunks.len() < MAX_REQUESTS - 1 {
        let Some(at) = rest.windows(2).position(|w| w == b"\0\0") else {
            break;
        };
        chunks.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    chunks.push(rest);
    for chunk in chunks {
        let Some((&flags, text)) = chunk.split_first() else {
            continue;
        };
        let Some(mut request) = request(text) else {
            continue;
        };
        if flags & 1 != 0 {
            // A request the core refuses to sign is sent unsigned, as a broken client would.
            let _ = client.sign_request(&mut request, NOW, &Nonce::generate(&mut rng), &mut rng);
        }
        let now = match (flags & 2 != 0, flags & 4 != 0) {
            (true, _) => u64::MAX,
            (false, true) => 0,
            (false, false) => NOW,
        };
        let with_control = flags & 8 == 0;
        if with_control && request.uri().path().starts_with(control::PREFIX) {
            let response = control::handle(platform, &request, NOW);
            if !response.body().is_empty() {
                let value: serde_json::Value =
                    serde_json::from_slice(response.body()).expect("control answers are JSON");
                if response.status().is_client_error() {
                    assert!(value["error"].is_string(), "a refusal says why: {value}");
                }
            }
        } else {
            let answer = platform.handle(&request, now, &mut rng);
            assert!(answer.delay <= Fault::MAX_DELAY, "{:?}", answer.delay);
            if let Some(response) = answer.response {
                assert!(response.body().len() <= Fault::MAX_OVERSIZE_BODY);
            }
        }
    }
    assert!(platform.requests().len() <= MAX_REQUESTS_KEPT);
});
