//! Balances, from the sandbox's money: a sub-merchant's now (查询二级商户账户实时余额) and at
//! the end of a day (查询二级商户账户日终余额), and the platform's own, now and at the end of
//! a day (查询账户实时余额, 查询账户日终余额).
//!
//! An account's balance is its opening balance ([`BalanceRecord`], seeded with the pages'
//! examples, [`MockPlatform::add_balance`] for more) plus every movement of money the ledger
//! recorded for it since: payments settle into a sub-merchant's basic account, refunds and
//! profit sharing take from it, subsidies move money from the platform to it, withdrawals
//! and transfers take from it. So a balance always follows what happened, and a withdrawal
//! cannot take more than there is.
//!
//! A sub-merchant's account is known when it has an opening balance or an entry in the
//! ledger, and its basic account as soon as it has an order; the platform's `BASIC`,
//! `OPERATION` and `FEES` accounts always are. Unknown accounts are `404 RESOURCE_NOT_EXISTS`.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Call, Endpoint, Outcome, Route, ledger};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::sandbox::table;
use crate::store::{Seeding, Store};

/// An account's opening balance: what it held before the sandbox's ledger began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRecord {
    /// The sub-merchant, or `None` for the platform's own account.
    pub sub_mchid: Option<String>,
    /// `BASIC`, `OPERATION`, `FEES` or `DEPOSIT`.
    pub account_type: String,
    /// Available, in fen.
    pub available_amount: i64,
    /// Held back, in fen.
    pub pending_amount: i64,
}

/// The keys of the seeded balances.
pub mod seeded {
    /// The sub-merchant of the page's example, whose `BASIC` account opens with 10000 fen.
    pub const SUB_MCHID: &str = "1900000109";
}

/// The real-time balance page's example answer: the seeded sub-merchant's opening balance.
pub const PAGE_EXAMPLE: &str = wechatpay_fixtures::pages::ECOMMERCE_FUND_BALANCE;

/// The platform balance page's example answer: the platform's seeded `BASIC` opening balance.
pub const PAGE_EXAMPLE_PLATFORM: &str = wechatpay_fixtures::pages::MERCHANT_FUND_BALANCE;

/// The accounts a sub-merchant may have.
const SUB_MERCHANT_ACCOUNTS: [&str; 4] = ["BASIC", "OPERATION", "FEES", "DEPOSIT"];

/// The accounts the end-of-day query of a sub-merchant takes.
const END_DAY_ACCOUNTS: [&str; 2] = ["BASIC", "DEPOSIT"];

/// The platform's own accounts.
pub(crate) const PLATFORM_ACCOUNTS: [&str; 3] = ["BASIC", "OPERATION", "FEES"];

/// How far back the platform keeps end-of-day balances, in days.
const END_DAY_KEPT_DAYS: u64 = 90;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/fund/balance/{sub_mchid}",
            answer: sub_merchant_now,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/fund/enddaybalance/{sub_mchid}",
            answer: sub_merchant_end_of_day,
        },
        Route {
            method: Method::GET,
            path: "/v3/merchant/fund/balance/{account_type}",
            answer: platform_now,
        },
        Route {
            method: Method::GET,
            path: "/v3/merchant/fund/dayendbalance/{account_type}",
            answer: platform_end_of_day,
        },
    ],
    seed,
    unknown_enum_values: &[("account_type", "ESCROW")],
    tables: &[table::<Openings>("balances")],
    progress: &[],
};

/// The opening balances.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Openings(Vec<BalanceRecord>);

/// Whose account: a sub-merchant's, or the platform's own (by the platform's merchant id,
/// which the ledger's entries carry).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A sub-merchant.
    SubMerchant(&'a str),
    /// The platform, by its own merchant id.
    Platform(&'a str),
}

impl Holder<'_> {
    fn mchid(&self) -> &str {
        match self {
            Holder::SubMerchant(id) | Holder::Platform(id) => id,
        }
    }
}

/// The balance of `account` of `holder` as it was at Unix time `until` (`u64::MAX`: now),
/// `(available, pending)` in fen; `None` when the account is unknown.
pub(crate) fn balance(
    store: &Store,
    holder: Holder<'_>,
    account: &str,
    until: u64,
) -> Option<(i64, i64)> {
    let opening = opening(store, holder, account);
    let mchid = holder.mchid();
    let (moved, known) = ledger::read(store, |ledger| {
        let known = match holder {
            Holder::Platform(_) => PLATFORM_ACCOUNTS.contains(&account),
            Holder::SubMerchant(sub) => {
                ledger
                    .entries
                    .iter()
                    .any(|e| e.mchid == sub && e.account == account)
                    || (account == "BASIC" && ledger.orders.iter().any(|o| o.sub_mchid == sub))
            }
        };
        (ledger.balance_until(mchid, account, until), known)
    });
    match opening {
        Some((available, pending)) => Some((available.saturating_add(moved), pending)),
        None if known => Some((moved, 0)),
        None => None,
    }
}

