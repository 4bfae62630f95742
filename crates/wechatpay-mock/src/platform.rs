//! The platform's side of an exchange, with no I/O: a request and the time in, an answer out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http::{Request, Response};
use pkcs8::DecodePublicKey;
use rand_core::CryptoRng;
use rsa::Oaep;
use sha1::Sha1;
use wechatpay_core::{Backend, PlatformSigner};

use crate::endpoints;
use crate::faults::Fault;
use crate::keyring::Keyring;
use crate::keys::MockKeys;
use crate::store::{Seeding, Store};

mod certificates;
mod stages;

/// How far a request's timestamp may be from the platform's clock.
pub const MAX_REQUEST_SKEW: u64 = 300;

/// How many requests [`MockPlatform::requests`] keeps: the newest ones. A long-running demo
/// server would otherwise grow without bound.
pub const MAX_REQUESTS_KEPT: usize = 10_000;

/// How many bytes of each text of a [`SeenRequest`] are kept (path and query, `Host`,
/// `User-Agent`): enough for any real request, and with [`MAX_REQUESTS_KEPT`] a bound on the
/// log's memory whatever the requests carry.
pub const MAX_RECORDED_TEXT: usize = 8 * 1024;

/// How many faults may wait in the queue at once when injected through the control route.
pub const MAX_QUEUED_FAULTS: usize = 1024;

/// The mock platform could not be built from its keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A key was refused.
    #[error("mock platform key {which}: {reason}")]
    Key {
        /// Which key.
        which: &'static str,
        /// Why.
        reason: String,
    },
}

/// What the platform does with one request.
#[derive(Debug)]
pub struct Answer {
    /// The response, or `None` to close the connection without one.
    pub response: Option<Response<Vec<u8>>>,
    /// How long to wait before answering.
    pub delay: Duration,
}

/// One request the platform saw, for tests that count attempts. Its texts are cut to
/// [`MAX_RECORDED_TEXT`] bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeenRequest {
    /// The method.
    pub method: String,
    /// The path and query, exactly as received.
    pub path_and_query: String,
    /// The `Host` header.
    pub host: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
}

/// The platform's own bookkeeping, apart from the endpoints' records.
struct State {
    faults: VecDeque<(Fault, u32)>,
    seen: VecDeque<SeenRequest>,
    sequence: u64,
    /// The keys and the mode, replaced whole on a change: a request takes one snapshot.
    keyring: Arc<Keyring>,
}

/// A WeChat Pay platform in memory: it checks a merchant's requests exactly as the real platform
/// does, answers the e-commerce applyment and contract queries from its store, signs every
/// answer, and misbehaves on demand.
///
/// It is `Send + Sync`; one instance can sit behind several loopback servers (a primary and a
/// backup host) so that tests see every attempt in one log.
pub struct MockPlatform {
    keys: MockKeys,
    merchant_key: rsa::PublicKey,
    /// Signs as if it were the platform, with the wrong key, for [`Fault::WrongSigningKey`].
    impostor: PlatformSigner,
    store: Store,
    state: Mutex<State>,
}

impl MockPlatform {
    /// A platform for `keys` in [public key mode](crate::PlatformMode::PublicKey) (see
    /// [`MockPlatform::with_mode`]), its store seeded by every endpoint: one applyment in each
    /// state and the contracts of [`records::seeded`](crate::records::seeded). `rng` encrypts
    /// the seeded account fields.
    ///
    /// # Errors
    ///
    /// [`SetupError`] when a key cannot be read, or the certificate of `keys` is not the
    /// certificate of its key.
    pub fn new<R: CryptoRng + ?Sized>(keys: MockKeys, rng: &mut R) -> Result<Self, SetupError> {
        let key_error =
            |which: &'static str| move |reason: String| SetupError::Key { which, reason };
        let merchant_key = rsa::PublicKey::from_public_key_pem(&keys.merchant_public_key_pem)
            .map_err(|e| key_error("merchant_public_key")(e.to_string()))?;
        let keyring = Keyring::new(&keys)?;
        let impostor = PlatformSigner::new(
            &keys.platform_public_key_id,
            &keys.merchant_private_key_pem,
            Backend::default(),
        )
        .map_err(|e| key_error("merchant_private_key")(e.to_string()))?;
        let store = {
            let mut encrypt = |plaintext: &str| encrypt_to(&merchant_key, plaintext, rng);
            let mut seeding = Seeding::new(&mut encrypt);
            endpoints::seed(&mut seeding)?;
            seeding.into_store()
        };
        Ok(MockPlatform {
            keys,
            merchant_key,
            impostor,
            store,
            state: Mutex::new(State {
                faults: VecDeque::new(),
                seen: VecDeque::new(),
                sequence: 0,
                keyring: Arc::new(keyring),
            }),
        })
    }

    /// The keys both sides use.
    pub fn keys(&self) -> &MockKeys {
        &self.keys
    }

