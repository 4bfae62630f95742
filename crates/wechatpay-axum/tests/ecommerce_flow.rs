//! A platform merchant's whole flow, through the hyper adapter against the mock platform as a
//! sandbox, with the callbacks received and verified by an axum handler: upload the ID
//! images, submit two sub-merchants' applyments, poll them to `FINISH`, pay a combined order
//! for both, refund part of it, share the profit, withdraw, and reconcile the day's bill with
//! what happened.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::post;
use rand_core::SeedableRng;
use time::macros::date;
use tokio::sync::mpsc;
use wechatpay_axum::{Answer, Callback, NotificationReceiver};
use wechatpay_core::bill::{Bill, TradeBill, TradeState as BillTradeState};
use wechatpay_core::ecommerce::applyment::submit::{
    AccountInfo, BankAccountType, ContactInfo, ContactType, IdCardInfo, MediaId, OrganizationType,
    SalesSceneInfo, SubmitApplyment, ValidityPeriod,
};
use wechatpay_core::ecommerce::applyment::{
    ApplymentState, NextStep, QueryApplymentByOutRequestNo,
};
use wechatpay_core::ecommerce::balance::QueryBalance;
use wechatpay_core::ecommerce::combine::{
    CombineOrder, CombineSubOrder, CreateCombineOrder, QueryCombineOrder,
};
use wechatpay_core::ecommerce::partner::SettleInfo;
use wechatpay_core::ecommerce::pay_params::JsapiPayParams;
use wechatpay_core::ecommerce::profitsharing::{
    AddReceiver, CreateProfitSharingOrder, ProfitSharingNotice, ProfitSharingStatus,
    QueryProfitSharingOrder, RelationType, ShareTo,
};
use wechatpay_core::ecommerce::refund::{ApplyRefund, QueryRefundByOutRefundNo, RefundStatus};
use wechatpay_core::ecommerce::transaction::TradeState;
use wechatpay_core::ecommerce::withdraw::{QueryWithdrawByOutRequestNo, SubMerchantWithdraw};
use wechatpay_core::merchant::media::UploadMedia;
use wechatpay_core::{ApiV3Key, Event, Nonce, SensitiveString};
use wechatpay_hyper::HyperClient;
use wechatpay_mock::{MockKeys, MockPlatform, MockServer, Schedule};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
/// The merchant's public notify URL; the sandbox brings its callbacks to the test's server.
const NOTIFY: &str = "https://merchant.example/wechatpay/notify";

#[derive(Clone)]
struct App {
    callbacks: NotificationReceiver,
    received: mpsc::UnboundedSender<Event>,
}

impl FromRef<App> for NotificationReceiver {
    fn from_ref(app: &App) -> Self {
        app.callbacks.clone()
    }
}

