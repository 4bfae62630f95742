//! Account balances: a sub-merchant's now and at the end of a day, and the platform's own.

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
const END_DAY: &str = "/v3/ecommerce/fund/enddaybalance";
const PLATFORM: &str = "/v3/merchant/fund/balance";
const PLATFORM_DAY_END: &str = "/v3/merchant/fund/dayendbalance";

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
    /// What is held back (frozen, in transit), in fen; 0 when the answer leaves it out, as
    /// the pages allow.
    #[serde(default)]
    pub pending_amount: i64,
}

/// `GET /v3/ecommerce/fund/enddaybalance/{sub_mchid}?date=...`: the balance of a
/// sub-merchant's account at the end (24:00) of a day.
///
/// The platform keeps 90 days, and writes a day's balance the next morning (the page
/// suggests asking after 10:00).
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::balance::{AccountType, QueryEndDayBalance};
///
/// let query = QueryEndDayBalance::new("1900000109", "2019-08-17")?.with_account_type(AccountType::Basic);
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/fund/enddaybalance/1900000109?date=2019-08-17&account_type=BASIC"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryEndDayBalance {
    sub_mchid: MchId,
    date: String,
    account_type: Option<AccountType>,
}

impl QueryEndDayBalance {
    /// The balance of the basic account (the platform's default) of `sub_mchid` at the end
    /// of `date`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `date` unless a real date
    /// written `YYYY-MM-DD`.
    pub fn new(sub_mchid: &str, date: &str) -> Result<Self, Error> {
        check_date(date)?;
        Ok(QueryEndDayBalance {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            date: date.to_owned(),
            account_type: None,
        })
    }

    /// The balance of this account instead: the page lists `BASIC` and `DEPOSIT`.
    pub fn with_account_type(self, account_type: AccountType) -> Self {
        QueryEndDayBalance {
            account_type: Some(account_type),
            ..self
        }
    }
}

impl Operation for QueryEndDayBalance {
    type Output = Balance;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path = PathBuilder::new(END_DAY)?
            .segment("sub_mchid", self.sub_mchid.as_str())?
            .query("date", &self.date);
        if let Some(account_type) = &self.account_type {
            path = path.query("account_type", account_type.as_str());
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<Balance, Error> {
        body.json()
    }
}

/// `GET /v3/merchant/fund/balance/{account_type}`: the balance of one of the platform's own
/// accounts (`BASIC`, `OPERATION` or `FEES`), now.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::balance::{AccountType, QueryPlatformBalance};
///
/// let query = QueryPlatformBalance::new(AccountType::Basic);
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/merchant/fund/balance/BASIC"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlatformBalance {
    account_type: AccountType,
}

impl QueryPlatformBalance {
    /// The balance of `account_type`.
    pub fn new(account_type: AccountType) -> Self {
        QueryPlatformBalance { account_type }
    }
}

impl Operation for QueryPlatformBalance {
    type Output = PlatformBalance;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(PLATFORM)?
            .segment("account_type", self.account_type.as_str())?
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<PlatformBalance, Error> {
        body.json()
    }
}

/// `GET /v3/merchant/fund/dayendbalance/{account_type}?date=...`: the balance of one of the
/// platform's own accounts at the end of a day (kept 90 days).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlatformEndDayBalance {
    account_type: AccountType,
    date: String,
}

impl QueryPlatformEndDayBalance {
    /// The balance of `account_type` at the end of `date`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`date`) unless a real date written `YYYY-MM-DD`.
    pub fn new(account_type: AccountType, date: &str) -> Result<Self, Error> {
        check_date(date)?;
        Ok(QueryPlatformEndDayBalance {
            account_type,
            date: date.to_owned(),
        })
    }
}

impl Operation for QueryPlatformEndDayBalance {
    type Output = PlatformBalance;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(PLATFORM_DAY_END)?
            .segment("account_type", self.account_type.as_str())?
            .query("date", &self.date)
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<PlatformBalance, Error> {
        body.json()
    }
}

/// The balance of one of the platform's own accounts, in fen: the answer names neither the
/// merchant nor the account, which the request did.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PlatformBalance {
    /// What can be used (and withdrawn) now, in fen.
    pub available_amount: i64,
    /// What is held back, in fen; 0 when the answer leaves it out.
    #[serde(default)]
    pub pending_amount: i64,
}

/// Checks a day written `YYYY-MM-DD` that the calendar has: the platform is never asked for
/// the 30th of February.
fn check_date(text: &str) -> Result<(), Error> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    // `[year]` also takes a sign and more digits; the length keeps it to four.
    match time::Date::parse(text, format) {
        Ok(_) if text.len() == 10 => Ok(()),
        _ => Err(Error::invalid(
            "date",
            format!(
                "{:?} is not a date written YYYY-MM-DD (2019-08-17)",
                crate::text::Quoted::value(text)
            ),
        )),
    }
}

