//! The rules a careful reader found unenforced (issue 9): a path cannot move a request to
//! another host, text from the wire cannot drive a terminal, secrets are redacted on the parsed
//! structure, signature headers cannot disagree with themselves, configuration cannot overflow,
//! keys are found inside the files tools really write, and models decode every state.

mod common;

use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce as GcmNonce};
use common::*;
use http::{Method, Request, StatusCode};
use rand_core::{Infallible, TryRng};
use wechatpay_core::ecommerce::applyment::{
    ApplymentState, NextStep, QueryApplymentByOutRequestNo,
};
use wechatpay_core::ecommerce::contract::{AuthState, QueryContractByOutContractCode};
use wechatpay_core::{
    AEAD_AES_256_GCM, ApiV3Key, Backend, CryptoError, Decision, EncryptedField, Error, Host,
    MAX_BACKOFF, MerchantCredentials, Nonce, NotificationResource, Operation, Outcome, PathBuilder,
    PlatformKeys, RequestContext, RequestParts, RetryPolicy, SignatureHeaders, SigningInput,
    TransportFailure, VerificationError, VerifiedBody, check_path_and_query,
};

/// An operation the core does not ship, with whatever path a caller wrote.
struct Custom(&'static str);

impl Operation for Custom {
    type Output = ();
    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        Ok(RequestParts::new(Method::POST, self.0))
    }
    fn decode(&self, _: VerifiedBody<'_>) -> Result<(), Error> {
        Ok(())
    }
}

fn prepare(operation: &impl Operation) -> Result<Request<Vec<u8>>, Error> {
    let client = client(Backend::default())
        .with_base_url("https://api.mch.weixin.qq.com")
        .unwrap();
    let nonce = Nonce::new("abc").unwrap();
    client.prepare(operation, Host::Primary, NOW, &nonce, &mut rng())
}

