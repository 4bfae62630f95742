//! Subsidies, balances, withdrawals and transfers against the sandbox's ledger, driven through
//! the core's typed operations: money moves as the pages say, and balances follow it.

use wechatpay_core::ecommerce::balance::{
    AccountType, QueryBalance, QueryEndDayBalance, QueryPlatformBalance, QueryPlatformEndDayBalance,
};
use wechatpay_core::ecommerce::subsidy::{
    CancelSubsidy, CreateSubsidy, ReturnAccount, ReturnSubsidy, SubsidyCancelResult, SubsidyResult,
};
use wechatpay_core::ecommerce::transfer::{
    CancelTransferBill, CreateTransferBill, QueryTransferBillByOutBillNo,
    QueryTransferBillByTransferBillNo, TransferState,
};
use wechatpay_core::ecommerce::withdraw::{
    PlatformWithdraw, QueryPlatformWithdrawById, QueryPlatformWithdrawByOutRequestNo,
    QueryWithdrawById, QueryWithdrawByOutRequestNo, SubMerchantWithdraw, WithdrawStatus,
};
use wechatpay_core::{Client, Error};
use wechatpay_mock::endpoints::balance::BalanceRecord;
use wechatpay_mock::{AdvanceError, MockPlatform};

mod support;

use support::{NOW, api_code, exchange, param_field, rng, setup};

/// The seeded sub-merchant, whose basic account opens with 10000 fen.
const SUB: &str = "1900000109";
/// Another sub-merchant, with no opening balance.
const OTHER: &str = "1900000110";
/// 2023-11-13T10:00:00+08:00, two days before [`NOW`] (2023-11-15 06:13 in China).
const PAID_AT: u64 = 1_699_840_800;
/// The order of [`SUB`], paid at [`PAID_AT`], placed with a subsidy of 300 fen.
const ORDER: &str = "4200000000000000000000000001";
/// The order of [`OTHER`], paid at [`PAID_AT`] with a subsidy of 200 fen, partly refunded.
const REFUNDED: &str = "4200000000000000000000000002";
/// The refund of [`REFUNDED`].
const REFUND: &str = "50300000000000000000000000001";

/// Two paid orders placed with a subsidy, one of them partly refunded.
fn world(platform: &MockPlatform) {
    let order =
        |sub: &str, out_trade_no: &str, tx: &str, total: u64, subsidy: u64, refunded: u64| {
            serde_json::json!({
                "sub_mchid": sub, "out_trade_no": out_trade_no, "transaction_id": tx,
                "combine_out_trade_no": null, "trade_type": "JSAPI",
                "state": if refunded > 0 { "REFUND" } else { "SUCCESS" },
                "total": total, "description": "咖啡", "notify_url": "https://example.com/notify",
                "created_at": PAID_AT - 60, "paid_at": PAID_AT, "refunded": refunded, "shared": 0,
                "profit_sharing": true, "sharing_finished": false,
                "request": {"settle_info": {"profit_sharing": true, "subsidy_amount": subsidy}}
            })
        };
    let entry = |at: u64, sub: &str, kind: &str, amount: i64, id: &str, tx: &str| {
        serde_json::json!({
            "at": at, "mchid": sub, "account": "BASIC", "kind": kind, "amount": amount,
            "id": id, "out_no": "N", "transaction_id": tx
        })
    };
    platform
        .load_state(&serde_json::json!({"format": 1, "tables": {"ledger": {
            "orders": [
                order(SUB, "ORDER_A", ORDER, 8800, 300, 0),
                order(OTHER, "ORDER_B", REFUNDED, 1000, 200, 400),
            ],
            "entries": [
                entry(PAID_AT, SUB, "PAYMENT", 8800, ORDER, ORDER),
                entry(PAID_AT, OTHER, "PAYMENT", 1000, REFUNDED, REFUNDED),
                entry(PAID_AT + 600, OTHER, "REFUND", -400, REFUND, REFUNDED),
            ]
        }}}))
        .unwrap();
}

fn sub_balance(platform: &MockPlatform, client: &Client, sub: &str) -> i64 {
    exchange(platform, client, &QueryBalance::new(sub).unwrap())
        .unwrap()
        .available_amount
}

