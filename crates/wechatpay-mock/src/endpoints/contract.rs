//! `GET /v3/ecommerce/individual-contracts/out-contract-code/{out_contract_code}` and
//! `GET /v3/ecommerce/individual-contracts/{openid}`: an individual payee's contract
//! (根据业务申请单号查签约信息, and by openid).
//!
//! Seeded with the page's `AUTHORIZED` example and an `UNAUTHORIZED` contract ([`seeded`]);
//! [`MockPlatform::add_contract`] adds more.

use http::Method;
use serde_json::json;

use super::{Call, Endpoint, Outcome, Route, found};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::store::Seeding;

/// A contract as the platform answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractRecord {
    /// The platform's contract code.
    pub out_contract_code: String,
    /// The AppID it was signed under.
    pub appid: String,
    /// The user's openid, once signed (the key of the by-openid query).
    pub openid: Option<String>,
    /// The JSON body answered for it, byte for byte.
    pub body: Vec<u8>,
}

/// The keys of the seeded contracts.
pub mod seeded {
    /// The AppID of the seeded contracts.
    pub const APPID: &str = "wxd678efh567h23787";
    /// The `AUTHORIZED` contract: the API page's example.
    pub const CONTRACT_AUTHORIZED: &str = "APPLYMENT_00000000001";
    /// The openid the `AUTHORIZED` contract is found by. (Its body keeps the page's
    /// `individual_openid`, which ends in a JSON `\t` escape.)
    pub const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    /// The `UNAUTHORIZED` contract.
    pub const CONTRACT_UNAUTHORIZED: &str = "CONTRACT_UNAUTHORIZED";
}

/// The API page's example contract, exactly as printed, `\t` escape included: the seeded
/// [`seeded::CONTRACT_AUTHORIZED`].
pub const PAGE_EXAMPLE: &str = wechatpay_fixtures::pages::INDIVIDUAL_CONTRACT;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/individual-contracts/out-contract-code/{out_contract_code}",
            answer: by_out_contract_code,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/individual-contracts/{openid}",
            answer: by_openid,
        },
    ],
    seed,
    unknown_enum_values: &[("auth_state", "AUTHORIZING")],
    tables: &[],
    progress: &[],
};

/// The contracts the platform knows.
#[derive(Debug, Clone, Default)]
struct Contracts(Vec<ContractRecord>);

impl Contracts {
    fn body(&self, matches: impl Fn(&ContractRecord) -> bool) -> Option<Vec<u8>> {
        self.0.iter().find(|c| matches(c)).map(|c| c.body.clone())
    }
}

fn by_out_contract_code(call: &Call<'_>) -> Outcome {
    let code = call.path("out_contract_code")?;
    let valid = (1..=128).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(Reply::param_error(
            "out_contract_code",
            "path",
            "仅允许数字、字母、-和_,长度1到128",
        ));
    }
    let appid = appid(call)?;
    found(
        call.store()
            .read(|c: &Contracts| c.body(|c| c.out_contract_code == code && c.appid == appid)),
        "签约信息不存在",
    )
}

fn by_openid(call: &Call<'_>) -> Outcome {
    let openid = call.path("openid")?;
    if call.query("permission_type").as_deref() != Some("INDIVIDUAL_PAYEE") {
        return Err(Reply::param_error(
            "permission_type",
            "query",
            "应为INDIVIDUAL_PAYEE",
        ));
    }
    let appid = appid(call)?;
    found(
        call.store().read(|c: &Contracts| {
            c.body(|c| c.openid.as_deref() == Some(openid.as_str()) && c.appid == appid)
        }),
        "签约信息不存在",
    )
}

/// The `appid` query parameter both routes require.
fn appid(call: &Call<'_>) -> Result<String, Reply> {
    match call.query("appid") {
        Some(appid) if (1..=32).contains(&appid.len()) => Ok(appid),
        Some(_) => Err(Reply::param_error("appid", "query", "长度应为1到32个字符")),
        None => Err(Reply::param_error("appid", "query", "缺少参数appid")),
    }
}

impl MockPlatform {
    /// Adds or replaces (by `out_contract_code`) a contract.
    pub fn add_contract(&self, record: ContractRecord) {
        self.store().write(|contracts: &mut Contracts| {
            contracts
                .0
                .retain(|c| c.out_contract_code != record.out_contract_code);
            contracts.0.push(record);
        });
    }
}

/// The seeded contracts: the page's `AUTHORIZED` example and an `UNAUTHORIZED` one.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    seeding.insert(Contracts(vec![
        ContractRecord {
            out_contract_code: seeded::CONTRACT_AUTHORIZED.to_owned(),
            appid: seeded::APPID.to_owned(),
            openid: Some(seeded::OPENID.to_owned()),
            body: PAGE_EXAMPLE.as_bytes().to_vec(),
        },
        ContractRecord {
            out_contract_code: seeded::CONTRACT_UNAUTHORIZED.to_owned(),
            appid: seeded::APPID.to_owned(),
            openid: None,
            // Not signed yet: no signed_time, no individual_auth_id, no openid.
            body: json!({"auth_state": "UNAUTHORIZED"})
                .to_string()
                .into_bytes(),
        },
    ]));
    Ok(())
}
