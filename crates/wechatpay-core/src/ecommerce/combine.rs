//! Combined orders (合单支付): one payment for the sub-orders of several sub-merchants (up
//! to 50), placed by the platform for a JSAPI page or mini program, an app, a mobile browser
//! (H5) or a QR code (Native); queried and closed as a whole by `combine_out_trade_no`.
//!
//! As for [`super::partner`] orders, the constructor of [`CreateCombineOrder`] chooses the
//! trade type, and with it what the order needs (the payer's `openid` for JSAPI, the payer's
//! browser and IP for H5) and what it answers.
//!
//! ```
//! # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
//! use wechatpay_core::ecommerce::combine::{CombineOrder, CombineSubOrder, CreateCombineOrder};
//!
//! // Two sellers, one payment.
//! let sub_orders = vec![
//!     CombineSubOrder::new("1900000109", "1900000201", "20150806125346", 1000, "T-shirt", "shop A")?,
//!     CombineSubOrder::new("1900000109", "1900000202", "20150806125347", 500, "Socks", "shop B")?,
//! ];
//! let order = CombineOrder::new(
//!     "wxd678efh567hg6787",
//!     "1900000109",
//!     "P20150806125346",
//!     sub_orders,
//!     "https://yourapp.com/notify",
//! )?;
//! let create = CreateCombineOrder::jsapi(order, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?;
//! let parts = create.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
//! assert_eq!(parts.path_and_query(), "/v3/combine-transactions/jsapi");
//! # Ok::<(), wechatpay_core::Error>(())
//! ```

use std::marker::PhantomData;

use http::Method;
use serde::Serialize;

use super::partner::{
    CNY, H5Info, H5Type, SceneBody, SceneInfo, SettleBody, SettleInfo, canonical_ip, check_appid,
    check_notify_url, exercise_answer, format_rfc3339, missing_h5_scene,
};
use super::pay_params::{AppPrepay, CodeUrl, H5Url, JsapiPrepay, OrderAnswer};
use super::transaction::CombineTransaction;
use super::{CODE, OUT_NO, check_amount, check_text};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::SensitiveString;

const BASE: &str = "/v3/combine-transactions";
const BY_OUT_TRADE_NO: &str = "/v3/combine-transactions/out-trade-no";

/// The most sub-orders one combined order takes.
pub const MAX_SUB_ORDERS: usize = 50;

/// The longest `device_id` of a combined order's scene.
const MAX_DEVICE_ID_CHARS: usize = 16;

/// One sub-order of a [`CombineOrder`]: what one sub-merchant sells in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombineSubOrder {
    mchid: MchId,
    sub_mchid: MchId,
    sub_appid: Option<String>,
    out_trade_no: String,
    total_amount: u64,
    description: String,
    attach: String,
    detail: Option<String>,
    goods_tag: Option<String>,
    settle_info: Option<SettleInfo>,
}

impl CombineSubOrder {
    /// A sub-order of `total_amount` fen for `sub_mchid`, placed by `mchid` (the platform's
    /// merchant id); `attach` comes back as given in the query and the callback.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field: the merchant ids 1 to 32 digits;
    /// `out_trade_no` 1 to 32 ASCII letters, digits or `_-|*@`; `total_amount` at least 1
    /// fen; `description` 1 to 127 characters; `attach` 1 to 128.
    pub fn new(
        mchid: &str,
        sub_mchid: &str,
        out_trade_no: &str,
        total_amount: u64,
        description: &str,
        attach: &str,
    ) -> Result<Self, Error> {
        check_text("out_trade_no", out_trade_no, 32, Some(&OUT_NO))?;
        check_amount("total_amount", total_amount)?;
        check_text("description", description, 127, None)?;
        check_text("attach", attach, 128, None)?;
        Ok(CombineSubOrder {
            mchid: MchId::parse(mchid, "mchid")?,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            sub_appid: None,
            out_trade_no: out_trade_no.to_owned(),
            total_amount,
            description: description.to_owned(),
            attach: attach.to_owned(),
            detail: None,
            goods_tag: None,
            settle_info: None,
        })
    }

