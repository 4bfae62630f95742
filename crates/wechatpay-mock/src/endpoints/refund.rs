//! The e-commerce refunds (退款), on the sandbox's ledger: `POST /v3/ecommerce/refunds/apply`,
//! `GET /v3/ecommerce/refunds/id/{refund_id}`,
//! `GET /v3/ecommerce/refunds/out-refund-no/{out_refund_no}`,
//! `POST /v3/ecommerce/refunds/{refund_id}/apply-abnormal-refund`, and
//! `POST` and `GET /v3/ecommerce/refunds/{refund_id}/return-advance`.
//!
//! The rules are the pages': a refund names a paid order of the sub-merchant and its total;
//! all refunds of an order together cannot exceed what was paid; a sub-merchant funds a refund
//! only from what it still holds of the order (money shared out comes back through a profit
//! sharing return first) and from its balance, while the platform's advance
//! (`REFUND_SOURCE_PARTNER_ADVANCE`) funds it regardless. An `out_refund_no` already used
//! answers the same refund when the request is the same, `400 INVALID_REQUEST` otherwise.
//!
//! A refund starts `PROCESSING` and moves (kind `refund`, by `refund_id` or `out_refund_no`)
//! to `SUCCESS` (the usual step), `ABNORMAL` or `CLOSED`; an `ABNORMAL` one goes back to
//! `PROCESSING` through an abnormal refund, or is settled by hand (`SUCCESS`, `CLOSED`). Each
//! move sends `REFUND.SUCCESS`, `REFUND.ABNORMAL` or `REFUND.CLOSED` to the refund's
//! `notify_url`, when it has one. Money moves in the ledger when a refund succeeds: out of the
//! sub-merchant's basic account, or out of the platform's for an advance, which the
//! sub-merchant then returns (垫付回补) when its balance allows.

use std::sync::{Mutex, MutexGuard};

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ledger::{self, Entry, EntryKind, Order};
use super::{Call, Endpoint, Outcome, Route, query_mchid};
use crate::callbacks::CallbackEvent;
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::sealing::rfc3339;
use crate::store::{Seeding, Store};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/refunds/apply",
            answer: apply,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/refunds/id/{refund_id}",
            answer: by_refund_id,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/refunds/out-refund-no/{out_refund_no}",
            answer: by_out_refund_no,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/refunds/{refund_id}/apply-abnormal-refund",
            answer: abnormal,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/refunds/{refund_id}/return-advance",
            answer: return_advance,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/refunds/{refund_id}/return-advance",
            answer: query_return_advance,
        },
    ],
    seed,
    unknown_enum_values: &[
        ("status", "REFUND_PENDING"),
        ("channel", "WALLET"),
        ("funds_account", "ESCROW"),
        ("result", "PARTIAL"),
    ],
    tables: &[table::<Refunds>("refunds")],
    progress: &[Progress {
        kind: "refund",
        advance,
    }],
};

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

/// Every refund, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Refunds(Vec<RefundRecord>);

/// A refund, as applied for and moved since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RefundRecord {
    /// The platform (the merchant that applied).
    sp_mchid: String,
    sub_mchid: String,
    refund_id: String,
    out_refund_no: String,
    transaction_id: String,
    out_trade_no: String,
    refund: u64,
    total: u64,
    /// `PROCESSING`, `SUCCESS`, `ABNORMAL` or `CLOSED`.
    status: String,
    channel: String,
    user_received_account: String,
    created_at: u64,
    success_at: Option<u64>,
    notify_url: Option<String>,
    /// `REFUND_SOURCE_SUB_MERCHANT` or `REFUND_SOURCE_PARTNER_ADVANCE`.
    refund_account: String,
    funds_account: String,
    /// The application: the same again is a retry.
    request: Value,
    /// Where an abnormal refund sent it, once one was applied for.
    abnormal: Option<String>,
    /// The return of the platform's advance, once asked for.
    advance_return: Option<AdvanceReturnRecord>,
}

