//! Orders in the sandbox, driven through the core's typed operations: a partner order and a
//! combined order are placed (`NOTPAY`), paid on a control call (the `TRANSACTION.SUCCESS`
//! callback queued to the order's `notify_url`), queried and closed as the pages' rules say.

use http::Method;
use wechatpay_core::ecommerce::combine::{
    CloseCombineOrder, CloseSubOrder, CombineOrder, CombineSubOrder, CreateCombineOrder,
    QueryCombineOrder,
};
use wechatpay_core::ecommerce::partner::{
    ClosePartnerOrder, CreatePartnerOrder, H5Info, H5Type, PartnerOrder, PartnerPayer,
    QueryPartnerOrder, SceneInfo, SettleInfo,
};
use wechatpay_core::ecommerce::pay_params::{AppPayParams, JsapiPayParams};
use wechatpay_core::ecommerce::transaction::{CombineTransaction, TradeState, Transaction};
use wechatpay_core::{AnyEndpoint, MchId, Nonce, PathBuilder};
use wechatpay_mock::{AdvanceError, Notice, Schedule};

mod support;

use support::{NOW, api_code, credentials, exchange, param_field, rng, setup};

/// The merchant of the fixtures: the platform that places every order.
const PLATFORM: &str = "1900000001";
const SELLER_A: &str = "1900000201";
const SELLER_B: &str = "1900000202";
const NOTIFY: &str = "https://merchant.example/wxpay/notify";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn partner_order(out_trade_no: &str, total: u64) -> PartnerOrder {
    PartnerOrder::new(
        "wx8888888888888888",
        PLATFORM,
        SELLER_A,
        out_trade_no,
        "Image形象店-深圳腾大-QQ公仔",
        total,
        NOTIFY,
    )
    .unwrap()
}

fn jsapi(
    order: PartnerOrder,
) -> CreatePartnerOrder<wechatpay_core::ecommerce::pay_params::JsapiPrepay> {
    CreatePartnerOrder::jsapi(order, PartnerPayer::sp_openid(OPENID).unwrap()).unwrap()
}

fn combined_order(number: &str) -> CombineOrder {
    CombineOrder::new(
        "wxd678efh567hg6787",
        PLATFORM,
        number,
        vec![
            CombineSubOrder::new(
                PLATFORM,
                SELLER_A,
                &format!("{number}A"),
                1000,
                "T-shirt",
                "shop A",
            )
            .unwrap()
            .with_settle_info(SettleInfo::new(true)),
            CombineSubOrder::new(
                PLATFORM,
                SELLER_B,
                &format!("{number}B"),
                500,
                "Socks",
                "shop B",
            )
            .unwrap(),
        ],
        NOTIFY,
    )
    .unwrap()
}