    /// The sub-merchant's AppID the sub-order is placed under.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_sub_appid(self, sub_appid: &str) -> Result<Self, Error> {
        check_appid("sub_appid", sub_appid)?;
        Ok(CombineSubOrder {
            sub_appid: Some(sub_appid.to_owned()),
            ..self
        })
    }

    /// The goods, as text.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`detail`) unless 1 to 6,000 characters.
    pub fn with_detail(self, detail: &str) -> Result<Self, Error> {
        check_text("detail", detail, 6000, None)?;
        Ok(CombineSubOrder {
            detail: Some(detail.to_owned()),
            ..self
        })
    }

    /// The tag of the discounts the sub-order takes part in.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`goods_tag`) unless 1 to 32 characters.
    pub fn with_goods_tag(self, goods_tag: &str) -> Result<Self, Error> {
        check_text("goods_tag", goods_tag, 32, None)?;
        Ok(CombineSubOrder {
            goods_tag: Some(goods_tag.to_owned()),
            ..self
        })
    }

    /// Whether the funds are held for profit sharing, and the platform's subsidy.
    pub fn with_settle_info(self, settle_info: SettleInfo) -> Self {
        CombineSubOrder {
            settle_info: Some(settle_info),
            ..self
        }
    }

    /// The sub-merchant.
    pub fn sub_mchid(&self) -> &MchId {
        &self.sub_mchid
    }

    /// Your number of the sub-order.
    pub fn out_trade_no(&self) -> &str {
        &self.out_trade_no
    }

    /// The amount, in fen.
    pub fn total_amount(&self) -> u64 {
        self.total_amount
    }

    fn close_entry(&self) -> CloseSubOrder {
        CloseSubOrder {
            mchid: self.mchid.clone(),
            sub_mchid: self.sub_mchid.clone(),
            out_trade_no: self.out_trade_no.clone(),
            sub_appid: self.sub_appid.clone(),
        }
    }
}

/// A combined order, whatever its trade type: give it to a constructor of
/// [`CreateCombineOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CombineOrder {
    combine_appid: String,
    combine_mchid: MchId,
    combine_out_trade_no: String,
    sub_orders: Vec<CombineSubOrder>,
    notify_url: String,
    scene_info: Option<SceneInfo>,
    time_start: Option<String>,
    time_expire: Option<String>,
}

impl CombineOrder {
    /// A combined order placed by the platform (`combine_appid`, `combine_mchid`) for
    /// `sub_orders`; the result is sent to `notify_url` (`TRANSACTION.SUCCESS`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field: `combine_appid` 1 to 32 ASCII letters,
    /// digits, `_` or `-`; `combine_mchid` 1 to 32 digits; `combine_out_trade_no` 1 to 32
    /// ASCII letters, digits or `_-|*@`; `sub_orders` 1 to 50, no `out_trade_no` twice;
    /// `notify_url` an `http(s)://` URL of at most 255 characters without a query.
    pub fn new(
        combine_appid: &str,
        combine_mchid: &str,
        combine_out_trade_no: &str,
        sub_orders: Vec<CombineSubOrder>,
        notify_url: &str,
    ) -> Result<Self, Error> {
        check_appid("combine_appid", combine_appid)?;
        check_combine_out_trade_no(combine_out_trade_no)?;
        check_sub_orders(
            sub_orders
                .iter()
                .map(|s| (&s.mchid, s.out_trade_no.as_str())),
        )?;
        check_notify_url(notify_url)?;
        Ok(CombineOrder {
            combine_appid: combine_appid.to_owned(),
            combine_mchid: MchId::parse(combine_mchid, "combine_mchid")?,
            combine_out_trade_no: combine_out_trade_no.to_owned(),
            sub_orders,
            notify_url: notify_url.to_owned(),
            scene_info: None,
            time_start: None,
            time_expire: None,
        })
    }

    /// Where the payer pays from (required for H5 orders).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`device_id`) when the scene's device id is longer than the 16
    /// characters combined orders take.
    pub fn with_scene_info(self, scene_info: SceneInfo) -> Result<Self, Error> {
        if let Some(device_id) = scene_info.device_id() {
            check_text("device_id", device_id, MAX_DEVICE_ID_CHARS, None)?;
        }
        Ok(CombineOrder {
            scene_info: Some(scene_info),
            ..self
        })
    }

    /// When the order was made.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`time_start`) for a year outside 0000 to 9999.
    pub fn with_time_start(self, time_start: time::OffsetDateTime) -> Result<Self, Error> {
        Ok(CombineOrder {
            time_start: Some(format_rfc3339("time_start", time_start)?),
            ..self
        })
    }

