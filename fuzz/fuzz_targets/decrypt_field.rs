//! Sensitive-field decryption input: arbitrary base64 text, and arbitrary ciphertext bytes.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::EncryptedField;
use wechatpay_fuzz::client;

fuzz_target!(|data: &[u8]| {
    let credentials = client().credentials();
    let mut rng = ChaCha20Rng::from_seed([0; 32]);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = credentials.decrypt(&EncryptedField::new(text), &mut rng);
    }
    // The same bytes as a ciphertext, so the RSA-OAEP decoder sees arbitrary blocks too.
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = credentials.decrypt(&EncryptedField::new(encoded), &mut rng);
});
