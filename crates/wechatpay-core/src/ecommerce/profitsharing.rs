//! Profit sharing (分账) of sub-merchants' orders: share a paid order's money with receivers
//! (the platform's commission, suppliers), query it, finish it (the rest is unfrozen for the
//! sub-merchant), return shared money before a refund, manage the platform's receivers, and
//! ask what is left to share of an order.
//!
//! An order must have been placed with `profit_sharing` set. Sharing is asynchronous: a new
//! profit-sharing order is `PROCESSING`, then `FINISHED`; query it for each receiver's result.
//! Resubmitting with the same `out_order_no` (or `out_return_no`) is the same request.

use std::fmt;

use http::Method;
use serde::{Deserialize, Serialize};

use super::{CODE, OUT_NO, check_amount, check_text, parse_fen, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::SensitiveString;

const ORDERS: &str = "/v3/ecommerce/profitsharing/orders";
const FINISH_ORDER: &str = "/v3/ecommerce/profitsharing/finish-order";
const RETURN_ORDERS: &str = "/v3/ecommerce/profitsharing/returnorders";
const RECEIVERS_ADD: &str = "/v3/ecommerce/profitsharing/receivers/add";
const RECEIVERS_DELETE: &str = "/v3/ecommerce/profitsharing/receivers/delete";

/// The most receivers one profit-sharing request may name.
pub const MAX_RECEIVERS: usize = 50;

protocol_enum! {
    /// `type` of a receiver.
    pub enum ReceiverType {
        /// A merchant, by merchant id.
        MerchantId => "MERCHANT_ID",
        /// A person, by openid under the platform's AppID.
        PersonalOpenid => "PERSONAL_OPENID",
    }
}

protocol_enum! {
    /// `relation_type`: what a receiver is to the sub-merchants.
    pub enum RelationType {
        /// 供应商.
        Supplier => "SUPPLIER",
        /// 分销商.
        Distributor => "DISTRIBUTOR",
        /// 服务商.
        ServiceProvider => "SERVICE_PROVIDER",
        /// 平台.
        Platform => "PLATFORM",
        /// 其他.
        Others => "OTHERS",
    }
}

/// A receiver's account: a merchant id is shown by `Debug`, an openid is not (it identifies a
/// person).
fn account_shown<'a>(kind: &ReceiverType, account: &'a str) -> &'a str {
    match kind {
        ReceiverType::MerchantId => account,
        _ => "<redacted>",
    }
}

/// Checks a receiver's account as its type requires.
fn check_account(field: &'static str, kind: &ReceiverType, account: &str) -> Result<(), Error> {
    match kind {
        ReceiverType::MerchantId => MchId::parse(account, field).map(|_| ()),
        _ => check_text(field, account, 64, Some(&CODE)),
    }
}

/// One receiver of a profit-sharing request: who, how much, and why.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareTo {
    kind: ReceiverType,
    account: String,
    amount: u64,
    description: String,
    name: Option<SensitiveString>,
}

impl ShareTo {
    /// `amount` fen to the merchant `receiver_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `receiver_account` unless 1 to 32 digits; `amount` unless at
    /// least 1 fen; `description` unless 1 to 80 characters.
    pub fn merchant(
        receiver_mchid: &str,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        ShareTo::new(
            ReceiverType::MerchantId,
            receiver_mchid,
            amount,
            description,
        )
    }

    /// `amount` fen to the person with `openid` under the platform's AppID (give the AppID
    /// with [`CreateProfitSharingOrder::with_appid`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `receiver_account` unless 1 to 64 ASCII letters, digits, `_`
    /// or `-`; as [`ShareTo::merchant`] otherwise.
    pub fn personal_openid(
        openid: &str,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        ShareTo::new(ReceiverType::PersonalOpenid, openid, amount, description)
    }

    fn new(
        kind: ReceiverType,
        account: &str,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let description = description.into();
        check_account("receiver_account", &kind, account)?;
        check_amount("amount", amount)?;
        check_text("description", &description, 80, None)?;
        Ok(ShareTo {
            kind,
            account: account.to_owned(),
            amount,
            description,
            name: None,
        })
    }

    /// With the receiver's name, sent encrypted as `receiver_name`: for a person, the
    /// platform then checks it against the real name of the openid's account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`receiver_name`) unless 1 to 64 characters; the message never
    /// shows the name.
    pub fn with_name(self, name: impl Into<String>) -> Result<Self, Error> {
        let name = SensitiveString::new(name);
        check_name("receiver_name", &name)?;
        Ok(ShareTo {
            name: Some(name),
            ..self
        })
    }

    /// The amount, in fen.
    pub fn amount(&self) -> u64 {
        self.amount
    }
}

impl fmt::Debug for ShareTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareTo")
            .field("type", &self.kind)
            .field(
                "receiver_account",
                &account_shown(&self.kind, &self.account),
            )
            .field("amount", &self.amount)
            .field("description", &self.description)
            .field("receiver_name", &self.name)
            .finish()
    }
}

fn check_name(field: &'static str, name: &SensitiveString) -> Result<(), Error> {
    let chars = name.expose().chars().count();
    if chars == 0 || chars > 64 {
        return Err(Error::invalid(
            field,
            format!("must be 1 to 64 characters, got {chars}"),
        ));
    }
    Ok(())
}

/// `POST /v3/ecommerce/profitsharing/orders`: shares a paid order's money with up to
/// [`MAX_RECEIVERS`] receivers.
///
/// Receivers' names are encrypted to a platform key while the request is built.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::profitsharing::{CreateProfitSharingOrder, ShareTo};
///
/// let order = CreateProfitSharingOrder::new(
///     "1900000109",
///     "4208450740201411110007820472",
///     "P20150806125346",
///     vec![ShareTo::merchant("1900000100", 100, "平台佣金")?],
/// )?
/// .with_finish(true);
/// let parts = order.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/profitsharing/orders");
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateProfitSharingOrder {
    sub_mchid: MchId,
    appid: Option<String>,
    transaction_id: String,
    out_order_no: String,
    receivers: Vec<ShareTo>,
    finish: bool,
}

#[derive(Serialize)]
struct OrderBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    sub_mchid: &'a str,
    transaction_id: &'a str,
    out_order_no: &'a str,
    receivers: Vec<ReceiverBody<'a>>,
    finish: bool,
}

#[derive(Serialize)]
struct ReceiverBody<'a> {
    #[serde(rename = "type")]
    kind: &'a ReceiverType,
    receiver_account: &'a str,
    amount: u64,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver_name: Option<String>,
}

