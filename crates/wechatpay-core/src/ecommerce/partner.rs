//! Orders of one sub-merchant (平台收付通 普通支付): place one for a JSAPI page or mini program,
//! an app, a mobile browser (H5) or a QR code (Native), query it by `transaction_id` or
//! `out_trade_no`, close it. The pieces every e-commerce order shares ([`SettleInfo`],
//! [`SceneInfo`], [`H5Info`]) are here too; combined orders ([`super::combine`]) take them.
//!
//! The trade type is chosen by the constructor of [`CreatePartnerOrder`], and it fixes what the
//! order needs and what it answers: a JSAPI order needs the payer and answers a
//! [`JsapiPrepay`], an H5 order needs the payer's browser and IP and answers an [`H5Url`], an
//! app order answers an [`AppPrepay`], a Native order a [`CodeUrl`].
//!
//! ```
//! # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
//! use wechatpay_core::ecommerce::partner::{CreatePartnerOrder, PartnerOrder, PartnerPayer, SettleInfo};
//!
//! let order = PartnerOrder::new(
//!     "wx8888888888888888",       // sp_appid
//!     "1230000109",               // sp_mchid: the platform
//!     "1900000109",               // sub_mchid: the seller
//!     "1217752501201407033233368018",
//!     "Image形象店-深圳腾大-QQ公仔",
//!     100,                        // fen
//!     "https://www.weixin.qq.com/wxpay/pay.php",
//! )?
//! .with_settle_info(SettleInfo::new(true)); // the platform takes its commission later
//! let create = CreatePartnerOrder::jsapi(order, PartnerPayer::sp_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?)?;
//! let parts = create.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
//! assert_eq!(parts.path_and_query(), "/v3/pay/partner/transactions/jsapi");
//! # Ok::<(), wechatpay_core::Error>(())
//! ```

use std::marker::PhantomData;
use std::net::IpAddr;

use http::Method;
use serde::Serialize;

use super::pay_params::{AppPrepay, CodeUrl, H5Url, JsapiPrepay, OrderAnswer};
use super::transaction::Transaction;
use super::{CODE, OUT_NO, check_amount, check_text, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::SensitiveString;

const BASE: &str = "/v3/pay/partner/transactions";
const BY_ID: &str = "/v3/pay/partner/transactions/id";
const BY_OUT_TRADE_NO: &str = "/v3/pay/partner/transactions/out-trade-no";

/// The currency of every order: the platform takes only `CNY` from mainland merchants.
pub(crate) const CNY: &str = "CNY";

/// An order of one sub-merchant, whatever its trade type: give it to a constructor of
/// [`CreatePartnerOrder`].
///
/// `Debug` shows no openid: [`PartnerPayer`] redacts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerOrder {
    sp_appid: String,
    sp_mchid: MchId,
    sub_appid: Option<String>,
    sub_mchid: MchId,
    description: String,
    out_trade_no: String,
    total: u64,
    notify_url: String,
    time_expire: Option<String>,
    attach: Option<String>,
    goods_tag: Option<String>,
    settle_info: Option<SettleInfo>,
    support_fapiao: Option<bool>,
    detail: Option<OrderDetail>,
    scene_info: Option<SceneInfo>,
}

impl PartnerOrder {
    /// An order of `total` fen, to be paid to `sub_mchid` through the platform `sp_mchid`;
    /// the result is sent to `notify_url` (`TRANSACTION.SUCCESS`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming the field: `sp_appid` 1 to 32 ASCII letters, digits, `_`
    /// or `-`; the merchant ids 1 to 32 digits; `out_trade_no` 6 to 32 ASCII letters, digits
    /// or `_-|*@`; `description` 1 to 127 characters; `total` at least 1 fen;
    /// `notify_url` an `http(s)://` URL of at most 255 characters without a query.
    pub fn new(
        sp_appid: &str,
        sp_mchid: &str,
        sub_mchid: &str,
        out_trade_no: &str,
        description: &str,
        total: u64,
        notify_url: &str,
    ) -> Result<Self, Error> {
        check_appid("sp_appid", sp_appid)?;
        check_out_trade_no(out_trade_no)?;
        check_text("description", description, 127, None)?;
        check_amount("total", total)?;
        check_notify_url(notify_url)?;
        Ok(PartnerOrder {
            sp_appid: sp_appid.to_owned(),
            sp_mchid: MchId::parse(sp_mchid, "sp_mchid")?,
            sub_appid: None,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            description: description.to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            total,
            notify_url: notify_url.to_owned(),
            time_expire: None,
            attach: None,
            goods_tag: None,
            settle_info: None,
            support_fapiao: None,
            detail: None,
            scene_info: None,
        })
    }

    /// The sub-merchant's AppID the order is placed under (required for a payer known by
    /// `sub_openid`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_appid`) unless 1 to 32 ASCII letters, digits, `_` or `-`.
    pub fn with_sub_appid(self, sub_appid: &str) -> Result<Self, Error> {
        check_appid("sub_appid", sub_appid)?;
        Ok(PartnerOrder {
            sub_appid: Some(sub_appid.to_owned()),
            ..self
        })
    }

    /// The last moment the order can be paid (a later time is cut to the platform's limit).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`time_expire`) for a year outside 0000 to 9999.
    pub fn with_time_expire(self, time_expire: time::OffsetDateTime) -> Result<Self, Error> {
        Ok(PartnerOrder {
            time_expire: Some(format_rfc3339("time_expire", time_expire)?),
            ..self
        })
    }

    /// Data of yours, returned as given by the query and the callback.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`attach`) unless 1 to 128 characters.
    pub fn with_attach(self, attach: &str) -> Result<Self, Error> {
        check_text("attach", attach, 128, None)?;
        Ok(PartnerOrder {
            attach: Some(attach.to_owned()),
            ..self
        })
    }

