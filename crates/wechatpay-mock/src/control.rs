//! The control routes a [`MockServer`](crate::MockServer) can answer besides the platform's, so
//! that a test which cannot call [`MockPlatform`] in-process (a wasm test under Node, a test in
//! another language) can still inject faults and count attempts over HTTP.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /mock/faults` with `{"fault": "system-error", "times": 2}` | [`MockPlatform::inject`] (`times` defaults to 1; names as [`Fault`]'s `Display`) |
//! | `DELETE /mock/faults` | [`MockPlatform::clear_faults`] |
//! | `GET /mock/requests` | [`MockPlatform::requests`] as a JSON array |
//! | `DELETE /mock/requests` | [`MockPlatform::clear_requests`] |
//! | `POST /mock/bills` with `{"size": 3145728}` | [`MockPlatform::set_bill_size`] (bytes, at most [`MAX_BILL_SIZE`]) |
//! | `POST /mock/notifications` with `{"event": "TRANSACTION.SUCCESS", "url": "http://…"}` | sends a signed callback to `url`, retrying as the platform does (see below); answers `202` with its `id` at once |
//! | `GET /mock/notifications` | [`MockPlatform::deliveries`] as a JSON array, each with its attempts |
//! | `DELETE /mock/notifications` | [`MockPlatform::clear_deliveries`] |
//! | `POST /mock/mode` with `{"mode": "certificate"}` | [`MockPlatform::set_mode`] (`certificate` or `public-key`) |
//! | `GET /mock/certificates` | the mode and [`MockPlatform::certificates`]: `{"mode": …, "certificates": [{"serial_no", "effective_time", "expire_time"}]}` |
//! | `POST /mock/certificates` with `{}` or `{"certificate_pem": …, "private_key_pem": …}` | [`MockPlatform::rotate_certificate`]: the fixtures' next certificate ([`CertificateKey::next_fixture`]), or the one given; answers `201` with it as listed |
//! | `DELETE /mock/certificates/{serial_no}` | [`MockPlatform::retire_certificate`] |
//! | `GET /mock/state` | [`MockPlatform::save_state`]: every record, as JSON |
//! | `PUT /mock/state` with saved state | [`MockPlatform::load_state`]; `400` naming what did not read, and nothing changed |
//! | `POST /mock/advance` with `{"kind": "applyment", "id": "…", "to": "FINISH"}` | [`MockPlatform::advance`] (`to` optional: one step); answers `{"state": …, "notices": N}`, `404` for an unknown record, `409` for a move it cannot make; the callbacks it queues are sent as the platform sends them |
//! | `POST /mock/callbacks` with `{"redirect": "http://127.0.0.1:8080"}` and/or `{"merchant_notify_url": "https://…"}` (`null` clears) | [`MockPlatform::redirect_callbacks`]: callbacks to `https://` URLs go to that origin; [`MockPlatform::set_merchant_notify_url`]: where profit sharing's callbacks go |
//! | `POST /mock/schedule` with `{"schedule": "every-query"}` | [`MockPlatform::set_schedule`] (`on-control` or `every-query`) |
//!
//! A callback's fields: `event` (one of [`NAMED_EVENTS`](crate::NAMED_EVENTS), whose resource the
//! mock makes, or any other with `resource` and `original_type`), `url` (`http://`),
//! `resource` (for a named event, fields set in its resource: `{"out_trade_no": "…",
//! "amount": {"total": 999}}`), `summary`, `probe` (`true`: the `WECHATPAY/SIGNTEST/`
//! signature), `compress` (every wait of the schedule divided by it, up to 1000000),
//! `attempts` (at most 16), `timeout_ms` (per answer, up to 60000) and `clock_offset` (seconds
//! added to the signing clock, within ±86400). POSTing the callback starts its delivery, which
//! goes on while the server runs.
//!
//! They need no signature: they are for loopback test servers only.
//!
//! Every value is bounded, and a value past its bound is answered `400` with
//! `{"error": "..."}` naming the bound: `slow:` at most [`Fault::MAX_DELAY`] (600000 ms),
//! `oversize-body:` at most [`Fault::MAX_OVERSIZE_BODY`] (64 MiB), `times` a `u32`, at most
//! [`MAX_QUEUED_FAULTS`] faults waiting at once, and at most
//! [`MAX_CERTIFICATES`](crate::MAX_CERTIFICATES) certificates held. A change the platform's
//! state does not allow (certificate mode with no certificate, a serial held twice, retiring
//! the last certificate in certificate mode, too many) is a `409`; an unknown serial a `404`.

