//! Withdrawals (预约提现): a sub-merchant's balance, or the platform's own, paid out to the
//! bank account registered for it; and their state, by WeChat Pay's `withdraw_id` or by the
//! platform's `out_request_no`.
//!
//! A withdrawal is accepted at once and paid the next working day: its state starts at
//! `CREATE_SUCCESS` and ends at `SUCCESS`, `FAIL`, `CLOSE` or (the bank sent it back)
//! `REFUND`. The same `out_request_no` sent again within six days is the same withdrawal.
//!
//! Newer pages add a withdrawal of a sub-merchant's end-of-day balance
//! (`POST /v3/platsolution/ecommerce/withdraw/day-end-balance-withdraw`), not typed here.

use http::Method;
use serde::{Deserialize, Serialize};

use super::balance::AccountType;
use super::{ALNUM, CODE, check_amount, check_text, parse_fen, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::security::check_notify_url;
use crate::sensitive::SensitiveString;

const SUB_MERCHANT: &str = "/v3/ecommerce/fund/withdraw";
const SUB_MERCHANT_BY_OUT_REQUEST_NO: &str = "/v3/ecommerce/fund/withdraw/out-request-no";
const PLATFORM: &str = "/v3/merchant/fund/withdraw";
const PLATFORM_BY_ID: &str = "/v3/merchant/fund/withdraw/withdraw-id";
const PLATFORM_BY_OUT_REQUEST_NO: &str = "/v3/merchant/fund/withdraw/out-request-no";

/// The largest withdrawal the pages allow: 800 million yuan, in fen.
pub const MAX_WITHDRAW_FEN: u64 = 80_000_000_000;

/// The longest `remark`, in characters.
pub const MAX_REMARK_CHARS: usize = 56;

/// The longest `bank_memo`, in characters.
pub const MAX_BANK_MEMO_CHARS: usize = 32;

protocol_enum! {
    /// A withdrawal's state (`status`).
    pub enum WithdrawStatus {
        /// `CREATE_SUCCESS`: accepted, waiting for the bank.
        CreateSuccess => "CREATE_SUCCESS",
        /// `SUCCESS`: paid to the bank, which may still send it back (`REFUND`).
        Success => "SUCCESS",
        /// `FAIL`: not paid; see `reason` and `solution`.
        Fail => "FAIL",
        /// `REFUND`: the bank sent it back; the money is in the account it left.
        Refund => "REFUND",
        /// `CLOSE`: closed.
        Close => "CLOSE",
        /// `INIT`: created but not submitted: send the same request again, unchanged.
        Init => "INIT",
    }
}

impl WithdrawStatus {
    /// Whether the withdrawal is still on its way (`CREATE_SUCCESS`, `INIT`), so that asking
    /// again later will tell more.
    pub fn is_pending(&self) -> bool {
        matches!(self, WithdrawStatus::CreateSuccess | WithdrawStatus::Init)
    }
}

/// The optional fields both withdrawal requests share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Extras {
    remark: Option<String>,
    bank_memo: Option<String>,
    notify_url: Option<String>,
}

impl Extras {
    fn remark(self, remark: String) -> Result<Self, Error> {
        check_text("remark", &remark, MAX_REMARK_CHARS, None)?;
        Ok(Extras {
            remark: Some(remark),
            ..self
        })
    }

    fn bank_memo(self, bank_memo: String) -> Result<Self, Error> {
        check_text("bank_memo", &bank_memo, MAX_BANK_MEMO_CHARS, None)?;
        Ok(Extras {
            bank_memo: Some(bank_memo),
            ..self
        })
    }

    fn notify_url(self, notify_url: String) -> Result<Self, Error> {
        check_notify_url(&notify_url)?;
        Ok(Extras {
            notify_url: Some(notify_url),
            ..self
        })
    }
}

#[derive(Serialize)]
struct WithdrawBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    out_request_no: &'a str,
    amount: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    remark: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_memo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<&'a AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
}

