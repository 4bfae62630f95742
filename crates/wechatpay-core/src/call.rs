//! One operation through its attempts: the retry loop every adapter runs, as a state machine
//! with no I/O, so that hyper, ureq and `fetch` obey the same policy byte for byte.

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
/// # use wechatpay_core::{Call, Client, Operation, RetryPolicy, Step, TransportFailure};
/// # fn now() -> u64 { 0 }
/// # fn send(r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportFailure> { unimplemented!() }
/// # fn sleep(_: std::time::Duration) {}
/// # fn run<O: Operation>(client: &Client, operation: &O, rng: &mut impl rand_core::CryptoRng) -> Result<O::Output, Box<dyn std::error::Error>> {
/// let mut call = Call::new(client, operation, RetryPolicy::default());
/// loop {
///     let request = call.request(now(), rng)?;
///     let wait = match send(request) {
///         Ok(response) => match call.response(&response, now(), rng) {
///             Step::Done(result) => return Ok(result?),
///             Step::Retry { after } => after,
///         },
///         Err(failure) => match call.transport_failure(failure, rng) {
///             Some(after) => after,
///             None => return Err(format!("transport failed: {failure:?}").into()),
///         },
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

    /// Records that the last request failed in transport; `Some(wait)` to retry after `wait`,
    /// `None` to give up and report the failure.
    pub fn transport_failure<R: CryptoRng + ?Sized>(
        &mut self,
        failure: TransportFailure,
        rng: &mut R,
    ) -> Option<Duration> {
        self.decide(Outcome::Transport(failure), rng)
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
