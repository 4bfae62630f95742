//! `wechatpay pay`: places a partner order (one sub-merchant) or a combined order (several),
//! and prints the prepay answer with, for JSAPI and app orders, the signed parameters the
//! payer's client starts the payment with.

use std::io::IsTerminal;
use std::net::IpAddr;

use serde_json::Value;
use wechatpay_core::ecommerce::combine::{CombineOrder, CombineSubOrder, CreateCombineOrder};
use wechatpay_core::ecommerce::partner::{
    CreatePartnerOrder, H5Info, H5Type, PartnerOrder, PartnerPayer, SceneInfo, SettleInfo,
};
use wechatpay_core::ecommerce::pay_params::{AppPayParams, JsapiPayParams};
use wechatpay_core::{MchId, Nonce, Operation, Untrusted};
use wechatpay_hyper::HyperClient;

use super::{WithBody, body_text};
use crate::config::{Api, MCHID, Output};
use crate::failure::{self, Failure};

/// How the payer pays: the trade type, the last segment of the order's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TradeType {
    /// In a WeChat page or mini program (needs --openid); prints the signed parameters of
    /// wx.requestPayment.
    Jsapi,
    /// In a mobile app; prints the signed parameters of the app SDK's PayReq.
    App,
    /// In a mobile browser (needs --payer-client-ip); prints the link that opens the payment.
    H5,
    /// By scanning a QR code; prints the link to encode (and the code, on a terminal).
    Native,
}

/// `--h5-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum H5Kind {
    /// A mobile website.
    Wap,
    /// An iOS app's web view or browser.
    Ios,
    /// An Android app's web view or browser.
    Android,
}

#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  wechatpay pay --type jsapi --appid wx8888888888888888 --openid oUpF8uMuAJO_M2pxb1Q9zNjWeS6o \\
      --sub-mchid 1900000109 --out-trade-no ORDER_0001 --amount 1000 --description 'T-shirt' \\
      --notify-url https://shop.example/wxpay/notify
  wechatpay pay --type native --appid wx8888888888888888 --combine-out-trade-no C_0001 \\
      --sub-order 1900000109:C_0001_A:1000:T-shirt --sub-order 1900000110:C_0001_B:500:Socks \\
      --notify-url https://shop.example/wxpay/notify

The merchant placing the order (sp_mchid / combine_mchid) is --mchid. Amounts are in fen.
Follow the order with `wechatpay api GET` on its query path, or its TRANSACTION.SUCCESS callback.")]
pub struct Args {
    /// How the payer pays.
    #[arg(long = "type", value_enum, default_value_t = TradeType::Jsapi)]
    trade_type: TradeType,
    /// The platform's AppID (sp_appid, or combine_appid of a combined order); for JSAPI, the
    /// AppID the payer's --openid belongs to.
    #[arg(long)]
    appid: String,
    /// Where WeChat Pay sends the result (TRANSACTION.SUCCESS): an http(s) URL without a query.
    #[arg(long, value_name = "URL")]
    notify_url: String,
    /// A partner order: the sub-merchant paid.
    #[arg(
        long,
        required_unless_present = "sub_order",
        conflicts_with = "sub_order"
    )]
    sub_mchid: Option<String>,
    /// A partner order: its number (6 to 32 ASCII letters, digits or _-|*@).
    #[arg(long, requires = "sub_mchid")]
    out_trade_no: Option<String>,
    /// A partner order: its amount, in fen.
    #[arg(long, value_name = "FEN", requires = "sub_mchid")]
    amount: Option<u64>,
    /// A partner order: what is sold, as the payer sees it (1 to 127 characters).
    #[arg(long, requires = "sub_mchid")]
    description: Option<String>,
    /// A combined order: one sub-order, as SUB_MCHID:OUT_TRADE_NO:AMOUNT:DESCRIPTION (amount in
    /// fen; the description may hold ':'). Repeat it for each sub-merchant (up to 50).
    #[arg(
        long,
        value_name = "SUB_MCHID:OUT_TRADE_NO:AMOUNT:DESCRIPTION",
        requires = "combine_out_trade_no"
    )]
    sub_order: Vec<String>,
    /// A combined order: its number (1 to 32 ASCII letters, digits or _-|*@).
    #[arg(long, requires = "sub_order")]
    combine_out_trade_no: Option<String>,
    /// The payer's openid under --appid (JSAPI).
    #[arg(long)]
    openid: Option<String>,
    /// The sub-merchant's AppID the order is placed under (of every sub-order of a combined
    /// order).
    #[arg(long)]
    sub_appid: Option<String>,
    /// A partner order: the payer's openid under --sub-appid, instead of or beside --openid
    /// (JSAPI).
    #[arg(long, requires = "sub_appid", conflicts_with = "sub_order")]
    sub_openid: Option<String>,
    /// Data that comes back as given in the query and the callback (1 to 128 characters);
    /// a combined order's sub-orders require it, and take their description when it is not
    /// given.
    #[arg(long)]
    attach: Option<String>,
    /// Hold the money for profit sharing (settle_info.profit_sharing), for `wechatpay share`.
    #[arg(long)]
    profit_sharing: bool,
    /// The payer's IP address (scene_info.payer_client_ip; required for H5).
    #[arg(long, value_name = "IP")]
    payer_client_ip: Option<IpAddr>,
    /// H5: where the payer pays from.
    #[arg(long, value_enum, default_value_t = H5Kind::Wap)]
    h5_type: H5Kind,
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
        "sp_appid" | "combine_appid" | "appid" => "--appid".to_owned(),
        "total" => "--amount".to_owned(),
        "sp_openid" => "--openid".to_owned(),
        "scene_info" => "--payer-client-ip".to_owned(),
        "sp_mchid" | "combine_mchid" | "mchid" => MCHID.to_string(),
        other => {
            return super::flag_of(
                other,
                &[
                    "sub_mchid",
                    "out_trade_no",
                    "description",
                    "notify_url",
                    "combine_out_trade_no",
                    "openid",
                    "sub_appid",
                    "sub_openid",
                    "attach",
                ],
            );
        }
    })
}

