//! One conformance suite for every adapter: the behaviour all of them owe a caller, written
//! once as a table of data, and a runner that each adapter's tests drive with their own client.
//!
//! A [`Scenario`] names the faults to queue (as [`Fault`]'s names, which the
//! [control route](crate::control) takes too), the query, the client's hosts and settings, and
//! what must come out: the answer or the error, the attempts the platform saw and on which host,
//! and, where time is the point, how long the call took. [`Suite::run`] runs [`SCENARIOS`] one
//! after the other and returns a [`Report`] of every scenario that did not hold.
//!
//! The runner needs two things from a test:
//!
//! - a [`Control`] of the platform, to queue faults and read the requests it saw: the
//!   [`MockPlatform`] itself in a native test, or [`ControlRoutes`], the control routes over
//!   HTTP, in a wasm test that can only reach a running mock (`wechatpay mock --control`);
//! - a way to build the client under test from a core [`Client`] (`HyperClient::new`,
//!   `UreqClient::new`, `FetchClient::new`, or one over a transport of the test's making). Both
//!   [`Adapter`] and [`BlockingAdapter`] are a [`Subject`], so the asynchronous and the blocking
//!   adapters run the same table.
//!
//! [`check_downloads`] streams a file announced by a
//! [`DownloadTicket`](wechatpay_core::DownloadTicket) through the adapter, from a
//! [`FileServer`] that the test starts, since the mock has no download route.
//!
//! With the `server` feature (the default), [`Loopback`] starts the platform on two loopback
//! ports for a native test, [`OneAnswer`] is a file server on a thread ([`serve_once`]), and
//! [`block_on`] drives the runner for a blocking adapter.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{Method, Request, Response};
use rand_core::CryptoRng;
use serde_json::{Value, json};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::ecommerce::contract::{QueryContractByOpenid, QueryContractByOutContractCode};
use wechatpay_core::{
    Adapter, AdapterError, AdapterSettings, BlockingAdapter, BlockingTransport, Call, Client,
    DEFAULT_BODY_LIMIT, Error, Operation, RetryPolicy, Transport, TransportCause, TransportFailure,
    VerificationError,
};

use crate::faults::Fault;
use crate::keys::MockKeys;
use crate::platform::{MockPlatform, SeenRequest};
use crate::records::seeded;

mod download;
#[cfg(feature = "server")]
mod loopback;
mod table;

pub use download::{FileServer, check_downloads};
#[cfg(feature = "server")]
pub use loopback::{Loopback, OneAnswer, block_on, serve_once, system_clock};
pub use table::SCENARIOS;

/// One behaviour every adapter must show, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scenario {
    /// What it shows, as a sentence: a failure is reported under it.
    pub name: &'static str,
    /// The faults queued before the call, in order: a [`Fault`] name and the number of
    /// requests it applies to.
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

/// The platform as the runner sees it: faults in, requests out.
pub trait Control {
    /// Queues `fault` (a [`Fault`] name) for the next `times` requests.
    ///
    /// # Errors
    ///
    /// Why the fault was not queued.
    fn inject(&self, fault: &str, times: u32) -> impl Future<Output = Result<(), String>>;

    /// Clears the queued faults and the requests seen.
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached.
    fn reset(&self) -> impl Future<Output = Result<(), String>>;

    /// The requests seen since the last reset, oldest first.
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached or its answer read.
    fn requests(&self) -> impl Future<Output = Result<Vec<SeenRequest>, String>>;
}

impl Control for MockPlatform {
    fn inject(&self, fault: &str, times: u32) -> impl Future<Output = Result<(), String>> {
        let injected = fault
            .parse::<Fault>()
            .map(|fault| MockPlatform::inject(self, fault, times))
            .map_err(|e| e.to_string());
        std::future::ready(injected)
    }

    fn reset(&self) -> impl Future<Output = Result<(), String>> {
        self.clear_faults();
        self.clear_requests();
        std::future::ready(Ok(()))
    }

    fn requests(&self) -> impl Future<Output = Result<Vec<SeenRequest>, String>> {
        std::future::ready(Ok(MockPlatform::requests(self)))
    }
}

