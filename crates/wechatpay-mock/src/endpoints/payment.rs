//! The orders of the e-commerce platform: a sub-merchant's order (普通支付,
//! `POST /v3/pay/partner/transactions/{jsapi,app,h5,native}`, queried by `transaction_id` or
//! `out_trade_no`, closed) and combined orders (合单支付,
//! `POST /v3/combine-transactions/{jsapi,app,h5,native}`, queried and closed by
//! `combine_out_trade_no`).
//!
//! Orders live in the sandbox's shared [`super::ledger`], where refunds and profit
//! sharing find them. A new order is `NOTPAY`; the same request again (same body, same trade
//! type) answers what it answered the first time, another request under a number already used
//! is `403 OUT_TRADE_NO_USED`, and a number whose order is closed or paid answers
//! `400 ORDER_CLOSED` or `400 ORDERPAID`. The kind of record `order` moves: one step pays it
//! (`NOTPAY → SUCCESS`, as if the payer paid: the payment is entered in the ledger and the
//! `TRANSACTION.SUCCESS` callback, the order as the query answers it, goes to its
//! `notify_url`), or it moves to `CLOSED`. A combined order moves as a whole, by its
//! `combine_out_trade_no`, with one callback for all its sub-orders. Unknown orders answer
//! `404 ORDER_NOT_EXIST`; an unpaid order is not found by `transaction_id`, as the pages say.
//!
//! The mock does not hold an order to its `time_expire`.

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ledger::{self, Entry, EntryKind, Ledger, Order};
use super::{Call, Endpoint, Outcome, Route};
use crate::callbacks::CallbackEvent;
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::sealing::rfc3339;
use crate::store::Seeding;

/// The most orders (sub-orders of combined orders included) the platform keeps; an order past
/// it is refused.
pub const MAX_ORDERS: usize = 10_000;

/// The most sub-orders of one combined order.
pub const MAX_SUB_ORDERS: usize = 50;

/// The openid a paid order names as its payer when the request named none (app, H5, Native
/// orders): someone paid, and the platform says who.
pub const MOCK_PAYER_OPENID: &str = "oMOCKpayer000000000000000000";

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/pay/partner/transactions/jsapi",
            answer: |call| place_partner(call, TradeType::Jsapi),
        },
        Route {
            method: Method::POST,
            path: "/v3/pay/partner/transactions/app",
            answer: |call| place_partner(call, TradeType::App),
        },
        Route {
            method: Method::POST,
            path: "/v3/pay/partner/transactions/h5",
            answer: |call| place_partner(call, TradeType::H5),
        },
        Route {
            method: Method::POST,
            path: "/v3/pay/partner/transactions/native",
            answer: |call| place_partner(call, TradeType::Native),
        },
        Route {
            method: Method::GET,
            path: "/v3/pay/partner/transactions/id/{transaction_id}",
            answer: partner_by_transaction_id,
        },
        Route {
            method: Method::GET,
            path: "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
            answer: partner_by_out_trade_no,
        },
        Route {
            method: Method::POST,
            path: "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
            answer: close_partner,
        },
        Route {
            method: Method::POST,
            path: "/v3/combine-transactions/jsapi",
            answer: |call| place_combined(call, TradeType::Jsapi),
        },
        Route {
            method: Method::POST,
            path: "/v3/combine-transactions/app",
            answer: |call| place_combined(call, TradeType::App),
        },
        Route {
            method: Method::POST,
            path: "/v3/combine-transactions/h5",
            answer: |call| place_combined(call, TradeType::H5),
        },
        Route {
            method: Method::POST,
            path: "/v3/combine-transactions/native",
            answer: |call| place_combined(call, TradeType::Native),
        },
        Route {
            method: Method::GET,
            path: "/v3/combine-transactions/out-trade-no/{combine_out_trade_no}",
            answer: combined_by_out_trade_no,
        },
        Route {
            method: Method::POST,
            path: "/v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close",
            answer: close_combined,
        },
    ],
    seed,
    unknown_enum_values: &[("trade_state", "DEFERRED"), ("trade_type", "PAP")],
    tables: &[table::<Combined>("combined_orders")],
    progress: &[Progress {
        kind: "order",
        advance,
    }],
};

fn seed(_: &mut Seeding<'_>) -> Result<(), SetupError> {
    Ok(())
}

/// The combined orders: what the platform keeps of each besides its sub-orders (which are in
/// the ledger).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Combined(Vec<CombinedRecord>);

/// One combined order.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CombinedRecord {
    combine_mchid: String,
    combine_out_trade_no: String,
    /// `JSAPI`, `APP`, `MWEB` or `NATIVE`.
    trade_type: String,
    /// The whole request that placed it.
    request: Value,
}