/// The merchant's handler: whatever verified, handed to the test.
async fn notify(State(app): State<App>, Callback(notification): Callback) -> Answer {
    match app.received.send(notification.event) {
        Ok(()) => Answer::success(),
        Err(_) => Answer::failure("the test stopped listening"),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The next callback the handler verified, within a few seconds.
async fn next(received: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .expect("a callback within 10 s")
        .expect("the handler is running")
}

/// A sub-merchant's applyment: a micro business, its owner's ID card uploaded front and back.
fn applyment(out_request_no: &str, shortname: &str, front: &str, back: &str) -> SubmitApplyment {
    SubmitApplyment::new(
        out_request_no,
        OrganizationType::Micro,
        AccountInfo::new(
            BankAccountType::Personal,
            "工商银行",
            SensitiveString::new("张三"),
            "110000",
            SensitiveString::new("6214830000001234"),
        )
        .unwrap(),
        ContactInfo::new(
            ContactType::Legal,
            SensitiveString::new("张三"),
            SensitiveString::new("13900000000"),
        )
        .unwrap(),
        SalesSceneInfo::by_url(shortname, "https://shop.example").unwrap(),
        shortname,
    )
    .unwrap()
    .with_id_card_info(
        IdCardInfo::new(
            MediaId::new(front).unwrap(),
            MediaId::new(back).unwrap(),
            SensitiveString::new("张三"),
            SensitiveString::new("110101199003070011"),
            ValidityPeriod::new(date!(2019 - 06 - 06), date!(2039 - 06 - 06)).unwrap(),
        )
        .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_runs_against_the_sandbox_and_the_bill_adds_up() {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([13; 32]);
    let keys = MockKeys::fixtures();
    let platform = Arc::new(MockPlatform::new(keys.clone(), &mut rng).unwrap());
    // Applyments move one step each time they are polled, as if WeChat Pay audited them
    // between two polls; payments and refunds move when the test says the payer paid.
    platform.set_schedule(Schedule::EveryQuery);
    let mock = MockServer::start(platform.clone()).unwrap();
    let http = Arc::new(HyperClient::new(keys.client(&mock.url()).unwrap()).unwrap());
    let credentials = http.core().credentials().clone();

    // The merchant's callback endpoint, on axum, verifying through the same adapter.
    let (sender, mut received) = mpsc::unbounded_channel();
    let app = App {
        callbacks: NotificationReceiver::with_adapter(
            http.clone(),
            ApiV3Key::new(&keys.api_v3_key).unwrap(),
        ),
        received: sender,
    };
    let router = Router::new()
        .route("/wechatpay/notify", post(notify))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_origin = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    platform.redirect_callbacks(Some(&receiver_origin)).unwrap();
    // Profit sharing's callbacks go where the merchant platform says, not where a request does.
    platform
        .set_merchant_notify_url(Some("https://merchant.example/wechatpay/notify"))
        .unwrap();

    // 1. The ID card images, uploaded.
    let png = wechatpay_fixtures::media::LOGO_PNG.to_vec();
    let front = http
        .execute(&UploadMedia::image("id_front.png", png.clone()).unwrap())
        .await
        .unwrap()
        .media_id;
    let back = http
        .execute(&UploadMedia::image("id_back.png", png).unwrap())
        .await
        .unwrap()
        .media_id;

    // 2. Two sub-merchants apply, and 3. are polled until they are done.
    let mut sellers = Vec::new();
    for (out_request_no, shortname) in
        [("FLOW_SELLER_A", "甲的小店"), ("FLOW_SELLER_B", "乙的小店")]
    {
        let submitted = http
            .execute(&applyment(out_request_no, shortname, &front, &back))
            .await
            .unwrap();
        assert_eq!(submitted.out_request_no, out_request_no);
        let query = QueryApplymentByOutRequestNo::new(out_request_no).unwrap();
        let mut states = Vec::new();
        let sub_mchid = loop {
            let applyment = http.execute(&query).await.unwrap();
            states.push(applyment.applyment_state.clone());
            if let NextStep::Done {
                sub_mchid: Some(sub_mchid),
            } = applyment.next_step()
            {
                break sub_mchid.to_owned();
            }
            assert!(states.len() < 10, "{states:?}");
        };
        assert_eq!(
            states,
            [
                ApplymentState::Auditing,
                ApplymentState::NeedSign,
                ApplymentState::Finish
            ]
        );
        sellers.push(sub_mchid);
    }
    let (seller_a, seller_b) = (sellers[0].as_str(), sellers[1].as_str());
    assert_ne!(seller_a, seller_b);
    let mchid = keys.mchid.as_str();

    // 4. One combined order for both sub-merchants, paid by the buyer.
    let order = CombineOrder::new(
        APPID,
        mchid,
        "FLOW_COMBINE_1",
        vec![
            CombineSubOrder::new(mchid, seller_a, "FLOW_ORDER_A", 1000, "T-shirt", "甲的小店")
                .unwrap()
                .with_settle_info(SettleInfo::new(true)),
            CombineSubOrder::new(mchid, seller_b, "FLOW_ORDER_B", 500, "Socks", "乙的小店")
                .unwrap(),
        ],
        NOTIFY,
    )
    .unwrap();
    let prepay = http
        .execute(&CreateCombineOrder::jsapi(order, OPENID).unwrap())
        .await
        .unwrap();
    // What the mini-program calls wx.requestPayment with, signed by the merchant.
    let params = JsapiPayParams::prepare(APPID, &prepay, now(), &Nonce::generate(&mut rng))
        .unwrap()
        .sign(&credentials, &mut rng)
        .unwrap();
    assert_eq!(params.package, format!("prepay_id={}", prepay.prepay_id()));
    assert!(!params.pay_sign.is_empty());

    let paid = platform
        .advance("order", "FLOW_COMBINE_1", None, now())
        .unwrap();
    assert_eq!(paid.state, "SUCCESS");
    let Event::CombineTransaction(callback) = next(&mut received).await else {
        panic!("expected the combined order's payment");
    };
    assert_eq!(callback.combine_out_trade_no, "FLOW_COMBINE_1");
    let amounts: Vec<(&str, u64)> = callback
        .sub_orders
        .iter()
        .map(|o| (o.sub_mchid.as_str(), o.amount.total_amount))
        .collect();
    assert_eq!(amounts, [(seller_a, 1000), (seller_b, 500)]);
    assert!(callback.is_paid());
    let queried = http
        .execute(&QueryCombineOrder::new("FLOW_COMBINE_1").unwrap())
        .await
        .unwrap();
    assert!(
        queried
            .sub_orders
            .iter()
            .all(|o| o.trade_state == TradeState::Success)
    );
    let paid_a = queried.sub_orders[0].transaction_id.clone().unwrap();

    // 5. Part of the first sub-order is refunded.
    let refund = ApplyRefund::new(seller_a, APPID, "FLOW_REFUND_A", 300, 1000)
        .unwrap()
        .with_out_trade_no("FLOW_ORDER_A")
        .unwrap()
        .with_notify_url(NOTIFY)
        .unwrap();
    let applied = http.execute(&refund).await.unwrap();
    platform
        .advance("refund", &applied.refund_id, None, now())
        .unwrap();
    let Event::Refund(refunded) = next(&mut received).await else {
        panic!("expected the refund's result");
    };
    assert_eq!(refunded.out_refund_no, "FLOW_REFUND_A");
    assert_eq!(refunded.refund_status, RefundStatus::Success);
    let queried = http
        .execute(&QueryRefundByOutRefundNo::new("FLOW_REFUND_A", seller_a).unwrap())
        .await
        .unwrap();
    assert_eq!(queried.refund_status, RefundStatus::Success);

    // 6. The platform takes its commission from what is left of the first sub-order.
    http.execute(&AddReceiver::merchant(mchid, "平台", RelationType::ServiceProvider).unwrap())
        .await
        .unwrap();
    let share = CreateProfitSharingOrder::new(
        seller_a,
        paid_a.clone(),
        "FLOW_SHARE_A",
        vec![ShareTo::merchant(mchid, 70, "平台佣金").unwrap()],
    )
    .unwrap()
    .with_finish(true);
    http.execute(&share).await.unwrap();
    platform
        .advance("profitsharing", "FLOW_SHARE_A", None, now())
        .unwrap();
    let shared = http
        .execute(&QueryProfitSharingOrder::new(seller_a, paid_a, "FLOW_SHARE_A").unwrap())
        .await
        .unwrap();
    assert_eq!(shared.status, ProfitSharingStatus::Finished);
    let Event::Other(raw) = next(&mut received).await else {
        panic!("expected the profit sharing's callback");
    };
    assert_eq!(raw.original_type(), "profitsharing");
    let notice: ProfitSharingNotice = raw.json().unwrap();
    assert_eq!(
        (
            notice.out_order_no.as_str(),
            notice.receiver.account.as_str(),
            notice.receiver.amount
        ),
        ("FLOW_SHARE_A", mchid, 70)
    );

    // 7. The second sub-merchant withdraws what it earned.
    let before = http
        .execute(&QueryBalance::new(seller_b).unwrap())
        .await
        .unwrap();
    assert_eq!(before.available_amount, 500);
    let withdraw = SubMerchantWithdraw::new(seller_b, "FLOWW1", 500)
        .unwrap()
        .with_notify_url(NOTIFY)
        .unwrap();
    http.execute(&withdraw).await.unwrap();
    platform.advance("withdraw", "FLOWW1", None, now()).unwrap();
    let Event::Other(raw) = next(&mut received).await else {
        panic!("expected the withdrawal's callback");
    };
    let change: serde_json::Value = raw.json().unwrap();
    assert_eq!(
        (
            raw.original_type(),
            change["out_request_no"].as_str(),
            change["status"].as_str()
        ),
        ("mch_withdraw", Some("FLOWW1"), Some("SUCCESS"))
    );
    let withdrawn = http
        .execute(&QueryWithdrawByOutRequestNo::new(seller_b, "FLOWW1").unwrap())
        .await
        .unwrap();
    assert_eq!(withdrawn.status.as_str(), "SUCCESS");
    let after = http
        .execute(&QueryBalance::new(seller_b).unwrap())
        .await
        .unwrap();
    assert_eq!(after.available_amount, 0);
    let first = http
        .execute(&QueryBalance::new(seller_a).unwrap())
        .await
        .unwrap();
    assert_eq!(first.available_amount, 1000 - 300 - 70);

    // 8. Today's bill lists the two payments and the refund, and its totals agree.
    let today = time::OffsetDateTime::from_unix_timestamp(now() as i64)
        .unwrap()
        .to_offset(time::macros::offset!(+8))
        .date();
    let ticket = http
        .execute(&TradeBill::new(&today.to_string()).unwrap().gzipped())
        .await
        .unwrap();
    let mut text = Vec::new();
    http.download(&ticket, &mut text).await.unwrap();
    let bill = Bill::parse(&text).unwrap();
    let rows: Vec<_> = bill.rows.iter().map(|row| row.trade().unwrap()).collect();
    let orders: Vec<&str> = rows.iter().map(|r| r.out_trade_no.as_str()).collect();
    assert_eq!(orders, ["FLOW_ORDER_A", "FLOW_ORDER_B", "FLOW_ORDER_A"]);
    assert_eq!(rows[2].trade_state, BillTradeState::Refund);
    let summary = bill.summary.trade_summary().unwrap();
    assert_eq!(summary.count, 3);
    assert_eq!(summary.settlement_total.and_then(|a| a.fen()), Some(1500));
    assert_eq!(summary.refund_total.and_then(|a| a.fen()), Some(300));

    // Nothing else was sent to the merchant: a payment, a refund, a sharing, a withdrawal.
    assert!(received.try_recv().is_err());
    server.abort();
    mock.stop();
}