    /// The tag of the discounts the order takes part in.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`goods_tag`) unless 1 to 32 characters.
    pub fn with_goods_tag(self, goods_tag: &str) -> Result<Self, Error> {
        check_text("goods_tag", goods_tag, 32, None)?;
        Ok(PartnerOrder {
            goods_tag: Some(goods_tag.to_owned()),
            ..self
        })
    }

    /// Whether the funds are held for profit sharing, and the platform's subsidy.
    pub fn with_settle_info(self, settle_info: SettleInfo) -> Self {
        PartnerOrder {
            settle_info: Some(settle_info),
            ..self
        }
    }

    /// Whether the payment result offers the payer an electronic invoice.
    pub fn with_support_fapiao(self, support_fapiao: bool) -> Self {
        PartnerOrder {
            support_fapiao: Some(support_fapiao),
            ..self
        }
    }

    /// The goods, for discounts that apply to single products.
    pub fn with_detail(self, detail: OrderDetail) -> Self {
        PartnerOrder {
            detail: Some(detail),
            ..self
        }
    }

    /// Where the payer pays from (required for H5 orders).
    pub fn with_scene_info(self, scene_info: SceneInfo) -> Self {
        PartnerOrder {
            scene_info: Some(scene_info),
            ..self
        }
    }

    /// The platform's merchant id.
    pub fn sp_mchid(&self) -> &MchId {
        &self.sp_mchid
    }

    /// The sub-merchant.
    pub fn sub_mchid(&self) -> &MchId {
        &self.sub_mchid
    }

    /// Your order number.
    pub fn out_trade_no(&self) -> &str {
        &self.out_trade_no
    }

    /// The amount, in fen.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The query of this order by `out_trade_no` (an unpaid order has no `transaction_id`).
    pub fn query(&self) -> QueryPartnerOrder {
        QueryPartnerOrder {
            sp_mchid: self.sp_mchid.clone(),
            sub_mchid: self.sub_mchid.clone(),
            key: QueryKey::OutTradeNo(self.out_trade_no.clone()),
        }
    }

    /// The closing of this order.
    pub fn close(&self) -> ClosePartnerOrder {
        ClosePartnerOrder {
            sp_mchid: self.sp_mchid.clone(),
            sub_mchid: self.sub_mchid.clone(),
            out_trade_no: self.out_trade_no.clone(),
        }
    }
}

/// Who pays a JSAPI order: the user's openid under `sp_appid`, under `sub_appid`, or both.
/// `Debug` shows neither: an openid identifies a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerPayer {
    sp_openid: Option<SensitiveString>,
    sub_openid: Option<SensitiveString>,
}

impl PartnerPayer {
    /// The payer by the openid under the platform's AppID (`sp_appid`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sp_openid`) unless 1 to 128 ASCII letters, digits, `_` or `-`.
    pub fn sp_openid(openid: &str) -> Result<Self, Error> {
        check_text("sp_openid", openid, 128, Some(&CODE))?;
        Ok(PartnerPayer {
            sp_openid: Some(SensitiveString::new(openid)),
            sub_openid: None,
        })
    }

    /// The payer by the openid under the sub-merchant's AppID (`sub_appid`, which the order
    /// must then name).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_openid`) unless 1 to 128 ASCII letters, digits, `_` or
    /// `-`.
    pub fn sub_openid(openid: &str) -> Result<Self, Error> {
        check_text("sub_openid", openid, 128, Some(&CODE))?;
        Ok(PartnerPayer {
            sp_openid: None,
            sub_openid: Some(SensitiveString::new(openid)),
        })
    }

    /// Adds the openid under `sub_appid` to a payer known by `sp_openid`.
    ///
    /// # Errors
    ///
    /// As [`PartnerPayer::sub_openid`].
    pub fn with_sub_openid(self, openid: &str) -> Result<Self, Error> {
        let sub = PartnerPayer::sub_openid(openid)?;
        Ok(PartnerPayer {
            sub_openid: sub.sub_openid,
            ..self
        })
    }
}

/// `settle_info`: whether the funds are held for profit sharing, and what the platform adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleInfo {
    profit_sharing: bool,
    subsidy_amount: Option<u64>,
}

impl SettleInfo {
    /// With `profit_sharing`, the payment is frozen in the sub-merchant's account until the
    /// platform shares it (or finishes sharing); without, it settles as usual.
    pub fn new(profit_sharing: bool) -> Self {
        SettleInfo {
            profit_sharing,
            subsidy_amount: None,
        }
    }

    /// The amount (fen) the platform will subsidise the order with (补差), at most 5,000.00
    /// yuan.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`subsidy_amount`) unless 1 to 500,000 fen.
    pub fn with_subsidy_amount(self, fen: u64) -> Result<Self, Error> {
        check_amount("subsidy_amount", fen)?;
        if fen > MAX_SUBSIDY {
            return Err(Error::invalid(
                "subsidy_amount",
                format!("{fen} fen is more than the {MAX_SUBSIDY} fen (5,000 yuan) allowed"),
            ));
        }
        Ok(SettleInfo {
            subsidy_amount: Some(fen),
            ..self
        })
    }
}

/// The largest subsidy of one order the pages allow: 5,000.00 yuan.
const MAX_SUBSIDY: u64 = 500_000;

/// `scene_info`: where the payer pays from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SceneInfo {
    payer_client_ip: IpAddr,
    device_id: Option<String>,
}

impl SceneInfo {
    /// The payer's IP address (IPv4 or IPv6), as the merchant's server saw it.
    pub fn new(payer_client_ip: IpAddr) -> Self {
        SceneInfo {
            payer_client_ip,
            device_id: None,
        }
    }

