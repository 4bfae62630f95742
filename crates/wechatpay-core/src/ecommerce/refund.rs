//! Refunds of sub-merchants' orders (退款): apply, query by `refund_id` or by
//! `out_refund_no`, send an abnormal refund to a bank card instead, and return to the platform
//! what it advanced (垫付回补). [`Refund`] is both the queries' answer and the resource the
//! `REFUND.SUCCESS`, `REFUND.ABNORMAL` and `REFUND.CLOSED` callbacks carry
//! (`original_type` `refund`).
//!
//! An accepted application is not a refund yet: it starts `PROCESSING`; its result comes by
//! callback or by query. Resubmit a failed or unanswered application with the same
//! `out_refund_no`: the platform refunds once per number.

use http::Method;
use serde::{Deserialize, Serialize};

use super::balance::AccountType;
use super::{CODE, OUT_NO, check_amount, check_text, parse_fen, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::security::check_notify_url;
use crate::sensitive::SensitiveString;

const APPLY: &str = "/v3/ecommerce/refunds/apply";
const BY_REFUND_ID: &str = "/v3/ecommerce/refunds/id";
const BY_OUT_REFUND_NO: &str = "/v3/ecommerce/refunds/out-refund-no";
/// The parent of `{refund_id}/apply-abnormal-refund` and `{refund_id}/return-advance`.
const REFUNDS: &str = "/v3/ecommerce/refunds";

/// The only currency the refund pages take.
const CNY: &str = "CNY";

/// `POST /v3/ecommerce/refunds/apply`: refunds part or all of a sub-merchant's paid order.
///
/// Name the order by [`ApplyRefund::with_transaction_id`] or
/// [`ApplyRefund::with_out_trade_no`] (either, or both); the request is refused before
/// signing without one.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::refund::{ApplyRefund, RefundAccount};
///
/// let refund = ApplyRefund::new("1900000109", "wx8888888888888888", "R20240101001", 300, 888)?
///     .with_out_trade_no("1217752501201407033233368018")?
///     .with_reason("商品已售完")?
///     .with_refund_account(RefundAccount::SubMerchant);
/// let parts = refund.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/refunds/apply");
/// let body: serde_json::Value = serde_json::from_slice(parts.signed_body()).unwrap();
/// assert_eq!(body["amount"], serde_json::json!({"refund": 300, "total": 888, "currency": "CNY"}));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyRefund {
    sub_mchid: MchId,
    sp_appid: String,
    sub_appid: Option<String>,
    transaction_id: Option<String>,
    out_trade_no: Option<String>,
    out_refund_no: String,
    reason: Option<String>,
    refund: u64,
    total: u64,
    notify_url: Option<String>,
    refund_account: Option<RefundAccount>,
    funds_account: Option<FundsAccount>,
}

#[derive(Serialize)]
struct ApplyBody<'a> {
    sub_mchid: &'a str,
    sp_appid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<&'a str>,
    out_refund_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    amount: ApplyAmount,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refund_account: Option<&'a RefundAccount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    funds_account: Option<&'a FundsAccount>,
}

#[derive(Serialize)]
struct ApplyAmount {
    refund: u64,
    total: u64,
    currency: &'static str,
}

impl ApplyRefund {
    /// A refund of `refund` fen of an order of `total` fen, numbered `out_refund_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `sp_appid` unless 1 to 32
    /// ASCII letters, digits, `_` or `-`; `out_refund_no` unless 1 to 64 ASCII letters, digits
    /// or `_-|*@`; `amount.refund` and `amount.total` unless at least 1 fen, and the refund
    /// more than the total.
    pub fn new(
        sub_mchid: &str,
        sp_appid: impl Into<String>,
        out_refund_no: impl Into<String>,
        refund: u64,
        total: u64,
    ) -> Result<Self, Error> {
        let sp_appid = sp_appid.into();
        let out_refund_no = out_refund_no.into();
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        check_text("sp_appid", &sp_appid, 32, Some(&CODE))?;
        check_text("out_refund_no", &out_refund_no, 64, Some(&OUT_NO))?;
        check_amount("amount.refund", refund)?;
        check_amount("amount.total", total)?;
        if refund > total {
            return Err(Error::invalid(
                "amount.refund",
                format!("{refund} fen is more than the order's total of {total} fen"),
            ));
        }
        Ok(ApplyRefund {
            sub_mchid,
            sp_appid,
            sub_appid: None,
            transaction_id: None,
            out_trade_no: None,
            out_refund_no,
            reason: None,
            refund,
            total,
            notify_url: None,
            refund_account: None,
            funds_account: None,
        })
    }

    /// The order by WeChat Pay's number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`transaction_id`) unless 1 to 32 ASCII letters, digits, `_`
    /// or `-`.
    pub fn with_transaction_id(self, transaction_id: impl Into<String>) -> Result<Self, Error> {
        let transaction_id = transaction_id.into();
        check_text("transaction_id", &transaction_id, 32, Some(&CODE))?;
        Ok(ApplyRefund {
            transaction_id: Some(transaction_id),
            ..self
        })
    }

