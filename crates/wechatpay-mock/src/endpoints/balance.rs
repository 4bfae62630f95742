//! `GET /v3/ecommerce/fund/balance/{sub_mchid}?account_type=...`: a sub-merchant's account
//! balance, now (查询二级商户账户实时余额).
//!
//! Seeded with the page's example, the basic account of [`seeded::SUB_MCHID`];
//! [`MockPlatform::add_balance`] adds more.

use http::Method;

use super::{Call, Endpoint, Outcome, Route, found};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::store::Seeding;

/// One account's balance as the platform answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceRecord {
    /// The sub-merchant.
    pub sub_mchid: String,
    /// `BASIC`, `OPERATION`, `FEES` or `DEPOSIT`.
    pub account_type: String,
    /// The JSON body answered for it, byte for byte.
    pub body: Vec<u8>,
}

/// The key of the seeded balance.
pub mod seeded {
    /// The sub-merchant of the page's example, whose `BASIC` account holds 10000 fen.
    pub const SUB_MCHID: &str = "1900000109";
}

/// The API page's example answer: the seeded balance.
pub const PAGE_EXAMPLE: &str = wechatpay_fixtures::pages::ECOMMERCE_FUND_BALANCE;

const ACCOUNT_TYPES: [&str; 4] = ["BASIC", "OPERATION", "FEES", "DEPOSIT"];

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[Route {
        method: Method::GET,
        path: "/v3/ecommerce/fund/balance/{sub_mchid}",
        answer: balance,
    }],
    seed,
    unknown_enum_values: &[("account_type", "ESCROW")],
    tables: &[],
    progress: &[],
};

/// The balances the platform knows.
#[derive(Debug, Clone, Default)]
struct Balances(Vec<BalanceRecord>);

fn balance(call: &Call<'_>) -> Outcome {
    let sub_mchid = call.path("sub_mchid")?;
    if !(1..=32).contains(&sub_mchid.len()) || !sub_mchid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reply::param_error("sub_mchid", "path", "应为1到32位数字"));
    }
    // The basic account when none is named, as the page says.
    let account_type = call.query("account_type").unwrap_or_else(|| "BASIC".to_owned());
    if !ACCOUNT_TYPES.contains(&account_type.as_str()) {
        return Err(Reply::param_error(
            "account_type",
            "query",
            "应为BASIC、OPERATION、FEES或DEPOSIT",
        ));
    }
    found(
        call.store().read(|b: &Balances| {
            b.0.iter()
                .find(|r| r.sub_mchid == sub_mchid && r.account_type == account_type)
                .map(|r| r.body.clone())
        }),
        "二级商户账户不存在",
    )
}

impl MockPlatform {
    /// Adds or replaces (by `sub_mchid` and `account_type`) a balance.
    pub fn add_balance(&self, record: BalanceRecord) {
        self.store().write(|balances: &mut Balances| {
            balances.0.retain(|b| {
                (b.sub_mchid.as_str(), b.account_type.as_str())
                    != (record.sub_mchid.as_str(), record.account_type.as_str())
            });
            balances.0.push(record);
        });
    }
}

/// The seeded balance: the page's example.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    seeding.insert(Balances(vec![BalanceRecord {
        sub_mchid: seeded::SUB_MCHID.to_owned(),
        account_type: "BASIC".to_owned(),
        body: PAGE_EXAMPLE.as_bytes().to_vec(),
    }]));
    Ok(())
}

#[cfg(test)]
mod tests {
    use http::{Request, StatusCode};
    use rand_core::SeedableRng;
    use wechatpay_core::ecommerce::balance::{AccountType, QueryBalance};
    use wechatpay_core::{Host, Nonce};

    use super::*;
    use crate::MockKeys;

    const NOW: u64 = 1_700_000_000;

    /// A query signed by the merchant's client, answered by the platform, verified and
    /// decoded by the client.
    fn ask(platform: &MockPlatform, query: &QueryBalance) -> Result<wechatpay_core::ecommerce::balance::Balance, wechatpay_core::Error> {
        let client = platform.keys().client("https://api.mch.weixin.qq.com").unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let nonce = Nonce::generate(&mut rng);
        let request: Request<Vec<u8>> =
            client.prepare(query, Host::Primary, NOW, &nonce, &mut rng).unwrap();
        let answer = platform.handle(&request, NOW, &mut rng);
        let response = answer.response.expect("an answer");
        client.parse(query, &response, NOW)
    }

    #[test]
    fn the_page_example_is_served_signed_and_decodes() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap();
        let balance = ask(&platform, &QueryBalance::new(seeded::SUB_MCHID).unwrap()).unwrap();
        assert_eq!(balance.sub_mchid, seeded::SUB_MCHID);
        assert_eq!(balance.account_type, Some(AccountType::Basic));
        assert_eq!((balance.available_amount, balance.pending_amount), (10_000, 0));

        // Another account, added; an unknown one is a 404 the client reads as an API error.
        platform.add_balance(BalanceRecord {
            sub_mchid: seeded::SUB_MCHID.to_owned(),
            account_type: "OPERATION".to_owned(),
            body: br#"{"sub_mchid":"1900000109","account_type":"OPERATION","available_amount":5,"pending_amount":7}"#.to_vec(),
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
}