fn platform_balance(platform: &MockPlatform, client: &Client) -> i64 {
    exchange(
        platform,
        client,
        &QueryPlatformBalance::new(AccountType::Basic),
    )
    .unwrap()
    .available_amount
}

fn code_of<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    api_code(result)
}

#[test]
fn balances_follow_payments_subsidies_and_withdrawals() {
    let (platform, client) = setup();
    world(&platform);
    assert_eq!(sub_balance(&platform, &client, SUB), 10_000 + 8_800);
    assert_eq!(sub_balance(&platform, &client, OTHER), 600);
    assert_eq!(platform_balance(&platform, &client), 10_000);

    let subsidy = CreateSubsidy::new(SUB, ORDER, 300, "满减补差").unwrap();
    exchange(&platform, &client, &subsidy).unwrap();
    assert_eq!(sub_balance(&platform, &client, SUB), 19_100);
    assert_eq!(platform_balance(&platform, &client), 9_700);

    let withdraw = SubMerchantWithdraw::new(SUB, "W1", 19_000).unwrap();
    exchange(&platform, &client, &withdraw).unwrap();
    assert_eq!(sub_balance(&platform, &client, SUB), 100);
    // No more than is available.
    let too_much = SubMerchantWithdraw::new(SUB, "W2", 101).unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &too_much)),
        (403, "NOT_ENOUGH".to_owned())
    );
    assert_eq!(sub_balance(&platform, &client, SUB), 100);

    // The day the order was paid ended with the opening balance and the payment; today's
    // balance is not written until tomorrow, and 90 days is as far back as it goes.
    let end_of_day = QueryEndDayBalance::new(SUB, "2023-11-13").unwrap();
    assert_eq!(
        exchange(&platform, &client, &end_of_day)
            .unwrap()
            .available_amount,
        18_800
    );
    let before = QueryEndDayBalance::new(SUB, "2023-11-12").unwrap();
    assert_eq!(
        exchange(&platform, &client, &before)
            .unwrap()
            .available_amount,
        10_000
    );
    for date in ["2023-11-15", "2023-08-01"] {
        let refused = QueryEndDayBalance::new(SUB, date).unwrap();
        assert_eq!(
            code_of(exchange(&platform, &client, &refused)),
            (400, "INVALID_REQUEST".to_owned()),
            "{date}"
        );
    }
    let platform_day = QueryPlatformEndDayBalance::new(AccountType::Basic, "2023-11-14").unwrap();
    let day = exchange(&platform, &client, &platform_day).unwrap();
    assert_eq!((day.available_amount, day.pending_amount), (10_000, 1));
    // A sub-merchant the platform never saw has no account.
    let unknown = QueryBalance::new("1900000999").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &unknown)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn withdrawals_start_accepted_move_on_advance_and_are_one_per_number() {
    let (platform, client) = setup();
    let withdraw = SubMerchantWithdraw::new(SUB, "W20231115A", 4_000)
        .unwrap()
        .with_remark("交易提现")
        .unwrap()
        .with_notify_url("https://example.com/withdraw")
        .unwrap();
    let accepted = exchange(&platform, &client, &withdraw).unwrap();
    assert_eq!(accepted.sub_mchid.as_deref(), Some(SUB));
    // The same request again is the same withdrawal, and takes nothing more.
    let again = exchange(&platform, &client, &withdraw).unwrap();
    assert_eq!(again.withdraw_id, accepted.withdraw_id);
    assert_eq!(sub_balance(&platform, &client, SUB), 6_000);
    let other = SubMerchantWithdraw::new(SUB, "W20231115A", 1).unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &other)),
        (400, "INVALID_REQUEST".to_owned())
    );

    let by_id = QueryWithdrawById::new(SUB, accepted.withdraw_id.clone()).unwrap();
    let state = exchange(&platform, &client, &by_id).unwrap();
    assert_eq!(state.status, WithdrawStatus::CreateSuccess);
    assert_eq!(
        (state.amount, state.remark.as_deref()),
        (4_000, Some("交易提现"))
    );
    let advanced = platform
        .advance("withdraw", "W20231115A", None, NOW + 60)
        .unwrap();
    assert_eq!(advanced.state, "SUCCESS");
    let notices = platform.take_notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].url, "https://example.com/withdraw");
    assert_eq!(notices[0].event.event_type, "MCHWITHDRAW.CHANGE");
    assert_eq!(notices[0].event.resource["status"], "SUCCESS");
    let by_no = QueryWithdrawByOutRequestNo::new(SUB, "W20231115A").unwrap();
    assert_eq!(
        exchange(&platform, &client, &by_no).unwrap().status,
        WithdrawStatus::Success
    );
    let refused = platform.advance("withdraw", &accepted.withdraw_id, Some("FAIL"), NOW);
    assert!(
        matches!(refused, Err(AdvanceError::Refused { .. })),
        "{refused:?}"
    );

    // The bank sends it back: the money is back too.
    platform
        .advance("withdraw", &accepted.withdraw_id, Some("REFUND"), NOW + 120)
        .unwrap();
    assert_eq!(sub_balance(&platform, &client, SUB), 10_000);
    // Another sub-merchant's number, or none at all, is not found.
    let elsewhere = QueryWithdrawByOutRequestNo::new(OTHER, "W20231115A").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &elsewhere)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn the_platform_withdraws_from_its_own_accounts() {
    let (platform, client) = setup();
    platform.add_balance(BalanceRecord {
        sub_mchid: None,
        account_type: "OPERATION".to_owned(),
        available_amount: 500,
        pending_amount: 0,
    });
    let withdraw = PlatformWithdraw::new("P20231115", 300, AccountType::Operation)
        .unwrap()
        .with_bank_memo("平台提现")
        .unwrap();
    let accepted = exchange(&platform, &client, &withdraw).unwrap();
    assert_eq!(accepted.sub_mchid, None);
    let operation = QueryPlatformBalance::new(AccountType::Operation);
    assert_eq!(
        exchange(&platform, &client, &operation)
            .unwrap()
            .available_amount,
        200
    );
    let by_id = QueryPlatformWithdrawById::new(accepted.withdraw_id.clone()).unwrap();
    assert_eq!(
        exchange(&platform, &client, &by_id).unwrap().status,
        WithdrawStatus::CreateSuccess
    );
    platform
        .advance("withdraw", &accepted.withdraw_id, Some("FAIL"), NOW)
        .unwrap();
    let by_no = QueryPlatformWithdrawByOutRequestNo::new("P20231115").unwrap();
    let failed = exchange(&platform, &client, &by_no).unwrap();
    assert_eq!(failed.status, WithdrawStatus::Fail);
    assert!(failed.reason.is_some() && failed.solution.is_some());
    assert_eq!(
        exchange(&platform, &client, &operation)
            .unwrap()
            .available_amount,
        500
    );
    let fees = PlatformWithdraw::new("P20231116", 1, AccountType::Fees).unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &fees)),
        (403, "NOT_ENOUGH".to_owned())
    );
}

