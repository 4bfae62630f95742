//! Transfers to users (平台收付通商家转账): a sub-merchant pays a user's WeChat balance, the
//! user confirms receipt in WeChat; queries by the platform's `out_bill_no` or by WeChat
//! Pay's `transfer_bill_no`, and cancellation before the user confirms.
//!
//! A transfer moves through `ACCEPTED`, `PROCESSING`, `WAIT_USER_CONFIRM` (the platform
//! opens WeChat's confirmation page with `package_info`) and `TRANSFERING` to `SUCCESS` or
//! `FAIL`; a cancellation through `CANCELING` to `CANCELLED`.

use http::Method;
use serde::{Deserialize, Serialize};

use super::{ALNUM, CODE, check_amount, check_text, parse_fen, parse_rfc3339, protocol_enum};
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::ids::MchId;
use crate::operation::{Operation, VerifiedBody};
use crate::path::PathBuilder;
use crate::security::check_notify_url;
use crate::sensitive::{EncryptedField, SensitiveString};

const BASE: &str = "/v3/ecommerce/mch-transfer/transfer-bills";
const BY_OUT_BILL_NO: &str = "/v3/ecommerce/mch-transfer/transfer-bills/out-bill-no";
const BY_TRANSFER_BILL_NO: &str = "/v3/ecommerce/mch-transfer/transfer-bills/transfer-bill-no";

/// From this amount on (2,000 yuan, in fen) the page requires the user's name.
pub const NAME_REQUIRED_FROM_FEN: u64 = 200_000;

/// The longest `transfer_remark`, in characters.
pub const MAX_TRANSFER_REMARK_CHARS: usize = 32;

protocol_enum! {
    /// A transfer's state (`state`).
    pub enum TransferState {
        /// `ACCEPTED`: accepted.
        Accepted => "ACCEPTED",
        /// `PROCESSING`: under way (a long stay here may mean the account lacks the money).
        Processing => "PROCESSING",
        /// `WAIT_USER_CONFIRM`: waiting for the user to confirm receipt.
        WaitUserConfirm => "WAIT_USER_CONFIRM",
        /// `TRANSFERING` (sic): not settled yet; the user may confirm again.
        Transfering => "TRANSFERING",
        /// `SUCCESS`: the user received the money.
        Success => "SUCCESS",
        /// `FAIL`: the transfer failed; see `fail_reason`.
        Fail => "FAIL",
        /// `CANCELING`: a cancellation is under way.
        Canceling => "CANCELING",
        /// `CANCELLED`: cancelled; the money is back.
        Cancelled => "CANCELLED",
    }
}

impl TransferState {
    /// Whether the transfer has ended (`SUCCESS`, `FAIL`, `CANCELLED`).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            TransferState::Success | TransferState::Fail | TransferState::Cancelled
        )
    }
}

/// `POST /v3/ecommerce/mch-transfer/transfer-bills`: a transfer from a sub-merchant to a
/// user, who confirms receipt in WeChat.
///
/// The user's name, when given, is encrypted to a platform key while the request is built
/// (the request names that key in `Wechatpay-Serial`); the page requires it from
/// [`NAME_REQUIRED_FROM_FEN`] on, and the platform then checks it against the user's.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # let mut keys = PlatformKeys::new();
/// # keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM)?;
/// use wechatpay_core::ecommerce::transfer::CreateTransferBill;
///
/// let transfer = CreateTransferBill::new(
///     "1900001109", "wxf636efh567hg4356", "plfk2020042013", "1000",
///     "o-MYE42l80oelYMDE34nYD456Xoy", 400_000, "2020年4月报销",
/// )?
/// .with_user_name("张三")?;
/// let mut context = RequestContext::new(&keys, &mut rng);
/// let request = transfer.request(&mut context)?;
/// assert_eq!(request.path_and_query(), "/v3/ecommerce/mch-transfer/transfer-bills");
/// assert!(context.encryption_key().is_some());
/// assert!(!format!("{transfer:?}").contains("张三"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTransferBill {
    sub_mchid: MchId,
    appid: String,
    out_bill_no: String,
    transfer_scene_id: String,
    openid: String,
    transfer_amount: u64,
    transfer_remark: String,
    user_name: Option<SensitiveString>,
    notify_url: Option<String>,
}