    /// The order by the platform's number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`out_trade_no`) unless 1 to 32 ASCII letters, digits or
    /// `_-|*@`.
    pub fn with_out_trade_no(self, out_trade_no: impl Into<String>) -> Result<Self, Error> {
        let out_trade_no = out_trade_no.into();
        check_text("out_trade_no", &out_trade_no, 32, Some(&OUT_NO))?;
        Ok(ApplyRefund {
            out_trade_no: Some(out_trade_no),
            ..self
        })
    }

    /// The sub-merchant's AppID, when the order was placed under one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_sub_appid(self, sub_appid: impl Into<String>) -> Result<Self, Error> {
        let sub_appid = sub_appid.into();
        check_text("sub_appid", &sub_appid, 32, Some(&CODE))?;
        Ok(ApplyRefund {
            sub_appid: Some(sub_appid),
            ..self
        })
    }

    /// The reason shown to the user in the refund message (not shown for partial refunds of
    /// at most 1 yuan).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`reason`) unless 1 to 80 characters.
    pub fn with_reason(self, reason: impl Into<String>) -> Result<Self, Error> {
        let reason = reason.into();
        check_text("reason", &reason, 80, None)?;
        Ok(ApplyRefund {
            reason: Some(reason),
            ..self
        })
    }

    /// Where the `REFUND.*` callbacks go, instead of the URL configured in the merchant
    /// platform.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`notify_url`) unless an `https://` URL the platform can call,
    /// without parameters, of at most 256 characters.
    pub fn with_notify_url(self, notify_url: impl Into<String>) -> Result<Self, Error> {
        let notify_url = notify_url.into();
        check_notify_url(&notify_url)?;
        Ok(ApplyRefund {
            notify_url: Some(notify_url),
            ..self
        })
    }

    /// Who funds the refund: the sub-merchant (the default), or the platform's advance when
    /// the sub-merchant's balance is short (an ability the platform applies for).
    pub fn with_refund_account(self, refund_account: RefundAccount) -> Self {
        ApplyRefund {
            refund_account: Some(refund_account),
            ..self
        }
    }

    /// Which of the sub-merchant's funds pay the refund.
    pub fn with_funds_account(self, funds_account: FundsAccount) -> Self {
        ApplyRefund {
            funds_account: Some(funds_account),
            ..self
        }
    }

    /// The sub-merchant.
    pub fn sub_mchid(&self) -> &str {
        self.sub_mchid.as_str()
    }

    /// The refund's number.
    pub fn out_refund_no(&self) -> &str {
        &self.out_refund_no
    }

    /// The amount to refund, in fen.
    pub fn refund(&self) -> u64 {
        self.refund
    }
}

impl Operation for ApplyRefund {
    type Output = RefundApplied;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        if self.transaction_id.is_none() && self.out_trade_no.is_none() {
            return Err(Error::invalid(
                "transaction_id",
                "name the order: give transaction_id or out_trade_no",
            ));
        }
        RequestParts::json(
            Method::POST,
            APPLY,
            &ApplyBody {
                sub_mchid: self.sub_mchid.as_str(),
                sp_appid: &self.sp_appid,
                sub_appid: self.sub_appid.as_deref(),
                transaction_id: self.transaction_id.as_deref(),
                out_trade_no: self.out_trade_no.as_deref(),
                out_refund_no: &self.out_refund_no,
                reason: self.reason.as_deref(),
                amount: ApplyAmount {
                    refund: self.refund,
                    total: self.total,
                    currency: CNY,
                },
                notify_url: self.notify_url.as_deref(),
                refund_account: self.refund_account.as_ref(),
                funds_account: self.funds_account.as_ref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<RefundApplied, Error> {
        body.json()
    }
}

/// The answer to [`ApplyRefund`]: the application was accepted, under `refund_id`. Whether
/// the money reached the user comes later ([`Refund`], by callback or query).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundApplied {
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// Your refund number.
    pub out_refund_no: String,
    /// When the application was accepted, RFC 3339; see [`RefundApplied::create_time_at`].
    pub create_time: String,
    /// The amounts, in fen.
    pub amount: RefundAmount,
    /// The discounts refunded, if any.
    #[serde(default)]
    pub promotion_detail: Vec<RefundPromotion>,
    /// Who funds the refund.
    #[serde(default)]
    pub refund_account: Option<RefundAccount>,
}

impl RefundApplied {
    /// [`RefundApplied::create_time`] as an instant; `None` if not RFC 3339.
    pub fn create_time_at(&self) -> Option<time::OffsetDateTime> {
        parse_rfc3339(&self.create_time)
    }
}

/// `GET /v3/ecommerce/refunds/id/{refund_id}?sub_mchid=...`: a refund by WeChat Pay's number.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::refund::QueryRefundById;
///
/// let query = QueryRefundById::new("50000000382019052709732678859", "1900000109")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/refunds/id/50000000382019052709732678859?sub_mchid=1900000109"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRefundById {
    refund_id: String,
    sub_mchid: MchId,
}

impl QueryRefundById {
    /// The query for `refund_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `refund_id` unless 1 to 32 ASCII letters, digits, `_` or
    /// `-`; `sub_mchid` unless 1 to 32 digits.
    pub fn new(refund_id: impl Into<String>, sub_mchid: &str) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        check_refund_id(&refund_id)?;
        Ok(QueryRefundById {
            refund_id,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
        })
    }
}