/// A return of the platform's advance (垫付回补).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AdvanceReturnRecord {
    advance_return_id: String,
    /// `SUCCESS` or `FAILED` (the sub-merchant's balance was short).
    result: String,
    at: u64,
}

const SUB_MERCHANT: &str = "REFUND_SOURCE_SUB_MERCHANT";
const PARTNER_ADVANCE: &str = "REFUND_SOURCE_PARTNER_ADVANCE";

impl RefundRecord {
    fn is_advance(&self) -> bool {
        self.refund_account == PARTNER_ADVANCE
    }

    /// The refund as both queries and the abnormal refund answer it.
    fn queried(&self) -> Value {
        let mut amount = json!({
            "refund": self.refund,
            "payer_refund": self.refund,
            "discount_refund": 0,
            "currency": "CNY",
        });
        if self.is_advance() {
            amount["advance"] = json!(self.refund);
        }
        let mut answer = json!({
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "transaction_id": self.transaction_id,
            "out_trade_no": self.out_trade_no,
            "channel": self.channel,
            "user_received_account": self.user_received_account,
            "create_time": rfc3339(self.created_at),
            "status": self.status,
            "amount": amount,
            "promotion_detail": [],
            "refund_account": self.refund_account,
            "funds_account": self.funds_account,
        });
        if let Some(at) = self.success_at {
            answer["success_time"] = json!(rfc3339(at));
        }
        answer
    }

    /// The answer to the application.
    fn applied(&self) -> Value {
        json!({
            "refund_id": self.refund_id,
            "out_refund_no": self.out_refund_no,
            "create_time": rfc3339(self.created_at),
            "amount": {
                "refund": self.refund,
                "payer_refund": self.refund,
                "discount_refund": 0,
                "currency": "CNY",
            },
            "promotion_detail": [],
            "refund_account": self.refund_account,
        })
    }

    /// The resource of the `REFUND.*` callbacks.
    fn notified(&self) -> Value {
        let mut resource = json!({
            "sp_mchid": self.sp_mchid,
            "sub_mchid": self.sub_mchid,
            "out_trade_no": self.out_trade_no,
            "transaction_id": self.transaction_id,
            "out_refund_no": self.out_refund_no,
            "refund_id": self.refund_id,
            "refund_status": self.status,
            "user_received_account": self.user_received_account,
            "amount": {
                "total": self.total,
                "refund": self.refund,
                "payer_total": self.total,
                "payer_refund": self.refund,
            },
            "refund_account": self.refund_account,
        });
        if let Some(at) = self.success_at {
            resource["success_time"] = json!(rfc3339(at));
        }
        resource
    }

    /// The return of the advance, as both return-advance calls answer it.
    fn advance_returned(&self, advance_return: &AdvanceReturnRecord) -> Value {
        let mut answer = json!({
            "refund_id": self.refund_id,
            "advance_return_id": advance_return.advance_return_id,
            "return_amount": self.refund,
            "payer_mchid": self.sub_mchid,
            "payer_account": "BASIC",
            "payee_mchid": self.sp_mchid,
            "payee_account": "BASIC",
            "result": advance_return.result,
        });
        if advance_return.result == "SUCCESS" {
            answer["success_time"] = json!(rfc3339(advance_return.at));
        }
        answer
    }
}

fn answer(value: &Value) -> Reply {
    Reply::ok(value.to_string().into_bytes())
}

/// Serialises every change of money made by refunds and profit sharing: each checks the
/// ledger and its own records, then writes both, and the store locks one table at a time.
/// Shared by every platform in the process, which only serialises them further.
static MONEY: Mutex<()> = Mutex::new(());

/// Holds [`MONEY`] until dropped.
pub(super) fn money_lock() -> MutexGuard<'static, ()> {
    // Nothing under this lock panics; a poisoned lock still guards whole records.
    MONEY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A new platform id with `prefix`, `len` characters in all, above every id with that prefix
