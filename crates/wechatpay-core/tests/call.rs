//! The call driver: the retry loop every adapter runs, without I/O.

mod common;

use std::time::Duration;

use common::*;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::{
    AdapterError, AttemptFailure, Backend, Call, Error, ErrorChain, RetryPolicy, Step,
    TransportCause, TransportFailure, find_source, origin,
};

fn broken(kind: TransportFailure) -> AttemptFailure {
    AttemptFailure::Transport {
        kind,
        cause: TransportCause::Other,
        source: Box::new(std::io::Error::other("test")),
    }
}

const AUDITING: &str = r#"{"applyment_state":"AUDITING","applyment_state_desc":"审核中","out_request_no":"A","applyment_id":1}"#;

#[test]
fn a_system_error_is_retried_on_the_same_host_then_succeeds() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());

    let first = call.request(NOW, &mut rng).unwrap();
    assert_eq!(first.uri().host(), Some("api.mch.weixin.qq.com"));
    let busy = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"busy"}"#);
    let Step::Retry { after } = call.response(&busy, NOW, &mut rng) else {
        panic!("should retry")
    };
    assert!(after > Duration::ZERO);

    let second = call.request(NOW, &mut rng).unwrap();
    assert_eq!(second.uri().host(), Some("api.mch.weixin.qq.com"));
    assert_ne!(
        first.headers()["Authorization"],
        second.headers()["Authorization"],
        "fresh nonce per attempt"
    );
    let ok = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    match call.response(&ok, NOW, &mut rng) {
        Step::Done(Ok(applyment)) => {
            assert_eq!(applyment.applyment_state, ApplymentState::Auditing)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempts(), 2);
}

#[test]
fn a_transport_failure_fails_over_and_attempts_are_bounded() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default().with_max_attempts(3));
    call.request(NOW, &mut rng).unwrap();
    assert!(
        call.failed(broken(TransportFailure::Connect), &mut rng)
            .is_ok()
    );
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api2.mch.weixin.qq.com")
    );
    let timeout = || AttemptFailure::Timeout {
        timeout: Duration::from_secs(1),
    };
    assert!(call.failed(timeout(), &mut rng).is_ok());
    assert_eq!(
        call.request(NOW, &mut rng).unwrap().uri().host(),
        Some("api.mch.weixin.qq.com")
    );
    match call.failed(timeout(), &mut rng) {
        Err(error @ AdapterError::Timeout { attempts: 3, .. }) => assert_eq!(
            error.to_string(),
            "no complete answer from https://api.mch.weixin.qq.com within 1s; gave up after 3 attempts"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(call.attempts(), 3);
}

#[test]
fn final_answers_end_the_call_with_their_error() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let missing = signed_response(
        Backend::default(),
        404,
        br#"{"code":"RESOURCE_NOT_EXISTS","message":"x"}"#,
    );
    match call.response(&missing, NOW, &mut rng) {
        Step::Done(Err(Error::Api(api))) => {
            assert_eq!(api.code.as_deref(), Some("RESOURCE_NOT_EXISTS"))
        }
        other => panic!("{other:?}"),
    }
    // A forged success is final too: never retried into acceptance.
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let mut forged = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    forged.body_mut()[5] ^= 1;
    assert!(matches!(
        call.response(&forged, NOW, &mut rng),
        Step::Done(Err(Error::Verification { .. }))
    ));
}

#[test]
fn an_oversize_answer_is_final_and_transport_errors_keep_their_source() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::default());
    call.request(NOW, &mut rng).unwrap();
    let error = call
        .failed(AttemptFailure::BodyTooLarge { limit: 1024 }, &mut rng)
        .unwrap_err();
    assert!(matches!(error, AdapterError::BodyTooLarge { limit: 1024 }));
    assert!(!error.is_retryable());

    let mut call = Call::new(&client, &query, RetryPolicy::none());
    call.request(NOW, &mut rng).unwrap();
    let error = call
        .failed(broken(TransportFailure::Interrupted), &mut rng)
        .unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        "exchanging with https://api.mch.weixin.qq.com: test"
    );
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(error.request_id(), None);
    assert_eq!(error.host(), Some("https://api.mch.weixin.qq.com"));
}

