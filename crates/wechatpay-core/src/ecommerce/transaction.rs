//! Payment results (`original_type` `transaction`), as the `TRANSACTION.SUCCESS` callback
//! carries them: an e-commerce order paid through the partner APIs (普通支付), or a combined
//! order (合单支付) whose sub-orders belong to several sub-merchants. The order queries answer
//! the same shapes ([`super::partner::QueryPartnerOrder`],
//! [`super::combine::QueryCombineOrder`]), for orders in any state.
//!
//! Check the amount against your own order before shipping anything: the pages insist on it,
//! since a leaked notify URL is the first thing a forger tries.

use std::fmt;

use serde::Deserialize;

use super::{parse_rfc3339, protocol_enum};

/// The payment result of an e-commerce (partner) order: `TRANSACTION.SUCCESS` with
/// `original_type` `transaction` and no `combine_out_trade_no`.
///
/// The ids, the state and the amount are required, as on the page; everything else is
/// optional so that a callback lacking a descriptive field is still handled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The platform's (service provider's) AppID.
    #[serde(default)]
    pub sp_appid: Option<String>,
    /// The platform's merchant id.
    pub sp_mchid: String,
    /// The sub-merchant's AppID, when the order was placed under one.
    #[serde(default)]
    pub sub_appid: Option<String>,
    /// The sub-merchant (二级商户) the order belongs to.
    pub sub_mchid: String,
    /// Your order number.
    pub out_trade_no: String,
    /// WeChat Pay's order number: always in a callback; absent from the query of an order
    /// not paid yet.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// How the user paid.
    #[serde(default)]
    pub trade_type: Option<TradeType>,
    /// The order's state (`SUCCESS` in a `TRANSACTION.SUCCESS` callback).
    pub trade_state: TradeState,
    /// The platform's description of the state.
    #[serde(default)]
    pub trade_state_desc: Option<String>,
    /// The paying bank, such as `CMC`, or `OTHERS`.
    #[serde(default)]
    pub bank_type: Option<String>,
    /// Your own data, as you attached it to the order.
    #[serde(default)]
    pub attach: Option<String>,
    /// When the payment completed, RFC 3339; see [`Transaction::success_time_at`].
    #[serde(default)]
    pub success_time: Option<String>,
    /// Who paid.
    #[serde(default)]
    pub payer: Option<Payer>,
    /// What was paid.
    pub amount: TransactionAmount,
    /// Where the payment was made.
    #[serde(default)]
    pub scene_info: Option<SceneInfo>,
    /// The discounts applied, if any.
    #[serde(default)]
    pub promotion_detail: Vec<Promotion>,
}

impl Transaction {
    /// [`Transaction::success_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn success_time_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }

    /// Whether the order was paid: `SUCCESS`, or `REFUND` (paid, then refunded in part or in
    /// whole).
    pub fn is_paid(&self) -> bool {
        self.trade_state.is_paid()
    }
}

/// The payer of a partner order: the user's openid under the platform's and under the
/// sub-merchant's AppID. `Debug` shows only which are present: they identify a person.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Payer {
    /// The user's openid under `sp_appid`.
    #[serde(default)]
    pub sp_openid: Option<String>,
    /// The user's openid under `sub_appid`.
    #[serde(default)]
    pub sub_openid: Option<String>,
}

impl fmt::Debug for Payer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payer")
            .field("sp_openid", &self.sp_openid.as_ref().map(|_| "<redacted>"))
            .field(
                "sub_openid",
                &self.sub_openid.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The amount of a partner order, in fen (1/100 of the currency's unit).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionAmount {
    /// The order's total: compare it with your order.
    pub total: u64,
    /// What the user paid after discounts.
    #[serde(default)]
    pub payer_total: Option<u64>,
    /// The order's currency, `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    /// The currency the user paid in.
    #[serde(default)]
    pub payer_currency: Option<String>,
}

/// Where a payment was made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SceneInfo {
    /// The merchant's device (till) id.
    #[serde(default)]
    pub device_id: Option<String>,
}

/// One discount of `promotion_detail`. Amounts in fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Promotion {
    /// The coupon's id.
    pub coupon_id: String,
    /// The coupon's name.
    #[serde(default)]
    pub name: Option<String>,
    /// `GLOBAL` or `SINGLE` (one product).
    #[serde(default)]
    pub scope: Option<String>,
    /// `CASH` (funded) or `NOCASH` (not funded).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The discount's amount.
    pub amount: u64,
    /// The stock (batch) the coupon came from.
    #[serde(default)]
    pub stock_id: Option<String>,
    /// What WeChat Pay funded.
    #[serde(default)]
    pub wechatpay_contribute: Option<u64>,
    /// What the merchant funded.
    #[serde(default)]
    pub merchant_contribute: Option<u64>,
    /// What others funded.
    #[serde(default)]
    pub other_contribute: Option<u64>,
    /// The currency, `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    /// The products it applied to.
    #[serde(default)]
    pub goods_detail: Vec<GoodsDetail>,
}

/// One product a discount applied to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoodsDetail {
    /// The product's id.
    pub goods_id: String,
    /// How many.
    pub quantity: u64,
    /// The unit price, in fen.
    pub unit_price: u64,
    /// The discount on it, in fen.
    pub discount_amount: u64,
    /// The product's remark.
    #[serde(default)]
    pub goods_remark: Option<String>,
}