/// The balance queries, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "GET /v3/ecommerce/fund/balance/{sub_mchid}",
        params: &["sub_mchid", "account_type"],
        example: &["1900000109", "BASIC"],
        request: |values, context| {
            let query = QueryBalance::new(param(ENDPOINTS[0].name, values, 0)?)?;
            let account_type = AccountType::from(param(ENDPOINTS[0].name, values, 1)?);
            query.with_account_type(account_type).request(context)
        },
        decode: decode_balance,
    },
    Endpoint {
        name: "GET /v3/ecommerce/fund/enddaybalance/{sub_mchid}",
        params: &["sub_mchid", "date", "account_type"],
        example: &["1900000109", "2019-08-17", "BASIC"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            let query = QueryEndDayBalance::new(param(name, values, 0)?, param(name, values, 1)?)?;
            let account_type = AccountType::from(param(name, values, 2)?);
            query.with_account_type(account_type).request(context)
        },
        decode: decode_balance,
    },
    Endpoint {
        name: "GET /v3/merchant/fund/balance/{account_type}",
        params: &["account_type"],
        example: &["BASIC"],
        request: |values, context| {
            let account_type = AccountType::from(param(ENDPOINTS[2].name, values, 0)?);
            QueryPlatformBalance::new(account_type).request(context)
        },
        decode: decode_platform_balance,
    },
    Endpoint {
        name: "GET /v3/merchant/fund/dayendbalance/{account_type}",
        params: &["account_type", "date"],
        example: &["BASIC", "2019-08-17"],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            let account_type = AccountType::from(param(name, values, 0)?);
            QueryPlatformEndDayBalance::new(account_type, param(name, values, 1)?)?.request(context)
        },
        decode: decode_platform_balance,
    },
];

fn decode_balance(body: VerifiedBody<'_>) -> Result<(), Error> {
    let balance: Balance = body.json()?;
    let _ = format!("{balance:?}");
    Ok(())
}

fn decode_platform_balance(body: VerifiedBody<'_>) -> Result<(), Error> {
    let balance: PlatformBalance = body.json()?;
    let _ = format!("{balance:?}");
    Ok(())
}

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

    #[test]
    fn end_of_day_balances_take_a_real_date() {
        let keys = crate::platform_keys::PlatformKeys::new();
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::from_seed([2; 32]);
        let mut context = RequestContext::new(&keys, &mut rng);
        let query = QueryEndDayBalance::new("1900000109", "2019-08-17").unwrap();
        assert_eq!(
            query.request(&mut context).unwrap().path_and_query(),
            "/v3/ecommerce/fund/enddaybalance/1900000109?date=2019-08-17"
        );
        let platform =
            QueryPlatformEndDayBalance::new(AccountType::Operation, "2024-02-29").unwrap();
        assert_eq!(
            platform.request(&mut context).unwrap().path_and_query(),
            "/v3/merchant/fund/dayendbalance/OPERATION?date=2024-02-29"
        );
        for refused in [
            "",
            "2019-8-17",
            "2019-02-30",
            "2023-02-29",
            "+2019-08-17",
            "20190817",
            "2019-08-17 ",
        ] {
            let error = QueryEndDayBalance::new("1900000109", refused).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidInput { field, .. } if field == "date"),
                "{refused:?}: {error}"
            );
            assert!(QueryPlatformEndDayBalance::new(AccountType::Basic, refused).is_err());
        }
    }

    #[test]
    fn the_pages_end_of_day_and_platform_examples_decode() {
        let body = wechatpay_fixtures::pages::ECOMMERCE_FUND_END_DAY_BALANCE.as_bytes();
        let balance = QueryEndDayBalance::new("1900000109", "2019-08-17")
            .unwrap()
            .decode(VerifiedBody::new(body, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(
            (
                balance.sub_mchid.as_str(),
                balance.available_amount,
                balance.account_type
            ),
            ("1900000109", 10_000, None)
        );
        let body = wechatpay_fixtures::pages::MERCHANT_FUND_BALANCE.as_bytes();
        for query in [
            QueryPlatformBalance::new(AccountType::Basic).decode(VerifiedBody::new(
                body,
                http::StatusCode::OK,
                None,
            )),
            QueryPlatformEndDayBalance::new(AccountType::Basic, "2019-08-17")
                .unwrap()
                .decode(VerifiedBody::new(body, http::StatusCode::OK, None)),
        ] {
            let balance = query.unwrap();
            assert_eq!(
                (balance.available_amount, balance.pending_amount),
                (10_000, 1)
            );
        }
        // `pending_amount` is optional on these pages.
        let bare = br#"{"available_amount":5}"#;
        let balance = QueryPlatformBalance::new(AccountType::Fees)
            .decode(VerifiedBody::new(bare, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!((balance.available_amount, balance.pending_amount), (5, 0));
    }

    #[test]
    fn the_platform_account_goes_into_the_path() {
        let keys = crate::platform_keys::PlatformKeys::new();
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::from_seed([3; 32]);
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = QueryPlatformBalance::new(AccountType::Fees)
            .request(&mut context)
            .unwrap();
        assert_eq!(parts.path_and_query(), "/v3/merchant/fund/balance/FEES");
        // A value this version does not know is still sent, encoded as a path segment.
        let parts = QueryPlatformBalance::new(AccountType::from("NEW/TYPE"))
            .request(&mut context)
            .unwrap();
        assert_eq!(
            parts.path_and_query(),
            "/v3/merchant/fund/balance/NEW%2FTYPE"
        );
        assert!(
            QueryPlatformBalance::new(AccountType::from(""))
                .request(&mut context)
                .is_err()
        );
    }
}
