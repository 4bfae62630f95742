//! Sub-merchant applyments (二级商户进件): submit one ([`submit`]), query its state by
//! `out_request_no` or by `applyment_id` and what the platform should do next, and revoke it.

use http::Method;
use serde::Deserialize;

use super::{check_text, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::EncryptedField;

pub mod submit;

const BY_OUT_REQUEST_NO: &str = "/v3/ecommerce/applyments/out-request-no";
const BY_APPLYMENT_ID: &str = "/v3/ecommerce/applyments";
/// The last segment of both revoke paths.
const REVOKE: &str = "revoke";

/// `GET /v3/ecommerce/applyments/out-request-no/{out_request_no}`: an applyment's state by the
/// service provider's own request number.
///
/// `out_request_no` may hold any character; it is percent-encoded (`/`, `?`, `#`, `%`, space
/// and non-ASCII included), and the encoded form is what is signed and sent.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # use wechatpay_core::{ecommerce::applyment::QueryApplymentByOutRequestNo};
/// let query = QueryApplymentByOutRequestNo::new("申请 2024/01")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/applyments/out-request-no/%E7%94%B3%E8%AF%B7%202024%2F01"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryApplymentByOutRequestNo {
    out_request_no: String,
}

impl QueryApplymentByOutRequestNo {
    /// Checks the request number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`out_request_no`): empty, longer than 124 characters, or `.`
    /// / `..` (which no HTTP client sends as a path segment).
    pub fn new(out_request_no: impl Into<String>) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        check_text("out_request_no", &out_request_no, 124, None)?;
        // Build once so that every error surfaces here, before any signing.
        PathBuilder::new(BY_OUT_REQUEST_NO)?.segment("out_request_no", &out_request_no)?;
        Ok(QueryApplymentByOutRequestNo { out_request_no })
    }

    /// The request number, unencoded.
    pub fn out_request_no(&self) -> &str {
        &self.out_request_no
    }
}