/// The trade types, by the last segment of the path that places them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TradeType {
    Jsapi,
    App,
    H5,
    Native,
}

impl TradeType {
    /// `trade_type` as the answers write it.
    fn as_str(self) -> &'static str {
        match self {
            TradeType::Jsapi => "JSAPI",
            TradeType::App => "APP",
            TradeType::H5 => "MWEB",
            TradeType::Native => "NATIVE",
        }
    }

    /// The answer to placing an order of this type whose prepay session is `prepay_id`.
    fn answer(self, prepay_id: &str) -> Value {
        match self {
            TradeType::Jsapi | TradeType::App => json!({ "prepay_id": prepay_id }),
            TradeType::H5 => json!({
                "h5_url": format!(
                    "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay_id}&package=2150917749"
                )
            }),
            TradeType::Native => json!({
                "code_url": format!("weixin://wxpay/bizpayurl?pr={}", short_code(prepay_id))
            }),
        }
    }
}

/// The `pr` of a Native link: short, and the same for the same prepay session.
fn short_code(prepay_id: &str) -> String {
    let hash = prepay_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..9)
        .scan(hash, |rest, _| {
            let c = ALPHABET[(*rest % 62) as usize];
            *rest /= 62;
            Some(char::from(c))
        })
        .collect()
}

/// The prepay session of an order, derived from its `transaction_id` so that a retry gets the
/// same one.
fn prepay_id(transaction_id: &str) -> String {
    format!("wx{transaction_id}")
}

// ----- Checking requests ------------------------------------------------------------------

/// A string field of `object` at `name`, 1 to `max` characters.
fn text<'v>(
    object: &'v Map<String, Value>,
    name: &str,
    field: &str,
    max: usize,
) -> Result<&'v str, Reply> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| (1..=max).contains(&v.chars().count()))
        .ok_or_else(|| Reply::param_error(field, "body", &format!("应为1到{max}个字符的字符串")))
}

/// An optional string field: absent, or 1 to `max` characters.
fn optional_text(
    object: &Map<String, Value>,
    name: &str,
    field: &str,
    max: usize,
) -> Result<(), Reply> {
    if object.contains_key(name) {
        text(object, name, field, max)?;
    }
    Ok(())
}

/// A merchant id field: 1 to 32 digits.
fn mchid<'v>(object: &'v Map<String, Value>, name: &str, field: &str) -> Result<&'v str, Reply> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| is_mchid(v))
        .ok_or_else(|| Reply::param_error(field, "body", "应为1到32位数字"))
}

fn is_mchid(text: &str) -> bool {
    (1..=32).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// An order number: 1 to 32 ASCII letters, digits or `_-|*@` (at least `min`).
fn order_number<'v>(
    object: &'v Map<String, Value>,
    name: &str,
    field: &str,
    min: usize,
) -> Result<&'v str, Reply> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| is_order_number(v, min))
        .ok_or_else(|| {
            Reply::param_error(
                field,
                "body",
                &format!("应为{min}到32位数字、大小写字母或_-|*@"),
            )
        })
}

fn is_order_number(text: &str, min: usize) -> bool {
    (min..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-|*@".contains(&b))
}

/// An object field.
fn object<'v>(
    parent: &'v Map<String, Value>,
    name: &str,
    field: &str,
) -> Result<&'v Map<String, Value>, Reply> {
    parent
        .get(name)
        .and_then(Value::as_object)
        .ok_or_else(|| Reply::param_error(field, "body", "不能为空,应为对象"))
}

/// An amount in fen at `name` of `amount` (`total` or `total_amount`), with its currency.
fn amount(amount: &Map<String, Value>, name: &str, field: &str) -> Result<u64, Reply> {
    let total = amount
        .get(name)
        .and_then(Value::as_u64)
        .filter(|fen| (1..=i64::MAX as u64).contains(fen))
        .ok_or_else(|| Reply::param_error(field, "body", "应为大于0的整数(分)"))?;
    match amount.get("currency") {
        None => Ok(total),
        Some(currency) if currency.as_str() == Some("CNY") => Ok(total),
        Some(_) => Err(Reply::param_error(
            "amount.currency",
            "body",
            "境内商户号仅支持人民币CNY",
        )),
    }
}

/// The callback address: `http(s)://`, no query.
fn notify_url(object: &Map<String, Value>) -> Result<&str, Reply> {
    let url = text(object, "notify_url", "notify_url", 255)?;
    let scheme = url.starts_with("https://") || url.starts_with("http://");
    if !scheme || url.contains(['?', '#']) || url.contains(char::is_whitespace) {
        return Err(Reply::param_error(
            "notify_url",
            "body",
            "应为可直接访问的URL,不能携带参数",
        ));
    }
    Ok(url)
}

