//! The platform's endpoints, one module each, and the route table that lists them.
//!
//! A module holds everything about one resource of the platform: its routes (a method and a
//! path pattern each), the validation of their parameters, its records (their type, the seeded
//! ones, and how to add more) and the answers it gives. Everything around an answer is the
//! same for every endpoint and lives elsewhere: authentication before it, the signature after
//! it, and the faults of each stage. Serving another endpoint is one module here, declared below,
//! and one line in the route table at the bottom of this file.

use std::cell::RefCell;

use http::{Method, Request, StatusCode};
use percent_encoding::percent_decode_str;

use crate::keyring::{FieldError, Keyring};
use crate::platform::SetupError;
use crate::reply::Reply;
use crate::sandbox::{Progress, Table};
use crate::store::{Seeding, Store};

pub mod applyment;
pub mod applyment_revoke;
pub mod balance;
pub mod bill;
pub mod certificates;
pub mod contract;
pub mod echo;
pub mod ledger;
pub mod media;
pub mod payment;
pub mod presign;
pub mod profitsharing;
pub mod refund;
pub mod settlement;
pub mod subsidy;
pub mod transfer;
pub mod withdraw;

/// What an endpoint's answer function returns: the endpoint's answer, or a refusal (invalid
/// parameter, unknown record). Both are signed; `?` on a refusal keeps answer functions short.
pub(crate) type Outcome = Result<Reply, Reply>;

/// One endpoint: its routes, its records, and what the answer-stage faults may change in its
/// answers.
pub(crate) struct Endpoint {
    /// Its routes, tried in order after those of the endpoints above it in the table.
    pub(crate) routes: &'static [Route],
    /// Puts its seeded records in the store, when the platform is built.
    pub(crate) seed: fn(&mut Seeding<'_>) -> Result<(), SetupError>,
    /// The enum fields of its answers, each with a value no client knows yet, for
    /// [`Fault::UnknownEnumValues`](crate::Fault::UnknownEnumValues).
    pub(crate) unknown_enum_values: &'static [(&'static str, &'static str)],
    /// Its tables, for saved state ([`crate::sandbox`]).
    pub(crate) tables: &'static [Table],
    /// How its kinds of record move ([`crate::sandbox`]).
    pub(crate) progress: &'static [Progress],
}

/// A method and a path pattern, and the answer to a request that matches them.
pub(crate) struct Route {
    /// The method.
    pub(crate) method: Method,
    /// The path, in which `{name}` stands for one segment, as sent: percent-encoded, and
    /// possibly empty (the answer then refuses it as the parameter `name`).
    pub(crate) path: &'static str,
    /// The answer to an authenticated request on this route.
    pub(crate) answer: fn(&Call<'_>) -> Outcome,
}

impl Route {
    fn matches(&self, path: &str) -> bool {
        let mut pattern = self.path.split('/');
        let mut segments = path.split('/');
        loop {
            match (pattern.next(), segments.next()) {
                (None, None) => return true,
                (Some(expected), Some(segment)) => {
                    if parameter(expected).is_none() && expected != segment {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

/// The name of a `{name}` segment of a pattern.
fn parameter(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// The endpoint and route a request's method and path (without the query) select, if any.
pub(crate) fn route(method: &Method, path: &str) -> Option<(&'static Endpoint, &'static Route)> {
    ENDPOINTS.iter().find_map(|endpoint| {
        endpoint
            .routes
            .iter()
            .find(|route| route.method == method && route.matches(path))
            .map(|route| (*endpoint, route))
    })
}

/// Fills the store with every endpoint's seeded records, in the order of the table.
pub(crate) fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    ENDPOINTS
        .iter()
        .try_for_each(|endpoint| (endpoint.seed)(seeding))
}

/// Every endpoint's tables, in the order of the table.
pub(crate) fn tables() -> impl Iterator<Item = &'static Table> {
    ENDPOINTS.iter().flat_map(|endpoint| endpoint.tables)
}

/// Every kind of record that moves, in the order of the table.
pub(crate) fn progress() -> impl Iterator<Item = &'static Progress> {
    ENDPOINTS.iter().flat_map(|endpoint| endpoint.progress)
}

/// How an answer encrypts a sensitive field to the merchant.
type MerchantEncryption<'a> = &'a mut dyn FnMut(&str) -> Result<String, SetupError>;

/// A request as an endpoint's answer reads it: routed and authenticated.
pub(crate) struct Call<'a> {
    route: &'a Route,
    request: &'a Request<Vec<u8>>,
    path: &'a str,
    query: &'a str,
    store: &'a Store,
    keyring: &'a Keyring,
    now: u64,
    /// Behind a `RefCell` because an answer reads its call by shared reference, and each
    /// encryption draws from the platform's random source.
    encrypt: RefCell<Option<MerchantEncryption<'a>>>,
}

impl<'a> Call<'a> {
    /// `request`, whose `path` (without the query) and `query` are given as split by the
    /// router, on `route`, answered from `store` with the platform's keys and mode at the time,
    /// `keyring`, at Unix time `now`.
    pub(crate) fn new(
        route: &'a Route,
        request: &'a Request<Vec<u8>>,
        (path, query): (&'a str, &'a str),
        (store, keyring): (&'a Store, &'a Keyring),
        now: u64,
    ) -> Self {
        Call {
            route,
            request,
            path,
            query,
            store,
            keyring,
            now,
            encrypt: RefCell::new(None),
        }
    }

    /// The same call, whose answer encrypts sensitive fields to the merchant with `encrypt`.
    pub(crate) fn with_encryption(self, encrypt: MerchantEncryption<'a>) -> Self {
        Call {
            encrypt: RefCell::new(Some(encrypt)),
            ..self
        }
    }

    /// The route the request took.
    pub(crate) fn route(&self) -> &'a Route {
        self.route
    }

    /// The platform's keys and mode, as they were when the request came.
    pub(crate) fn keyring(&self) -> &'a Keyring {
        self.keyring
    }

    /// `plaintext` encrypted to the merchant (RSA-OAEP, SHA-1), as the platform encrypts the
    /// sensitive fields of its answers.
    ///
    /// # Errors
    ///
    /// A `500 SYSTEM_ERROR` when the call was made without a way to encrypt, or the text is too
    /// long for the merchant's key: the mock's own limits, which its tests catch.
    pub(crate) fn encrypt_for_merchant(&self, plaintext: &str) -> Result<String, Reply> {
        let failed = |reason: &str| {
            Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                &format!("the mock cannot encrypt this answer: {reason}"),
            )
        };
        let mut encrypt = self
            .encrypt
            .try_borrow_mut()
            .map_err(|_| failed("already encrypting"))?;
        let encrypt = encrypt
            .as_mut()
            .ok_or_else(|| failed("no encryption for this call"))?;
        encrypt(plaintext).map_err(|e| failed(&e.to_string()))
    }

