//! The demo's second half: a platform merchant's day on the mock platform as a sandbox, one
//! line a step. Callbacks go to a loopback endpoint of the demo's own, where they are verified
//! and decrypted as a merchant's server does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use wechatpay_core::bill::{Bill, TradeBill};
use wechatpay_core::ecommerce::applyment::submit::{
    AccountInfo, BankAccountType, ContactInfo, ContactType, IdCardInfo, MediaId, OrganizationType,
    SalesSceneInfo, SubmitApplyment, ValidityPeriod,
};
use wechatpay_core::ecommerce::applyment::{NextStep, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::balance::QueryBalance;
use wechatpay_core::ecommerce::combine::{
    CombineOrder, CombineSubOrder, CreateCombineOrder, QueryCombineOrder,
};
use wechatpay_core::ecommerce::partner::SettleInfo;
use wechatpay_core::ecommerce::pay_params::JsapiPayParams;
use wechatpay_core::ecommerce::profitsharing::{
    AddReceiver, CreateProfitSharingOrder, QueryProfitSharingOrder, RelationType, ShareTo,
};
use wechatpay_core::ecommerce::refund::ApplyRefund;
use wechatpay_core::ecommerce::withdraw::{QueryWithdrawByOutRequestNo, SubMerchantWithdraw};
use wechatpay_core::merchant::media::UploadMedia;
use wechatpay_core::{ApiV3Key, Event, Nonce, SensitiveString};
use wechatpay_hyper::HyperClient;
use wechatpay_mock::{MockKeys, MockPlatform, Schedule};

use super::super::{rng, unix_now};
use crate::failure::{self, Failure};

const APPID: &str = "wxd678efh567hg6787";
/// The merchant's public notify URL; the sandbox brings the callbacks to the demo's endpoint.
const NOTIFY: &str = "https://merchant.example/wechatpay/notify";
/// The most a callback body may be.
const MAX_CALLBACK: usize = 64 * 1024;

/// Runs the flow against `platform`, reached through `http`; `keys` are the merchant's.
pub async fn run(
    http: &Arc<HyperClient>,
    platform: &MockPlatform,
    keys: &MockKeys,
) -> Result<(), Failure> {
    let base_url = http
        .core()
        .base_url(wechatpay_core::Host::Primary)
        .to_owned();
    let call = |e| failure::from_call(e, &base_url);
    let key = ApiV3Key::new(&keys.api_v3_key)?;
    let (origin, mut received) = receive_callbacks(http.clone(), key).await?;
    platform.set_schedule(Schedule::EveryQuery);
    platform
        .redirect_callbacks(Some(&origin))
        .map_err(|e| Failure::usage(e.to_string(), "report this"))?;
    println!(
        "a platform merchant's day, on the mock platform as a sandbox (callbacks to {origin}):"
    );

    let png = wechatpay_fixtures::media::LOGO_PNG.to_vec();
    let mut ids = Vec::new();
    for name in ["id_front.png", "id_back.png"] {
        let upload = UploadMedia::image(name, png.clone())?;
        ids.push(http.execute(&upload).await.map_err(call)?.media_id);
    }
    println!("  uploaded   2 ID card images ({} bytes each)", png.len());

    let mut sellers = Vec::new();
    for (out_request_no, shop) in [("DEMO_SELLER_A", "甲的小店"), ("DEMO_SELLER_B", "乙的小店")]
    {
        let submitted = http
            .execute(&applyment(out_request_no, shop, &ids[0], &ids[1])?)
            .await
            .map_err(call)?;
        let query = QueryApplymentByOutRequestNo::new(out_request_no)?;
        let mut states = Vec::new();
        let sub_mchid = loop {
            let applyment = http.execute(&query).await.map_err(call)?;
            states.push(applyment.applyment_state.to_string());
            match applyment.next_step() {
                NextStep::Done {
                    sub_mchid: Some(sub_mchid),
                } => break sub_mchid.to_owned(),
                NextStep::KeepPolling | NextStep::Sign { .. } if states.len() < 10 => {}
                other => return Err(stuck(&format!("{out_request_no}: {other:?}"))),
            }
        };
        println!(
            "  onboarded  {out_request_no} (applyment_id {}): polled {}, sub_mchid {sub_mchid}",
            submitted.applyment_id,
            states.join(" -> ")
        );
        sellers.push(sub_mchid);
    }
    let (seller_a, seller_b) = (sellers[0].as_str(), sellers[1].as_str());
    let mchid = keys.mchid.as_str();

    let order = CombineOrder::new(
        APPID,
        mchid,
        "DEMO_COMBINE_1",
        vec![
            CombineSubOrder::new(mchid, seller_a, "DEMO_ORDER_A", 1000, "T-shirt", "甲的小店")?
                .with_settle_info(SettleInfo::new(true)),
            CombineSubOrder::new(mchid, seller_b, "DEMO_ORDER_B", 500, "Socks", "乙的小店")?,
        ],
        NOTIFY,
    )?;
    let prepay = http
        .execute(&CreateCombineOrder::jsapi(
            order,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        )?)
        .await
        .map_err(call)?;
    let mut rng = rng();
    let params = JsapiPayParams::prepare(APPID, &prepay, unix_now(), &Nonce::generate(&mut rng))?
        .sign(http.core().credentials(), &mut rng)?;
    println!(
        "  ordered    combined order DEMO_COMBINE_1: 10.00 CNY to {seller_a}, 5.00 to {seller_b}; wx.requestPayment gets {} and a paySign of {} chars",
        params.package,
        params.pay_sign.len()
    );

    advance(platform, "order", "DEMO_COMBINE_1")?;
    let Event::CombineTransaction(paid) = next(&mut received).await? else {
        return Err(stuck("the payment's callback was not a combined order"));
    };
    let total: u64 = paid.sub_orders.iter().map(|o| o.amount.total_amount).sum();
    println!(
        "  paid       TRANSACTION.SUCCESS verified and decrypted at the merchant's endpoint: {} sub-orders, {} fen",
        paid.sub_orders.len(),
        total
    );
    let queried = http
        .execute(&QueryCombineOrder::new("DEMO_COMBINE_1")?)
        .await
        .map_err(call)?;
    let transaction_a = queried
        .sub_orders
        .first()
        .and_then(|o| o.transaction_id.clone())
        .ok_or_else(|| stuck("the paid sub-order has no transaction_id"))?;

    let refund = ApplyRefund::new(seller_a, APPID, "DEMO_REFUND_A", 300, 1000)?
        .with_out_trade_no("DEMO_ORDER_A")?
        .with_notify_url(NOTIFY)?;
    let applied = http.execute(&refund).await.map_err(call)?;
    advance(platform, "refund", &applied.refund_id)?;
    let Event::Refund(refunded) = next(&mut received).await? else {
        return Err(stuck("the refund's callback was not a refund"));
    };
    println!(
        "  refunded   3.00 CNY of DEMO_ORDER_A: {} {} received",
        refunded.out_refund_no, refunded.refund_status
    );

    http.execute(&AddReceiver::merchant(
        mchid,
        "平台",
        RelationType::ServiceProvider,
    )?)
    .await
    .map_err(call)?;
    let share = CreateProfitSharingOrder::new(
        seller_a,
        transaction_a.clone(),
        "DEMO_SHARE_A",
        vec![ShareTo::merchant(mchid, 70, "平台佣金")?],
    )?
    .with_finish(true);
    http.execute(&share).await.map_err(call)?;
    advance(platform, "profitsharing", "DEMO_SHARE_A")?;
    let shared = http
        .execute(&QueryProfitSharingOrder::new(
            seller_a,
            transaction_a,
            "DEMO_SHARE_A",
        )?)
        .await
        .map_err(call)?;
    println!(
        "  shared     0.70 CNY of DEMO_ORDER_A to the platform: {}",
        shared.status
    );

    http.execute(&SubMerchantWithdraw::new(seller_b, "DEMOW1", 500)?)
        .await
        .map_err(call)?;
    advance(platform, "withdraw", "DEMOW1")?;
    let withdrawn = http
        .execute(&QueryWithdrawByOutRequestNo::new(seller_b, "DEMOW1")?)
        .await
        .map_err(call)?;
    let balance_a = http
        .execute(&QueryBalance::new(seller_a)?)
        .await
        .map_err(call)?;
    println!(
        "  withdrew   5.00 CNY of {seller_b}'s balance: {}; {seller_a} keeps {} fen",
        withdrawn.status, balance_a.available_amount
    );

    let today = time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix_now()).unwrap_or(0))
        .map_err(|e| stuck(&e.to_string()))?
        .to_offset(time::macros::offset!(+8))
        .date();
    let ticket = http
        .execute(&TradeBill::new(&today.to_string())?.gzipped())
        .await
        .map_err(call)?;
    let mut text = Vec::new();
    http.download(&ticket, &mut text).await.map_err(call)?;
    let bill = Bill::parse(&text)?;
    let summary = bill.summary.trade_summary()?;
    let settled = summary.settlement_total.and_then(|a| a.fen());
    let refunded = summary.refund_total.and_then(|a| a.fen());
    let agrees = settled == Some(1500) && refunded == Some(300);
    println!(
        "  reconciled today's trade bill ({} bytes, digest checked): {} rows, settled {} fen, refunded {} fen: {}",
        text.len(),
        summary.count,
        settled.unwrap_or_default(),
        refunded.unwrap_or_default(),
        if agrees {
            "matches what happened"
        } else {
            "DOES NOT MATCH"
        }
    );
    if !agrees {
        return Err(stuck("the bill's totals do not match the day"));
    }
    platform
        .redirect_callbacks(None)
        .map_err(|e| Failure::usage(e.to_string(), "report this"))?;
    platform.set_schedule(Schedule::OnControl);
    println!();
    Ok(())
}

