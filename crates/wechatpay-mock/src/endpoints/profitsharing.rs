//! The e-commerce profit sharing (分账), on the sandbox's ledger:
//! `POST` and `GET /v3/ecommerce/profitsharing/orders`,
//! `POST /v3/ecommerce/profitsharing/finish-order`,
//! `POST` and `GET /v3/ecommerce/profitsharing/returnorders`,
//! `POST /v3/ecommerce/profitsharing/receivers/add` and `.../receivers/delete`, and
//! `GET /v3/ecommerce/profitsharing/orders/{transaction_id}/amounts`.
//!
//! The rules are the pages': an order placed with `profit_sharing` and paid can be shared with
//! the receivers the platform added (or with the sub-merchant itself), up to what is left to
//! share (总额 less what was shared, less what was refunded); finishing it, or a sharing with
//! `finish`, leaves nothing more to share. A share returns (回退) only from a merchant
//! receiver it succeeded for, up to what it received less what came back, and only when that
//! merchant's balance allows. A number already used (`out_order_no`, `out_return_no`) answers
//! the same record when the request is the same (encrypted names compared decrypted),
//! `400 INVALID_REQUEST` otherwise.
//!
//! A sharing (and a finishing) starts `PROCESSING` and moves (kind `profitsharing`, by
//! `order_id` or `out_order_no`) to `FINISHED`, or to `CLOSED`, which gives the amounts back; a
//! return starts `PROCESSING` and moves (kind `profitsharing-return`, by `return_no` or
//! `out_return_no`) to `SUCCESS` or `FAILED`. Money moves in the ledger when a sharing finishes
//! and when a return succeeds. The platform sends sharing results to the URL configured in the
//! merchant platform, which the mock does not have: these moves send no callback.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ledger::{self, Entry, EntryKind, Order};
use super::refund::{
    body_amount, body_mchid, body_out_no, body_text, fresh_id, is_paid, missing, money_lock,
    not_enough,
};
use super::{Call, Endpoint, Outcome, Route, query_mchid};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::sealing::rfc3339;
use crate::store::{Seeding, Store};

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/profitsharing/orders",
            answer: create_order,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/profitsharing/orders",
            answer: query_order,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/profitsharing/orders/{transaction_id}/amounts",
            answer: unsplit_amount,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/profitsharing/finish-order",
            answer: finish_order,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/profitsharing/returnorders",
            answer: create_return,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/profitsharing/returnorders",
            answer: query_return,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/profitsharing/receivers/add",
            answer: add_receiver,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/profitsharing/receivers/delete",
            answer: delete_receiver,
        },
    ],
    seed,
    unknown_enum_values: &[
        ("status", "SUSPENDED"),
        ("result", "DELAYED"),
        ("type", "PERSONAL_SUB_OPENID"),
    ],
    tables: &[table::<Sharing>("profitsharing")],
    progress: &[
        Progress {
            kind: "profitsharing",
            advance: advance_order,
        },
        Progress {
            kind: "profitsharing-return",
            advance: advance_return,
        },
    ],
};

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

/// The most receivers one sharing names, and the most the platform keeps, as the pages say.
const MAX_RECEIVERS_PER_ORDER: usize = 50;
const MAX_RECEIVERS: usize = 20_000;

/// Every sharing, return and receiver.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Sharing {
    orders: Vec<SharingRecord>,
    returns: Vec<ReturnRecord>,
    receivers: Vec<ReceiverRecord>,
}

/// A sharing of an order, or its finishing (`finishing`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SharingRecord {
    sub_mchid: String,
    transaction_id: String,
    out_order_no: String,
    order_id: String,
    /// `PROCESSING`, `FINISHED` or `CLOSED`.
    status: String,
    shares: Vec<ShareRecord>,
    /// Whether it ended the order's sharing (`finish`, or a finishing).
    finish: bool,
    /// A finishing: what it unfroze, and why.
    finishing: Option<(u64, String)>,
    /// The request, encrypted names decrypted: the same again is a retry.
    request: Value,
}

/// One receiver's share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ShareRecord {
    kind: String,
    account: String,
    amount: u64,
    description: String,
    /// `PENDING`, `SUCCESS` or `CLOSED`.
    result: String,
    detail_id: String,
    finished_at: Option<u64>,
}