/// `POST /v3/ecommerce/fund/withdraw`: withdraws from a sub-merchant's account to its bank
/// account.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::withdraw::SubMerchantWithdraw;
///
/// let withdraw = SubMerchantWithdraw::new("1900000109", "20190611222222222200000000012122", 1)?
///     .with_remark("交易提现")?
///     .with_bank_memo("微信支付提现")?;
/// let request = withdraw.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?;
/// assert_eq!(request.path_and_query(), "/v3/ecommerce/fund/withdraw");
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubMerchantWithdraw {
    sub_mchid: MchId,
    out_request_no: String,
    amount: u64,
    account_type: Option<AccountType>,
    extras: Extras,
}

impl SubMerchantWithdraw {
    /// A withdrawal of `amount` fen from the basic account (the platform's default) of
    /// `sub_mchid`, numbered `out_request_no` by the platform.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `out_request_no` unless 1
    /// to 32 ASCII letters and digits; `amount` unless 1 to [`MAX_WITHDRAW_FEN`].
    pub fn new(
        sub_mchid: &str,
        out_request_no: impl Into<String>,
        amount: u64,
    ) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        check_out_request_no(&out_request_no)?;
        check_withdraw_amount(amount)?;
        Ok(SubMerchantWithdraw {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_request_no,
            amount,
            account_type: None,
            extras: Extras::default(),
        })
    }

    /// Withdraws from this account instead (`BASIC`, `OPERATION` or `FEES`).
    pub fn with_account_type(self, account_type: AccountType) -> Self {
        SubMerchantWithdraw {
            account_type: Some(account_type),
            ..self
        }
    }

    /// The platform's remark on the withdrawal, returned by the queries.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`remark`) unless 1 to [`MAX_REMARK_CHARS`] characters.
    pub fn with_remark(self, remark: impl Into<String>) -> Result<Self, Error> {
        Ok(SubMerchantWithdraw {
            extras: self.extras.remark(remark.into())?,
            ..self
        })
    }

    /// The memo the bank shows with the payment, where it can.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bank_memo`) unless 1 to [`MAX_BANK_MEMO_CHARS`] characters.
    pub fn with_bank_memo(self, bank_memo: impl Into<String>) -> Result<Self, Error> {
        Ok(SubMerchantWithdraw {
            extras: self.extras.bank_memo(bank_memo.into())?,
            ..self
        })
    }

    /// Where the platform sends the withdrawal's result.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`notify_url`) unless an `https://` URL without parameters,
    /// as [`crate::security::SecurityEcho::with_notify_url`] checks it.
    pub fn with_notify_url(self, notify_url: impl Into<String>) -> Result<Self, Error> {
        Ok(SubMerchantWithdraw {
            extras: self.extras.notify_url(notify_url.into())?,
            ..self
        })
    }

    /// The platform's number of the withdrawal.
    pub fn out_request_no(&self) -> &str {
        &self.out_request_no
    }

    /// The amount, in fen.
    pub fn amount(&self) -> u64 {
        self.amount
    }
}

impl Operation for SubMerchantWithdraw {
    type Output = WithdrawAccepted;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            SUB_MERCHANT,
            &WithdrawBody {
                sub_mchid: Some(self.sub_mchid.as_str()),
                out_request_no: &self.out_request_no,
                amount: self.amount,
                remark: self.extras.remark.as_deref(),
                bank_memo: self.extras.bank_memo.as_deref(),
                account_type: self.account_type.as_ref(),
                notify_url: self.extras.notify_url.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<WithdrawAccepted, Error> {
        body.json()
    }
}

/// `POST /v3/merchant/fund/withdraw`: withdraws from one of the platform's own accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformWithdraw {
    out_request_no: String,
    amount: u64,
    account_type: AccountType,
    extras: Extras,
}

