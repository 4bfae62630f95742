//! `GET /v3/certificates`: the platform certificates (下载平台证书), for merchants in
//! certificate mode (PROTOCOL.md §10).
//!
//! In [certificate mode](crate::PlatformMode::Certificate) the answer lists every certificate
//! the platform holds ([`MockPlatform::certificates`](crate::MockPlatform::certificates)), in
//! the order they were issued: `{"data": [{"serial_no", "effective_time", "expire_time",
//! "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce", "associated_data":
//! "certificate", "ciphertext"}}]}`, each PEM encrypted with the merchant's APIv3 key as a
//! callback resource is, times in Beijing time. Like every answer it is signed with the key the
//! request's `Wechatpay-Serial` names when the platform holds it, and otherwise with the newest
//! valid certificate: a first download, which names no key, can be verified only with a
//! certificate the answer itself carries. In [public key mode](crate::PlatformMode::PublicKey)
//! the answer is a signed `404 RESOURCE_NOT_EXISTS`, as the platform answers merchants it has
//! moved to the WeChat Pay public key.

use http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{Call, Endpoint, Outcome, Route};
use crate::keyring::{IssuedCertificate, PlatformMode};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sealing::{NONCE_LEN, seal};
use crate::store::Seeding;

/// The associated data of every encrypted certificate.
pub const ASSOCIATED_DATA: &str = "certificate";

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[Route {
        method: Method::GET,
        path: "/v3/certificates",
        answer: certificates,
    }],
    seed,
    unknown_enum_values: &[],
    tables: &[],
    progress: &[],
};

/// The certificates are the platform's keys, not records: nothing to seed.
fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

fn certificates(call: &Call<'_>) -> Outcome {
    let keyring = call.keyring();
    if keyring.mode() == PlatformMode::PublicKey {
        return Err(Reply::not_found(
            "无可用的平台证书,请使用微信支付公钥 (this merchant uses the WeChat Pay public key, \
             PUB_KEY_ID_...; it has no platform certificates)",
        ));
    }
    let data = keyring
        .certificates()
        .map(|certificate| entry(certificate, keyring.api_v3_key()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Reply::ok(json!({ "data": data }).to_string().into_bytes()))
}

/// One certificate of the list, encrypted.
fn entry(certificate: &IssuedCertificate, api_v3_key: &str) -> Result<Value, Reply> {
    let nonce = nonce(&certificate.serial);
    let ciphertext = seal(
        api_v3_key,
        &nonce,
        ASSOCIATED_DATA,
        certificate.certificate_pem.as_bytes(),
    )
    .map_err(|reason| {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            &format!("the mock cannot encrypt its certificates: {reason}"),
        )
    })?;
    Ok(json!({
        "serial_no": certificate.serial,
        "effective_time": certificate.effective_time(),
        "expire_time": certificate.expire_time(),
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": nonce,
            "associated_data": ASSOCIATED_DATA,
            "ciphertext": ciphertext,
        },
    }))
}

/// The nonce of a certificate: hex of its serial's SHA-256, 12 characters. A nonce repeats
/// only with its own certificate under the same key, so it seals to the same bytes each time
/// and nothing leaks, and every answer is the same for the same certificates.
fn nonce(serial: &str) -> String {
    Sha256::digest(serial.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..NONCE_LEN]
        .to_owned()
}
