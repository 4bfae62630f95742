//! The runtime's own crypto (`crypto.subtle`): keys imported once as non-extractable
//! `CryptoKey`s; signing, verification and decryption done natively, 30 to 40 times faster than
//! the pure-Rust backend compiled to wasm. Only the primitive moves: the core still builds
//! every message and makes every decision (which key, the probe, the clock, retries, what a
//! resource must look like before it is opened).

use std::cell::RefCell;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};
use wechatpay_core::{
    ApiV3Key, CryptoError, MerchantKey, PlatformKey, PlatformKeys, SealedResource, SignatureCheck,
};
use zeroize::Zeroizing;

use crate::Error;
use crate::runtime::{describe, unsupported};

/// The name WebCrypto gives PKCS#1 v1.5 signatures.
const RSASSA: &str = "RSASSA-PKCS1-v1_5";
/// The name WebCrypto gives RSA-OAEP; the platform encrypts sensitive fields with SHA-1.
const RSA_OAEP: &str = "RSA-OAEP";
/// Callback resources are AES-256-GCM with a 16-byte tag.
const AES_GCM: &str = "AES-GCM";
const GCM_TAG_BITS: u32 = 128;

/// The merchant's signing key and the platform keys, as the runtime holds them.
#[derive(Debug)]
pub(crate) struct WebCryptoKeys {
    subtle: SubtleCrypto,
    merchant: CryptoKey,
    /// The same merchant key, for RSA-OAEP (a `CryptoKey` has one algorithm).
    merchant_oaep: CryptoKey,
    /// By serial, as `Wechatpay-Serial` names them: those held when the transport was made,
    /// and those a certificate refresh added since, imported when first used. A serial's key
    /// never changes once the client holds it (the platform keys only grow), so a cached import
    /// never goes stale. A `RefCell`: wasm runs one thread, and no borrow spans an `await`.
    platform: RefCell<Vec<(String, CryptoKey)>>,
}

impl WebCryptoKeys {
    /// Imports the merchant key (from its PEM, checked by the core first) and every platform
    /// key, none of them extractable. The DER of the merchant key is zeroed once imported.
    pub(crate) async fn import(
        merchant_key_pem: &str,
        platform_keys: &PlatformKeys,
    ) -> Result<WebCryptoKeys, Error> {
        let subtle = subtle()?;
        let pkcs8 = MerchantKey::pkcs8_der_from_pem(merchant_key_pem)?;
        let merchant = import(&subtle, "pkcs8", &pkcs8, rsa(RSASSA, "SHA-256")?, "sign").await?;
        let merchant_oaep =
            import(&subtle, "pkcs8", &pkcs8, rsa(RSA_OAEP, "SHA-1")?, "decrypt").await?;
        let mut platform = Vec::new();
        for key in platform_keys.iter() {
            let imported = import_platform_key(&subtle, key.spki_der()).await?;
            platform.push((key.serial().to_owned(), imported));
        }
        Ok(WebCryptoKeys {
            subtle,
            merchant,
            merchant_oaep,
            platform: RefCell::new(platform),
        })
    }

    /// SHA256withRSA over `message` with the merchant key.
    pub(crate) async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let signing = self
            .subtle
            .sign_with_str_and_u8_array(RSASSA, &self.merchant, message)
            .map_err(|e| rsa_error("sign", &e))?;
        let signature = JsFuture::from(signing)
            .await
            .map_err(|e| rsa_error("sign", &e))?;
        Ok(Uint8Array::new(&signature).to_vec())
    }

    /// RSA-OAEP (SHA-1, MGF1-SHA-1) decryption of a sensitive field's raw ciphertext.
    pub(crate) async fn decrypt(
        &self,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let algorithm = described(&[("name", JsValue::from_str(RSA_OAEP))])
            .map_err(|e| rsa_error("decrypt", &e))?;
        let decrypting = self
            .subtle
            .decrypt_with_object_and_u8_array(&algorithm, &self.merchant_oaep, ciphertext)
            .map_err(|e| rsa_error("decrypt", &e))?;
        // A rejection is what the core reports for another key or an altered ciphertext.
        let plaintext = JsFuture::from(decrypting)
            .await
            .map_err(|_| CryptoError::DecryptionFailed)?;
        Ok(taken(&plaintext))
    }

    /// The verdict on `check`, or `None` when the runtime cannot import the key (the core
    /// then verifies it itself). A key the client gained after the transport was made (a
    /// certificate refresh) is imported on first use.
    pub(crate) async fn verify(&self, check: &SignatureCheck<'_, '_>) -> Option<bool> {
        let key = self.platform_key(check.key()).await?;
        let verifying = self
            .subtle
            .verify_with_str_and_u8_array_and_u8_array(
                RSASSA,
                &key,
                check.signature(),
                &check.message(),
            )
            .ok()?;
        // A rejected promise (a malformed signature length) is a signature that does not
        // verify, as the core's own verifier says.
        Some(
            JsFuture::from(verifying)
                .await
                .map(|valid| valid.as_bool() == Some(true))
                .unwrap_or(false),
        )
    }
}

impl WebCryptoKeys {
    /// The imported platform key for `key`, importing it the first time.
    async fn platform_key(&self, key: &PlatformKey) -> Option<CryptoKey> {
        let serial = key.serial();
        let held = self
            .platform
            .borrow()
            .iter()
            .find(|(s, _)| s == serial)
            .map(|(_, imported)| imported.clone());
        if held.is_some() {
            return held;
        }
        let imported = import_platform_key(&self.subtle, key.spki_der())
            .await
            .ok()?;
        self.platform
            .borrow_mut()
            .push((serial.to_owned(), imported.clone()));
        Some(imported)
    }
}