    /// The sensitive field `field` of the body (a JSON pointer), decrypted with the platform
    /// key the request's `Wechatpay-Serial` names.
    ///
    /// # Errors
    ///
    /// A `PARAM_ERROR` naming the field when the request names no key the platform has, or
    /// when the value is not a ciphertext of that key (a plaintext sent unencrypted, one
    /// encrypted to another key).
    pub(crate) fn decrypt(&self, field: &str, ciphertext: &str) -> Result<String, Reply> {
        let serial = self.header(wechatpay_core::WECHATPAY_SERIAL);
        self.keyring
            .decrypt(serial, ciphertext)
            .map_err(|error| match error {
                FieldError::UnknownSerial => Reply::param_error(
                    "Wechatpay-Serial",
                    "header",
                    "应为加密敏感信息所用的微信支付公钥ID或平台证书序列号",
                ),
                FieldError::Undecryptable => Reply::param_error(
                    field,
                    "body",
                    "解密失败,请用 Wechatpay-Serial 所指的微信支付公钥加密",
                ),
            })
    }

    /// The request's body, as sent.
    pub(crate) fn body(&self) -> &'a [u8] {
        self.request.body()
    }

    /// The request's header `name`, when it is text.
    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        self.request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }

    /// The path segment `{name}` of the route, as sent (percent-encoded).
    ///
    /// # Errors
    ///
    /// A `500 SYSTEM_ERROR` when the route has no such parameter: the endpoint asked for a
    /// name its own pattern does not have, which its tests catch.
    pub(crate) fn raw_path(&self, name: &str) -> Result<&'a str, Reply> {
        self.route
            .path
            .split('/')
            .zip(self.path.split('/'))
            .find_map(|(expected, segment)| (parameter(expected) == Some(name)).then_some(segment))
            .ok_or_else(|| {
                Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "the mock's route has no such path parameter",
                )
            })
    }

    /// The path segment `{name}`, percent-decoded.
    ///
    /// # Errors
    ///
    /// A `PARAM_ERROR` naming `name` when the decoded bytes are not UTF-8.
    pub(crate) fn path(&self, name: &str) -> Result<String, Reply> {
        percent_decode_str(self.raw_path(name)?)
            .decode_utf8()
            .map(|text| text.into_owned())
            .map_err(|_| Reply::param_error(name, "path", "不是合法的UTF-8编码"))
    }

    /// The first query parameter `name`, percent-decoded; bytes that are not UTF-8 become
    /// U+FFFD, so that such a value matches no record rather than being refused.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| percent_decode_str(value).decode_utf8_lossy().into_owned())
        })
    }

    /// The platform's records.
    pub(crate) fn store(&self) -> &'a Store {
        self.store
    }

    /// The merchant the request's `Authorization` names (authenticated before any answer).
    pub(crate) fn mchid(&self) -> String {
        self.header("authorization")
            .and_then(|value| crate::authorization::MerchantAuthorization::parse(value).ok())
            .map(|authorization| authorization.mchid)
            .unwrap_or_default()
    }

    /// The platform's clock when the request came, Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// The first query parameter `name`, or a `PARAM_ERROR` naming it when absent.
    pub(crate) fn required_query(&self, name: &str) -> Result<String, Reply> {
        self.query(name)
            .ok_or_else(|| Reply::param_error(name, "query", "不能为空"))
    }

    /// The body as a JSON object, or a `PARAM_ERROR` when it is not one.
    pub(crate) fn json_body(&self) -> Result<serde_json::Map<String, serde_json::Value>, Reply> {
        match serde_json::from_slice(self.body()) {
            Ok(serde_json::Value::Object(object)) => Ok(object),
            _ => Err(Reply::param_error("body", "body", "应为JSON对象")),
        }
    }
}