impl Operation for QueryApplymentByOutRequestNo {
    type Output = Applyment;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_REQUEST_NO)?
            .segment("out_request_no", &self.out_request_no)?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Applyment, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/applyments/{applyment_id}`: an applyment's state by WeChat Pay's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryApplymentById {
    applyment_id: u64,
}

impl QueryApplymentById {
    /// The query for this id.
    pub fn new(applyment_id: u64) -> Self {
        QueryApplymentById { applyment_id }
    }
}

impl Operation for QueryApplymentById {
    type Output = Applyment;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_APPLYMENT_ID)?
            .segment("applyment_id", &self.applyment_id.to_string())?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Applyment, Error> {
        body.json()
    }
}

/// `POST /v3/ecommerce/applyments/{applyment_id}/revoke` (撤销申请单): withdraws an applyment
/// by WeChat Pay's id. The platform accepts it while the applyment is in `CHECKING`,
/// `ACCOUNT_NEED_VERIFY`, `AUDITING`, `REJECTED`, `NEED_SIGN` or `FROZEN`; it then reads
/// `CANCELED`.
///
/// The request has no body: only the path is signed.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::applyment::RevokeApplymentById;
///
/// let revoke = RevokeApplymentById::new(2000002124775691);
/// let parts = revoke.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(parts.method(), http::Method::POST);
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/applyments/2000002124775691/revoke");
/// assert!(parts.signed_body().is_empty());
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokeApplymentById {
    applyment_id: u64,
}

impl RevokeApplymentById {
    /// The revocation of this applyment.
    pub fn new(applyment_id: u64) -> Self {
        RevokeApplymentById { applyment_id }
    }
}

impl Operation for RevokeApplymentById {
    type Output = ApplymentIds;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_APPLYMENT_ID)?
            .segment("applyment_id", &self.applyment_id.to_string())?
            .segment("revoke", REVOKE)?
            .finish();
        Ok(RequestParts::new(Method::POST, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ApplymentIds, Error> {
        body.json()
    }
}

/// `POST /v3/ecommerce/applyments/out-request-no/{out_request_no}/revoke` (撤销申请单):
/// withdraws an applyment by the platform's own request number, in the states
/// [`RevokeApplymentById`] lists. `out_request_no` is percent-encoded as
/// [`QueryApplymentByOutRequestNo`] encodes it.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::applyment::RevokeApplymentByOutRequestNo;
///
/// let revoke = RevokeApplymentByOutRequestNo::new("APPLYMENT_00000000001")?;
/// assert_eq!(
///     revoke.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001/revoke"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeApplymentByOutRequestNo {
    out_request_no: String,
}

impl RevokeApplymentByOutRequestNo {
    /// Checks the request number.
    ///
    /// # Errors
    ///
    /// As [`QueryApplymentByOutRequestNo::new`].
    pub fn new(out_request_no: impl Into<String>) -> Result<Self, Error> {
        let query = QueryApplymentByOutRequestNo::new(out_request_no)?;
        Ok(RevokeApplymentByOutRequestNo {
            out_request_no: query.out_request_no,
        })
    }

    /// The request number, unencoded.
    pub fn out_request_no(&self) -> &str {
        &self.out_request_no
    }
}

impl Operation for RevokeApplymentByOutRequestNo {
    type Output = ApplymentIds;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_REQUEST_NO)?
            .segment("out_request_no", &self.out_request_no)?
            .segment("revoke", REVOKE)?
            .finish();
        Ok(RequestParts::new(Method::POST, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ApplymentIds, Error> {
        body.json()
    }
}

/// The two ids of an applyment, as a submission ([`submit::SubmitApplyment`]) and a
/// revocation answer them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApplymentIds {
    /// WeChat Pay's id of the applyment (it exceeds 2^53: never a float).
    pub applyment_id: u64,
    /// The platform's own request number.
    pub out_request_no: String,
}

/// The applyment operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "GET /v3/ecommerce/applyments/out-request-no/{out_request_no}",
        params: &["out_request_no"],
        example: &["APPLYMENT_00000000001"],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            QueryApplymentByOutRequestNo::new(param(name, values, 0)?)?.request(context)
        },
        decode: |body| exercise(QueryApplymentById::new(1).decode(body)?),
    },
    Endpoint {
        name: "GET /v3/ecommerce/applyments/{applyment_id}",
        params: &["applyment_id"],
        example: &["2000002124775691"],
        request: |values, context| {
            let id = applyment_id(param(ENDPOINTS[1].name, values, 0)?)?;
            QueryApplymentById::new(id).request(context)
        },
        decode: |body| exercise(QueryApplymentById::new(1).decode(body)?),
    },
    Endpoint {
        name: "POST /v3/ecommerce/applyments/{applyment_id}/revoke",
        params: &["applyment_id"],
        example: &["2000002124775691"],
        request: |values, context| {
            let id = applyment_id(param(ENDPOINTS[2].name, values, 0)?)?;
            RevokeApplymentById::new(id).request(context)
        },
        decode: decode_ids,
    },
    Endpoint {
        name: "POST /v3/ecommerce/applyments/out-request-no/{out_request_no}/revoke",
        params: &["out_request_no"],
        example: &["APPLYMENT_00000000001"],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            RevokeApplymentByOutRequestNo::new(param(name, values, 0)?)?.request(context)
        },
        decode: decode_ids,
    },
];

/// An applyment id typed as text: canonical decimal only ("007" and "+7" parse too), so that
/// the value sent is the value given.
fn applyment_id(text: &str) -> Result<u64, Error> {
    text.parse::<u64>()
        .ok()
        .filter(|id| id.to_string() == text)
        .ok_or_else(|| Error::invalid("applyment_id", "not an unsigned integer"))
}

/// Decodes the ids a submission or a revocation answers.
fn decode_ids(body: VerifiedBody<'_>) -> Result<(), Error> {
    let ids = RevokeApplymentById::new(1).decode(body)?;
    let _ = format!("{ids:?}");
    Ok(())
}

/// What an applyment offers beyond its fields.
fn exercise(applyment: Applyment) -> Result<(), Error> {
    let _ = format!("{applyment:?}");
    let _ = (
        applyment.next_step(),
        applyment.applyment_state.is_final(),
        applyment.applyment_state.is_pending(),
    );
    if let Some(validation) = &applyment.account_validation {
        let _ = (validation.deadline_at(), validation.pay_amount_yuan());
    }
    Ok(())
}

/// An applyment's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Applyment {
    /// The state.
    pub applyment_state: ApplymentState,
    /// The platform's description of the state, such as `审核中`; empty if an answer ever
    /// comes without one (the state itself is what decisions rest on).
    #[serde(default)]
    pub applyment_state_desc: String,
    /// In `NEED_SIGN`: the link the sub-merchant's super administrator opens (as a QR code)
    /// to sign.
    pub sign_url: Option<String>,
    /// In `NEED_SIGN` and `FINISH`: the new sub-merchant id.
    pub sub_mchid: Option<String>,
    /// In `ACCOUNT_NEED_VERIFY`: the remittance that verifies the settlement account.
    pub account_validation: Option<AccountValidation>,
    /// In `REJECTED` and `FROZEN`: what was rejected, and why.
    #[serde(default)]
    pub audit_detail: Vec<AuditDetail>,
    /// In `ACCOUNT_NEED_VERIFY`, when available: the link the legal person opens (as a QR code)
    /// to verify the account instead of remitting.
    pub legal_validation_url: Option<String>,
    /// The service provider's request number.
    pub out_request_no: String,
    /// WeChat Pay's id of the applyment (it exceeds 2^53: never a float).
    pub applyment_id: u64,
    /// Whether the super administrator has signed.
    pub sign_state: Option<SignState>,
}

impl Applyment {
    /// What the service provider should do now, given the state and the data that came with it.
    pub fn next_step(&self) -> NextStep<'_> {
        match &self.applyment_state {
            ApplymentState::Checking | ApplymentState::Auditing => NextStep::KeepPolling,
            ApplymentState::AccountNeedVerify => NextStep::VerifyAccount {
                remittance: self.account_validation.as_ref(),
                legal_validation_url: self.legal_validation_url.as_deref(),
            },
            ApplymentState::Rejected => NextStep::FixRejected {
                items: &self.audit_detail,
            },
            ApplymentState::NeedSign => NextStep::Sign {
                sign_url: self.sign_url.as_deref(),
            },
            ApplymentState::Finish => NextStep::Done {
                sub_mchid: self.sub_mchid.as_deref(),
            },
            ApplymentState::Frozen => NextStep::Frozen {
                items: &self.audit_detail,
            },
            ApplymentState::Canceled => NextStep::Canceled,
            ApplymentState::Unknown(state) => NextStep::Unrecognized { state },
        }
    }
}

protocol_enum! {
    /// `applyment_state`.
    pub enum ApplymentState {
        /// 资料校验中: the platform is checking the submitted data.
        Checking => "CHECKING",
        /// 待账户验证: the settlement account must be verified.
        AccountNeedVerify => "ACCOUNT_NEED_VERIFY",
        /// 审核中: under review.
        Auditing => "AUDITING",
        /// 已驳回: rejected; see `audit_detail`.
        Rejected => "REJECTED",
        /// 待签约: the super administrator must sign.
        NeedSign => "NEED_SIGN",
        /// 完成: the sub-merchant exists.
        Finish => "FINISH",
        /// 已冻结: frozen.
        Frozen => "FROZEN",
        /// 已作废: canceled.
        Canceled => "CANCELED",
    }
}

impl ApplymentState {
    /// Whether the applyment can no longer change: `FINISH` or `CANCELED`.
    pub fn is_final(&self) -> bool {
        matches!(self, ApplymentState::Finish | ApplymentState::Canceled)
    }

    /// Whether polling should go on without anyone acting: `CHECKING` or `AUDITING`.
    /// Every other state either needs someone to act or is final; an unknown state stops
    /// polling so that a person looks at it.
    pub fn is_pending(&self) -> bool {
        matches!(self, ApplymentState::Checking | ApplymentState::Auditing)
    }
}

protocol_enum! {
    /// `sign_state`.
    pub enum SignState {
        /// 未签约: the super administrator can sign through `sign_url`.
        Unsigned => "UNSIGNED",
        /// 已签约.
        Signed => "SIGNED",
        /// 不可签约: signing is not possible in the current state.
        NotSignable => "NOT_SIGNABLE",
    }
}

/// `account_validation`: remit `pay_amount` from the named account to the destination
/// account, with `remark`, before `deadline`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AccountValidation {
    /// The account name to remit from, encrypted to the merchant key.
    pub account_name: EncryptedField,
    /// The card number to remit from (personal settlement accounts), encrypted.
    pub account_no: Option<EncryptedField>,
    /// The amount, in fen (1/100 CNY).
    pub pay_amount: u64,
    /// The destination card number.
    pub destination_account_number: String,
    /// The destination account name.
    pub destination_account_name: String,
    /// The destination bank.
    pub destination_account_bank: String,
    /// The destination account's province and city.
    pub city: String,
    /// The remark the remittance must carry.
    pub remark: String,
    /// The deadline, `yyyy-MM-dd HH:mm:ss` Beijing time, as received; see
    /// [`AccountValidation::deadline_at`].
    pub deadline: String,
}

impl AccountValidation {
    /// [`AccountValidation::deadline`] as an instant (UTC+8); `None` if the platform ever
    /// sends another format.
    pub fn deadline_at(&self) -> Option<time::OffsetDateTime> {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        time::PrimitiveDateTime::parse(&self.deadline, format)
            .ok()
            .map(|t| t.assume_offset(time::macros::offset!(+8)))
    }

    /// The amount as yuan with two decimals, such as `1.24`.
    pub fn pay_amount_yuan(&self) -> String {
        format!("{}.{:02}", self.pay_amount / 100, self.pay_amount % 100)
    }
}

/// One rejected item of `audit_detail`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AuditDetail {
    /// The field of the application, such as `id_card_copy`.
    pub param_name: String,
    /// Why it was rejected.
    pub reject_reason: String,
}

/// What an applyment's state asks of the service provider. See [`Applyment::next_step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep<'a> {
    /// Under check or review: query again later.
    KeepPolling,
    /// Verify the settlement account: remit as `remittance` says before its deadline, or have
    /// the legal person open `legal_validation_url` (as a QR code).
    VerifyAccount {
        /// The remittance to make, when given.
        remittance: Option<&'a AccountValidation>,
        /// The legal person's verification link, when given.
        legal_validation_url: Option<&'a str>,
    },
    /// Fix the listed items and submit again.
    FixRejected {
        /// The rejected items.
        items: &'a [AuditDetail],
    },
    /// Have the super administrator open `sign_url` (as a QR code) and sign.
    Sign {
        /// The signing link.
        sign_url: Option<&'a str>,
    },
    /// Done: the sub-merchant can trade.
    Done {
        /// The new sub-merchant id.
        sub_mchid: Option<&'a str>,
    },
    /// Frozen: contact WeChat Pay; the items say why, when given.
    Frozen {
        /// The reasons given.
        items: &'a [AuditDetail],
    },
    /// Canceled: submit a new application with a new `out_request_no`.
    Canceled,
    /// A state this version does not know: a person should look.
    Unrecognized {
        /// The state as received.
        state: &'a str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform_keys::PlatformKeys;

    fn parts(operation: &impl Operation) -> RequestParts {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
        operation
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))
            .unwrap()
    }

    #[test]
    fn a_revocation_is_a_bodiless_post_on_either_id_and_answers_both() {
        let by_id = parts(&RevokeApplymentById::new(2_000_002_124_775_691));
        assert_eq!(by_id.method(), Method::POST);
        assert_eq!(
            by_id.path_and_query(),
            "/v3/ecommerce/applyments/2000002124775691/revoke"
        );
        assert!(by_id.signed_body().is_empty());
        assert!(matches!(by_id.body(), crate::body::RequestBody::Empty));

        let by_no = RevokeApplymentByOutRequestNo::new("申请 2024/01").unwrap();
        assert_eq!(by_no.out_request_no(), "申请 2024/01");
        assert_eq!(
            parts(&by_no).path_and_query(),
            "/v3/ecommerce/applyments/out-request-no/%E7%94%B3%E8%AF%B7%202024%2F01/revoke"
        );
        for refused in ["", ".", ".."] {
            assert!(RevokeApplymentByOutRequestNo::new(refused).is_err());
        }
        assert!(RevokeApplymentByOutRequestNo::new("a".repeat(125)).is_err());

        let answer = wechatpay_fixtures::pages::ECOMMERCE_APPLYMENT_IDS.as_bytes();
        let ids = by_no
            .decode(VerifiedBody::new(answer, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(
            ids,
            ApplymentIds {
                applyment_id: 2_000_002_124_775_691,
                out_request_no: "APPLYMENT_00000000001".into(),
            }
        );
        // An id above 2^53 survives; a float does not pass for one.
        let big = br#"{"applyment_id":9007199254740993,"out_request_no":"A"}"#;
        let ids = RevokeApplymentById::new(1)
            .decode(VerifiedBody::new(big, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(ids.applyment_id, 9_007_199_254_740_993);
        let float = br#"{"applyment_id":2.0e15,"out_request_no":"A"}"#;
        assert!(
            RevokeApplymentById::new(1)
                .decode(VerifiedBody::new(float, http::StatusCode::OK, None))
                .is_err()
        );
    }

    #[test]
    fn applyment_ids_typed_as_text_are_canonical_decimals() {
        assert_eq!(
            applyment_id("2000002124775691").unwrap(),
            2_000_002_124_775_691
        );
        for refused in ["", "007", "+7", "-1", "1.0", "18446744073709551616"] {
            let error = applyment_id(refused).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidInput { field, .. } if field == "applyment_id"),
                "{refused}: {error}"
            );
        }
    }
}
