//! The client: credentials, platform keys and settings, turning operations into signed
//! requests and responses into verified results.

use std::fmt;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri};
use rand_core::CryptoRng;
use serde::Deserialize;

use crate::credentials::{MerchantCredentials, Shown};
use crate::error::{ApiError, Authentication, Error};
use crate::nonce::Nonce;
use crate::operation::{Operation, VerifiedBody};
use crate::platform_keys::{PlatformKey, PlatformKeys, no_platform_key};
use crate::retry::Host;
use crate::signing::{RequestSignature, SigningInput, check_path_and_query};
use crate::verification::{DEFAULT_MAX_CLOCK_SKEW, REQUEST_ID, SignatureHeaders, WECHATPAY_SERIAL};

/// The primary access point.
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The backup access point, in another city.
pub const DEFAULT_BACKUP_URL: &str = "https://api2.mch.weixin.qq.com";

const CORE_PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Everything needed to talk to the platform as one merchant, with no I/O of its own.
///
/// [`Client::prepare`] turns an [`Operation`] into a signed `http::Request`; an adapter sends
/// it; [`Client::parse`] verifies the `http::Response` and decodes it. Time, nonce and
/// randomness are arguments, so every byte is reproducible.
///
/// `Client` is `Send + Sync`: share one across threads.
pub struct Client {
    credentials: MerchantCredentials,
    platform_keys: PlatformKeys,
    base_url: String,
    backup_url: Option<String>,
    user_agent: HeaderValue,
    max_clock_skew: u64,
}

impl Client {
    /// A client for the production hosts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] when `platform_keys` is empty, or when the merchant certificate
    /// serial was configured as a platform key (the two are easily swapped).
    pub fn new(
        credentials: MerchantCredentials,
        platform_keys: PlatformKeys,
    ) -> Result<Self, Error> {
        if platform_keys.is_empty() {
            return Err(no_platform_key());
        }
        if platform_keys.get(credentials.serial_no()).is_some() {
            return Err(Error::invalid(
                "platform_keys",
                format!(
                    "{} is the merchant certificate serial (serial_no); platform keys are the WeChat Pay \
                     public key (PUB_KEY_ID_...) or the platform certificates, not the merchant's own",
                    credentials.serial_no()
                ),
            ));
        }
        Ok(Client {
            credentials,
            platform_keys,
            base_url: DEFAULT_BASE_URL.to_owned(),
            backup_url: Some(DEFAULT_BACKUP_URL.to_owned()),
            user_agent: HeaderValue::from_static(CORE_PRODUCT),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        })
    }

