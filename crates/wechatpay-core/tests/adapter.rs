//! The loop every adapter runs (`Adapter`, `BlockingAdapter`), over a scripted transport: what
//! is retried and where, what is final, and downloads that are trusted only through their
//! digest and retried only while nothing reached the sink.

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
    AdapterError, AdapterSettings, Attempt, AttemptFailure, Backend, BlockingAdapter,
    BlockingTransport, DownloadSink, DownloadTicket, Error, RetryPolicy, TransportCause,
    TransportFailure, VerificationError,
};

/// One scripted step: an answer, or a failure below HTTP.
enum Scripted {
    Answer(Response<Vec<u8>>),
    /// A download answer whose body is streamed: these bytes, then this ending.
    Stream(Vec<u8>, Option<AttemptFailure>),
    Fail(AttemptFailure),
}

/// Plays the script, and records what was asked of it.
#[derive(Default)]
struct Script {
    steps: RefCell<VecDeque<Scripted>>,
    hosts: RefCell<Vec<String>>,
    slept: RefCell<Vec<Duration>>,
}

impl Script {
    fn new(steps: impl IntoIterator<Item = Scripted>) -> Self {
        Script {
            steps: RefCell::new(steps.into_iter().collect()),
            ..Script::default()
        }
    }

    fn next(&self, request: &Request<Vec<u8>>) -> Scripted {
        let uri = request.uri();
        self.hosts
            .borrow_mut()
            .push(format!("{}", uri.authority().unwrap()));
        self.steps
            .borrow_mut()
            .pop_front()
            .expect("the script has a step for every attempt")
    }
}

impl BlockingTransport for &Script {
    const PRODUCT: &'static str = "scripted/1";
    type Sink = dyn Write;

    fn exchange(&self, request: Request<Vec<u8>>, _: &AdapterSettings) -> Attempt {
        match self.next(&request) {
            Scripted::Answer(response) => Ok(response),
            Scripted::Fail(failure) => Err(failure),
            Scripted::Stream(..) => panic!("a stream answers downloads only"),
        }
    }

    fn download(&self, request: Request<Vec<u8>>, mut to: DownloadSink<'_, Self::Sink>) -> Attempt {
        match self.next(&request) {
            Scripted::Answer(response) => Ok(response),
            Scripted::Fail(failure) => Err(failure),
            Scripted::Stream(bytes, ending) => {
                for piece in bytes.chunks(7) {
                    to.admit(piece.len())?;
                    let mut rest = piece;
                    while !rest.is_empty() {
                        let (sink, text) = to.decode(&mut rest)?;
                        let written = sink.write_all(text);
                        written.map_err(|e| to.failed(e))?;
                    }
                }
                if let Some(failure) = ending {
                    return Err(failure);
                }
                loop {
                    let (sink, text) = to.end()?;
                    if text.is_empty() {
                        break;
                    }
                    let written = sink.write_all(text);
                    written.map_err(|e| to.failed(e))?;
                }
                Ok(Response::new(Vec::new()))
            }
        }
    }

    fn sleep(&self, wait: Duration) {
        self.slept.borrow_mut().push(wait);
    }

    fn now(&self) -> u64 {
        NOW
    }

    fn rng(&self) -> impl CryptoRng {
        rng()
    }
}

fn adapter(script: &Script, settings: AdapterSettings) -> BlockingAdapter<&Script> {
    let core = client(Backend::default())
        .with_base_url("https://primary.example")
        .unwrap()
        .with_backup_url(Some("https://backup.example"))
        .unwrap();
    BlockingAdapter::with_transport(core, script)
        .unwrap()
        .with_settings(settings)
}

fn fast() -> AdapterSettings {
    AdapterSettings::default().with_retry_policy(
        RetryPolicy::default().with_delays(Duration::from_millis(1), Duration::from_millis(2)),
    )
}

fn refused() -> AttemptFailure {
    AttemptFailure::Transport {
        kind: TransportFailure::Connect,
        cause: TransportCause::Refused,
        source: Box::new(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        )),
    }
}

const APPLYMENT: &str = r#"{"applyment_state":"FINISH","applyment_state_desc":"完成","out_request_no":"A","applyment_id":1,"sub_mchid":"1542488631"}"#;

fn query() -> QueryApplymentByOutRequestNo {
    QueryApplymentByOutRequestNo::new("A").unwrap()
}

