//! Platform certificates (certificate mode): `GET /v3/certificates`, the first download that
//! verifies itself, and the refresh policy adapters follow.
//!
//! Merchants opened before late 2024 verify the platform with certificates that rotate (with
//! an overlap) and are downloaded from the platform itself, each encrypted with the APIv3 key.
//! Merchants in public key mode get `404 RESOURCE_NOT_EXISTS` there instead: see
//! [`Error::PublicKeyMode`].
//!
//! # The first download
//!
//! An answer is verified with the platform key its `Wechatpay-Serial` names. The first
//! download cannot be verified with a certificate already held, since it is how certificates
//! are obtained: it is signed with one of the certificates it carries. So when the answer
//! names a serial the client does not hold, [`DownloadCertificates::carried_keys`] decrypts
//! the certificates it carries (AES-256-GCM under the APIv3 key, which only the platform and
//! the merchant know: an answer whose certificates decrypt and authenticate comes from one of
//! them) and the answer is verified with the one it names, exactly as any answer is: headers,
//! probe, clock window, signature. [`Client::parse_certificates`] and
//! [`crate::Adapter::download_certificates`] do this by themselves.

use std::fmt;

use http::{Response, StatusCode};
use serde::Deserialize;

use crate::body::RequestParts;
use crate::client::Client;
use crate::context::RequestContext;
use crate::error::Error;
use crate::notification::{ApiV3Key, NotificationResource};
use crate::operation::{Operation, VerifiedBody};
use crate::platform_keys::{PlatformKeys, read_certificate};
use crate::verification::WECHATPAY_SERIAL;

/// The path of the certificate download.
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

/// `GET /v3/certificates`: the platform certificates, verified and decrypted with the APIv3
/// key.
///
/// Add them to the client's keys with [`PlatformKeys::add_verified_certificates`], or let an
/// adapter do it ([`crate::Adapter::download_certificates`]).
///
/// ```
/// use wechatpay_core::{ApiV3Key, DownloadCertificates};
///
/// let key = ApiV3Key::new("Wechatpay0Test0ApiV3Key000000001")?;
/// let download = DownloadCertificates::new(key);
/// # let _ = download;
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone)]
pub struct DownloadCertificates {
    key: ApiV3Key,
}

impl DownloadCertificates {
    /// The download, whose certificates `key` decrypts.
    pub fn new(key: ApiV3Key) -> Self {
        DownloadCertificates { key }
    }

    /// The certificates an answer carries, as platform keys to verify that same answer with,
    /// when its `Wechatpay-Serial` names a certificate `client` does not hold yet (the first
    /// download, or the first after a rotation). `None` when the client holds the key named
    /// (verify as any answer), for an answer that is not a `2xx`, and for one whose
    /// certificates do not decrypt with the APIv3 key, or do not include the one named: such
    /// an answer then fails verification with [`crate::VerificationError::UnknownSerial`].
    ///
    /// The keys returned verify only this answer: nothing is added to the client before the
    /// signature verified.
    pub fn carried_keys<B: AsRef<[u8]>>(
        &self,
        client: &Client,
        response: &Response<B>,
    ) -> Option<PlatformKeys> {
        if !response.status().is_success() {
            return None;
        }
        let serial = response.headers().get(WECHATPAY_SERIAL)?.to_str().ok()?;
        if client.platform_keys().get(serial).is_some() {
            return None;
        }
        let carried = self.read(response.body().as_ref()).ok()?;
        let named = carried.iter().find(|c| c.serial == serial)?;
        let mut keys = PlatformKeys::with_backend(client.platform_keys().backend());
        keys.add_certificate(&named.pem).ok()?;
        Some(keys)
    }

    /// Reads and decrypts an answer's certificates, checking each against its entry.
    fn read(&self, body: &[u8]) -> Result<Vec<PlatformCertificate>, String> {
        let answer: CertificatesAnswer = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        answer
            .data
            .into_iter()
            .map(|entry| entry.open(&self.key))
            .collect()
    }
}

impl fmt::Debug for DownloadCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadCertificates")
            .finish_non_exhaustive()
    }
}

