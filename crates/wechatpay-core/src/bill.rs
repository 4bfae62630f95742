//! Bills: the trade bill and the fund-flow bill of a day, asked for with a signed request
//! whose answer announces a file ([`DownloadTicket`]), and the file's text read into rows
//! ([`BillReader`]).
//!
//! The file is downloaded with an adapter's `download` (or [`crate::FileDecoder`] over any
//! I/O), which gunzips a bill asked for with `tar_type=GZIP` and checks the digest of the
//! uncompressed text: the ticket these operations return knows how the file comes.
//!
//! ```
//! # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
//! use wechatpay_core::bill::{BillType, TradeBill};
//!
//! let bill = TradeBill::new("2024-11-23")?.with_bill_type(BillType::Success).gzipped();
//! assert_eq!(
//!     bill.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
//!     "/v3/bill/tradebill?bill_date=2024-11-23&bill_type=SUCCESS&tar_type=GZIP"
//! );
//! # Ok::<(), wechatpay_core::Error>(())
//! ```

mod date;
mod reader;
mod records;

use http::Method;

use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::download::DownloadTicket;
use crate::ecommerce::protocol_enum;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;

pub use date::BillDate;
pub use reader::{Bill, BillReader, BillRow, Summary};
pub use records::{
    Amount, FlowDirection, FundFlowBillRow, FundFlowBillSummary, TradeBillRow, TradeBillSummary,
    TradeState,
};

protocol_enum! {
    /// Which orders a trade bill lists (`bill_type`).
    pub enum BillType {
        /// `ALL`: the day's payments and refunds (the platform's default).
        All => "ALL",
        /// `SUCCESS`: the day's payments.
        Success => "SUCCESS",
        /// `REFUND`: the day's refunds.
        Refund => "REFUND",
    }
}

protocol_enum! {
    /// Which of the merchant's funds accounts a fund-flow bill covers (`account_type`).
    pub enum AccountType {
        /// `BASIC`: the basic account (the platform's default).
        Basic => "BASIC",
        /// `OPERATION`: the operations account.
        Operation => "OPERATION",
        /// `FEES`: the fees account.
        Fees => "FEES",
    }
}

/// `GET /v3/bill/tradebill?bill_date=...`: the trade bill of a day. The answer announces the
/// file, as a [`DownloadTicket`] marked gzip'd when [`TradeBill::gzipped`] asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeBill {
    bill_date: BillDate,
    sub_mchid: Option<MchId>,
    bill_type: Option<BillType>,
    gzipped: bool,
}

impl TradeBill {
    /// The trade bill of `bill_date` (`YYYY-MM-DD`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bill_date`) unless a real date written `YYYY-MM-DD`.
    pub fn new(bill_date: &str) -> Result<Self, Error> {
        Ok(TradeBill {
            bill_date: BillDate::new(bill_date)?,
            sub_mchid: None,
            bill_type: None,
            gzipped: false,
        })
    }

    /// The bill of one sub-merchant (`sub_mchid`), for a service provider or platform.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sub_mchid`) unless 1 to 32 digits.
    pub fn with_sub_mchid(self, sub_mchid: &str) -> Result<Self, Error> {
        Ok(TradeBill {
            sub_mchid: Some(MchId::parse(sub_mchid, "sub_mchid")?),
            ..self
        })
    }

    /// Which orders the bill lists.
    pub fn with_bill_type(self, bill_type: BillType) -> Self {
        TradeBill {
            bill_type: Some(bill_type),
            ..self
        }
    }

    /// Asks for the file gzip'd (`tar_type=GZIP`): about a tenth of the bytes on the wire.
    pub fn gzipped(self) -> Self {
        TradeBill {
            gzipped: true,
            ..self
        }
    }
}

impl Operation for TradeBill {
    type Output = DownloadTicket;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path =
            PathBuilder::new("/v3/bill/tradebill")?.query("bill_date", self.bill_date.as_str());
        if let Some(sub_mchid) = &self.sub_mchid {
            path = path.query("sub_mchid", sub_mchid.as_str());
        }
        if let Some(bill_type) = &self.bill_type {
            path = path.query("bill_type", bill_type.as_str());
        }
        if self.gzipped {
            path = path.query("tar_type", "GZIP");
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<DownloadTicket, Error> {
        decode_ticket(body, self.gzipped)
    }
}

/// `GET /v3/bill/fundflowbill?bill_date=...`: the fund-flow bill of a day, for one account.
/// The answer announces the file, as [`TradeBill`]'s does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFlowBill {
    bill_date: BillDate,
    account_type: Option<AccountType>,
    gzipped: bool,
}

impl FundFlowBill {
    /// The fund-flow bill of `bill_date` (`YYYY-MM-DD`), for the basic account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bill_date`) unless a real date written `YYYY-MM-DD`.
    pub fn new(bill_date: &str) -> Result<Self, Error> {
        Ok(FundFlowBill {
            bill_date: BillDate::new(bill_date)?,
            account_type: None,
            gzipped: false,
        })
    }

    /// The bill of this account instead.
    pub fn with_account_type(self, account_type: AccountType) -> Self {
        FundFlowBill {
            account_type: Some(account_type),
            ..self
        }
    }

    /// Asks for the file gzip'd (`tar_type=GZIP`).
    pub fn gzipped(self) -> Self {
        FundFlowBill {
            gzipped: true,
            ..self
        }
    }
}

