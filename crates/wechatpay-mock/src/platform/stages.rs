//! The stages a request meets on the platform, in order: routing, authentication, the
//! endpoint's answer, the signature, the wire. Each stage applies the faults that strike at it
//! ([`Fault::stage`]), here and nowhere else; endpoints know nothing of faults.

use std::borrow::Cow;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use http::{HeaderValue, Request, Response, StatusCode};
use rand_core::CryptoRng;
use rsa::Pkcs1v15Sign;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wechatpay_core::{WECHATPAY_SERIAL, WECHATPAY_SIGNATURE};

use super::{Answer, MAX_REQUEST_SKEW, MockPlatform, encrypt_to};
use crate::authorization::{AuthorizationError, MerchantAuthorization};
use crate::endpoints::{self, Call, Endpoint};
use crate::faults::{Fault, Stage};
use crate::keyring::Keyring;
use crate::multipart;
use crate::reply::Reply;

/// Where [`Fault::Redirect`] points: a path the platform does not serve, so that a client
/// which follows it shows up in [`MockPlatform::requests`].
const REDIRECT_TARGET: &str = "/v3/redirected";

/// What the platform's front does with a request.
enum Front {
    /// Passes it on to authentication and its endpoint.
    Pass,
    /// Answers in their place.
    Answer(Reply),
    /// Closes the connection.
    HangUp,
}

/// The request's target as the platform reads it: the path and query exactly as sent.
struct Target<'a> {
    path_and_query: &'a str,
    path: &'a str,
    query: &'a str,
}

impl<'a> Target<'a> {
    fn of(request: &'a Request<Vec<u8>>) -> Self {
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        Target {
            path_and_query,
            path,
            query,
        }
    }
}

impl MockPlatform {
    /// `request` through every stage with the keys of `keyring`, and `fault` applied at its
    /// own.
    pub(super) fn exchange<R: CryptoRng + ?Sized>(
        &self,
        request: &Request<Vec<u8>>,
        now: u64,
        keyring: &Keyring,
        fault: Option<&Fault>,
        request_id: &str,
        rng: &mut R,
    ) -> Answer {
        let at = |stage: Stage| fault.filter(|fault| fault.stage() == stage);

        // Routing. An unknown route is answered only past authentication, as a signed 404, so
        // that a request without a valid signature learns nothing about which paths exist.
        let target = Target::of(request);
        let routed = endpoints::route(request.method(), target.path);
        let reply = match front(at(Stage::Routing)) {
            Front::HangUp => {
                return Answer {
                    response: None,
                    delay: Duration::ZERO,
                };
            }
            Front::Answer(reply) => reply,
            // Authentication, then the answer.
            Front::Pass => match self.authenticate(request, &target, now) {
                Err(refusal) => refusal,
                Ok(()) => {
                    // Sensitive answer fields are encrypted to the merchant as they are made.
                    let mut encrypt =
                        |plaintext: &str| encrypt_to(&self.merchant_key, plaintext, rng);
                    let call = routed.map(|(endpoint, route)| {
                        let call = Call::new(
                            route,
                            request,
                            (target.path, target.query),
                            (&self.store, keyring),
                            now,
                        )
                        .with_encryption(&mut encrypt);
                        (endpoint, call)
                    });
                    answer(call, at(Stage::Answer))
                }
            },
        };

        // Signature.
        let signed = reply.signed;
        let mut response = reply.into_response(request_id);
        let signed = signed
            && self.sign(
                &mut response,
                request,
                keyring,
                at(Stage::Signature),
                now,
                rng,
            );

        // Wire.
        wire(response, signed, at(Stage::Wire))
    }