#[test]
fn the_adapter_names_itself_and_uses_its_settings() {
    let script = Script::new([]);
    let settings = fast().with_timeout(Duration::from_secs(3));
    let adapter = adapter(&script, settings);
    assert!(
        adapter
            .core()
            .user_agent()
            .starts_with("scripted/1 wechatpay-core/")
    );
    assert_eq!(adapter.settings(), &settings);
}

#[test]
fn transport_failures_fail_over_and_platform_errors_stay() {
    let system_error = signed_response(
        Backend::default(),
        500,
        br#"{"code":"SYSTEM_ERROR","message":"retry"}"#,
    );
    let script = Script::new([
        Scripted::Fail(refused()),
        Scripted::Answer(system_error),
        Scripted::Answer(signed_response(
            Backend::default(),
            200,
            APPLYMENT.as_bytes(),
        )),
    ]);
    let adapter = adapter(&script, fast());
    let applyment = adapter.execute(&query()).unwrap();
    assert_eq!(applyment.sub_mchid.as_deref(), Some("1542488631"));
    // Refused on the primary: the backup; SYSTEM_ERROR there: the same host again.
    assert_eq!(
        *script.hosts.borrow(),
        ["primary.example", "backup.example", "backup.example"]
    );
    assert_eq!(script.slept.borrow().len(), 2);
}

#[test]
fn final_failures_are_not_retried() {
    for failure in [
        AttemptFailure::BodyTooLarge { limit: 10 },
        AttemptFailure::Unsupported {
            reason: "no fetch".into(),
        },
    ] {
        let script = Script::new([Scripted::Fail(failure)]);
        let error = adapter(&script, fast()).execute(&query()).unwrap_err();
        assert!(
            matches!(
                error,
                AdapterError::BodyTooLarge { .. } | AdapterError::Unsupported { .. }
            ),
            "{error}"
        );
        assert_eq!(script.hosts.borrow().len(), 1);
    }
    // A tampered answer: a verification error, once.
    let mut tampered = signed_response(Backend::default(), 200, APPLYMENT.as_bytes());
    tampered.body_mut().push(b' ');
    let script = Script::new([Scripted::Answer(tampered)]);
    let error = adapter(&script, fast()).execute(&query()).unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Verification {
            kind: VerificationError::BadSignature { .. },
            ..
        })
    ));
    // Retries exhausted: the last failure, with the host and the count.
    let script = Script::new([
        Scripted::Fail(refused()),
        Scripted::Fail(refused()),
        Scripted::Fail(refused()),
    ]);
    let error = adapter(&script, fast()).execute(&query()).unwrap_err();
    assert_eq!(error.host(), Some("https://primary.example"));
    assert!(
        error.to_string().contains("gave up after 3 attempts"),
        "{error}"
    );
}

const BILL: &[u8] =
    b"`2024-01-01 10:00:00,`wx0000,`1900000001\n`2024-01-01 10:00:01,`wx0001,`1900000001\n";

fn ticket(content: &[u8]) -> DownloadTicket {
    use sha1::Digest;
    let digest: String = sha1::Sha1::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    DownloadTicket::new(
        "SHA1",
        &digest,
        "https://primary.example/v3/billdownload/file?token=T",
    )
    .unwrap()
}

#[test]
fn a_download_streams_to_the_sink_and_is_checked_by_its_digest() {
    let script = Script::new([Scripted::Stream(BILL.to_vec(), None)]);
    let mut sink = Vec::new();
    let length = adapter(&script, fast())
        .download(&ticket(BILL), &mut sink)
        .unwrap();
    assert_eq!(length, BILL.len() as u64);
    assert_eq!(sink, BILL);

    // Altered on the way: the digests are named, and the error is final.
    let mut altered = BILL.to_vec();
    altered[3] ^= 1;
    let script = Script::new([Scripted::Stream(altered, None)]);
    let error = adapter(&script, fast())
        .download(&ticket(BILL), &mut Vec::new())
        .unwrap_err();
    match error.core() {
        Some(Error::Verification {
            kind: VerificationError::DigestMismatch { expected, .. },
            ..
        }) => assert_eq!(*expected, ticket(BILL).digest_hex()),
        other => panic!("{other:?}"),
    }
    assert_eq!(script.hosts.borrow().len(), 1);
}

