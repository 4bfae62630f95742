//! What the payer's side needs to pay an order: the answers of the order operations
//! ([`JsapiPrepay`], [`AppPrepay`], [`H5Url`], [`CodeUrl`]), and the signed parameters that
//! start the payment in a JSAPI page or mini program ([`JsapiPayParams`]) or in an app
//! ([`AppPayParams`]).
//!
//! The parameters are signed with the merchant key (SHA256withRSA, base64), over lines each
//! ending in `\n`: `appId`, `timeStamp`, `nonceStr`, `package` for JSAPI; `appid`,
//! `timestamp`, `noncestr`, `prepayid` for apps. As for requests, signing comes in two steps
//! for a key that answers asynchronously (a KMS over an async client, WebCrypto):
//! [`JsapiPayParams::prepare`] gives the exact bytes to sign, and
//! [`UnsignedPayParams::finish`] takes the raw signature; [`UnsignedPayParams::sign`] does both
//! with the credentials' own signer.
//!
//! ```
//! use wechatpay_core::ecommerce::pay_params::{JsapiPayParams, JsapiPrepay};
//! use wechatpay_core::{MerchantCredentials, Nonce};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
//! # let key = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
//! let credentials = MerchantCredentials::new("1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001", key)?;
//! // The answer of the order (CreatePartnerOrder::jsapi, CreateCombineOrder::jsapi).
//! let prepay = JsapiPrepay::new("wx201410272009395522657a690389285100")?;
//!
//! let unsigned = JsapiPayParams::prepare("wx8888888888888888", &prepay, 1_414_561_699, &Nonce::generate(&mut rng))?;
//! assert!(unsigned.message().starts_with(b"wx8888888888888888\n1414561699\n"));
//! let params = unsigned.sign(&credentials, &mut rng)?;
//! assert_eq!(params.package, "prepay_id=wx201410272009395522657a690389285100");
//!
//! // For wx.requestPayment: appId, timeStamp, nonceStr, package, signType, paySign.
//! let json = serde_json::to_value(&params)?;
//! assert_eq!(json["signType"], "RSA");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use rand_core::CryptoRng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{CODE, check_text};
use crate::credentials::MerchantCredentials;
use crate::error::Error;
use crate::ids::MchId;
use crate::nonce::Nonce;
use crate::signing::check_raw_signature;

/// The longest `nonceStr` / `noncestr` the client parameters take ([`Nonce::generate`] makes
/// 32 characters).
const MAX_NONCE_CHARS: usize = 32;

/// The longest `prepay_id` the pages document.
const MAX_PREPAY_ID_CHARS: usize = 64;

/// The answer of an order operation, typed by trade type, so that a JSAPI `prepay_id` cannot
/// start an app payment, nor an H5 link be signed as a `prepay_id`. Implemented by
/// [`JsapiPrepay`], [`AppPrepay`], [`H5Url`] and [`CodeUrl`] only.
pub trait OrderAnswer: DeserializeOwned + sealed::Sealed {
    /// The trade type's last path segment: `jsapi`, `app`, `h5` or `native`.
    const TRADE_TYPE: &'static str;
}

mod sealed {
    /// Keeps [`super::OrderAnswer`] to the four answers of this module.
    pub trait Sealed {}
}

/// The answer of a JSAPI or mini-program order: the `prepay_id`, valid two hours, to sign into
/// [`JsapiPayParams`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct JsapiPrepay {
    prepay_id: String,
}

/// The answer of an app order: the `prepay_id`, valid two hours, to sign into
/// [`AppPayParams`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppPrepay {
    prepay_id: String,
}

macro_rules! prepay {
    ($name:ident, $segment:literal) => {
        impl $name {
            /// A `prepay_id` kept from an earlier answer.
            ///
            /// # Errors
            ///
            /// [`Error::InvalidInput`] (`prepay_id`) unless 1 to 64 ASCII letters, digits, `_`
            /// or `-`.
            pub fn new(prepay_id: impl Into<String>) -> Result<Self, Error> {
                let prepay_id = prepay_id.into();
                check_prepay_id(&prepay_id)?;
                Ok($name { prepay_id })
            }

            /// The `prepay_id`.
            pub fn prepay_id(&self) -> &str {
                &self.prepay_id
            }
        }

        impl sealed::Sealed for $name {}

        impl OrderAnswer for $name {
            const TRADE_TYPE: &'static str = $segment;
        }
    };
}