fn need<'a, T>(value: &'a Option<T>, flag: &str) -> Result<&'a T, Failure> {
    value.as_ref().ok_or_else(|| {
        Failure::usage(
            format!("{flag} is missing"),
            format!("a partner order needs --sub-mchid, --out-trade-no, --amount and --description: pass {flag}"),
        )
    })
}

/// What the order is, built and checked before anything is read from the settings but the
/// merchant id.
enum Order {
    Partner(PartnerOrder, Option<PartnerPayer>),
    Combine(CombineOrder, Option<String>),
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let mchid = args
        .api
        .merchant
        .mchid()
        .ok_or_else(|| crate::config::not_set(MCHID))?
        .to_owned();
    let order = order(&args, &mchid).map_err(|e| super::input_failure(e, flag))?;
    let order = order?;
    let http = args.api.http().await?;
    let base_url = args.api.base_url().to_owned();
    let call = |e| failure::from_call(e, &base_url);
    // The AppID the payer's client runs under, which the parameters name.
    let client_appid = match (&order, args.trade_type, &args.sub_appid) {
        // A payer known only under the sub-merchant's AppID pays in its page or mini program.
        (Order::Partner(..), TradeType::Jsapi, Some(sub_appid))
            if args.openid.is_none() && args.sub_openid.is_some() =>
        {
            sub_appid.clone()
        }
        (Order::Partner(..), TradeType::App, Some(sub_appid)) => sub_appid.clone(),
        _ => args.appid.clone(),
    };
    let scene = args.payer_client_ip.map(SceneInfo::new);
    let h5 = || {
        H5Info::new(match args.h5_type {
            H5Kind::Wap => H5Type::Wap,
            H5Kind::Ios => H5Type::Ios,
            H5Kind::Android => H5Type::Android,
        })
    };
    let checked = |e| super::input_failure(e, flag);
    let (body, params) = match (order, args.trade_type) {
        (Order::Partner(order, payer), TradeType::Jsapi) => {
            let payer = payer.ok_or_else(|| no_openid(&args))?;
            let create = CreatePartnerOrder::jsapi(order, payer).map_err(checked)?;
            let (prepay, body) = place(&http, &create).await.map_err(call)?;
            let params = sign_jsapi(&http, &client_appid, &prepay)?;
            (body, Some(params))
        }
        (Order::Combine(order, openid), TradeType::Jsapi) => {
            let openid = openid.ok_or_else(|| no_openid(&args))?;
            let create = CreateCombineOrder::jsapi(order, &openid).map_err(checked)?;
            let (prepay, body) = place(&http, &create).await.map_err(call)?;
            let params = sign_jsapi(&http, &client_appid, &prepay)?;
            (body, Some(params))
        }
        (Order::Partner(order, _), TradeType::App) => {
            let create = CreatePartnerOrder::app(order);
            let (prepay, body) = place(&http, &create).await.map_err(call)?;
            (body, Some(sign_app(&http, &client_appid, &mchid, &prepay)?))
        }
        (Order::Combine(order, _), TradeType::App) => {
            let create = CreateCombineOrder::app(order);
            let (prepay, body) = place(&http, &create).await.map_err(call)?;
            (body, Some(sign_app(&http, &client_appid, &mchid, &prepay)?))
        }
        (Order::Partner(order, _), TradeType::H5) => {
            let order = match scene {
                Some(scene) => order.with_scene_info(scene),
                None => order,
            };
            let create = CreatePartnerOrder::h5(order, h5()).map_err(checked)?;
            (place(&http, &create).await.map_err(call)?.1, None)
        }
        (Order::Combine(order, _), TradeType::H5) => {
            let order = match scene {
                Some(scene) => order.with_scene_info(scene).map_err(checked)?,
                None => order,
            };
            let create = CreateCombineOrder::h5(order, h5()).map_err(checked)?;
            (place(&http, &create).await.map_err(call)?.1, None)
        }
        (Order::Partner(order, _), TradeType::Native) => {
            let order = match scene {
                Some(scene) => order.with_scene_info(scene),
                None => order,
            };
            let create = CreatePartnerOrder::native(order);
            (place(&http, &create).await.map_err(call)?.1, None)
        }
        (Order::Combine(order, _), TradeType::Native) => {
            let order = match scene {
                Some(scene) => order.with_scene_info(scene).map_err(checked)?,
                None => order,
            };
            let create = CreateCombineOrder::native(order);
            (place(&http, &create).await.map_err(call)?.1, None)
        }
    };
    show(&body, params.as_ref(), args.output());
    Ok(())
}