    /// Encrypts a sensitive field to the merchant (RSA-OAEP, SHA-1), as the platform does.
    ///
    /// # Errors
    ///
    /// [`SetupError::Key`] when the text is too long for the key.
    pub fn encrypt_for_merchant<R: CryptoRng + ?Sized>(
        &self,
        plaintext: &str,
        rng: &mut R,
    ) -> Result<String, SetupError> {
        encrypt_to(&self.merchant_key, plaintext, rng)
    }

    /// Applies `fault` to the next `times` requests, after the faults already queued.
    /// "Fail N times, then succeed" is `inject(Fault::SystemError, n)`.
    pub fn inject(&self, fault: Fault, times: u32) {
        if times > 0 {
            self.lock().faults.push_back((fault, times));
        }
    }

    /// As [`MockPlatform::inject`], for the control route: refused, with the number of faults
    /// queued, when [`MAX_QUEUED_FAULTS`] are already waiting, since anyone who can reach the
    /// route could otherwise fill memory with them.
    pub(crate) fn inject_bounded(&self, fault: Fault, times: u32) -> Result<(), usize> {
        let mut state = self.lock();
        if state.faults.len() >= MAX_QUEUED_FAULTS {
            return Err(state.faults.len());
        }
        if times > 0 {
            state.faults.push_back((fault, times));
        }
        Ok(())
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Every request seen so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.lock().seen.iter().cloned().collect()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.lock().seen.clear();
    }

    /// Answers `request` at Unix time `now`, as the platform would.
    ///
    /// A lock is held only to take the next fault, to look a record up and to log the
    /// request: verification, signing and faults run outside it, so that nothing a request
    /// carries can poison it.
    pub fn handle<R: CryptoRng + ?Sized>(
        &self,
        request: &Request<Vec<u8>>,
        now: u64,
        rng: &mut R,
    ) -> Answer {
        let (fault, sequence, keyring) = {
            let mut state = self.lock();
            state.sequence = state.sequence.wrapping_add(1);
            (
                next_fault(&mut state.faults),
                state.sequence,
                state.keyring.clone(),
            )
        };
        let request_id = format!("{:016X}{:016X}", now, sequence ^ rng.next_u64());
        let mut seen = SeenRequest {
            method: request.method().to_string(),
            path_and_query: recorded(
                request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or_default(),
            ),
            host: header_text(request, "host").map(recorded),
            user_agent: header_text(request, "user-agent").map(recorded),
            status: None,
            fault: fault.clone(),
        };
        let answer = self.exchange(request, now, &keyring, fault.as_ref(), &request_id, rng);
        seen.status = answer.response.as_ref().map(|r| r.status().as_u16());
        self.record(seen);
        answer
    }

    /// The platform's keys and mode now: a snapshot, unchanged by a later rotation.
    pub(crate) fn keyring(&self) -> Arc<Keyring> {
        self.lock().keyring.clone()
    }

    /// The endpoints' records.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Logs a request, forgetting the oldest beyond [`MAX_REQUESTS_KEPT`].
    fn record(&self, seen: SeenRequest) {
        let mut state = self.lock();
        if state.seen.len() >= MAX_REQUESTS_KEPT {
            state.seen.pop_front();
        }
        state.seen.push_back(seen);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing that can panic runs under the lock; should a caller's thread die holding it
        // all the same, every critical section leaves the state consistent, so go on.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for MockPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        let certificates: Vec<&str> = state
            .keyring
            .certificates()
            .map(|c| c.serial.as_str())
            .collect();
        f.debug_struct("MockPlatform")
            .field("keys", &self.keys)
            .field("mode", &state.keyring.mode())
            .field("certificates", &certificates)
            .field("queued_faults", &state.faults)
            .field("requests_seen", &state.seen.len())
            .finish_non_exhaustive()
    }
}

fn encrypt_to<R: CryptoRng + ?Sized>(
    merchant_key: &rsa::PublicKey,
    plaintext: &str,
    rng: &mut R,
) -> Result<String, SetupError> {
    use base64::Engine as _;
    let ciphertext = merchant_key
        .encrypt(rng, Oaep::<Sha1>::new(), plaintext.as_bytes())
        .map_err(|e| SetupError::Key {
            which: "merchant_public_key",
            reason: e.to_string(),
        })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(ciphertext))
}

fn next_fault(faults: &mut VecDeque<(Fault, u32)>) -> Option<Fault> {
    let (fault, remaining) = faults.front_mut()?;
    let fault = fault.clone();
    if *remaining > 1 {
        *remaining -= 1;
    } else {
        faults.pop_front();
    }
    Some(fault)
}

fn header_text<'a>(request: &'a Request<Vec<u8>>, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|h| h.to_str().ok())
}

/// `text`, cut to at most [`MAX_RECORDED_TEXT`] bytes on a character boundary.
fn recorded(text: &str) -> String {
    let mut end = text.len().min(MAX_RECORDED_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}
