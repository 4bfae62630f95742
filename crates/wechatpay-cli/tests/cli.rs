//! The `wechatpay` binary, driven as a user drives it, against a loopback mock platform run by
//! the test: every subcommand and every exit code.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_mock::records::{ApplymentRecord, seeded};
use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};

fn testdata(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../wechatpay-core/testdata")
        .join(path)
}

fn mock() -> (Arc<MockPlatform>, MockServer) {
    let platform = Arc::new(
        MockPlatform::new(MockKeys::fixtures(), &mut ChaCha20Rng::from_seed([9; 32])).unwrap(),
    );
    let server = MockServer::start(platform.clone()).unwrap();
    (platform, server)
}

/// The binary with the fixture merchant configured through the environment, as a user would.
fn wechatpay(server: Option<&MockServer>) -> Command {
    let keys = MockKeys::fixtures();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WECHATPAY_MCHID", &keys.mchid)
        .env("WECHATPAY_SERIAL_NO", &keys.merchant_serial)
        .env("WECHATPAY_PRIVATE_KEY", testdata("keys/merchant_key.pem"))
        .env("WECHATPAY_PUBLIC_KEY_ID", &keys.platform_public_key_id)
        .env("WECHATPAY_PUBLIC_KEY", testdata("keys/platform_pub.pem"));
    if let Some(server) = server {
        command.env("WECHATPAY_BASE_URL", server.url());
    }
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
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

fn read(path: &str) -> String {
    std::fs::read_to_string(testdata(path)).unwrap()
}

#[test]
fn demo_runs_the_main_job_with_no_configuration() {
    let (code, stdout, stderr) = run(Command::new(env!("CARGO_BIN_EXE_wechatpay"))
        .arg("demo")
        .env_clear());
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "signed     GET",
        "sent       HTTP 200",
        "verified   signature by PUB_KEY_ID_",
        "decoded    CHECKING",
        "decrypted  account_name",
        "retried    2 x 500 SYSTEM_ERROR",
        "rejected   WeChat Pay's signature probe",
        "done:",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
    for state in [
        "CHECKING",
        "ACCOUNT_NEED_VERIFY",
        "AUDITING",
        "REJECTED",
        "NEED_SIGN",
        "FINISH",
        "FROZEN",
        "CANCELED",
        "AUTHORIZED",
    ] {
        assert!(
            stdout.contains(&format!("decoded    {state}")),
            "{state} missing"
        );
    }
    assert!(!stdout.contains("张三"), "decrypted data printed");
}

#[test]
fn applyment_shows_each_state_and_what_to_do() {
    let (_platform, server) = mock();
    let cases = [
        (seeded::CHECKING, "wait: under check or review"),
        (
            seeded::ACCOUNT_NEED_VERIFY,
            "remit 1.24 CNY before 2030-12-10 17:09:01",
        ),
        (seeded::AUDITING, "wait: under check or review"),
        (seeded::REJECTED, "id_card_copy: 身份证背面识别失败"),
        (
            seeded::NEED_SIGN,
            "the super administrator scans this link to sign",
        ),
        (seeded::FINISH, "nothing: sub-merchant 1542488631 can trade"),
        (seeded::FROZEN, "contact WeChat Pay"),
        (seeded::CANCELED, "a new out_request_no"),
    ];
    for (out_request_no, expected) in cases {
        let (code, stdout, stderr) =
            run(wechatpay(Some(&server)).args(["applyment", out_request_no]));
        assert_eq!(code, 0, "{out_request_no}: {stderr}");
        assert!(
            stdout.contains(expected),
            "{out_request_no}: {expected:?} missing from:\n{stdout}"
        );
    }
}

#[test]
fn links_are_drawn_as_qr_codes_and_account_fields_need_reveal() {
    let (_platform, server) = mock();
    let (_, stdout, _) = run(wechatpay(Some(&server)).args(["applyment", seeded::NEED_SIGN]));
    assert!(
        stdout.contains("https://pay.weixin.qq.com/public/apply4ec_sign/"),
        "{stdout}"
    );
    assert!(
        stdout.contains('█') || stdout.contains('▀'),
        "no QR code in:\n{stdout}"
    );

    let (_, hidden, _) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::ACCOUNT_NEED_VERIFY]));
    assert!(
        hidden.contains("<hidden: --reveal shows it>") && !hidden.contains("张三"),
        "{hidden}"
    );
    assert!(
        hidden.contains("the legal person scans this link"),
        "{hidden}"
    );
    let (code, revealed, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::ACCOUNT_NEED_VERIFY, "--reveal"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        revealed.contains("from account name 张三, card 6214830000001234"),
        "{revealed}"
    );
}

