//! Refunds on the sandbox: the amounts the pages allow, retries and conflicts, `PROCESSING` to
//! `SUCCESS` with its callback and its money, abnormal refunds with encrypted card fields, and
//! the return of the platform's advance.

use http::Method;
use serde_json::{Value, json};
use wechatpay_core::ecommerce::refund::{
    AdvanceReturnResult, ApplyAbnormalRefund, ApplyRefund, QueryRefundById,
    QueryRefundByOutRefundNo, QueryReturnAdvance, Refund, RefundAccount, RefundChannel,
    RefundStatus, ReturnAdvance,
};
use wechatpay_core::{AnyEndpoint, PathBuilder};
use wechatpay_mock::{AdvanceError, MockPlatform};

mod support;

use support::{NOW, api_code, exchange, param_field, setup};

const SUB: &str = "1900000109";
const PAID: &str = "4200000000000000000000000001";
const NOTIFY: &str = "https://merchant.example.com/refunds";

/// A world with one paid order of 10.00 yuan of [`SUB`], whose payment is in its balance,
/// and `shared` fen of it shared out.
fn world(platform: &MockPlatform, shared: u64) {
    let state = json!({"format": 1, "tables": {"ledger": {
        "orders": [{
            "sub_mchid": SUB, "out_trade_no": "T1", "transaction_id": PAID,
            "combine_out_trade_no": null, "trade_type": "JSAPI", "state": "SUCCESS",
            "total": 1000, "description": "商品", "notify_url": "http://127.0.0.1/paid",
            "created_at": NOW - 60, "paid_at": NOW - 50, "refunded": 0, "shared": shared,
            "profit_sharing": true, "sharing_finished": false, "request": {}
        }, {
            "sub_mchid": SUB, "out_trade_no": "UNPAID", "transaction_id": "4200000000000000000000000002",
            "combine_out_trade_no": null, "trade_type": "JSAPI", "state": "NOTPAY",
            "total": 500, "description": "商品", "notify_url": "http://127.0.0.1/paid",
            "created_at": NOW - 60, "paid_at": null, "refunded": 0, "shared": 0,
            "profit_sharing": false, "sharing_finished": false, "request": {}
        }],
        "entries": [{
            "at": NOW - 50, "mchid": SUB, "account": "BASIC", "kind": "PAYMENT",
            "amount": 1000 - i64::try_from(shared).unwrap(), "id": PAID, "out_no": "T1",
            "transaction_id": PAID
        }]
    }}});
    platform.load_state(&state).unwrap();
}

fn refund(out_refund_no: &str, fen: u64) -> ApplyRefund {
    ApplyRefund::new(SUB, "wx8888888888888888", out_refund_no, fen, 1000)
        .unwrap()
        .with_transaction_id(PAID)
        .unwrap()
        .with_notify_url(NOTIFY)
        .unwrap()
}

fn ledger(platform: &MockPlatform) -> Value {
    platform.save_state()["tables"]["ledger"].clone()
}

#[test]
fn a_refund_succeeds_with_its_callback_and_its_money() {
    let (platform, client) = setup();
    world(&platform, 0);
    let applied = exchange(&platform, &client, &refund("R1", 300)).unwrap();
    assert_eq!(applied.amount.refund, 300);
    assert_eq!(applied.refund_account, Some(RefundAccount::SubMerchant));
    let by_id = QueryRefundById::new(&applied.refund_id, SUB).unwrap();
    let processing = exchange(&platform, &client, &by_id).unwrap();
    assert_eq!(processing.refund_status, RefundStatus::Processing);
    assert_eq!(processing.out_trade_no, "T1");
    assert_eq!(processing.success_time, None);

    let advanced = platform.advance("refund", "R1", None, NOW + 5).unwrap();
    assert_eq!((advanced.state.as_str(), advanced.notices), ("SUCCESS", 1));
    let notices = platform.take_notices();
    assert_eq!(notices[0].url, NOTIFY);
    assert_eq!(notices[0].event.event_type, "REFUND.SUCCESS");
    let notified: Refund =
        serde_json::from_value(Value::Object(notices[0].event.resource.clone())).unwrap();
    assert_eq!(notified.refund_status, RefundStatus::Success);
    assert_eq!(notified.sub_mchid.as_deref(), Some(SUB));
    assert_eq!(notified.amount.as_ref().and_then(|a| a.total), Some(1000));

    let by_no = QueryRefundByOutRefundNo::new("R1", SUB).unwrap();
    let done = exchange(&platform, &client, &by_no).unwrap();
    assert_eq!(done.refund_status, RefundStatus::Success);
    assert_eq!(done.channel, Some(RefundChannel::Original));
    assert!(done.success_time_at().is_some());
    assert_eq!(done, exchange(&platform, &client, &by_id).unwrap());

    let ledger = ledger(&platform);
    let entry = ledger["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            entry["kind"].as_str(),
            entry["amount"].as_i64(),
            entry["mchid"].as_str()
        ),
        (Some("REFUND"), Some(-300), Some(SUB))
    );
    assert_eq!(ledger["orders"][0]["refunded"], 300);
    assert_eq!(ledger["orders"][0]["state"], "REFUND");
    // Final now.
    let refused = platform
        .advance("refund", &applied.refund_id, None, NOW)
        .unwrap_err();
    assert!(matches!(refused, AdvanceError::Refused { .. }), "{refused}");
}

