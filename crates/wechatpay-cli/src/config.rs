//! Settings from flags or environment variables (a flag wins), in groups that each subcommand
//! takes only when it uses them, turned into the core's types.

use std::ffi::OsString;
use std::fmt;
use std::time::Duration;

use clap::{Args, ValueEnum};
use wechatpay_core::{
    AdapterSettings, ApiV3Key, Client, MerchantCredentials, MerchantKey, PlatformCertificate,
    PlatformKeys, VerificationError,
};
use wechatpay_hyper::HyperClient;

use crate::failure::Failure;
use crate::keyfile::{self, KeyFile};
use crate::progress::Activity;

/// How results (and, on stderr, failures) are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    #[default]
    Text,
    /// One JSON value on stdout; a failure is `{"error": {...}}` on stderr.
    Json,
}

/// `--output`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct Format {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// A setting as the user types it: the flag and its environment variable.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub flag: &'static str,
    pub variable: &'static str,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.flag, self.variable)
    }
}

pub const MCHID: Setting = Setting {
    flag: "--mchid",
    variable: "WECHATPAY_MCHID",
};
pub const SERIAL_NO: Setting = Setting {
    flag: "--serial-no",
    variable: "WECHATPAY_SERIAL_NO",
};
pub const PRIVATE_KEY: Setting = Setting {
    flag: "--private-key",
    variable: "WECHATPAY_PRIVATE_KEY",
};
pub const PUBLIC_KEY_ID: Setting = Setting {
    flag: "--public-key-id",
    variable: "WECHATPAY_PUBLIC_KEY_ID",
};
pub const PUBLIC_KEY: Setting = Setting {
    flag: "--public-key",
    variable: "WECHATPAY_PUBLIC_KEY",
};
pub const PLATFORM_CERTS: Setting = Setting {
    flag: "--platform-cert",
    variable: "WECHATPAY_PLATFORM_CERTS",
};
pub const BASE_URL: Setting = Setting {
    flag: "--base-url",
    variable: "WECHATPAY_BASE_URL",
};
pub const MERCHANT_CERT: Setting = Setting {
    flag: "--merchant-cert",
    variable: "WECHATPAY_MERCHANT_CERT",
};
pub const API_V3_KEY: Setting = Setting {
    flag: "--apiv3-key",
    variable: "WECHATPAY_APIV3_KEY",
};

/// The flag (and variable) a field name of the core's `Error::InvalidInput` comes from, so
/// that a message names what the user typed.
pub fn setting_of(field: &str) -> Option<Setting> {
    Some(match field {
        "mchid" => MCHID,
        "serial_no" => SERIAL_NO,
        "private_key" => PRIVATE_KEY,
        "platform_public_key_id" => PUBLIC_KEY_ID,
        "platform_public_key" => PUBLIC_KEY,
        "platform_certificate" => PLATFORM_CERTS,
        "base_url" => BASE_URL,
        "api_v3_key" => API_V3_KEY,
        "merchant_certificate" => MERCHANT_CERT,
        _ => return None,
    })
}

/// Settings that are missing, gathered from every group a subcommand needs so that one run
/// names them all.
#[derive(Debug, Default)]
pub struct Missing(Vec<String>);

impl Missing {
    fn add(&mut self, what: impl fmt::Display) {
        self.0.push(what.to_string());
    }

    fn check<T>(&mut self, value: &Option<T>, setting: Setting) {
        if value.is_none() {
            self.add(setting);
        }
    }

    /// A usage failure naming every missing setting, if any is.
    pub fn into_result(self) -> Result<(), Failure> {
        let next = "pass each as a flag or set its environment variable \
                    (`wechatpay mock` prints a complete set for a local test)";
        match self.0.as_slice() {
            [] => Ok(()),
            [one] => Err(Failure::usage(format!("{one} is not set"), next)),
            all => Err(Failure::usage(
                format!("{} settings are not set: {}", all.len(), all.join("; ")),
                next,
            )),
        }
    }
}

