//! A sub-merchant's settlement account (结算账户), the bank account it withdraws to: query it,
//! apply to change it, and follow the application.
//!
//! A change is an application the platform reviews: [`ModifySettlement`] answers an
//! `application_no` (in the asynchronous mode the page recommends), and
//! [`QuerySettlementApplication`] follows it to `AUDIT_SUCCESS` or `AUDIT_FAIL`. The account
//! number is encrypted when the request is built; the answers only ever carry it masked.

use http::Method;
use serde::{Deserialize, Serialize};

use super::applyment::submit::{DIGITS, check_account_number, check_sensitive};
use super::{CODE, check_text, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::SensitiveString;

const BASE: &str = "/v3/apply4sub/sub_merchants";

protocol_enum! {
    /// `account_type`: whose account the sub-merchant settles to.
    pub enum SettlementAccountType {
        /// `ACCOUNT_TYPE_BUSINESS` 对公银行账户: the subject's corporate account.
        Business => "ACCOUNT_TYPE_BUSINESS",
        /// `ACCOUNT_TYPE_PRIVATE` 经营者个人银行卡: the operator's personal card.
        Private => "ACCOUNT_TYPE_PRIVATE",
    }
}

protocol_enum! {
    /// `verify_result` of the current account: the platform's remittance check.
    pub enum VerifyResult {
        /// `VERIFY_SUCCESS`: the account received the check remittance.
        Success => "VERIFY_SUCCESS",
        /// `VERIFY_FAIL`: it did not; see `verify_fail_reason`, and change the account.
        Fail => "VERIFY_FAIL",
        /// `VERIFYING`: under way.
        Verifying => "VERIFYING",
    }
}

protocol_enum! {
    /// `verify_result` of a change application: the review.
    pub enum AuditResult {
        /// `AUDIT_SUCCESS`: the new account is in use.
        Success => "AUDIT_SUCCESS",
        /// `AUDITING`: under review.
        Auditing => "AUDITING",
        /// `AUDIT_FAIL`: refused; see `verify_fail_reason`.
        Fail => "AUDIT_FAIL",
    }
}

impl AuditResult {
    /// Whether the review is over (`AUDIT_SUCCESS` or `AUDIT_FAIL`).
    pub fn is_final(&self) -> bool {
        matches!(self, AuditResult::Success | AuditResult::Fail)
    }
}

protocol_enum! {
    /// `modify_mode`.
    pub enum ModifyMode {
        /// `MODIFY_MODE_ASYNC`: the change is an application, answered with its
        /// `application_no`, reviewed afterwards.
        Async => "MODIFY_MODE_ASYNC",
    }
}

protocol_enum! {
    /// `account_number_rule`: how the answer masks the account number.
    pub enum AccountNumberRule {
        /// `ACCOUNT_NUMBER_RULE_MASK_V1` (the default): the first 2 and last 2 digits.
        MaskV1 => "ACCOUNT_NUMBER_RULE_MASK_V1",
        /// `ACCOUNT_NUMBER_RULE_MASK_V2`: the first 6 and last 4 digits.
        MaskV2 => "ACCOUNT_NUMBER_RULE_MASK_V2",
    }
}

/// `GET /v3/apply4sub/sub_merchants/{sub_mchid}/settlement`: the sub-merchant's current
/// settlement account, masked, and the platform's check of it.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::settlement::QuerySettlement;
///
/// let query = QuerySettlement::new("1900006491")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/apply4sub/sub_merchants/1900006491/settlement"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySettlement {
    sub_mchid: MchId,
}

impl QuerySettlement {
    /// The account of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_mchid`) unless 1 to 32 digits.
    pub fn new(sub_mchid: &str) -> Result<Self, Error> {
        Ok(QuerySettlement {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
        })
    }
}

impl Operation for QuerySettlement {
    type Output = Settlement;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BASE)?
            .segment("sub_mchid", self.sub_mchid.as_str())?
            .segment("settlement", "settlement")?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Settlement, Error> {
        body.json()
    }
}

/// A sub-merchant's settlement account, as [`QuerySettlement`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Settlement {
    /// The kind of account.
    pub account_type: SettlementAccountType,
    /// The bank, as the platform's bank list names it.
    pub account_bank: String,
    /// The branch's full name, when the bank needs one.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// The branch's interbank number, when the bank needs one.
    #[serde(default)]
    pub bank_branch_id: Option<String>,
    /// The account number, masked by the platform (`62*************78`).
    pub account_number: String,
    /// The platform's check of the account.
    pub verify_result: VerifyResult,
    /// Why the check failed, in `VERIFY_FAIL`.
    #[serde(default)]
    pub verify_fail_reason: Option<String>,
}