#[test]
fn subsidies_follow_the_orders_placed_with_one() {
    let (platform, client) = setup();
    world(&platform);
    // More than the order declared, or an order the platform does not know.
    let too_much = CreateSubsidy::new(SUB, ORDER, 301, "补差").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &too_much)),
        (400, "INVALID_REQUEST".to_owned())
    );
    let unknown = CreateSubsidy::new(SUB, "4200000000000000000000000999", 1, "补差").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &unknown)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
    // Less than declared needs the refund that lowered it.
    let less = CreateSubsidy::new(OTHER, REFUNDED, 100, "补差").unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &less)),
        "refund_id"
    );

    let subsidy = CreateSubsidy::new(SUB, ORDER, 300, "满减补差")
        .unwrap()
        .with_out_subsidy_no("S1")
        .unwrap();
    let paid = exchange(&platform, &client, &subsidy).unwrap();
    assert_eq!(paid.result, SubsidyResult::Success);
    assert!(paid.succeeded_at().is_some());
    assert_eq!(exchange(&platform, &client, &subsidy).unwrap(), paid);
    let second = CreateSubsidy::new(SUB, ORDER, 300, "再补").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &second)),
        (400, "INVALID_REQUEST".to_owned())
    );

    // Returns: up to what is left, from the sub-merchant back to the platform.
    let back = ReturnSubsidy::new(SUB, "R1", ORDER, 100, "退款回退")
        .unwrap()
        .with_subsidy_id(paid.subsidy_id.clone())
        .unwrap()
        .with_from(ReturnAccount::Available);
    let returned = exchange(&platform, &client, &back).unwrap();
    assert_eq!(
        (returned.amount, &returned.result),
        (100, &SubsidyResult::Success)
    );
    assert_eq!(exchange(&platform, &client, &back).unwrap(), returned);
    assert_eq!(platform_balance(&platform, &client), 9_800);
    let past = ReturnSubsidy::new(SUB, "R2", ORDER, 201, "回退").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &past)),
        (400, "INVALID_REQUEST".to_owned())
    );
    let rest = ReturnSubsidy::new(SUB, "R2", ORDER, 200, "回退").unwrap();
    exchange(&platform, &client, &rest).unwrap();
    assert_eq!(platform_balance(&platform, &client), 10_000);
    assert_eq!(sub_balance(&platform, &client, SUB), 18_800);
    let none = ReturnSubsidy::new(OTHER, "R3", REFUNDED, 1, "回退").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &none)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );

    // A subsidised order cannot be cancelled; a refunded order without one can, once for all.
    let paid_cancel = CancelSubsidy::new(SUB, ORDER, "不补了").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &paid_cancel)),
        (400, "INVALID_REQUEST".to_owned())
    );
    let cancel = CancelSubsidy::new(OTHER, REFUNDED, "订单退款").unwrap();
    let cancelled = exchange(&platform, &client, &cancel).unwrap();
    assert_eq!(cancelled.result, SubsidyCancelResult::Success);
    let after = CreateSubsidy::new(OTHER, REFUNDED, 200, "补差").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &after)),
        (400, "INVALID_REQUEST".to_owned())
    );
}

