//! Typed views of the rows of the two bills, by the column names of the platform's bill
//! format pages: the trade bill (交易账单: ALL, SUCCESS and REFUND differ in their columns) and
//! the fund-flow bill (资金账单). Columns a bill lacks are `None` where a kind of bill or an
//! older format leaves them out; every other column stays readable with [`BillRow::get`].

use std::fmt;

use super::reader::BillRow;
use crate::ecommerce::protocol_enum;
use crate::error::Error;

protocol_enum! {
    /// What a trade bill row records (`交易状态`).
    pub enum TradeState {
        /// `SUCCESS`: a payment.
        Success => "SUCCESS",
        /// `REFUND`: a refund.
        Refund => "REFUND",
        /// `REVOKED`: a payment revoked after it succeeded.
        Revoked => "REVOKED",
    }
}

protocol_enum! {
    /// Whether a fund-flow row adds to the account or takes from it (`收支类型`).
    pub enum FlowDirection {
        /// `收入`: money in.
        Income => "收入",
        /// `支出`: money out.
        Expense => "支出",
    }
}

/// An amount in yuan as a bill writes it (`0.01`, `-0.02`, `0.00000` for a fee with five
/// decimals): exact, never a float.
///
/// ```
/// use wechatpay_core::bill::Amount;
///
/// let fee = Amount::parse("0.60000").unwrap();
/// assert_eq!(fee.fen(), Some(60));
/// assert_eq!(fee.to_string(), "0.60000");
/// assert_eq!(Amount::parse("0.005").unwrap().fen(), None); // not a whole fen
/// assert!(Amount::parse("1e3").is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    /// The digits as an integer: `0.60000` is 60000.
    value: i64,
    /// How many of them are decimals: 5 for `0.60000`.
    scale: u8,
}

impl Amount {
    /// The most decimals an amount may have.
    const MAX_SCALE: usize = 9;

    /// Parses `-?digits(.digits)?`; `None` for anything else, or more than 9 decimals or 18
    /// digits.
    pub fn parse(text: &str) -> Option<Amount> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let valid = !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && !(digits.contains('.') && fraction.is_empty())
            && fraction.len() <= Self::MAX_SCALE
            && whole.len() + fraction.len() <= 18;
        if !valid {
            return None;
        }
        let magnitude: i64 = format!("{whole}{fraction}").parse().ok()?;
        Some(Amount {
            value: if negative { -magnitude } else { magnitude },
            scale: u8::try_from(fraction.len()).ok()?,
        })
    }

    /// The amount in fen (1/100 yuan), when it is a whole number of fen.
    pub fn fen(&self) -> Option<i64> {
        let scale = u32::from(self.scale);
        if scale <= 2 {
            return self.value.checked_mul(10_i64.checked_pow(2 - scale)?);
        }
        let divisor = 10_i64.checked_pow(scale - 2)?;
        (self.value % divisor == 0).then_some(self.value / divisor)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.value < 0 { "-" } else { "" };
        let magnitude = self.value.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{magnitude}");
        }
        let divisor = 10_u64.pow(u32::from(self.scale));
        write!(
            f,
            "{sign}{}.{:0width$}",
            magnitude / divisor,
            magnitude % divisor,
            width = usize::from(self.scale)
        )
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

/// A row of a trade bill (交易账单), any kind (ALL, SUCCESS, REFUND).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradeBillRow {
    /// `交易时间`: when the payment succeeded, or the refund was requested
    /// (`2024-11-23 10:00:00`, Beijing time).
    pub trade_time: String,
    /// `公众账号ID`: the `appid` the order was placed with.
    pub appid: String,
    /// `商户号`: the merchant that placed the order.
    pub mchid: String,
    /// `特约商户号`: the sub-merchant, `0` for a merchant's own orders.
    pub sub_mchid: Option<String>,
    /// `微信订单号`: the platform's `transaction_id`.
    pub transaction_id: String,
    /// `商户订单号`: the merchant's `out_trade_no`.
    pub out_trade_no: String,
    /// `交易类型`: `JSAPI`, `NATIVE`, `APP`, `MICROPAY`, ...
    pub trade_type: String,
    /// `交易状态`.
    pub trade_state: TradeState,
    /// `应结订单金额`: what settles to the merchant, fees not deducted (absent from the oldest
    /// format).
    pub settlement_amount: Option<Amount>,
    /// `微信退款单号`: the platform's `refund_id` (ALL and REFUND bills; `0` on a payment).
    pub refund_id: Option<String>,
    /// `商户退款单号`: the merchant's `out_refund_no` (ALL and REFUND bills).
    pub out_refund_no: Option<String>,
    /// `退款金额` (ALL and REFUND bills).
    pub refund_amount: Option<Amount>,
    /// `手续费`: the fee, negative when a refund gives it back.
    pub fee: Amount,
    /// `费率`: the fee rate, as written (`0.60%`).
    pub rate: Option<String>,
    /// `订单金额`: the order's amount.
    pub order_amount: Option<Amount>,
}