/// The control routes of a mock at `base_url`, called through a client's own `send`: for a
/// test that can reach the mock only over HTTP.
#[derive(Debug)]
pub struct ControlRoutes<'a, C> {
    client: &'a C,
    base_url: String,
}

impl<'a, C: Subject> ControlRoutes<'a, C> {
    /// The control routes under `base_url`, reached with `client`'s `send`.
    pub fn new(client: &'a C, base_url: &str) -> Self {
        ControlRoutes {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends one control request and returns the answer's body if its status is `expected`.
    async fn call(
        &self,
        method: Method,
        route: &str,
        body: Option<Value>,
        expected: u16,
    ) -> Result<Vec<u8>, String> {
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(format!("{}{route}", self.base_url));
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .map_err(|e| format!("{method} {route}: {e}"))?;
        let answer = self
            .client
            .send(request)
            .await
            .map_err(|e| format!("{method} {route}: {e}"))?;
        if answer.status() != expected {
            return Err(format!(
                "{method} {route} answered {}: {}",
                answer.status(),
                String::from_utf8_lossy(answer.body())
            ));
        }
        Ok(answer.into_body())
    }
}

impl<C: Subject> Control for ControlRoutes<'_, C> {
    async fn inject(&self, fault: &str, times: u32) -> Result<(), String> {
        let body = json!({ "fault": fault, "times": times });
        self.call(Method::POST, "/mock/faults", Some(body), 204)
            .await
            .map(drop)
    }

    async fn reset(&self) -> Result<(), String> {
        self.call(Method::DELETE, "/mock/faults", None, 204).await?;
        self.call(Method::DELETE, "/mock/requests", None, 204)
            .await
            .map(drop)
    }

    async fn requests(&self) -> Result<Vec<SeenRequest>, String> {
        let body = self.call(Method::GET, "/mock/requests", None, 200).await?;
        seen_from_json(&body)
    }
}

/// Reads the answer of `GET /mock/requests` back into the requests it lists.
///
/// # Errors
///
/// What in `body` is not such a list.
pub fn seen_from_json(body: &[u8]) -> Result<Vec<SeenRequest>, String> {
    let listed: Value =
        serde_json::from_slice(body).map_err(|e| format!("GET /mock/requests: {e}"))?;
    let text =
        |entry: &Value, name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
    listed
        .as_array()
        .ok_or("GET /mock/requests: not a JSON array")?
        .iter()
        .map(|entry| {
            let status = match entry.get("status") {
                None | Some(Value::Null) => None,
                Some(status) => Some(
                    status
                        .as_u64()
                        .and_then(|s| u16::try_from(s).ok())
                        .ok_or_else(|| format!("a status that is not one: {entry}"))?,
                ),
            };
            let fault = text(entry, "fault")
                .map(|name| name.parse::<Fault>().map_err(|e| e.to_string()))
                .transpose()?;
            Ok(SeenRequest {
                method: text(entry, "method").unwrap_or_default(),
                path_and_query: text(entry, "path_and_query").unwrap_or_default(),
                host: text(entry, "host"),
                user_agent: text(entry, "user_agent"),
                status,
                fault,
            })
        })
        .collect()
}

/// The client under test, as the runner drives it: an [`Adapter`] or a [`BlockingAdapter`].
pub trait Subject: Sized {
    /// The adapter's product token (`wechatpay-hyper/0.1.0`), which must lead its `User-Agent`.
    fn product(&self) -> &'static str;

    /// The core client.
    fn core(&self) -> &Client;

    /// The same client with these settings.
    fn with_settings(self, settings: AdapterSettings) -> Self;

    /// Runs `operation` through the adapter: attempts, verification, decoding.
    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>>;

    /// Sends one request as given.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>>;

    /// The adapter's clock, in Unix seconds.
    fn now(&self) -> u64;

    /// The adapter's random source.
    fn rng(&self) -> impl CryptoRng;