/// The merchant private key alone (`decrypt`).
#[derive(Clone, Args)]
pub struct PrivateKey {
    /// The merchant private key (apiclient_key.pem): a path, or the PEM itself (a value that
    /// begins with -----BEGIN, as secret stores and CI hand it over). Never printed.
    #[arg(
        long,
        env = "WECHATPAY_PRIVATE_KEY",
        value_name = "PATH|PEM",
        hide_env_values = true
    )]
    private_key: Option<OsString>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value may be the key itself.
        f.debug_struct("PrivateKey")
            .field("private_key", &self.private_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl PrivateKey {
    pub fn missing(&self, missing: &mut Missing) {
        missing.check(&self.private_key, PRIVATE_KEY);
    }

    fn pem(&self) -> Result<String, Failure> {
        let value = required(&self.private_key, PRIVATE_KEY)?;
        keyfile::load(value, KeyFile::PrivateKey)
    }

    /// The key alone, for decrypting: no merchant id or serial is needed.
    pub fn merchant_key(&self) -> Result<MerchantKey, Failure> {
        let mut missing = Missing::default();
        self.missing(&mut missing);
        missing.into_result()?;
        Ok(MerchantKey::from_pem(&self.pem()?)?)
    }
}

/// `--apiv3-key`: the merchant's APIv3 key, for the subcommands that decrypt callbacks or
/// platform certificates.
#[derive(Clone, Args)]
pub struct ApiV3 {
    /// The APIv3 key set in the merchant platform (32 characters; not the API certificate's
    /// key, not the APIv2 key): it decrypts callbacks and platform certificates, which are
    /// downloaded with it when no platform key is given. A secret: never printed.
    #[arg(
        long = "apiv3-key",
        env = "WECHATPAY_APIV3_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    apiv3_key: Option<String>,
}

impl fmt::Debug for ApiV3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiV3")
            .field("apiv3_key", &self.apiv3_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl ApiV3 {
    pub fn missing(&self, missing: &mut Missing) {
        missing.check(&self.apiv3_key, API_V3_KEY);
    }

    /// Whether the key is given.
    pub fn is_set(&self) -> bool {
        self.apiv3_key.is_some()
    }

    /// The key, checked (32 bytes); an error names the setting, never the value.
    pub fn key(&self) -> Result<ApiV3Key, Failure> {
        let value = required(&self.apiv3_key, API_V3_KEY)?;
        Ok(ApiV3Key::new(value)?)
    }
}

/// Who signs: the merchant.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Merchant")]
pub struct Merchant {
    /// Merchant id.
    #[arg(long, env = "WECHATPAY_MCHID")]
    mchid: Option<String>,
    /// Serial number of the merchant API certificate (`openssl x509 -noout -serial -in
    /// apiclient_cert.pem`).
    #[arg(long, env = "WECHATPAY_SERIAL_NO")]
    serial_no: Option<String>,
    #[command(flatten)]
    key: PrivateKey,
}

impl Merchant {
    pub fn missing(&self, missing: &mut Missing) {
        missing.check(&self.mchid, MCHID);
        missing.check(&self.serial_no, SERIAL_NO);
        self.key.missing(missing);
    }

    /// `--mchid` as given.
    pub fn mchid(&self) -> Option<&str> {
        self.mchid.as_deref()
    }

    /// `--serial-no` as given.
    pub fn serial_no(&self) -> Option<&str> {
        self.serial_no.as_deref()
    }

    /// The private key's PEM, when the setting is given.
    pub fn private_key_pem(&self) -> Option<Result<String, Failure>> {
        self.key.private_key.as_ref().map(|_| self.key.pem())
    }

    pub fn credentials(&self) -> Result<MerchantCredentials, Failure> {
        let mchid = required(&self.mchid, MCHID)?;
        let serial_no = required(&self.serial_no, SERIAL_NO)?;
        let pem = self.key.pem()?;
        Ok(MerchantCredentials::new(mchid, serial_no, &pem)?)
    }
}

/// Whom to trust: the platform's public key, its certificates, or both (while migrating).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Platform keys")]
pub struct Platform {
    /// WeChat Pay public key id (PUB_KEY_ID_...).
    #[arg(long, env = "WECHATPAY_PUBLIC_KEY_ID")]
    public_key_id: Option<String>,
    /// The WeChat Pay public key (pub_key.pem): a path, or the PEM itself (a value that begins
    /// with -----BEGIN).
    #[arg(
        long,
        env = "WECHATPAY_PUBLIC_KEY",
        value_name = "PATH|PEM",
        hide_env_values = true
    )]
    public_key: Option<OsString>,
    /// A platform certificate (certificate mode, or beside the public key while migrating):
    /// a path or the PEM itself; a file may hold several. Repeat the flag for more; the
    /// variable takes a comma-separated list.
    #[arg(
        long,
        env = "WECHATPAY_PLATFORM_CERTS",
        value_name = "PATH|PEM",
        value_delimiter = ',',
        hide_env_values = true
    )]
    platform_cert: Vec<OsString>,
}