/// The summary of a trade bill.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TradeBillSummary {
    /// `总交易单数`: how many rows.
    pub count: u64,
    /// `应结订单总金额`.
    pub settlement_total: Option<Amount>,
    /// `退款总金额` (ALL and REFUND bills).
    pub refund_total: Option<Amount>,
    /// `手续费总金额`.
    pub fee_total: Amount,
    /// `订单总金额`.
    pub order_total: Option<Amount>,
}

/// A row of a fund-flow bill (资金账单).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FundFlowBillRow {
    /// `记账时间`: when the account changed (`2024-11-23 04:21:23`, Beijing time).
    pub booked_at: String,
    /// `微信支付业务单号`: the platform's number for the business it belongs to.
    pub business_no: String,
    /// `资金流水单号`: the number of this movement.
    pub flow_no: String,
    /// `业务名称`: `交易`, `退款`, `提现`, ...
    pub business_name: String,
    /// `业务类型`: `交易`, `扣除交易手续费`, `退款`, ...
    pub business_type: String,
    /// `收支类型`.
    pub direction: FlowDirection,
    /// `收支金额(元)`: how much moved.
    pub amount: Amount,
    /// `账户结余(元)`: the balance after it.
    pub balance: Amount,
    /// `资金变更提交申请人`: who asked for it (`system`, an operator), when given.
    pub applicant: Option<String>,
    /// `备注`: the merchant's or the business's remark, when given.
    pub remark: Option<String>,
    /// `业务凭证号`: usually the merchant's order or refund number, when given.
    pub voucher_no: Option<String>,
}

/// The summary of a fund-flow bill.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FundFlowBillSummary {
    /// `资金流水总笔数`: how many rows.
    pub count: u64,
    /// `收入笔数`.
    pub income_count: u64,
    /// `收入金额`.
    pub income_total: Amount,
    /// `支出笔数`.
    pub expense_count: u64,
    /// `支出金额`.
    pub expense_total: Amount,
}

impl BillRow {
    /// This row as a trade bill's.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] naming the line and the column: a column every trade bill has is
    /// missing, or an amount or state is not one.
    pub fn trade(&self) -> Result<TradeBillRow, Error> {
        let view = View(self);
        Ok(TradeBillRow {
            trade_time: view.text::<TradeBillRow>("交易时间")?,
            appid: view.text::<TradeBillRow>("公众账号ID")?,
            mchid: view.text::<TradeBillRow>("商户号")?,
            sub_mchid: view.optional_text(&["特约商户号", "子商户号"]),
            transaction_id: view.text::<TradeBillRow>("微信订单号")?,
            out_trade_no: view.text::<TradeBillRow>("商户订单号")?,
            trade_type: view.text::<TradeBillRow>("交易类型")?,
            trade_state: TradeState::from(view.text::<TradeBillRow>("交易状态")?.as_str()),
            settlement_amount: view.optional_amount::<TradeBillRow>(&["应结订单金额"])?,
            refund_id: view.optional_text(&["微信退款单号"]),
            out_refund_no: view.optional_text(&["商户退款单号"]),
            refund_amount: view.optional_amount::<TradeBillRow>(&["退款金额"])?,
            fee: view.amount::<TradeBillRow>("手续费")?,
            rate: view.optional_text(&["费率"]),
            order_amount: view.optional_amount::<TradeBillRow>(&["订单金额"])?,
        })
    }