impl CreateProfitSharingOrder {
    /// Shares the order `transaction_id` of `sub_mchid`, numbered `out_order_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `transaction_id` unless 1
    /// to 32 ASCII letters, digits, `_` or `-`; `out_order_no` unless 1 to 64 ASCII letters,
    /// digits or `_-|*@`; `receivers` unless 1 to [`MAX_RECEIVERS`].
    pub fn new(
        sub_mchid: &str,
        transaction_id: impl Into<String>,
        out_order_no: impl Into<String>,
        receivers: Vec<ShareTo>,
    ) -> Result<Self, Error> {
        let (sub_mchid, transaction_id, out_order_no) =
            sharing_order(sub_mchid, transaction_id.into(), out_order_no.into())?;
        if receivers.is_empty() || receivers.len() > MAX_RECEIVERS {
            return Err(Error::invalid(
                "receivers",
                format!(
                    "must name 1 to {MAX_RECEIVERS} receivers, got {}",
                    receivers.len()
                ),
            ));
        }
        Ok(CreateProfitSharingOrder {
            sub_mchid,
            appid: None,
            transaction_id,
            out_order_no,
            receivers,
            finish: false,
        })
    }

    /// The platform's AppID, which personal receivers' openids belong to (required with
    /// them).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_appid(self, appid: impl Into<String>) -> Result<Self, Error> {
        let appid = appid.into();
        check_text("appid", &appid, 32, Some(&CODE))?;
        Ok(CreateProfitSharingOrder {
            appid: Some(appid),
            ..self
        })
    }

    /// Whether this is the order's last sharing: then what is left is unfrozen for the
    /// sub-merchant, and the order cannot be shared again (`false` by default).
    pub fn with_finish(self, finish: bool) -> Self {
        CreateProfitSharingOrder { finish, ..self }
    }

    /// The total shared, in fen.
    pub fn total(&self) -> u64 {
        self.receivers.iter().map(|r| r.amount).sum()
    }
}

impl Operation for CreateProfitSharingOrder {
    type Output = ProfitSharingOrder;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        if self.appid.is_none()
            && self
                .receivers
                .iter()
                .any(|r| r.kind == ReceiverType::PersonalOpenid)
        {
            return Err(Error::invalid(
                "appid",
                "personal receivers are openids under an AppID: give it with with_appid",
            ));
        }
        let mut receivers = Vec::with_capacity(self.receivers.len());
        for receiver in &self.receivers {
            receivers.push(ReceiverBody {
                kind: &receiver.kind,
                receiver_account: &receiver.account,
                amount: receiver.amount,
                description: &receiver.description,
                receiver_name: receiver
                    .name
                    .as_ref()
                    .map(|name| context.encrypt(name.expose()))
                    .transpose()?,
            });
        }
        RequestParts::json(
            Method::POST,
            ORDERS,
            &OrderBody {
                appid: self.appid.as_deref(),
                sub_mchid: self.sub_mchid.as_str(),
                transaction_id: &self.transaction_id,
                out_order_no: &self.out_order_no,
                receivers,
                finish: self.finish,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ProfitSharingOrder, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/profitsharing/orders?sub_mchid=...&transaction_id=...&out_order_no=...`:
/// a profit-sharing order and each receiver's result.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::profitsharing::QueryProfitSharingOrder;
///
/// let query = QueryProfitSharingOrder::new("1900000109", "4208450740201411110007820472", "P20150806125346")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/profitsharing/orders?sub_mchid=1900000109&transaction_id=4208450740201411110007820472&out_order_no=P20150806125346"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProfitSharingOrder {
    sub_mchid: MchId,
    transaction_id: String,
    out_order_no: String,
}

impl QueryProfitSharingOrder {
    /// The query for `out_order_no` of the order `transaction_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], as [`CreateProfitSharingOrder::new`] checks the same fields.
    pub fn new(
        sub_mchid: &str,
        transaction_id: impl Into<String>,
        out_order_no: impl Into<String>,
    ) -> Result<Self, Error> {
        let (sub_mchid, transaction_id, out_order_no) =
            sharing_order(sub_mchid, transaction_id.into(), out_order_no.into())?;
        Ok(QueryProfitSharingOrder {
            sub_mchid,
            transaction_id,
            out_order_no,
        })
    }
}

impl Operation for QueryProfitSharingOrder {
    type Output = ProfitSharingOrder;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(ORDERS)?
            .query("sub_mchid", self.sub_mchid.as_str())
            .query("transaction_id", &self.transaction_id)
            .query("out_order_no", &self.out_order_no)
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ProfitSharingOrder, Error> {
        body.json()
    }
}

/// A profit-sharing order, as created or queried.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ProfitSharingOrder {
    /// The sub-merchant whose money is shared.
    pub sub_mchid: String,
    /// The order shared.
    pub transaction_id: String,
    /// Your number of the profit-sharing order.
    pub out_order_no: String,
    /// WeChat Pay's number of it.
    pub order_id: String,
    /// Its state.
    pub status: ProfitSharingStatus,
    /// Each receiver's result; absent when the query concerns a finishing.
    #[serde(default)]
    pub receivers: Vec<ReceiverResult>,
    /// Why it was closed (`CLOSED` only), such as `NO_AUTH`.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// For a finishing: the amount unfrozen for the sub-merchant, in fen.
    #[serde(default)]
    pub finish_amount: Option<u64>,
    /// For a finishing: its description.
    #[serde(default)]
    pub finish_description: Option<String>,
}

protocol_enum! {
    /// `status` of a profit-sharing order.
    pub enum ProfitSharingStatus {
        /// 处理中.
        Processing => "PROCESSING",
        /// 分账完成.
        Finished => "FINISHED",
        /// 已关单: closed without sharing; see `close_reason`.
        Closed => "CLOSED",
    }
}

/// One receiver's share and its result.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ReceiverResult {
    /// The receiver's type.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// The receiver's account: a merchant id, or an openid (not shown by `Debug`).
    pub receiver_account: String,
    /// The receiving merchant, on older answers.
    #[serde(default)]
    pub receiver_mchid: Option<String>,
    /// The amount, in fen.
    pub amount: u64,
    /// Why.
    pub description: String,
    /// The result.
    pub result: ReceiverResultState,
    /// WeChat Pay's number of this share.
    pub detail_id: String,
    /// Why it failed, when it did.
    #[serde(default)]
    pub fail_reason: Option<ReceiverFailReason>,
    /// When it completed, RFC 3339 with milliseconds; see [`ReceiverResult::finish_time_at`].
    #[serde(default)]
    pub finish_time: Option<String>,
}

impl ReceiverResult {
    /// [`ReceiverResult::finish_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn finish_time_at(&self) -> Option<time::OffsetDateTime> {
        self.finish_time.as_deref().and_then(parse_rfc3339)
    }
}