#[test]
fn a_download_is_retried_only_while_nothing_reached_the_sink() {
    // Refused before a byte: retried, on the ticket's own host (no failover).
    let script = Script::new([
        Scripted::Fail(refused()),
        Scripted::Stream(BILL.to_vec(), None),
    ]);
    let mut sink = Vec::new();
    adapter(&script, fast())
        .download(&ticket(BILL), &mut sink)
        .unwrap();
    assert_eq!(
        *script.hosts.borrow(),
        ["primary.example", "primary.example"]
    );
    assert_eq!(sink, BILL);

    // Broken after some bytes: final, whatever the policy allows.
    let script = Script::new([Scripted::Stream(
        BILL[..20].to_vec(),
        Some(AttemptFailure::Timeout {
            timeout: Duration::from_secs(1),
        }),
    )]);
    let error = adapter(&script, fast())
        .download(&ticket(BILL), &mut Vec::new())
        .unwrap_err();
    assert!(
        matches!(error, AdapterError::Timeout { attempts: 1, .. }),
        "{error}"
    );

    // Past the download limit: refused while streaming.
    let script = Script::new([Scripted::Stream(BILL.to_vec(), None)]);
    let error = adapter(&script, fast().with_download_limit(10))
        .download(&ticket(BILL), &mut Vec::new())
        .unwrap_err();
    assert!(
        matches!(error, AdapterError::BodyTooLarge { limit: 10 }),
        "{error}"
    );

    // An error answer (signed) is the API error.
    let script = Script::new([Scripted::Answer(signed_response(
        Backend::default(),
        400,
        br#"{"code":"PARAM_ERROR","message":"token expired"}"#,
    ))]);
    let error = adapter(&script, fast())
        .download(&ticket(BILL), &mut Vec::new())
        .unwrap_err();
    let api = error.core().and_then(Error::api).expect("an API error");
    assert_eq!(api.code.as_deref(), Some("PARAM_ERROR"));
}

#[test]
fn a_sink_that_refuses_a_write_ends_the_download() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let script = Script::new([Scripted::Stream(BILL.to_vec(), None)]);
    let error = adapter(&script, fast())
        .download(&ticket(BILL), &mut Full)
        .unwrap_err();
    assert!(matches!(error.core(), Some(Error::Io(_))), "{error}");
    assert!(error.to_string().contains("disk full"), "{error}");
}

#[test]
fn a_ticket_for_another_host_is_refused_before_anything_is_sent() {
    let script = Script::new([]);
    let elsewhere = DownloadTicket::new(
        "SHA1",
        &ticket(BILL).digest_hex(),
        "https://evil.example/v3/billdownload/file?token=T",
    )
    .unwrap();
    let error = adapter(&script, fast())
        .download(&elsewhere, &mut Vec::new())
        .unwrap_err();
    assert!(
        matches!(error.core(), Some(Error::InvalidInput { field, .. }) if field == "download_url"),
        "{error}"
    );
    assert!(script.hosts.borrow().is_empty());
}

/// A transport with crypto of its own, as a runtime's WebCrypto would be: it signs with a
/// merchant key the client does not hold, verifies with the `rsa` crate from the key's SPKI,
/// and counts what it was asked.
struct OwnCrypto<'s> {
    script: &'s Script,
    key: wechatpay_core::MerchantKey,
    /// The verdict to give, `None` to compute it.
    verdict: Option<bool>,
    /// Fail signing with this.
    refuse_signing: bool,
    signed: RefCell<Vec<Vec<u8>>>,
    verified: RefCell<u32>,
}

impl wechatpay_core::Transport for &OwnCrypto<'_> {
    const PRODUCT: &'static str = "own-crypto/1";
    type Sink = dyn Write;

    async fn exchange(&self, request: Request<Vec<u8>>, settings: &AdapterSettings) -> Attempt {
        self.script.exchange(request, settings)
    }

    async fn download(
        &self,
        request: Request<Vec<u8>>,
        to: DownloadSink<'_, Self::Sink>,
    ) -> Attempt {
        self.script.download(request, to)
    }

    async fn sleep(&self, wait: Duration) -> Result<(), AdapterError> {
        BlockingTransport::sleep(&self.script, wait);
        Ok(())
    }

    fn now(&self) -> u64 {
        NOW
    }

    fn rng(&self) -> impl CryptoRng {
        rng()
    }

    async fn sign(&self, message: &[u8]) -> Option<Result<Vec<u8>, wechatpay_core::CryptoError>> {
        use wechatpay_core::SigningKey;
        self.signed.borrow_mut().push(message.to_vec());
        if self.refuse_signing {
            return Some(Err(wechatpay_core::CryptoError::Rsa(
                "the key service is unavailable".into(),
            )));
        }
        Some(self.key.sign(message, &mut rng()))
    }

    async fn verify(&self, check: &wechatpay_core::SignatureCheck<'_, '_>) -> Option<bool> {
        use rsa::pkcs8::DecodePublicKey;
        use rsa::signature::Verifier;
        *self.verified.borrow_mut() += 1;
        if let Some(verdict) = self.verdict {
            return Some(verdict);
        }
        let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::from_public_key_der(
            check.key().spki_der(),
        )
        .ok()?;
        let signature = rsa::pkcs1v15::Signature::try_from(check.signature()).ok()?;
        Some(key.verify(&check.message(), &signature).is_ok())
    }
}