    /// `operation`'s first request, signed with the adapter's clock and randomness.
    ///
    /// # Errors
    ///
    /// As [`Call::request`].
    fn sign<O: Operation + ?Sized>(&self, operation: &O) -> Result<Request<Vec<u8>>, AdapterError> {
        let mut call = Call::new(self.core(), operation, RetryPolicy::none());
        Ok(call.request(self.now(), &mut self.rng())?)
    }
}

impl<T: Transport> Subject for Adapter<T> {
    fn product(&self) -> &'static str {
        T::PRODUCT
    }

    fn core(&self) -> &Client {
        Adapter::core(self)
    }

    fn with_settings(self, settings: AdapterSettings) -> Self {
        Adapter::with_settings(self, settings)
    }

    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>> {
        Adapter::execute(self, operation)
    }

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>> {
        Adapter::send(self, request)
    }

    fn now(&self) -> u64 {
        self.transport().now()
    }

    fn rng(&self) -> impl CryptoRng {
        self.transport().rng()
    }
}

impl<T: BlockingTransport> Subject for BlockingAdapter<T> {
    fn product(&self) -> &'static str {
        T::PRODUCT
    }

    fn core(&self) -> &Client {
        BlockingAdapter::core(self)
    }

    fn with_settings(self, settings: AdapterSettings) -> Self {
        BlockingAdapter::with_settings(self, settings)
    }

    fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> impl Future<Output = Result<O::Output, AdapterError>> {
        std::future::ready(BlockingAdapter::execute(self, operation))
    }

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, AdapterError>> {
        std::future::ready(BlockingAdapter::send(self, request))
    }

    fn now(&self) -> u64 {
        self.transport().now()
    }

    fn rng(&self) -> impl CryptoRng {
        self.transport().rng()
    }
}

/// Where the table runs: a platform under [`Control`], the URLs its scenarios send to, and a
/// clock to time them.
#[derive(Debug)]
pub struct Suite<'a, K: ?Sized> {
    control: &'a K,
    primary: String,
    backup: String,
    closed: String,
    clock: fn() -> Duration,
}

impl<'a, K: Control + ?Sized> Suite<'a, K> {
    /// A suite over `control`, whose platform answers at `primary` and `backup`; `closed` is
    /// a loopback URL nothing listens on. `clock` is the time since any fixed instant
    /// (`std::time::Instant` panics in wasm, so the test supplies its runtime's).
    pub fn new(
        control: &'a K,
        primary: &str,
        backup: &str,
        closed: &str,
        clock: fn() -> Duration,
    ) -> Self {
        let url = |url: &str| url.trim_end_matches('/').to_owned();
        Suite {
            control,
            primary: url(primary),
            backup: url(backup),
            closed: url(closed),
            clock,
        }
    }