/// `POST /v3/apply4sub/sub_merchants/{sub_mchid}/modify-settlement`: applies to change the
/// sub-merchant's settlement account. The account number (and the holder's name, when given)
/// are encrypted when the request is built.
///
/// ```
/// use wechatpay_core::ecommerce::settlement::{ModifyMode, ModifySettlement, SettlementAccountType};
/// use wechatpay_core::{Operation, PlatformKeys, RequestContext, SensitiveString};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
///
/// let change = ModifySettlement::new(
///     "1900006491",
///     SettlementAccountType::Business,
///     "工商银行",
///     "110000",
///     SensitiveString::new("6214830000001234"),
/// )?
/// .with_modify_mode(ModifyMode::Async);
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// let parts = change.request(&mut RequestContext::new(&keys, &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/apply4sub/sub_merchants/1900006491/modify-settlement");
/// assert!(!String::from_utf8_lossy(parts.signed_body()).contains("6214830000001234"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifySettlement {
    sub_mchid: MchId,
    account_type: SettlementAccountType,
    account_bank: String,
    bank_address_code: String,
    account_number: SensitiveString,
    bank_name: Option<String>,
    bank_branch_id: Option<String>,
    account_name: Option<SensitiveString>,
    modify_mode: Option<ModifyMode>,
}

impl ModifySettlement {
    /// The new account of `sub_mchid`: its kind, bank (`工商银行`), the bank's province and
    /// city code (`110000`), and number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `account_bank` unless 1 to
    /// 128 characters; `bank_address_code` unless 1 to 128 digits; `account_number` unless 1
    /// to 128 digits (the message never shows it).
    pub fn new(
        sub_mchid: &str,
        account_type: SettlementAccountType,
        account_bank: impl Into<String>,
        bank_address_code: impl Into<String>,
        account_number: SensitiveString,
    ) -> Result<Self, Error> {
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        let account_bank = account_bank.into();
        let bank_address_code = bank_address_code.into();
        check_text("account_bank", &account_bank, 128, None)?;
        check_text("bank_address_code", &bank_address_code, 128, Some(&DIGITS))?;
        check_account_number("account_number", &account_number)?;
        Ok(ModifySettlement {
            sub_mchid,
            account_type,
            account_bank,
            bank_address_code,
            account_number,
            bank_name: None,
            bank_branch_id: None,
            account_name: None,
            modify_mode: None,
        })
    }

    /// With `bank_name`, the branch's full name: for banks whose branch must be named, this or
    /// [`ModifySettlement::with_bank_branch_id`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bank_name`) unless 1 to 128 characters.
    pub fn with_bank_name(self, bank_name: impl Into<String>) -> Result<Self, Error> {
        let bank_name = bank_name.into();
        check_text("bank_name", &bank_name, 128, None)?;
        Ok(ModifySettlement {
            bank_name: Some(bank_name),
            ..self
        })
    }

    /// With `bank_branch_id`, the branch's interbank number (`402713354941`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bank_branch_id`) unless 1 to 128 digits.
    pub fn with_bank_branch_id(self, bank_branch_id: impl Into<String>) -> Result<Self, Error> {
        let bank_branch_id = bank_branch_id.into();
        check_text("bank_branch_id", &bank_branch_id, 128, Some(&DIGITS))?;
        Ok(ModifySettlement {
            bank_branch_id: Some(bank_branch_id),
            ..self
        })
    }

    /// With `account_name`, the holder's name, encrypted. Left out, the platform takes the
    /// operator's name (personal account) or the subject's (corporate account).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account_name`) when blank or over
    /// [`super::applyment::submit::MAX_ENCRYPTED_BYTES`].
    pub fn with_account_name(self, account_name: SensitiveString) -> Result<Self, Error> {
        check_sensitive("account_name", &account_name)?;
        Ok(ModifySettlement {
            account_name: Some(account_name),
            ..self
        })
    }

    /// With `modify_mode`.
    pub fn with_modify_mode(self, modify_mode: ModifyMode) -> Self {
        ModifySettlement {
            modify_mode: Some(modify_mode),
            ..self
        }
    }
}

/// The request body; ciphertexts replace the plaintexts.
#[derive(Serialize)]
struct ModifyBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    modify_mode: Option<&'a ModifyMode>,
    account_type: &'a SettlementAccountType,
    account_bank: &'a str,
    bank_address_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_branch_id: Option<&'a str>,
    account_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_name: Option<String>,
}

