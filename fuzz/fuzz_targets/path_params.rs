//! Parameter validation and encoding, for every typed endpoint the core lists: whatever is
//! accepted is sendable as is, and each value comes back out of the path, the query or the
//! JSON body unchanged (nothing added, nothing lost).
//!
//! Input: the parameter values, separated by NUL; each endpoint takes as many as it has, the
//! rest from its example.
#![no_main]

use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::fuzzing::endpoints;
use wechatpay_core::{PlatformKeys, RequestContext, check_path_and_query};

fn decoded(encoded: &str) -> String {
    percent_decode_str(encoded)
        .decode_utf8()
        .expect("encoding of UTF-8 decodes to UTF-8")
        .into_owned()
}

/// Every string of a JSON document, and every number as text: an amount given as `"10"` is
/// sent as the number `10`.
fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => into.push(text.clone()),
        serde_json::Value::Number(number) => into.push(number.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
        serde_json::Value::Object(fields) => fields.values().for_each(|v| strings(v, into)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let given: Vec<&str> = text.split('\0').collect();
    let keys = PlatformKeys::new();
    let mut rng = ChaCha20Rng::from_seed([0; 32]);
    for endpoint in endpoints() {
        let values: Vec<&str> = (0..endpoint.params.len())
            .map(|i| given.get(i).copied().unwrap_or(endpoint.example[i]))
            .collect();
        let Ok(parts) = (endpoint.request)(&values, &mut RequestContext::new(&keys, &mut rng))
        else {
            continue;
        };
        let path = parts.path_and_query();
        check_path_and_query(path).expect("sendable as is");
        let mut pieces: Vec<String> = path.split(['/', '?', '&', '=']).map(decoded).collect();
        // Parameters of a body (the self-check's message) are its JSON strings.
        if let Ok(body) = serde_json::from_slice::<serde_json::Value>(parts.signed_body()) {
            strings(&body, &mut pieces);
        }
        for value in &values {
            assert!(
                pieces.iter().any(|piece| piece == value),
                "{}: {value:?} is neither in {path:?} nor in the body",
                endpoint.name
            );
        }
    }
    let _ = check_path_and_query(text);
});