/// A required merchant id of the query.
pub(crate) fn query_mchid(call: &Call<'_>, field: &str) -> Result<String, Reply> {
    let value = call.required_query(field)?;
    if !(1..=32).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Reply::param_error(field, "query", "应为1到32位数字"));
    }
    Ok(value)
}

/// A text body field of 1 to `max` characters whose characters `allowed` takes (one of
/// [`chars`]), if present.
pub(crate) fn body_field<'b>(
    body: &'b serde_json::Map<String, serde_json::Value>,
    name: &str,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<Option<&'b str>, Reply> {
    match body.get(name) {
        None => Ok(None),
        Some(serde_json::Value::String(text))
            if (1..=max).contains(&text.chars().count()) && text.chars().all(allowed) =>
        {
            Ok(Some(text))
        }
        Some(_) => Err(Reply::param_error(
            name,
            "body",
            &format!("应为1到{max}个字符的合法字符串"),
        )),
    }
}

/// A [`body_field`] that must be present.
pub(crate) fn required_field<'b>(
    body: &'b serde_json::Map<String, serde_json::Value>,
    name: &str,
    max: usize,
    allowed: fn(char) -> bool,
) -> Result<&'b str, Reply> {
    body_field(body, name, max, allowed)?
        .ok_or_else(|| Reply::param_error(name, "body", "不能为空"))
}

/// The characters a [`body_field`] may take.
pub(crate) mod chars {
    /// ASCII digits.
    pub(crate) fn digits(c: char) -> bool {
        c.is_ascii_digit()
    }

    /// ASCII letters and digits.
    pub(crate) fn alnum(c: char) -> bool {
        c.is_ascii_alphanumeric()
    }

    /// ASCII letters, digits, `_` and `-`.
    pub(crate) fn code(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == '_' || c == '-'
    }

    /// A merchant's own number: ASCII letters, digits and `_-|*@`.
    pub(crate) fn out_no(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '|' | '*' | '@')
    }

    /// Any character.
    pub(crate) fn any(_: char) -> bool {
        true
    }
}

/// `200` with `body` when a record was found, `404 RESOURCE_NOT_EXISTS` with `missing` when not.
pub(crate) fn found(body: Option<Vec<u8>>, missing: &str) -> Outcome {
    body.map(Reply::ok).ok_or_else(|| Reply::not_found(missing))
}