use http::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::endpoints::bill::MAX_BILL_SIZE;
use crate::faults::Fault;
use crate::keyring::{CertificateError, IssuedCertificate, PlatformMode};
use crate::keys::CertificateKey;
use crate::platform::{MAX_QUEUED_FAULTS, MockPlatform};
use crate::sandbox::{AdvanceError, Schedule};

/// The prefix of every control route; the platform's own routes all start with `/v3/`.
pub const PREFIX: &str = "/mock/";

/// Answers a request whose path starts with [`PREFIX`] at Unix time `now` (the sandbox's
/// moves are dated by it), as a [`MockServer`](crate::MockServer) with control routes does:
/// any request, however odd, gets an answer.
pub fn handle(platform: &MockPlatform, request: &Request<Vec<u8>>, now: u64) -> Response<Vec<u8>> {
    let method = request.method();
    match request.uri().path() {
        "/mock/faults" if method == Method::POST => {
            let injected = parse_injection(request.body()).and_then(|(fault, times)| {
                platform.inject_bounded(fault, times).map_err(|queued| {
                    format!(
                        "{queued} faults are queued, the most the control route accepts \
                         ({MAX_QUEUED_FAULTS}): DELETE /mock/faults first"
                    )
                })
            });
            match injected {
                Ok(()) => answer(StatusCode::NO_CONTENT, None),
                Err(reason) => answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason }))),
            }
        }
        "/mock/faults" if method == Method::DELETE => {
            platform.clear_faults();
            answer(StatusCode::NO_CONTENT, None)
        }
        "/mock/requests" if method == Method::GET => {
            let seen: Vec<Value> = platform
                .requests()
                .into_iter()
                .map(|seen| {
                    json!({
                        "method": seen.method,
                        "path_and_query": seen.path_and_query,
                        "host": seen.host,
                        "user_agent": seen.user_agent,
                        "wechatpay_serial": seen.wechatpay_serial,
                        "status": seen.status,
                        "signed_by": seen.signed_by,
                        "fault": seen.fault.map(|fault| fault.to_string()),
                    })
                })
                .collect();
            answer(StatusCode::OK, Some(Value::Array(seen)))
        }
        "/mock/requests" if method == Method::DELETE => {
            platform.clear_requests();
            answer(StatusCode::NO_CONTENT, None)
        }
        "/mock/notifications" if method == Method::GET => {
            let deliveries: Vec<Value> = platform
                .deliveries()
                .into_iter()
                .map(|delivery| {
                    json!({
                        "id": delivery.id,
                        "event_type": delivery.event_type,
                        "url": delivery.url,
                        "delivered": delivery.delivered,
                        "finished": delivery.finished,
                        "attempts": delivery.attempts.iter().map(|attempt| json!({
                            "number": attempt.number,
                            "status": attempt.status,
                            "detail": attempt.detail,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            answer(StatusCode::OK, Some(Value::Array(deliveries)))
        }
        "/mock/notifications" if method == Method::DELETE => {
            platform.clear_deliveries();
            answer(StatusCode::NO_CONTENT, None)
        }
        "/mock/notifications" if method == Method::POST => answer(
            StatusCode::NOT_IMPLEMENTED,
            Some(json!({ "error": "callbacks are sent by a MockServer with control routes" })),
        ),
        "/mock/bills" if method == Method::POST => {
            let size = serde_json::from_slice::<Value>(request.body())
                .ok()
                .and_then(|value| value.get("size").and_then(Value::as_u64))
                .and_then(|size| usize::try_from(size).ok())
                .filter(|size| *size <= MAX_BILL_SIZE);
            match size {
                Some(size) => {
                    platform.set_bill_size(size);
                    answer(StatusCode::NO_CONTENT, None)
                }
                None => answer(
                    StatusCode::BAD_REQUEST,
                    Some(json!({
                        "error": format!("expected {{\"size\": BYTES}}, at most {MAX_BILL_SIZE}")
                    })),
                ),
            }
        }
        "/mock/mode" if method == Method::POST => {
            let mode = serde_json::from_slice::<Value>(request.body())
                .ok()
                .and_then(|value| value.get("mode").and_then(Value::as_str).map(str::to_owned))
                .ok_or_else(|| "expected {\"mode\": \"certificate\" or \"public-key\"}".to_owned())
                .and_then(|mode| mode.parse::<PlatformMode>().map_err(|e| e.to_string()));
            match mode {
                Ok(mode) => changed(platform.set_mode(mode).map(|()| None)),
                Err(reason) => answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason }))),
            }
        }
        "/mock/certificates" if method == Method::GET => answer(
            StatusCode::OK,
            Some(json!({
                "mode": platform.mode().to_string(),
                "certificates": platform.certificates().iter().map(listed).collect::<Vec<_>>(),
            })),
        ),
        "/mock/certificates" if method == Method::POST => match rotation(request.body()) {
            Ok(certificate) => changed(platform.rotate_certificate(certificate).map(Some)),
            Err(reason) => answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason }))),
        },
        "/mock/state" if method == Method::GET => {
            answer(StatusCode::OK, Some(platform.save_state()))
        }
        "/mock/state" if method == Method::PUT => {
            let loaded = serde_json::from_slice::<Value>(request.body())
                .map_err(|e| format!("expected saved state (JSON): {e}"))
                .and_then(|state| platform.load_state(&state).map_err(|e| e.to_string()));
            match loaded {
                Ok(()) => answer(StatusCode::NO_CONTENT, None),
                Err(reason) => answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason }))),
            }
        }
        "/mock/schedule" if method == Method::POST => {
            let schedule = serde_json::from_slice::<Value>(request.body())
                .ok()
                .and_then(|value| value.get("schedule").cloned())
                .and_then(|schedule| serde_json::from_value::<Schedule>(schedule).ok());
            match schedule {
                Some(schedule) => {
                    platform.set_schedule(schedule);
                    answer(StatusCode::NO_CONTENT, None)
                }
                None => answer(
                    StatusCode::BAD_REQUEST,
                    Some(json!({
                        "error": "expected {\"schedule\": \"on-control\" or \"every-query\"}"
                    })),
                ),
            }
        }
        "/mock/advance" if method == Method::POST => advance(platform, request.body(), now),
        "/mock/callbacks" if method == Method::POST => callbacks(platform, request.body()),
        path if method == Method::DELETE && path.starts_with(CERTIFICATE_PREFIX) => {
            let serial = path.strip_prefix(CERTIFICATE_PREFIX).unwrap_or_default();
            changed(platform.retire_certificate(serial).map(|()| None))
        }
        "/mock/faults"
        | "/mock/requests"
        | "/mock/notifications"
        | "/mock/bills"
        | "/mock/mode"
        | "/mock/certificates" => answer(
            StatusCode::METHOD_NOT_ALLOWED,
            Some(json!({ "error": format!("{method} is not a control method here") })),
        ),
        path => answer(
            StatusCode::NOT_FOUND,
            Some(json!({
                "error": format!("no control route {path}"),
                "routes": [
                    "POST /mock/faults", "DELETE /mock/faults", "GET /mock/requests", "DELETE /mock/requests",
                    "POST /mock/notifications", "GET /mock/notifications", "DELETE /mock/notifications",
                    "POST /mock/bills", "POST /mock/mode", "GET /mock/certificates",
                    "POST /mock/certificates", "DELETE /mock/certificates/{serial_no}",
                ],
            })),
        ),
    }
}