fn invalid_field(error: Error) -> String {
    match error {
        Error::InvalidInput { field, .. } => field.into_owned(),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn a_path_that_would_change_the_host_or_port_is_refused_before_signing() {
    for path in [
        "@evil.example/v3/x",
        ".evil.example/v3/x",
        ":8443/v3/x",
        "evil.example/v3/x",
        "",
        "?x=1",
        "#/v3/x",
    ] {
        let error = prepare(&Custom(path)).unwrap_err();
        assert_eq!(invalid_field(error), "path_and_query", "{path:?}");
    }
    let request = prepare(&Custom("/v3/x@evil.example:8443/y")).unwrap();
    assert_eq!(request.uri().host(), Some("api.mch.weixin.qq.com"));
    assert_eq!(request.uri().port(), None);
    assert_eq!(request.uri().path(), "/v3/x@evil.example:8443/y");
}

#[test]
fn a_path_builder_starts_only_from_an_absolute_path_without_a_query() {
    for base in [
        "@evil.example/v3",
        ".evil.example",
        ":8443/v3",
        "v3/x",
        "",
        "/v3/x?a=1",
        "/v3/../x",
    ] {
        let error = PathBuilder::new(base).unwrap_err();
        assert_eq!(invalid_field(error), "path_and_query", "{base:?}");
    }
    let path = PathBuilder::new("/v3/x")
        .unwrap()
        .segment("id", "a b")
        .unwrap()
        .finish();
    assert_eq!(path, "/v3/x/a%20b");
}

#[test]
fn a_forbidden_byte_right_after_a_percent_escape_is_refused() {
    check_path_and_query("/v3/%41%42/x").unwrap();
    for path in [
        "/v3/%41'",
        "/v3/%41 ",
        "/v3/%41%",
        "/v3/%41%4",
        "/v3/%4",
        "/v3/%zz",
        "/v3/%41\\",
    ] {
        assert!(check_path_and_query(path).is_err(), "{path:?}");
    }
}

fn unsigned_error(status: u16, body: &[u8]) -> Error {
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    client(Backend::default())
        .parse(&query, &unsigned_response(status, body), NOW)
        .unwrap_err()
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[test]
fn error_text_from_the_wire_cannot_drive_a_terminal_or_forge_log_lines() {
    let body = "{\"code\":\"PARAM\\u001b[2J_ERROR\",\"message\":\"bad\\r\\n2024-01-01 INFO paid \\u0007\\u009b31m\",\
                \"detail\":{\"field\":\"x\\u007f\\u0085\"}}";
    let error = unsigned_error(400, body.as_bytes());
    let shown = error.to_string();
    assert!(!has_control(&shown), "{shown:?}");
    assert!(shown.contains(r"PARAM\u{1b}[2J_ERROR"), "{shown}");
    assert!(
        shown.contains(r"bad\r\n2024-01-01 INFO paid \u{7}\u{9b}31m"),
        "{shown}"
    );
    assert!(shown.contains(r"\u{7f}\u{85}"), "{shown}");
    // The values themselves stay as received, for code that inspects them.
    let api = error.api().unwrap();
    assert_eq!(
        api.message.as_deref(),
        Some("bad\r\n2024-01-01 INFO paid \u{7}\u{9b}31m")
    );

    let sign_error = "{\"code\":\"SIGN_ERROR\",\"message\":\"m\",\"detail\":{\"sign_information\":\
                      {\"sign_message_length\":1,\"truncated_sign_message\":\"GET\\n/v3\\u009b\\n\"}}}";
    let shown = unsigned_error(401, sign_error.as_bytes()).to_string();
    assert!(!has_control(&shown), "{shown:?}");
    assert!(
        shown.contains("server's view of the signed message"),
        "{shown}"
    );

    let raw = b"<html>\x1b]0;owned\x07\r\nFAKE LOG LINE</html>";
    let shown = unsigned_error(502, raw).to_string();
    assert!(!has_control(&shown), "{shown:?}");
}

fn decode_error(body: &str) -> Error {
    let query = QueryContractByOutContractCode::new("C", "wx1").unwrap();
    client(Backend::default())
        .parse(
            &query,
            &signed_response(Backend::default(), 200, body.as_bytes()),
            NOW,
        )
        .unwrap_err()
}

#[test]
fn access_tokens_are_redacted_however_their_key_is_spelled() {
    for body in [
        // Valid JSON that does not decode (auth_state is missing), the key JSON-escaped.
        r#"{"real_name_auth_result":{"access\u005ftoken":"TOKEN-SECRET-123"}}"#,
        r#"{"real_name_auth_result":{"\u0061ccess_token":"TOKEN-SECRET-123"}}"#,
        r#"[{"x":[{"access_token":"TOKEN-SECRET-123"}]}]"#,
        // Not JSON: shown only if no key could be spelled there at all.
        r#"{"real_name_auth_result":{"access\u005ftoken":"TOKEN-SECRET-123""#,
    ] {
        let error = decode_error(body);
        assert!(matches!(error, Error::Decode(_)), "{error}");
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("TOKEN-SECRET"), "{shown}");
        }
    }
    // A body with no secret is shown as received, so the decoder's line and column point
    // into what is shown.
    let shown = decode_error(r#"{"zeta":1,"alpha":"x"}"#).to_string();
    assert!(shown.contains(r#"{\"zeta\":1,\"alpha\":\"x\"}"#), "{shown}");
    let shown = decode_error("not json at all").to_string();
    assert!(shown.contains("not json at all"), "{shown}");
}

#[test]
fn signature_headers_parse_the_timestamp_from_the_signed_text() {
    let headers = SignatureHeaders::new("1700000000", "n", "c2ln", "PUB_KEY_ID_1").unwrap();
    assert_eq!(headers.timestamp(), 1_700_000_000);
    assert_eq!(headers.timestamp_text(), "1700000000");
    assert_eq!(
        (headers.nonce(), headers.signature(), headers.serial()),
        ("n", "c2ln", "PUB_KEY_ID_1")
    );
    assert_eq!(headers.message(b"{}"), b"1700000000\nn\n{}\n");
    for timestamp in [
        "+1700000000",
        "-1",
        "",
        " 1700000000",
        "1700000000.5",
        "17000000000000000000",
        "1e9",
    ] {
        let error = SignatureHeaders::new(timestamp, "n", "c2ln", "PUB_KEY_ID_1").unwrap_err();
        assert!(
            matches!(
                error,
                VerificationError::MalformedHeader {
                    name: "Wechatpay-Timestamp",
                    ..
                }
            ),
            "{timestamp:?}: {error}"
        );
    }
    SignatureHeaders::new("9999999999999999999", "n", "c2ln", "s").unwrap();
    for (nonce, signature, serial) in [("", "s", "s"), ("n", "", "s"), ("n", "s", "")] {
        assert!(SignatureHeaders::new("1", nonce, signature, serial).is_err());
    }
}

#[test]
fn an_authentic_but_old_answer_read_through_signature_headers_is_clock_skew() {
    let response = signed_response(Backend::default(), 200, b"{}");
    let keys = platform_keys(Backend::default());
    let header = |name: &str| response.headers()[name].to_str().unwrap();
    let signed = SignatureHeaders::new(
        header("Wechatpay-Timestamp"),
        header("Wechatpay-Nonce"),
        header("Wechatpay-Signature"),
        header("Wechatpay-Serial"),
    )
    .unwrap();
    keys.verify_signature(&signed, b"{}", NOW, 300).unwrap();
    let twenty_three_years = 23 * 365 * 24 * 3600;
    let error = keys
        .verify_signature(&signed, b"{}", NOW + twenty_three_years, 300)
        .unwrap_err();
    assert!(
        matches!(error, VerificationError::ClockSkew { timestamp: NOW, .. }),
        "{error}"
    );
}

/// An RNG that always draws the same word, to pin the jitter to either end of its range.
struct Fixed(u64);

impl TryRng for Fixed {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0 as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(self.0 as u8);
        Ok(())
    }
}

fn retry_after(decision: Decision) -> Duration {
    match decision {
        Decision::Retry { after, .. } => after,
        Decision::Stop => panic!("expected a retry"),
    }
}

#[test]
fn backoff_is_between_half_the_ceiling_and_the_ceiling() {
    let policy = RetryPolicy::default()
        .with_max_attempts(10)
        .with_delays(Duration::from_millis(200), Duration::from_secs(5));
    let connect = Outcome::Transport(TransportFailure::Connect);
    for (attempt, ceiling) in [
        (1, 200),
        (2, 400),
        (3, 800),
        (5, 3200),
        (6, 5000),
        (9, 5000),
    ] {
        let ceiling = Duration::from_millis(ceiling);
        // The largest draw lands within a nanosecond of the ceiling, never above it.
        let highest =
            retry_after(policy.decide(attempt, Host::Primary, connect, &mut Fixed(u64::MAX)));
        let lowest = retry_after(policy.decide(attempt, Host::Primary, connect, &mut Fixed(0)));
        assert_eq!(lowest, ceiling / 2, "attempt {attempt}");
        assert!(
            highest <= ceiling && highest > ceiling / 2,
            "attempt {attempt}: {highest:?}"
        );
        for seed in 0..50u64 {
            let mut draw = Fixed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let after = retry_after(policy.decide(attempt, Host::Primary, connect, &mut draw));
            assert!(
                after >= ceiling / 2 && after <= ceiling,
                "attempt {attempt}: {after:?}"
            );
        }
    }
}

#[test]
fn huge_delays_neither_panic_nor_exceed_one_day() {
    let outcomes = [
        unsigned_error(500, br#"{"code":"SYSTEM_ERROR","message":"x"}"#),
        unsigned_error(503, b""),
    ];
    for (base, max) in [
        (Duration::MAX, Duration::MAX),
        (Duration::from_secs(u64::MAX / 2), Duration::MAX),
        (Duration::from_nanos(1), Duration::MAX),
        (Duration::MAX, Duration::ZERO),
        (Duration::ZERO, Duration::ZERO),
    ] {
        let policy = RetryPolicy::default()
            .with_max_attempts(u32::MAX)
            .with_delays(base, max);
        for attempt in [1, 2, 17, 64, u32::MAX - 1] {
            for draw in [0, 1, u64::MAX] {
                let mut outcomes_seen = vec![Outcome::Transport(TransportFailure::Timeout)];
                outcomes_seen.extend(outcomes.iter().map(Outcome::Error));
                for outcome in outcomes_seen {
                    let after = retry_after(policy.decide(
                        attempt,
                        Host::Primary,
                        outcome,
                        &mut Fixed(draw),
                    ));
                    assert!(
                        after <= MAX_BACKOFF,
                        "{base:?} {max:?} {attempt}: {after:?}"
                    );
                }
            }
        }
    }
}

fn with_retry_after(seconds: u64) -> Error {
    let response = http::Response::builder()
        .status(StatusCode::TOO_MANY_REQUESTS)
        .header("Retry-After", seconds.to_string())
        .body(br#"{"code":"RATELIMIT_EXCEEDED","message":"slow down"}"#.to_vec())
        .unwrap();
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    client(Backend::default())
        .parse(&query, &response, NOW)
        .unwrap_err()
}

#[test]
fn a_retry_after_up_to_the_maximum_delay_is_obeyed_and_beyond_it_stops() {
    let policy =
        RetryPolicy::default().with_delays(Duration::from_millis(200), Duration::from_secs(5));
    let at_max = with_retry_after(5);
    let decision = policy.decide(1, Host::Primary, Outcome::Error(&at_max), &mut rng());
    assert_eq!(
        decision,
        Decision::Retry {
            host: Host::Primary,
            after: Duration::from_secs(5)
        }
    );
    let beyond = with_retry_after(6);
    assert_eq!(
        policy.decide(1, Host::Primary, Outcome::Error(&beyond), &mut rng()),
        Decision::Stop
    );
    let unbounded = RetryPolicy::default().with_delays(Duration::from_millis(1), Duration::MAX);
    let days = with_retry_after(2 * 24 * 3600);
    assert_eq!(
        unbounded.decide(1, Host::Primary, Outcome::Error(&days), &mut rng()),
        Decision::Stop
    );
}

/// An RNG whose first fill is all `first`, and every later fill all `then`.
struct FirstThen {
    first: Option<u8>,
    then: u8,
}

impl TryRng for FirstThen {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("nonces draw bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unreachable!("nonces draw bytes")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(self.first.take().unwrap_or(self.then));
        Ok(())
    }
}

impl rand_core::TryCryptoRng for FirstThen {}

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[test]
fn nonces_map_each_byte_below_248_to_one_of_62_characters_and_reject_the_rest() {
    // 248 = 4 * 62: every character is reached by exactly four byte values, so a uniform byte
    // gives a uniform character; the eight bytes above would favour the first eight.
    let mut reached = [0u32; 62];
    for byte in 0..=255u8 {
        let nonce = Nonce::generate(&mut FirstThen {
            first: Some(byte),
            then: 1,
        });
        let expected = if byte < 248 {
            reached[usize::from(byte % 62)] += 1;
            char::from(ALPHABET[usize::from(byte % 62)])
        } else {
            // Rejected: the whole first draw is skipped, and the next one used.
            '1'
        };
        assert_eq!(
            nonce.as_str(),
            expected.to_string().repeat(Nonce::LEN),
            "byte {byte}"
        );
    }
    assert!(reached.iter().all(|&n| n == 4), "{reached:?}");
}

#[test]
fn generated_nonces_use_all_62_characters_and_never_repeat() {
    let mut rng = rng();
    let mut seen = std::collections::HashSet::new();
    let mut counts = [0u32; 128];
    for _ in 0..2000 {
        let nonce = Nonce::generate(&mut rng);
        assert_eq!(nonce.as_str().len(), Nonce::LEN);
        assert!(
            nonce.as_str().bytes().all(|b| ALPHABET.contains(&b)),
            "{nonce}"
        );
        nonce
            .as_str()
            .bytes()
            .for_each(|b| counts[usize::from(b)] += 1);
        assert!(seen.insert(nonce.as_str().to_owned()), "repeated {nonce}");
        Nonce::new(nonce.as_str()).unwrap();
    }
    // 64,000 characters: about 1,032 of each; a biased or narrowed draw shows here.
    for &c in ALPHABET {
        let n = counts[usize::from(c)];
        assert!(
            (850..1250).contains(&n),
            "{} drawn {n} times",
            char::from(c)
        );
    }
}

#[test]
fn malformed_public_key_ids_are_refused() {
    let mut keys = PlatformKeys::new();
    for id in [
        "PUB_KEY_ID_",
        "PUB_KEY_ID_12a",
        "PUB_KEY_ID_ 1",
        "PUB_KEY_ID_-1",
        &format!("PUB_KEY_ID_{}", "1".repeat(65)),
        "pub_key_id_0119000000012024112300000000000001",
        "PUB_KEY_0119000000012024112300000000000001",
        "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    ] {
        let error = keys.add_public_key(id, PLATFORM_PUB).unwrap_err();
        assert_eq!(invalid_field(error), "platform_public_key_id", "{id:?}");
    }
    keys.add_public_key(&format!("PUB_KEY_ID_{}", "1".repeat(64)), PLATFORM_PUB)
        .unwrap();
}

fn aes_resource(plaintext: &[u8], associated_data: &str) -> (ApiV3Key, NotificationResource) {
    let key_text = "0123456789abcdefghijABCDEFGHIJ01";
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(
        *b"0123456789abcdefghijABCDEFGHIJ01",
    ));
    let ciphertext = cipher
        .encrypt(
            &GcmNonce::from(*b"abcdefghijkl"),
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .unwrap();
    let json = serde_json::json!({
        "algorithm": AEAD_AES_256_GCM,
        "ciphertext": base64_encode(&ciphertext),
        "associated_data": associated_data,
        "nonce": "abcdefghijkl",
        "original_type": "transaction",
    });
    (
        ApiV3Key::new(key_text).unwrap(),
        serde_json::from_value(json).unwrap(),
    )
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn a_resource_that_is_only_the_tag_decrypts_to_empty_text_and_a_shorter_one_fails() {
    let (key, resource) = aes_resource(b"", "transaction");
    assert_eq!(base64_decoded_len(&resource.ciphertext), 16);
    assert_eq!(resource.decrypt(&key).unwrap().expose(), "");
    for short in ["", "AA==", "AAAAAAAAAAAAAAAAAAAA"] {
        let mut altered = resource.clone();
        altered.ciphertext = short.to_owned();
        let error = altered.decrypt(&key).unwrap_err();
        assert!(
            matches!(error, Error::Crypto(CryptoError::DecryptionFailed)),
            "{short:?}: {error}"
        );
    }
}

fn base64_decoded_len(text: &str) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
        .len()
}

#[test]
fn redacting_debug_output_still_shows_what_is_safe_to_show() {
    let client = client(Backend::default());
    let nonce = Nonce::new("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap();
    let signature = client
        .credentials()
        .sign(
            &SigningInput {
                method: &Method::GET,
                path_and_query: "/v3/x",
                timestamp: NOW,
                nonce: &nonce,
                body: b"",
            },
            &mut rng(),
        )
        .unwrap();
    let debug = format!("{signature:?}");
    for shown in [
        MCHID,
        MERCHANT_SERIAL,
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "1700000000",
        "<redacted>",
    ] {
        assert!(debug.contains(shown), "{shown} missing from {debug}");
    }
    assert!(!debug.contains(signature.signature()), "{debug}");

    assert_eq!(
        format!("{nonce:?}"),
        "Nonce(\"5K8264ILTKCH16CQ2502SI8ZNMTM67VS\")"
    );
    assert_eq!(
        format!("{:?}", EncryptedField::new("c2VjcmV0")),
        "EncryptedField(8 base64 chars)"
    );

    let (_, resource) = aes_resource(b"{\"payer\":\"secret person\"}", "transaction");
    let debug = format!("{resource:?}");
    for shown in [
        "AEAD_AES_256_GCM",
        "transaction",
        "abcdefghijkl",
        "base64 chars",
    ] {
        assert!(debug.contains(shown), "{shown} missing from {debug}");
    }
    assert!(!debug.contains(&resource.ciphertext), "{debug}");

    let debug = format!("{client:?}");
    for shown in [
        MCHID,
        MERCHANT_SERIAL,
        PUBLIC_KEY_ID,
        "https://api.mch.weixin.qq.com",
        "<redacted>",
    ] {
        assert!(debug.contains(shown), "{shown} missing from {debug}");
    }
    assert!(
        !debug.contains("PRIVATE KEY") && !debug.contains("MII"),
        "{debug}"
    );
}

#[test]
fn a_verified_body_tells_its_bytes_status_and_request_id() {
    struct Capture;
    impl Operation for Capture {
        type Output = (Vec<u8>, StatusCode, Option<String>);
        fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
            Ok(RequestParts::new(Method::GET, "/v3/x"))
        }
        fn decode(&self, body: VerifiedBody<'_>) -> Result<Self::Output, Error> {
            Ok((
                body.bytes().to_vec(),
                body.status(),
                body.request_id().map(str::to_owned),
            ))
        }
    }
    let response = signed_response(Backend::default(), 202, b"{\"a\":1}");
    let (bytes, status, request_id) = client(Backend::default())
        .parse(&Capture, &response, NOW)
        .unwrap();
    assert_eq!(bytes, b"{\"a\":1}");
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(request_id.as_deref(), Some("08F4C1A2B30610A7051A0B"));
}

const BAG_ATTRIBUTES: &str = "Bag Attributes\n    localKeyID: 01 00 00 00 \n    friendlyName: Tenpay Certificate\nKey Attributes: <No Attributes>\n";

#[test]
fn keys_are_found_after_a_preamble_and_inside_bundles() {
    let exported = format!("{BAG_ATTRIBUTES}{MERCHANT_KEY}");
    let bundle_cert_first =
        format!("{BAG_ATTRIBUTES}{MERCHANT_CERT}\n{BAG_ATTRIBUTES}{MERCHANT_KEY}");
    let bundle_key_first = format!("{MERCHANT_KEY}{MERCHANT_CERT}");
    let crlf = MERCHANT_KEY.replace('\n', "\r\n");
    let reference = credentials(Backend::default());
    for pem in [
        &exported,
        &bundle_cert_first,
        &bundle_key_first,
        &crlf,
        &format!("\u{feff}{MERCHANT_KEY}"),
    ] {
        for backend in Backend::all() {
            let credentials =
                MerchantCredentials::with_backend(MCHID, MERCHANT_SERIAL, pem, *backend).unwrap();
            let nonce = Nonce::new("abc").unwrap();
            let input = SigningInput {
                method: &Method::GET,
                path_and_query: "/v3/x",
                timestamp: NOW,
                nonce: &nonce,
                body: b"",
            };
            assert_eq!(
                credentials.sign(&input, &mut rng()).unwrap().signature(),
                reference.sign(&input, &mut rng()).unwrap().signature()
            );
        }
    }
    let mut keys = PlatformKeys::new();
    keys.add_public_key(
        PUBLIC_KEY_ID,
        &format!("subject=CN = WeChat Pay\n{PLATFORM_PUB}\ntrailing text\n"),
    )
    .unwrap();
    keys.add_certificate(&format!(
        "{BAG_ATTRIBUTES}{PLATFORM_CERT_KEY}{PLATFORM_CERT}"
    ))
    .unwrap();
    assert_eq!(keys.len(), 2);
}

#[test]
fn a_text_without_the_wanted_block_still_says_what_it_holds_and_never_echoes_it() {
    let cases = [
        (MERCHANT_CERT.to_owned(), "certificate"),
        (format!("{BAG_ATTRIBUTES}{PLATFORM_PUB}"), "public key"),
        (
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ".to_owned(),
            "not a PEM file",
        ),
        (String::new(), "not a PEM file"),
    ];
    for (pem, says) in cases {
        let error = MerchantCredentials::new(MCHID, MERCHANT_SERIAL, &pem).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(says), "{message}");
        assert!(!message.contains("MII"), "{message}");
    }
}

#[test]
fn a_contract_not_yet_signed_decodes_without_signed_time() {
    let query = QueryContractByOutContractCode::new("C", "wx1").unwrap();
    let body = wechatpay_fixtures::pages::INDIVIDUAL_CONTRACT_UNAUTHORIZED.as_bytes();
    let contract = client(Backend::default())
        .parse(&query, &signed_response(Backend::default(), 200, body), NOW)
        .unwrap();
    assert_eq!(contract.auth_state, AuthState::Unauthorized);
    assert!(!contract.is_authorized());
    assert_eq!(contract.signed_time, None);
    assert_eq!(contract.signed_at(), None);
    assert_eq!(contract.individual_auth_id, None);
    assert_eq!(contract.individual_openid, None);
}

#[test]
fn a_just_submitted_applyment_decodes_with_only_its_ids_and_state() {
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").unwrap();
    let body = wechatpay_fixtures::pages::APPLYMENT_STATE_CHECKING.as_bytes();
    let applyment = client(Backend::default())
        .parse(&query, &signed_response(Backend::default(), 200, body), NOW)
        .unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Checking);
    assert_eq!(applyment.next_step(), NextStep::KeepPolling);
    assert_eq!(applyment.applyment_id, 2_000_002_124_775_691);
    assert_eq!(
        (
            applyment.sub_mchid,
            applyment.sign_url,
            applyment.sign_state
        ),
        (None, None, None)
    );
    assert!(applyment.audit_detail.is_empty() && applyment.account_validation.is_none());

    let without_description =
        br#"{"applyment_state":"AUDITING","out_request_no":"A","applyment_id":1}"#;
    let applyment = client(Backend::default())
        .parse(
            &query,
            &signed_response(Backend::default(), 200, without_description),
            NOW,
        )
        .unwrap();
    assert_eq!(applyment.applyment_state_desc, "");
}

#[test]
fn every_certificate_of_a_bundle_is_added_or_none_is() {
    let mut keys = PlatformKeys::new();
    let bundle = format!("{BAG_ATTRIBUTES}{PLATFORM_CERT}\nsubject=x\n{PLATFORM_CERT_EXPIRED}");
    let serials = keys.add_certificates(&bundle).unwrap();
    assert_eq!(serials, [CERT_SERIAL, EXPIRED_CERT_SERIAL]);
    assert_eq!(keys.len(), 2);

    let mut keys = PlatformKeys::new();
    let broken =
        format!("{PLATFORM_CERT}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert!(keys.add_certificates(&broken).is_err());
    assert!(
        keys.is_empty(),
        "nothing is added when one certificate is refused"
    );
    let error = keys.add_certificates(PLATFORM_PUB).unwrap_err();
    assert!(error.to_string().contains("public key"), "{error}");
}

#[test]
fn a_client_tells_its_platform_keys_and_clock_window() {
    let client = client(Backend::default());
    assert_eq!(client.platform_keys().len(), 2);
    assert!(client.platform_keys().get(PUBLIC_KEY_ID).is_some());
    assert_eq!(client.max_clock_skew(), 300);
    let strict = client.with_max_clock_skew(42);
    assert_eq!(strict.max_clock_skew(), 42);
    // The window is the one verification applies.
    let response = signed_response(Backend::default(), 200, b"{}");
    strict.verify(response.headers(), b"{}", NOW + 42).unwrap();
    let error = strict
        .verify(response.headers(), b"{}", NOW + 43)
        .unwrap_err();
    assert!(
        matches!(
            error.verification(),
            Some(VerificationError::ClockSkew { max_skew: 42, .. })
        ),
        "{error}"
    );
}

#[test]
fn merchant_ids_and_serials_take_their_full_documented_lengths_and_no_more() {
    let mchid = "1".repeat(32);
    let serial = "A".repeat(64);
    let credentials =
        MerchantCredentials::new(mchid.as_str(), serial.as_str(), MERCHANT_KEY).unwrap();
    assert_eq!(
        (
            credentials.mchid().as_str(),
            credentials.serial_no().as_str()
        ),
        (mchid.as_str(), serial.as_str())
    );
    let error =
        MerchantCredentials::new("1".repeat(33), MERCHANT_SERIAL, MERCHANT_KEY).unwrap_err();
    assert_eq!(invalid_field(error), "mchid");
    let error = MerchantCredentials::new(MCHID, "A".repeat(65), MERCHANT_KEY).unwrap_err();
    assert_eq!(invalid_field(error), "serial_no");
}

#[test]
fn a_refused_value_is_quoted_escaped_and_cut_in_the_message() {
    let message = MerchantCredentials::new("19000\r\n00001", MERCHANT_SERIAL, MERCHANT_KEY)
        .unwrap_err()
        .to_string();
    assert!(message.contains(r#""19000\r\n00001""#), "{message}");
    let long = "9".repeat(40) + "x" + &"9".repeat(200);
    let message = MerchantCredentials::new(long.as_str(), MERCHANT_SERIAL, MERCHANT_KEY)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!("{:?}...", &long[..64])),
        "{message}"
    );
    assert!(!message.contains(&long[..65]), "{message}");
}

#[test]
fn keys_remember_the_backend_they_were_parsed_for() {
    for backend in Backend::all() {
        assert_eq!(
            credentials(*backend).key().map(|k| k.backend()),
            Some(*backend)
        );
    }
}

#[test]
fn decode_and_verification_errors_carry_the_request_id_to_quote() {
    let error = decode_error(r#"{"no":"auth_state"}"#);
    assert_eq!(error.request_id(), Some("08F4C1A2B30610A7051A0B"));
    assert!(
        error
            .to_string()
            .ends_with("(Request-ID 08F4C1A2B30610A7051A0B)"),
        "{error}"
    );

    let mut forged = signed_response(Backend::default(), 200, b"{}");
    forged.body_mut().push(b' ');
    let query = QueryContractByOutContractCode::new("C", "wx1").unwrap();
    let error = client(Backend::default())
        .parse(&query, &forged, NOW)
        .unwrap_err();
    assert_eq!(error.request_id(), Some("08F4C1A2B30610A7051A0B"));
    assert!(
        error
            .to_string()
            .ends_with(" (Request-ID 08F4C1A2B30610A7051A0B)"),
        "{error}"
    );
}

#[test]
fn gateway_statuses_retry_whatever_their_body_says() {
    for status in [502, 503, 504] {
        let error = unsigned_error(status, br#"{"code":"UPSTREAM_DOWN","message":"x"}"#);
        assert!(error.is_retryable(), "{status}");
    }
    let error = unsigned_error(500, br#"{"code":"INVALID_REQUEST","message":"x"}"#);
    assert!(!error.is_retryable());
}

#[test]
fn the_servers_view_of_a_signature_is_found_up_to_three_levels_down_and_no_deeper() {
    let info = r#"{"sign_message_length":10}"#;
    let nested = |levels: usize| {
        let mut detail = format!(r#"{{"sign_information":{info}}}"#);
        for _ in 0..levels {
            detail = format!(r#"{{"inner":{detail}}}"#);
        }
        format!(r#"{{"code":"SIGN_ERROR","message":"m","detail":{detail}}}"#)
    };
    for levels in 0..=3 {
        let error = unsigned_error(401, nested(levels).as_bytes());
        let found = error.api().unwrap().sign_information();
        assert_eq!(
            found.map(ToString::to_string).as_deref(),
            Some(info),
            "{levels} levels"
        );
        assert!(
            error
                .to_string()
                .contains("server's view of the signed message"),
            "{error}"
        );
    }
    for levels in [4, 5, 300] {
        let error = unsigned_error(401, nested(levels).as_bytes());
        assert_eq!(
            error.api().unwrap().sign_information(),
            None,
            "{levels} levels"
        );
    }
}

#[test]
fn a_body_is_shown_only_when_it_carried_no_platform_error() {
    let coded = unsigned_error(400, br#"{"code":"PARAM_ERROR","message":"bad appid"}"#).to_string();
    assert!(
        coded.contains("PARAM_ERROR: bad appid") && !coded.contains("body:"),
        "{coded}"
    );
    let empty = unsigned_error(502, b"").to_string();
    assert!(!empty.contains("body:"), "{empty}");
    let page = unsigned_error(502, b"<html>Bad Gateway</html>").to_string();
    assert!(
        page.contains("body: \"<html>Bad Gateway</html>\""),
        "{page}"
    );
}

#[test]
fn a_prepared_request_carries_the_operations_body_and_serial() {
    struct Submit;
    impl Operation for Submit {
        type Output = ();
        fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
            let name = context.encrypt_to(CERT_SERIAL, "腾讯")?;
            RequestParts::json(Method::POST, "/v3/x", &serde_json::json!({"a": name}))
        }
        fn decode(&self, _: VerifiedBody<'_>) -> Result<(), Error> {
            Ok(())
        }
    }
    let request = prepare(&Submit).unwrap();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["a"].as_str().map(str::len), Some(344));
    // The key the field was encrypted to is named, not the preferred one.
    assert_eq!(request.headers()["Wechatpay-Serial"], CERT_SERIAL);
    assert_eq!(request.headers()["Content-Type"], "application/json");
    // Without an override, the preferred platform key is named.
    assert_eq!(
        prepare(&Custom("/v3/x")).unwrap().headers()["Wechatpay-Serial"],
        PUBLIC_KEY_ID
    );

    let client = client(Backend::default());
    let serials: Vec<&str> = client
        .platform_keys()
        .iter()
        .map(|key| key.serial())
        .collect();
    assert_eq!(serials, [PUBLIC_KEY_ID, CERT_SERIAL]);
}

#[test]
fn a_serial_where_a_public_key_id_belongs_is_called_a_serial() {
    let mut keys = PlatformKeys::new();
    let message = keys
        .add_public_key(CERT_SERIAL, PLATFORM_PUB)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("looks like a certificate serial"),
        "{message}"
    );
    for id in [
        "PUB_KEY_ID_x",
        "",
        &"A".repeat(65),
        "5157F09EFDC096DE15EBE81A47057A7232F1B8EZ",
    ] {
        let message = keys
            .add_public_key(id, PLATFORM_PUB)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("is not a WeChat Pay public key id"),
            "{id:?}: {message}"
        );
    }
}

#[test]
fn a_platform_signer_names_its_serial_and_hides_its_key() {
    let signer = platform_signer(Backend::default());
    assert_eq!(signer.serial(), PUBLIC_KEY_ID);
    let debug = format!("{signer:?}");
    assert!(
        debug.contains(PUBLIC_KEY_ID) && debug.contains("<redacted>"),
        "{debug}"
    );
    assert!(!debug.contains("MII"), "{debug}");
}

#[test]
fn the_longest_backoff_is_one_day() {
    assert_eq!(MAX_BACKOFF, Duration::from_secs(86_400));
}

fn pem(label: &str, der: &[u8]) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        base64_encode(der)
    )
}

#[test]
fn damaged_keys_are_named_as_damaged_rsa_keys() {
    const RSA_ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    // PKCS#8 around an RSAPrivateKey that holds only its version.
    let mut private = vec![0x30, 0x19, 0x02, 0x01, 0x00];
    private.extend(RSA_ALGORITHM);
    private.extend([0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00]);
    // SubjectPublicKeyInfo around an RSAPublicKey that holds only its modulus.
    let mut public = vec![0x30, 0x17];
    public.extend(RSA_ALGORITHM);
    public.extend([0x03, 0x06, 0x00, 0x30, 0x03, 0x02, 0x01, 0x05]);
    for backend in Backend::all() {
        let error = MerchantCredentials::with_backend(
            MCHID,
            MERCHANT_SERIAL,
            &pem("PRIVATE KEY", &private),
            *backend,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("does not contain a valid PKCS#8 private key"),
            "{error}"
        );
        let mut keys = PlatformKeys::with_backend(*backend);
        let error = keys
            .add_public_key(PUBLIC_KEY_ID, &pem("PUBLIC KEY", &public))
            .unwrap_err()
            .to_string();
        assert!(error.contains("the public key cannot be read"), "{error}");
    }
}

#[test]
fn untrusted_text_debugs_as_an_escaped_string() {
    assert_eq!(
        format!("{:?}", wechatpay_core::Untrusted("a\u{1b}[2J\n")),
        r#""a\u{1b}[2J\n""#
    );
}

#[test]
fn queries_give_back_their_parameters_unencoded() {
    let query = QueryApplymentByOutRequestNo::new("商户申请/2024 #1?").unwrap();
    assert_eq!(query.out_request_no(), "商户申请/2024 #1?");
    let query =
        QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787").unwrap();
    assert_eq!(
        (query.out_contract_code(), query.appid()),
        ("APPLYMENT_00000000001", "wxd678efh567h23787")
    );
}
