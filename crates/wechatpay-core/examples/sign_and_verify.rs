//! The core end to end, offline, on the committed test keys: sign a request for each endpoint,
//! play the platform's part (sign an answer), then verify and decode it as a merchant would.
//!
//! Run it with `cargo run --example sign_and_verify`.

use std::time::{SystemTime, UNIX_EPOCH};

use getrandom::SysRng;
use http::{Request, Response};
use rand_core::UnwrapErr;
use wechatpay_core::ecommerce::applyment::{NextStep, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::contract::QueryContractByOutContractCode;
use wechatpay_core::{
    Backend, Client, EncryptedField, Error, Host, MerchantCredentials, Nonce, PlatformKeys,
    PlatformSigner, RequestContext,
};

const MCHID: &str = "1900000001";
const MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD20000001";
const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012024112300000000000001";
const MERCHANT_KEY: &str = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
const MERCHANT_PUB: &str = wechatpay_fixtures::keys::MERCHANT_PUBLIC_KEY_PEM;
const PLATFORM_KEY: &str = wechatpay_fixtures::keys::PLATFORM_KEY_PEM;
const PLATFORM_PUB: &str = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;

fn main() -> Result<(), Error> {
    // What an adapter supplies: the clock, nonces and an RNG. The core has none of its own.
    let mut rng = UnwrapErr(SysRng);
    #[allow(clippy::disallowed_methods)] // an example is a driver, not the core
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());

    let credentials = MerchantCredentials::new(MCHID, MERCHANT_SERIAL, MERCHANT_KEY)?;
    let mut platform_keys = PlatformKeys::new();
    platform_keys.add_public_key(PUBLIC_KEY_ID, PLATFORM_PUB)?;
    let client = Client::new(credentials, platform_keys)?;
    println!(
        "crypto backend: {:?}   (test keys from crates/wechatpay-fixtures)\n",
        Backend::default()
    );

    let contract =
        QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787")?;
    let request = client.prepare(
        &contract,
        Host::Primary,
        now,
        &Nonce::generate(&mut rng),
        &mut rng,
    )?;
    print_request("query contract by out_contract_code", &request);

    let applyment = QueryApplymentByOutRequestNo::new("商户 APPLY/2024#1")?;
    let request = client.prepare(
        &applyment,
        Host::Primary,
        now,
        &Nonce::generate(&mut rng),
        &mut rng,
    )?;
    print_request(
        "query applyment by out_request_no (percent-encoded, signed as sent)",
        &request,
    );

    // The platform's part: an applyment waiting for account verification, its account fields
    // encrypted to the merchant's certificate, the answer signed with the platform key.
    let mut to_merchant = PlatformKeys::new();
    to_merchant.add_public_key("PUB_KEY_ID_01", MERCHANT_PUB)?;
    // The context an operation encrypts its sensitive fields with, here on the merchant's key.
    let (account_name, account_no) = {
        let mut encrypt = RequestContext::new(&to_merchant, &mut rng);
        (
            encrypt.encrypt("张三")?,
            encrypt.encrypt("6214830000001234")?,
        )
    };
    let body = serde_json::json!({
        "applyment_state": "ACCOUNT_NEED_VERIFY",
        "applyment_state_desc": "待账户验证",
        "account_validation": {
            "account_name": account_name,
            "account_no": account_no,
            "pay_amount": 124,
            "destination_account_number": "7222223333322332",
            "destination_account_name": "财付通支付科技有限公司",
            "destination_account_bank": "招商银行威盛大厦支行",
            "city": "深圳",
            "remark": "入驻账户验证",
            "deadline": "2018-12-10 17:09:01"
        },
        "out_request_no": "商户 APPLY/2024#1",
        "applyment_id": 2000002124775691u64,
        "new_field_from_the_future": true
    })
    .to_string()
    .into_bytes();
    let platform = PlatformSigner::new(PUBLIC_KEY_ID, PLATFORM_KEY, Backend::default())?;
    let mut response = Response::builder()
        .status(200)
        .header("Request-ID", "08F4C1A2B30610A7051A0B")
        .body(body)
        .map_err(|e| Error::InvalidInput {
            field: "response".into(),
            reason: e.to_string(),
        })?;
    platform.sign_response(
        &mut response,
        now,
        Nonce::generate(&mut rng).as_str(),
        &mut rng,
    )?;

    println!(
        "== platform answer: HTTP {}, {} bytes",
        response.status(),
        response.body().len()
    );
    for name in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Serial",
        "Wechatpay-Signature",
    ] {
        let value = response.headers()[name].to_str().unwrap_or("?");
        println!("   {name}: {}", shorten(value));
    }

    let decoded = client.parse(&applyment, &response, now)?;
    println!("\n== verified (signature by {PUBLIC_KEY_ID}) and decoded");
    println!(
        "   applyment_id: {}   state: {} ({})",
        decoded.applyment_id, decoded.applyment_state, decoded.applyment_state_desc
    );
    if let NextStep::VerifyAccount {
        remittance: Some(remit),
        ..
    } = decoded.next_step()
    {
        let name = client
            .credentials()
            .decrypt(&remit.account_name, &mut rng)?;
        let number = remit
            .account_no
            .as_ref()
            .map(|n| client.credentials().decrypt(n, &mut rng))
            .transpose()?;
        println!(
            "   next step: remit {} CNY from account {name} / {number:?} to {} ({}), remark {:?}, before {}",
            remit.pay_amount_yuan(),
            remit.destination_account_name,
            remit.destination_account_bank,
            remit.remark,
            remit.deadline
        );
        println!(
            "   decrypted fields print as <redacted>; `expose()` hands out the {} and {} characters",
            name.expose().chars().count(),
            number.as_ref().map_or(0, |n| n.expose().len())
        );
    }

    // What must fail, does.
    let mut tampered = response.clone();
    tampered.body_mut()[2] ^= 0x01;
    report(
        "a body altered by one bit",
        client.parse(&applyment, &tampered, now).map(|_| ()),
    );
    report(
        "the same answer ten minutes later",
        client.parse(&applyment, &response, now + 600).map(|_| ()),
    );
    let mut probe = response.clone();
    probe.headers_mut().insert(
        "Wechatpay-Signature",
        "WECHATPAY/SIGNTEST/AAAA"
            .parse()
            .map_err(|_| Error::InvalidInput {
                field: "probe".into(),
                reason: String::new(),
            })?,
    );
    report(
        "the platform's signature probe",
        client.parse(&applyment, &probe, now).map(|_| ()),
    );
    report(
        "a ciphertext not encrypted to us",
        client
            .credentials()
            .decrypt(&EncryptedField::new("AAAA"), &mut rng)
            .map(|_| ()),
    );
    Ok(())
}

fn print_request(title: &str, request: &Request<Vec<u8>>) {
    println!("== {title}");
    println!("   {} {}", request.method(), request.uri());
    for (name, value) in request.headers() {
        let text = value.to_str().unwrap_or("?");
        if value.is_sensitive() {
            // Marked sensitive so that HTTP libraries keep it out of logs; shown cut here.
            println!("   {name}: {}  [sensitive]", shorten(text));
        } else {
            println!("   {name}: {text}");
        }
    }
    println!();
}

fn report(what: &str, result: Result<(), Error>) {
    match result {
        Ok(()) => println!("!! {what}: accepted (this is a bug)"),
        Err(error) => println!("   rejected {what}: {error}"),
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(72) {
        Some((end, _)) => format!("{}... ({} chars)", &value[..end], value.len()),
        None => value.to_owned(),
    }
}