/// A return of shared money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ReturnRecord {
    sub_mchid: String,
    transaction_id: String,
    order_id: String,
    out_order_no: String,
    out_return_no: String,
    return_no: String,
    return_mchid: String,
    amount: u64,
    /// `PROCESSING`, `SUCCESS` or `FAILED`.
    result: String,
    fail_reason: Option<String>,
    finished_at: Option<u64>,
    request: Value,
}

/// A receiver the platform added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ReceiverRecord {
    /// The platform that added it.
    sp_mchid: String,
    kind: String,
    account: String,
    /// The name given (a merchant's in clear, a person's decrypted), checked against the names
    /// sharings give.
    name: Option<String>,
    relation_type: String,
}

impl SharingRecord {
    fn answered(&self) -> Value {
        let mut answer = json!({
            "sub_mchid": self.sub_mchid,
            "transaction_id": self.transaction_id,
            "out_order_no": self.out_order_no,
            "order_id": self.order_id,
            "status": self.status,
        });
        match &self.finishing {
            // The answer about a finishing has no receivers.
            Some((amount, description)) => {
                answer["finish_amount"] = json!(amount);
                answer["finish_description"] = json!(description);
            }
            None => {
                answer["receivers"] = self.shares.iter().map(ShareRecord::answered).collect();
            }
        }
        if self.status == "CLOSED" {
            answer["close_reason"] = json!("NO_AUTH");
        }
        answer
    }

    fn total(&self) -> u64 {
        self.shares
            .iter()
            .fold(0u64, |sum, share| sum.saturating_add(share.amount))
    }
}

impl ShareRecord {
    fn answered(&self) -> Value {
        let mut answer = json!({
            "type": self.kind,
            "receiver_account": self.account,
            "amount": self.amount,
            "description": self.description,
            "result": self.result,
            "detail_id": self.detail_id,
        });
        if let Some(at) = self.finished_at {
            answer["finish_time"] = json!(rfc3339(at));
        }
        if self.result == "CLOSED" {
            answer["fail_reason"] = json!("NO_AUTH");
        }
        answer
    }
}

impl ReturnRecord {
    fn answered(&self) -> Value {
        let mut answer = json!({
            "sub_mchid": self.sub_mchid,
            "order_id": self.order_id,
            "out_order_no": self.out_order_no,
            "out_return_no": self.out_return_no,
            "return_no": self.return_no,
            "return_mchid": self.return_mchid,
            "amount": self.amount,
            "result": self.result,
            "transaction_id": self.transaction_id,
        });
        if let Some(reason) = &self.fail_reason {
            answer["fail_reason"] = json!(reason);
        }
        if let Some(at) = self.finished_at {
            answer["finish_time"] = json!(rfc3339(at));
        }
        answer
    }
}

fn answer(value: &Value) -> Reply {
    Reply::ok(value.to_string().into_bytes())
}

/// What is left to share of `order`: nothing once its sharing is finished.
fn unsplit(order: &Order) -> u64 {
    if order.sharing_finished {
        return 0;
    }
    order
        .total
        .saturating_sub(order.refunded)
        .saturating_sub(order.shared)
}

/// The paid order `transaction_id` of `sub_mchid`, ready to share.
fn shareable_order(store: &Store, sub_mchid: &str, transaction_id: &str) -> Result<Order, Reply> {
    let order = ledger::read(store, |l| {
        l.order_by_transaction_id(transaction_id).cloned()
    })
    .filter(|o| o.sub_mchid == sub_mchid)
    .ok_or_else(|| Reply::not_found("订单不存在"))?;
    if !is_paid(&order) {
        return Err(Reply::invalid_request("订单未支付成功，不能分账"));
    }
    if !order.profit_sharing {
        return Err(Reply::invalid_request(
            "订单下单时未设置分账标识(profit_sharing)，不能分账",
        ));
    }
    if order.sharing_finished {
        return Err(Reply::invalid_request("订单已完结分账，剩余待分金额为0"));
    }
    Ok(order)
}

