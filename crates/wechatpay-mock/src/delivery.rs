//! Sending callbacks as the platform does: one `POST` per attempt, re-signed at the time of
//! the attempt, until the merchant answers `200` or `204` or the schedule runs out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use getrandom::SysRng;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rand_core::UnwrapErr;
use wechatpay_core::Untrusted;

use crate::callbacks::{
    CallbackBody, CallbackError, CallbackSignature, CallbackTarget, Delivery, DeliveryAttempt,
    RetrySchedule,
};
use crate::platform::MockPlatform;

/// The most of an answer's body read, for its `message`.
const MAX_ANSWER: usize = 64 * 1024;

/// How a callback is delivered: the schedule, the signature, and the clock it is signed by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryOptions {
    /// When to try again.
    pub schedule: RetrySchedule,
    /// Valid, or the platform's probe.
    pub signature: CallbackSignature,
    /// Seconds added to this machine's clock when signing: a platform clock adrift, or (with
    /// a large negative value) a copy replayed long after it was signed.
    pub clock_offset: i64,
}

impl DeliveryOptions {
    /// The platform's schedule, valid signatures, this machine's clock.
    pub fn new() -> Self {
        DeliveryOptions::default()
    }

    /// With this schedule.
    pub fn with_schedule(self, schedule: RetrySchedule) -> Self {
        DeliveryOptions { schedule, ..self }
    }

    /// Signed this way.
    pub fn with_signature(self, signature: CallbackSignature) -> Self {
        DeliveryOptions { signature, ..self }
    }

    /// Signed with the clock moved by `seconds`.
    pub fn with_clock_offset(self, seconds: i64) -> Self {
        DeliveryOptions {
            clock_offset: seconds,
            ..self
        }
    }
}

/// Delivers `body` to `url` as the platform does: `POST`s it, each attempt signed anew at
/// its own time, until an attempt is answered `200` or `204`, waiting between attempts as the
/// schedule says. `on_attempt` sees each attempt as it ends (to print progress); the
/// platform's [`deliveries`](MockPlatform::deliveries) log records them too. Needs a tokio
/// runtime with the timer enabled.
///
/// ```no_run
/// use std::sync::Arc;
/// use wechatpay_mock::{CallbackEvent, DeliveryOptions, MockKeys, MockPlatform, RetrySchedule};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
/// let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng)?;
/// let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, 1_700_000_000, &mut rng)?;
/// let body = platform.callback_body(&event, 1_700_000_000, &mut rng)?;
/// let options = DeliveryOptions::new().with_schedule(RetrySchedule::platform().compressed(1000));
/// let delivery = wechatpay_mock::deliver(&platform, &body, "http://127.0.0.1:8080/notify", &options, |_| {}).await?;
/// assert!(delivery.delivered);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`CallbackError::InvalidUrl`] before any attempt; [`CallbackError::Build`] if signing
/// fails. A merchant that never acknowledges is not an error: the delivery comes back with
/// `delivered` false.
pub async fn deliver(
    platform: &MockPlatform,
    body: &CallbackBody,
    url: &str,
    options: &DeliveryOptions,
    mut on_attempt: impl FnMut(&DeliveryAttempt),
) -> Result<Delivery, CallbackError> {
    let target = CallbackTarget::parse(url)?;
    let mut rng = UnwrapErr(SysRng);
    platform.delivery_started(body, url);
    let schedule = &options.schedule;
    let mut attempts = Vec::new();
    for number in 1..=schedule.attempts() {
        let now = unix_now().saturating_add_signed(options.clock_offset);
        let request = platform.callback_request(body, url, options.signature, now, &mut rng)?;
        let attempt = send(&target, request, schedule.timeout(), number).await;
        let wait = schedule.waits().get(number - 1).copied();
        let last = attempt.acknowledged() || wait.is_none();
        platform.delivery_attempted(body.id(), &attempt, last);
        on_attempt(&attempt);
        let acknowledged = attempt.acknowledged();
        attempts.push(attempt);
        match wait {
            Some(wait) if !acknowledged => tokio::time::sleep(wait).await,
            _ => break,
        }
    }
    let delivered = attempts.last().is_some_and(DeliveryAttempt::acknowledged);
    Ok(Delivery {
        id: body.id().to_owned(),
        event_type: body.event_type().to_owned(),
        url: url.to_owned(),
        attempts,
        delivered,
        finished: true,
    })
}

/// One attempt: connect, send, read the answer, within `timeout`.
async fn send(
    target: &CallbackTarget,
    request: http::Request<Vec<u8>>,
    timeout: Duration,
    number: usize,
) -> DeliveryAttempt {
    let number = u32::try_from(number).unwrap_or(u32::MAX);
    let exchange = async {
        let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| format!("connecting to {}: {e}", target.authority))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake: {e}"))?;
        let connection = tokio::spawn(connection);
        let response = sender
            .send_request(request.map(|body| Full::new(Bytes::from(body))))
            .await
            .map_err(|e| format!("sending: {e}"))?;
        let status = response.status().as_u16();
        let answer = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        connection.abort();
        Ok::<_, String>((status, answer))
    };
    let (status, detail) = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok((status, answer))) => (Some(status), failure_message(&answer)),
        Ok(Err(failure)) => (None, Some(failure)),
        Err(_) => (None, Some(format!("no answer within {timeout:?}"))),
    };
    DeliveryAttempt {
        number,
        status,
        detail: detail.map(|text| shown(&text)),
    }
}

/// The `message` of a `{"code": "FAIL", "message": …}` answer.
fn failure_message(answer: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(answer).ok()?;
    value.get("message")?.as_str().map(str::to_owned)
}

/// Text from the merchant's side, escaped and cut to 200 characters.
fn shown(text: &str) -> String {
    let escaped = Untrusted(text).to_string();
    match escaped.char_indices().nth(200) {
        Some((end, _)) => format!("{}...", &escaped[..end]),
        None => escaped,
    }
}

fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)] // the mock platform is the clock of its callbacks
    let now = SystemTime::now();
    now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