impl fmt::Debug for ReceiverResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverResult")
            .field("type", &self.kind)
            .field(
                "receiver_account",
                &account_shown(&self.kind, &self.receiver_account),
            )
            .field("receiver_mchid", &self.receiver_mchid)
            .field("amount", &self.amount)
            .field("description", &self.description)
            .field("result", &self.result)
            .field("detail_id", &self.detail_id)
            .field("fail_reason", &self.fail_reason)
            .field("finish_time", &self.finish_time)
            .finish()
    }
}

protocol_enum! {
    /// `result` of one receiver's share.
    pub enum ReceiverResultState {
        /// 待分账.
        Pending => "PENDING",
        /// 分账成功.
        Success => "SUCCESS",
        /// 已关闭: see `fail_reason`.
        Closed => "CLOSED",
    }
}

protocol_enum! {
    /// `fail_reason` of one receiver's share.
    pub enum ReceiverFailReason {
        /// 分账接收账户异常.
        AccountAbnormal => "ACCOUNT_ABNORMAL",
        /// 分账关系已解除.
        NoRelation => "NO_RELATION",
        /// 高风险接收方.
        ReceiverHighRisk => "RECEIVER_HIGH_RISK",
        /// 接收方未实名.
        ReceiverRealNameNotVerified => "RECEIVER_REAL_NAME_NOT_VERIFIED",
        /// 分账权限已解除.
        NoAuth => "NO_AUTH",
    }
}

/// `POST /v3/ecommerce/profitsharing/finish-order`: ends the sharing of an order: what is left
/// is unfrozen for the sub-merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishProfitSharingOrder {
    sub_mchid: MchId,
    transaction_id: String,
    out_order_no: String,
    description: String,
}

#[derive(Serialize)]
struct FinishBody<'a> {
    sub_mchid: &'a str,
    transaction_id: &'a str,
    out_order_no: &'a str,
    description: &'a str,
}

impl FinishProfitSharingOrder {
    /// Finishes the order `transaction_id` of `sub_mchid`, as the profit-sharing order
    /// `out_order_no` (a number of its own, not one used to share).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`], as [`CreateProfitSharingOrder::new`]; `description` unless 1
    /// to 80 characters.
    pub fn new(
        sub_mchid: &str,
        transaction_id: impl Into<String>,
        out_order_no: impl Into<String>,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let query = QueryProfitSharingOrder::new(sub_mchid, transaction_id, out_order_no)?;
        let description = description.into();
        check_text("description", &description, 80, None)?;
        Ok(FinishProfitSharingOrder {
            sub_mchid: query.sub_mchid,
            transaction_id: query.transaction_id,
            out_order_no: query.out_order_no,
            description,
        })
    }
}

impl Operation for FinishProfitSharingOrder {
    type Output = FinishedOrder;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            FINISH_ORDER,
            &FinishBody {
                sub_mchid: self.sub_mchid.as_str(),
                transaction_id: &self.transaction_id,
                out_order_no: &self.out_order_no,
                description: &self.description,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<FinishedOrder, Error> {
        body.json()
    }
}

/// The answer to [`FinishProfitSharingOrder`]: the finishing was accepted; query it with
/// [`QueryProfitSharingOrder`] for `finish_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FinishedOrder {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The order.
    pub transaction_id: String,
    /// Your number of the finishing.
    pub out_order_no: String,
    /// WeChat Pay's number of it.
    pub order_id: String,
}

/// Which profit-sharing order a return concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SharedOrder {
    OrderId(String),
    OutOrderNo(String),
}

/// `POST /v3/ecommerce/profitsharing/returnorders`: takes back money shared with a merchant
/// receiver (before refunding the order, for one), into the sub-merchant's account.
///
/// Name the profit-sharing order with [`CreateReturnOrder::with_order_id`] or
/// [`CreateReturnOrder::with_out_order_no`] (either, or both); the request is refused before
/// signing without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateReturnOrder {
    sub_mchid: MchId,
    order_id: Option<String>,
    out_order_no: Option<String>,
    out_return_no: String,
    return_mchid: MchId,
    amount: u64,
    description: String,
}

#[derive(Serialize)]
struct ReturnBody<'a> {
    sub_mchid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_order_no: Option<&'a str>,
    out_return_no: &'a str,
    return_mchid: &'a str,
    amount: u64,
    description: &'a str,
}

impl CreateReturnOrder {
    /// Takes `amount` fen back from the merchant `return_mchid`, numbered `out_return_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` and `return_mchid` unless 1 to 32 digits;
    /// `out_return_no` unless 1 to 64 ASCII letters, digits or `_-|*@`; `amount` unless at
    /// least 1 fen; `description` unless 1 to 80 characters.
    pub fn new(
        sub_mchid: &str,
        out_return_no: impl Into<String>,
        return_mchid: &str,
        amount: u64,
        description: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_return_no = out_return_no.into();
        let description = description.into();
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        check_out_return_no(&out_return_no)?;
        let return_mchid = MchId::parse(return_mchid, "return_mchid")?;
        check_amount("amount", amount)?;
        check_text("description", &description, 80, None)?;
        Ok(CreateReturnOrder {
            sub_mchid,
            order_id: None,
            out_order_no: None,
            out_return_no,
            return_mchid,
            amount,
            description,
        })
    }

    /// The profit-sharing order by WeChat Pay's number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`order_id`) unless 1 to 64 ASCII letters, digits, `_` or `-`.
    pub fn with_order_id(self, order_id: impl Into<String>) -> Result<Self, Error> {
        let order_id = order_id.into();
        check_order_id(&order_id)?;
        Ok(CreateReturnOrder {
            order_id: Some(order_id),
            ..self
        })
    }

    /// The profit-sharing order by your number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`out_order_no`) unless 1 to 64 ASCII letters, digits or
    /// `_-|*@`.
    pub fn with_out_order_no(self, out_order_no: impl Into<String>) -> Result<Self, Error> {
        let out_order_no = out_order_no.into();
        check_out_order_no(&out_order_no)?;
        Ok(CreateReturnOrder {
            out_order_no: Some(out_order_no),
            ..self
        })
    }
}

