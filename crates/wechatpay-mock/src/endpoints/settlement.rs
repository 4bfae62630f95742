//! `GET /v3/apply4sub/sub_merchants/{sub_mchid}/settlement` (查询结算账户),
//! `POST /v3/apply4sub/sub_merchants/{sub_mchid}/modify-settlement` (修改结算账户) and
//! `GET /v3/apply4sub/sub_merchants/{sub_mchid}/application/{application_no}`
//! (查询结算账户修改申请状态): a sub-merchant's settlement account, and the applications that
//! change it.
//!
//! Seeded with the accounts of the sub-merchants the pages' examples name ([`seeded`]). A
//! change decrypts its account number (and name) with the platform key `Wechatpay-Serial`
//! names, and becomes an application in `AUDITING`; the application moves (kind
//! `settlement-application`, by its `application_no`) to `AUDIT_SUCCESS`, which puts the new
//! account in use, or to `AUDIT_FAIL`. Sending the same change again while it is reviewed
//! answers the same application; another change meanwhile is a `400 INVALID_REQUEST`.
//! The mock takes changes for any sub-merchant, and knows the account of those it has seen.
//!
//! Only masked numbers and names are kept, so that saved state holds no account number.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Call, Endpoint, Outcome, Route};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, Progress, Step, polled, table};
use crate::store::Seeding;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::GET,
            path: "/v3/apply4sub/sub_merchants/{sub_mchid}/settlement",
            answer: query_settlement,
        },
        Route {
            method: Method::POST,
            path: "/v3/apply4sub/sub_merchants/{sub_mchid}/modify-settlement",
            answer: modify_settlement,
        },
        Route {
            method: Method::GET,
            path: "/v3/apply4sub/sub_merchants/{sub_mchid}/application/{application_no}",
            answer: query_application,
        },
    ],
    seed,
    unknown_enum_values: &[
        ("verify_result", "VERIFY_PENDING"),
        ("account_type", "ACCOUNT_TYPE_OTHER"),
    ],
    tables: &[table::<Settlements>("settlements")],
    progress: &[Progress {
        kind: "settlement-application",
        advance,
    }],
};

/// The sub-merchants whose settlement accounts are seeded.
pub mod seeded {
    /// The sub-merchant of 查询结算账户's example: a corporate account, verified.
    pub const SUB_MCHID: &str = "1900006491";
    /// The sub-merchant of 查询结算账户修改申请状态's example.
    pub const APPLICATION_SUB_MCHID: &str = "1511101111";
    /// The sub-merchant most pages' examples name (`1900000109`): a personal account.
    pub const PAGES_SUB_MCHID: &str = "1900000109";
    /// The sub-merchant of the seeded `FINISH` applyment: a corporate account.
    pub const FINISHED_SUB_MCHID: &str = "1542488631";
}

/// The most change applications the platform keeps; a change past it is refused.
pub const MAX_APPLICATIONS: usize = 10_000;

/// Every account and every change application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Settlements {
    accounts: Vec<Account>,
    applications: Vec<Application>,
}

/// A settlement account, as the answers show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Account {
    sub_mchid: String,
    account_type: String,
    account_bank: String,
    bank_name: Option<String>,
    bank_branch_id: Option<String>,
    /// The first 2 and last 2 digits (`ACCOUNT_NUMBER_RULE_MASK_V1`).
    number_v1: String,
    /// The first 6 and last 4 digits (`ACCOUNT_NUMBER_RULE_MASK_V2`).
    number_v2: String,
    /// The holder's name, masked; absent when the change did not give it.
    name: Option<String>,
    verify_result: String,
    verify_fail_reason: Option<String>,
}

/// A change application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Application {
    application_no: String,
    /// The account applied for.
    account: Account,
    /// `AUDITING`, `AUDIT_SUCCESS` or `AUDIT_FAIL`.
    state: String,
    verify_fail_reason: Option<String>,
    /// When the review's result last changed, Unix seconds.
    finished_at: Option<u64>,
    /// A digest of the change as sent (plaintexts included), to recognise it when sent again.
    digest: String,
}