/// The opening balance of `account` of `holder`, `(available, pending)`.
pub(crate) fn opening(store: &Store, holder: Holder<'_>, account: &str) -> Option<(i64, i64)> {
    let sub_mchid = match holder {
        Holder::SubMerchant(sub) => Some(sub),
        Holder::Platform(_) => None,
    };
    store.read(|openings: &Openings| {
        openings
            .0
            .iter()
            .find(|b| b.sub_mchid.as_deref() == sub_mchid && b.account_type == account)
            .map(|b| (b.available_amount, b.pending_amount))
    })
}

fn sub_mchid(call: &Call<'_>) -> Result<String, Reply> {
    let sub_mchid = call.path("sub_mchid")?;
    if !(1..=32).contains(&sub_mchid.len()) || !sub_mchid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reply::param_error("sub_mchid", "path", "应为1到32位数字"));
    }
    Ok(sub_mchid)
}

fn sub_merchant_now(call: &Call<'_>) -> Outcome {
    let sub_mchid = sub_mchid(call)?;
    sub_merchant_balance(
        call,
        &sub_mchid,
        u64::MAX,
        (
            &SUB_MERCHANT_ACCOUNTS,
            "应为BASIC、OPERATION、FEES或DEPOSIT",
        ),
        "二级商户账户不存在",
    )
}

fn sub_merchant_end_of_day(call: &Call<'_>) -> Outcome {
    let sub_mchid = sub_mchid(call)?;
    let day_end = day_end(call)?;
    sub_merchant_balance(
        call,
        &sub_mchid,
        day_end,
        (&END_DAY_ACCOUNTS, "应为BASIC或DEPOSIT"),
        "该账户在指定时间不存在",
    )
}

/// The balance of the queried `account_type` of `sub_mchid` at `at`: the basic account when
/// none is named, as the pages say; a `PARAM_ERROR` saying `issue` unless one of `accounts`;
/// `404` saying `missing` when the account did not exist then.
fn sub_merchant_balance(
    call: &Call<'_>,
    sub_mchid: &str,
    at: u64,
    (accounts, issue): (&[&str], &str),
    missing: &str,
) -> Outcome {
    let account_type = call
        .query("account_type")
        .unwrap_or_else(|| "BASIC".to_owned());
    if !accounts.contains(&account_type.as_str()) {
        return Err(Reply::param_error("account_type", "query", issue));
    }
    let (available, pending) = balance(
        call.store(),
        Holder::SubMerchant(sub_mchid),
        &account_type,
        at,
    )
    .ok_or_else(|| Reply::not_found(missing))?;
    Ok(Reply::ok(
        json!({
            "sub_mchid": sub_mchid,
            "account_type": account_type,
            "available_amount": available,
            "pending_amount": pending,
        })
        .to_string()
        .into_bytes(),
    ))
}

fn platform_account(call: &Call<'_>) -> Result<String, Reply> {
    let account_type = call.path("account_type")?;
    if !PLATFORM_ACCOUNTS.contains(&account_type.as_str()) {
        return Err(Reply::param_error(
            "account_type",
            "path",
            "应为BASIC、OPERATION或FEES",
        ));
    }
    Ok(account_type)
}

fn platform_answer(call: &Call<'_>, account_type: &str, until: u64) -> Outcome {
    let mchid = call.mchid();
    let (available, pending) = balance(call.store(), Holder::Platform(&mchid), account_type, until)
        .ok_or_else(|| Reply::invalid_request("输入账户类型未开通"))?;
    Ok(Reply::ok(
        json!({"available_amount": available, "pending_amount": pending})
            .to_string()
            .into_bytes(),
    ))
}

fn platform_now(call: &Call<'_>) -> Outcome {
    let account_type = platform_account(call)?;
    platform_answer(call, &account_type, u64::MAX)
}

fn platform_end_of_day(call: &Call<'_>) -> Outcome {
    let account_type = platform_account(call)?;
    let day_end = day_end(call)?;
    platform_answer(call, &account_type, day_end)
}

/// The last second (Unix time) of the day the query's `date` names: a past day (the platform
/// writes a day's balance the next morning) within the last 90.
fn day_end(call: &Call<'_>) -> Result<u64, Reply> {
    let date = call.required_query("date")?;
    let start = day_start_of(&date)
        .ok_or_else(|| Reply::param_error("date", "query", "应为YYYY-MM-DD格式的日期"))?;
    let today = ledger::day_start(call.now());
    if start >= today {
        return Err(Reply::invalid_request("日终余额当日无数据"));
    }
    if today.saturating_sub(start) > END_DAY_KEPT_DAYS * 86_400 {
        return Err(Reply::invalid_request("只能查询90天内的日终余额"));
    }
    Ok(start.saturating_add(86_399))
}