prepay!(JsapiPrepay, "jsapi");
prepay!(AppPrepay, "app");

/// The answer of an H5 order: the link that opens the payment in the payer's mobile browser
/// (valid five minutes; add `&redirect_url=...`, URL-encoded, to come back to a page of yours).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct H5Url {
    h5_url: String,
}

impl H5Url {
    /// The link, as the platform sent it.
    pub fn h5_url(&self) -> &str {
        &self.h5_url
    }
}

impl sealed::Sealed for H5Url {}

impl OrderAnswer for H5Url {
    const TRADE_TYPE: &'static str = "h5";
}

/// The answer of a Native order: the `weixin://` link to show as a QR code, valid two hours.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CodeUrl {
    code_url: String,
}

impl CodeUrl {
    /// The link to encode in a QR code.
    pub fn code_url(&self) -> &str {
        &self.code_url
    }
}

impl sealed::Sealed for CodeUrl {}

impl OrderAnswer for CodeUrl {
    const TRADE_TYPE: &'static str = "native";
}

fn check_prepay_id(prepay_id: &str) -> Result<(), Error> {
    // Also what keeps the signed lines apart: no value may hold a `\n`.
    check_text("prepay_id", prepay_id, MAX_PREPAY_ID_CHARS, Some(&CODE))
}

/// The parameters of `wx.requestPayment` (mini program) or
/// `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)` (JSAPI page), signed. Serialises with
/// the names the client takes: `appId`, `timeStamp`, `nonceStr`, `package`, `signType`,
/// `paySign`.
///
/// `appId` is the AppID the page or mini program runs under: the one the order named for the
/// payer's openid (`sp_appid`, `sub_appid`, or `combine_appid`).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JsapiPayParams {
    /// The AppID.
    pub app_id: String,
    /// Unix seconds, as text.
    pub time_stamp: String,
    /// The nonce.
    pub nonce_str: String,
    /// `prepay_id=...`.
    pub package: String,
    /// `RSA`.
    pub sign_type: String,
    /// The base64 signature over the four lines.
    pub pay_sign: String,
}

impl JsapiPayParams {
    /// The first step: the parameters but for `paySign`, and the exact message to sign.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `appid` must be 1 to 32 ASCII letters, digits, `_` or `-`;
    /// `nonce` at most 32 characters (the client's limit).
    pub fn prepare(
        appid: &str,
        prepay: &JsapiPrepay,
        timestamp: u64,
        nonce: &Nonce,
    ) -> Result<UnsignedPayParams<JsapiPayParams>, Error> {
        check_prepay_id(prepay.prepay_id())?;
        let params = JsapiPayParams {
            app_id: checked_appid(appid)?,
            time_stamp: timestamp.to_string(),
            nonce_str: checked_nonce(nonce)?,
            package: format!("prepay_id={}", prepay.prepay_id()),
            sign_type: "RSA".to_owned(),
            pay_sign: String::new(),
        };
        let message = lines(&[
            &params.app_id,
            &params.time_stamp,
            &params.nonce_str,
            &params.package,
        ]);
        Ok(UnsignedPayParams { params, message })
    }
}

impl fmt::Debug for JsapiPayParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsapiPayParams")
            .field("app_id", &self.app_id)
            .field("time_stamp", &self.time_stamp)
            .field("nonce_str", &self.nonce_str)
            .field("package", &self.package)
            .field("sign_type", &self.sign_type)
            .field("pay_sign", &"<redacted>")
            .finish()
    }
}

