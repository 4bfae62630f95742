//! The extension point: an [`Operation`] describes one endpoint, the [`crate::Client`] signs
//! its requests and verifies its responses.

use std::fmt::Write as _;

use http::{Method, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

use crate::credentials::Shown;
use crate::error::{DecodeError, Error};
use crate::signing::check_path_and_query;

/// One API endpoint: how to build its request and how to read its verified answer.
///
/// Implement it for endpoints the core does not ship; signing, verification, error answers and
/// retries come from [`crate::Client`] and the adapters, unchanged. `decode` only ever sees a
/// body whose signature verified: [`VerifiedBody`] cannot be built outside the core.
///
/// ```
/// use http::Method;
/// use serde::Deserialize;
/// use wechatpay_core::{Error, Operation, PathBuilder, RequestParts, VerifiedBody};
///
/// /// `GET /v3/merchant/fund/balance/{account_type}`, an endpoint the core does not ship.
/// struct QueryBalance { account_type: String }
///
/// #[derive(Deserialize)]
/// struct Balance { available_amount: u64 }
///
/// impl Operation for QueryBalance {
///     type Output = Balance;
///     fn request(&self) -> Result<RequestParts, Error> {
///         let path = PathBuilder::new("/v3/merchant/fund/balance")?
///             .segment("account_type", &self.account_type)?
///             .finish();
///         Ok(RequestParts::new(Method::GET, path))
///     }
///     fn decode(&self, body: VerifiedBody<'_>) -> Result<Balance, Error> {
///         body.json()
///     }
/// }
/// # let parts = QueryBalance { account_type: "BASIC".into() }.request()?;
/// # assert_eq!(parts.path_and_query(), "/v3/merchant/fund/balance/BASIC");
/// # Ok::<(), Error>(())
/// ```
pub trait Operation {
    /// What a successful answer decodes to.
    type Output;

    /// The request: method, path and query (validated and percent-encoded), body. Validate
    /// the input here: nothing is signed when this fails.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the parameter at fault.
    fn request(&self) -> Result<RequestParts, Error>;

    /// Decodes the body of a `2xx` answer, after its signature verified.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the body is not what the endpoint documents.
    fn decode(&self, body: VerifiedBody<'_>) -> Result<Self::Output, Error>;
}

/// The parts of a request an [`Operation`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestParts {
    method: Method,
    path_and_query: String,
    body: Vec<u8>,
    wechatpay_serial: Option<String>,
}

impl RequestParts {
    /// A request without a body. `path_and_query` should come from a [`PathBuilder`].
    pub fn new(method: Method, path_and_query: impl Into<String>) -> Self {
        RequestParts {
            method,
            path_and_query: path_and_query.into(),
            body: Vec::new(),
            wechatpay_serial: None,
        }
    }

    /// A request with a JSON body, serialised once here: these are the bytes signed and sent.
    /// Leave unset fields out of the JSON (`#[serde(skip_serializing_if = "Option::is_none")]`)
    /// rather than sending `null`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`body`) when serialisation fails or the text holds a character
    /// outside the Basic Multilingual Plane (emoji), which the platform rejects.
    pub fn json<T: serde::Serialize + ?Sized>(
        method: Method,
        path_and_query: impl Into<String>,
        body: &T,
    ) -> Result<Self, Error> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot serialise: {e}")))?;
        // serde_json writes non-ASCII as raw UTF-8, so a 4-byte sequence is a 4-byte character.
        if body.iter().any(|&b| b >= 0xF0) {
            return Err(Error::invalid(
                "body",
                "holds a character of 4 UTF-8 bytes (emoji or rarer CJK); APIv3 accepts 1 to 3 bytes per character",
            ));
        }
        Ok(RequestParts {
            body,
            ..RequestParts::new(method, path_and_query)
        })
    }

    /// Names the platform key for `Wechatpay-Serial`, when sensitive fields were encrypted to a
    /// key other than the preferred one (see [`crate::FieldEncryptor::serial`]).
    pub fn with_wechatpay_serial(mut self, serial: impl Into<String>) -> Self {
        self.wechatpay_serial = Some(serial.into());
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query, as signed and sent.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The body, empty when there is none.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `Wechatpay-Serial` override, if any.
    pub fn wechatpay_serial(&self) -> Option<&str> {
        self.wechatpay_serial.as_deref()
    }

    pub(crate) fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// The body of a `2xx` answer whose signature verified. Only the core builds one.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedBody<'a> {
    bytes: &'a [u8],
    status: StatusCode,
    request_id: Option<&'a str>,
}

impl<'a> VerifiedBody<'a> {
    pub(crate) fn new(bytes: &'a [u8], status: StatusCode, request_id: Option<&'a str>) -> Self {
        VerifiedBody {
            bytes,
            status,
            request_id,
        }
    }

    /// Fuzzing only (`--cfg fuzzing`, set by cargo-fuzz): a body that skipped verification, so
    /// that fuzz targets reach the decoders. Absent from every other build.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn for_fuzzing(bytes: &'a [u8]) -> Self {
        VerifiedBody::new(bytes, StatusCode::OK, None)
    }

    /// The raw bytes, exactly as signed.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The HTTP status (some endpoints answer `204 No Content`).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `Request-ID` header.
    pub fn request_id(&self) -> Option<&'a str> {
        self.request_id
    }

    /// Decodes the body as JSON. Unknown fields are ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`], keeping the raw body and the `Request-ID`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(self.bytes).map_err(|e| self.decode_error::<T>(e.to_string()))
    }

    /// A decode error for this body, for [`Operation::decode`] implementations that check more
    /// than the JSON shape.
    pub fn decode_error<T>(&self, reason: String) -> Error {
        Error::Decode(Box::new(DecodeError {
            target: std::any::type_name::<T>(),
            reason,
            body: self.bytes.to_vec(),
            request_id: self.request_id.map(str::to_owned),
        }))
    }
}