    /// The last moment the order can be paid.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`time_expire`) for a year outside 0000 to 9999.
    pub fn with_time_expire(self, time_expire: time::OffsetDateTime) -> Result<Self, Error> {
        Ok(CombineOrder {
            time_expire: Some(format_rfc3339("time_expire", time_expire)?),
            ..self
        })
    }

    /// Your number of the combined order.
    pub fn combine_out_trade_no(&self) -> &str {
        &self.combine_out_trade_no
    }

    /// The sub-orders.
    pub fn sub_orders(&self) -> &[CombineSubOrder] {
        &self.sub_orders
    }

    /// The total of the sub-orders, in fen: what the payer is asked for.
    pub fn total_amount(&self) -> u64 {
        self.sub_orders
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.total_amount))
    }

    /// The query of this order.
    pub fn query(&self) -> QueryCombineOrder {
        QueryCombineOrder {
            combine_out_trade_no: self.combine_out_trade_no.clone(),
        }
    }

    /// The closing of this order, naming every sub-order as placed (the platform requires
    /// the same set).
    pub fn close(&self) -> CloseCombineOrder {
        CloseCombineOrder {
            combine_appid: self.combine_appid.clone(),
            combine_out_trade_no: self.combine_out_trade_no.clone(),
            sub_orders: self
                .sub_orders
                .iter()
                .map(CombineSubOrder::close_entry)
                .collect(),
        }
    }
}

/// Checks the number of sub-orders, and that no number is given twice by one merchant.
/// The combined order's number: 1 to 32 ASCII letters, digits or `_-|*@`, as a sub-order's.
fn check_combine_out_trade_no(combine_out_trade_no: &str) -> Result<(), Error> {
    check_text(
        "combine_out_trade_no",
        combine_out_trade_no,
        32,
        Some(&OUT_NO),
    )
}

fn check_sub_orders<'a>(
    sub_orders: impl ExactSizeIterator<Item = (&'a MchId, &'a str)> + Clone,
) -> Result<(), Error> {
    let count = sub_orders.len();
    if count == 0 || count > MAX_SUB_ORDERS {
        return Err(Error::invalid(
            "sub_orders",
            format!("must be 1 to {MAX_SUB_ORDERS} sub-orders, got {count}"),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(count);
    for (mchid, out_trade_no) in sub_orders {
        if !seen.insert((mchid.as_str(), out_trade_no)) {
            return Err(Error::invalid(
                "sub_orders",
                format!("out_trade_no {out_trade_no:?} is given twice"),
            ));
        }
    }
    Ok(())
}

/// `POST /v3/combine-transactions/{jsapi,app,h5,native}`: places a [`CombineOrder`]. The
/// constructor chooses the trade type, and with it what the order needs and what it answers
/// (`A`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCombineOrder<A> {
    order: CombineOrder,
    openid: Option<SensitiveString>,
    h5_info: Option<H5Info>,
    answer: PhantomData<fn() -> A>,
}

impl<A> CreateCombineOrder<A> {
    fn with(order: CombineOrder, openid: Option<SensitiveString>, h5_info: Option<H5Info>) -> Self {
        CreateCombineOrder {
            order,
            openid,
            h5_info,
            answer: PhantomData,
        }
    }

    /// The order.
    pub fn order(&self) -> &CombineOrder {
        &self.order
    }
}

impl CreateCombineOrder<JsapiPrepay> {
    /// A JSAPI or mini-program order, paid by the user `openid` (under `combine_appid`);
    /// answers the `prepay_id` to sign into [`super::pay_params::JsapiPayParams`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`openid`) unless 1 to 128 ASCII letters, digits, `_` or `-`.
    pub fn jsapi(order: CombineOrder, openid: &str) -> Result<Self, Error> {
        check_text("openid", openid, 128, Some(&CODE))?;
        Ok(Self::with(order, Some(SensitiveString::new(openid)), None))
    }
}

impl CreateCombineOrder<AppPrepay> {
    /// An app order; answers the `prepay_id` to sign into
    /// [`super::pay_params::AppPayParams`] (with `combine_mchid` as `partnerid`).
    pub fn app(order: CombineOrder) -> Self {
        Self::with(order, None, None)
    }
}

impl CreateCombineOrder<H5Url> {
    /// An order paid in a mobile browser; answers the link that opens the payment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`scene_info`) unless the order names the payer's IP
    /// ([`CombineOrder::with_scene_info`]).
    pub fn h5(order: CombineOrder, h5_info: H5Info) -> Result<Self, Error> {
        if order.scene_info.is_none() {
            return Err(missing_h5_scene());
        }
        Ok(Self::with(order, None, Some(h5_info)))
    }
}

impl CreateCombineOrder<CodeUrl> {
    /// An order paid by scanning a QR code; answers the link to encode.
    pub fn native(order: CombineOrder) -> Self {
        Self::with(order, None, None)
    }
}

impl<A: OrderAnswer> Operation for CreateCombineOrder<A> {
    type Output = A;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let order = &self.order;
        let body = CombineOrderBody {
            combine_appid: &order.combine_appid,
            combine_mchid: order.combine_mchid.as_str(),
            combine_out_trade_no: &order.combine_out_trade_no,
            scene_info: order
                .scene_info
                .as_ref()
                .map(|scene| scene.body(self.h5_info.as_ref())),
            sub_orders: order.sub_orders.iter().map(SubOrderBody::from).collect(),
            combine_payer_info: self.openid.as_ref().map(|openid| PayerBody {
                openid: openid.expose(),
            }),
            time_start: order.time_start.as_deref(),
            time_expire: order.time_expire.as_deref(),
            notify_url: &order.notify_url,
        };
        let path = PathBuilder::new(BASE)?.segment("trade_type", A::TRADE_TYPE)?;
        RequestParts::json(Method::POST, path.finish(), &body)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<A, Error> {
        body.json()
    }
}

#[derive(Serialize)]
struct CombineOrderBody<'a> {
    combine_appid: &'a str,
    combine_mchid: &'a str,
    combine_out_trade_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_info: Option<SceneBody<'a>>,
    sub_orders: Vec<SubOrderBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    combine_payer_info: Option<PayerBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_start: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_expire: Option<&'a str>,
    notify_url: &'a str,
}

#[derive(Serialize)]
struct PayerBody<'a> {
    openid: &'a str,
}

