//! Refund results (`original_type` `refund`), as the `REFUND.SUCCESS`, `REFUND.ABNORMAL` and
//! `REFUND.CLOSED` callbacks of the e-commerce refund API carry them.

use serde::Deserialize;

use super::{parse_rfc3339, protocol_enum};
use crate::sensitive::SensitiveString;

/// The result of a refund of a sub-merchant's order.
///
/// The ids and the status are required; `amount` is optional because callbacks have been seen
/// without it (query the refund when you need the amounts and it is absent).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Refund {
    /// The platform's merchant id.
    pub sp_mchid: String,
    /// The sub-merchant (二级商户) whose order was refunded.
    pub sub_mchid: String,
    /// Your order number.
    pub out_trade_no: String,
    /// WeChat Pay's order number.
    pub transaction_id: String,
    /// Your refund number.
    pub out_refund_no: String,
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// The refund's state; the event type says the same.
    pub refund_status: RefundStatus,
    /// When the refund succeeded, RFC 3339 (`SUCCESS` only); see [`Refund::success_time_at`].
    #[serde(default)]
    pub success_time: Option<String>,
    /// Where the money went, such as a bank and the last digits of a card (`招商银行信用卡0403`)
    /// or the user's balance (`支付用户零钱`): personal data, never printed.
    #[serde(default)]
    pub user_received_account: Option<SensitiveString>,
    /// The amounts, in fen.
    #[serde(default)]
    pub amount: Option<RefundAmount>,
    /// Who funded the refund.
    #[serde(default)]
    pub refund_account: Option<RefundAccount>,
}

impl Refund {
    /// [`Refund::success_time`] as an instant; `None` when absent or not RFC 3339.
    pub fn success_time_at(&self) -> Option<time::OffsetDateTime> {
        self.success_time.as_deref().and_then(parse_rfc3339)
    }
}

/// The amounts of a refund, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RefundAmount {
    /// The order's total.
    pub total: u64,
    /// The amount refunded.
    pub refund: u64,
    /// What the user had paid.
    #[serde(default)]
    pub payer_total: Option<u64>,
    /// What goes back to the user (the refund less discounts).
    #[serde(default)]
    pub payer_refund: Option<u64>,
}

protocol_enum! {
    /// `refund_status`.
    pub enum RefundStatus {
        /// 退款成功: refunded.
        Success => "SUCCESS",
        /// 退款关闭: closed without refunding.
        Closed => "CLOSED",
        /// 退款异常: the money could not reach the user (a cancelled or frozen card); not
        /// final: handle it in the merchant platform, or apply for the refund elsewhere.
        Abnormal => "ABNORMAL",
    }
}

protocol_enum! {
    /// `refund_account`: who funded a refund.
    pub enum RefundAccount {
        /// The platform advanced the money (垫付).
        PartnerAdvance => "REFUND_SOURCE_PARTNER_ADVANCE",
        /// The sub-merchant's own funds.
        SubMerchant => "REFUND_SOURCE_SUB_MERCHANT",
    }
}
