//! `wechatpay mock [--port P] [--keys-dir DIR]`

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wechatpay_mock::records::seeded;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer};

use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1; 0 lets the system pick one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Where to write the merchant private key and the platform public key for the other
    /// commands (default: a new folder under the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    keys_dir: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let keys = MockKeys::fixtures();
    let platform = MockPlatform::new(keys.clone(), &mut super::rng()).map_err(|e| {
        Failure::usage(
            e.to_string(),
            "report this: the embedded test keys were refused",
        )
    })?;
    let server = MockServer::start_on(
        Arc::new(platform),
        SocketAddr::from(([127, 0, 0, 1], args.port)),
    )
    .map_err(|e| {
        Failure::usage(
            format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
            "pick another --port, or 0 for any free one",
        )
    })?;
    let dir = args.keys_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("wechatpay-mock-{}", server.addr().port()))
    });
    let private_key = write(&dir, "apiclient_key.pem", &keys.merchant_private_key_pem)?;
    let public_key = write(&dir, "pub_key.pem", &keys.platform_public_key_pem)?;

    println!("mock platform listening on {}", server.url());
    println!("settings for the other commands (test keys, never for production):");
    println!("  export WECHATPAY_BASE_URL={}", server.url());
    println!("  export WECHATPAY_MCHID={}", keys.mchid);
    println!("  export WECHATPAY_SERIAL_NO={}", keys.merchant_serial);
    println!("  export WECHATPAY_PRIVATE_KEY={}", private_key.display());
    println!(
        "  export WECHATPAY_PUBLIC_KEY_ID={}",
        keys.platform_public_key_id
    );
    println!("  export WECHATPAY_PUBLIC_KEY={}", public_key.display());
    println!(
        "applyments, one per state: {}",
        seeded::ALL.map(|no| format!("{no:?}")).join(", ")
    );
    println!(
        "contracts (appid {}): {}, {}",
        seeded::APPID,
        seeded::CONTRACT_AUTHORIZED,
        seeded::CONTRACT_UNAUTHORIZED
    );
    println!("Ctrl-C stops it.");

    tokio::signal::ctrl_c().await.map_err(|e| {
        Failure::usage(
            format!("cannot wait for Ctrl-C: {e}"),
            "run it in a terminal",
        )
    })?;
    let seen = server.platform().requests().len();
    server.stop();
    println!("stopped after {seen} request(s)");
    Ok(())
}

fn write(dir: &Path, name: &str, contents: &str) -> Result<PathBuf, Failure> {
    let path = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, contents))
        .map_err(|e| {
            Failure::usage(
                format!("cannot write {}: {e}", path.display()),
                "pass a writable --keys-dir",
            )
        })?;
    Ok(path)
}
