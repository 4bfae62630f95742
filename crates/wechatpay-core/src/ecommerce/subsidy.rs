//! Subsidies (补差): the platform pays a sub-merchant the discount it granted on an order
//! flagged for subsidy, takes it back when the order is refunded, or cancels it.
//!
//! The platform's own account pays: a subsidy moves money from the platform to the
//! sub-merchant's basic account before the order's profit is shared, a return moves it back.

use http::Method;
use serde::{Deserialize, Serialize};

use super::{CODE, OUT_NO, check_amount, check_text, parse_fen, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};

const CREATE: &str = "/v3/ecommerce/subsidies/create";
const RETURN: &str = "/v3/ecommerce/subsidies/return";
const CANCEL: &str = "/v3/ecommerce/subsidies/cancel";

/// The longest `description` of the three requests, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 80;

protocol_enum! {
    /// `result` of a subsidy or of a subsidy return.
    pub enum SubsidyResult {
        /// `SUCCESS`: the money moved.
        Success => "SUCCESS",
        /// `FAIL`: it did not (the platform's account lacked the money, for one).
        Fail => "FAIL",
        /// `REFUND`: a subsidy returned in full.
        Refund => "REFUND",
    }
}

protocol_enum! {
    /// `result` of a subsidy cancellation.
    pub enum SubsidyCancelResult {
        /// `SUCCESS`: the order is no longer waiting for a subsidy.
        Success => "SUCCESS",
        /// `FAIL`.
        Fail => "FAIL",
    }
}

protocol_enum! {
    /// `from.account`: which part of the sub-merchant's funds a return is taken from.
    pub enum ReturnAccount {
        /// `AVAILABLE`: the available balance.
        Available => "AVAILABLE",
        /// `UNAVAILABLE`: the balance not yet available.
        Unavailable => "UNAVAILABLE",
    }
}

/// `POST /v3/ecommerce/subsidies/create`: pays the subsidy of a paid order to its
/// sub-merchant, after settlement and before profit sharing.
///
/// The amount must match the subsidy declared when the order was placed, or be less once the
/// order was partly refunded (then name the refund with [`CreateSubsidy::with_refund_id`]).
/// The platform takes a repeated request with the same parameters as one (for 180 days), so a
/// request that failed with `SYSTEM_ERROR` is retried as it was.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::subsidy::CreateSubsidy;
///
/// let subsidy = CreateSubsidy::new("1900000109", "4208450740201411110007820472", 10, "测试备注")?
///     .with_out_subsidy_no("P20150806125347")?;
/// let request = subsidy.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(request.path_and_query(), "/v3/ecommerce/subsidies/create");
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSubsidy {
    sub_mchid: MchId,
    transaction_id: String,
    amount: u64,
    description: String,
    refund_id: Option<String>,
    out_subsidy_no: Option<String>,
}

#[derive(Serialize)]
struct CreateBody<'a> {
    sub_mchid: &'a str,
    transaction_id: &'a str,
    amount: u64,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_subsidy_no: Option<&'a str>,
}

impl CreateSubsidy {
    /// A subsidy of `amount` fen for the order `transaction_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `transaction_id` unless 1
    /// to 64 ASCII letters, digits, `_` or `-`; `amount` when 0; `description` unless 1 to
    /// [`MAX_DESCRIPTION_CHARS`] characters.
    pub fn new(
        sub_mchid: &str,
        transaction_id: impl Into<String>,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let transaction_id = transaction_id.into();
        let description = description.into();
        check_transaction_id(&transaction_id)?;
        check_amount("amount", amount)?;
        check_description(&description)?;
        Ok(CreateSubsidy {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            transaction_id,
            amount,
            description,
            refund_id: None,
            out_subsidy_no: None,
        })
    }

