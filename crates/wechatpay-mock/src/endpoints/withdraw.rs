//! Withdrawals (预约提现), a sub-merchant's and the platform's own, and their queries by
//! `withdraw_id` and by `out_request_no`.
//!
//! A withdrawal takes its amount from the account's available balance when it is accepted
//! (the ledger records a `WITHDRAW` entry then), so that it cannot take more than there is:
//! past the balance it is refused with `403 NOT_ENOUGH`. It starts in `CREATE_SUCCESS`; the
//! sandbox's `withdraw` moves (by `withdraw_id` or `out_request_no`) take it to `SUCCESS`, or
//! to `FAIL` or `CLOSE` (from `CREATE_SUCCESS`) or `REFUND` (from `SUCCESS`, the bank sent it
//! back), which put the money back. Each of these sends `MCHWITHDRAW.CHANGE` to the
//! withdrawal's `notify_url`, when it has one. The same `out_request_no` sent again with the
//! same request is the same withdrawal; with another, `400 INVALID_REQUEST`.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::balance::{Holder, PLATFORM_ACCOUNTS, balance};
use super::ledger::{self, Entry, EntryKind};
use super::{Call, Endpoint, Outcome, Route, found, query_mchid};
use crate::callbacks::CallbackEvent;
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::sealing::rfc3339;
use crate::store::Seeding;

/// The largest withdrawal the pages allow: 800 million yuan, in fen.
const MAX_WITHDRAW_FEN: u64 = 80_000_000_000;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/fund/withdraw",
            answer: sub_merchant_withdraw,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/fund/withdraw/out-request-no/{out_request_no}",
            answer: sub_merchant_by_out_request_no,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/fund/withdraw/{withdraw_id}",
            answer: sub_merchant_by_id,
        },
        Route {
            method: Method::POST,
            path: "/v3/merchant/fund/withdraw",
            answer: platform_withdraw,
        },
        Route {
            method: Method::GET,
            path: "/v3/merchant/fund/withdraw/withdraw-id/{withdraw_id}",
            answer: platform_by_id,
        },
        Route {
            method: Method::GET,
            path: "/v3/merchant/fund/withdraw/out-request-no/{out_request_no}",
            answer: platform_by_out_request_no,
        },
    ],
    seed,
    unknown_enum_values: &[("status", "PROCESSING")],
    tables: &[table::<Withdrawals>("withdrawals")],
    progress: &[Progress {
        kind: "withdraw",
        advance,
    }],
};

/// Every withdrawal, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Withdrawals {
    records: Vec<Withdrawal>,
    /// The number of the last `withdraw_id` given.
    last_id: u64,
}

/// One withdrawal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Withdrawal {
    /// The platform's merchant id.
    sp_mchid: String,
    /// The sub-merchant, or `None` for the platform's own withdrawal.
    sub_mchid: Option<String>,
    withdraw_id: String,
    out_request_no: String,
    amount: u64,
    account_type: String,
    remark: Option<String>,
    bank_memo: Option<String>,
    notify_url: Option<String>,
    status: String,
    reason: Option<String>,
    created_at: u64,
    updated_at: u64,
    /// The request as sent: the same again is a retry.
    request: Value,
}

