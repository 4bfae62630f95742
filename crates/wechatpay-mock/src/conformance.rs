//! One conformance suite for every adapter: the behaviour all of them owe a caller, written
//! once as a table of data, and a runner that each adapter's tests drive with their own client.
//!
//! A [`Scenario`] names the faults to queue (as [`Fault`](crate::Fault)'s names, which the
//! [control route](crate::control) takes too), the query, the client's hosts and settings, and
//! what must come out: the answer or the error, the attempts the platform saw and on which host,
//! and, where time is the point, how long the call took. [`Suite::run`] runs [`SCENARIOS`] one
//! after the other and returns a [`Report`] of every scenario that did not hold.
//!
//! The runner needs two things from a test:
//!
//! - a [`Control`] of the platform, to queue faults, switch its mode and certificates, and read
//!   the requests it saw: the
//!   [`MockPlatform`](crate::MockPlatform) itself in a native test, or [`ControlRoutes`], the
//!   control routes over HTTP, in a wasm test that can only reach a running mock
//!   (`wechatpay mock --control`);
//! - a way to build the client under test from a core [`Client`](wechatpay_core::Client)
//!   (`HyperClient::new`, `UreqClient::new`, `FetchClient::new`, or one over a transport of the
//!   test's making). Both [`Adapter`](wechatpay_core::Adapter) and
//!   [`BlockingAdapter`](wechatpay_core::BlockingAdapter) are a [`Subject`], so the
//!   asynchronous and the blocking adapters run the same table.
//!
//! [`check_bills`] asks the mock for bills and downloads them from its own download route,
//! several MiB gzip'd, encrypted, and altered on the way. [`check_downloads`] streams a file
//! announced by a
//! [`DownloadTicket`](wechatpay_core::DownloadTicket) through the adapter, from a
//! [`FileServer`] that the test starts.
//!
//! [`check_uploads`] sends what is not a JSON query through the adapter: an image upload, the
//! largest video upload the platform takes, and endpoints called through
//! [`AnyEndpoint`](wechatpay_core::AnyEndpoint), a query and a submission with encrypted fields.
//!
//! [`check_certificates`] switches the platform to certificate mode and back: the first
//! download a keyless client's refresh makes, a rotation picked up from the answer the new
//! certificate signs, the listing, and public key mode's `404` said as such.
//!
//! With the `server` feature (the default), [`Loopback`] starts the platform on two loopback
//! ports for a native test, [`OneAnswer`] is a file server on a thread ([`serve_once`]), and
//! [`block_on`] drives the runner for a blocking adapter.

use std::fmt;
use std::time::Duration;

use wechatpay_core::{
    AdapterSettings, DEFAULT_BODY_LIMIT, RetryPolicy, TransportCause, TransportFailure,
    VerificationError,
};

mod bills;
mod certificates;
mod control;
mod download;
#[cfg(feature = "server")]
mod loopback;
mod subject;
mod suite;
mod table;
mod uploads;

pub use bills::{BILL_SIZE, check_bills};
pub use certificates::check_certificates;
pub use control::{CertificateState, Control, ControlRoutes, seen_from_json};
pub use download::{FileServer, check_downloads};
#[cfg(feature = "server")]
pub use loopback::{Loopback, OneAnswer, block_on, serve_once, system_clock};
pub use subject::Subject;
pub use suite::Suite;
pub use table::SCENARIOS;
pub use uploads::{SUBMITTED_OUT_REQUEST_NO, check_uploads};

/// One behaviour every adapter must show, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scenario {
    /// What it shows, as a sentence: a failure is reported under it.
    pub name: &'static str,
    /// The faults queued before the call, in order: a [`Fault`](crate::Fault) name and the
    /// number of requests it applies to.
    pub faults: &'static [(&'static str, u32)],
    /// The query made.
    pub query: Query,
    /// How it is made.
    pub via: Via,
    /// Where the client sends it.
    pub hosts: Hosts,
    /// The client's settings.
    pub settings: Settings,
    /// What the call must return.
    pub expect: Expect,
    /// The requests the platform must have seen, in order: one per attempt that reached it.
    pub seen: &'static [Attempt],
    /// The path and query every request seen must have had, where its encoding is the point.
    pub path: Option<&'static str>,
    /// How long the call may take, where time is the point.
    pub elapsed: Elapsed,
}