impl Operation for QueryRefundById {
    type Output = Refund;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        refund_query(BY_REFUND_ID, "refund_id", &self.refund_id, &self.sub_mchid)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Refund, Error> {
        body.json()
    }
}

/// The query of a refund named by `value` under `base`, for `sub_mchid`.
fn refund_query(
    base: &str,
    name: &'static str,
    value: &str,
    sub_mchid: &MchId,
) -> Result<RequestParts, Error> {
    let path = PathBuilder::new(base)?
        .segment(name, value)?
        .query("sub_mchid", sub_mchid.as_str())
        .finish();
    Ok(RequestParts::new(Method::GET, path))
}

/// `GET /v3/ecommerce/refunds/out-refund-no/{out_refund_no}?sub_mchid=...`: a refund by the
/// platform's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRefundByOutRefundNo {
    out_refund_no: String,
    sub_mchid: MchId,
}

impl QueryRefundByOutRefundNo {
    /// The query for `out_refund_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `out_refund_no` unless 1 to 64 ASCII letters, digits or
    /// `_-|*@`; `sub_mchid` unless 1 to 32 digits.
    pub fn new(out_refund_no: impl Into<String>, sub_mchid: &str) -> Result<Self, Error> {
        let out_refund_no = out_refund_no.into();
        check_text("out_refund_no", &out_refund_no, 64, Some(&OUT_NO))?;
        Ok(QueryRefundByOutRefundNo {
            out_refund_no,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
        })
    }
}

impl Operation for QueryRefundByOutRefundNo {
    type Output = Refund;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        refund_query(
            BY_OUT_REFUND_NO,
            "out_refund_no",
            &self.out_refund_no,
            &self.sub_mchid,
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Refund, Error> {
        body.json()
    }
}

/// `POST /v3/ecommerce/refunds/{refund_id}/apply-abnormal-refund`: sends an `ABNORMAL` refund
/// (the original account could not take it) to the user's bank card, or to the
/// sub-merchant's bank account.
///
/// The card number and the name are encrypted to a platform key while the request is built;
/// the plaintext never reaches `Debug`.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// use wechatpay_core::ecommerce::refund::ApplyAbnormalRefund;
///
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// let abnormal = ApplyAbnormalRefund::to_user_bank_card(
///     "50000000382019052709732678859", "1900000109", "R20240101001",
///     "ICBC_DEBIT", "6222020200000000000", "张三",
/// )?;
/// assert!(!format!("{abnormal:?}").contains("张三"));
/// let mut context = RequestContext::new(&keys, &mut rng);
/// let parts = abnormal.request(&mut context)?;
/// assert!(context.encryption_key().is_some());
/// assert!(!String::from_utf8_lossy(parts.signed_body()).contains("6222"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyAbnormalRefund {
    refund_id: String,
    sub_mchid: MchId,
    out_refund_no: String,
    destination: AbnormalRefundDestination,
}

/// Where an abnormal refund goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AbnormalRefundDestination {
    UserBankCard {
        bank_type: String,
        bank_account: SensitiveString,
        real_name: SensitiveString,
    },
    MerchantBankCard,
}

#[derive(Serialize)]
struct AbnormalBody<'a> {
    sub_mchid: &'a str,
    out_refund_no: &'a str,
    #[serde(rename = "type")]
    kind: AbnormalRefundType,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    real_name: Option<String>,
}

protocol_enum! {
    /// `type` of an abnormal refund: where the money goes.
    pub enum AbnormalRefundType {
        /// 退款到用户银行卡: to a debit card of the user.
        UserBankCard => "USER_BANK_CARD",
        /// 退款至交易商户银行账户: to the sub-merchant's bank account.
        MerchantBankCard => "MERCHANT_BANK_CARD",
    }
}

impl ApplyAbnormalRefund {
    /// To the user's debit card: `bank_type` is the bank's code (`ICBC_DEBIT`), `bank_account`
    /// the card number and `real_name` the card holder, both sent encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: as [`ApplyAbnormalRefund::to_merchant_bank_card`];
    /// `bank_type` unless 1 to 16 ASCII letters, digits, `_` or `-`; `bank_account` unless 1
    /// to 64 digits (messages never show it); `real_name` unless 1 to 64 characters.
    pub fn to_user_bank_card(
        refund_id: impl Into<String>,
        sub_mchid: &str,
        out_refund_no: impl Into<String>,
        bank_type: impl Into<String>,
        bank_account: impl Into<String>,
        real_name: impl Into<String>,
    ) -> Result<Self, Error> {
        let bank_type = bank_type.into();
        let bank_account = SensitiveString::new(bank_account);
        let real_name = SensitiveString::new(real_name);
        let base = ApplyAbnormalRefund::to_merchant_bank_card(refund_id, sub_mchid, out_refund_no)?;
        check_text("bank_type", &bank_type, 16, Some(&CODE))?;
        let card = bank_account.expose();
        // Checked here rather than with check_text, whose messages quote the bad character.
        if card.is_empty() || card.len() > 64 || !card.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "bank_account",
                "must be the card number: 1 to 64 digits",
            ));
        }
        let name_chars = real_name.expose().chars().count();
        if name_chars == 0 || name_chars > 64 {
            return Err(Error::invalid(
                "real_name",
                format!("must be 1 to 64 characters, got {name_chars}"),
            ));
        }
        Ok(ApplyAbnormalRefund {
            destination: AbnormalRefundDestination::UserBankCard {
                bank_type,
                bank_account,
                real_name,
            },
            ..base
        })
    }

    /// To the sub-merchant's bank account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `refund_id` unless 1 to 32 ASCII letters, digits, `_` or
    /// `-`; `sub_mchid` unless 1 to 32 digits; `out_refund_no` unless 1 to 64 ASCII letters,
    /// digits or `_-|*@`.
    pub fn to_merchant_bank_card(
        refund_id: impl Into<String>,
        sub_mchid: &str,
        out_refund_no: impl Into<String>,
    ) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        let out_refund_no = out_refund_no.into();
        check_refund_id(&refund_id)?;
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        check_text("out_refund_no", &out_refund_no, 64, Some(&OUT_NO))?;
        Ok(ApplyAbnormalRefund {
            refund_id,
            sub_mchid,
            out_refund_no,
            destination: AbnormalRefundDestination::MerchantBankCard,
        })
    }

    /// Where the refund goes.
    pub fn refund_type(&self) -> AbnormalRefundType {
        match self.destination {
            AbnormalRefundDestination::UserBankCard { .. } => AbnormalRefundType::UserBankCard,
            AbnormalRefundDestination::MerchantBankCard => AbnormalRefundType::MerchantBankCard,
        }
    }
}

