//! The platform's reading of a merchant's `Authorization` header: strict, as the real platform
//! is, and with a reason for every refusal.

use std::fmt;

use wechatpay_core::AUTHORIZATION_SCHEME;

/// The five fields of a merchant's `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantAuthorization {
    /// `mchid`.
    pub mchid: String,
    /// `nonce_str`.
    pub nonce_str: String,
    /// `signature`, base64.
    pub signature: String,
    /// `timestamp`, Unix seconds.
    pub timestamp: u64,
    /// `serial_no`: the merchant API certificate serial.
    pub serial_no: String,
}

impl fmt::Debug for MerchantAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MerchantAuthorization")
            .field("mchid", &self.mchid)
            .field("nonce_str", &self.nonce_str)
            .field("signature", &"<redacted>")
            .field("timestamp", &self.timestamp)
            .field("serial_no", &self.serial_no)
            .finish()
    }
}

/// Why an `Authorization` header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header is absent.
    #[error("the Authorization header is missing")]
    Missing,
    /// The scheme is not `WECHATPAY2-SHA256-RSA2048` followed by exactly one space.
    #[error("the Authorization header must start with \"{AUTHORIZATION_SCHEME} \" (one space)")]
    Scheme,
    /// A field is not `key="value"`, or there is a space around a separator.
    #[error("Authorization field {0:?} is not key=\"value\" (no spaces around ',' or '=')")]
    Field(String),
    /// A field name the protocol does not define.
    #[error("Authorization field {0:?} is unknown")]
    UnknownField(String),
    /// A field appears twice.
    #[error("Authorization field {0} appears twice")]
    Repeated(&'static str),
    /// A required field is absent.
    #[error("Authorization field {0} is missing")]
    MissingField(&'static str),
    /// A field's value is empty or of the wrong form.
    #[error("Authorization field {field} is invalid: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

const FIELDS: [&str; 5] = ["mchid", "nonce_str", "signature", "timestamp", "serial_no"];

impl MerchantAuthorization {
    /// Parses the header value. Field order is free; nothing else is.
    ///
    /// # Errors
    ///
    /// The [`AuthorizationError`] naming the first problem found.
    pub fn parse(value: &str) -> Result<Self, AuthorizationError> {
        let fields = value
            .strip_prefix(AUTHORIZATION_SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .filter(|rest| !rest.starts_with(' '))
            .ok_or(AuthorizationError::Scheme)?;
        let mut values: [Option<&str>; 5] = [None; 5];
        for field in fields.split(',') {
            let (key, quoted) = field
                .split_once('=')
                .ok_or_else(|| AuthorizationError::Field(field.to_owned()))?;
            let inner = quoted
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .filter(|inner| !inner.contains('"'))
                .ok_or_else(|| AuthorizationError::Field(field.to_owned()))?;
            if key.is_empty() || key.contains(' ') {
                return Err(AuthorizationError::Field(field.to_owned()));
            }
            let index = FIELDS
                .iter()
                .position(|name| *name == key)
                .ok_or_else(|| AuthorizationError::UnknownField(key.to_owned()))?;
            if values[index].replace(inner).is_some() {
                return Err(AuthorizationError::Repeated(FIELDS[index]));
            }
        }
        let take = |index: usize| -> Result<String, AuthorizationError> {
            let value = values[index].ok_or(AuthorizationError::MissingField(FIELDS[index]))?;
            if value.is_empty() {
                return Err(AuthorizationError::Invalid {
                    field: FIELDS[index],
                    reason: "empty",
                });
            }
            Ok(value.to_owned())
        };
        let mchid = take(0)?;
        let nonce_str = take(1)?;
        let signature = take(2)?;
        let timestamp_text = take(3)?;
        let serial_no = take(4)?;
        if !mchid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AuthorizationError::Invalid {
                field: "mchid",
                reason: "not digits",
            });
        }
        let timestamp = timestamp_text
            .parse::<u64>()
            .ok()
            .filter(|_| timestamp_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(AuthorizationError::Invalid {
                field: "timestamp",
                reason: "not decimal Unix seconds",
            })?;
        Ok(MerchantAuthorization {
            mchid,
            nonce_str,
            signature,
            timestamp,
            serial_no,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="abc",signature="c2ln",timestamp="1700000000",serial_no="37AB""#;

    #[test]
    fn a_valid_header_parses_in_any_field_order() {
        let parsed = MerchantAuthorization::parse(VALID).unwrap();
        assert_eq!(parsed.mchid, "1900000001");
        assert_eq!(parsed.timestamp, 1_700_000_000);
        let reordered = r#"WECHATPAY2-SHA256-RSA2048 serial_no="37AB",timestamp="1700000000",signature="c2ln",nonce_str="abc",mchid="1900000001""#;
        assert_eq!(MerchantAuthorization::parse(reordered).unwrap(), parsed);
        assert!(!format!("{parsed:?}").contains("c2ln"));
    }

    #[test]
    fn every_deviation_is_refused_with_its_reason() {
        use AuthorizationError::*;
        let cases: Vec<(String, AuthorizationError)> = vec![
            (VALID.replacen(' ', "  ", 1), Scheme),
            (
                VALID.replacen(
                    "WECHATPAY2-SHA256-RSA2048 ",
                    "WECHATPAY2-SHA256-RSA2048,",
                    1,
                ),
                Scheme,
            ),
            (VALID.replace("RSA2048", "RSA4096"), Scheme),
            (
                VALID.replace(",nonce_str", ", nonce_str"),
                Field(" nonce_str=\"abc\"".to_owned()),
            ),
            (
                VALID.replace("mchid=\"1900000001\"", "mchid=1900000001"),
                Field("mchid=1900000001".to_owned()),
            ),
            (
                VALID.replace("mchid=", "merchant="),
                UnknownField("merchant".to_owned()),
            ),
            (format!("{VALID},mchid=\"1\""), Repeated("mchid")),
            (
                VALID.replace(",serial_no=\"37AB\"", ""),
                MissingField("serial_no"),
            ),
            (
                VALID.replace("nonce_str=\"abc\"", "nonce_str=\"\""),
                Invalid {
                    field: "nonce_str",
                    reason: "empty",
                },
            ),
            (
                VALID.replace("1900000001", "19000a"),
                Invalid {
                    field: "mchid",
                    reason: "not digits",
                },
            ),
            (
                VALID.replace("1700000000", "+1700000000"),
                Invalid {
                    field: "timestamp",
                    reason: "not decimal Unix seconds",
                },
            ),
            ("".to_owned(), Scheme),
        ];
        for (header, expected) in cases {
            assert_eq!(
                MerchantAuthorization::parse(&header),
                Err(expected),
                "{header}"
            );
        }
    }
}