/// A query of the seeded store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Query {
    /// An applyment by its `out_request_no`.
    Applyment(&'static str),
    /// A contract by its `out_contract_code`, under the seeded AppID.
    ContractByCode(&'static str),
    /// A contract by the user's openid, under the seeded AppID.
    ContractByOpenid(&'static str),
}

/// How a query is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// The adapter's `execute`: signing, attempts, verification and decoding.
    Execute,
    /// One request signed by the core and moved by the adapter's `send` as given (no retry),
    /// then verified and decoded by the core when its status is `2xx`.
    Send,
}

/// The hosts a scenario's client is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hosts {
    /// The mock, no backup host.
    Primary,
    /// The mock, with its second port as the backup host.
    PrimaryAndBackup,
    /// A loopback port nothing listens on, with the mock's second port as the backup host.
    ClosedAndBackup,
    /// A loopback port nothing listens on, no backup host.
    Closed,
    /// The mock's port as `https://`: TLS to a plain HTTP server.
    PrimaryOverTls,
    /// `https://nonexistent.invalid`: the `.invalid` domain never resolves (RFC 2606), so no
    /// network is needed to see a DNS failure.
    Unresolvable,
}

/// The client's settings in a scenario: every backoff starts at 5 ms, so that retries take
/// milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The longest wait between two attempts; a `Retry-After` longer than this stops.
    pub max_delay: Duration,
    /// Whether retries may move to the backup host.
    pub failover: bool,
    /// The per-attempt timeout.
    pub timeout: Duration,
    /// The largest answer read, in bytes.
    pub body_limit: usize,
}

impl Settings {
    /// Three attempts, backoff capped at 20 ms, failover on, a 5 s timeout, the default body
    /// limit.
    pub const FAST: Settings = Settings {
        max_attempts: 3,
        max_delay: Duration::from_millis(20),
        failover: true,
        timeout: Duration::from_secs(5),
        body_limit: DEFAULT_BODY_LIMIT,
    };

    /// The adapter settings these stand for.
    pub fn adapter_settings(&self) -> AdapterSettings {
        let mut retry = RetryPolicy::default()
            .with_max_attempts(self.max_attempts)
            .with_delays(Duration::from_millis(5), self.max_delay);
        if !self.failover {
            retry = retry.without_failover();
        }
        AdapterSettings::default()
            .with_timeout(self.timeout)
            .with_body_limit(self.body_limit)
            .with_retry_policy(retry)
    }
}

/// What a call must return. In the texts of [`Expect::Transport`] and [`Expect::Timeout`],
/// `{host}` stands for the base URL the scenario's client sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// An applyment in this state (as the protocol writes it), with this id when one is given.
    Applyment {
        /// `applyment_state`.
        state: &'static str,
        /// `applyment_id`, where it is checked.
        applyment_id: Option<u64>,
    },
    /// A contract in this state, with this openid when one is given.
    Contract {
        /// `auth_state`.
        auth_state: &'static str,
        /// `individual_openid`, byte for byte, where it is checked.
        openid: Option<&'static str>,
    },
    /// For [`Via::Send`]: an answer with this status, as received.
    Status(u16),
    /// A verification failure of this kind, with the answer's `Request-ID`, not retryable.
    Verification(VerificationKind),
    /// A decode error, with the answer's `Request-ID`.
    Decode,
    /// An API error, with the answer's `Request-ID`.
    Api {
        /// The HTTP status.
        status: u16,
        /// The platform's error code, where the answer has one.
        code: Option<&'static str>,
        /// What `is_retryable` must say.
        retryable: bool,
    },
    /// A failure below HTTP, reported with the host it went to.
    Transport {
        /// What the adapter recognised, where every adapter can.
        cause: Option<TransportCause>,
        /// Whether it can have reached the server, where every adapter can tell.
        kind: Option<TransportFailure>,
        /// Attempts made.
        attempts: u32,
        /// How the message starts.
        starts: &'static str,
        /// What the message mentions, in any case.
        mentions: Option<&'static str>,
        /// How the message ends.
        ends: &'static str,
    },
    /// No complete answer within the timeout, on every attempt, reported with the host.
    Timeout {
        /// The per-attempt timeout reported.
        timeout: Duration,
        /// Attempts made.
        attempts: u32,
        /// The message, whole.
        shown: &'static str,
    },
    /// An answer over the body limit, refused.
    BodyTooLarge {
        /// The limit reported, in bytes.
        limit: usize,
    },
}