/// A callback asked for with `POST /mock/notifications`, ready to deliver.
#[cfg(feature = "server")]
pub(crate) struct Trigger {
    pub(crate) body: crate::callbacks::CallbackBody,
    pub(crate) url: String,
    pub(crate) options: crate::delivery::DeliveryOptions,
}

#[cfg(feature = "server")]
impl Trigger {
    /// The answer given at once: `202` with the callback's id; the delivery goes on after it.
    pub(crate) fn accepted(&self) -> Response<Vec<u8>> {
        answer(
            StatusCode::ACCEPTED,
            Some(json!({
                "id": self.body.id(),
                "event_type": self.body.event_type(),
                "url": self.url,
                "attempts": self.options.schedule.attempts(),
            })),
        )
    }
}

/// The answer refusing a `POST /mock/notifications`: `400`, naming what is wrong.
#[cfg(feature = "server")]
pub(crate) fn refused(reason: String) -> Response<Vec<u8>> {
    answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason })))
}

/// Reads a `POST /mock/notifications`: the callback to deliver, or what is wrong with the
/// request.
#[cfg(feature = "server")]
pub(crate) fn trigger<R: rand_core::CryptoRng + ?Sized>(
    platform: &MockPlatform,
    request: &Request<Vec<u8>>,
    now: u64,
    rng: &mut R,
) -> Result<Trigger, String> {
    use crate::callbacks::{CallbackEvent, CallbackSignature, CallbackTarget, RetrySchedule};
    use crate::delivery::DeliveryOptions;

    let value: Value = serde_json::from_slice(request.body())
        .map_err(|e| format!("expected {{\"event\": NAME, \"url\": \"http://…\"}}: {e}"))?;
    let text = |name: &str| value.get(name).and_then(Value::as_str);
    let number = |name: &str, max: u64| -> Result<Option<u64>, String> {
        match value.get(name) {
            None => Ok(None),
            Some(n) => n
                .as_u64()
                .filter(|n| *n <= max)
                .map(Some)
                .ok_or_else(|| format!("\"{name}\" must be a whole number from 0 to {max}")),
        }
    };
    let event_type = text("event").ok_or("\"event\" must be an event type")?;
    let url = text("url").ok_or("\"url\" must be an http:// URL")?;
    CallbackTarget::parse(url).map_err(|e| e.to_string())?;
    let resource = value.get("resource").cloned();
    let event = match (
        crate::NAMED_EVENTS.contains(&event_type),
        text("original_type"),
    ) {
        (true, None) => {
            CallbackEvent::named(event_type, platform, now, rng).and_then(|event| match resource {
                Some(fields) => event.with_fields(fields),
                None => Ok(event),
            })
        }
        (_, Some(original_type)) => CallbackEvent::custom(
            event_type,
            original_type,
            text("summary").unwrap_or_default(),
            resource.unwrap_or_else(|| json!({})),
        ),
        (false, None) => Err(crate::CallbackError::UnknownEvent {
            event: event_type.to_owned(),
        }),
    }
    .map_err(|e| e.to_string())?;
    let event = match text("summary") {
        Some(summary) => event.with_summary(summary),
        None => event,
    };
    let mut schedule = RetrySchedule::platform();
    if let Some(factor) = number("compress", 1_000_000)? {
        schedule = schedule.compressed(u32::try_from(factor).unwrap_or(u32::MAX));
    }
    if let Some(attempts) = number("attempts", RetrySchedule::MAX_ATTEMPTS as u64)? {
        schedule = schedule.with_max_attempts(usize::try_from(attempts).unwrap_or(1));
    }
    if let Some(ms) = number("timeout_ms", 60_000)? {
        schedule = schedule.with_timeout(std::time::Duration::from_millis(ms));
    }
    let clock_offset = match value.get("clock_offset") {
        None => 0,
        Some(offset) => offset
            .as_i64()
            .filter(|s| s.abs() <= 86_400)
            .ok_or("\"clock_offset\" must be seconds within ±86400")?,
    };
    let signature = match value.get("probe").and_then(Value::as_bool) {
        Some(true) => CallbackSignature::Probe,
        _ => CallbackSignature::Valid,
    };
    let body = platform
        .callback_body(&event, now, rng)
        .map_err(|e| e.to_string())?;
    Ok(Trigger {
        body,
        url: url.to_owned(),
        options: DeliveryOptions::new()
            .with_schedule(schedule)
            .with_signature(signature)
            .with_clock_offset(clock_offset),
    })
}