/// The request body: the plaintext name never gets here.
#[derive(Serialize)]
struct CreateBody<'a> {
    sub_mchid: &'a str,
    appid: &'a str,
    out_bill_no: &'a str,
    transfer_scene_id: &'a str,
    openid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
    transfer_amount: u64,
    transfer_remark: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
}

impl CreateTransferBill {
    /// A transfer of `transfer_amount` fen from `sub_mchid` to the user `openid` (of
    /// `appid`), numbered `out_bill_no`, under the transfer scene `transfer_scene_id`, with
    /// a remark the user sees.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `appid` unless 1 to 32
    /// ASCII letters, digits, `_` or `-`; `out_bill_no` unless 1 to 32 ASCII letters and
    /// digits; `transfer_scene_id` unless 1 to 16 of the `appid` characters; `openid` unless 1
    /// to 64 of them; `transfer_amount` when 0; `transfer_remark` unless 1 to
    /// [`MAX_TRANSFER_REMARK_CHARS`] characters.
    pub fn new(
        sub_mchid: &str,
        appid: impl Into<String>,
        out_bill_no: impl Into<String>,
        transfer_scene_id: impl Into<String>,
        openid: impl Into<String>,
        transfer_amount: u64,
        transfer_remark: impl Into<String>,
    ) -> Result<Self, Error> {
        let (appid, out_bill_no) = (appid.into(), out_bill_no.into());
        let (transfer_scene_id, openid) = (transfer_scene_id.into(), openid.into());
        let transfer_remark = transfer_remark.into();
        check_text("appid", &appid, 32, Some(&CODE))?;
        check_out_bill_no(&out_bill_no)?;
        check_text("transfer_scene_id", &transfer_scene_id, 16, Some(&CODE))?;
        check_text("openid", &openid, 64, Some(&CODE))?;
        check_amount("transfer_amount", transfer_amount)?;
        check_text(
            "transfer_remark",
            &transfer_remark,
            MAX_TRANSFER_REMARK_CHARS,
            None,
        )?;
        Ok(CreateTransferBill {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            appid,
            out_bill_no,
            transfer_scene_id,
            openid,
            transfer_amount,
            transfer_remark,
            user_name: None,
            notify_url: None,
        })
    }

    /// The user's real name, encrypted when the request is built.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`user_name`) when empty; the message never shows the name.
    /// A name too long for one RSA block fails when the request is built.
    pub fn with_user_name(self, user_name: impl Into<String>) -> Result<Self, Error> {
        let user_name = SensitiveString::new(user_name);
        if user_name.expose().is_empty() {
            return Err(Error::invalid("user_name", "must not be empty"));
        }
        Ok(CreateTransferBill {
            user_name: Some(user_name),
            ..self
        })
    }

    /// Where the platform sends the user's confirmation and the transfer's result.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`notify_url`) unless an `https://` URL without parameters.
    pub fn with_notify_url(self, notify_url: impl Into<String>) -> Result<Self, Error> {
        let notify_url = notify_url.into();
        check_notify_url(&notify_url)?;
        Ok(CreateTransferBill {
            notify_url: Some(notify_url),
            ..self
        })
    }

    /// The platform's number of the transfer.
    pub fn out_bill_no(&self) -> &str {
        &self.out_bill_no
    }

    /// The amount, in fen.
    pub fn transfer_amount(&self) -> u64 {
        self.transfer_amount
    }
}

