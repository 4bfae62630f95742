//! Individual payees (个人收款方): pre-sign a contract for an app or a mini program, with or
//! without a real-name check, then query the contract by `out_contract_code` or by `openid`.

use http::Method;
use serde::{Deserialize, Serialize};

use super::applyment::submit::{check_id_card_number, check_sensitive};
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

/// Where the payee signs, and with whose identity: the four pre-signing endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scene {
    /// In an app, through the WeChat SDK.
    App,
    /// In a mini program, by the user `openid`.
    MiniProgram { openid: String },
}

protocol_enum! {
    /// `cred_type`: the identity document of a real-name check.
    pub enum CredType {
        /// `ID_CARD`: the mainland ID card.
        IdCard => "ID_CARD",
    }
}

/// The identity the payee's WeChat Pay real name must match for the contract to be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealNameIdentity {
    real_name: SensitiveString,
    cred_type: CredType,
    cred_id: SensitiveString,
}

impl RealNameIdentity {
    /// The payee's name and document number, both encrypted when the request is built.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `real_name` and `cred_id` when blank or over one RSA block;
    /// `cred_id` unless an ID card number for [`CredType::IdCard`]. The messages never show
    /// the values.
    pub fn new(
        real_name: SensitiveString,
        cred_type: CredType,
        cred_id: SensitiveString,
    ) -> Result<Self, Error> {
        check_sensitive("real_name", &real_name)?;
        check_sensitive("cred_id", &cred_id)?;
        if cred_type == CredType::IdCard {
            check_id_card_number("cred_id", &cred_id)?;
        }
        Ok(RealNameIdentity {
            real_name,
            cred_type,
            cred_id,
        })
    }
}

/// `POST /v3/ecommerce/individual-contracts/pre-entrust-sign/{app,mini-program}` and
/// `POST /v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/{app,mini-program}`
/// (预签约): opens a signing session for an individual payee; its `pre_entrustweb_id` then
/// opens WeChat Pay's signing page in the app (through the WeChat SDK) or the mini program.
///
/// [`PreEntrustSign::with_real_name_identity`] selects the real-name endpoints: the contract
/// is only signed when the payee's WeChat Pay real name matches, and the name and document
/// number are encrypted, so the request names that platform key in `Wechatpay-Serial`.
///
/// ```
/// # use wechatpay_core::{Operation, PlatformKeys, RequestContext, SensitiveString};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// use wechatpay_core::ecommerce::contract::{CredType, PreEntrustSign, RealNameIdentity};
///
/// let app = PreEntrustSign::app("wxd678efh567h23787", "APPLYMENT_00000000001")?;
/// assert_eq!(
///     app.request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng))?.path_and_query(),
///     "/v3/ecommerce/individual-contracts/pre-entrust-sign/app"
/// );
///
/// let checked = PreEntrustSign::mini_program("wxd678efh567h23787", "APPLYMENT_00000000001", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")?
///     .with_real_name_identity(RealNameIdentity::new(
///         SensitiveString::new("张三"),
///         CredType::IdCard,
///         SensitiveString::new("110101199003070011"),
///     )?);
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// let parts = checked.request(&mut RequestContext::new(&keys, &mut rng))?;
/// assert_eq!(
///     parts.path_and_query(),
///     "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/mini-program"
/// );
/// assert!(!String::from_utf8_lossy(parts.signed_body()).contains("110101199003070011"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreEntrustSign {
    appid: String,
    out_contract_code: String,
    scene: Scene,
    identity: Option<RealNameIdentity>,
}

impl PreEntrustSign {
    /// A session for signing in an app: `appid` is the AppID the payee signs and is paid
    /// under, `out_contract_code` the platform's own number for the contract.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `appid` unless 1 to 32 ASCII letters, digits, `_` or `-`;
    /// `out_contract_code` unless 1 to 128 of the same.
    pub fn app(
        appid: impl Into<String>,
        out_contract_code: impl Into<String>,
    ) -> Result<Self, Error> {
        let appid = appid.into();
        let out_contract_code = out_contract_code.into();
        check_appid(&appid)?;
        check_text("out_contract_code", &out_contract_code, 128, Some(&CODE))?;
        Ok(PreEntrustSign {
            appid,
            out_contract_code,
            scene: Scene::App,
            identity: None,
        })
    }