    /// Runs every scenario of [`SCENARIOS`] with a client `build` makes from a core client.
    pub async fn run<C: Subject>(
        &self,
        build: impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Report {
        self.run_scenarios(SCENARIOS, build).await
    }

    /// Runs `scenarios`, one after the other, with a client `build` makes from a core client.
    pub async fn run_scenarios<'s, C: Subject>(
        &self,
        scenarios: impl IntoIterator<Item = &'s Scenario>,
        build: impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Report {
        let mut report = Report::default();
        for scenario in scenarios {
            match self.run_one(scenario, &build).await {
                Ok(seen) => {
                    report.passed.push(scenario.name);
                    report.requests_seen += seen;
                }
                Err(reason) => report.failed.push(Failure {
                    scenario: scenario.name,
                    reason,
                }),
            }
        }
        report
    }

    /// Runs one scenario; the number of requests the platform saw, or what did not hold.
    async fn run_one<C: Subject>(
        &self,
        scenario: &Scenario,
        build: &impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Result<usize, String> {
        self.control.reset().await?;
        for (fault, times) in scenario.faults {
            self.control.inject(fault, *times).await?;
        }
        let (base_url, backup_url) = self.urls(scenario.hosts);
        let core = MockKeys::fixtures()
            .client(&base_url)
            .and_then(|client| client.with_backup_url(backup_url.as_deref()))
            .map_err(|e| format!("the core client: {e}"))?;
        let client = build(core)
            .map_err(|e| format!("building the client: {e}"))?
            .with_settings(scenario.settings.adapter_settings());

        let started = (self.clock)();
        let got = perform(&client, scenario.query, scenario.via).await;
        let elapsed = (self.clock)().saturating_sub(started);
        let seen = self.control.requests().await?;

        check_outcome(&scenario.expect, &got, &base_url)?;
        self.check_seen(scenario, &seen, client.product())?;
        let bounds = scenario.elapsed;
        if elapsed < bounds.at_least || elapsed > bounds.at_most {
            return Err(format!(
                "took {elapsed:?}, not between {:?} and {:?}",
                bounds.at_least, bounds.at_most
            ));
        }
        Ok(seen.len())
    }

    /// The base URL and the backup URL of a scenario's client.
    fn urls(&self, hosts: Hosts) -> (String, Option<String>) {
        match hosts {
            Hosts::Primary => (self.primary.clone(), None),
            Hosts::PrimaryAndBackup => (self.primary.clone(), Some(self.backup.clone())),
            Hosts::ClosedAndBackup => (self.closed.clone(), Some(self.backup.clone())),
            Hosts::Closed => (self.closed.clone(), None),
            Hosts::PrimaryOverTls => (self.primary.replacen("http://", "https://", 1), None),
            Hosts::Unresolvable => ("https://nonexistent.invalid".to_owned(), None),
        }
    }

    /// The requests seen against the scenario's: their hosts, statuses, paths and
    /// `User-Agent`s.
    fn check_seen(
        &self,
        scenario: &Scenario,
        seen: &[SeenRequest],
        product: &str,
    ) -> Result<(), String> {
        let role = |request: &SeenRequest| match request.host.as_deref() {
            Some(host) if host == authority(&self.primary) => Some(Role::Primary),
            Some(host) if host == authority(&self.backup) => Some(Role::Backup),
            _ => None,
        };
        let got: Vec<(Option<Role>, Option<u16>)> =
            seen.iter().map(|r| (role(r), r.status)).collect();
        let wanted: Vec<(Option<Role>, Option<u16>)> = scenario
            .seen
            .iter()
            .map(|a| (Some(a.host), a.status))
            .collect();
        if got != wanted {
            return Err(format!(
                "the platform saw (host, status) {got:?}, not {wanted:?}: {seen:?}"
            ));
        }
        // Every request names the adapter, then the core, as the platform's logs should show.
        let user_agent = format!("{product} wechatpay-core/");
        if let Some(request) = seen.iter().find(|r| {
            !r.user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with(&user_agent))
        }) {
            return Err(format!(
                "a request's User-Agent does not start with {user_agent:?}: {request:?}"
            ));
        }
        if let Some(path) = scenario.path
            && let Some(request) = seen.iter().find(|r| r.path_and_query != path)
        {
            return Err(format!(
                "a request went to {:?}, not {path:?}",
                request.path_and_query
            ));
        }
        Ok(())
    }
}

/// `127.0.0.1:8080` of `http://127.0.0.1:8080`: what a request's `Host` names.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// What a call returned, reduced to what the table checks.
#[derive(Debug)]
enum Got {
    Applyment {
        state: String,
        applyment_id: u64,
    },
    Contract {
        auth_state: String,
        openid: Option<String>,
    },
    Status(u16),
}

/// An answer decoded, or, for [`Via::Send`], one that was not a success.
enum Answer<T> {
    Decoded(T),
    Status(u16),
}

impl<T> Answer<T> {
    fn into_got(self, decoded: impl FnOnce(T) -> Got) -> Got {
        match self {
            Answer::Decoded(output) => decoded(output),
            Answer::Status(status) => Got::Status(status),
        }
    }
}

async fn perform<C: Subject>(client: &C, query: Query, via: Via) -> Result<Got, AdapterError> {
    let contract = |contract: wechatpay_core::ecommerce::contract::Contract| Got::Contract {
        auth_state: contract.auth_state.as_str().to_owned(),
        openid: contract.individual_openid,
    };
    Ok(match query {
        Query::Applyment(out_request_no) => {
            let operation = QueryApplymentByOutRequestNo::new(out_request_no)?;
            call(client, &operation, via)
                .await?
                .into_got(|applyment| Got::Applyment {
                    state: applyment.applyment_state.as_str().to_owned(),
                    applyment_id: applyment.applyment_id,
                })
        }
        Query::ContractByCode(code) => {
            let operation = QueryContractByOutContractCode::new(code, seeded::APPID)?;
            call(client, &operation, via).await?.into_got(contract)
        }
        Query::ContractByOpenid(openid) => {
            let operation = QueryContractByOpenid::new(openid, seeded::APPID)?;
            call(client, &operation, via).await?.into_got(contract)
        }
    })
}

async fn call<C: Subject, O: Operation>(
    client: &C,
    operation: &O,
    via: Via,
) -> Result<Answer<O::Output>, AdapterError> {
    match via {
        Via::Execute => client.execute(operation).await.map(Answer::Decoded),
        Via::Send => {
            let response = client.send(client.sign(operation)?).await?;
            if !response.status().is_success() {
                return Ok(Answer::Status(response.status().as_u16()));
            }
            let output = client.core().parse(operation, &response, client.now())?;
            Ok(Answer::Decoded(output))
        }
    }
}

/// What a call returned against what the scenario expects; `host` is the base URL it used.
fn check_outcome(
    expect: &Expect,
    got: &Result<Got, AdapterError>,
    host: &str,
) -> Result<(), String> {
    let differs = || format!("expected {expect:?}, got {got:?}");
    let agrees = |holds: bool| if holds { Ok(()) } else { Err(differs()) };
    let core = got.as_ref().err().and_then(AdapterError::core);
    let request_id = got.as_ref().err().and_then(AdapterError::request_id);
    match (expect, got) {
        (
            Expect::Applyment {
                state,
                applyment_id,
            },
            Ok(Got::Applyment {
                state: got_state,
                applyment_id: got_id,
            }),
        ) => agrees(got_state == state && applyment_id.is_none_or(|id| id == *got_id)),
        (
            Expect::Contract { auth_state, openid },
            Ok(Got::Contract {
                auth_state: got_state,
                openid: got_openid,
            }),
        ) => agrees(
            got_state == auth_state && openid.is_none_or(|o| got_openid.as_deref() == Some(o)),
        ),
        (Expect::Status(status), Ok(Got::Status(got_status))) => agrees(status == got_status),
        (Expect::Verification(kind), Err(error)) => {
            let verification = core.and_then(Error::verification);
            agrees(
                verification.is_some_and(|v| kind.matches(v))
                    && request_id.is_some()
                    && !error.is_retryable(),
            )
        }
        (Expect::Decode, Err(_)) => {
            agrees(matches!(core, Some(Error::Decode(_))) && request_id.is_some())
        }
        (
            Expect::Api {
                status,
                code,
                retryable,
            },
            Err(error),
        ) => {
            let api = core.and_then(Error::api);
            agrees(api.is_some_and(|api| {
                api.status.as_u16() == *status
                    && api.code.as_deref() == *code
                    && request_id.is_some()
                    && error.is_retryable() == *retryable
            }))
        }
        (
            Expect::Transport {
                cause,
                kind,
                attempts,
                starts,
                mentions,
                ends,
            },
            Err(
                error @ AdapterError::Transport {
                    attempts: got_attempts,
                    host: got_host,
                    kind: got_kind,
                    cause: got_cause,
                    ..
                },
            ),
        ) => {
            let shown = error.to_string();
            let holds = got_host == host
                && got_attempts == attempts
                && cause.is_none_or(|c| c == *got_cause)
                && kind.is_none_or(|k| k == *got_kind)
                && shown.starts_with(&starts.replace("{host}", host))
                && shown.ends_with(ends)
                && mentions.is_none_or(|m| shown.to_lowercase().contains(&m.to_lowercase()));
            if holds {
                Ok(())
            } else {
                Err(format!("{}, shown as {shown:?}", differs()))
            }
        }
        (
            Expect::Timeout {
                timeout,
                attempts,
                shown,
            },
            Err(
                error @ AdapterError::Timeout {
                    timeout: got_timeout,
                    attempts: got_attempts,
                    host: got_host,
                },
            ),
        ) => agrees(
            got_timeout == timeout
                && got_attempts == attempts
                && got_host == host
                && error.to_string() == shown.replace("{host}", host),
        ),
        (Expect::BodyTooLarge { limit }, Err(AdapterError::BodyTooLarge { limit: got_limit })) => {
            agrees(limit == got_limit)
        }
        _ => Err(differs()),
    }
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
    use crate::control;
    use rand_core::SeedableRng;

    #[test]
    fn every_fault_of_the_table_is_one_the_mock_reads() {
        for scenario in SCENARIOS {
            for (fault, times) in scenario.faults {
                assert!(fault.parse::<Fault>().is_ok(), "{}: {fault}", scenario.name);
                assert!(*times > 0, "{}", scenario.name);
            }
        }
    }

    #[test]
    fn scenario_names_are_unique() {
        let mut names: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    #[test]
    fn the_request_log_reads_back_from_the_control_route() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap();
        platform.inject(Fault::DropConnection, 1);
        platform.inject(Fault::Slow(Duration::from_millis(5)), 1);
        for _ in 0..2 {
            let unsigned = Request::builder()
                .uri("/v3/ecommerce/applyments/1?x=%20")
                .header("host", "127.0.0.1:9")
                .body(Vec::new())
                .unwrap();
            platform.handle(&unsigned, 1_700_000_000, &mut rng);
        }
        let listed = control::handle(
            &platform,
            &Request::get("/mock/requests").body(Vec::new()).unwrap(),
        );
        assert_eq!(
            seen_from_json(listed.body()).unwrap(),
            MockPlatform::requests(&platform)
        );
        assert!(seen_from_json(b"{}").is_err());
        assert!(seen_from_json(br#"[{"status": 70000}]"#).is_err());
    }

    /// The output of a future that is ready at once, as the platform's control futures are.
    fn ready<F: Future>(future: F) -> F::Output {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(future).poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the platform's control waited"),
        }
    }

    #[test]
    fn the_platform_is_its_own_control() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([4; 32]);
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap();
        assert!(ready(Control::inject(&platform, "slowly", 1)).is_err());
        ready(Control::inject(&platform, "system-error", 1)).unwrap();
        let unsigned = Request::get("/v3/x").body(Vec::new()).unwrap();
        platform.handle(&unsigned, 1_700_000_000, &mut rng);
        assert_eq!(MockPlatform::requests(&platform)[0].status, Some(500));
        platform.inject(Fault::SystemError, 1);
        ready(Control::reset(&platform)).unwrap();
        assert!(MockPlatform::requests(&platform).is_empty());
        platform.handle(&unsigned, 1_700_000_000, &mut rng);
        assert_ne!(
            MockPlatform::requests(&platform)[0].status,
            Some(500),
            "the reset cleared the queued fault"
        );
    }

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
    fn an_outcome_is_checked_field_by_field() {
        let applyment = Expect::Applyment {
            state: "AUDITING",
            applyment_id: Some(7),
        };
        let got = |id| {
            Ok(Got::Applyment {
                state: "AUDITING".to_owned(),
                applyment_id: id,
            })
        };
        assert!(check_outcome(&applyment, &got(7), "http://h").is_ok());
        assert!(check_outcome(&applyment, &got(8), "http://h").is_err());
        let too_large = Err(AdapterError::BodyTooLarge { limit: 256 });
        assert!(check_outcome(&Expect::BodyTooLarge { limit: 256 }, &too_large, "").is_ok());
        assert!(check_outcome(&applyment, &too_large, "").is_err());
        let timeout = Err(AdapterError::Timeout {
            timeout: Duration::from_millis(300),
            attempts: 2,
            host: "http://h".to_owned(),
        });
        let expected = Expect::Timeout {
            timeout: Duration::from_millis(300),
            attempts: 2,
            shown: "no complete answer from {host} within 300ms; gave up after 2 attempts",
        };
        assert!(check_outcome(&expected, &timeout, "http://h").is_ok());
        assert!(check_outcome(&expected, &timeout, "http://elsewhere").is_err());
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

    #[test]
    fn a_url_names_its_authority() {
        assert_eq!(authority("http://127.0.0.1:80"), "127.0.0.1:80");
        assert_eq!(authority("https://h:1/x"), "h:1");
    }
}
