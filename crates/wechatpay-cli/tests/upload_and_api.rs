//! `wechatpay upload` and `wechatpay api`, driven as a user drives them, against a loopback
//! mock platform run by the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;
use wechatpay_core::merchant::media::MediaKind;
use wechatpay_fixtures::media::{CLIP_MP4, LOGO_PNG};
use wechatpay_mock::records::{PAGE_EXAMPLE_APPLYMENT, media_id_for, seeded};

/// A fresh folder with `name` holding `bytes`.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (folder, path)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn upload_prints_the_media_id_of_an_image_or_a_video() {
    let (platform, server) = mock();
    let (_folder, logo) = file("门店 logo.png", LOGO_PNG);
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(["upload", arg(&logo)]));
    assert_eq!(code, 0, "{stderr}");
    let media_id = media_id_for(MediaKind::Image, LOGO_PNG);
    assert_eq!(stdout, format!("{media_id}\n"));
    let record = platform
        .media(&media_id)
        .expect("the platform has the upload");
    assert_eq!(record.filename, "门店 logo.png");

    let (_folder, clip) = file("clip.MP4", CLIP_MP4);
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["upload", arg(&clip), "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({"media_id": media_id_for(MediaKind::Video, CLIP_MP4)})
    );
}

#[test]
fn upload_refuses_before_signing_what_the_platform_would_refuse() {
    let (platform, server) = mock();
    let mut big = LOGO_PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let mut huge = CLIP_MP4.to_vec();
    huge.resize(6 * 1024 * 1024, 0);
    let cases: [(&str, &[u8], &[&str]); 5] = [
        (
            "logo.jpg",
            LOGO_PNG,
            &[
                ".jpg does not match the content, a PNG image",
                "rename the file",
            ],
        ),
        (
            "notes.png",
            b"just text",
            &["no known format", "upload a JPG, BMP or PNG image"],
        ),
        (
            "big.png",
            &big,
            &["2097153 bytes, over the 2 MiB (2097152-byte) limit of image uploads"],
        ),
        (
            "huge.mp4",
            &huge,
            &["6291456 bytes, over every upload limit"],
        ),
        ("empty.png", b"", &["is empty"]),
    ];
    for (name, bytes, expected) in cases {
        let (_folder, path) = file(name, bytes);
        let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(["upload", arg(&path)]));
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stdout.is_empty());
        for text in expected {
            assert!(
                stderr.contains(text),
                "{name}: {text:?} missing from {stderr}"
            );
        }
    }
    let (code, _, stderr) = run(wechatpay(Some(&server)).args(["upload", "/no/such/file.png"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot read /no/such/file.png"), "{stderr}");
    assert!(platform.requests().is_empty(), "nothing may be sent");
}

#[test]
fn api_get_prints_the_verified_answer_as_received() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "GET",
        "/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, format!("{}\n", PAGE_EXAMPLE_APPLYMENT.trim_end()));

    // A request number that needs encoding, typed half raw: the id above 2^53 comes back exact.
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "get",
        "/v3/ecommerce/applyments/out-request-no/商户申请%2F2024 %231%3F",
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("\"applyment_id\":9007199254740993"),
        "{stdout}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["out_request_no"],
        seeded::CHECKING
    );

    // With a query.
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "GET",
        "/v3/ecommerce/fund/balance/1900000109?account_type=BASIC",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["available_amount"],
        10000
    );
}

