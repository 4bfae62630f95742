//! Platform certificates (certificate mode): the download, verified even the first time with
//! the certificate it carries; the public key mode answer; the refresh policy; and the refresh
//! an adapter drives from it, over a scripted transport.

mod common;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::time::Duration;

use common::*;
use http::{Request, Response};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::rand_core::CryptoRng;
use wechatpay_core::{
    AdapterSettings, ApiV3Key, Attempt, Backend, BlockingAdapter, BlockingTransport, Client,
    DownloadCertificates, DownloadSink, Error, Host, Nonce, PlatformKeyKind, PlatformKeys,
    RefreshPolicy, RefreshTrigger, RetryPolicy, VerificationError,
};

fn key() -> ApiV3Key {
    ApiV3Key::new(API_V3_KEY).unwrap()
}

/// The body of `GET /v3/certificates` listing `certificates` (serial, PEM), each sealed with
/// `api_v3_key` as the platform seals them.
fn listing(api_v3_key: &str, certificates: &[(&str, &str)]) -> Vec<u8> {
    let data: Vec<_> = certificates
        .iter()
        .map(|(serial, pem)| {
            serde_json::json!({
                "serial_no": serial,
                "effective_time": "2023-01-01T08:00:00+08:00",
                "expire_time": "2029-01-01T08:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": "61f9c719728a",
                    "associated_data": "certificate",
                    "ciphertext": seal(api_v3_key, b"61f9c719728a", "certificate", pem.as_bytes()),
                },
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "data": data })).unwrap()
}

/// An answer signed with the platform certificate at `NOW`, naming its serial.
fn signed_by_certificate(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    let mut response = unsigned_response(status, body);
    certificate_signer(Backend::default())
        .sign_response(
            &mut response,
            NOW,
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &mut rng(),
        )
        .unwrap();
    response
}

fn keyless() -> Client {
    Client::without_platform_keys(credentials(Backend::default()))
}