/// The scene: checked when given, required (with `h5_info`) for H5.
fn scene(
    body: &Map<String, Value>,
    trade_type: TradeType,
    max_device_id: usize,
) -> Result<(), Reply> {
    let Some(scene) = body.get("scene_info") else {
        if trade_type == TradeType::H5 {
            return Err(Reply::param_error(
                "scene_info",
                "body",
                "H5支付必须传入场景信息",
            ));
        }
        return Ok(());
    };
    let scene = scene
        .as_object()
        .ok_or_else(|| Reply::param_error("scene_info", "body", "应为对象"))?;
    let ip = text(scene, "payer_client_ip", "scene_info.payer_client_ip", 45)?;
    if ip.parse::<std::net::IpAddr>().is_err() {
        return Err(Reply::param_error(
            "scene_info.payer_client_ip",
            "body",
            "应为IPv4或IPv6地址",
        ));
    }
    optional_text(scene, "device_id", "scene_info.device_id", max_device_id)?;
    if trade_type == TradeType::H5 {
        let h5 = object(scene, "h5_info", "scene_info.h5_info")?;
        text(h5, "type", "scene_info.h5_info.type", 32)?;
    }
    Ok(())
}

/// An openid: 1 to 128 ASCII letters, digits, `_` or `-`.
fn is_openid(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks that the request's merchant is the one that places the order.
fn own_merchant(call: &Call<'_>, mchid: &str, field: &str) -> Result<(), Reply> {
    if call.mchid() == mchid {
        Ok(())
    } else {
        Err(Reply::param_error(
            field,
            "body",
            "应与发起请求的商户号一致",
        ))
    }
}

fn too_many() -> Reply {
    Reply::error(
        StatusCode::TOO_MANY_REQUESTS,
        "FREQUENCY_LIMITED",
        "订单数量已达上限 (the mock keeps at most 10000 orders)",
    )
}

fn number_used() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "OUT_TRADE_NO_USED",
        "商户订单号重复,请核实商户订单号是否重复提交",
    )
}

fn order_closed() -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "ORDER_CLOSED",
        "订单已关闭,请重新下单",
    )
}

fn order_paid() -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付")
}

fn not_exist() -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在")
}

/// What placing an order again under its number answers, by the state it is in.
fn again(state: &str, answer: Value) -> Outcome {
    match state {
        "NOTPAY" => Ok(Reply::ok(answer.to_string().into_bytes())),
        "CLOSED" => Err(order_closed()),
        _ => Err(order_paid()),
    }
}

// ----- Partner orders ---------------------------------------------------------------------

fn place_partner(call: &Call<'_>, trade_type: TradeType) -> Outcome {
    let body = call.json_body()?;
    text(&body, "sp_appid", "sp_appid", 32)?;
    let sp_mchid = mchid(&body, "sp_mchid", "sp_mchid")?;
    own_merchant(call, sp_mchid, "sp_mchid")?;
    optional_text(&body, "sub_appid", "sub_appid", 32)?;
    let sub_mchid = mchid(&body, "sub_mchid", "sub_mchid")?.to_owned();
    let description = text(&body, "description", "description", 127)?.to_owned();
    let out_trade_no = order_number(&body, "out_trade_no", "out_trade_no", 6)?.to_owned();
    optional_text(&body, "attach", "attach", 128)?;
    optional_text(&body, "goods_tag", "goods_tag", 32)?;
    let notify_url = notify_url(&body)?.to_owned();
    let total = amount(object(&body, "amount", "amount")?, "total", "amount.total")?;
    let profit_sharing = settle_info(&body, "settle_info")?;
    if trade_type == TradeType::Jsapi {
        let payer = object(&body, "payer", "payer")?;
        let sp_openid = payer.get("sp_openid").and_then(Value::as_str);
        let sub_openid = payer.get("sub_openid").and_then(Value::as_str);
        if sp_openid.is_none() && sub_openid.is_none() {
            return Err(Reply::param_error(
                "payer",
                "body",
                "sp_openid与sub_openid不能同时为空",
            ));
        }
        if [sp_openid, sub_openid]
            .into_iter()
            .flatten()
            .any(|o| !is_openid(o))
        {
            return Err(Reply::param_error("payer", "body", "openid格式不正确"));
        }
        if sub_openid.is_some() && !body.contains_key("sub_appid") {
            return Err(Reply::param_error(
                "sub_appid",
                "body",
                "传入sub_openid时sub_appid不能为空",
            ));
        }
    }
    scene(&body, trade_type, 32)?;

    let request = Value::Object(body);
    let now = call.now();
    ledger::write(call.store(), |ledger: &mut Ledger| {
        if let Some(known) = ledger.order(&sub_mchid, &out_trade_no) {
            if known.combine_out_trade_no.is_some()
                || known.request != request
                || known.trade_type != trade_type.as_str()
            {
                return Err(number_used());
            }
            return again(
                &known.state,
                trade_type.answer(&prepay_id(&known.transaction_id)),
            );
        }
        if ledger.orders.len() >= MAX_ORDERS {
            return Err(too_many());
        }
        let transaction_id = ledger.next_id("4200", 28);
        let answer = trade_type.answer(&prepay_id(&transaction_id));
        ledger.orders.push(Order {
            sub_mchid,
            out_trade_no,
            transaction_id,
            combine_out_trade_no: None,
            trade_type: trade_type.as_str().to_owned(),
            state: "NOTPAY".to_owned(),
            total,
            description,
            notify_url,
            created_at: now,
            paid_at: None,
            refunded: 0,
            shared: 0,
            profit_sharing,
            sharing_finished: false,
            request,
        });
        Ok(Reply::ok(answer.to_string().into_bytes()))
    })
}

