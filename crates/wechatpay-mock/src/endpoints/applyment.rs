//! `GET /v3/ecommerce/applyments/out-request-no/{out_request_no}` and
//! `GET /v3/ecommerce/applyments/{applyment_id}`: the state of a sub-merchant's applyment
//! (查询申请状态); `POST /v3/ecommerce/applyments/`: a new applyment (提交申请单).
//!
//! Seeded with one applyment in each state ([`seeded`]); [`MockPlatform::add_applyment`] adds
//! more, and so does a submission, which the platform checks for what it can check without
//! people: the request number, the sensitive fields (each must decrypt with the platform key
//! the request's `Wechatpay-Serial` names) and the uploads its `media_id`s name. A new
//! applyment starts in `CHECKING`; a `REJECTED` one submitted again under its request number
//! goes back to `CHECKING`; any other one already known is answered as it is.

use http::Method;
use serde_json::{Value, json};

use serde::{Deserialize, Serialize};

use super::{Call, Endpoint, Outcome, Route, found};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::store::Seeding;

/// An applyment as the platform answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplymentRecord {
    /// The service provider's request number (unencoded).
    pub out_request_no: String,
    /// WeChat Pay's id.
    pub applyment_id: u64,
    /// The JSON body answered for it, byte for byte.
    pub body: Vec<u8>,
}

impl ApplymentRecord {
    /// A record answering `body`; its `out_request_no` and `applyment_id` are read from it.
    ///
    /// Returns `None` when the body is not JSON or lacks either field.
    pub fn from_body(body: impl Into<Vec<u8>>) -> Option<Self> {
        let body = body.into();
        let json: Value = serde_json::from_slice(&body).ok()?;
        Some(ApplymentRecord {
            out_request_no: json.get("out_request_no")?.as_str()?.to_owned(),
            applyment_id: json.get("applyment_id")?.as_u64()?,
            body,
        })
    }
}

/// The out_request_no of the seeded applyment in each state. `CHECKING`'s needs
/// percent-encoding and its `applyment_id` is above 2^53.
pub mod seeded {
    /// `CHECKING`: needs percent-encoding; `applyment_id` 9007199254740993 (2^53 + 1).
    pub const CHECKING: &str = "商户申请/2024 #1?";
    /// `ACCOUNT_NEED_VERIFY`: account fields encrypted to the merchant key.
    pub const ACCOUNT_NEED_VERIFY: &str = "APPLYMENT_ACCOUNT_NEED_VERIFY";
    /// `AUDITING`.
    pub const AUDITING: &str = "APPLYMENT_AUDITING";
    /// `REJECTED`, with Chinese `audit_detail`.
    pub const REJECTED: &str = "APPLYMENT_REJECTED";
    /// `NEED_SIGN`, with `sign_url`.
    pub const NEED_SIGN: &str = "APPLYMENT_NEED_SIGN";
    /// `FINISH`: the API page's own example, byte for byte.
    pub const FINISH: &str = "APPLYMENT_00000000001";
    /// `FROZEN`.
    pub const FROZEN: &str = "APPLYMENT_FROZEN";
    /// `CANCELED`.
    pub const CANCELED: &str = "APPLYMENT_CANCELED";
    /// Every seeded applyment, in the order of the states on the API page.
    pub const ALL: [&str; 8] = [
        CHECKING,
        ACCOUNT_NEED_VERIFY,
        AUDITING,
        REJECTED,
        NEED_SIGN,
        FINISH,
        FROZEN,
        CANCELED,
    ];
}

/// The API page's example answer, exactly as printed (its ciphertexts are the page's, not
/// encrypted to any test key): the seeded [`seeded::FINISH`].
pub const PAGE_EXAMPLE: &str = wechatpay_fixtures::pages::APPLYMENT_STATE;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/applyments/out-request-no/{out_request_no}",
            answer: by_out_request_no,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/applyments/{applyment_id}",
            answer: by_applyment_id,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/applyments/",
            answer: submit,
        },
    ],
    seed,
    unknown_enum_values: &[
        ("applyment_state", "UNDER_SUPERVISION"),
        ("sign_state", "SIGNING"),
    ],
    tables: &[table::<Applyments>("applyments")],
    progress: &[Progress {
        kind: "applyment",
        advance,
    }],
};