/// in the ledger and in `mine` (records not in the ledger yet).
pub(super) fn fresh_id(store: &Store, prefix: &str, len: usize, mine: &[String]) -> String {
    let digits = len.saturating_sub(prefix.len()).clamp(1, 30);
    let number = |id: &str| id.strip_prefix(prefix)?.parse::<u128>().ok();
    let from_ledger = number(&ledger::read(store, |l| l.next_id(prefix, len))).unwrap_or(1);
    let next = mine
        .iter()
        .filter_map(|id| number(id))
        .max()
        .map_or(from_ledger, |highest| {
            from_ledger.max(highest.saturating_add(1))
        });
    format!("{prefix}{next:0digits$}")
}

/// A required merchant id of the body: 1 to 32 digits.
pub(super) fn body_mchid(body: &Map<String, Value>, field: &str) -> Result<String, Reply> {
    let value = body_text(body, field, 32)?.ok_or_else(|| missing(field))?;
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reply::param_error(field, "body", "应为1到32位数字"));
    }
    Ok(value)
}

/// An optional text field of the body: 1 to `max` characters when present.
pub(super) fn body_text(
    body: &Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Option<String>, Reply> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(text)) if (1..=max).contains(&text.chars().count()) => {
            Ok(Some(text.clone()))
        }
        Some(_) => Err(Reply::param_error(
            field,
            "body",
            &format!("应为长度1到{max}的字符串"),
        )),
    }
}

/// A required merchant's number (`out_refund_no`, `out_order_no`...): 1 to 64 ASCII letters,
/// digits or `_-|*@`.
pub(super) fn body_out_no(body: &Map<String, Value>, field: &str) -> Result<String, Reply> {
    let value = body_text(body, field, 64)?.ok_or_else(|| missing(field))?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '|' | '*' | '@'))
    {
        return Err(Reply::param_error(
            field,
            "body",
            "只能是数字、大小写字母_-|*@",
        ));
    }
    Ok(value)
}

/// A required amount in fen: a whole number, at least 1.
pub(super) fn body_amount(
    body: &Map<String, Value>,
    field: &str,
    name: &str,
) -> Result<u64, Reply> {
    body.get(field)
        .and_then(Value::as_u64)
        .filter(|fen| (1..=i64::MAX.unsigned_abs()).contains(fen))
        .ok_or_else(|| Reply::param_error(name, "body", "应为大于0的整数(单位为分)"))
}

pub(super) fn missing(field: &str) -> Reply {
    Reply::param_error(field, "body", "不能为空")
}

/// Whether the order was paid (and maybe refunded since).
pub(super) fn is_paid(order: &Order) -> bool {
    matches!(order.state.as_str(), "SUCCESS" | "REFUND")
}

