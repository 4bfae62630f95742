//! Response verification over arbitrary headers and body, with the test platform keys.
//!
//! Input: `timestamp \n nonce \n signature \n serial \n status \n body`, so that the test
//! vectors are seeds as they are; a missing line leaves that header out.
#![no_main]

use http::{HeaderName, HeaderValue, Response, StatusCode};
use libfuzzer_sys::fuzz_target;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_fuzz::{NOW, client};

const HEADERS: [&str; 4] = [
    "wechatpay-timestamp",
    "wechatpay-nonce",
    "wechatpay-signature",
    "wechatpay-serial",
];

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(6, |&b| b == b'\n');
    let mut response = Response::new(Vec::new());
    for name in HEADERS {
        let Some(value) = parts.next() else { break };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            response
                .headers_mut()
                .append(HeaderName::from_static(name), value);
        }
    }
    let status = parts
        .next()
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    *response.status_mut() = status;
    *response.body_mut() = parts.next().unwrap_or_default().to_vec();

    let client = client();
    let verified = client
        .verify(response.headers(), response.body(), NOW)
        .is_ok();
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").expect("valid");
    match client.parse(&query, &response, NOW) {
        // Nothing is decoded that did not verify.
        Ok(_) => assert!(verified && status.is_success()),
        Err(error) => {
            let _ = error.to_string();
            let _ = error.is_retryable();
            let _ = error.request_id();
        }
    }
});