protocol_enum! {
    /// `trade_type`.
    pub enum TradeType {
        /// In an official account or mini program page.
        Jsapi => "JSAPI",
        /// A scanned QR code.
        Native => "NATIVE",
        /// In an app.
        App => "APP",
        /// A payment code shown by the user.
        Micropay => "MICROPAY",
        /// In a mobile browser (H5).
        Mweb => "MWEB",
        /// Face recognition.
        Facepay => "FACEPAY",
    }
}

protocol_enum! {
    /// `trade_state`.
    pub enum TradeState {
        /// 支付成功: paid.
        Success => "SUCCESS",
        /// 转入退款: refunded since.
        Refund => "REFUND",
        /// 未支付: not paid.
        NotPay => "NOTPAY",
        /// 已关闭: closed.
        Closed => "CLOSED",
        /// 已撤销: revoked (payment codes).
        Revoked => "REVOKED",
        /// 用户支付中: the user is paying (payment codes).
        UserPaying => "USERPAYING",
        /// 支付失败: the payment failed (the bank refused it, ...).
        PayError => "PAYERROR",
    }
}

impl TradeState {
    /// Whether the money was paid: `SUCCESS`, or `REFUND` (paid, then refunded).
    pub fn is_paid(&self) -> bool {
        matches!(self, TradeState::Success | TradeState::Refund)
    }
}

/// The payment result of a combined order (合单支付): `TRANSACTION.SUCCESS` with
/// `original_type` `transaction` and a `combine_out_trade_no`. Each sub-order belongs to one
/// sub-merchant and has its own state and amount.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CombineTransaction {
    /// The AppID of the combined order's initiator (the platform).
    pub combine_appid: String,
    /// The merchant id of the combined order's initiator.
    pub combine_mchid: String,
    /// Your number of the combined order.
    pub combine_out_trade_no: String,
    /// Where the payment was made.
    #[serde(default)]
    pub scene_info: Option<SceneInfo>,
    /// The sub-orders.
    #[serde(default)]
    pub sub_orders: Vec<SubOrder>,
    /// Who paid.
    #[serde(default)]
    pub combine_payer_info: Option<CombinePayer>,
}

impl CombineTransaction {
    /// Whether every sub-order was paid (a combined order is paid at once, in one payment;
    /// an answer without sub-orders is not paid).
    pub fn is_paid(&self) -> bool {
        !self.sub_orders.is_empty() && self.sub_orders.iter().all(|s| s.trade_state.is_paid())
    }

    /// The total of the sub-orders, in fen: what the payer was asked for.
    pub fn total_amount(&self) -> u64 {
        self.sub_orders
            .iter()
            .fold(0u64, |sum, s| sum.saturating_add(s.amount.total_amount))
    }
}

/// One sub-order of a combined order.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubOrder {
    /// The merchant id that placed the sub-order (the platform).
    pub mchid: String,
    /// The sub-merchant the sub-order belongs to.
    pub sub_mchid: String,
    /// The sub-merchant's AppID, when the order was placed under one.
    #[serde(default)]
    pub sub_appid: Option<String>,
    /// Your number of the sub-order.
    pub out_trade_no: String,
    /// WeChat Pay's number of the sub-order: always in a callback; absent from the query of a
    /// sub-order not paid yet.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// How the user paid.
    #[serde(default)]
    pub trade_type: Option<TradeType>,
    /// The sub-order's state.
    pub trade_state: TradeState,
    /// The paying bank.
    #[serde(default)]
    pub bank_type: Option<String>,
    /// Your own data, as attached.
    #[serde(default)]
    pub attach: Option<String>,
    /// When the payment completed, RFC 3339.
    #[serde(default)]
    pub success_time: Option<String>,
    /// What was paid for this sub-order.
    pub amount: SubOrderAmount,
    /// The user's openid under `sub_appid`. Not shown by `Debug`.
    #[serde(default)]
    pub sub_openid: Option<String>,
    /// The discounts applied, if any.
    #[serde(default)]
    pub promotion_detail: Vec<Promotion>,
}

impl SubOrder {
    /// [`SubOrder::success_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn success_time_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }
}

impl fmt::Debug for SubOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubOrder")
            .field("mchid", &self.mchid)
            .field("sub_mchid", &self.sub_mchid)
            .field("sub_appid", &self.sub_appid)
            .field("out_trade_no", &self.out_trade_no)
            .field("transaction_id", &self.transaction_id)
            .field("trade_type", &self.trade_type)
            .field("trade_state", &self.trade_state)
            .field("bank_type", &self.bank_type)
            .field("attach", &self.attach)
            .field("success_time", &self.success_time)
            .field("amount", &self.amount)
            .field(
                "sub_openid",
                &self.sub_openid.as_ref().map(|_| "<redacted>"),
            )
            .field("promotion_detail", &self.promotion_detail)
            .finish()
    }
}

/// The amount of a sub-order, in fen. Its field names differ from a partner order's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubOrderAmount {
    /// The sub-order's total: compare it with your order.
    pub total_amount: u64,
    /// What the user paid for it after discounts.
    #[serde(default)]
    pub payer_amount: Option<u64>,
    /// The currency, `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    /// The currency the user paid in.
    #[serde(default)]
    pub payer_currency: Option<String>,
}

/// The payer of a combined order. `Debug` shows only whether the openid is present.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CombinePayer {
    /// The user's openid under `combine_appid`.
    #[serde(default)]
    pub openid: Option<String>,
}

impl fmt::Debug for CombinePayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CombinePayer")
            .field("openid", &self.openid.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