#[test]
fn a_keyless_client_asks_for_the_certificates_without_naming_a_platform_key() {
    let client = keyless();
    let mut rng = rng();
    let request = client
        .prepare(
            &DownloadCertificates::new(key()),
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(
        request.uri(),
        "https://api.mch.weixin.qq.com/v3/certificates"
    );
    assert!(request.headers().get("Wechatpay-Serial").is_none());
    assert!(request.headers()["Authorization"].is_sensitive());
    // Nothing can be encrypted to a key it does not hold.
    let error = client
        .prepare(
            &wechatpay_core::AnyEndpoint::new(
                http::Method::POST,
                wechatpay_core::PathBuilder::new("/v3/x").unwrap(),
            )
            .unwrap()
            .with_json(&serde_json::json!({"name": "x"}))
            .unwrap()
            .encrypt("/name")
            .unwrap(),
            Host::Primary,
            NOW,
            &Nonce::generate(&mut rng),
            &mut rng,
        )
        .unwrap_err();
    assert!(error.to_string().contains("no platform key"), "{error}");
}

#[test]
fn the_first_download_is_verified_with_the_certificate_it_carries() {
    let client = keyless();
    let download = DownloadCertificates::new(key());
    let response =
        signed_by_certificate(200, &listing(API_V3_KEY, &[(CERT_SERIAL, PLATFORM_CERT)]));
    assert!(download.carried_keys(&client, &response).is_some());

    let certificates = client
        .parse_certificates(&download, &response, NOW)
        .unwrap();
    assert_eq!(certificates.len(), 1);
    let certificate = &certificates[0];
    assert_eq!(certificate.serial(), CERT_SERIAL);
    assert_eq!(certificate.pem(), PLATFORM_CERT);
    assert_eq!(certificate.effective_time(), "2023-01-01T08:00:00+08:00");
    assert_eq!(certificate.not_before(), 1_672_531_200);
    assert_eq!(certificate.not_after(), 1_861_920_000);
    // Debug shows the serial and the times, not the PEM.
    assert!(!format!("{certificate:?}").contains("BEGIN CERTIFICATE"));

    // Nothing was added by parsing; adding them makes the client able to verify answers.
    assert!(client.platform_keys().is_empty());
    assert_eq!(
        client
            .platform_keys()
            .add_verified_certificates(&certificates)
            .unwrap(),
        1
    );
    assert_eq!(
        client
            .platform_keys()
            .add_verified_certificates(&certificates)
            .unwrap(),
        0,
        "a serial held is not added twice"
    );
    let key = client.platform_keys().get(CERT_SERIAL).unwrap();
    assert!(matches!(key.kind(), PlatformKeyKind::Certificate { .. }));
    assert_eq!(
        client.platform_keys().earliest_expiry(),
        Some(1_861_920_000)
    );
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let answer = signed_by_certificate(200, APPLYMENT_EXAMPLE.as_bytes());
    client.parse(&query, &answer, NOW).unwrap();
    // Once held, the certificate verifies the download as any answer: no carried keys.
    assert!(download.carried_keys(&client, &response).is_none());
    assert_eq!(
        client
            .parse_certificates(&download, &response, NOW)
            .unwrap(),
        certificates
    );
}

#[test]
fn a_first_download_that_does_not_hold_up_is_refused() {
    let client = keyless();
    let download = DownloadCertificates::new(key());
    let body = listing(API_V3_KEY, &[(CERT_SERIAL, PLATFORM_CERT)]);

    // Altered after signing: the carried certificate does not verify it.
    let mut altered = signed_by_certificate(200, &body);
    altered.body_mut().extend_from_slice(b" ");
    let error = client
        .parse_certificates(&download, &altered, NOW)
        .unwrap_err();
    assert!(
        matches!(
            error.verification(),
            Some(VerificationError::BadSignature { .. })
        ),
        "{error}"
    );

    // Certificates sealed with another APIv3 key: not the platform's answer to this merchant.
    let foreign = signed_by_certificate(
        200,
        &listing(
            "AnotherMerchant0ApiV3Key00000001",
            &[(CERT_SERIAL, PLATFORM_CERT)],
        ),
    );
    assert!(download.carried_keys(&client, &foreign).is_none());
    let error = client
        .parse_certificates(&download, &foreign, NOW)
        .unwrap_err();
    assert!(
        matches!(
            error.verification(),
            Some(VerificationError::UnknownSerial { .. })
        ),
        "{error}"
    );

    // Signed by a certificate it does not carry.
    let other = signed_by_certificate(
        200,
        &listing(API_V3_KEY, &[(EXPIRED_CERT_SERIAL, PLATFORM_CERT_EXPIRED)]),
    );
    assert!(download.carried_keys(&client, &other).is_none());
    assert!(client.parse_certificates(&download, &other, NOW).is_err());

    // Carried and named, but used outside its validity.
    let error = client
        .parse_certificates(&download, &signed_by_certificate(200, &body), 1_900_000_000)
        .unwrap_err();
    assert!(error.verification().is_some(), "{error}");

    // A certificate listed under another serial than its own.
    let mislabelled = signed_by_certificate(
        200,
        &listing(API_V3_KEY, &[(EXPIRED_CERT_SERIAL, PLATFORM_CERT)]),
    );
    let held = keyless();
    held.platform_keys()
        .add_verified_certificates(
            &client
                .parse_certificates(&download, &signed_by_certificate(200, &body), NOW)
                .unwrap(),
        )
        .unwrap();
    let error = held
        .parse_certificates(&download, &mislabelled, NOW)
        .unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error}");
    assert!(
        error.to_string().contains(EXPIRED_CERT_SERIAL)
            || format!("{error:?}").contains(EXPIRED_CERT_SERIAL)
    );
}

#[test]
fn public_key_mode_is_named_as_such() {
    let client = keyless();
    let download = DownloadCertificates::new(key());
    let not_found = unsigned_response(
        404,
        br#"{"code":"RESOURCE_NOT_EXISTS","message":"no certificate"}"#,
    );
    let error = client
        .parse_certificates(&download, &not_found, NOW)
        .unwrap_err();
    let Error::PublicKeyMode { status, request_id } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(status.as_u16(), 404);
    assert_eq!(request_id.as_deref(), Some("08F4C1A2B30610A7051A0C"));
    let message = error.to_string();
    assert!(
        message.contains("uses the WeChat Pay public key"),
        "{message}"
    );
    assert!(message.contains("PUB_KEY_ID_"), "{message}");
    assert_eq!(error.request_id(), Some("08F4C1A2B30610A7051A0C"));

    let system = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"busy"}"#);
    let error = client
        .parse_certificates(&download, &system, NOW)
        .unwrap_err();
    assert!(matches!(error, Error::PublicKeyMode { .. }), "{error:?}");
    assert!(error.to_string().contains("if this one does"), "{error}");

    // Any other refusal stays what it is.
    let other = unsigned_response(401, br#"{"code":"SIGN_ERROR","message":"bad"}"#);
    let error = client
        .parse_certificates(&download, &other, NOW)
        .unwrap_err();
    assert!(matches!(error, Error::Api(_)), "{error:?}");
}