impl PlatformWithdraw {
    /// A withdrawal of `amount` fen from the platform's `account_type` (`BASIC`, `OPERATION`
    /// or `FEES`), numbered `out_request_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `out_request_no` unless 1 to 32 ASCII letters and digits;
    /// `amount` unless 1 to [`MAX_WITHDRAW_FEN`].
    pub fn new(
        out_request_no: impl Into<String>,
        amount: u64,
        account_type: AccountType,
    ) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        check_out_request_no(&out_request_no)?;
        check_withdraw_amount(amount)?;
        Ok(PlatformWithdraw {
            out_request_no,
            amount,
            account_type,
            extras: Extras::default(),
        })
    }

    /// See [`SubMerchantWithdraw::with_remark`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`remark`) unless 1 to [`MAX_REMARK_CHARS`] characters.
    pub fn with_remark(self, remark: impl Into<String>) -> Result<Self, Error> {
        Ok(PlatformWithdraw {
            extras: self.extras.remark(remark.into())?,
            ..self
        })
    }

    /// See [`SubMerchantWithdraw::with_bank_memo`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bank_memo`) unless 1 to [`MAX_BANK_MEMO_CHARS`] characters.
    pub fn with_bank_memo(self, bank_memo: impl Into<String>) -> Result<Self, Error> {
        Ok(PlatformWithdraw {
            extras: self.extras.bank_memo(bank_memo.into())?,
            ..self
        })
    }

    /// See [`SubMerchantWithdraw::with_notify_url`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`notify_url`) unless an `https://` URL without parameters.
    pub fn with_notify_url(self, notify_url: impl Into<String>) -> Result<Self, Error> {
        Ok(PlatformWithdraw {
            extras: self.extras.notify_url(notify_url.into())?,
            ..self
        })
    }

    /// The platform's number of the withdrawal.
    pub fn out_request_no(&self) -> &str {
        &self.out_request_no
    }
}

impl Operation for PlatformWithdraw {
    type Output = WithdrawAccepted;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        RequestParts::json(
            Method::POST,
            PLATFORM,
            &WithdrawBody {
                sub_mchid: None,
                out_request_no: &self.out_request_no,
                amount: self.amount,
                remark: self.extras.remark.as_deref(),
                bank_memo: self.extras.bank_memo.as_deref(),
                account_type: Some(&self.account_type),
                notify_url: self.extras.notify_url.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<WithdrawAccepted, Error> {
        body.json()
    }
}

/// A withdrawal accepted: the answer of [`SubMerchantWithdraw`] and [`PlatformWithdraw`].
/// Its state comes from the queries.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct WithdrawAccepted {
    /// The sub-merchant; absent from the platform's own withdrawals.
    pub sub_mchid: Option<String>,
    /// WeChat Pay's id of the withdrawal, for [`QueryWithdrawById`].
    pub withdraw_id: String,
    /// The platform's number of the withdrawal.
    pub out_request_no: String,
    /// The account it leaves, when the answer says.
    pub account_type: Option<AccountType>,
}

/// Which withdrawal a query asks for, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    SubMerchantById {
        sub_mchid: MchId,
        withdraw_id: String,
    },
    SubMerchantByOutRequestNo {
        sub_mchid: MchId,
        out_request_no: String,
    },
    PlatformById(String),
    PlatformByOutRequestNo(String),
}

impl Key {
    fn path(&self) -> Result<String, Error> {
        Ok(match self {
            Key::SubMerchantById {
                sub_mchid,
                withdraw_id,
            } => PathBuilder::new(SUB_MERCHANT)?
                .segment("withdraw_id", withdraw_id)?
                .query("sub_mchid", sub_mchid.as_str())
                .finish(),
            Key::SubMerchantByOutRequestNo {
                sub_mchid,
                out_request_no,
            } => PathBuilder::new(SUB_MERCHANT_BY_OUT_REQUEST_NO)?
                .segment("out_request_no", out_request_no)?
                .query("sub_mchid", sub_mchid.as_str())
                .finish(),
            Key::PlatformById(withdraw_id) => PathBuilder::new(PLATFORM_BY_ID)?
                .segment("withdraw_id", withdraw_id)?
                .finish(),
            Key::PlatformByOutRequestNo(out_request_no) => {
                PathBuilder::new(PLATFORM_BY_OUT_REQUEST_NO)?
                    .segment("out_request_no", out_request_no)?
                    .finish()
            }
        })
    }
}

