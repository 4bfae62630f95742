//! The protocol's identifiers as types: a merchant id, a certificate serial, a WeChat Pay
//! public key id. Each parses once, and says in its error which of the others a value looks
//! like: the three are pasted into the wrong setting more often than anything else.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::text::Quoted;

const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";
/// The longest identifier of each kind the core accepts; real ones are 10 digits, 40 hex
/// digits and 11 + 32 characters.
const MAX_LEN: usize = 64;

/// A merchant id (`mchid`, `sp_mchid`, `sub_mchid`): 1 to 32 digits.
///
/// ```
/// use wechatpay_core::MchId;
///
/// let mchid: MchId = "1900000001".parse()?;
/// assert_eq!(mchid.as_str(), "1900000001");
/// assert!("PUB_KEY_ID_0119000000012024112300000000000001".parse::<MchId>().is_err());
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MchId(String);

/// The serial number of a certificate, as WeChat Pay writes it: hex digits (40 for the
/// certificates it issues). The merchant API certificate's serial goes in `Authorization`;
/// a platform certificate's in `Wechatpay-Serial`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateSerial(String);

/// The id of a WeChat Pay public key (public key mode): `PUB_KEY_ID_` followed by digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKeyId(String);

impl MchId {
    /// Parses a merchant id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`mchid`) unless 1 to 32 ASCII digits; a public key id or a
    /// certificate serial is named as such.
    pub fn new(text: &str) -> Result<Self, Error> {
        Self::parse(text, "mchid")
    }

    /// As [`MchId::new`], with the error naming `field` (`sub_mchid`, `sp_mchid`).
    pub(crate) fn parse(text: &str, field: &'static str) -> Result<Self, Error> {
        if text.is_empty() || text.len() > 32 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                field,
                format!(
                    "{:?} is not a merchant id: expected 1 to 32 digits, as shown in the merchant portal{}",
                    Quoted::value(text),
                    looks_like(text, Kind::MchId)
                ),
            ));
        }
        Ok(MchId(text.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CertificateSerial {
    /// Parses a certificate serial. Its letters are kept as given: `Wechatpay-Serial` is
    /// compared as text.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`serial_no`) unless 1 to 64 hex digits; a public key id is
    /// named as such.
    pub fn new(text: &str) -> Result<Self, Error> {
        Self::parse(text, "serial_no")
    }

    pub(crate) fn parse(text: &str, field: &'static str) -> Result<Self, Error> {
        if text.starts_with(PUBLIC_KEY_ID_PREFIX) {
            return Err(Error::invalid(
                field,
                format!(
                    "{:?} is a WeChat Pay public key id, which belongs in the platform keys; \
                     serial_no is the serial number of your merchant API certificate \
                     (apiclient_cert.pem), 40 hex digits",
                    Quoted::value(text)
                ),
            ));
        }
        if text.is_empty() || text.len() > MAX_LEN || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(
                field,
                format!(
                    "{:?} is not a certificate serial number: expected hex digits \
                     (`openssl x509 -noout -serial -in apiclient_cert.pem`)",
                    Quoted::value(text)
                ),
            ));
        }
        Ok(CertificateSerial(text.to_owned()))
    }

    /// The serial read from a certificate's DER integer, upper-case hex.
    pub(crate) fn from_der_integer(bytes: &[u8]) -> Self {
        // DER integers carry a leading zero byte when the top bit is set; it is not part of
        // the serial as WeChat Pay writes it.
        let bytes = match bytes {
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ => bytes,
        };
        CertificateSerial(bytes.iter().map(|b| format!("{b:02X}")).collect())
    }

    /// The serial.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PublicKeyId {
    /// Parses a public key id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`platform_public_key_id`) unless `PUB_KEY_ID_` and 1 to 64
    /// digits; a certificate serial is named as such.
    pub fn new(text: &str) -> Result<Self, Error> {
        let digits = text.strip_prefix(PUBLIC_KEY_ID_PREFIX);
        match digits {
            Some(d)
                if !d.is_empty() && d.len() <= MAX_LEN && d.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(PublicKeyId(text.to_owned()))
            }
            _ => Err(Error::invalid(
                "platform_public_key_id",
                format!(
                    "{:?} is not a WeChat Pay public key id: expected PUB_KEY_ID_ followed by digits{}",
                    Quoted::value(text),
                    looks_like(text, Kind::PublicKeyId)
                ),
            )),
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(PartialEq, Eq)]
enum Kind {
    MchId,
    PublicKeyId,
}

/// The hint for a value refused as `expected`: what it looks like instead, and where that
/// belongs.
fn looks_like(text: &str, expected: Kind) -> &'static str {
    let hex =
        !text.is_empty() && text.len() <= MAX_LEN && text.bytes().all(|b| b.is_ascii_hexdigit());
    if text.starts_with(PUBLIC_KEY_ID_PREFIX) {
        "; this is a WeChat Pay public key id, which belongs in the platform keys"
    } else if expected == Kind::PublicKeyId
        && !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.len() <= 32
    {
        "; this looks like a merchant id (mchid)"
    } else if hex {
        match expected {
            Kind::PublicKeyId => {
                "; this looks like a certificate serial: if it is your merchant certificate's it \
                 belongs in serial_no, if it is a platform certificate's add the certificate \
                 itself (`add_certificate`)"
            }
            Kind::MchId => "; this looks like a certificate serial, which belongs in serial_no",
        }
    } else {
        ""
    }
}