fn no_openid(args: &Args) -> Failure {
    Failure::usage(
        "a JSAPI order needs the payer: --openid is missing",
        if args.sub_order.is_empty() {
            "pass --openid (the payer's openid under --appid), or --sub-openid with --sub-appid"
        } else {
            "pass --openid, the payer's openid under --appid"
        },
    )
}

/// The order the flags describe; a flag missing for a partner order is a usage failure.
fn order(args: &Args, mchid: &str) -> Result<Result<Order, Failure>, wechatpay_core::Error> {
    let settle = args.profit_sharing.then(|| SettleInfo::new(true));
    if let Some(sub_mchid) = &args.sub_mchid {
        let fields = (
            need(&args.out_trade_no, "--out-trade-no"),
            need(&args.amount, "--amount"),
            need(&args.description, "--description"),
        );
        let (out_trade_no, amount, description) = match fields {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return Ok(Err(e)),
        };
        let mut order = PartnerOrder::new(
            &args.appid,
            mchid,
            sub_mchid,
            out_trade_no,
            description,
            *amount,
            &args.notify_url,
        )?;
        if let Some(sub_appid) = &args.sub_appid {
            order = order.with_sub_appid(sub_appid)?;
        }
        if let Some(attach) = &args.attach {
            order = order.with_attach(attach)?;
        }
        if let Some(settle) = settle {
            order = order.with_settle_info(settle);
        }
        let payer = match (&args.openid, &args.sub_openid) {
            (Some(openid), sub) => {
                let payer = PartnerPayer::sp_openid(openid)?;
                Some(match sub {
                    Some(sub) => payer.with_sub_openid(sub)?,
                    None => payer,
                })
            }
            (None, Some(sub)) => Some(PartnerPayer::sub_openid(sub)?),
            (None, None) => None,
        };
        return Ok(Ok(Order::Partner(order, payer)));
    }
    let mut sub_orders = Vec::with_capacity(args.sub_order.len());
    for text in &args.sub_order {
        let mut parts = text.splitn(4, ':');
        let (Some(sub_mchid), Some(out_trade_no), Some(amount), Some(description)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Ok(Err(Failure::usage(
                format!(
                    "--sub-order {} is not SUB_MCHID:OUT_TRADE_NO:AMOUNT:DESCRIPTION",
                    Untrusted(text)
                ),
                "write each sub-order as 1900000109:ORDER_A:1000:T-shirt (amount in fen)",
            )));
        };
        let Ok(amount) = amount.parse::<u64>() else {
            return Ok(Err(Failure::usage(
                format!(
                    "--sub-order {}: the amount {} is not a whole number of fen",
                    Untrusted(text),
                    Untrusted(amount)
                ),
                "write the amount in fen, digits only (1000 is 10.00 yuan)",
            )));
        };
        let attach = args.attach.as_deref().unwrap_or(description);
        let mut sub =
            CombineSubOrder::new(mchid, sub_mchid, out_trade_no, amount, description, attach)?;
        if let Some(sub_appid) = &args.sub_appid {
            sub = sub.with_sub_appid(sub_appid)?;
        }
        if let Some(settle) = settle {
            sub = sub.with_settle_info(settle);
        }
        sub_orders.push(sub);
    }
    let number = args.combine_out_trade_no.as_deref().unwrap_or_default();
    let order = CombineOrder::new(&args.appid, mchid, number, sub_orders, &args.notify_url)?;
    Ok(Ok(Order::Combine(order, args.openid.clone())))
}