#[test]
fn json_output_is_the_verified_body_as_received() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::FINISH, "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!("{}\n", wechatpay_mock::records::PAGE_EXAMPLE_APPLYMENT)
    );
    let (code, stdout, _) = run(wechatpay(Some(&server)).args([
        "contract",
        seeded::CONTRACT_AUTHORIZED,
        "--appid",
        seeded::APPID,
        "--output",
        "json",
    ]));
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        format!("{}\n", wechatpay_mock::records::PAGE_EXAMPLE_CONTRACT)
    );
}

#[test]
fn contract_shows_the_contract_with_its_exact_openid() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "contract",
        seeded::CONTRACT_AUTHORIZED,
        "--appid",
        seeded::APPID,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("auth state   AUTHORIZED"), "{stdout}");
    assert!(
        stdout.contains(r#"openid       "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t""#),
        "{stdout}"
    );
    let (code, stdout, _) = run(wechatpay(Some(&server)).args([
        "contract",
        seeded::CONTRACT_UNAUTHORIZED,
        "--appid",
        seeded::APPID,
    ]));
    assert_eq!(code, 0);
    assert!(stdout.contains("UNAUTHORIZED"));
}

#[test]
fn sign_prints_only_the_authorization_value_of_the_openssl_vector() {
    for case in ["get_contract", "post_json_utf8"] {
        let input: serde_json::Value =
            serde_json::from_str(&read(&format!("vectors/sign/{case}/input.json"))).unwrap();
        let mut command = wechatpay(None);
        command.args([
            "sign",
            "--method",
            input["method"].as_str().unwrap(),
            "--url",
            input["path_and_query"].as_str().unwrap(),
            "--timestamp",
            &input["timestamp"].to_string(),
            "--nonce",
            input["nonce"].as_str().unwrap(),
        ]);
        let body = testdata(&format!("vectors/sign/{case}/body"));
        if body.exists() {
            command.arg("--body-file").arg(body);
        }
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            stdout,
            format!("{}\n", read(&format!("vectors/sign/{case}/authorization"))),
            "{case}"
        );
    }
}

fn verify_vector(case: &str, now: &str) -> Command {
    let input: serde_json::Value =
        serde_json::from_str(&read(&format!("vectors/verify/{case}/input.json"))).unwrap();
    let mut command = wechatpay(None);
    command.args([
        "verify",
        "--timestamp",
        input["timestamp"].as_str().unwrap(),
        "--nonce",
        input["nonce"].as_str().unwrap(),
        "--signature",
        input["signature"].as_str().unwrap(),
        "--serial",
        input["serial"].as_str().unwrap(),
        "--now",
        now,
    ]);
    command
}

#[test]
fn verify_says_ok_or_why_not() {
    let body = testdata("vectors/verify/applyment_public_key/body");
    let (code, stdout, stderr) = run(verify_vector("applyment_public_key", "1700000100")
        .arg("--body-file")
        .arg(&body));
    assert_eq!((code, stdout.as_str()), (0, "ok\n"), "{stderr}");

    let (code, stdout, stderr) = run(verify_vector("applyment_public_key", "1700000100")
        .arg("--body-file")
        .arg(testdata("vectors/verify/contract_tab_escape/body")));
    assert_eq!(code, 4);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("signature does not match") && stderr.contains("next: "),
        "{stderr}"
    );

    let (code, _, stderr) = run(verify_vector("applyment_public_key", "1700001000")
        .arg("--body-file")
        .arg(&body));
    assert_eq!(code, 4);
    assert!(stderr.contains("synchronise"), "{stderr}");

    // Signed by the certificate, which is not configured here: the serial is unknown.
    let (code, _, stderr) = run(verify_vector("applyment_certificate", "1700000100")
        .arg("--body-file")
        .arg(&body));
    assert_eq!(code, 4);
    assert!(
        stderr.contains("not configured") && stderr.contains("--public-key-id"),
        "{stderr}"
    );

    let (code, stdout, _) = run(&mut verify_vector("empty_body", "1700000100"));
    assert_eq!((code, stdout.as_str()), (0, "ok\n"));
}

#[test]
fn decrypt_prints_the_plaintext_asked_for() {
    let ciphertext = read("vectors/oaep/account_name_chinese/ciphertext");
    let (code, stdout, stderr) = run(wechatpay(None).args(["decrypt", &ciphertext]));
    assert_eq!((code, stdout.as_str()), (0, "张三\n"), "{stderr}");
    let (code, _, stderr) = run(wechatpay(None).args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("decryption failed"), "{stderr}");
}