#[derive(Serialize)]
struct SubOrderBody<'a> {
    mchid: &'a str,
    attach: &'a str,
    amount: SubOrderAmountBody,
    out_trade_no: &'a str,
    sub_mchid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<&'a str>,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_info: Option<SettleBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
}

#[derive(Serialize)]
struct SubOrderAmountBody {
    total_amount: u64,
    currency: &'static str,
}

impl<'a> From<&'a CombineSubOrder> for SubOrderBody<'a> {
    fn from(sub: &'a CombineSubOrder) -> Self {
        SubOrderBody {
            mchid: sub.mchid.as_str(),
            attach: &sub.attach,
            amount: SubOrderAmountBody {
                total_amount: sub.total_amount,
                currency: CNY,
            },
            out_trade_no: &sub.out_trade_no,
            sub_mchid: sub.sub_mchid.as_str(),
            detail: sub.detail.as_deref(),
            goods_tag: sub.goods_tag.as_deref(),
            description: &sub.description,
            settle_info: sub.settle_info.map(SettleBody::from),
            sub_appid: sub.sub_appid.as_deref(),
        }
    }
}

/// `GET /v3/combine-transactions/out-trade-no/{combine_out_trade_no}`: a combined order and
/// the state of each sub-order.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::combine::QueryCombineOrder;
///
/// let query = QueryCombineOrder::new("P20150806125346")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/combine-transactions/out-trade-no/P20150806125346"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCombineOrder {
    combine_out_trade_no: String,
}

impl QueryCombineOrder {
    /// The order `combine_out_trade_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`combine_out_trade_no`) unless 1 to 32 ASCII letters, digits
    /// or `_-|*@`.
    pub fn new(combine_out_trade_no: &str) -> Result<Self, Error> {
        check_combine_out_trade_no(combine_out_trade_no)?;
        Ok(QueryCombineOrder {
            combine_out_trade_no: combine_out_trade_no.to_owned(),
        })
    }
}

impl Operation for QueryCombineOrder {
    type Output = CombineTransaction;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_TRADE_NO)?
            .segment("combine_out_trade_no", &self.combine_out_trade_no)?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<CombineTransaction, Error> {
        body.json()
    }
}

/// One sub-order named by [`CloseCombineOrder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseSubOrder {
    mchid: MchId,
    sub_mchid: MchId,
    out_trade_no: String,
    sub_appid: Option<String>,
}

