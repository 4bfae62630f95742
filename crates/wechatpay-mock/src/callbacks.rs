//! The callbacks the platform sends, with no I/O: an event's resource encrypted with the
//! merchant's APIv3 key in the notification envelope, signed like an answer at the time of
//! each attempt, and the schedule of redeliveries. Sending them is
//! [`deliver`](crate::deliver) (the `server` feature) and the control route
//! `POST /mock/notifications` ([`control`](crate::control)).

use std::collections::VecDeque;
use std::time::Duration;

use base64::Engine as _;
use http::header::{CONTENT_TYPE, HOST, USER_AGENT};
use http::{HeaderValue, Request, Response, Uri};
use rand_core::CryptoRng;
use serde_json::{Map, Value, json};
use wechatpay_core::{SIGNATURE_PROBE_PREFIX, WECHATPAY_SIGNATURE};

use crate::keys::alphanumerics;
use crate::platform::MockPlatform;
use crate::sealing::{NONCE_LEN, rfc3339, seal};

/// The event types the mock has a resource for, by name.
pub const NAMED_EVENTS: [&str; 4] = [
    "TRANSACTION.SUCCESS",
    "REFUND.SUCCESS",
    "REFUND.ABNORMAL",
    "REFUND.CLOSED",
];

/// The sub-merchant of the mock's payments: the one of the seeded `FINISH` applyment.
const SUB_MCHID: &str = "1542488631";

/// How many deliveries [`MockPlatform::deliveries`] keeps: the newest.
pub const MAX_DELIVERIES_KEPT: usize = 1000;

/// A callback could not be built or sent as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// An event the mock has no resource for, and none was given.
    #[error(
        "no resource for event {event:?}: the mock makes one for {}; for another event give \
         the resource and its original_type",
        NAMED_EVENTS.join(", ")
    )]
    UnknownEvent {
        /// The event asked for.
        event: String,
    },
    /// The resource, or the fields to put in it, are not a JSON object.
    #[error("the resource must be a JSON object: {0}")]
    InvalidResource(String),
    /// The URL cannot be delivered to.
    #[error("cannot deliver to {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why.
        reason: String,
    },
    /// Encrypting or signing failed.
    #[error("cannot build the callback: {0}")]
    Build(String),
}

/// An event to send: its type, the type of its resource, a summary, and the resource itself
/// (the JSON the merchant decrypts).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackEvent {
    /// `event_type`, such as `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// `resource.original_type`, such as `transaction`; also the associated data.
    pub original_type: String,
    /// `summary`, such as `支付成功`.
    pub summary: String,
    /// The resource, before encryption.
    pub resource: Map<String, Value>,
}