impl Operation for ModifySettlement {
    type Output = SettlementModification;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BASE)?
            .segment("sub_mchid", self.sub_mchid.as_str())?
            .segment("modify-settlement", "modify-settlement")?
            .finish();
        let account_number = context.encrypt(self.account_number.expose())?;
        let account_name = self
            .account_name
            .as_ref()
            .map(|name| context.encrypt(name.expose()))
            .transpose()?;
        RequestParts::json(
            Method::POST,
            path,
            &ModifyBody {
                modify_mode: self.modify_mode.as_ref(),
                account_type: &self.account_type,
                account_bank: &self.account_bank,
                bank_address_code: &self.bank_address_code,
                bank_name: self.bank_name.as_deref(),
                bank_branch_id: self.bank_branch_id.as_deref(),
                account_number,
                account_name,
            },
        )
    }

    /// An empty answer (`204`, the synchronous mode of earlier versions of the page) is a
    /// modification without an application number.
    fn decode(&self, body: VerifiedBody<'_>) -> Result<SettlementModification, Error> {
        if body.bytes().is_empty() {
            return Ok(SettlementModification {
                application_no: None,
            });
        }
        body.json()
    }
}

/// What [`ModifySettlement`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SettlementModification {
    /// The application to follow with [`QuerySettlementApplication`]; `None` when the platform
    /// answered without a body.
    #[serde(default)]
    pub application_no: Option<String>,
}

/// `GET /v3/apply4sub/sub_merchants/{sub_mchid}/application/{application_no}`: a change
/// application of the settlement account, and its review.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::settlement::{AccountNumberRule, QuerySettlementApplication};
///
/// let query = QuerySettlementApplication::new("1511101111", "102329389XXXX")?
///     .with_account_number_rule(AccountNumberRule::MaskV2);
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/apply4sub/sub_merchants/1511101111/application/102329389XXXX?account_number_rule=ACCOUNT_NUMBER_RULE_MASK_V2"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySettlementApplication {
    sub_mchid: MchId,
    application_no: String,
    account_number_rule: Option<AccountNumberRule>,
}

impl QuerySettlementApplication {
    /// The application `application_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `application_no` unless 1
    /// to 64 ASCII letters, digits, `_` or `-`.
    pub fn new(sub_mchid: &str, application_no: impl Into<String>) -> Result<Self, Error> {
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        let application_no = application_no.into();
        check_text("application_no", &application_no, 64, Some(&CODE))?;
        Ok(QuerySettlementApplication {
            sub_mchid,
            application_no,
            account_number_rule: None,
        })
    }

    /// With `account_number_rule`: how the answer masks the account number.
    pub fn with_account_number_rule(self, rule: AccountNumberRule) -> Self {
        QuerySettlementApplication {
            account_number_rule: Some(rule),
            ..self
        }
    }
}

impl Operation for QuerySettlementApplication {
    type Output = SettlementApplication;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path = PathBuilder::new(BASE)?
            .segment("sub_mchid", self.sub_mchid.as_str())?
            .segment("application", "application")?
            .segment("application_no", &self.application_no)?;
        if let Some(rule) = &self.account_number_rule {
            path = path.query("account_number_rule", rule.as_str());
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<SettlementApplication, Error> {
        body.json()
    }
}

/// A change application, as [`QuerySettlementApplication`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SettlementApplication {
    /// The holder's name, masked by the platform (`张*`).
    pub account_name: String,
    /// The kind of account applied for.
    pub account_type: SettlementAccountType,
    /// The bank.
    pub account_bank: String,
    /// The branch's full name, when given.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// The branch's interbank number, when given.
    #[serde(default)]
    pub bank_branch_id: Option<String>,
    /// The account number, masked by the platform.
    pub account_number: String,
    /// The review.
    pub verify_result: AuditResult,
    /// Why the review refused it, in `AUDIT_FAIL`.
    #[serde(default)]
    pub verify_fail_reason: Option<String>,
    /// When the review's result last changed, RFC 3339 as received; see
    /// [`SettlementApplication::verify_finished_at`].
    #[serde(default)]
    pub verify_finish_time: Option<String>,
}

impl SettlementApplication {
    /// [`SettlementApplication::verify_finish_time`] parsed; `None` while absent, or if the
    /// platform ever sends another format.
    pub fn verify_finished_at(&self) -> Option<time::OffsetDateTime> {
        self.verify_finish_time.as_deref().and_then(parse_rfc3339)
    }
}