#[test]
fn the_refresh_policy_is_a_function_of_the_time_it_is_given() {
    let policy = RefreshPolicy::default()
        .with_interval(3600)
        .with_min_gap(60);
    let t = 1_700_000_000;
    let far = Some(t + 30 * 86_400);
    use RefreshTrigger::{Scheduled, UnknownSerial};
    // (trigger, now, last attempt, earliest expiry, due)
    let table = [
        (Scheduled, t, None, None, true),
        (UnknownSerial, t, None, None, true),
        (Scheduled, t + 10, Some(t), far, false),
        (Scheduled, t + 3599, Some(t), far, false),
        (Scheduled, t + 3600, Some(t), far, true),
        // Expiring within a day: again, but not more often than the minimum gap.
        (Scheduled, t + 10, Some(t), Some(t + 3600), false),
        (Scheduled, t + 60, Some(t), Some(t + 3600), true),
        (Scheduled, t + 60, Some(t), Some(t - 1), true),
        // An unknown serial: at once, then at most once per gap.
        (UnknownSerial, t + 59, Some(t), far, false),
        (UnknownSerial, t + 60, Some(t), far, true),
        // A clock that went back never makes a refresh due by the gap.
        (UnknownSerial, t - 100, Some(t), far, false),
    ];
    for (trigger, now, last, expiry, due) in table {
        assert_eq!(
            policy.is_due(trigger, now, last, expiry),
            due,
            "{trigger:?} at {now} after {last:?}, expiry {expiry:?}"
        );
    }
    // A zero gap still never asks twice in the same second: no loop.
    let eager = RefreshPolicy::default().with_min_gap(0);
    assert!(!eager.is_due(UnknownSerial, t, Some(t), far));
}

#[test]
fn keys_added_through_a_shared_reference_are_seen_by_every_holder() {
    let keys = PlatformKeys::new();
    let client = keyless();
    let certificates = client
        .parse_certificates(
            &DownloadCertificates::new(key()),
            &signed_by_certificate(200, &listing(API_V3_KEY, &[(CERT_SERIAL, PLATFORM_CERT)])),
            NOW,
        )
        .unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| keys.add_verified_certificates(&certificates).unwrap());
        }
    });
    // Racing adders may each push a copy; lookups see one key.
    assert!(keys.get(CERT_SERIAL).is_some());
    assert_eq!(
        keys.serials().iter().filter(|s| *s == CERT_SERIAL).count(),
        keys.len()
    );
}

/// What the scripted platform answers, signed when asked, at its clock.
enum Answer {
    /// Signed with the platform certificate.
    ByCertificate(Vec<u8>),
    /// Signed with the certificate a rotation brings in.
    ByNextCertificate(Vec<u8>),
    /// Signed with the platform public key (a key a certificate-mode client does not hold).
    ByPublicKey(Vec<u8>),
    Unsigned(u16, Vec<u8>),
}

/// Answers in order and records the paths asked; the clock is settable.
#[derive(Default)]
struct Platform {
    answers: RefCell<VecDeque<Answer>>,
    paths: RefCell<Vec<String>>,
    now: std::cell::Cell<u64>,
}

impl Platform {
    fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.answers.borrow_mut().extend(answers);
    }

    fn downloads(&self) -> usize {
        self.paths
            .borrow()
            .iter()
            .filter(|p| *p == "/v3/certificates")
            .count()
    }
}

impl BlockingTransport for &Platform {
    const PRODUCT: &'static str = "scripted/1";
    type Sink = dyn Write;

    fn exchange(&self, request: Request<Vec<u8>>, _: &AdapterSettings) -> Attempt {
        self.paths
            .borrow_mut()
            .push(request.uri().path().to_owned());
        let answer = self.answers.borrow_mut().pop_front();
        let (signer, mut response) = match answer.expect("an answer for every request") {
            Answer::ByCertificate(body) => (
                Some(certificate_signer(Backend::default())),
                unsigned_response(200, &body),
            ),
            Answer::ByNextCertificate(body) => (
                Some(next_certificate_signer()),
                unsigned_response(200, &body),
            ),
            Answer::ByPublicKey(body) => (
                Some(platform_signer(Backend::default())),
                unsigned_response(200, &body),
            ),
            Answer::Unsigned(status, body) => (None, unsigned_response(status, &body)),
        };
        if let Some(signer) = signer {
            signer
                .sign_response(
                    &mut response,
                    self.now.get(),
                    "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                    &mut rng(),
                )
                .unwrap();
        }
        Ok(response)
    }