impl Withdrawal {
    /// Whose account the money leaves.
    fn holder(&self) -> Holder<'_> {
        match &self.sub_mchid {
            Some(sub) => Holder::SubMerchant(sub),
            None => Holder::Platform(&self.sp_mchid),
        }
    }

    /// The answer to the withdrawal request.
    fn accepted(&self) -> Value {
        match &self.sub_mchid {
            Some(sub) => json!({
                "sub_mchid": sub,
                "withdraw_id": self.withdraw_id,
                "out_request_no": self.out_request_no,
                "account_type": self.account_type,
            }),
            None => json!({
                "withdraw_id": self.withdraw_id,
                "out_request_no": self.out_request_no,
            }),
        }
    }

    /// The answer to the queries (and the resource of the callback).
    fn state(&self) -> Value {
        let mut state = Map::new();
        if let Some(sub) = &self.sub_mchid {
            state.insert("sp_mchid".into(), json!(self.sp_mchid));
            state.insert("sub_mchid".into(), json!(sub));
        }
        state.insert("status".into(), json!(self.status));
        state.insert("withdraw_id".into(), json!(self.withdraw_id));
        state.insert("out_request_no".into(), json!(self.out_request_no));
        state.insert("amount".into(), json!(self.amount));
        state.insert("create_time".into(), json!(rfc3339(self.created_at)));
        state.insert("update_time".into(), json!(rfc3339(self.updated_at)));
        for (name, value) in [
            ("reason", &self.reason),
            ("remark", &self.remark),
            ("bank_memo", &self.bank_memo),
        ] {
            if let Some(value) = value {
                state.insert(name.into(), json!(value));
            }
        }
        state.insert("account_type".into(), json!(self.account_type));
        if self.sub_mchid.is_some() {
            state.insert("account_number".into(), json!("1178"));
            state.insert("account_bank".into(), json!("招商银行"));
        } else if self.reason.is_some() {
            state.insert(
                "solution".into(),
                json!("请修改结算银行卡信息后重新发起提现"),
            );
        }
        Value::Object(state)
    }
}

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

/// A body field that is text, if present.
fn text<'b>(body: &'b Map<String, Value>, name: &str) -> Result<Option<&'b str>, Reply> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(Reply::param_error(name, "body", "应为字符串")),
    }
}

/// A text body field of 1 to `max` characters, if present.
fn bounded<'b>(
    body: &'b Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<&'b str>, Reply> {
    let value = text(body, name)?;
    if value.is_some_and(|v| !(1..=max).contains(&v.chars().count())) {
        return Err(Reply::param_error(
            name,
            "body",
            &format!("长度应为1到{max}个字符"),
        ));
    }
    Ok(value)
}