fn apply(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    body_text(&body, "sp_appid", 32)?.ok_or_else(|| missing("sp_appid"))?;
    body_text(&body, "sub_appid", 32)?;
    let transaction_id = body_text(&body, "transaction_id", 32)?;
    let out_trade_no = body_text(&body, "out_trade_no", 32)?;
    if transaction_id.is_none() && out_trade_no.is_none() {
        return Err(Reply::param_error(
            "transaction_id",
            "body",
            "transaction_id与out_trade_no必须二选一",
        ));
    }
    let out_refund_no = body_out_no(&body, "out_refund_no")?;
    body_text(&body, "reason", 80)?;
    let amount = body
        .get("amount")
        .and_then(Value::as_object)
        .ok_or_else(|| missing("amount"))?;
    let refund = body_amount(amount, "refund", "amount.refund")?;
    let total = body_amount(amount, "total", "amount.total")?;
    if amount.get("currency").is_some_and(|c| c != "CNY") {
        return Err(Reply::param_error("amount.currency", "body", "只支持CNY"));
    }
    let notify_url = body_text(&body, "notify_url", 256)?;
    if notify_url
        .as_deref()
        .is_some_and(|url| !url.starts_with("https://") && !url.starts_with("http://"))
    {
        return Err(Reply::param_error(
            "notify_url",
            "body",
            "应为http(s)://开头的URL",
        ));
    }
    let refund_account =
        body_text(&body, "refund_account", 32)?.unwrap_or_else(|| SUB_MERCHANT.to_owned());
    if refund_account != SUB_MERCHANT && refund_account != PARTNER_ADVANCE {
        return Err(Reply::param_error(
            "refund_account",
            "body",
            "应为REFUND_SOURCE_SUB_MERCHANT或REFUND_SOURCE_PARTNER_ADVANCE",
        ));
    }
    let funds_account = body_text(&body, "funds_account", 32)?;
    if funds_account
        .as_deref()
        .is_some_and(|f| f != "AVAILABLE" && f != "UNSETTLED")
    {
        return Err(Reply::param_error(
            "funds_account",
            "body",
            "应为AVAILABLE或UNSETTLED",
        ));
    }
    if refund > total {
        return Err(Reply::invalid_request("退款金额不能大于订单金额"));
    }
    let request = Value::Object(body.clone());
    let store = call.store();

    let _money = money_lock();
    let known = store.read(|refunds: &Refunds| {
        refunds
            .0
            .iter()
            .find(|r| r.sub_mchid == sub_mchid && r.out_refund_no == out_refund_no)
            .cloned()
    });
    if let Some(known) = known {
        // The same application again is a retry: the same refund, whatever it became.
        if known.request == request {
            return Ok(answer(&known.applied()));
        }
        return Err(Reply::invalid_request(
            "商户退款单号已被使用，且与原退款请求的参数不一致：请使用新的商户退款单号",
        ));
    }
    let order = ledger::read(store, |l| {
        l.orders
            .iter()
            .find(|o| {
                o.sub_mchid == sub_mchid
                    && transaction_id
                        .as_ref()
                        .is_none_or(|id| *id == o.transaction_id)
                    && out_trade_no.as_ref().is_none_or(|no| *no == o.out_trade_no)
            })
            .cloned()
    })
    .ok_or_else(|| Reply::not_found("订单不存在"))?;
    if !is_paid(&order) {
        return Err(Reply::invalid_request("订单未支付成功，不能退款"));
    }
    if order.total != total {
        return Err(Reply::invalid_request("订单金额与原订单金额不一致"));
    }
    let refundable = order.total.saturating_sub(order.refunded);
    if refund > refundable {
        return Err(Reply::invalid_request(&format!(
            "申请退款金额超过订单可退金额({refundable}分)"
        )));
    }
    if refund_account == SUB_MERCHANT {
        let held = refundable.saturating_sub(order.shared);
        if refund > held {
            return Err(not_enough(&format!(
                "二级商户在该订单的可退金额不足({held}分)：已分出的资金请先分账回退"
            )));
        }
        let pending = pending_from(store, &sub_mchid);
        let balance = ledger::read(store, |l| l.balance(&sub_mchid, "BASIC"));
        if i128::from(balance) - i128::from(pending) < i128::from(refund) {
            return Err(not_enough("二级商户账户余额不足"));
        }
    }
    let mine: Vec<String> =
        store.read(|r: &Refunds| r.0.iter().map(|r| r.refund_id.clone()).collect());
    let refund_id = fresh_id(store, "5030", 29, &mine);
    ledger::write(store, |l| {
        if let Some(order) = l.order_by_transaction_id_mut(&order.transaction_id) {
            order.refunded = order.refunded.saturating_add(refund);
        }
    });
    let record = RefundRecord {
        sp_mchid: call.mchid(),
        sub_mchid,
        refund_id,
        out_refund_no,
        transaction_id: order.transaction_id,
        out_trade_no: order.out_trade_no,
        refund,
        total,
        status: "PROCESSING".to_owned(),
        channel: "ORIGINAL".to_owned(),
        user_received_account: "支付用户零钱".to_owned(),
        created_at: call.now(),
        success_at: None,
        notify_url,
        refund_account,
        funds_account: funds_account.unwrap_or_else(|| "UNSETTLED".to_owned()),
        request,
        abnormal: None,
        advance_return: None,
    };
    let applied = record.applied();
    store.write(|refunds: &mut Refunds| refunds.0.push(record));
    Ok(answer(&applied))
}

