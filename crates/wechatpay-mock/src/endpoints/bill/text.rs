//! Bills as the platform writes them: of the sandbox's ledger for a day it saw, or made up
//! deterministically (the same request gives the same bytes, of about the size asked); either
//! way with rows, totals and a summary that agree.

use sha2::{Digest, Sha256};

/// Which bill, and which of its variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A trade bill: `ALL`, `SUCCESS` or `REFUND`.
    Trade(TradeKind),
    /// A fund-flow bill (the merchant's, or the sub-merchants' of a platform).
    FundFlow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TradeKind {
    All,
    Success,
    Refund,
}

const TRADE_ALL: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const TRADE_SUCCESS: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
const TRADE_REFUND: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const TRADE_SUMMARY_ALL: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
const TRADE_SUMMARY_SUCCESS: &str = "总交易单数,应结订单总金额,手续费总金额,订单总金额";
const FUND_FLOW: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号";
const FUND_FLOW_SUMMARY: &str = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额";

const GOODS: [&str; 4] = ["会员月卡", "咖啡 大杯", "Notebook A5", "年度订阅"];
const TRADE_TYPES: [&str; 4] = ["JSAPI", "NATIVE", "APP", "MICROPAY"];
const BANKS: [&str; 3] = ["CMB_DEBIT", "ICBC_CREDIT", "OTHERS"];

/// A bill of about `size` bytes (at least its header and summary) for `kind` on `date`.
pub(crate) fn bill(kind: Kind, date: &str, seed: &str, size: usize) -> Vec<u8> {
    let mut random = Random::new(&format!("{kind:?}/{date}/{seed}"));
    let mut text = String::with_capacity(size.saturating_add(4096).min(1 << 30));
    let mut n = 0u64;
    match kind {
        Kind::Trade(trade) => trade_bill(&mut text, trade, "1900000001", |text| {
            (text.len() < size).then(|| {
                n += 1;
                made_up_trade(trade, date, n, &mut random)
            })
        }),
        Kind::FundFlow => {
            let mut balance = 1_000_000i64;
            fund_flow_bill(&mut text, |text| {
                (text.len() < size).then(|| {
                    n += 1;
                    made_up_flow(date, n, &mut balance, &mut random)
                })
            });
        }
    }
    text.into_bytes()
}

/// A trade bill of `rows`, the platform's merchant `sp_mchid`.
pub(crate) fn trade_bill_of(kind: TradeKind, sp_mchid: &str, rows: Vec<TradeRow>) -> Vec<u8> {
    let mut text = String::new();
    let mut rows = rows.into_iter();
    trade_bill(&mut text, kind, sp_mchid, |_| rows.next());
    text.into_bytes()
}

/// A fund-flow bill of `rows`.
pub(crate) fn fund_flow_bill_of(rows: Vec<FlowRow>) -> Vec<u8> {
    let mut text = String::new();
    let mut rows = rows.into_iter();
    fund_flow_bill(&mut text, |_| rows.next());
    text.into_bytes()
}

/// One line of a trade bill: a payment, or the refund of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TradeRow {
    /// `YYYY-MM-DD hh:mm:ss`, China Standard Time.
    pub(crate) time: String,
    pub(crate) sub_mchid: String,
    pub(crate) transaction_id: String,
    pub(crate) out_trade_no: String,
    pub(crate) openid: String,
    pub(crate) trade_type: String,
    pub(crate) bank: String,
    /// The order's amount, in fen.
    pub(crate) amount: i64,
    /// For a refund: its id, its number and its amount in fen.
    pub(crate) refund: Option<(String, String, i64)>,
    pub(crate) goods: String,
    pub(crate) attach: String,
    /// In 1/1000 fen (five decimals of a yuan), negative for a refund's.
    pub(crate) fee: i64,
    /// As the bill writes it: `0.60%`.
    pub(crate) rate: String,
}

/// One line of a fund-flow bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowRow {
    /// `YYYY-MM-DD hh:mm:ss`, China Standard Time.
    pub(crate) time: String,
    /// The business's id (`transaction_id`, `refund_id`...).
    pub(crate) business_id: String,
    /// The flow's own id.
    pub(crate) flow_id: String,
    /// 业务名称 and 业务类型 (`交易`, `退款`, `分账`...).
    pub(crate) business: String,
    /// In fen; positive for income.
    pub(crate) amount: i64,
    /// The account's balance after it, in fen.
    pub(crate) balance: i64,
    pub(crate) remark: String,
    /// The merchant's number for the business.
    pub(crate) voucher: String,
}