/// The Unix time at which the day `date` (`YYYY-MM-DD`, China Standard Time) starts.
pub(crate) fn day_start_of(date: &str) -> Option<u64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let text = date.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())
            .flatten()
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(number(5..7)?).ok()?).ok()?;
    let day = u8::try_from(number(8..10)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    // 1970-01-01 is Julian day 2440588; the day starts at 00:00 in UTC+8.
    let days = u64::try_from(i64::from(date.to_julian_day()) - 2_440_588).ok()?;
    (days * 86_400).checked_sub(8 * 3600)
}

impl MockPlatform {
    /// Sets an opening balance (replacing one of the same `sub_mchid` and `account_type`),
    /// to which the ledger's movements add.
    pub fn add_balance(&self, record: BalanceRecord) {
        self.store().write(|openings: &mut Openings| {
            openings.0.retain(|b| {
                (b.sub_mchid.as_deref(), b.account_type.as_str())
                    != (record.sub_mchid.as_deref(), record.account_type.as_str())
            });
            openings.0.push(record);
        });
    }
}

/// The seeded opening balances: the pages' examples, for the sub-merchant of the real-time
/// page and for the platform's `BASIC` account.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    let read = |page: &str| -> Result<(i64, i64), SetupError> {
        let value: serde_json::Value = serde_json::from_str(page).map_err(|e| SetupError::Key {
            which: "balance page example",
            reason: e.to_string(),
        })?;
        let amount = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0)
        };
        Ok((amount("available_amount"), amount("pending_amount")))
    };
    let (sub_available, sub_pending) = read(PAGE_EXAMPLE)?;
    let (available, pending) = read(PAGE_EXAMPLE_PLATFORM)?;
    seeding.insert(Openings(vec![
        BalanceRecord {
            sub_mchid: Some(seeded::SUB_MCHID.to_owned()),
            account_type: "BASIC".to_owned(),
            available_amount: sub_available,
            pending_amount: sub_pending,
        },
        BalanceRecord {
            sub_mchid: None,
            account_type: "BASIC".to_owned(),
            available_amount: available,
            pending_amount: pending,
        },
    ]));
    Ok(())
}

#[cfg(test)]
mod tests {
    use http::{Request, StatusCode};
    use rand_core::SeedableRng;
    use wechatpay_core::ecommerce::balance::{AccountType, Balance, QueryBalance};
    use wechatpay_core::{Host, Nonce};

    use super::*;
    use crate::MockKeys;

    const NOW: u64 = 1_700_000_000;

    /// A query signed by the merchant's client, answered by the platform, verified and
    /// decoded by the client.
    fn ask(
        platform: &MockPlatform,
        query: &QueryBalance,
    ) -> Result<Balance, wechatpay_core::Error> {
        let client = platform
            .keys()
            .client("https://api.mch.weixin.qq.com")
            .unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let nonce = Nonce::generate(&mut rng);
        let request: Request<Vec<u8>> = client
            .prepare(query, Host::Primary, NOW, &nonce, &mut rng)
            .unwrap();
        let answer = platform.handle(&request, NOW, &mut rng);
        let response = answer.response.expect("an answer");
        client.parse(query, &response, NOW)
    }

    #[test]
    fn the_seeded_balance_is_the_page_example_and_unknown_accounts_are_404() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap();
        let balance = ask(&platform, &QueryBalance::new(seeded::SUB_MCHID).unwrap()).unwrap();
        assert_eq!(balance.sub_mchid, seeded::SUB_MCHID);
        assert_eq!(balance.account_type, Some(AccountType::Basic));
        assert_eq!(
            (balance.available_amount, balance.pending_amount),
            (10_000, 0)
        );

        platform.add_balance(BalanceRecord {
            sub_mchid: Some(seeded::SUB_MCHID.to_owned()),
            account_type: "OPERATION".to_owned(),
            available_amount: 5,
            pending_amount: 7,
        });
        let operation = QueryBalance::new(seeded::SUB_MCHID)
            .unwrap()
            .with_account_type(AccountType::Operation);
        assert_eq!(ask(&platform, &operation).unwrap().pending_amount, 7);
        let fees = QueryBalance::new(seeded::SUB_MCHID)
            .unwrap()
            .with_account_type(AccountType::Fees);
        let error = ask(&platform, &fees).unwrap_err();
        let api = error.api().expect("an API error");
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        assert_eq!(api.code.as_deref(), Some("RESOURCE_NOT_EXISTS"));
    }

    #[test]
    fn dates_are_days_of_china_standard_time() {
        // 2024-01-01T00:00:00+08:00 is 1704038400.
        assert_eq!(day_start_of("2024-01-01"), Some(1_704_038_400));
        assert_eq!(
            day_start_of("2024-02-29"),
            Some(1_704_038_400 + 59 * 86_400)
        );
        for refused in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "+024-01-01",
            "2024/01/01",
            "",
        ] {
            assert_eq!(day_start_of(refused), None, "{refused}");
        }
    }
}