    /// The merchant's device (till) the order comes from.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`device_id`) unless 1 to 32 characters (combined orders take
    /// at most 16).
    pub fn with_device_id(self, device_id: &str) -> Result<Self, Error> {
        check_text("device_id", device_id, 32, None)?;
        Ok(SceneInfo {
            device_id: Some(device_id.to_owned()),
            ..self
        })
    }

    pub(crate) fn device_id(&self) -> Option<&str> {
        self.device_id.as_deref()
    }

    pub(crate) fn body<'a>(&'a self, h5_info: Option<&'a H5Info>) -> SceneBody<'a> {
        SceneBody {
            payer_client_ip: self.payer_client_ip.to_string(),
            device_id: self.device_id.as_deref(),
            h5_info: h5_info.map(H5Info::body),
        }
    }
}

protocol_enum! {
    /// `h5_info.type`: where an H5 order is paid.
    pub enum H5Type {
        /// An iOS app's web view or browser.
        Ios => "iOS",
        /// An Android app's web view or browser.
        Android => "Android",
        /// A mobile website.
        Wap => "Wap",
    }
}

/// `h5_info`: the page or app an H5 order is paid from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H5Info {
    kind: H5Type,
    app_name: Option<String>,
    app_url: Option<String>,
    bundle_id: Option<String>,
    package_name: Option<String>,
}

impl H5Info {
    /// Paid from `kind`.
    pub fn new(kind: H5Type) -> Self {
        H5Info {
            kind,
            app_name: None,
            app_url: None,
            bundle_id: None,
            package_name: None,
        }
    }

    /// The app's or site's name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`app_name`) unless 1 to 64 characters.
    pub fn with_app_name(self, app_name: &str) -> Result<Self, Error> {
        check_text("app_name", app_name, 64, None)?;
        Ok(H5Info {
            app_name: Some(app_name.to_owned()),
            ..self
        })
    }

    /// The site's URL.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`app_url`) unless 1 to 128 characters.
    pub fn with_app_url(self, app_url: &str) -> Result<Self, Error> {
        check_text("app_url", app_url, 128, None)?;
        Ok(H5Info {
            app_url: Some(app_url.to_owned()),
            ..self
        })
    }

    /// The iOS app's bundle id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bundle_id`) unless 1 to 128 characters.
    pub fn with_bundle_id(self, bundle_id: &str) -> Result<Self, Error> {
        check_text("bundle_id", bundle_id, 128, None)?;
        Ok(H5Info {
            bundle_id: Some(bundle_id.to_owned()),
            ..self
        })
    }

    /// The Android app's package name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`package_name`) unless 1 to 128 characters.
    pub fn with_package_name(self, package_name: &str) -> Result<Self, Error> {
        check_text("package_name", package_name, 128, None)?;
        Ok(H5Info {
            package_name: Some(package_name.to_owned()),
            ..self
        })
    }

    fn body(&self) -> H5InfoBody<'_> {
        H5InfoBody {
            kind: self.kind.as_str(),
            app_name: self.app_name.as_deref(),
            app_url: self.app_url.as_deref(),
            bundle_id: self.bundle_id.as_deref(),
            package_name: self.package_name.as_deref(),
        }
    }
}

/// `detail`: the goods of an order, for discounts on single products.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderDetail {
    cost_price: Option<u64>,
    invoice_id: Option<String>,
    goods_detail: Vec<OrderGoods>,
}

impl OrderDetail {
    /// No goods yet.
    pub fn new() -> Self {
        OrderDetail::default()
    }

    /// The order's original price in fen, before the merchant's own discounts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`cost_price`) unless at least 1 fen.
    pub fn with_cost_price(self, fen: u64) -> Result<Self, Error> {
        check_amount("cost_price", fen)?;
        Ok(OrderDetail {
            cost_price: Some(fen),
            ..self
        })
    }

    /// The merchant's receipt number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`invoice_id`) unless 1 to 32 characters.
    pub fn with_invoice_id(self, invoice_id: &str) -> Result<Self, Error> {
        check_text("invoice_id", invoice_id, 32, None)?;
        Ok(OrderDetail {
            invoice_id: Some(invoice_id.to_owned()),
            ..self
        })
    }

    /// One more product.
    pub fn with_goods(mut self, goods: OrderGoods) -> Self {
        self.goods_detail.push(goods);
        self
    }
}

/// One product of [`OrderDetail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderGoods {
    merchant_goods_id: String,
    wechatpay_goods_id: Option<String>,
    goods_name: Option<String>,
    quantity: u64,
    unit_price: u64,
}

impl OrderGoods {
    /// `quantity` of the merchant's product `merchant_goods_id` at `unit_price` fen each.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `merchant_goods_id` 1 to 32 characters, `quantity` and
    /// `unit_price` at least 1.
    pub fn new(merchant_goods_id: &str, quantity: u64, unit_price: u64) -> Result<Self, Error> {
        check_text("merchant_goods_id", merchant_goods_id, 32, None)?;
        check_amount("quantity", quantity)?;
        check_amount("unit_price", unit_price)?;
        Ok(OrderGoods {
            merchant_goods_id: merchant_goods_id.to_owned(),
            wechatpay_goods_id: None,
            goods_name: None,
            quantity,
            unit_price,
        })
    }

    /// The product's code registered with WeChat Pay.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`wechatpay_goods_id`) unless 1 to 32 characters.
    pub fn with_wechatpay_goods_id(self, id: &str) -> Result<Self, Error> {
        check_text("wechatpay_goods_id", id, 32, None)?;
        Ok(OrderGoods {
            wechatpay_goods_id: Some(id.to_owned()),
            ..self
        })
    }