/// `403 NOT_ENOUGH`, the pages' code for a balance too small.
pub(super) fn not_enough(message: &str) -> Reply {
    Reply::error(StatusCode::FORBIDDEN, "NOT_ENOUGH", message)
}

/// What the sub-merchant's refunds not yet succeeded will take from its balance.
fn pending_from(store: &Store, sub_mchid: &str) -> u64 {
    store.read(|refunds: &Refunds| {
        refunds
            .0
            .iter()
            .filter(|r| {
                r.sub_mchid == sub_mchid
                    && !r.is_advance()
                    && matches!(r.status.as_str(), "PROCESSING" | "ABNORMAL")
            })
            .fold(0u64, |sum, r| sum.saturating_add(r.refund))
    })
}

/// The refund of `sub_mchid` that `matches`, after a poll moved it under the schedule.
fn queried(call: &Call<'_>, sub_mchid: &str, matches: impl Fn(&RefundRecord) -> bool) -> Outcome {
    let find = |store: &Store| {
        store.read(|refunds: &Refunds| {
            refunds
                .0
                .iter()
                .find(|r| r.sub_mchid == sub_mchid && matches(r))
                .cloned()
        })
    };
    let record = find(call.store()).ok_or_else(|| Reply::not_found("退款单不存在"))?;
    polled(call, "refund", &record.refund_id);
    let record = find(call.store()).ok_or_else(|| Reply::not_found("退款单不存在"))?;
    Ok(answer(&record.queried()))
}

fn by_refund_id(call: &Call<'_>) -> Outcome {
    let refund_id = call.path("refund_id")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    queried(call, &sub_mchid, |r| r.refund_id == refund_id)
}

fn by_out_refund_no(call: &Call<'_>) -> Outcome {
    let out_refund_no = call.path("out_refund_no")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    queried(call, &sub_mchid, |r| r.out_refund_no == out_refund_no)
}

fn abnormal(call: &Call<'_>) -> Outcome {
    let refund_id = call.path("refund_id")?;
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    let out_refund_no = body_out_no(&body, "out_refund_no")?;
    let kind = body_text(&body, "type", 32)?.ok_or_else(|| missing("type"))?;
    let received = match kind.as_str() {
        "USER_BANK_CARD" => {
            let bank_type =
                body_text(&body, "bank_type", 16)?.ok_or_else(|| missing("bank_type"))?;
            let mut decrypted = Vec::new();
            for field in ["bank_account", "real_name"] {
                let ciphertext = body_text(&body, field, 1024)?.ok_or_else(|| missing(field))?;
                decrypted.push(call.decrypt(field, &ciphertext)?);
            }
            let card = &decrypted[0];
            if card.is_empty() || !card.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Reply::param_error(
                    "bank_account",
                    "body",
                    "解密后应为银行卡号",
                ));
            }
            if decrypted[1].trim().is_empty() {
                return Err(Reply::param_error("real_name", "body", "解密后为空"));
            }
            let last = card.get(card.len().saturating_sub(4)..).unwrap_or(card);
            format!("{bank_type}{last}")
        }
        "MERCHANT_BANK_CARD" => "商户结算银行账户".to_owned(),
        _ => {
            return Err(Reply::param_error(
                "type",
                "body",
                "应为USER_BANK_CARD或MERCHANT_BANK_CARD",
            ));
        }
    };
    let store = call.store();
    let _money = money_lock();
    let record = store
        .read(|refunds: &Refunds| {
            refunds
                .0
                .iter()
                .find(|r| r.refund_id == refund_id && r.sub_mchid == sub_mchid)
                .cloned()
        })
        .ok_or_else(|| Reply::not_found("退款单不存在"))?;
    if record.out_refund_no != out_refund_no {
        return Err(Reply::invalid_request("商户退款单号与微信退款单号不对应"));
    }
    match (record.status.as_str(), record.abnormal.as_deref()) {
        ("ABNORMAL", _) => {}
        // Applied for already: the same refund, as it is now.
        (_, Some(earlier)) if earlier == kind => return Ok(answer(&record.queried())),
        (status, _) => {
            return Err(Reply::invalid_request(&format!(
                "退款单状态为{status}，只有退款异常(ABNORMAL)的退款单可以发起异常退款"
            )));
        }
    }
    let moved = store.write(|refunds: &mut Refunds| {
        let known = refunds.0.iter_mut().find(|r| r.refund_id == refund_id)?;
        known.status = "PROCESSING".to_owned();
        known.channel = "OTHER_BANKCARD".to_owned();
        known.user_received_account = received;
        known.abnormal = Some(kind);
        Some(known.queried())
    });
    moved
        .map(|value| answer(&value))
        .ok_or_else(|| Reply::not_found("退款单不存在"))
}