impl Platform {
    pub fn missing(&self, missing: &mut Missing) {
        match (&self.public_key_id, &self.public_key) {
            (Some(_), None) => missing.add(PUBLIC_KEY),
            (None, Some(_)) => missing.add(PUBLIC_KEY_ID),
            (None, None) if self.platform_cert.is_empty() => missing.add(format_args!(
                "{PUBLIC_KEY_ID} and {PUBLIC_KEY} (or {PLATFORM_CERTS})"
            )),
            _ => {}
        }
    }

    /// `--public-key-id` as given.
    pub fn public_key_id(&self) -> Option<&str> {
        self.public_key_id.as_deref()
    }

    /// The WeChat Pay public key's PEM, when the setting is given.
    pub fn public_key_pem(&self) -> Option<Result<String, Failure>> {
        self.public_key
            .as_ref()
            .map(|value| keyfile::load(value, KeyFile::PublicKey))
    }

    /// The PEM of each `--platform-cert`, in the order given.
    pub fn certificate_pems(&self) -> impl Iterator<Item = Result<String, Failure>> + '_ {
        self.platform_cert
            .iter()
            .map(|value| keyfile::load(value, KeyFile::PlatformCertificate))
    }

    /// Whether no platform key or certificate is given at all.
    pub fn is_empty(&self) -> bool {
        self.public_key_id.is_none() && self.public_key.is_none() && self.platform_cert.is_empty()
    }

    /// As [`Platform::missing`], for a subcommand that downloads the platform certificates
    /// when none is given and the APIv3 key is.
    pub fn missing_unless_downloaded(&self, missing: &mut Missing, apiv3: &ApiV3) {
        match (self.is_empty(), apiv3.is_set()) {
            (true, true) => {}
            (true, false) => missing.add(format_args!(
                "{PUBLIC_KEY_ID} and {PUBLIC_KEY} (or {PLATFORM_CERTS}, or {API_V3_KEY} to \
                 download the platform certificates)"
            )),
            (false, _) => self.missing(missing),
        }
    }

    pub fn keys(&self) -> Result<PlatformKeys, Failure> {
        let mut missing = Missing::default();
        self.missing(&mut missing);
        missing.into_result()?;
        let mut keys = PlatformKeys::new();
        if let (Some(id), Some(value)) = (&self.public_key_id, &self.public_key) {
            let pem = keyfile::load(value, KeyFile::PublicKey)?;
            keys.add_public_key(id, &pem)?;
        }
        for value in &self.platform_cert {
            let pem = keyfile::load(value, KeyFile::PlatformCertificate)?;
            keys.add_certificates(&pem)?;
        }
        Ok(keys)
    }
}

/// `--base-url`.
#[derive(Debug, Clone, Args)]
pub struct BaseUrl {
    /// Base URL of the platform (a mock platform, a forwarding proxy); default the production
    /// host.
    #[arg(long, env = "WECHATPAY_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
}

impl BaseUrl {
    /// The URL requests go to.
    pub fn url(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or(wechatpay_core::DEFAULT_BASE_URL)
    }

    /// `client` sending to this URL; a custom host (mock, proxy) has no backup twin.
    pub fn apply(&self, client: Client) -> Result<Client, Failure> {
        match &self.base_url {
            Some(url) => Ok(client
                .with_base_url(url)
                .and_then(|c| c.with_backup_url(None))?),
            None => Ok(client),
        }
    }
}

/// The largest clock skew accepted, in seconds: an hour at most, for a wider window makes a
/// replayed answer acceptable for longer.
const MAX_SKEW_LIMIT: u64 = 3600;

/// `--max-skew`.
#[derive(Debug, Clone, Args)]
pub struct MaxSkew {
    /// Largest accepted distance between an answer's timestamp and this clock, in seconds
    /// (at most 3600).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = wechatpay_core::DEFAULT_MAX_CLOCK_SKEW,
        value_parser = clap::value_parser!(u64).range(0..=MAX_SKEW_LIMIT)
    )]
    pub max_skew: u64,
}