impl CloseSubOrder {
    /// The sub-order `out_trade_no` of `sub_mchid`, placed by `mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: the merchant ids 1 to 32 digits, `out_trade_no` 1 to 32 ASCII
    /// letters, digits or `_-|*@`.
    pub fn new(mchid: &str, sub_mchid: &str, out_trade_no: &str) -> Result<Self, Error> {
        check_text("out_trade_no", out_trade_no, 32, Some(&OUT_NO))?;
        Ok(CloseSubOrder {
            mchid: MchId::parse(mchid, "mchid")?,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_trade_no: out_trade_no.to_owned(),
            sub_appid: None,
        })
    }

    /// The sub-merchant's AppID the sub-order was placed under.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_sub_appid(self, sub_appid: &str) -> Result<Self, Error> {
        check_appid("sub_appid", sub_appid)?;
        Ok(CloseSubOrder {
            sub_appid: Some(sub_appid.to_owned()),
            ..self
        })
    }
}

/// `POST /v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close`: closes an unpaid
/// combined order, every sub-order with it (answers `204 No Content`). The platform wants the
/// sub-orders as they were placed: [`CombineOrder::close`] names them so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseCombineOrder {
    combine_appid: String,
    combine_out_trade_no: String,
    sub_orders: Vec<CloseSubOrder>,
}

impl CloseCombineOrder {
    /// Closes `combine_out_trade_no`, placed under `combine_appid`, with its `sub_orders`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `combine_appid` 1 to 32 ASCII letters, digits, `_` or `-`;
    /// `combine_out_trade_no` 1 to 32 ASCII letters, digits or `_-|*@`; `sub_orders` 1 to 50,
    /// no `out_trade_no` twice.
    pub fn new(
        combine_appid: &str,
        combine_out_trade_no: &str,
        sub_orders: Vec<CloseSubOrder>,
    ) -> Result<Self, Error> {
        check_appid("combine_appid", combine_appid)?;
        check_combine_out_trade_no(combine_out_trade_no)?;
        check_sub_orders(
            sub_orders
                .iter()
                .map(|s| (&s.mchid, s.out_trade_no.as_str())),
        )?;
        Ok(CloseCombineOrder {
            combine_appid: combine_appid.to_owned(),
            combine_out_trade_no: combine_out_trade_no.to_owned(),
            sub_orders,
        })
    }
}

impl Operation for CloseCombineOrder {
    type Output = ();

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            combine_appid: &'a str,
            sub_orders: Vec<SubOrder<'a>>,
        }
        #[derive(Serialize)]
        struct SubOrder<'a> {
            mchid: &'a str,
            out_trade_no: &'a str,
            sub_mchid: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            sub_appid: Option<&'a str>,
        }
        let path = PathBuilder::new(BY_OUT_TRADE_NO)?
            .segment("combine_out_trade_no", &self.combine_out_trade_no)?
            .segment("action", "close")?;
        let body = Body {
            combine_appid: &self.combine_appid,
            sub_orders: self
                .sub_orders
                .iter()
                .map(|s| SubOrder {
                    mchid: s.mchid.as_str(),
                    out_trade_no: &s.out_trade_no,
                    sub_mchid: s.sub_mchid.as_str(),
                    sub_appid: s.sub_appid.as_deref(),
                })
                .collect(),
        };
        RequestParts::json(Method::POST, path.finish(), &body)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<(), Error> {
        body.no_content()
    }
}

/// The parameters of the placing endpoints below: a combined order of one sub-order of 1 fen
/// (amounts are numbers in the body, and the table's parameters are the texts that appear as
/// they are).
const ORDER_PARAMS: usize = 8;

/// The first [`ORDER_PARAMS`] parameters of the placing endpoints (what [`example_order`]
/// reads), then each endpoint's own.
macro_rules! order_params {
    ($($own:literal),*) => {
        &[
            "combine_appid",
            "combine_mchid",
            "combine_out_trade_no",
            "sub_mchid",
            "out_trade_no",
            "description",
            "attach",
            "notify_url",
            $($own),*
        ]
    };
}

/// The page's example values of [`order_params!`], then each endpoint's own.
macro_rules! order_example {
    ($($own:literal),*) => {
        &[
            "wxd678efh567hg6787",
            "1900000109",
            "P20150806125346",
            "1900000109",
            "20150806125346",
            "腾讯充值中心-QQ会员充值",
            "深圳分店",
            "https://yourapp.com/notify",
            $($own),*
        ]
    };
}