/// The parameters of the app SDK's `PayReq`, signed. Serialises with the names of the
/// platform's table: `appid`, `partnerid`, `prepayid`, `package`, `noncestr`, `timestamp`,
/// `sign` (the SDKs spell some differently: `partnerId`, `packageValue` on Android...).
///
/// `appid` is the mobile application's AppID, and `partnerid` the merchant id that placed the
/// order: `sp_mchid` for a partner order, `combine_mchid` for a combined one.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AppPayParams {
    /// The mobile application's AppID.
    pub appid: String,
    /// The merchant id that placed the order.
    pub partnerid: String,
    /// The `prepay_id`.
    pub prepayid: String,
    /// `Sign=WXPay`.
    pub package: String,
    /// The nonce.
    pub noncestr: String,
    /// Unix seconds, as text.
    pub timestamp: String,
    /// The base64 signature over the four lines.
    pub sign: String,
}

impl AppPayParams {
    /// The first step: the parameters but for `sign`, and the exact message to sign.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `appid` must be 1 to 32 ASCII letters, digits, `_` or `-`;
    /// `nonce` at most 32 characters (the client's limit).
    pub fn prepare(
        appid: &str,
        partnerid: &MchId,
        prepay: &AppPrepay,
        timestamp: u64,
        nonce: &Nonce,
    ) -> Result<UnsignedPayParams<AppPayParams>, Error> {
        check_prepay_id(prepay.prepay_id())?;
        let params = AppPayParams {
            appid: checked_appid(appid)?,
            partnerid: partnerid.as_str().to_owned(),
            prepayid: prepay.prepay_id().to_owned(),
            package: "Sign=WXPay".to_owned(),
            noncestr: checked_nonce(nonce)?,
            timestamp: timestamp.to_string(),
            sign: String::new(),
        };
        let message = lines(&[
            &params.appid,
            &params.timestamp,
            &params.noncestr,
            &params.prepayid,
        ]);
        Ok(UnsignedPayParams { params, message })
    }
}

impl fmt::Debug for AppPayParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPayParams")
            .field("appid", &self.appid)
            .field("partnerid", &self.partnerid)
            .field("prepayid", &self.prepayid)
            .field("package", &self.package)
            .field("noncestr", &self.noncestr)
            .field("timestamp", &self.timestamp)
            .field("sign", &"<redacted>")
            .finish()
    }
}

/// Client parameters waiting for their signature: made by [`JsapiPayParams::prepare`] or
/// [`AppPayParams::prepare`].
pub struct UnsignedPayParams<P> {
    params: P,
    message: Vec<u8>,
}

/// The parameter sets [`UnsignedPayParams`] finishes.
pub trait SignedPayParams: params_sealed::Sealed + Sized {}

mod params_sealed {
    /// Keeps [`super::SignedPayParams`] to the two parameter sets of this module.
    pub trait Sealed {
        /// Puts the base64 signature in its field.
        fn with_signature(self, signature: String) -> Self;
    }
}

impl params_sealed::Sealed for JsapiPayParams {
    fn with_signature(self, pay_sign: String) -> Self {
        JsapiPayParams { pay_sign, ..self }
    }
}

impl SignedPayParams for JsapiPayParams {}

impl params_sealed::Sealed for AppPayParams {
    fn with_signature(self, sign: String) -> Self {
        AppPayParams { sign, ..self }
    }
}

impl SignedPayParams for AppPayParams {}

impl<P: SignedPayParams> UnsignedPayParams<P> {
    /// The exact message to sign with SHA256withRSA (RSASSA-PKCS1-v1_5) and the merchant key:
    /// four lines, each followed by `\n`.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The second step: the parameters with the signature of [`UnsignedPayParams::message`],
    /// given as raw bytes (not base64).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`signature`) unless 256 to 512 bytes, the sizes of RSA 2048 to
    /// 4096 signatures: base64 or hex text given by mistake is refused here rather than by the
    /// payer's client.
    pub fn finish(self, signature: &[u8]) -> Result<P, Error> {
        check_raw_signature(signature)?;
        Ok(self.params.with_signature(crate::base64::encode(signature)))
    }

    /// Both steps here, with the credentials' own signer (an in-process key or a synchronous
    /// [`crate::SigningKey`]). `rng` blinds the private key operation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`private_key`) when the credentials sign elsewhere (take
    /// [`UnsignedPayParams::message`] to the key, then [`UnsignedPayParams::finish`]);
    /// [`Error::Signing`].
    pub fn sign<R: CryptoRng + ?Sized>(
        self,
        credentials: &MerchantCredentials,
        rng: &mut R,
    ) -> Result<P, Error> {
        let signature = credentials.sign_message(&self.message, rng)?;
        self.finish(&signature)
    }
}