/// The settlement operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "GET /v3/apply4sub/sub_merchants/{sub_mchid}/settlement",
        params: &["sub_mchid"],
        example: &["1900006491"],
        request: |values, context| {
            QuerySettlement::new(param(ENDPOINTS[0].name, values, 0)?)?.request(context)
        },
        decode: |body| {
            let settlement: Settlement = body.json()?;
            let _ = format!("{settlement:?}");
            Ok(())
        },
    },
    Endpoint {
        name: "POST /v3/apply4sub/sub_merchants/{sub_mchid}/modify-settlement",
        params: &[
            "sub_mchid",
            "account_type",
            "account_bank",
            "bank_address_code",
        ],
        example: &["1900006491", "ACCOUNT_TYPE_BUSINESS", "工商银行", "110000"],
        // The account number is encrypted, so it is no parameter: it could not be found
        // again in the body.
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            ModifySettlement::new(
                param(name, values, 0)?,
                SettlementAccountType::from(param(name, values, 1)?),
                param(name, values, 2)?,
                param(name, values, 3)?,
                SensitiveString::new("6214830000001234"),
            )?
            .with_modify_mode(ModifyMode::Async)
            .request(context)
        },
        decode: |body| {
            // Not through `ModifySettlement::decode`, whose empty answer is valid: the
            // endpoint's documented answer is the JSON one.
            let modification: SettlementModification = body.json()?;
            let _ = format!("{modification:?}");
            Ok(())
        },
    },
    Endpoint {
        name: "GET /v3/apply4sub/sub_merchants/{sub_mchid}/application/{application_no}",
        params: &["sub_mchid", "application_no", "account_number_rule"],
        example: &["1511101111", "102329389XXXX", "ACCOUNT_NUMBER_RULE_MASK_V1"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            QuerySettlementApplication::new(param(name, values, 0)?, param(name, values, 1)?)?
                .with_account_number_rule(AccountNumberRule::from(param(name, values, 2)?))
                .request(context)
        },
        decode: |body| {
            let application: SettlementApplication = body.json()?;
            let _ = format!("{application:?}");
            let _ = (
                application.verify_finished_at(),
                application.verify_result.is_final(),
            );
            Ok(())
        },
    },
];

#[cfg(test)]
mod tests {
    use crate::ecommerce::test_support::field_of;
    use serde_json::{Value, json};

    use super::*;
    use crate::credentials::MerchantKey;
    use crate::platform_keys::PlatformKeys;
    use crate::sensitive::EncryptedField;

    fn rng() -> rand_chacha::ChaCha20Rng {
        use rand_core::SeedableRng;
        rand_chacha::ChaCha20Rng::from_seed([3; 32])
    }