fn out_request_no_of(body: &Map<String, Value>) -> Result<String, Reply> {
    bounded(body, "out_request_no", 32)?
        .filter(|no| no.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .ok_or_else(|| Reply::param_error("out_request_no", "body", "应为1到32位字母或数字"))
}

fn amount_of(body: &Map<String, Value>) -> Result<u64, Reply> {
    body.get("amount")
        .and_then(Value::as_u64)
        .filter(|amount| (1..=MAX_WITHDRAW_FEN).contains(amount))
        .ok_or_else(|| Reply::param_error("amount", "body", "应为1到80000000000之间的整数(分)"))
}

fn notify_url_of(body: &Map<String, Value>) -> Result<Option<String>, Reply> {
    let url = bounded(body, "notify_url", 256)?;
    if url.is_some_and(|url| !url.starts_with("https://") || url.contains('?')) {
        return Err(Reply::param_error(
            "notify_url",
            "body",
            "应为HTTPS地址,不能携带参数",
        ));
    }
    Ok(url.map(str::to_owned))
}

fn sub_merchant_withdraw(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = text(&body, "sub_mchid")?
        .filter(|id| (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| Reply::param_error("sub_mchid", "body", "应为1到32位数字"))?
        .to_owned();
    let account_type = text(&body, "account_type")?.unwrap_or("BASIC");
    if !PLATFORM_ACCOUNTS.contains(&account_type) {
        return Err(Reply::param_error(
            "account_type",
            "body",
            "应为BASIC、OPERATION或FEES",
        ));
    }
    let account_type = account_type.to_owned();
    withdraw(call, body, Some(sub_mchid), account_type)
}

fn platform_withdraw(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let account_type = text(&body, "account_type")?
        .filter(|account| PLATFORM_ACCOUNTS.contains(account))
        .ok_or_else(|| Reply::param_error("account_type", "body", "应为BASIC、OPERATION或FEES"))?
        .to_owned();
    withdraw(call, body, None, account_type)
}

/// Accepts a withdrawal from `account_type` of `sub_mchid` (`None`: the platform's own).
fn withdraw(
    call: &Call<'_>,
    body: Map<String, Value>,
    sub_mchid: Option<String>,
    account_type: String,
) -> Outcome {
    let out_request_no = out_request_no_of(&body)?;
    let amount = amount_of(&body)?;
    let remark = bounded(&body, "remark", 56)?.map(str::to_owned);
    let bank_memo = bounded(&body, "bank_memo", 32)?.map(str::to_owned);
    let notify_url = notify_url_of(&body)?;
    let sp_mchid = call.mchid();
    let request = Value::Object(body);
    let now = call.now();

    // The number first, then the money: a retry must not take the money twice.
    let new = call.store().write(|table: &mut Withdrawals| {
        if let Some(known) = table.records.iter().find(|w| {
            w.sub_mchid == sub_mchid && w.sp_mchid == sp_mchid && w.out_request_no == out_request_no
        }) {
            return if known.request == request {
                Err(Ok(known.accepted()))
            } else {
                Err(Err(Reply::invalid_request(
                    "商户提现单号重复,且请求参数与原单不一致",
                )))
            };
        }
        table.last_id = table.last_id.saturating_add(1);
        let record = Withdrawal {
            sp_mchid: sp_mchid.clone(),
            sub_mchid: sub_mchid.clone(),
            withdraw_id: format!("1232{:028}", table.last_id),
            out_request_no: out_request_no.clone(),
            amount,
            account_type: account_type.clone(),
            remark,
            bank_memo,
            notify_url,
            status: "CREATE_SUCCESS".to_owned(),
            reason: None,
            created_at: now,
            updated_at: now,
            request: request.clone(),
        };
        table.records.push(record.clone());
        Ok(record)
    });
    let record = match new {
        Ok(record) => record,
        Err(Ok(answer)) => return Ok(Reply::ok(answer.to_string().into_bytes())),
        Err(Err(refusal)) => return Err(refusal),
    };
    if let Err(refusal) = take(call, &record) {
        call.store().write(|table: &mut Withdrawals| {
            table
                .records
                .retain(|w| w.withdraw_id != record.withdraw_id);
        });
        return Err(refusal);
    }
    Ok(Reply::ok(record.accepted().to_string().into_bytes()))
}

/// Takes the withdrawal's amount from its account, if the account has it available.
fn take(call: &Call<'_>, record: &Withdrawal) -> Result<(), Reply> {
    let holder = record.holder();
    let opening = super::balance::opening(call.store(), holder, &record.account_type)
        .map_or(0, |(available, _)| available);
    let known = balance(call.store(), holder, &record.account_type, u64::MAX).is_some();
    let amount = i64::try_from(record.amount).unwrap_or(i64::MAX);
    let taken = ledger::write(call.store(), |ledger| {
        let available =
            opening.saturating_add(ledger.balance(holder_mchid(record), &record.account_type));
        if !known || available < amount {
            return false;
        }
        ledger.record(entry(record, -amount, record.created_at));
        true
    });
    if taken {
        Ok(())
    } else {
        Err(Reply::error(
            http::StatusCode::FORBIDDEN,
            "NOT_ENOUGH",
            "账户可用余额不足",
        ))
    }
}

fn holder_mchid(record: &Withdrawal) -> &str {
    record.sub_mchid.as_deref().unwrap_or(&record.sp_mchid)
}

fn entry(record: &Withdrawal, amount: i64, at: u64) -> Entry {
    Entry {
        at,
        mchid: holder_mchid(record).to_owned(),
        account: record.account_type.clone(),
        kind: EntryKind::Withdraw,
        amount,
        id: record.withdraw_id.clone(),
        out_no: record.out_request_no.clone(),
        transaction_id: None,
    }
}

/// The state of the withdrawal `matches` finds, after a poll of it under `id`.
fn answer(call: &Call<'_>, id: &str, matches: impl Fn(&Withdrawal) -> bool) -> Outcome {
    polled(call, "withdraw", id);
    let state = call.store().read(|table: &Withdrawals| {
        table
            .records
            .iter()
            .find(|w| matches(w))
            .map(|w| w.state().to_string().into_bytes())
    });
    found(state, "提现单不存在")
}

fn sub_merchant_by_id(call: &Call<'_>) -> Outcome {
    let withdraw_id = call.path("withdraw_id")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let sp_mchid = call.mchid();
    answer(call, &withdraw_id, |w| {
        w.withdraw_id == withdraw_id
            && w.sub_mchid.as_deref() == Some(&sub_mchid)
            && w.sp_mchid == sp_mchid
    })
}

fn sub_merchant_by_out_request_no(call: &Call<'_>) -> Outcome {
    let out_request_no = call.path("out_request_no")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let sp_mchid = call.mchid();
    answer(call, &out_request_no, |w| {
        w.out_request_no == out_request_no
            && w.sub_mchid.as_deref() == Some(&sub_mchid)
            && w.sp_mchid == sp_mchid
    })
}

fn platform_by_id(call: &Call<'_>) -> Outcome {
    let withdraw_id = call.path("withdraw_id")?;
    let sp_mchid = call.mchid();
    answer(call, &withdraw_id, |w| {
        w.withdraw_id == withdraw_id && w.sub_mchid.is_none() && w.sp_mchid == sp_mchid
    })
}

fn platform_by_out_request_no(call: &Call<'_>) -> Outcome {
    let out_request_no = call.path("out_request_no")?;
    let sp_mchid = call.mchid();
    answer(call, &out_request_no, |w| {
        w.out_request_no == out_request_no && w.sub_mchid.is_none() && w.sp_mchid == sp_mchid
    })
}

/// Moves the withdrawal whose `withdraw_id` or `out_request_no` is the step's id (the
/// latest such, as numbers repeat across merchants): to `SUCCESS` by default; to `FAIL` or
/// `CLOSE` from `CREATE_SUCCESS`, or `REFUND` from `SUCCESS`, which put the money back.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let id = step.id();
    let now = step.now();
    let record = step
        .store()
        .read(|table: &Withdrawals| {
            table
                .records
                .iter()
                .rev()
                .find(|w| w.withdraw_id == id || w.out_request_no == id)
                .cloned()
        })
        .ok_or_else(|| step.unknown())?;
    let target = step.to().unwrap_or("SUCCESS");
    let allowed = matches!(
        (record.status.as_str(), target),
        ("CREATE_SUCCESS" | "INIT", "SUCCESS" | "FAIL" | "CLOSE") | ("SUCCESS", "REFUND")
    );
    if !allowed {
        return Err(step.refused(format!("from {} to {target}", record.status)));
    }
    let reason = match target {
        "FAIL" => Some("卡号错误"),
        "CLOSE" => Some("商户账户异常,关单"),
        "REFUND" => Some("银行退票"),
        _ => None,
    };
    let moved = Withdrawal {
        status: target.to_owned(),
        reason: reason.map(str::to_owned),
        updated_at: now,
        ..record
    };
    step.store().write(|table: &mut Withdrawals| {
        if let Some(known) = table
            .records
            .iter_mut()
            .find(|w| w.withdraw_id == moved.withdraw_id)
        {
            *known = moved.clone();
        }
    });
    if reason.is_some() {
        let amount = i64::try_from(moved.amount).unwrap_or(i64::MAX);
        ledger::write(step.store(), |ledger| {
            ledger.record(entry(&moved, amount, now))
        });
    }
    if let Some(url) = &moved.notify_url {
        let mut resource = moved.state();
        if let Some(fields) = resource.as_object_mut() {
            fields.insert("sp_mchid".into(), json!(moved.sp_mchid));
        }
        if let Ok(event) = CallbackEvent::custom(
            "MCHWITHDRAW.CHANGE",
            "mch_withdraw",
            "商户提现状态变更通知",
            resource,
        ) {
            step.notify(url, event);
        }
    }
    Ok(target.to_owned())
}
