//! `wechatpay contract OUT_CONTRACT_CODE --appid APPID`

use wechatpay_core::ecommerce::contract::QueryContractByOutContractCode;

use super::{WithBody, body_text};
use crate::config::{Api, Output};
use crate::failure::{self, Failure};
use crate::render;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The contract code (ASCII letters, digits, '_' and '-').
    out_contract_code: String,
    /// The AppID the contract was signed under.
    #[arg(long)]
    appid: String,
    #[command(flatten)]
    api: Api,
}

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let query = QueryContractByOutContractCode::new(&args.out_contract_code, &args.appid)?;
    let http = args.api.http().await?;
    let (contract, body) = super::execute(&http, &WithBody(&query), "querying the contract")
        .await
        .map_err(|error| {
            failure::queried(
                failure::from_call(error, args.api.base_url()),
                "out_contract_code",
                &args.out_contract_code,
            )
        })?;
    match args.output() {
        // The verified body as received.
        Output::Json => super::emit(&body_text(&body)),
        Output::Text => super::emit(&render::contract(
            &args.out_contract_code,
            &args.appid,
            &contract,
        )),
    }
    Ok(())
}