impl Operation for CreateReturnOrder {
    type Output = ReturnOrder;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        if self.order_id.is_none() && self.out_order_no.is_none() {
            return Err(Error::invalid(
                "order_id",
                "name the profit-sharing order: give order_id or out_order_no",
            ));
        }
        RequestParts::json(
            Method::POST,
            RETURN_ORDERS,
            &ReturnBody {
                sub_mchid: self.sub_mchid.as_str(),
                order_id: self.order_id.as_deref(),
                out_order_no: self.out_order_no.as_deref(),
                out_return_no: &self.out_return_no,
                return_mchid: self.return_mchid.as_str(),
                amount: self.amount,
                description: &self.description,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ReturnOrder, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/profitsharing/returnorders?sub_mchid=...&out_order_no=...&out_return_no=...`
/// (or `order_id` instead of `out_order_no`): a return and its result.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::profitsharing::QueryReturnOrder;
///
/// let query = QueryReturnOrder::by_out_order_no("1900000109", "P20150806125346", "R20190516001")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/profitsharing/returnorders?sub_mchid=1900000109&out_order_no=P20150806125346&out_return_no=R20190516001"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryReturnOrder {
    sub_mchid: MchId,
    order: SharedOrder,
    out_return_no: String,
}

impl QueryReturnOrder {
    /// The return `out_return_no` of the profit-sharing order `out_order_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `out_order_no` and
    /// `out_return_no` unless 1 to 64 ASCII letters, digits or `_-|*@`.
    pub fn by_out_order_no(
        sub_mchid: &str,
        out_order_no: impl Into<String>,
        out_return_no: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_order_no = out_order_no.into();
        check_out_order_no(&out_order_no)?;
        QueryReturnOrder::new(
            sub_mchid,
            SharedOrder::OutOrderNo(out_order_no),
            out_return_no,
        )
    }

    /// The return `out_return_no` of the profit-sharing order `order_id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `order_id` unless 1 to 64 ASCII letters, digits, `_` or `-`;
    /// as [`QueryReturnOrder::by_out_order_no`] otherwise.
    pub fn by_order_id(
        sub_mchid: &str,
        order_id: impl Into<String>,
        out_return_no: impl Into<String>,
    ) -> Result<Self, Error> {
        let order_id = order_id.into();
        check_order_id(&order_id)?;
        QueryReturnOrder::new(sub_mchid, SharedOrder::OrderId(order_id), out_return_no)
    }

    fn new(
        sub_mchid: &str,
        order: SharedOrder,
        out_return_no: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_return_no = out_return_no.into();
        let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
        check_out_return_no(&out_return_no)?;
        Ok(QueryReturnOrder {
            sub_mchid,
            order,
            out_return_no,
        })
    }
}

impl Operation for QueryReturnOrder {
    type Output = ReturnOrder;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(RETURN_ORDERS)?.query("sub_mchid", self.sub_mchid.as_str());
        let path = match &self.order {
            SharedOrder::OrderId(order_id) => path.query("order_id", order_id),
            SharedOrder::OutOrderNo(out_order_no) => path.query("out_order_no", out_order_no),
        };
        let path = path.query("out_return_no", &self.out_return_no).finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ReturnOrder, Error> {
        body.json()
    }
}

/// A return of shared money, as created or queried.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ReturnOrder {
    /// The sub-merchant the money returns to.
    pub sub_mchid: String,
    /// WeChat Pay's number of the profit-sharing order.
    pub order_id: String,
    /// Your number of the profit-sharing order.
    pub out_order_no: String,
    /// Your number of the return.
    pub out_return_no: String,
    /// WeChat Pay's number of the return.
    pub return_no: String,
    /// The merchant the money is taken from.
    pub return_mchid: String,
    /// The amount, in fen.
    pub amount: u64,
    /// The result.
    pub result: ReturnResult,
    /// Why it failed (`FAILED` only).
    #[serde(default)]
    pub fail_reason: Option<ReturnFailReason>,
    /// When it completed, RFC 3339 with milliseconds; see [`ReturnOrder::finish_time_at`].
    #[serde(default)]
    pub finish_time: Option<String>,
    /// The order shared, on newer answers.
    #[serde(default)]
    pub transaction_id: Option<String>,
}

impl ReturnOrder {
    /// [`ReturnOrder::finish_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn finish_time_at(&self) -> Option<time::OffsetDateTime> {
        self.finish_time.as_deref().and_then(parse_rfc3339)
    }
}

protocol_enum! {
    /// `result` of a return.
    pub enum ReturnResult {
        /// 处理中: query again with the same numbers; never change `out_return_no`.
        Processing => "PROCESSING",
        /// 已成功.
        Success => "SUCCESS",
        /// 已失败: see `fail_reason`.
        Failed => "FAILED",
    }
}

protocol_enum! {
    /// `fail_reason` of a return.
    pub enum ReturnFailReason {
        /// 分账接收方账户异常.
        AccountAbnormal => "ACCOUNT_ABNORMAL",
        /// 超时关单: still processing after 5 days.
        TimeOutClosed => "TIME_OUT_CLOSED",
        /// 原分账分出方账户异常.
        PayerAccountAbnormal => "PAYER_ACCOUNT_ABNORMAL",
        /// 描述参数设置失败.
        InvalidRequest => "INVALID_REQUEST",
    }
}

/// `POST /v3/ecommerce/profitsharing/receivers/add`: adds a receiver to the platform's list,
/// which every sub-merchant can then share with.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::profitsharing::{AddReceiver, RelationType};
///
/// let add = AddReceiver::merchant("190001001", "张三网络公司", RelationType::Supplier)?;
/// assert!(!format!("{add:?}").contains("张三"));
/// let parts = add.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/profitsharing/receivers/add");
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AddReceiver {
    appid: Option<String>,
    kind: ReceiverType,
    account: String,
    name: Option<SensitiveString>,
    encrypted_name: Option<SensitiveString>,
    relation_type: RelationType,
}

#[derive(Serialize)]
struct AddBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a ReceiverType,
    account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted_name: Option<String>,
    relation_type: &'a RelationType,
}