    /// Sends to another primary host (a mock platform, a forwarding proxy). Only scheme and
    /// authority: the path is signed, so a proxy must forward it unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`base_url`) for anything but `http(s)://host[:port]`.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, Error> {
        self.base_url = check_base_url("base_url", base_url)?;
        Ok(self)
    }

    /// Sets or removes (`None`) the backup host used on failover.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`backup_url`), as for [`Client::with_base_url`].
    pub fn with_backup_url(mut self, backup_url: Option<&str>) -> Result<Self, Error> {
        self.backup_url = backup_url
            .map(|url| check_base_url("backup_url", url))
            .transpose()?;
        Ok(self)
    }

    /// Replaces the `User-Agent` entirely.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`user_agent`) unless 1 to 256 visible ASCII characters or spaces.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, Error> {
        self.user_agent = check_user_agent(user_agent)?;
        Ok(self)
    }

    /// Puts a product token (`name/version`) in front of the `User-Agent`; adapters name
    /// themselves this way: `wechatpay-hyper/0.1.0 wechatpay-core/0.1.0`.
    ///
    /// # Errors
    ///
    /// As [`Client::with_user_agent`].
    pub fn with_user_agent_product(mut self, product: &str) -> Result<Self, Error> {
        let current = self.user_agent.to_str().unwrap_or(CORE_PRODUCT);
        self.user_agent = check_user_agent(&format!("{product} {current}"))?;
        Ok(self)
    }

    /// The largest accepted distance, in seconds, between a response's timestamp and the local
    /// clock (default 300).
    pub fn with_max_clock_skew(mut self, seconds: u64) -> Self {
        self.max_clock_skew = seconds;
        self
    }

    /// The merchant credentials.
    pub fn credentials(&self) -> &MerchantCredentials {
        &self.credentials
    }

    /// The platform keys.
    pub fn platform_keys(&self) -> &PlatformKeys {
        &self.platform_keys
    }

    /// The base URL for `host`; the primary one when no backup is set.
    pub fn base_url(&self, host: Host) -> &str {
        match (host, &self.backup_url) {
            (Host::Backup, Some(backup)) => backup,
            _ => &self.base_url,
        }
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        self.user_agent.to_str().unwrap_or(CORE_PRODUCT)
    }

    /// The clock skew window, in seconds.
    pub fn max_clock_skew(&self) -> u64 {
        self.max_clock_skew
    }

    /// Builds the signed request for `operation`, to be sent to `host`.
    ///
    /// `timestamp` is the current Unix time, `nonce` fresh for this attempt; `rng` blinds the
    /// signature. Re-prepare for each retry: a fresh timestamp and nonce cost one signature.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] from the operation's validation; [`Error::Signing`].
    pub fn prepare<O: Operation + ?Sized, R: CryptoRng + ?Sized>(
        &self,
        operation: &O,
        host: Host,
        timestamp: u64,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        let parts = operation.request()?;
        // Before joining: a path that does not start with '/' would extend the authority
        // (`@evil.example/...`, `.evil.example/...`, `:8443/...`) and carry the Authorization
        // header and body to another host, where they could be replayed.
        check_path_and_query(parts.path_and_query())?;
        let serial = match parts.wechatpay_serial() {
            Some(serial) => header_value(WECHATPAY_SERIAL, serial)?,
            None => self.preferred_serial()?,
        };
        let uri = format!("{}{}", self.base_url(host), parts.path_and_query());
        let mut request = Request::builder()
            .method(parts.method().clone())
            .uri(&uri)
            .header(WECHATPAY_SERIAL, serial)
            .body(parts.into_body())
            .map_err(|e| {
                Error::invalid(
                    "path_and_query",
                    format!("{:?} is not a valid URI: {e}", Shown(&uri)),
                )
            })?;
        self.sign_request(&mut request, timestamp, nonce, rng)?;
        Ok(request)
    }

    /// Signs any request: the method, the URI's path and query exactly as they will be sent,
    /// and the body. Sets `Authorization` (marked sensitive), `Accept: application/json`, and,
    /// unless the request has its own, `User-Agent`, `Wechatpay-Serial` (the preferred platform
    /// key) and `Content-Type: application/json` when there is a body.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`path_and_query`) when the URI has no path, or a path that some
    /// client would re-encode (see [`crate::check_path_and_query`]); [`Error::Signing`].
    pub fn sign_request<R: CryptoRng + ?Sized>(
        &self,
        request: &mut Request<Vec<u8>>,
        timestamp: u64,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<RequestSignature, Error> {
        let path_and_query = signed_path(request.uri())?;
        let signature = self.credentials.sign(
            &SigningInput {
                method: request.method(),
                path_and_query,
                timestamp,
                nonce,
                body: request.body(),
            },
            rng,
        )?;
        let has_body = !request.body().is_empty();
        let serial = self.preferred_serial()?;
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, signature.header_value().clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        if !headers.contains_key(WECHATPAY_SERIAL) {
            headers.insert(WECHATPAY_SERIAL, serial);
        }
        if has_body && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        Ok(signature)
    }

    /// Verifies `response` and decodes it with `operation`.
    ///
    /// A `2xx` must carry a valid signature before its body is decoded. Any other status
    /// becomes [`Error::Api`], whose [`ApiError::authentication`] says whether a signature was
    /// present and valid.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`], [`Error::Api`], [`Error::Decode`].
    pub fn parse<O: Operation + ?Sized, B: AsRef<[u8]>>(
        &self,
        operation: &O,
        response: &Response<B>,
        now: u64,
    ) -> Result<O::Output, Error> {
        let body = response.body().as_ref();
        let headers = response.headers();
        let status = response.status();
        let request_id = request_id(headers);
        if !status.is_success() {
            return Err(self.api_error(status, headers, body, now));
        }
        self.verify(headers, body, now)?;
        operation.decode(VerifiedBody::new(body, status, request_id))
    }

    /// Verifies the signature of a response or a callback (notification) over its raw body,
    /// with this client's platform keys and clock window. Returns the key that signed it.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`], with the `Request-ID` when the headers carry one.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: u64,
    ) -> Result<&PlatformKey, Error> {
        self.platform_keys
            .verify(headers, body, now, self.max_clock_skew)
            .map_err(|kind| Error::Verification {
                kind,
                request_id: request_id(headers).map(str::to_owned),
            })
    }

    fn api_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8], now: u64) -> Error {
        #[derive(Deserialize)]
        struct ErrorBody {
            code: Option<String>,
            message: Option<String>,
            detail: Option<serde_json::Value>,
        }
        let authentication = if SignatureHeaders::any_present(headers) {
            match self
                .platform_keys
                .verify(headers, body, now, self.max_clock_skew)
            {
                Ok(key) => Authentication::Verified {
                    serial: key.serial().to_owned(),
                },
                Err(why) => Authentication::Failed(why),
            }
        } else {
            Authentication::Unsigned
        };
        let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
        let (code, message, detail) = match parsed {
            Some(b) => (b.code, b.message, b.detail),
            None => (None, None, None),
        };
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Error::Api(Box::new(ApiError {
            status,
            code,
            message,
            detail,
            request_id: request_id(headers).map(str::to_owned),
            retry_after,
            authentication,
            body: body.to_vec(),
        }))
    }

    fn preferred_serial(&self) -> Result<HeaderValue, Error> {
        let key = self.platform_keys.preferred().ok_or_else(no_platform_key)?;
        header_value(WECHATPAY_SERIAL, key.serial())
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("credentials", &self.credentials)
            .field("platform_keys", &self.platform_keys)
            .field("base_url", &self.base_url)
            .field("backup_url", &self.backup_url)
            .field("user_agent", &self.user_agent)
            .field("max_clock_skew", &self.max_clock_skew)
            .finish()
    }
}

fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok())
}

/// The path and query as they will be sent; `MerchantCredentials::sign` checks their form.
fn signed_path(uri: &Uri) -> Result<&str, Error> {
    uri.path_and_query()
        .map(|p| p.as_str())
        .filter(|p| p.starts_with('/'))
        .ok_or_else(|| Error::invalid("path_and_query", format!("the URI {uri} has no path")))
}

fn header_value(field: &'static str, value: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::invalid(
            field,
            format!("{:?} is not a valid header value", Shown(value)),
        )
    })
}

fn check_base_url(field: &'static str, url: &str) -> Result<String, Error> {
    let invalid = |reason: &str| Error::invalid(field, format!("{:?}: {reason}", Shown(url)));
    let uri: Uri = url.parse().map_err(|_| invalid("not a URL"))?;
    match uri.scheme_str() {
        Some("https" | "http") => {}
        _ => return Err(invalid("expected an http:// or https:// URL")),
    }
    let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("user information is not allowed in the URL"));
    }
    match uri.path_and_query().map(|p| p.as_str()) {
        None | Some("" | "/") => {}
        Some(_) => {
            return Err(invalid(
                "only scheme and host are allowed: the path is signed, so it cannot be prefixed",
            ));
        }
    }
    Ok(format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        authority
    ))
}

fn check_user_agent(user_agent: &str) -> Result<HeaderValue, Error> {
    let valid = !user_agent.trim().is_empty()
        && user_agent.len() <= 256
        && user_agent.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !valid {
        return Err(Error::invalid(
            "user_agent",
            format!(
                "{:?} must be 1 to 256 visible ASCII characters or spaces (the platform requires a User-Agent)",
                Shown(user_agent)
            ),
        ));
    }
    header_value("user_agent", user_agent)
}