/// A micro business's applyment, its owner's ID card the two uploads.
fn applyment(
    out_request_no: &str,
    shop: &str,
    front: &str,
    back: &str,
) -> Result<SubmitApplyment, wechatpay_core::Error> {
    let owner = || SensitiveString::new("张三");
    Ok(SubmitApplyment::new(
        out_request_no,
        OrganizationType::Micro,
        AccountInfo::new(
            BankAccountType::Personal,
            "工商银行",
            owner(),
            "110000",
            SensitiveString::new("6214830000001234"),
        )?,
        ContactInfo::new(
            ContactType::Legal,
            owner(),
            SensitiveString::new("13900000000"),
        )?,
        SalesSceneInfo::by_url(shop, "https://shop.example")?,
        shop,
    )?
    .with_id_card_info(IdCardInfo::new(
        MediaId::new(front)?,
        MediaId::new(back)?,
        owner(),
        SensitiveString::new("110101199003070011"),
        ValidityPeriod::new(
            time::macros::date!(2019 - 06 - 06),
            time::macros::date!(2039 - 06 - 06),
        )?,
    )?))
}

/// Moves a record as if the platform had: the payer paid, the bank answered.
fn advance(platform: &MockPlatform, kind: &str, id: &str) -> Result<(), Failure> {
    platform
        .advance(kind, id, None, unix_now())
        .map(drop)
        .map_err(|e| stuck(&e.to_string()))
}

