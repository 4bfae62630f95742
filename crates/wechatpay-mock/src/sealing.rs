//! What the platform encrypts with the merchant's APIv3 key, callback resources and platform
//! certificates alike (`AEAD_AES_256_GCM`: a 12-character nonce, the associated data, the tag
//! appended, base64), and the way it writes times.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;

/// The length of the nonce, in characters: the platform's nonces are ASCII text.
pub(crate) const NONCE_LEN: usize = 12;

/// `plaintext` sealed under `api_v3_key` with `nonce` and `associated_data`: the base64
/// `ciphertext` of a callback's `resource` or of a certificate's `encrypt_certificate`.
///
/// # Errors
///
/// Why not, when the APIv3 key is not 32 bytes or the nonce not 12.
pub(crate) fn seal(
    api_v3_key: &str,
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, String> {
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(api_v3_key.as_bytes())
        .map_err(|_| format!("the APIv3 key is {} bytes, not 32", api_v3_key.len()))?;
    let nonce: [u8; NONCE_LEN] = nonce
        .as_bytes()
        .try_into()
        .map_err(|_| format!("the nonce is {} bytes, not {NONCE_LEN}", nonce.len()))?;
    let ciphertext = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| "AES-256-GCM refused the plaintext".to_owned())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(ciphertext))
}

/// Unix seconds as the platform writes times: RFC 3339 in Beijing time,
/// `2023-01-01T08:00:00+08:00`.
pub(crate) fn rfc3339(unix: u64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+08:00");
    i64::try_from(unix)
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T08:00:00+08:00".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_beijing_time() {
        assert_eq!(rfc3339(1_672_531_200), "2023-01-01T08:00:00+08:00");
        assert_eq!(rfc3339(u64::MAX), "1970-01-01T08:00:00+08:00");
    }

    #[test]
    fn a_wrong_key_or_nonce_is_refused_not_a_panic() {
        assert!(seal("short", "123456789012", "", b"x").is_err());
        let key = "Wechatpay0Test0ApiV3Key000000001";
        assert!(seal(key, "1234", "", b"x").is_err());
        assert!(seal(key, "123456789012", "certificate", b"x").is_ok());
    }
}