/// The route table: every endpoint the platform serves, tried in this order. (The modules
/// are declared above rather than by a macro, so that `cargo fmt` sees them.)
static ENDPOINTS: &[&Endpoint] = &[
    &applyment::ENDPOINT,
    &applyment_revoke::ENDPOINT,
    &balance::ENDPOINT,
    &bill::ENDPOINT,
    &certificates::ENDPOINT,
    &contract::ENDPOINT,
    &echo::ENDPOINT,
    &ledger::ENDPOINT,
    &media::ENDPOINT,
    &payment::ENDPOINT,
    &profitsharing::ENDPOINT,
    &refund::ENDPOINT,
    &subsidy::ENDPOINT,
    &transfer::ENDPOINT,
    &withdraw::ENDPOINT,
    &presign::ENDPOINT,
    &settlement::ENDPOINT,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_nothing(_: &Call<'_>) -> Outcome {
        Ok(Reply::ok(Vec::new()))
    }

    const ROUTE: Route = Route {
        method: Method::GET,
        path: "/v3/things/{thing_id}/parts/{part}",
        answer: answer_nothing,
    };

    fn keyring() -> Keyring {
        Keyring::new(&crate::MockKeys::fixtures()).unwrap()
    }

    fn store() -> Store {
        let mut refuse = |_: &str| -> Result<String, SetupError> {
            Err(SetupError::Key {
                which: "none",
                reason: "no key in this test".to_owned(),
            })
        };
        Seeding::new(&mut refuse).into_store()
    }

    #[test]
    fn a_parameter_is_one_segment_as_sent_even_empty() {
        assert!(ROUTE.matches("/v3/things/42/parts/a%2Fb"));
        assert!(ROUTE.matches("/v3/things//parts/"));
        for path in [
            "/v3/things/42/parts",
            "/v3/things/42/parts/a/b",
            "/v3/things/42/bits/a",
            "/v3/things/42/parts/a/",
            "v3/things/42/parts/a",
        ] {
            assert!(!ROUTE.matches(path), "{path}");
        }
    }

    #[test]
    fn parameters_are_read_by_name_raw_or_decoded() {
        let store = store();
        let keys = keyring();
        let request = Request::new(b"{}".to_vec());
        let call = Call::new(
            &ROUTE,
            &request,
            ("/v3/things/4%32/parts/%E7%94%B3", "a=1&b=x%20y"),
            (&store, &keys),
            0,
        );
        assert_eq!(call.body(), b"{}");
        assert_eq!(call.header("content-type"), None);
        assert_eq!(call.raw_path("thing_id").ok(), Some("4%32"));
        assert_eq!(call.path("thing_id").ok().as_deref(), Some("42"));
        assert_eq!(call.path("part").ok().as_deref(), Some("申"));
        assert_eq!(call.query("b").as_deref(), Some("x y"));
        assert_eq!(call.query("c"), None);

        let invalid = Call::new(
            &ROUTE,
            &request,
            ("/v3/things/%FF/parts/x", ""),
            (&store, &keys),
            0,
        );
        let refusal = invalid.path("thing_id").unwrap_err();
        assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8_lossy(&refusal.body).contains(r#""field":"thing_id""#));

        // A name the pattern does not have is the mock's own mistake, answered as one.
        let mistake = call.raw_path("part_id").unwrap_err();
        assert_eq!(mistake.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn the_table_routes_by_method_and_path() {
        let pattern = |path| route(&Method::GET, path).map(|(_, route)| route.path);
        assert_eq!(
            pattern("/v3/ecommerce/applyments/out-request-no/APPLYMENT_AUDITING"),
            Some("/v3/ecommerce/applyments/out-request-no/{out_request_no}")
        );
        // One segment fewer: the literal `out-request-no` is then the id, which the answer
        // refuses as not a number.
        assert_eq!(
            pattern("/v3/ecommerce/applyments/out-request-no"),
            Some("/v3/ecommerce/applyments/{applyment_id}")
        );
        assert_eq!(pattern("/v3/ecommerce/unknown"), None);
        assert!(route(&Method::POST, "/v3/ecommerce/applyments/1").is_none());
    }

    #[test]
    fn every_route_is_a_v3_path_served_once() {
        let routes: Vec<&Route> = ENDPOINTS.iter().flat_map(|e| e.routes).collect();
        for (i, route) in routes.iter().enumerate() {
            assert!(route.path.starts_with("/v3/"), "{}", route.path);
            for other in &routes[i + 1..] {
                assert!(
                    !(route.method == other.method && route.path == other.path),
                    "{} {} twice",
                    route.method,
                    route.path
                );
            }
        }
    }
}