fn own_crypto(script: &Script) -> OwnCrypto<'_> {
    OwnCrypto {
        script,
        key: wechatpay_core::MerchantKey::from_pem(MERCHANT_KEY).unwrap(),
        verdict: None,
        refuse_signing: false,
        signed: RefCell::default(),
        verified: RefCell::default(),
    }
}

/// A client that holds no merchant key: only the transport can sign.
fn keyless() -> wechatpay_core::Client {
    let credentials = wechatpay_core::MerchantCredentials::signed_elsewhere(
        MCHID.parse().unwrap(),
        MERCHANT_SERIAL.parse().unwrap(),
    );
    wechatpay_core::Client::new(credentials, platform_keys(Backend::default()))
        .unwrap()
        .with_base_url("https://primary.example")
        .unwrap()
}

#[test]
fn a_transport_with_its_own_crypto_signs_and_verifies_every_attempt() {
    let script = Script::new([
        Scripted::Answer(signed_response(
            Backend::default(),
            500,
            br#"{"code":"SYSTEM_ERROR","message":"retry"}"#,
        )),
        Scripted::Answer(signed_response(
            Backend::default(),
            200,
            APPLYMENT.as_bytes(),
        )),
    ]);
    let transport = own_crypto(&script);
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport)
        .unwrap()
        .with_settings(fast());
    let applyment = futures::executor::block_on(adapter.execute(&query())).unwrap();
    assert_eq!(applyment.sub_mchid.as_deref(), Some("1542488631"));
    // Each attempt signed by the transport (a fresh nonce each), each answer verified by it.
    let signed = transport.signed.borrow();
    assert_eq!(signed.len(), 2);
    assert_ne!(signed[0], signed[1]);
    assert!(signed[0].starts_with(b"GET\n/v3/ecommerce/applyments/out-request-no/A\n"));
    assert_eq!(*transport.verified.borrow(), 2);
}

#[test]
fn the_transport_verdict_is_final_and_its_signing_errors_are_reported() {
    // A verdict of "invalid" is a bad signature, not retried.
    let script = Script::new([Scripted::Answer(signed_response(
        Backend::default(),
        200,
        APPLYMENT.as_bytes(),
    ))]);
    let transport = OwnCrypto {
        verdict: Some(false),
        ..own_crypto(&script)
    };
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport)
        .unwrap()
        .with_settings(fast());
    let error = futures::executor::block_on(adapter.execute(&query())).unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Verification {
            kind: VerificationError::BadSignature { .. },
            ..
        })
    ));
    assert_eq!(script.hosts.borrow().len(), 1);

    // A key service that fails: a signing error, and nothing sent.
    let script = Script::new([]);
    let transport = OwnCrypto {
        refuse_signing: true,
        ..own_crypto(&script)
    };
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let error = futures::executor::block_on(adapter.execute(&query())).unwrap_err();
    assert!(matches!(error.core(), Some(Error::Signing(_))), "{error}");
    assert!(
        error.to_string().contains("key service is unavailable"),
        "{error}"
    );
    assert!(script.hosts.borrow().is_empty());

    // The probe is refused before the transport is asked anything.
    let mut probe = signed_response(Backend::default(), 200, APPLYMENT.as_bytes());
    probe.headers_mut().insert(
        "Wechatpay-Signature",
        "WECHATPAY/SIGNTEST/AAAA".parse().unwrap(),
    );
    let script = Script::new([Scripted::Answer(probe)]);
    let transport = own_crypto(&script);
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let error = futures::executor::block_on(adapter.execute(&query())).unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Verification {
            kind: VerificationError::SignatureProbe,
            ..
        })
    ));
    assert_eq!(*transport.verified.borrow(), 0);
}