    /// Names the refund that lowered the subsidy below the amount declared with the order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`refund_id`) unless 1 to 64 ASCII letters, digits, `_` or `-`.
    pub fn with_refund_id(self, refund_id: impl Into<String>) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        check_text("refund_id", &refund_id, 64, Some(&CODE))?;
        Ok(CreateSubsidy {
            refund_id: Some(refund_id),
            ..self
        })
    }

    /// The platform's own number for the subsidy, which makes resubmissions of it one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`out_subsidy_no`) unless 1 to 64 ASCII letters, digits or
    /// `_-|*@` (the page gives the alphabet, not the length; 64 is that of `out_order_no`).
    pub fn with_out_subsidy_no(self, out_subsidy_no: impl Into<String>) -> Result<Self, Error> {
        let out_subsidy_no = out_subsidy_no.into();
        check_text("out_subsidy_no", &out_subsidy_no, 64, Some(&OUT_NO))?;
        Ok(CreateSubsidy {
            out_subsidy_no: Some(out_subsidy_no),
            ..self
        })
    }

    /// The amount, in fen.
    pub fn amount(&self) -> u64 {
        self.amount
    }
}

impl Operation for CreateSubsidy {
    type Output = Subsidy;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            CREATE,
            &CreateBody {
                sub_mchid: self.sub_mchid.as_str(),
                transaction_id: &self.transaction_id,
                amount: self.amount,
                description: &self.description,
                refund_id: self.refund_id.as_deref(),
                out_subsidy_no: self.out_subsidy_no.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Subsidy, Error> {
        body.json()
    }
}

/// A subsidy, as [`CreateSubsidy`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Subsidy {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The order.
    pub transaction_id: String,
    /// WeChat Pay's id of the subsidy.
    pub subsidy_id: String,
    /// The description sent.
    pub description: String,
    /// The amount, in fen.
    pub amount: i64,
    /// Whether the money moved.
    pub result: SubsidyResult,
    /// When it did, RFC 3339 as received; see [`Subsidy::succeeded_at`]. Optional here,
    /// although the page marks it required, so that a `FAIL` without it still decodes.
    pub success_time: Option<String>,
}

impl Subsidy {
    /// [`Subsidy::success_time`] parsed.
    pub fn succeeded_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }
}

/// `POST /v3/ecommerce/subsidies/return`: takes back (part of) a subsidy after the order was
/// refunded, into the platform's account.
///
/// Several returns may follow one subsidy, up to its amount; each refund allows one return.
/// `out_order_no` is the platform's own number for this return (not that of the subsidy):
/// the same number sent again is the same return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnSubsidy {
    sub_mchid: MchId,
    out_order_no: String,
    transaction_id: String,
    amount: u64,
    description: String,
    refund_id: Option<String>,
    subsidy_id: Option<String>,
    from: Option<ReturnFrom>,
}

/// `from`: the account a return is taken from, and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ReturnFrom {
    account: ReturnAccount,
    amount: u64,
}

#[derive(Serialize)]
struct ReturnBody<'a> {
    sub_mchid: &'a str,
    out_order_no: &'a str,
    transaction_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_id: Option<&'a str>,
    amount: u64,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subsidy_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<[&'a ReturnFrom; 1]>,
}

impl ReturnSubsidy {
    /// A return of `amount` fen of the subsidy paid on `transaction_id`, numbered
    /// `out_order_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `out_order_no` unless 1 to
    /// 64 ASCII letters, digits or `_-|*@`; `transaction_id` unless 1 to 64 ASCII letters,
    /// digits, `_` or `-`; `amount` when 0; `description` unless 1 to
    /// [`MAX_DESCRIPTION_CHARS`] characters.
    pub fn new(
        sub_mchid: &str,
        out_order_no: impl Into<String>,
        transaction_id: impl Into<String>,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_order_no = out_order_no.into();
        let transaction_id = transaction_id.into();
        let description = description.into();
        check_text("out_order_no", &out_order_no, 64, Some(&OUT_NO))?;
        check_transaction_id(&transaction_id)?;
        check_amount("amount", amount)?;
        check_description(&description)?;
        Ok(ReturnSubsidy {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_order_no,
            transaction_id,
            amount,
            description,
            refund_id: None,
            subsidy_id: None,
            from: None,
        })
    }

