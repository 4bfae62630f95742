//! Profit sharing on the sandbox: receivers kept, sharing bounded by what is left of the order
//! (less what was shared and refunded), `PROCESSING` to `FINISHED` with the money moved,
//! finishing, returns before a refund, retries and conflicts.

use serde_json::{Value, json};
use wechatpay_core::ecommerce::profitsharing::{
    AddReceiver, CreateProfitSharingOrder, CreateReturnOrder, DeleteReceiver,
    FinishProfitSharingOrder, ProfitSharingStatus, QueryProfitSharingOrder, QueryReturnOrder,
    QueryUnsplitAmount, ReceiverResultState, ReceiverType, RelationType, ReturnResult, ShareTo,
};
use wechatpay_core::ecommerce::refund::ApplyRefund;
use wechatpay_mock::{AdvanceError, MockPlatform, Schedule};

mod support;

use support::{NOW, api_code, exchange, param_field, setup};

const SUB: &str = "1900000109";
const PAID: &str = "4200000000000000000000000001";
const SUPPLIER: &str = "1900000200";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A world with one paid order of 10.00 yuan of [`SUB`] placed for profit sharing, its
/// payment in the sub-merchant's balance.
fn world(platform: &MockPlatform) {
    let state = json!({"format": 1, "tables": {"ledger": {
        "orders": [{
            "sub_mchid": SUB, "out_trade_no": "T1", "transaction_id": PAID,
            "combine_out_trade_no": null, "trade_type": "JSAPI", "state": "SUCCESS",
            "total": 1000, "description": "商品", "notify_url": "http://127.0.0.1/paid",
            "created_at": NOW - 60, "paid_at": NOW - 50, "refunded": 0, "shared": 0,
            "profit_sharing": true, "sharing_finished": false, "request": {}
        }],
        "entries": [{
            "at": NOW - 50, "mchid": SUB, "account": "BASIC", "kind": "PAYMENT",
            "amount": 1000, "id": PAID, "out_no": "T1", "transaction_id": PAID
        }]
    }}});
    platform.load_state(&state).unwrap();
}

fn share(out_order_no: &str, fen: u64) -> CreateProfitSharingOrder {
    CreateProfitSharingOrder::new(
        SUB,
        PAID,
        out_order_no,
        vec![ShareTo::merchant(SUPPLIER, fen, "供货款").unwrap()],
    )
    .unwrap()
}

fn unsplit(platform: &MockPlatform, client: &wechatpay_core::Client) -> u64 {
    exchange(platform, client, &QueryUnsplitAmount::new(PAID).unwrap())
        .unwrap()
        .unsplit_amount
}

fn balance(platform: &MockPlatform, mchid: &str) -> i64 {
    platform.save_state()["tables"]["ledger"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["mchid"] == mchid)
        .map(|e| e["amount"].as_i64().unwrap())
        .sum()
}

fn add_supplier(platform: &MockPlatform, client: &wechatpay_core::Client) {
    let add = AddReceiver::merchant(SUPPLIER, "示例供应商", RelationType::Supplier).unwrap();
    let added = exchange(platform, client, &add).unwrap();
    assert_eq!(
        (added.kind, added.account.as_str()),
        (ReceiverType::MerchantId, SUPPLIER)
    );
}

#[test]
fn receivers_are_kept_added_and_deleted() {
    let (platform, client) = setup();
    world(&platform);
    // Not a receiver yet.
    assert_eq!(
        api_code(exchange(&platform, &client, &share("P1", 100))).1,
        "INVALID_REQUEST"
    );
    add_supplier(&platform, &client);
    exchange(&platform, &client, &share("P1", 100)).unwrap();

    // A person, with the name encrypted; in clear it is refused.
    let person = AddReceiver::personal_openid(OPENID, RelationType::Distributor)
        .unwrap()
        .with_appid("wx8888888888888888")
        .unwrap()
        .with_encrypted_name("李四")
        .unwrap();
    exchange(&platform, &client, &person).unwrap();
    let saved = platform.save_state();
    assert_eq!(
        saved["tables"]["profitsharing"]["receivers"][1]["name"],
        "李四"
    );
    let to_person = CreateProfitSharingOrder::new(
        SUB,
        PAID,
        "P2",
        vec![
            ShareTo::personal_openid(OPENID, 50, "返佣")
                .unwrap()
                .with_name("王五")
                .unwrap(),
        ],
    )
    .unwrap()
    .with_appid("wx8888888888888888")
    .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &to_person)).1,
        "INVALID_REQUEST"
    );

    let delete = DeleteReceiver::merchant(SUPPLIER).unwrap();
    exchange(&platform, &client, &delete).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &delete)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &share("P3", 100))).1,
        "INVALID_REQUEST"
    );
}