/// The sharing `out_order_no` of `sub_mchid` already known, answered when `request` is the
/// same, a conflict otherwise.
fn known_sharing(
    store: &Store,
    sub_mchid: &str,
    out_order_no: &str,
    request: &Value,
) -> Option<Outcome> {
    let known = store.read(|sharing: &Sharing| {
        sharing
            .orders
            .iter()
            .find(|o| o.sub_mchid == sub_mchid && o.out_order_no == out_order_no)
            .cloned()
    })?;
    Some(if known.request == *request {
        Ok(answer(&known.answered()))
    } else {
        Err(Reply::invalid_request(
            "商户分账单号已被使用，且与原请求的参数不一致：请使用新的商户分账单号",
        ))
    })
}

fn create_order(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    let appid = body_text(&body, "appid", 32)?;
    let transaction_id =
        body_text(&body, "transaction_id", 32)?.ok_or_else(|| missing("transaction_id"))?;
    let out_order_no = body_out_no(&body, "out_order_no")?;
    let finish = body
        .get("finish")
        .and_then(Value::as_bool)
        .ok_or_else(|| Reply::param_error("finish", "body", "应为布尔值"))?;
    let receivers = body
        .get("receivers")
        .and_then(Value::as_array)
        .filter(|r| (1..=MAX_RECEIVERS_PER_ORDER).contains(&r.len()))
        .ok_or_else(|| Reply::param_error("receivers", "body", "应为1到50个分账接收方"))?;
    let mut request = body.clone();
    let mut shares = Vec::with_capacity(receivers.len());
    let mut names = Vec::with_capacity(receivers.len());
    for (index, receiver) in receivers.iter().enumerate() {
        let receiver = receiver
            .as_object()
            .ok_or_else(|| Reply::param_error("receivers", "body", "应为对象"))?;
        let kind = receiver_kind(receiver, "type")?;
        let account = receiver_account(receiver, "receiver_account", &kind)?;
        if kind == "PERSONAL_OPENID" && appid.is_none() {
            return Err(Reply::param_error(
                "appid",
                "body",
                "分账接收方类型包含PERSONAL_OPENID时必填",
            ));
        }
        let amount = body_amount(receiver, "amount", "receivers.amount")?;
        let description = body_text(receiver, "description", 80)?
            .ok_or_else(|| missing("receivers.description"))?;
        let name = match body_text(receiver, "receiver_name", 10_240)? {
            Some(ciphertext) => Some(call.decrypt("receivers.receiver_name", &ciphertext)?),
            None => None,
        };
        if let (Some(name), Some(Value::Array(sent))) = (&name, request.get_mut("receivers")) {
            // Compared decrypted: a retry encrypts the name again, to other bytes.
            if let Some(Value::Object(sent)) = sent.get_mut(index) {
                sent.insert("receiver_name".to_owned(), json!(name));
            }
        }
        names.push(name);
        shares.push(ShareRecord {
            kind,
            account,
            amount,
            description,
            result: "PENDING".to_owned(),
            detail_id: String::new(),
            finished_at: None,
        });
    }
    let request = Value::Object(request);
    let store = call.store();
    let _money = money_lock();
    if let Some(known) = known_sharing(store, &sub_mchid, &out_order_no, &request) {
        return known;
    }
    let order = shareable_order(store, &sub_mchid, &transaction_id)?;
    let sp_mchid = call.mchid();
    let receivers: Vec<ReceiverRecord> = store.read(|s: &Sharing| s.receivers.clone());
    for (share, name) in shares.iter().zip(&names) {
        // The sub-merchant may share with itself (to unfreeze) without being added.
        if share.kind == "MERCHANT_ID" && share.account == sub_mchid {
            continue;
        }
        let added = receivers
            .iter()
            .find(|r| r.sp_mchid == sp_mchid && r.kind == share.kind && r.account == share.account)
            .ok_or_else(|| {
                Reply::invalid_request(&format!(
                    "分账接收方{}未添加：请先添加分账接收方",
                    if share.kind == "MERCHANT_ID" {
                        share.account.as_str()
                    } else {
                        "(个人)"
                    }
                ))
            })?;
        if let (Some(given), Some(known)) = (name, &added.name)
            && given != known
        {
            return Err(Reply::invalid_request("分账接收方姓名与账户实名信息不一致"));
        }
    }
    let total = shares
        .iter()
        .try_fold(0u64, |sum, share| sum.checked_add(share.amount))
        .ok_or_else(|| Reply::param_error("receivers.amount", "body", "分账金额之和过大"))?;
    let left = unsplit(&order);
    if total > left {
        return Err(not_enough(&format!(
            "分账金额超过订单剩余待分金额({left}分)"
        )));
    }
    let (order_ids, detail_ids) = store.read(|s: &Sharing| {
        (
            s.orders
                .iter()
                .map(|o| o.order_id.clone())
                .collect::<Vec<_>>(),
            s.orders
                .iter()
                .flat_map(|o| o.shares.iter().map(|share| share.detail_id.clone()))
                .collect::<Vec<_>>(),
        )
    });
    let order_id = fresh_id(store, "3008", 28, &order_ids);
    let mut detail_ids = detail_ids;
    for share in &mut shares {
        share.detail_id = fresh_id(store, "3601", 23, &detail_ids);
        detail_ids.push(share.detail_id.clone());
    }
    ledger::write(store, |l| {
        if let Some(order) = l.order_by_transaction_id_mut(&transaction_id) {
            order.shared = order.shared.saturating_add(total);
            order.sharing_finished |= finish;
        }
    });
    let record = SharingRecord {
        sub_mchid,
        transaction_id,
        out_order_no,
        order_id,
        status: "PROCESSING".to_owned(),
        shares,
        finish,
        finishing: None,
        request,
    };
    let answered = record.answered();
    store.write(|sharing: &mut Sharing| sharing.orders.push(record));
    Ok(answer(&answered))
}

