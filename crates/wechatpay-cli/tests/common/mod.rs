//! What the tests of the `wechatpay` binary share: the fixture files, a loopback mock platform,
//! the binary configured through the environment as a user configures it, and servers that are
//! not WeChat Pay.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer, PlatformMode};

/// A file of the core's test data (vectors).
pub fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../wechatpay-core/testdata")
        .join(path)
}

/// A file of `wechatpay-fixtures`, for the settings that take a path.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../wechatpay-fixtures")
        .join(path)
}

/// A mock platform in public key mode, on loopback.
pub fn mock() -> (Arc<MockPlatform>, MockServer) {
    mock_in(PlatformMode::PublicKey)
}

/// A mock platform in `mode`, on loopback.
pub fn mock_in(mode: PlatformMode) -> (Arc<MockPlatform>, MockServer) {
    let platform = Arc::new(
        MockPlatform::new(MockKeys::fixtures(), &mut ChaCha20Rng::from_seed([9; 32]))
            .unwrap()
            .with_mode(mode)
            .unwrap(),
    );
    let server = MockServer::start(platform.clone()).unwrap();
    (platform, server)
}

/// The binary with the fixture merchant configured through the environment, as a user would.
pub fn wechatpay(server: Option<&MockServer>) -> Command {
    configured(Command::new(env!("CARGO_BIN_EXE_wechatpay")), server)
}

/// `command` with only the fixture merchant's settings in its environment.
pub fn configured(mut command: Command, server: Option<&MockServer>) -> Command {
    let keys = MockKeys::fixtures();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WECHATPAY_MCHID", &keys.mchid)
        .env("WECHATPAY_SERIAL_NO", &keys.merchant_serial)
        .env("WECHATPAY_PRIVATE_KEY", fixture("keys/merchant_key.pem"))
        .env("WECHATPAY_PUBLIC_KEY_ID", &keys.platform_public_key_id)
        .env("WECHATPAY_PUBLIC_KEY", fixture("keys/platform_pub.pem"));
    if let Some(server) = server {
        command.env("WECHATPAY_BASE_URL", server.url());
    }
    command
}

pub fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A one-connection-at-a-time HTTP server that answers every request with `answer`, as a
/// proxy or a web server at a wrong --base-url does.
pub fn foreign_server(answer: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}
