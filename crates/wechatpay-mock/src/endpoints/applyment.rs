//! `GET /v3/ecommerce/applyments/out-request-no/{out_request_no}` and
//! `GET /v3/ecommerce/applyments/{applyment_id}`: the state of a sub-merchant's applyment
//! (查询申请状态).
//!
//! Seeded with one applyment in each state ([`seeded`]); [`MockPlatform::add_applyment`] adds
//! more.

use http::Method;
use serde_json::{Value, json};

use super::{Call, Endpoint, Outcome, Route, found};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
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
    ],
    seed,
    unknown_enum_values: &[
        ("applyment_state", "UNDER_SUPERVISION"),
        ("sign_state", "SIGNING"),
    ],
};

/// The applyments the platform knows.
#[derive(Debug, Clone, Default)]
struct Applyments(Vec<ApplymentRecord>);

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
    found(
        call.store()
            .read(|a: &Applyments| a.body(|a| a.applyment_id == applyment_id)),
        "申请单不存在",
    )
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