fn receiver_kind(object: &Map<String, Value>, field: &str) -> Result<String, Reply> {
    match body_text(object, field, 32)?.as_deref() {
        Some(kind @ ("MERCHANT_ID" | "PERSONAL_OPENID")) => Ok(kind.to_owned()),
        _ => Err(Reply::param_error(
            field,
            "body",
            "应为MERCHANT_ID或PERSONAL_OPENID",
        )),
    }
}

fn receiver_account(object: &Map<String, Value>, field: &str, kind: &str) -> Result<String, Reply> {
    if kind == "MERCHANT_ID" {
        return body_mchid(object, field);
    }
    body_text(object, field, 64)?.ok_or_else(|| missing(field))
}

fn query_order(call: &Call<'_>) -> Outcome {
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let transaction_id = call.required_query("transaction_id")?;
    let out_order_no = call.required_query("out_order_no")?;
    let find = |store: &Store| {
        store.read(|sharing: &Sharing| {
            sharing
                .orders
                .iter()
                .find(|o| {
                    o.sub_mchid == sub_mchid
                        && o.transaction_id == transaction_id
                        && o.out_order_no == out_order_no
                })
                .cloned()
        })
    };
    let record = find(call.store()).ok_or_else(|| Reply::not_found("分账单不存在"))?;
    polled(call, "profitsharing", &record.order_id);
    let record = find(call.store()).ok_or_else(|| Reply::not_found("分账单不存在"))?;
    Ok(answer(&record.answered()))
}

fn unsplit_amount(call: &Call<'_>) -> Outcome {
    let transaction_id = call.path("transaction_id")?;
    let order = ledger::read(call.store(), |l| {
        l.order_by_transaction_id(&transaction_id).cloned()
    })
    .ok_or_else(|| Reply::not_found("订单不存在"))?;
    if !is_paid(&order) {
        return Err(Reply::invalid_request("订单未支付成功"));
    }
    Ok(answer(&json!({
        "transaction_id": order.transaction_id,
        "unsplit_amount": unsplit(&order),
    })))
}