impl Operation for CreateTransferBill {
    type Output = TransferBillAccepted;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        // Checked here rather than in `new`, since the name is added after it.
        if self.user_name.is_none() && self.transfer_amount >= NAME_REQUIRED_FROM_FEN {
            return Err(Error::invalid(
                "user_name",
                format!(
                    "is required from {NAME_REQUIRED_FROM_FEN} fen (2,000 yuan) on: add it with \
                     with_user_name"
                ),
            ));
        }
        let user_name = self
            .user_name
            .as_ref()
            .map(|name| context.encrypt(name.expose()))
            .transpose()?;
        RequestParts::json(
            Method::POST,
            BASE,
            &CreateBody {
                sub_mchid: self.sub_mchid.as_str(),
                appid: &self.appid,
                out_bill_no: &self.out_bill_no,
                transfer_scene_id: &self.transfer_scene_id,
                openid: &self.openid,
                user_name,
                transfer_amount: self.transfer_amount,
                transfer_remark: &self.transfer_remark,
                notify_url: self.notify_url.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<TransferBillAccepted, Error> {
        body.json()
    }
}

/// A transfer accepted, as [`CreateTransferBill`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransferBillAccepted {
    /// The paying sub-merchant.
    pub sub_mchid: String,
    /// The platform's number.
    pub out_bill_no: String,
    /// WeChat Pay's number.
    pub transfer_bill_no: String,
    /// When it was created, RFC 3339 as received.
    pub create_time: String,
    /// The state.
    pub state: TransferState,
    /// Why it failed, in `FAIL`.
    pub fail_reason: Option<String>,
    /// In `WAIT_USER_CONFIRM`: what the platform's app passes to WeChat to open the
    /// confirmation page.
    pub package_info: Option<String>,
}

impl TransferBillAccepted {
    /// [`TransferBillAccepted::create_time`] parsed.
    pub fn created_at(&self) -> Option<time::OffsetDateTime> {
        parse_rfc3339(&self.create_time)
    }
}

/// `GET /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}?sub_mchid=...`:
/// a transfer by the platform's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTransferBillByOutBillNo {
    sub_mchid: MchId,
    out_bill_no: String,
}

impl QueryTransferBillByOutBillNo {
    /// The transfer `out_bill_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `out_bill_no` unless 1 to
    /// 32 ASCII letters and digits.
    pub fn new(sub_mchid: &str, out_bill_no: impl Into<String>) -> Result<Self, Error> {
        let out_bill_no = out_bill_no.into();
        check_out_bill_no(&out_bill_no)?;
        Ok(QueryTransferBillByOutBillNo {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_bill_no,
        })
    }
}

impl Operation for QueryTransferBillByOutBillNo {
    type Output = TransferBill;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_BILL_NO)?
            .segment("out_bill_no", &self.out_bill_no)?
            .query("sub_mchid", self.sub_mchid.as_str())
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<TransferBill, Error> {
        body.json()
    }
}

/// `GET /v3/ecommerce/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}?sub_mchid=...`:
/// a transfer by WeChat Pay's number.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// use wechatpay_core::ecommerce::transfer::QueryTransferBillByTransferBillNo;
///
/// let query = QueryTransferBillByTransferBillNo::new("1900001121", "1330000071100999991182020050700019480001")?;
/// assert_eq!(
///     query.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/mch-transfer/transfer-bills/transfer-bill-no/1330000071100999991182020050700019480001?sub_mchid=1900001121"
/// );
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTransferBillByTransferBillNo {
    sub_mchid: MchId,
    transfer_bill_no: String,
}

impl QueryTransferBillByTransferBillNo {
    /// The transfer `transfer_bill_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sub_mchid` unless 1 to 32 digits; `transfer_bill_no` unless 1
    /// to 64 ASCII letters, digits, `_` or `-`.
    pub fn new(sub_mchid: &str, transfer_bill_no: impl Into<String>) -> Result<Self, Error> {
        let transfer_bill_no = transfer_bill_no.into();
        check_text("transfer_bill_no", &transfer_bill_no, 64, Some(&CODE))?;
        Ok(QueryTransferBillByTransferBillNo {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            transfer_bill_no,
        })
    }
}

impl Operation for QueryTransferBillByTransferBillNo {
    type Output = TransferBill;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_TRANSFER_BILL_NO)?
            .segment("transfer_bill_no", &self.transfer_bill_no)?
            .query("sub_mchid", self.sub_mchid.as_str())
            .finish();
        Ok(RequestParts::new(Method::GET, path))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<TransferBill, Error> {
        body.json()
    }
}

/// A transfer, as both queries answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransferBill {
    /// The platform (service provider) merchant.
    pub mchid: String,
    /// The paying sub-merchant.
    pub sub_mchid: String,
    /// The platform's number.
    pub out_bill_no: String,
    /// WeChat Pay's number.
    pub transfer_bill_no: String,
    /// The AppID of the user's openid.
    pub appid: String,
    /// The transfer scene.
    pub transfer_scene_id: String,
    /// The state.
    pub state: TransferState,
    /// The amount, in fen.
    pub transfer_amount: i64,
    /// The remark the user sees.
    pub transfer_remark: String,
    /// Why it failed, in `FAIL`.
    pub fail_reason: Option<String>,
    /// The receiving user.
    pub openid: Option<String>,
    /// The user's name as sent, encrypted: personal data, shown only by its length.
    pub user_name: Option<EncryptedField>,
    /// When it was created, RFC 3339 as received; see [`TransferBill::created_at`].
    pub create_time: String,
    /// When the state last changed, RFC 3339 as received.
    pub update_time: String,
}