macro_rules! withdraw_query {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            key: Key,
        }

        impl Operation for $name {
            type Output = Withdrawal;

            fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
                Ok(RequestParts::new(Method::GET, self.key.path()?))
            }

            fn decode(&self, body: VerifiedBody<'_>) -> Result<Withdrawal, Error> {
                body.json()
            }
        }
    };
}

withdraw_query! {
    /// `GET /v3/ecommerce/fund/withdraw/{withdraw_id}?sub_mchid=...`: a sub-merchant's
    /// withdrawal by WeChat Pay's id (kept 90 days).
    ///
    /// ```
    /// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
    /// use wechatpay_core::ecommerce::withdraw::QueryWithdrawById;
    ///
    /// let query = QueryWithdrawById::new("1900000109", "12321937198237912739132791732912793127931279317929791239112123")?;
    /// assert_eq!(
    ///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
    ///     "/v3/ecommerce/fund/withdraw/12321937198237912739132791732912793127931279317929791239112123?sub_mchid=1900000109"
    /// );
    /// # Ok::<(), wechatpay_core::Error>(())
    /// ```
    QueryWithdrawById
}

impl QueryWithdrawById {
    /// The withdrawal `withdraw_id` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `withdraw_id` unless 1 to
    /// 128 ASCII letters, digits, `_` or `-`.
    pub fn new(sub_mchid: &str, withdraw_id: impl Into<String>) -> Result<Self, Error> {
        let withdraw_id = withdraw_id.into();
        check_withdraw_id(&withdraw_id)?;
        Ok(QueryWithdrawById {
            key: Key::SubMerchantById {
                sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
                withdraw_id,
            },
        })
    }
}

withdraw_query! {
    /// `GET /v3/ecommerce/fund/withdraw/out-request-no/{out_request_no}?sub_mchid=...`: a
    /// sub-merchant's withdrawal by the platform's number.
    QueryWithdrawByOutRequestNo
}

impl QueryWithdrawByOutRequestNo {
    /// The withdrawal `out_request_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `out_request_no` unless 1
    /// to 32 ASCII letters and digits.
    pub fn new(sub_mchid: &str, out_request_no: impl Into<String>) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        check_out_request_no(&out_request_no)?;
        Ok(QueryWithdrawByOutRequestNo {
            key: Key::SubMerchantByOutRequestNo {
                sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
                out_request_no,
            },
        })
    }
}

withdraw_query! {
    /// `GET /v3/merchant/fund/withdraw/withdraw-id/{withdraw_id}`: a withdrawal of the
    /// platform's own, by WeChat Pay's id.
    QueryPlatformWithdrawById
}

impl QueryPlatformWithdrawById {
    /// The platform's withdrawal `withdraw_id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`withdraw_id`) unless 1 to 128 ASCII letters, digits, `_` or
    /// `-`.
    pub fn new(withdraw_id: impl Into<String>) -> Result<Self, Error> {
        let withdraw_id = withdraw_id.into();
        check_withdraw_id(&withdraw_id)?;
        Ok(QueryPlatformWithdrawById {
            key: Key::PlatformById(withdraw_id),
        })
    }
}

withdraw_query! {
    /// `GET /v3/merchant/fund/withdraw/out-request-no/{out_request_no}`: a withdrawal of the
    /// platform's own, by its number.
    QueryPlatformWithdrawByOutRequestNo
}

impl QueryPlatformWithdrawByOutRequestNo {
    /// The platform's withdrawal `out_request_no`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`out_request_no`) unless 1 to 32 ASCII letters and digits.
    pub fn new(out_request_no: impl Into<String>) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        check_out_request_no(&out_request_no)?;
        Ok(QueryPlatformWithdrawByOutRequestNo {
            key: Key::PlatformByOutRequestNo(out_request_no),
        })
    }
}

