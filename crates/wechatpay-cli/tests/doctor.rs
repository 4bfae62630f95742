//! `wechatpay doctor`: one line per check, the fix for each failed one, and the exit code of
//! the first failure, offline and against servers on loopback.

mod common;

use common::*;
use serde_json::Value;

/// The fixture merchant's certificate.
fn merchant_cert() -> String {
    fixture("keys/merchant_cert.pem").display().to_string()
}

/// The line of the check `name`, from text output.
fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| {
            line.split_once(' ')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(&format!("{name}: ")))
        })
        .unwrap_or_else(|| panic!("no {name:?} line in:\n{stdout}"))
}

fn status<'a>(stdout: &'a str, name: &str) -> &'a str {
    line(stdout, name).split_whitespace().next().unwrap_or("")
}

#[test]
fn the_fixture_configuration_passes_every_offline_check() {
    let (code, stdout, stderr) =
        run(wechatpay(None).args(["doctor", "--offline", "--merchant-cert", &merchant_cert()]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    for name in [
        "mchid",
        "serial_no",
        "private key",
        "merchant certificate",
        "private key is the certificate's",
        "serial_no is the certificate's",
        "platform public key id",
        "platform public key",
    ] {
        assert_eq!(status(&stdout, name), "ok", "{name}:\n{stdout}");
    }
    for name in [
        "platform certificates",
        "APIv3 key",
        "clock",
        "echo",
        "encrypted field",
    ] {
        assert_eq!(status(&stdout, name), "skipped", "{name}:\n{stdout}");
    }
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn settings_in_the_wrong_place_are_named_with_their_fix_and_exit_2() {
    let secret = "an APIv3 key that is not 32 bytes";
    let (code, stdout, stderr) = run(wechatpay(None)
        .env(
            "WECHATPAY_MCHID",
            "PUB_KEY_ID_0119000000012024112300000000000001",
        )
        .env("WECHATPAY_SERIAL_NO", "1900000001")
        .env(
            "WECHATPAY_PUBLIC_KEY_ID",
            "3775B6A45ACD588826D15E583A95F5DD20000001",
        )
        .env("WECHATPAY_APIV3_KEY", secret)
        .args(["doctor", "--offline"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    let mchid = line(&stdout, "mchid");
    assert!(
        mchid.starts_with("FAIL") && mchid.contains("public key id") && mchid.contains("fix: "),
        "{mchid}"
    );
    // Hex digits only, so it parses as a serial; the certificate check would tell.
    assert_eq!(status(&stdout, "serial_no"), "ok", "{stdout}");
    let key_id = line(&stdout, "platform public key id");
    assert!(
        key_id.starts_with("FAIL") && key_id.contains("looks like a certificate serial"),
        "{key_id}"
    );
    let apiv3 = line(&stdout, "APIv3 key");
    assert!(apiv3.starts_with("FAIL") && apiv3.contains("32"), "{apiv3}");
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "the APIv3 key was echoed"
    );
    assert_eq!(status(&stdout, "private key"), "ok", "{stdout}");
    assert!(
        stderr.contains("checks failed: mchid, platform public key id, APIv3 key"),
        "{stderr}"
    );
}

#[test]
fn the_private_key_and_the_serial_are_checked_against_the_merchant_certificate() {
    // The platform's certificate and key stand in for another merchant's pair.
    let (code, stdout, stderr) = run(wechatpay(None)
        .env("WECHATPAY_PRIVATE_KEY", fixture("keys/platform_key.pem"))
        .env(
            "WECHATPAY_SERIAL_NO",
            "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        )
        .args(["doctor", "--offline", "--merchant-cert", &merchant_cert()]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    let key = line(&stdout, "private key is the certificate's");
    assert!(
        key.starts_with("FAIL") && key.contains("apiclient_key.pem"),
        "{key}"
    );
    let serial = line(&stdout, "serial_no is the certificate's");
    assert!(
        serial.starts_with("FAIL")
            && serial.contains(
                "set --serial-no / WECHATPAY_SERIAL_NO to 3775B6A45ACD588826D15E583A95F5DD20000001"
            ),
        "{serial}"
    );

    // A key file where the certificate belongs is named as such.
    let (code, stdout, _) = run(wechatpay(None).args([
        "doctor",
        "--offline",
        "--merchant-cert",
        &fixture("keys/merchant_key.pem").display().to_string(),
    ]));
    assert_eq!(code, 2);
    let certificate = line(&stdout, "merchant certificate");
    assert!(
        certificate.starts_with("FAIL") && certificate.contains("apiclient_cert.pem"),
        "{certificate}"
    );
    assert_eq!(
        status(&stdout, "private key is the certificate's"),
        "skipped"
    );
    assert!(
        !stdout.contains("PRIVATE KEY-----\nMII"),
        "key material shown:\n{stdout}"
    );
}

#[test]
fn platform_certificates_are_checked_for_validity_and_a_missing_platform_key_is_named() {
    let (code, stdout, _) = run(wechatpay(None)
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .env(
            "WECHATPAY_PLATFORM_CERTS",
            format!(
                "{},{}",
                fixture("keys/platform_cert.pem").display(),
                fixture("keys/platform_cert_expired.pem").display()
            ),
        )
        .args(["doctor", "--offline"]));
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(status(&stdout, "platform public key"), "skipped");
    let certificates = line(&stdout, "platform certificates");
    assert!(
        certificates.starts_with("FAIL")
            && certificates.contains("6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90")
            && !certificates.contains("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")
            && certificates.contains("wechatpay certificates --save"),
        "{certificates}"
    );

    let (code, stdout, _) = run(wechatpay(None)
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .args(["doctor", "--offline"]));
    assert_eq!(code, 2, "{stdout}");
    let keys = line(&stdout, "platform keys");
    assert!(
        keys.starts_with("FAIL")
            && keys.contains("--public-key-id")
            && keys.contains("--platform-cert"),
        "{keys}"
    );
}

#[test]
fn json_output_is_an_array_of_checks() {
    let (code, stdout, stderr) = run(wechatpay(None).env("WECHATPAY_MCHID", "abc").args([
        "doctor",
        "--offline",
        "--output",
        "json",
    ]));
    assert_eq!(code, 2, "{stderr}");
    let checks: Value = serde_json::from_str(&stdout).unwrap();
    let checks = checks.as_array().unwrap();
    let by_name = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name}: {checks:?}"))
    };
    assert_eq!(by_name("mchid")["status"], "fail");
    assert!(
        by_name("mchid")["fix"]
            .as_str()
            .unwrap()
            .contains("--mchid")
    );
    assert_eq!(by_name("private key")["status"], "ok");
    assert_eq!(by_name("private key")["fix"], Value::Null);
    assert_eq!(by_name("echo")["status"], "skipped");
    let error: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(error["error"]["kind"], "usage");
}

#[test]
fn without_an_answer_the_online_checks_fail_with_the_transport_exit_code() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (code, stdout, stderr) =
        run(wechatpay(None)
            .env("WECHATPAY_BASE_URL", &closed)
            .args(["doctor", "--timeout", "2"]));
    assert_eq!(code, 5, "{stdout}{stderr}");
    assert_eq!(status(&stdout, "clock"), "skipped");
    let echo = line(&stdout, "echo");
    assert!(echo.starts_with("FAIL") && echo.contains(&closed), "{echo}");
}

#[test]
fn a_server_clock_far_off_fails_the_clock_check() {
    // Decades behind: the clock line says by how much, and the unsigned answer fails the echo.
    let answer = "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
                  Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    let url = foreign_server(answer);
    let (code, stdout, stderr) = run(wechatpay(None)
        .env("WECHATPAY_BASE_URL", &url)
        .args(["doctor"]));
    assert_eq!(code, 4, "{stdout}{stderr}");
    let clock = line(&stdout, "clock");
    assert!(
        clock.starts_with("FAIL")
            && clock.contains("ahead of the server's Date Sun, 06 Nov 1994 08:49:37 GMT")
            && clock.contains("synchronise"),
        "{clock}"
    );
    assert_eq!(status(&stdout, "echo"), "FAIL", "{stdout}");
    assert_eq!(status(&stdout, "encrypted field"), "skipped", "{stdout}");
}

#[test]
fn without_platform_keys_the_apiv3_key_downloads_them_and_a_public_key_merchant_is_told() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .env(
            "WECHATPAY_APIV3_KEY",
            wechatpay_mock::MockKeys::fixtures().api_v3_key,
        )
        .arg("doctor"));
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert_eq!(status(&stdout, "platform keys"), "skipped", "{stdout}");
    let download = line(&stdout, "certificate download");
    assert!(
        download.starts_with("FAIL")
            && download.contains("uses the WeChat Pay public key")
            && download.contains("fix: pass --public-key-id"),
        "{download}"
    );
    for name in ["clock", "echo", "encrypted field"] {
        assert_eq!(status(&stdout, name), "skipped", "{name}:\n{stdout}");
    }
}

/// The paths the mock platform was asked for, in order.
fn asked(platform: &wechatpay_mock::MockPlatform) -> Vec<String> {
    platform
        .requests()
        .iter()
        .map(|seen| format!("{} {}", seen.method, seen.path_and_query))
        .collect()
}

#[test]
fn every_check_passes_against_the_mock_in_public_key_mode() {
    let (platform, server) = mock();
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env(
            "WECHATPAY_APIV3_KEY",
            wechatpay_mock::MockKeys::fixtures().api_v3_key,
        )
        .args(["doctor", "--merchant-cert", &merchant_cert()]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    for name in [
        "mchid",
        "serial_no",
        "private key",
        "merchant certificate",
        "private key is the certificate's",
        "serial_no is the certificate's",
        "platform public key id",
        "platform public key",
        "APIv3 key",
        "clock",
        "echo",
        "encrypted field",
    ] {
        assert_eq!(status(&stdout, name), "ok", "{name}:\n{stdout}");
    }
    assert_eq!(status(&stdout, "platform certificates"), "skipped");
    assert_eq!(status(&stdout, "certificate download"), "skipped");
    let key_id = "PUB_KEY_ID_0119000000012024112300000000000001";
    assert!(line(&stdout, "echo").contains(key_id), "{stdout}");
    assert!(
        line(&stdout, "encrypted field").contains(&format!("sent encrypted to {key_id}")),
        "{stdout}"
    );
    assert!(line(&stdout, "clock").contains("server's Date"), "{stdout}");
    assert_eq!(asked(&platform), ["POST /v3/security/echo"]);
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn in_certificate_mode_the_downloaded_certificate_carries_the_echo() {
    let (platform, server) = mock_in(wechatpay_mock::PlatformMode::Certificate);
    let serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .env(
            "WECHATPAY_APIV3_KEY",
            wechatpay_mock::MockKeys::fixtures().api_v3_key,
        )
        .args(["doctor", "--output", "json"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let checks: Value = serde_json::from_str(&stdout).unwrap();
    let by_name = |name: &str| {
        checks
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name}: {checks}"))
            .clone()
    };
    assert_eq!(by_name("platform keys")["status"], "skipped");
    for name in ["certificate download", "clock", "echo", "encrypted field"] {
        let check = by_name(name);
        assert_eq!(check["status"], "ok", "{check}");
        assert!(
            name == "clock" || check["detail"].as_str().unwrap().contains(serial),
            "{check}"
        );
    }
    assert_eq!(
        asked(&platform),
        ["GET /v3/certificates", "POST /v3/security/echo"]
    );
}

#[test]
fn a_request_the_platform_refuses_or_an_answer_that_fails_verification_fails_the_echo() {
    let (platform, server) = mock();
    // Another key signs: the platform refuses the signature (exit 3, its SIGN_ERROR shown).
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_PRIVATE_KEY", fixture("keys/platform_key.pem"))
        .arg("doctor"));
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert_eq!(status(&stdout, "private key"), "ok", "{stdout}");
    let echo = line(&stdout, "echo");
    assert!(
        echo.starts_with("FAIL") && echo.contains("SIGN_ERROR") && echo.contains("--private-key"),
        "{echo}"
    );
    assert_eq!(status(&stdout, "encrypted field"), "skipped", "{stdout}");

    // A stale answer: the request went through, the answer is refused (exit 4).
    platform.inject(wechatpay_mock::Fault::StaleTimestamp, 1);
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).arg("doctor"));
    assert_eq!(code, 4, "{stdout}{stderr}");
    let echo = line(&stdout, "echo");
    assert!(
        echo.starts_with("FAIL") && echo.contains("synchronise"),
        "{echo}"
    );
}