fn finish_order(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    let transaction_id =
        body_text(&body, "transaction_id", 32)?.ok_or_else(|| missing("transaction_id"))?;
    let out_order_no = body_out_no(&body, "out_order_no")?;
    let description = body_text(&body, "description", 80)?.ok_or_else(|| missing("description"))?;
    let request = Value::Object(body);
    let store = call.store();
    let _money = money_lock();
    let finished = |record: &SharingRecord| {
        json!({
            "sub_mchid": record.sub_mchid,
            "transaction_id": record.transaction_id,
            "out_order_no": record.out_order_no,
            "order_id": record.order_id,
        })
    };
    if let Some(known) = known_sharing(store, &sub_mchid, &out_order_no, &request) {
        // A retry of a finishing is answered as a finishing.
        known?;
        let record = store.read(|sharing: &Sharing| {
            sharing
                .orders
                .iter()
                .find(|o| o.sub_mchid == sub_mchid && o.out_order_no == out_order_no)
                .map(finished)
        });
        return Ok(answer(&record.unwrap_or_default()));
    }
    let order = shareable_order(store, &sub_mchid, &transaction_id)?;
    let order_ids: Vec<String> =
        store.read(|s: &Sharing| s.orders.iter().map(|o| o.order_id.clone()).collect());
    let record = SharingRecord {
        sub_mchid,
        transaction_id,
        out_order_no,
        order_id: fresh_id(store, "3008", 28, &order_ids),
        status: "PROCESSING".to_owned(),
        shares: Vec::new(),
        finish: true,
        finishing: Some((unsplit(&order), description)),
        request,
    };
    ledger::write(store, |l| {
        if let Some(order) = l.order_by_transaction_id_mut(&record.transaction_id) {
            order.sharing_finished = true;
        }
    });
    let answered = finished(&record);
    store.write(|sharing: &mut Sharing| sharing.orders.push(record));
    Ok(answer(&answered))
}

fn create_return(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let sub_mchid = body_mchid(&body, "sub_mchid")?;
    let order_id = body_text(&body, "order_id", 64)?;
    let out_order_no = body_text(&body, "out_order_no", 64)?;
    if order_id.is_none() && out_order_no.is_none() {
        return Err(Reply::param_error(
            "order_id",
            "body",
            "order_id与out_order_no必须二选一",
        ));
    }
    let out_return_no = body_out_no(&body, "out_return_no")?;
    let return_mchid = body_mchid(&body, "return_mchid")?;
    let amount = body_amount(&body, "amount", "amount")?;
    body_text(&body, "description", 80)?.ok_or_else(|| missing("description"))?;
    let request = Value::Object(body);
    let store = call.store();
    let _money = money_lock();
    let (known, sharing) = store.read(|s: &Sharing| {
        (
            s.returns
                .iter()
                .find(|r| r.sub_mchid == sub_mchid && r.out_return_no == out_return_no)
                .cloned(),
            s.orders
                .iter()
                .find(|o| {
                    o.sub_mchid == sub_mchid
                        && o.finishing.is_none()
                        && order_id.as_ref().is_none_or(|id| *id == o.order_id)
                        && out_order_no.as_ref().is_none_or(|no| *no == o.out_order_no)
                })
                .cloned(),
        )
    });
    if let Some(known) = known {
        if known.request == request {
            return Ok(answer(&known.answered()));
        }
        return Err(Reply::invalid_request(
            "商户回退单号已被使用，且与原请求的参数不一致：请使用新的商户回退单号",
        ));
    }
    let sharing = sharing.ok_or_else(|| Reply::not_found("分账单不存在"))?;
    let received = sharing
        .shares
        .iter()
        .filter(|s| s.kind == "MERCHANT_ID" && s.account == return_mchid && s.result == "SUCCESS")
        .fold(0u64, |sum, s| sum.saturating_add(s.amount));
    if received == 0 {
        return Err(Reply::invalid_request(
            "回退商户不是该分账单中已分账成功的商户接收方",
        ));
    }
    let (returned, pending_from_mchid, return_nos) = store.read(|s: &Sharing| {
        let live = |r: &&ReturnRecord| r.result != "FAILED";
        (
            s.returns
                .iter()
                .filter(live)
                .filter(|r| r.order_id == sharing.order_id && r.return_mchid == return_mchid)
                .fold(0u64, |sum, r| sum.saturating_add(r.amount)),
            s.returns
                .iter()
                .filter(|r| r.result == "PROCESSING" && r.return_mchid == return_mchid)
                .fold(0u64, |sum, r| sum.saturating_add(r.amount)),
            s.returns
                .iter()
                .map(|r| r.return_no.clone())
                .collect::<Vec<_>>(),
        )
    });
    let returnable = received.saturating_sub(returned);
    if amount > returnable {
        return Err(Reply::invalid_request(&format!(
            "回退金额超过该接收方可回退金额({returnable}分)"
        )));
    }
    let balance = ledger::read(store, |l| l.balance(&return_mchid, "BASIC"));
    if i128::from(balance) - i128::from(pending_from_mchid) < i128::from(amount) {
        return Err(not_enough("回退方账户余额不足"));
    }
    let record = ReturnRecord {
        sub_mchid,
        transaction_id: sharing.transaction_id,
        order_id: sharing.order_id,
        out_order_no: sharing.out_order_no,
        out_return_no,
        return_no: fresh_id(store, "3009", 28, &return_nos),
        return_mchid,
        amount,
        result: "PROCESSING".to_owned(),
        fail_reason: None,
        finished_at: None,
        request,
    };
    let answered = record.answered();
    store.write(|s: &mut Sharing| s.returns.push(record));
    Ok(answer(&answered))
}

