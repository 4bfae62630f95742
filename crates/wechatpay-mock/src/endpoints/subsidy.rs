//! Subsidies (补差): `POST /v3/ecommerce/subsidies/create`, `/return` and `/cancel`.
//!
//! The platform answers all three at once (synchronously), as the pages say, and checks them
//! against the sandbox's orders and money:
//!
//! - A subsidy needs a paid order of the sub-merchant placed with a subsidy
//!   (`settle_info.subsidy_amount` in the order's request); its amount is that subsidy, or
//!   less with the `refund_id` of a refund of the order. One order gets one subsidy: the same
//!   request again is answered as the first; another is `400 INVALID_REQUEST`. The money
//!   moves from the platform's basic account (`403 NOT_ENOUGH` when it lacks it) to the
//!   sub-merchant's.
//! - A return takes back up to what is left of the subsidy, once per refund, from the
//!   sub-merchant's basic account to the platform's; `out_order_no` numbers it, and the same
//!   return sent again is answered as the first.
//! - A cancellation needs a refund of the order and no subsidy paid yet; afterwards the
//!   order takes no subsidy.

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::balance::{Holder, opening};
use super::chars::{any, code, digits, out_no};
use super::ledger::{self, Entry, EntryKind};
use super::{Call, Endpoint, Outcome, Route, body_field, required_field};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::table;
use crate::sealing::rfc3339;
use crate::store::Seeding;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/subsidies/create",
            answer: create,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/subsidies/return",
            answer: give_back,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/subsidies/cancel",
            answer: cancel,
        },
    ],
    seed,
    unknown_enum_values: &[("result", "PROCESSING")],
    tables: &[table::<Subsidies>("subsidies")],
    progress: &[],
};

/// Every subsidy, return and cancellation, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Subsidies {
    subsidies: Vec<SubsidyRecord>,
    returns: Vec<ReturnRecord>,
    cancels: Vec<CancelRecord>,
    /// The number of the last id given (`subsidy_id`, `subsidy_refund_id`).
    last_id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SubsidyRecord {
    sub_mchid: String,
    transaction_id: String,
    subsidy_id: String,
    amount: u64,
    description: String,
    /// What was returned of it so far, in fen.
    returned: u64,
    at: u64,
    request: Value,
}