/// `number` masked: `keep_front` and `keep_back` digits shown, the rest `*`.
fn masked(number: &str, keep_front: usize, keep_back: usize) -> String {
    let count = number.chars().count();
    if count <= keep_front + keep_back {
        return "*".repeat(count);
    }
    number
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_front || i >= count - keep_back {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A name masked as the platform masks it: its first character shown.
fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    format!("{first}{}", "*".repeat(chars.count().max(1)))
}

impl Account {
    fn answer(&self) -> Value {
        let mut answer = json!({
            "account_type": self.account_type,
            "account_bank": self.account_bank,
            "account_number": self.number_v1,
            "verify_result": self.verify_result,
        });
        if let Some(fields) = answer.as_object_mut() {
            optional(fields, "bank_name", self.bank_name.as_deref());
            optional(fields, "bank_branch_id", self.bank_branch_id.as_deref());
            optional(
                fields,
                "verify_fail_reason",
                self.verify_fail_reason.as_deref(),
            );
        }
        answer
    }
}

fn optional(fields: &mut Map<String, Value>, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        fields.insert(name.to_owned(), json!(value));
    }
}

/// The sub-merchant of the path: 8 to 10 digits, as the page writes it.
fn sub_mchid(call: &Call<'_>) -> Result<String, Reply> {
    let sub_mchid = call.raw_path("sub_mchid")?;
    if !(8..=10).contains(&sub_mchid.len()) || !sub_mchid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reply::param_error("sub_mchid", "path", "应为8到10位数字"));
    }
    Ok(sub_mchid.to_owned())
}

fn query_settlement(call: &Call<'_>) -> Outcome {
    let sub_mchid = sub_mchid(call)?;
    // The account is how a change is seen to have taken effect: a change under review moves
    // first, under the every-query schedule.
    let pending = call.store().read(|s: &Settlements| {
        s.applications
            .iter()
            .find(|a| a.account.sub_mchid == sub_mchid && a.state == "AUDITING")
            .map(|a| a.application_no.clone())
    });
    if let Some(application_no) = pending {
        polled(call, "settlement-application", &application_no);
    }
    call.store()
        .read(|s: &Settlements| {
            s.accounts
                .iter()
                .find(|a| a.sub_mchid == sub_mchid)
                .map(|a| a.answer().to_string().into_bytes())
        })
        .map(Reply::ok)
        .ok_or_else(|| Reply::not_found("二级商户的结算账户不存在"))
}

/// A text field of the body, 1 to `max` characters, or a `PARAM_ERROR` naming it.
fn text<'a>(
    body: &'a Map<String, Value>,
    field: &str,
    max: usize,
) -> Result<Option<&'a str>, Reply> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::String(text)) if (1..=max).contains(&text.chars().count()) => {
            Ok(Some(text.as_str()))
        }
        Some(_) => Err(Reply::param_error(
            field,
            "body",
            &format!("应为1到{max}个字符的字符串"),
        )),
    }
}

fn required<'a>(body: &'a Map<String, Value>, field: &str, max: usize) -> Result<&'a str, Reply> {
    text(body, field, max)?.ok_or_else(|| Reply::param_error(field, "body", "不能为空"))
}

fn digits(field: &str, value: &str) -> Result<(), Reply> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Reply::param_error(field, "body", "应为数字"))
    }
}