/// Reads and makes a `POST /mock/callbacks`: each of `redirect` and `merchant_notify_url`
/// given is set (`null` clears it); nothing is set unless all read.
fn callbacks(platform: &MockPlatform, body: &[u8]) -> Response<Vec<u8>> {
    const EXPECTED: &str = "expected {\"redirect\": \"http://127.0.0.1:8080\" or null, \"merchant_notify_url\": \"https://…\" or null}";
    let refused =
        |reason: String| answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason })));
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return refused(EXPECTED.to_owned());
    };
    let text = |name: &str| match fields.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(text)) => Ok(Some(Some(text.clone()))),
        Some(_) => Err(EXPECTED.to_owned()),
    };
    let (redirect, notify_url) = match (text("redirect"), text("merchant_notify_url")) {
        (Ok(redirect), Ok(notify_url)) if redirect.is_some() || notify_url.is_some() => {
            (redirect, notify_url)
        }
        _ => return refused(EXPECTED.to_owned()),
    };
    if let Some(origin) = redirect
        && let Err(e) = platform.redirect_callbacks(origin.as_deref())
    {
        return refused(e.to_string());
    }
    if let Some(url) = notify_url
        && let Err(e) = platform.set_merchant_notify_url(url.as_deref())
    {
        return refused(e.to_string());
    }
    answer(StatusCode::NO_CONTENT, None)
}

