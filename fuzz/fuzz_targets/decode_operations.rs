//! Decoding of every typed endpoint's answer, past verification (the `--cfg fuzzing` hook):
//! errors, never panics, whatever the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_core::VerifiedBody;
use wechatpay_core::fuzzing::endpoints;

fuzz_target!(|data: &[u8]| {
    let body = VerifiedBody::for_fuzzing(data);
    for endpoint in endpoints() {
        if let Err(error) = (endpoint.decode)(body) {
            let _ = error.to_string();
        }
    }
});
