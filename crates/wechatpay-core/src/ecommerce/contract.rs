//! Individual contracts (个人收款方签约): query by `out_contract_code` or by `openid`.

use http::Method;
use serde::Deserialize;

use super::{CODE, check_text, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::SensitiveString;

const BASE: &str = "/v3/ecommerce/individual-contracts";
const BY_OUT_CONTRACT_CODE: &str = "/v3/ecommerce/individual-contracts/out-contract-code";

/// `GET /v3/ecommerce/individual-contracts/out-contract-code/{out_contract_code}?appid=...`:
/// the contract signed through a pre-signing id, by the platform's own `out_contract_code`.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # use wechatpay_core::{ecommerce::contract::QueryContractByOutContractCode};
/// let query = QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/individual-contracts/out-contract-code/APPLYMENT_00000000001?appid=wxd678efh567h23787"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryContractByOutContractCode {
    out_contract_code: String,
    appid: String,
}

impl QueryContractByOutContractCode {
    /// Checks both parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `out_contract_code` must be 1 to 128 ASCII letters, digits, `_`
    /// or `-`; `appid` 1 to 32 of the same.
    pub fn new(
        out_contract_code: impl Into<String>,
        appid: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_contract_code = out_contract_code.into();
        let appid = appid.into();
        check_text("out_contract_code", &out_contract_code, 128, Some(&CODE))?;
        check_appid(&appid)?;
        Ok(QueryContractByOutContractCode {
            out_contract_code,
            appid,
        })
    }

    /// The platform's contract code.
    pub fn out_contract_code(&self) -> &str {
        &self.out_contract_code
    }

    /// The AppID the contract was signed under.
    pub fn appid(&self) -> &str {
        &self.appid
    }
}

impl Operation for QueryContractByOutContractCode {
    type Output = Contract;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_CONTRACT_CODE)?
            .segment("out_contract_code", &self.out_contract_code)?
            .query("appid", &self.appid)
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Contract, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/individual-contracts/{openid}?appid=...&permission_type=INDIVIDUAL_PAYEE`:
/// the contract of a user, by the user's `openid` under `appid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryContractByOpenid {
    openid: String,
    appid: String,
}

impl QueryContractByOpenid {
    /// Checks both parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `openid` must be 1 to 128 ASCII letters, digits, `_` or `-`;
    /// `appid` 1 to 32 of the same.
    pub fn new(openid: impl Into<String>, appid: impl Into<String>) -> Result<Self, Error> {
        let openid = openid.into();
        let appid = appid.into();
        check_text("openid", &openid, 128, Some(&CODE))?;
        check_appid(&appid)?;
        Ok(QueryContractByOpenid { openid, appid })
    }
}

impl Operation for QueryContractByOpenid {
    type Output = Contract;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BASE)?
            .segment("openid", &self.openid)?
            .query("appid", &self.appid)
            .query("permission_type", "INDIVIDUAL_PAYEE")
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Contract, Error> {
        body.json()
    }
}

/// The contract queries, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "GET /v3/ecommerce/individual-contracts/out-contract-code/{out_contract_code}",
        params: &["out_contract_code", "appid"],
        example: &["APPLYMENT_00000000001", "wxd678efh567h23787"],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            QueryContractByOutContractCode::new(param(name, values, 0)?, param(name, values, 1)?)?
                .request(context)
        },
        decode: decode_contract,
    },
    Endpoint {
        name: "GET /v3/ecommerce/individual-contracts/{openid}",
        params: &["openid", "appid"],
        example: &["oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wxd678efh567h23787"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            QueryContractByOpenid::new(param(name, values, 0)?, param(name, values, 1)?)?
                .request(context)
        },
        decode: decode_contract,
    },
];

/// Decodes a contract and uses what it offers beyond its fields.
fn decode_contract(body: VerifiedBody<'_>) -> Result<(), Error> {
    let contract: Contract = body.json()?;
    let _ = format!("{contract:?}");
    let _ = (contract.signed_at(), contract.is_authorized());
    Ok(())
}

fn check_appid(appid: &str) -> Result<(), Error> {
    check_text("appid", appid, 32, Some(&CODE))
}

/// A contract's state, as both contract queries answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Contract {
    /// The authorisation id of the user's payment account for this merchant, once signed.
    pub individual_auth_id: Option<String>,
    /// When the contract was signed, RFC 3339 as received; see [`Contract::signed_at`].
    /// Absent until the user has signed (`UNAUTHORIZED` contracts come without it), although
    /// the API page marks it required.
    pub signed_time: Option<String>,
    /// Whether the user has authorised.
    pub auth_state: AuthState,
    /// The user's openid under the platform's AppID, once signed.
    pub individual_openid: Option<String>,
    /// The real-name check, on newer versions of the endpoint.
    pub real_name_auth_result: Option<RealNameAuthResult>,
}

impl Contract {
    /// [`Contract::signed_time`] parsed; `None` before signing, or if the platform ever sends
    /// another format.
    pub fn signed_at(&self) -> Option<time::OffsetDateTime> {
        self.signed_time.as_deref().and_then(parse_rfc3339)
    }

    /// Whether the user has authorised payments.
    pub fn is_authorized(&self) -> bool {
        self.auth_state == AuthState::Authorized
    }
}

protocol_enum! {
    /// `auth_state`.
    pub enum AuthState {
        /// 已授权.
        Authorized => "AUTHORIZED",
        /// 未授权.
        Unauthorized => "UNAUTHORIZED",
    }
}

/// `real_name_auth_result`: a real-name check and the token to query it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RealNameAuthResult {
    /// What the token grants, such as `pay_realname`.
    pub scope: Option<String>,
    /// The access token: a secret, redacted in `Debug`.
    pub access_token: Option<SensitiveString>,
    /// When the token expires, RFC 3339 as received.
    pub access_token_expire_time: Option<String>,
}