/// `settle_info`, checked: whether the order is held for profit sharing.
fn settle_info(body: &Map<String, Value>, field: &str) -> Result<bool, Reply> {
    let Some(settle) = body.get("settle_info") else {
        return Ok(false);
    };
    let settle = settle
        .as_object()
        .ok_or_else(|| Reply::param_error(field, "body", "应为对象"))?;
    let profit_sharing = match settle.get("profit_sharing") {
        None => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            return Err(Reply::param_error(
                &format!("{field}.profit_sharing"),
                "body",
                "应为布尔值",
            ));
        }
    };
    if let Some(subsidy) = settle.get("subsidy_amount")
        && !subsidy
            .as_u64()
            .is_some_and(|fen| (1..=500_000).contains(&fen))
    {
        return Err(Reply::param_error(
            &format!("{field}.subsidy_amount"),
            "body",
            "补差金额应为1到500000分",
        ));
    }
    Ok(profit_sharing)
}

/// The merchants a partner query or close names (`sp_mchid`, `sub_mchid`), checked.
fn partner_merchants(
    sp_mchid: Option<String>,
    sub_mchid: Option<String>,
    location: &str,
) -> Result<(String, String), Reply> {
    let sp_mchid = sp_mchid
        .filter(|m| is_mchid(m))
        .ok_or_else(|| Reply::param_error("sp_mchid", location, "应为1到32位数字"))?;
    let sub_mchid = sub_mchid
        .filter(|m| is_mchid(m))
        .ok_or_else(|| Reply::param_error("sub_mchid", location, "应为1到32位数字"))?;
    Ok((sp_mchid, sub_mchid))
}

/// The merchants a partner query names in its query string.
fn queried_merchants(call: &Call<'_>) -> Result<(String, String), Reply> {
    partner_merchants(
        Some(call.required_query("sp_mchid")?),
        Some(call.required_query("sub_mchid")?),
        "query",
    )
}

/// Whether `order` is a partner order of the platform `sp_mchid`.
fn partner_order_of(order: &Order, sp_mchid: &str) -> bool {
    order.combine_out_trade_no.is_none()
        && order.request.get("sp_mchid").and_then(Value::as_str) == Some(sp_mchid)
}

fn partner_by_transaction_id(call: &Call<'_>) -> Outcome {
    let transaction_id = call.path("transaction_id")?;
    if !(1..=32).contains(&transaction_id.len())
        || !transaction_id.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(Reply::param_error(
            "transaction_id",
            "path",
            "应为1到32位数字或字母",
        ));
    }
    let (sp_mchid, sub_mchid) = queried_merchants(call)?;
    polled(call, "order", &transaction_id);
    ledger::read(call.store(), |ledger| {
        ledger
            .order_by_transaction_id(&transaction_id)
            // Before payment the platform knows the order only by the merchant's number.
            .filter(|o| {
                o.sub_mchid == sub_mchid && partner_order_of(o, &sp_mchid) && o.paid_at.is_some()
            })
            .map(|o| Reply::ok(partner_answer(o, call.now()).to_string().into_bytes()))
            .ok_or_else(not_exist)
    })
}

fn partner_by_out_trade_no(call: &Call<'_>) -> Outcome {
    let out_trade_no = number_in_path(call, "out_trade_no")?;
    let (sp_mchid, sub_mchid) = queried_merchants(call)?;
    polled(call, "order", &out_trade_no);
    ledger::read(call.store(), |ledger| {
        ledger
            .order(&sub_mchid, &out_trade_no)
            .filter(|o| partner_order_of(o, &sp_mchid))
            .map(|o| Reply::ok(partner_answer(o, call.now()).to_string().into_bytes()))
            .ok_or_else(not_exist)
    })
}