#[test]
fn sharing_is_bounded_by_what_is_left_and_moves_the_money_when_finished() {
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    assert_eq!(unsplit(&platform, &client), 1000);
    let created = exchange(&platform, &client, &share("P1", 300)).unwrap();
    assert_eq!(created.status, ProfitSharingStatus::Processing);
    assert_eq!(created.receivers[0].result, ReceiverResultState::Pending);
    assert_eq!(unsplit(&platform, &client), 700);
    // A refund takes from what is left to share, too.
    let refund = ApplyRefund::new(SUB, "wx1", "R1", 200, 1000)
        .unwrap()
        .with_transaction_id(PAID)
        .unwrap();
    exchange(&platform, &client, &refund).unwrap();
    assert_eq!(unsplit(&platform, &client), 500);
    assert_eq!(
        api_code(exchange(&platform, &client, &share("P2", 501))),
        (403, "NOT_ENOUGH".to_owned())
    );

    // With no notify URL set in the merchant platform, a sharing's result is sent nowhere.
    let advanced = platform.advance("profitsharing", "P1", None, NOW).unwrap();
    assert_eq!((advanced.state.as_str(), advanced.notices), ("FINISHED", 0));
    let query = QueryProfitSharingOrder::new(SUB, PAID, "P1").unwrap();
    let finished = exchange(&platform, &client, &query).unwrap();
    assert_eq!(finished.status, ProfitSharingStatus::Finished);
    assert_eq!(finished.order_id, created.order_id);
    assert_eq!(finished.receivers[0].result, ReceiverResultState::Success);
    assert!(finished.receivers[0].finish_time_at().is_some());
    assert_eq!(
        (balance(&platform, SUB), balance(&platform, SUPPLIER)),
        (700, 300)
    );
    assert!(matches!(
        platform.advance("profitsharing", &created.order_id, None, NOW),
        Err(AdvanceError::Refused { .. })
    ));
    // A closed sharing gives its amount back to share.
    exchange(&platform, &client, &share("P2", 100)).unwrap();
    platform
        .advance("profitsharing", "P2", Some("CLOSED"), NOW)
        .unwrap();
    assert_eq!(unsplit(&platform, &client), 500);
}

#[test]
fn a_sharing_and_a_return_send_their_callbacks_to_the_merchant_platform_s_notify_url() {
    use wechatpay_core::ecommerce::profitsharing::ProfitSharingNotice;
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    let url = "https://merchant.example/profitsharing";
    platform.set_merchant_notify_url(Some(url)).unwrap();
    let refused = platform
        .set_merchant_notify_url(Some("ftp://x"))
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("notify URL is http:// or https://"),
        "{refused}"
    );
    let created = exchange(&platform, &client, &share("P1", 300)).unwrap();
    platform.advance("profitsharing", "P1", None, NOW).unwrap();
    let notices = platform.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].url, url);
    assert_eq!(
        (
            notices[0].event.event_type.as_str(),
            notices[0].event.original_type.as_str()
        ),
        ("PROFITSHARING.SUCCESS", "profitsharing")
    );
    let notice: ProfitSharingNotice =
        serde_json::from_value(Value::Object(notices[0].event.resource.clone())).unwrap();
    assert_eq!(
        (
            notice.order_id.as_str(),
            notice.out_order_no.as_str(),
            notice.transaction_id.as_str()
        ),
        (created.order_id.as_str(), "P1", PAID)
    );
    assert_eq!(
        (notice.receiver.account.as_str(), notice.receiver.amount),
        (SUPPLIER, 300)
    );

    let back = CreateReturnOrder::new(SUB, "R1", SUPPLIER, 100, "退回")
        .unwrap()
        .with_out_order_no("P1")
        .unwrap();
    exchange(&platform, &client, &back).unwrap();
    platform
        .advance("profitsharing-return", "R1", None, NOW)
        .unwrap();
    let notices = platform.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].event.event_type, "PROFITSHARING.RETURN");
    let notice: ProfitSharingNotice =
        serde_json::from_value(Value::Object(notices[0].event.resource.clone())).unwrap();
    assert_eq!(
        (notice.out_order_no.as_str(), notice.receiver.amount),
        ("R1", 100)
    );
}