#[test]
fn refunds_never_exceed_what_was_paid_less_what_was_refunded() {
    let (platform, client) = setup();
    world(&platform, 0);
    exchange(&platform, &client, &refund("R1", 700)).unwrap();
    // 300 fen are left, whether the first refund succeeded yet or not.
    assert_eq!(
        api_code(exchange(&platform, &client, &refund("R2", 301))),
        (400, "INVALID_REQUEST".to_owned())
    );
    exchange(&platform, &client, &refund("R2", 300)).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &refund("R3", 1))),
        (400, "INVALID_REQUEST".to_owned())
    );
    // A closed refund gives its amount back.
    platform
        .advance("refund", "R2", Some("CLOSED"), NOW)
        .unwrap();
    assert_eq!(platform.take_notices()[0].event.event_type, "REFUND.CLOSED");
    exchange(&platform, &client, &refund("R3", 300)).unwrap();

    // The order's total must be the order's, and the order paid and known.
    let wrong_total = ApplyRefund::new(SUB, "wx1", "R4", 1, 999)
        .unwrap()
        .with_transaction_id(PAID)
        .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &wrong_total)).1,
        "INVALID_REQUEST"
    );
    let unpaid = ApplyRefund::new(SUB, "wx1", "R5", 1, 500)
        .unwrap()
        .with_out_trade_no("UNPAID")
        .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &unpaid)).1,
        "INVALID_REQUEST"
    );
    let unknown = ApplyRefund::new(SUB, "wx1", "R6", 1, 500)
        .unwrap()
        .with_out_trade_no("NOBODY")
        .unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &unknown)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn an_out_refund_no_is_a_retry_with_the_same_content_and_a_conflict_with_other() {
    let (platform, client) = setup();
    world(&platform, 0);
    let first = exchange(&platform, &client, &refund("R1", 100)).unwrap();
    let again = exchange(&platform, &client, &refund("R1", 100)).unwrap();
    assert_eq!(first, again);
    assert_eq!(
        api_code(exchange(&platform, &client, &refund("R1", 200))),
        (400, "INVALID_REQUEST".to_owned())
    );
    // Only one refund was made of it.
    assert_eq!(ledger(&platform)["orders"][0]["refunded"], 100);
    let unknown = QueryRefundByOutRefundNo::new("R9", SUB).unwrap();
    assert_eq!(api_code(exchange(&platform, &client, &unknown)).0, 404);
    // Another sub-merchant's query does not see it.
    let other = QueryRefundById::new(&first.refund_id, "1900000110").unwrap();
    assert_eq!(api_code(exchange(&platform, &client, &other)).0, 404);
}

