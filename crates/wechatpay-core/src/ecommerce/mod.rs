//! Operations of the e-commerce (platform merchant) APIs.

pub mod applyment;
pub mod balance;
pub mod bill;
pub mod combine;
pub mod contract;
pub mod partner;
pub mod pay_params;
pub mod profitsharing;
pub mod refund;
pub mod settlement;
pub mod subsidy;
pub mod transaction;
pub mod transfer;
pub mod withdraw;

/// Each module's endpoints, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[&[crate::endpoint::Endpoint]] = &[
    applyment::ENDPOINTS,
    applyment::submit::ENDPOINTS,
    balance::ENDPOINTS,
    bill::ENDPOINTS,
    combine::ENDPOINTS,
    contract::ENDPOINTS,
    partner::ENDPOINTS,
    profitsharing::ENDPOINTS,
    refund::ENDPOINTS,
    subsidy::ENDPOINTS,
    transfer::ENDPOINTS,
    withdraw::ENDPOINTS,
    settlement::ENDPOINTS,
];

/// A protocol enum that tolerates values added after this crate was written: an unknown value
/// parses into `Unknown` with its text, and never fails the response.
macro_rules! protocol_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// The value as the protocol writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok($name::from(text.as_ref()))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use protocol_enum;

/// The characters a parameter may hold, and how to say so in an error.
pub(crate) struct Alphabet {
    allows: fn(char) -> bool,
    description: &'static str,
}

/// ASCII letters, digits, `_` and `-`: codes and ids that go into paths and queries as they are.
pub(crate) const CODE: Alphabet = Alphabet {
    allows: |c| c.is_ascii_alphanumeric() || c == '_' || c == '-',
    description: "ASCII letters, digits, '_' and '-'",
};

/// The merchant's own numbers (`out_trade_no`, `out_refund_no`, `out_order_no`, `out_request_no`
/// of the fund APIs...): the pages allow ASCII letters, digits and `_-|*@`.
pub(crate) const OUT_NO: Alphabet = Alphabet {
    allows: |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '|' | '*' | '@'),
    description: "ASCII letters, digits and '_', '-', '|', '*', '@'",
};

/// ASCII letters and digits only: the numbers the fund APIs take "必须是字母数字" (withdraw
/// `out_request_no`, transfer `out_bill_no`).
pub(crate) const ALNUM: Alphabet = Alphabet {
    allows: |c| c.is_ascii_alphanumeric(),
    description: "ASCII letters and digits",
};

/// Checks an amount in fen (1/100 yuan): the pages take whole fen, at least 1.
pub(crate) fn check_amount(field: &'static str, fen: u64) -> Result<(), crate::Error> {
    if fen == 0 {
        return Err(crate::Error::invalid(field, "must be at least 1 fen"));
    }
    // The platform's integers are signed 64-bit: a larger amount cannot be sent as it is.
    if i64::try_from(fen).is_err() {
        return Err(crate::Error::invalid(
            field,
            format!("{fen} fen is more than the platform can take"),
        ));
    }
    Ok(())
}

/// Parses an amount in fen written as a canonical decimal (what the endpoint table and the CLI
/// hand over as text): "007" and "+7" parse as numbers too, and would send another text than
/// the one given.
pub(crate) fn parse_fen(field: &'static str, text: &str) -> Result<u64, crate::Error> {
    text.parse::<u64>()
        .ok()
        .filter(|fen| fen.to_string() == text)
        .ok_or_else(|| crate::Error::invalid(field, "not a whole number of fen"))
}

/// Checks a string parameter's length in characters and, when given, its alphabet.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
    alphabet: Option<&Alphabet>,
) -> Result<(), crate::Error> {
    let count = value.chars().count();
    if count == 0 || count > max_chars {
        return Err(crate::Error::invalid(
            field,
            format!("must be 1 to {max_chars} characters, got {count}"),
        ));
    }
    let disallowed = alphabet.and_then(|a| {
        value
            .char_indices()
            .find(|&(_, c)| !(a.allows)(c))
            .map(|found| (found, a.description))
    });
    if let Some(((index, bad), description)) = disallowed {
        return Err(crate::Error::invalid(
            field,
            format!("{bad:?} at byte {index} is not allowed: only {description}"),
        ));
    }
    Ok(())
}

/// Parses a time the platform writes in RFC 3339 (`2018-06-08T10:34:56+08:00`).
pub(crate) fn parse_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// What the operation modules' unit tests share.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::error::Error;
    use crate::operation::{Operation, VerifiedBody};

    /// The field an [`Error::InvalidInput`] names; any other error fails the test.
    pub(crate) fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field.into_owned(),
            other => panic!("not an input error: {other}"),
        }
    }

    /// `page` decoded as the 200 answer to `operation`.
    pub(crate) fn decode<O: Operation>(operation: &O, page: &str) -> O::Output {
        operation
            .decode(VerifiedBody::new(
                page.as_bytes(),
                http::StatusCode::OK,
                None,
            ))
            .unwrap()
    }
}