impl AddReceiver {
    /// A merchant, by `receiver_mchid` and its full registered `name` (the holder's name for
    /// individual businesses), which the platform checks.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `account` unless 1 to 32 digits; `name` unless 1 to 256
    /// characters; `relation_type` unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn merchant(
        receiver_mchid: &str,
        name: impl Into<String>,
        relation_type: RelationType,
    ) -> Result<Self, Error> {
        let name = SensitiveString::new(name);
        let chars = name.expose().chars().count();
        if chars == 0 || chars > 256 {
            return Err(Error::invalid(
                "name",
                format!("must be 1 to 256 characters, got {chars}"),
            ));
        }
        let receiver = AddReceiver::new(ReceiverType::MerchantId, receiver_mchid, relation_type)?;
        Ok(AddReceiver {
            name: Some(name),
            ..receiver
        })
    }

    /// A person, by `openid` under the platform's AppID (give it with
    /// [`AddReceiver::with_appid`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `account` unless 1 to 64 ASCII letters, digits, `_` or `-`;
    /// `relation_type` as in [`AddReceiver::merchant`].
    pub fn personal_openid(openid: &str, relation_type: RelationType) -> Result<Self, Error> {
        AddReceiver::new(ReceiverType::PersonalOpenid, openid, relation_type)
    }

    fn new(kind: ReceiverType, account: &str, relation_type: RelationType) -> Result<Self, Error> {
        check_account("account", &kind, account)?;
        check_text("relation_type", relation_type.as_str(), 32, Some(&CODE))?;
        Ok(AddReceiver {
            appid: None,
            kind,
            account: account.to_owned(),
            name: None,
            encrypted_name: None,
            relation_type,
        })
    }

    /// The AppID a person's openid belongs to (required for persons).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_appid(self, appid: impl Into<String>) -> Result<Self, Error> {
        let appid = appid.into();
        check_text("appid", &appid, 32, Some(&CODE))?;
        Ok(AddReceiver {
            appid: Some(appid),
            ..self
        })
    }

    /// A person's real name, sent encrypted as `encrypted_name`: the platform then checks it
    /// against the openid's account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`encrypted_name`): for a merchant (whose name is `name`), or
    /// unless 1 to 64 characters; the message never shows the name.
    pub fn with_encrypted_name(self, name: impl Into<String>) -> Result<Self, Error> {
        let name = SensitiveString::new(name);
        if self.kind == ReceiverType::MerchantId {
            return Err(Error::invalid(
                "encrypted_name",
                "is for persons: a merchant's name goes in name, in clear",
            ));
        }
        check_name("encrypted_name", &name)?;
        Ok(AddReceiver {
            encrypted_name: Some(name),
            ..self
        })
    }
}

impl fmt::Debug for AddReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddReceiver")
            .field("appid", &self.appid)
            .field("type", &self.kind)
            .field("account", &account_shown(&self.kind, &self.account))
            .field("name", &self.name)
            .field("encrypted_name", &self.encrypted_name)
            .field("relation_type", &self.relation_type)
            .finish()
    }
}

impl Operation for AddReceiver {
    type Output = Receiver;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        check_personal_appid(&self.kind, self.appid.as_deref())?;
        let encrypted_name = self
            .encrypted_name
            .as_ref()
            .map(|name| context.encrypt(name.expose()))
            .transpose()?;
        RequestParts::json(
            Method::POST,
            RECEIVERS_ADD,
            &AddBody {
                appid: self.appid.as_deref(),
                kind: &self.kind,
                account: &self.account,
                name: self.name.as_ref().map(SensitiveString::expose),
                encrypted_name,
                relation_type: &self.relation_type,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Receiver, Error> {
        body.json()
    }
}

/// `POST /v3/ecommerce/profitsharing/receivers/delete`: removes a receiver from the platform's
/// list.
#[derive(Clone, PartialEq, Eq)]
pub struct DeleteReceiver {
    appid: Option<String>,
    kind: ReceiverType,
    account: String,
}

#[derive(Serialize)]
struct DeleteBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a ReceiverType,
    account: &'a str,
}

impl DeleteReceiver {
    /// The merchant `receiver_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account`) unless 1 to 32 digits.
    pub fn merchant(receiver_mchid: &str) -> Result<Self, Error> {
        DeleteReceiver::new(ReceiverType::MerchantId, receiver_mchid)
    }

    /// The person with `openid` (give the AppID with [`DeleteReceiver::with_appid`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account`) unless 1 to 64 ASCII letters, digits, `_` or `-`.
    pub fn personal_openid(openid: &str) -> Result<Self, Error> {
        DeleteReceiver::new(ReceiverType::PersonalOpenid, openid)
    }

    fn new(kind: ReceiverType, account: &str) -> Result<Self, Error> {
        check_account("account", &kind, account)?;
        Ok(DeleteReceiver {
            appid: None,
            kind,
            account: account.to_owned(),
        })
    }

    /// The AppID a person's openid belongs to (required for persons).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_appid(self, appid: impl Into<String>) -> Result<Self, Error> {
        let appid = appid.into();
        check_text("appid", &appid, 32, Some(&CODE))?;
        Ok(DeleteReceiver {
            appid: Some(appid),
            ..self
        })
    }
}

impl fmt::Debug for DeleteReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteReceiver")
            .field("appid", &self.appid)
            .field("type", &self.kind)
            .field("account", &account_shown(&self.kind, &self.account))
            .finish()
    }
}

impl Operation for DeleteReceiver {
    type Output = Receiver;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        check_personal_appid(&self.kind, self.appid.as_deref())?;
        RequestParts::json(
            Method::POST,
            RECEIVERS_DELETE,
            &DeleteBody {
                appid: self.appid.as_deref(),
                kind: &self.kind,
                account: &self.account,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Receiver, Error> {
        body.json()
    }
}

fn check_personal_appid(kind: &ReceiverType, appid: Option<&str>) -> Result<(), Error> {
    if *kind != ReceiverType::MerchantId && appid.is_none() {
        return Err(Error::invalid(
            "appid",
            "a person's openid belongs to an AppID: give it with with_appid",
        ));
    }
    Ok(())
}

/// The receiver added or deleted.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Receiver {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// Its account: a merchant id, or an openid (not shown by `Debug`).
    pub account: String,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("type", &self.kind)
            .field("account", &account_shown(&self.kind, &self.account))
            .finish()
    }
}

/// `GET /v3/ecommerce/profitsharing/orders/{transaction_id}/amounts`: what is left to share of
/// an order.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::profitsharing::QueryUnsplitAmount;
///
/// let query = QueryUnsplitAmount::new("4208450740201411110007820472")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/profitsharing/orders/4208450740201411110007820472/amounts"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryUnsplitAmount {
    transaction_id: String,
}

impl QueryUnsplitAmount {
    /// The query for the order `transaction_id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`transaction_id`) unless 1 to 32 ASCII letters, digits, `_`
    /// or `-`.
    pub fn new(transaction_id: impl Into<String>) -> Result<Self, Error> {
        let transaction_id = transaction_id.into();
        check_transaction_id(&transaction_id)?;
        Ok(QueryUnsplitAmount { transaction_id })
    }
}

impl Operation for QueryUnsplitAmount {
    type Output = UnsplitAmount;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(ORDERS)?
            .segment("transaction_id", &self.transaction_id)?
            .segment("action", "amounts")?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<UnsplitAmount, Error> {
        body.json()
    }
}

/// What is left to share of an order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UnsplitAmount {
    /// The order.
    pub transaction_id: String,
    /// What is left to share, in fen.
    pub unsplit_amount: u64,
}

/// A profit-sharing order's names, checked in the order the constructors document them.
fn sharing_order(
    sub_mchid: &str,
    transaction_id: String,
    out_order_no: String,
) -> Result<(MchId, String, String), Error> {
    let sub_mchid = MchId::parse(sub_mchid, "sub_mchid")?;
    check_transaction_id(&transaction_id)?;
    check_out_order_no(&out_order_no)?;
    Ok((sub_mchid, transaction_id, out_order_no))
}

