//! `wechatpay mock [--port P] [--mode public-key|certificate] [--backup] [--control] [--keys-dir DIR]
//! [--load-state FILE] [--save-state FILE] [--schedule on-control|every-query]
//! [--redirect-callbacks ORIGIN] [--merchant-notify-url URL]`

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wechatpay_mock::records::seeded;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer, PlatformMode, Schedule};

use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1; 0 lets the system pick one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// How the platform signs: `public-key` (merchants opened since late 2024), or
    /// `certificate` (platform certificates, listed by GET /v3/certificates; the settings
    /// printed then leave the platform key out, so the other commands download them).
    #[arg(long, default_value_t = PlatformMode::PublicKey)]
    mode: PlatformMode,
    /// Also serve the same platform on a second port, as the backup host (api2), for
    /// failover tests; both share one request log and one fault queue.
    #[arg(long)]
    backup: bool,
    /// Answer the control routes under /mock/ too (inject faults, list the requests seen),
    /// for tests that reach the platform only over HTTP. They need no signature.
    #[arg(long)]
    control: bool,
    /// Where to write the merchant private key and the platform public key for the other
    /// commands (default: a new private folder under the system's temporary directory,
    /// removed when the mock stops).
    #[arg(long, value_name = "DIR")]
    keys_dir: Option<PathBuf>,
    /// Start from this saved state (JSON, as --save-state or GET /mock/state writes it): a
    /// prepared world of applyments, orders and money for integration tests.
    #[arg(long, value_name = "FILE")]
    load_state: Option<PathBuf>,
    /// Write the platform's state (JSON) to this file when the mock stops.
    #[arg(long, value_name = "FILE")]
    save_state: Option<PathBuf>,
    /// When records move by themselves: `on-control` (only when POST /mock/advance asks,
    /// with --control) or `every-query` (one step each time a record is queried, so that a
    /// client polling an applyment sees it reach FINISH).
    #[arg(long, default_value_t = Schedule::OnControl)]
    schedule: Schedule,
    /// Deliver callbacks meant for https:// notify URLs to this http:// origin instead
    /// (http://127.0.0.1:8080), path and query kept: your public notify URL in the requests,
    /// your local server receiving.
    #[arg(long, value_name = "ORIGIN")]
    redirect_callbacks: Option<String>,
    /// The notify URL set in the merchant platform, where profit sharing's callbacks go (its
    /// requests name none).
    #[arg(long, value_name = "URL")]
    merchant_notify_url: Option<String>,
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let keys = MockKeys::fixtures();
    let platform = MockPlatform::new(keys.clone(), &mut super::rng()).map_err(|e| {
        Failure::usage(
            e.to_string(),
            "report this: the embedded test keys were refused",
        )
    })?;
    let platform = platform.with_mode(args.mode).map_err(|e| {
        Failure::usage(
            e.to_string(),
            "report this: the embedded test keys have a platform certificate",
        )
    })?;
    if let Some(path) = &args.load_state {
        load(&platform, path)?;
    }
    platform.set_schedule(args.schedule);
    platform
        .redirect_callbacks(args.redirect_callbacks.as_deref())
        .map_err(|e| Failure::usage(e.to_string(), "pass --redirect-callbacks http://HOST:PORT"))?;
    platform
        .set_merchant_notify_url(args.merchant_notify_url.as_deref())
        .map_err(|e| Failure::usage(e.to_string(), "pass --merchant-notify-url https://…"))?;
    let platform = Arc::new(platform);
    let server = listen(&platform, args.port, args.control)?;
    let backup = if args.backup {
        Some(listen(&platform, 0, args.control)?)
    } else {
        None
    };
    // A fresh folder with a random name, readable by this user only: a predictable name
    // would let another local user create it first, or plant a symlink in it. It lives until
    // the mock stops.
    let fresh;
    let dir = match &args.keys_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                Failure::usage(
                    format!("cannot create {}: {e}", dir.display()),
                    "pass a writable --keys-dir",
                )
            })?;
            dir.as_path()
        }
        None => {
            let mut builder = tempfile::Builder::new();
            builder.prefix("wechatpay-mock-");
            // tempfile leaves a folder's mode to the umask; this one holds a private key.
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
            fresh = builder.tempdir().map_err(|e| {
                Failure::usage(
                    format!("cannot create a folder for the keys: {e}"),
                    "pass a writable --keys-dir, or set TMPDIR",
                )
            })?;
            fresh.path()
        }
    };
    let private_key = write(dir, "apiclient_key.pem", &keys.merchant_private_key_pem)?;
    let public_key = write(dir, "pub_key.pem", &keys.platform_public_key_pem)?;

    println!("mock platform listening on {}", server.url());
    if let Some(backup) = &backup {
        println!("backup host listening on {}", backup.url());
    }
    println!("mode: {}; records move: {}", args.mode, args.schedule);
    if args.control {
        println!(
            "control routes: POST|DELETE {url}/mock/faults, GET|DELETE {url}/mock/requests, \
             POST|GET|DELETE {url}/mock/notifications, POST {url}/mock/mode, \
             GET|POST {url}/mock/certificates, DELETE {url}/mock/certificates/SERIAL, \
             GET|PUT {url}/mock/state, POST {url}/mock/advance, POST {url}/mock/schedule, \
             POST {url}/mock/callbacks",
            url = server.url()
        );
    }
    println!("settings for the other commands (test keys, never for production):");
    println!("  export WECHATPAY_BASE_URL={}", server.url());
    println!("  export WECHATPAY_MCHID={}", keys.mchid);
    println!("  export WECHATPAY_SERIAL_NO={}", keys.merchant_serial);
    println!("  export WECHATPAY_PRIVATE_KEY={}", private_key.display());
    // In certificate mode the platform key is left out: the commands download the
    // certificates with the APIv3 key, as a merchant in that mode does.
    if args.mode == PlatformMode::PublicKey {
        println!(
            "  export WECHATPAY_PUBLIC_KEY_ID={}",
            keys.platform_public_key_id
        );
        println!("  export WECHATPAY_PUBLIC_KEY={}", public_key.display());
    }
    println!("  export WECHATPAY_APIV3_KEY={}", keys.api_v3_key);
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
    // Listening before saying so: a Ctrl-C right after the line stops the mock cleanly (its
    // state saved) rather than killing it.
    let interrupted = ctrl_c().map_err(|e| {
        Failure::usage(
            format!("cannot wait for Ctrl-C: {e}"),
            "run it in a terminal",
        )
    })?;
    println!("Ctrl-C stops it.");
    interrupted.await;
    let seen = platform.requests().len();
    server.stop();
    if let Some(backup) = backup {
        backup.stop();
    }
    if let Some(path) = &args.save_state {
        save(&platform, path)?;
        println!("state saved to {}", path.display());
    }
    println!("stopped after {seen} request(s)");
    Ok(())
}