/// A test error with its own text and an optional cause, as HTTP clients nest them.
#[derive(Debug)]
struct Link(
    &'static str,
    Option<Box<dyn std::error::Error + Send + Sync>>,
);

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Link {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.1
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

fn link(text: &'static str, cause: impl std::error::Error + Send + Sync + 'static) -> Link {
    Link(text, Some(Box::new(cause)))
}

/// The error a call reports when its only attempt fails with `cause` and `source`.
fn reported(
    kind: TransportFailure,
    cause: TransportCause,
    source: impl std::error::Error + Send + Sync + 'static,
) -> AdapterError {
    let client = client(Backend::default())
        .with_base_url("https://127.0.0.1:41234")
        .unwrap();
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let mut rng = rng();
    let mut call = Call::new(&client, &query, RetryPolicy::none());
    call.request(NOW, &mut rng).unwrap();
    let failure = AttemptFailure::Transport {
        kind,
        cause,
        source: Box::new(source),
    };
    call.failed(failure, &mut rng).unwrap_err()
}

#[test]
fn a_transport_error_names_the_host_the_cause_and_a_hint() {
    capture::install();
    use std::io::{Error as IoError, ErrorKind};
    // hyper-rustls's shape: I/O errors around the TLS library's, under the client's.
    let tls = IoError::other(IoError::new(
        ErrorKind::InvalidData,
        "received corrupt message of type InvalidContentType",
    ));
    let error = reported(
        TransportFailure::Connect,
        TransportCause::PlainHttp,
        link("client error (Connect)", tls),
    );
    assert_eq!(
        error.to_string(),
        "connecting to https://127.0.0.1:41234: TLS handshake failed: client error (Connect): \
         received corrupt message of type InvalidContentType (is this an http:// server?)"
    );

    let refused = link(
        "tcp connect error",
        IoError::from(ErrorKind::ConnectionRefused),
    );
    assert_eq!(TransportCause::of(&refused), TransportCause::Refused);
    let error = reported(TransportFailure::Connect, TransportCause::Refused, refused);
    // The cause's own text already says "connection refused": not said twice.
    assert_eq!(
        error.to_string(),
        "connecting to https://127.0.0.1:41234: tcp connect error: connection refused \
         (is the server running, and is the port right?)"
    );

    let dns = link(
        "dns error",
        IoError::other("failed to lookup address information: Name or service not known"),
    );
    assert_eq!(TransportCause::of(&dns), TransportCause::Dns);
    let error = reported(TransportFailure::Connect, TransportCause::Dns, dns);
    assert_eq!(
        error.to_string(),
        "connecting to https://127.0.0.1:41234: dns error: failed to lookup address \
         information: Name or service not known (is the host name right?)"
    );

    // A runtime that only says "fetch failed": the adapter's words carry the meaning.
    let error = reported(
        TransportFailure::Interrupted,
        TransportCause::Reset,
        Link("TypeError: fetch failed", None),
    );
    assert_eq!(
        error.to_string(),
        "exchanging with https://127.0.0.1:41234: connection reset: TypeError: fetch failed"
    );
    assert!(matches!(
        error,
        AdapterError::Transport {
            cause: TransportCause::Reset,
            attempts: 1,
            ..
        }
    ));
}

#[test]
fn an_error_chain_is_shown_once_per_text_and_escaped() {
    capture::install();
    use std::io::{Error as IoError, ErrorKind};
    // A cause whose text its wrapper repeats, a wrapper whose text its cause extends.
    let repeated = link(
        "error trying to connect: connection reset",
        IoError::new(ErrorKind::ConnectionReset, "connection reset"),
    );
    assert_eq!(
        ErrorChain(&repeated).to_string(),
        "error trying to connect: connection reset"
    );
    assert_eq!(TransportCause::of(&repeated), TransportCause::Reset);
    let extended = link(
        "tcp connect error",
        Link("tcp connect error: timed out", None),
    );
    assert_eq!(
        ErrorChain(&extended).to_string(),
        "tcp connect error: timed out"
    );
    // Text from a proxy or a runtime cannot reach a terminal raw.
    let hostile = link("proxy said", Link("bad\u{1b}[2J\r\nforged line\n", None));
    assert_eq!(
        ErrorChain(&hostile).to_string(),
        r"proxy said: bad\u{1b}[2J\r\nforged line"
    );
    // An io::Error hides what it wraps from source(); find_source looks inside.
    let inner = IoError::other(Link("the TLS library's error", None));
    let outer = link("client error (Connect)", inner);
    assert_eq!(
        find_source::<Link>(&outer).map(|l| l.0),
        Some("client error (Connect)")
    );
    let nested = IoError::other(IoError::new(
        ErrorKind::InvalidData,
        Link("the TLS library's error", None),
    ));
    assert_eq!(
        find_source::<Link>(&nested).map(|l| l.0),
        Some("the TLS library's error")
    );
    assert_eq!(
        TransportCause::of(&Link("nothing known", None)),
        TransportCause::Other
    );
    assert_eq!(
        origin(&"http://127.0.0.1:8080/v3/x?y=1".parse().unwrap()),
        "http://127.0.0.1:8080"
    );
}

/// A `tracing` subscriber that keeps the events of the threads that ask for them.
///
/// Installed once, globally, by every test in this file before it drives a `Call`: `tracing`
/// caches per call site whether anyone listens, and a thread-local subscriber set while
/// another test's thread registers a call site can miss its events.
mod capture {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::fmt;
    use std::sync::Once;

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    #[derive(Debug, Clone)]
    pub struct Recorded {
        pub target: String,
        pub level: Level,
        pub fields: BTreeMap<String, String>,
    }

    impl Recorded {
        pub fn field(&self, name: &str) -> Option<&str> {
            self.fields.get(name).map(String::as_str)
        }

        pub fn message(&self) -> &str {
            self.field("message").unwrap_or_default()
        }
    }

    thread_local! {
        static RECORDED: RefCell<Option<Vec<Recorded>>> = const { RefCell::new(None) };
    }

    struct Capture;

    struct Fields(BTreeMap<String, String>);

    impl Visit for Fields {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }

        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }

        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }

        fn record(&self, _: &Id, _: &Record<'_>) {}

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            RECORDED.with(|recorded| {
                if let Some(recorded) = recorded.borrow_mut().as_mut() {
                    let mut fields = Fields(BTreeMap::new());
                    event.record(&mut fields);
                    recorded.push(Recorded {
                        target: event.metadata().target().to_owned(),
                        level: *event.metadata().level(),
                        fields: fields.0,
                    });
                }
            });
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }

    /// Installs the subscriber, once for the whole test binary.
    pub fn install() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            tracing::subscriber::set_global_default(Capture).expect("the only subscriber")
        });
    }

    /// Runs `f` and returns the events it emitted on this thread.
    pub fn events<T>(f: impl FnOnce() -> T) -> (T, Vec<Recorded>) {
        install();
        RECORDED.with(|recorded| *recorded.borrow_mut() = Some(Vec::new()));
        let result = f();
        let events = RECORDED.with(|recorded| recorded.borrow_mut().take());
        (result, events.unwrap_or_default())
    }
}

