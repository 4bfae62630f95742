//! `wechatpay submit-applyment`, `pay`, `refund` and `share`, driven as a user drives them,
//! against a loopback mock platform run by the test, which moves the sandbox's records
//! (pays orders, completes refunds and sharings) as the payer and WeChat Pay would.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use common::*;
use serde_json::{Value, json};
use wechatpay_fixtures::media::{LOGO_BMP, LOGO_PNG};
use wechatpay_mock::MockKeys;

const APPID: &str = "wx8888888888888888";
const SELLER: &str = "1900000201";
const SELLER_B: &str = "1900000202";
const SUPPLIER: &str = "1900000200";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const NOTIFY: &str = "https://merchant.example/wxpay/notify";

/// A moment after every record the binary made: the sandbox moves records at a given time.
fn later() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 60
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Runs the binary with `input` on its standard input.
fn run_with_stdin(command: &mut std::process::Command, input: &[u8]) -> (i32, String, String) {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Uploads `bytes` as `name` with the binary; its media_id.
fn upload(server: &wechatpay_mock::MockServer, dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let (code, stdout, stderr) =
        run(wechatpay(Some(server)).args(["upload", path.to_str().unwrap(), "--output", "json"]));
    assert_eq!(code, 0, "{stderr}");
    json_of(&stdout)["media_id"].as_str().unwrap().to_owned()
}

/// A micro merchant's applyment, in the page's field names, personal data in plaintext.
fn micro(out_request_no: &str, front: &str, back: &str) -> Value {
    json!({
        "out_request_no": out_request_no,
        "organization_type": "2401",
        "merchant_shortname": "爱烧烤",
        "id_card_info": {
            "id_card_copy": front, "id_card_national": back,
            "id_card_name": "张三", "id_card_number": "110101199003070011",
            "id_card_valid_time_begin": "2019-06-06", "id_card_valid_time": "2039-06-06"
        },
        "account_info": {
            "bank_account_type": "75", "account_bank": "工商银行", "account_name": "张三",
            "bank_address_code": "110000", "account_number": "6214830000001234"
        },
        "contact_info": {"contact_type": "65", "contact_name": "张三", "mobile_phone": "13900000000"},
        "sales_scene_info": {"store_name": "爱烧烤", "store_url": "https://shop.example"},
        "settlement_info": {"settlement_id": 719, "qualification_type": "餐饮"}
    })
}

/// Strings a message must never show: the applyment's personal data.
const PERSONAL: [&str; 4] = [
    "张三",
    "110101199003070011",
    "6214830000001234",
    "13900000000",
];

#[test]
fn submit_applyment_encrypts_the_personal_data_and_the_platform_takes_it() {
    let (_platform, server) = mock();
    let dir = tempfile::tempdir().unwrap();
    let front = upload(&server, dir.path(), "front.png", LOGO_PNG);
    let back = upload(&server, dir.path(), "back.bmp", LOGO_BMP);

    let file = dir.path().join("applyment.json");
    std::fs::write(&file, micro("APPLY_CLI_0001", &front, &back).to_string()).unwrap();
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["submit-applyment", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("out_request_no APPLY_CLI_0001"), "{stdout}");
    assert!(
        stdout.contains("wechatpay applyment 'APPLY_CLI_0001' --watch"),
        "{stdout}"
    );
    for text in PERSONAL {
        assert!(!stdout.contains(text) && !stderr.contains(text), "{text}");
    }

    // From standard input, for scripts; a company with its licence and an agent's e-mail.
    let mut enterprise = micro("APPLY_CLI_0002", &front, &back);
    enterprise["organization_type"] = json!("2");
    enterprise["account_info"]["bank_account_type"] = json!("74");
    enterprise["contact_info"]["contact_email"] = json!("zhang@example.com");
    enterprise["id_card_info"]["id_card_address"] = json!("北京市东城区");
    enterprise["id_card_info"]["id_card_valid_time"] = json!("长期");
    enterprise["owner"] = json!(true);
    enterprise["business_license_info"] = json!({
        "business_license_copy": front, "business_license_number": "914201123033363296",
        "merchant_name": "腾讯科技有限公司", "legal_person": "张三",
        "business_time": "[\"2014-01-01\",\"长期\"]"
    });
    let (code, stdout, stderr) = run_with_stdin(
        wechatpay(Some(&server)).args(["submit-applyment", "-", "--output", "json"]),
        enterprise.to_string().as_bytes(),
    );
    assert_eq!(code, 0, "{stderr}");
    let answer = json_of(&stdout);
    assert_eq!(answer["out_request_no"], "APPLY_CLI_0002");
    assert!(answer["applyment_id"].is_u64(), "{answer}");

    // The platform decrypted what it needs and holds the applyment.
    let (code, stdout, stderr) =
        run(wechatpay(Some(&server)).args(["applyment", "APPLY_CLI_0001"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("CHECKING"), "{stdout}");
}

#[test]
fn submit_applyment_refuses_a_bad_description_before_sending_naming_the_field() {
    let (platform, server) = mock();
    let good = micro("APPLY_CLI_BAD", "MEDIA_FRONT", "MEDIA_BACK");
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut no_phone = good.clone();
    no_phone["contact_info"]
        .as_object_mut()
        .unwrap()
        .remove("mobile_phone");
    cases.push((no_phone, "contact_info.mobile_phone is missing"));
    let mut short_phone = good.clone();
    short_phone["contact_info"]["mobile_phone"] = json!("1390000");
    cases.push((short_phone, "invalid contact_info.mobile_phone"));
    let mut bad_number = good.clone();
    bad_number["id_card_info"]["id_card_number"] = json!("11010119900307001Z");
    cases.push((bad_number, "invalid id_card_info.id_card_number"));
    let mut misspelt = good.clone();
    misspelt["contact_info"]["phone"] = json!("13900000000");
    cases.push((misspelt, "contact_info.phone is not a field"));
    let mut licensed = good.clone();
    licensed["business_license_info"] = json!({
        "business_license_copy": "MEDIA", "business_license_number": "914201123033363296",
        "merchant_name": "x", "legal_person": "张三"
    });
    cases.push((licensed, "invalid business_license_info"));
    let mut bad_date = good.clone();
    bad_date["id_card_info"]["id_card_valid_time_begin"] = json!("2019/06/06");
    cases.push((
        bad_date,
        "id_card_info.id_card_valid_time_begin must be a date",
    ));
    let mut backwards = good.clone();
    backwards["id_card_info"]["id_card_valid_time"] = json!("2009-06-06");
    cases.push((backwards, "invalid id_card_info.id_card_valid_time"));
    let mut company = good.clone();
    company["organization_type"] = json!("2");
    company["business_license_info"] = json!({
        "business_license_copy": "MEDIA", "business_license_number": "914201123033363296",
        "merchant_name": "x", "legal_person": "张三"
    });
    cases.push((company, "invalid account_info.bank_account_type"));
    let mut personal_account_number = good.clone();
    personal_account_number["account_info"]["account_number"] = json!(6214830000001234u64);
    cases.push((
        personal_account_number,
        "account_info.account_number must be a string",
    ));
    let mut half_agent = good.clone();
    half_agent["contact_info"]["contact_id_doc_copy"] = json!("MEDIA");
    cases.push((
        half_agent,
        "contact_info.contact_id_doc_copy is given without contact_info.contact_id_card_number",
    ));

    let dir = tempfile::tempdir().unwrap();
    for (i, (description, expected)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("{i}.json"));
        std::fs::write(&file, description.to_string()).unwrap();
        let (code, stdout, stderr) =
            run(wechatpay(Some(&server)).args(["submit-applyment", file.to_str().unwrap()]));
        assert_eq!(code, 2, "{expected}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
        for text in PERSONAL
            .iter()
            .chain(["11010119900307001Z", "1390000"].iter())
        {
            assert!(!stderr.contains(text), "{text} shown in {stderr}");
        }
    }
    let (code, _, stderr) = run_with_stdin(
        wechatpay(Some(&server)).args(["submit-applyment", "-"]),
        b"{\"out_request_no\": ",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not one JSON document"), "{stderr}");
    let (code, _, stderr) =
        run(wechatpay(Some(&server)).args(["submit-applyment", "/no/such/applyment.json"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot read /no/such/applyment.json"),
        "{stderr}"
    );
    assert!(platform.requests().is_empty(), "nothing may be sent");
}

/// Places a JSAPI partner order of `amount` fen with the binary; its JSON answer.
fn pay_jsapi(
    server: &wechatpay_mock::MockServer,
    out_trade_no: &str,
    amount: u64,
    extra: &[&str],
) -> Value {
    let amount = amount.to_string();
    let (code, stdout, stderr) = run(wechatpay(Some(server))
        .args([
            "pay",
            "--appid",
            APPID,
            "--openid",
            OPENID,
            "--sub-mchid",
            SELLER,
            "--out-trade-no",
            out_trade_no,
            "--amount",
            &amount,
            "--description",
            "T-shirt",
            "--notify-url",
            NOTIFY,
            "--output",
            "json",
        ])
        .args(extra));
    assert_eq!(code, 0, "{stderr}");
    json_of(&stdout)
}

#[test]
fn pay_places_a_partner_order_and_signs_the_payment_parameters() {
    let (platform, server) = mock();
    let answer = pay_jsapi(&server, "ORDER_CLI_0001", 2990, &[]);
    let prepay_id = answer["prepay"]["prepay_id"].as_str().unwrap();
    let params = &answer["pay_params"];
    assert_eq!(params["appId"], APPID);
    assert_eq!(params["package"], format!("prepay_id={prepay_id}"));
    assert_eq!(params["signType"], "RSA");
    // A 2048-bit RSA signature, base64.
    assert_eq!(params["paySign"].as_str().unwrap().len(), 344, "{params}");
    assert_eq!(
        platform.order_state(SELLER, "ORDER_CLI_0001").as_deref(),
        Some("NOTPAY")
    );

    // An app order: the app SDK's parameters name the placing merchant.
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "pay",
        "--type",
        "app",
        "--appid",
        APPID,
        "--sub-mchid",
        SELLER,
        "--out-trade-no",
        "ORDER_CLI_0002",
        "--amount",
        "100",
        "--description",
        "Socks",
        "--notify-url",
        NOTIFY,
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let answer = json_of(&stdout);
    assert_eq!(
        answer["pay_params"]["partnerid"],
        MockKeys::fixtures().mchid
    );
    assert_eq!(answer["pay_params"]["package"], "Sign=WXPay");
    assert_eq!(
        answer["pay_params"]["prepayid"],
        answer["prepay"]["prepay_id"]
    );

    // A Native order as text: the link to encode; an H5 order: the link to open.
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "pay",
        "--type",
        "native",
        "--appid",
        APPID,
        "--sub-mchid",
        SELLER,
        "--out-trade-no",
        "ORDER_CLI_0003",
        "--amount",
        "100",
        "--description",
        "Socks",
        "--notify-url",
        NOTIFY,
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("code_url   weixin://"), "{stdout}");
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "pay",
        "--type",
        "h5",
        "--appid",
        APPID,
        "--sub-mchid",
        SELLER,
        "--out-trade-no",
        "ORDER_CLI_0004",
        "--amount",
        "100",
        "--description",
        "Socks",
        "--notify-url",
        NOTIFY,
        "--payer-client-ip",
        "203.0.113.7",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("h5_url     http"), "{stdout}");

    // The payer pays: the order is paid.
    platform
        .advance("order", "ORDER_CLI_0001", None, later())
        .unwrap();
    assert_eq!(
        platform.order_state(SELLER, "ORDER_CLI_0001").as_deref(),
        Some("SUCCESS")
    );
}

#[test]
fn pay_places_a_combined_order_for_several_sub_merchants() {
    let (platform, server) = mock();
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "pay",
        "--appid",
        APPID,
        "--openid",
        OPENID,
        "--combine-out-trade-no",
        "COMBINE_CLI_1",
        "--sub-order",
        &format!("{SELLER}:COMBINE_CLI_1A:1000:T-shirt: blue"),
        "--sub-order",
        &format!("{SELLER_B}:COMBINE_CLI_1B:500:Socks"),
        "--notify-url",
        NOTIFY,
        "--profit-sharing",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("prepay_id  wx"), "{stdout}");
    assert!(stdout.contains("\"paySign\""), "{stdout}");
    assert_eq!(
        platform.order_state(SELLER, "COMBINE_CLI_1A").as_deref(),
        Some("NOTPAY")
    );
    platform
        .advance("order", "COMBINE_CLI_1", None, later())
        .unwrap();
    for (seller, number) in [(SELLER, "COMBINE_CLI_1A"), (SELLER_B, "COMBINE_CLI_1B")] {
        assert_eq!(
            platform.order_state(seller, number).as_deref(),
            Some("SUCCESS")
        );
    }
}

#[test]
fn pay_refuses_bad_input_before_sending_naming_the_flag() {
    let (platform, server) = mock();
    let partner = [
        "pay",
        "--appid",
        APPID,
        "--sub-mchid",
        SELLER,
        "--out-trade-no",
        "ORDER_CLI_0009",
        "--description",
        "T-shirt",
        "--notify-url",
        NOTIFY,
    ];
    let cases: [(Vec<&str>, &str); 8] = [
        (
            [&partner[..], &["--amount", "0", "--openid", OPENID]].concat(),
            "invalid --amount",
        ),
        (
            [&partner[..], &["--amount", "100"]].concat(),
            "--openid is missing",
        ),
        (
            [&partner[..], &["--amount", "100", "--type", "h5"]].concat(),
            "--payer-client-ip",
        ),
        ([&partner[..], &["--amount=-5"]].concat(), "--amount"),
        (
            [&partner[..], &["--amount", "100", "--sub-mchid", "19x"]].concat(),
            "--sub-mchid",
        ),
        (
            vec![
                "pay",
                "--appid",
                APPID,
                "--sub-mchid",
                SELLER,
                "--out-trade-no",
                "ORDER_X1",
                "--amount",
                "100",
                "--notify-url",
                NOTIFY,
                "--openid",
                OPENID,
            ],
            "--description is missing",
        ),
        (
            vec![
                "pay",
                "--appid",
                APPID,
                "--combine-out-trade-no",
                "C1",
                "--sub-order",
                "1900000201:C1A:ten:T-shirt",
                "--notify-url",
                NOTIFY,
                "--type",
                "native",
            ],
            "--sub-order 1900000201:C1A:ten:T-shirt: the amount ten",
        ),
        (
            vec![
                "pay",
                "--appid",
                APPID,
                "--sub-mchid",
                SELLER,
                "--out-trade-no",
                "ORDER_X2",
                "--amount",
                "100",
                "--description",
                "x",
                "--notify-url",
                "ftp://x",
                "--openid",
                OPENID,
            ],
            "invalid --notify-url",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    }
    assert!(platform.requests().is_empty(), "nothing may be sent");
}

#[test]
fn refund_applies_for_a_refund_of_a_paid_order_and_shows_it() {
    let (platform, server) = mock();
    pay_jsapi(&server, "ORDER_CLI_R1", 1000, &[]);
    platform
        .advance("order", "ORDER_CLI_R1", None, later())
        .unwrap();

    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "refund",
        "--sub-mchid",
        SELLER,
        "--appid",
        APPID,
        "--out-trade-no",
        "ORDER_CLI_R1",
        "--out-refund-no",
        "REFUND_CLI_1",
        "--amount",
        "300",
        "--total",
        "1000",
        "--reason",
        "out of stock",
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let applied = json_of(&stdout);
    assert_eq!(applied["out_refund_no"], "REFUND_CLI_1");
    assert_eq!(applied["amount"]["refund"], 300);
    assert!(applied["refund_id"].is_string(), "{applied}");

    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "refund",
        "--sub-mchid",
        SELLER,
        "--query",
        "REFUND_CLI_1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("status        PROCESSING"), "{stdout}");
    platform
        .advance("refund", "REFUND_CLI_1", None, later())
        .unwrap();
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "refund",
        "--sub-mchid",
        SELLER,
        "--query",
        "REFUND_CLI_1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("status        SUCCESS"), "{stdout}");
    assert!(stdout.contains("amount        300 fen"), "{stdout}");

    // More than is left: the platform refuses, exit 3.
    let (code, _, stderr) = run(wechatpay(Some(&server)).args([
        "refund",
        "--sub-mchid",
        SELLER,
        "--appid",
        APPID,
        "--out-trade-no",
        "ORDER_CLI_R1",
        "--out-refund-no",
        "REFUND_CLI_2",
        "--amount",
        "800",
        "--total",
        "1000",
    ]));
    assert_eq!(code, 3, "{stderr}");

    // Unknown: named as queried.
    let (code, _, stderr) = run(wechatpay(Some(&server)).args([
        "refund",
        "--sub-mchid",
        SELLER,
        "--query",
        "REFUND_NONE",
    ]));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("RESOURCE_NOT_EXISTS") || stderr.contains("REFUND_NONE"),
        "{stderr}"
    );
}

#[test]
fn refund_refuses_bad_input_before_sending_naming_the_flag() {
    let (platform, server) = mock();
    let base = [
        "refund",
        "--sub-mchid",
        SELLER,
        "--appid",
        APPID,
        "--out-refund-no",
        "R1",
    ];
    let cases: [(Vec<&str>, &str); 5] = [
        (
            [
                &base[..],
                &[
                    "--out-trade-no",
                    "O1",
                    "--amount",
                    "1200",
                    "--total",
                    "1000",
                ],
            ]
            .concat(),
            "invalid --amount",
        ),
        (
            [&base[..], &["--amount", "100", "--total", "1000"]].concat(),
            "--transaction-id",
        ),
        (
            [
                &base[..],
                &["--out-trade-no", "O1", "--amount", "100", "--total", "0"],
            ]
            .concat(),
            "invalid --total",
        ),
        (
            [
                &base[..],
                &[
                    "--out-trade-no",
                    "O 1",
                    "--amount",
                    "100",
                    "--total",
                    "1000",
                ],
            ]
            .concat(),
            "invalid --out-trade-no",
        ),
        (
            vec!["refund", "--sub-mchid", SELLER, "--query", "R 1"],
            "invalid --query",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    }
    assert!(platform.requests().is_empty(), "nothing may be sent");
}

#[test]
fn share_shares_a_paid_order_with_an_added_receiver_and_shows_it() {
    let (platform, server) = mock();
    pay_jsapi(&server, "ORDER_CLI_S1", 1000, &["--profit-sharing"]);
    platform
        .advance("order", "ORDER_CLI_S1", None, later())
        .unwrap();
    let mchid = MockKeys::fixtures().mchid;
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "GET",
        &format!(
            "/v3/pay/partner/transactions/out-trade-no/ORDER_CLI_S1?sp_mchid={mchid}&sub_mchid={SELLER}"
        ),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let transaction_id = json_of(&stdout)["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, _, stderr) = run(wechatpay(Some(&server)).args([
        "api",
        "POST",
        "/v3/ecommerce/profitsharing/receivers/add",
        "--data",
        &json!({"type": "MERCHANT_ID", "account": SUPPLIER, "name": "示例供应商",
                "relation_type": "SUPPLIER"})
        .to_string(),
    ]));
    assert_eq!(code, 0, "{stderr}");

    let order = [
        "share",
        "--sub-mchid",
        SELLER,
        "--transaction-id",
        &transaction_id,
        "--out-order-no",
        "SHARE_CLI_1",
    ];
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(order).args([
        "--to",
        &format!("{SUPPLIER}:100:commission: May"),
        "--output",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let created = json_of(&stdout);
    assert_eq!(created["out_order_no"], "SHARE_CLI_1");
    assert_eq!(created["status"], "PROCESSING");

    platform
        .advance("profitsharing", "SHARE_CLI_1", None, later())
        .unwrap();
    let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(order).arg("--query"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("status       FINISHED"), "{stdout}");
    assert!(
        stdout.contains(&format!("  - {SUPPLIER}: 100 fen, SUCCESS")),
        "{stdout}"
    );

    // More than is left to share: the platform refuses, exit 3.
    let (code, _, stderr) = run(wechatpay(Some(&server)).args([
        "share",
        "--sub-mchid",
        SELLER,
        "--transaction-id",
        &transaction_id,
        "--out-order-no",
        "SHARE_CLI_2",
        "--to",
        &format!("{SUPPLIER}:100000:too much"),
    ]));
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn share_refuses_bad_input_before_sending_naming_the_flag() {
    let (platform, server) = mock();
    let base = [
        "share",
        "--sub-mchid",
        SELLER,
        "--transaction-id",
        "4200000000000000000000000001",
        "--out-order-no",
        "P1",
    ];
    let cases: [(Vec<&str>, &str); 5] = [
        (
            [&base[..], &["--to", "1900000200:0:x"]].concat(),
            "--to (amount)",
        ),
        (
            [&base[..], &["--to", "1900000200-100-x"]].concat(),
            "is not ACCOUNT:AMOUNT:DESCRIPTION",
        ),
        (
            [&base[..], &["--to", "abc:100:x"]].concat(),
            "--to (receiver_account)",
        ),
        (base.to_vec(), "--to"),
        (
            vec![
                "share",
                "--sub-mchid",
                SELLER,
                "--transaction-id",
                "42 00",
                "--out-order-no",
                "P1",
                "--query",
            ],
            "invalid --transaction-id",
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = run(wechatpay(Some(&server)).args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from {stderr}"
        );
    }
    assert!(platform.requests().is_empty(), "nothing may be sent");
}
