//! The extension point: an [`Operation`] describes one endpoint, the [`crate::Client`] signs
//! its requests and verifies its responses.

use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::error::{DecodeError, Error};

/// One API endpoint: how to build its request and how to read its verified answer.
///
/// Implement it for endpoints the core does not ship; signing, verification, error answers and
/// retries come from [`crate::Client`] and the adapters, unchanged. `request` receives a
/// [`RequestContext`] to encrypt sensitive fields with (the request then names that key in
/// `Wechatpay-Serial` by itself). `decode` only ever sees a body whose signature verified:
/// [`VerifiedBody`] cannot be built outside the core.
///
/// ```
/// use http::Method;
/// use serde::Deserialize;
/// use wechatpay_core::{Error, Operation, PathBuilder, RequestContext, RequestParts, VerifiedBody};
///
/// /// `GET /v3/merchant/fund/balance/{account_type}`, an endpoint the core does not ship.
/// struct QueryBalance { account_type: String }
///
/// #[derive(Deserialize)]
/// struct Balance { available_amount: u64 }
///
/// impl Operation for QueryBalance {
///     type Output = Balance;
///     fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
///         let path = PathBuilder::new("/v3/merchant/fund/balance")?
///             .segment("account_type", &self.account_type)?
///             .finish();
///         Ok(RequestParts::new(Method::GET, path))
///     }
///     fn decode(&self, body: VerifiedBody<'_>) -> Result<Balance, Error> {
///         body.json()
///     }
/// }
/// ```
pub trait Operation {
    /// What a successful answer decodes to.
    type Output;

    /// The request: method, path and query (validated and percent-encoded), body. Validate
    /// the input here: nothing is signed when this fails. Encrypt sensitive fields with
    /// `context`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the parameter at fault; [`Error::Crypto`] from
    /// encryption.
    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error>;

    /// Decodes the body of a `2xx` answer, after its signature verified. An answer without a
    /// body (`204 No Content`) is verified too, and comes here empty: see
    /// [`VerifiedBody::no_content`].
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the body is not what the endpoint documents.
    fn decode(&self, body: VerifiedBody<'_>) -> Result<Self::Output, Error>;
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

    /// Checks that the answer has no body, for endpoints that answer `204 No Content`.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when there is a body.
    pub fn no_content(&self) -> Result<(), Error> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.decode_error::<()>(format!(
                "expected no body (204 No Content), got {} bytes",
                self.bytes.len()
            )))
        }
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