impl Operation for ApplyAbnormalRefund {
    type Output = Refund;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(REFUNDS)?
            .segment("refund_id", &self.refund_id)?
            .segment("action", "apply-abnormal-refund")?
            .finish();
        let (bank_type, bank_account, real_name) = match &self.destination {
            AbnormalRefundDestination::UserBankCard {
                bank_type,
                bank_account,
                real_name,
            } => (
                Some(bank_type.as_str()),
                Some(context.encrypt(bank_account.expose())?),
                Some(context.encrypt(real_name.expose())?),
            ),
            AbnormalRefundDestination::MerchantBankCard => (None, None, None),
        };
        RequestParts::json(
            Method::POST,
            path,
            &AbnormalBody {
                sub_mchid: self.sub_mchid.as_str(),
                out_refund_no: &self.out_refund_no,
                kind: self.refund_type(),
                bank_type,
                bank_account,
                real_name,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Refund, Error> {
        body.json()
    }
}

/// `POST /v3/ecommerce/refunds/{refund_id}/return-advance`: returns to the platform the money
/// it advanced for a refund (`REFUND_SOURCE_PARTNER_ADVANCE`), from the sub-merchant's
/// account, once that account can pay it.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::refund::ReturnAdvance;
///
/// let parts = ReturnAdvance::new("50000000382019052709732678859", "1900000109")?
///     .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/refunds/50000000382019052709732678859/return-advance");
/// assert_eq!(parts.signed_body(), br#"{"sub_mchid":"1900000109"}"#);
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnAdvance {
    refund_id: String,
    sub_mchid: MchId,
}

#[derive(Serialize)]
struct ReturnAdvanceBody<'a> {
    sub_mchid: &'a str,
}

impl ReturnAdvance {
    /// The return of the advance of refund `refund_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `refund_id` unless 1 to 32 ASCII letters, digits, `_` or
    /// `-`; `sub_mchid` unless 1 to 32 digits.
    pub fn new(refund_id: impl Into<String>, sub_mchid: &str) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        check_refund_id(&refund_id)?;
        Ok(ReturnAdvance {
            refund_id,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
        })
    }
}