/// The only queued notice, as a `TRANSACTION.SUCCESS` of type `T`.
fn paid_notice<T: serde::de::DeserializeOwned>(notices: Vec<Notice>) -> T {
    assert_eq!(notices.len(), 1, "{notices:?}");
    let notice = &notices[0];
    assert_eq!(notice.url, NOTIFY);
    assert_eq!(notice.event.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(notice.event.original_type, "transaction");
    serde_json::from_value(serde_json::Value::Object(notice.event.resource.clone())).unwrap()
}

#[test]
fn a_partner_order_is_placed_unpaid_then_paid_with_its_callback() {
    let (platform, client) = setup();
    let order = partner_order("ORDER000001", 2990)
        .with_attach("cart 7")
        .unwrap();
    let prepay = exchange(&platform, &client, &jsapi(order.clone())).unwrap();
    assert!(prepay.prepay_id().starts_with("wx"));
    assert_eq!(
        platform.order_state(SELLER_A, "ORDER000001").as_deref(),
        Some("NOTPAY")
    );

    // The client-side parameters, signed with the merchant key.
    let mut rng = rng();
    let params = JsapiPayParams::prepare(
        "wx8888888888888888",
        &prepay,
        NOW,
        &Nonce::generate(&mut rng),
    )
    .unwrap()
    .sign(
        &credentials(&wechatpay_mock::MockKeys::fixtures()),
        &mut rng,
    )
    .unwrap();
    assert_eq!(params.package, format!("prepay_id={}", prepay.prepay_id()));

    let unpaid = exchange(&platform, &client, &order.query()).unwrap();
    assert_eq!(unpaid.trade_state, TradeState::NotPay);
    assert_eq!(unpaid.transaction_id, None);
    assert_eq!(unpaid.amount.total, 2990);
    assert!(unpaid.payer.is_none());

    let advanced = platform
        .advance("order", "ORDER000001", None, NOW + 60)
        .unwrap();
    assert_eq!((advanced.state.as_str(), advanced.notices), ("SUCCESS", 1));
    let callback: Transaction = paid_notice(platform.take_notices());
    assert_eq!(callback.trade_state, TradeState::Success);
    assert_eq!(callback.amount.total, 2990);
    assert_eq!(callback.attach.as_deref(), Some("cart 7"));
    let transaction_id = callback.transaction_id.clone().unwrap();

    // The query answers what the callback carried, by either number.
    let paid = exchange(&platform, &client, &order.query()).unwrap();
    assert_eq!(paid, callback);
    assert!(paid.is_paid() && paid.success_time_at().is_some());
    let by_id = QueryPartnerOrder::by_transaction_id(PLATFORM, SELLER_A, &transaction_id).unwrap();
    assert_eq!(exchange(&platform, &client, &by_id).unwrap(), paid);
    assert_eq!(
        paid.payer.as_ref().and_then(|p| p.sp_openid.as_deref()),
        Some(OPENID)
    );

    // A paid order cannot be paid or closed again.
    let again = platform
        .advance("order", "ORDER000001", None, NOW)
        .unwrap_err();
    assert!(matches!(again, AdvanceError::Refused { .. }), "{again}");
    assert_eq!(
        api_code(exchange(&platform, &client, &order.close())),
        (400, "ORDERPAID".to_owned())
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &jsapi(order))),
        (400, "ORDERPAID".to_owned())
    );
}

#[test]
fn the_same_order_again_is_answered_the_same_and_another_under_its_number_is_refused() {
    let (platform, client) = setup();
    let first = exchange(
        &platform,
        &client,
        &jsapi(partner_order("ORDER000002", 100)),
    )
    .unwrap();
    let retry = exchange(
        &platform,
        &client,
        &jsapi(partner_order("ORDER000002", 100)),
    )
    .unwrap();
    assert_eq!(first, retry);
    for other in [
        jsapi(partner_order("ORDER000002", 101)),
        jsapi(partner_order("ORDER000002", 100).with_attach("x").unwrap()),
    ] {
        assert_eq!(
            api_code(exchange(&platform, &client, &other)),
            (403, "OUT_TRADE_NO_USED".to_owned())
        );
    }
    // The same body as another trade type is another order too.
    assert_eq!(
        api_code(exchange(
            &platform,
            &client,
            &CreatePartnerOrder::native(partner_order("ORDER000002", 100))
        )),
        (403, "OUT_TRADE_NO_USED".to_owned())
    );

    // Closed: closing again changes nothing, placing again is refused, paying is refused.
    let close = ClosePartnerOrder::new(PLATFORM, SELLER_A, "ORDER000002").unwrap();
    exchange(&platform, &client, &close).unwrap();
    exchange(&platform, &client, &close).unwrap();
    let closed = exchange(
        &platform,
        &client,
        &partner_order("ORDER000002", 100).query(),
    )
    .unwrap();
    assert_eq!(closed.trade_state, TradeState::Closed);
    assert_eq!(
        api_code(exchange(
            &platform,
            &client,
            &jsapi(partner_order("ORDER000002", 100))
        )),
        (400, "ORDER_CLOSED".to_owned())
    );
    assert!(matches!(
        platform.advance("order", "ORDER000002", None, NOW),
        Err(AdvanceError::Refused { .. })
    ));
}

