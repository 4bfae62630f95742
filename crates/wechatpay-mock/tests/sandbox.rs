//! The sandbox: records that move (on a control call, or on every query), saved state that
//! loads back, and refusals that change nothing.

use wechatpay_core::ecommerce::applyment::{
    ApplymentState, NextStep, QueryApplymentById, QueryApplymentByOutRequestNo,
};
use wechatpay_mock::records::seeded;
use wechatpay_mock::{AdvanceError, MockKeys, MockPlatform, Schedule, StateError};

mod support;

use support::{NOW, exchange, rng, setup};

#[test]
fn an_applyment_moves_along_the_platform_path_to_finish() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    let mut states = Vec::new();
    for _ in 0..3 {
        let advanced = platform
            .advance("applyment", seeded::CHECKING, None, NOW)
            .unwrap();
        let applyment = exchange(&platform, &client, &query).unwrap();
        assert_eq!(applyment.applyment_state.as_str(), advanced.state);
        assert_eq!(advanced.notices, 0);
        states.push(applyment.applyment_state.clone());
        if applyment.applyment_state == ApplymentState::NeedSign {
            assert!(
                matches!(applyment.next_step(), NextStep::Sign { sign_url: Some(url) } if url.starts_with("https://"))
            );
        }
    }
    assert_eq!(
        states,
        [
            ApplymentState::Auditing,
            ApplymentState::NeedSign,
            ApplymentState::Finish
        ]
    );
    let done = exchange(&platform, &client, &query).unwrap();
    let NextStep::Done {
        sub_mchid: Some(sub_mchid),
    } = done.next_step()
    else {
        panic!("{done:?}");
    };
    assert_eq!(sub_mchid.len(), 10);
    // By id as well, and final from here on.
    let by_id = QueryApplymentById::new(done.applyment_id);
    assert_eq!(exchange(&platform, &client, &by_id).unwrap(), done);
    let id = done.applyment_id.to_string();
    let refused = platform.advance("applyment", &id, None, NOW).unwrap_err();
    assert!(matches!(refused, AdvanceError::Refused { .. }), "{refused}");
}

#[test]
fn moves_off_the_path_are_allowed_only_where_the_platform_makes_them() {
    let (platform, client) = setup();
    let advanced = platform
        .advance("applyment", seeded::AUDITING, Some("REJECTED"), NOW)
        .unwrap();
    assert_eq!(advanced.state, "REJECTED");
    let rejected = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap(),
    )
    .unwrap();
    assert!(matches!(rejected.next_step(), NextStep::FixRejected { items } if !items.is_empty()));
    // A rejected applyment waits for a new submission, or is revoked; a finished one
    // waits for nothing.
    let probe = platform.save_state();
    assert_eq!(
        platform
            .advance("applyment", seeded::AUDITING, Some("CANCELED"), NOW)
            .unwrap()
            .state,
        "CANCELED"
    );
    platform.load_state(&probe).unwrap();
    for (id, to) in [
        (seeded::AUDITING, None),
        (seeded::FINISH, Some("CANCELED")),
        (seeded::NEED_SIGN, Some("AUDITING")),
        (seeded::CHECKING, Some("WHATEVER")),
    ] {
        let error = platform.advance("applyment", id, to, NOW).unwrap_err();
        assert!(
            matches!(error, AdvanceError::Refused { .. }),
            "{id}: {error}"
        );
    }
    assert!(matches!(
        platform.advance("applyment", "nobody", None, NOW),
        Err(AdvanceError::UnknownRecord { .. })
    ));
    let unknown = platform.advance("rocket", "1", None, NOW).unwrap_err();
    assert!(unknown.to_string().contains("applyment"), "{unknown}");
    // Account verification, then on to the audit.
    platform
        .advance(
            "applyment",
            seeded::CHECKING,
            Some("ACCOUNT_NEED_VERIFY"),
            NOW,
        )
        .unwrap();
    let verify = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        verify.next_step(),
        NextStep::VerifyAccount {
            remittance: Some(_),
            legal_validation_url: Some(_)
        }
    ));
    let audited = platform
        .advance("applyment", seeded::CHECKING, None, NOW)
        .unwrap();
    assert_eq!(audited.state, "AUDITING");
}

#[test]
fn under_every_query_a_poll_moves_the_applyment_first() {
    let (platform, client) = setup();
    assert_eq!(platform.schedule(), Schedule::OnControl);
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    assert_eq!(
        exchange(&platform, &client, &query)
            .unwrap()
            .applyment_state,
        ApplymentState::Checking
    );
    platform.set_schedule(Schedule::EveryQuery);
    let mut polls = 0;
    loop {
        polls += 1;
        let applyment = exchange(&platform, &client, &query).unwrap();
        if applyment.applyment_state.is_final() {
            assert_eq!(applyment.applyment_state, ApplymentState::Finish);
            break;
        }
        assert!(polls < 10, "{applyment:?}");
    }
    assert_eq!(polls, 3);
}

