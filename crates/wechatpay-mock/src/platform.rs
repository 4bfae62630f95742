//! The platform's side of an exchange, with no I/O: a request and the time in, an answer out.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use http::{HeaderValue, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;
use pkcs8::DecodePublicKey;
use rand_core::CryptoRng;
use rsa::{Oaep, Pkcs1v15Sign};
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use wechatpay_core::{Backend, PlatformSigner, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE};

use crate::authorization::{AuthorizationError, MerchantAuthorization};
use crate::faults::Fault;
use crate::keys::MockKeys;
use crate::records::{self, ApplymentRecord, ContractRecord};

/// Where [`Fault::Redirect`] points: a path the platform does not serve, so that a client
/// which follows it shows up in [`MockPlatform::requests`].
const REDIRECT_TARGET: &str = "/v3/redirected";

/// How far a request's timestamp may be from the platform's clock.
pub const MAX_REQUEST_SKEW: u64 = 300;

/// How many requests [`MockPlatform::requests`] keeps: the newest ones. A long-running demo
/// server would otherwise grow without bound.
pub const MAX_REQUESTS_KEPT: usize = 10_000;

/// How many bytes of each text of a [`SeenRequest`] are kept (path and query, `Host`,
/// `User-Agent`): enough for any real request, and with [`MAX_REQUESTS_KEPT`] a bound on the
/// log's memory whatever the requests carry.
pub const MAX_RECORDED_TEXT: usize = 8 * 1024;

/// How many faults may wait in the queue at once when injected through the control route.
pub const MAX_QUEUED_FAULTS: usize = 1024;

/// The mock platform could not be built from its keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A key was refused.
    #[error("mock platform key {which}: {reason}")]
    Key {
        /// Which key.
        which: &'static str,
        /// Why.
        reason: String,
    },
}

/// What the platform does with one request.
#[derive(Debug)]
pub struct Answer {
    /// The response, or `None` to close the connection without one.
    pub response: Option<Response<Vec<u8>>>,
    /// How long to wait before answering.
    pub delay: Duration,
}

/// One request the platform saw, for tests that count attempts. Its texts are cut to
/// [`MAX_RECORDED_TEXT`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeenRequest {
    /// The method.
    pub method: String,
    /// The path and query, exactly as received.
    pub path_and_query: String,
    /// The `Host` header.
    pub host: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
}

struct State {
    applyments: Vec<ApplymentRecord>,
    contracts: Vec<ContractRecord>,
    faults: VecDeque<(Fault, u32)>,
    seen: VecDeque<SeenRequest>,
    sequence: u64,
}

/// A WeChat Pay platform in memory: it checks a merchant's requests exactly as the real platform
/// does, answers the e-commerce applyment and contract queries from its store, signs every
/// answer, and misbehaves on demand.
///
/// It is `Send + Sync`; one instance can sit behind several loopback servers (a primary and a
/// backup host) so that tests see every attempt in one log.
pub struct MockPlatform {
    keys: MockKeys,
    merchant_key: rsa::PublicKey,
    public_key_signer: PlatformSigner,
    certificate_signer: Option<PlatformSigner>,
    /// Signs as if it were the platform, with the wrong key, for [`Fault::WrongSigningKey`].
    impostor: PlatformSigner,
    state: Mutex<State>,
}