/// The `(message, fields)` of each event, for comparing whole sequences.
fn summary(events: &[capture::Recorded]) -> Vec<(String, Vec<(String, String)>)> {
    events
        .iter()
        .map(|e| {
            let fields = e
                .fields
                .iter()
                .filter(|(name, _)| *name != "message")
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            (e.message().to_owned(), fields)
        })
        .collect()
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = fields
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// The text between `name="` and the next `"` in an `Authorization` header value.
fn authorization_param(header: &str, name: &str) -> String {
    let start = header.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = header[start..].find('"').unwrap() + start;
    header[start..end].to_owned()
}

#[test]
fn every_attempt_is_narrated_in_events_without_a_secret() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let busy = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"busy now"}"#);
    let ok = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    let ((outcome, requests), events) = capture::events(|| {
        let mut rng = rng();
        let mut call = Call::new(&client, &query, RetryPolicy::default());
        let mut requests = Vec::new();
        // 1: a retryable answer on the primary; 2: a refused connection there; 3: the backup.
        requests.push(call.request(NOW, &mut rng).unwrap());
        assert!(matches!(
            call.response(&busy, NOW, &mut rng),
            Step::Retry { .. }
        ));
        requests.push(call.request(NOW, &mut rng).unwrap());
        let refused = AttemptFailure::Transport {
            kind: TransportFailure::Connect,
            cause: TransportCause::Refused,
            source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        };
        call.failed(refused, &mut rng).unwrap();
        requests.push(call.request(NOW, &mut rng).unwrap());
        (call.response(&ok, NOW, &mut rng), requests)
    });
    assert!(matches!(outcome, Step::Done(Ok(_))), "{outcome:?}");

    for event in &events {
        assert_eq!(event.target, "wechatpay", "{event:?}");
        assert_eq!(event.level, tracing::Level::DEBUG, "{event:?}");
    }
    let path = "/v3/ecommerce/applyments/out-request-no/A";
    let primary = "https://api.mch.weixin.qq.com";
    let request = |attempt, host| {
        (
            "request signed".to_owned(),
            pairs(&[
                ("attempt", attempt),
                ("host", host),
                ("method", "GET"),
                ("path", path),
            ]),
        )
    };
    let mut summary = summary(&events);
    // The waits are drawn: checked by their words, then set aside.
    for (i, words) in [(2, "retry on primary in "), (5, "fail over to backup in ")] {
        let decision = summary[i]
            .1
            .iter_mut()
            .find(|(n, _)| n == "decision")
            .unwrap();
        assert!(decision.1.starts_with(words), "{decision:?}");
        decision.1 = words.trim_end().to_owned();
    }
    assert_eq!(
        summary,
        [
            request("1", primary),
            (
                "response".to_owned(),
                pairs(&[
                    ("attempt", "1"),
                    ("status", "500"),
                    ("request_id", "08F4C1A2B30610A7051A0C"),
                    ("verification", "unsigned"),
                ])
            ),
            (
                "decision".to_owned(),
                pairs(&[("attempt", "1"), ("decision", "retry on primary in")])
            ),
            request("2", primary),
            (
                "transport failure".to_owned(),
                pairs(&[
                    ("attempt", "2"),
                    ("host", primary),
                    (
                        "error",
                        "connection refused (is the server running, and is the port right?)"
                    ),
                ])
            ),
            (
                "decision".to_owned(),
                pairs(&[("attempt", "2"), ("decision", "fail over to backup in")])
            ),
            request("3", "https://api2.mch.weixin.qq.com"),
            (
                "response".to_owned(),
                pairs(&[
                    ("attempt", "3"),
                    ("status", "200"),
                    ("request_id", "08F4C1A2B30610A7051A0B"),
                    ("verification", "verified"),
                ])
            ),
            (
                "decision".to_owned(),
                pairs(&[("attempt", "3"), ("decision", "done")])
            ),
        ]
    );

    // Nothing secret or from a body in any field: the Authorization values, their signatures
    // and nonces, the answer's signature and nonce, the bodies.
    let mut secrets = Vec::new();
    for request in &requests {
        let authorization = request.headers()["Authorization"].to_str().unwrap();
        secrets.push(authorization.to_owned());
        secrets.push(authorization_param(authorization, "signature"));
        secrets.push(authorization_param(authorization, "nonce_str"));
    }
    for name in ["Wechatpay-Signature", "Wechatpay-Nonce"] {
        secrets.push(ok.headers()[name].to_str().unwrap().to_owned());
    }
    secrets.extend([
        "busy now".to_owned(),
        "审核中".to_owned(),
        "AUDITING".to_owned(),
    ]);
    for event in &events {
        for (name, value) in &event.fields {
            for secret in &secrets {
                assert!(
                    !value.contains(secret.as_str()),
                    "{name} = {value:?} reveals {secret:?}"
                );
            }
        }
    }
}