fn query_return(call: &Call<'_>) -> Outcome {
    let sub_mchid = query_mchid(call, "sub_mchid")?;
    let out_return_no = call.required_query("out_return_no")?;
    let order_id = call.query("order_id");
    let out_order_no = call.query("out_order_no");
    if order_id.is_none() && out_order_no.is_none() {
        return Err(Reply::param_error(
            "order_id",
            "query",
            "order_id与out_order_no必须二选一",
        ));
    }
    let find = |store: &Store| {
        store.read(|s: &Sharing| {
            s.returns
                .iter()
                .find(|r| {
                    r.sub_mchid == sub_mchid
                        && r.out_return_no == out_return_no
                        && order_id.as_ref().is_none_or(|id| *id == r.order_id)
                        && out_order_no.as_ref().is_none_or(|no| *no == r.out_order_no)
                })
                .cloned()
        })
    };
    let record = find(call.store()).ok_or_else(|| Reply::not_found("回退单不存在"))?;
    polled(call, "profitsharing-return", &record.return_no);
    let record = find(call.store()).ok_or_else(|| Reply::not_found("回退单不存在"))?;
    Ok(answer(&record.answered()))
}

fn add_receiver(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let appid = body_text(&body, "appid", 32)?;
    let kind = receiver_kind(&body, "type")?;
    let account = receiver_account(&body, "account", &kind)?;
    let relation_type =
        body_text(&body, "relation_type", 32)?.ok_or_else(|| missing("relation_type"))?;
    if !matches!(
        relation_type.as_str(),
        "SUPPLIER" | "DISTRIBUTOR" | "SERVICE_PROVIDER" | "PLATFORM" | "OTHERS"
    ) {
        return Err(Reply::param_error(
            "relation_type",
            "body",
            "应为SUPPLIER、DISTRIBUTOR、SERVICE_PROVIDER、PLATFORM或OTHERS",
        ));
    }
    let name = match kind.as_str() {
        "MERCHANT_ID" => Some(body_text(&body, "name", 256)?.ok_or_else(|| missing("name"))?),
        _ => {
            if appid.is_none() {
                return Err(Reply::param_error(
                    "appid",
                    "body",
                    "分账接收方类型是PERSONAL_OPENID时必填",
                ));
            }
            match body_text(&body, "encrypted_name", 10_240)? {
                Some(ciphertext) => Some(call.decrypt("encrypted_name", &ciphertext)?),
                None => None,
            }
        }
    };
    let sp_mchid = call.mchid();
    let added = call.store().write(|s: &mut Sharing| {
        if let Some(known) = s
            .receivers
            .iter_mut()
            .find(|r| r.sp_mchid == sp_mchid && r.kind == kind && r.account == account)
        {
            // Added again: the new name and relation replace the old.
            known.name = name;
            known.relation_type = relation_type;
            return true;
        }
        if s.receivers.len() >= MAX_RECEIVERS {
            return false;
        }
        s.receivers.push(ReceiverRecord {
            sp_mchid: sp_mchid.clone(),
            kind: kind.clone(),
            account: account.clone(),
            name,
            relation_type,
        });
        true
    });
    if !added {
        return Err(Reply::invalid_request(
            "分账接收方数量已达上限(20000)：请删除不再使用的接收方后再添加",
        ));
    }
    Ok(answer(&json!({"type": kind, "account": account})))
}