/// The applyments the platform knows; saved as the list of their answers.
#[derive(Debug, Clone, Default)]
struct Applyments(Vec<ApplymentRecord>);

impl Serialize for Applyments {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|record| {
            serde_json::from_slice::<Value>(&record.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&record.body).into()))
        }))
    }
}

impl<'de> Deserialize<'de> for Applyments {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Value>::deserialize(deserializer)?
            .into_iter()
            .map(|body| {
                ApplymentRecord::from_body(body.to_string()).ok_or_else(|| {
                    serde::de::Error::custom(
                        "an applyment needs a text out_request_no and a numeric applyment_id",
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(Applyments)
    }
}

impl Applyments {
    fn body(&self, matches: impl Fn(&ApplymentRecord) -> bool) -> Option<Vec<u8>> {
        self.0.iter().find(|a| matches(a)).map(|a| a.body.clone())
    }
}

fn by_out_request_no(call: &Call<'_>) -> Outcome {
    let out_request_no = call.path("out_request_no")?;
    if !(1..=124).contains(&out_request_no.chars().count()) {
        return Err(Reply::param_error(
            "out_request_no",
            "path",
            "长度应为1到124个字符",
        ));
    }
    polled(call, "applyment", &out_request_no);
    found(
        call.store()
            .read(|a: &Applyments| a.body(|a| a.out_request_no == out_request_no)),
        "申请单不存在",
    )
}

fn by_applyment_id(call: &Call<'_>) -> Outcome {
    // Digits as sent: the platform does not percent-decode a number.
    let applyment_id = call
        .raw_path("applyment_id")?
        .parse::<u64>()
        .map_err(|_| Reply::param_error("applyment_id", "path", "应为整数"))?;
    polled(call, "applyment", &applyment_id.to_string());
    found(
        call.store()
            .read(|a: &Applyments| a.body(|a| a.applyment_id == applyment_id)),
        "申请单不存在",
    )
}

/// The most applyments the platform keeps; a submission past it is refused.
pub const MAX_APPLYMENTS: usize = 10_000;

/// The sensitive fields of a submission, as JSON pointers in which `*` stands for every
/// element of an array: encrypted to the platform.
const SENSITIVE_FIELDS: [&str; 15] = [
    "/id_card_info/id_card_name",
    "/id_card_info/id_card_number",
    "/id_card_info/id_card_address",
    "/id_doc_info/id_doc_name",
    "/id_doc_info/id_doc_number",
    "/id_doc_info/id_doc_address",
    "/ubo_info_list/*/ubo_id_doc_name",
    "/ubo_info_list/*/ubo_id_doc_number",
    "/ubo_info_list/*/ubo_id_doc_address",
    "/account_info/account_name",
    "/account_info/account_number",
    "/contact_info/contact_name",
    "/contact_info/contact_id_card_number",
    "/contact_info/mobile_phone",
    "/contact_info/contact_email",
];

/// The fields of a submission that name an upload by its `media_id`, as
/// [`SENSITIVE_FIELDS`] writes them.
const MEDIA_FIELDS: [&str; 16] = [
    "/business_license_info/business_license_copy",
    "/finance_institution_info/finance_license_pics/*",
    "/authorize_letter_copy",
    "/id_card_info/id_card_copy",
    "/id_card_info/id_card_national",
    "/id_doc_info/id_doc_copy",
    "/id_doc_info/id_doc_copy_back",
    "/ubo_info_list/*/ubo_id_doc_copy",
    "/ubo_info_list/*/ubo_id_doc_copy_back",
    "/contact_info/contact_id_doc_copy",
    "/contact_info/contact_id_doc_copy_back",
    "/contact_info/business_authorization_letter",
    "/sales_scene_info/store_qr_code",
    "/qualifications/*",
    "/business_addition_pics/*",
    "/account_info/account_cert_info/settlement_cert_pic",
];

/// The values `pattern` names in `body`, each with its pointer (`*` made an index).
fn values_at<'a>(body: &'a Value, pattern: &str) -> Vec<(String, &'a Value)> {
    let mut found = vec![(String::new(), body)];
    for segment in pattern.split('/').skip(1) {
        found = found
            .into_iter()
            .flat_map(|(pointer, value)| match (segment, value) {
                ("*", Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{pointer}/{i}"), item))
                    .collect::<Vec<_>>(),
                (name, Value::Object(fields)) => fields
                    .get(name)
                    .map(|item| (format!("{pointer}/{name}"), item))
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    found
}

/// A pointer as the platform names the field: `id_card_info.id_card_name`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn submit(call: &Call<'_>) -> Outcome {
    let body: Value = serde_json::from_slice(call.body())
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| Reply::param_error("body", "body", "应为JSON对象"))?;
    let out_request_no = body
        .get("out_request_no")
        .and_then(Value::as_str)
        .filter(|no| (1..=124).contains(&no.chars().count()))
        .ok_or_else(|| Reply::param_error("out_request_no", "body", "长度应为1到124个字符"))?;
    if body
        .get("organization_type")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Reply::param_error("organization_type", "body", "不能为空"));
    }
    for (pointer, value) in SENSITIVE_FIELDS.iter().flat_map(|p| values_at(&body, p)) {
        let field = field_name(&pointer);
        let ciphertext = value
            .as_str()
            .ok_or_else(|| Reply::param_error(&field, "body", "应为加密后的字符串"))?;
        if call.decrypt(&field, ciphertext)?.trim().is_empty() {
            return Err(Reply::param_error(&field, "body", "解密后为空"));
        }
    }
    for (pointer, value) in MEDIA_FIELDS.iter().flat_map(|p| values_at(&body, p)) {
        if !value
            .as_str()
            .is_some_and(|id| super::media::known(call, id))
        {
            return Err(Reply::param_error(
                &field_name(&pointer),
                "body",
                "媒体文件ID不存在,请先上传图片",
            ));
        }
    }
    let applyment_id = call
        .store()
        .write(|applyments: &mut Applyments| applyments.submit(out_request_no))?;
    Ok(Reply::ok(
        json!({"applyment_id": applyment_id, "out_request_no": out_request_no})
            .to_string()
            .into_bytes(),
    ))
}

impl Applyments {
    /// The id of the applyment submitted under `out_request_no`: a new one in `CHECKING`, a
    /// rejected one back in `CHECKING`, or any other one as it is.
    fn submit(&mut self, out_request_no: &str) -> Result<u64, Reply> {
        let checking = |applyment_id: u64| ApplymentRecord {
            out_request_no: out_request_no.to_owned(),
            applyment_id,
            body: json!({
                "applyment_state": "CHECKING",
                "applyment_state_desc": "资料校验中",
                "out_request_no": out_request_no,
                "applyment_id": applyment_id,
                "sign_state": "NOT_SIGNABLE",
            })
            .to_string()
            .into_bytes(),
        };
        if let Some(known) = self
            .0
            .iter_mut()
            .find(|a| a.out_request_no == out_request_no)
        {
            let state = serde_json::from_slice::<Value>(&known.body)
                .ok()
                .and_then(|b| b.get("applyment_state")?.as_str().map(str::to_owned));
            if state.as_deref() == Some("REJECTED") {
                *known = checking(known.applyment_id);
            }
            return Ok(known.applyment_id);
        }
        if self.0.len() >= MAX_APPLYMENTS {
            return Err(Reply::error(
                http::StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "申请单数量已达上限 (the mock keeps at most 10000 applyments)",
            ));
        }
        let applyment_id = match self.0.iter().map(|a| a.applyment_id).max() {
            None => 2_000_002_124_775_691,
            Some(highest) => highest.checked_add(1).ok_or_else(|| {
                Reply::error(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "no applyment_id is left above the highest one",
                )
            })?,
        };
        self.0.push(checking(applyment_id));
        Ok(applyment_id)
    }
}

impl MockPlatform {
    /// Adds or replaces (by `out_request_no`, or by `applyment_id`) an applyment.
    pub fn add_applyment(&self, record: ApplymentRecord) {
        self.store().write(|applyments: &mut Applyments| {
            applyments.0.retain(|a| {
                a.out_request_no != record.out_request_no && a.applyment_id != record.applyment_id
            });
            applyments.0.push(record);
        });
    }
}

/// The seeded applyments, one in each state; the account fields are encrypted to the merchant.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    let account_name = seeding.encrypt_for_merchant("张三")?;
    let account_no = seeding.encrypt_for_merchant("6214830000001234")?;
    let record = |out_request_no: &str, id: u64, state: &str, desc: &str, extra: Value| {
        let mut body = json!({
            "applyment_state": state,
            "applyment_state_desc": desc,
            "out_request_no": out_request_no,
            "applyment_id": id,
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        ApplymentRecord {
            out_request_no: out_request_no.to_owned(),
            applyment_id: id,
            body: body.to_string().into_bytes(),
        }
    };
    seeding.insert(Applyments(vec![
        record(
            seeded::CHECKING,
            9_007_199_254_740_993,
            "CHECKING",
            "资料校验中",
            json!({"sign_state": "NOT_SIGNABLE"}),
        ),
        record(
            seeded::ACCOUNT_NEED_VERIFY,
            2_000_002_124_775_692,
            "ACCOUNT_NEED_VERIFY",
            "待账户验证",
            json!({
                "account_validation": {
                    "account_name": account_name,
                    "account_no": account_no,
                    "pay_amount": 124,
                    "destination_account_number": "7222223333322332",
                    "destination_account_name": "财付通支付科技有限公司",
                    "destination_account_bank": "招商银行威盛大厦支行",
                    "city": "深圳",
                    "remark": "入驻账户验证",
                    "deadline": "2030-12-10 17:09:01"
                },
                "legal_validation_url": "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId=2000002124775692&sign=legal",
                "sign_state": "UNSIGNED"
            }),
        ),
        record(
            seeded::AUDITING,
            2_000_002_124_775_693,
            "AUDITING",
            "审核中",
            json!({"sign_state": "UNSIGNED"}),
        ),
        record(
            seeded::REJECTED,
            2_000_002_124_775_694,
            "REJECTED",
            "已驳回",
            json!({
                "audit_detail": [
                    {"param_name": "id_card_copy", "reject_reason": "身份证背面识别失败,请上传更清晰的身份证图片。"},
                    {"param_name": "merchant_shortname", "reject_reason": "商户简称与经营内容不符"}
                ],
                "sign_state": "NOT_SIGNABLE"
            }),
        ),
        record(
            seeded::NEED_SIGN,
            2_000_002_124_775_695,
            "NEED_SIGN",
            "待签约",
            json!({
                "sign_url": "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId=2000002124775695&sign=b207b673049a32c858f3aabd7d27c7ec",
                "sub_mchid": "1542488632",
                "sign_state": "UNSIGNED"
            }),
        ),
        ApplymentRecord {
            out_request_no: seeded::FINISH.to_owned(),
            applyment_id: 2_000_002_124_775_691,
            body: PAGE_EXAMPLE.as_bytes().to_vec(),
        },
        record(
            seeded::FROZEN,
            2_000_002_124_775_696,
            "FROZEN",
            "已冻结",
            json!({"audit_detail": [{"param_name": "business_license", "reject_reason": "营业执照已注销"}]}),
        ),
        record(
            seeded::CANCELED,
            2_000_002_124_775_697,
            "CANCELED",
            "已作废",
            json!({}),
        ),
    ]));
    Ok(())
}

/// The states of the usual path, in order: a step moves one place along it.
const PATH: [&str; 4] = ["CHECKING", "AUDITING", "NEED_SIGN", "FINISH"];

/// Moves the applyment whose `out_request_no` or `applyment_id` is the step's id: one place
/// along [`PATH`] (`ACCOUNT_NEED_VERIFY` goes on to `AUDITING`), or forward along it to the
/// state asked for, or off it to `REJECTED` or `ACCOUNT_NEED_VERIFY` (while it is checked or
/// audited), `FROZEN` (before it is final) or `CANCELED` (revoked: from any state but the
/// final ones). `FINISH` and `CANCELED` are final;
/// a `REJECTED` one moves again only once submitted again, and a `FROZEN` one not at all.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let id = step.id();
    let (current, body) = step
        .store()
        .read(|applyments: &Applyments| {
            applyments
                .0
                .iter()
                .find(|a| a.out_request_no == id || a.applyment_id.to_string() == id)
                .and_then(|a| serde_json::from_slice::<Value>(&a.body).ok())
        })
        .and_then(|body| {
            let state = body.get("applyment_state")?.as_str()?.to_owned();
            Some((state, body))
        })
        .ok_or_else(|| step.unknown())?;
    let place = |state: &str| match state {
        "ACCOUNT_NEED_VERIFY" => Some(0),
        other => PATH.iter().position(|s| *s == other),
    };
    let target = match step.to() {
        Some(to) => to.to_owned(),
        None => match current.as_str() {
            "ACCOUNT_NEED_VERIFY" => "AUDITING".to_owned(),
            other => match place(other).and_then(|i| PATH.get(i + 1)) {
                Some(next) => (*next).to_owned(),
                None => return Err(step.refused(format!("on: {current} does not move by itself"))),
            },
        },
    };
    let allowed = match (place(&current), target.as_str()) {
        // Revoked (撤销) before it is final, rejected and frozen ones included.
        (_, "CANCELED") => !matches!(current.as_str(), "FINISH" | "CANCELED"),
        (None, _) | (Some(3), _) => false,
        (Some(from), "AUDITING" | "NEED_SIGN" | "FINISH") => place(&target) > Some(from),
        (Some(from), "REJECTED" | "ACCOUNT_NEED_VERIFY") => from <= 1,
        (Some(_), "FROZEN") => true,
        _ => false,
    };
    if !allowed {
        return Err(step.refused(format!("from {current} to {target}")));
    }
    let moved = moved_to(body, &target, step);
    let Some(record) = ApplymentRecord::from_body(moved.to_string()) else {
        return Err(step.refused(format!("from {current}: its record is not an applyment")));
    };
    step.store().write(|applyments: &mut Applyments| {
        if let Some(known) = applyments
            .0
            .iter_mut()
            .find(|a| a.applyment_id == record.applyment_id)
        {
            *known = record;
        }
    });
    Ok(target)
}

/// `body` with the state `state` and the fields the platform answers in it.
fn moved_to(mut body: Value, state: &str, step: &Step<'_>) -> Value {
    let applyment_id = body
        .get("applyment_id")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let Some(fields) = body.as_object_mut() else {
        return body;
    };
    for stale in [
        "sign_url",
        "account_validation",
        "legal_validation_url",
        "audit_detail",
    ] {
        fields.remove(stale);
    }
    let (desc, sign_state) = match state {
        "AUDITING" => ("审核中", "UNSIGNED"),
        "NEED_SIGN" => ("待签约", "UNSIGNED"),
        "FINISH" => ("完成", "SIGNED"),
        "REJECTED" => ("已驳回", "NOT_SIGNABLE"),
        "ACCOUNT_NEED_VERIFY" => ("待账户验证", "UNSIGNED"),
        "FROZEN" => ("已冻结", "NOT_SIGNABLE"),
        _ => ("已作废", "NOT_SIGNABLE"),
    };
    fields.insert("applyment_state".into(), json!(state));
    fields.insert("applyment_state_desc".into(), json!(desc));
    fields.insert("sign_state".into(), json!(sign_state));
    if matches!(state, "NEED_SIGN" | "FINISH") {
        // The sub-merchant's id is given when the applyment passes the audit.
        fields
            .entry("sub_mchid")
            .or_insert_with(|| json!(format!("19{:08}", applyment_id % 100_000_000)));
    }
    match state {
        "NEED_SIGN" => {
            fields.insert(
                "sign_url".into(),
                json!(format!(
                    "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId={applyment_id}&sign=mock"
                )),
            );
        }
        "REJECTED" | "FROZEN" => {
            fields.insert(
                "audit_detail".into(),
                json!([{"param_name": "merchant_shortname", "reject_reason": "商户简称与经营内容不符"}]),
            );
        }
        "ACCOUNT_NEED_VERIFY" => {
            fields.insert(
                "legal_validation_url".into(),
                json!(format!(
                    "https://pay.weixin.qq.com/public/apply4ec_sign/s?applymentId={applyment_id}&sign=legal"
                )),
            );
            // The remittance details carry fields encrypted to the merchant: borrow the
            // seeded applyment's, when the platform still has it.
            let seeded = step.store().read(|applyments: &Applyments| {
                applyments
                    .body(|a| a.out_request_no == seeded::ACCOUNT_NEED_VERIFY)
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .and_then(|b| b.get("account_validation").cloned())
            });
            if let Some(validation) = seeded {
                fields.insert("account_validation".into(), validation);
            }
        }
        _ => {}
    }
    body
}
