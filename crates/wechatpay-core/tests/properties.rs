//! Properties over arbitrary input: round trips hold, and nothing panics.

mod common;

use common::*;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Backend, Host, Nonce, PathBuilder, SigningInput, check_path_and_query};

fn nonce() -> impl Strategy<Value = String> {
    "[0-9A-Za-z]{1,64}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn responses_signed_by_the_platform_verify_for_any_body(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        nonce in nonce(),
        skew in -300i64..=300,
    ) {
        for backend in Backend::all() {
            let signer = platform_signer(*backend);
            let keys = platform_keys(*backend);
            let timestamp = NOW.checked_add_signed(skew).unwrap();
            let mut response = Response::new(body.clone());
            signer.sign_response(&mut response, timestamp, &nonce, &mut rng()).unwrap();
            let key = keys.verify(response.headers(), &body, NOW, 300).unwrap();
            prop_assert_eq!(key.serial(), PUBLIC_KEY_ID);
            let mut altered = body.clone();
            altered.push(0);
            prop_assert!(keys.verify(response.headers(), &altered, NOW, 300).is_err());
        }
    }

    #[test]
    fn request_signatures_are_deterministic_and_equal_across_backends(
        body in proptest::collection::vec(any::<u8>(), 0..1024),
        nonce in nonce(),
        timestamp in any::<u64>(),
    ) {
        let nonce = Nonce::new(nonce).unwrap();
        let input = SigningInput {
            method: &Method::POST,
            path_and_query: "/v3/ecommerce/applyments/",
            timestamp,
            nonce: &nonce,
            body: &body,
        };
        let signatures: Vec<String> = Backend::all()
            .iter()
            .map(|backend| credentials(*backend).sign(&input, &mut rng()).unwrap().authorization().to_owned())
            .collect();
        prop_assert!(signatures.windows(2).all(|w| w[0] == w[1]));
        let again = credentials(Backend::all()[0]).sign(&input, &mut rand_chacha::ChaCha20Rng::from_seed([9; 32])).unwrap();
        prop_assert_eq!(again.authorization(), signatures[0].as_str());
    }
}

use rand_core::SeedableRng;

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        "[0-9]{0,25}".prop_map(String::into_bytes),
        "WECHATPAY/SIGNTEST/[A-Za-z0-9+/=]{0,40}".prop_map(String::into_bytes),
        "[A-Za-z0-9+/=]{0,400}".prop_map(String::into_bytes),
        Just(PUBLIC_KEY_ID.as_bytes().to_vec()),
        Just(CERT_SERIAL.as_bytes().to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn verification_and_parsing_never_panic_on_arbitrary_headers_and_bodies(
        headers in proptest::collection::vec((0usize..6, header_value()), 0..8),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        status in 100u16..600,
        now in any::<u64>(),
    ) {
        const NAMES: [&str; 6] = [
            "wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature",
            "wechatpay-serial", "wechatpay-signature-type", "request-id",
        ];
        let mut map = HeaderMap::new();
        for (index, value) in headers {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                map.append(HeaderName::from_static(NAMES[index]), value);
            }
        }
        let client = client(Backend::default());
        let _ = client.verify(&map, &body, now);
        let mut response = Response::new(body.clone());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        *response.headers_mut() = map;
        let query = QueryApplymentByOutRequestNo::new("A").unwrap();
        let result = client.parse(&query, &response, now);
        // Nothing unsigned, or signed by no configured key, is ever decoded.
        prop_assert!(result.is_err());
        if let Err(error) = result {
            let _ = error.to_string();
            let _ = error.is_retryable();
        }
    }

    #[test]
    fn encoded_segments_are_sendable_and_decode_to_the_input(value in any::<String>()) {
        prop_assume!(!value.is_empty() && value != "." && value != "..");
        let path = PathBuilder::new("/v3/x").unwrap().segment("value", &value).unwrap().query("q", &value).finish();
        prop_assert!(check_path_and_query(&path).is_ok(), "{}", path);
        let (path_part, query_part) = path.split_once('?').unwrap();
        let segment = path_part.strip_prefix("/v3/x/").unwrap();
        prop_assert!(!segment.contains('/'));
        prop_assert_eq!(percent_decode_str(segment).decode_utf8().unwrap(), value.as_str());
        let query_value = query_part.strip_prefix("q=").unwrap();
        prop_assert!(!query_value.contains('&') && !query_value.contains('='));
        prop_assert_eq!(percent_decode_str(query_value).decode_utf8().unwrap(), value.as_str());
    }

    #[test]
    fn out_request_no_accepts_exactly_1_to_124_characters(value in "\\PC{0,130}") {
        let count = value.chars().count();
        let result = QueryApplymentByOutRequestNo::new(value.clone());
        let expected = (1..=124).contains(&count) && value != "." && value != "..";
        prop_assert_eq!(result.is_ok(), expected);
    }

    #[test]
    fn generated_nonces_are_valid(seed in any::<[u8; 32]>()) {
        let nonce = Nonce::generate(&mut rand_chacha::ChaCha20Rng::from_seed(seed));
        prop_assert_eq!(nonce.as_str().len(), 32);
        prop_assert!(Nonce::new(nonce.as_str()).is_ok());
    }
}