/// The combined order endpoints, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/combine-transactions/jsapi",
        params: order_params!("openid"),
        example: order_example!("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            let openid = param(name, values, ORDER_PARAMS)?;
            CreateCombineOrder::jsapi(example_order(name, values)?, openid)?.request(context)
        },
        decode: |body| exercise_answer::<JsapiPrepay>(body),
    },
    Endpoint {
        name: "POST /v3/combine-transactions/app",
        params: order_params!(),
        example: order_example!(),
        request: |values, context| {
            CreateCombineOrder::app(example_order(ENDPOINTS[1].name, values)?).request(context)
        },
        decode: |body| exercise_answer::<AppPrepay>(body),
    },
    Endpoint {
        name: "POST /v3/combine-transactions/h5",
        params: order_params!("payer_client_ip", "type"),
        example: order_example!("14.17.22.32", "iOS"),
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            let ip = canonical_ip(param(name, values, ORDER_PARAMS)?)?;
            let h5 = H5Info::new(H5Type::from(param(name, values, ORDER_PARAMS + 1)?));
            let order = example_order(name, values)?.with_scene_info(SceneInfo::new(ip))?;
            CreateCombineOrder::h5(order, h5)?.request(context)
        },
        decode: |body| exercise_answer::<H5Url>(body),
    },
    Endpoint {
        name: "POST /v3/combine-transactions/native",
        params: order_params!(),
        example: order_example!(),
        request: |values, context| {
            CreateCombineOrder::native(example_order(ENDPOINTS[3].name, values)?).request(context)
        },
        decode: |body| exercise_answer::<CodeUrl>(body),
    },
    Endpoint {
        name: "GET /v3/combine-transactions/out-trade-no/{combine_out_trade_no}",
        params: &["combine_out_trade_no"],
        example: &["P20150806125346"],
        request: |values, context| {
            QueryCombineOrder::new(param(ENDPOINTS[4].name, values, 0)?)?.request(context)
        },
        decode: |body| {
            let order: CombineTransaction = body.json()?;
            let _ = format!("{order:?}");
            let _ = (order.is_paid(), order.total_amount());
            for sub in &order.sub_orders {
                let _ = sub.success_time_at();
            }
            Ok(())
        },
    },
    Endpoint {
        name: "POST /v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close",
        params: &[
            "combine_out_trade_no",
            "combine_appid",
            "mchid",
            "sub_mchid",
            "out_trade_no",
        ],
        example: &[
            "P20150806125346",
            "wxd678efh567hg6787",
            "1900000109",
            "1900000109",
            "20150806125346",
        ],
        request: |values, context| {
            let name = ENDPOINTS[5].name;
            let sub = CloseSubOrder::new(
                param(name, values, 2)?,
                param(name, values, 3)?,
                param(name, values, 4)?,
            )?;
            CloseCombineOrder::new(param(name, values, 1)?, param(name, values, 0)?, vec![sub])?
                .request(context)
        },
        decode: |body| body.no_content(),
    },
];

/// The combined order of the endpoint table's first eight parameters: one sub-order of 1 fen,
/// placed by `combine_mchid`.
fn example_order(name: &str, values: &[&str]) -> Result<CombineOrder, Error> {
    let combine_mchid = param(name, values, 1)?;
    let sub = CombineSubOrder::new(
        combine_mchid,
        param(name, values, 3)?,
        param(name, values, 4)?,
        1,
        param(name, values, 5)?,
        param(name, values, 6)?,
    )?;
    CombineOrder::new(
        param(name, values, 0)?,
        combine_mchid,
        param(name, values, 2)?,
        vec![sub],
        param(name, values, 7)?,
    )
}

#[cfg(test)]
mod tests {
    use rand_core::SeedableRng;

    use super::*;
    use crate::ecommerce::transaction::{TradeState, TradeType};
    use crate::platform_keys::PlatformKeys;

    fn request<O: Operation>(operation: &O) -> Result<RequestParts, Error> {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([2; 32]);
        operation.request(&mut RequestContext::new(&keys, &mut rng))
    }

    fn body_json(parts: &RequestParts) -> serde_json::Value {
        serde_json::from_slice(parts.signed_body()).unwrap()
    }

    fn sub(out_trade_no: &str, sub_mchid: &str, fen: u64) -> CombineSubOrder {
        CombineSubOrder::new("1900000109", sub_mchid, out_trade_no, fen, "d", "a").unwrap()
    }