#[test]
fn a_subsidy_needs_the_money_in_the_platform_account() {
    let (platform, client) = setup();
    world(&platform);
    platform.add_balance(BalanceRecord {
        sub_mchid: None,
        account_type: "BASIC".to_owned(),
        available_amount: 299,
        pending_amount: 0,
    });
    let subsidy = CreateSubsidy::new(SUB, ORDER, 300, "满减补差").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &subsidy)),
        (403, "NOT_ENOUGH".to_owned())
    );
    // Refused, it left nothing behind: with the money there, the same request goes through.
    platform.add_balance(BalanceRecord {
        sub_mchid: None,
        account_type: "BASIC".to_owned(),
        available_amount: 300,
        pending_amount: 0,
    });
    exchange(&platform, &client, &subsidy).unwrap();
    // A return with a refund of the order, once per refund.
    let with_refund = CreateSubsidy::new(OTHER, REFUNDED, 100, "补差")
        .unwrap()
        .with_refund_id(REFUND)
        .unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &with_refund)),
        (403, "NOT_ENOUGH".to_owned())
    );
}

fn transfer(out_bill_no: &str, amount: u64) -> CreateTransferBill {
    CreateTransferBill::new(
        SUB,
        "wxf636efh567hg4356",
        out_bill_no,
        "1000",
        "o-MYE42l80oelYMDE34nYD456Xoy",
        amount,
        "佣金报酬",
    )
    .unwrap()
}

