//! `wechatpay refund`: applies for a refund of a sub-merchant's order, or (`--query`) shows
//! one.

use wechatpay_core::Untrusted;
use wechatpay_core::ecommerce::refund::{ApplyRefund, QueryRefundByOutRefundNo, RefundAccount};

use super::{WithBody, body_text};
use crate::config::{Api, Output};
use crate::failure::{self, Failure};

/// `--funded-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Funding {
    /// The sub-merchant's own funds (the platform's default).
    SubMerchant,
    /// The platform's advance, when the sub-merchant's balance is short (an ability the
    /// platform applies for).
    PartnerAdvance,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  wechatpay refund --sub-mchid 1900000109 --appid wx8888888888888888 --out-trade-no ORDER_0001 \\
      --out-refund-no REFUND_0001 --amount 300 --total 1000 --reason 'out of stock'
  wechatpay refund --sub-mchid 1900000109 --query REFUND_0001

A refund is accepted as PROCESSING and ends SUCCESS, CLOSED or ABNORMAL (REFUND.* callback, or
--query). Applying again with the same --out-refund-no is the same refund. Amounts are in fen.")]
pub struct Args {
    /// The sub-merchant whose order is refunded.
    #[arg(long)]
    sub_mchid: String,
    /// Show the refund with this number instead of applying for one.
    #[arg(
        long,
        value_name = "OUT_REFUND_NO",
        conflicts_with_all = ["out_refund_no", "amount", "total", "transaction_id", "out_trade_no", "appid", "sub_appid", "notify_url", "reason", "funded_by"]
    )]
    query: Option<String>,
    /// The refund's number (1 to 64 ASCII letters, digits or _-|*@).
    #[arg(long, required_unless_present = "query")]
    out_refund_no: Option<String>,
    /// The amount to refund, in fen.
    #[arg(long, value_name = "FEN", required_unless_present = "query")]
    amount: Option<u64>,
    /// The order's total, in fen.
    #[arg(long, value_name = "FEN", required_unless_present = "query")]
    total: Option<u64>,
    /// The order, by WeChat Pay's number.
    #[arg(long, conflicts_with = "out_trade_no", required_unless_present_any = ["query", "out_trade_no"])]
    transaction_id: Option<String>,
    /// The order, by the platform's number.
    #[arg(long)]
    out_trade_no: Option<String>,
    /// The platform's AppID the order was placed under (sp_appid).
    #[arg(long, required_unless_present = "query")]
    appid: Option<String>,
    /// The sub-merchant's AppID, when the order was placed under one.
    #[arg(long)]
    sub_appid: Option<String>,
    /// Where the REFUND.* callbacks go, instead of the URL set in the merchant platform.
    #[arg(long, value_name = "URL")]
    notify_url: Option<String>,
    /// Why, as the user is told (1 to 80 characters).
    #[arg(long)]
    reason: Option<String>,
    /// Who funds the refund.
    #[arg(long, value_enum)]
    funded_by: Option<Funding>,
    #[command(flatten)]
    api: Api,
}

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

/// The flags fields of the core come from.
fn flag(field: &str) -> Option<String> {
    Some(match field {
        "amount.refund" => "--amount".to_owned(),
        "amount.total" => "--total".to_owned(),
        "sp_appid" => "--appid".to_owned(),
        other => {
            return super::flag_of(
                other,
                &[
                    "sub_mchid",
                    "out_refund_no",
                    "transaction_id",
                    "out_trade_no",
                    "sub_appid",
                    "notify_url",
                    "reason",
                ],
            );
        }
    })
}

pub async fn run(args: Args) -> Result<(), Failure> {
    match &args.query {
        Some(out_refund_no) => query(&args, out_refund_no).await,
        None => apply(&args).await,
    }
}

/// The application the flags describe, checked before any setting is read.
fn application(args: &Args) -> Result<ApplyRefund, wechatpay_core::Error> {
    // clap requires these unless --query, which is not given here.
    let mut refund = ApplyRefund::new(
        &args.sub_mchid,
        args.appid.as_deref().unwrap_or_default(),
        args.out_refund_no.as_deref().unwrap_or_default(),
        args.amount.unwrap_or_default(),
        args.total.unwrap_or_default(),
    )?;
    if let Some(id) = &args.transaction_id {
        refund = refund.with_transaction_id(id.as_str())?;
    }
    if let Some(number) = &args.out_trade_no {
        refund = refund.with_out_trade_no(number.as_str())?;
    }
    if let Some(sub_appid) = &args.sub_appid {
        refund = refund.with_sub_appid(sub_appid.as_str())?;
    }
    if let Some(url) = &args.notify_url {
        refund = refund.with_notify_url(url.as_str())?;
    }
    if let Some(reason) = &args.reason {
        refund = refund.with_reason(reason.as_str())?;
    }
    if let Some(funding) = args.funded_by {
        refund = refund.with_refund_account(match funding {
            Funding::SubMerchant => RefundAccount::SubMerchant,
            Funding::PartnerAdvance => RefundAccount::PartnerAdvance,
        });
    }
    Ok(refund)
}

async fn apply(args: &Args) -> Result<(), Failure> {
    let refund = application(args).map_err(|e| super::input_failure(e, flag))?;
    let http = args.api.http().await?;
    let (applied, body) = super::execute(&http, &WithBody(&refund), "applying for the refund")
        .await
        .map_err(|error| failure::from_call(error, args.api.base_url()))?;
    match args.output() {
        Output::Json => super::emit(&body_text(&body)),
        Output::Text => super::emit(&format!(
            "refund_id     {}\nout_refund_no {}\namount        {} of {} fen\nnext          wechatpay refund --sub-mchid {} --query {}",
            Untrusted(&applied.refund_id),
            Untrusted(&applied.out_refund_no),
            applied.amount.refund,
            args.total.unwrap_or_default(),
            crate::shell::quote(&args.sub_mchid),
            crate::shell::quote(&applied.out_refund_no),
        )),
    }
    Ok(())
}

async fn query(args: &Args, out_refund_no: &str) -> Result<(), Failure> {
    let query = QueryRefundByOutRefundNo::new(out_refund_no, &args.sub_mchid).map_err(|e| {
        super::input_failure(e, |field| match field {
            "out_refund_no" => Some("--query".to_owned()),
            other => flag(other),
        })
    })?;
    let http = args.api.http().await?;
    let (refund, body) = super::execute(&http, &WithBody(&query), "querying the refund")
        .await
        .map_err(|error| {
            failure::queried(
                failure::from_call(error, args.api.base_url()),
                "out_refund_no",
                out_refund_no,
            )
        })?;
    match args.output() {
        // The verified body as received, for scripts.
        Output::Json => super::emit(&body_text(&body)),
        // The account the money went to is personal data: the text leaves it out.
        Output::Text => {
            let mut out = format!(
                "refund        {} (refund_id {})\nstatus        {}\norder         {} (transaction_id {})\n",
                Untrusted(&refund.out_refund_no),
                Untrusted(&refund.refund_id),
                Untrusted(refund.refund_status.as_str()),
                Untrusted(&refund.out_trade_no),
                Untrusted(&refund.transaction_id),
            );
            if let Some(amount) = &refund.amount {
                out.push_str(&format!("amount        {} fen\n", amount.refund));
            }
            if let Some(time) = &refund.success_time {
                out.push_str(&format!("succeeded     {}\n", Untrusted(time)));
            }
            super::emit(&out);
        }
    }
    Ok(())
}