    fn order(sub_orders: Vec<CombineSubOrder>) -> CombineOrder {
        CombineOrder::new(
            "wxd678efh567hg6787",
            "1900000109",
            "P20150806125346",
            sub_orders,
            "https://yourapp.com/notify",
        )
        .unwrap()
    }

    #[test]
    fn the_page_example_request_is_what_the_builder_sends() {
        let sub = CombineSubOrder::new(
            "1900000109",
            "1900000109",
            "20150806125346",
            10,
            "腾讯充值中心-QQ会员充值",
            "深圳分店",
        )
        .unwrap()
        .with_detail("买单费用")
        .unwrap()
        .with_goods_tag("WXG")
        .unwrap()
        .with_settle_info(SettleInfo::new(true).with_subsidy_amount(10).unwrap())
        .with_sub_appid("wxd678efh567hg6999")
        .unwrap();
        let order = order(vec![sub])
            .with_scene_info(
                SceneInfo::new("14.17.22.32".parse().unwrap())
                    .with_device_id("POS1:1")
                    .unwrap(),
            )
            .unwrap()
            .with_time_start(time::macros::datetime!(2019-12-31 15:59:59 +08:00))
            .unwrap()
            .with_time_expire(time::macros::datetime!(2019-12-31 16:59:59 +08:00))
            .unwrap();
        let create = CreateCombineOrder::jsapi(order, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").unwrap();
        let parts = request(&create).unwrap();
        assert_eq!(parts.method(), Method::POST);
        assert_eq!(parts.path_and_query(), "/v3/combine-transactions/jsapi");
        let expected: serde_json::Value =
            serde_json::from_str(wechatpay_fixtures::pages::COMBINE_JSAPI_REQUEST).unwrap();
        assert_eq!(body_json(&parts), expected);
        assert!(!format!("{create:?}").contains("oUpF8"));
    }

    #[test]
    fn each_trade_type_has_its_path_and_what_it_requires() {
        let two = || {
            order(vec![
                sub("A0001", "1900000201", 1000),
                sub("B0001", "1900000202", 500),
            ])
        };
        assert_eq!(two().total_amount(), 1500);
        let app = request(&CreateCombineOrder::app(two())).unwrap();
        assert_eq!(app.path_and_query(), "/v3/combine-transactions/app");
        let app = body_json(&app);
        assert!(app.get("combine_payer_info").is_none());
        assert_eq!(app["sub_orders"][1]["amount"]["total_amount"], 500);
        assert_eq!(app["sub_orders"][1]["amount"]["currency"], "CNY");
        let native = request(&CreateCombineOrder::native(two())).unwrap();
        assert_eq!(native.path_and_query(), "/v3/combine-transactions/native");

        let h5 = H5Info::new(H5Type::Android)
            .with_package_name("com.tencent.tmgp.sgame")
            .unwrap();
        let error = CreateCombineOrder::h5(two(), h5.clone()).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "scene_info"));
        let scene = SceneInfo::new("14.23.150.211".parse().unwrap());
        let h5 = CreateCombineOrder::h5(two().with_scene_info(scene).unwrap(), h5).unwrap();
        let parts = request(&h5).unwrap();
        assert_eq!(parts.path_and_query(), "/v3/combine-transactions/h5");
        assert_eq!(
            body_json(&parts)["scene_info"]["h5_info"],
            serde_json::json!({"type": "Android", "package_name": "com.tencent.tmgp.sgame"})
        );