fn delete_receiver(call: &Call<'_>) -> Outcome {
    let body = call.json_body()?;
    let appid = body_text(&body, "appid", 32)?;
    let kind = receiver_kind(&body, "type")?;
    let account = receiver_account(&body, "account", &kind)?;
    if kind == "PERSONAL_OPENID" && appid.is_none() {
        return Err(Reply::param_error(
            "appid",
            "body",
            "分账接收方类型是PERSONAL_OPENID时必填",
        ));
    }
    let sp_mchid = call.mchid();
    let deleted = call.store().write(|s: &mut Sharing| {
        let before = s.receivers.len();
        s.receivers
            .retain(|r| !(r.sp_mchid == sp_mchid && r.kind == kind && r.account == account));
        s.receivers.len() < before
    });
    if !deleted {
        return Err(Reply::not_found("分账接收方不存在"));
    }
    Ok(answer(&json!({"type": kind, "account": account})))
}

/// Moves the sharing whose `order_id` or `out_order_no` is the step's id: `PROCESSING` to
/// `FINISHED` (the usual step: each share succeeds and the money moves) or to `CLOSED` (the
/// amounts are left to share again, and the order's sharing is open again if this one had
/// ended it). `FINISHED` and `CLOSED` are final.
fn advance_order(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let _money = money_lock();
    let id = step.id();
    let store = step.store();
    let record = store
        .read(|s: &Sharing| {
            s.orders
                .iter()
                .find(|o| o.order_id == id || o.out_order_no == id)
                .cloned()
        })
        .ok_or_else(|| step.unknown())?;
    let target = match (record.status.as_str(), step.to()) {
        ("PROCESSING", None | Some("FINISHED")) => "FINISHED",
        ("PROCESSING", Some("CLOSED")) => "CLOSED",
        (from, to) => {
            return Err(step.refused(format!("from {from} to {}", to.unwrap_or("a next state"))));
        }
    };
    let now = step.now();
    ledger::write(store, |l| {
        if target == "FINISHED" {
            for share in &record.shares {
                if share.kind == "MERCHANT_ID" && share.account == record.sub_mchid {
                    continue;
                }
                let amount = i64::try_from(share.amount).unwrap_or(i64::MAX);
                let mut movements = vec![(record.sub_mchid.clone(), -amount)];
                // A person's share leaves the platform's accounts.
                if share.kind == "MERCHANT_ID" {
                    movements.push((share.account.clone(), amount));
                }
                for (mchid, signed) in movements {
                    l.record(Entry {
                        at: now,
                        mchid,
                        account: "BASIC".to_owned(),
                        kind: EntryKind::ProfitSharing,
                        amount: signed,
                        id: record.order_id.clone(),
                        out_no: record.out_order_no.clone(),
                        transaction_id: Some(record.transaction_id.clone()),
                    });
                }
            }
        } else if let Some(order) = l.order_by_transaction_id_mut(&record.transaction_id) {
            order.shared = order.shared.saturating_sub(record.total());
            if record.finish {
                order.sharing_finished = false;
            }
        }
    });
    if target == "FINISHED" {
        for share in &record.shares {
            notify_receiver(
                step,
                "PROFITSHARING.SUCCESS",
                "分账成功",
                (&record.order_id, &record.out_order_no),
                (&record.sub_mchid, &record.transaction_id),
                json!({
                    "type": share.kind,
                    "account": share.account,
                    "amount": share.amount,
                    "description": share.description,
                }),
            );
        }
    }
    store.write(|s: &mut Sharing| {
        if let Some(known) = s.orders.iter_mut().find(|o| o.order_id == record.order_id) {
            known.status = target.to_owned();
            for share in &mut known.shares {
                if target == "FINISHED" {
                    share.result = "SUCCESS".to_owned();
                    share.finished_at = Some(now);
                } else {
                    share.result = "CLOSED".to_owned();
                }
            }
        }
    });
    Ok(target.to_owned())
}