/// RFC 3986 unreserved characters stay; every other byte is percent-encoded, `/` included.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Builds a path and query in the one encoding that is signed and sent unchanged.
///
/// Path parameters and query values are percent-encoded (RFC 3986 unreserved characters stay,
/// every other byte becomes `%XX`, `/` included), so a value cannot add a path segment, a query
/// or a fragment.
#[derive(Debug, Clone)]
pub struct PathBuilder {
    text: String,
    has_query: bool,
}

impl PathBuilder {
    /// Starts from a fixed path such as `/v3/ecommerce/applyments`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`path_and_query`) unless `base` is an absolute path without a
    /// query, in the form [`crate::check_path_and_query`] accepts: a base such as
    /// `@evil.example/v3` would otherwise move the request, signature and all, to another host.
    pub fn new(base: &str) -> Result<Self, Error> {
        check_path_and_query(base)?;
        if base.contains('?') {
            return Err(Error::invalid(
                "path_and_query",
                format!(
                    "{:?} must not hold a query: add it with PathBuilder::query",
                    Shown(base)
                ),
            ));
        }
        Ok(PathBuilder {
            text: base.to_owned(),
            has_query: false,
        })
    }

    /// Appends `/` and the encoded parameter `value`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `name` when `value` is empty, `.` or `..` (HTTP clients
    /// would drop or collapse such a segment), or when called after a query was added.
    pub fn segment(mut self, name: &'static str, value: &str) -> Result<Self, Error> {
        if value.is_empty() {
            return Err(Error::invalid(name, "must not be empty"));
        }
        if value == "." || value == ".." {
            return Err(Error::invalid(
                name,
                format!("{value:?} cannot be sent as a path segment: HTTP clients remove it"),
            ));
        }
        if self.has_query {
            return Err(Error::invalid(
                name,
                "a path segment cannot follow the query",
            ));
        }
        if !self.text.ends_with('/') {
            self.text.push('/');
        }
        let _ = write!(self.text, "{}", utf8_percent_encode(value, COMPONENT));
        Ok(self)
    }

    /// Appends `name=value` to the query, encoded.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.text.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        let _ = write!(
            self.text,
            "{}={}",
            utf8_percent_encode(name, COMPONENT),
            utf8_percent_encode(value, COMPONENT)
        );
        self
    }

    /// The path and query.
    pub fn finish(self) -> String {
        self.text
    }
}
