//! The `wechatpay` binary, driven as a user drives it, against a loopback mock platform run by
//! the test: every subcommand and every exit code.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wechatpay_mock::Fault;
use wechatpay_mock::records::{ApplymentRecord, seeded};

mod common;

use common::*;

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
        "polled AUDITING -> NEED_SIGN -> FINISH",
        "paid       TRANSACTION.SUCCESS verified and decrypted",
        "refunded   3.00 CNY of DEMO_ORDER_A: DEMO_REFUND_A SUCCESS received",
        "shared     0.70 CNY of DEMO_ORDER_A to the platform: FINISHED",
        "withdrew   5.00 CNY",
        "3 rows, settled 1500 fen, refunded 300 fen: matches what happened",
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
fn links_are_shown_and_account_fields_need_reveal() {
    let (_platform, server) = mock();
    let (_, stdout, _) = run(wechatpay(Some(&server)).args(["applyment", seeded::NEED_SIGN]));
    assert!(
        stdout.contains("https://pay.weixin.qq.com/public/apply4ec_sign/"),
        "{stdout}"
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

/// Whether a QR code (half blocks) is drawn in `text`.
fn has_qr(text: &str) -> bool {
    text.contains('█') || text.contains('▀') || text.contains('▄')
}

/// Issue 9, command line 5: QR codes are for terminals only, and output ends with a newline.
#[test]
fn qr_codes_are_drawn_only_on_a_terminal_and_every_output_ends_a_line() {
    let (_platform, server) = mock();
    for out_request_no in [seeded::NEED_SIGN, seeded::ACCOUNT_NEED_VERIFY] {
        let (code, stdout, stderr) =
            run(wechatpay(Some(&server)).args(["applyment", out_request_no]));
        assert_eq!(code, 0, "{stderr}");
        assert!(!has_qr(&stdout), "a QR code drawn into a pipe:\n{stdout}");
        assert!(stdout.ends_with('\n'), "{stdout:?}");
    }
    // On a terminal (util-linux `script` gives it one), the code is drawn.
    if Command::new("script").arg("--version").output().is_err() {
        // CI installs it (.ci/run): there, a missing tool is a failure, not a skip.
        assert!(std::env::var_os("CI").is_none(), "CI must provide `script`");
        eprintln!("skipped the terminal half: no `script` command");
        return;
    }
    let line = format!(
        "{} applyment {}",
        env!("CARGO_BIN_EXE_wechatpay"),
        seeded::NEED_SIGN
    );
    let (code, stdout, stderr) =
        run(configured(Command::new("script"), Some(&server)).args(["-qec", &line, "/dev/null"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(has_qr(&stdout), "no QR code on a terminal:\n{stdout}");
}

#[test]
fn json_output_holds_the_verified_body_as_received() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::FINISH, "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.ends_with("}\n"), "{stdout:?}");
    assert!(
        stdout.starts_with(&format!(
            "{{\"applyment\":{},",
            wechatpay_mock::records::PAGE_EXAMPLE_APPLYMENT.trim_end()
        )),
        "the body is not there as received: {stdout}"
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
        format!(
            "{}\n",
            wechatpay_mock::records::PAGE_EXAMPLE_CONTRACT.trim_end()
        )
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
        stderr.contains("--mchid / WECHATPAY_MCHID is not set")
            && stderr.contains("next: pass each as a flag or set its environment variable"),
        "{stderr}"
    );

    // A flag wins over the environment.
    let (code, _, stderr) = run(wechatpay(None).args(["applyment", "X", "--mchid", "19000x"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid mchid"), "{stderr}");

    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", "/nonexistent/key.pem")
        .args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the file given by --private-key / WECHATPAY_PRIVATE_KEY")
            && !stderr.contains("/nonexistent"),
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
        .env("WECHATPAY_PRIVATE_KEY", fixture("keys/platform_key.pem"))
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

/// A fresh folder for a test's files, removed by the test.
fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("wechatpay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// The names of the files in `folder`.
fn listing(folder: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn bill_writes_the_verified_bill_uncompressed_and_nothing_else() {
    let (platform, server) = mock();
    platform.set_bill_size(2 * 1024 * 1024);
    let folder = scratch("bill");
    let out = folder.join("trade.csv");
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .args(["bill", "trade", "--date", "2024-11-23", "--gzip", "--out"])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let bill = std::fs::read(&out).unwrap();
    assert!(bill.len() >= 2 * 1024 * 1024);
    let parsed = wechatpay_core::bill::Bill::parse(&bill).unwrap();
    assert!(
        stdout.contains(&format!("{} rows", parsed.rows.len())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&sha1_hex(&bill)),
        "the digest printed is the file's: {stdout}"
    );
    assert!(stdout.contains("总交易单数"), "{stdout}");
    assert_eq!(listing(&folder), ["trade.csv"], "no temporary file is left");
    let seen = platform.requests();
    assert!(
        seen.iter()
            .any(|r| r.path_and_query == "/v3/bill/tradebill?bill_date=2024-11-23&tar_type=GZIP"),
        "{seen:?}"
    );

    // The fund-flow bill as JSON: columns, rows by column, summary.
    let out = folder.join("fundflow.json");
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .args([
            "bill",
            "fundflow",
            "--date",
            "2024-11-23",
            "--account-type",
            "OPERATION",
            "--json",
            "--output",
            "json",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["columns"][0], "记账时间");
    assert!(
        written["rows"][0]["收支金额(元)"]
            .as_str()
            .is_some_and(|v| !v.starts_with('`'))
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["rows"].as_u64(),
        written["rows"].as_array().map(|r| r.len() as u64)
    );
    assert_eq!(
        written["summary"]["资金流水总笔数"],
        format!("{}.0", report["rows"])
    );

    // As plain CSV: the header, then the rows without their backticks.
    let out = folder.join("plain.csv");
    let (code, _, stderr) = run(wechatpay(Some(&server))
        .args([
            "bill",
            "trade",
            "--date",
            "2024-11-23",
            "--bill-type",
            "SUCCESS",
            "--csv",
            "--out",
        ])
        .arg(&out));
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("交易时间,") && !text.contains('`'),
        "{}",
        &text[..200]
    );
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_bill_whose_digest_fails_exits_4_and_leaves_no_file() {
    let (platform, server) = mock();
    platform.set_bill_size(1024 * 1024);
    let folder = scratch("bill-altered");
    let out = folder.join("trade.csv");
    // The ticket's answer is signed and left alone; the download is altered on its way.
    platform.inject(Fault::AlteredFile, 2);
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .args(["bill", "trade", "--date", "2024-11-23", "--gzip", "--out"])
        .arg(&out));
    assert_eq!(code, 4, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("digest") && stderr.contains("altered"),
        "{stderr}"
    );
    assert!(listing(&folder).is_empty(), "{:?}", listing(&folder));
    // An earlier FILE stays as it was.
    std::fs::write(&out, "yesterday's bill").unwrap();
    platform.inject(Fault::AlteredFile, 2);
    let (code, _, _) = run(wechatpay(Some(&server))
        .args(["bill", "fundflow", "--date", "2024-11-23", "--out"])
        .arg(&out));
    assert_eq!(code, 4);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "yesterday's bill");
    assert_eq!(listing(&folder), ["trade.csv"]);
    std::fs::remove_dir_all(&folder).unwrap();
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
        stderr.contains(&closed)
            && stderr.contains("3 attempt")
            && stderr.contains("next: check the network"),
        "{stderr}"
    );

    let (platform, server) = mock();
    platform.inject(Fault::Slow(Duration::from_secs(5)), 3);
    let (code, _, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::AUDITING, "--timeout", "0.3"]));
    assert_eq!(code, 5);
    assert!(
        stderr.contains("within 300ms") && stderr.contains("3 attempt"),
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
    assert_eq!(mock.settings.len(), 7);
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
fn mock_in_certificate_mode_prints_settings_that_download_the_certificates() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-cert-{}", std::process::id()));
    let mock = MockProcess::start(&["--mode", "certificate", "--keys-dir", dir.to_str().unwrap()]);
    let names: Vec<&str> = mock
        .settings
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        !names.contains(&"WECHATPAY_PUBLIC_KEY_ID") && names.contains(&"WECHATPAY_APIV3_KEY"),
        "{names:?}"
    );
    // The query downloads the certificates first, with the APIv3 key printed.
    mock.query_need_sign();
    let (code, stdout, stderr) = run(Command::new(env!("CARGO_BIN_EXE_wechatpay"))
        .env_clear()
        .envs(mock.settings.clone())
        .arg("certificates"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("5157F09EFDC096DE15EBE81A47057A7232F1B8E1  valid from"),
        "{stdout}"
    );
    let rest = mock.interrupt();
    assert!(
        rest.iter().any(|l| l == "stopped after 3 request(s)"),
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

// Issue 9: the command line, tried as a new user would.

/// A private file for a test, removed with its folder when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "wechatpay-cli-{name}-{}-{}",
            std::process::id(),
            SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

static SCRATCH: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// No line of `pem`'s base64 appears in `text`.
fn shows_no_line_of(text: &str, pem: &str) -> bool {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .all(|l| !text.contains(l))
}

/// Command line 1: a key given as its PEM contents is used, and never echoed.
#[test]
fn keys_given_as_pem_contents_work_and_a_private_key_is_never_echoed() {
    let (_platform, server) = mock();
    let private_pem = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PRIVATE_KEY", private_pem)
        .env(
            "WECHATPAY_PUBLIC_KEY",
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .args(["applyment", seeded::NEED_SIGN]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("NEED_SIGN"), "{stdout}");
    // As `openssl pkcs12 -nocerts -nodes` writes it, pasted into a secret store.
    let exported = format!("Bag Attributes\n    localKeyID: 01 00 00 00 \n{private_pem}");
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PRIVATE_KEY", &exported)
        .env(
            "WECHATPAY_PUBLIC_KEY",
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .args(["applyment", seeded::NEED_SIGN]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("NEED_SIGN"), "{stdout}");

    // A key cut short, a key with leading blank lines but broken, a path that does not exist,
    // the key given where the merchant id belongs: every failure keeps the key to itself.
    let truncated: String = private_pem.lines().take(6).collect::<Vec<_>>().join("\n");
    let broken = format!("\n  {}", private_pem.replace("MII", "M!I"));
    for (setting, value) in [
        ("WECHATPAY_PRIVATE_KEY", truncated.as_str()),
        ("WECHATPAY_PRIVATE_KEY", broken.as_str()),
        (
            "WECHATPAY_PRIVATE_KEY",
            "/run/secrets/merchant-1900000001/apiclient_key.pem",
        ),
    ] {
        for output in ["text", "json"] {
            let (code, stdout, stderr) = run(wechatpay(Some(&server)).env(setting, value).args([
                "applyment",
                seeded::NEED_SIGN,
                "--output",
                output,
            ]));
            assert_eq!(code, 2, "{stderr}");
            assert!(stdout.is_empty());
            assert!(
                shows_no_line_of(&stderr, private_pem),
                "key echoed: {stderr}"
            );
            assert!(
                !stderr.contains("merchant-1900000001"),
                "secret path echoed: {stderr}"
            );
            assert!(stderr.contains("--private-key"), "{stderr}");
        }
    }
    let (_, help, _) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", private_pem)
        .args(["applyment", "--help"]));
    assert!(
        shows_no_line_of(&help, private_pem),
        "key shown in --help: {help}"
    );
    assert!(help.contains("WECHATPAY_PRIVATE_KEY"), "{help}");
}

/// Command line 3: DER and PKCS#12 files are named, with the command that converts them.
#[test]
fn binary_key_files_are_named_with_the_command_that_converts_them() {
    let scratch = Scratch::new("der");
    let der = |pem: &str| der::pem::decode_vec(pem.as_bytes()).unwrap().1;
    let key_der = scratch.file(
        "apiclient_key.der",
        &der(wechatpay_fixtures::keys::MERCHANT_KEY_PEM),
    );
    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", &key_der)
        .args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("is a private key in binary DER")
            && stderr.contains("openssl pkey -inform DER -in key.der -out apiclient_key.pem")
            && !stderr.contains("apiclient_key.der"),
        "{stderr}"
    );

    // The outer shape of a PKCS#12 file: SEQUENCE { INTEGER 3, SEQUENCE { OID data, ... } }.
    let p12 = scratch.file(
        "apiclient_cert.p12",
        &[
            0x30, 0x0c, 0x02, 0x01, 0x03, 0x30, 0x07, 0x06, 0x03, 0x2a, 0x86, 0x48, 0xa0, 0x00,
        ],
    );
    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", &p12)
        .args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("PKCS#12")
            && stderr.contains(
                "openssl pkcs12 -in apiclient_cert.p12 -nocerts -nodes -out apiclient_key.pem"
            ),
        "{stderr}"
    );

    let cert_der = scratch.file(
        "platform_cert.der",
        &der(wechatpay_fixtures::keys::PLATFORM_CERT_PEM),
    );
    let (code, _, stderr) = run(wechatpay(None)
        .arg("applyment")
        .arg("X")
        .arg("--platform-cert")
        .arg(&cert_der));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("is a certificate in binary DER")
            && stderr.contains(&format!(
                "openssl x509 -inform DER -in '{}' -out platform_cert.pem",
                cert_der.display()
            )),
        "{stderr}"
    );

    let not_text = scratch.file("key.bin", &[0xff, 0xfe, 0x00, 0x41]);
    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", &not_text)
        .args(["decrypt", "AAAA"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("binary file"), "{stderr}");
}

/// Command line 4: certificate mode from the command line, alone or beside the public key.
#[test]
fn platform_certificates_are_reachable_from_the_command_line() {
    let (_platform, server) = mock();
    let certificate = fixture("keys/platform_cert.pem");
    // Alone: the request names the certificate, and the answer is signed with it.
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .arg("applyment")
        .arg(seeded::FINISH)
        .arg("--platform-cert")
        .arg(&certificate));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FINISH"), "{stdout}");

    // From the environment, a list; beside the public key (the migration period).
    let list = format!(
        "{},{}",
        fixture("keys/platform_cert_expired.pem").display(),
        certificate.display()
    );
    let (code, _, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PLATFORM_CERTS", &list)
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 0, "{stderr}");

    // A certificate given as the public key: the flag to use, not a Rust API name.
    let (code, _, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PUBLIC_KEY", &certificate)
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--platform-cert") && !stderr.contains("add_certificate"),
        "{stderr}"
    );
}

/// Command line 5: `--output json` everywhere, errors as JSON, `--reveal` and the next step in
/// the JSON.
#[test]
fn json_output_is_honoured_by_every_subcommand_and_by_errors() {
    let (_platform, server) = mock();
    let json = |stdout: &str| -> serde_json::Value {
        assert!(stdout.ends_with('\n'), "{stdout:?}");
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    };

    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "applyment",
        seeded::ACCOUNT_NEED_VERIFY,
        "--reveal",
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let value = json(&stdout);
    assert_eq!(value["applyment"]["applyment_state"], "ACCOUNT_NEED_VERIFY");
    assert_eq!(value["next"]["step"], "verify_account");
    assert_eq!(value["revealed"]["account_name"], "张三");
    assert_eq!(value["revealed"]["account_no"], "6214830000001234");
    let (_, stdout, _) =
        run(wechatpay(Some(&server)).args(["applyment", seeded::REJECTED, "--output", "json"]));
    let value = json(&stdout);
    assert_eq!(value["next"]["step"], "fix_rejected");
    assert_eq!(value["next"]["items"][0]["param_name"], "id_card_copy");
    assert!(value.get("revealed").is_none(), "{value}");

    let (code, stdout, stderr) = run(wechatpay(None).args([
        "sign",
        "--method",
        "GET",
        "--url",
        "/v3/certificates",
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let value = json(&stdout);
    assert!(
        value["authorization"]
            .as_str()
            .unwrap()
            .starts_with("WECHATPAY2-SHA256-RSA2048 ")
    );

    let ciphertext = read("vectors/oaep/account_name_chinese/ciphertext");
    let (code, stdout, _) = run(wechatpay(None).args(["decrypt", &ciphertext, "--output", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&stdout), serde_json::json!({ "plaintext": "张三" }));

    let (code, stdout, _) = run(verify_vector("applyment_public_key", "1700000100")
        .arg("--body-file")
        .arg(testdata("vectors/verify/applyment_public_key/body"))
        .args(["--output", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&stdout)["verified"], true);

    // Errors: one JSON object on stderr, the same exit code as in text.
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", "NO_SUCH_APPLYMENT", "--output", "json"]));
    assert_eq!(code, 3);
    assert!(stdout.is_empty());
    let error = json(&stderr);
    assert_eq!(error["error"]["kind"], "api");
    assert_eq!(error["error"]["code"], "RESOURCE_NOT_EXISTS");
    assert!(error["error"]["request_id"].is_string(), "{error}");
    assert!(error["error"]["next"].is_string(), "{error}");
    let (code, _, stderr) = run(verify_vector("applyment_public_key", "1700001000")
        .arg("--body-file")
        .arg(testdata("vectors/verify/applyment_public_key/body"))
        .args(["--output", "json"]));
    assert_eq!(code, 4);
    assert_eq!(json(&stderr)["error"]["kind"], "verification");
    let (code, _, stderr) = run(wechatpay(None).args(["decrypt", "AAAA", "--output", "json"]));
    assert_eq!(code, 2);
    assert_eq!(json(&stderr)["error"]["kind"], "usage");
    let (code, _, stderr) =
        run(wechatpay(None).args(["applyment", "X", "--output", "json", "--no-such-flag"]));
    assert_eq!(code, 2);
    assert_eq!(json(&stderr)["error"]["kind"], "usage");
}

/// Command line 6: every missing setting at once, named as typed; each subcommand takes only
/// the settings it uses.
#[test]
fn subcommands_take_only_their_settings_and_name_every_missing_one() {
    let (code, _, stderr) = run(wechatpay(None)
        .env_remove("WECHATPAY_SERIAL_NO")
        .env_remove("WECHATPAY_PRIVATE_KEY")
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .args(["applyment", "X"]));
    assert_eq!(code, 2);
    for named in [
        "--serial-no / WECHATPAY_SERIAL_NO",
        "--private-key / WECHATPAY_PRIVATE_KEY",
        "--public-key-id / WECHATPAY_PUBLIC_KEY_ID",
    ] {
        assert!(stderr.contains(named), "{named} missing from: {stderr}");
    }
    assert!(!stderr.contains("serial_no"), "{stderr}");

    // decrypt uses the private key only.
    let ciphertext = read("vectors/oaep/account_name_chinese/ciphertext");
    let (code, stdout, stderr) = run(wechatpay(None)
        .env_remove("WECHATPAY_MCHID")
        .env_remove("WECHATPAY_SERIAL_NO")
        .args(["decrypt", &ciphertext]));
    assert_eq!((code, stdout.as_str()), (0, "张三\n"), "{stderr}");
    let (_, help, _) = run(wechatpay(None).args(["decrypt", "--help"]));
    assert!(
        help.contains("--private-key") && !help.contains("--mchid") && !help.contains("--base-url"),
        "{help}"
    );
    let (_, help, _) = run(wechatpay(None).args(["verify", "--help"]));
    assert!(
        help.contains("--public-key") && !help.contains("--private-key"),
        "{help}"
    );

    let (code, _, stderr) = run(Command::new(env!("CARGO_BIN_EXE_wechatpay"))
        .env_clear()
        .args(["demo", "--mchid", "abc"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--mchid"), "{stderr}");
}

/// Command line 7: an answer that is not WeChat Pay's says so, and a 404 shows what was asked.
#[test]
fn answers_not_from_wechat_pay_point_at_the_base_url() {
    let body = "<html>\u{1b}[2J404 Not Found</html>";
    let answer: &'static str = Box::leak(
        format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    );
    let url = foreign_server(answer);
    let (code, _, stderr) = run(wechatpay(None)
        .env("WECHATPAY_BASE_URL", &url)
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 3, "{stderr}");
    let next = stderr.lines().last().unwrap();
    assert!(
        next.starts_with("next: ")
            && next.contains("--base-url")
            && next.contains(&url)
            && !next.contains("quote the Request-ID"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "a terminal escape reached stderr: {stderr:?}"
    );

    let (platform, server) = mock();
    platform.inject(Fault::Redirect, 1);
    let (code, _, stderr) = run(wechatpay(Some(&server)).args(["applyment", seeded::FINISH]));
    assert_eq!(code, 3, "{stderr}");
    let next = stderr.lines().last().unwrap();
    assert!(
        next.contains("--base-url") && !next.contains("quote the Request-ID"),
        "{stderr}"
    );

    // A pasted leading space, made visible.
    let (code, _, stderr) = run(wechatpay(Some(&server)).args(["applyment", " APPLYMENT_X"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("\" APPLYMENT_X\""), "{stderr}");
}

/// Command line 8: `-v` prints each attempt: the request line, the status, the Request-ID,
/// the verification and the decision.
#[test]
fn verbose_prints_each_attempt() {
    let (platform, server) = mock();
    platform.inject(Fault::SystemError, 1);
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["-v", "applyment", seeded::FINISH]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FINISH"), "{stdout}");
    for expected in [
        "attempt=1",
        "attempt=2",
        "method=\"GET\"",
        "/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001",
        "status=500",
        "status=200",
        "request_id=",
        "verified",
        "retry on primary",
        "done",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from:\n{stderr}"
        );
    }
    let (_, _, quiet) = run(wechatpay(Some(&server)).args(["applyment", seeded::FINISH]));
    assert!(quiet.is_empty(), "{quiet}");
}

/// Command line 9: `sign` defaults the timestamp and nonce, and prints a curl command that
/// works as printed.
#[test]
fn sign_defaults_to_now_and_prints_a_working_curl_command() {
    let (code, stdout, stderr) =
        run(wechatpay(None).args(["sign", "--method", "GET", "--url", "/v3/certificates"]));
    assert_eq!(code, 0, "{stderr}");
    let timestamp: u64 = stdout
        .split("timestamp=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no timestamp in {stdout}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(timestamp.abs_diff(now) < 60, "{timestamp} vs {now}");
    let (_, again, _) =
        run(wechatpay(None).args(["sign", "--method", "GET", "--url", "/v3/certificates"]));
    assert_ne!(stdout, again, "the same nonce twice");

    let (_platform, server) = mock();
    let path = format!(
        "/v3/ecommerce/applyments/out-request-no/{}",
        seeded::NEED_SIGN
    );
    let (code, curl, stderr) =
        run(wechatpay(Some(&server)).args(["sign", "--method", "GET", "--url", &path, "--curl"]));
    assert_eq!(code, 0, "{stderr}");
    for header in [
        "-H 'Authorization: WECHATPAY2-SHA256-RSA2048 ",
        "-H 'Accept: application/json'",
        "-H 'User-Agent: wechatpay-cli/",
        "-H 'Wechatpay-Serial: PUB_KEY_ID_",
    ] {
        assert!(curl.contains(header), "{header} missing from:\n{curl}");
    }
    assert!(
        curl.contains(&format!("'{}{path}'", server.url())),
        "{curl}"
    );
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide curl");
        eprintln!("skipped running the command: no curl");
        return;
    }
    let (code, answer, stderr) = run(Command::new("sh")
        .arg("-c")
        .arg(format!("{} -sS -i", curl.trim_end())));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("NEED_SIGN"),
        "{answer}"
    );

    let body = testdata("vectors/sign/post_json_utf8/body");
    let (code, curl, stderr) = run(wechatpay(Some(&server))
        .args([
            "sign",
            "--method",
            "POST",
            "--url",
            "/v3/x",
            "--curl",
            "--body-file",
        ])
        .arg(&body));
    assert_eq!(code, 0, "{stderr}");
    assert!(curl.contains("--data-binary '"), "{curl}");
}

/// Command line 10: completion scripts.
#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, stdout, stderr) = run(wechatpay(None).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(
            stdout.contains("applyment") && stdout.contains("platform-cert"),
            "{shell}"
        );
    }
}

/// Security 5: numbers too large for a `Duration` are usage errors, not panics.
#[test]
fn huge_durations_are_usage_errors() {
    for args in [
        &["applyment", "X", "--timeout", "1e20"][..],
        &["applyment", "X", "--watch", "--interval", "1e20"],
        &["applyment", "X", "--timeout", "inf"],
        &["applyment", "X", "--timeout", "-1"],
        &["applyment", "X", "--max-skew", "18446744073709551615"],
        &[
            "verify",
            "--timestamp",
            "1",
            "--nonce",
            "n",
            "--signature",
            "s",
            "--serial",
            "x",
            "--max-skew",
            "99999999999",
        ],
    ] {
        let (code, _, stderr) = run(wechatpay(None).args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Security 7: `wechatpay mock` writes its keys into a fresh private folder, never into a
/// predictable one another user could have prepared.
#[cfg(unix)]
#[test]
fn mock_keys_go_to_a_fresh_private_folder() {
    use std::os::unix::fs::PermissionsExt;
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // What another local user could prepare: the old predictable name, as a symlink.
    let trap = Scratch::new("trap");
    let predictable = PathBuf::from(format!("/tmp/wechatpay-mock-{port}"));
    let _ = std::fs::remove_file(&predictable);
    std::os::unix::fs::symlink(&trap.0, &predictable).unwrap();
    let mock = MockProcess::start(&["--port", &port.to_string()]);
    let key = PathBuf::from(
        &mock
            .settings
            .iter()
            .find(|(name, _)| name == "WECHATPAY_PRIVATE_KEY")
            .unwrap()
            .1,
    );
    let folder = key.parent().unwrap().to_owned();
    let result = std::panic::catch_unwind(|| {
        assert_ne!(folder, predictable);
        assert_eq!(
            std::fs::read_dir(&trap.0).unwrap().count(),
            0,
            "keys written into the trap"
        );
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", folder.display());
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    });
    let _ = std::fs::remove_file(&predictable);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    mock.query_need_sign();
    mock.interrupt();
    assert!(!folder.exists(), "the keys outlive the mock");
}

#[test]
fn mock_saves_its_state_on_stop_and_starts_from_it() {
    let dir = std::env::temp_dir().join(format!("wechatpay-cli-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("world.json");
    let file = file.to_str().unwrap();

    let mock = MockProcess::start(&["--control", "--save-state", file]);
    let (status, body) = control(
        &mock.url,
        "POST",
        "/mock/advance",
        &format!(
            r#"{{"kind":"applyment","id":"{}","to":"FINISH"}}"#,
            seeded::AUDITING
        ),
    );
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"notices":0,"state":"FINISH"}"#)
    );
    let (status, body) = control(
        &mock.url,
        "POST",
        "/mock/advance",
        r#"{"kind":"applyment","id":"nobody"}"#,
    );
    assert_eq!(status, 404, "{body}");
    let rest = mock.interrupt();
    assert!(
        rest.iter().any(|l| l == &format!("state saved to {file}")),
        "{rest:?}"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(saved["format"], 1);

    // Started from it, polled applyments move by themselves.
    let mock = MockProcess::start(&["--load-state", file, "--schedule", "every-query"]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command
        .env_clear()
        .envs(mock.settings.clone())
        .args(["applyment", seeded::AUDITING]);
    let (code, stdout, stderr) = run(&mut command);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FINISH"), "{stdout}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command
        .env_clear()
        .envs(mock.settings.clone())
        .args(["applyment", seeded::CHECKING]);
    let (code, stdout, stderr) = run(&mut command);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("AUDITING"),
        "one step on the first poll: {stdout}"
    );
    drop(mock);

    // A state that does not read stops the mock before it serves anything.
    std::fs::write(file, r#"{"format":1,"tables":{"rockets":[]}}"#).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wechatpay"));
    command.env_clear().args(["mock", "--load-state", file]);
    let (code, stdout, stderr) = run(&mut command);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("\"rockets\""), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