/// Moves the return whose `return_no` or `out_return_no` is the step's id: `PROCESSING` to
/// `SUCCESS` (the usual step: the money comes back, and may be shared or refunded again) or to
/// `FAILED` (`ACCOUNT_ABNORMAL`). `SUCCESS` and `FAILED` are final.
fn advance_return(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let _money = money_lock();
    let id = step.id();
    let store = step.store();
    let record = store
        .read(|s: &Sharing| {
            s.returns
                .iter()
                .find(|r| r.return_no == id || r.out_return_no == id)
                .cloned()
        })
        .ok_or_else(|| step.unknown())?;
    let target = match (record.result.as_str(), step.to()) {
        ("PROCESSING", None | Some("SUCCESS")) => "SUCCESS",
        ("PROCESSING", Some("FAILED")) => "FAILED",
        (from, to) => {
            return Err(step.refused(format!("from {from} to {}", to.unwrap_or("a next state"))));
        }
    };
    let now = step.now();
    if target == "SUCCESS" {
        let amount = i64::try_from(record.amount).unwrap_or(i64::MAX);
        ledger::write(store, |l| {
            for (mchid, signed) in [(&record.return_mchid, -amount), (&record.sub_mchid, amount)] {
                l.record(Entry {
                    at: now,
                    mchid: mchid.clone(),
                    account: "BASIC".to_owned(),
                    kind: EntryKind::ProfitSharingReturn,
                    amount: signed,
                    id: record.return_no.clone(),
                    out_no: record.out_return_no.clone(),
                    transaction_id: Some(record.transaction_id.clone()),
                });
            }
            if let Some(order) = l.order_by_transaction_id_mut(&record.transaction_id) {
                order.shared = order.shared.saturating_sub(record.amount);
            }
        });
    }
    if target == "SUCCESS" {
        notify_receiver(
            step,
            "PROFITSHARING.RETURN",
            "分账回退成功",
            (&record.return_no, &record.out_return_no),
            (&record.sub_mchid, &record.transaction_id),
            json!({
                "type": "MERCHANT_ID",
                "account": record.return_mchid,
                "amount": record.amount,
                "description": "分账回退",
            }),
        );
    }
    store.write(|s: &mut Sharing| {
        if let Some(known) = s
            .returns
            .iter_mut()
            .find(|r| r.return_no == record.return_no)
        {
            known.result = target.to_owned();
            known.finished_at = Some(now);
            if target == "FAILED" {
                known.fail_reason = Some("ACCOUNT_ABNORMAL".to_owned());
            }
        }
    });
    Ok(target.to_owned())
}

/// Queues a profit-sharing callback (`event_type`, resource type `profitsharing`) about
/// `receiver` to the notify URL set in the merchant platform, when one is: profit sharing's
/// requests name no URL. `ids` are the platform's and the merchant's numbers of the sharing
/// (or return), `order` the sub-merchant and the shared order.
fn notify_receiver(
    step: &mut Step<'_>,
    event_type: &str,
    summary: &str,
    (order_id, out_order_no): (&str, &str),
    (sub_mchid, transaction_id): (&str, &str),
    receiver: Value,
) {
    let Some(url) = step.merchant_notify_url() else {
        return;
    };
    let sp_mchid = step.store().read(|s: &Sharing| {
        s.receivers
            .first()
            .map(|r| r.sp_mchid.clone())
            .unwrap_or_default()
    });
    let resource = json!({
        "mchid": sp_mchid,
        "sp_mchid": sp_mchid,
        "sub_mchid": sub_mchid,
        "transaction_id": transaction_id,
        "order_id": order_id,
        "out_order_no": out_order_no,
        "receiver": receiver,
        "success_time": crate::sealing::rfc3339(step.now()),
    });
    if let Ok(event) =
        crate::callbacks::CallbackEvent::custom(event_type, "profitsharing", summary, resource)
    {
        step.notify(&url, event);
    }
}
