//! Fixtures for the benchmarks: the committed test keys loaded into each implementation
//! (wechatpay-core on both backends, the bare `rsa` and `aws-lc-rs` primitives, OpenSSL), and
//! signed responses of the sizes measured.

use http::HeaderMap;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use wechatpay_core::{Backend, Client, MerchantCredentials, PlatformKeys, PlatformSigner};

/// Merchant private key (PKCS#8 PEM).
pub const MERCHANT_KEY: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
/// Platform private key (PKCS#8 PEM), public key mode.
pub const PLATFORM_KEY: &str = wechatpay_fixtures::keys::PLATFORM_KEY_PEM;
/// Platform public key (SPKI PEM).
pub const PLATFORM_PUB: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// Platform public key id.
pub const PUBLIC_KEY_ID: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID;
/// The time every fixture is signed at.
pub const NOW: u64 = 1_700_000_000;

/// Body sizes measured: empty, a typical applyment answer, large, and the adapters' limit.
pub const BODY_SIZES: [(&str, usize); 4] = [
    ("0B", 0),
    ("1.5KB", 1536),
    ("64KB", 64 * 1024),
    ("1MiB", 1024 * 1024),
];

/// A deterministic RNG.
pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([7; 32])
}

/// A JSON body of exactly `size` bytes (an applyment answer padded with a filler field).
pub fn body(size: usize) -> Vec<u8> {
    if size == 0 {
        return Vec::new();
    }
    let head = r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"APPLYMENT_00000000001","applyment_id":2000002124775691,"padding":""#;
    let tail = r#""}"#;
    let filler = size.saturating_sub(head.len() + tail.len());
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(head.as_bytes());
    body.resize(head.len() + filler, b'x');
    body.extend_from_slice(tail.as_bytes());
    body
}

/// A response signed by the platform, as headers, body and the exact signed message.
pub struct SignedResponse {
    /// The `Wechatpay-*` headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// `timestamp\nnonce\nbody\n`, what the bare primitives verify.
    pub message: Vec<u8>,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

/// Signs a response of `size` bytes with the platform test key.
pub fn signed_response(size: usize) -> SignedResponse {
    let body = body(size);
    let signer =
        PlatformSigner::new(PUBLIC_KEY_ID, PLATFORM_KEY, Backend::AwsLc).expect("platform key");
    let mut response = http::Response::new(body.clone());
    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    signer
        .sign_response(&mut response, NOW, nonce, &mut rng())
        .expect("sign");
    let mut message = format!("{NOW}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&body);
    message.push(b'\n');
    let signature = openssl::base64::decode_block(
        response.headers()["wechatpay-signature"]
            .to_str()
            .expect("ascii"),
    )
    .expect("base64");
    SignedResponse {
        headers: response.headers().clone(),
        body,
        message,
        signature,
    }
}

/// The platform keys of `backend`.
pub fn platform_keys(backend: Backend) -> PlatformKeys {
    let mut keys = PlatformKeys::with_backend(backend);
    keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB)
        .expect("platform key");
    keys
}

/// What `operation` asks to send, built with the benchmark's platform keys.
pub fn request_parts<O: wechatpay_core::Operation>(operation: &O) -> wechatpay_core::RequestParts {
    let keys = platform_keys(Backend::default());
    let mut rng = rng();
    operation
        .request(&mut wechatpay_core::RequestContext::new(&keys, &mut rng))
        .expect("request")
}

/// A client of `backend`.
pub fn client(backend: Backend) -> Client {
    let credentials = MerchantCredentials::with_backend(
        "1900000001",
        "3775B6A45ACD588826D15E583A95F5DD20000001",
        MERCHANT_KEY,
        backend,
    )
    .expect("merchant key");
    Client::new(credentials, platform_keys(backend)).expect("client")
}

/// The bare primitives of each implementation, keys parsed once.
pub mod bare {
    use super::*;

    /// `rsa` 0.10: PKCS#1 v1.5 verification with SHA-256 of the message.
    pub fn rust_crypto_verifier() -> rsa::pkcs1v15::VerifyingKey<sha2::Sha256> {
        rsa::pkcs1v15::VerifyingKey::new(
            rsa::PublicKey::from_public_key_pem(PLATFORM_PUB).expect("spki"),
        )
    }

    /// `rsa` 0.10: PKCS#1 v1.5 signing with SHA-256, blinded as the core does.
    pub fn rust_crypto_signer() -> rsa::pkcs1v15::SigningKey<sha2::Sha256> {
        rsa::pkcs1v15::SigningKey::new(
            rsa::PrivateKey::from_pkcs8_pem(MERCHANT_KEY).expect("pkcs8"),
        )
    }

    /// `aws-lc-rs`: the parsed platform public key.
    pub fn aws_lc_verifier() -> aws_lc_rs::signature::ParsedPublicKey {
        let der = rsa::PublicKey::from_public_key_pem(PLATFORM_PUB)
            .and_then(|k| rsa::pkcs8::EncodePublicKey::to_public_key_der(&k))
            .expect("spki");
        aws_lc_rs::signature::ParsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            der.as_bytes(),
        )
        .expect("aws-lc key")
    }

    /// `aws-lc-rs`: the merchant key pair.
    pub fn aws_lc_signer() -> aws_lc_rs::rsa::KeyPair {
        let der = rsa::PrivateKey::from_pkcs8_pem(MERCHANT_KEY)
            .and_then(|k| rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&k))
            .expect("pkcs8");
        aws_lc_rs::rsa::KeyPair::from_pkcs8(der.as_bytes()).expect("aws-lc key")
    }

    /// OpenSSL: the platform public key.
    pub fn openssl_public() -> openssl::pkey::PKey<openssl::pkey::Public> {
        openssl::pkey::PKey::public_key_from_pem(PLATFORM_PUB.as_bytes())
            .expect("openssl public key")
    }

    /// OpenSSL: the merchant private key.
    pub fn openssl_private() -> openssl::pkey::PKey<openssl::pkey::Private> {
        openssl::pkey::PKey::private_key_from_pem(MERCHANT_KEY.as_bytes())
            .expect("openssl private key")
    }
}