/// The kind of a [`VerificationError`], without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerificationKind {
    /// [`VerificationError::MissingHeader`].
    MissingHeader,
    /// [`VerificationError::UnknownSerial`].
    UnknownSerial,
    /// [`VerificationError::SignatureProbe`].
    SignatureProbe,
    /// [`VerificationError::BadSignature`].
    BadSignature,
    /// [`VerificationError::ClockSkew`].
    ClockSkew,
}

impl VerificationKind {
    /// Whether `error` is of this kind.
    pub fn matches(self, error: &VerificationError) -> bool {
        matches!(
            (self, error),
            (
                VerificationKind::MissingHeader,
                VerificationError::MissingHeader { .. }
            ) | (
                VerificationKind::UnknownSerial,
                VerificationError::UnknownSerial { .. }
            ) | (
                VerificationKind::SignatureProbe,
                VerificationError::SignatureProbe
            ) | (
                VerificationKind::BadSignature,
                VerificationError::BadSignature { .. }
            ) | (
                VerificationKind::ClockSkew,
                VerificationError::ClockSkew { .. }
            )
        )
    }
}

/// Which of the mock's two ports a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// The first port.
    Primary,
    /// The second port, the backup host.
    Backup,
}

/// One request the platform saw: where, and what it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The port it reached.
    pub host: Role,
    /// The status answered; `None` when the connection was dropped without an answer.
    pub status: Option<u16>,
}

impl Attempt {
    /// A request answered with `status`.
    pub const fn answered(host: Role, status: u16) -> Attempt {
        Attempt {
            host,
            status: Some(status),
        }
    }

    /// A request whose connection was dropped without an answer.
    pub const fn dropped(host: Role) -> Attempt {
        Attempt { host, status: None }
    }
}

/// Bounds on how long a call takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Elapsed {
    /// At least this long (a `Retry-After` obeyed).
    pub at_least: Duration,
    /// At most this long (a timeout that did not wait for the answer).
    pub at_most: Duration,
}

impl Elapsed {
    /// Any time at all.
    pub const ANY: Elapsed = Elapsed {
        at_least: Duration::ZERO,
        at_most: Duration::MAX,
    };
}

/// What a run found: every scenario that held, and why each other one did not.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// The scenarios that held.
    pub passed: Vec<&'static str>,
    /// The scenarios that did not.
    pub failed: Vec<Failure>,
    /// How many requests the platform saw in the scenarios that held.
    pub requests_seen: usize,
}

/// A scenario that did not hold.
#[derive(Debug)]
#[non_exhaustive]
pub struct Failure {
    /// Its name.
    pub scenario: &'static str,
    /// What differed.
    pub reason: String,
}

impl Report {
    /// Whether something ran and everything held.
    pub fn all_passed(&self) -> bool {
        self.failed.is_empty() && !self.passed.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} scenarios held",
            self.passed.len(),
            self.passed.len() + self.failed.len()
        )?;
        for failure in &self.failed {
            write!(f, "\n- {}: {}", failure.scenario, failure.reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_the_adapter_settings() {
        let settings = Settings {
            failover: false,
            max_attempts: 2,
            ..Settings::FAST
        }
        .adapter_settings();
        assert!(!settings.retry.failover);
        assert_eq!(settings.retry.max_attempts, 2);
        assert_eq!(settings.retry.max_delay, Duration::from_millis(20));
        assert_eq!(settings.timeout, Duration::from_secs(5));
    }

    #[test]
    fn a_report_names_each_failure() {
        let mut report = Report::default();
        assert!(!report.all_passed(), "nothing ran");
        report.passed.push("one");
        assert!(report.all_passed());
        report.failed.push(Failure {
            scenario: "two",
            reason: "it differed".to_owned(),
        });
        assert!(!report.all_passed());
        assert_eq!(
            report.to_string(),
            "1 of 2 scenarios held\n- two: it differed"
        );
    }
}