#[test]
fn an_out_order_no_is_a_retry_with_the_same_content_and_a_conflict_with_other() {
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    let first = exchange(&platform, &client, &share("P1", 100)).unwrap();
    assert_eq!(
        exchange(&platform, &client, &share("P1", 100)).unwrap(),
        first
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &share("P1", 200))),
        (400, "INVALID_REQUEST".to_owned())
    );
    assert_eq!(unsplit(&platform, &client), 900);
    // The same with an encrypted name: encrypted again, the retry is still the same request.
    let named = |no: &str| {
        CreateProfitSharingOrder::new(
            SUB,
            PAID,
            no,
            vec![
                ShareTo::merchant(SUPPLIER, 10, "x")
                    .unwrap()
                    .with_name("示例供应商")
                    .unwrap(),
            ],
        )
        .unwrap()
    };
    let once = exchange(&platform, &client, &named("P2")).unwrap();
    assert_eq!(exchange(&platform, &client, &named("P2")).unwrap(), once);
    // Unknown orders and sharings.
    let unknown = CreateProfitSharingOrder::new(
        SUB,
        "4200000000000000000000000404",
        "P3",
        vec![ShareTo::merchant(SUPPLIER, 1, "x").unwrap()],
    )
    .unwrap();
    assert_eq!(api_code(exchange(&platform, &client, &unknown)).0, 404);
    let missing = QueryProfitSharingOrder::new(SUB, PAID, "P404").unwrap();
    assert_eq!(api_code(exchange(&platform, &client, &missing)).0, 404);
    // A receiver's name sent in clear is refused.
    let plaintext = wechatpay_core::AnyEndpoint::new(
        http::Method::POST,
        wechatpay_core::PathBuilder::parse("/v3/ecommerce/profitsharing/orders").unwrap(),
    )
    .unwrap()
    .with_json(
        &json!({"sub_mchid": SUB, "transaction_id": PAID, "out_order_no": "P4",
        "receivers": [{"type": "MERCHANT_ID", "receiver_account": SUPPLIER, "amount": 1,
        "description": "x", "receiver_name": "示例供应商"}], "finish": false}),
    )
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &plaintext)),
        "receivers.receiver_name"
    );
}

#[test]
fn finishing_leaves_nothing_to_share() {
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    exchange(&platform, &client, &share("P1", 100)).unwrap();
    let finish = FinishProfitSharingOrder::new(SUB, PAID, "F1", "分账完结").unwrap();
    let finished = exchange(&platform, &client, &finish).unwrap();
    assert_eq!(exchange(&platform, &client, &finish).unwrap(), finished);
    assert_eq!(unsplit(&platform, &client), 0);
    assert_eq!(
        api_code(exchange(&platform, &client, &share("P2", 1))).1,
        "INVALID_REQUEST"
    );
    platform.set_schedule(Schedule::EveryQuery);
    let query = QueryProfitSharingOrder::new(SUB, PAID, "F1").unwrap();
    let done = exchange(&platform, &client, &query).unwrap();
    assert_eq!(done.status, ProfitSharingStatus::Finished);
    assert_eq!(done.finish_amount, Some(900));
    assert!(done.receivers.is_empty());
    // With `finish`, a sharing ends the order itself.
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    exchange(&platform, &client, &share("P1", 100).with_finish(true)).unwrap();
    assert_eq!(unsplit(&platform, &client), 0);
}

