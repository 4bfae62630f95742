//! What the merchant answers a callback: success, or a failure the platform will redeliver.

use http::header::CONTENT_TYPE;
use http::{Response, StatusCode};

use crate::error::{Error, VerificationError};

/// The answer to a callback, as the platform expects it: `204 No Content` with no body once
/// the callback is handled, or a `4xx`/`5xx` with `{"code": "FAIL", "message": "…"}`, after
/// which the platform delivers it again (about 15 times over a day, at growing intervals).
///
/// [`NotificationAnswer::refusal`] answers a callback the core refused, by what was wrong:
///
/// | refused because | status | message |
/// |---|---|---|
/// | `Wechatpay-*` headers missing or malformed | `401` | `signature verification failed` |
/// | the signature does not verify | `401` | `signature verification failed` |
/// | the `WECHATPAY/SIGNTEST/` probe | `401` | `signature verification failed` (the very answer of a bad signature: the probe checks that the merchant refuses it like one; logs tell them apart by [`VerificationError::SignatureProbe`]) |
/// | `Wechatpay-Serial` names no configured key | `401` | `unknown platform key` |
/// | the timestamp is outside the clock window (stale, replayed later, or a local clock adrift) | `401` | `timestamp outside the accepted window` |
/// | verified, but the resource does not decrypt (another APIv3 key) | `500` | `resource decryption failed` |
/// | verified, but not a notification, or a typed resource lacks a field | `500` | `callback not understood` |
///
/// What cannot be authenticated is `401`: it may come from anyone, so it must not page
/// whoever watches the `5xx`. What was authenticated but could not be handled is this side's
/// fault (a wrong APIv3 key, a model behind the platform) and is `500`: the platform
/// redelivers it, and it succeeds once fixed. A replay within the clock window verifies: it
/// is made harmless by de-duplicating on the notification id (see
/// [`crate::OpenedNotification`]).
///
/// ```
/// use wechatpay_core::NotificationAnswer;
///
/// let handled = NotificationAnswer::success().to_response();
/// assert_eq!(handled.status(), 204);
/// assert!(handled.body().is_empty());
///
/// let failed = NotificationAnswer::failure("database unavailable").to_response();
/// assert_eq!(failed.status(), 500);
/// assert_eq!(failed.body().as_slice(), br#"{"code":"FAIL","message":"database unavailable"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationAnswer {
    status: StatusCode,
    message: Option<String>,
}

impl NotificationAnswer {
    /// Handled: `204 No Content`, no body.
    pub fn success() -> Self {
        NotificationAnswer {
            status: StatusCode::NO_CONTENT,
            message: None,
        }
    }

    /// Not handled, for a reason on this side (a database down): `500` with the message. The
    /// platform delivers the callback again later.
    pub fn failure(message: impl Into<String>) -> Self {
        NotificationAnswer {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: Some(message.into()),
        }
    }

    /// Not handled, with a status of your choice.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`status`) unless `4xx` or `5xx`: any other status would tell
    /// the platform the callback was handled, or nothing it understands.
    pub fn failure_with_status(
        status: StatusCode,
        message: impl Into<String>,
    ) -> Result<Self, Error> {
        if !(status.is_client_error() || status.is_server_error()) {
            return Err(Error::invalid(
                "status",
                format!("{status} is not a failure: use a 4xx or 5xx"),
            ));
        }
        Ok(NotificationAnswer {
            status,
            message: Some(message.into()),
        })
    }

    /// The answer to a callback the core refused (see the table above). The message names
    /// the category only, never a value from the request.
    pub fn refusal(error: &Error) -> Self {
        let (status, message) = match error {
            Error::Verification { kind, .. } => (
                StatusCode::UNAUTHORIZED,
                match kind {
                    VerificationError::UnknownSerial { .. } => "unknown platform key",
                    VerificationError::ClockSkew { .. } => "timestamp outside the accepted window",
                    _ => "signature verification failed",
                },
            ),
            Error::Crypto(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "resource decryption failed",
            ),
            Error::Decode(_) => (StatusCode::INTERNAL_SERVER_ERROR, "callback not understood"),
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "callback handling failed",
            ),
        };
        NotificationAnswer {
            status,
            message: Some(message.to_owned()),
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The failure's message; `None` for success.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Whether this tells the platform the callback was handled.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The failure's body, `{"code":"FAIL","message":"…"}`; empty for success.
    pub fn body(&self) -> Vec<u8> {
        match &self.message {
            Some(message) => serde_json::json!({ "code": "FAIL", "message": message })
                .to_string()
                .into_bytes(),
            None => Vec::new(),
        }
    }

    /// The HTTP response to send.
    pub fn to_response(&self) -> Response<Vec<u8>> {
        let mut response = Response::new(self.body());
        *response.status_mut() = self.status;
        if self.message.is_some() {
            response.headers_mut().insert(
                CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
        }
        response
    }
}
