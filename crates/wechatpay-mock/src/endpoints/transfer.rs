//! Transfers to users (平台收付通商家转账): `POST /v3/ecommerce/mch-transfer/transfer-bills`,
//! its queries by `out_bill_no` and by `transfer_bill_no`, and its cancellation.
//!
//! A transfer takes its amount from the sub-merchant's basic account when it is accepted
//! (`403 NOT_ENOUGH` past the available balance; the ledger records a `TRANSFER` entry). The
//! user's name, when sent, must decrypt with the platform key the request names, and is
//! required from 2,000 yuan on; the queries answer it encrypted to the merchant. A transfer
//! starts in `ACCEPTED`; the sandbox's `transfer` moves (by `out_bill_no` or
//! `transfer_bill_no`) take it to `WAIT_USER_CONFIRM` (with a `package_info`), then
//! `SUCCESS`, or to `FAIL`; a cancellation makes it `CANCELING`, and the next move
//! `CANCELLED`. `FAIL` and `CANCELLED` put the money back. Final states send
//! `MCHTRANSFER.BILL.FINISHED` to the transfer's `notify_url`, when it has one. The same
//! `out_bill_no` sent again with the same request (and name) is the same transfer.

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::balance::{Holder, balance, opening};
use super::chars::{alnum, any, code, digits};
use super::ledger::{self, Entry, EntryKind};
use super::{Call, Endpoint, Outcome, Route, found, query_mchid, required_field};
use crate::callbacks::CallbackEvent;
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::sealing::rfc3339;
use crate::store::Seeding;

/// From this amount on (2,000 yuan, in fen) the user's name is required.
const NAME_REQUIRED_FROM_FEN: u64 = 200_000;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/mch-transfer/transfer-bills",
            answer: create,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}",
            answer: by_out_bill_no,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}",
            answer: by_transfer_bill_no,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel",
            answer: cancel,
        },
    ],
    seed,
    unknown_enum_values: &[("state", "REVIEWING")],
    tables: &[table::<Transfers>("transfers")],
    progress: &[Progress {
        kind: "transfer",
        advance,
    }],
};

/// Every transfer, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Transfers {
    records: Vec<TransferRecord>,
    /// The number of the last `transfer_bill_no` given.
    last_id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TransferRecord {
    /// The platform's merchant id.
    mchid: String,
    sub_mchid: String,
    out_bill_no: String,
    transfer_bill_no: String,
    appid: String,
    transfer_scene_id: String,
    openid: String,
    /// The user's name encrypted to the merchant, as the queries answer it.
    user_name: Option<String>,
    /// The SHA-256 of the name, to tell a retry (whose ciphertext differs) from another
    /// request.
    name_digest: Option<String>,
    transfer_amount: u64,
    transfer_remark: String,
    notify_url: Option<String>,
    state: String,
    fail_reason: Option<String>,
    created_at: u64,
    updated_at: u64,
    /// The request as sent, without the name.
    request: Value,
}

impl TransferRecord {
    fn accepted(&self) -> Value {
        let mut answer = json!({
            "sub_mchid": self.sub_mchid,
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "create_time": rfc3339(self.created_at),
            "state": self.state,
        });
        if let Some(fields) = answer.as_object_mut() {
            if let Some(reason) = &self.fail_reason {
                fields.insert("fail_reason".into(), json!(reason));
            }
            if self.state == "WAIT_USER_CONFIRM" {
                fields.insert("package_info".into(), json!(self.package_info()));
            }
        }
        answer
    }

    /// What the platform's app hands to WeChat to open the confirmation page.
    fn package_info(&self) -> String {
        format!("mock_package_{}", self.transfer_bill_no)
    }

    fn bill(&self) -> Value {
        let mut bill = json!({
            "mchid": self.mchid,
            "sub_mchid": self.sub_mchid,
            "out_bill_no": self.out_bill_no,
            "transfer_bill_no": self.transfer_bill_no,
            "appid": self.appid,
            "transfer_scene_id": self.transfer_scene_id,
            "state": self.state,
            "transfer_amount": self.transfer_amount,
            "transfer_remark": self.transfer_remark,
            "openid": self.openid,
            "create_time": rfc3339(self.created_at),
            "update_time": rfc3339(self.updated_at),
        });
        if let Some(fields) = bill.as_object_mut() {
            if let Some(reason) = &self.fail_reason {
                fields.insert("fail_reason".into(), json!(reason));
            }
            if let Some(name) = &self.user_name {
                fields.insert("user_name".into(), json!(name));
            }
        }
        bill
    }

    fn entry(&self, amount: i64, at: u64) -> Entry {
        Entry {
            at,
            mchid: self.sub_mchid.clone(),
            account: "BASIC".to_owned(),
            kind: EntryKind::Transfer,
            amount,
            id: self.transfer_bill_no.clone(),
            out_no: self.out_bill_no.clone(),
            transaction_id: None,
        }
    }
}

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