/// A path as a careless or hostile `Operation` might write it.
fn any_path() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[@.:/?#%a-z0-9]{0,12}(evil\\.example)?(:[0-9]{1,5})?(/v3/[a-z%0-9@:.]{0,12})?",
        "/[ -~]{0,40}",
        "(//|/\\\\|\\\\)[a-z.]{1,12}/x",
    ]
}

struct AnyPath(String);

impl wechatpay_core::Operation for AnyPath {
    type Output = ();
    fn request(
        &self,
        _: &mut wechatpay_core::RequestContext<'_>,
    ) -> Result<wechatpay_core::RequestParts, wechatpay_core::Error> {
        Ok(wechatpay_core::RequestParts::new(
            Method::POST,
            self.0.clone(),
        ))
    }
    fn decode(&self, _: wechatpay_core::VerifiedBody<'_>) -> Result<(), wechatpay_core::Error> {
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_prepared_request_goes_to_the_base_url_with_exactly_the_signed_path(
        path in any_path(),
        base in prop_oneof![
            Just(("https://api.mch.weixin.qq.com", "https", "api.mch.weixin.qq.com", None)),
            Just(("http://127.0.0.1:8080", "http", "127.0.0.1", Some(8080u16))),
        ],
    ) {
        let (base_url, scheme, host, port) = base;
        let client = client(Backend::default()).with_base_url(base_url).unwrap();
        let nonce = Nonce::new("abc").unwrap();
        let operation = AnyPath(path.clone());
        let Ok(request) = client.prepare(&operation, Host::Primary, NOW, &nonce, &mut rng()) else {
            return Ok(());
        };
        let uri = request.uri();
        prop_assert_eq!(uri.scheme_str(), Some(scheme));
        prop_assert_eq!(uri.host(), Some(host));
        prop_assert_eq!(uri.port_u16(), port);
        let sent = uri.path_and_query().unwrap().as_str();
        prop_assert_eq!(sent, path.as_str());
        let input = SigningInput { method: &Method::POST, path_and_query: sent, timestamp: NOW, nonce: &nonce, body: b"" };
        let expected = client.credentials().sign(&input, &mut rng()).unwrap();
        prop_assert_eq!(request.headers()["Authorization"].to_str().unwrap(), expected.authorization());
    }

    #[test]
    fn the_display_of_any_unsigned_error_holds_no_control_character(
        status in 300u16..600,
        raw in proptest::collection::vec(any::<u8>(), 0..300),
        code in any::<String>(),
        message in any::<String>(),
        detail in any::<String>(),
        request_id in proptest::collection::vec(any::<u8>(), 0..40),
        as_json in any::<bool>(),
    ) {
        let body = if as_json {
            serde_json::json!({"code": code, "message": message, "detail": {"x": detail, "sign_information": detail}})
                .to_string()
                .into_bytes()
        } else {
            raw
        };
        let mut response = Response::new(body);
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        if let Ok(value) = HeaderValue::from_bytes(&request_id) {
            response.headers_mut().insert("Request-ID", value);
        }
        let query = QueryApplymentByOutRequestNo::new("A").unwrap();
        let error = client(Backend::default()).parse(&query, &response, NOW).unwrap_err();
        let shown = error.to_string();
        prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
    }
}