impl MockPlatform {
    /// A platform for `keys`, its store seeded with one applyment in each state and the
    /// contracts of [`records::seeded`]. `rng` encrypts the seeded account fields.
    ///
    /// # Errors
    ///
    /// [`SetupError`] when a key cannot be read.
    pub fn new<R: CryptoRng + ?Sized>(keys: MockKeys, rng: &mut R) -> Result<Self, SetupError> {
        let key_error =
            |which: &'static str| move |reason: String| SetupError::Key { which, reason };
        let merchant_key = rsa::PublicKey::from_public_key_pem(&keys.merchant_public_key_pem)
            .map_err(|e| key_error("merchant_public_key")(e.to_string()))?;
        let public_key_signer = PlatformSigner::new(
            &keys.platform_public_key_id,
            &keys.platform_private_key_pem,
            Backend::default(),
        )
        .map_err(|e| key_error("platform_private_key")(e.to_string()))?;
        let certificate_signer = keys
            .certificate
            .as_ref()
            .map(|c| PlatformSigner::new(&c.serial, &c.private_key_pem, Backend::default()))
            .transpose()
            .map_err(|e| key_error("certificate_private_key")(e.to_string()))?;
        let impostor = PlatformSigner::new(
            &keys.platform_public_key_id,
            &keys.merchant_private_key_pem,
            Backend::default(),
        )
        .map_err(|e| key_error("merchant_private_key")(e.to_string()))?;
        let platform = MockPlatform {
            keys,
            merchant_key,
            public_key_signer,
            certificate_signer,
            impostor,
            state: Mutex::new(State {
                applyments: Vec::new(),
                contracts: records::contracts(),
                faults: VecDeque::new(),
                seen: VecDeque::new(),
                sequence: 0,
            }),
        };
        let account_name = platform.encrypt_for_merchant("张三", rng)?;
        let account_no = platform.encrypt_for_merchant("6214830000001234", rng)?;
        platform.lock().applyments = records::applyments(account_name, account_no);
        Ok(platform)
    }

    /// The keys both sides use.
    pub fn keys(&self) -> &MockKeys {
        &self.keys
    }