impl CallbackEvent {
    /// One of [`NAMED_EVENTS`] with a resource as the platform sends it for the merchant of
    /// `platform`: a paid order of 1.00 CNY of the seeded sub-merchant, or its full refund,
    /// with fresh order and refund numbers.
    ///
    /// # Errors
    ///
    /// [`CallbackError::UnknownEvent`] for any other event: use [`CallbackEvent::custom`].
    pub fn named<R: CryptoRng + ?Sized>(
        event_type: &str,
        platform: &MockPlatform,
        now: u64,
        rng: &mut R,
    ) -> Result<Self, CallbackError> {
        let mchid = platform.keys().mchid.as_str();
        let out_trade_no = format!("MOCK{}", digits(rng, 24));
        let transaction_id = format!("4200{}", digits(rng, 24));
        let time = rfc3339(now);
        let (original_type, summary, resource) = match event_type {
            "TRANSACTION.SUCCESS" => (
                "transaction",
                "支付成功",
                json!({
                    "sp_appid": "wx8888888888888888",
                    "sp_mchid": mchid,
                    "sub_appid": "wxd678efh567hg6999",
                    "sub_mchid": SUB_MCHID,
                    "out_trade_no": out_trade_no,
                    "transaction_id": transaction_id,
                    "trade_type": "JSAPI",
                    "trade_state": "SUCCESS",
                    "trade_state_desc": "支付成功",
                    "bank_type": "OTHERS",
                    "attach": "",
                    "success_time": time,
                    "payer": { "sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
                    "amount": {
                        "total": 100, "payer_total": 100, "currency": "CNY", "payer_currency": "CNY"
                    },
                }),
            ),
            "REFUND.SUCCESS" | "REFUND.ABNORMAL" | "REFUND.CLOSED" => {
                let (status, summary) = match event_type {
                    "REFUND.SUCCESS" => ("SUCCESS", "退款成功"),
                    "REFUND.ABNORMAL" => ("ABNORMAL", "退款异常"),
                    _ => ("CLOSED", "退款关闭"),
                };
                let mut refund = json!({
                    "sp_mchid": mchid,
                    "sub_mchid": SUB_MCHID,
                    "out_trade_no": out_trade_no,
                    "transaction_id": transaction_id,
                    "out_refund_no": format!("MOCKR{}", digits(rng, 24)),
                    "refund_id": format!("5030{}", digits(rng, 25)),
                    "refund_status": status,
                    "user_received_account": "支付用户零钱",
                    "amount": { "total": 100, "refund": 100, "payer_total": 100, "payer_refund": 100 },
                    "refund_account": "REFUND_SOURCE_SUB_MERCHANT",
                });
                if status == "SUCCESS" {
                    refund["success_time"] = Value::String(time);
                }
                ("refund", summary, refund)
            }
            _ => {
                return Err(CallbackError::UnknownEvent {
                    event: event_type.to_owned(),
                });
            }
        };
        CallbackEvent::custom(event_type, original_type, summary, resource)
    }

    /// Any event, with the resource given.
    ///
    /// # Errors
    ///
    /// [`CallbackError::InvalidResource`] unless `resource` is a JSON object.
    pub fn custom(
        event_type: impl Into<String>,
        original_type: impl Into<String>,
        summary: impl Into<String>,
        resource: Value,
    ) -> Result<Self, CallbackError> {
        let Value::Object(resource) = resource else {
            return Err(CallbackError::InvalidResource(format!(
                "got {}",
                kind_of(&resource)
            )));
        };
        Ok(CallbackEvent {
            event_type: event_type.into(),
            original_type: original_type.into(),
            summary: summary.into(),
            resource,
        })
    }

    /// With this summary.
    pub fn with_summary(self, summary: impl Into<String>) -> Self {
        CallbackEvent {
            summary: summary.into(),
            ..self
        }
    }

    /// With these fields set in the resource (an order number, an amount), each replacing the
    /// field of that name.
    ///
    /// # Errors
    ///
    /// [`CallbackError::InvalidResource`] unless `fields` is a JSON object.
    pub fn with_fields(mut self, fields: Value) -> Result<Self, CallbackError> {
        let Value::Object(fields) = fields else {
            return Err(CallbackError::InvalidResource(format!(
                "the fields to set are {}",
                kind_of(&fields)
            )));
        };
        self.resource.extend(fields);
        Ok(self)
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The body of a callback: the envelope with the encrypted resource, the same on every
/// delivery of one notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackBody {
    id: String,
    event_type: String,
    bytes: Vec<u8>,
}

impl CallbackBody {
    /// The notification id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The body's bytes, compact JSON.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// How a delivery is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackSignature {
    /// With the platform key, as every real callback.
    #[default]
    Valid,
    /// The platform's deliberate wrong signature (`WECHATPAY/SIGNTEST/…`), sent now and then
    /// to check that merchants verify: a merchant must refuse it.
    Probe,
}

/// When the platform tries again after a failed delivery: the waits between attempts, and
/// how long it waits for an answer.
///
/// [`RetrySchedule::platform`] is the pages' schedule, 15 s, 15 s, 30 s, 3 min, 10 min,
/// 20 min, 30 min, 30 min, 30 min, 60 min, 3 h, 3 h, 3 h, 6 h, 6 h (24 h 4 min in all, 16
/// attempts), waiting 5 s for each answer. Tests compress it.
///
/// ```
/// use std::time::Duration;
/// use wechatpay_mock::RetrySchedule;
///
/// let fast = RetrySchedule::platform().compressed(1000).with_max_attempts(4);
/// assert_eq!(fast.waits(), [Duration::from_millis(15), Duration::from_millis(15), Duration::from_millis(30)]);
/// assert_eq!(fast.attempts(), 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    waits: Vec<Duration>,
    timeout: Duration,
}

impl RetrySchedule {
    /// The most attempts a schedule makes: the platform's 16.
    pub const MAX_ATTEMPTS: usize = 16;

    /// The platform's schedule.
    pub fn platform() -> Self {
        const MINUTE: u64 = 60;
        const HOUR: u64 = 60 * MINUTE;
        let waits = [
            15,
            15,
            30,
            3 * MINUTE,
            10 * MINUTE,
            20 * MINUTE,
            30 * MINUTE,
            30 * MINUTE,
            30 * MINUTE,
            HOUR,
            3 * HOUR,
            3 * HOUR,
            3 * HOUR,
            6 * HOUR,
            6 * HOUR,
        ];
        RetrySchedule {
            waits: waits.into_iter().map(Duration::from_secs).collect(),
            timeout: Duration::from_secs(5),
        }
    }