    fn download(&self, _: Request<Vec<u8>>, _: DownloadSink<'_, Self::Sink>) -> Attempt {
        unreachable!("no file is downloaded here")
    }

    fn sleep(&self, _: Duration) {}

    fn now(&self) -> u64 {
        self.now.get()
    }

    fn rng(&self) -> impl CryptoRng {
        rng()
    }
}

fn refreshing(platform: &Platform) -> BlockingAdapter<&Platform> {
    platform.now.set(NOW);
    BlockingAdapter::with_transport(keyless(), platform)
        .unwrap()
        .with_settings(
            AdapterSettings::default()
                .with_retry_policy(RetryPolicy::default().with_max_attempts(1)),
        )
        .with_certificate_refresh(
            key(),
            RefreshPolicy::default()
                .with_interval(3600)
                .with_min_gap(300),
        )
}

fn certificates() -> Answer {
    Answer::ByCertificate(listing(API_V3_KEY, &[(CERT_SERIAL, PLATFORM_CERT)]))
}

fn applyment() -> Answer {
    Answer::ByCertificate(APPLYMENT_EXAMPLE.as_bytes().to_vec())
}

#[test]
fn an_adapter_downloads_the_certificates_before_its_first_call_and_on_schedule() {
    let platform = Platform::default();
    let adapter = refreshing(&platform);
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();

    platform.answer([certificates(), applyment()]);
    adapter.execute(&query).unwrap();
    assert_eq!(
        *platform.paths.borrow(),
        [
            "/v3/certificates",
            "/v3/ecommerce/applyments/out-request-no/A"
        ]
    );
    assert!(adapter.core().platform_keys().get(CERT_SERIAL).is_some());

    // Within the interval: no download.
    platform.now.set(NOW + 600);
    platform.answer([applyment()]);
    adapter.execute(&query).unwrap();
    assert_eq!(platform.paths.borrow().len(), 3);

    // Past it: one download first.
    platform.now.set(NOW + 3600);
    platform.answer([certificates(), applyment()]);
    adapter.execute(&query).unwrap();
    assert_eq!(
        platform.paths.borrow()[3..],
        [
            "/v3/certificates",
            "/v3/ecommerce/applyments/out-request-no/A"
        ]
    );
    assert_eq!(adapter.core().platform_keys().len(), 1);
}

#[test]
fn an_unknown_serial_asks_for_one_refresh_per_gap_and_nothing_is_sent_twice() {
    let platform = Platform::default();
    let adapter = refreshing(&platform);
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    platform.answer([certificates()]);
    adapter.download_certificates(&key()).unwrap();
    assert_eq!(platform.downloads(), 1);

    // An answer signed by a key the client does not hold (here the public key): one refresh,
    // then the same answer checked again, and refused: the refresh did not list it.
    platform.now.set(NOW + 300);
    let stranger = || Answer::ByPublicKey(APPLYMENT_EXAMPLE.as_bytes().to_vec());
    platform.answer([stranger(), certificates()]);
    let error = adapter.execute(&query).unwrap_err();
    assert!(
        matches!(
            error.core().and_then(Error::verification),
            Some(VerificationError::UnknownSerial { .. })
        ),
        "{error}"
    );
    assert_eq!(
        platform.paths.borrow()[1..],
        [
            "/v3/ecommerce/applyments/out-request-no/A",
            "/v3/certificates"
        ]
    );

    // Again within the gap: no download, however many such answers come.
    for _ in 0..3 {
        platform.answer([stranger()]);
        assert!(adapter.execute(&query).is_err());
    }
    assert_eq!(platform.downloads(), 2);
    assert_eq!(platform.paths.borrow().len(), 6);
}