    /// Encrypts a sensitive field to the merchant (RSA-OAEP, SHA-1), as the platform does.
    ///
    /// # Errors
    ///
    /// [`SetupError::Key`] when the text is too long for the key.
    pub fn encrypt_for_merchant<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &str,
        rng: &mut R,
    ) -> Result<String, SetupError> {
        let ciphertext = self
            .merchant_key
            .encrypt(rng, Oaep::<Sha1>::new(), plaintext.as_bytes())
            .map_err(|e| SetupError::Key {
                which: "merchant_public_key",
                reason: e.to_string(),
            })?;
        Ok(wechatpay_base64(&ciphertext))
    }

    /// Adds or replaces (by `out_request_no`) an applyment.
    pub fn add_applyment(&self, record: ApplymentRecord) {
        let mut state = self.lock();
        state.applyments.retain(|a| {
            a.out_request_no != record.out_request_no && a.applyment_id != record.applyment_id
        });
        state.applyments.push(record);
    }

    /// Adds or replaces (by `out_contract_code`) a contract.
    pub fn add_contract(&self, record: ContractRecord) {
        let mut state = self.lock();
        state
            .contracts
            .retain(|c| c.out_contract_code != record.out_contract_code);
        state.contracts.push(record);
    }

    /// Applies `fault` to the next `times` requests, after the faults already queued.
    /// "Fail N times, then succeed" is `inject(Fault::SystemError, n)`.
    pub fn inject(&self, fault: Fault, times: u32) {
        if times > 0 {
            self.lock().faults.push_back((fault, times));
        }
    }

    /// As [`MockPlatform::inject`], for the control route: refused, with the number of faults
    /// queued, when [`MAX_QUEUED_FAULTS`] are already waiting, since anyone who can reach the
    /// route could otherwise fill memory with them.
    pub(crate) fn inject_bounded(&self, fault: Fault, times: u32) -> Result<(), usize> {
        let mut state = self.lock();
        if state.faults.len() >= MAX_QUEUED_FAULTS {
            return Err(state.faults.len());
        }
        if times > 0 {
            state.faults.push_back((fault, times));
        }
        Ok(())
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Every request seen so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.lock().seen.iter().cloned().collect()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.lock().seen.clear();
    }

    /// Answers `request` at Unix time `now`, as the platform would.
    ///
    /// The state lock is held only to take the next fault, to look a record up and to log
    /// the request: verification, signing and faults run outside it, so that nothing a
    /// request carries can poison it.
    pub fn handle<R: CryptoRng + ?Sized>(
        &self,
        request: &Request<Vec<u8>>,
        now: u64,
        rng: &mut R,
    ) -> Answer {
        let (fault, sequence) = {
            let mut state = self.lock();
            state.sequence = state.sequence.wrapping_add(1);
            (next_fault(&mut state.faults), state.sequence)
        };
        let request_id = format!("{:016X}{:016X}", now, sequence ^ rng.next_u64());
        let mut seen = SeenRequest {
            method: request.method().to_string(),
            path_and_query: recorded(
                request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or_default(),
            ),
            host: header_text(request, "host").map(recorded),
            user_agent: header_text(request, "user-agent").map(recorded),
            status: None,
            fault: fault.clone(),
        };
        let mut delay = Duration::ZERO;
        let (status, body, signed) = match &fault {
            Some(Fault::DropConnection) => {
                self.record(seen);
                return Answer {
                    response: None,
                    delay,
                };
            }
            Some(Fault::SystemError) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body("SYSTEM_ERROR", "系统异常,请稍后重试", None),
                false,
            ),
            Some(Fault::RateLimited) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body("RATELIMIT_EXCEEDED", "系统错误", None),
                true,
            ),
            Some(Fault::TooManyRequests) => (
                StatusCode::TOO_MANY_REQUESTS,
                error_body("FREQUENCY_LIMITED", "频率超限", None),
                true,
            ),
            Some(Fault::Redirect) => (StatusCode::FOUND, Vec::new(), false),
            other => {
                if let Some(Fault::Slow(wait)) = other {
                    // In-process callers can build any `Duration`; the bound holds for them too.
                    delay = (*wait).min(Fault::MAX_DELAY);
                }
                let (status, body) = self.answer(request, now);
                (status, body, true)
            }
        };
        let body = match (&fault, status) {
            (Some(f), StatusCode::OK) => distort(f, body),
            _ => body,
        };
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            headers.insert("Request-ID", id);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if status == StatusCode::FOUND {
            headers.insert(LOCATION, HeaderValue::from_static(REDIRECT_TARGET));
        }
        if signed {
            self.sign(&mut response, request, fault.as_ref(), now, rng);
        }
        seen.status = Some(status.as_u16());
        self.record(seen);
        Answer {
            response: Some(response),
            delay,
        }
    }

    /// Logs a request, forgetting the oldest beyond [`MAX_REQUESTS_KEPT`].
    fn record(&self, seen: SeenRequest) {
        let mut state = self.lock();
        if state.seen.len() >= MAX_REQUESTS_KEPT {
            state.seen.pop_front();
        }
        state.seen.push_back(seen);
    }

    /// The body of the first applyment `matches` accepts, looked up under the lock.
    fn applyment(&self, matches: impl Fn(&ApplymentRecord) -> bool) -> Option<Vec<u8>> {
        let state = self.lock();
        state
            .applyments
            .iter()
            .find(|a| matches(a))
            .map(|a| a.body.clone())
    }

    /// The body of the first contract `matches` accepts, looked up under the lock.
    fn contract(&self, matches: impl Fn(&ContractRecord) -> bool) -> Option<Vec<u8>> {
        let state = self.lock();
        state
            .contracts
            .iter()
            .find(|c| matches(c))
            .map(|c| c.body.clone())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that can panic runs under the lock; should a caller's thread die holding it
        // all the same, every critical section leaves the state consistent, so go on.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Authentication, then routing: the status and body of a well-behaved platform.
    fn answer(&self, request: &Request<Vec<u8>>, now: u64) -> (StatusCode, Vec<u8>) {
        if let Err(refusal) = self.authenticate(request, now) {
            return refusal;
        }
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let segments: Vec<&str> = path.split('/').collect();
        if request.method() != http::Method::GET {
            return not_found("no such API");
        }
        match segments.as_slice() {
            [
                "",
                "v3",
                "ecommerce",
                "applyments",
                "out-request-no",
                encoded,
            ] => match decode_segment(encoded, "out_request_no") {
                Ok(no) if (1..=124).contains(&no.chars().count()) => {
                    find(self.applyment(|a| a.out_request_no == no), "申请单不存在")
                }
                Ok(_) => param_error("out_request_no", "path", "长度应为1到124个字符"),
                Err(refusal) => refusal,
            },
            ["", "v3", "ecommerce", "applyments", id] => match id.parse::<u64>() {
                Ok(id) => find(self.applyment(|a| a.applyment_id == id), "申请单不存在"),
                Err(_) => param_error("applyment_id", "path", "应为整数"),
            },
            [
                "",
                "v3",
                "ecommerce",
                "individual-contracts",
                "out-contract-code",
                encoded,
            ] => {
                let code = match decode_segment(encoded, "out_contract_code") {
                    Ok(code) => code,
                    Err(refusal) => return refusal,
                };
                let valid = (1..=128).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !valid {
                    return param_error(
                        "out_contract_code",
                        "path",
                        "仅允许数字、字母、-和_,长度1到128",
                    );
                }
                match appid(query) {
                    Ok(appid) => find(
                        self.contract(|c| c.out_contract_code == code && c.appid == appid),
                        "签约信息不存在",
                    ),
                    Err(refusal) => refusal,
                }
            }
            ["", "v3", "ecommerce", "individual-contracts", encoded] => {
                let openid = match decode_segment(encoded, "openid") {
                    Ok(openid) => openid,
                    Err(refusal) => return refusal,
                };
                if query_value(query, "permission_type").as_deref() != Some("INDIVIDUAL_PAYEE") {
                    return param_error("permission_type", "query", "应为INDIVIDUAL_PAYEE");
                }
                match appid(query) {
                    Ok(appid) => find(
                        self.contract(|c| {
                            c.openid.as_deref() == Some(openid.as_str()) && c.appid == appid
                        }),
                        "签约信息不存在",
                    ),
                    Err(refusal) => refusal,
                }
            }
            _ => not_found("no such API"),
        }
    }

    /// The platform's checks, in its order: mandatory headers, then the `Authorization`.
    fn authenticate(
        &self,
        request: &Request<Vec<u8>>,
        now: u64,
    ) -> Result<(), (StatusCode, Vec<u8>)> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        if !header(ACCEPT).is_some_and(|a| a.contains("application/json") || a.contains("*/*")) {
            return Err(invalid_request("Accept 头必须为 application/json"));
        }
        if header(USER_AGENT).is_none_or(|ua| ua.trim().is_empty()) {
            return Err(invalid_request("User-Agent 头缺失"));
        }
        let authorization = match header(AUTHORIZATION) {
            Some(value) => MerchantAuthorization::parse(value),
            None => Err(AuthorizationError::Missing),
        }
        .map_err(|e| sign_error(&e.to_string(), None))?;
        if authorization.mchid != self.keys.mchid {
            return Err(sign_error("商户号不存在 (unknown mchid)", None));
        }
        if authorization.serial_no != self.keys.merchant_serial {
            return Err(sign_error(
                "商户证书序列号有误 (serial_no is not the merchant API certificate serial)",
                None,
            ));
        }
        if authorization.timestamp.abs_diff(now) > MAX_REQUEST_SKEW {
            return Err(sign_error(
                "时间戳已过期 (timestamp more than 5 minutes from the platform clock)",
                None,
            ));
        }
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let mut message = Vec::with_capacity(request.body().len() + 128);
        for part in [
            request.method().as_str().as_bytes(),
            path_and_query.as_bytes(),
            authorization.timestamp.to_string().as_bytes(),
            authorization.nonce_str.as_bytes(),
            request.body(),
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
                "url": path_and_query,
                "sign_message_length": message.len(),
                "truncated_sign_message": String::from_utf8_lossy(&message[..message.len().min(1024)]),
            });
            return Err(sign_error("sign not match", Some(information)));
        }
        Ok(())
    }

    /// Signs the answer with the key the request's `Wechatpay-Serial` named (the public key by
    /// default), then applies a signature fault.
    fn sign<R: CryptoRng + ?Sized>(
        &self,
        response: &mut Response<Vec<u8>>,
        request: &Request<Vec<u8>>,
        fault: Option<&Fault>,
        now: u64,
        rng: &mut R,
    ) {
        let requested = request
            .headers()
            .get(WECHATPAY_SERIAL)
            .and_then(|v| v.to_str().ok());
        let signer = match (&self.certificate_signer, requested) {
            (Some(certificate), Some(serial)) if certificate.serial() == serial => certificate,
            _ => &self.public_key_signer,
        };
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
        if fault == Some(&Fault::MissingSignatureHeaders) {
            return;
        }
        let nonce = wechatpay_core::Nonce::generate(rng);
        if signer
            .sign_response(response, timestamp, nonce.as_str(), rng)
            .is_err()
        {
            return;
        }
        let headers = response.headers_mut();
        match fault {
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
            Some(Fault::TamperedBody) => {
                if let Some(byte) = response.body_mut().first_mut() {
                    *byte ^= 0x01;
                } else {
                    response.body_mut().push(b' ');
                }
            }
            _ => {}
        }
    }
}