#[test]
fn shared_money_must_come_back_before_the_sub_merchant_refunds_it() {
    let (platform, client) = setup();
    world(&platform, 800);
    assert_eq!(
        api_code(exchange(&platform, &client, &refund("R1", 300))),
        (403, "NOT_ENOUGH".to_owned())
    );
    exchange(&platform, &client, &refund("R1", 200)).unwrap();
    // The platform's advance refunds regardless; its return waits for the sub-merchant's
    // balance.
    let advanced = refund("R2", 300).with_refund_account(RefundAccount::PartnerAdvance);
    let applied = exchange(&platform, &client, &advanced).unwrap();
    let too_early = ReturnAdvance::new(&applied.refund_id, SUB).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &too_early)).1,
        "INVALID_REQUEST"
    );
    platform.advance("refund", "R1", None, NOW).unwrap();
    platform.advance("refund", "R2", None, NOW).unwrap();
    let query = QueryRefundById::new(&applied.refund_id, SUB).unwrap();
    let done = exchange(&platform, &client, &query).unwrap();
    assert_eq!(done.amount.unwrap().advance, Some(300));
    let entries = ledger(&platform)["entries"].clone();
    let platform_refund = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == applied.refund_id.as_str())
        .unwrap();
    assert_eq!(platform_refund["mchid"], platform.keys().mchid.as_str());

    // The sub-merchant holds 200 - 200 = 0 fen: the return fails, then succeeds once paid.
    let failed = exchange(&platform, &client, &too_early).unwrap();
    assert_eq!(failed.result, AdvanceReturnResult::Failed);
    let topped_up = {
        let mut state = platform.save_state();
        let entries = state["tables"]["ledger"]["entries"].as_array_mut().unwrap();
        entries.push(
            json!({"at": NOW, "mchid": SUB, "account": "BASIC", "kind": "PAYMENT",
            "amount": 500, "id": "4200000000000000000000000009", "out_no": "T9"}),
        );
        state
    };
    platform.load_state(&topped_up).unwrap();
    let returned = exchange(&platform, &client, &too_early).unwrap();
    assert_eq!(returned.result, AdvanceReturnResult::Success);
    assert_eq!(returned.advance_return_id, failed.advance_return_id);
    assert_eq!(
        (returned.return_amount, returned.payee_mchid.as_str()),
        (300, platform.keys().mchid.as_str())
    );
    let queried = exchange(
        &platform,
        &client,
        &QueryReturnAdvance::new(&applied.refund_id, SUB).unwrap(),
    );
    assert_eq!(queried.unwrap(), returned);
    // Returned once only.
    assert_eq!(exchange(&platform, &client, &too_early).unwrap(), returned);
}

#[test]
fn an_abnormal_refund_goes_to_a_card_decrypted_and_succeeds() {
    let (platform, client) = setup();
    world(&platform, 0);
    let applied = exchange(&platform, &client, &refund("R1", 100)).unwrap();
    let to_card = ApplyAbnormalRefund::to_user_bank_card(
        &applied.refund_id,
        SUB,
        "R1",
        "ICBC_DEBIT",
        "6222020200001234",
        "张三",
    )
    .unwrap();
    // Only an abnormal refund can be sent elsewhere.
    assert_eq!(
        api_code(exchange(&platform, &client, &to_card)).1,
        "INVALID_REQUEST"
    );
    platform
        .advance("refund", "R1", Some("ABNORMAL"), NOW)
        .unwrap();
    assert_eq!(
        platform.take_notices()[0].event.event_type,
        "REFUND.ABNORMAL"
    );
    assert!(matches!(
        platform.advance("refund", "R1", None, NOW),
        Err(AdvanceError::Refused { .. })
    ));

    // The card number sent in clear is refused.
    let plaintext = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse(&format!(
            "/v3/ecommerce/refunds/{}/apply-abnormal-refund",
            applied.refund_id
        ))
        .unwrap(),
    )
    .unwrap()
    .with_json(
        &json!({"sub_mchid": SUB, "out_refund_no": "R1", "type": "USER_BANK_CARD",
        "bank_type": "ICBC_DEBIT", "bank_account": "6222020200001234", "real_name": "张三"}),
    )
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &plaintext)),
        "bank_account"
    );

    let sent = exchange(&platform, &client, &to_card).unwrap();
    assert_eq!(sent.refund_status, RefundStatus::Processing);
    assert_eq!(sent.channel, Some(RefundChannel::OtherBankcard));
    assert_eq!(
        sent.user_received_account
            .as_ref()
            .map(|a| a.expose().to_owned()),
        Some("ICBC_DEBIT1234".to_owned())
    );
    // Sent again: the same refund.
    assert_eq!(exchange(&platform, &client, &to_card).unwrap(), sent);
    platform
        .advance("refund", &applied.refund_id, None, NOW)
        .unwrap();
    let done = exchange(
        &platform,
        &client,
        &QueryRefundById::new(&applied.refund_id, SUB).unwrap(),
    );
    assert_eq!(done.unwrap().refund_status, RefundStatus::Success);
}

#[test]
fn under_every_query_a_refund_succeeds_when_polled() {
    let (platform, client) = setup();
    world(&platform, 0);
    platform.set_schedule(wechatpay_mock::Schedule::EveryQuery);
    exchange(&platform, &client, &refund("R1", 100)).unwrap();
    let query = QueryRefundByOutRefundNo::new("R1", SUB).unwrap();
    assert_eq!(
        exchange(&platform, &client, &query).unwrap().refund_status,
        RefundStatus::Success
    );
    assert_eq!(platform.take_notices().len(), 1);
    // Saved and loaded, the refund is still there.
    let saved = platform.save_state();
    let (other, client) = setup();
    other.load_state(&saved).unwrap();
    assert_eq!(
        exchange(&other, &client, &query).unwrap().refund_status,
        RefundStatus::Success
    );
}
