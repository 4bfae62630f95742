//! What the platform answers before the answer is signed: a status, a JSON body, and the few
//! headers some answers carry; with the platform's error bodies.

use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

/// An answer on its way out.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status.
    pub(crate) status: StatusCode,
    /// The body, JSON (or empty).
    pub(crate) body: Vec<u8>,
    /// Headers besides `Content-Type` and `Request-ID`, which every answer has.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether the platform signs it: everything an endpoint or the authentication answers is
    /// signed, errors included; a failure of the platform's front may not be.
    pub(crate) signed: bool,
}

impl Reply {
    /// A signed answer.
    pub(crate) fn new(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            body,
            headers: Vec::new(),
            signed: true,
        }
    }

    /// `200` with `body`.
    pub(crate) fn ok(body: Vec<u8>) -> Self {
        Reply::new(StatusCode::OK, body)
    }

    /// An error answer, `{"code": ..., "message": ...}`.
    pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Self {
        Reply::new(status, error_body(code, message, None))
    }

    /// `404 RESOURCE_NOT_EXISTS`.
    pub(crate) fn not_found(message: &str) -> Self {
        Reply::error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", message)
    }

    /// `400 INVALID_REQUEST`.
    pub(crate) fn invalid_request(message: &str) -> Self {
        Reply::error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
    }

    /// `400 PARAM_ERROR` naming the parameter, where it was (`path`, `query`, `body`) and what
    /// is wrong with it, in `detail` as the platform writes it.
    pub(crate) fn param_error(field: &str, location: &str, issue: &str) -> Self {
        Reply::new(
            StatusCode::BAD_REQUEST,
            error_body(
                "PARAM_ERROR",
                &format!("参数错误: {field} {issue}"),
                Some(json!({"field": field, "location": location, "issue": issue})),
            ),
        )
    }

    /// `401 SIGN_ERROR` with the issue, and the platform's view of the signed message when the
    /// signature itself did not match.
    pub(crate) fn sign_error(issue: &str, sign_information: Option<Value>) -> Self {
        let mut detail = json!({
            "detail": {"issue": issue},
            "field": "signature",
            "location": "authorization",
        });
        if let (Some(information), Some(object)) = (sign_information, detail.as_object_mut()) {
            object.insert("sign_information".to_owned(), information);
        }
        Reply::new(
            StatusCode::UNAUTHORIZED,
            error_body("SIGN_ERROR", "签名错误", Some(detail)),
        )
    }

    /// The same answer, left unsigned.
    pub(crate) fn unsigned(mut self) -> Self {
        self.signed = false;
        self
    }

    /// The same answer with one more header.
    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP response, with `Content-Type`, `Request-ID` and the reply's own headers.
    pub(crate) fn into_response(self, request_id: &str) -> Response<Vec<u8>> {
        let mut response = Response::new(self.body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Ok(id) = HeaderValue::from_str(request_id) {
            headers.insert("Request-ID", id);
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}

fn error_body(code: &str, message: &str, detail: Option<Value>) -> Vec<u8> {
    let mut body = json!({"code": code, "message": message});
    if let (Some(detail), Some(object)) = (detail, body.as_object_mut()) {
        object.insert("detail".to_owned(), detail);
    }
    body.to_string().into_bytes()
}