/// A withdrawal's state, as the four queries answer it. The sub-merchant's carry the
/// merchant ids and the bank; the platform's own carry `solution`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Withdrawal {
    /// The platform (service provider) merchant, on a sub-merchant's withdrawal.
    pub sp_mchid: Option<String>,
    /// The sub-merchant, on a sub-merchant's withdrawal.
    pub sub_mchid: Option<String>,
    /// The state.
    pub status: WithdrawStatus,
    /// WeChat Pay's id.
    pub withdraw_id: String,
    /// The platform's number.
    pub out_request_no: String,
    /// The amount, in fen.
    pub amount: i64,
    /// When it was requested, RFC 3339 as received; see [`Withdrawal::created_at`].
    pub create_time: Option<String>,
    /// When the state last changed, RFC 3339 as received.
    pub update_time: Option<String>,
    /// Why it failed, was closed or came back.
    pub reason: Option<String>,
    /// The remark sent.
    pub remark: Option<String>,
    /// The bank memo sent.
    pub bank_memo: Option<String>,
    /// The account it left.
    pub account_type: Option<AccountType>,
    /// The last four digits of the receiving bank account: bank data, redacted in `Debug`.
    pub account_number: Option<SensitiveString>,
    /// The receiving bank, such as `招商银行`.
    pub account_bank: Option<String>,
    /// The receiving bank's full name, with its branch.
    pub bank_name: Option<String>,
    /// What to do about a failure.
    pub solution: Option<String>,
}

impl Withdrawal {
    /// [`Withdrawal::create_time`] parsed.
    pub fn created_at(&self) -> Option<time::OffsetDateTime> {
        self.create_time.as_deref().and_then(parse_rfc3339)
    }

    /// [`Withdrawal::update_time`] parsed.
    pub fn updated_at(&self) -> Option<time::OffsetDateTime> {
        self.update_time.as_deref().and_then(parse_rfc3339)
    }
}

fn check_out_request_no(out_request_no: &str) -> Result<(), Error> {
    check_text("out_request_no", out_request_no, 32, Some(&ALNUM))
}

fn check_withdraw_id(withdraw_id: &str) -> Result<(), Error> {
    check_text("withdraw_id", withdraw_id, 128, Some(&CODE))
}

fn check_withdraw_amount(amount: u64) -> Result<(), Error> {
    check_amount("amount", amount)?;
    if amount > MAX_WITHDRAW_FEN {
        return Err(Error::invalid(
            "amount",
            format!("{amount} fen is more than one withdrawal may take ({MAX_WITHDRAW_FEN})"),
        ));
    }
    Ok(())
}

/// The withdrawal operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/ecommerce/fund/withdraw",
        params: &["sub_mchid", "out_request_no", "amount"],
        example: &["1900000109", "20190611222222222200000000012122", "1"],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            SubMerchantWithdraw::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                parse_fen("amount", param(name, values, 2)?)?,
            )?
            .request(context)
        },
        decode: decode_accepted,
    },
    Endpoint {
        name: "GET /v3/ecommerce/fund/withdraw/{withdraw_id}",
        params: &["withdraw_id", "sub_mchid"],
        example: &[
            "12321937198237912739132791732912793127931279317929791239112123",
            "1900000109",
        ],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            QueryWithdrawById::new(param(name, values, 1)?, param(name, values, 0)?)?
                .request(context)
        },
        decode: decode_withdrawal,
    },
    Endpoint {
        name: "GET /v3/ecommerce/fund/withdraw/out-request-no/{out_request_no}",
        params: &["out_request_no", "sub_mchid"],
        example: &["20190611222222222200000000012122", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            QueryWithdrawByOutRequestNo::new(param(name, values, 1)?, param(name, values, 0)?)?
                .request(context)
        },
        decode: decode_withdrawal,
    },
    Endpoint {
        name: "POST /v3/merchant/fund/withdraw",
        params: &["out_request_no", "amount", "account_type"],
        example: &["20190611222222222200000000012122", "1", "BASIC"],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            PlatformWithdraw::new(
                param(name, values, 0)?,
                parse_fen("amount", param(name, values, 1)?)?,
                AccountType::from(param(name, values, 2)?),
            )?
            .request(context)
        },
        decode: decode_accepted,
    },
    Endpoint {
        name: "GET /v3/merchant/fund/withdraw/withdraw-id/{withdraw_id}",
        params: &["withdraw_id"],
        example: &["12321937198237912739132791732912793127931279317929791239112123"],
        request: |values, context| {
            QueryPlatformWithdrawById::new(param(ENDPOINTS[4].name, values, 0)?)?.request(context)
        },
        decode: decode_withdrawal,
    },
    Endpoint {
        name: "GET /v3/merchant/fund/withdraw/out-request-no/{out_request_no}",
        params: &["out_request_no"],
        example: &["20190611222222222200000000012122"],
        request: |values, context| {
            QueryPlatformWithdrawByOutRequestNo::new(param(ENDPOINTS[5].name, values, 0)?)?
                .request(context)
        },
        decode: decode_withdrawal,
    },
];

