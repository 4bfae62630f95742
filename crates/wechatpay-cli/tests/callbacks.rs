//! `wechatpay notify` and `wechatpay trigger`, driven as a user drives them: callbacks sent by
//! the mock to an endpoint the test runs on loopback, and saved callbacks checked by hand.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::{run, testdata};
use serde_json::Value;
use wechatpay_core::{ApiV3Key, Event};
use wechatpay_mock::MockKeys;

const API_V3_KEY: &str = "Wechatpay0Test0ApiV3Key000000001";
/// A valid key, but not the merchant's: it must never show in any output either.
const OTHER_KEY: &str = "Other0ApiV3Key0000000000SECRET02";

/// The binary with only the platform key and the APIv3 key set, as `notify` needs.
fn wechatpay() -> Command {
    let keys = MockKeys::fixtures();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WECHATPAY_PUBLIC_KEY_ID", &keys.platform_public_key_id)
        .env(
            "WECHATPAY_PUBLIC_KEY",
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../wechatpay-fixtures/keys/platform_pub.pem"),
        )
        .env("WECHATPAY_APIV3_KEY", API_V3_KEY);
    command
}

/// `wechatpay notify` for a saved callback.
fn notify(headers: &http::HeaderMap, body_file: &std::path::Path) -> Command {
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let mut command = wechatpay();
    command
        .arg("notify")
        .arg("--body-file")
        .arg(body_file)
        .args(["--timestamp", &header("wechatpay-timestamp")])
        .args(["--nonce", &header("wechatpay-nonce")])
        .args(["--signature", &header("wechatpay-signature")])
        .args(["--serial", &header("wechatpay-serial")]);
    command
}

/// The headers of a notification vector's signature (`verify/callback_<case>`).
fn vector_headers(case: &str) -> http::HeaderMap {
    let input: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata(&format!(
            "vectors/verify/callback_{case}/input.json"
        )))
        .unwrap(),
    )
    .unwrap();
    let mut headers = http::HeaderMap::new();
    for (name, field) in [
        ("wechatpay-timestamp", "timestamp"),
        ("wechatpay-nonce", "nonce"),
        ("wechatpay-signature", "signature"),
        ("wechatpay-serial", "serial"),
    ] {
        headers.insert(name, input[field].as_str().unwrap().parse().unwrap());
    }
    headers
}