impl Operation for DownloadCertificates {
    type Output = Vec<PlatformCertificate>;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        Ok(RequestParts::new(
            http::Method::GET,
            CERTIFICATES_PATH.to_owned(),
        ))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Self::Output, Error> {
        self.read(body.bytes())
            .map_err(|reason| body.decode_error::<Self::Output>(reason))
    }
}

/// One platform certificate, decrypted from a verified download.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformCertificate {
    serial: String,
    effective_time: String,
    expire_time: String,
    not_before: u64,
    not_after: u64,
    pem: String,
}

impl PlatformCertificate {
    /// The serial (40 upper-case hex digits), as `Wechatpay-Serial` names it.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Start of validity, as the platform listed it (RFC 3339, `+08:00`).
    pub fn effective_time(&self) -> &str {
        &self.effective_time
    }

    /// End of validity, as the platform listed it (RFC 3339, `+08:00`).
    pub fn expire_time(&self) -> &str {
        &self.expire_time
    }

    /// Start of validity from the certificate itself, Unix seconds.
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// End of validity from the certificate itself, Unix seconds.
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// The certificate, PEM (`BEGIN CERTIFICATE`): what `PlatformKeys::add_certificate` takes,
    /// and what to save.
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

impl fmt::Debug for PlatformCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlatformCertificate")
            .field("serial", &self.serial)
            .field("effective_time", &self.effective_time)
            .field("expire_time", &self.expire_time)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct CertificatesAnswer {
    data: Vec<CertificateEntry>,
}

#[derive(Deserialize)]
struct CertificateEntry {
    serial_no: String,
    effective_time: String,
    expire_time: String,
    encrypt_certificate: EncryptedCertificate,
}

#[derive(Deserialize)]
struct EncryptedCertificate {
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
    ciphertext: String,
}

impl CertificateEntry {
    fn open(self, key: &ApiV3Key) -> Result<PlatformCertificate, String> {
        let sealed = self.encrypt_certificate;
        let resource = NotificationResource {
            algorithm: sealed.algorithm,
            ciphertext: sealed.ciphertext,
            associated_data: sealed.associated_data,
            nonce: sealed.nonce,
            original_type: "certificate".to_owned(),
        };
        let serial = &self.serial_no;
        let pem = resource.decrypt(key).map_err(|e| {
            format!("certificate {serial}: {e} (is the APIv3 key this merchant's?)")
        })?;
        let der = crate::pem::certificate_der(pem.expose())
            .map_err(|e| format!("certificate {serial}: {e}"))?;
        let facts = read_certificate(&der).map_err(|e| format!("certificate {serial}: {e}"))?;
        if !facts.serial.as_str().eq_ignore_ascii_case(serial) {
            return Err(format!(
                "the certificate listed as {serial} has the serial {}",
                facts.serial
            ));
        }
        Ok(PlatformCertificate {
            serial: facts.serial.as_str().to_owned(),
            effective_time: self.effective_time,
            expire_time: self.expire_time,
            not_before: facts.not_before,
            not_after: facts.not_after,
            pem: pem.expose().to_owned(),
        })
    }
}

/// What the platform answers a merchant in public key mode: `404 RESOURCE_NOT_EXISTS`, or
/// sometimes `500 SYSTEM_ERROR`, becomes [`Error::PublicKeyMode`]; any other error is kept.
pub(crate) fn public_key_mode(error: Error) -> Error {
    let Error::Api(api) = &error else {
        return error;
    };
    let code = api.code.as_deref();
    let public_key_mode = matches!(
        (api.status, code),
        (StatusCode::NOT_FOUND, Some("RESOURCE_NOT_EXISTS"))
            | (StatusCode::INTERNAL_SERVER_ERROR, Some("SYSTEM_ERROR"))
    );
    if !public_key_mode {
        return error;
    }
    let Error::Api(api) = error else {
        return error;
    };
    Error::PublicKeyMode {
        status: api.status,
        request_id: api.request_id.clone(),
    }
}

impl Client {
    /// Verifies and reads an answer of [`DownloadCertificates`], the first download included
    /// (see the [module docs](crate::certificates)): [`Client::parse`] with the certificates
    /// the answer carries when it names one the client does not hold.
    ///
    /// # Errors
    ///
    /// [`Error::PublicKeyMode`] for a merchant in public key mode; otherwise as
    /// [`Client::parse`].
    pub fn parse_certificates<B: AsRef<[u8]>>(
        &self,
        download: &DownloadCertificates,
        response: &Response<B>,
        now: u64,
    ) -> Result<Vec<PlatformCertificate>, Error> {
        let carried = download.carried_keys(self, response);
        let received = match &carried {
            Some(keys) => self.receive_with(response, keys, now),
            None => self.receive(response, now),
        };
        self.decode(download, received.check())
            .map_err(public_key_mode)
    }
}

/// When an adapter downloads the platform certificates again (certificate mode): a pure
/// function of the time it is given, so that it is tested without waiting.
///
/// A refresh is due when none was made yet, when `interval` passed since the last one, or
/// when the earliest certificate expires within `before_expiry`. An answer signed with a
/// serial the client does not hold (a rotation) asks for one at once, but at most once per
/// `min_gap` since the last attempt, successful or not: a platform or an attacker naming
/// unknown serials cannot make the client download in a loop.
///
/// ```
/// use std::time::Duration;
/// use wechatpay_core::{RefreshPolicy, RefreshTrigger};
///
/// let policy = RefreshPolicy::default();
/// assert!(policy.is_due(RefreshTrigger::Scheduled, 1_700_000_000, None, None));
/// // Just refreshed: not again for an unknown serial within the minimum gap.
/// assert!(!policy.is_due(RefreshTrigger::UnknownSerial, 1_700_000_010, Some(1_700_000_000), None));
/// assert!(policy.is_due(RefreshTrigger::UnknownSerial, 1_700_000_000 + 3600, Some(1_700_000_000), None));
/// # let _ = Duration::ZERO;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// The regular interval between downloads. Default 12 hours (the official SDKs use 24
    /// hours and 60 minutes).
    pub interval: u64,
    /// Download again when the earliest certificate expires within this. Default 1 day.
    pub before_expiry: u64,
    /// The least time between two downloads asked by unknown serials. Default 5 minutes.
    pub min_gap: u64,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            interval: 12 * 3600,
            before_expiry: 24 * 3600,
            min_gap: 300,
        }
    }
}

