//! The fund-flow bill of a platform's sub-merchants: files encrypted with a key of their own
//! each, which is itself encrypted to the merchant.
//!
//! What the bill pages say, and what this module does:
//! - the answer lists `download_bill_list[]`, one entry per file (the platform splits a bill
//!   past about 16 GB uncompressed), to be joined in `bill_sequence` order;
//! - `encrypt_key` is an AES-256 key, RSA-OAEP-encrypted to the merchant's API certificate
//!   and base64-encoded like a sensitive field: it decrypts with the merchant key to the key's
//!   32 characters, used as its bytes (the official SDK's decryptor hands it out as text);
//! - each file is binary (no base64): the AES-256-GCM ciphertext with its 16-byte tag at the
//!   end, under that key and the entry's `nonce` (16 characters on the pages, used as its
//!   bytes), with the associated data left empty (`"associated_data": ""`, "填空");
//! - `hash_value` is the digest of the original bill, after gunzip when `tar_type=GZIP`, and
//!   a successful GCM decryption already proves the file whole: so the order is decrypt,
//!   then gunzip, then the digest, which [`crate::FileDecoder`] follows.

use http::Method;
use rand_core::CryptoRng;
use serde::Deserialize;

use super::protocol_enum;
use crate::bill::BillDate;
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::credentials::MerchantCredentials;
use crate::download::DownloadTicket;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::sensitive::{EncryptedField, SensitiveString};
use crate::text::Quoted;

protocol_enum! {
    /// Which accounts of the sub-merchants the bill covers (`account_type`). The current page
    /// accepts `ALL` only; earlier ones listed the others.
    pub enum EcommerceAccountType {
        /// `ALL`: every account.
        All => "ALL",
        /// `BASIC`: the basic account.
        Basic => "BASIC",
        /// `FEES`: the fees account.
        Fees => "FEES",
    }
}

/// The one algorithm the core decrypts files with (`SM4_GCM` is the page's other).
const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// `GET /v3/ecommerce/bill/fundflowbill?bill_date=...&account_type=ALL&algorithm=AEAD_AES_256_GCM`:
/// the sub-merchants' fund-flow bill of a day, as encrypted files.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::bill::EcommerceFundFlowBill;
///
/// let bill = EcommerceFundFlowBill::new("2024-11-23")?.gzipped();
/// assert_eq!(
///     bill.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/bill/fundflowbill?bill_date=2024-11-23&account_type=ALL&algorithm=AEAD_AES_256_GCM&tar_type=GZIP"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcommerceFundFlowBill {
    bill_date: BillDate,
    account_type: EcommerceAccountType,
    gzipped: bool,
}

impl EcommerceFundFlowBill {
    /// The bill of `bill_date` (`YYYY-MM-DD`), every account (`ALL`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`bill_date`) unless a real date written `YYYY-MM-DD`.
    pub fn new(bill_date: &str) -> Result<Self, Error> {
        Ok(EcommerceFundFlowBill {
            bill_date: BillDate::new(bill_date)?,
            account_type: EcommerceAccountType::All,
            gzipped: false,
        })
    }

    /// Another account.
    pub fn with_account_type(self, account_type: EcommerceAccountType) -> Self {
        EcommerceFundFlowBill {
            account_type,
            ..self
        }
    }

    /// Asks for the files gzip'd (`tar_type=GZIP`): they are decrypted, then gunzipped.
    pub fn gzipped(self) -> Self {
        EcommerceFundFlowBill {
            gzipped: true,
            ..self
        }
    }
}

impl Operation for EcommerceFundFlowBill {
    type Output = EncryptedBill;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut path = PathBuilder::new("/v3/ecommerce/bill/fundflowbill")?
            .query("bill_date", self.bill_date.as_str())
            .query("account_type", self.account_type.as_str())
            .query("algorithm", ALGORITHM);
        if self.gzipped {
            path = path.query("tar_type", "GZIP");
        }
        Ok(RequestParts::new(Method::GET, path.finish()))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<EncryptedBill, Error> {
        let answer: Answer = body.json()?;
        let mut files: Vec<EncryptedBillFile> = answer
            .download_bill_list
            .into_iter()
            .map(|file| EncryptedBillFile {
                gzipped: self.gzipped,
                ..file
            })
            .collect();
        files.sort_by_key(|file| file.bill_sequence);
        Ok(EncryptedBill {
            count: answer.download_bill_count,
            files,
        })
    }
}

#[derive(Deserialize)]
struct Answer {
    download_bill_count: u32,
    #[serde(default)]
    download_bill_list: Vec<EncryptedBillFile>,
}

/// The encrypted files of a bill, in `bill_sequence` order: join what they decrypt to in this
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptedBill {
    /// `download_bill_count`: how many files the platform split the bill into.
    pub count: u32,
    /// `download_bill_list`, sorted by `bill_sequence`.
    pub files: Vec<EncryptedBillFile>,
}

/// One encrypted file of a bill: where it is, its key (encrypted to the merchant), its
/// nonce and the digest of what it decrypts to.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct EncryptedBillFile {
    /// `bill_sequence`: its place in the bill, from 1.
    pub bill_sequence: u32,
    /// `download_url`, with its short-lived token.
    download_url: String,
    /// `encrypt_key`: the file's AES-256 key, RSA-OAEP-encrypted to the merchant.
    pub encrypt_key: EncryptedField,
    /// `hash_type`: `SHA1`.
    pub hash_type: String,
    /// `hash_value`: the digest of the bill text the file decrypts (and gunzips) to.
    pub hash_value: String,
    /// `nonce`: the AES-GCM nonce.
    pub nonce: String,
    /// Whether the file is gzip'd under its encryption, as the request asked.
    #[serde(skip)]
    gzipped: bool,
}