fn modify_settlement(call: &Call<'_>) -> Outcome {
    let sub_mchid = sub_mchid(call)?;
    let body = call.json_body()?;
    if let Some(mode) = text(&body, "modify_mode", 32)?
        && mode != "MODIFY_MODE_ASYNC"
    {
        return Err(Reply::param_error(
            "modify_mode",
            "body",
            "应为MODIFY_MODE_ASYNC",
        ));
    }
    let account_type = required(&body, "account_type", 32)?;
    if !matches!(
        account_type,
        "ACCOUNT_TYPE_BUSINESS" | "ACCOUNT_TYPE_PRIVATE"
    ) {
        return Err(Reply::param_error(
            "account_type",
            "body",
            "应为ACCOUNT_TYPE_BUSINESS或ACCOUNT_TYPE_PRIVATE",
        ));
    }
    let account_bank = required(&body, "account_bank", 128)?;
    let bank_address_code = required(&body, "bank_address_code", 128)?;
    digits("bank_address_code", bank_address_code)?;
    let bank_name = text(&body, "bank_name", 128)?;
    let bank_branch_id = text(&body, "bank_branch_id", 128)?;
    if let Some(id) = bank_branch_id {
        digits("bank_branch_id", id)?;
    }
    let number = call.decrypt("account_number", required(&body, "account_number", 1024)?)?;
    if number.is_empty() || number.len() > 128 {
        return Err(Reply::param_error(
            "account_number",
            "body",
            "解密后应为1到128位数字",
        ));
    }
    digits("account_number", &number)?;
    let name = match text(&body, "account_name", 1024)? {
        Some(ciphertext) => {
            let name = call.decrypt("account_name", ciphertext)?;
            if name.trim().is_empty() {
                return Err(Reply::param_error("account_name", "body", "解密后为空"));
            }
            Some(name)
        }
        None => None,
    };
    // Ciphertexts differ at each encryption: the change is recognised by what they hold.
    let digest = {
        let mut hash = Sha256::new();
        for part in [
            sub_mchid.as_str(),
            account_type,
            account_bank,
            bank_address_code,
            bank_name.unwrap_or_default(),
            bank_branch_id.unwrap_or_default(),
            &number,
            name.as_deref().unwrap_or_default(),
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let account = Account {
        sub_mchid: sub_mchid.clone(),
        account_type: account_type.to_owned(),
        account_bank: account_bank.to_owned(),
        bank_name: bank_name.map(str::to_owned),
        bank_branch_id: bank_branch_id.map(str::to_owned),
        number_v1: masked(&number, 2, 2),
        number_v2: masked(&number, 6, 4),
        name: name.as_deref().map(masked_name),
        verify_result: "VERIFY_SUCCESS".to_owned(),
        verify_fail_reason: None,
    };
    let application_no = call
        .store()
        .write(|s: &mut Settlements| s.apply(account, digest))?;
    Ok(Reply::ok(
        json!({ "application_no": application_no })
            .to_string()
            .into_bytes(),
    ))
}

impl Settlements {
    /// The number of the application for `account`: the one under review when it is the same
    /// change, a new one otherwise.
    fn apply(&mut self, account: Account, digest: String) -> Result<String, Reply> {
        if let Some(pending) = self
            .applications
            .iter()
            .find(|a| a.account.sub_mchid == account.sub_mchid && a.state == "AUDITING")
        {
            return if pending.digest == digest {
                Ok(pending.application_no.clone())
            } else {
                Err(Reply::invalid_request(
                    "该商户已有审核中的结算账户修改申请,请等待审核完成后再提交",
                ))
            };
        }
        if self.applications.len() >= MAX_APPLICATIONS {
            return Err(Reply::error(
                http::StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "修改申请数量已达上限 (the mock keeps at most 10000 applications)",
            ));
        }
        let application_no = format!("10232938{:06}", self.applications.len() + 1);
        self.applications.push(Application {
            application_no: application_no.clone(),
            account,
            state: "AUDITING".to_owned(),
            verify_fail_reason: None,
            finished_at: None,
            digest,
        });
        Ok(application_no)
    }
}

fn query_application(call: &Call<'_>) -> Outcome {
    let sub_mchid = sub_mchid(call)?;
    let application_no = call.path("application_no")?;
    if !(1..=64).contains(&application_no.chars().count()) {
        return Err(Reply::param_error(
            "application_no",
            "path",
            "长度应为1到64个字符",
        ));
    }
    let v2 = match call.query("account_number_rule").as_deref() {
        None | Some("ACCOUNT_NUMBER_RULE_MASK_V1") => false,
        Some("ACCOUNT_NUMBER_RULE_MASK_V2") => true,
        Some(_) => {
            return Err(Reply::param_error(
                "account_number_rule",
                "query",
                "应为ACCOUNT_NUMBER_RULE_MASK_V1或ACCOUNT_NUMBER_RULE_MASK_V2",
            ));
        }
    };
    polled(call, "settlement-application", &application_no);
    call.store()
        .read(|s: &Settlements| {
            s.applications
                .iter()
                .find(|a| a.application_no == application_no && a.account.sub_mchid == sub_mchid)
                .map(|a| a.answer(v2).to_string().into_bytes())
        })
        .map(Reply::ok)
        .ok_or_else(|| Reply::not_found("修改申请单不存在"))
}

impl Application {
    fn answer(&self, v2: bool) -> Value {
        let account = &self.account;
        let mut answer = json!({
            // The platform fills in the name it takes when the change gave none.
            "account_name": account.name.clone().unwrap_or_else(|| "*".to_owned()),
            "account_type": account.account_type,
            "account_bank": account.account_bank,
            "account_number": if v2 { &account.number_v2 } else { &account.number_v1 },
            "verify_result": self.state,
        });
        if let Some(fields) = answer.as_object_mut() {
            optional(fields, "bank_name", account.bank_name.as_deref());
            optional(fields, "bank_branch_id", account.bank_branch_id.as_deref());
            optional(
                fields,
                "verify_fail_reason",
                self.verify_fail_reason.as_deref(),
            );
            if let Some(at) = self.finished_at {
                fields.insert(
                    "verify_finish_time".to_owned(),
                    json!(crate::sealing::rfc3339(at)),
                );
            }
        }
        answer
    }
}

/// Moves the application whose `application_no` is the step's id from `AUDITING` to
/// `AUDIT_SUCCESS` (the usual step), which puts its account in use, or to `AUDIT_FAIL`. Both
/// are final.
fn advance(step: &mut Step<'_>) -> Result<String, AdvanceError> {
    let id = step.id();
    let state = step
        .store()
        .read(|s: &Settlements| {
            s.applications
                .iter()
                .find(|a| a.application_no == id)
                .map(|a| a.state.clone())
        })
        .ok_or_else(|| step.unknown())?;
    let target = step.to().unwrap_or("AUDIT_SUCCESS").to_owned();
    if state != "AUDITING" || !matches!(target.as_str(), "AUDIT_SUCCESS" | "AUDIT_FAIL") {
        return Err(step.refused(format!("from {state} to {target}")));
    }
    let now = step.now();
    step.store().write(|s: &mut Settlements| {
        let Some(application) = s.applications.iter_mut().find(|a| a.application_no == id) else {
            return;
        };
        application.state.clone_from(&target);
        application.finished_at = Some(now);
        if target == "AUDIT_FAIL" {
            application.verify_fail_reason = Some("银行卡户名或卡号有误".to_owned());
            return;
        }
        let account = application.account.clone();
        s.accounts.retain(|a| a.sub_mchid != account.sub_mchid);
        s.accounts.push(account);
    });
    Ok(target)
}

/// The seeded accounts; their numbers are made up.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    let account = |sub_mchid: &str, account_type: &str, number: &str, branch: bool| Account {
        sub_mchid: sub_mchid.to_owned(),
        account_type: account_type.to_owned(),
        account_bank: "工商银行".to_owned(),
        bank_name: branch.then(|| "施秉县农村信用合作联社城关信用社".to_owned()),
        bank_branch_id: branch.then(|| "402713354941".to_owned()),
        number_v1: masked(number, 2, 2),
        number_v2: masked(number, 6, 4),
        name: None,
        verify_result: "VERIFY_SUCCESS".to_owned(),
        verify_fail_reason: None,
    };
    seeding.insert(Settlements {
        accounts: vec![
            account(
                seeded::SUB_MCHID,
                "ACCOUNT_TYPE_BUSINESS",
                "62270000000000078",
                true,
            ),
            account(
                seeded::APPLICATION_SUB_MCHID,
                "ACCOUNT_TYPE_BUSINESS",
                "62270000000000178",
                true,
            ),
            account(
                seeded::PAGES_SUB_MCHID,
                "ACCOUNT_TYPE_PRIVATE",
                "6214830000001234",
                false,
            ),
            account(
                seeded::FINISHED_SUB_MCHID,
                "ACCOUNT_TYPE_BUSINESS",
                "62270000000000278",
                true,
            ),
        ],
        applications: Vec::new(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_masked_as_the_platform_masks_them() {
        assert_eq!(masked("62270000000000078", 2, 2), "62*************78");
        assert_eq!(masked("6214830000001234", 6, 4), "621483******1234");
        assert_eq!(masked("1234", 2, 2), "****");
        assert_eq!(masked("", 2, 2), "");
        assert_eq!(masked_name("张三"), "张*");
        assert_eq!(masked_name("腾讯科技有限公司"), "腾*******");
        assert_eq!(masked_name("A"), "A*");
    }
}