/// Ctrl-C, listened for from this call on (on Unix the handler is installed at once; tokio's
/// `ctrl_c` installs it only when first polled).
#[cfg(unix)]
fn ctrl_c() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        interrupt.recv().await;
    })
}

/// Ctrl-C (elsewhere than Unix: as tokio listens for it).
#[cfg(not(unix))]
fn ctrl_c() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Loads saved state from `path` into `platform`.
fn load(platform: &MockPlatform, path: &Path) -> Result<(), Failure> {
    let text = std::fs::read(path).map_err(|e| {
        Failure::usage(
            format!("cannot read {}: {e}", path.display()),
            "pass a file --save-state or GET /mock/state wrote",
        )
    })?;
    let state: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        Failure::usage(
            format!("{} is not JSON: {e}", path.display()),
            "pass a file --save-state or GET /mock/state wrote",
        )
    })?;
    platform.load_state(&state).map_err(|e| {
        Failure::usage(
            format!("{}: {e}", path.display()),
            "fix the file, or start from a state --save-state wrote",
        )
    })
}

/// Writes `platform`'s state to `path`, replacing the file.
fn save(platform: &MockPlatform, path: &Path) -> Result<(), Failure> {
    let text = serde_json::to_vec_pretty(&platform.save_state()).unwrap_or_default();
    std::fs::write(path, text).map_err(|e| {
        Failure::usage(
            format!("cannot write {}: {e}", path.display()),
            "pass a writable --save-state path",
        )
    })
}

fn listen(platform: &Arc<MockPlatform>, port: u16, control: bool) -> Result<MockServer, Failure> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = if control {
        MockServer::start_with_control(platform.clone(), addr)
    } else {
        MockServer::start_on(platform.clone(), addr)
    };
    started.map_err(|e| {
        Failure::usage(
            format!("cannot listen on 127.0.0.1:{port}: {e}"),
            "pick another --port, or 0 for any free one",
        )
    })
}

/// Writes a new file readable by this user only. Whatever stood at its name before (an old
/// key, a symlink planted there) is removed first, not followed: the file is created anew.
fn write(dir: &Path, name: &str, contents: &str) -> Result<PathBuf, Failure> {
    use std::io::Write;
    let path = dir.join(name);
    let written = (|| {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path)?.write_all(contents.as_bytes())
    })();
    written.map_err(|e| {
        Failure::usage(
            format!("cannot write {}: {e}", path.display()),
            "pass a writable --keys-dir",
        )
    })?;
    Ok(path)
}
