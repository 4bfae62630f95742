//! The test keys, certificates and identifiers of one merchant and its platform (`keys/`).
//!
//! The platform has two keys, as during the migration from certificates to public keys: the
//! public key mode key ([`PLATFORM_KEY_PEM`], named by [`PLATFORM_PUBLIC_KEY_ID`]) and the
//! certificate mode key ([`PLATFORM_CERT_KEY_PEM`], whose certificates are
//! [`PLATFORM_CERT_PEM`] and the expired [`PLATFORM_CERT_EXPIRED_PEM`]). A rotation gives the
//! platform its next certificate, on a key of its own ([`PLATFORM_CERT_NEXT_PEM`] and
//! [`PLATFORM_CERT_NEXT_KEY_PEM`]), valid from before the current one expires, so that both are
//! live during the overlap. Every certificate is self-signed; none chains to a real Tenpay CA.

/// The merchant id (`mchid`).
pub const MCHID: &str = "1900000001";

/// The merchant API certificate serial, 40 upper-case hex digits: the `serial_no` of the
/// merchant's `Authorization` header, and the serial of [`MERCHANT_CERT_PEM`].
pub const MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD20000001";

/// The platform public key id, the `Wechatpay-Serial` of answers signed with
/// [`PLATFORM_KEY_PEM`].
pub const PLATFORM_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012024112300000000000001";

/// The serial of [`PLATFORM_CERT_PEM`], the `Wechatpay-Serial` of answers signed with
/// [`PLATFORM_CERT_KEY_PEM`] in certificate mode.
pub const PLATFORM_CERT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";

/// The serial of [`PLATFORM_CERT_EXPIRED_PEM`].
pub const PLATFORM_CERT_EXPIRED_SERIAL: &str = "6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90";

/// The serial of [`PLATFORM_CERT_NEXT_PEM`], the platform's next certificate.
pub const PLATFORM_CERT_NEXT_SERIAL: &str = "2A7F3C9E61B4D8052E6A1F7C3B9D4E8A5C2F6B13";

/// The identifiers above as `generate.sh` wrote them (`keys/ids.json`), read back from the
/// certificates.
pub const IDS_JSON: &str = include_str!("../keys/ids.json");

/// The merchant's RSA 2048 private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`), as in
/// `apiclient_key.pem`.
pub const MERCHANT_KEY_PEM: &str = include_str!("../keys/merchant_key.pem");

/// [`MERCHANT_KEY_PEM`] as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`).
pub const MERCHANT_KEY_PKCS1_PEM: &str = include_str!("../keys/merchant_key_pkcs1.pem");

/// [`MERCHANT_KEY_PEM`] as encrypted PKCS#8 PEM (`BEGIN ENCRYPTED PRIVATE KEY`, AES-256-CBC,
/// PBKDF2 with HMAC-SHA256), under [`MERCHANT_KEY_PASSPHRASE`].
pub const MERCHANT_KEY_ENCRYPTED_PEM: &str = include_str!("../keys/merchant_key_encrypted.pem");

/// The passphrase of [`MERCHANT_KEY_ENCRYPTED_PEM`].
pub const MERCHANT_KEY_PASSPHRASE: &str = "test";

/// The merchant's public key, SPKI PEM (`BEGIN PUBLIC KEY`): the platform checks requests with
/// it and encrypts sensitive answer fields to it.
pub const MERCHANT_PUBLIC_KEY_PEM: &str = include_str!("../keys/merchant_pub.pem");

/// The merchant's self-signed certificate, subject and issuer `CN=1900000001`, serial
/// [`MERCHANT_SERIAL`], valid from 2023-01-01 to 2034-01-01 (UTC).
pub const MERCHANT_CERT_PEM: &str = include_str!("../keys/merchant_cert.pem");

/// The platform's RSA 2048 private key in public key mode, PKCS#8 PEM.
pub const PLATFORM_KEY_PEM: &str = include_str!("../keys/platform_key.pem");

/// The public half of [`PLATFORM_KEY_PEM`], SPKI PEM, as in the `pub_key.pem` a merchant
/// downloads.
pub const PLATFORM_PUBLIC_KEY_PEM: &str = include_str!("../keys/platform_pub.pem");

/// The platform's RSA 2048 private key in certificate mode, PKCS#8 PEM.
pub const PLATFORM_CERT_KEY_PEM: &str = include_str!("../keys/platform_cert_key.pem");