impl std::fmt::Debug for MockPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MockPlatform")
            .field("keys", &self.keys)
            .field("applyments", &state.applyments.len())
            .field("contracts", &state.contracts.len())
            .field("queued_faults", &state.faults)
            .field("requests_seen", &state.seen.len())
            .finish()
    }
}

fn next_fault(faults: &mut VecDeque<(Fault, u32)>) -> Option<Fault> {
    let (fault, remaining) = faults.front_mut()?;
    let fault = fault.clone();
    if *remaining > 1 {
        *remaining -= 1;
    } else {
        faults.pop_front();
    }
    Some(fault)
}

/// Body changes that keep the answer signed: the client must cope after verification.
fn distort(fault: &Fault, body: Vec<u8>) -> Vec<u8> {
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
            for (field, value) in [
                ("applyment_state", "UNDER_SUPERVISION"),
                ("sign_state", "SIGNING"),
                ("auth_state", "AUTHORIZING"),
            ] {
                if object.contains_key(field) {
                    object.insert(field.to_owned(), Value::String(value.to_owned()));
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

fn find(body: Option<Vec<u8>>, missing: &str) -> (StatusCode, Vec<u8>) {
    match body {
        Some(body) => (StatusCode::OK, body),
        None => (
            StatusCode::NOT_FOUND,
            error_body("RESOURCE_NOT_EXISTS", missing, None),
        ),
    }
}

fn decode_segment(encoded: &str, field: &str) -> Result<String, (StatusCode, Vec<u8>)> {
    percent_decode_str(encoded)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| param_error(field, "path", "不是合法的UTF-8编码"))
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode_str(value).decode_utf8_lossy().into_owned())
    })
}

