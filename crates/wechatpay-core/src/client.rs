//! The client: credentials, platform keys and settings, turning operations into signed
//! requests and responses into verified results.

use std::fmt;
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, Request, Response, Uri};
use rand_core::CryptoRng;
use serde::Deserialize;

use crate::answer::{Checked, Received};
use crate::body::RequestBody;
use crate::context::RequestContext;
use crate::credentials::MerchantCredentials;
use crate::download::DownloadTicket;
use crate::error::{ApiError, Error};
use crate::nonce::Nonce;
use crate::operation::Operation;
use crate::platform_keys::{PlatformKey, PlatformKeys, no_platform_key};
use crate::retry::Host;
use crate::signing::{RequestSignature, SigningInput, check_path_and_query};
use crate::text::Quoted;
use crate::unsigned::UnsignedRequest;
use crate::verification::{DEFAULT_MAX_CLOCK_SKEW, REQUEST_ID, WECHATPAY_SERIAL};

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
        if platform_keys
            .get(credentials.serial_no().as_str())
            .is_some()
        {
            return Err(Error::invalid(
                "platform_keys",
                format!(
                    "{} is the merchant certificate serial (serial_no); platform keys are the WeChat Pay \
                     public key (PUB_KEY_ID_...) or the platform certificates, not the merchant's own",
                    credentials.serial_no()
                ),
            ));
        }
        Ok(Self::with_keys(credentials, platform_keys))
    }

    /// A client in certificate mode before its first certificate download: it holds no
    /// platform key yet, so its requests name none in `Wechatpay-Serial`, answers cannot be
    /// verified and sensitive fields cannot be encrypted until the certificates are added
    /// ([`crate::Adapter::download_certificates`], or [`Client::parse_certificates`] and
    /// [`PlatformKeys::add_verified_certificates`]). Merchants in public key mode configure
    /// their `PUB_KEY_ID_...` with [`Client::new`] instead.
    pub fn without_platform_keys(credentials: MerchantCredentials) -> Self {
        Self::with_keys(credentials, PlatformKeys::new())
    }

    fn with_keys(credentials: MerchantCredentials, platform_keys: PlatformKeys) -> Self {
        Client {
            credentials,
            platform_keys,
            base_url: DEFAULT_BASE_URL.to_owned(),
            backup_url: Some(DEFAULT_BACKUP_URL.to_owned()),
            user_agent: HeaderValue::from_static(CORE_PRODUCT),
            max_clock_skew: DEFAULT_MAX_CLOCK_SKEW,
        }
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
    /// `timestamp` is the current Unix time, `nonce` fresh for this attempt; `rng` supplies
    /// the encryption padding of sensitive fields and blinds the signature. Re-prepare for
    /// each retry: a fresh timestamp and nonce cost one signature.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] from the operation's validation; [`Error::Crypto`] from the
    /// encryption of a sensitive field; [`Error::Signing`].
    pub fn prepare<O: Operation + ?Sized, R: CryptoRng + ?Sized>(
        &self,
        operation: &O,
        host: Host,
        timestamp: u64,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.prepare_unsigned(operation, host, timestamp, nonce, rng)?
            .sign(rng)
    }

    /// The first step of signing with a key this process cannot call synchronously (a KMS
    /// over an async client, WebCrypto): the request, complete but for `Authorization`, and
    /// the exact message to sign ([`UnsignedRequest::message`]). Sign it with SHA256withRSA
    /// and finish with [`UnsignedRequest::finish`].
    ///
    /// ```
    /// # use wechatpay_core::{Client, Host, Nonce, Operation};
    /// # async fn kms_sign(message: &[u8]) -> Vec<u8> { unimplemented!() }
    /// # async fn run<O: Operation>(client: &Client, operation: &O, rng: &mut impl rand_core::CryptoRng) -> Result<(), wechatpay_core::Error> {
    /// let unsigned = client.prepare_unsigned(operation, Host::Primary, 1_700_000_000, &Nonce::generate(rng), rng)?;
    /// let signature = kms_sign(unsigned.message()).await;
    /// let request = unsigned.finish(&signature)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::prepare`], but for signing.
    pub fn prepare_unsigned<O: Operation + ?Sized, R: CryptoRng + ?Sized>(
        &self,
        operation: &O,
        host: Host,
        timestamp: u64,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<UnsignedRequest<'_>, Error> {
        let mut rng = rng;
        let (parts, encrypted_to) = {
            let mut context = RequestContext::new(&self.platform_keys, &mut rng).at(timestamp);
            let parts = operation.request(&mut context)?;
            let key = context.encryption_key().map(PlatformKey::serial);
            (parts, key.map(str::to_owned))
        };
        // Before joining: a path that does not start with '/' would extend the authority
        // (`@evil.example/...`, `.evil.example/...`, `:8443/...`) and carry the Authorization
        // header and body to another host, where they could be replayed.
        check_path_and_query(parts.path_and_query())?;
        let serial = match encrypted_to {
            Some(serial) => Some(header_value(WECHATPAY_SERIAL, &serial)?),
            None => self.preferred_serial(timestamp)?,
        };
        let message = SigningInput {
            method: parts.method(),
            path_and_query: parts.path_and_query(),
            timestamp,
            nonce,
            body: parts.signed_body(),
        }
        .message();
        let (method, path_and_query, body) = parts.into_parts();
        self.unsigned(
            method,
            self.base_url(host),
            &path_and_query,
            body,
            serial,
            message,
            timestamp,
            nonce,
        )
    }

    /// Builds the signed request that fetches a download announced by `ticket`: a `GET` of its
    /// path and query exactly as given, to its host. The answer is not signed: check it with
    /// [`DownloadTicket::digest_check`] or [`crate::DigestWriter`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`download_url`) when the ticket's host is neither configured
    /// host: the `Authorization` goes nowhere else. [`Error::Signing`].
    pub fn prepare_download<R: CryptoRng + ?Sized>(
        &self,
        ticket: &DownloadTicket,
        timestamp: u64,
        nonce: &Nonce,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.prepare_download_unsigned(ticket, timestamp, nonce)?
            .sign(rng)
    }

    /// As [`Client::prepare_download`], in two steps (see [`Client::prepare_unsigned`]).
    ///
    /// # Errors
    ///
    /// As [`Client::prepare_download`], but for signing.
    pub fn prepare_download_unsigned(
        &self,
        ticket: &DownloadTicket,
        timestamp: u64,
        nonce: &Nonce,
    ) -> Result<UnsignedRequest<'_>, Error> {
        let origin = [Host::Primary, Host::Backup]
            .into_iter()
            .map(|host| self.base_url(host))
            .find(|base| base.eq_ignore_ascii_case(ticket.origin()))
            .ok_or_else(|| {
                Error::invalid(
                    "download_url",
                    format!(
                        "points at {}, which is not a configured host ({}); the request's \
                         Authorization is sent to no other host",
                        Quoted::value(ticket.origin()),
                        self.base_url(Host::Primary)
                    ),
                )
            })?;
        let message = SigningInput {
            method: &Method::GET,
            path_and_query: ticket.path_and_query(),
            timestamp,
            nonce,
            body: &[],
        }
        .message();
        let serial = self.preferred_serial(timestamp)?;
        self.unsigned(
            Method::GET,
            origin,
            ticket.path_and_query(),
            RequestBody::Empty,
            serial,
            message,
            timestamp,
            nonce,
        )
    }

    #[allow(clippy::too_many_arguments)] // the parts of one request, named
    fn unsigned(
        &self,
        method: Method,
        base_url: &str,
        path_and_query: &str,
        body: RequestBody,
        serial: Option<HeaderValue>,
        message: Vec<u8>,
        timestamp: u64,
        nonce: &Nonce,
    ) -> Result<UnsignedRequest<'_>, Error> {
        let content_type = body.content_type();
        let uri = format!("{base_url}{path_and_query}");
        let mut builder = Request::builder()
            .method(method)
            .uri(&uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, self.user_agent.clone());
        if let Some(serial) = serial {
            builder = builder.header(WECHATPAY_SERIAL, serial);
        }
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, header_value("content_type", &content_type)?);
        }
        let request = builder.body(body.into_wire()).map_err(|e| {
            Error::invalid(
                "path_and_query",
                format!("{:?} is not a valid URI: {e}", Quoted::value(&uri)),
            )
        })?;
        Ok(UnsignedRequest::new(
            &self.credentials,
            request,
            message,
            timestamp,
            nonce.clone(),
        ))
    }

    /// The error for a download answered with a status other than `2xx` (its body read as
    /// any error answer's, within the JSON limit): [`Error::Api`], with the signature checked
    /// when there is one.
    pub fn download_error<B: AsRef<[u8]>>(&self, response: &Response<B>, now: u64) -> Error {
        self.api_error(&self.receive(response, now).check())
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
        let serial = self.preferred_serial(timestamp)?;
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, signature.header_value().clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
        if let Some(serial) = serial
            && !headers.contains_key(WECHATPAY_SERIAL)
        {
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
    /// present and valid. The same as [`Client::receive`], the core's own verification, then
    /// [`Client::decode`].
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
        self.decode(operation, self.receive(response, now).check())
    }

    /// The first step of reading an answer with other crypto than the core's: every check
    /// that needs no public key operation is made here, and [`Received::signature_check`]
    /// holds what to verify. Conclude with the verdict ([`Received::conclude`]) and decode with
    /// [`Client::decode`].
    pub fn receive<'r, B: AsRef<[u8]>>(
        &'r self,
        response: &'r Response<B>,
        now: u64,
    ) -> Received<'r> {
        Received::new(self, &self.platform_keys, response, now)
    }

    /// As [`Client::receive`], verifying with `keys` instead of the client's own: the
    /// certificates a first certificate download carries
    /// ([`crate::DownloadCertificates::carried_keys`]).
    pub fn receive_with<'r, B: AsRef<[u8]>>(
        &'r self,
        response: &'r Response<B>,
        keys: &'r PlatformKeys,
        now: u64,
    ) -> Received<'r> {
        Received::new(self, keys, response, now)
    }

    /// Decodes an answer whose signature was checked: the output of `operation` for a `2xx`
    /// that verified, otherwise the error.
    ///
    /// # Errors
    ///
    /// As [`Client::parse`].
    pub fn decode<O: Operation + ?Sized>(
        &self,
        operation: &O,
        checked: Checked<'_>,
    ) -> Result<O::Output, Error> {
        let request_id = checked.request_id();
        if !checked.status().is_success() {
            return Err(self.api_error(&checked));
        }
        let body = checked.verified_body()?;
        debug_assert_eq!(body.request_id(), request_id);
        operation.decode(body)
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

    fn api_error(&self, checked: &Checked<'_>) -> Error {
        #[derive(Deserialize)]
        struct ErrorBody {
            code: Option<String>,
            message: Option<String>,
            detail: Option<serde_json::Value>,
        }
        let headers = checked.headers();
        let body = checked.body();
        let authentication = checked.authentication();
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
            status: checked.status(),
            code,
            message,
            detail,
            request_id: request_id(headers).map(str::to_owned),
            retry_after,
            authentication,
            body: body.to_vec(),
        }))
    }

    /// The `Wechatpay-Serial` of a request that encrypts nothing: the preferred key, or none
    /// for a client without keys yet ([`Client::without_platform_keys`]).
    fn preferred_serial(&self, now: u64) -> Result<Option<HeaderValue>, Error> {
        self.platform_keys
            .preferred_at(now)
            .map(|key| header_value(WECHATPAY_SERIAL, key.serial()))
            .transpose()
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

pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
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
            format!("{:?} is not a valid header value", Quoted::value(value)),
        )
    })
}

fn check_base_url(field: &'static str, url: &str) -> Result<String, Error> {
    let invalid =
        |reason: &str| Error::invalid(field, format!("{:?}: {reason}", Quoted::value(url)));
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
                Quoted::value(user_agent)
            ),
        ));
    }
    header_value("user_agent", user_agent)
}