/// Why a refresh is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshTrigger {
    /// Before a call: the regular schedule and the expiry of the certificates held.
    Scheduled,
    /// An answer named a serial the client does not hold.
    UnknownSerial,
}

impl RefreshPolicy {
    /// With this regular interval, in seconds.
    pub fn with_interval(self, seconds: u64) -> Self {
        RefreshPolicy {
            interval: seconds,
            ..self
        }
    }

    /// With this least gap between downloads asked by unknown serials, in seconds.
    pub fn with_min_gap(self, seconds: u64) -> Self {
        RefreshPolicy {
            min_gap: seconds,
            ..self
        }
    }

    /// Whether to download now. `last_attempt` is when the last download was attempted
    /// (successful or not), `earliest_expiry` the earliest end of validity among the
    /// certificates held ([`PlatformKeys::earliest_expiry`]).
    pub fn is_due(
        &self,
        trigger: RefreshTrigger,
        now: u64,
        last_attempt: Option<u64>,
        earliest_expiry: Option<u64>,
    ) -> bool {
        let Some(last) = last_attempt else {
            return true;
        };
        let since = now.saturating_sub(last);
        match trigger {
            RefreshTrigger::UnknownSerial => since >= self.min_gap.max(1),
            RefreshTrigger::Scheduled => {
                let expiring = earliest_expiry
                    .is_some_and(|expiry| expiry.saturating_sub(now) <= self.before_expiry);
                // Expiring soon asks again, but not more often than the minimum gap.
                since >= self.interval || (expiring && since >= self.min_gap.max(1))
            }
        }
    }
}