#[test]
fn each_trade_type_answers_its_own_shape() {
    let (platform, client) = setup();
    let app = exchange(
        &platform,
        &client,
        &CreatePartnerOrder::app(partner_order("APP0000001", 1)),
    )
    .unwrap();
    let mut rng = rng();
    let params = AppPayParams::prepare(
        "wx8888888888888888",
        &MchId::new(PLATFORM).unwrap(),
        &app,
        NOW,
        &Nonce::generate(&mut rng),
    )
    .unwrap()
    .sign(
        &credentials(&wechatpay_mock::MockKeys::fixtures()),
        &mut rng,
    )
    .unwrap();
    assert_eq!(params.prepayid, app.prepay_id());

    let native = exchange(
        &platform,
        &client,
        &CreatePartnerOrder::native(partner_order("NAT0000001", 1)),
    )
    .unwrap();
    assert!(
        native
            .code_url()
            .starts_with("weixin://wxpay/bizpayurl?pr=")
    );

    let scene = SceneInfo::new("203.0.113.7".parse().unwrap());
    let h5 = CreatePartnerOrder::h5(
        partner_order("H5O0000001", 1).with_scene_info(scene),
        H5Info::new(H5Type::Wap)
            .with_app_url("https://shop.example")
            .unwrap(),
    )
    .unwrap();
    let link = exchange(&platform, &client, &h5).unwrap();
    assert!(link.h5_url().starts_with("https://wx.tenpay.com/"));

    // Paid, an order without a payer in its request names the one who paid.
    platform.advance("order", "NAT0000001", None, NOW).unwrap();
    let paid: Transaction = paid_notice(platform.take_notices());
    assert_eq!(paid.trade_type.as_ref().map(|t| t.as_str()), Some("NATIVE"));
    assert!(paid.payer.is_some());
}

