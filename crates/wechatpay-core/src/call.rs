//! One operation through its attempts: the retry loop every adapter runs, as a state machine
//! with no I/O, so that hyper, ureq and `fetch` obey the same policy byte for byte; and the
//! error every adapter reports.

use std::time::Duration;

use http::{Request, Response};
use rand_core::CryptoRng;

use crate::client::Client;
use crate::error::Error;
use crate::nonce::Nonce;
use crate::operation::Operation;
use crate::retry::{Decision, Host, Outcome, RetryPolicy, TransportFailure};

/// Drives one [`Operation`] through signing, sending, verification and retries.
///
/// The adapter owns the I/O and the clock; the call owns every decision:
///
/// ```no_run
/// # use wechatpay_core::{AdapterError, AttemptFailure, Call, Client, Operation, RetryPolicy, Step};
/// # fn now() -> u64 { 0 }
/// # fn send(r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, AttemptFailure> { unimplemented!() }
/// # fn sleep(_: std::time::Duration) {}
/// # fn run<O: Operation>(client: &Client, operation: &O, rng: &mut impl rand_core::CryptoRng) -> Result<O::Output, AdapterError> {
/// let mut call = Call::new(client, operation, RetryPolicy::default());
/// loop {
///     let request = call.request(now(), rng)?;
///     let wait = match send(request) {
///         Ok(response) => match call.response(&response, now(), rng) {
///             Step::Done(result) => return Ok(result?),
///             Step::Retry { after } => after,
///         },
///         Err(failure) => call.failed(failure, rng)?,
///     };
///     sleep(wait);
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Call<'a, O: ?Sized> {
    client: &'a Client,
    operation: &'a O,
    policy: RetryPolicy,
    attempt: u32,
    host: Host,
}

/// What follows a response.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over: the decoded output, or the error to report.
    Done(Result<T, Error>),
    /// Wait `after`, then send [`Call::request`] again.
    Retry {
        /// How long to wait.
        after: Duration,
    },
}

impl<'a, O: Operation + ?Sized> Call<'a, O> {
    /// A call that starts on the primary host.
    pub fn new(client: &'a Client, operation: &'a O, policy: RetryPolicy) -> Self {
        Call {
            client,
            operation,
            policy,
            attempt: 0,
            host: Host::Primary,
        }
    }

    /// The signed request for the next attempt: a fresh nonce from `rng`, the current time
    /// `now`, and the host the policy chose.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] from the operation's validation, [`Error::Signing`]: final.
    pub fn request<R: CryptoRng + ?Sized>(
        &mut self,
        now: u64,
        rng: &mut R,
    ) -> Result<Request<Vec<u8>>, Error> {
        self.attempt += 1;
        let nonce = Nonce::generate(rng);
        self.client
            .prepare(self.operation, self.host, now, &nonce, rng)
    }

    /// Verifies and decodes the answer to the last request, or says how long to wait before
    /// retrying it.
    pub fn response<B: AsRef<[u8]>, R: CryptoRng + ?Sized>(
        &mut self,
        response: &Response<B>,
        now: u64,
        rng: &mut R,
    ) -> Step<O::Output> {
        match self.client.parse(self.operation, response, now) {
            Ok(output) => Step::Done(Ok(output)),
            Err(error) => match self.decide(Outcome::Error(&error), rng) {
                Some(after) => Step::Retry { after },
                None => Step::Done(Err(error)),
            },
        }
    }

