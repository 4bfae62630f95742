//! `POST /v3/security/echo`: the platform's self-check (回显测试, PROTOCOL.md §12), which proves
//! the merchant's signature, the platform key, the clock and the encryption in one call.
//!
//! The request, checked like every other, is `{"echo_message": "…", "encrypted_echo_message":
//! "…", "notify_url": "…"}`: `echo_message` is 1 to [`MAX_ECHO_MESSAGE`] characters;
//! `encrypted_echo_message`, optional, is a sensitive field, encrypted (RSA-OAEP) to the
//! platform key the request names in `Wechatpay-Serial`; `notify_url`, optional, is where the
//! platform sends a test callback. The answer echoes `echo_message` and, when the request had
//! one, the decrypted `encrypted_echo_message` encrypted again to the merchant, as the platform
//! encrypts every sensitive field of its answers. A field that does not decrypt, or a request
//! that names no key the platform holds, is a `400 PARAM_ERROR` naming it.
//!
//! The test callback is the mock's own: event `SECURITY.ECHO` ([`ECHO_EVENT`]), resource type
//! `echo`, resource `{"echo_message": "…"}`. The answer queues it
//! ([`MockPlatform::take_echo_callbacks`]); a [`MockServer`](crate::MockServer) sends what is
//! queued as the platform sends callbacks, to `http://` URLs only (the mock delivers to test
//! endpoints). An `https://` URL is taken, as the platform takes it, and nothing is sent.

use std::collections::VecDeque;

use http::Method;
use serde_json::{Value, json};

use super::{Call, Endpoint, Outcome, Route};
use crate::callbacks::{CallbackEvent, CallbackTarget};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::store::Seeding;

/// The longest `echo_message`, in characters.
pub const MAX_ECHO_MESSAGE: usize = 256;

/// The longest `notify_url`, in characters.
pub const MAX_NOTIFY_URL: usize = 256;

/// The event type of the test callback.
pub const ECHO_EVENT: &str = "SECURITY.ECHO";

/// How many test callbacks wait to be sent at most: the newest. A platform served without a
/// server would otherwise keep every one.
pub const MAX_ECHO_CALLBACKS_QUEUED: usize = 64;

/// A test callback an echo asked for, waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EchoCallback {
    /// Where it goes: the request's `notify_url`.
    pub url: String,
    /// The event: [`ECHO_EVENT`], its resource `{"echo_message": …}`.
    pub event: CallbackEvent,
}

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[Route {
        method: Method::POST,
        path: "/v3/security/echo",
        answer: echo,
    }],
    seed,
    unknown_enum_values: &[],
    tables: &[],
    progress: &[],
};

/// The test callbacks waiting to be sent, oldest first.
#[derive(Debug, Clone, Default)]
struct EchoCallbacks(VecDeque<EchoCallback>);

fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    seeding.insert(EchoCallbacks::default());
    Ok(())
}

impl MockPlatform {
    /// The test callbacks that echoes with a `notify_url` asked for since the last call, oldest
    /// first (the newest [`MAX_ECHO_CALLBACKS_QUEUED`]), now no longer queued. A
    /// [`MockServer`](crate::MockServer) takes and sends them after each request; a test
    /// without a server can read them here.
    pub fn take_echo_callbacks(&self) -> Vec<EchoCallback> {
        self.store()
            .write(|queued: &mut EchoCallbacks| queued.0.drain(..).collect())
    }
}

fn echo(call: &Call<'_>) -> Outcome {
    let body: Value = serde_json::from_slice(call.body())
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| Reply::param_error("body", "body", "应为JSON对象"))?;
    let present = |name: &str| body.get(name).filter(|value| !value.is_null());
    let echo_message = body
        .get("echo_message")
        .and_then(Value::as_str)
        .filter(|message| (1..=MAX_ECHO_MESSAGE).contains(&message.chars().count()))
        .ok_or_else(|| {
            Reply::param_error(
                "echo_message",
                "body",
                &format!("长度应为1到{MAX_ECHO_MESSAGE}个字符"),
            )
        })?;
    let encrypted_echo_message = match present("encrypted_echo_message") {
        None => None,
        Some(value) => {
            let ciphertext = value.as_str().ok_or_else(|| {
                Reply::param_error("encrypted_echo_message", "body", "应为加密后的字符串")
            })?;
            let plaintext = call.decrypt("encrypted_echo_message", ciphertext)?;
            Some(call.encrypt_for_merchant(&plaintext)?)
        }
    };
    let notify_url = match present("notify_url") {
        None => None,
        Some(value) => Some(
            value
                .as_str()
                .filter(|url| {
                    (url.starts_with("http://") || url.starts_with("https://"))
                        && url.chars().count() <= MAX_NOTIFY_URL
                })
                .ok_or_else(|| {
                    Reply::param_error(
                        "notify_url",
                        "body",
                        &format!("应为以 http:// 或 https:// 开头的URL,最长{MAX_NOTIFY_URL}个字符"),
                    )
                })?,
        ),
    };
    if let Some(url) = notify_url.filter(|url| CallbackTarget::parse(url).is_ok()) {
        queue(call, url, echo_message)?;
    }
    let mut answer = json!({ "echo_message": echo_message });
    if let (Some(encrypted), Some(object)) = (encrypted_echo_message, answer.as_object_mut()) {
        object.insert(
            "encrypted_echo_message".to_owned(),
            Value::String(encrypted),
        );
    }
    Ok(Reply::ok(answer.to_string().into_bytes()))
}

/// Queues the test callback to `url`, forgetting the oldest beyond the bound.
fn queue(call: &Call<'_>, url: &str, echo_message: &str) -> Result<(), Reply> {
    let event = CallbackEvent::custom(
        ECHO_EVENT,
        "echo",
        "回调通知测试",
        json!({ "echo_message": echo_message }),
    )
    .map_err(|e| {
        Reply::error(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            &e.to_string(),
        )
    })?;
    call.store().write(|queued: &mut EchoCallbacks| {
        if queued.0.len() >= MAX_ECHO_CALLBACKS_QUEUED {
            queued.0.pop_front();
        }
        queued.0.push_back(EchoCallback {
            url: url.to_owned(),
            event,
        });
    });
    Ok(())
}