    /// Every wait divided by `factor` (at least 1): `1000` turns 24 hours into 87 seconds and
    /// the first waits into milliseconds. The answer timeout is kept: set it with
    /// [`RetrySchedule::with_timeout`].
    pub fn compressed(self, factor: u32) -> Self {
        let factor = factor.max(1);
        RetrySchedule {
            waits: self.waits.into_iter().map(|wait| wait / factor).collect(),
            ..self
        }
    }

    /// At most `attempts` attempts (at least 1, at most [`RetrySchedule::MAX_ATTEMPTS`]).
    pub fn with_max_attempts(mut self, attempts: usize) -> Self {
        self.waits
            .truncate(attempts.clamp(1, Self::MAX_ATTEMPTS).saturating_sub(1));
        self
    }

    /// Waiting this long for each answer (a merchant should answer within 5 s).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        RetrySchedule { timeout, ..self }
    }

    /// The waits between attempts.
    pub fn waits(&self) -> &[Duration] {
        &self.waits
    }

    /// How many attempts are made at most.
    pub fn attempts(&self) -> usize {
        self.waits.len() + 1
    }

    /// How long each answer is waited for.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule::platform()
    }
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// 1 for the first.
    pub number: u32,
    /// The status answered, or `None` when no answer came (refused connection, timeout).
    pub status: Option<u16>,
    /// The `message` of a `{"code": "FAIL", "message": …}` answer, or what went wrong below
    /// HTTP; control characters escaped, 200 characters at most.
    pub detail: Option<String>,
}

impl DeliveryAttempt {
    /// Whether the merchant acknowledged the callback: `200` or `204`, as the platform
    /// requires (any other answer, `2xx` included, is a failure it redelivers after).
    pub fn acknowledged(&self) -> bool {
        matches!(self.status, Some(200 | 204))
    }
}

/// A delivery, as far as it went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The notification id.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// Where it goes.
    pub url: String,
    /// The attempts made so far.
    pub attempts: Vec<DeliveryAttempt>,
    /// Whether an attempt was acknowledged.
    pub delivered: bool,
    /// Whether it is over: acknowledged, or out of attempts.
    pub finished: bool,
}

/// The deliveries the platform made, newest last.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deliveries(VecDeque<Delivery>);

impl MockPlatform {
    /// The body of a callback for `event`: the resource encrypted with the APIv3 key
    /// (AES-256-GCM, a fresh 12-character nonce, `original_type` as associated data) in the
    /// envelope, with a fresh notification id and `now` as its creation time.
    ///
    /// # Errors
    ///
    /// [`CallbackError::Build`] if the APIv3 key is not 32 bytes.
    pub fn callback_body<R: CryptoRng + ?Sized>(
        &self,
        event: &CallbackEvent,
        now: u64,
        rng: &mut R,
    ) -> Result<CallbackBody, CallbackError> {
        let nonce = alphanumerics(rng, NONCE_LEN);
        let plaintext = Value::Object(event.resource.clone()).to_string();
        let ciphertext = seal(
            &self.keys().api_v3_key,
            &nonce,
            &event.original_type,
            plaintext.as_bytes(),
        )
        .map_err(CallbackError::Build)?;
        let id = uuid(rng);
        let body = json!({
            "id": id,
            "create_time": rfc3339(now),
            "resource_type": "encrypt-resource",
            "event_type": event.event_type,
            "summary": event.summary,
            "resource": {
                "original_type": event.original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": event.original_type,
                "nonce": nonce,
            },
        });
        Ok(CallbackBody {
            id,
            event_type: event.event_type.clone(),
            bytes: body.to_string().into_bytes(),
        })
    }