#[test]
fn saved_state_loads_into_another_platform() {
    let (platform, client) = setup();
    platform
        .advance("applyment", seeded::CHECKING, Some("NEED_SIGN"), NOW)
        .unwrap();
    platform.set_schedule(Schedule::EveryQuery);
    let saved = platform.save_state();
    assert_eq!(saved["format"], 1);
    assert_eq!(saved["schedule"], "every-query");
    assert!(saved["tables"]["applyments"].is_array());
    assert!(saved["tables"]["ledger"].is_object());

    // Through text, as `wechatpay mock` writes and reads it.
    let text = serde_json::to_string_pretty(&saved).unwrap();
    let other = MockPlatform::new(MockKeys::fixtures(), &mut rng()).unwrap();
    other
        .load_state(&serde_json::from_str(&text).unwrap())
        .unwrap();
    assert_eq!(other.schedule(), Schedule::EveryQuery);
    other.set_schedule(Schedule::OnControl);
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    assert_eq!(
        exchange(&other, &client, &query).unwrap().applyment_state,
        ApplymentState::NeedSign
    );
    assert_eq!(other.save_state()["tables"], saved["tables"]);
}

#[test]
fn state_that_does_not_read_changes_nothing() {
    let (platform, _) = setup();
    let before = platform.save_state();
    let mut unknown_table = before.clone();
    unknown_table["tables"]["rockets"] = serde_json::json!([]);
    let mut bad_table = before.clone();
    bad_table["tables"]["applyments"] = serde_json::json!([{"applyment_state": "FINISH"}]);
    let mut bad_ledger = before.clone();
    bad_ledger["tables"]["ledger"] = serde_json::json!({"orders": "none"});
    bad_ledger["tables"]["applyments"] = serde_json::json!([]);
    for (state, table) in [
        (unknown_table, Some("rockets")),
        (bad_table, Some("applyments")),
        (bad_ledger, Some("ledger")),
        (serde_json::json!({"format": 2}), None),
        (serde_json::json!([]), None),
    ] {
        let error = platform.load_state(&state).unwrap_err();
        match (table, &error) {
            (Some(name), StateError::Table { table, .. }) => assert_eq!(table, name),
            (None, StateError::Shape { .. }) => {}
            _ => panic!("{error}"),
        }
        assert_eq!(platform.save_state(), before, "{error}");
    }
    // A world that gives only some tables leaves the others alone.
    platform
        .load_state(&serde_json::json!({"format": 1, "tables": {"applyments": []}}))
        .unwrap();
    let after = platform.save_state();
    assert_eq!(after["tables"]["applyments"], serde_json::json!([]));
    assert_eq!(after["tables"]["ledger"], before["tables"]["ledger"]);
}

/// 2024-11-23T10:00:00+08:00.
const BILL_DAY: u64 = 1_732_327_200;

/// A ledger of two orders paid on 2024-11-23 and a part refund of the first, and one payment
/// the day after.
fn ledger_world() -> serde_json::Value {
    let order = |sub_mchid: &str, out_trade_no: &str, transaction_id: &str, total: u64| {
        serde_json::json!({
            "sub_mchid": sub_mchid, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "combine_out_trade_no": "COMBINE_1", "trade_type": "JSAPI", "state": "SUCCESS",
            "total": total, "description": "咖啡 大杯", "notify_url": "https://example.com/notify",
            "created_at": BILL_DAY - 60, "paid_at": BILL_DAY, "refunded": 0, "shared": 0,
            "profit_sharing": true, "sharing_finished": false, "request": {}
        })
    };
    let entry =
        |at: u64, mchid: &str, kind: &str, amount: i64, id: &str, out_no: &str, tx: &str| {
            serde_json::json!({
                "at": at, "mchid": mchid, "account": "BASIC", "kind": kind, "amount": amount,
                "id": id, "out_no": out_no, "transaction_id": tx
            })
        };
    serde_json::json!({"format": 1, "tables": {"ledger": {
        "orders": [
            order("1900000109", "ORDER_A", "4200000000000000000000000001", 8800),
            order("1900000110", "ORDER_B", "4200000000000000000000000002", 1250),
            order("1900000110", "ORDER_C", "4200000000000000000000000003", 999),
        ],
        "entries": [
            entry(BILL_DAY, "1900000109", "PAYMENT", 8800, "4200000000000000000000000001", "ORDER_A", "4200000000000000000000000001"),
            entry(BILL_DAY + 60, "1900000110", "PAYMENT", 1250, "4200000000000000000000000002", "ORDER_B", "4200000000000000000000000002"),
            entry(BILL_DAY + 120, "1900000109", "REFUND", -800, "50300000000000000000000000001", "REFUND_A", "4200000000000000000000000001"),
            entry(BILL_DAY + 86_400, "1900000110", "PAYMENT", 999, "4200000000000000000000000003", "ORDER_C", "4200000000000000000000000003"),
        ]
    }}})
}

