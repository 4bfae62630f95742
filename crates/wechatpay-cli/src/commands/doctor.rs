//! `wechatpay doctor`: checks a configuration, one line per check, offline first (each key
//! parses, the private key is the merchant certificate's, serial and key id are where they
//! belong, the APIv3 key's length), then against the platform (the clock against the
//! server's `Date`, and the self-check `POST /v3/security/echo` with an encrypted field).
//!
//! Exits 0 only when no check fails; a skipped check (a setting not given) fails nothing.
//! Otherwise the exit code is that of the first failed check's kind (2 configuration, 3 API,
//! 4 verification, 5 transport).

use std::ffi::OsString;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use wechatpay_core::security::SecurityEcho;
use wechatpay_core::{
    ApiV3Key, CertificateSerial, Client, Host, MchId, MerchantCertificate, MerchantCredentials,
    MerchantKey, Nonce, PlatformKeyKind, PlatformKeys, PublicKeyId, Untrusted, WECHATPAY_SERIAL,
    WECHATPAY_TIMESTAMP,
};

use crate::config::{
    API_V3_KEY, ApiV3, Connection, Format, MCHID, MERCHANT_CERT, Merchant, Output, PLATFORM_CERTS,
    PRIVATE_KEY, PUBLIC_KEY, PUBLIC_KEY_ID, Platform, SERIAL_NO, Setting, not_set,
};
use crate::failure::{self, Failure, Kind};
use crate::keyfile::{self, KeyFile};
use crate::progress::Activity;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    merchant: Merchant,
    /// The merchant API certificate (apiclient_cert.pem), to check the private key and the
    /// serial against: a path, or the PEM itself.
    #[arg(
        long,
        env = "WECHATPAY_MERCHANT_CERT",
        value_name = "PATH|PEM",
        help_heading = "Merchant"
    )]
    merchant_cert: Option<OsString>,
    #[command(flatten)]
    platform: Platform,
    #[command(flatten)]
    key: ApiV3,
    #[command(flatten)]
    connection: Connection,
    /// Run the offline checks only: nothing is sent.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    format: Format,
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Fail,
    /// Not run: the setting it checks is not given, or a check it depends on failed.
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Fail => "FAIL",
            Status::Skipped => "skipped",
        }
    }
}

/// One line of the report.
#[derive(Debug)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    /// What to do, for a failed check.
    fix: Option<String>,
    /// The kind of failure, which the exit code follows.
    kind: Kind,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
            kind: Kind::Usage,
        }
    }

    fn skipped(name: &'static str, why: impl Into<String>) -> Self {
        Check {
            status: Status::Skipped,
            ..Check::ok(name, why)
        }
    }

    fn fail(name: &'static str, failure: Failure) -> Self {
        Check {
            name,
            status: Status::Fail,
            detail: failure.message,
            fix: Some(failure.next),
            kind: failure.kind,
        }
    }

    /// The line printed for people; text from settings and answers cannot drive the terminal.
    fn line(&self) -> String {
        let mut line = format!(
            "{:<8}{}: {}",
            self.status.as_str(),
            self.name,
            Untrusted(&self.detail)
        );
        if let Some(fix) = &self.fix {
            line.push_str(&format!("; fix: {}", Untrusted(fix)));
        }
        line
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "check": self.name,
            "status": match self.status {
                Status::Ok => "ok",
                Status::Fail => "fail",
                Status::Skipped => "skipped",
            },
            "detail": self.detail,
            "fix": self.fix,
        })
    }
}

/// The settings the offline checks could read, for the online ones.
struct Parsed {
    credentials: Option<MerchantCredentials>,
    platform: Option<PlatformSource>,
}

/// Where the platform keys come from.
enum PlatformSource {
    /// Given: a public key, certificates, or both.
    Keys(Box<PlatformKeys>),
    /// None given: the certificates are downloaded with the APIv3 key (certificate mode).
    Download(ApiV3Key),
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let now = super::unix_now();
    let mut checks = Vec::new();
    let parsed = offline(&args, now, &mut checks);
    online(&args, parsed, &mut checks).await;
    report(&checks, args.output())
}

/// Prints the checks; a failure names the failed ones and carries the first one's kind.
fn report(checks: &[Check], output: Output) -> Result<(), Failure> {
    match output {
        Output::Json => super::emit(
            &serde_json::Value::Array(checks.iter().map(Check::json).collect()).to_string(),
        ),
        Output::Text => {
            for check in checks {
                super::emit(&check.line());
            }
        }
    }
    let failed: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    let names: Vec<&str> = failed.iter().map(|c| c.name).collect();
    Err(Failure::new(
        first.kind,
        format!(
            "{} of {} checks failed: {}",
            failed.len(),
            checks.len(),
            names.join(", ")
        ),
        "do what each failed check says, then run `wechatpay doctor` again",
    ))
}