#[test]
fn final_answers_and_exhausted_attempts_are_narrated_as_such() {
    capture::install();
    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let decisions_and_verification = |response: http::Response<Vec<u8>>| {
        let (_, events) = capture::events(|| {
            let mut rng = rng();
            let mut call = Call::new(&client, &query, RetryPolicy::default());
            call.request(NOW, &mut rng).unwrap();
            call.response(&response, NOW, &mut rng)
        });
        let find = |field| {
            events
                .iter()
                .find_map(|e| e.field(field))
                .unwrap_or_default()
                .to_owned()
        };
        (find("verification"), find("decision"))
    };

    let missing = signed_response(
        Backend::default(),
        404,
        br#"{"code":"RESOURCE_NOT_EXISTS","message":"x"}"#,
    );
    assert_eq!(
        decisions_and_verification(missing),
        ("verified".to_owned(), "stop: not retryable".to_owned())
    );
    let mut forged = signed_response(Backend::default(), 200, AUDITING.as_bytes());
    forged.body_mut()[5] ^= 1;
    let (verification, decision) = decisions_and_verification(forged);
    assert!(
        verification.starts_with("signature does not match"),
        "{verification}"
    );
    assert_eq!(decision, "stop: not retryable");
    let mut slow_down = unsigned_response(429, br#"{"code":"FREQUENCY_LIMITED","message":"x"}"#);
    slow_down
        .headers_mut()
        .insert("Retry-After", http::HeaderValue::from_static("60"));
    assert_eq!(
        decisions_and_verification(slow_down),
        (
            "unsigned".to_owned(),
            "give up: the platform asks to wait 60.0s, longer than the policy allows".to_owned()
        )
    );
    let unsigned = unsigned_response(200, AUDITING.as_bytes());
    assert_eq!(
        decisions_and_verification(unsigned),
        ("unsigned".to_owned(), "stop: not retryable".to_owned())
    );

    let (error, events) = capture::events(|| {
        let mut rng = rng();
        let mut call = Call::new(&client, &query, RetryPolicy::default().with_max_attempts(2));
        for _ in 0..2 {
            call.request(NOW, &mut rng).unwrap();
            let timeout = AttemptFailure::Timeout {
                timeout: Duration::from_millis(1500),
            };
            if let Err(error) = call.failed(timeout, &mut rng) {
                return error;
            }
        }
        panic!("two attempts allowed")
    });
    let last = events.last().unwrap();
    assert_eq!(last.field("decision"), Some("give up after 2 attempts"));
    let failures: Vec<_> = events
        .iter()
        .filter(|e| e.message() == "transport failure")
        .map(|e| (e.field("host").unwrap(), e.field("error").unwrap()))
        .collect();
    assert_eq!(
        failures,
        [
            (
                "https://api.mch.weixin.qq.com",
                "no complete answer within 1.5s"
            ),
            (
                "https://api2.mch.weixin.qq.com",
                "no complete answer within 1.5s"
            ),
        ]
    );
    assert_eq!(error.host(), Some("https://api2.mch.weixin.qq.com"));

    // A signed error answer altered on the way: its verification says so.
    let mut altered = signed_response(
        Backend::default(),
        500,
        br#"{"code":"SYSTEM_ERROR","message":"x"}"#,
    );
    altered.body_mut()[3] ^= 1;
    let (verification, _) = decisions_and_verification(altered);
    assert!(
        verification.starts_with("signature does not match"),
        "{verification}"
    );
    // A Retry-After on a final answer is not why the call stops.
    let mut refused = unsigned_response(400, br#"{"code":"PARAM_ERROR","message":"x"}"#);
    refused
        .headers_mut()
        .insert("Retry-After", http::HeaderValue::from_static("60"));
    assert_eq!(decisions_and_verification(refused).1, "stop: not retryable");

    // Without a backup host, a failover retries the primary, and says so.
    let single = common::client(Backend::default())
        .with_backup_url(None)
        .unwrap();
    let (_, events) = capture::events(|| {
        let mut rng = rng();
        let mut call = Call::new(&single, &query, RetryPolicy::default());
        call.request(NOW, &mut rng).unwrap();
        call.failed(broken(TransportFailure::Connect), &mut rng)
    });
    let decision = events.iter().find_map(|e| e.field("decision")).unwrap();
    assert!(decision.starts_with("retry on primary in "), "{decision}");
}

#[test]
fn waits_are_narrated_in_milliseconds_below_a_second_and_in_seconds_above() {
    capture::install();
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let client = client(Backend::default());
    let decision = |policy: RetryPolicy, response: Option<http::Response<Vec<u8>>>| {
        let (_, events) = capture::events(|| {
            let mut rng = rng();
            let mut call = Call::new(&client, &query, policy);
            call.request(NOW, &mut rng).unwrap();
            match &response {
                Some(response) => {
                    let _ = call.response(response, NOW, &mut rng);
                }
                None => {
                    let _ = call.failed(broken(TransportFailure::Connect), &mut rng);
                }
            }
        });
        events
            .iter()
            .find_map(|e| e.field("decision"))
            .unwrap()
            .to_owned()
    };
    // Equal jitter: between 225 and 450 ms.
    let short =
        RetryPolicy::default().with_delays(Duration::from_millis(450), Duration::from_millis(450));
    let said = decision(short, None);
    let millis: u64 = said
        .strip_prefix("fail over to backup in ")
        .and_then(|rest| rest.strip_suffix("ms"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!((225..=450).contains(&millis), "{said}");
    // The platform's Retry-After, when longer than the backoff, is the wait.
    let mut busy = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"x"}"#);
    busy.headers_mut()
        .insert("Retry-After", http::HeaderValue::from_static("2"));
    assert_eq!(
        decision(RetryPolicy::default(), Some(busy)),
        "retry on primary in 2.0s"
    );
}

#[test]
fn the_documented_adapter_defaults_hold() {
    // 1 MiB answers, 10 s per attempt, and idle connections dropped before the platform's 8 s.
    assert_eq!(wechatpay_core::DEFAULT_BODY_LIMIT, 1_048_576);
    assert_eq!(wechatpay_core::DEFAULT_TIMEOUT, Duration::from_secs(10));
    assert!(wechatpay_core::POOL_IDLE_TIMEOUT < Duration::from_secs(8));
}

#[test]
fn standard_io_errors_are_recognised_by_kind_and_a_failed_lookup_by_its_text() {
    use std::io::{Error as IoError, ErrorKind};
    let cases = [
        (
            IoError::from(ErrorKind::ConnectionRefused),
            TransportCause::Refused,
        ),
        (IoError::from(ErrorKind::TimedOut), TransportCause::TimedOut),
        (
            IoError::from(ErrorKind::ConnectionReset),
            TransportCause::Reset,
        ),
        (
            IoError::from(ErrorKind::UnexpectedEof),
            TransportCause::Reset,
        ),
        (
            IoError::other("failed to lookup address information: Name or service not known"),
            TransportCause::Dns,
        ),
        (
            IoError::from(ErrorKind::PermissionDenied),
            TransportCause::Other,
        ),
        (IoError::other("something else"), TransportCause::Other),
    ];
    for (error, expected) in cases {
        let shown = error.to_string();
        // Found at the top of the chain, and below an error that wraps it.
        assert_eq!(TransportCause::of(&error), expected, "{shown}");
        let wrapped = link("client error", error);
        assert_eq!(TransportCause::of(&wrapped), expected, "{shown}");
    }
    assert_eq!(
        TransportCause::of(&link("no io error here", Link("x", None))),
        TransportCause::Other
    );
}

#[test]
fn a_failure_before_anything_was_sent_is_connecting_and_after_it_exchanging() {
    let shown = |kind, cause| {
        let failure = AttemptFailure::Transport {
            kind,
            cause,
            source: Box::new(std::io::Error::other("boom")),
        };
        failure.into_error(1, "https://example.test").to_string()
    };
    // Whatever the adapter's kind, a cause that stops the request before it leaves.
    for cause in [
        TransportCause::Dns,
        TransportCause::Refused,
        TransportCause::Tls,
        TransportCause::PlainHttp,
    ] {
        let text = shown(TransportFailure::Interrupted, cause);
        assert!(
            text.starts_with("connecting to https://example.test: "),
            "{text}"
        );
    }
    let text = shown(TransportFailure::Connect, TransportCause::Other);
    assert!(
        text.starts_with("connecting to https://example.test: "),
        "{text}"
    );
    for cause in [
        TransportCause::Reset,
        TransportCause::TimedOut,
        TransportCause::Other,
    ] {
        let text = shown(TransportFailure::Interrupted, cause);
        assert!(
            text.starts_with("exchanging with https://example.test: "),
            "{text}"
        );
    }
}

#[test]
fn an_error_chain_debugs_as_its_text_and_adapter_errors_lead_to_the_core_error() {
    let error = link("client error", std::io::Error::other("refused\u{1b}[2J"));
    let chain = ErrorChain(&error);
    assert_eq!(format!("{chain:?}"), format!("{:?}", chain.to_string()));
    assert!(!format!("{chain:?}").is_empty());

    let client = client(Backend::default());
    let query = QueryApplymentByOutRequestNo::new("A").unwrap();
    let answer = unsigned_response(500, br#"{"code":"SYSTEM_ERROR","message":"x"}"#);
    let core = client.parse(&query, &answer, NOW).unwrap_err();
    let adapter = AdapterError::from(core);
    assert!(matches!(adapter.core(), Some(Error::Api(_))), "{adapter:?}");
    assert_eq!(adapter.request_id(), Some("08F4C1A2B30610A7051A0C"));
    assert!(adapter.is_retryable());
    assert_eq!(adapter.host(), None);
    let timeout = AttemptFailure::Timeout {
        timeout: Duration::from_secs(1),
    }
    .into_error(3, "https://a.test");
    assert_eq!(
        (timeout.core().is_none(), timeout.request_id()),
        (true, None)
    );
    assert_eq!(timeout.host(), Some("https://a.test"));
}
