//! Fixtures shared by the integration tests: the committed test keys, a seeded RNG, and clients
//! for every crypto backend.
#![allow(dead_code)]

pub mod vectors;

use std::path::{Path, PathBuf};

use http::{Response, StatusCode};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{
    Backend, Client, Error, MerchantCredentials, Operation, PlatformKeys, PlatformSigner,
    RequestContext, RequestParts,
};

pub const MCHID: &str = "1900000001";
pub const MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD20000001";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012024112300000000000001";
pub const CERT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const EXPIRED_CERT_SERIAL: &str = "6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90";

pub const MERCHANT_KEY: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
pub const MERCHANT_KEY_PKCS1: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PKCS1_PEM;
pub const MERCHANT_KEY_ENCRYPTED: &str = wechatpay_fixtures::keys::MERCHANT_KEY_ENCRYPTED_PEM;
pub const MERCHANT_CERT: &str = wechatpay_fixtures::keys::MERCHANT_CERT_PEM;
pub const MERCHANT_PUB: &str = wechatpay_fixtures::keys::MERCHANT_PUBLIC_KEY_PEM;
pub const PLATFORM_KEY: &str = wechatpay_fixtures::keys::PLATFORM_KEY_PEM;
pub const PLATFORM_PUB: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
pub const PLATFORM_CERT_KEY: &str = wechatpay_fixtures::keys::PLATFORM_CERT_KEY_PEM;
pub const PLATFORM_CERT: &str = wechatpay_fixtures::keys::PLATFORM_CERT_PEM;
pub const PLATFORM_CERT_EXPIRED: &str = wechatpay_fixtures::keys::PLATFORM_CERT_EXPIRED_PEM;
/// The certificate a rotation brings in (valid 2026 to 2031), and its key.
pub const PLATFORM_CERT_NEXT: &str = wechatpay_fixtures::keys::PLATFORM_CERT_NEXT_PEM;
pub const PLATFORM_CERT_NEXT_KEY: &str = wechatpay_fixtures::keys::PLATFORM_CERT_NEXT_KEY_PEM;
pub const NEXT_CERT_SERIAL: &str = wechatpay_fixtures::keys::PLATFORM_CERT_NEXT_SERIAL;
pub const EC_KEY: &str = wechatpay_fixtures::keys::EC_KEY_PEM;
pub const RSA1024_KEY: &str = wechatpay_fixtures::keys::RSA1024_KEY_PEM;

/// The APIv3 key the notification vectors and the mock's fixtures use.
pub const API_V3_KEY: &str = "Wechatpay0Test0ApiV3Key000000001";

/// `plaintext` sealed with AES-256-GCM as the platform seals callback resources and
/// certificates: the base64 of the ciphertext with its tag appended.
pub fn seal(key: &str, nonce: &[u8; 12], associated_data: &str, plaintext: &[u8]) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine as _;
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key.as_bytes()).expect("a 32-byte key");
    let ciphertext = cipher
        .encrypt(
            nonce.into(),
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .expect("AES-GCM encryption");
    base64::engine::general_purpose::STANDARD.encode(ciphertext)
}

/// 2023-11-14T22:13:20Z, inside the platform certificate's validity.
pub const NOW: u64 = 1_700_000_000;

pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([42; 32])
}

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

pub fn credentials(backend: Backend) -> MerchantCredentials {
    MerchantCredentials::with_backend(MCHID, MERCHANT_SERIAL, MERCHANT_KEY, backend)
        .expect("test merchant credentials")
}

/// Both platform keys: the public key (preferred) and the current certificate.
pub fn platform_keys(backend: Backend) -> PlatformKeys {
    let mut keys = PlatformKeys::with_backend(backend);
    keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB)
        .expect("platform public key");
    keys.add_certificate(PLATFORM_CERT)
        .expect("platform certificate");
    keys
}

/// What `operation` asks to send, built with the test platform keys.
pub fn request_of<O: Operation + ?Sized>(operation: &O) -> Result<RequestParts, Error> {
    let keys = platform_keys(Backend::default());
    let mut rng = rng();
    operation.request(&mut RequestContext::new(&keys, &mut rng))
}

pub fn client(backend: Backend) -> Client {
    Client::new(credentials(backend), platform_keys(backend)).expect("test client")
}

/// Signs as the platform does in public key mode.
pub fn platform_signer(backend: Backend) -> PlatformSigner {
    PlatformSigner::new(PUBLIC_KEY_ID, PLATFORM_KEY, backend).expect("platform signer")
}

/// Signs as the platform does in certificate mode.
pub fn certificate_signer(backend: Backend) -> PlatformSigner {
    PlatformSigner::new(CERT_SERIAL, PLATFORM_CERT_KEY, backend).expect("certificate signer")
}

/// A response signed by the platform (public key mode) at `NOW`.
pub fn signed_response(backend: Backend, status: u16, body: &[u8]) -> Response<Vec<u8>> {
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("Request-ID", "08F4C1A2B30610A7051A0B")
        .body(body.to_vec())
        .expect("response");
    platform_signer(backend)
        .sign_response(
            &mut response,
            NOW,
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &mut rng(),
        )
        .expect("sign response");
    response
}

/// An unsigned response, as a gateway or a 5xx may send.
pub fn unsigned_response(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("Request-ID", "08F4C1A2B30610A7051A0C")
        .body(body.to_vec())
        .expect("response")
}

/// The page's example applyment, exactly as printed.
pub const APPLYMENT_EXAMPLE: &str = wechatpay_fixtures::pages::APPLYMENT_STATE;

/// The page's example contract, with its `\t` escape.
pub const CONTRACT_EXAMPLE: &str = wechatpay_fixtures::pages::INDIVIDUAL_CONTRACT;