    /// Records that the last request failed below HTTP: `Ok(wait)` to retry after `wait`, or
    /// the error to report. An oversize answer is final.
    ///
    /// # Errors
    ///
    /// The [`AdapterError`] of `failure` when the policy allows no further attempt.
    pub fn failed<R: CryptoRng + ?Sized>(
        &mut self,
        failure: AttemptFailure,
        rng: &mut R,
    ) -> Result<Duration, AdapterError> {
        let kind = match &failure {
            AttemptFailure::Transport { kind, .. } => *kind,
            AttemptFailure::Timeout { .. } => TransportFailure::Timeout,
            AttemptFailure::BodyTooLarge { .. } => return Err(failure.into_error(self.attempt)),
        };
        match self.decide(Outcome::Transport(kind), rng) {
            Some(after) => Ok(after),
            None => Err(failure.into_error(self.attempt)),
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The host the next (or current) attempt goes to.
    pub fn host(&self) -> Host {
        self.host
    }

    fn decide<R: CryptoRng + ?Sized>(
        &mut self,
        outcome: Outcome<'_>,
        rng: &mut R,
    ) -> Option<Duration> {
        match self.policy.decide(self.attempt, self.host, outcome, rng) {
            Decision::Retry { host, after } => {
                self.host = host;
                Some(after)
            }
            Decision::Stop => None,
        }
    }
}

/// The response body limit adapters apply unless told otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The per-attempt timeout adapters apply unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long adapters keep an idle connection: under the 8 s after which the platform closes
/// it, so that a request never goes out on a connection being closed.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How one attempt failed below HTTP, as an adapter saw it.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The exchange broke: no connection, TLS, or a connection lost mid-way.
    Transport {
        /// Whether anything can have reached the platform.
        kind: TransportFailure,
        /// The adapter's own error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No complete answer within the timeout.
    Timeout {
        /// The per-attempt timeout.
        timeout: Duration,
    },
    /// The answer's body was longer than the limit; reading stopped there.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl AttemptFailure {
    /// The error to report after `attempts` attempts.
    pub fn into_error(self, attempts: u32) -> AdapterError {
        match self {
            AttemptFailure::Transport { source, .. } => {
                AdapterError::Transport { attempts, source }
            }
            AttemptFailure::Timeout { timeout } => AdapterError::Timeout { timeout, attempts },
            AttemptFailure::BodyTooLarge { limit } => AdapterError::BodyTooLarge { limit },
        }
    }
}

/// The error of an adapter: the core's, or what went wrong moving the bytes. Every adapter
/// reports this one type, so code that switches adapters keeps its error handling.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Signing, verification, an API error answer, decoding: see [`Error`].
    #[error(transparent)]
    Core(#[from] Error),
    /// The exchange failed below HTTP (connect, TLS, broken connection), on every attempt allowed.
    #[error(
        "transport failure after {attempts} attempt(s): {source}; check the network path to the platform"
    )]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No complete answer within the timeout, on every attempt allowed.
    #[error("no answer within {timeout:?} after {attempts} attempt(s)")]
    Timeout {
        /// The per-attempt timeout.
        timeout: Duration,
        /// Attempts made.
        attempts: u32,
    },
    /// The answer's body was longer than the limit; reading stopped there.
    #[error("the answer's body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The runtime cannot send this request as the platform requires it (a JavaScript
    /// runtime without `fetch`, one that drops the `User-Agent`, a browser page). Nothing was
    /// sent; trying again in the same runtime fails the same way.
    #[error("this runtime cannot send WeChat Pay requests: {reason}")]
    Unsupported {
        /// What is missing or refused, and what to do instead.
        reason: String,
    },
}

impl AdapterError {
    /// The core error, if this is one.
    pub fn core(&self) -> Option<&Error> {
        match self {
            AdapterError::Core(error) => Some(error),
            _ => None,
        }
    }

    /// The `Request-ID` of the answer this error came from.
    pub fn request_id(&self) -> Option<&str> {
        self.core().and_then(Error::request_id)
    }

    /// Whether trying again later may succeed. The retries the policy allows have been made.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdapterError::Core(error) => error.is_retryable(),
            AdapterError::Transport { .. } | AdapterError::Timeout { .. } => true,
            AdapterError::BodyTooLarge { .. } | AdapterError::Unsupported { .. } => false,
        }
    }
}