#[test]
fn a_download_is_signed_by_the_transport_when_it_has_its_own_crypto() {
    // The client holds no key: the download can only be signed where every other call is.
    let script = Script::new([
        Scripted::Fail(refused()),
        Scripted::Stream(BILL.to_vec(), None),
    ]);
    let transport = own_crypto(&script);
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport)
        .unwrap()
        .with_settings(fast());
    let mut sink: Vec<u8> = Vec::new();
    let length = futures::executor::block_on(adapter.download(&ticket(BILL), &mut sink)).unwrap();
    assert_eq!(length, BILL.len() as u64);
    assert_eq!(sink, BILL);
    // Each attempt signed by the transport, the query (with its token) in the signed line.
    let signed = transport.signed.borrow();
    assert_eq!(signed.len(), 2);
    assert_ne!(signed[0], signed[1]);
    assert!(signed[0].starts_with(b"GET\n/v3/billdownload/file?token=T\n"));
    assert!(signed[0].ends_with(b"\n\n"), "an empty body line");
    // The answer of a download is not signed: nothing was verified.
    assert_eq!(*transport.verified.borrow(), 0);

    // A key service that fails: a signing error, and nothing sent.
    let script = Script::new([]);
    let transport = OwnCrypto {
        refuse_signing: true,
        ..own_crypto(&script)
    };
    let adapter = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let error =
        futures::executor::block_on(adapter.download(&ticket(BILL), &mut Vec::new())).unwrap_err();
    assert!(matches!(error.core(), Some(Error::Signing(_))), "{error}");
    assert!(script.hosts.borrow().is_empty());
}

/// A callback body as the platform posts it (the vector's), signed now by the platform key.
fn callback() -> (http::HeaderMap, Vec<u8>) {
    let body = vectors::callback_body("applyment_state_change");
    let headers = signed_response(Backend::default(), 200, &body)
        .headers()
        .clone();
    (headers, body)
}

#[test]
fn a_callback_is_verified_by_the_transport_and_at_its_time() {
    let (headers, body) = callback();
    let script = Script::new([]);
    let transport = own_crypto(&script);
    let own = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let notification =
        futures::executor::block_on(own.parse_notification(&headers, &body)).unwrap();
    assert_eq!(notification.event_type, "APPLYMENT_STATE_CHANGE");
    assert_eq!(*transport.verified.borrow(), 1);

    // The transport's verdict is final, as for answers.
    let transport = OwnCrypto {
        verdict: Some(false),
        ..own_crypto(&script)
    };
    let own = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let error = futures::executor::block_on(own.parse_notification(&headers, &body)).unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Verification {
            kind: VerificationError::BadSignature { .. },
            ..
        })
    ));

    // A blocking adapter verifies with the core's crypto at its transport's clock.
    let notification = adapter(&script, fast())
        .parse_notification(&headers, &body)
        .unwrap();
    assert_eq!(notification.id, "EV-2018022511223320873");
    let mut altered = body.clone();
    altered[10] ^= 1;
    let error = adapter(&script, fast())
        .parse_notification(&headers, &altered)
        .unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Verification {
            kind: VerificationError::BadSignature { .. },
            ..
        })
    ));
    assert!(script.hosts.borrow().is_empty(), "nothing was sent");
}

#[test]
fn a_callback_is_opened_by_an_adapter_with_its_crypto_and_clock() {
    let body = vectors::callback_body("refund_success");
    let headers = signed_response(Backend::default(), 200, &body)
        .headers()
        .clone();
    let key = wechatpay_core::ApiV3Key::new("Wechatpay0Test0ApiV3Key000000001").unwrap();
    let script = Script::new([]);

    let transport = own_crypto(&script);
    let own = wechatpay_core::Adapter::with_transport(keyless(), &transport).unwrap();
    let opened = futures::executor::block_on(own.open_notification(&headers, &body, &key)).unwrap();
    assert!(matches!(opened.event, wechatpay_core::Event::Refund(_)));
    assert_eq!(*transport.verified.borrow(), 1, "the transport verified");

    let blocking = adapter(&script, fast());
    let opened = blocking.open_notification(&headers, &body, &key).unwrap();
    assert_eq!(opened.id, "EV-2018022511223320876");
    let other = wechatpay_core::ApiV3Key::new("Wechatpay0Test0ApiV3Key000000002").unwrap();
    let error = blocking
        .open_notification(&headers, &body, &other)
        .unwrap_err();
    assert!(matches!(
        error.core(),
        Some(Error::Crypto(wechatpay_core::CryptoError::DecryptionFailed))
    ));
    assert!(script.hosts.borrow().is_empty(), "nothing was sent");
}