fn decode_accepted(body: VerifiedBody<'_>) -> Result<(), Error> {
    let accepted: WithdrawAccepted = body.json()?;
    let _ = format!("{accepted:?}");
    Ok(())
}

fn decode_withdrawal(body: VerifiedBody<'_>) -> Result<(), Error> {
    let withdrawal: Withdrawal = body.json()?;
    let _ = format!("{withdrawal:?}");
    let _ = (
        withdrawal.status.is_pending(),
        withdrawal.created_at(),
        withdrawal.updated_at(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::RequestBody;
    use crate::ecommerce::test_support::{decode, field_of};
    use crate::platform_keys::PlatformKeys;
    use rand_core::SeedableRng;

    fn sent(operation: &impl Operation) -> (String, Option<serde_json::Value>) {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
        let parts = operation
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap();
        let body = match parts.body() {
            RequestBody::Json(bytes) => Some(serde_json::from_slice(bytes).unwrap()),
            _ => None,
        };
        (parts.path_and_query().to_owned(), body)
    }

    #[test]
    fn a_sub_merchant_withdrawal_sends_the_page_example_and_decodes_its_answer() {
        let withdraw =
            SubMerchantWithdraw::new("1900000109", "20190611222222222200000000012122", 1)
                .unwrap()
                .with_remark("交易提现")
                .unwrap()
                .with_bank_memo("微信支付提现")
                .unwrap();
        assert_eq!(
            sent(&withdraw),
            (
                "/v3/ecommerce/fund/withdraw".to_owned(),
                Some(serde_json::json!({
                    "sub_mchid": "1900000109",
                    "out_request_no": "20190611222222222200000000012122",
                    "amount": 1,
                    "remark": "交易提现",
                    "bank_memo": "微信支付提现"
                }))
            )
        );
        let more = withdraw
            .clone()
            .with_account_type(AccountType::Operation)
            .with_notify_url("https://example.com/withdraw")
            .unwrap();
        let body = sent(&more).1.unwrap();
        assert_eq!(
            (&body["account_type"], &body["notify_url"]),
            (
                &serde_json::json!("OPERATION"),
                &serde_json::json!("https://example.com/withdraw")
            )
        );
        let accepted = decode(
            &withdraw,
            wechatpay_fixtures::pages::ECOMMERCE_FUND_WITHDRAW,
        );
        assert_eq!(accepted.sub_mchid.as_deref(), Some("1900000109"));
        assert_eq!(accepted.out_request_no, "20190611222222222200000000012122");
        assert_eq!(accepted.account_type, Some(AccountType::Basic));
    }

    #[test]
    fn the_platform_withdrawal_sends_the_page_example_and_decodes_its_answer() {
        let withdraw =
            PlatformWithdraw::new("20190611222222222200000000012122", 1, AccountType::Basic)
                .unwrap()
                .with_remark("交易提现")
                .unwrap()
                .with_bank_memo("xx平台提现")
                .unwrap();
        assert_eq!(
            sent(&withdraw),
            (
                "/v3/merchant/fund/withdraw".to_owned(),
                Some(serde_json::json!({
                    "out_request_no": "20190611222222222200000000012122",
                    "amount": 1,
                    "remark": "交易提现",
                    "bank_memo": "xx平台提现",
                    "account_type": "BASIC"
                }))
            )
        );
        let accepted = decode(&withdraw, wechatpay_fixtures::pages::MERCHANT_FUND_WITHDRAW);
        assert_eq!(
            accepted.withdraw_id,
            "123219371982379127391327917929791239112123"
        );
        assert_eq!((accepted.sub_mchid, accepted.account_type), (None, None));
    }

    #[test]
    fn the_queries_go_to_their_paths_and_decode_the_pages_answers() {
        let id = "12321937198237912739132791732912793127931279317929791239112123";
        let no = "20190611222222222200000000012122";
        let by_id = QueryWithdrawById::new("1900000109", id).unwrap();
        assert_eq!(
            sent(&by_id),
            (
                format!("/v3/ecommerce/fund/withdraw/{id}?sub_mchid=1900000109"),
                None
            )
        );
        let by_no = QueryWithdrawByOutRequestNo::new("1900000109", no).unwrap();
        assert_eq!(
            sent(&by_no).0,
            format!("/v3/ecommerce/fund/withdraw/out-request-no/{no}?sub_mchid=1900000109")
        );
        let platform_by_id = QueryPlatformWithdrawById::new(id).unwrap();
        assert_eq!(
            sent(&platform_by_id).0,
            format!("/v3/merchant/fund/withdraw/withdraw-id/{id}")
        );
        let platform_by_no = QueryPlatformWithdrawByOutRequestNo::new(no).unwrap();
        assert_eq!(
            sent(&platform_by_no).0,
            format!("/v3/merchant/fund/withdraw/out-request-no/{no}")
        );

        let withdrawal = decode(
            &by_id,
            wechatpay_fixtures::pages::ECOMMERCE_FUND_WITHDRAW_STATUS,
        );
        assert_eq!(withdrawal.status, WithdrawStatus::Success);
        assert_eq!(withdrawal.sp_mchid.as_deref(), Some("1800000123"));
        assert_eq!(withdrawal.amount, 100);
        assert_eq!(
            withdrawal.account_number.as_ref().map(|n| n.expose()),
            Some("1178")
        );
        let shown = format!("{withdrawal:?}");
        assert!(!shown.contains("1178"), "{shown}");
        assert!(withdrawal.created_at().is_some() && !withdrawal.status.is_pending());

        let withdrawal = decode(
            &platform_by_no,
            wechatpay_fixtures::pages::MERCHANT_FUND_WITHDRAW_STATUS,
        );
        assert_eq!(withdrawal.status, WithdrawStatus::CreateSuccess);
        assert!(withdrawal.status.is_pending());
        assert_eq!(withdrawal.solution.as_deref(), Some("请修改结算银行卡信息"));
        assert_eq!(withdrawal.sub_mchid, None);
    }

    #[test]
    fn inputs_are_checked_before_signing() {
        for (refused, field) in [
            (SubMerchantWithdraw::new("x", "N1", 1), "sub_mchid"),
            (SubMerchantWithdraw::new("1", "N_1", 1), "out_request_no"),
            (
                SubMerchantWithdraw::new("1", "N".repeat(33), 1),
                "out_request_no",
            ),
            (SubMerchantWithdraw::new("1", "N1", 0), "amount"),
            (
                SubMerchantWithdraw::new("1", "N1", MAX_WITHDRAW_FEN + 1),
                "amount",
            ),
        ] {
            assert_eq!(field_of(refused.unwrap_err()), field);
        }
        assert!(SubMerchantWithdraw::new("1", "N".repeat(32), MAX_WITHDRAW_FEN).is_ok());
        let withdraw = PlatformWithdraw::new("N1", 1, AccountType::Fees).unwrap();
        assert_eq!(
            field_of(withdraw.clone().with_remark("备".repeat(57)).unwrap_err()),
            "remark"
        );
        assert_eq!(
            field_of(
                withdraw
                    .clone()
                    .with_bank_memo("备".repeat(33))
                    .unwrap_err()
            ),
            "bank_memo"
        );
        assert_eq!(
            field_of(withdraw.with_notify_url("http://example.com/").unwrap_err()),
            "notify_url"
        );
        assert_eq!(
            field_of(QueryWithdrawById::new("1", "12/3").unwrap_err()),
            "withdraw_id"
        );
        assert_eq!(
            field_of(QueryPlatformWithdrawByOutRequestNo::new("").unwrap_err()),
            "out_request_no"
        );
    }
}