impl TransferBill {
    /// [`TransferBill::create_time`] parsed.
    pub fn created_at(&self) -> Option<time::OffsetDateTime> {
        parse_rfc3339(&self.create_time)
    }

    /// [`TransferBill::update_time`] parsed.
    pub fn updated_at(&self) -> Option<time::OffsetDateTime> {
        parse_rfc3339(&self.update_time)
    }
}

/// `POST /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel`:
/// cancels a transfer the user has not confirmed yet. The answer says the cancellation is
/// under way (`CANCELING`); the queries tell when it is `CANCELLED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelTransferBill {
    sub_mchid: MchId,
    out_bill_no: String,
}

#[derive(Serialize)]
struct CancelBody<'a> {
    sub_mchid: &'a str,
}

impl CancelTransferBill {
    /// Cancels the transfer `out_bill_no` of `sub_mchid`.
    ///
    /// # Errors
    ///
    /// As [`QueryTransferBillByOutBillNo::new`].
    pub fn new(sub_mchid: &str, out_bill_no: impl Into<String>) -> Result<Self, Error> {
        let out_bill_no = out_bill_no.into();
        check_out_bill_no(&out_bill_no)?;
        Ok(CancelTransferBill {
            sub_mchid: MchId::parse(sub_mchid, "sub_mchid")?,
            out_bill_no,
        })
    }
}

impl Operation for CancelTransferBill {
    type Output = TransferBillCancel;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let path = PathBuilder::new(BY_OUT_BILL_NO)?
            .segment("out_bill_no", &self.out_bill_no)?
            .segment("action", "cancel")?
            .finish();
        RequestParts::json(
            Method::POST,
            path,
            &CancelBody {
                sub_mchid: self.sub_mchid.as_str(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<TransferBillCancel, Error> {
        body.json()
    }
}

/// A cancellation, as [`CancelTransferBill`] answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransferBillCancel {
    /// The paying sub-merchant.
    pub sub_mchid: String,
    /// The platform's number.
    pub out_bill_no: String,
    /// WeChat Pay's number.
    pub transfer_bill_no: String,
    /// The state: `CANCELING`, or `CANCELLED` once done.
    pub state: TransferState,
    /// When the state last changed, RFC 3339 as received.
    pub update_time: String,
}

fn check_out_bill_no(out_bill_no: &str) -> Result<(), Error> {
    check_text("out_bill_no", out_bill_no, 32, Some(&ALNUM))
}

/// The transfer operations, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/ecommerce/mch-transfer/transfer-bills",
        params: &[
            "sub_mchid",
            "appid",
            "out_bill_no",
            "transfer_scene_id",
            "openid",
            "transfer_amount",
            "transfer_remark",
        ],
        example: &[
            "1900001109",
            "wxf636efh567hg4356",
            "plfk2020042013",
            "1000",
            "o-MYE42l80oelYMDE34nYD456Xoy",
            "100",
            "2020年4月报销",
        ],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            CreateTransferBill::new(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
                param(name, values, 3)?,
                param(name, values, 4)?,
                parse_fen("transfer_amount", param(name, values, 5)?)?,
                param(name, values, 6)?,
            )?
            .request(context)
        },
        decode: |body| {
            let accepted: TransferBillAccepted = body.json()?;
            let _ = (
                format!("{accepted:?}"),
                accepted.created_at(),
                accepted.state.is_final(),
            );
            Ok(())
        },
    },
    Endpoint {
        name: "GET /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}",
        params: &["out_bill_no", "sub_mchid"],
        example: &["plfk2020042013", "1900001109"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            QueryTransferBillByOutBillNo::new(param(name, values, 1)?, param(name, values, 0)?)?
                .request(context)
        },
        decode: decode_bill,
    },
    Endpoint {
        name: "GET /v3/ecommerce/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}",
        params: &["transfer_bill_no", "sub_mchid"],
        example: &["1330000071100999991182020050700019480001", "1900001121"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            QueryTransferBillByTransferBillNo::new(
                param(name, values, 1)?,
                param(name, values, 0)?,
            )?
            .request(context)
        },
        decode: decode_bill,
    },
    Endpoint {
        name: "POST /v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel",
        params: &["out_bill_no", "sub_mchid"],
        example: &["plfk2020042013", "1900001109"],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            CancelTransferBill::new(param(name, values, 1)?, param(name, values, 0)?)?
                .request(context)
        },
        decode: |body| {
            let cancel: TransferBillCancel = body.json()?;
            let _ = (format!("{cancel:?}"), cancel.state.is_final());
            Ok(())
        },
    },
];