fn check_transaction_id(transaction_id: &str) -> Result<(), Error> {
    check_text("transaction_id", transaction_id, 32, Some(&CODE))
}

fn check_out_order_no(out_order_no: &str) -> Result<(), Error> {
    check_text("out_order_no", out_order_no, 64, Some(&OUT_NO))
}

fn check_out_return_no(out_return_no: &str) -> Result<(), Error> {
    check_text("out_return_no", out_return_no, 64, Some(&OUT_NO))
}

fn check_order_id(order_id: &str) -> Result<(), Error> {
    check_text("order_id", order_id, 64, Some(&CODE))
}

/// The profit-sharing operations, for [`crate::endpoint::endpoints`]. Receivers' names are left
/// out: encrypting them needs a platform key, which the fuzz targets go without.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/ecommerce/profitsharing/orders",
        params: &[
            "sub_mchid",
            "appid",
            "transaction_id",
            "out_order_no",
            "receiver_account",
            "description",
            "amount",
        ],
        example: &[
            "1900000109",
            "wx8888888888888888",
            "4208450740201411110007820472",
            "P20150806125346",
            "1900000109",
            "分给商户1900000110",
            "100",
        ],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            let receiver = ShareTo::merchant(
                param(name, values, 4)?,
                parse_fen("amount", param(name, values, 6)?)?,
                param(name, values, 5)?,
            )?;
            CreateProfitSharingOrder::new(
                param(name, values, 0)?,
                param(name, values, 2)?,
                param(name, values, 3)?,
                vec![receiver],
            )?
            .with_appid(param(name, values, 1)?)?
            .with_finish(true)
            .request(context)
        },
        decode: decode_order,
    },
    Endpoint {
        name: "GET /v3/ecommerce/profitsharing/orders",
        params: &["sub_mchid", "transaction_id", "out_order_no"],
        example: &[
            "1900000109",
            "4208450740201411110007820472",
            "P20150806125346",
        ],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            QueryProfitSharingOrder::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .request(context)
        },
        decode: decode_order,
    },
    Endpoint {
        name: "POST /v3/ecommerce/profitsharing/finish-order",
        params: &["sub_mchid", "transaction_id", "out_order_no", "description"],
        example: &[
            "1900000109",
            "4208450740201411110007820472",
            "P20150806125346",
            "分账完结",
        ],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            FinishProfitSharingOrder::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
                param(name, values, 3)?,
            )?
            .request(context)
        },
        decode: |body| {
            let finished: FinishedOrder = body.json()?;
            let _ = format!("{finished:?}");
            Ok(())
        },
    },
    Endpoint {
        name: "POST /v3/ecommerce/profitsharing/returnorders",
        params: &[
            "sub_mchid",
            "out_order_no",
            "out_return_no",
            "return_mchid",
            "description",
            "amount",
        ],
        example: &[
            "1900000109",
            "P20150806125346",
            "R20190516001",
            "86693852",
            "分账回退",
            "10",
        ],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            CreateReturnOrder::new(
                param(name, values, 0)?,
                param(name, values, 2)?,
                param(name, values, 3)?,
                parse_fen("amount", param(name, values, 5)?)?,
                param(name, values, 4)?,
            )?
            .with_out_order_no(param(name, values, 1)?)?
            .request(context)
        },
        decode: decode_return,
    },
    Endpoint {
        name: "GET /v3/ecommerce/profitsharing/returnorders",
        params: &["sub_mchid", "out_order_no", "out_return_no"],
        example: &["1900000109", "P20150806125346", "R20190516001"],
        request: |values, context| {
            let name = ENDPOINTS[4].name;
            QueryReturnOrder::by_out_order_no(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .request(context)
        },
        decode: decode_return,
    },
    Endpoint {
        name: "POST /v3/ecommerce/profitsharing/receivers/add",
        params: &["appid", "account", "name", "relation_type"],
        example: &[
            "wx8888888888888888",
            "190001001",
            "张三网络公司",
            "SUPPLIER",
        ],
        request: |values, context| {
            let name = ENDPOINTS[5].name;
            AddReceiver::merchant(
                param(name, values, 1)?,
                param(name, values, 2)?,
                RelationType::from(param(name, values, 3)?),
            )?
            .with_appid(param(name, values, 0)?)?
            .request(context)
        },
        decode: decode_receiver,
    },
    Endpoint {
        name: "POST /v3/ecommerce/profitsharing/receivers/delete",
        params: &["appid", "account"],
        example: &["wx8888888888888888", "190001001"],
        request: |values, context| {
            let name = ENDPOINTS[6].name;
            DeleteReceiver::merchant(param(name, values, 1)?)?
                .with_appid(param(name, values, 0)?)?
                .request(context)
        },
        decode: decode_receiver,
    },
    Endpoint {
        name: "GET /v3/ecommerce/profitsharing/orders/{transaction_id}/amounts",
        params: &["transaction_id"],
        example: &["4208450740201411110007820472"],
        request: |values, context| {
            QueryUnsplitAmount::new(param(ENDPOINTS[7].name, values, 0)?)?.request(context)
        },
        decode: |body| {
            let amount: UnsplitAmount = body.json()?;
            let _ = format!("{amount:?}");
            Ok(())
        },
    },
];

fn decode_order(body: VerifiedBody<'_>) -> Result<(), Error> {
    let order: ProfitSharingOrder = body.json()?;
    let _ = format!("{order:?}");
    for receiver in &order.receivers {
        let _ = receiver.finish_time_at();
    }
    Ok(())
}

fn decode_return(body: VerifiedBody<'_>) -> Result<(), Error> {
    let order: ReturnOrder = body.json()?;
    let _ = (format!("{order:?}"), order.finish_time_at());
    Ok(())
}

fn decode_receiver(body: VerifiedBody<'_>) -> Result<(), Error> {
    let receiver: Receiver = body.json()?;
    let _ = format!("{receiver:?}");
    Ok(())
}