impl<P> fmt::Debug for UnsignedPayParams<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsignedPayParams")
            .field("params", &std::any::type_name::<P>())
            .field("message_len", &self.message.len())
            .finish()
    }
}

fn checked_appid(appid: &str) -> Result<String, Error> {
    check_text("appid", appid, 32, Some(&CODE))?;
    Ok(appid.to_owned())
}

fn checked_nonce(nonce: &Nonce) -> Result<String, Error> {
    let text = nonce.as_str();
    if text.len() > MAX_NONCE_CHARS {
        return Err(Error::invalid(
            "nonce",
            format!(
                "{} characters; the payer's client takes at most {MAX_NONCE_CHARS}",
                text.len()
            ),
        ));
    }
    Ok(text.to_owned())
}

/// The signed message: each value followed by `\n`, the last one included.
fn lines(values: &[&str]) -> Vec<u8> {
    let mut message = Vec::with_capacity(values.iter().map(|v| v.len() + 1).sum());
    for value in values {
        message.extend_from_slice(value.as_bytes());
        message.push(b'\n');
    }
    message
}

#[cfg(test)]
mod tests {
    use rand_core::SeedableRng;
    use wechatpay_fixtures::keys;

    use super::*;
    use crate::crypto::{Backend, PublicKey};

    fn credentials() -> MerchantCredentials {
        MerchantCredentials::new(keys::MCHID, keys::MERCHANT_SERIAL, keys::MERCHANT_KEY_PEM)
            .unwrap()
    }