    /// The platform's checks, in its order: mandatory headers, then the `Authorization` over
    /// the method, the path and query as sent, and [`signed_body`].
    fn authenticate(
        &self,
        request: &Request<Vec<u8>>,
        target: &Target<'_>,
        now: u64,
    ) -> Result<(), Reply> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        if !header(ACCEPT).is_some_and(|a| a.contains("application/json") || a.contains("*/*")) {
            return Err(Reply::invalid_request("Accept 头必须为 application/json"));
        }
        if header(USER_AGENT).is_none_or(|ua| ua.trim().is_empty()) {
            return Err(Reply::invalid_request("User-Agent 头缺失"));
        }
        let authorization = match header(AUTHORIZATION) {
            Some(value) => MerchantAuthorization::parse(value),
            None => Err(AuthorizationError::Missing),
        }
        .map_err(|e| Reply::sign_error(&e.to_string(), None))?;
        if authorization.mchid != self.keys.mchid {
            return Err(Reply::sign_error("商户号不存在 (unknown mchid)", None));
        }
        if authorization.serial_no != self.keys.merchant_serial {
            return Err(Reply::sign_error(
                "商户证书序列号有误 (serial_no is not the merchant API certificate serial)",
                None,
            ));
        }
        if authorization.timestamp.abs_diff(now) > MAX_REQUEST_SKEW {
            return Err(Reply::sign_error(
                "时间戳已过期 (timestamp more than 5 minutes from the platform clock)",
                None,
            ));
        }
        let body = signed_body(request)?;
        let mut message = Vec::with_capacity(body.len() + 128);
        for part in [
            request.method().as_str().as_bytes(),
            target.path_and_query.as_bytes(),
            authorization.timestamp.to_string().as_bytes(),
            authorization.nonce_str.as_bytes(),
            body.as_ref(),
        ] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        let signature = base64_decode(&authorization.signature);
        let digest = Sha256::digest(&message);
        let valid = signature.is_some_and(|s| {
            self.merchant_key
                .verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &s)
                .is_ok()
        });
        if !valid {
            let information = json!({
                "method": request.method().as_str(),
                "url": target.path_and_query,
                "sign_message_length": message.len(),
                "truncated_sign_message": String::from_utf8_lossy(&message[..message.len().min(1024)]),
            });
            return Err(Reply::sign_error("sign not match", Some(information)));
        }
        Ok(())
    }

    /// Signs the answer with the key the request's `Wechatpay-Serial` named when the platform
    /// holds it, otherwise with the mode's key ([`Keyring::signer`]), as a signature-stage
    /// fault has it. Whether the answer went out signed.
    fn sign<R: CryptoRng + ?Sized>(
        &self,
        response: &mut Response<Vec<u8>>,
        request: &Request<Vec<u8>>,
        keyring: &Keyring,
        fault: Option<&Fault>,
        now: u64,
        rng: &mut R,
    ) -> bool {
        if fault == Some(&Fault::MissingSignatureHeaders) {
            return false;
        }
        let requested = request
            .headers()
            .get(WECHATPAY_SERIAL)
            .and_then(|v| v.to_str().ok());
        let signer = keyring.signer(requested, now);
        let serial = signer.serial();
        let signer = if fault == Some(&Fault::WrongSigningKey) {
            &self.impostor
        } else {
            signer
        };
        let timestamp = match fault {
            Some(Fault::StaleTimestamp) => now.saturating_sub(600),
            // `now` is the caller's: near `u64::MAX` it must not overflow.
            Some(Fault::FutureTimestamp) => now.saturating_add(600),
            _ => now,
        };
        let nonce = wechatpay_core::Nonce::generate(rng);
        if signer
            .sign_response(response, timestamp, nonce.as_str(), rng)
            .is_err()
        {
            return false;
        }
        let headers = response.headers_mut();
        match fault {
            // The impostor names the key the platform would have signed with, so that the
            // merchant finds the key and the signature fails, not the look-up.
            Some(Fault::WrongSigningKey) => {
                if let Ok(serial) = HeaderValue::from_str(serial) {
                    headers.insert(WECHATPAY_SERIAL, serial);
                }
            }
            Some(Fault::SignatureProbe) => {
                headers.insert(
                    WECHATPAY_SIGNATURE,
                    HeaderValue::from_static(
                        "WECHATPAY/SIGNTEST/dGhpcyBpcyBhIHByb2JlLCByZWplY3QgbWU=",
                    ),
                );
            }
            Some(Fault::UnknownSerial) => {
                headers.insert(
                    WECHATPAY_SERIAL,
                    HeaderValue::from_static("PUB_KEY_ID_0100000000000000000000000000000099"),
                );
            }
            _ => {}
        }
        true
    }
}

/// The endpoint's answer to `call` (a `404` when no route matched), then an answer-stage fault
/// on a `200` body: what a client must cope with after the signature has verified.
fn answer(call: Option<(&Endpoint, Call<'_>)>, fault: Option<&Fault>) -> Reply {
    let Some((endpoint, call)) = call else {
        return Reply::not_found("no such API");
    };
    let reply = (call.route().answer)(&call).unwrap_or_else(|refusal| refusal);
    match fault {
        Some(fault) if reply.status == StatusCode::OK => Reply {
            body: distort(fault, endpoint, reply.body),
            ..reply
        },
        _ => reply,
    }
}

/// The body the merchant signed: the whole body, but for an upload (`multipart/form-data`),
/// whose `meta` part alone is signed. An upload the platform cannot read has no `meta` to
/// check the signature over, and is refused before it.
fn signed_body(request: &Request<Vec<u8>>) -> Result<Cow<'_, [u8]>, Reply> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match content_type {
        Some(content_type) if multipart::is_multipart(Some(content_type)) => {
            multipart::parse(content_type, request.body())
                .map(|upload| Cow::Owned(upload.meta.to_vec()))
                .map_err(|reason| Reply::invalid_request(&format!("multipart 格式错误: {reason}")))
        }
        _ => Ok(Cow::Borrowed(request.body())),
    }
}