#[test]
fn usage_and_configuration_errors_exit_2_and_say_what_to_do() {
    let (code, _, stderr) = run(wechatpay(None)
        .env_remove("WECHATPAY_MCHID")
        .args(["applyment", "X"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--mchid is not set")
            && stderr.contains("next: pass --mchid or set WECHATPAY_MCHID"),
        "{stderr}"
    );

    // A flag wins over the environment.
    let (code, _, stderr) = run(wechatpay(None).args(["--mchid", "19000x", "applyment", "X"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid mchid"), "{stderr}");

    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", "/nonexistent/key.pem")
        .args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read /nonexistent/key.pem"),
        "{stderr}"
    );

    let (code, _, stderr) = run(wechatpay(None)
        .env(
            "WECHATPAY_SERIAL_NO",
            "PUB_KEY_ID_0119000000012024112300000000000001",
        )
        .args(["applyment", "X"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("public key id"), "{stderr}");

    let (code, _, _) = run(wechatpay(None).args(["applyment"]));
    assert_eq!(code, 2, "clap's own usage errors exit 2 too");
    let (code, _, stderr) = run(wechatpay(None).args([
        "sign",
        "--method",
        "GET",
        "--url",
        "/v3/a b",
        "--timestamp",
        "1",
        "--nonce",
        "n",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("path_and_query"), "{stderr}");
}

#[test]
fn api_errors_exit_3_with_status_code_and_request_id() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", "NO_SUCH_APPLYMENT"]));
    assert_eq!(code, 3);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("HTTP 404 RESOURCE_NOT_EXISTS: 申请单不存在 (Request-ID "),
        "{stderr}"
    );
    assert!(
        stderr.lines().last().unwrap().starts_with("next: "),
        "{stderr}"
    );

    // A wrong merchant key: the platform's SIGN_ERROR shows its view of the signed message.
    let (code, _, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PRIVATE_KEY", testdata("keys/platform_key.pem"))
        .args(["applyment", seeded::AUDITING]));
    assert_eq!(code, 3);
    assert!(
        stderr.contains("SIGN_ERROR") && stderr.contains("truncated_sign_message"),
        "{stderr}"
    );
}

#[test]
fn verification_failures_exit_4() {
    let (platform, server) = mock();
    for fault in [
        Fault::TamperedBody,
        Fault::SignatureProbe,
        Fault::UnknownSerial,
        Fault::StaleTimestamp,
    ] {
        platform.inject(fault.clone(), 1);
        let (code, stdout, stderr) =
            run(wechatpay(Some(&server)).args(["applyment", seeded::AUDITING]));
        assert_eq!(code, 4, "{fault:?}: {stderr}");
        assert!(stdout.is_empty(), "nothing unverified is printed");
        assert!(stderr.contains("Request-ID"), "{stderr}");
    }
}

#[test]
fn transport_failures_and_timeouts_exit_5() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_BASE_URL", &closed)
        .args(["applyment", "X"]));
    assert_eq!(code, 5);
    assert!(
        stderr.contains("transport failure after 3 attempt(s)")
            && stderr.contains("next: check the network"),
        "{stderr}"
    );

    let (platform, server) = mock();
    platform.inject(Fault::Slow(Duration::from_secs(5)), 3);
    let (code, _, stderr) =
        run(wechatpay(Some(&server)).args(["--timeout", "0.3", "applyment", seeded::AUDITING]));
    assert_eq!(code, 5);
    assert!(
        stderr.contains("no answer within 300ms after 3 attempt(s)"),
        "{stderr}"
    );
}

#[test]
fn watch_polls_until_someone_must_act() {
    let (platform, server) = mock();
    let child = wechatpay(Some(&server))
        .args([
            "applyment",
            seeded::AUDITING,
            "--watch",
            "--interval",
            "0.2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it poll a few times, then move the applyment on.
    let started = Instant::now();
    while platform.requests().len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the watch stopped polling"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    platform.add_applyment(
        ApplymentRecord::from_body(format!(
            r#"{{"applyment_state":"NEED_SIGN","applyment_state_desc":"待签约","out_request_no":"{}","applyment_id":2000002124775693,"sign_url":"https://pay.weixin.qq.com/sign/watch","sign_state":"UNSIGNED"}}"#,
            seeded::AUDITING
        ))
        .unwrap(),
    );
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("poll 1: AUDITING (审核中); next check in 0.2s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("poll 2: AUDITING (审核中); next check in 0.3s"),
        "backoff grows: {stderr}"
    );
    assert!(
        stdout.contains("https://pay.weixin.qq.com/sign/watch"),
        "{stdout}"
    );
}

#[test]
fn watch_stops_cleanly_on_ctrl_c() {
    let (platform, server) = mock();
    let child = wechatpay(Some(&server))
        .args(["applyment", seeded::AUDITING, "--watch", "--interval", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while platform.requests().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopped by Ctrl-C after 1 poll(s)"),
        "{stderr}"
    );
}

/// A `wechatpay mock` process and what it printed before "Ctrl-C stops it.".
struct MockProcess {
    child: std::process::Child,
    rest: Option<std::io::Lines<BufReader<std::process::ChildStdout>>>,
    url: String,
    backup_url: Option<String>,
    settings: Vec<(String, String)>,
}

impl MockProcess {
    fn start(args: &[&str]) -> MockProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wechatpay"))
            .arg("mock")
            .args(args)
            .env_clear()
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut url, mut backup_url, mut settings) = (String::new(), None, Vec::new());
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("mock platform listening on ") {
                url = rest.to_owned();
            }
            if let Some(rest) = line.strip_prefix("backup host listening on ") {
                backup_url = Some(rest.to_owned());
            }
            if let Some(export) = line.trim().strip_prefix("export ") {
                let (name, value) = export.split_once('=').unwrap();
                settings.push((name.to_owned(), value.to_owned()));
            }
            if line.starts_with("Ctrl-C stops it.") {
                break;
            }
        }
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        MockProcess {
            child,
            rest: Some(lines),
            url,
            backup_url,
            settings,
        }
    }

    /// `wechatpay applyment` with only the settings it printed, for a seeded applyment.
    fn query_need_sign(&self) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
        command
            .env_clear()
            .envs(self.settings.clone())
            .args(["applyment", seeded::NEED_SIGN]);
        let (code, stdout, stderr) = run(&mut command);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("NEED_SIGN"), "{stdout}");
    }

    /// Stops it with Ctrl-C and returns the lines it printed after starting.
    fn interrupt(mut self) -> Vec<String> {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0));
        self.rest.take().unwrap().map(|l| l.unwrap()).collect()
    }
}

