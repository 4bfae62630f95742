//! `wechatpay certificates`, and the other subcommands downloading the platform certificates
//! themselves when no platform key is given, against a loopback mock platform.

mod common;

use common::*;
use serde_json::Value;
use wechatpay_mock::MockKeys;
use wechatpay_mock::records::seeded;

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