fn close_partner(call: &Call<'_>) -> Outcome {
    let out_trade_no = number_in_path(call, "out_trade_no")?;
    let body = call.json_body()?;
    let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let (sp_mchid, sub_mchid) = partner_merchants(field("sp_mchid"), field("sub_mchid"), "body")?;
    ledger::write(call.store(), |ledger: &mut Ledger| {
        let order = ledger
            .order_mut(&sub_mchid, &out_trade_no)
            .filter(|o| partner_order_of(o, &sp_mchid))
            .ok_or_else(not_exist)?;
        close(order)
    })
}

/// Closes an unpaid order; closing a closed one again changes nothing.
fn close(order: &mut Order) -> Outcome {
    match order.state.as_str() {
        "NOTPAY" | "CLOSED" => {
            order.state = "CLOSED".to_owned();
            Ok(Reply::new(StatusCode::NO_CONTENT, Vec::new()))
        }
        _ => Err(order_paid()),
    }
}

/// A partner order as the query answers it (and the callback carries it once paid).
fn partner_answer(order: &Order, now: u64) -> Value {
    let request = &order.request;
    let field = |name: &str| request.get(name).cloned();
    let mut answer = Map::new();
    for name in [
        "sp_appid",
        "sp_mchid",
        "sub_appid",
        "sub_mchid",
        "out_trade_no",
    ] {
        if let Some(value) = field(name) {
            answer.insert(name.to_owned(), value);
        }
    }
    let (desc, paid) = state_description(&order.state);
    answer.insert("trade_state".into(), json!(order.state));
    answer.insert("trade_state_desc".into(), json!(desc));
    if let Some(attach) = field("attach") {
        answer.insert("attach".into(), attach);
    }
    let mut amount = json!({ "total": order.total, "currency": "CNY" });
    if paid {
        answer.insert("transaction_id".into(), json!(order.transaction_id));
        answer.insert("trade_type".into(), json!(order.trade_type));
        answer.insert("bank_type".into(), json!("OTHERS"));
        answer.insert(
            "success_time".into(),
            json!(rfc3339(order.paid_at.unwrap_or(now))),
        );
        let payer = request
            .get("payer")
            .cloned()
            .unwrap_or_else(|| json!({ "sp_openid": MOCK_PAYER_OPENID }));
        answer.insert("payer".into(), payer);
        amount["payer_total"] = json!(order.total);
        amount["payer_currency"] = json!("CNY");
    }
    answer.insert("amount".into(), amount);
    if let Some(device_id) = request.pointer("/scene_info/device_id") {
        answer.insert("scene_info".into(), json!({ "device_id": device_id }));
    }
    answer.insert("promotion_detail".into(), json!([]));
    Value::Object(answer)
}

/// `trade_state_desc`, and whether the state means the order was paid.
fn state_description(state: &str) -> (&'static str, bool) {
    match state {
        "SUCCESS" => ("支付成功", true),
        "REFUND" => ("转入退款", true),
        "CLOSED" => ("已关闭", false),
        _ => ("订单未支付", false),
    }
}

// ----- Combined orders --------------------------------------------------------------------

/// A sub-order of a combined order's request, checked: its sub-merchant, number and amount.
struct SubOrder {
    sub_mchid: String,
    out_trade_no: String,
    total: u64,
    description: String,
    profit_sharing: bool,
    request: Value,
}

fn sub_order(call: &Call<'_>, index: usize, value: &Value) -> Result<SubOrder, Reply> {
    let at = |name: &str| format!("sub_orders[{index}].{name}");
    let sub = value
        .as_object()
        .ok_or_else(|| Reply::param_error(&format!("sub_orders[{index}]"), "body", "应为对象"))?;
    let placer = mchid(sub, "mchid", &at("mchid"))?;
    own_merchant(call, placer, &at("mchid"))?;
    let sub_mchid = mchid(sub, "sub_mchid", &at("sub_mchid"))?.to_owned();
    text(sub, "attach", &at("attach"), 128)?;
    let description = text(sub, "description", &at("description"), 127)?.to_owned();
    let out_trade_no = order_number(sub, "out_trade_no", &at("out_trade_no"), 1)?.to_owned();
    optional_text(sub, "sub_appid", &at("sub_appid"), 32)?;
    optional_text(sub, "goods_tag", &at("goods_tag"), 32)?;
    optional_text(sub, "detail", &at("detail"), 6000)?;
    let total = amount(
        object(sub, "amount", &at("amount"))?,
        "total_amount",
        &at("amount.total_amount"),
    )?;
    let profit_sharing = settle_info(sub, &at("settle_info"))?;
    Ok(SubOrder {
        sub_mchid,
        out_trade_no,
        total,
        description,
        profit_sharing,
        request: value.clone(),
    })
}