    fn rng() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::from_seed([5; 32])
    }

    /// Checks `signature` (base64) over `message` with the merchant's public key, as the
    /// payer's client does.
    fn verifies(message: &[u8], signature: &str) -> bool {
        let der = crate::pem::public_key_der(keys::MERCHANT_PUBLIC_KEY_PEM).unwrap();
        let key = PublicKey::from_spki_der(&der, Backend::default()).unwrap();
        let raw = crate::base64::decode(signature).unwrap();
        key.verify_sha256(&[message], &raw)
    }

    #[test]
    fn jsapi_params_sign_the_four_lines_and_verify_with_the_merchant_public_key() {
        let prepay = JsapiPrepay::new("wx201410272009395522657a690389285100").unwrap();
        let nonce = Nonce::new("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap();
        let unsigned =
            JsapiPayParams::prepare("wx8888888888888888", &prepay, 1_414_561_699, &nonce).unwrap();
        let expected: &[u8] = b"wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n";
        assert_eq!(unsigned.message(), expected);

        let params = unsigned.sign(&credentials(), &mut rng()).unwrap();
        assert!(verifies(expected, &params.pay_sign));
        assert!(!verifies(b"wx8888888888888888\n", &params.pay_sign));
        let json = serde_json::to_value(&params).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "appId": "wx8888888888888888",
                "timeStamp": "1414561699",
                "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                "package": "prepay_id=wx201410272009395522657a690389285100",
                "signType": "RSA",
                "paySign": params.pay_sign,
            })
        );
        assert!(!format!("{params:?}").contains(&params.pay_sign));
    }

    #[test]
    fn app_params_sign_appid_timestamp_noncestr_prepayid() {
        let prepay = AppPrepay::new("WX1217752501201407033233368018").unwrap();
        let nonce = Nonce::new("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap();
        let partner = MchId::new("1900000109").unwrap();
        let unsigned = AppPayParams::prepare(
            "wx8888888888888888",
            &partner,
            &prepay,
            1_412_000_000,
            &nonce,
        )
        .unwrap();
        let expected: &[u8] = b"wx8888888888888888\n1412000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nWX1217752501201407033233368018\n";
        assert_eq!(unsigned.message(), expected);

        let params = unsigned.sign(&credentials(), &mut rng()).unwrap();
        assert!(verifies(expected, &params.sign));
        let json = serde_json::to_value(&params).unwrap();
        assert_eq!(json["partnerid"], "1900000109");
        assert_eq!(json["prepayid"], "WX1217752501201407033233368018");
        assert_eq!(json["package"], "Sign=WXPay");
        assert_eq!(json["noncestr"], "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
        assert_eq!(json["timestamp"], "1412000000");
        assert!(!format!("{params:?}").contains(&params.sign));
    }

    #[test]
    fn the_two_steps_give_what_the_one_step_gives() {
        let prepay = JsapiPrepay::new("wx2014").unwrap();
        let nonce = Nonce::new("abc").unwrap();
        let unsigned = JsapiPayParams::prepare("wx1", &prepay, 7, &nonce).unwrap();
        // The key's owner signs the message elsewhere (here: the same key, in process).
        let key = crate::MerchantKey::from_pem(keys::MERCHANT_KEY_PEM).unwrap();
        let signature = crate::SigningKey::sign(&key, unsigned.message(), &mut rng()).unwrap();
        let two_step = unsigned.finish(&signature).unwrap();

        let one_step = JsapiPayParams::prepare("wx1", &prepay, 7, &nonce)
            .unwrap()
            .sign(&credentials(), &mut rng())
            .unwrap();
        // RSASSA-PKCS1-v1_5 is deterministic: the same bytes either way.
        assert_eq!(two_step, one_step);
    }

    #[test]
    fn text_instead_of_a_signature_and_bad_values_are_refused() {
        let prepay = JsapiPrepay::new("wx2014").unwrap();
        let nonce = Nonce::new("abc").unwrap();
        let unsigned = JsapiPayParams::prepare("wx1", &prepay, 7, &nonce).unwrap();
        let base64_text = vec![b'A'; 344];
        let error = unsigned.finish(&base64_text).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "signature"));

        let long_nonce = Nonce::new("a".repeat(33)).unwrap();
        let error = JsapiPayParams::prepare("wx1", &prepay, 7, &long_nonce).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "nonce"));
        let error = JsapiPayParams::prepare("wx\n1", &prepay, 7, &nonce).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "appid"));
        let error = JsapiPrepay::new("wx\n2014").unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "prepay_id"));
        // A prepay_id read from an answer is checked before it is signed.
        let read: JsapiPrepay = serde_json::from_str(r#"{"prepay_id":"a\nb"}"#).unwrap();
        assert!(JsapiPayParams::prepare("wx1", &read, 7, &nonce).is_err());

        let elsewhere = MerchantCredentials::signed_elsewhere(
            MchId::new(keys::MCHID).unwrap(),
            crate::CertificateSerial::new(keys::MERCHANT_SERIAL).unwrap(),
        );
        let unsigned = JsapiPayParams::prepare("wx1", &prepay, 7, &nonce).unwrap();
        let error = unsigned.sign(&elsewhere, &mut rng()).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "private_key"));
    }

    #[test]
    fn the_answers_decode_from_the_pages_examples() {
        let jsapi: JsapiPrepay =
            serde_json::from_str(wechatpay_fixtures::pages::PREPAY_ID).unwrap();
        assert_eq!(jsapi.prepay_id(), "wx201410272009395522657a690389285100");
        let app: AppPrepay = serde_json::from_str(wechatpay_fixtures::pages::PREPAY_ID).unwrap();
        assert_eq!(app.prepay_id(), jsapi.prepay_id());
        let native: CodeUrl = serde_json::from_str(wechatpay_fixtures::pages::CODE_URL).unwrap();
        assert!(
            native
                .code_url()
                .starts_with("weixin://wxpay/bizpayurl?pr=")
        );
        let h5: H5Url = serde_json::from_str(wechatpay_fixtures::pages::H5_URL).unwrap();
        assert!(h5.h5_url().starts_with("https://wx.tenpay.com/"));
        assert_eq!(
            [
                JsapiPrepay::TRADE_TYPE,
                AppPrepay::TRADE_TYPE,
                H5Url::TRADE_TYPE,
                CodeUrl::TRADE_TYPE
            ],
            ["jsapi", "app", "h5", "native"]
        );
    }
}