/// A number of seconds between `min` and `max`, as a `Duration`. Bounded here so that no
/// value typed can overflow a `Duration` (`1e20` would panic in `Duration::from_secs_f64`).
pub fn seconds(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(value.is_finite() && (min..=max).contains(&value)) {
        return Err(format!("must be between {min} and {max} seconds"));
    }
    Ok(Duration::from_secs_f64(value))
}

fn timeout(text: &str) -> Result<Duration, String> {
    seconds(text, 0.001, 3600.0)
}

/// Where and how to reach the platform.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub struct Connection {
    #[command(flatten)]
    pub base: BaseUrl,
    /// Per-attempt timeout, in seconds (at most 3600).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = timeout)]
    timeout: Duration,
    #[command(flatten)]
    skew: MaxSkew,
}

impl Connection {
    /// A client of `credentials` in certificate mode: the platform certificates downloaded
    /// (`GET /v3/certificates`, decrypted with `key`, the first answer verified with the
    /// certificate it carries) and held, with the list the platform gave.
    pub async fn with_certificates(
        &self,
        credentials: MerchantCredentials,
        key: &ApiV3Key,
    ) -> Result<(HyperClient, Vec<PlatformCertificate>), Failure> {
        let http = self.http(Client::without_platform_keys(credentials))?;
        let certificates = {
            let _activity = Activity::start("downloading the platform certificates");
            http.download_certificates(key).await
        }
        .map_err(|error| {
            // The first download is verified with the certificate it carries, which only the
            // right APIv3 key decrypts: without it, the signer stays unknown.
            let undecrypted = matches!(
                error.core().and_then(wechatpay_core::Error::verification),
                Some(VerificationError::UnknownSerial { .. })
            );
            let mut failure = crate::failure::from_call(error, self.base.url());
            if undecrypted {
                failure.next = format!(
                    "check {API_V3_KEY}: the certificates in the answer did not decrypt with it, \
                     so the answer could not be verified (the APIv3 key is the one set in the \
                     merchant portal's API security page)"
                );
            }
            failure
        })?;
        Ok((http, certificates))
    }

    /// The largest clock skew accepted, in seconds.
    pub fn max_skew(&self) -> u64 {
        self.skew.max_skew
    }

    /// `client`, sending to the base URL within the timeout, with the clock window, over hyper.
    pub fn http(&self, client: Client) -> Result<HyperClient, Failure> {
        let client = self
            .base
            .apply(client.with_max_clock_skew(self.skew.max_skew))?;
        let http =
            HyperClient::new(client).map_err(|e| crate::failure::from_call(e, self.base.url()))?;
        let settings = AdapterSettings::default().with_timeout(self.timeout);
        Ok(http.with_settings(settings))
    }
}

/// Everything an API call needs: the merchant, the platform keys (or the APIv3 key to
/// download the platform certificates with), the connection, the format.
#[derive(Debug, Clone, Args)]
pub struct Api {
    #[command(flatten)]
    pub merchant: Merchant,
    #[command(flatten)]
    pub platform: Platform,
    #[command(flatten)]
    pub apiv3: ApiV3,
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub format: Format,
}

impl Api {
    pub fn output(&self) -> Output {
        self.format.output
    }

    pub fn base_url(&self) -> &str {
        self.connection.base.url()
    }

    /// The client to call the platform with. Without any platform key or certificate given,
    /// the platform certificates are downloaded first with the APIv3 key (certificate mode).
    pub async fn http(&self) -> Result<HyperClient, Failure> {
        let mut missing = Missing::default();
        self.merchant.missing(&mut missing);
        self.platform
            .missing_unless_downloaded(&mut missing, &self.apiv3);
        missing.into_result()?;
        let credentials = self.merchant.credentials()?;
        if self.platform.is_empty() {
            let key = self.apiv3.key()?;
            return self
                .connection
                .with_certificates(credentials, &key)
                .await
                .map(|(http, _)| http);
        }
        let client = Client::new(credentials, self.platform.keys()?)?;
        self.connection.http(client)
    }
}

fn required<T>(value: &Option<T>, setting: Setting) -> Result<&T, Failure> {
    value.as_ref().ok_or_else(|| not_set(setting))
}

/// The failure of a setting that is needed and not given.
pub fn not_set(setting: Setting) -> Failure {
    Failure::usage(
        format!("{setting} is not set"),
        format!("pass {} or set {}", setting.flag, setting.variable),
    )
}