    /// A session for signing in a mini program, by the payee `openid` (under `appid`).
    ///
    /// # Errors
    ///
    /// As [`PreEntrustSign::app`]; [`Error::InvalidInput`] (`openid`) unless 1 to 128 ASCII
    /// letters, digits, `_` or `-`.
    pub fn mini_program(
        appid: impl Into<String>,
        out_contract_code: impl Into<String>,
        openid: impl Into<String>,
    ) -> Result<Self, Error> {
        let openid = openid.into();
        check_text("openid", &openid, 128, Some(&CODE))?;
        Ok(PreEntrustSign {
            scene: Scene::MiniProgram { openid },
            ..PreEntrustSign::app(appid, out_contract_code)?
        })
    }

    /// Through the real-name endpoint: the contract is only signed by the person `identity`
    /// names.
    pub fn with_real_name_identity(self, identity: RealNameIdentity) -> Self {
        PreEntrustSign {
            identity: Some(identity),
            ..self
        }
    }

    /// The platform's number for the contract, which the contract queries take.
    pub fn out_contract_code(&self) -> &str {
        &self.out_contract_code
    }

    fn path(&self) -> String {
        let kind = match self.identity {
            None => "pre-entrust-sign",
            Some(_) => "pre-entrust-sign-with-real-name-identity",
        };
        let scene = match self.scene {
            Scene::App => "app",
            Scene::MiniProgram { .. } => "mini-program",
        };
        format!("{BASE}/{kind}/{scene}")
    }
}

/// The pre-signing body; ciphertexts replace the plaintexts.
#[derive(Serialize)]
struct PreEntrustSignBody<'a> {
    appid: &'a str,
    out_contract_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    real_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cred_type: Option<&'a CredType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cred_id: Option<String>,
}