    /// The product's name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`goods_name`) unless 1 to 256 characters.
    pub fn with_goods_name(self, name: &str) -> Result<Self, Error> {
        check_text("goods_name", name, 256, None)?;
        Ok(OrderGoods {
            goods_name: Some(name.to_owned()),
            ..self
        })
    }
}

/// `POST /v3/pay/partner/transactions/{jsapi,app,h5,native}`: places a [`PartnerOrder`]. The
/// constructor chooses the trade type, and with it what the order needs and what it answers
/// (`A`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePartnerOrder<A> {
    order: PartnerOrder,
    payer: Option<PartnerPayer>,
    h5_info: Option<H5Info>,
    answer: PhantomData<fn() -> A>,
}

impl<A> CreatePartnerOrder<A> {
    fn with(order: PartnerOrder, payer: Option<PartnerPayer>, h5_info: Option<H5Info>) -> Self {
        CreatePartnerOrder {
            order,
            payer,
            h5_info,
            answer: PhantomData,
        }
    }

    /// The order.
    pub fn order(&self) -> &PartnerOrder {
        &self.order
    }
}

impl CreatePartnerOrder<JsapiPrepay> {
    /// A JSAPI or mini-program order, paid by `payer`; answers the `prepay_id` to sign into
    /// [`super::pay_params::JsapiPayParams`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_appid`) when the payer is known by `sub_openid` and the
    /// order names no `sub_appid`.
    pub fn jsapi(order: PartnerOrder, payer: PartnerPayer) -> Result<Self, Error> {
        if payer.sub_openid.is_some() && order.sub_appid.is_none() {
            return Err(Error::invalid(
                "sub_appid",
                "a sub_openid is the payer's id under sub_appid: set it with with_sub_appid",
            ));
        }
        Ok(Self::with(order, Some(payer), None))
    }
}

impl CreatePartnerOrder<AppPrepay> {
    /// An app order; answers the `prepay_id` to sign into
    /// [`super::pay_params::AppPayParams`].
    pub fn app(order: PartnerOrder) -> Self {
        Self::with(order, None, None)
    }
}

impl CreatePartnerOrder<H5Url> {
    /// An order paid in a mobile browser; answers the link that opens the payment.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`scene_info`) unless the order names the payer's IP
    /// ([`PartnerOrder::with_scene_info`]): the platform requires it of H5 orders.
    pub fn h5(order: PartnerOrder, h5_info: H5Info) -> Result<Self, Error> {
        if order.scene_info.is_none() {
            return Err(missing_h5_scene());
        }
        Ok(Self::with(order, None, Some(h5_info)))
    }
}

impl CreatePartnerOrder<CodeUrl> {
    /// An order paid by scanning a QR code; answers the link to encode.
    pub fn native(order: PartnerOrder) -> Self {
        Self::with(order, None, None)
    }
}

pub(crate) fn missing_h5_scene() -> Error {
    Error::invalid(
        "scene_info",
        "an H5 order needs the payer's IP: add a SceneInfo to the order first",
    )
}

impl<A: OrderAnswer> Operation for CreatePartnerOrder<A> {
    type Output = A;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let order = &self.order;
        let body = PartnerOrderBody {
            sp_appid: &order.sp_appid,
            sp_mchid: order.sp_mchid.as_str(),
            sub_appid: order.sub_appid.as_deref(),
            sub_mchid: order.sub_mchid.as_str(),
            description: &order.description,
            out_trade_no: &order.out_trade_no,
            time_expire: order.time_expire.as_deref(),
            attach: order.attach.as_deref(),
            notify_url: &order.notify_url,
            goods_tag: order.goods_tag.as_deref(),
            settle_info: order.settle_info.map(SettleBody::from),
            support_fapiao: order.support_fapiao,
            amount: PartnerAmountBody {
                total: order.total,
                currency: CNY,
            },
            payer: self.payer.as_ref().map(|payer| PayerBody {
                sp_openid: payer.sp_openid.as_ref().map(SensitiveString::expose),
                sub_openid: payer.sub_openid.as_ref().map(SensitiveString::expose),
            }),
            detail: order.detail.as_ref().map(|detail| DetailBody {
                cost_price: detail.cost_price,
                invoice_id: detail.invoice_id.as_deref(),
                goods_detail: detail.goods_detail.iter().map(GoodsBody::from).collect(),
            }),
            scene_info: order
                .scene_info
                .as_ref()
                .map(|scene| scene.body(self.h5_info.as_ref())),
        };
        let path = PathBuilder::new(BASE)?.segment("trade_type", A::TRADE_TYPE)?;
        RequestParts::json(Method::POST, path.finish(), &body)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<A, Error> {
        body.json()
    }
}

#[derive(Serialize)]
struct PartnerOrderBody<'a> {
    sp_appid: &'a str,
    sp_mchid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
    sub_mchid: &'a str,
    description: &'a str,
    out_trade_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_expire: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    notify_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_info: Option<SettleBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    support_fapiao: Option<bool>,
    amount: PartnerAmountBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer: Option<PayerBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<DetailBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_info: Option<SceneBody<'a>>,
}

#[derive(Serialize)]
struct PartnerAmountBody {
    total: u64,
    currency: &'static str,
}

#[derive(Serialize)]
struct PayerBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_openid: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct SettleBody {
    profit_sharing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    subsidy_amount: Option<u64>,
}

impl From<SettleInfo> for SettleBody {
    fn from(settle: SettleInfo) -> Self {
        SettleBody {
            profit_sharing: settle.profit_sharing,
            subsidy_amount: settle.subsidy_amount,
        }
    }
}

#[derive(Serialize)]
struct DetailBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    cost_price: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoice_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    goods_detail: Vec<GoodsBody<'a>>,
}

