//! A sub-merchant's account balance, as it stands now.

use http::Method;
use serde::Deserialize;

use super::protocol_enum;
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;

const BASE: &str = "/v3/ecommerce/fund/balance";

protocol_enum! {
    /// Which of a sub-merchant's funds accounts.
    pub enum AccountType {
        /// `BASIC`: the basic account, where payments settle.
        Basic => "BASIC",
        /// `OPERATION`: the operations account.
        Operation => "OPERATION",
        /// `FEES`: the fees account.
        Fees => "FEES",
        /// `DEPOSIT`: the deposit account, listed on later versions of the page.
        Deposit => "DEPOSIT",
    }
}

/// `GET /v3/ecommerce/fund/balance/{sub_mchid}?account_type=...`: the balance of a
/// sub-merchant's account, now.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::balance::{AccountType, QueryBalance};
///
/// let query = QueryBalance::new("1900000109")?.with_account_type(AccountType::Operation);
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/fund/balance/1900000109?account_type=OPERATION"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryBalance {
    sub_mchid: MchId,
    account_type: Option<AccountType>,
}

impl QueryBalance {
    /// The balance of the basic account (the platform's default) of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_mchid`) unless 1 to 32 digits.
    pub fn new(sub_mchid: &str) -> Result<Self, Error> {
        Ok(QueryBalance {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            account_type: None,
        })
    }

    /// The balance of this account instead.
    pub fn with_account_type(self, account_type: AccountType) -> Self {
        QueryBalance {
            account_type: Some(account_type),
            ..self
        }
    }
}

impl Operation for QueryBalance {
    type Output = Balance;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path = PathBuilder::new(BASE)?.segment("sub_mchid", self.sub_mchid.as_str())?;
        if let Some(account_type) = &self.account_type {
            path = path.query("account_type", account_type.as_str());
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Balance, Error> {
        body.json()
    }
}

/// An account's balance, in fen (1/100 yuan).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Balance {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// The account; absent from older answers, which concern the basic account.
    pub account_type: Option<AccountType>,
    /// What can be used now, in fen.
    pub available_amount: i64,
    /// What is held back (frozen, in transit), in fen.
    pub pending_amount: i64,
}

/// The balance query, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[Endpoint {
    name: "GET /v3/ecommerce/fund/balance/{sub_mchid}",
    params: &["sub_mchid", "account_type"],
    example: &["1900000109", "BASIC"],
    request: |values, context| {
        let query = QueryBalance::new(param(ENDPOINTS[0].name, values, 0)?)?;
        let account_type = AccountType::from(param(ENDPOINTS[0].name, values, 1)?);
        query.with_account_type(account_type).request(context)
    },
    decode: |body| {
        let balance: Balance = body.json()?;
        let _ = format!("{balance:?}");
        Ok(())
    },
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_example_decodes_and_unknown_accounts_are_kept() {
        let body = wechatpay_fixtures::pages::ECOMMERCE_FUND_BALANCE.as_bytes();
        let balance = QueryBalance::new("1900000109")
            .unwrap()
            .decode(VerifiedBody::new(body, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(balance.sub_mchid, "1900000109");
        assert_eq!(balance.account_type, Some(AccountType::Basic));
        assert_eq!(
            (balance.available_amount, balance.pending_amount),
            (10_000, 0)
        );
        let later =
            br#"{"sub_mchid":"1","account_type":"ESCROW","available_amount":1,"pending_amount":2}"#;
        let balance = QueryBalance::new("1")
            .unwrap()
            .decode(VerifiedBody::new(later, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(
            balance.account_type,
            Some(AccountType::Unknown("ESCROW".into()))
        );
    }

    #[test]
    fn the_sub_mchid_is_a_merchant_id() {
        let error = QueryBalance::new("PUB_KEY_ID_01").unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "sub_mchid"),
            "{error}"
        );
        assert!(QueryBalance::new("").is_err());
    }
}