#[test]
fn an_adapter_in_public_key_mode_says_so() {
    let platform = Platform::default();
    let adapter = refreshing(&platform);
    platform.answer([Answer::Unsigned(
        404,
        br#"{"code":"RESOURCE_NOT_EXISTS","message":"no certificate"}"#.to_vec(),
    )]);
    let error = adapter
        .execute(&QueryApplymentByOutRequestNo::new("A").unwrap())
        .unwrap_err();
    assert!(
        matches!(error.core(), Some(Error::PublicKeyMode { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("public key"), "{error}");
    assert_eq!(*platform.paths.borrow(), ["/v3/certificates"]);
}

/// During a rotation (2026, when both certificates are valid).
const ROTATION: u64 = 1_780_000_000;

fn next_certificate_signer() -> wechatpay_core::PlatformSigner {
    wechatpay_core::PlatformSigner::new(
        NEXT_CERT_SERIAL,
        PLATFORM_CERT_NEXT_KEY,
        Backend::default(),
    )
    .unwrap()
}

fn both_certificates() -> Vec<u8> {
    listing(
        API_V3_KEY,
        &[
            (CERT_SERIAL, PLATFORM_CERT),
            (NEXT_CERT_SERIAL, PLATFORM_CERT_NEXT),
        ],
    )
}

#[test]
fn an_answer_signed_by_a_rotated_certificate_is_verified_after_one_refresh() {
    let platform = Platform::default();
    let adapter = refreshing(&platform);
    platform.now.set(ROTATION);
    platform.answer([certificates()]);
    adapter.download_certificates(&key()).unwrap();

    // The old certificate retired: the answer, and the listing, are signed by the new one,
    // which the client does not hold. The listing verifies itself with the certificate it
    // carries; the answer is then checked again, and the query is not sent twice.
    platform.now.set(ROTATION + 600);
    platform.answer([
        Answer::ByNextCertificate(APPLYMENT_EXAMPLE.as_bytes().to_vec()),
        Answer::ByNextCertificate(listing(
            API_V3_KEY,
            &[(NEXT_CERT_SERIAL, PLATFORM_CERT_NEXT)],
        )),
    ]);
    adapter
        .execute(&QueryApplymentByOutRequestNo::new("A").unwrap())
        .unwrap();
    assert_eq!(
        platform.paths.borrow()[1..],
        [
            "/v3/ecommerce/applyments/out-request-no/A",
            "/v3/certificates"
        ]
    );
    let keys = adapter.core().platform_keys();
    assert_eq!(keys.serials(), [CERT_SERIAL, NEXT_CERT_SERIAL]);
}

#[test]
fn a_callback_signed_by_a_rotated_certificate_is_verified_after_one_refresh() {
    let platform = Platform::default();
    let adapter = refreshing(&platform);
    platform.now.set(ROTATION);
    platform.answer([certificates()]);
    adapter.download_certificates(&key()).unwrap();

    let body = vectors::callback_body("applyment_state_change");
    let mut callback = unsigned_response(200, &body);
    next_certificate_signer()
        .sign_response(
            &mut callback,
            ROTATION + 600,
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &mut rng(),
        )
        .unwrap();
    platform.now.set(ROTATION + 600);
    // The listing is signed by the certificate the client holds: verified as any answer.
    platform.answer([Answer::ByCertificate(both_certificates())]);
    let notification = adapter
        .parse_notification(callback.headers(), &body)
        .unwrap();
    assert!(!notification.id.is_empty());
    assert_eq!(platform.downloads(), 2);

    // A second callback by a serial nobody lists, within the gap: no download.
    let mut stranger = unsigned_response(200, &body);
    platform_signer(Backend::default())
        .sign_response(
            &mut stranger,
            ROTATION + 600,
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            &mut rng(),
        )
        .unwrap();
    let error = adapter
        .parse_notification(stranger.headers(), &body)
        .unwrap_err();
    assert!(
        matches!(
            error.core().and_then(Error::verification),
            Some(VerificationError::UnknownSerial { .. })
        ),
        "{error}"
    );
    assert_eq!(platform.downloads(), 2);
}

#[test]
fn requests_name_the_newest_certificate_valid_when_they_are_made() {
    let client = keyless();
    client
        .platform_keys()
        .add_verified_certificates(
            &client
                .parse_certificates(
                    &DownloadCertificates::new(key()),
                    &signed_by_certificate(200, &both_certificates()),
                    NOW,
                )
                .unwrap(),
        )
        .unwrap();
    let keys = client.platform_keys();
    // The next certificate is downloaded in 2023 but valid from 2026 only.
    assert_eq!(keys.preferred_at(NOW).unwrap().serial(), CERT_SERIAL);
    assert_eq!(
        keys.preferred_at(ROTATION).unwrap().serial(),
        NEXT_CERT_SERIAL
    );
    // Past every validity: still a key to name, the newest.
    assert_eq!(
        keys.preferred_at(2_000_000_000).unwrap().serial(),
        NEXT_CERT_SERIAL
    );
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    for (at, serial) in [(NOW, CERT_SERIAL), (ROTATION, NEXT_CERT_SERIAL)] {
        let mut rng = rng();
        let request = client
            .prepare(
                &query,
                Host::Primary,
                at,
                &Nonce::generate(&mut rng),
                &mut rng,
            )
            .unwrap();
        assert_eq!(request.headers()["Wechatpay-Serial"], serial);
    }
}