#[derive(Serialize)]
struct GoodsBody<'a> {
    merchant_goods_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    wechatpay_goods_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_name: Option<&'a str>,
    quantity: u64,
    unit_price: u64,
}

impl<'a> From<&'a OrderGoods> for GoodsBody<'a> {
    fn from(goods: &'a OrderGoods) -> Self {
        GoodsBody {
            merchant_goods_id: &goods.merchant_goods_id,
            wechatpay_goods_id: goods.wechatpay_goods_id.as_deref(),
            goods_name: goods.goods_name.as_deref(),
            quantity: goods.quantity,
            unit_price: goods.unit_price,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct SceneBody<'a> {
    payer_client_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    h5_info: Option<H5InfoBody<'a>>,
}

#[derive(Serialize)]
struct H5InfoBody<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bundle_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_name: Option<&'a str>,
}

/// `GET /v3/pay/partner/transactions/id/{transaction_id}` or
/// `GET /v3/pay/partner/transactions/out-trade-no/{out_trade_no}`, with `sp_mchid` and
/// `sub_mchid` in the query: an order's state. An unpaid order has no `transaction_id` yet:
/// query it by `out_trade_no`.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::partner::QueryPartnerOrder;
///
/// let query = QueryPartnerOrder::by_transaction_id("1230000109", "1900000109", "4200000985202103031441826014")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/pay/partner/transactions/id/4200000985202103031441826014?sp_mchid=1230000109&sub_mchid=1900000109"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPartnerOrder {
    sp_mchid: MchId,
    sub_mchid: MchId,
    key: QueryKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum QueryKey {
    TransactionId(String),
    OutTradeNo(String),
}

impl QueryPartnerOrder {
    /// The order by WeChat Pay's number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: the merchant ids 1 to 32 digits, `transaction_id` 1 to 32
    /// ASCII letters, digits, `_` or `-`.
    pub fn by_transaction_id(
        sp_mchid: &str,
        sub_mchid: &str,
        transaction_id: &str,
    ) -> Result<Self, Error> {
        check_text("transaction_id", transaction_id, 32, Some(&CODE))?;
        Ok(QueryPartnerOrder {
            sp_mchid: MchId::parse(sp_mchid, "sp_mchid")?,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            key: QueryKey::TransactionId(transaction_id.to_owned()),
        })
    }

    /// The order by your number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: the merchant ids 1 to 32 digits, `out_trade_no` as
    /// [`PartnerOrder::new`] takes it.
    pub fn by_out_trade_no(
        sp_mchid: &str,
        sub_mchid: &str,
        out_trade_no: &str,
    ) -> Result<Self, Error> {
        check_out_trade_no(out_trade_no)?;
        Ok(QueryPartnerOrder {
            sp_mchid: MchId::parse(sp_mchid, "sp_mchid")?,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            key: QueryKey::OutTradeNo(out_trade_no.to_owned()),
        })
    }
}

impl Operation for QueryPartnerOrder {
    type Output = Transaction;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = match &self.key {
            QueryKey::TransactionId(id) => {
                PathBuilder::new(BY_ID)?.segment("transaction_id", id)?
            }
            QueryKey::OutTradeNo(no) => {
                PathBuilder::new(BY_OUT_TRADE_NO)?.segment("out_trade_no", no)?
            }
        };
        let path = path
            .query("sp_mchid", self.sp_mchid.as_str())
            .query("sub_mchid", self.sub_mchid.as_str());
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Transaction, Error> {
        body.json()
    }
}

/// `POST /v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close`: closes an unpaid
/// order, so that it can no longer be paid (answers `204 No Content`). Close an order before
/// placing it again under a new number; a paid order cannot be closed (refund it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosePartnerOrder {
    sp_mchid: MchId,
    sub_mchid: MchId,
    out_trade_no: String,
}

impl ClosePartnerOrder {
    /// Closes `out_trade_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: the merchant ids 1 to 32 digits, `out_trade_no` as
    /// [`PartnerOrder::new`] takes it.
    pub fn new(sp_mchid: &str, sub_mchid: &str, out_trade_no: &str) -> Result<Self, Error> {
        check_out_trade_no(out_trade_no)?;
        Ok(ClosePartnerOrder {
            sp_mchid: MchId::parse(sp_mchid, "sp_mchid")?,
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_trade_no: out_trade_no.to_owned(),
        })
    }
}

impl Operation for ClosePartnerOrder {
    type Output = ();

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            sp_mchid: &'a str,
            sub_mchid: &'a str,
        }
        let path = PathBuilder::new(BY_OUT_TRADE_NO)?
            .segment("out_trade_no", &self.out_trade_no)?
            .segment("action", "close")?;
        let body = Body {
            sp_mchid: self.sp_mchid.as_str(),
            sub_mchid: self.sub_mchid.as_str(),
        };
        RequestParts::json(Method::POST, path.finish(), &body)
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<(), Error> {
        body.no_content()
    }
}

/// Checks an AppID.
pub(crate) fn check_appid(field: &'static str, appid: &str) -> Result<(), Error> {
    check_text(field, appid, 32, Some(&CODE))
}

/// `out_trade_no` of a partner order: 6 to 32 of the merchant-number alphabet.
fn check_out_trade_no(out_trade_no: &str) -> Result<(), Error> {
    check_text("out_trade_no", out_trade_no, 32, Some(&OUT_NO))?;
    let count = out_trade_no.chars().count();
    if count < 6 {
        return Err(Error::invalid(
            "out_trade_no",
            format!("must be 6 to 32 characters, got {count}"),
        ));
    }
    Ok(())
}