fn decode_bill(body: VerifiedBody<'_>) -> Result<(), Error> {
    let bill: TransferBill = body.json()?;
    let _ = (
        format!("{bill:?}"),
        bill.created_at(),
        bill.updated_at(),
        bill.state.is_final(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::RequestBody;
    use crate::credentials::MerchantKey;
    use crate::ecommerce::test_support::{decode, field_of};
    use crate::platform_keys::PlatformKeys;
    use rand_core::SeedableRng;

    fn example() -> CreateTransferBill {
        CreateTransferBill::new(
            "1900001109",
            "wxf636efh567hg4356",
            "plfk2020042013",
            "1000",
            "o-MYE42l80oelYMDE34nYD456Xoy",
            400_000,
            "2020年4月报销",
        )
        .unwrap()
    }

    #[test]
    fn the_page_example_is_sent_with_the_name_encrypted() {
        // The merchant's key pair stands in for a platform key, so that the test can decrypt.
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            "PUB_KEY_ID_01",
            wechatpay_fixtures::keys::MERCHANT_PUBLIC_KEY_PEM,
        )
        .unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let transfer = example()
            .with_user_name("张三")
            .unwrap()
            .with_notify_url("https://www.weixin.qq.com/wxpay/pay.php")
            .unwrap();
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = transfer.request(&mut context).unwrap();
        assert_eq!(
            context.encryption_key().map(|key| key.serial()),
            Some("PUB_KEY_ID_01")
        );
        let RequestBody::Json(bytes) = parts.body() else {
            panic!("not JSON")
        };
        let mut body: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        let name = body["user_name"].as_str().unwrap().to_owned();
        assert!(!String::from_utf8_lossy(bytes).contains("张三"));
        let merchant = MerchantKey::from_pem(wechatpay_fixtures::keys::MERCHANT_KEY_PEM).unwrap();
        let plaintext = merchant
            .decrypt(&EncryptedField::new(name), &mut rng)
            .unwrap();
        assert_eq!(plaintext.expose(), "张三");
        body["user_name"] = serde_json::json!("(encrypted)");
        assert_eq!(
            body,
            serde_json::json!({
                "sub_mchid": "1900001109",
                "appid": "wxf636efh567hg4356",
                "out_bill_no": "plfk2020042013",
                "transfer_scene_id": "1000",
                "openid": "o-MYE42l80oelYMDE34nYD456Xoy",
                "user_name": "(encrypted)",
                "transfer_amount": 400000,
                "transfer_remark": "2020年4月报销",
                "notify_url": "https://www.weixin.qq.com/wxpay/pay.php"
            })
        );
        assert!(!format!("{transfer:?}").contains("张三"));
    }

    #[test]
    fn from_two_thousand_yuan_the_name_is_required() {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([6; 32]);
        let error = example()
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap_err();
        assert_eq!(field_of(error), "user_name");
        let small = CreateTransferBill::new(
            "1900001109",
            "wxf636efh567hg4356",
            "plfk2020042013",
            "1000",
            "o-MYE42l80oelYMDE34nYD456Xoy",
            NAME_REQUIRED_FROM_FEN - 1,
            "r",
        )
        .unwrap();
        let parts = small
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap();
        let RequestBody::Json(bytes) = parts.body() else {
            panic!("not JSON")
        };
        let body: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert!(body.get("user_name").is_none());
        // A name needs a platform key to encrypt to.
        assert!(
            example()
                .with_user_name("张三")
                .unwrap()
                .request(&mut RequestContext::new(&keys, &mut rng))
                .is_err()
        );
    }

    #[test]
    fn the_pages_answers_decode() {
        let transfer = example();
        let accepted = decode(
            &transfer,
            wechatpay_fixtures::pages::ECOMMERCE_TRANSFER_BILL,
        );
        assert_eq!(accepted.state, TransferState::Accepted);
        assert_eq!(
            accepted.transfer_bill_no,
            "1330000071100999991182020050700019480001"
        );
        assert!(accepted.created_at().is_some() && !accepted.state.is_final());

        let query = QueryTransferBillByOutBillNo::new("1900001121", "plfk2020042013").unwrap();
        let bill = decode(
            &query,
            wechatpay_fixtures::pages::ECOMMERCE_TRANSFER_BILL_QUERY,
        );
        assert_eq!(
            (bill.transfer_amount, &bill.state),
            (400_000, &TransferState::Accepted)
        );
        assert!(bill.user_name.is_some());
        let shown = format!("{bill:?}");
        assert!(!shown.contains("757b340b"), "{shown}");

        let cancel = CancelTransferBill::new("1900001109", "plfk2020042013").unwrap();
        let answer = decode(
            &cancel,
            wechatpay_fixtures::pages::ECOMMERCE_TRANSFER_BILL_CANCEL,
        );
        assert_eq!(answer.state, TransferState::Canceling);
        assert!(!answer.state.is_final() && TransferState::Cancelled.is_final());
    }

    #[test]
    fn queries_and_cancel_go_to_their_paths() {
        let keys = PlatformKeys::new();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        let mut context = RequestContext::new(&keys, &mut rng);
        let query = QueryTransferBillByOutBillNo::new("1900001109", "plfk2020042013").unwrap();
        assert_eq!(
            query.request(&mut context).unwrap().path_and_query(),
            "/v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/plfk2020042013?sub_mchid=1900001109"
        );
        let cancel = CancelTransferBill::new("1900001109", "plfk2020042013").unwrap();
        let parts = cancel.request(&mut context).unwrap();
        assert_eq!(
            parts.path_and_query(),
            "/v3/ecommerce/mch-transfer/transfer-bills/out-bill-no/plfk2020042013/cancel"
        );
        assert_eq!(parts.signed_body(), br#"{"sub_mchid":"1900001109"}"#);
    }

    #[test]
    fn inputs_are_checked_before_signing() {
        let ok = [
            "1900001109",
            "wxf636efh567hg4356",
            "plfk2020042013",
            "1000",
            "o-MYE42l80oelYMDE34nYD456Xoy",
        ];
        let build = |i: usize, bad: &str, amount: u64, remark: &str| {
            let mut v = ok.map(str::to_owned);
            if i < v.len() {
                v[i] = bad.to_owned();
            }
            CreateTransferBill::new(&v[0], &v[1], &v[2], &v[3], &v[4], amount, remark)
        };
        for (index, bad, field) in [
            (0, "wx1", "sub_mchid"),
            (1, "wx 1", "appid"),
            (2, "plfk_2020", "out_bill_no"),
            (2, &"p".repeat(33), "out_bill_no"),
            (3, &"1".repeat(17), "transfer_scene_id"),
            (4, "", "openid"),
        ] {
            assert_eq!(field_of(build(index, bad, 1, "r").unwrap_err()), field);
        }
        assert_eq!(
            field_of(build(9, "", 0, "r").unwrap_err()),
            "transfer_amount"
        );
        assert_eq!(
            field_of(build(9, "", 1, &"报".repeat(33)).unwrap_err()),
            "transfer_remark"
        );
        assert!(build(9, "", 1, &"报".repeat(32)).is_ok());
        let transfer = example();
        assert_eq!(
            field_of(transfer.clone().with_user_name("").unwrap_err()),
            "user_name"
        );
        assert_eq!(
            field_of(
                transfer
                    .with_notify_url("https://a.example/n?x=1")
                    .unwrap_err()
            ),
            "notify_url"
        );
        assert_eq!(
            field_of(QueryTransferBillByTransferBillNo::new("1", "13/3").unwrap_err()),
            "transfer_bill_no"
        );
        assert_eq!(
            field_of(CancelTransferBill::new("1", "").unwrap_err()),
            "out_bill_no"
        );
    }
}