/// The refund `refund_id` of `sub_mchid`, or `404`.
fn refund_of(store: &Store, refund_id: &str, sub_mchid: &str) -> Result<RefundRecord, Reply> {
    store
        .read(|refunds: &Refunds| {
            refunds
                .0
                .iter()
                .find(|r| r.refund_id == refund_id && r.sub_mchid == sub_mchid)
                .cloned()
        })
        .ok_or_else(|| Reply::not_found("退款单不存在"))
}

fn return_advance(call: &Call<'_>) -> Outcome {
    let refund_id = call.path("refund_id")?;
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    let store = call.store();
    let _money = money_lock();
    let record = refund_of(store, &refund_id, &sub_mchid)?;
    if !record.is_advance() {
        return Err(Reply::invalid_request("该退款单不是垫付退款，无需回补"));
    }
    if record.status != "SUCCESS" {
        return Err(Reply::invalid_request("垫付退款未成功，不能回补"));
    }
    if let Some(returned) = record
        .advance_return
        .as_ref()
        .filter(|r| r.result == "SUCCESS")
    {
        return Ok(answer(&record.advance_returned(returned)));
    }
    let advance_return_id = match &record.advance_return {
        // A failed return is tried again under its number.
        Some(failed) => failed.advance_return_id.clone(),
        None => {
            let mine: Vec<String> = store.read(|refunds: &Refunds| {
                refunds
                    .0
                    .iter()
                    .filter_map(|r| Some(r.advance_return.as_ref()?.advance_return_id.clone()))
                    .collect()
            });
            fresh_id(store, "1215", 28, &mine)
        }
    };
    let amount = i64::try_from(record.refund).unwrap_or(i64::MAX);
    let result = ledger::write(store, |l| {
        if l.balance(&record.sub_mchid, "BASIC") < amount {
            return "FAILED";
        }
        for (mchid, signed) in [(&record.sub_mchid, -amount), (&record.sp_mchid, amount)] {
            // No transaction_id: the refund itself is the order's movement in trade bills.
            l.record(Entry {
                at: call.now(),
                mchid: mchid.clone(),
                account: "BASIC".to_owned(),
                kind: EntryKind::Refund,
                amount: signed,
                id: advance_return_id.clone(),
                out_no: record.out_refund_no.clone(),
                transaction_id: None,
            });
        }
        "SUCCESS"
    });
    let returned = AdvanceReturnRecord {
        advance_return_id,
        result: result.to_owned(),
        at: call.now(),
    };
    let value = record.advance_returned(&returned);
    store.write(|refunds: &mut Refunds| {
        if let Some(known) = refunds
            .0
            .iter_mut()
            .find(|r| r.refund_id == record.refund_id)
        {
            known.advance_return = Some(returned);
        }
    });
    Ok(answer(&value))
}

fn query_return_advance(call: &Call<'_>) -> Outcome {
    let refund_id = call.path("refund_id")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let record = refund_of(call.store(), &refund_id, &sub_mchid)?;
    let returned = record
        .advance_return
        .as_ref()
        .ok_or_else(|| Reply::not_found("垫付回补记录不存在"))?;
    Ok(answer(&record.advance_returned(returned)))
}

