//! Every key and certificate loader, on both backends: the same input is accepted by both or
//! refused by both, and a merchant key both accept signs the same bytes on both. The merchant
//! certificate (`doctor --merchant-cert`) is read as a platform certificate is.
//!
//! Input: PEM text as is (when UTF-8), and also, when the first byte picks a label (0 to 5),
//! the rest as the DER inside a PEM block of that label, so that the DER parsers see arbitrary
//! bytes behind a well-formed armour.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{
    Backend, MerchantCertificate, MerchantCredentials, Nonce, PlatformKeys, PlatformSigner,
    SigningInput,
};
use wechatpay_fuzz::{MCHID, MERCHANT_SERIAL, NOW, PLATFORM_KEY, PLATFORM_KEY_ID};

const LABELS: [&str; 6] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "PUBLIC KEY",
    "CERTIFICATE",
    "RSA PUBLIC KEY",
    "ENCRYPTED PRIVATE KEY",
];

const BACKENDS: [Backend; 2] = [Backend::RustCrypto, Backend::AwsLc];

/// What each loader made of the input, for one backend.
#[derive(Debug, PartialEq, Eq)]
struct Verdicts {
    merchant_key: bool,
    public_key: bool,
    certificate: bool,
    merchant_certificate: bool,
    platform_signer: bool,
}

fn load(pem: &str, backend: Backend) -> (Verdicts, Option<String>, Option<PlatformKeys>) {
    let merchant = MerchantCredentials::with_backend(MCHID, MERCHANT_SERIAL, pem, backend);
    let mut public_keys = PlatformKeys::with_backend(backend);
    let public_key = public_keys.add_public_key(PLATFORM_KEY_ID, pem).is_ok();
    let mut certificates = PlatformKeys::with_backend(backend);
    let certificate = certificates.add_certificate(pem).is_ok();
    let platform_signer = PlatformSigner::new(PLATFORM_KEY_ID, pem, backend).is_ok();
    let signature = merchant.as_ref().ok().map(|credentials| {
        let mut rng = ChaCha20Rng::from_seed([2; 32]);
        let nonce = Nonce::generate(&mut rng);
        let input = SigningInput {
            method: &Method::GET,
            path_and_query: "/v3/x",
            timestamp: NOW,
            nonce: &nonce,
            body: b"",
        };
        credentials
            .sign(&input, &mut rng)
            .map(|s| s.signature().to_owned())
            .unwrap_or_default()
    });
    let verdicts = Verdicts {
        merchant_key: merchant.is_ok(),
        public_key,
        certificate,
        merchant_certificate: MerchantCertificate::from_pem(pem).is_ok(),
        platform_signer,
    };
    (verdicts, signature, public_key.then_some(public_keys))
}

/// An answer signed by the test platform key, to check an accepted public key on both backends.
fn signed_headers() -> &'static HeaderMap {
    static HEADERS: OnceLock<HeaderMap> = OnceLock::new();
    HEADERS.get_or_init(|| {
        let signer = PlatformSigner::new(PLATFORM_KEY_ID, PLATFORM_KEY, Backend::AwsLc)
            .expect("test platform key");
        let mut rng = ChaCha20Rng::from_seed([3; 32]);
        let signature = signer.sign(NOW, "nonce", b"{}", &mut rng).expect("signs");
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("wechatpay-timestamp", NOW.to_string()),
            ("wechatpay-nonce", "nonce".to_owned()),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", PLATFORM_KEY_ID.to_owned()),
        ] {
            headers.insert(name, HeaderValue::from_str(&value).expect("header value"));
        }
        headers
    })
}

fn compare(pem: &str) {
    let [(first, signature_a, keys_a), (second, signature_b, keys_b)] =
        BACKENDS.map(|backend| load(pem, backend));
    assert_eq!(
        first, second,
        "RustCrypto (left) and AwsLc (right) disagree on {pem:?}"
    );
    assert_eq!(
        first.merchant_certificate, first.certificate,
        "a certificate read as the merchant's and as the platform's: {pem:?}"
    );
    // PKCS#1 v1.5 is deterministic: one key must sign the same bytes on both backends.
    assert_eq!(signature_a, signature_b, "signatures differ for {pem:?}");
    if let (Some(a), Some(b)) = (keys_a, keys_b) {
        let headers = signed_headers();
        let verdict_a = a
            .verify(headers, b"{}", NOW, 300)
            .map(|k| k.serial().to_owned());
        let verdict_b = b
            .verify(headers, b"{}", NOW, 300)
            .map(|k| k.serial().to_owned());
        assert_eq!(verdict_a, verdict_b, "verdicts differ for {pem:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        compare(text);
    }
    if let Some((&label, der)) = data.split_first()
        && let Some(label) = LABELS.get(usize::from(label))
    {
        let encoded = base64::engine::general_purpose::STANDARD.encode(der);
        // 64 characters a line, as every PEM writer does.
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
            .collect();
        compare(&format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        ));
    }
});