#[test]
fn transfers_take_the_money_wait_for_the_user_and_can_be_cancelled() {
    let (platform, client) = setup();
    let create = transfer("T1", 3_000)
        .with_user_name("张三")
        .unwrap()
        .with_notify_url("https://example.com/transfer")
        .unwrap();
    let accepted = exchange(&platform, &client, &create).unwrap();
    assert_eq!(accepted.state, TransferState::Accepted);
    assert_eq!(accepted.package_info, None);
    assert_eq!(exchange(&platform, &client, &create).unwrap(), accepted);
    assert_eq!(sub_balance(&platform, &client, SUB), 7_000);
    let other_name = transfer("T1", 3_000).with_user_name("李四").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &other_name)),
        (400, "INVALID_REQUEST".to_owned())
    );

    platform.advance("transfer", "T1", None, NOW + 10).unwrap();
    let query = QueryTransferBillByOutBillNo::new(SUB, "T1").unwrap();
    let waiting = exchange(&platform, &client, &query).unwrap();
    assert_eq!(waiting.state, TransferState::WaitUserConfirm);
    // The name comes back encrypted to the merchant.
    let name = waiting.user_name.as_ref().expect("the name sent");
    let decrypted = client.credentials().decrypt(name, &mut rng()).unwrap();
    assert_eq!(decrypted.expose(), "张三");
    let retried = exchange(&platform, &client, &create).unwrap();
    assert!(retried.package_info.is_some());

    platform
        .advance("transfer", &accepted.transfer_bill_no, None, NOW + 20)
        .unwrap();
    let notices = platform.take_notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].event.event_type, "MCHTRANSFER.BILL.FINISHED");
    assert_eq!(notices[0].event.resource["state"], "SUCCESS");
    let by_no =
        QueryTransferBillByTransferBillNo::new(SUB, accepted.transfer_bill_no.clone()).unwrap();
    let done = exchange(&platform, &client, &by_no).unwrap();
    assert_eq!(
        (done.state, done.transfer_amount),
        (TransferState::Success, 3_000)
    );
    let too_late = CancelTransferBill::new(SUB, "T1").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &too_late)),
        (400, "INVALID_REQUEST".to_owned())
    );

    // Cancelled before the user confirms, the money comes back.
    exchange(&platform, &client, &transfer("T2", 2_000)).unwrap();
    assert_eq!(sub_balance(&platform, &client, SUB), 5_000);
    let cancel = CancelTransferBill::new(SUB, "T2").unwrap();
    let canceling = exchange(&platform, &client, &cancel).unwrap();
    assert_eq!(canceling.state, TransferState::Canceling);
    assert_eq!(
        exchange(&platform, &client, &cancel).unwrap().state,
        TransferState::Canceling
    );
    assert_eq!(
        platform.advance("transfer", "T2", None, NOW).unwrap().state,
        "CANCELLED"
    );
    assert_eq!(sub_balance(&platform, &client, SUB), 7_000);

    // Past the available balance, or a bill the platform does not know.
    assert_eq!(
        code_of(exchange(&platform, &client, &transfer("T3", 7_001))),
        (403, "NOT_ENOUGH".to_owned())
    );
    let unknown = QueryTransferBillByOutBillNo::new(SUB, "T3").unwrap();
    assert_eq!(
        code_of(exchange(&platform, &client, &unknown)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn the_funds_tables_are_saved_and_load_back() {
    let (platform, client) = setup();
    world(&platform);
    exchange(
        &platform,
        &client,
        &CreateSubsidy::new(SUB, ORDER, 300, "补差").unwrap(),
    )
    .unwrap();
    let accepted = exchange(
        &platform,
        &client,
        &SubMerchantWithdraw::new(SUB, "W1", 100).unwrap(),
    )
    .unwrap();
    exchange(&platform, &client, &transfer("T1", 100)).unwrap();
    let saved = platform.save_state();
    for table in ["balances", "subsidies", "withdrawals", "transfers"] {
        assert!(!saved["tables"][table].is_null(), "{table}");
    }

    let (restored, client) = setup();
    restored.load_state(&saved).unwrap();
    assert_eq!(
        sub_balance(&restored, &client, SUB),
        10_000 + 8_800 + 300 - 100 - 100
    );
    let by_id = QueryWithdrawById::new(SUB, accepted.withdraw_id).unwrap();
    assert_eq!(
        exchange(&restored, &client, &by_id).unwrap().status,
        WithdrawStatus::CreateSuccess
    );
    // Ids go on from the saved ones.
    let next = exchange(
        &restored,
        &client,
        &SubMerchantWithdraw::new(SUB, "W2", 1).unwrap(),
    )
    .unwrap();
    assert_ne!(next.withdraw_id, by_id_of(&saved));
}

fn by_id_of(saved: &serde_json::Value) -> String {
    saved["tables"]["withdrawals"]["records"][0]["withdraw_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