    fn verified(bytes: &[u8]) -> VerifiedBody<'_> {
        VerifiedBody::new(bytes, http::StatusCode::OK, None)
    }

    #[test]
    fn the_current_account_is_queried_and_the_page_example_decodes() {
        let query = QuerySettlement::new("1900006491").unwrap();
        let parts = query
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng()))
            .unwrap();
        assert_eq!(parts.method(), Method::GET);
        let settlement = query
            .decode(verified(
                wechatpay_fixtures::pages::ECOMMERCE_SETTLEMENT.as_bytes(),
            ))
            .unwrap();
        assert_eq!(settlement.account_type, SettlementAccountType::Business);
        assert_eq!(settlement.account_bank, "工商银行");
        assert_eq!(settlement.bank_branch_id.as_deref(), Some("402713354941"));
        assert_eq!(settlement.account_number, "62*************78");
        assert_eq!(settlement.verify_result, VerifyResult::Success);
        // The fields the page marks optional may be absent; a new result is kept.
        let minimal = br#"{"account_type":"ACCOUNT_TYPE_PRIVATE","account_bank":"b","account_number":"6*4","verify_result":"VERIFY_PENDING"}"#;
        let settlement = query.decode(verified(minimal)).unwrap();
        assert_eq!(settlement.bank_name, None);
        assert_eq!(
            settlement.verify_result,
            VerifyResult::Unknown("VERIFY_PENDING".into())
        );
        assert_eq!(
            field_of(QuerySettlement::new("1900/6491").unwrap_err()),
            "sub_mchid"
        );
    }

    #[test]
    fn a_change_encrypts_the_account_and_answers_its_application() {
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID,
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
        let change = ModifySettlement::new(
            "1511101111",
            SettlementAccountType::Business,
            "工商银行",
            "110000",
            SensitiveString::new("6214830000001234"),
        )
        .unwrap()
        .with_bank_name("施秉县农村信用合作联社城关信用社")
        .unwrap()
        .with_bank_branch_id("402713354941")
        .unwrap()
        .with_account_name(SensitiveString::new("腾讯科技有限公司"))
        .unwrap()
        .with_modify_mode(ModifyMode::Async);
        assert!(!format!("{change:?}").contains("6214830000001234"));
        let mut rng = rng();
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = change.request(&mut context).unwrap();
        assert_eq!(
            context.encryption_key().map(|k| k.serial()),
            Some(wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID)
        );
        assert_eq!(
            parts.path_and_query(),
            "/v3/apply4sub/sub_merchants/1511101111/modify-settlement"
        );
        let mut body: Value = serde_json::from_slice(parts.signed_body()).unwrap();
        let platform = MerchantKey::from_pem(wechatpay_fixtures::keys::PLATFORM_KEY_PEM).unwrap();
        for field in ["account_number", "account_name"] {
            let ciphertext = EncryptedField::new(body[field].as_str().unwrap());
            let plaintext = platform.decrypt(&ciphertext, &mut rng).unwrap();
            body[field] = Value::from(plaintext.expose());
        }
        assert_eq!(
            body,
            json!({
                "modify_mode": "MODIFY_MODE_ASYNC",
                "account_type": "ACCOUNT_TYPE_BUSINESS",
                "account_bank": "工商银行",
                "bank_address_code": "110000",
                "bank_name": "施秉县农村信用合作联社城关信用社",
                "bank_branch_id": "402713354941",
                "account_number": "6214830000001234",
                "account_name": "腾讯科技有限公司"
            })
        );

        let answer = change
            .decode(verified(
                wechatpay_fixtures::pages::ECOMMERCE_SETTLEMENT_MODIFICATION.as_bytes(),
            ))
            .unwrap();
        assert_eq!(answer.application_no.as_deref(), Some("102329389XXXX"));
        let synchronous = change.decode(verified(b"")).unwrap();
        assert_eq!(synchronous.application_no, None);
        assert!(change.decode(verified(b"<html>")).is_err());
    }

    #[test]
    fn a_change_checks_its_fields_and_never_shows_the_number() {
        let number = || SensitiveString::new("6214830000001234");
        let new = |bank: &str, code: &str, number: SensitiveString| {
            ModifySettlement::new(
                "1511101111",
                SettlementAccountType::Private,
                bank,
                code,
                number,
            )
        };
        for (result, field) in [
            (new("", "110000", number()), "account_bank"),
            (new("工商银行", "北京", number()), "bank_address_code"),
            (
                new("工商银行", "110000", SensitiveString::new("6214-8300")),
                "account_number",
            ),
            (
                new("工商银行", "110000", SensitiveString::new("")),
                "account_number",
            ),
            (
                new("工商银行", "110000", number()).and_then(|c| c.with_bank_branch_id("x1")),
                "bank_branch_id",
            ),
            (
                new("工商银行", "110000", number())
                    .and_then(|c| c.with_account_name(SensitiveString::new("  "))),
                "account_name",
            ),
        ] {
            let error = result.unwrap_err();
            assert!(!error.to_string().contains("6214"), "{error}");
            assert_eq!(field_of(error), field);
        }
        // Without a platform key there is nothing to encrypt with.
        let error = new("工商银行", "110000", number())
            .unwrap()
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng()))
            .unwrap_err();
        assert_eq!(field_of(error), "platform_keys");
    }

    #[test]
    fn an_application_is_followed_to_its_review() {
        let query = QuerySettlementApplication::new("1511101111", "102329389XXXX").unwrap();
        let parts = query
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng()))
            .unwrap();
        assert_eq!(
            parts.path_and_query(),
            "/v3/apply4sub/sub_merchants/1511101111/application/102329389XXXX"
        );
        let application = query
            .decode(verified(
                wechatpay_fixtures::pages::ECOMMERCE_SETTLEMENT_APPLICATION.as_bytes(),
            ))
            .unwrap();
        assert_eq!(application.account_name, "张*");
        assert_eq!(application.verify_result, AuditResult::Success);
        assert!(application.verify_result.is_final());
        assert!(!AuditResult::Auditing.is_final());
        assert_eq!(
            application.verify_finished_at(),
            Some(time::macros::datetime!(2015-05-20 13:29:35 +8))
        );
        for refused in ["", "a/b", &"1".repeat(65)] {
            assert_eq!(
                field_of(QuerySettlementApplication::new("1511101111", refused).unwrap_err()),
                "application_no"
            );
        }
    }
}
