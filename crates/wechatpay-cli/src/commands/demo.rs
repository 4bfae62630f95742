//! `wechatpay demo`: the project's main job on an embedded default. A mock platform on
//! loopback with freshly generated keys, queried through the hyper adapter, every step shown;
//! then a platform merchant's day on it as a sandbox, and the adapter facing faults.

use std::sync::Arc;
use std::time::Duration;

use wechatpay_core::AdapterSettings;
use wechatpay_core::ecommerce::applyment::{NextStep, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::contract::QueryContractByOutContractCode;
use wechatpay_core::{Host, Nonce, Operation, RetryPolicy, Untrusted};
use wechatpay_hyper::HyperClient;
use wechatpay_mock::records::seeded;
use wechatpay_mock::{Fault, MockKeys, MockPlatform, MockServer};

use super::{rng, unix_now};
use crate::failure::{self, Failure};

mod flow;

pub async fn run() -> Result<(), Failure> {
    let setup = |e: String| Failure::usage(e, "report this: the demo could not set itself up");
    println!("generating RSA 2048 keys for a merchant and a mock platform...");
    let keys = MockKeys::generate(&mut rng()).map_err(|e| setup(e.to_string()))?;
    let platform =
        Arc::new(MockPlatform::new(keys.clone(), &mut rng()).map_err(|e| setup(e.to_string()))?);
    let server = MockServer::start(platform.clone()).map_err(|e| setup(e.to_string()))?;
    println!(
        "mock platform on {} (merchant {}, platform key {})",
        server.url(),
        keys.mchid,
        keys.platform_public_key_id
    );

    let core = keys.client(&server.url())?;
    // Short backoff so the retry shown below takes a fraction of a second.
    let retries =
        RetryPolicy::default().with_delays(Duration::from_millis(50), Duration::from_millis(200));
    let url = server.url();
    let http = Arc::new(
        HyperClient::new(core)
            .map_err(|e| failure::from_call(e, &url))?
            .with_settings(AdapterSettings::default().with_retry_policy(retries)),
    );
    println!(
        "crypto backend {}, User-Agent {:?}\n",
        http.core().credentials().key().map_or_else(
            || "external".to_owned(),
            |key| format!("{:?}", key.backend())
        ),
        http.core().user_agent()
    );

    for out_request_no in seeded::ALL {
        let query = QueryApplymentByOutRequestNo::new(out_request_no)?;
        let applyment = step_by_step(&http, &query).await?;
        println!(
            "  decoded    {} ({}), applyment_id {}",
            applyment.applyment_state, applyment.applyment_state_desc, applyment.applyment_id
        );
        let next = match applyment.next_step() {
            NextStep::KeepPolling => "keep polling".to_owned(),
            NextStep::VerifyAccount { remittance, .. } => {
                if let Some(remit) = remittance {
                    let credentials = http.core().credentials();
                    let mut rng = rng();
                    let name = credentials.decrypt(&remit.account_name, &mut rng)?;
                    let number = remit
                        .account_no
                        .as_ref()
                        .map(|n| credentials.decrypt(n, &mut rng))
                        .transpose()?;
                    println!(
                        "  decrypted  account_name ({} chars) and account_no ({} chars) with the merchant key; they print as {name} unless asked (`applyment --reveal`)",
                        name.expose().chars().count(),
                        number.as_ref().map_or(0, |n| n.expose().len()),
                    );
                    format!(
                        "remit {} CNY before {}",
                        remit.pay_amount_yuan(),
                        remit.deadline
                    )
                } else {
                    "verify the account".to_owned()
                }
            }
            NextStep::FixRejected { items } => format!(
                "fix {} rejected item(s), first: {}",
                items.len(),
                items.first().map_or("-", |i| i.reject_reason.as_str())
            ),
            NextStep::Sign { .. } => "super administrator scans sign_url".to_owned(),
            NextStep::Done { sub_mchid } => format!("done, sub_mchid {}", sub_mchid.unwrap_or("-")),
            NextStep::Frozen { .. } => "contact WeChat Pay".to_owned(),
            NextStep::Canceled => "submit a new application".to_owned(),
            other => format!("{other:?}"),
        };
        println!("  next       {next}\n");
    }

    let contract = QueryContractByOutContractCode::new(seeded::CONTRACT_AUTHORIZED, seeded::APPID)?;
    let decoded = step_by_step(&http, &contract).await?;
    println!(
        "  decoded    {} contract, openid {:?} (the page's \\t kept)\n",
        decoded.auth_state,
        decoded.individual_openid.as_deref().unwrap_or("-")
    );

    flow::run(&http, &platform, &keys).await?;

    println!("what the adapter does when the platform misbehaves:");
    let auditing = QueryApplymentByOutRequestNo::new(seeded::AUDITING)?;
    platform.clear_requests();
    platform.inject(Fault::SystemError, 2);
    http.execute(&auditing)
        .await
        .map_err(|e| failure::from_call(e, &url))?;
    let statuses: Vec<String> = platform
        .requests()
        .iter()
        .map(|r| r.status.map_or("dropped".to_owned(), |s| s.to_string()))
        .collect();
    println!(
        "  retried    2 x 500 SYSTEM_ERROR, then success: the platform saw {}",
        statuses.join(" -> ")
    );
    for (fault, what) in [
        (Fault::TamperedBody, "a body altered after signing"),
        (Fault::SignatureProbe, "WeChat Pay's signature probe"),
        (Fault::StaleTimestamp, "an answer signed 10 minutes ago"),
    ] {
        platform.inject(fault, 1);
        match http.execute(&auditing).await {
            Ok(_) => return Err(setup(format!("{what} was accepted"))),
            Err(error) => println!("  rejected   {what}: {}", Untrusted(&error.to_string())),
        }
    }
    server.stop();
    println!(
        "\ndone: every answer was verified before it was decoded; the mock platform is stopped."
    );
    Ok(())
}

/// One query with every step shown: signed, sent, verified and decoded.
async fn step_by_step<O: Operation>(
    http: &HyperClient,
    operation: &O,
) -> Result<O::Output, Failure> {
    let mut rng = rng();
    let nonce = Nonce::generate(&mut rng);
    let request = http
        .core()
        .prepare(operation, Host::Primary, unix_now(), &nonce, &mut rng)?;
    println!(
        "  signed     {} {} (nonce {nonce})",
        request.method(),
        request.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let base_url = http.core().base_url(Host::Primary);
    let response = http
        .send(request)
        .await
        .map_err(|e| failure::from_call(e, base_url))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map_or_else(|| "-".to_owned(), |v| Untrusted(v).to_string())
    };
    println!(
        "  sent       HTTP {} with {} bytes, Request-ID {}",
        response.status().as_u16(),
        response.body().len(),
        header("Request-ID")
    );
    let decoded = http.core().parse(operation, &response, unix_now())?;
    println!(
        "  verified   signature by {} over the raw body",
        header("Wechatpay-Serial")
    );
    Ok(decoded)
}