fn place_combined(call: &Call<'_>, trade_type: TradeType) -> Outcome {
    let body = call.json_body()?;
    text(&body, "combine_appid", "combine_appid", 32)?;
    let combine_mchid = mchid(&body, "combine_mchid", "combine_mchid")?.to_owned();
    own_merchant(call, &combine_mchid, "combine_mchid")?;
    let combine_out_trade_no =
        order_number(&body, "combine_out_trade_no", "combine_out_trade_no", 1)?.to_owned();
    let notify_url = notify_url(&body)?.to_owned();
    let subs = body
        .get("sub_orders")
        .and_then(Value::as_array)
        .filter(|subs| (1..=MAX_SUB_ORDERS).contains(&subs.len()))
        .ok_or_else(|| Reply::param_error("sub_orders", "body", "应为1到50个子单"))?;
    let subs = subs
        .iter()
        .enumerate()
        .map(|(i, sub)| sub_order(call, i, sub))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, sub) in subs.iter().enumerate() {
        if subs[..i]
            .iter()
            .any(|s| s.sub_mchid == sub.sub_mchid && s.out_trade_no == sub.out_trade_no)
        {
            return Err(Reply::param_error(
                &format!("sub_orders[{i}].out_trade_no"),
                "body",
                "子单商户订单号重复",
            ));
        }
    }
    if trade_type == TradeType::Jsapi {
        let openid = body
            .get("combine_payer_info")
            .and_then(|p| p.get("openid"))
            .and_then(Value::as_str);
        if !openid.is_some_and(is_openid) {
            return Err(Reply::param_error(
                "combine_payer_info.openid",
                "body",
                "JSAPI支付必须传入用户openid",
            ));
        }
    }
    scene(&body, trade_type, 16)?;

    let request = Value::Object(body);
    let known = call.store().read(|combined: &Combined| {
        combined
            .0
            .iter()
            .find(|c| {
                c.combine_mchid == combine_mchid && c.combine_out_trade_no == combine_out_trade_no
            })
            .map(|c| c.request == request && c.trade_type == trade_type.as_str())
    });
    let now = call.now();
    let placed = ledger::write(call.store(), |ledger: &mut Ledger| {
        let placed: Vec<&Order> = ledger.combined(&combine_out_trade_no).collect();
        match (known, placed.first()) {
            (Some(false), _) => return Err(number_used()),
            (Some(true), Some(first)) => {
                let answer = trade_type.answer(&prepay_id(&first.transaction_id));
                return again(&combined_state(&placed), answer).map(|reply| (reply, false));
            }
            _ => {}
        }
        if subs
            .iter()
            .any(|s| ledger.order(&s.sub_mchid, &s.out_trade_no).is_some())
        {
            return Err(number_used());
        }
        if ledger.orders.len().saturating_add(subs.len()) > MAX_ORDERS {
            return Err(too_many());
        }
        let mut first = None;
        for sub in subs {
            let transaction_id = ledger.next_id("4200", 28);
            first.get_or_insert_with(|| transaction_id.clone());
            ledger.orders.push(Order {
                sub_mchid: sub.sub_mchid,
                out_trade_no: sub.out_trade_no,
                transaction_id,
                combine_out_trade_no: Some(combine_out_trade_no.clone()),
                trade_type: trade_type.as_str().to_owned(),
                state: "NOTPAY".to_owned(),
                total: sub.total,
                description: sub.description,
                notify_url: notify_url.clone(),
                created_at: now,
                paid_at: None,
                refunded: 0,
                shared: 0,
                profit_sharing: sub.profit_sharing,
                sharing_finished: false,
                request: sub.request,
            });
        }
        let answer = trade_type.answer(&prepay_id(&first.unwrap_or_default()));
        Ok((Reply::ok(answer.to_string().into_bytes()), true))
    })?;
    let (reply, new) = placed;
    if new {
        call.store().write(|combined: &mut Combined| {
            combined.0.push(CombinedRecord {
                combine_mchid,
                combine_out_trade_no,
                trade_type: trade_type.as_str().to_owned(),
                request,
            });
        });
    }
    Ok(reply)
}

/// The state of a combined order: its sub-orders move together.
fn combined_state(sub_orders: &[&Order]) -> String {
    sub_orders
        .first()
        .map_or_else(|| "NOTPAY".to_owned(), |o| o.state.clone())
}

/// The combined order `combine_out_trade_no` of the merchant `combine_mchid`.
fn combined_record(call: &Call<'_>, combine_out_trade_no: &str) -> Option<CombinedRecord> {
    let mchid = call.mchid();
    call.store().read(|combined: &Combined| {
        combined
            .0
            .iter()
            .find(|c| c.combine_mchid == mchid && c.combine_out_trade_no == combine_out_trade_no)
            .cloned()
    })
}