    /// One delivery attempt of `body` to `url` (`http://` only: the mock delivers to test
    /// endpoints), signed at `now` as the platform re-signs every attempt: with the platform
    /// public key in public key mode, with the newest certificate valid at `now` in
    /// certificate mode (the key an answer that names none is signed with).
    ///
    /// # Errors
    ///
    /// [`CallbackError::InvalidUrl`]; [`CallbackError::Build`] if signing fails.
    pub fn callback_request<R: CryptoRng + ?Sized>(
        &self,
        body: &CallbackBody,
        url: &str,
        signature: CallbackSignature,
        now: u64,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, CallbackError> {
        let target = CallbackTarget::parse(url)?;
        let mut signed = Response::new(body.bytes.clone());
        self.keyring()
            .signer(None, now)
            .sign_response(&mut signed, now, &alphanumerics(rng, 32), rng)
            .map_err(|e| CallbackError::Build(e.to_string()))?;
        if signature == CallbackSignature::Probe {
            let probe = format!(
                "{SIGNATURE_PROBE_PREFIX}{}",
                base64::engine::general_purpose::STANDARD.encode(alphanumerics(rng, 48))
            );
            signed.headers_mut().insert(
                WECHATPAY_SIGNATURE,
                HeaderValue::from_str(&probe)
                    .map_err(|_| CallbackError::Build("probe signature".to_owned()))?,
            );
        }
        let (parts, bytes) = signed.into_parts();
        let mut request = Request::post(target.path_and_query.as_str())
            .header(HOST, target.authority.as_str())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, "Mozilla/4.0 (wechatpay-mock)")
            .body(bytes)
            .map_err(|e| CallbackError::Build(e.to_string()))?;
        request.headers_mut().extend(parts.headers);
        Ok(request)
    }

    /// Every delivery made (by the control route or [`deliver`](crate::deliver)), oldest
    /// first, the newest [`MAX_DELIVERIES_KEPT`].
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.store()
            .read(|deliveries: &Deliveries| deliveries.0.iter().cloned().collect())
    }

    /// Forgets the deliveries made so far.
    pub fn clear_deliveries(&self) {
        self.store()
            .write(|deliveries: &mut Deliveries| deliveries.0.clear());
    }

    /// Starts the log of a delivery.
    #[cfg(feature = "server")]
    pub(crate) fn delivery_started(&self, body: &CallbackBody, url: &str) {
        let delivery = Delivery {
            id: body.id.clone(),
            event_type: body.event_type.clone(),
            url: url.to_owned(),
            attempts: Vec::new(),
            delivered: false,
            finished: false,
        };
        self.store().write(|deliveries: &mut Deliveries| {
            if deliveries.0.len() >= MAX_DELIVERIES_KEPT {
                deliveries.0.pop_front();
            }
            deliveries.0.push_back(delivery);
        });
    }

    /// Logs an attempt of the delivery of `id`; `last` when no attempt follows.
    #[cfg(feature = "server")]
    pub(crate) fn delivery_attempted(&self, id: &str, attempt: &DeliveryAttempt, last: bool) {
        self.store().write(|deliveries: &mut Deliveries| {
            if let Some(delivery) = deliveries.0.iter_mut().rev().find(|d| d.id == id) {
                delivery.attempts.push(attempt.clone());
                delivery.delivered |= attempt.acknowledged();
                delivery.finished = delivery.delivered || last;
            }
        });
    }
}

/// Where a callback goes, from its URL. Only a delivery (the `server` feature) connects to
/// the host and port.
#[cfg_attr(not(feature = "server"), allow(dead_code))]
pub(crate) struct CallbackTarget {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) authority: String,
    pub(crate) path_and_query: String,
}

impl CallbackTarget {
    pub(crate) fn parse(url: &str) -> Result<Self, CallbackError> {
        let invalid = |reason: &str| CallbackError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("not a URL such as http://127.0.0.1:8080/notify"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "the mock delivers over plain http:// to test endpoints (the platform itself \
                     requires https://): use http://, or a TLS-terminating proxy's plain side",
                ));
            }
            _ => return Err(invalid("the URL must start with http://")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(invalid("no host"));
        }
        Ok(CallbackTarget {
            host: host.to_owned(),
            port: authority.port_u16().unwrap_or(80),
            authority: authority.as_str().to_owned(),
            path_and_query: uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned()),
        })
    }
}

/// `len` random decimal digits.
fn digits<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8))
        .collect()
}