/// Reads and makes a `POST /mock/advance`.
fn advance(platform: &MockPlatform, body: &[u8], now: u64) -> Response<Vec<u8>> {
    const EXPECTED: &str =
        "expected {\"kind\": \"applyment\", \"id\": \"...\", \"to\": \"FINISH\" (optional)}";
    let value = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
    let text = |name: &str| value.get(name).and_then(Value::as_str);
    let (Some(kind), Some(id)) = (text("kind"), text("id")) else {
        return answer(StatusCode::BAD_REQUEST, Some(json!({ "error": EXPECTED })));
    };
    if value.get("to").is_some_and(|to| !to.is_string()) {
        return answer(StatusCode::BAD_REQUEST, Some(json!({ "error": EXPECTED })));
    }
    match platform.advance(kind, id, text("to"), now) {
        Ok(advanced) => answer(
            StatusCode::OK,
            Some(json!({ "state": advanced.state, "notices": advanced.notices })),
        ),
        Err(error) => {
            let status = match error {
                AdvanceError::UnknownKind { .. } => StatusCode::BAD_REQUEST,
                AdvanceError::UnknownRecord { .. } => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            answer(status, Some(json!({ "error": error.to_string() })))
        }
    }
}

/// Where the serial starts in `DELETE /mock/certificates/{serial_no}`.
const CERTIFICATE_PREFIX: &str = "/mock/certificates/";

/// A certificate as `GET /mock/certificates` lists it.
fn listed(certificate: &IssuedCertificate) -> Value {
    json!({
        "serial_no": certificate.serial,
        "effective_time": certificate.effective_time(),
        "expire_time": certificate.expire_time(),
    })
}

/// Reads a `POST /mock/certificates`: the fixtures' next certificate for an empty body or
/// `{}`, otherwise the certificate and key given, the serial read from the certificate.
fn rotation(body: &[u8]) -> Result<CertificateKey, String> {
    const EXPECTED: &str =
        "expected {} or {\"certificate_pem\": PEM, \"private_key_pem\": PKCS#8 PEM}";
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(CertificateKey::next_fixture());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("{EXPECTED}: {e}"))?;
    let object = value.as_object().ok_or(EXPECTED)?;
    if object.is_empty() {
        return Ok(CertificateKey::next_fixture());
    }
    let text = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("\"{name}\" must be a PEM text: {EXPECTED}"))
    };
    let certificate_pem = text("certificate_pem")?;
    let private_key_pem = text("private_key_pem")?;
    let mut parsed = wechatpay_core::PlatformKeys::new();
    let serial = parsed
        .add_certificate(&certificate_pem)
        .map_err(|e| format!("\"certificate_pem\": {e}"))?
        .serial()
        .to_owned();
    Ok(CertificateKey {
        serial,
        private_key_pem,
        certificate_pem,
    })
}