    /// This row as a trade bill's summary.
    ///
    /// # Errors
    ///
    /// As [`BillRow::trade`].
    pub fn trade_summary(&self) -> Result<TradeBillSummary, Error> {
        let view = View(self);
        Ok(TradeBillSummary {
            count: view.count::<TradeBillSummary>("总交易单数")?,
            settlement_total: view.optional_amount::<TradeBillSummary>(&["应结订单总金额"])?,
            refund_total: view.optional_amount::<TradeBillSummary>(&["退款总金额"])?,
            fee_total: view.amount::<TradeBillSummary>("手续费总金额")?,
            order_total: view.optional_amount::<TradeBillSummary>(&["订单总金额"])?,
        })
    }

    /// This row as a fund-flow bill's.
    ///
    /// # Errors
    ///
    /// As [`BillRow::trade`].
    pub fn fund_flow(&self) -> Result<FundFlowBillRow, Error> {
        let view = View(self);
        Ok(FundFlowBillRow {
            booked_at: view.text::<FundFlowBillRow>("记账时间")?,
            business_no: view.text::<FundFlowBillRow>("微信支付业务单号")?,
            flow_no: view.text::<FundFlowBillRow>("资金流水单号")?,
            business_name: view.text::<FundFlowBillRow>("业务名称")?,
            business_type: view.text::<FundFlowBillRow>("业务类型")?,
            direction: FlowDirection::from(view.text::<FundFlowBillRow>("收支类型")?.as_str()),
            amount: view.required_amount::<FundFlowBillRow>(&["收支金额(元)", "收支金额（元）"])?,
            balance: view
                .required_amount::<FundFlowBillRow>(&["账户结余(元)", "账户结余（元）"])?,
            applicant: view.optional_text(&["资金变更提交申请人"]),
            remark: view.optional_text(&["备注"]),
            voucher_no: view.optional_text(&["业务凭证号"]),
        })
    }

    /// This row as a fund-flow bill's summary.
    ///
    /// # Errors
    ///
    /// As [`BillRow::trade`].
    pub fn fund_flow_summary(&self) -> Result<FundFlowBillSummary, Error> {
        let view = View(self);
        Ok(FundFlowBillSummary {
            count: view.count::<FundFlowBillSummary>("资金流水总笔数")?,
            income_count: view.count::<FundFlowBillSummary>("收入笔数")?,
            income_total: view.amount::<FundFlowBillSummary>("收入金额")?,
            expense_count: view.count::<FundFlowBillSummary>("支出笔数")?,
            expense_total: view.amount::<FundFlowBillSummary>("支出金额")?,
        })
    }
}

/// Reads columns of a row by name, with errors that name the line and the column.
struct View<'a>(&'a BillRow);

impl View<'_> {
    /// The first of `names` the bill has, with its value.
    fn find(&self, names: &[&str]) -> Option<(String, &str)> {
        names
            .iter()
            .find_map(|name| self.0.get(name).map(|value| ((*name).to_owned(), value)))
    }

    fn text<T>(&self, name: &str) -> Result<String, Error> {
        self.0
            .get(name)
            .map(|value| value.trim().to_owned())
            .ok_or_else(|| self.0.error::<T>(name, "missing"))
    }

    /// A column only some bills have, or that may be empty: `None` then.
    fn optional_text(&self, names: &[&str]) -> Option<String> {
        self.find(names)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn amount<T>(&self, name: &str) -> Result<Amount, Error> {
        self.required_amount::<T>(&[name])
    }

    fn required_amount<T>(&self, names: &[&str]) -> Result<Amount, Error> {
        self.optional_amount::<T>(names)?.ok_or_else(|| {
            self.0
                .error::<T>(names.first().copied().unwrap_or_default(), "missing")
        })
    }

    /// `None` when the bill has no such column or leaves it empty; an error when it is there
    /// and not an amount.
    fn optional_amount<T>(&self, names: &[&str]) -> Result<Option<Amount>, Error> {
        let Some((name, value)) = self.find(names) else {
            return Ok(None);
        };
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        Amount::parse(value).map(Some).ok_or_else(|| {
            self.0
                .error::<T>(&name, format!("{value:?} is not an amount"))
        })
    }

    /// A count, which fund-flow summaries write with a decimal (`20.0`).
    fn count<T>(&self, name: &str) -> Result<u64, Error> {
        let text = self.text::<T>(name)?;
        let whole = text.strip_suffix(".0").unwrap_or(&text);
        whole
            .parse()
            .map_err(|_| self.0.error::<T>(name, format!("{text:?} is not a count")))
    }
}