/// The order number the path names as `name` (`out_trade_no`, `combine_out_trade_no`), checked.
fn number_in_path(call: &Call<'_>, name: &str) -> Result<String, Reply> {
    let number = call.path(name)?;
    if is_order_number(&number, 1) {
        Ok(number)
    } else {
        Err(Reply::param_error(
            name,
            "path",
            "应为1到32位数字、大小写字母或_-|*@",
        ))
    }
}

fn combined_by_out_trade_no(call: &Call<'_>) -> Outcome {
    let number = number_in_path(call, "combine_out_trade_no")?;
    polled(call, "order", &number);
    let record = combined_record(call, &number).ok_or_else(not_exist)?;
    ledger::read(call.store(), |ledger| {
        let orders: Vec<&Order> = ledger.combined(&number).collect();
        if orders.is_empty() {
            return Err(not_exist());
        }
        Ok(Reply::ok(
            combined_answer(&record, &orders, call.now())
                .to_string()
                .into_bytes(),
        ))
    })
}

fn close_combined(call: &Call<'_>) -> Outcome {
    let number = number_in_path(call, "combine_out_trade_no")?;
    let body = call.json_body()?;
    let appid = text(&body, "combine_appid", "combine_appid", 32)?;
    let named = body
        .get("sub_orders")
        .and_then(Value::as_array)
        .filter(|subs| (1..=MAX_SUB_ORDERS).contains(&subs.len()))
        .ok_or_else(|| Reply::param_error("sub_orders", "body", "应为1到50个子单"))?;
    let mut named_keys = Vec::with_capacity(named.len());
    for (i, sub) in named.iter().enumerate() {
        let sub = sub
            .as_object()
            .ok_or_else(|| Reply::param_error(&format!("sub_orders[{i}]"), "body", "应为对象"))?;
        mchid(sub, "mchid", &format!("sub_orders[{i}].mchid"))?;
        let sub_mchid = mchid(sub, "sub_mchid", &format!("sub_orders[{i}].sub_mchid"))?;
        let out_trade_no = order_number(
            sub,
            "out_trade_no",
            &format!("sub_orders[{i}].out_trade_no"),
            1,
        )?;
        named_keys.push((sub_mchid.to_owned(), out_trade_no.to_owned()));
    }
    let record = combined_record(call, &number).ok_or_else(not_exist)?;
    if record.request.get("combine_appid").and_then(Value::as_str) != Some(appid) {
        return Err(Reply::invalid_request("combine_appid与下单时不一致"));
    }
    ledger::write(call.store(), |ledger: &mut Ledger| {
        let mut placed: Vec<(String, String)> = ledger
            .combined(&number)
            .map(|o| (o.sub_mchid.clone(), o.out_trade_no.clone()))
            .collect();
        placed.sort();
        named_keys.sort();
        if placed != named_keys {
            return Err(Reply::invalid_request("子单信息与下单时不一致"));
        }
        let orders: Vec<&Order> = ledger.combined(&number).collect();
        if orders
            .iter()
            .any(|o| !matches!(o.state.as_str(), "NOTPAY" | "CLOSED"))
        {
            return Err(order_paid());
        }
        for order in ledger
            .orders
            .iter_mut()
            .filter(|o| o.combine_out_trade_no.as_deref() == Some(number.as_str()))
        {
            close(order)?;
        }
        Ok(Reply::new(StatusCode::NO_CONTENT, Vec::new()))
    })
}