impl SubsidyRecord {
    fn answer(&self) -> Value {
        json!({
            "sub_mchid": self.sub_mchid,
            "transaction_id": self.transaction_id,
            "subsidy_id": self.subsidy_id,
            "description": self.description,
            "amount": self.amount,
            "result": if self.returned >= self.amount { "REFUND" } else { "SUCCESS" },
            "success_time": rfc3339(self.at),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ReturnRecord {
    sub_mchid: String,
    transaction_id: String,
    subsidy_refund_id: String,
    refund_id: Option<String>,
    out_order_no: String,
    amount: u64,
    description: String,
    at: u64,
    request: Value,
}

impl ReturnRecord {
    fn answer(&self) -> Value {
        let mut answer = json!({
            "sub_mchid": self.sub_mchid,
            "transaction_id": self.transaction_id,
            "subsidy_refund_id": self.subsidy_refund_id,
            "out_order_no": self.out_order_no,
            "amount": self.amount,
            "description": self.description,
            "result": "SUCCESS",
            "success_time": rfc3339(self.at),
        });
        if let (Some(refund_id), Some(fields)) = (&self.refund_id, answer.as_object_mut()) {
            fields.insert("refund_id".into(), json!(refund_id));
        }
        answer
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CancelRecord {
    sub_mchid: String,
    transaction_id: String,
    description: String,
}

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

fn amount_of(body: &Map<String, Value>) -> Result<u64, Reply> {
    body.get("amount")
        .and_then(Value::as_u64)
        .filter(|amount| *amount >= 1 && i64::try_from(*amount).is_ok())
        .ok_or_else(|| Reply::param_error("amount", "body", "应为正整数(分)"))
}

fn not_enough() -> Reply {
    Reply::error(StatusCode::FORBIDDEN, "NOT_ENOUGH", "账户可用余额不足")
}

/// Moves `amount` fen from the basic account of `from` to that of `to`, recording `kind`
/// for both, if `from` has it available.
fn transfer_money(
    call: &Call<'_>,
    (from, to): (Holder<'_>, Holder<'_>),
    amount: u64,
    (kind, id, out_no, transaction_id): (EntryKind, &str, &str, &str),
) -> Result<(), Reply> {
    let amount = i64::try_from(amount).map_err(|_| not_enough())?;
    let mchid = |holder: Holder<'_>| match holder {
        Holder::SubMerchant(id) | Holder::Platform(id) => id.to_owned(),
    };
    let opening = opening(call.store(), from, "BASIC").map_or(0, |(available, _)| available);
    let (from, to) = (mchid(from), mchid(to));
    let at = call.now();
    let entry = |mchid: String, amount: i64| Entry {
        at,
        mchid,
        account: "BASIC".to_owned(),
        kind,
        amount,
        id: id.to_owned(),
        out_no: out_no.to_owned(),
        transaction_id: Some(transaction_id.to_owned()),
    };
    let moved = ledger::write(call.store(), |ledger| {
        if opening.saturating_add(ledger.balance(&from, "BASIC")) < amount {
            return false;
        }
        ledger.record(entry(from.clone(), -amount));
        ledger.record(entry(to.clone(), amount));
        true
    });
    if moved { Ok(()) } else { Err(not_enough()) }
}

/// The order `transaction_id` of `sub_mchid`: `(state, declared subsidy, refunded)`.
fn order(
    call: &Call<'_>,
    sub_mchid: &str,
    transaction_id: &str,
) -> Result<(String, Option<u64>, u64), Reply> {
    ledger::read(call.store(), |ledger| {
        ledger
            .order_by_transaction_id(transaction_id)
            .filter(|o| o.sub_mchid == sub_mchid)
            .map(|o| {
                let declared = o
                    .request
                    .pointer("/settle_info/subsidy_amount")
                    .and_then(Value::as_u64);
                (o.state.clone(), declared, o.refunded)
            })
    })
    .ok_or_else(|| Reply::not_found("订单不存在"))
}

/// Whether `refund_id` is a refund of `transaction_id` that succeeded.
fn refunded_by(call: &Call<'_>, transaction_id: &str, refund_id: &str) -> bool {
    ledger::read(call.store(), |ledger| {
        ledger.entries.iter().any(|e| {
            e.kind == EntryKind::Refund
                && e.id == refund_id
                && e.transaction_id.as_deref() == Some(transaction_id)
        })
    })
}

fn create(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = required_field(&body, "sub_mchid", 32, digits)?.to_owned();
    let transaction_id = required_field(&body, "transaction_id", 64, code)?.to_owned();
    let amount = amount_of(&body)?;
    let description = required_field(&body, "description", 80, any)?.to_owned();
    let refund_id = body_field(&body, "refund_id", 64, code)?.map(str::to_owned);
    body_field(&body, "out_subsidy_no", 64, out_no)?;

    let (state, declared, _) = order(call, &sub_mchid, &transaction_id)?;
    if !matches!(state.as_str(), "SUCCESS" | "REFUND") {
        return Err(Reply::invalid_request("订单未支付成功,不能补差"));
    }
    let declared =
        declared.ok_or_else(|| Reply::invalid_request("订单下单时未设置补差金额,不能补差"))?;
    if amount > declared {
        return Err(Reply::invalid_request("补差金额超过下单时的补差金额"));
    }
    if amount < declared {
        let refund_id = refund_id.as_deref().ok_or_else(|| {
            Reply::param_error("refund_id", "body", "补差金额小于下单时的补差金额时必填")
        })?;
        if !refunded_by(call, &transaction_id, refund_id) {
            return Err(Reply::invalid_request("微信退款单号不存在或不属于该订单"));
        }
    }
    let request = Value::Object(body);
    let now = call.now();
    let new = call.store().write(|table: &mut Subsidies| {
        if table
            .cancels
            .iter()
            .any(|c| c.transaction_id == transaction_id)
        {
            return Err(Err(Reply::invalid_request("该订单已取消补差")));
        }
        if let Some(known) = table
            .subsidies
            .iter()
            .find(|s| s.transaction_id == transaction_id)
        {
            return if known.request == request {
                Err(Ok(known.answer()))
            } else {
                Err(Err(Reply::invalid_request(
                    "一笔订单只能补差一次,该订单已补差",
                )))
            };
        }
        table.last_id = table.last_id.saturating_add(1);
        let record = SubsidyRecord {
            sub_mchid: sub_mchid.clone(),
            transaction_id: transaction_id.clone(),
            subsidy_id: format!("3008{:024}", table.last_id),
            amount,
            description,
            returned: 0,
            at: now,
            request,
        };
        table.subsidies.push(record.clone());
        Ok(record)
    });
    let record = match new {
        Ok(record) => record,
        Err(Ok(answer)) => return Ok(Reply::ok(answer.to_string().into_bytes())),
        Err(Err(refusal)) => return Err(refusal),
    };
    let out_subsidy_no = record
        .request
        .get("out_subsidy_no")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let platform = call.mchid();
    let moved = transfer_money(
        call,
        (Holder::Platform(&platform), Holder::SubMerchant(&sub_mchid)),
        amount,
        (
            EntryKind::Subsidy,
            &record.subsidy_id,
            &out_subsidy_no,
            &transaction_id,
        ),
    );
    if let Err(refusal) = moved {
        call.store().write(|table: &mut Subsidies| {
            table
                .subsidies
                .retain(|s| s.subsidy_id != record.subsidy_id);
        });
        return Err(refusal);
    }
    Ok(Reply::ok(record.answer().to_string().into_bytes()))
}

fn give_back(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = required_field(&body, "sub_mchid", 32, digits)?.to_owned();
    let out_order_no = required_field(&body, "out_order_no", 64, out_no)?.to_owned();
    let transaction_id = required_field(&body, "transaction_id", 64, code)?.to_owned();
    let amount = amount_of(&body)?;
    let description = required_field(&body, "description", 80, any)?.to_owned();
    let refund_id = body_field(&body, "refund_id", 64, code)?.map(str::to_owned);
    let subsidy_id = body_field(&body, "subsidy_id", 64, code)?.map(str::to_owned);
    if let Some(from) = body.get("from") {
        let single = from
            .as_array()
            .filter(|from| from.len() == 1)
            .and_then(|from| {
                let account = from[0].get("account")?.as_str()?;
                let from_amount = from[0].get("amount")?.as_u64()?;
                (matches!(account, "AVAILABLE" | "UNAVAILABLE") && from_amount == amount)
                    .then_some(())
            });
        if single.is_none() {
            return Err(Reply::param_error(
                "from",
                "body",
                "仅支持一个出资账户(AVAILABLE或UNAVAILABLE),其金额须等于回退金额",
            ));
        }
    }
    if let Some(refund_id) = &refund_id
        && !refunded_by(call, &transaction_id, refund_id)
    {
        return Err(Reply::invalid_request("微信退款单号不存在或不属于该订单"));
    }
    let request = Value::Object(body);
    let now = call.now();
    let new = call.store().write(|table: &mut Subsidies| {
        if let Some(known) = table
            .returns
            .iter()
            .find(|r| r.sub_mchid == sub_mchid && r.out_order_no == out_order_no)
        {
            return if known.request == request {
                Err(Ok(known.answer()))
            } else {
                Err(Err(Reply::invalid_request(
                    "商户补差回退单号重复,且请求参数与原单不一致",
                )))
            };
        }
        let Some(index) = table.subsidies.iter().position(|s| {
            s.transaction_id == transaction_id
                && s.sub_mchid == sub_mchid
                && subsidy_id.as_ref().is_none_or(|id| *id == s.subsidy_id)
        }) else {
            return Err(Err(Reply::not_found("补差单不存在")));
        };
        if let Some(refund_id) = &refund_id
            && table
                .returns
                .iter()
                .any(|r| r.refund_id.as_ref() == Some(refund_id))
        {
            return Err(Err(Reply::invalid_request("该微信退款单已补差回退")));
        }
        let subsidy = &mut table.subsidies[index];
        if amount > subsidy.amount.saturating_sub(subsidy.returned) {
            return Err(Err(Reply::invalid_request(
                "回退金额超过补差单可回退的金额",
            )));
        }
        subsidy.returned = subsidy.returned.saturating_add(amount);
        table.last_id = table.last_id.saturating_add(1);
        let record = ReturnRecord {
            sub_mchid: sub_mchid.clone(),
            transaction_id: transaction_id.clone(),
            subsidy_refund_id: format!("3008{:024}", table.last_id),
            refund_id: refund_id.clone(),
            out_order_no: out_order_no.clone(),
            amount,
            description,
            at: now,
            request,
        };
        table.returns.push(record.clone());
        Ok(record)
    });
    let record = match new {
        Ok(record) => record,
        Err(Ok(answer)) => return Ok(Reply::ok(answer.to_string().into_bytes())),
        Err(Err(refusal)) => return Err(refusal),
    };
    let platform = call.mchid();
    let moved = transfer_money(
        call,
        (Holder::SubMerchant(&sub_mchid), Holder::Platform(&platform)),
        amount,
        (
            EntryKind::SubsidyReturn,
            &record.subsidy_refund_id,
            &out_order_no,
            &transaction_id,
        ),
    );
    if let Err(refusal) = moved {
        call.store().write(|table: &mut Subsidies| {
            table
                .returns
                .retain(|r| r.subsidy_refund_id != record.subsidy_refund_id);
            if let Some(subsidy) = table
                .subsidies
                .iter_mut()
                .find(|s| s.transaction_id == record.transaction_id)
            {
                subsidy.returned = subsidy.returned.saturating_sub(amount);
            }
        });
        return Err(refusal);
    }
    Ok(Reply::ok(record.answer().to_string().into_bytes()))
}

fn cancel(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = required_field(&body, "sub_mchid", 32, digits)?.to_owned();
    let transaction_id = required_field(&body, "transaction_id", 64, code)?.to_owned();
    let description = required_field(&body, "description", 80, any)?.to_owned();
    let (_, _, refunded) = order(call, &sub_mchid, &transaction_id)?;
    if refunded == 0 {
        return Err(Reply::invalid_request("订单未发生退款,不能取消补差"));
    }
    let record = call.store().write(|table: &mut Subsidies| {
        if table
            .subsidies
            .iter()
            .any(|s| s.transaction_id == transaction_id)
        {
            return Err(Reply::invalid_request("订单已补差,不能取消补差"));
        }
        if let Some(known) = table
            .cancels
            .iter()
            .find(|c| c.transaction_id == transaction_id)
        {
            return Ok(known.clone());
        }
        let record = CancelRecord {
            sub_mchid,
            transaction_id,
            description,
        };
        table.cancels.push(record.clone());
        Ok(record)
    })?;
    Ok(Reply::ok(
        json!({
            "sub_mchid": record.sub_mchid,
            "transaction_id": record.transaction_id,
            "result": "SUCCESS",
            "description": record.description,
        })
        .to_string()
        .into_bytes(),
    ))
}