        // Combined orders take shorter device ids than partner orders.
        let long = SceneInfo::new("::1".parse().unwrap())
            .with_device_id(&"d".repeat(17))
            .unwrap();
        let error = two().with_scene_info(long).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "device_id"));
    }

    #[test]
    fn sub_orders_are_counted_and_unique() {
        let new = |subs| {
            CombineOrder::new(
                "wx1",
                "1900000109",
                "P1",
                subs,
                "https://yourapp.com/notify",
            )
        };
        let field_of = |result: Result<CombineOrder, Error>| match result.unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field_of(new(vec![])), "sub_orders");
        assert_eq!(
            field_of(new(vec![
                sub("A1", "1900000201", 1),
                sub("A1", "1900000202", 1)
            ])),
            "sub_orders"
        );
        let fifty: Vec<_> = (0..50)
            .map(|i| sub(&format!("N{i}"), "1900000201", 1))
            .collect();
        assert!(new(fifty.clone()).is_ok());
        let mut fifty_one = fifty;
        fifty_one.push(sub("N50", "1900000201", 1));
        assert_eq!(field_of(new(fifty_one)), "sub_orders");
        assert_eq!(
            field_of(CombineOrder::new(
                "wx1",
                "1900000109",
                "P/1",
                vec![sub("A1", "1900000201", 1)],
                "https://yourapp.com/notify"
            )),
            "combine_out_trade_no"
        );
        let error = CombineSubOrder::new("1", "2", "A1", 0, "d", "a").unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "total_amount"));
        let error = CombineSubOrder::new("1", "2", "A1", 1, "d", "").unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "attach"));
        let error = CreateCombineOrder::jsapi(order(vec![sub("A1", "2", 1)]), "o pen").unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "openid"));
    }

    #[test]
    fn query_and_close_name_the_order_as_placed() {
        let placed = order(vec![
            sub("A0001", "1900000201", 1000),
            sub("B0001", "1900000202", 500)
                .with_sub_appid("wxsub")
                .unwrap(),
        ]);
        assert_eq!(
            request(&placed.query()).unwrap().path_and_query(),
            "/v3/combine-transactions/out-trade-no/P20150806125346"
        );
        let close = placed.close();
        let parts = request(&close).unwrap();
        assert_eq!(
            parts.path_and_query(),
            "/v3/combine-transactions/out-trade-no/P20150806125346/close"
        );
        assert_eq!(
            body_json(&parts),
            serde_json::json!({
                "combine_appid": "wxd678efh567hg6787",
                "sub_orders": [
                    {"mchid": "1900000109", "out_trade_no": "A0001", "sub_mchid": "1900000201"},
                    {"mchid": "1900000109", "out_trade_no": "B0001", "sub_mchid": "1900000202", "sub_appid": "wxsub"},
                ]
            })
        );
        let by_hand = CloseCombineOrder::new(
            "wxd678efh567hg6787",
            "P20150806125346",
            vec![
                CloseSubOrder::new("1900000109", "1900000201", "A0001").unwrap(),
                CloseSubOrder::new("1900000109", "1900000202", "B0001")
                    .unwrap()
                    .with_sub_appid("wxsub")
                    .unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(by_hand, close);
        assert!(
            close
                .decode(VerifiedBody::new(b"", http::StatusCode::NO_CONTENT, None))
                .is_ok()
        );
        assert!(CloseCombineOrder::new("wx1", "P1", vec![]).is_err());
    }

    #[test]
    fn the_page_example_answer_decodes_into_the_callback_type() {
        let body = wechatpay_fixtures::pages::COMBINE_TRANSACTION.as_bytes();
        let paid = QueryCombineOrder::new("1217752501201407033233368018")
            .unwrap()
            .decode(VerifiedBody::new(body, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(paid.combine_appid, "wxd678efh567hg6787");
        assert_eq!(paid.combine_mchid, "1230000109");
        assert_eq!(paid.combine_out_trade_no, "1217752501201407033233368018");
        assert_eq!(paid.sub_orders.len(), 1);
        let sub = &paid.sub_orders[0];
        assert_eq!(sub.trade_type, Some(TradeType::Jsapi));
        assert_eq!(sub.trade_state, TradeState::Success);
        assert_eq!(
            sub.transaction_id.as_deref(),
            Some("1009660380201506130728806387")
        );
        assert_eq!(sub.amount.total_amount, 10);
        assert_eq!(sub.amount.payer_amount, Some(10));
        assert!(sub.success_time_at().is_some());
        assert!(paid.is_paid());
        assert_eq!(paid.total_amount(), 10);
        assert_eq!(
            paid.scene_info
                .as_ref()
                .and_then(|s| s.device_id.as_deref()),
            Some("POS1:1")
        );
        assert!(!format!("{paid:?}").contains("oUpF8"));

        // Before payment: the sub-orders have no transaction_id, and nobody has paid.
        let unpaid = br#"{"combine_appid":"wx1","combine_mchid":"1","combine_out_trade_no":"P1","sub_orders":[{"mchid":"1","sub_mchid":"2","out_trade_no":"A1","trade_state":"NOTPAY","amount":{"total_amount":5,"currency":"CNY"}}]}"#;
        let unpaid = QueryCombineOrder::new("P1")
            .unwrap()
            .decode(VerifiedBody::new(unpaid, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(unpaid.sub_orders[0].transaction_id, None);
        assert!(!unpaid.is_paid());
    }
}