    /// The refund this return follows. The page requires it unless the refund could not be
    /// made because of the user's account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`refund_id`) unless 1 to 64 ASCII letters, digits, `_` or `-`.
    pub fn with_refund_id(self, refund_id: impl Into<String>) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        check_text("refund_id", &refund_id, 64, Some(&CODE))?;
        Ok(ReturnSubsidy {
            refund_id: Some(refund_id),
            ..self
        })
    }

    /// The subsidy returned, by WeChat Pay's id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`subsidy_id`) unless 1 to 64 ASCII letters, digits, `_` or `-`.
    pub fn with_subsidy_id(self, subsidy_id: impl Into<String>) -> Result<Self, Error> {
        let subsidy_id = subsidy_id.into();
        check_text("subsidy_id", &subsidy_id, 64, Some(&CODE))?;
        Ok(ReturnSubsidy {
            subsidy_id: Some(subsidy_id),
            ..self
        })
    }

    /// Takes the whole return from one part of the sub-merchant's funds. The platform takes
    /// one account only, whose amount must be the return's, so the amount is not asked again.
    pub fn with_from(self, account: ReturnAccount) -> Self {
        let amount = self.amount;
        ReturnSubsidy {
            from: Some(ReturnFrom { account, amount }),
            ..self
        }
    }

    /// The return's number.
    pub fn out_order_no(&self) -> &str {
        &self.out_order_no
    }

    /// The amount, in fen.
    pub fn amount(&self) -> u64 {
        self.amount
    }
}

impl Operation for ReturnSubsidy {
    type Output = SubsidyReturn;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            RETURN,
            &ReturnBody {
                sub_mchid: self.sub_mchid.as_str(),
                out_order_no: &self.out_order_no,
                transaction_id: &self.transaction_id,
                refund_id: self.refund_id.as_deref(),
                amount: self.amount,
                description: &self.description,
                subsidy_id: self.subsidy_id.as_deref(),
                from: self.from.as_ref().map(|from| [from]),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<SubsidyReturn, Error> {
        body.json()
    }
}

/// A subsidy return, as [`ReturnSubsidy`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubsidyReturn {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The order.
    pub transaction_id: String,
    /// WeChat Pay's id of the return.
    pub subsidy_refund_id: String,
    /// The refund it followed, when one was named.
    pub refund_id: Option<String>,
    /// The platform's number of the return.
    pub out_order_no: String,
    /// The amount, in fen.
    pub amount: i64,
    /// The description sent.
    pub description: String,
    /// Whether the money moved.
    pub result: SubsidyResult,
    /// When it did, RFC 3339 as received; see [`SubsidyReturn::succeeded_at`].
    pub success_time: Option<String>,
}

impl SubsidyReturn {
    /// [`SubsidyReturn::success_time`] parsed.
    pub fn succeeded_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }
}

/// `POST /v3/ecommerce/subsidies/cancel`: the order flagged for a subsidy will get none
/// (after a refund), so that its profit can be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelSubsidy {
    sub_mchid: MchId,
    transaction_id: String,
    description: String,
}

#[derive(Serialize)]
struct CancelBody<'a> {
    sub_mchid: &'a str,
    transaction_id: &'a str,
    description: &'a str,
}

impl CancelSubsidy {
    /// Cancels the subsidy of `transaction_id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `transaction_id` unless 1
    /// to 64 ASCII letters, digits, `_` or `-`; `description` unless 1 to
    /// [`MAX_DESCRIPTION_CHARS`] characters.
    pub fn new(
        sub_mchid: &str,
        transaction_id: impl Into<String>,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let transaction_id = transaction_id.into();
        let description = description.into();
        check_transaction_id(&transaction_id)?;
        check_description(&description)?;
        Ok(CancelSubsidy {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            transaction_id,
            description,
        })
    }
}

impl Operation for CancelSubsidy {
    type Output = SubsidyCancel;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            CANCEL,
            &CancelBody {
                sub_mchid: self.sub_mchid.as_str(),
                transaction_id: &self.transaction_id,
                description: &self.description,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<SubsidyCancel, Error> {
        body.json()
    }
}

/// A cancellation, as [`CancelSubsidy`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubsidyCancel {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The order.
    pub transaction_id: String,
    /// Whether the subsidy is cancelled.
    pub result: SubsidyCancelResult,
    /// The description sent.
    pub description: String,
}

