//! `wechatpay contract OUT_CONTRACT_CODE --appid APPID`

use wechatpay_core::ecommerce::contract::QueryContractByOutContractCode;

use super::{WithBody, print_body};
use crate::config::{Output, Settings};
use crate::failure::Failure;
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The contract code (ASCII letters, digits, '_' and '-').
    out_contract_code: String,
    /// The AppID the contract was signed under.
    #[arg(long)]
    appid: String,
}

pub async fn run(settings: &Settings, args: Args) -> Result<(), Failure> {
    let query = QueryContractByOutContractCode::new(&args.out_contract_code, &args.appid)?;
    let (contract, body) = settings.http()?.execute(&WithBody(&query)).await?;
    match settings.output {
        Output::Json => print_body(&body),
        Output::Text => print!(
            "{}",
            render::contract(&args.out_contract_code, &args.appid, &contract)
        ),
    }
    Ok(())
}
