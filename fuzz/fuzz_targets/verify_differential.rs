//! Response verification against one platform public key, held once on each backend: the
//! pure-Rust and aws-lc-rs backends always reach the same verdict (the same key, or the same
//! error, field for field).
//!
//! Input: `timestamp \n nonce \n signature \n serial \n body`, as in `verify_response` without
//! the status line; a missing line leaves that header out. The signature line reaches past the
//! base64 layer in two forms:
//! - `#` then raw bytes: those bytes, base64-encoded, are the signature (any length, any value,
//!   the modulus and above included);
//! - `!` then edits: the real signature of the test platform key over this timestamp, nonce and
//!   body, then edited: each pair of bytes `(at, mask)` XORs `mask` into byte `at` (modulo the
//!   length); a lone last byte truncates the signature to that many bytes; `!` alone leaves it
//!   valid.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{Backend, PlatformKeys, PlatformSigner};
use wechatpay_fuzz::{NOW, PLATFORM_KEY, PLATFORM_KEY_ID, PLATFORM_PUB};

const HEADERS: [&str; 4] = [
    "wechatpay-timestamp",
    "wechatpay-nonce",
    "wechatpay-signature",
    "wechatpay-serial",
];

/// The test platform public key, on each backend.
fn keys() -> &'static [PlatformKeys; 2] {
    static KEYS: OnceLock<[PlatformKeys; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [Backend::RustCrypto, Backend::AwsLc].map(|backend| {
            let mut keys = PlatformKeys::with_backend(backend);
            keys.add_public_key(PLATFORM_KEY_ID, PLATFORM_PUB)
                .expect("platform public key");
            keys
        })
    })
}

fn signer() -> &'static PlatformSigner {
    static SIGNER: OnceLock<PlatformSigner> = OnceLock::new();
    SIGNER.get_or_init(|| {
        PlatformSigner::new(PLATFORM_KEY_ID, PLATFORM_KEY, Backend::AwsLc).expect("platform key")
    })
}

/// The real signature over `timestamp\nnonce\nbody\n`, edited as the module documentation says.
fn edited_signature(timestamp: &[u8], nonce: &[u8], body: &[u8], edits: &[u8]) -> Option<Vec<u8>> {
    // The signer takes the timestamp as a number and the nonce as text: inputs that are
    // neither cannot carry a valid signature, and the raw form covers them.
    let timestamp: u64 = std::str::from_utf8(timestamp).ok()?.parse().ok()?;
    let nonce = std::str::from_utf8(nonce).ok()?;
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let signature = signer().sign(timestamp, nonce, body, &mut rng).ok()?;
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .ok()?;
    let mut pairs = edits.chunks_exact(2);
    for pair in &mut pairs {
        let at = usize::from(pair[0]) % raw.len().max(1);
        if let Some(byte) = raw.get_mut(at) {
            *byte ^= pair[1];
        }
    }
    if let [len] = pairs.remainder() {
        raw.truncate(usize::from(*len));
    }
    Some(raw)
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.splitn(5, |&b| b == b'\n').collect();
    let body = lines.get(4).copied().unwrap_or_default();
    let mut headers = HeaderMap::new();
    for (index, name) in HEADERS.iter().enumerate() {
        let Some(&line) = lines.get(index) else { break };
        let value = match (index, line.split_first()) {
            (2, Some((b'#', raw))) => base64::engine::general_purpose::STANDARD
                .encode(raw)
                .into_bytes(),
            (2, Some((b'!', edits))) => {
                let timestamp = lines.first().copied().unwrap_or_default();
                let nonce = lines.get(1).copied().unwrap_or_default();
                match edited_signature(timestamp, nonce, body, edits) {
                    Some(raw) => base64::engine::general_purpose::STANDARD
                        .encode(raw)
                        .into_bytes(),
                    None => line.to_vec(),
                }
            }
            _ => line.to_vec(),
        };
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    let [rust_crypto, aws_lc] = keys();
    let left = rust_crypto
        .verify(&headers, body, NOW, 300)
        .map(|key| key.serial().to_owned());
    let right = aws_lc
        .verify(&headers, body, NOW, 300)
        .map(|key| key.serial().to_owned());
    assert_eq!(
        left, right,
        "RustCrypto (left) and AwsLc (right) disagree on {headers:?}"
    );
});