/// A combined order as the query answers it (and the callback carries it once paid).
fn combined_answer(record: &CombinedRecord, orders: &[&Order], now: u64) -> Value {
    let request = &record.request;
    let sub_orders: Vec<Value> = orders
        .iter()
        .map(|order| {
            let mut sub = Map::new();
            sub.insert(
                "mchid".into(),
                order.request.get("mchid").cloned().unwrap_or(Value::Null),
            );
            sub.insert("sub_mchid".into(), json!(order.sub_mchid));
            if let Some(sub_appid) = order.request.get("sub_appid") {
                sub.insert("sub_appid".into(), sub_appid.clone());
            }
            sub.insert("out_trade_no".into(), json!(order.out_trade_no));
            sub.insert("trade_state".into(), json!(order.state));
            if let Some(attach) = order.request.get("attach") {
                sub.insert("attach".into(), attach.clone());
            }
            let (_, paid) = state_description(&order.state);
            let mut amount = json!({ "total_amount": order.total, "currency": "CNY" });
            if paid {
                sub.insert("transaction_id".into(), json!(order.transaction_id));
                sub.insert("trade_type".into(), json!(order.trade_type));
                sub.insert("bank_type".into(), json!("OTHERS"));
                sub.insert(
                    "success_time".into(),
                    json!(rfc3339(order.paid_at.unwrap_or(now))),
                );
                amount["payer_amount"] = json!(order.total);
                amount["payer_currency"] = json!("CNY");
            }
            sub.insert("amount".into(), amount);
            Value::Object(sub)
        })
        .collect();
    let mut answer = Map::new();
    for name in ["combine_appid", "combine_mchid"] {
        answer.insert(
            name.to_owned(),
            request.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    answer.insert(
        "combine_out_trade_no".into(),
        json!(record.combine_out_trade_no),
    );
    if let Some(device_id) = request.pointer("/scene_info/device_id") {
        answer.insert("scene_info".into(), json!({ "device_id": device_id }));
    }
    answer.insert("sub_orders".into(), Value::Array(sub_orders));
    if orders.iter().any(|o| state_description(&o.state).1) {
        let openid = request
            .pointer("/combine_payer_info/openid")
            .cloned()
            .unwrap_or_else(|| json!(MOCK_PAYER_OPENID));
        answer.insert("combine_payer_info".into(), json!({ "openid": openid }));
    }
    Value::Object(answer)
}

// ----- Moves ------------------------------------------------------------------------------

/// Pays (the usual step, or `to` `SUCCESS`) or closes (`to` `CLOSED`) the unpaid order the
/// step names: by `combine_out_trade_no` (the whole combined order), `transaction_id`, or
/// `out_trade_no`.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let id = step.id();
    let now = step.now();
    let target = match step.to() {
        None | Some("SUCCESS") => "SUCCESS",
        Some("CLOSED") => "CLOSED",
        Some(other) => return Err(step.refused(format!("to {other}: an order is paid or closed"))),
    };
    let combined = step.store().read(|combined: &Combined| {
        combined
            .0
            .iter()
            .find(|c| c.combine_out_trade_no == id)
            .cloned()
    });
    let moved = ledger::write(step.store(), |ledger: &mut Ledger| {
        let indices: Vec<usize> = match &combined {
            Some(record) => ledger
                .orders
                .iter()
                .enumerate()
                .filter(|(_, o)| {
                    o.combine_out_trade_no.as_deref() == Some(record.combine_out_trade_no.as_str())
                })
                .map(|(i, _)| i)
                .collect(),
            None => ledger
                .orders
                .iter()
                .position(|o| {
                    o.combine_out_trade_no.is_none()
                        && (o.transaction_id == id || o.out_trade_no == id)
                })
                .into_iter()
                .collect(),
        };
        let Some(first) = indices.first().and_then(|&i| ledger.orders.get(i)) else {
            return Err(None);
        };
        if first.state != "NOTPAY" {
            return Err(Some(format!("from {} to {target}", first.state)));
        }
        for &i in &indices {
            let Some(order) = ledger.orders.get_mut(i) else {
                continue;
            };
            order.state = target.to_owned();
            if target == "SUCCESS" {
                order.paid_at = Some(now);
                let entry = Entry {
                    at: now,
                    mchid: order.sub_mchid.clone(),
                    account: "BASIC".to_owned(),
                    kind: EntryKind::Payment,
                    amount: i64::try_from(order.total).unwrap_or(i64::MAX),
                    id: order.transaction_id.clone(),
                    out_no: order.out_trade_no.clone(),
                    transaction_id: Some(order.transaction_id.clone()),
                };
                ledger.record(entry);
            }
        }
        let orders: Vec<&Order> = indices
            .iter()
            .filter_map(|&i| ledger.orders.get(i))
            .collect();
        let notice = match (target, orders.first(), &combined) {
            ("SUCCESS", Some(head), Some(record)) => Some((
                head.notify_url.clone(),
                combined_answer(record, &orders, now),
            )),
            ("SUCCESS", Some(head), None) => {
                Some((head.notify_url.clone(), partner_answer(head, now)))
            }
            _ => None,
        };
        Ok(notice)
    });
    match moved {
        Err(None) => Err(step.unknown()),
        Err(Some(reason)) => Err(step.refused(reason)),
        Ok(notice) => {
            if let Some((url, resource)) = notice
                && let Ok(event) = CallbackEvent::custom(
                    "TRANSACTION.SUCCESS",
                    "transaction",
                    "支付成功",
                    resource,
                )
            {
                step.notify(&url, event);
            }
            Ok(target.to_owned())
        }
    }
}

impl MockPlatform {
    /// The state of the partner order `out_trade_no` of `sub_mchid`, or of the sub-order of a
    /// combined order: `NOTPAY`, `SUCCESS`, `CLOSED` or `REFUND`.
    pub fn order_state(&self, sub_mchid: &str, out_trade_no: &str) -> Option<String> {
        ledger::read(self.store(), |ledger| {
            ledger
                .order(sub_mchid, out_trade_no)
                .map(|o| o.state.clone())
        })
    }
}