/// The routing stage's faults: the platform's front answers, or hangs up, before any endpoint
/// sees the request.
fn front(fault: Option<&Fault>) -> Front {
    match fault {
        Some(Fault::DropConnection) => Front::HangUp,
        // The front's own failure: not signed.
        Some(Fault::SystemError) => Front::Answer(
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "系统异常,请稍后重试",
            )
            .unsigned(),
        ),
        Some(Fault::RateLimited) => Front::Answer(Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "RATELIMIT_EXCEEDED",
            "系统错误",
        )),
        Some(Fault::TooManyRequests) => Front::Answer(
            Reply::error(
                StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "频率超限",
            )
            .with_header(RETRY_AFTER, HeaderValue::from_static("1")),
        ),
        // A misconfigured proxy's answer: not signed.
        Some(Fault::Redirect) => Front::Answer(
            Reply::new(StatusCode::FOUND, Vec::new())
                .unsigned()
                .with_header(LOCATION, HeaderValue::from_static(REDIRECT_TARGET)),
        ),
        _ => Front::Pass,
    }
}

/// The answer stage's faults: body changes that keep the answer signed.
fn distort(fault: &Fault, endpoint: &Endpoint, body: Vec<u8>) -> Vec<u8> {
    match fault {
        Fault::InvalidJson => b"{\"applyment_state\": \"AUDITING\", ".to_vec(),
        Fault::EmptyBody => Vec::new(),
        Fault::OversizeBody(size) => {
            let mut json: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
            // In-process callers can ask for any size; the bound holds for them too.
            let size = (*size).min(Fault::MAX_OVERSIZE_BODY);
            let filler = size.saturating_sub(body.len().saturating_add(16));
            if let Some(object) = json.as_object_mut() {
                object.insert("padding".to_owned(), Value::String("x".repeat(filler)));
            }
            json.to_string().into_bytes()
        }
        Fault::UnknownEnumValues => rewrite(body, |object| {
            for (field, value) in endpoint.unknown_enum_values {
                if object.contains_key(*field) {
                    object.insert((*field).to_owned(), Value::String((*value).to_owned()));
                }
            }
        }),
        Fault::ExtraFields => rewrite(body, |object| {
            object.insert(
                "brand_new_field".to_owned(),
                json!({"nested": [1, 2, 3], "flag": true}),
            );
            object.insert(
                "another_new_field".to_owned(),
                Value::String("新字段".to_owned()),
            );
        }),
        _ => body,
    }
}

fn rewrite(body: Vec<u8>, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut object)) => {
            change(&mut object);
            Value::Object(object).to_string().into_bytes()
        }
        _ => body,
    }
}

/// The wire stage's faults: a signed answer changed on its way, or late.
fn wire(mut response: Response<Vec<u8>>, signed: bool, fault: Option<&Fault>) -> Answer {
    let mut delay = Duration::ZERO;
    match fault {
        Some(Fault::TamperedBody) if signed => {
            if let Some(byte) = response.body_mut().first_mut() {
                *byte ^= 0x01;
            } else {
                response.body_mut().push(b' ');
            }
        }
        Some(Fault::AlteredFile) if !signed && response.status().is_success() => {
            alter_file(response.body_mut());
        }
        // In-process callers can build any `Duration`; the bound holds for them too.
        Some(Fault::Slow(wait)) => delay = (*wait).min(Fault::MAX_DELAY),
        _ => {}
    }
    Answer {
        response: Some(response),
        delay,
    }
}

/// A downloaded file altered so that its digest no longer matches, yet it decodes: gzip gets
/// one more member (a gzip file is a series of members), anything else one byte changed.
fn alter_file(file: &mut Vec<u8>) {
    if file.starts_with(&[0x1f, 0x8b]) {
        let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // Writing to a Vec cannot fail.
        let _ = std::io::Write::write_all(&mut member, b"`altered on the way\r\n");
        file.extend(member.finish().unwrap_or_default());
    } else if let Some(byte) = file.iter_mut().rev().find(|b| b.is_ascii_digit()) {
        *byte = if *byte == b'9' { b'0' } else { *byte + 1 };
    } else if let Some(byte) = file.last_mut() {
        *byte ^= 0x01;
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}