#[test]
fn api_post_encrypts_the_fields_named_and_the_platform_takes_the_applyment() {
    let (_platform, server) = mock();
    let body = r#"{
  "out_request_no": "APPLYMENT_CLI_0001",
  "organization_type": "2401",
  "id_card_info": {"id_card_name": "张三", "id_card_number": "110101199003070011"},
  "contact_info": {"contact_type": "65", "contact_name": "张三"}
}"#;
    let (_folder, data) = file("applyment.json", body.as_bytes());
    let data_arg = format!("@{}", arg(&data));
    let encrypt = [
        "--encrypt",
        "/id_card_info/id_card_name",
        "--encrypt",
        "/id_card_info/id_card_number",
        "--encrypt",
        "/contact_info/contact_name",
    ];

    // One field left in plaintext: the platform names it, and the command exits 3.
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .args([
            "api",
            "POST",
            "/v3/ecommerce/applyments/",
            "--data",
            &data_arg,
        ])
        .args(&encrypt[..4]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("PARAM_ERROR") && stderr.contains("contact_info.contact_name"),
        "{stderr}"
    );
    assert!(!stderr.contains("110101199003070011"), "{stderr}");

    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .args([
            "api",
            "POST",
            "/v3/ecommerce/applyments/",
            "--data",
            &data_arg,
        ])
        .args(encrypt));
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(answer["out_request_no"], "APPLYMENT_CLI_0001");
    assert!(answer["applyment_id"].is_u64(), "{answer}");

    // The typed command sees it.
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", "APPLYMENT_CLI_0001"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("CHECKING"), "{stdout}");

    // The body from standard input, inline JSON too.
    let mut command = wechatpay(Some(&server));
    command
        .args(["api", "POST", "/v3/ecommerce/applyments/", "--data", "@-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(br#"{"out_request_no":"APPLYMENT_CLI_0002","organization_type":"2401"}"#)
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("APPLYMENT_CLI_0002"));
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "POST",
        "/v3/ecommerce/applyments/",
        "-d",
        r#"{"out_request_no":"APPLYMENT_CLI_0003","organization_type":"2401"}"#,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("APPLYMENT_CLI_0003"), "{stdout}");
}

#[test]
fn api_usage_errors_exit_2_before_anything_is_sent_and_api_errors_exit_3() {
    let (platform, server) = mock();
    let cases: [(&[&str], &str); 7] = [
        (
            &["api", "FETCH", "/v3/x"],
            "not a method of APIv3 endpoints",
        ),
        (&["api", "G T", "/v3/x"], "is not an HTTP method"),
        (&["api", "GET", "v3/x"], "must start with '/'"),
        (
            &["api", "GET", "/v3/x", "--data", "{}"],
            "a GET has no body",
        ),
        (
            &["api", "POST", "/v3/x", "--data", "{\"a\": "],
            "is not one JSON document",
        ),
        (
            &[
                "api",
                "POST",
                "/v3/x",
                "--data",
                "{\"a\": 1}",
                "--encrypt",
                "/a",
            ],
            "holds a number, not a string",
        ),
        (
            &[
                "api",
                "POST",
                "/v3/x",
                "--data",
                "{\"a\": \"b\"}",
                "--encrypt",
                "/b",
            ],
            "names no field of the body",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let (code, _, stderr) =
        run(wechatpay(Some(&server)).args(["api", "POST", "/v3/x", "--data", "@/no/such.json"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot read /no/such.json"), "{stderr}");
    assert!(platform.requests().is_empty(), "nothing may be sent");

    let (code, _, stderr) =
        run(wechatpay(Some(&server)).args(["api", "GET", "/v3/no/such/api", "--output", "json"]));
    assert_eq!(code, 3, "{stderr}");
    let error: Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(error["error"]["code"], "RESOURCE_NOT_EXISTS");
    assert!(error["error"]["request_id"].is_string(), "{error}");
}

#[test]
fn api_pretty_prints_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        // CI installs it (.ci/run): there, a missing tool is a failure, not a skip.
        assert!(std::env::var_os("CI").is_none(), "CI must provide `script`");
        eprintln!("skipped: no `script` command");
        return;
    }
    let (_platform, server) = mock();
    let line = format!(
        "{} api GET /v3/ecommerce/applyments/out-request-no/APPLYMENT_AUDITING",
        env!("CARGO_BIN_EXE_wechatpay")
    );
    let (code, stdout, stderr) =
        run(configured(Command::new("script"), Some(&server)).args(["-qec", &line, "/dev/null"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("{\r\n  \"applyment_id\": 2000002124775693,\r\n"),
        "{stdout:?}"
    );
}