impl Operation for FundFlowBill {
    type Output = DownloadTicket;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path =
            PathBuilder::new("/v3/bill/fundflowbill")?.query("bill_date", self.bill_date.as_str());
        if let Some(account_type) = &self.account_type {
            path = path.query("account_type", account_type.as_str());
        }
        if self.gzipped {
            path = path.query("tar_type", "GZIP");
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<DownloadTicket, Error> {
        decode_ticket(body, self.gzipped)
    }
}

/// The ticket of a signed `{"hash_type", "hash_value", "download_url"}`, gzip'd as asked.
fn decode_ticket(body: VerifiedBody<'_>, gzipped: bool) -> Result<DownloadTicket, Error> {
    let ticket: DownloadTicket = body.json()?;
    Ok(if gzipped { ticket.gzipped() } else { ticket })
}

/// The bill requests, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "GET /v3/bill/tradebill",
        params: &["bill_date", "bill_type", "sub_mchid"],
        example: &["2024-11-23", "ALL", "1900000109"],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            TradeBill::new(param(name, values, 0)?)?
                .with_bill_type(BillType::from(param(name, values, 1)?))
                .with_sub_mchid(param(name, values, 2)?)?
                .gzipped()
                .request(context)
        },
        decode: |body| {
            let ticket = decode_ticket(body, true)?;
            let _ = format!("{ticket:?}");
            Ok(())
        },
    },
    Endpoint {
        name: "GET /v3/bill/fundflowbill",
        params: &["bill_date", "account_type"],
        example: &["2024-11-23", "OPERATION"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            FundFlowBill::new(param(name, values, 0)?)?
                .with_account_type(AccountType::from(param(name, values, 1)?))
                .request(context)
        },
        decode: |body| {
            let ticket = decode_ticket(body, false)?;
            let _ = format!("{ticket:?}");
            Ok(())
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform_keys::PlatformKeys;
    use rand_core::SeedableRng;

    fn path_of(operation: &impl Operation) -> String {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
        operation
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))
            .unwrap()
            .path_and_query()
            .to_owned()
    }

    #[test]
    fn requests_carry_exactly_the_parameters_given_in_the_pages_order() {
        assert_eq!(
            path_of(&TradeBill::new("2024-11-23").unwrap()),
            "/v3/bill/tradebill?bill_date=2024-11-23"
        );
        assert_eq!(
            path_of(
                &TradeBill::new("2024-02-29")
                    .unwrap()
                    .with_sub_mchid("1900000109")
                    .unwrap()
                    .with_bill_type(BillType::Refund)
                    .gzipped()
            ),
            "/v3/bill/tradebill?bill_date=2024-02-29&sub_mchid=1900000109&bill_type=REFUND&tar_type=GZIP"
        );
        assert_eq!(
            path_of(&FundFlowBill::new("2024-11-23").unwrap()),
            "/v3/bill/fundflowbill?bill_date=2024-11-23"
        );
        assert_eq!(
            path_of(
                &FundFlowBill::new("2024-11-23")
                    .unwrap()
                    .with_account_type(AccountType::Fees)
                    .gzipped()
            ),
            "/v3/bill/fundflowbill?bill_date=2024-11-23&account_type=FEES&tar_type=GZIP"
        );
        // A value this version does not know is sent as given, encoded.
        assert_eq!(
            path_of(
                &FundFlowBill::new("2024-11-23")
                    .unwrap()
                    .with_account_type(AccountType::from("NEW&X"))
            ),
            "/v3/bill/fundflowbill?bill_date=2024-11-23&account_type=NEW%26X"
        );
    }

    #[test]
    fn dates_and_sub_merchants_are_checked_before_signing() {
        for date in [
            "2024-2-29",
            "2023-02-29",
            "20241123",
            "2024-11-23 ",
            "",
            "2024-13-01",
        ] {
            let error = TradeBill::new(date).unwrap_err();
            assert!(
                matches!(&error, Error::InvalidInput { field, .. } if field == "bill_date"),
                "{date}: {error}"
            );
        }
        assert!(
            TradeBill::new("2024-11-23")
                .unwrap()
                .with_sub_mchid("PUB_KEY_ID_01")
                .is_err()
        );
    }

    #[test]
    fn the_ticket_knows_whether_the_file_is_gzipped() {
        let body = br#"{"hash_type":"SHA1","hash_value":"79bb0f45fc4c42234a918000b2668d689e2bde04","download_url":"https://api.mch.weixin.qq.com/v3/billdownload/file?token=xxx"}"#;
        let verified = VerifiedBody::new(body, http::StatusCode::OK, None);
        let plain = TradeBill::new("2024-11-23")
            .unwrap()
            .decode(verified)
            .unwrap();
        assert!(!plain.is_gzipped());
        assert_eq!(
            plain.digest_hex(),
            "79bb0f45fc4c42234a918000b2668d689e2bde04"
        );
        assert_eq!(plain.path_and_query(), "/v3/billdownload/file?token=xxx");
        let gzipped = FundFlowBill::new("2024-11-23")
            .unwrap()
            .gzipped()
            .decode(verified)
            .unwrap();
        assert!(gzipped.is_gzipped());
        let unknown = br#"{"hash_type":"MD5","hash_value":"00","download_url":"https://api.mch.weixin.qq.com/x"}"#;
        let refused = TradeBill::new("2024-11-23")
            .unwrap()
            .decode(VerifiedBody::new(unknown, http::StatusCode::OK, None));
        assert!(matches!(refused, Err(Error::Decode(_))));
    }
}