impl EncryptedBillFile {
    /// The ticket to download and decrypt the file with: `encrypt_key` decrypted with the
    /// merchant key (`rng` blinds the private key operation).
    ///
    /// # Errors
    ///
    /// As [`MerchantCredentials::decrypt`]; as [`EncryptedBillFile::ticket_with_key`].
    pub fn ticket<R: CryptoRng + ?Sized>(
        &self,
        credentials: &MerchantCredentials,
        rng: &mut R,
    ) -> Result<DownloadTicket, Error> {
        let key = credentials.decrypt(&self.encrypt_key, rng)?;
        self.ticket_with_key(&key)
    }

    /// The ticket, with `encrypt_key` decrypted elsewhere (where the merchant key is: a KMS,
    /// WebCrypto).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `encrypt_key` when the key is not 32 bytes, `nonce` when empty,
    /// and as [`DownloadTicket::new`] for the other fields.
    pub fn ticket_with_key(&self, key: &SensitiveString) -> Result<DownloadTicket, Error> {
        let key: [u8; 32] = key.expose().as_bytes().try_into().map_err(|_| {
            // The length only: the key is a secret.
            Error::invalid(
                "encrypt_key",
                format!(
                    "decrypts to {} bytes, not the 32 of an AES-256 key",
                    key.expose().len()
                ),
            )
        })?;
        if self.nonce.is_empty() {
            return Err(Error::invalid("nonce", "is empty"));
        }
        if self.nonce.len() > 64 {
            return Err(Error::invalid(
                "nonce",
                format!("{:?} is not a GCM nonce", Quoted::value(&self.nonce)),
            ));
        }
        let ticket = DownloadTicket::new(&self.hash_type, &self.hash_value, &self.download_url)?
            .encrypted(key, &self.nonce);
        Ok(if self.gzipped {
            ticket.gzipped()
        } else {
            ticket
        })
    }
}

impl std::fmt::Debug for EncryptedBillFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL's query holds a token that fetches the file: left out.
        let path = self.download_url.split('?').next().unwrap_or_default();
        f.debug_struct("EncryptedBillFile")
            .field("bill_sequence", &self.bill_sequence)
            .field("download_url", &path)
            .field("encrypt_key", &self.encrypt_key)
            .field("hash_type", &self.hash_type)
            .field("hash_value", &self.hash_value)
            .field("nonce", &self.nonce)
            .field("gzipped", &self.gzipped)
            .finish()
    }
}

/// The e-commerce fund-flow bill, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[Endpoint {
    name: "GET /v3/ecommerce/bill/fundflowbill",
    params: &["bill_date", "account_type"],
    example: &["2024-11-23", "ALL"],
    request: |values, context| {
        let name = ENDPOINTS[0].name;
        EcommerceFundFlowBill::new(param(name, values, 0)?)?
            .with_account_type(EcommerceAccountType::from(param(name, values, 1)?))
            .gzipped()
            .request(context)
    },
    decode: |body| {
        let bill = EcommerceFundFlowBill::new("2024-11-23")?.decode(body)?;
        for file in &bill.files {
            let _ = file.ticket_with_key(&SensitiveString::new("0".repeat(32)));
        }
        Ok(())
    },
}];

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &[u8] = br#"{
        "download_bill_count": 2,
        "download_bill_list": [
            {"bill_sequence": 2, "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=b",
             "encrypt_key": "a0YK7p+9XaKzE9N4qtFfG/9za1oqKlLXXJWBkH+kX84=", "hash_type": "SHA1",
             "hash_value": "79bb0f45fc4c42234a918000b2668d689e2bde04", "nonce": "a8607ef79034c49c"},
            {"bill_sequence": 1, "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=a",
             "encrypt_key": "a0YK7p+9XaKzE9N4qtFfG/9za1oqKlLXXJWBkH+kX84=", "hash_type": "SHA1",
             "hash_value": "79bb0f45fc4c42234a918000b2668d689e2bde04", "nonce": "a8607ef79034c49c"}
        ]
    }"#;

    #[test]
    fn files_come_in_sequence_with_their_key_and_nonce() {
        let bill = EcommerceFundFlowBill::new("2024-11-23")
            .unwrap()
            .gzipped()
            .decode(VerifiedBody::new(PAGE, http::StatusCode::OK, None))
            .unwrap();
        assert_eq!(bill.count, 2);
        assert_eq!(
            bill.files
                .iter()
                .map(|f| f.bill_sequence)
                .collect::<Vec<_>>(),
            [1, 2]
        );
        let ticket = bill.files[0]
            .ticket_with_key(&SensitiveString::new("k".repeat(32)))
            .unwrap();
        assert!(ticket.is_encrypted() && ticket.is_gzipped());
        assert_eq!(ticket.path_and_query(), "/v3/billdownload/file?token=a");
        assert!(!format!("{ticket:?}").contains("kkkk"));
        assert!(!format!("{:?}", bill.files[0]).contains("token"));
        let short = bill.files[0].ticket_with_key(&SensitiveString::new("short"));
        assert!(matches!(short, Err(Error::InvalidInput { field, .. }) if field == "encrypt_key"));
    }

    #[test]
    fn an_answer_without_files_is_an_empty_bill() {
        let bill = EcommerceFundFlowBill::new("2024-11-23")
            .unwrap()
            .decode(VerifiedBody::new(
                br#"{"download_bill_count":0}"#,
                http::StatusCode::OK,
                None,
            ))
            .unwrap();
        assert!(bill.files.is_empty());
    }
}