/// The resource of a profit-sharing callback (`original_type` `profitsharing`):
/// `PROFITSHARING.SUCCESS` when a share reached its receiver, `PROFITSHARING.RETURN` when
/// shared money came back. The platform sends them to the notify URL set in the merchant
/// platform, not to one a request names; they arrive as
/// [`Event::Other`](crate::Event::Other), read with
/// [`RawResource::json`](crate::RawResource::json).
///
/// ```
/// use wechatpay_core::ecommerce::profitsharing::{ProfitSharingNotice, ReceiverType};
///
/// let notice: ProfitSharingNotice = serde_json::from_str(r#"{
///     "mchid": "1900000100", "sp_mchid": "1900000100", "sub_mchid": "1900000109",
///     "transaction_id": "4200000000000000000000000001", "order_id": "3008450740201411110007820472",
///     "out_order_no": "P20150806125346",
///     "receiver": {"type": "MERCHANT_ID", "account": "1900000110", "amount": 888, "description": "分给商户1900000110"},
///     "success_time": "2018-06-08T10:34:56+08:00"
/// }"#)?;
/// assert_eq!((notice.receiver.kind, notice.receiver.amount), (ReceiverType::MerchantId, 888));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ProfitSharingNotice {
    /// The merchant the notice is for.
    #[serde(default)]
    pub mchid: Option<String>,
    /// The platform that asked for the sharing.
    #[serde(default)]
    pub sp_mchid: Option<String>,
    /// The sub-merchant whose order was shared.
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// WeChat Pay's number of the shared order.
    pub transaction_id: String,
    /// WeChat Pay's number of the sharing (or of the return).
    pub order_id: String,
    /// The merchant's number of the sharing (or of the return).
    pub out_order_no: String,
    /// Who received (or gave back) how much.
    pub receiver: NoticeReceiver,
    /// When it succeeded, RFC 3339.
    #[serde(default)]
    pub success_time: Option<String>,
}