/// A platform public key (SPKI DER) for verifying SHA256withRSA signatures.
async fn import_platform_key(subtle: &SubtleCrypto, spki_der: &[u8]) -> Result<CryptoKey, Error> {
    import(subtle, "spki", spki_der, rsa(RSASSA, "SHA-256")?, "verify").await
}

/// `crypto.subtle`, looked up by global name as Workers, Deno and Node expose it.
fn subtle() -> Result<SubtleCrypto, Error> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(|crypto| crypto.is_object())
        .ok_or_else(|| unsupported("there is no global `crypto` for WebCrypto"))?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()
        .filter(|subtle| subtle.is_object())
        .ok_or_else(|| unsupported("there is no `crypto.subtle` (WebCrypto)"))?;
    Ok(subtle.unchecked_into())
}

/// A WebCrypto algorithm description: an object with these fields.
fn described(fields: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let algorithm = Object::new();
    for (field, value) in fields {
        Reflect::set(&algorithm, &JsValue::from_str(field), value)?;
    }
    Ok(algorithm)
}

/// An RSA key's algorithm: its scheme and hash.
fn rsa(name: &str, hash: &str) -> Result<Object, Error> {
    described(&[
        ("name", JsValue::from_str(name)),
        ("hash", JsValue::from_str(hash)),
    ])
    .map_err(|e| unsupported(format!("cannot describe the key: {}", describe(&e))))
}

/// Imports `key` for `algorithm` and the one `usage`, not extractable.
async fn import(
    subtle: &SubtleCrypto,
    format: &str,
    key: &[u8],
    algorithm: Object,
    usage: &str,
) -> Result<CryptoKey, Error> {
    let name = Reflect::get(&algorithm, &JsValue::from_str("name"))
        .ok()
        .and_then(|name| name.as_string())
        .unwrap_or_default();
    let usages = Array::of1(&JsValue::from_str(usage));
    let data = Uint8Array::from(key);
    let refused = |e: JsValue| {
        unsupported(format!(
            "WebCrypto refuses to import a {format} key for {name} {usage}: {}",
            describe(&e)
        ))
    };
    let importing: Promise = subtle
        .import_key_with_object(format, &data, &algorithm, false, &usages)
        .map_err(refused)?;
    let imported = JsFuture::from(importing).await;
    // The copy handed to JavaScript is zeroed too: the CryptoKey holds the key now.
    data.fill(0, 0, data.length());
    imported
        .map_err(refused)?
        .dyn_into::<CryptoKey>()
        .map_err(|other| unsupported(format!("importKey gave {}", describe(&other))))
}

/// A decrypted `ArrayBuffer` moved into wasm memory that is zeroed on drop; the runtime's copy
/// is zeroed at once.
fn taken(plaintext: &JsValue) -> Zeroizing<Vec<u8>> {
    let plaintext = Uint8Array::new(plaintext);
    let bytes = Zeroizing::new(plaintext.to_vec());
    plaintext.fill(0, 0, plaintext.length());
    bytes
}

fn rsa_error(operation: &str, error: &JsValue) -> CryptoError {
    CryptoError::Rsa(format!("WebCrypto {operation} failed: {}", describe(error)))
}

/// The APIv3 key as the runtime holds it: AES-256-GCM for callback resources.
#[derive(Debug)]
pub(crate) struct WebCryptoAes {
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl WebCryptoAes {
    /// Imports the APIv3 key (checked by the core first), not extractable.
    pub(crate) async fn import(api_v3_key: &str) -> Result<WebCryptoAes, Error> {
        // The same refusal, with the same words, as the pure-Rust path.
        ApiV3Key::new(api_v3_key)?;
        let subtle = subtle()?;
        let algorithm = described(&[("name", JsValue::from_str(AES_GCM))])
            .map_err(|e| unsupported(format!("cannot describe the key: {}", describe(&e))))?;
        let key = import(&subtle, "raw", api_v3_key.as_bytes(), algorithm, "decrypt").await?;
        Ok(WebCryptoAes { subtle, key })
    }

    /// Opens a resource the core has checked; a tag that does not verify (another key,
    /// altered data or associated data) is [`CryptoError::DecryptionFailed`], as in the core.
    pub(crate) async fn open(
        &self,
        sealed: &SealedResource<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let failed =
            |e: &JsValue| CryptoError::Aes(format!("WebCrypto decrypt failed: {}", describe(e)));
        let algorithm = described(&[
            ("name", JsValue::from_str(AES_GCM)),
            ("iv", Uint8Array::from(sealed.nonce().as_slice()).into()),
            (
                "additionalData",
                Uint8Array::from(sealed.associated_data()).into(),
            ),
            ("tagLength", JsValue::from(GCM_TAG_BITS)),
        ])
        .map_err(|e| failed(&e))?;
        let decrypting = self
            .subtle
            .decrypt_with_object_and_u8_array(&algorithm, &self.key, sealed.ciphertext())
            .map_err(|e| failed(&e))?;
        let plaintext = JsFuture::from(decrypting)
            .await
            .map_err(|_| CryptoError::DecryptionFailed)?;
        Ok(taken(&plaintext))
    }
}