/// The self-signed certificate of [`PLATFORM_CERT_KEY_PEM`], serial [`PLATFORM_CERT_SERIAL`],
/// valid from 2023-01-01 to 2029-01-01 (UTC).
pub const PLATFORM_CERT_PEM: &str = include_str!("../keys/platform_cert.pem");

/// A second self-signed certificate of the same key, serial [`PLATFORM_CERT_EXPIRED_SERIAL`],
/// valid from 2015-01-01 to 2020-01-01 (UTC): expired.
pub const PLATFORM_CERT_EXPIRED_PEM: &str = include_str!("../keys/platform_cert_expired.pem");

/// The platform's RSA 2048 private key of its next certificate, PKCS#8 PEM: another key than
/// [`PLATFORM_CERT_KEY_PEM`], as a rotation brings.
pub const PLATFORM_CERT_NEXT_KEY_PEM: &str = include_str!("../keys/platform_cert_next_key.pem");

/// The self-signed certificate of [`PLATFORM_CERT_NEXT_KEY_PEM`], serial
/// [`PLATFORM_CERT_NEXT_SERIAL`], valid from 2026-01-01 to 2031-01-01 (UTC): it overlaps
/// [`PLATFORM_CERT_PEM`] from 2026-01-01 to 2029-01-01.
pub const PLATFORM_CERT_NEXT_PEM: &str = include_str!("../keys/platform_cert_next.pem");

/// A P-256 EC private key, PKCS#8 PEM: not RSA, for rejection tests.
pub const EC_KEY_PEM: &str = include_str!("../keys/ec_key.pem");

/// An RSA 1024 private key, PKCS#8 PEM: too small, for rejection tests.
pub const RSA1024_KEY_PEM: &str = include_str!("../keys/rsa1024_key.pem");

#[cfg(test)]
mod tests {
    use super::*;

    /// The identifiers are written twice, here and by `generate.sh` in `ids.json`: they must
    /// agree, or a regenerated certificate would silently disagree with the constants.
    #[test]
    fn the_identifiers_are_those_of_ids_json() {
        for (field, value) in [
            ("mchid", MCHID),
            ("merchant_serial", MERCHANT_SERIAL),
            ("platform_public_key_id", PLATFORM_PUBLIC_KEY_ID),
            ("platform_cert_serial", PLATFORM_CERT_SERIAL),
            ("platform_cert_expired_serial", PLATFORM_CERT_EXPIRED_SERIAL),
            ("platform_cert_next_serial", PLATFORM_CERT_NEXT_SERIAL),
        ] {
            let line = IDS_JSON.lines().find(|line| {
                line.trim_start()
                    .starts_with(&["\"", field, "\":"].concat())
            });
            let quoted = ["\"", value, "\""].concat();
            assert!(
                line.is_some_and(|line| line.contains(&quoted)),
                "{field} is not {value} in ids.json"
            );
        }
    }

    #[test]
    fn every_pem_has_the_label_its_constant_promises() {
        for (pem, label) in [
            (MERCHANT_KEY_PEM, "PRIVATE KEY"),
            (MERCHANT_KEY_PKCS1_PEM, "RSA PRIVATE KEY"),
            (MERCHANT_KEY_ENCRYPTED_PEM, "ENCRYPTED PRIVATE KEY"),
            (MERCHANT_PUBLIC_KEY_PEM, "PUBLIC KEY"),
            (MERCHANT_CERT_PEM, "CERTIFICATE"),
            (PLATFORM_KEY_PEM, "PRIVATE KEY"),
            (PLATFORM_PUBLIC_KEY_PEM, "PUBLIC KEY"),
            (PLATFORM_CERT_KEY_PEM, "PRIVATE KEY"),
            (PLATFORM_CERT_PEM, "CERTIFICATE"),
            (PLATFORM_CERT_EXPIRED_PEM, "CERTIFICATE"),
            (PLATFORM_CERT_NEXT_KEY_PEM, "PRIVATE KEY"),
            (PLATFORM_CERT_NEXT_PEM, "CERTIFICATE"),
            (EC_KEY_PEM, "PRIVATE KEY"),
            (RSA1024_KEY_PEM, "PRIVATE KEY"),
        ] {
            let begin = ["-----BEGIN ", label, "-----\n"].concat();
            let end = ["-----END ", label, "-----\n"].concat();
            assert!(pem.starts_with(&begin) && pem.ends_with(&end), "{label}");
        }
    }
}