/// The receiver of a [`ProfitSharingNotice`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NoticeReceiver {
    /// `type`: a merchant or a person.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// The merchant id or the openid.
    pub account: String,
    /// The amount, in fen.
    pub amount: u64,
    /// Why, as the sharing said.
    #[serde(default)]
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::MerchantKey;
    use crate::ecommerce::test_support::field_of;
    use crate::platform_keys::PlatformKeys;
    use crate::sensitive::EncryptedField;
    use rand_core::SeedableRng;
    use serde_json::{Value, json};
    use wechatpay_fixtures::{keys, pages};

    fn seeded() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::from_seed([8; 32])
    }

    fn platform_keys() -> PlatformKeys {
        let mut platform = PlatformKeys::new();
        platform
            .add_public_key(keys::PLATFORM_PUBLIC_KEY_ID, keys::PLATFORM_PUBLIC_KEY_PEM)
            .unwrap();
        platform
    }

    fn sent(operation: &impl Operation, platform: &PlatformKeys) -> (String, Value) {
        let parts = operation
            .request(&mut RequestContext::new(platform, &mut seeded()))
            .unwrap();
        let body = serde_json::from_slice(parts.signed_body()).unwrap_or(Value::Null);
        (parts.path_and_query().to_owned(), body)
    }

    fn page(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn answer(bytes: &str) -> VerifiedBody<'_> {
        VerifiedBody::new(bytes.as_bytes(), http::StatusCode::OK, None)
    }

    fn decrypted(ciphertext: &Value) -> String {
        let platform = MerchantKey::from_pem(keys::PLATFORM_KEY_PEM).unwrap();
        let field = EncryptedField::new(ciphertext.as_str().unwrap());
        platform
            .decrypt(&field, &mut seeded())
            .unwrap()
            .expose()
            .to_owned()
    }

    #[test]
    fn the_order_builder_makes_the_page_example_with_the_name_encrypted() {
        let receiver = ShareTo::merchant("1900000109", 100, "分给商户1900000110")
            .unwrap()
            .with_name("示例商户全称")
            .unwrap();
        assert!(!format!("{receiver:?}").contains("示例"));
        let order = CreateProfitSharingOrder::new(
            "1900000109",
            "4208450740201411110007820472",
            "P20150806125346",
            vec![receiver],
        )
        .unwrap()
        .with_appid("wx8888888888888888")
        .unwrap()
        .with_finish(true);
        assert_eq!(order.total(), 100);
        let (path, mut body) = sent(&order, &platform_keys());
        assert_eq!(path, ORDERS);
        let name = body["receivers"][0]["receiver_name"].take();
        assert_eq!(decrypted(&name), "示例商户全称");
        let mut expected = page(pages::ECOMMERCE_PROFITSHARING_ORDER_REQUEST);
        // The page's example holds a placeholder where the ciphertext goes.
        expected["receivers"][0]["receiver_name"] = Value::Null;
        assert_eq!(body, expected);
    }

    #[test]
    fn orders_check_their_receivers() {
        let share = || ShareTo::merchant("1900000100", 1, "佣金").unwrap();
        let refused = CreateProfitSharingOrder::new("1900000109", "42", "P1", vec![]).unwrap_err();
        assert_eq!(field_of(refused), "receivers");
        let refused = CreateProfitSharingOrder::new(
            "1900000109",
            "42",
            "P1",
            vec![share(); MAX_RECEIVERS + 1],
        )
        .unwrap_err();
        assert_eq!(field_of(refused), "receivers");
        assert_eq!(
            field_of(ShareTo::merchant("oUpF8u", 1, "x").unwrap_err()),
            "receiver_account"
        );
        assert_eq!(
            field_of(ShareTo::merchant("1900000100", 0, "x").unwrap_err()),
            "amount"
        );
        assert_eq!(
            field_of(ShareTo::merchant("1900000100", 1, "").unwrap_err()),
            "description"
        );
        let person = ShareTo::personal_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", 1, "返佣").unwrap();
        assert!(
            !format!("{person:?}").contains("oUpF8u"),
            "openids never print"
        );
        let order = CreateProfitSharingOrder::new("1900000109", "42", "P1", vec![person]).unwrap();
        let error = order
            .request(&mut RequestContext::new(
                &PlatformKeys::new(),
                &mut seeded(),
            ))
            .unwrap_err();
        assert_eq!(field_of(error), "appid");
        let (_, body) = sent(&order.with_appid("wx1").unwrap(), &PlatformKeys::new());
        assert_eq!(body["receivers"][0]["type"], "PERSONAL_OPENID");
        assert_eq!(body["finish"], false);
    }

    #[test]
    fn order_answers_decode_with_each_receiver() {
        let query =
            QueryProfitSharingOrder::new("1900000109", "4208450740201411110007820472", "P1")
                .unwrap();
        let created = query
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_ORDER))
            .unwrap();
        assert_eq!(created.status, ProfitSharingStatus::Processing);
        assert_eq!(created.order_id, "3008450740201411110007820472");
        let receiver = &created.receivers[0];
        assert_eq!(receiver.kind, ReceiverType::MerchantId);
        assert_eq!(receiver.result, ReceiverResultState::Success);
        assert_eq!(
            receiver.fail_reason,
            Some(ReceiverFailReason::AccountAbnormal)
        );
        assert!(receiver.finish_time_at().is_some(), "milliseconds parse");
        let finished = query
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_ORDER_FINISHED))
            .unwrap();
        assert_eq!(finished.status, ProfitSharingStatus::Finished);
        assert_eq!(finished.finish_amount, Some(100));
        assert_eq!(
            finished.receivers[0].receiver_mchid.as_deref(),
            Some("1900000110")
        );
        let personal = br#"{"type":"PERSONAL_OPENID","receiver_account":"oUpF8uMuAJO","amount":1,
            "description":"x","result":"PENDING","detail_id":"1"}"#;
        let receiver: ReceiverResult = serde_json::from_slice(personal).unwrap();
        assert!(!format!("{receiver:?}").contains("oUpF8u"));
    }

    #[test]
    fn finishing_builds_the_page_example() {
        let finish = FinishProfitSharingOrder::new(
            "1900000109",
            "4208450740201411110007820472",
            "P20150806125346",
            "分账完结",
        )
        .unwrap();
        let (path, body) = sent(&finish, &PlatformKeys::new());
        assert_eq!(path, FINISH_ORDER);
        assert_eq!(body, page(pages::ECOMMERCE_PROFITSHARING_FINISH_REQUEST));
        let finished = finish
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_FINISH))
            .unwrap();
        assert_eq!(finished.order_id, "3008450740201411110007820472");
        assert_eq!(
            field_of(
                FinishProfitSharingOrder::new("1900000109", "42", "P1", "完".repeat(81))
                    .unwrap_err()
            ),
            "description"
        );
    }

    #[test]
    fn returns_build_the_page_example_and_are_queried_by_either_number() {
        let create =
            CreateReturnOrder::new("1900000109", "R20190516001", "86693852", 10, "分账回退")
                .unwrap();
        let error = create
            .request(&mut RequestContext::new(
                &PlatformKeys::new(),
                &mut seeded(),
            ))
            .unwrap_err();
        assert_eq!(field_of(error), "order_id");
        let create = create
            .with_order_id("3008450740201411110007820472")
            .unwrap()
            .with_out_order_no("P20150806125346")
            .unwrap();
        let (path, body) = sent(&create, &PlatformKeys::new());
        assert_eq!(path, RETURN_ORDERS);
        assert_eq!(body, page(pages::ECOMMERCE_PROFITSHARING_RETURN_REQUEST));
        let returned = create
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_RETURN))
            .unwrap();
        assert_eq!(returned.result, ReturnResult::Success);
        assert_eq!(returned.fail_reason, Some(ReturnFailReason::TimeOutClosed));
        assert_eq!(returned.amount, 10);
        assert!(returned.finish_time_at().is_some());

        let query =
            QueryReturnOrder::by_order_id("1900000109", "3008450740201411110007820472", "R1")
                .unwrap();
        let (path, _) = sent(&query, &PlatformKeys::new());
        assert_eq!(
            path,
            "/v3/ecommerce/profitsharing/returnorders?sub_mchid=1900000109&order_id=3008450740201411110007820472&out_return_no=R1"
        );
        assert_eq!(
            field_of(QueryReturnOrder::by_out_order_no("1900000109", "P1", "R 1").unwrap_err()),
            "out_return_no"
        );
        assert_eq!(
            field_of(CreateReturnOrder::new("1900000109", "R1", "ops", 10, "x").unwrap_err()),
            "return_mchid"
        );
    }

    #[test]
    fn receivers_are_added_and_deleted_as_the_pages_show() {
        let add = AddReceiver::merchant("190001001", "张三网络公司", RelationType::Supplier)
            .unwrap()
            .with_appid("wx8888888888888888")
            .unwrap();
        assert!(!format!("{add:?}").contains("张三"), "names never print");
        let (path, body) = sent(&add, &PlatformKeys::new());
        assert_eq!(path, RECEIVERS_ADD);
        assert_eq!(
            body,
            page(pages::ECOMMERCE_PROFITSHARING_RECEIVER_ADD_REQUEST)
        );
        let added = add
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_RECEIVER))
            .unwrap();
        assert_eq!(
            (added.kind, added.account.as_str()),
            (ReceiverType::MerchantId, "190001001")
        );

        let delete = DeleteReceiver::merchant("190001001")
            .unwrap()
            .with_appid("wx8888888888888888")
            .unwrap();
        let (path, body) = sent(&delete, &PlatformKeys::new());
        assert_eq!(path, RECEIVERS_DELETE);
        assert_eq!(
            body,
            page(pages::ECOMMERCE_PROFITSHARING_RECEIVER_DELETE_REQUEST)
        );
        assert!(
            delete
                .decode(answer(pages::ECOMMERCE_PROFITSHARING_RECEIVER))
                .is_ok()
        );
    }

    #[test]
    fn a_person_is_added_with_the_name_encrypted() {
        let openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
        let add = AddReceiver::personal_openid(openid, RelationType::Distributor)
            .unwrap()
            .with_encrypted_name("李四")
            .unwrap();
        let shown = format!("{add:?}");
        assert!(
            !shown.contains("李四") && !shown.contains("oUpF8u"),
            "{shown}"
        );
        let error = add
            .request(&mut RequestContext::new(&platform_keys(), &mut seeded()))
            .unwrap_err();
        assert_eq!(field_of(error), "appid");
        let (_, mut body) = sent(&add.with_appid("wx1").unwrap(), &platform_keys());
        assert_eq!(decrypted(&body["encrypted_name"].take()), "李四");
        assert_eq!(
            body,
            json!({"appid": "wx1", "type": "PERSONAL_OPENID", "account": openid,
                   "encrypted_name": null, "relation_type": "DISTRIBUTOR"})
        );
        let merchant = AddReceiver::merchant("190001001", "公司", RelationType::Others).unwrap();
        assert_eq!(
            field_of(merchant.with_encrypted_name("公司").unwrap_err()),
            "encrypted_name"
        );
        assert_eq!(
            field_of(AddReceiver::merchant("190001001", "x", RelationType::from("")).unwrap_err()),
            "relation_type"
        );
        let deleted = br#"{"type":"PERSONAL_OPENID","account":"oUpF8uMuAJO"}"#;
        let receiver: Receiver = serde_json::from_slice(deleted).unwrap();
        assert!(!format!("{receiver:?}").contains("oUpF8u"));
    }

    #[test]
    fn the_unsplit_amount_decodes() {
        let query = QueryUnsplitAmount::new("4208450740201411110007820472").unwrap();
        let amount = query
            .decode(answer(pages::ECOMMERCE_PROFITSHARING_AMOUNTS))
            .unwrap();
        assert_eq!(amount.unsplit_amount, 1000);
        assert_eq!(
            field_of(QueryUnsplitAmount::new("42/../x").unwrap_err()),
            "transaction_id"
        );
    }
}