/// Places the order; its answer and the verified body.
async fn place<O: Operation>(
    http: &HyperClient,
    create: &O,
) -> Result<(O::Output, Vec<u8>), wechatpay_hyper::Error> {
    super::execute(http, &WithBody(create), "placing the order").await
}

fn sign_jsapi(
    http: &HyperClient,
    appid: &str,
    prepay: &wechatpay_core::ecommerce::pay_params::JsapiPrepay,
) -> Result<Value, Failure> {
    let mut rng = super::rng();
    let nonce = Nonce::generate(&mut rng);
    let params = JsapiPayParams::prepare(appid, prepay, super::unix_now(), &nonce)?
        .sign(http.core().credentials(), &mut rng)?;
    Ok(serde_json::to_value(&params).unwrap_or(Value::Null))
}

fn sign_app(
    http: &HyperClient,
    appid: &str,
    mchid: &str,
    prepay: &wechatpay_core::ecommerce::pay_params::AppPrepay,
) -> Result<Value, Failure> {
    let mut rng = super::rng();
    let nonce = Nonce::generate(&mut rng);
    let partner = MchId::new(mchid)?;
    let params = AppPayParams::prepare(appid, &partner, prepay, super::unix_now(), &nonce)?
        .sign(http.core().credentials(), &mut rng)?;
    Ok(serde_json::to_value(&params).unwrap_or(Value::Null))
}

/// The answer: as received under `prepay`, with the signed parameters under `pay_params`.
fn show(body: &[u8], params: Option<&Value>, output: Output) {
    match output {
        Output::Json => {
            // The body is spliced in as received (it decoded, so it is JSON).
            let mut out = format!("{{\"prepay\":{}", body_text(body));
            if let Some(params) = params {
                out.push_str(&format!(",\"pay_params\":{params}"));
            }
            out.push('}');
            super::emit(&out);
        }
        Output::Text => {
            let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let mut out = String::new();
            for key in ["prepay_id", "h5_url", "code_url"] {
                if let Some(value) = answer.get(key).and_then(Value::as_str) {
                    out.push_str(&format!("{key:<11}{}\n", Untrusted(value)));
                    if key == "code_url" && std::io::stdout().is_terminal() {
                        out.push_str(&crate::render::qr(value));
                    }
                }
            }
            if let Some(params) = params {
                out.push_str("pay params (for the payer's client):\n");
                out.push_str(&super::pretty_json(params));
            }
            super::emit(&out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_order_fields_name_their_flag() {
        assert_eq!(flag("total").as_deref(), Some("--amount"));
        assert_eq!(flag("sp_appid").as_deref(), Some("--appid"));
        assert_eq!(flag("out_trade_no").as_deref(), Some("--out-trade-no"));
        assert_eq!(flag("whatever"), None);
    }
}