macro_rules! text_identifier {
    ($name:ident) => {
        impl FromStr for $name {
            type Err = Error;
            fn from_str(text: &str) -> Result<Self, Error> {
                $name::new(text)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(text: &str) -> Result<Self, Error> {
                $name::new(text)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

text_identifier!(MchId);
text_identifier!(CertificateSerial);
text_identifier!(PublicKeyId);

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(error: Error) -> String {
        error.to_string()
    }

    #[test]
    fn serials_drop_only_the_sign_byte_of_their_der_integer() {
        assert_eq!(
            CertificateSerial::from_der_integer(&[0x00, 0x9E, 0x01]).as_str(),
            "9E01"
        );
        assert_eq!(
            CertificateSerial::from_der_integer(&[0x5E, 0x00]).as_str(),
            "5E00"
        );
        assert_eq!(CertificateSerial::from_der_integer(&[0x00]).as_str(), "00");
    }

    #[test]
    fn each_kind_names_the_kind_a_value_looks_like() {
        let key_id = "PUB_KEY_ID_0119000000012024112300000000000001";
        let serial = "3775B6A45ACD588826D15E583A95F5DD20000001";
        assert!(reason(MchId::new(key_id).unwrap_err()).contains("public key id"));
        assert!(reason(MchId::new(serial).unwrap_err()).contains("certificate serial"));
        assert!(reason(CertificateSerial::new(key_id).unwrap_err()).contains("public key id"));
        assert!(reason(PublicKeyId::new(serial).unwrap_err()).contains("certificate serial"));
        assert!(reason(PublicKeyId::new("1900000001").unwrap_err()).contains("merchant id"));
        assert!(!reason(PublicKeyId::new("x!").unwrap_err()).contains("looks like"));
    }

    #[test]
    fn bounds() {
        assert!(MchId::new(&"1".repeat(32)).is_ok());
        assert!(MchId::new(&"1".repeat(33)).is_err());
        assert!(MchId::new("").is_err());
        assert!(CertificateSerial::new(&"A".repeat(64)).is_ok());
        assert!(CertificateSerial::new(&"A".repeat(65)).is_err());
        assert!(CertificateSerial::new("").is_err());
        assert!(PublicKeyId::new(&format!("PUB_KEY_ID_{}", "1".repeat(64))).is_ok());
        assert!(PublicKeyId::new(&format!("PUB_KEY_ID_{}", "1".repeat(65))).is_err());
        assert!(PublicKeyId::new("PUB_KEY_ID_").is_err());
    }
}