/// A random notification id shaped as the platform's (a UUID).
fn uuid<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MockKeys;
    use rand_core::SeedableRng;
    use wechatpay_core::{ApiV3Key, Event, NotificationAnswer};

    fn platform() -> MockPlatform {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
        MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap()
    }

    #[test]
    fn each_named_event_opens_into_its_type_at_the_merchant() {
        let platform = platform();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
        let now = 1_700_000_000;
        let client = platform.keys().client("http://127.0.0.1:1").unwrap();
        let key = ApiV3Key::new(&platform.keys().api_v3_key).unwrap();
        for name in NAMED_EVENTS {
            let event = CallbackEvent::named(name, &platform, now, &mut rng).unwrap();
            let body = platform.callback_body(&event, now, &mut rng).unwrap();
            let request = platform
                .callback_request(
                    &body,
                    "http://127.0.0.1:9/notify?x=1",
                    CallbackSignature::Valid,
                    now,
                    &mut rng,
                )
                .unwrap();
            assert_eq!(request.uri(), "/notify?x=1");
            assert_eq!(request.headers()["host"], "127.0.0.1:9");
            let opened = client
                .open_notification(request.headers(), request.body(), now, &key)
                .unwrap();
            assert_eq!(opened.id, body.id());
            assert_eq!(opened.event_type.as_str(), name);
            match (&opened.event, name) {
                (Event::Transaction(paid), "TRANSACTION.SUCCESS") => {
                    assert_eq!(paid.amount.total, 100);
                    assert_eq!(paid.sp_mchid, platform.keys().mchid);
                    assert_eq!(
                        paid.success_time.as_deref(),
                        Some("2023-11-15T06:13:20+08:00")
                    );
                }
                (Event::Refund(refund), _) => {
                    assert_eq!(refund.refund_status.as_str(), &name["REFUND.".len()..]);
                    assert_eq!(refund.success_time.is_some(), name == "REFUND.SUCCESS");
                }
                (other, _) => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_probe_is_refused_as_a_bad_signature_is() {
        let platform = platform();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let now = 1_700_000_000;
        let event = CallbackEvent::named("REFUND.CLOSED", &platform, now, &mut rng).unwrap();
        let body = platform.callback_body(&event, now, &mut rng).unwrap();
        let probe = platform
            .callback_request(&body, "http://h/", CallbackSignature::Probe, now, &mut rng)
            .unwrap();
        let signature = probe.headers()[WECHATPAY_SIGNATURE].to_str().unwrap();
        assert!(signature.starts_with(SIGNATURE_PROBE_PREFIX), "{signature}");
        let client = platform.keys().client("http://127.0.0.1:1").unwrap();
        let error = client
            .parse_notification(probe.headers(), probe.body(), now)
            .unwrap_err();
        assert_eq!(NotificationAnswer::refusal(&error).status(), 401);
    }

    #[test]
    fn custom_events_and_fields_are_sent_as_given() {
        let platform = platform();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
        let event = CallbackEvent::named("TRANSACTION.SUCCESS", &platform, 0, &mut rng)
            .unwrap()
            .with_fields(json!({"out_trade_no": "ORDER-1", "amount": {"total": 999}}))
            .unwrap();
        assert_eq!(event.resource["out_trade_no"], "ORDER-1");
        assert_eq!(event.resource["amount"]["total"], 999);
        assert!(matches!(
            CallbackEvent::named("VIOLATION.NOTIFY", &platform, 0, &mut rng),
            Err(CallbackError::UnknownEvent { .. })
        ));
        assert!(CallbackEvent::custom("A.B", "c", "s", json!([1])).is_err());
        assert!(event.clone().with_fields(json!("x")).is_err());
        let custom =
            CallbackEvent::custom("VIOLATION.NOTIFY", "violation", "违规", json!({"a": 1}))
                .unwrap();
        let body = platform.callback_body(&custom, 0, &mut rng).unwrap();
        let envelope: Value = serde_json::from_slice(body.bytes()).unwrap();
        assert_eq!(envelope["event_type"], "VIOLATION.NOTIFY");
        assert_eq!(envelope["resource"]["original_type"], "violation");
        assert_eq!(envelope["resource"]["associated_data"], "violation");
        assert_eq!(envelope["create_time"], "1970-01-01T08:00:00+08:00");
    }

    #[test]
    fn only_plain_http_urls_with_a_host_are_delivered_to() {
        for bad in [
            "https://example.com/notify",
            "ftp://h/",
            "/notify",
            "http:///x",
            "not a url",
        ] {
            assert!(
                matches!(
                    CallbackTarget::parse(bad),
                    Err(CallbackError::InvalidUrl { .. })
                ),
                "{bad}"
            );
        }
        let target = CallbackTarget::parse("http://[::1]:8080").unwrap();
        assert_eq!((target.host.as_str(), target.port), ("::1", 8080));
        assert_eq!(target.path_and_query, "/");
    }

    #[test]
    fn the_schedule_grows_and_compresses() {
        let platform = RetrySchedule::platform();
        assert_eq!(platform.attempts(), 16);
        let total: Duration = platform.waits().iter().sum();
        assert_eq!(total, Duration::from_secs(24 * 3600 + 4 * 60));
        assert!(platform.waits().windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(platform.timeout(), Duration::from_secs(5));
        let fast = platform.clone().compressed(0);
        assert_eq!(fast, platform, "a factor of 0 is taken as 1");
        assert_eq!(RetrySchedule::platform().with_max_attempts(0).attempts(), 1);
        assert_eq!(
            RetrySchedule::platform().with_max_attempts(99).attempts(),
            16
        );
    }
}