/// Checks a callback address: the platform posts the result to it, and refuses one with a
/// query (`不能携带参数`).
pub(crate) fn check_notify_url(notify_url: &str) -> Result<(), Error> {
    check_text("notify_url", notify_url, 255, None)?;
    let lower = notify_url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let reason = match rest {
        None => Some("must start with https:// (http:// for a private line)"),
        Some("") => Some("has no host"),
        Some(_) if notify_url.contains(['?', '#']) => {
            Some("must not hold a query or a fragment: the platform refuses parameters")
        }
        Some(_)
            if notify_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Some("must not hold spaces or control characters")
        }
        Some(_) => None,
    };
    match reason {
        Some(reason) => Err(Error::invalid("notify_url", reason)),
        None => Ok(()),
    }
}

/// An instant as the pages write it: `2018-06-08T10:34:56+08:00` (whole seconds, the offset
/// kept).
pub(crate) fn format_rfc3339(
    field: &'static str,
    at: time::OffsetDateTime,
) -> Result<String, Error> {
    if !(0..=9999).contains(&at.year()) {
        return Err(Error::invalid(
            field,
            format!("year {} is outside 0000 to 9999", at.year()),
        ));
    }
    let offset = at.offset();
    let sign = if offset.is_negative() { '-' } else { '+' };
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        offset.whole_hours().unsigned_abs(),
        offset.minutes_past_hour().unsigned_abs(),
    ))
}

/// The parameters the placing endpoints start with (what [`example_order`] reads), then each
/// endpoint's own.
macro_rules! order_params {
    ($($own:literal),*) => {
        &[
            "sp_appid",
            "sp_mchid",
            "sub_mchid",
            "out_trade_no",
            "description",
            "notify_url",
            $($own),*
        ]
    };
}

/// The page's example values of [`order_params!`], then each endpoint's own.
macro_rules! order_example {
    ($($own:literal),*) => {
        &[
            "wx8888888888888888",
            "1230000109",
            "1900000109",
            "1217752501201407033233368018",
            "Image形象店-深圳腾大-QQ公仔",
            "https://www.weixin.qq.com/wxpay/pay.php",
            $($own),*
        ]
    };
}

/// The partner order endpoints, for [`crate::endpoint::endpoints`]. Amounts are numbers in the
/// body, and the table's parameters are the texts that appear as they are: an order made from
/// it is of 1 fen.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/pay/partner/transactions/jsapi",
        params: order_params!("sp_openid"),
        example: order_example!("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            let payer = PartnerPayer::sp_openid(param(name, values, 6)?)?;
            CreatePartnerOrder::jsapi(example_order(name, values)?, payer)?.request(context)
        },
        decode: |body| exercise_answer::<JsapiPrepay>(body),
    },
    Endpoint {
        name: "POST /v3/pay/partner/transactions/app",
        params: order_params!(),
        example: order_example!(),
        request: |values, context| {
            CreatePartnerOrder::app(example_order(ENDPOINTS[1].name, values)?).request(context)
        },
        decode: |body| exercise_answer::<AppPrepay>(body),
    },
    Endpoint {
        name: "POST /v3/pay/partner/transactions/h5",
        params: order_params!("payer_client_ip", "type"),
        example: order_example!("14.23.150.211", "Wap"),
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            let ip = canonical_ip(param(name, values, 6)?)?;
            let h5 = H5Info::new(H5Type::from(param(name, values, 7)?));
            let order = example_order(name, values)?.with_scene_info(SceneInfo::new(ip));
            CreatePartnerOrder::h5(order, h5)?.request(context)
        },
        decode: |body| exercise_answer::<H5Url>(body),
    },
    Endpoint {
        name: "POST /v3/pay/partner/transactions/native",
        params: order_params!(),
        example: order_example!(),
        request: |values, context| {
            CreatePartnerOrder::native(example_order(ENDPOINTS[3].name, values)?).request(context)
        },
        decode: |body| exercise_answer::<CodeUrl>(body),
    },
    Endpoint {
        name: "GET /v3/pay/partner/transactions/id/{transaction_id}",
        params: &["transaction_id", "sp_mchid", "sub_mchid"],
        example: &["4200000985202103031441826014", "1230000109", "1900000109"],
        request: |values, context| {
            let (sp_mchid, sub_mchid, key) = order_key(ENDPOINTS[4].name, values)?;
            QueryPartnerOrder::by_transaction_id(sp_mchid, sub_mchid, key)?.request(context)
        },
        decode: exercise_transaction,
    },
    Endpoint {
        name: "GET /v3/pay/partner/transactions/out-trade-no/{out_trade_no}",
        params: &["out_trade_no", "sp_mchid", "sub_mchid"],
        example: &["1217752501201407033233368018", "1230000109", "1900000109"],
        request: |values, context| {
            let (sp_mchid, sub_mchid, key) = order_key(ENDPOINTS[5].name, values)?;
            QueryPartnerOrder::by_out_trade_no(sp_mchid, sub_mchid, key)?.request(context)
        },
        decode: exercise_transaction,
    },
    Endpoint {
        name: "POST /v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
        params: &["out_trade_no", "sp_mchid", "sub_mchid"],
        example: &["1217752501201407033233368018", "1230000109", "1900000109"],
        request: |values, context| {
            let (sp_mchid, sub_mchid, key) = order_key(ENDPOINTS[6].name, values)?;
            ClosePartnerOrder::new(sp_mchid, sub_mchid, key)?.request(context)
        },
        decode: |body| body.no_content(),
    },
];

/// The order of the endpoint table's first six parameters, of 1 fen.
fn example_order(name: &str, values: &[&str]) -> Result<PartnerOrder, Error> {
    PartnerOrder::new(
        param(name, values, 0)?,
        param(name, values, 1)?,
        param(name, values, 2)?,
        param(name, values, 3)?,
        param(name, values, 4)?,
        1,
        param(name, values, 5)?,
    )
}