/// Moves the refund whose `refund_id` or `out_refund_no` is the step's id: `PROCESSING` to
/// `SUCCESS` (the usual step), `ABNORMAL` or `CLOSED`; `ABNORMAL` to `SUCCESS` or `CLOSED`
/// (settled by hand; an abnormal refund moves it back to `PROCESSING` instead). `SUCCESS`
/// and `CLOSED` are final.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let _money = money_lock();
    let id = step.id();
    let store = step.store();
    let record = store
        .read(|refunds: &Refunds| {
            refunds
                .0
                .iter()
                .find(|r| r.refund_id == id || r.out_refund_no == id)
                .cloned()
        })
        .ok_or_else(|| step.unknown())?;
    let target = match (record.status.as_str(), step.to()) {
        ("PROCESSING", None) => "SUCCESS",
        ("PROCESSING", Some(to @ ("SUCCESS" | "ABNORMAL" | "CLOSED"))) => to,
        ("ABNORMAL", Some(to @ ("SUCCESS" | "CLOSED"))) => to,
        ("ABNORMAL", None) => {
            return Err(step.refused(
                "on: ABNORMAL waits for an abnormal refund, or to be settled by hand (SUCCESS, CLOSED)",
            ));
        }
        (from, to) => {
            return Err(step.refused(format!("from {from} to {}", to.unwrap_or("a next state"))));
        }
    };
    let now = step.now();
    let amount = i64::try_from(record.refund).unwrap_or(i64::MAX);
    ledger::write(store, |l| match target {
        "SUCCESS" => {
            // The platform's advance pays out of its own account.
            let payer = if record.is_advance() {
                &record.sp_mchid
            } else {
                &record.sub_mchid
            };
            l.record(Entry {
                at: now,
                mchid: payer.clone(),
                account: "BASIC".to_owned(),
                kind: EntryKind::Refund,
                amount: -amount,
                id: record.refund_id.clone(),
                out_no: record.out_refund_no.clone(),
                transaction_id: Some(record.transaction_id.clone()),
            });
            if let Some(order) = l.order_by_transaction_id_mut(&record.transaction_id) {
                order.state = "REFUND".to_owned();
            }
        }
        "CLOSED" => {
            if let Some(order) = l.order_by_transaction_id_mut(&record.transaction_id) {
                order.refunded = order.refunded.saturating_sub(record.refund);
            }
        }
        _ => {}
    });
    let moved = store.write(|refunds: &mut Refunds| {
        let known = refunds
            .0
            .iter_mut()
            .find(|r| r.refund_id == record.refund_id)?;
        known.status = target.to_owned();
        if target == "SUCCESS" {
            known.success_at = Some(now);
        }
        Some(known.clone())
    });
    if let (Some(moved), Some(url)) = (moved, record.notify_url.as_deref()) {
        let (event_type, summary) = match target {
            "SUCCESS" => ("REFUND.SUCCESS", "退款成功"),
            "ABNORMAL" => ("REFUND.ABNORMAL", "退款异常"),
            _ => ("REFUND.CLOSED", "退款关闭"),
        };
        if let Ok(event) = CallbackEvent::custom(event_type, "refund", summary, moved.notified()) {
            step.notify(url, event);
        }
    }
    Ok(target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_above_the_ledgers_and_the_records() {
        let store = Store::empty();
        assert_eq!(fresh_id(&store, "5030", 10, &[]), "5030000001");
        let mine = ["5030000007".to_owned(), "4200000009".to_owned()];
        assert_eq!(fresh_id(&store, "5030", 10, &mine), "5030000008");
    }

    #[test]
    fn body_fields_are_checked_as_the_pages_say() {
        let body = json!({"sub_mchid": "19x", "no": "R 1", "fen": 1.5, "zero": 0, "name": ""});
        let body = body.as_object().unwrap();
        assert!(body_mchid(body, "sub_mchid").is_err());
        assert!(body_mchid(body, "absent").is_err());
        assert!(body_out_no(body, "no").is_err());
        assert!(body_amount(body, "fen", "fen").is_err());
        assert!(body_amount(body, "zero", "zero").is_err());
        assert!(body_text(body, "name", 10).is_err());
        assert_eq!(body_text(body, "absent", 10).ok(), Some(None));
    }
}