#[test]
fn unknown_orders_and_invalid_parameters_are_refused_as_the_pages_say() {
    let (platform, client) = setup();
    let missing = QueryPartnerOrder::by_out_trade_no(PLATFORM, SELLER_A, "NOSUCH0001").unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &missing)),
        (404, "ORDER_NOT_EXIST".to_owned())
    );
    assert_eq!(
        api_code(exchange(
            &platform,
            &client,
            &QueryCombineOrder::new("NOSUCH").unwrap()
        )),
        (404, "ORDER_NOT_EXIST".to_owned())
    );
    let close = ClosePartnerOrder::new(PLATFORM, SELLER_A, "NOSUCH0001").unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &close)),
        (404, "ORDER_NOT_EXIST".to_owned())
    );
    assert!(matches!(
        platform.advance("order", "NOSUCH0001", None, NOW),
        Err(AdvanceError::UnknownRecord { .. })
    ));

    // Unpaid, an order is known only by the merchant's number, not yet by transaction_id.
    exchange(&platform, &client, &jsapi(partner_order("ORDER000003", 1))).unwrap();
    let by_id =
        QueryPartnerOrder::by_transaction_id(PLATFORM, SELLER_A, "4200000000000000000000000001")
            .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &by_id)),
        (404, "ORDER_NOT_EXIST".to_owned())
    );
    // Another sub-merchant's number is another order.
    let elsewhere = QueryPartnerOrder::by_out_trade_no(PLATFORM, SELLER_B, "ORDER000003").unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &elsewhere)),
        (404, "ORDER_NOT_EXIST".to_owned())
    );

    // Another platform's merchant id, caught by the platform (the core lets any id through).
    let foreign =
        PartnerOrder::new("wx1", "1230000109", SELLER_A, "ORDER000004", "d", 1, NOTIFY).unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &jsapi(foreign))),
        "sp_mchid"
    );
    // What the core would not send, sent raw.
    let raw = |body: serde_json::Value| {
        AnyEndpoint::new(
            Method::POST,
            PathBuilder::parse("/v3/pay/partner/transactions/jsapi").unwrap(),
        )
        .unwrap()
        .with_json(&body)
        .unwrap()
    };
    let valid = serde_json::json!({
        "sp_appid": "wx1", "sp_mchid": PLATFORM, "sub_mchid": SELLER_A, "description": "d",
        "out_trade_no": "ORDER000005", "notify_url": NOTIFY, "amount": {"total": 1, "currency": "CNY"},
        "payer": {"sp_openid": OPENID},
    });
    for (pointer, value, field) in [
        ("/amount/total", serde_json::json!(0), "amount.total"),
        (
            "/amount/currency",
            serde_json::json!("USD"),
            "amount.currency",
        ),
        ("/out_trade_no", serde_json::json!("12345"), "out_trade_no"),
        (
            "/notify_url",
            serde_json::json!("https://a.example/n?x=1"),
            "notify_url",
        ),
        ("/payer", serde_json::json!({}), "payer"),
        (
            "/payer",
            serde_json::json!({"sub_openid": OPENID}),
            "sub_appid",
        ),
    ] {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        assert_eq!(param_field(exchange(&platform, &client, &raw(body))), field);
    }
    let mut no_scene = valid.clone();
    no_scene["out_trade_no"] = serde_json::json!("ORDER000006");
    let h5 = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/pay/partner/transactions/h5").unwrap(),
    )
    .unwrap()
    .with_json(&no_scene)
    .unwrap();
    assert_eq!(param_field(exchange(&platform, &client, &h5)), "scene_info");
    assert!(exchange(&platform, &client, &raw(valid)).unwrap().is_some());
}

#[test]
fn a_combined_order_is_paid_as_a_whole_with_one_callback() {
    let (platform, client) = setup();
    let order = combined_order("COMBINE001");
    let create = CreateCombineOrder::jsapi(order.clone(), OPENID).unwrap();
    let prepay = exchange(&platform, &client, &create).unwrap();
    assert_eq!(exchange(&platform, &client, &create).unwrap(), prepay);

    let unpaid = exchange(&platform, &client, &order.query()).unwrap();
    assert_eq!(unpaid.combine_out_trade_no, "COMBINE001");
    assert_eq!(unpaid.sub_orders.len(), 2);
    assert!(
        unpaid
            .sub_orders
            .iter()
            .all(|s| s.trade_state == TradeState::NotPay && s.transaction_id.is_none())
    );
    assert!(!unpaid.is_paid());
    assert_eq!(unpaid.total_amount(), 1500);

    let advanced = platform
        .advance("order", "COMBINE001", None, NOW + 30)
        .unwrap();
    assert_eq!((advanced.state.as_str(), advanced.notices), ("SUCCESS", 1));
    let callback: CombineTransaction = paid_notice(platform.take_notices());
    assert!(callback.is_paid());
    assert_eq!(
        callback
            .sub_orders
            .iter()
            .map(|s| (s.sub_mchid.as_str(), s.amount.total_amount))
            .collect::<Vec<_>>(),
        [(SELLER_A, 1000), (SELLER_B, 500)]
    );
    assert_eq!(
        callback
            .combine_payer_info
            .as_ref()
            .and_then(|p| p.openid.as_deref()),
        Some(OPENID)
    );
    let paid = exchange(&platform, &client, &order.query()).unwrap();
    assert_eq!(paid, callback);
    assert_eq!(
        platform.order_state(SELLER_B, "COMBINE001B").as_deref(),
        Some("SUCCESS")
    );

    // Its sub-orders are not partner orders, and their numbers are taken.
    let sub_a = QueryPartnerOrder::by_out_trade_no(PLATFORM, SELLER_A, "COMBINE001A").unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &sub_a)),
        (404, "ORDER_NOT_EXIST".to_owned())
    );
    let reuse = CreateCombineOrder::app(
        CombineOrder::new(
            "wxd678efh567hg6787",
            PLATFORM,
            "COMBINE002",
            vec![CombineSubOrder::new(PLATFORM, SELLER_A, "COMBINE001A", 1, "d", "a").unwrap()],
            NOTIFY,
        )
        .unwrap(),
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &reuse)),
        (403, "OUT_TRADE_NO_USED".to_owned())
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &order.close())),
        (400, "ORDERPAID".to_owned())
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &create)),
        (400, "ORDERPAID".to_owned())
    );
}