fn made_up_trade(kind: TradeKind, date: &str, n: u64, random: &mut Random) -> TradeRow {
    let refund = match kind {
        TradeKind::All => random.below(5) == 0,
        TradeKind::Success => false,
        TradeKind::Refund => true,
    };
    let amount = 100 + random.below(99_900) as i64;
    let refund_amount = amount / 2;
    // A fee of 0.6%, in 1/1000 fen as the bill writes it (five decimals of a yuan).
    let fee = if refund {
        -(refund_amount * 6)
    } else {
        amount * 6
    };
    TradeRow {
        time: clock(date, n.wrapping_mul(7)),
        sub_mchid: "1900000109".to_owned(),
        transaction_id: format!("42000024122024{n:014}"),
        out_trade_no: format!("ORDER_{}_{n:08}", date.replace('-', "")),
        openid: format!("oUpF8uMuAJO_M2pxb1Q9zNj{:05}", n % 100_000),
        trade_type: TRADE_TYPES[(n % 4) as usize].to_owned(),
        bank: BANKS[(n % 3) as usize].to_owned(),
        amount,
        refund: refund.then(|| {
            (
                format!("503000241220241{n:014}"),
                format!("REFUND_{n:08}"),
                refund_amount,
            )
        }),
        goods: GOODS[(n % 4) as usize].to_owned(),
        attach: format!("attach-{}", n % 10),
        fee,
        rate: "0.60%".to_owned(),
    }
}

fn made_up_flow(date: &str, n: u64, balance: &mut i64, random: &mut Random) -> FlowRow {
    let incoming = random.below(3) != 0;
    let amount = 1 + random.below(50_000) as i64;
    *balance += if incoming { amount } else { -amount };
    FlowRow {
        time: clock(date, n.wrapping_mul(5)),
        business_id: format!("42000024122024{n:014}"),
        flow_id: format!("1900009231{}{n:010}", date.replace('-', "")),
        business: if incoming { "交易" } else { "退款" }.to_owned(),
        amount: if incoming { amount } else { -amount },
        balance: *balance,
        remark: if n.is_multiple_of(7) {
            "缺货".to_owned()
        } else {
            String::new()
        },
        voucher: format!("ORDER_{n:08}"),
    }
}