impl Operation for PreEntrustSign {
    type Output = PreSigningSession;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let (real_name, cred_id) = match &self.identity {
            Some(identity) => (
                Some(context.encrypt(identity.real_name.expose())?),
                Some(context.encrypt(identity.cred_id.expose())?),
            ),
            None => (None, None),
        };
        RequestParts::json(
            Method::POST,
            self.path(),
            &PreEntrustSignBody {
                appid: &self.appid,
                out_contract_code: &self.out_contract_code,
                openid: match &self.scene {
                    Scene::MiniProgram { openid } => Some(openid),
                    Scene::App => None,
                },
                real_name,
                cred_type: self.identity.as_ref().map(|i| &i.cred_type),
                cred_id,
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<PreSigningSession, Error> {
        let session: PreSigningSession = body.json()?;
        if session.pre_entrustweb_id.is_empty() {
            return Err(
                body.decode_error::<PreSigningSession>("pre_entrustweb_id is empty".to_owned())
            );
        }
        Ok(session)
    }
}

/// A signing session, as the pre-signing endpoints answer it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PreSigningSession {
    /// The pre-signing id the app or mini program opens WeChat Pay's signing page with.
    pub pre_entrustweb_id: String,
}

/// A real-name identity for [`ENDPOINTS`]: made up, and no parameter, since it is encrypted
/// and could not be found again in the body.
fn example_identity(cred_type: &str) -> Result<RealNameIdentity, Error> {
    RealNameIdentity::new(
        SensitiveString::new("张三"),
        CredType::from(cred_type),
        SensitiveString::new("110101199003070011"),
    )
}

/// Decodes a pre-signing answer.
fn decode_session(body: VerifiedBody<'_>) -> Result<(), Error> {
    let session = PreEntrustSign::app("a", "b")?.decode(body)?;
    let _ = format!("{session:?}");
    Ok(())
}

/// The contract operations, for [`crate::endpoint::endpoints`].
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
    Endpoint {
        name: "POST /v3/ecommerce/individual-contracts/pre-entrust-sign/app",
        params: &["appid", "out_contract_code"],
        example: &["wxd678efh567h23787", "APPLYMENT_00000000001"],
        request: |values, context| {
            let name = ENDPOINTS[2].name;
            PreEntrustSign::app(param(name, values, 0)?, param(name, values, 1)?)?.request(context)
        },
        decode: decode_session,
    },
    Endpoint {
        name: "POST /v3/ecommerce/individual-contracts/pre-entrust-sign/mini-program",
        params: &["appid", "out_contract_code", "openid"],
        example: &[
            "wxd678efh567h23787",
            "APPLYMENT_00000000001",
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        ],
        request: |values, context| {
            let name = ENDPOINTS[3].name;
            PreEntrustSign::mini_program(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .request(context)
        },
        decode: decode_session,
    },
    Endpoint {
        name: "POST /v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/app",
        params: &["appid", "out_contract_code", "cred_type"],
        example: &["wxd678efh567h23787", "APPLYMENT_00000000001", "ID_CARD"],
        request: |values, context| {
            let name = ENDPOINTS[4].name;
            PreEntrustSign::app(param(name, values, 0)?, param(name, values, 1)?)?
                .with_real_name_identity(example_identity(param(name, values, 2)?)?)
                .request(context)
        },
        decode: decode_session,
    },
    Endpoint {
        name: "POST /v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/mini-program",
        params: &["appid", "out_contract_code", "openid", "cred_type"],
        example: &[
            "wxd678efh567h23787",
            "APPLYMENT_00000000001",
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "ID_CARD",
        ],
        request: |values, context| {
            let name = ENDPOINTS[5].name;
            PreEntrustSign::mini_program(
                param(name, values, 0)?,
                param(name, values, 1)?,
                param(name, values, 2)?,
            )?
            .with_real_name_identity(example_identity(param(name, values, 3)?)?)
            .request(context)
        },
        decode: decode_session,
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::credentials::MerchantKey;
    use crate::platform_keys::PlatformKeys;
    use crate::sensitive::EncryptedField;

    const APPID: &str = "wxd678efh567h23787";
    const CODE_: &str = "APPLYMENT_00000000001";
    const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

    fn rng() -> rand_chacha::ChaCha20Rng {
        use rand_core::SeedableRng;
        rand_chacha::ChaCha20Rng::from_seed([5; 32])
    }

    fn identity() -> RealNameIdentity {
        RealNameIdentity::new(
            SensitiveString::new("张三"),
            CredType::IdCard,
            SensitiveString::new("110101199003070011"),
        )
        .unwrap()
    }

    /// The path, the body with its encrypted fields decrypted, and the serial named.
    fn sent(operation: &PreEntrustSign) -> (String, Value, Option<String>) {
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID,
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
        let mut rng = rng();
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = operation.request(&mut context).unwrap();
        let serial = context.encryption_key().map(|k| k.serial().to_owned());
        assert_eq!(parts.method(), Method::POST);
        let mut body: Value = serde_json::from_slice(parts.signed_body()).unwrap();
        let platform = MerchantKey::from_pem(wechatpay_fixtures::keys::PLATFORM_KEY_PEM).unwrap();
        for field in ["real_name", "cred_id"] {
            if let Some(value) = body.get_mut(field) {
                let ciphertext = EncryptedField::new(value.as_str().unwrap());
                *value = Value::from(platform.decrypt(&ciphertext, &mut rng).unwrap().expose());
            }
        }
        (parts.path_and_query().to_owned(), body, serial)
    }

    #[test]
    fn the_four_pre_signing_endpoints_send_the_pages_fields() {
        let base = "/v3/ecommerce/individual-contracts";
        let app = PreEntrustSign::app(APPID, CODE_).unwrap();
        let mini = PreEntrustSign::mini_program(APPID, CODE_, OPENID).unwrap();
        assert_eq!(mini.out_contract_code(), CODE_);
        assert_eq!(
            sent(&app),
            (
                format!("{base}/pre-entrust-sign/app"),
                json!({"appid": APPID, "out_contract_code": CODE_}),
                None
            )
        );
        assert_eq!(
            sent(&mini),
            (
                format!("{base}/pre-entrust-sign/mini-program"),
                json!({"appid": APPID, "out_contract_code": CODE_, "openid": OPENID}),
                None
            )
        );
        let serial = Some(wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID.to_owned());
        assert_eq!(
            sent(&app.with_real_name_identity(identity())),
            (
                format!("{base}/pre-entrust-sign-with-real-name-identity/app"),
                json!({
                    "appid": APPID,
                    "out_contract_code": CODE_,
                    "real_name": "张三",
                    "cred_type": "ID_CARD",
                    "cred_id": "110101199003070011"
                }),
                serial.clone()
            )
        );
        let checked = mini.with_real_name_identity(identity());
        assert!(!format!("{checked:?}").contains("110101199003070011"));
        assert_eq!(
            sent(&checked),
            (
                format!("{base}/pre-entrust-sign-with-real-name-identity/mini-program"),
                json!({
                    "appid": APPID,
                    "out_contract_code": CODE_,
                    "openid": OPENID,
                    "real_name": "张三",
                    "cred_type": "ID_CARD",
                    "cred_id": "110101199003070011"
                }),
                serial
            )
        );
    }

    #[test]
    fn the_session_decodes_and_an_empty_id_is_refused() {
        let app = PreEntrustSign::app(APPID, CODE_).unwrap();
        let page = wechatpay_fixtures::pages::INDIVIDUAL_CONTRACT_PRE_ENTRUST_SIGN.as_bytes();
        let session = app
            .decode(VerifiedBody::new(page, http::StatusCode::OK, None))
            .unwrap();
        assert!(session.pre_entrustweb_id.starts_with("1121_9f3cec22"));
        for refused in [&br#"{"pre_entrustweb_id":""}"#[..], b"{}", b""] {
            assert!(
                app.decode(VerifiedBody::new(refused, http::StatusCode::OK, None))
                    .is_err()
            );
        }
    }

    #[test]
    fn parameters_are_checked_and_identities_never_show() {
        let field_of = |error: Error| match error {
            Error::InvalidInput { field, .. } => field.into_owned(),
            other => panic!("not an input error: {other}"),
        };
        for (result, field) in [
            (PreEntrustSign::app("", CODE_).map(drop), "appid"),
            (
                PreEntrustSign::app(APPID, "a/b").map(drop),
                "out_contract_code",
            ),
            (
                PreEntrustSign::mini_program(APPID, CODE_, "o".repeat(129)).map(drop),
                "openid",
            ),
            (
                RealNameIdentity::new(
                    SensitiveString::new(""),
                    CredType::IdCard,
                    SensitiveString::new("110101199003070011"),
                )
                .map(drop),
                "real_name",
            ),
            (
                RealNameIdentity::new(
                    SensitiveString::new("张三"),
                    CredType::IdCard,
                    SensitiveString::new("11010119900307"),
                )
                .map(drop),
                "cred_id",
            ),
        ] {
            let error = result.unwrap_err();
            assert!(!error.to_string().contains("11010119900307"), "{error}");
            assert_eq!(field_of(error), field);
        }
        // A document type added later is sent as given, its number only checked for length.
        let later = RealNameIdentity::new(
            SensitiveString::new("张三"),
            CredType::from("PASSPORT"),
            SensitiveString::new("E12345678"),
        )
        .unwrap();
        let (_, body, _) = sent(
            &PreEntrustSign::app(APPID, CODE_)
                .unwrap()
                .with_real_name_identity(later),
        );
        assert_eq!(body["cred_type"], "PASSPORT");
        // Without a platform key the real-name variants cannot be built.
        let error = PreEntrustSign::app(APPID, CODE_)
            .unwrap()
            .with_real_name_identity(identity())
            .request(&mut RequestContext::new(&PlatformKeys::new(), &mut rng()))
            .unwrap_err();
        assert_eq!(field_of(error), "platform_keys");
    }
}