#[test]
fn shared_money_returns_before_a_refund() {
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    let created = exchange(&platform, &client, &share("P1", 800)).unwrap();
    let returning = |no: &str, fen: u64| {
        CreateReturnOrder::new(SUB, no, SUPPLIER, fen, "退款前回退")
            .unwrap()
            .with_out_order_no("P1")
            .unwrap()
    };
    // Nothing to return before the share succeeded.
    assert_eq!(
        api_code(exchange(&platform, &client, &returning("B1", 100))).1,
        "INVALID_REQUEST"
    );
    platform.advance("profitsharing", "P1", None, NOW).unwrap();
    let refund = |no: &str| {
        ApplyRefund::new(SUB, "wx1", no, 500, 1000)
            .unwrap()
            .with_transaction_id(PAID)
            .unwrap()
    };
    assert_eq!(
        api_code(exchange(&platform, &client, &refund("R1"))),
        (403, "NOT_ENOUGH".to_owned())
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &returning("B1", 801))).1,
        "INVALID_REQUEST"
    );
    let started = exchange(&platform, &client, &returning("B1", 300)).unwrap();
    assert_eq!(started.result, ReturnResult::Processing);
    assert_eq!(started.order_id, created.order_id);
    assert_eq!(
        exchange(&platform, &client, &returning("B1", 300)).unwrap(),
        started
    );
    assert_eq!(
        api_code(exchange(&platform, &client, &returning("B1", 200))).1,
        "INVALID_REQUEST"
    );
    platform
        .advance("profitsharing-return", "B1", None, NOW)
        .unwrap();
    let query = QueryReturnOrder::by_order_id(SUB, &created.order_id, "B1").unwrap();
    let returned = exchange(&platform, &client, &query).unwrap();
    assert_eq!(returned.result, ReturnResult::Success);
    assert!(returned.finish_time_at().is_some());
    assert_eq!(
        (balance(&platform, SUB), balance(&platform, SUPPLIER)),
        (500, 500)
    );
    // Now the sub-merchant holds 500 fen of the order: the refund goes through.
    exchange(&platform, &client, &refund("R1")).unwrap();
    // A failed return, and what is left to return.
    exchange(&platform, &client, &returning("B2", 500)).unwrap();
    platform
        .advance("profitsharing-return", "B2", Some("FAILED"), NOW)
        .unwrap();
    let failed = exchange(
        &platform,
        &client,
        &QueryReturnOrder::by_out_order_no(SUB, "P1", "B2").unwrap(),
    )
    .unwrap();
    assert_eq!(failed.result, ReturnResult::Failed);
    assert!(failed.fail_reason.is_some());
    let unknown = QueryReturnOrder::by_out_order_no(SUB, "P1", "B404").unwrap();
    assert_eq!(api_code(exchange(&platform, &client, &unknown)).0, 404);
}

#[test]
fn sharing_records_survive_saved_state() {
    let (platform, client) = setup();
    world(&platform);
    add_supplier(&platform, &client);
    exchange(&platform, &client, &share("P1", 100)).unwrap();
    let saved: Value = platform.save_state();
    let (other, client) = setup();
    other.load_state(&saved).unwrap();
    let query = QueryProfitSharingOrder::new(SUB, PAID, "P1").unwrap();
    assert_eq!(
        exchange(&other, &client, &query).unwrap().status,
        ProfitSharingStatus::Processing
    );
    assert_eq!(unsplit(&other, &client), 900);
}

#[test]
fn an_order_paid_through_the_payment_routes_is_shared_and_refunded() {
    use wechatpay_core::ecommerce::partner::{
        CreatePartnerOrder, PartnerOrder, PartnerPayer, SettleInfo,
    };
    use wechatpay_core::ecommerce::transaction::Transaction;
    let (platform, client) = setup();
    let order = PartnerOrder::new(
        "wx8888888888888888",
        &platform.keys().mchid,
        SUB,
        "ORDER000001",
        "商品",
        1000,
        "https://merchant.example/wxpay/notify",
    )
    .unwrap()
    .with_settle_info(SettleInfo::new(true));
    let jsapi = CreatePartnerOrder::jsapi(order, PartnerPayer::sp_openid(OPENID).unwrap()).unwrap();
    exchange(&platform, &client, &jsapi).unwrap();
    platform.advance("order", "ORDER000001", None, NOW).unwrap();
    let notice = platform.take_notices().remove(0);
    let paid: Transaction = serde_json::from_value(Value::Object(notice.event.resource)).unwrap();
    let transaction_id = paid.transaction_id.unwrap();

    add_supplier(&platform, &client);
    let to_supplier = CreateProfitSharingOrder::new(
        SUB,
        &transaction_id,
        "P1",
        vec![ShareTo::merchant(SUPPLIER, 300, "供货款").unwrap()],
    )
    .unwrap();
    exchange(&platform, &client, &to_supplier).unwrap();
    platform.advance("profitsharing", "P1", None, NOW).unwrap();
    let refund = ApplyRefund::new(SUB, "wx8888888888888888", "R1", 700, 1000)
        .unwrap()
        .with_out_trade_no("ORDER000001")
        .unwrap();
    exchange(&platform, &client, &refund).unwrap();
    platform.advance("refund", "R1", None, NOW).unwrap();
    let left = exchange(
        &platform,
        &client,
        &QueryUnsplitAmount::new(&transaction_id).unwrap(),
    );
    assert_eq!(left.unwrap().unsplit_amount, 0);
    assert_eq!(
        (balance(&platform, SUB), balance(&platform, SUPPLIER)),
        (0, 300)
    );
}
