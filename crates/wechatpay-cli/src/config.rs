//! Settings from flags or environment variables (a flag wins), turned into the core's types.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
use wechatpay_hyper::HyperClient;

use crate::failure::Failure;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Text,
    /// The verified response body, as received.
    Json,
}

/// Where to find the merchant and the platform.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Merchant id.
    #[arg(long, env = "WECHATPAY_MCHID", global = true)]
    pub mchid: Option<String>,
    /// Serial number of the merchant API certificate.
    #[arg(long, env = "WECHATPAY_SERIAL_NO", global = true)]
    pub serial_no: Option<String>,
    /// Path to the merchant private key (apiclient_key.pem).
    #[arg(
        long,
        env = "WECHATPAY_PRIVATE_KEY",
        global = true,
        value_name = "PATH"
    )]
    pub private_key: Option<PathBuf>,
    /// WeChat Pay public key id (PUB_KEY_ID_...).
    #[arg(long, env = "WECHATPAY_PUBLIC_KEY_ID", global = true)]
    pub public_key_id: Option<String>,
    /// Path to the WeChat Pay public key (pub_key.pem).
    #[arg(long, env = "WECHATPAY_PUBLIC_KEY", global = true, value_name = "PATH")]
    pub public_key: Option<PathBuf>,
    /// Base URL of the platform (a mock platform, a forwarding proxy).
    #[arg(long, env = "WECHATPAY_BASE_URL", global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Largest accepted distance between an answer's timestamp and this clock, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value_t = wechatpay_core::DEFAULT_MAX_CLOCK_SKEW)]
    pub max_skew: u64,
    /// Per-attempt timeout, in seconds.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

impl Settings {
    pub fn credentials(&self) -> Result<MerchantCredentials, Failure> {
        let mchid = required(&self.mchid, "--mchid", "WECHATPAY_MCHID")?;
        let serial_no = required(&self.serial_no, "--serial-no", "WECHATPAY_SERIAL_NO")?;
        let path = required(&self.private_key, "--private-key", "WECHATPAY_PRIVATE_KEY")?;
        let pem = read(path, "--private-key")?;
        Ok(MerchantCredentials::new(mchid, serial_no, &pem)?)
    }

    pub fn platform_keys(&self) -> Result<PlatformKeys, Failure> {
        let id = required(
            &self.public_key_id,
            "--public-key-id",
            "WECHATPAY_PUBLIC_KEY_ID",
        )?;
        let path = required(&self.public_key, "--public-key", "WECHATPAY_PUBLIC_KEY")?;
        let pem = read(path, "--public-key")?;
        let mut keys = PlatformKeys::new();
        keys.add_public_key(id, &pem)?;
        Ok(keys)
    }

    pub fn client(&self) -> Result<Client, Failure> {
        let mut client = Client::new(self.credentials()?, self.platform_keys()?)?
            .with_max_clock_skew(self.max_skew);
        if let Some(base_url) = &self.base_url {
            // A custom host (mock, proxy) has no backup twin.
            client = client.with_base_url(base_url)?.with_backup_url(None)?;
        }
        Ok(client)
    }

    pub fn http(&self) -> Result<HyperClient, Failure> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(Failure::usage(
                format!(
                    "--timeout {} is not a positive number of seconds",
                    self.timeout
                ),
                "pass --timeout SECS, such as 10",
            ));
        }
        Ok(HyperClient::new(self.client()?)?.with_timeout(Duration::from_secs_f64(self.timeout)))
    }
}

fn required<'a, T>(value: &'a Option<T>, flag: &str, variable: &str) -> Result<&'a T, Failure> {
    value.as_ref().ok_or_else(|| {
        Failure::usage(
            format!("{flag} is not set"),
            format!("pass {flag} or set {variable}"),
        )
    })
}

pub fn read(path: &Path, flag: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(
            format!("cannot read {} ({flag}): {e}", path.display()),
            format!("point {flag} at a readable PEM file"),
        )
    })
}