impl Drop for MockProcess {
    /// A failed assertion must not leave the mock running (and holding the test's output).
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One plain HTTP/1.1 exchange with a control route; returns the status and body.
fn control(url: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[test]
fn mock_runs_until_stopped_and_its_settings_work() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-test-{}", std::process::id()));
    let mock = MockProcess::start(&["--port", "0", "--keys-dir", dir.to_str().unwrap()]);
    assert_eq!(mock.settings.len(), 6);
    assert_eq!(mock.backup_url, None);
    // Without --control, /mock/ is the platform's, which wants a proper request.
    let (status, body) = control(&mock.url, "GET", "/mock/requests", "");
    assert_eq!(status, 400);
    assert!(body.contains("INVALID_REQUEST"), "{body}");
    mock.query_need_sign();

    let rest = mock.interrupt();
    assert!(
        rest.iter().any(|l| l == "stopped after 2 request(s)"),
        "{rest:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mock_with_backup_and_control_shares_one_platform() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-ctl-{}", std::process::id()));
    let mock = MockProcess::start(&["--backup", "--control", "--keys-dir", dir.to_str().unwrap()]);
    let backup = mock.backup_url.clone().unwrap();
    assert_ne!(backup, mock.url);

    let (status, body) = control(
        &mock.url,
        "POST",
        "/mock/faults",
        r#"{"fault":"system-error","times":1}"#,
    );
    assert_eq!(status, 204, "{body}");
    let (status, body) = control(&mock.url, "POST", "/mock/faults", r#"{"fault":"nope"}"#);
    assert_eq!(status, 400);
    assert!(body.contains("unknown fault"), "{body}");

    mock.query_need_sign();

    // The backup host answers from the same platform: the same log, control requests excluded.
    let (status, body) = control(&backup, "GET", "/mock/requests", "");
    assert_eq!(status, 200);
    let seen: serde_json::Value = serde_json::from_str(&body).unwrap();
    let statuses: Vec<_> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [500, 200]);
    assert_eq!(seen[0]["fault"], "system-error");
    assert!(
        seen[1]["user_agent"]
            .as_str()
            .unwrap()
            .contains("wechatpay-hyper/")
    );
    assert_eq!(control(&backup, "DELETE", "/mock/requests", "").0, 204);

    let rest = mock.interrupt();
    assert!(
        rest.iter().any(|l| l == "stopped after 0 request(s)"),
        "{rest:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
