//! `wechatpay share`: shares a paid order's money with receivers (profit sharing), or
//! (`--query`) shows a sharing and each receiver's result.

use wechatpay_core::Untrusted;
use wechatpay_core::ecommerce::profitsharing::{
    CreateProfitSharingOrder, ProfitSharingOrder, QueryProfitSharingOrder, ReceiverType, ShareTo,
};

use super::{WithBody, body_text};
use crate::config::{Api, Output};
use crate::failure::{self, Failure};

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  wechatpay share --sub-mchid 1900000109 --transaction-id 4200000000000000000000000001 \\
      --out-order-no P_0001 --to 1900000200:100:commission --finish
  wechatpay share --sub-mchid 1900000109 --transaction-id 4200000000000000000000000001 \\
      --out-order-no P_0001 --query

The order must have been placed for profit sharing (`wechatpay pay --profit-sharing`), and each
receiver added first (POST /v3/ecommerce/profitsharing/receivers/add, with `wechatpay api`).
A sharing is PROCESSING, then FINISHED; sharing again with the same --out-order-no is the same
request. Amounts are in fen.")]
pub struct Args {
    /// The sub-merchant whose order is shared.
    #[arg(long)]
    sub_mchid: String,
    /// The order, by WeChat Pay's number.
    #[arg(long)]
    transaction_id: String,
    /// The sharing's number (1 to 64 ASCII letters, digits or _-|*@).
    #[arg(long)]
    out_order_no: String,
    /// A merchant receiver, as MCHID:AMOUNT:DESCRIPTION (amount in fen; the description may
    /// hold ':'). Repeat it for each receiver (up to 50).
    #[arg(long, value_name = "MCHID:AMOUNT:DESCRIPTION", required_unless_present_any = ["query", "to_openid"])]
    to: Vec<String>,
    /// A personal receiver, as OPENID:AMOUNT:DESCRIPTION, the openid under --appid. Repeat it
    /// for more.
    #[arg(long, value_name = "OPENID:AMOUNT:DESCRIPTION", requires = "appid")]
    to_openid: Vec<String>,
    /// The platform's AppID the personal receivers' openids belong to.
    #[arg(long)]
    appid: Option<String>,
    /// This is the order's last sharing: what is left is unfrozen for the sub-merchant.
    #[arg(long)]
    finish: bool,
    /// Show the sharing --out-order-no of the order instead of creating one.
    #[arg(long, conflicts_with_all = ["to", "to_openid", "appid", "finish"])]
    query: bool,
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
    super::flag_of(
        field,
        &["sub_mchid", "transaction_id", "out_order_no", "appid"],
    )
}

pub async fn run(args: Args) -> Result<(), Failure> {
    if args.query {
        let query =
            QueryProfitSharingOrder::new(&args.sub_mchid, &args.transaction_id, &args.out_order_no)
                .map_err(|e| super::input_failure(e, flag))?;
        let http = args.api.http().await?;
        let (order, body) = super::execute(&http, &WithBody(&query), "querying the sharing")
            .await
            .map_err(|error| {
                failure::queried(
                    failure::from_call(error, args.api.base_url()),
                    "out_order_no",
                    &args.out_order_no,
                )
            })?;
        show(&order, &body, args.output());
        return Ok(());
    }
    let create = sharing(&args)?;
    let http = args.api.http().await?;
    let (order, body) = super::execute(&http, &WithBody(&create), "sharing the order")
        .await
        .map_err(|error| failure::from_call(error, args.api.base_url()))?;
    show(&order, &body, args.output());
    Ok(())
}

/// The sharing the flags describe, checked before any setting is read.
fn sharing(args: &Args) -> Result<CreateProfitSharingOrder, Failure> {
    let mut receivers = Vec::with_capacity(args.to.len() + args.to_openid.len());
    for (flag, list) in [("--to", &args.to), ("--to-openid", &args.to_openid)] {
        for text in list {
            let mut parts = text.splitn(3, ':');
            let (Some(account), Some(amount), Some(description)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(Failure::usage(
                    format!(
                        "{flag} {} is not ACCOUNT:AMOUNT:DESCRIPTION",
                        Untrusted(text)
                    ),
                    format!(
                        "write each receiver as {flag} 1900000200:100:commission (amount in fen)"
                    ),
                ));
            };
            let Ok(amount) = amount.parse::<u64>() else {
                return Err(Failure::usage(
                    format!(
                        "{flag} {}: the amount {} is not a whole number of fen",
                        Untrusted(text),
                        Untrusted(amount)
                    ),
                    "write the amount in fen, digits only (100 is 1.00 yuan)",
                ));
            };
            let receiver = if flag == "--to" {
                ShareTo::merchant(account, amount, description)
            } else {
                ShareTo::personal_openid(account, amount, description)
            };
            receivers.push(
                receiver.map_err(|e| {
                    super::input_failure(e, |field| Some(format!("{flag} ({field})")))
                })?,
            );
        }
    }
    let checked = |e| super::input_failure(e, flag);
    let mut create = CreateProfitSharingOrder::new(
        &args.sub_mchid,
        args.transaction_id.as_str(),
        args.out_order_no.as_str(),
        receivers,
    )
    .map_err(checked)?
    .with_finish(args.finish);
    if let Some(appid) = &args.appid {
        create = create.with_appid(appid.as_str()).map_err(checked)?;
    }
    Ok(create)
}

fn show(order: &ProfitSharingOrder, body: &[u8], output: Output) {
    match output {
        Output::Json => super::emit(&body_text(body)),
        Output::Text => {
            let mut out = format!(
                "sharing      {} (order_id {})\nstatus       {}\norder        {} of sub-merchant {}\n",
                Untrusted(&order.out_order_no),
                Untrusted(&order.order_id),
                Untrusted(order.status.as_str()),
                Untrusted(&order.transaction_id),
                Untrusted(&order.sub_mchid),
            );
            if let Some(reason) = &order.close_reason {
                out.push_str(&format!("closed       {}\n", Untrusted(reason)));
            }
            for receiver in &order.receivers {
                // An openid identifies a person: the text names merchants only.
                let account = match receiver.kind {
                    ReceiverType::MerchantId => Untrusted(&receiver.receiver_account).to_string(),
                    _ => "(a person, by openid)".to_owned(),
                };
                out.push_str(&format!(
                    "  - {account}: {} fen, {}{}\n",
                    receiver.amount,
                    Untrusted(receiver.result.as_str()),
                    receiver
                        .fail_reason
                        .as_ref()
                        .map(|r| format!(" ({})", Untrusted(r.as_str())))
                        .unwrap_or_default(),
                ));
            }
            super::emit(&out);
        }
    }
}