impl Operation for ReturnAdvance {
    type Output = AdvanceReturn;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = return_advance_path(&self.refund_id)?.finish();
        RequestParts::json(
            Method::POST,
            path,
            &ReturnAdvanceBody {
                sub_mchid: self.sub_mchid.as_str(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<AdvanceReturn, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/refunds/{refund_id}/return-advance?sub_mchid=...`: the return of an
/// advance, as [`ReturnAdvance`] made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryReturnAdvance {
    refund_id: String,
    sub_mchid: MchId,
}

impl QueryReturnAdvance {
    /// The query for the advance of refund `refund_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// As [`ReturnAdvance::new`].
    pub fn new(refund_id: impl Into<String>, sub_mchid: &str) -> Result<Self, Error> {
        let refund_id = refund_id.into();
        check_refund_id(&refund_id)?;
        Ok(QueryReturnAdvance {
            refund_id,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
        })
    }
}

impl Operation for QueryReturnAdvance {
    type Output = AdvanceReturn;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = return_advance_path(&self.refund_id)?
            .query("sub_mchid", self.sub_mchid.as_str())
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<AdvanceReturn, Error> {
        body.json()
    }
}

fn return_advance_path(refund_id: &str) -> Result<PathBuilder, Error> {
    PathBuilder::new(REFUNDS)?
        .segment("refund_id", refund_id)?
        .segment("action", "return-advance")
}

fn check_refund_id(refund_id: &str) -> Result<(), Error> {
    check_text("refund_id", refund_id, 32, Some(&CODE))
}

/// A return of an advance (垫付回补): from the sub-merchant (payer) to the platform (payee).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AdvanceReturn {
    /// The refund the platform advanced.
    pub refund_id: String,
    /// WeChat Pay's number of the return.
    pub advance_return_id: String,
    /// The amount returned, in fen: the advance of the refund.
    pub return_amount: u64,
    /// The paying merchant (the sub-merchant).
    pub payer_mchid: String,
    /// The paying account.
    pub payer_account: AccountType,
    /// The receiving merchant (the platform).
    pub payee_mchid: String,
    /// The receiving account.
    pub payee_account: AccountType,
    /// The result.
    pub result: AdvanceReturnResult,
    /// When the return completed, RFC 3339 (`SUCCESS` only); see
    /// [`AdvanceReturn::success_time_at`].
    #[serde(default)]
    pub success_time: Option<String>,
}

impl AdvanceReturn {
    /// [`AdvanceReturn::success_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn success_time_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }
}

protocol_enum! {
    /// `result` of a return of an advance.
    pub enum AdvanceReturnResult {
        /// 回补成功.
        Success => "SUCCESS",
        /// 回补失败: the paying account's balance was short; try again later.
        Failed => "FAILED",
        /// 处理中: query again.
        Processing => "PROCESSING",
    }
}

/// A refund of a sub-merchant's order: the answer of both refund queries and of the abnormal
/// refund, and the resource of the `REFUND.*` callbacks.
///
/// The ids and the status are required. The callbacks name the merchants (`sp_mchid`,
/// `sub_mchid`) and write the status as `refund_status`; the queries do neither and write
/// `status`: both read into [`Refund::refund_status`]. `amount` is optional because
/// callbacks have been seen without it (query the refund when you need the amounts).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Refund {
    /// The platform's merchant id; in callbacks only.
    #[serde(default)]
    pub sp_mchid: Option<String>,
    /// The sub-merchant (二级商户) whose order was refunded; in callbacks only.
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Your order number.
    pub out_trade_no: String,
    /// WeChat Pay's order number.
    pub transaction_id: String,
    /// Your refund number.
    pub out_refund_no: String,
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// The refund's state (`refund_status` in callbacks, `status` in the queries' answers);
    /// in a callback, the event type says the same.
    #[serde(alias = "status")]
    pub refund_status: RefundStatus,
    /// How the money goes back.
    #[serde(default)]
    pub channel: Option<RefundChannel>,
    /// When the refund succeeded, RFC 3339 (`SUCCESS` only); see [`Refund::success_time_at`].
    #[serde(default)]
    pub success_time: Option<String>,
    /// When the application was accepted, RFC 3339; see [`Refund::create_time_at`].
    #[serde(default)]
    pub create_time: Option<String>,
    /// Where the money went, such as a bank and the last digits of a card (`招商银行信用卡0403`)
    /// or the user's balance (`支付用户零钱`): personal data, never printed.
    #[serde(default)]
    pub user_received_account: Option<SensitiveString>,
    /// The amounts, in fen.
    #[serde(default)]
    pub amount: Option<RefundAmount>,
    /// The discounts refunded, if any.
    #[serde(default)]
    pub promotion_detail: Vec<RefundPromotion>,
    /// Who funded the refund.
    #[serde(default)]
    pub refund_account: Option<RefundAccount>,
    /// Which of the sub-merchant's funds paid it.
    #[serde(default)]
    pub funds_account: Option<FundsAccount>,
}

impl Refund {
    /// [`Refund::success_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn success_time_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }

    /// [`Refund::create_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn create_time_at(&self) -> Option<time::OffsetDateTime> {
        self.create_time.as_deref().and_then(parse_rfc3339)
    }
}

/// The amounts of a refund, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundAmount {
    /// The amount refunded.
    pub refund: u64,
    /// The order's total; in callbacks (the queries' answers leave it out).
    #[serde(default)]
    pub total: Option<u64>,
    /// What the user had paid; in callbacks.
    #[serde(default)]
    pub payer_total: Option<u64>,
    /// What goes back to the user (the refund less discounts).
    #[serde(default)]
    pub payer_refund: Option<u64>,
    /// The part of the refund that returns discounts rather than money.
    #[serde(default)]
    pub discount_refund: Option<u64>,
    /// The currency, `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    /// What the platform advanced (垫付), for refunds it funded.
    #[serde(default)]
    pub advance: Option<u64>,
    /// The accounts that funded the refund, when it was split between them.
    #[serde(default)]
    pub from: Vec<RefundFrom>,
}

/// One funding account of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundFrom {
    /// The account.
    pub account: FromAccount,
    /// What it paid, in fen.
    pub amount: u64,
}

protocol_enum! {
    /// `from.account`: which balance funded part of a refund.
    pub enum FromAccount {
        /// 可用余额.
        Available => "AVAILABLE",
        /// 不可用余额.
        Unavailable => "UNAVAILABLE",
    }
}

/// One discount refunded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundPromotion {
    /// The coupon or discount id.
    pub promotion_id: String,
    /// `GLOBAL` (the whole order) or `SINGLE` (one product).
    #[serde(default)]
    pub scope: Option<String>,
    /// `COUPON` (funded) or `DISCOUNT` (not funded).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The discount's amount, in fen.
    pub amount: u64,
    /// The part of it refunded, in fen.
    pub refund_amount: u64,
}

