//! The wasm32 adapter of `wechatpay-core`: the global `fetch` of Cloudflare Workers, Deno and
//! Node 20+.
//!
//! **Not for browsers.** A merchant private key must never ship to a browser, and browsers
//! hide the `Wechatpay-*` answer headers from cross-origin code, so no answer could be
//! verified there anyway. [`FetchClient::new`] refuses to start on a page (a global
//! `document`).
//!
//! Like the native adapters it only moves bytes, and obeys the core's retry and failover
//! policy ([`wechatpay_core::Call`]). It takes from the runtime what the sans-IO core must not
//! take itself:
//!
//! - the time from `Date.now()`; nonces, OAEP and blinding randomness from
//!   `crypto.getRandomValues` (through `getrandom`);
//! - the global `fetch`, bound by name rather than through `window`, with no `mode`,
//!   `credentials`, `cache` or `referrer` (Workers refuse them) and redirects not followed;
//! - a per-attempt timeout through an `AbortController` and a timer, which covers reading the
//!   whole answer; a response body limit counted while reading the stream (1 MiB by default);
//! - the retry backoff on `setTimeout`.
//!
//! A request the runtime would not send as signed fails before it is sent, with
//! [`Error::Unsupported`]: a runtime that drops the `User-Agent` (the platform answers
//! `400 INVALID_REQUEST` without one) or rewrites the URL (the signature covers the path).
//! Workers, Deno and Node send the adapter's `User-Agent` as set.
//!
//! ```no_run
//! use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
//! use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
//! use wechatpay_fetch::FetchClient;
//!
//! /// In a Worker, the PEMs come from secrets (`env.secret("MERCHANT_KEY")`).
//! async fn applyment_state(merchant_key_pem: &str, platform_public_key_pem: &str)
//!     -> Result<String, Box<dyn std::error::Error>> {
//!     let credentials = MerchantCredentials::new(
//!         "1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001", merchant_key_pem)?;
//!     let mut platform_keys = PlatformKeys::new();
//!     platform_keys.add_public_key(
//!         "PUB_KEY_ID_0119000000012024112300000000000001", platform_public_key_pem)?;
//!     let wechatpay = FetchClient::new(Client::new(credentials, platform_keys)?)?;
//!
//!     let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")?;
//!     let applyment = wechatpay.execute(&query).await?;
//!     Ok(format!("{}: {:?}", applyment.applyment_state, applyment.next_step()))
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod convert;
mod random;
mod runtime;

pub use random::JsRandom;

use std::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wechatpay_core::{AttemptFailure, Call, Operation, RetryPolicy, Step, origin};

/// The defaults every adapter shares: 1 MiB body limit, 10 s per attempt.
pub use wechatpay_core::{DEFAULT_BODY_LIMIT, DEFAULT_TIMEOUT};

/// The adapter's error: the core's, or what went wrong moving the bytes (the same type for
/// every adapter).
pub use wechatpay_core::AdapterError as Error;

const PRODUCT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A WeChat Pay client over the runtime's `fetch`. Build it once per Worker instance (key
/// parsing is the expensive part) and share it by reference.
#[derive(Debug)]
pub struct FetchClient {
    core: wechatpay_core::Client,
    timeout: Duration,
    body_limit: usize,
    retry: RetryPolicy,
}

impl FetchClient {
    /// A client for this runtime: checks once that it has what the adapter needs.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] outside wasm32, in a runtime without a global `fetch`,
    /// `Request`, `Headers`, `AbortController`, timers or `crypto.getRandomValues`, or on a
    /// browser page; [`Error::Core`] if the adapter cannot name itself in the `User-Agent`.
    pub fn new(core: wechatpay_core::Client) -> Result<Self, Error> {
        runtime::check()?;
        Ok(FetchClient {
            core: core.with_user_agent_product(PRODUCT)?,
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            retry: RetryPolicy::default(),
        })
    }

    /// Sets the per-attempt timeout (sending and reading the whole answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response body limit, in bytes.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// Sets the retry and failover policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The core client.
    pub fn core(&self) -> &wechatpay_core::Client {
        &self.core
    }

    /// Runs `operation` to its verified, decoded output, retrying as the policy says.
    ///
    /// # Errors
    ///
    /// [`Error::Core`] for what the platform answered or what failed verification;
    /// [`Error::Transport`] or [`Error::Timeout`] when the last attempt allowed failed so;
    /// [`Error::BodyTooLarge`]; [`Error::Unsupported`] when the runtime would not send the
    /// request as signed.
    pub async fn execute<O: Operation + ?Sized>(&self, operation: &O) -> Result<O::Output, Error> {
        let mut rng = JsRandom::default();
        let mut call = Call::new(&self.core, operation, self.retry);
        loop {
            let request = call.request(runtime::unix_now(), &mut rng)?;
            let wait = match self.exchange(request).await? {
                Ok(response) => match call.response(&response, runtime::unix_now(), &mut rng) {
                    Step::Done(result) => return Ok(result?),
                    Step::Retry { after } => after,
                },
                Err(failure) => call.failed(failure, &mut rng)?,
            };
            runtime::sleep(wait).await?;
        }
    }

    /// Sends one request exactly as given (no signing, no retry) and reads the answer within
    /// the timeout and the body limit: for tools that show each step. Verify the answer with
    /// [`wechatpay_core::Client::parse`] before trusting it.
    ///
    /// # Errors
    ///
    /// [`Error::Transport`], [`Error::Timeout`] or [`Error::BodyTooLarge`], with one attempt;
    /// [`Error::Unsupported`].
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let host = origin(request.uri());
        self.exchange(request)
            .await?
            .map_err(|failure| failure.into_error(1, &host))
    }

    /// One exchange within the timeout and the body limit. The outer error is final (the
    /// request cannot be sent from this runtime); the inner one is the attempt's failure, for
    /// the retry policy to judge.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<Result<http::Response<Vec<u8>>, AttemptFailure>, Error> {
        let deadline = runtime::Deadline::start(self.timeout)?;
        let outgoing = convert::request(&request, &deadline.signal())?;
        let pending = runtime::fetch(&outgoing)?;
        let attempt = async {
            let answer = JsFuture::from(pending)
                .await
                .map_err(|e| convert::failure(&e, &deadline))?;
            let answer = answer
                .dyn_into::<web_sys::Response>()
                .map_err(|other| convert::interrupted(&other))?;
            convert::response(answer, self.body_limit, &deadline).await
        };
        Ok(attempt.await)
    }
}