fn check_transaction_id(transaction_id: &str) -> Result<(), Error> {
    check_text("transaction_id", transaction_id, 64, Some(&CODE))
}

fn check_description(description: &str) -> Result<(), Error> {
    check_text("description", description, MAX_DESCRIPTION_CHARS, None)
}

/// The subsidy operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/ecommerce/subsidies/create",
        params: &["sub_mchid", "transaction_id", "amount", "description"],
        example: &[
            "1900000109",
            "4208450740201411110007820472",
            "10",
            "测试备注",
        ],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            CreateSubsidy::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                parse_fen("amount", param(name, values, 2)?)?,
                param(name, values, 3)?,
            )?
            .request(context)
        },
        decode: |body| {
            let subsidy: Subsidy = body.json()?;
            let _ = (format!("{subsidy:?}"), subsidy.succeeded_at());
            Ok(())
        },
    },
    Endpoint {
        name: "POST /v3/ecommerce/subsidies/return",
        params: &[
            "sub_mchid",
            "out_order_no",
            "transaction_id",
            "amount",
            "description",
            "refund_id",
        ],
        example: &[
            "1900000109",
            "P20150806125346",
            "4208450740201411110007820472",
            "10",
            "测试备注",
            "3008450740201411110007820472",
        ],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            ReturnSubsidy::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
                parse_fen("amount", param(name, values, 3)?)?,
                param(name, values, 4)?,
            )?
            .with_refund_id(param(name, values, 5)?)?
            .request(context)
        },
        decode: |body| {
            let answer: SubsidyReturn = body.json()?;
            let _ = (format!("{answer:?}"), answer.succeeded_at());
            Ok(())
        },
    },
    Endpoint {
        name: "POST /v3/ecommerce/subsidies/cancel",
        params: &["sub_mchid", "transaction_id", "description"],
        example: &["1900013401", "4208450740201411110007820472", "订单退款"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            CancelSubsidy::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .request(context)
        },
        decode: |body| {
            let answer: SubsidyCancel = body.json()?;
            let _ = format!("{answer:?}");
            Ok(())
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::RequestBody;
    use crate::ecommerce::test_support::{decode, field_of};
    use crate::platform_keys::PlatformKeys;
    use rand_core::SeedableRng;

    fn body_of(operation: &impl Operation) -> serde_json::Value {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
        let parts = operation
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap();
        match parts.body() {
            RequestBody::Json(bytes) => serde_json::from_slice(bytes).unwrap(),
            other => panic!("not JSON: {other:?}"),
        }
    }

    #[test]
    fn create_sends_the_page_example_and_decodes_its_answer() {
        let subsidy =
            CreateSubsidy::new("1900000109", "4208450740201411110007820472", 10, "测试备注")
                .unwrap()
                .with_out_subsidy_no("P20150806125347")
                .unwrap();
        assert_eq!(
            body_of(&subsidy),
            serde_json::json!({
                "sub_mchid": "1900000109",
                "transaction_id": "4208450740201411110007820472",
                "amount": 10,
                "description": "测试备注",
                "out_subsidy_no": "P20150806125347"
            })
        );
        let answer = decode(
            &subsidy,
            wechatpay_fixtures::pages::ECOMMERCE_SUBSIDY_CREATE,
        );
        assert_eq!(answer.subsidy_id, "3008450740201411110007820472");
        assert_eq!(
            (answer.amount, &answer.result),
            (10, &SubsidyResult::Success)
        );
        assert_eq!(
            answer.succeeded_at().map(|t| t.unix_timestamp()),
            Some(1_432_099_775)
        );
        let with_refund = subsidy
            .with_refund_id("3008450740201411110007820472")
            .unwrap();
        assert_eq!(
            body_of(&with_refund)["refund_id"],
            "3008450740201411110007820472"
        );
    }

    #[test]
    fn return_sends_the_page_example_and_decodes_its_answer() {
        let back = ReturnSubsidy::new(
            "1900000109",
            "P20150806125346",
            "4208450740201411110007820472",
            10,
            "测试备注",
        )
        .unwrap()
        .with_refund_id("3008450740201411110007820472")
        .unwrap();
        assert_eq!(
            body_of(&back),
            serde_json::json!({
                "sub_mchid": "1900000109",
                "out_order_no": "P20150806125346",
                "transaction_id": "4208450740201411110007820472",
                "refund_id": "3008450740201411110007820472",
                "amount": 10,
                "description": "测试备注"
            })
        );
        let from = back
            .clone()
            .with_subsidy_id("3008450740201411110007820472")
            .unwrap()
            .with_from(ReturnAccount::Available);
        let sent = body_of(&from);
        assert_eq!(
            sent["from"],
            serde_json::json!([{"account": "AVAILABLE", "amount": 10}])
        );
        assert_eq!(sent["subsidy_id"], "3008450740201411110007820472");
        let answer = decode(&back, wechatpay_fixtures::pages::ECOMMERCE_SUBSIDY_RETURN);
        assert_eq!(answer.subsidy_refund_id, "3008450740201411110007820472");
        assert_eq!(answer.out_order_no, "P20150806125346");
        assert_eq!(answer.result, SubsidyResult::Success);
        assert!(answer.succeeded_at().is_some());
    }

    #[test]
    fn cancel_sends_the_page_example_and_decodes_its_answer() {
        let cancel =
            CancelSubsidy::new("1900013401", "4208450740201411110007820472", "订单退款").unwrap();
        assert_eq!(
            body_of(&cancel),
            serde_json::json!({
                "sub_mchid": "1900013401",
                "transaction_id": "4208450740201411110007820472",
                "description": "订单退款"
            })
        );
        let answer = decode(&cancel, wechatpay_fixtures::pages::ECOMMERCE_SUBSIDY_CANCEL);
        assert_eq!(answer.result, SubsidyCancelResult::Success);
        assert_eq!(answer.description, "订单退款");
        let later =
            r#"{"sub_mchid":"1","transaction_id":"2","result":"PENDING","description":"d"}"#;
        assert_eq!(
            decode(&cancel, later).result,
            SubsidyCancelResult::Unknown("PENDING".into())
        );
    }

    #[test]
    fn inputs_are_checked_before_signing() {
        let ok = ("1900000109", "4208450740201411110007820472");
        for (refused, field) in [
            (CreateSubsidy::new("x", ok.1, 1, "d"), "sub_mchid"),
            (CreateSubsidy::new(ok.0, "420 8", 1, "d"), "transaction_id"),
            (
                CreateSubsidy::new(ok.0, "4".repeat(65), 1, "d"),
                "transaction_id",
            ),
            (CreateSubsidy::new(ok.0, ok.1, 0, "d"), "amount"),
            (CreateSubsidy::new(ok.0, ok.1, u64::MAX, "d"), "amount"),
            (CreateSubsidy::new(ok.0, ok.1, 1, ""), "description"),
            (
                CreateSubsidy::new(ok.0, ok.1, 1, "补".repeat(81)),
                "description",
            ),
        ] {
            assert_eq!(field_of(refused.unwrap_err()), field);
        }
        assert!(CreateSubsidy::new(ok.0, ok.1, 1, "补".repeat(80)).is_ok());
        let subsidy = CreateSubsidy::new(ok.0, ok.1, 1, "d").unwrap();
        assert_eq!(
            field_of(subsidy.clone().with_out_subsidy_no("P 1").unwrap_err()),
            "out_subsidy_no"
        );
        assert!(subsidy.clone().with_out_subsidy_no("a_-|*@1").is_ok());
        assert_eq!(
            field_of(subsidy.with_refund_id("").unwrap_err()),
            "refund_id"
        );
        assert_eq!(
            field_of(ReturnSubsidy::new(ok.0, "no/slash", ok.1, 1, "d").unwrap_err()),
            "out_order_no"
        );
        assert_eq!(
            field_of(ReturnSubsidy::new(ok.0, "R1", ok.1, 0, "d").unwrap_err()),
            "amount"
        );
        assert_eq!(
            field_of(CancelSubsidy::new(ok.0, ok.1, "").unwrap_err()),
            "description"
        );
        assert_eq!(field_of(parse_fen("amount", "010").unwrap_err()), "amount");
        assert_eq!(field_of(parse_fen("amount", "+1").unwrap_err()), "amount");
    }
}