#[test]
fn a_combined_order_closes_only_with_the_sub_orders_it_was_placed_with() {
    let (platform, client) = setup();
    let order = combined_order("COMBINE003")
        .with_scene_info(SceneInfo::new("::1".parse().unwrap()))
        .unwrap();
    exchange(
        &platform,
        &client,
        &CreateCombineOrder::native(order.clone()),
    )
    .unwrap();
    // Another body under the same number.
    let other = CreateCombineOrder::native(combined_order("COMBINE003"));
    assert_eq!(
        api_code(exchange(&platform, &client, &other)),
        (403, "OUT_TRADE_NO_USED".to_owned())
    );

    let partial = CloseCombineOrder::new(
        "wxd678efh567hg6787",
        "COMBINE003",
        vec![CloseSubOrder::new(PLATFORM, SELLER_A, "COMBINE003A").unwrap()],
    )
    .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &partial)),
        (400, "INVALID_REQUEST".to_owned())
    );
    exchange(&platform, &client, &order.close()).unwrap();
    let closed = exchange(&platform, &client, &order.query()).unwrap();
    assert!(
        closed
            .sub_orders
            .iter()
            .all(|s| s.trade_state == TradeState::Closed)
    );
    assert_eq!(
        api_code(exchange(
            &platform,
            &client,
            &CreateCombineOrder::native(order)
        )),
        (400, "ORDER_CLOSED".to_owned())
    );
    assert!(matches!(
        platform.advance("order", "COMBINE003", None, NOW),
        Err(AdvanceError::Refused { .. })
    ));
    // A sub-order of a combined order moves only with it.
    assert!(matches!(
        platform.advance("order", "COMBINE003A", None, NOW),
        Err(AdvanceError::UnknownRecord { .. })
    ));
}

#[test]
fn orders_move_on_polls_and_survive_saved_state() {
    let (platform, client) = setup();
    let order = combined_order("COMBINE004");
    exchange(&platform, &client, &CreateCombineOrder::app(order.clone())).unwrap();
    exchange(&platform, &client, &jsapi(partner_order("ORDER000007", 5))).unwrap();
    let saved = platform.save_state();
    assert!(saved["tables"]["combined_orders"].is_array());

    platform.set_schedule(Schedule::EveryQuery);
    let paid = exchange(&platform, &client, &order.query()).unwrap();
    assert!(paid.is_paid());
    assert_eq!(platform.take_notices().len(), 1);

    // Back to before the payment: unpaid, and closable.
    platform.load_state(&saved).unwrap();
    platform.set_schedule(Schedule::OnControl);
    let unpaid = exchange(&platform, &client, &order.query()).unwrap();
    assert!(!unpaid.is_paid());
    exchange(&platform, &client, &order.close()).unwrap();
    let advanced = platform
        .advance("order", "ORDER000007", Some("CLOSED"), NOW)
        .unwrap();
    assert_eq!((advanced.state.as_str(), advanced.notices), ("CLOSED", 0));
    assert!(matches!(
        platform.advance("order", "ORDER000007", Some("REFUND"), NOW),
        Err(AdvanceError::Refused { .. })
    ));
}
