//! `wechatpay certificates`, and the other subcommands downloading the platform certificates
//! themselves when no platform key is given, against a loopback mock platform.

mod common;

use common::*;
use serde_json::Value;
use wechatpay_mock::records::seeded;
use wechatpay_mock::{CertificateKey, MockKeys, PlatformMode};

/// The binary with the merchant and the APIv3 key set, and no platform key: certificate mode
/// without saved certificates.
fn without_platform_keys(server: &wechatpay_mock::MockServer) -> std::process::Command {
    let mut command = wechatpay(Some(server));
    command
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .env("WECHATPAY_APIV3_KEY", MockKeys::fixtures().api_v3_key);
    command
}

#[test]
fn in_public_key_mode_certificates_exits_3_saying_public_key() {
    let (_platform, server) = mock();
    let (code, stdout, stderr) = run(without_platform_keys(&server).arg("certificates"));
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("uses the WeChat Pay public key") && stderr.contains("--public-key-id"),
        "{stderr}"
    );

    let (code, _, stderr) =
        run(without_platform_keys(&server).args(["certificates", "--output", "json"]));
    assert_eq!(code, 3);
    let error: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(error["error"]["kind"], "api");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("public key"),
        "{error}"
    );
}

#[test]
fn certificates_needs_the_apiv3_key_and_never_echoes_it() {
    let (_platform, server) = mock();
    let (code, _, stderr) = run(wechatpay(Some(&server)).arg("certificates"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--apiv3-key"), "{stderr}");

    let wrong = "not the key, and 35 bytes long ....";
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env("WECHATPAY_APIV3_KEY", wrong)
        .arg("certificates"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stdout.contains(wrong) && !stderr.contains(wrong),
        "the APIv3 key was echoed: {stderr}"
    );
}

#[test]
fn a_call_without_platform_keys_downloads_them_or_says_how_to_give_them() {
    let (_platform, server) = mock();
    // Neither a platform key nor the APIv3 key: every way out is named.
    let (code, _, stderr) = run(wechatpay(Some(&server))
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 2, "{stderr}");
    for flag in ["--public-key-id", "--platform-cert", "--apiv3-key"] {
        assert!(stderr.contains(flag), "{flag} missing from {stderr}");
    }
    // With the APIv3 key, the call downloads first: a public key merchant is told so.
    let (code, _, stderr) = run(without_platform_keys(&server).args(["applyment", seeded::FINISH]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("public key"), "{stderr}");
}

#[test]
fn in_certificate_mode_certificates_lists_and_saves_each_one() {
    let (platform, server) = mock_in(PlatformMode::Certificate);
    // A rotation under way: the current certificate and its successor, both listed.
    let next = CertificateKey::next_fixture();
    platform.rotate_certificate(next.clone()).unwrap();
    let current = MockKeys::fixtures().certificate.unwrap();

    let (code, stdout, stderr) = run(without_platform_keys(&server).arg("certificates"));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    for (line, serial) in lines.iter().zip([&current.serial, &next.serial]) {
        assert!(
            line.starts_with(serial.as_str())
                && line.contains("valid from ")
                && line.contains("+08:00"),
            "{line}"
        );
    }

    let folder = tempfile::tempdir().unwrap();
    let save = folder.path().join("certs");
    let (code, stdout, stderr) = run(without_platform_keys(&server).args([
        "certificates",
        "--output",
        "json",
        "--save",
        save.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{stdout}");
    for (entry, certificate) in listed.iter().zip([&current, &next]) {
        assert_eq!(entry["serial_no"], certificate.serial.as_str());
        assert!(entry["not_before"].as_u64().unwrap() < entry["not_after"].as_u64().unwrap());
        let path = save.join(format!("{}.pem", certificate.serial));
        assert_eq!(entry["saved"], path.to_str().unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            certificate.certificate_pem.trim()
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(&save)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("{}.pem", next.serial),
            format!("{}.pem", current.serial)
        ],
        "nothing but the certificates"
    );

    // What was saved is what --platform-cert takes.
    let (code, stdout, stderr) = run(wechatpay(Some(&server))
        .env_remove("WECHATPAY_PUBLIC_KEY_ID")
        .env_remove("WECHATPAY_PUBLIC_KEY")
        .env(
            "WECHATPAY_PLATFORM_CERTS",
            save.join(format!("{}.pem", current.serial)),
        )
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FINISH"), "{stdout}");
}

#[test]
fn in_certificate_mode_a_call_with_only_the_apiv3_key_downloads_the_certificates_first() {
    let (platform, server) = mock_in(PlatformMode::Certificate);
    let (code, stdout, stderr) =
        run(without_platform_keys(&server).args(["applyment", seeded::FINISH]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("FINISH"), "{stdout}");
    let asked: Vec<String> = platform
        .requests()
        .iter()
        .map(|seen| format!("{} {}", seen.method, seen.path_and_query))
        .collect();
    assert_eq!(
        asked,
        [
            "GET /v3/certificates".to_owned(),
            format!(
                "GET /v3/ecommerce/applyments/out-request-no/{}",
                seeded::FINISH
            ),
        ]
    );

    // The same with the APIv3 key of another merchant: the certificates do not decrypt.
    let (code, _, stderr) = run(without_platform_keys(&server)
        .env("WECHATPAY_APIV3_KEY", "Other0ApiV3Key0000000000SECRET02")
        .args(["applyment", seeded::FINISH]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("next: check --apiv3-key / WECHATPAY_APIV3_KEY: the certificates in the answer did not decrypt"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Other0ApiV3Key0000000000SECRET02"),
        "the APIv3 key was echoed: {stderr}"
    );
}