protocol_enum! {
    /// `refund_status` (callbacks) or `status` (queries).
    pub enum RefundStatus {
        /// 退款成功: refunded.
        Success => "SUCCESS",
        /// 退款关闭: closed without refunding.
        Closed => "CLOSED",
        /// 退款处理中: accepted, not done yet.
        Processing => "PROCESSING",
        /// 退款异常: the money could not reach the user (a cancelled or frozen card); not
        /// final: send it elsewhere with [`ApplyAbnormalRefund`], or in the merchant platform.
        Abnormal => "ABNORMAL",
    }
}

impl RefundStatus {
    /// Whether the refund can no longer change: `SUCCESS` or `CLOSED`.
    pub fn is_final(&self) -> bool {
        matches!(self, RefundStatus::Success | RefundStatus::Closed)
    }
}

protocol_enum! {
    /// `refund_account`: who funds a refund.
    pub enum RefundAccount {
        /// The platform advanced the money (垫付).
        PartnerAdvance => "REFUND_SOURCE_PARTNER_ADVANCE",
        /// The sub-merchant's own funds.
        SubMerchant => "REFUND_SOURCE_SUB_MERCHANT",
    }
}

protocol_enum! {
    /// `funds_account`: which of the sub-merchant's funds pay a refund.
    pub enum FundsAccount {
        /// 未结算资金: funds not settled yet.
        Unsettled => "UNSETTLED",
        /// 可用余额.
        Available => "AVAILABLE",
        /// 不可用余额.
        Unavailable => "UNAVAILABLE",
        /// 运营户.
        Operation => "OPERATION",
        /// 基本账户 (含可用余额和不可用余额).
        Basic => "BASIC",
        /// 数字人民币基本账户.
        EcnyBasic => "ECNY_BASIC",
    }
}

protocol_enum! {
    /// `channel`: how a refund goes back.
    pub enum RefundChannel {
        /// 原路退款: the way it was paid.
        Original => "ORIGINAL",
        /// 退回到余额: to the user's balance.
        Balance => "BALANCE",
        /// 原账户异常退到其他余额账户.
        OtherBalance => "OTHER_BALANCE",
        /// 原银行卡异常退到其他银行卡: after an abnormal refund to a card.
        OtherBankcard => "OTHER_BANKCARD",
    }
}

/// The refund operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/ecommerce/refunds/apply",
        params: &[
            "sub_mchid",
            "sp_appid",
            "out_refund_no",
            "out_trade_no",
            "refund",
            "total",
        ],
        example: &[
            "1900000109",
            "wx8888888888888888",
            "1217752501201407033233368018",
            "1217752501201407033233368018",
            "888",
            "888",
        ],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            ApplyRefund::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
                parse_fen("amount.refund", param(name, values, 4)?)?,
                parse_fen("amount.total", param(name, values, 5)?)?,
            )?
            .with_out_trade_no(param(name, values, 3)?)?
            .request(context)
        },
        decode: |body| {
            let applied: RefundApplied = body.json()?;
            let _ = (format!("{applied:?}"), applied.create_time_at());
            Ok(())
        },
    },
    Endpoint {
        name: "GET /v3/ecommerce/refunds/id/{refund_id}",
        params: &["refund_id", "sub_mchid"],
        example: &["50000000382019052709732678859", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            QueryRefundById::new(param(name, values, 0)?, param(name, values, 1)?)?.request(context)
        },
        decode: decode_refund,
    },
    Endpoint {
        name: "GET /v3/ecommerce/refunds/out-refund-no/{out_refund_no}",
        params: &["out_refund_no", "sub_mchid"],
        example: &["1217752501201407033233368018", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            QueryRefundByOutRefundNo::new(param(name, values, 0)?, param(name, values, 1)?)?
                .request(context)
        },
        decode: decode_refund,
    },
    Endpoint {
        // To the merchant's account: the user's card would need a platform key to encrypt to.
        name: "POST /v3/ecommerce/refunds/{refund_id}/apply-abnormal-refund",
        params: &["refund_id", "sub_mchid", "out_refund_no"],
        example: &[
            "50000000382019052709732678859",
            "1900000109",
            "1217752501201407033233368018",
        ],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            ApplyAbnormalRefund::to_merchant_bank_card(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .request(context)
        },
        decode: decode_refund,
    },
    Endpoint {
        name: "POST /v3/ecommerce/refunds/{refund_id}/return-advance",
        params: &["refund_id", "sub_mchid"],
        example: &["50000000382019052709732678859", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[4].name;
            ReturnAdvance::new(param(name, values, 0)?, param(name, values, 1)?)?.request(context)
        },
        decode: decode_advance_return,
    },
    Endpoint {
        name: "GET /v3/ecommerce/refunds/{refund_id}/return-advance",
        params: &["refund_id", "sub_mchid"],
        example: &["50000000382019052709732678859", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[5].name;
            QueryReturnAdvance::new(param(name, values, 0)?, param(name, values, 1)?)?
                .request(context)
        },
        decode: decode_advance_return,
    },
];

fn decode_refund(body: VerifiedBody<'_>) -> Result<(), Error> {
    let refund: Refund = body.json()?;
    let _ = format!("{refund:?}");
    let _ = (
        refund.success_time_at(),
        refund.create_time_at(),
        refund.refund_status.is_final(),
    );
    Ok(())
}