fn stuck(what: &str) -> Failure {
    Failure::usage(
        format!("the demo's flow stopped: {what}"),
        "report this: the mock platform did not behave as the flow expects",
    )
}

/// The next callback the endpoint verified.
async fn next(received: &mut mpsc::UnboundedReceiver<Event>) -> Result<Event, Failure> {
    match tokio::time::timeout(Duration::from_secs(10), received.recv()).await {
        Ok(Some(event)) => Ok(event),
        _ => Err(stuck("no callback arrived within 10 s")),
    }
}

/// A loopback endpoint that verifies (through `http`) and decrypts each callback, answers
/// `204`, and hands the event over; its origin, and the events.
async fn receive_callbacks(
    http: Arc<HyperClient>,
    key: ApiV3Key,
) -> Result<(String, mpsc::UnboundedReceiver<Event>), Failure> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on loopback: {e}"), "report this"))?;
    let origin = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|e| Failure::usage(e.to_string(), "report this"))?
    );
    let (sender, received) = mpsc::unbounded_channel();
    let key = Arc::new(key);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (http, key, sender) = (http.clone(), key.clone(), sender.clone());
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let (http, key, sender) = (http.clone(), key.clone(), sender.clone());
                    async move {
                        let (parts, body) = request.into_parts();
                        let status = match Limited::new(body, MAX_CALLBACK).collect().await {
                            Err(_) => http::StatusCode::PAYLOAD_TOO_LARGE,
                            Ok(body) => {
                                let body = body.to_bytes();
                                match http.open_notification(&parts.headers, &body, &key).await {
                                    Ok(opened) => {
                                        let _ = sender.send(opened.event);
                                        http::StatusCode::NO_CONTENT
                                    }
                                    Err(_) => http::StatusCode::UNAUTHORIZED,
                                }
                            }
                        };
                        let mut answer = hyper::Response::new(Full::new(Bytes::new()));
                        *answer.status_mut() = status;
                        Ok::<_, std::convert::Infallible>(answer)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((origin, received))
}