/// A Unix time as HTTP writes dates (`Sun, 01 Jan 2034 00:00:00 GMT`).
fn date(seconds: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Every check that needs no network, in the order a configuration is best fixed in.
fn offline(args: &Args, now: u64, checks: &mut Vec<Check>) -> Parsed {
    let mchid = check_value(checks, "mchid", args.merchant.mchid(), MCHID, MchId::new);
    let serial_no = check_value(
        checks,
        "serial_no",
        args.merchant.serial_no(),
        SERIAL_NO,
        CertificateSerial::new,
    );
    let key = match args.merchant.private_key_pem() {
        None => fail(checks, "private key", not_set(PRIVATE_KEY)),
        Some(pem) => match pem.and_then(|pem| Ok(MerchantKey::from_pem(&pem)?)) {
            Ok(key) => {
                checks.push(Check::ok("private key", "an RSA private key; not shown"));
                Some(key)
            }
            Err(failure) => fail(checks, "private key", failure),
        },
    };
    check_merchant_certificate(args, now, key.as_ref(), serial_no.as_ref(), checks);
    let platform = check_platform_keys(args, now, checks);
    let apiv3_key = check_apiv3_key(&args.key, checks);
    let credentials = match (mchid, serial_no, key) {
        (Some(mchid), Some(serial_no), Some(key)) => {
            Some(MerchantCredentials::with_key(mchid, serial_no, key))
        }
        _ => None,
    };
    let platform = match platform {
        PlatformKeysGiven::Keys(keys) => Some(PlatformSource::Keys(keys)),
        PlatformKeysGiven::Invalid => None,
        PlatformKeysGiven::None => apiv3_key.map(PlatformSource::Download),
    };
    Parsed {
        credentials,
        platform,
    }
}

/// What the platform key settings hold.
enum PlatformKeysGiven {
    /// Keys, every one of which parsed.
    Keys(Box<PlatformKeys>),
    /// Keys, some of which did not parse.
    Invalid,
    /// None at all.
    None,
}

/// Checks an identifier given as `setting` with `parse`: the core's message says which other
/// kind of identifier a value looks like.
fn check_value<T>(
    checks: &mut Vec<Check>,
    name: &'static str,
    value: Option<&str>,
    setting: Setting,
    parse: fn(&str) -> Result<T, wechatpay_core::Error>,
) -> Option<T> {
    let Some(text) = value else {
        return fail(checks, name, not_set(setting));
    };
    match parse(text) {
        Ok(parsed) => {
            checks.push(Check::ok(name, text));
            Some(parsed)
        }
        Err(error) => fail(checks, name, error.into()),
    }
}

fn fail<T>(checks: &mut Vec<Check>, name: &'static str, failure: Failure) -> Option<T> {
    checks.push(Check::fail(name, failure));
    None
}

/// The merchant certificate parses and is valid now; the private key and `--serial-no` are
/// its.
fn check_merchant_certificate(
    args: &Args,
    now: u64,
    key: Option<&MerchantKey>,
    serial_no: Option<&CertificateSerial>,
    checks: &mut Vec<Check>,
) {
    const NAME: &str = "merchant certificate";
    const KEY: &str = "private key is the certificate's";
    const SERIAL: &str = "serial_no is the certificate's";
    let Some(value) = &args.merchant_cert else {
        let why =
            format!("{MERCHANT_CERT} not given (apiclient_cert.pem checks the key and the serial)");
        checks.push(Check::skipped(NAME, why.clone()));
        checks.push(Check::skipped(KEY, why.clone()));
        checks.push(Check::skipped(SERIAL, why));
        return;
    };
    let certificate = keyfile::load(value, KeyFile::MerchantCertificate)
        .and_then(|pem| Ok(MerchantCertificate::from_pem(&pem)?));
    let certificate = match certificate {
        Ok(certificate) => certificate,
        Err(failure) => {
            checks.push(Check::fail(NAME, failure));
            let why = "the merchant certificate did not parse";
            checks.push(Check::skipped(KEY, why));
            checks.push(Check::skipped(SERIAL, why));
            return;
        }
    };
    let valid = format!(
        "serial {}, valid from {} to {}",
        certificate.serial(),
        date(certificate.not_before()),
        date(certificate.not_after())
    );
    checks.push(if certificate.is_valid_at(now) {
        Check::ok(NAME, valid)
    } else {
        Check::fail(
            NAME,
            Failure::usage(
                format!("{valid}: not valid now ({})", date(now)),
                "apply for a new merchant API certificate in the merchant portal (API security), \
                 then update --merchant-cert, --private-key and --serial-no",
            ),
        )
    });
    checks.push(match key {
        None => Check::skipped(KEY, "the private key did not parse"),
        Some(key) if certificate.is_certificate_of(key) => {
            Check::ok(KEY, "the certificate holds the private key's public half")
        }
        Some(_) => Check::fail(
            KEY,
            Failure::usage(
                format!(
                    "{PRIVATE_KEY} is not the key of {MERCHANT_CERT}: their public keys differ"
                ),
                "pass the apiclient_key.pem generated together with this apiclient_cert.pem",
            ),
        ),
    });
    checks.push(match serial_no {
        None => Check::skipped(SERIAL, "serial_no did not parse"),
        Some(serial_no) => match certificate.check_serial(serial_no.as_str()) {
            Ok(()) => Check::ok(SERIAL, serial_no.as_str()),
            Err(error) => {
                let mut failure = Failure::from(error);
                failure.next = format!(
                    "set {SERIAL_NO} to {}, the serial of the certificate that goes with the key",
                    certificate.serial()
                );
                Check::fail(SERIAL, failure)
            }
        },
    });
}

/// The platform's keys: the public key and its id, the certificates (each valid now).
fn check_platform_keys(args: &Args, now: u64, checks: &mut Vec<Check>) -> PlatformKeysGiven {
    const ID: &str = "platform public key id";
    const KEY: &str = "platform public key";
    const CERTS: &str = "platform certificates";
    let platform = &args.platform;
    let mut keys = PlatformKeys::new();
    let mut complete = true;
    let public_key_pem = platform.public_key_pem();
    let certificate_pems: Vec<_> = platform.certificate_pems().collect();
    if platform.is_empty() {
        checks.push(if args.key.is_set() {
            Check::skipped(
                "platform keys",
                format!("none given: certificate mode, downloaded with {API_V3_KEY} below"),
            )
        } else {
            Check::fail(
                "platform keys",
                Failure::usage(
                    "no platform key is configured",
                    format!(
                        "pass {PUBLIC_KEY_ID} and {PUBLIC_KEY} (public key mode, every merchant \
                         since late 2024), or {PLATFORM_CERTS} or {API_V3_KEY} to download them \
                         (certificate mode)"
                    ),
                ),
            )
        });
        return PlatformKeysGiven::None;
    }
    if platform.public_key_id().is_none() && public_key_pem.is_none() {
        checks.push(Check::skipped(ID, "certificate mode: no public key given"));
        checks.push(Check::skipped(KEY, "certificate mode: no public key given"));
    } else {
        let id = check_value(
            checks,
            ID,
            platform.public_key_id(),
            PUBLIC_KEY_ID,
            PublicKeyId::new,
        );
        let added = match public_key_pem {
            None => fail(checks, KEY, not_set(PUBLIC_KEY)),
            // The PEM is checked under a stand-in id when the id is wrong, so that one run
            // names both mistakes.
            Some(pem) => match pem.and_then(|pem| {
                let id = id.as_ref().map_or("PUB_KEY_ID_0", PublicKeyId::as_str);
                Ok(keys.add_public_key(id, &pem).map(drop)?)
            }) {
                Ok(()) => {
                    checks.push(Check::ok(KEY, "an RSA public key"));
                    Some(())
                }
                Err(failure) => fail(checks, KEY, failure),
            },
        };
        if id.is_none() || added.is_none() {
            complete = false;
        }
    }
    if certificate_pems.is_empty() {
        checks.push(Check::skipped(CERTS, format!("{PLATFORM_CERTS} not given")));
    } else {
        let mut serials = Vec::new();
        let mut failure = None;
        for pem in certificate_pems {
            match pem.and_then(|pem| Ok(keys.add_certificates(&pem)?)) {
                Ok(added) => serials.extend(added),
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        let described: Vec<String> = serials
            .iter()
            .filter_map(|serial| keys.get(serial))
            .map(|key| match key.kind() {
                PlatformKeyKind::Certificate { not_after, .. } => {
                    format!("{} (valid until {})", key.serial(), date(not_after))
                }
                _ => key.serial().to_owned(),
            })
            .collect();
        let invalid: Vec<&str> = serials
            .iter()
            .filter_map(|serial| keys.get(serial))
            .filter(|key| !key.is_valid_at(now))
            .map(|key| key.serial())
            .collect();
        let check = match failure {
            Some(failure) => Check::fail(CERTS, failure),
            None if !invalid.is_empty() => Check::fail(
                CERTS,
                Failure::usage(
                    format!("not valid now ({}): {}", date(now), invalid.join(", ")),
                    "download the current platform certificates (`wechatpay certificates --save DIR`) \
                     and pass those, or move to the WeChat Pay public key",
                ),
            ),
            None => Check::ok(CERTS, described.join(", ")),
        };
        if check.status == Status::Fail {
            complete = false;
        }
        checks.push(check);
    }
    if complete {
        PlatformKeysGiven::Keys(Box::new(keys))
    } else {
        PlatformKeysGiven::Invalid
    }
}

fn check_apiv3_key(key: &ApiV3, checks: &mut Vec<Check>) -> Option<ApiV3Key> {
    const NAME: &str = "APIv3 key";
    if !key.is_set() {
        checks.push(Check::skipped(
            NAME,
            "--apiv3-key not given (callbacks and certificate downloads need it)",
        ));
        return None;
    }
    // Its length only: the key is a secret, never shown.
    match key.key() {
        Ok(key) => {
            checks.push(Check::ok(NAME, "32 bytes; not shown"));
            Some(key)
        }
        Err(failure) => fail(checks, NAME, failure),
    }
}

const DOWNLOAD: &str = "certificate download";
const CLOCK: &str = "clock";
const ECHO: &str = "echo";
const ENCRYPTION: &str = "encrypted field";

/// The online checks, in order: each line is there whether it ran or not.
const ONLINE: [&str; 4] = [DOWNLOAD, CLOCK, ECHO, ENCRYPTION];

/// Ends the online checks: `failed` fails, every online check not yet reported is skipped
/// for `why`, in their order.
fn stop(checks: &mut Vec<Check>, failed: Option<(&'static str, Failure)>, why: &str) {
    let mut failed = failed;
    for name in ONLINE {
        if checks.iter().any(|check| check.name == name) {
            continue;
        }
        match failed.take_if(|(failing, _)| *failing == name) {
            Some((_, failure)) => checks.push(Check::fail(name, failure)),
            None => checks.push(Check::skipped(name, why)),
        }
    }
}

/// The certificate download (certificate mode without saved certificates), the clock against
/// the server's, and the self-check: skipped with `--offline` or when the settings they need
/// did not parse.
async fn online(args: &Args, parsed: Parsed, checks: &mut Vec<Check>) {
    if args.offline {
        return stop(checks, None, "--offline");
    }
    let (Some(credentials), Some(platform)) = (parsed.credentials, parsed.platform) else {
        return stop(
            checks,
            None,
            "needs the merchant and platform settings: fix them first",
        );
    };
    let base_url = args.connection.base.url();
    let http = match platform {
        PlatformSource::Keys(keys) => {
            checks.push(Check::skipped(DOWNLOAD, "platform keys given"));
            Client::new(credentials, *keys)
                .map_err(Failure::from)
                .and_then(|client| args.connection.http(client))
        }
        PlatformSource::Download(key) => args
            .connection
            .with_certificates(credentials, &key)
            .await
            .map(|(http, certificates)| {
                let listed: Vec<String> = certificates
                    .iter()
                    .map(|c| format!("{} (valid until {})", c.serial(), date(c.not_after())))
                    .collect();
                checks.push(Check::ok(
                    DOWNLOAD,
                    format!("verified and decrypted: {}", listed.join(", ")),
                ));
                http
            }),
    };
    let http = match http {
        Ok(http) => http,
        Err(failure) => {
            let failed = if checks.iter().any(|c| c.name == DOWNLOAD) {
                ECHO
            } else {
                DOWNLOAD
            };
            return stop(checks, Some((failed, failure)), "no client");
        }
    };
    let mut rng = super::rng();
    let sent_at = super::unix_now();
    // A fresh message each run, so that an answer cannot be an old one replayed.
    let echo = SecurityEcho::new(format!("wechatpay doctor {sent_at}")).and_then(|echo| {
        echo.with_encrypted_message(format!("doctor-{}", Nonce::generate(&mut rng).as_str()))
    });
    let request = echo.and_then(|echo| {
        let core = http.core();
        let nonce = Nonce::generate(&mut rng);
        core.prepare(&echo, Host::Primary, sent_at, &nonce, &mut rng)
            .map(|request| (echo, request))
    });
    let (echo, request) = match request {
        Ok(prepared) => prepared,
        Err(error) => {
            return stop(
                checks,
                Some((ECHO, error.into())),
                "the request could not be built",
            );
        }
    };
    // The key the field is encrypted to, which the request names.
    let named = request
        .headers()
        .get(WECHATPAY_SERIAL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = {
        let _activity = Activity::start("POST /v3/security/echo");
        http.send(request).await
    };
    let response = match response {
        Ok(response) => response,
        Err(error) => {
            let failure = failure::from_call(error, base_url);
            return stop(checks, Some((ECHO, failure)), "no answer");
        }
    };
    let received_at = super::unix_now();
    checks.push(check_clock(
        response.headers(),
        received_at,
        args.connection.max_skew(),
    ));
    let answer = match http.core().parse(&echo, &response, received_at) {
        Ok(answer) => answer,
        Err(error) => {
            let failure = failure::from_core(error, base_url);
            return stop(checks, Some((ECHO, failure)), "the echo failed");
        }
    };
    let signer = response
        .headers()
        .get(WECHATPAY_SERIAL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if answer.echo_message != echo.echo_message() {
        checks.push(Check::fail(
            ECHO,
            Failure::new(
                Kind::Decode,
                format!(
                    "the platform echoed {:?}, not {:?}",
                    answer.echo_message,
                    echo.echo_message()
                ),
                format!("check that --base-url ({base_url}) points at WeChat Pay"),
            ),
        ));
    } else {
        checks.push(Check::ok(
            ECHO,
            format!("signature accepted, answer verified with {signer}, message echoed"),
        ));
    }
    checks.push(check_encryption(
        http.core().credentials(),
        &echo,
        &named,
        answer.encrypted_echo_message.as_ref(),
        &mut rng,
    ));
}

/// The server's `Date` (or, without one, the answer's `Wechatpay-Timestamp`) against this
/// machine's clock.
fn check_clock(headers: &http::HeaderMap, now: u64, max_skew: u64) -> Check {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let from_date = header(http::header::DATE.as_str())
        .and_then(|text| httpdate::parse_http_date(text).ok())
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map(|d| (d.as_secs(), "Date"));
    let server = from_date.or_else(|| {
        header(WECHATPAY_TIMESTAMP)
            .and_then(|text| text.parse::<u64>().ok())
            .map(|seconds| (seconds, WECHATPAY_TIMESTAMP))
    });
    let Some((server, source)) = server else {
        return Check::skipped(
            CLOCK,
            "the answer carries neither Date nor Wechatpay-Timestamp",
        );
    };
    let skew = server.abs_diff(now);
    let offset = match now.cmp(&server) {
        std::cmp::Ordering::Equal => "agrees with".to_owned(),
        std::cmp::Ordering::Greater => format!("is {skew} s ahead of"),
        std::cmp::Ordering::Less => format!("is {skew} s behind"),
    };
    let detail = format!(
        "this clock {offset} the server's {source} {} (allowed {max_skew} s)",
        date(server)
    );
    if skew <= max_skew {
        Check::ok(CLOCK, detail)
    } else {
        Check::fail(
            CLOCK,
            Failure::new(
                Kind::Verification,
                detail,
                "synchronise this machine's clock (NTP); WeChat Pay refuses requests more than 5 \
                 minutes off",
            ),
        )
    }
}

/// The encrypted field came back encrypted to the merchant certificate, and decrypts to what
/// was sent.
fn check_encryption(
    credentials: &MerchantCredentials,
    echo: &SecurityEcho,
    named: &str,
    field: Option<&wechatpay_core::EncryptedField>,
    rng: &mut impl rand_core::CryptoRng,
) -> Check {
    let Some(field) = field else {
        return Check::fail(
            ENCRYPTION,
            Failure::new(
                Kind::Decode,
                "the answer holds no encrypted_echo_message",
                "check that --base-url points at WeChat Pay",
            ),
        );
    };
    match credentials.decrypt(field, rng) {
        Ok(plaintext) if Some(&plaintext) == echo.encrypted_message() => Check::ok(
            ENCRYPTION,
            format!(
                "sent encrypted to {named}, answered encrypted to the merchant certificate, \
                 decrypted to what was sent"
            ),
        ),
        Ok(_) => Check::fail(
            ENCRYPTION,
            Failure::new(
                Kind::Verification,
                "the field decrypted to another text than the one sent",
                "check that --base-url points at WeChat Pay",
            ),
        ),
        Err(error) => Check::fail(
            ENCRYPTION,
            Failure::new(
                Kind::Verification,
                Untrusted(&error.to_string()).to_string(),
                format!(
                    "the platform encrypts to the merchant certificate it holds for {SERIAL_NO}: \
                     {PRIVATE_KEY} is not that certificate's key"
                ),
            ),
        ),
    }
}
