//! Retry and failover, decided as a pure function of what happened; adapters obey.

use std::time::Duration;

use rand_core::Rng;

use crate::error::{ApiError, Error};

/// Which of the two access points a request goes to. The host is not signed, so the same
/// request may be sent to either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host {
    /// `api.mch.weixin.qq.com`: the nearest access point.
    Primary,
    /// `api2.mch.weixin.qq.com`: an access point in another city.
    Backup,
}

impl Host {
    /// The other host.
    pub fn other(self) -> Host {
        match self {
            Host::Primary => Host::Backup,
            Host::Backup => Host::Primary,
        }
    }
}

/// How a transport attempt failed, as an adapter saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// No connection was made (DNS, refused, TLS handshake): nothing reached the platform.
    Connect,
    /// The request or the answer did not complete in time.
    Timeout,
    /// The connection broke mid-exchange.
    Interrupted,
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Outcome<'a> {
    /// The transport failed.
    Transport(TransportFailure),
    /// The platform answered, and the core turned the answer into this error.
    Error(&'a Error),
}

/// Whether, and where, a failed attempt may be tried again: the one classification that
/// [`Error::is_retryable`] and [`RetryPolicy`] both use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Final: the same request would fail the same way (`4xx`, verification, decoding).
    Never,
    /// The platform asks for the same request again on the same host (`SYSTEM_ERROR`, a rate
    /// limit).
    SameHost,
    /// The access point itself is in trouble (transport failures, gateway answers): the other
    /// host, when failover is on.
    OtherHost,
}

impl Retry {
    /// How `outcome` may be retried.
    pub fn of(outcome: Outcome<'_>) -> Retry {
        match outcome {
            Outcome::Transport(_) => Retry::OtherHost,
            Outcome::Error(Error::Api(api)) => Retry::of_api_error(api),
            Outcome::Error(_) => Retry::Never,
        }
    }

    /// How an error answer may be retried: `429` and the platform's `SYSTEM_ERROR`,
    /// `RATELIMIT_EXCEEDED` and `FREQUENCY_LIMITED` on the same host; `502`, `503`, `504` and
    /// any `5xx` without a platform error body (a gateway or load balancer answered) on the
    /// other.
    pub fn of_api_error(api: &ApiError) -> Retry {
        match (api.status.as_u16(), api.code.as_deref()) {
            (429, _) => Retry::SameHost,
            (500..=599, Some("SYSTEM_ERROR" | "RATELIMIT_EXCEEDED" | "FREQUENCY_LIMITED")) => {
                Retry::SameHost
            }
            (502..=504, Some(_)) => Retry::SameHost,
            (500..=599, None) => Retry::OtherHost,
            _ => Retry::Never,
        }
    }
}

/// What to do after a failed attempt: exactly one of two things, so it is not
/// `#[non_exhaustive]` and an adapter's `match` needs no fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again, to `host`, after waiting `after`.
    Retry {
        /// Where to send the next attempt.
        host: Host,
        /// How long to wait first.
        after: Duration,
    },
    /// Give up and report the last failure.
    Stop,
}

/// Bounded retries with exponential backoff, full of jitter, and failover to the backup host.
///
/// - Transport failures and gateway answers (`502`/`503`/`504`, or a `5xx` with no platform
///   error body) retry on the other host: the access point itself is in trouble.
/// - `SYSTEM_ERROR`, `RATELIMIT_EXCEEDED` and `429` retry on the same host with the same
///   parameters, as the platform asks; a `Retry-After` longer than `max_delay` (or
///   [`MAX_BACKOFF`]) stops instead.
/// - Everything else stops at once: `4xx`, verification failures, decode errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// The backoff before the second attempt; it doubles with each further attempt.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// Whether retries may move to the backup host.
    pub failover: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms base delay, 5 s cap, failover on.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            failover: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// A policy with `max_attempts` attempts and the default delays.
    pub fn with_max_attempts(self, max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            ..self
        }
    }

    /// A policy with these delays.
    pub fn with_delays(self, base_delay: Duration, max_delay: Duration) -> Self {
        RetryPolicy {
            base_delay,
            max_delay,
            ..self
        }
    }

    /// A policy that never leaves the host it started on.
    pub fn without_failover(self) -> Self {
        RetryPolicy {
            failover: false,
            ..self
        }
    }

    /// Decides what follows attempt number `attempt` (1 for the first) sent to `host`.
    /// `rng` draws the jitter.
    pub fn decide<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        host: Host,
        outcome: Outcome<'_>,
        rng: &mut R,
    ) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::Stop;
        }
        let host = match Retry::of(outcome) {
            Retry::Never => return Decision::Stop,
            Retry::SameHost => host,
            Retry::OtherHost if self.failover => host.other(),
            Retry::OtherHost => host,
        };
        let backoff = self.backoff(attempt, rng);
        let asked = match outcome {
            Outcome::Error(Error::Api(api)) => api.retry_after,
            _ => None,
        };
        let after = match asked {
            Some(wait) if wait > self.max_delay.min(MAX_BACKOFF) => return Decision::Stop,
            Some(wait) => wait.max(backoff),
            None => backoff,
        };
        Decision::Retry { host, after }
    }

    /// "Equal jitter": half the exponential delay fixed, half drawn, so retries spread out
    /// without ever going back to back. The wait is between half the ceiling and the ceiling,
    /// where the ceiling is `base_delay * 2^(attempt-1)`, at most `max_delay`, and never more
    /// than [`MAX_BACKOFF`] however large the configured delays are.
    fn backoff<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay)
            .min(MAX_BACKOFF);
        // Both halves fit in u64 nanoseconds (MAX_BACKOFF is far below 2^64 ns), so neither the
        // modulus nor the sum can overflow.
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let half = ceiling_nanos / 2;
        let spread = ceiling_nanos - half;
        let drawn = rng.next_u64() % (spread + 1);
        Duration::from_nanos(half + drawn)
    }
}

/// The longest backoff [`RetryPolicy::decide`] ever asks for: one day. A larger configured
/// delay is a mistake (a typo in a unit) rather than a plan, and would otherwise overflow the
/// arithmetic, or a timer.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);