fn create(call: &Call<'_>) -> Outcome {
    let mut body = call.json_body()?;
    let sub_mchid = required_field(&body, "sub_mchid", 32, digits)?.to_owned();
    let appid = required_field(&body, "appid", 32, code)?.to_owned();
    let out_bill_no = required_field(&body, "out_bill_no", 32, alnum)?.to_owned();
    let transfer_scene_id = required_field(&body, "transfer_scene_id", 16, code)?.to_owned();
    let openid = required_field(&body, "openid", 64, code)?.to_owned();
    let transfer_remark = required_field(&body, "transfer_remark", 32, any)?.to_owned();
    let transfer_amount = body
        .get("transfer_amount")
        .and_then(Value::as_u64)
        .filter(|amount| *amount >= 1 && i64::try_from(*amount).is_ok())
        .ok_or_else(|| Reply::param_error("transfer_amount", "body", "应为正整数(分)"))?;
    let notify_url = match body.get("notify_url") {
        None => None,
        Some(Value::String(url))
            if url.starts_with("https://") && !url.contains('?') && url.len() <= 256 =>
        {
            Some(url.clone())
        }
        Some(_) => {
            return Err(Reply::param_error(
                "notify_url",
                "body",
                "应为HTTPS地址,不能携带参数",
            ));
        }
    };
    let name = match body.remove("user_name") {
        None => None,
        Some(Value::String(ciphertext)) => {
            let name = call.decrypt("user_name", &ciphertext)?;
            if name.trim().is_empty() {
                return Err(Reply::param_error("user_name", "body", "解密后为空"));
            }
            Some(name)
        }
        Some(_) => {
            return Err(Reply::param_error(
                "user_name",
                "body",
                "应为加密后的字符串",
            ));
        }
    };
    if name.is_none() && transfer_amount >= NAME_REQUIRED_FROM_FEN {
        return Err(Reply::param_error(
            "user_name",
            "body",
            "转账金额大于等于2000元时,收款用户姓名必填",
        ));
    }
    let name_digest = name.as_deref().map(|name| {
        Sha256::digest(name.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    });
    let user_name = name
        .as_deref()
        .map(|name| call.encrypt_for_merchant(name))
        .transpose()?;
    let mchid = call.mchid();
    let request = Value::Object(body);
    let now = call.now();

    let new =
        call.store().write(|table: &mut Transfers| {
            if let Some(known) = table.records.iter().find(|t| {
                t.mchid == mchid && t.sub_mchid == sub_mchid && t.out_bill_no == out_bill_no
            }) {
                return if known.request == request && known.name_digest == name_digest {
                    Err(Ok(known.accepted()))
                } else {
                    Err(Err(Reply::invalid_request(
                        "商户单号重复,且请求参数与原单不一致",
                    )))
                };
            }
            table.last_id = table.last_id.saturating_add(1);
            let record = TransferRecord {
                mchid: mchid.clone(),
                sub_mchid: sub_mchid.clone(),
                out_bill_no: out_bill_no.clone(),
                transfer_bill_no: format!("1330{:030}", table.last_id),
                appid,
                transfer_scene_id,
                openid,
                user_name,
                name_digest: name_digest.clone(),
                transfer_amount,
                transfer_remark,
                notify_url,
                state: "ACCEPTED".to_owned(),
                fail_reason: None,
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
    if !take(call, &record) {
        call.store().write(|table: &mut Transfers| {
            table
                .records
                .retain(|t| t.transfer_bill_no != record.transfer_bill_no);
        });
        return Err(Reply::error(
            StatusCode::FORBIDDEN,
            "NOT_ENOUGH",
            "资金不足,二级商户账户可用余额不足",
        ));
    }
    Ok(Reply::ok(record.accepted().to_string().into_bytes()))
}

/// Takes the transfer's amount from the sub-merchant's basic account, if it has it.
fn take(call: &Call<'_>, record: &TransferRecord) -> bool {
    let holder = Holder::SubMerchant(&record.sub_mchid);
    if balance(call.store(), holder, "BASIC", u64::MAX).is_none() {
        return false;
    }
    let opening = opening(call.store(), holder, "BASIC").map_or(0, |(available, _)| available);
    let amount = i64::try_from(record.transfer_amount).unwrap_or(i64::MAX);
    ledger::write(call.store(), |ledger| {
        if opening.saturating_add(ledger.balance(&record.sub_mchid, "BASIC")) < amount {
            return false;
        }
        ledger.record(record.entry(-amount, record.created_at));
        true
    })
}

fn query(call: &Call<'_>, id: &str, matches: impl Fn(&TransferRecord) -> bool) -> Outcome {
    polled(call, "transfer", id);
    let bill = call.store().read(|table: &Transfers| {
        table
            .records
            .iter()
            .find(|t| matches(t))
            .map(|t| t.bill().to_string().into_bytes())
    });
    found(bill, "转账单不存在")
}

fn by_out_bill_no(call: &Call<'_>) -> Outcome {
    let out_bill_no = call.path("out_bill_no")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let mchid = call.mchid();
    query(call, &out_bill_no, |t| {
        t.out_bill_no == out_bill_no && t.sub_mchid == sub_mchid && t.mchid == mchid
    })
}

fn by_transfer_bill_no(call: &Call<'_>) -> Outcome {
    let transfer_bill_no = call.path("transfer_bill_no")?;
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let mchid = call.mchid();
    query(call, &transfer_bill_no, |t| {
        t.transfer_bill_no == transfer_bill_no && t.sub_mchid == sub_mchid && t.mchid == mchid
    })
}

fn cancel(call: &Call<'_>) -> Outcome {
    let out_bill_no = call.path("out_bill_no")?;
    let body = call.json_body()?;
    let sub_mchid = required_field(&body, "sub_mchid", 32, digits)?.to_owned();
    let mchid = call.mchid();
    let now = call.now();
    let record = call.store().write(|table: &mut Transfers| {
        let record = table
            .records
            .iter_mut()
            .find(|t| t.out_bill_no == out_bill_no && t.sub_mchid == sub_mchid && t.mchid == mchid)
            .ok_or_else(|| Reply::not_found("转账单不存在"))?;
        match record.state.as_str() {
            "CANCELING" | "CANCELLED" => {}
            "ACCEPTED" | "PROCESSING" | "WAIT_USER_CONFIRM" | "TRANSFERING" => {
                record.state = "CANCELING".to_owned();
                record.updated_at = now;
            }
            _ => {
                return Err(Reply::invalid_request("转账单已是终态,不能撤销"));
            }
        }
        Ok(record.clone())
    })?;
    Ok(Reply::ok(
        json!({
            "sub_mchid": record.sub_mchid,
            "out_bill_no": record.out_bill_no,
            "transfer_bill_no": record.transfer_bill_no,
            "state": record.state,
            "update_time": rfc3339(record.updated_at),
        })
        .to_string()
        .into_bytes(),
    ))
}

/// Moves the transfer whose `out_bill_no` or `transfer_bill_no` is the step's id (the latest
/// such): one step along `ACCEPTED → WAIT_USER_CONFIRM → SUCCESS` (`CANCELING → CANCELLED`),
/// or to `FAIL` (or any state of that path ahead) before it is final.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let id = step.id();
    let now = step.now();
    let record = step
        .store()
        .read(|table: &Transfers| {
            table
                .records
                .iter()
                .rev()
                .find(|t| t.out_bill_no == id || t.transfer_bill_no == id)
                .cloned()
        })
        .ok_or_else(|| step.unknown())?;
    const PATH: [&str; 3] = ["ACCEPTED", "WAIT_USER_CONFIRM", "SUCCESS"];
    let place = |state: &str| PATH.iter().position(|s| *s == state);
    let current = record.state.as_str();
    let target = match (step.to(), current) {
        (Some(to), _) => to,
        (None, "CANCELING") => "CANCELLED",
        (None, "PROCESSING" | "TRANSFERING") => "SUCCESS",
        (None, other) => match place(other).and_then(|i| PATH.get(i + 1)) {
            Some(next) => next,
            None => return Err(step.refused(format!("on: {current} is final"))),
        },
    };
    let allowed = match (current, target) {
        ("CANCELING", "CANCELLED") => true,
        ("SUCCESS" | "FAIL" | "CANCELLED" | "CANCELING", _) => false,
        (_, "FAIL") => true,
        (from, to) => match (place(from), place(to)) {
            (Some(from), Some(to)) => to > from,
            (None, Some(_)) => to == "SUCCESS",
            _ => false,
        },
    };
    if !allowed {
        return Err(step.refused(format!("from {current} to {target}")));
    }
    let moved = TransferRecord {
        state: target.to_owned(),
        fail_reason: (target == "FAIL").then(|| "PAYEE_ACCOUNT_ABNORMAL".to_owned()),
        updated_at: now,
        ..record
    };
    step.store().write(|table: &mut Transfers| {
        if let Some(known) = table
            .records
            .iter_mut()
            .find(|t| t.transfer_bill_no == moved.transfer_bill_no)
        {
            *known = moved.clone();
        }
    });
    if matches!(target, "FAIL" | "CANCELLED") {
        let amount = i64::try_from(moved.transfer_amount).unwrap_or(i64::MAX);
        ledger::write(step.store(), |ledger| {
            ledger.record(moved.entry(amount, now))
        });
    }
    if matches!(target, "SUCCESS" | "FAIL" | "CANCELLED")
        && let Some(url) = &moved.notify_url
    {
        let mut resource = json!({
            "mch_id": moved.mchid,
            "sub_mchid": moved.sub_mchid,
            "out_bill_no": moved.out_bill_no,
            "transfer_bill_no": moved.transfer_bill_no,
            "state": moved.state,
            "transfer_amount": moved.transfer_amount,
            "openid": moved.openid,
            "create_time": rfc3339(moved.created_at),
            "update_time": rfc3339(moved.updated_at),
        });
        if let (Some(reason), Some(fields)) = (&moved.fail_reason, resource.as_object_mut()) {
            fields.insert("fail_reason".into(), json!(reason));
        }
        if let Ok(event) = CallbackEvent::custom(
            "MCHTRANSFER.BILL.FINISHED",
            "mch_payment",
            "商家转账单据终态通知",
            resource,
        ) {
            step.notify(url, event);
        }
    }
    Ok(target.to_owned())
}