fn appid(query: &str) -> Result<String, (StatusCode, Vec<u8>)> {
    match query_value(query, "appid") {
        Some(appid) if (1..=32).contains(&appid.len()) => Ok(appid),
        Some(_) => Err(param_error("appid", "query", "长度应为1到32个字符")),
        None => Err(param_error("appid", "query", "缺少参数appid")),
    }
}

fn error_body(code: &str, message: &str, detail: Option<Value>) -> Vec<u8> {
    let mut body = json!({"code": code, "message": message});
    if let (Some(detail), Some(object)) = (detail, body.as_object_mut()) {
        object.insert("detail".to_owned(), detail);
    }
    body.to_string().into_bytes()
}

fn param_error(field: &str, location: &str, issue: &str) -> (StatusCode, Vec<u8>) {
    (
        StatusCode::BAD_REQUEST,
        error_body(
            "PARAM_ERROR",
            &format!("参数错误: {field} {issue}"),
            Some(json!({"field": field, "location": location, "issue": issue})),
        ),
    )
}

fn invalid_request(message: &str) -> (StatusCode, Vec<u8>) {
    (
        StatusCode::BAD_REQUEST,
        error_body("INVALID_REQUEST", message, None),
    )
}

fn not_found(message: &str) -> (StatusCode, Vec<u8>) {
    (
        StatusCode::NOT_FOUND,
        error_body("RESOURCE_NOT_EXISTS", message, None),
    )
}

fn sign_error(issue: &str, sign_information: Option<Value>) -> (StatusCode, Vec<u8>) {
    let mut detail = json!({
        "detail": {"issue": issue},
        "field": "signature",
        "location": "authorization",
    });
    if let (Some(information), Some(object)) = (sign_information, detail.as_object_mut()) {
        object.insert("sign_information".to_owned(), information);
    }
    (
        StatusCode::UNAUTHORIZED,
        error_body("SIGN_ERROR", "签名错误", Some(detail)),
    )
}

fn wechatpay_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn header_text<'a>(request: &'a Request<Vec<u8>>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|h| h.to_str().ok())
}

/// `text`, cut to at most [`MAX_RECORDED_TEXT`] bytes on a character boundary.
fn recorded(text: &str) -> String {
    let mut end = text.len().min(MAX_RECORDED_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