/// The merchants and the order's number of the query and close endpoints, whose table names
/// the order first: (`sp_mchid`, `sub_mchid`, the number).
fn order_key<'a>(name: &str, values: &[&'a str]) -> Result<(&'a str, &'a str, &'a str), Error> {
    Ok((
        param(name, values, 1)?,
        param(name, values, 2)?,
        param(name, values, 0)?,
    ))
}

/// An IP address in the one form it is sent in, so that the value given is the value sent.
pub(crate) fn canonical_ip(text: &str) -> Result<IpAddr, Error> {
    text.parse::<IpAddr>()
        .ok()
        .filter(|ip| ip.to_string() == text)
        .ok_or_else(|| {
            Error::invalid(
                "payer_client_ip",
                "not an IP address in canonical form (1.2.3.4, or IPv6 as Rust prints it)",
            )
        })
}

/// Decodes an order's answer and uses what it offers.
pub(crate) fn exercise_answer<A: OrderAnswer + std::fmt::Debug>(
    body: VerifiedBody<'_>,
) -> Result<(), Error> {
    let answer: A = body.json()?;
    let _ = format!("{answer:?}");
    Ok(())
}

fn exercise_transaction(body: VerifiedBody<'_>) -> Result<(), Error> {
    let transaction: Transaction = body.json()?;
    let _ = format!("{transaction:?}");
    let _ = (transaction.success_time_at(), transaction.is_paid());
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand_core::SeedableRng;

    use super::*;
    use crate::ecommerce::transaction::{TradeState, TradeType};
    use crate::platform_keys::PlatformKeys;

    fn request<O: Operation>(operation: &O) -> Result<RequestParts, Error> {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
        operation.request(&mut RequestContext::new(&keys, &mut rng))
    }

    fn body_json(parts: &RequestParts) -> serde_json::Value {
        serde_json::from_slice(parts.signed_body()).unwrap()
    }

    fn order() -> PartnerOrder {
        PartnerOrder::new(
            "wx8888888888888888",
            "1230000109",
            "1900000109",
            "1217752501201407033233368018",
            "Image形象店-深圳腾大-QQ公仔",
            100,
            "https://www.weixin.qq.com/wxpay/pay.php",
        )
        .unwrap()
    }

    #[test]
    fn the_page_example_request_is_what_the_builder_sends() {
        let at = time::macros::datetime!(2018-06-08 10:34:56 +08:00);
        let order = order()
            .with_sub_appid("wxd678efh567hg6999")
            .unwrap()
            .with_time_expire(at)
            .unwrap()
            .with_attach("自定义数据说明")
            .unwrap()
            .with_goods_tag("WXG")
            .unwrap()
            .with_settle_info(SettleInfo::new(false).with_subsidy_amount(10).unwrap())
            .with_support_fapiao(false)
            .with_detail(
                OrderDetail::new()
                    .with_cost_price(608_800)
                    .unwrap()
                    .with_invoice_id("微信123")
                    .unwrap()
                    .with_goods(
                        OrderGoods::new("1246464644", 1, 828_800)
                            .unwrap()
                            .with_wechatpay_goods_id("1001")
                            .unwrap()
                            .with_goods_name("iPhoneX 256G")
                            .unwrap(),
                    ),
            )
            .with_scene_info(
                SceneInfo::new("14.23.150.211".parse().unwrap())
                    .with_device_id("013467007045764")
                    .unwrap(),
            );
        let payer = PartnerPayer::sp_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            .unwrap()
            .with_sub_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
            .unwrap();
        let create = CreatePartnerOrder::jsapi(order, payer).unwrap();
        let parts = request(&create).unwrap();
        assert_eq!(parts.method(), Method::POST);
        assert_eq!(parts.path_and_query(), "/v3/pay/partner/transactions/jsapi");
        let expected: serde_json::Value =
            serde_json::from_str(wechatpay_fixtures::pages::PARTNER_JSAPI_REQUEST).unwrap();
        assert_eq!(body_json(&parts), expected);
        assert!(!format!("{create:?}").contains("oUpF8"));
    }

    #[test]
    fn each_trade_type_has_its_path_and_what_it_requires() {
        let app = request(&CreatePartnerOrder::app(order())).unwrap();
        assert_eq!(app.path_and_query(), "/v3/pay/partner/transactions/app");
        assert!(body_json(&app).get("payer").is_none());
        let native = request(&CreatePartnerOrder::native(order())).unwrap();
        assert_eq!(
            native.path_and_query(),
            "/v3/pay/partner/transactions/native"
        );

        // H5 needs the payer's IP, and sends the h5_info inside the scene.
        let h5 = H5Info::new(H5Type::Ios).with_app_name("王者荣耀").unwrap();
        let error = CreatePartnerOrder::h5(order(), h5.clone()).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "scene_info"));
        let scene = SceneInfo::new("::1".parse().unwrap());
        let parts =
            request(&CreatePartnerOrder::h5(order().with_scene_info(scene), h5).unwrap()).unwrap();
        assert_eq!(parts.path_and_query(), "/v3/pay/partner/transactions/h5");
        assert_eq!(
            body_json(&parts)["scene_info"],
            serde_json::json!({"payer_client_ip": "::1", "h5_info": {"type": "iOS", "app_name": "王者荣耀"}})
        );

        // A payer under sub_appid needs the order to name it.
        let payer = PartnerPayer::sub_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").unwrap();
        let error = CreatePartnerOrder::jsapi(order(), payer).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "sub_appid"));
    }

    #[test]
    fn inputs_are_checked_where_they_are_given() {
        let field_of = |result: Result<PartnerOrder, Error>| match result.unwrap_err() {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        let new = |no: &str, total: u64, url: &str| {
            PartnerOrder::new("wx1", "1230000109", "1900000109", no, "d", total, url)
        };
        assert_eq!(
            field_of(new("12345", 1, "https://a.example/n")),
            "out_trade_no"
        );
        assert_eq!(
            field_of(new("123456/", 1, "https://a.example/n")),
            "out_trade_no"
        );
        assert_eq!(field_of(new("123456", 0, "https://a.example/n")), "total");
        assert_eq!(
            field_of(new("123456", 1, "ftp://a.example/n")),
            "notify_url"
        );
        assert_eq!(
            field_of(new("123456", 1, "https://a.example/n?x=1")),
            "notify_url"
        );
        assert_eq!(field_of(new("123456", 1, "https://")), "notify_url");
        assert_eq!(
            field_of(new("123456", 1, " https://a.example/n")),
            "notify_url"
        );
        assert!(new("1234|*@-_", 1, "http://127.0.0.1:8080/notify").is_ok());
        assert_eq!(
            field_of(PartnerOrder::new(
                "wx1",
                "PUB_KEY_ID_1",
                "1",
                "123456",
                "d",
                1,
                "https://a/"
            )),
            "sp_mchid"
        );
        let error = SettleInfo::new(true)
            .with_subsidy_amount(500_001)
            .unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "subsidy_amount"));
        assert!(SettleInfo::new(true).with_subsidy_amount(500_000).is_ok());
        // Years before 0000 need no feature of `time` (those after 9999 do).
        let error = order()
            .with_time_expire(time::macros::datetime!(-0001-01-01 0:00 UTC))
            .unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "time_expire"));
        let at = time::macros::datetime!(2024-02-29 23:05:09.999 -03:30);
        assert_eq!(
            format_rfc3339("t", at).unwrap(),
            "2024-02-29T23:05:09-03:30"
        );
    }

    #[test]
    fn queries_and_close_name_the_order_and_both_merchants() {
        let by_no = order().query();
        assert_eq!(
            request(&by_no).unwrap().path_and_query(),
            "/v3/pay/partner/transactions/out-trade-no/1217752501201407033233368018?sp_mchid=1230000109&sub_mchid=1900000109"
        );
        let close = order().close();
        let parts = request(&close).unwrap();
        assert_eq!(
            parts.path_and_query(),
            "/v3/pay/partner/transactions/out-trade-no/1217752501201407033233368018/close"
        );
        assert_eq!(
            body_json(&parts),
            serde_json::json!({"sp_mchid": "1230000109", "sub_mchid": "1900000109"})
        );
        assert!(
            close
                .decode(VerifiedBody::new(b"", http::StatusCode::NO_CONTENT, None))
                .is_ok()
        );
        assert!(
            close
                .decode(VerifiedBody::new(b"{}", http::StatusCode::OK, None))
                .is_err()
        );
        assert!(QueryPartnerOrder::by_transaction_id("1", "2", "42/00").is_err());
    }

    #[test]
    fn the_page_example_answer_decodes_into_the_callback_type() {
        let body = wechatpay_fixtures::pages::PARTNER_TRANSACTION.as_bytes();
        let query = order().query();
        let paid = query
            .decode(VerifiedBody::new(body, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(paid.sp_mchid, "1230000109");
        assert_eq!(paid.sub_mchid, "1900000109");
        assert_eq!(
            paid.transaction_id.as_deref(),
            Some("1217752501201407033233368018")
        );
        assert_eq!(paid.trade_type, Some(TradeType::Jsapi));
        assert_eq!(paid.trade_state, TradeState::Success);
        assert!(paid.is_paid());
        assert_eq!(paid.amount.total, 100);
        assert_eq!(paid.promotion_detail.len(), 1);
        assert_eq!(paid.promotion_detail[0].goods_detail[0].goods_id, "M1006");
        let payer = paid.payer.as_ref().unwrap();
        assert_eq!(
            payer.sp_openid.as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t")
        );
        assert!(!format!("{paid:?}").contains("oUpF8"));

        // An unpaid order: no transaction_id, no payer yet.
        let unpaid = br#"{"sp_appid":"wx1","sp_mchid":"1","sub_mchid":"2","out_trade_no":"123456","trade_state":"NOTPAY","trade_state_desc":"...","amount":{"total":1,"currency":"CNY"}}"#;
        let unpaid = query
            .decode(VerifiedBody::new(unpaid, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(unpaid.transaction_id, None);
        assert!(!unpaid.is_paid());
    }

    #[test]
    fn the_answers_are_typed_by_trade_type() {
        let prepay = CreatePartnerOrder::jsapi(
            order(),
            PartnerPayer::sp_openid("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").unwrap(),
        )
        .unwrap()
        .decode(VerifiedBody::new(
            wechatpay_fixtures::pages::PREPAY_ID.as_bytes(),
            http::StatusCode::OK,
            None,
        ))
        .unwrap();
        assert_eq!(prepay.prepay_id(), "wx201410272009395522657a690389285100");
        let native = CreatePartnerOrder::native(order())
            .decode(VerifiedBody::new(
                wechatpay_fixtures::pages::CODE_URL.as_bytes(),
                http::StatusCode::OK,
                None,
            ))
            .unwrap();
        assert_eq!(native.code_url(), "weixin://wxpay/bizpayurl?pr=p4lpSuKzz");
        // A Native order's answer is not a prepay_id.
        assert!(
            CreatePartnerOrder::native(order())
                .decode(VerifiedBody::new(
                    wechatpay_fixtures::pages::PREPAY_ID.as_bytes(),
                    http::StatusCode::OK,
                    None,
                ))
                .is_err()
        );
    }
}