/// `date` at `seconds` past midnight (modulo a day), as bills write times.
fn clock(date: &str, seconds: u64) -> String {
    let seconds = seconds % 86_400;
    format!(
        "{date} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Writes a trade bill whose rows `next` gives (it sees the text so far), then its summary.
fn trade_bill(
    text: &mut String,
    kind: TradeKind,
    sp_mchid: &str,
    mut next: impl FnMut(&String) -> Option<TradeRow>,
) {
    let (header, summary_header) = match kind {
        TradeKind::All => (TRADE_ALL, TRADE_SUMMARY_ALL),
        TradeKind::Success => (TRADE_SUCCESS, TRADE_SUMMARY_SUCCESS),
        TradeKind::Refund => (TRADE_REFUND, TRADE_SUMMARY_ALL),
    };
    let columns: Vec<&str> = header.split(',').collect();
    line(
        text,
        &columns.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(),
        false,
    );
    let (mut count, mut settled, mut refunded, mut fees, mut ordered) =
        (0u64, 0i64, 0i64, 0i64, 0i64);
    while let Some(row) = next(text) {
        let refund_amount = row.refund.as_ref().map_or(0, |(_, _, amount)| *amount);
        let settles = if row.refund.is_some() { 0 } else { row.amount };
        let value = |column: &str| -> String {
            let refund = row.refund.as_ref();
            match column {
                "交易时间" | "退款申请时间" | "退款成功时间" => row.time.clone(),
                "公众账号ID" => "wxd678efh567hg6787".to_owned(),
                "商户号" => sp_mchid.to_owned(),
                "特约商户号" => row.sub_mchid.clone(),
                "设备号" => String::new(),
                "微信订单号" => row.transaction_id.clone(),
                "商户订单号" => row.out_trade_no.clone(),
                "用户标识" => row.openid.clone(),
                "交易类型" => row.trade_type.clone(),
                "交易状态" => if refund.is_some() {
                    "REFUND"
                } else {
                    "SUCCESS"
                }
                .to_owned(),
                "付款银行" => row.bank.clone(),
                "货币种类" => "CNY".to_owned(),
                "应结订单金额" | "订单金额" => yuan(settles, 2),
                "微信退款单号" => refund.map_or_else(|| "0".to_owned(), |r| r.0.clone()),
                "商户退款单号" => refund.map_or_else(|| "0".to_owned(), |r| r.1.clone()),
                "退款金额" | "申请退款金额" => yuan(refund_amount, 2),
                "退款类型" => if refund.is_some() { "ORIGINAL" } else { "" }.to_owned(),
                "退款状态" => if refund.is_some() { "SUCCESS" } else { "" }.to_owned(),
                "商品名称" => row.goods.clone(),
                "商户数据包" => row.attach.clone(),
                "手续费" => yuan(row.fee, 5),
                "费率" => row.rate.clone(),
                _ => {
                    if column.ends_with("金额") {
                        "0.00".to_owned()
                    } else {
                        String::new()
                    }
                }
            }
        };
        line(
            text,
            &columns.iter().map(|c| value(c)).collect::<Vec<_>>(),
            true,
        );
        count += 1;
        settled += settles;
        ordered += settles;
        refunded += refund_amount;
        fees += row.fee;
    }
    line(
        text,
        &summary_header
            .split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        false,
    );
    let totals: Vec<String> = summary_header
        .split(',')
        .map(|column| match column {
            "总交易单数" => count.to_string(),
            "应结订单总金额" => yuan(settled, 2),
            "退款总金额" | "申请退款总金额" => yuan(refunded, 2),
            "手续费总金额" => yuan(fees, 5),
            "订单总金额" => yuan(ordered, 2),
            _ => "0.00".to_owned(),
        })
        .collect();
    line(text, &totals, true);
}

/// Writes a fund-flow bill whose rows `next` gives (it sees the text so far), then its summary.
fn fund_flow_bill(text: &mut String, mut next: impl FnMut(&String) -> Option<FlowRow>) {
    line(
        text,
        &FUND_FLOW.split(',').map(str::to_owned).collect::<Vec<_>>(),
        false,
    );
    let (mut income_count, mut income, mut expense_count, mut expense) = (0u64, 0i64, 0u64, 0i64);
    while let Some(row) = next(text) {
        let incoming = row.amount >= 0;
        let values = vec![
            row.time,
            row.business_id,
            row.flow_id,
            row.business.clone(),
            row.business,
            if incoming { "收入" } else { "支出" }.to_owned(),
            yuan(row.amount.abs(), 2),
            yuan(row.balance, 2),
            "system".to_owned(),
            row.remark,
            row.voucher,
        ];
        line(text, &values, true);
        if incoming {
            income_count += 1;
            income += row.amount;
        } else {
            expense_count += 1;
            expense -= row.amount;
        }
    }
    line(
        text,
        &FUND_FLOW_SUMMARY
            .split(',')
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        false,
    );
    line(
        text,
        &[
            format!("{}.0", income_count + expense_count),
            format!("{income_count}.0"),
            yuan(income, 2),
            format!("{expense_count}.0"),
            yuan(expense, 2),
        ],
        true,
    );
}

/// One line, `\r\n`-terminated as the platform's are, each value marked with a backtick on
/// the lines that carry data.
fn line(text: &mut String, values: &[String], marked: bool) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        if marked {
            text.push('`');
        }
        text.push_str(value);
    }
    text.push_str("\r\n");
}

/// `units` of 10^-`decimals` yuan (fen for 2) as the bill writes it.
fn yuan(units: i64, decimals: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    let scale = 10u64.pow(decimals);
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale,
        magnitude % scale,
        width = decimals as usize
    )
}

/// splitmix64, seeded from the bill's identity: the same bill every time.
struct Random(u64);

impl Random {
    fn new(seed: &str) -> Self {
        let digest = Sha256::digest(seed.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Random(u64::from_le_bytes(first))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bills_are_deterministic_and_about_the_size_asked() {
        let a = bill(Kind::Trade(TradeKind::All), "2024-11-23", "", 200_000);
        assert_eq!(
            a,
            bill(Kind::Trade(TradeKind::All), "2024-11-23", "", 200_000)
        );
        assert!(a.len() >= 200_000 && a.len() < 202_000, "{}", a.len());
        assert_ne!(
            a,
            bill(Kind::Trade(TradeKind::All), "2024-11-24", "", 200_000)
        );
        let text = String::from_utf8(a).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("交易时间,"));
        assert!(lines[lines.len() - 3].starts_with("总交易单数,"));
        assert_eq!(yuan(-5, 5), "-0.00005");
        assert_eq!(yuan(12345, 2), "123.45");
    }
}