/// The answer to a change of mode or certificates: `204`, or `201` with the certificate
/// brought in; a refusal named, with the status that says why.
fn changed(result: Result<Option<IssuedCertificate>, CertificateError>) -> Response<Vec<u8>> {
    match result {
        Ok(None) => answer(StatusCode::NO_CONTENT, None),
        Ok(Some(certificate)) => answer(StatusCode::CREATED, Some(listed(&certificate))),
        Err(error) => {
            let status = match error {
                CertificateError::Invalid { .. } => StatusCode::BAD_REQUEST,
                CertificateError::UnknownSerial { .. } => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            answer(status, Some(json!({ "error": error.to_string() })))
        }
    }
}

fn parse_injection(body: &[u8]) -> Result<(Fault, u32), String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("expected {{\"fault\": NAME, \"times\": N}}: {e}"))?;
    let fault = value
        .get("fault")
        .and_then(Value::as_str)
        .ok_or("\"fault\" must be a fault name")?
        .parse::<Fault>()
        .map_err(|e| e.to_string())?;
    let times = match value.get("times") {
        None => 1,
        Some(times) => times
            .as_u64()
            .and_then(|t| u32::try_from(t).ok())
            .ok_or_else(|| format!("\"times\" must be a whole number from 0 to {}", u32::MAX))?,
    };
    Ok((fault, times))
}

fn answer(status: StatusCode, body: Option<Value>) -> Response<Vec<u8>> {
    let mut builder = Response::builder().status(status);
    if body.is_some() {
        builder = builder.header(http::header::CONTENT_TYPE, "application/json");
    }
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MockKeys;
    use rand_core::SeedableRng;

    fn platform() -> MockPlatform {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap()
    }

    fn request(method: Method, path: &str, body: &str) -> Request<Vec<u8>> {
        Request::builder()
            .method(method)
            .uri(path)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn faults_are_injected_and_cleared() {
        let platform = platform();
        let injected = handle(
            &platform,
            &request(
                Method::POST,
                "/mock/faults",
                r#"{"fault":"slow:250","times":2}"#,
            ),
            0,
        );
        assert_eq!(injected.status(), StatusCode::NO_CONTENT);
        let refused = handle(
            &platform,
            &request(Method::POST, "/mock/faults", r#"{"fault":"slowly"}"#),
            0,
        );
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let text = String::from_utf8(refused.into_body()).unwrap();
        assert!(text.contains("unknown fault"), "{text}");
        let cleared = handle(&platform, &request(Method::DELETE, "/mock/faults", ""), 0);
        assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    }

    #[test]
    fn requests_are_listed_as_json() {
        let platform = platform();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([8; 32]);
        platform.inject(Fault::SystemError, 1);
        let unsigned = Request::builder()
            .uri("/v3/ecommerce/applyments/1")
            .header("user-agent", "probe/1")
            .body(Vec::new())
            .unwrap();
        platform.handle(&unsigned, 1_700_000_000, &mut rng);
        let listed = handle(&platform, &request(Method::GET, "/mock/requests", ""), 0);
        assert_eq!(listed.status(), StatusCode::OK);
        let seen: Value = serde_json::from_slice(listed.body()).unwrap();
        assert_eq!(seen[0]["path_and_query"], "/v3/ecommerce/applyments/1");
        assert_eq!(seen[0]["user_agent"], "probe/1");
        assert_eq!(seen[0]["status"], 500);
        assert_eq!(seen[0]["fault"], "system-error");
        handle(&platform, &request(Method::DELETE, "/mock/requests", ""), 0);
        assert!(platform.requests().is_empty());
    }

    #[test]
    fn unknown_routes_and_methods_say_what_exists() {
        let platform = platform();
        let missing = handle(&platform, &request(Method::GET, "/mock/nothing", ""), 0);
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(String::from_utf8_lossy(missing.body()).contains("POST /mock/faults"));
        let wrong = handle(&platform, &request(Method::PUT, "/mock/faults", ""), 0);
        assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