fn vector_cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(testdata("vectors/notification"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

fn never_shows_a_key(outputs: &[&str]) {
    for output in outputs {
        assert!(
            !output.contains(API_V3_KEY),
            "the APIv3 key printed: {output}"
        );
        assert!(!output.contains("SECRET"), "a key printed: {output}");
    }
}

#[test]
fn notify_prints_every_vector_decrypted_as_json() {
    let cases = vector_cases();
    assert_eq!(cases.len(), 7);
    for case in &cases {
        let body = testdata(&format!("vectors/notification/{case}/body"));
        let (code, stdout, stderr) =
            run(notify(&vector_headers(case), &body).args(["--now", "1700000030"]));
        assert_eq!(code, 0, "{case}: {stderr}");
        never_shows_a_key(&[&stdout, &stderr]);
        let printed: Value = serde_json::from_str(&stdout).unwrap();
        let envelope: Value = serde_json::from_slice(&std::fs::read(&body).unwrap()).unwrap();
        let plaintext: Value = serde_json::from_str(
            &std::fs::read_to_string(testdata(&format!("vectors/notification/{case}/plaintext")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(printed["resource"], plaintext, "{case}");
        assert_eq!(printed["id"], envelope["id"]);
        assert_eq!(printed["event_type"], envelope["event_type"]);
        assert_eq!(
            printed["original_type"],
            envelope["resource"]["original_type"]
        );
        assert!(stdout.contains("\n  \""), "text output is pretty-printed");
    }

    // --output json: one compact line; the key given as a flag instead.
    let case = "transaction_success";
    let body = testdata(&format!("vectors/notification/{case}/body"));
    let (code, stdout, _) = run(notify(&vector_headers(case), &body)
        .env_remove("WECHATPAY_APIV3_KEY")
        .args([
            "--apiv3-key",
            API_V3_KEY,
            "--now",
            "1700000000",
            "--output",
            "json",
        ]));
    assert_eq!(code, 0);
    assert_eq!(stdout.lines().count(), 1);
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["resource"]["amount"]["total"], 100);
}

#[test]
fn notify_exits_4_when_the_signature_the_clock_or_the_decryption_fails() {
    let case = "refund_success";
    let headers = vector_headers(case);
    let body = testdata(&format!("vectors/notification/{case}/body"));
    let dir = tempfile::tempdir().unwrap();

    // Altered in one byte.
    let mut altered = std::fs::read(&body).unwrap();
    altered[30] ^= 1;
    let altered_file = dir.path().join("altered");
    std::fs::write(&altered_file, &altered).unwrap();
    let (code, stdout, stderr) = run(notify(&headers, &altered_file).args(["--now", "1700000000"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("signature does not match"), "{stderr}");

    // Stale.
    let (code, _, stderr) = run(notify(&headers, &body).args(["--now", "1700000301"]));
    assert_eq!(code, 4);
    assert!(stderr.contains("from the local clock"), "{stderr}");

    // The platform's probe.
    let mut probe = headers.clone();
    probe.insert(
        "wechatpay-signature",
        "WECHATPAY/SIGNTEST/AAAA".parse().unwrap(),
    );
    let (code, _, stderr) = run(notify(&probe, &body).args(["--now", "1700000000"]));
    assert_eq!(code, 4);
    assert!(stderr.contains("probe"), "{stderr}");

    // Another APIv3 key.
    let (code, stdout, stderr) = run(notify(&headers, &body)
        .env("WECHATPAY_APIV3_KEY", OTHER_KEY)
        .args(["--now", "1700000000"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("decryption failed")
            && stderr.contains("--apiv3-key / WECHATPAY_APIV3_KEY"),
        "{stderr}"
    );
    never_shows_a_key(&[&stdout, &stderr]);

    // JSON errors say so too.
    let (code, _, stderr) = run(notify(&headers, &body)
        .env("WECHATPAY_APIV3_KEY", OTHER_KEY)
        .args(["--now", "1700000000", "--output", "json"]));
    assert_eq!(code, 4);
    let error: Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(error["error"]["kind"], "verification");
}

#[test]
fn notify_needs_the_apiv3_key_and_never_echoes_it() {
    let case = "refund_closed";
    let headers = vector_headers(case);
    let body = testdata(&format!("vectors/notification/{case}/body"));

    let (code, _, stderr) = run(notify(&headers, &body)
        .env_remove("WECHATPAY_APIV3_KEY")
        .env_remove("WECHATPAY_PUBLIC_KEY"));
    assert_eq!(code, 2);
    for named in [
        "--apiv3-key / WECHATPAY_APIV3_KEY",
        "--public-key / WECHATPAY_PUBLIC_KEY",
    ] {
        assert!(stderr.contains(named), "{named} missing from {stderr}");
    }

    let short = "SECRET-but-only-27-bytes-kk";
    let (code, stdout, stderr) = run(notify(&headers, &body)
        .env("WECHATPAY_APIV3_KEY", short)
        .args(["--now", "1700000000"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is 27 bytes") && stderr.contains("--apiv3-key"),
        "{stderr}"
    );
    never_shows_a_key(&[&stdout, &stderr]);

    let (code, help, _) = run(wechatpay().args(["notify", "--help"]));
    assert_eq!(code, 0);
    assert!(
        help.contains("--apiv3-key") && help.contains("WECHATPAY_APIV3_KEY"),
        "{help}"
    );
    never_shows_a_key(&[&help]);
}

/// One callback as the test's endpoint received it.
#[derive(Debug, Clone)]
struct Received {
    headers: http::HeaderMap,
    body: Vec<u8>,
}

/// A merchant endpoint on loopback answering each callback with the next status of `script`
/// (the last for ever after), `{"code":"FAIL",...}` on failures.
fn endpoint(script: &'static [u16]) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            let head_end = loop {
                if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break request.len(),
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            };
            let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
            let mut headers = http::HeaderMap::new();
            for line in head.lines().skip(1) {
                if let Some((name, value)) = line.split_once(": ") {
                    headers.append(
                        http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        value.parse().unwrap(),
                    );
                }
            }
            let length: usize = headers
                .get("content-length")
                .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
            while request.len() < head_end + length {
                match stream.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buffer[..n]),
                }
            }
            let body = request[head_end..].to_vec();
            let index = {
                let mut log = log.lock().unwrap();
                log.push(Received { headers, body });
                log.len() - 1
            };
            let status = script[index.min(script.len() - 1)];
            let answer = if status == 204 {
                "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_owned()
            } else {
                let body = r#"{"code":"FAIL","message":"库存服务不可用"}"#;
                format!(
                    "HTTP/1.1 {status} Failed\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, received)
}

#[test]
fn trigger_delivers_again_until_acknowledged_and_notify_reads_what_arrived() {
    let (url, received) = endpoint(&[500, 503, 204]);
    let (code, stdout, stderr) = run(wechatpay().args([
        "trigger",
        "TRANSACTION.SUCCESS",
        "--to",
        &url,
        "--compress",
        "1000",
        "--resource",
        r#"{"out_trade_no":"ORDER-9","amount":{"total":990}}"#,
    ]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("sending TRANSACTION.SUCCESS "),
        "{stdout}"
    );
    assert_eq!(lines[1], "attempt 1: HTTP 500 库存服务不可用; next in 15ms");
    assert_eq!(lines[2], "attempt 2: HTTP 503 库存服务不可用; next in 15ms");
    assert_eq!(lines[3], "attempt 3: HTTP 204");
    assert_eq!(lines[4], "delivered after 3 attempt(s)");

    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let keys = MockKeys::fixtures();
    let client = keys.client("http://127.0.0.1:1").unwrap();
    let key = ApiV3Key::new(&keys.api_v3_key).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let opened = client
        .open_notification(&received[2].headers, &received[2].body, now, &key)
        .unwrap();
    let Event::Transaction(paid) = opened.event else {
        panic!("{:?}", opened.event)
    };
    assert_eq!(
        (paid.out_trade_no.as_str(), paid.amount.total),
        ("ORDER-9", 990)
    );

    // The callback as saved by the endpoint, checked from the command line.
    let dir = tempfile::tempdir().unwrap();
    let body_file = dir.path().join("body.json");
    std::fs::write(&body_file, &received[2].body).unwrap();
    let (code, stdout, stderr) = run(&mut notify(&received[2].headers, &body_file));
    assert_eq!(code, 0, "{stderr}");
    let printed: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["resource"]["out_trade_no"], "ORDER-9");
    assert_eq!(printed["id"], opened.id.as_str());
}

#[test]
fn trigger_gives_up_as_the_schedule_says_and_exits_by_why() {
    let (url, received) = endpoint(&[500]);
    let (code, stdout, stderr) = run(wechatpay().args([
        "trigger",
        "REFUND.SUCCESS",
        "--to",
        &url,
        "--compress",
        "1000",
        "--attempts",
        "2",
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stdout.contains("attempt 2: HTTP 500 库存服务不可用; no attempt left"),
        "{stdout}"
    );
    assert!(
        stderr.contains("not delivered after 2 attempt(s)"),
        "{stderr}"
    );
    assert_eq!(received.lock().unwrap().len(), 2);

    // Nobody listening: a transport failure.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let (code, stdout, _) = run(wechatpay().args([
        "trigger",
        "REFUND.CLOSED",
        "--to",
        &nobody,
        "--attempts",
        "1",
        "--output",
        "json",
    ]));
    assert_eq!(code, 5);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["delivered"], false);
    assert_eq!(report["attempts"][0]["status"], Value::Null);

    for (args, expected) in [
        (
            vec![
                "trigger",
                "REFUND.SUCCESS",
                "--to",
                "https://example.com/notify",
            ],
            "http://",
        ),
        (
            vec!["trigger", "VIOLATION.NOTIFY", "--to", &url],
            "--original-type",
        ),
        (
            vec![
                "trigger",
                "REFUND.SUCCESS",
                "--to",
                &url,
                "--resource",
                "[1]",
            ],
            "JSON object",
        ),
        (
            vec![
                "trigger",
                "REFUND.SUCCESS",
                "--to",
                &url,
                "--attempts",
                "17",
            ],
            "17",
        ),
    ] {
        let (code, _, stderr) = run(wechatpay().args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn trigger_sends_any_event_a_probe_or_a_stale_copy() {
    let keys = MockKeys::fixtures();
    let client = keys.client("http://127.0.0.1:1").unwrap();
    let key = ApiV3Key::new(&keys.api_v3_key).unwrap();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };

    let (url, received) = endpoint(&[204]);
    let dir = tempfile::tempdir().unwrap();
    let resource = dir.path().join("violation.json");
    std::fs::write(&resource, r#"{"sub_mchid":"1542488631","record_id":"V1"}"#).unwrap();
    let (code, _, stderr) = run(wechatpay().args([
        "trigger",
        "VIOLATION.NOTIFY",
        "--to",
        &url,
        "--original-type",
        "violation",
        "--summary",
        "商户违规",
        "--resource",
        &format!("@{}", resource.display()),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let arrived = received.lock().unwrap()[0].clone();
    let opened = client
        .open_notification(&arrived.headers, &arrived.body, now(), &key)
        .unwrap();
    assert_eq!(opened.summary.as_deref(), Some("商户违规"));
    let Event::Other(raw) = opened.event else {
        panic!("{:?}", opened.event)
    };
    assert_eq!(raw.original_type(), "violation");
    assert_eq!(raw.json::<Value>().unwrap()["record_id"], "V1");

    for (flag, value, refused) in [
        ("--probe", None, "signature probe"),
        ("--clock-offset", Some("-3600"), "from the local clock"),
    ] {
        let (url, received) = endpoint(&[204]);
        let mut args = vec!["trigger", "REFUND.ABNORMAL", "--to", &url, flag];
        args.extend(value);
        let (code, _, stderr) = run(wechatpay().args(&args));
        assert_eq!(code, 0, "{stderr}");
        let arrived = received.lock().unwrap()[0].clone();
        let error = client
            .open_notification(&arrived.headers, &arrived.body, now(), &key)
            .unwrap_err();
        assert!(error.to_string().contains(refused), "{error}");
    }
}
