//! `POST /v3/ecommerce/individual-contracts/pre-entrust-sign/{app,mini-program}` and
//! `POST /v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/{app,mini-program}`
//! (预签约): a signing session for an individual payee, answered with its
//! `pre_entrustweb_id`.
//!
//! A session is kept under its `out_contract_code`: the same request again answers the same
//! `pre_entrustweb_id`; another request under a code already used (another AppID, payee,
//! scene or identity) is a `400 INVALID_REQUEST`. The real-name variants decrypt `real_name`
//! and `cred_id` with the platform key `Wechatpay-Serial` names, and refuse a plaintext; only
//! a digest of the identity is kept, so that saved state holds no personal data.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Call, Endpoint, Outcome, Route};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::table;
use crate::store::Seeding;

const BASE: &str = "/v3/ecommerce/individual-contracts";

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/individual-contracts/pre-entrust-sign/app",
            answer: presign,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/individual-contracts/pre-entrust-sign/mini-program",
            answer: presign,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/app",
            answer: presign,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/mini-program",
            answer: presign,
        },
    ],
    seed,
    unknown_enum_values: &[],
    tables: &[table::<Sessions>("presign_sessions")],
    progress: &[],
};

/// The most sessions the platform keeps; a new one past it is refused.
pub const MAX_SESSIONS: usize = 10_000;

/// Every signing session, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Sessions(Vec<Session>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Session {
    out_contract_code: String,
    /// The route's path: which scene, with or without a real-name check.
    path: String,
    appid: String,
    openid: Option<String>,
    /// SHA-256 over the identity's name and document, when checked.
    identity: Option<String>,
    pre_entrustweb_id: String,
}

fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    seeding.insert(Sessions::default());
    Ok(())
}

/// A text field of the body: 1 to `max` ASCII letters, digits, `_` or `-`.
fn code<'a>(body: &'a Map<String, Value>, field: &str, max: usize) -> Result<&'a str, Reply> {
    let value = body
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Reply::param_error(field, "body", "不能为空"))?;
    let valid = (1..=max).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(Reply::param_error(
            field,
            "body",
            &format!("应为1到{max}位字母、数字、_或-"),
        ));
    }
    Ok(value)
}

/// The decrypted field `field`, refused when absent, blank, or not encrypted to the key the
/// request names.
fn decrypted(call: &Call<'_>, body: &Map<String, Value>, field: &str) -> Result<String, Reply> {
    let ciphertext = body
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Reply::param_error(field, "body", "不能为空"))?;
    let plaintext = call.decrypt(field, ciphertext)?;
    if plaintext.trim().is_empty() {
        return Err(Reply::param_error(field, "body", "解密后为空"));
    }
    Ok(plaintext)
}

fn presign(call: &Call<'_>) -> Outcome {
    let path = call.route().path;
    let body = call.json_body()?;
    let appid = code(&body, "appid", 32)?;
    let out_contract_code = code(&body, "out_contract_code", 128)?;
    let openid = if path.ends_with("/mini-program") {
        Some(code(&body, "openid", 128)?)
    } else {
        None
    };
    let identity = if path.contains("with-real-name-identity") {
        if body.get("cred_type").and_then(Value::as_str) != Some("ID_CARD") {
            return Err(Reply::param_error("cred_type", "body", "应为ID_CARD"));
        }
        let name = decrypted(call, &body, "real_name")?;
        let id = decrypted(call, &body, "cred_id")?;
        let valid_id = match id.len() {
            15 => id.bytes().all(|b| b.is_ascii_digit()),
            18 => {
                id.bytes().take(17).all(|b| b.is_ascii_digit())
                    && id
                        .as_bytes()
                        .get(17)
                        .is_some_and(|b| b.is_ascii_digit() || *b == b'X')
            }
            _ => false,
        };
        if !valid_id {
            return Err(Reply::param_error("cred_id", "body", "身份证号码格式错误"));
        }
        Some(hex(&Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update([0])
            .chain_update(id.as_bytes())
            .finalize()))
    } else {
        None
    };
    let session = Session {
        out_contract_code: out_contract_code.to_owned(),
        path: path.to_owned(),
        appid: appid.to_owned(),
        openid: openid.map(str::to_owned),
        identity,
        pre_entrustweb_id: String::new(),
    };
    let id = call
        .store()
        .write(|sessions: &mut Sessions| sessions.open(session))?;
    Ok(Reply::ok(
        json!({ "pre_entrustweb_id": id }).to_string().into_bytes(),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Sessions {
    /// The id of the session `session` asks for: the known one when it is the same request,
    /// a new one for a new code.
    fn open(&mut self, mut session: Session) -> Result<String, Reply> {
        if let Some(known) = self
            .0
            .iter()
            .find(|s| s.out_contract_code == session.out_contract_code)
        {
            session
                .pre_entrustweb_id
                .clone_from(&known.pre_entrustweb_id);
            return if *known == session {
                Ok(known.pre_entrustweb_id.clone())
            } else {
                Err(Reply::invalid_request(
                    "业务申请单号已用于另一个预签约请求,请使用新的out_contract_code",
                ))
            };
        }
        if self.0.len() >= MAX_SESSIONS {
            return Err(Reply::error(
                http::StatusCode::TOO_MANY_REQUESTS,
                "FREQUENCY_LIMITED",
                "预签约数量已达上限 (the mock keeps at most 10000 sessions)",
            ));
        }
        // The shape of the page's example: a scene code, then two digests.
        let digest = Sha256::new()
            .chain_update(BASE.as_bytes())
            .chain_update(session.path.as_bytes())
            .chain_update(session.appid.as_bytes())
            .chain_update(session.out_contract_code.as_bytes())
            .finalize();
        let tail = Sha256::digest(digest);
        session.pre_entrustweb_id = format!("1121_{}_{}", hex(&digest), hex(&tail[..16]));
        let id = session.pre_entrustweb_id.clone();
        self.0.push(session);
        Ok(id)
    }
}
