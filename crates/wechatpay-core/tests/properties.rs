//! Properties over arbitrary input: round trips hold, and nothing panics.

mod common;

use common::*;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Backend, Nonce, PathBuilder, SigningInput, check_path_and_query};

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
        let path = PathBuilder::new("/v3/x").segment("value", &value).unwrap().query("q", &value).finish();
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