fn decode_advance_return(body: VerifiedBody<'_>) -> Result<(), Error> {
    let advance: AdvanceReturn = body.json()?;
    let _ = (format!("{advance:?}"), advance.success_time_at());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::MerchantKey;
    use crate::ecommerce::test_support::field_of;
    use crate::platform_keys::PlatformKeys;
    use crate::sensitive::EncryptedField;
    use rand_core::SeedableRng;
    use serde_json::Value;
    use wechatpay_fixtures::pages;

    fn seeded() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::from_seed([7; 32])
    }

    fn body_of(parts: &RequestParts) -> Value {
        serde_json::from_slice(parts.signed_body()).unwrap()
    }

    fn answer(bytes: &str) -> VerifiedBody<'_> {
        VerifiedBody::new(bytes.as_bytes(), http::StatusCode::OK, None)
    }

    #[test]
    fn the_apply_builder_makes_the_page_example_request() {
        let refund = ApplyRefund::new(
            "1900000109",
            "wx8888888888888888",
            "1217752501201407033233368018",
            888,
            888,
        )
        .unwrap()
        .with_sub_appid("wx8888888888888888")
        .unwrap()
        .with_transaction_id("1217752501201407033233368018")
        .unwrap()
        .with_out_trade_no("1217752501201407033233368018")
        .unwrap()
        .with_reason("商品已售完")
        .unwrap()
        .with_notify_url("https://weixin.qq.com")
        .unwrap()
        .with_refund_account(RefundAccount::SubMerchant);
        let parts = refund
            .request(&mut RequestContext::new(
                &PlatformKeys::new(),
                &mut seeded(),
            ))
            .unwrap();
        assert_eq!(parts.method(), Method::POST);
        assert_eq!(parts.path_and_query(), APPLY);
        let expected: Value = serde_json::from_str(pages::ECOMMERCE_REFUND_APPLY_REQUEST).unwrap();
        assert_eq!(body_of(&parts), expected);
    }

    #[test]
    fn an_application_names_its_order_and_refunds_no_more_than_the_total() {
        let refund = ApplyRefund::new("1900000109", "wx1", "R1", 1, 1).unwrap();
        let error = refund
            .request(&mut RequestContext::new(
                &PlatformKeys::new(),
                &mut seeded(),
            ))
            .unwrap_err();
        assert_eq!(field_of(error), "transaction_id");
        let error = ApplyRefund::new("1900000109", "wx1", "R1", 889, 888).unwrap_err();
        assert_eq!(field_of(error), "amount.refund");
        assert_eq!(
            field_of(ApplyRefund::new("1900000109", "wx1", "R1", 0, 888).unwrap_err()),
            "amount.refund"
        );
        assert_eq!(
            field_of(ApplyRefund::new("1900000109", "wx1", "R 1", 1, 1).unwrap_err()),
            "out_refund_no"
        );
        assert_eq!(
            field_of(ApplyRefund::new("mch", "wx1", "R1", 1, 1).unwrap_err()),
            "sub_mchid"
        );
        assert_eq!(
            field_of(refund.clone().with_reason("因".repeat(81)).unwrap_err()),
            "reason"
        );
        assert_eq!(
            field_of(
                refund
                    .clone()
                    .with_notify_url("http://example.com/refunds")
                    .unwrap_err()
            ),
            "notify_url"
        );
        assert_eq!(
            field_of(refund.with_out_trade_no("x".repeat(33)).unwrap_err()),
            "out_trade_no"
        );
    }

    #[test]
    fn the_apply_answer_decodes() {
        let refund = ApplyRefund::new("1900000109", "wx1", "R1", 1, 1).unwrap();
        let applied = refund
            .decode(answer(pages::ECOMMERCE_REFUND_APPLY))
            .unwrap();
        assert_eq!(applied.refund_id, "1217752501201407033233368018");
        assert_eq!(applied.amount.refund, 888);
        assert_eq!(applied.amount.discount_refund, Some(888));
        assert_eq!(applied.amount.total, None);
        assert_eq!(applied.promotion_detail.len(), 2);
        assert_eq!(
            applied.promotion_detail[1].kind.as_deref(),
            Some("DISCOUNT")
        );
        assert_eq!(applied.refund_account, Some(RefundAccount::SubMerchant));
        assert!(applied.create_time_at().is_some());
    }

    #[test]
    fn both_queries_build_their_paths_and_read_the_status() {
        let by_id = QueryRefundById::new("50000000382019052709732678859", "1900000109").unwrap();
        let by_no = QueryRefundByOutRefundNo::new("R|2024*01@x", "1900000109").unwrap();
        let keys = PlatformKeys::new();
        assert_eq!(
            by_no
                .request(&mut RequestContext::new(&keys, &mut seeded()))
                .unwrap()
                .path_and_query(),
            "/v3/ecommerce/refunds/out-refund-no/R%7C2024%2A01%40x?sub_mchid=1900000109"
        );
        for refund in [
            by_id.decode(answer(pages::ECOMMERCE_REFUND)).unwrap(),
            by_no.decode(answer(pages::ECOMMERCE_REFUND)).unwrap(),
        ] {
            assert_eq!(refund.refund_status, RefundStatus::Success);
            assert!(refund.refund_status.is_final());
            assert_eq!(refund.channel, Some(RefundChannel::Original));
            assert_eq!(refund.funds_account, Some(FundsAccount::Unsettled));
            assert_eq!(refund.sp_mchid, None);
            assert_eq!(refund.amount.as_ref().map(|a| a.refund), Some(888));
            assert!(refund.success_time_at().is_some() && refund.create_time_at().is_some());
            assert!(
                !format!("{refund:?}").contains("0403"),
                "accounts never print"
            );
        }
        assert_eq!(
            field_of(QueryRefundById::new("5000/1", "1900000109").unwrap_err()),
            "refund_id"
        );
        assert_eq!(
            field_of(QueryRefundByOutRefundNo::new("", "1900000109").unwrap_err()),
            "out_refund_no"
        );
    }

    #[test]
    fn an_abnormal_refund_to_a_card_encrypts_the_card_and_the_name() {
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID,
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
        let abnormal = ApplyAbnormalRefund::to_user_bank_card(
            "50000000382019052709732678859",
            "1900000109",
            "1217752501201407033233368018",
            "ICBC_DEBIT",
            "6222020200000000000",
            "张三",
        )
        .unwrap();
        let shown = format!("{abnormal:?}");
        assert!(
            !shown.contains("6222") && !shown.contains("张三"),
            "{shown}"
        );
        let mut rng = seeded();
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = abnormal.request(&mut context).unwrap();
        assert_eq!(
            context.encryption_key().map(|k| k.serial()),
            Some(wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID)
        );
        assert_eq!(
            parts.path_and_query(),
            "/v3/ecommerce/refunds/50000000382019052709732678859/apply-abnormal-refund"
        );
        let mut sent = body_of(&parts);
        let platform = MerchantKey::from_pem(wechatpay_fixtures::keys::PLATFORM_KEY_PEM).unwrap();
        let mut rng = seeded();
        for (field, plaintext) in [
            ("bank_account", "6222020200000000000"),
            ("real_name", "张三"),
        ] {
            let ciphertext = EncryptedField::new(sent[field].as_str().unwrap());
            let decrypted = platform.decrypt(&ciphertext, &mut rng).unwrap();
            assert_eq!(decrypted.expose(), plaintext);
            // The page's example holds placeholders where the ciphertexts go.
            sent[field] = Value::Null;
        }
        let mut expected: Value =
            serde_json::from_str(pages::ECOMMERCE_REFUND_ABNORMAL_REQUEST).unwrap();
        expected["bank_account"] = Value::Null;
        expected["real_name"] = Value::Null;
        assert_eq!(sent, expected);

        let refund = abnormal
            .decode(answer(pages::ECOMMERCE_REFUND_ABNORMAL))
            .unwrap();
        let amount = refund.amount.unwrap();
        assert_eq!(amount.advance, Some(888));
        assert_eq!(amount.from[0].account, FromAccount::Available);
        assert_eq!(amount.from[0].amount, 444);
    }

    #[test]
    fn an_abnormal_refund_checks_its_fields_without_showing_them() {
        let card = |bank_account: &str, real_name: &str| {
            ApplyAbnormalRefund::to_user_bank_card(
                "5000",
                "1900000109",
                "R1",
                "ICBC_DEBIT",
                bank_account,
                real_name,
            )
        };
        let error = card("6222 0202", "张三").unwrap_err();
        assert!(!error.to_string().contains("6222"), "{error}");
        assert_eq!(field_of(error), "bank_account");
        assert_eq!(field_of(card("6222", "").unwrap_err()), "real_name");
        let to_merchant =
            ApplyAbnormalRefund::to_merchant_bank_card("5000", "1900000109", "R1").unwrap();
        assert_eq!(
            to_merchant.refund_type(),
            AbnormalRefundType::MerchantBankCard
        );
        // Nothing to encrypt: no platform key needed.
        let parts = to_merchant
            .request(&mut RequestContext::new(
                &PlatformKeys::new(),
                &mut seeded(),
            ))
            .unwrap();
        assert_eq!(
            body_of(&parts),
            serde_json::json!({"sub_mchid": "1900000109", "out_refund_no": "R1", "type": "MERCHANT_BANK_CARD"})
        );
    }

    #[test]
    fn the_return_of_an_advance_and_its_query() {
        let keys = PlatformKeys::new();
        let create = ReturnAdvance::new("50000000382019052709732678859", "1900000109").unwrap();
        let query = QueryReturnAdvance::new("50000000382019052709732678859", "1900000109").unwrap();
        assert_eq!(
            query
                .request(&mut RequestContext::new(&keys, &mut seeded()))
                .unwrap()
                .path_and_query(),
            "/v3/ecommerce/refunds/50000000382019052709732678859/return-advance?sub_mchid=1900000109"
        );
        for advance in [
            create
                .decode(answer(pages::ECOMMERCE_REFUND_RETURN_ADVANCE))
                .unwrap(),
            query
                .decode(answer(pages::ECOMMERCE_REFUND_RETURN_ADVANCE))
                .unwrap(),
        ] {
            assert_eq!(advance.return_amount, 888);
            assert_eq!(advance.payer_account, AccountType::Basic);
            assert_eq!(advance.payee_mchid, "1900000108");
            assert_eq!(advance.result, AdvanceReturnResult::Success);
            assert!(advance.success_time_at().is_some());
        }
    }
}