/// The text of the bill `ticket` announces, downloaded from `platform` and checked against
/// its digest.
fn downloaded(
    platform: &MockPlatform,
    client: &wechatpay_core::Client,
    ticket: &wechatpay_core::DownloadTicket,
) -> Vec<u8> {
    use std::io::Write;
    let mut rng = rng();
    let mut request = http::Request::get(format!(
        "https://api.mch.weixin.qq.com{}",
        ticket.path_and_query()
    ))
    .body(Vec::new())
    .unwrap();
    client
        .sign_request(
            &mut request,
            NOW,
            &wechatpay_core::Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    let file = platform
        .handle(&request, NOW, &mut rng)
        .response
        .unwrap()
        .into_body();
    let mut sink = wechatpay_core::DigestWriter::new(Vec::new(), ticket);
    sink.write_all(&file).unwrap();
    sink.finish().unwrap()
}

#[test]
fn a_day_of_the_ledger_is_its_bills_and_their_totals_add_up() {
    use wechatpay_core::bill::{Bill, FundFlowBill, TradeBill, TradeState};
    use wechatpay_core::ecommerce::bill::EcommerceFundFlowBill;
    let (platform, client) = setup();
    platform.load_state(&ledger_world()).unwrap();

    let ticket = exchange(&platform, &client, &TradeBill::new("2024-11-23").unwrap()).unwrap();
    let bill = Bill::parse(&downloaded(&platform, &client, &ticket)).unwrap();
    let rows: Vec<_> = bill.rows.iter().map(|r| r.trade().unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].out_trade_no, "ORDER_A");
    assert_eq!(rows[0].trade_time, "2024-11-23 10:00:00");
    assert_eq!(rows[1].sub_mchid.as_deref(), Some("1900000110"));
    assert_eq!(rows[2].trade_state, TradeState::Refund);
    assert_eq!(rows[2].out_refund_no.as_deref(), Some("REFUND_A"));
    let summary = bill.summary.trade_summary().unwrap();
    assert_eq!(summary.count, 3);
    assert_eq!(summary.settlement_total.and_then(|a| a.fen()), Some(10_050));
    assert_eq!(summary.refund_total.and_then(|a| a.fen()), Some(800));
    let settled: i64 = rows
        .iter()
        .filter_map(|r| r.settlement_amount.and_then(|a| a.fen()))
        .sum();
    assert_eq!(settled, 10_050);

    // The merchant's own fund-flow bill: nothing of its own moved that day.
    let ticket = exchange(
        &platform,
        &client,
        &FundFlowBill::new("2024-11-23").unwrap(),
    )
    .unwrap();
    let own = Bill::parse(&downloaded(&platform, &client, &ticket)).unwrap();
    assert!(own.rows.is_empty());

    // The sub-merchants' fund-flow bill: the three movements, income less expense.
    let query = EcommerceFundFlowBill::new("2024-11-23").unwrap();
    let tickets = exchange(&platform, &client, &query).unwrap();
    let mut text = Vec::new();
    for file in &tickets.files {
        let ticket = file.ticket(client.credentials(), &mut rng()).unwrap();
        text.extend(downloaded(&platform, &client, &ticket));
    }
    let flow = Bill::parse(&text).unwrap();
    let summary = flow.summary.fund_flow_summary().unwrap();
    assert_eq!((summary.income_count, summary.expense_count), (2, 1));
    assert_eq!(summary.income_total.fen(), Some(10_050));
    assert_eq!(summary.expense_total.fen(), Some(800));
}

#[test]
fn callbacks_to_https_urls_can_be_brought_to_a_loopback_origin() {
    let (platform, _) = setup();
    let url = "https://merchant.example/wxpay/notify?shop=1";
    assert_eq!(platform.callback_destination(url), url);
    platform
        .redirect_callbacks(Some("http://127.0.0.1:8080/"))
        .unwrap();
    assert_eq!(
        platform.callback_destination(url),
        "http://127.0.0.1:8080/wxpay/notify?shop=1"
    );
    assert_eq!(
        platform.callback_destination("https://merchant.example"),
        "http://127.0.0.1:8080/"
    );
    // Plain http:// URLs go where they say.
    assert_eq!(
        platform.callback_destination("http://127.0.0.1:9/n"),
        "http://127.0.0.1:9/n"
    );
    for refused in [
        "https://127.0.0.1:8080",
        "http://127.0.0.1:8080/path",
        "127.0.0.1",
        "http://",
    ] {
        assert!(
            platform.redirect_callbacks(Some(refused)).is_err(),
            "{refused}"
        );
    }
    platform.redirect_callbacks(None).unwrap();
    assert_eq!(platform.callback_destination(url), url);
}
