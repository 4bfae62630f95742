//! Any endpoint, without a typed model: a method, a path, an optional JSON body whose named
//! fields are encrypted, and the verified JSON answer as a value.

use std::fmt;

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::text::Quoted;

/// An endpoint the core has no typed operation for, signed, sent and verified like any other.
///
/// The body is JSON; each field named with [`AnyEndpoint::encrypt`] (a JSON pointer such as
/// `/id_card_info/id_card_name`) must hold a string, which is encrypted to a platform key
/// through the [`RequestContext`], so that `Wechatpay-Serial` names that key. The answer is
/// the verified JSON as a [`serde_json::Value`], or `None` for an answer without a body
/// (`204 No Content`).
///
/// A body without encrypted fields is sent byte for byte as given to
/// [`AnyEndpoint::with_json_bytes`]; one with encrypted fields is serialised again after the
/// encryption (keys in sorted order, numbers as `serde_json` writes them).
///
/// ```
/// use http::Method;
/// use wechatpay_core::{AnyEndpoint, PathBuilder};
///
/// let query = AnyEndpoint::new(Method::GET, PathBuilder::parse("/v3/ecommerce/applyments/2000002124775691")?)?;
/// let submit = AnyEndpoint::new(Method::POST, PathBuilder::parse("/v3/ecommerce/applyments/")?)?
///     .with_json(&serde_json::json!({
///         "out_request_no": "APPLYMENT_00000000002",
///         "id_card_info": {"id_card_name": "张三", "id_card_number": "110101199003070011"},
///     }))?
///     .encrypt("/id_card_info/id_card_name")?
///     .encrypt("/id_card_info/id_card_number")?;
/// assert_eq!(submit.path_and_query(), "/v3/ecommerce/applyments/");
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AnyEndpoint {
    method: Method,
    path_and_query: String,
    body: Option<Vec<u8>>,
    encrypt: Vec<String>,
}

/// The methods APIv3 endpoints use.
const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

impl AnyEndpoint {
    /// A request of `method` to `path`, without a body.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`method`) for a method other than `GET`, `POST`, `PUT`,
    /// `PATCH` and `DELETE`.
    pub fn new(method: Method, path: PathBuilder) -> Result<Self, Error> {
        if !METHODS.contains(&method) {
            return Err(Error::invalid(
                "method",
                format!(
                    "{:?} is not a method of APIv3 endpoints (GET, POST, PUT, PATCH, DELETE)",
                    Quoted::value(method.as_str())
                ),
            ));
        }
        Ok(AnyEndpoint {
            method,
            path_and_query: path.finish(),
            body: None,
            encrypt: Vec::new(),
        })
    }

    /// With `body` serialised as its JSON body (leave unset fields out rather than `null`).
    ///
    /// # Errors
    ///
    /// As [`RequestParts::json`]; [`Error::InvalidInput`] (`body`) on a `GET`, which has no
    /// body.
    pub fn with_json<T: Serialize + ?Sized>(self, body: &T) -> Result<Self, Error> {
        let parts = RequestParts::json(self.method.clone(), "/", body)?;
        self.with_checked_body(parts.signed_body().to_vec())
    }

    /// With a JSON document already serialised (a file) as its body.
    ///
    /// # Errors
    ///
    /// As [`RequestParts::json_bytes`]; [`Error::InvalidInput`] (`body`) on a `GET`.
    pub fn with_json_bytes(self, body: Vec<u8>) -> Result<Self, Error> {
        let parts = RequestParts::json_bytes(self.method.clone(), "/", body)?;
        self.with_checked_body(parts.signed_body().to_vec())
    }

    fn with_checked_body(self, body: Vec<u8>) -> Result<Self, Error> {
        if self.method == Method::GET {
            return Err(Error::invalid(
                "body",
                "a GET has no body: put parameters in the path or the query",
            ));
        }
        Ok(AnyEndpoint {
            body: Some(body),
            ..self
        })
    }

    /// Encrypts the string the JSON pointer `pointer` names in the body (RFC 6901:
    /// `/id_card_info/id_card_name`; `~1` stands for `/` and `~0` for `~` in a name).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`encrypt`) for a pointer that does not start with `/`, or one
    /// named twice (its field would be encrypted twice). Whether the body holds a string
    /// there is checked when the request is built.
    pub fn encrypt(mut self, pointer: &str) -> Result<Self, Error> {
        if !pointer.starts_with('/') {
            return Err(Error::invalid(
                "encrypt",
                format!(
                    "{:?} is not a JSON pointer into the body: write it as /field/subfield",
                    Quoted::value(pointer)
                ),
            ));
        }
        if self.encrypt.iter().any(|p| p == pointer) {
            return Err(Error::invalid(
                "encrypt",
                format!(
                    "{:?} is named twice: its field would be encrypted twice",
                    Quoted::value(pointer)
                ),
            ));
        }
        // Checked now when the body is known, so that the mistake shows before any setting
        // is needed; `request` checks again, whatever the order of the calls.
        if let Some(body) = &self.body {
            check_pointer(&parse(body)?, pointer)?;
        }
        self.encrypt.push(pointer.to_owned());
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query, as signed and sent.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The pointers of the fields encrypted.
    pub fn encrypted_fields(&self) -> &[String] {
        &self.encrypt
    }

    /// The body with every named field encrypted.
    fn encrypted_body(
        &self,
        body: &[u8],
        context: &mut RequestContext<'_>,
    ) -> Result<Value, Error> {
        let mut document = parse(body)?;
        for pointer in &self.encrypt {
            check_pointer(&document, pointer)?;
            if let Some(Value::String(plaintext)) = document.pointer_mut(pointer) {
                let ciphertext = context.encrypt(plaintext)?;
                *plaintext = ciphertext;
            }
        }
        Ok(document)
    }
}

fn parse(body: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice(body)
        .map_err(|e| Error::invalid("body", format!("is not one JSON document: {e}")))
}

/// Whether `pointer` names a string of `document`, the only kind of field encrypted.
fn check_pointer(document: &Value, pointer: &str) -> Result<(), Error> {
    let shown = Quoted::value(pointer);
    match document.pointer(pointer) {
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(Error::invalid(
            "encrypt",
            format!(
                "{shown} holds {}, not a string: only string fields are encrypted",
                kind(other)
            ),
        )),
        None => Err(Error::invalid(
            "encrypt",
            format!("{shown} names no field of the body"),
        )),
    }
}

/// What a JSON value is, in a message that must not show it (it may be personal data).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Operation for AnyEndpoint {
    /// The verified JSON answer; `None` when the answer has no body.
    type Output = Option<Value>;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let method = self.method.clone();
        let path = self.path_and_query.clone();
        match (&self.body, self.encrypt.is_empty()) {
            (None, true) => Ok(RequestParts::new(method, path)),
            (None, false) => Err(Error::invalid(
                "encrypt",
                format!(
                    "{} names a field, but the request has no body",
                    self.encrypt.join(", ")
                ),
            )),
            (Some(body), true) => RequestParts::json_bytes(method, path, body.clone()),
            (Some(body), false) => {
                let document = self.encrypted_body(body, context)?;
                RequestParts::json(method, path, &document)
            }
        }
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Option<Value>, Error> {
        if body.bytes().is_empty() {
            return Ok(None);
        }
        body.json().map(Some)
    }
}

impl fmt::Debug for AnyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body holds the plaintext of the fields to encrypt: never shown.
        f.debug_struct("AnyEndpoint")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .field("encrypt", &self.encrypt)
            .finish()
    }
}
