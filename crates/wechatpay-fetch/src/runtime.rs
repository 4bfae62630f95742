//! What the adapter takes from the JavaScript runtime: the global `fetch`, timers, the clock,
//! and the checks that they exist. Bound by global name, never through `window`, so that the
//! same build runs in Cloudflare Workers, Deno and Node.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};
use wechatpay_core::{AdapterError, ErrorChain, TransportCause, TransportFailure};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, millis: f64) -> Result<JsValue, JsValue>;
    // Node returns a `Timeout` object, the others a number: kept as an opaque value.
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(message: &str);
}

/// JavaScript timers take a 32-bit signed number of milliseconds and fire at once when given
/// more; longer waits are clamped to this (about 24.8 days).
const MAX_TIMER_MILLIS: f64 = 2_147_483_647.0;

/// The globals the adapter calls, each with the reason it needs it.
const REQUIRED_GLOBALS: [(&str, &str); 6] = [
    ("fetch", "to send requests"),
    ("Request", "to build requests"),
    ("Headers", "to set request headers"),
    ("AbortController", "to enforce timeouts"),
    ("setTimeout", "for timeouts and retry backoff"),
    ("clearTimeout", "for timeouts"),
];

/// Checks, once, that this runtime can run the adapter safely.
pub(crate) fn check() -> Result<(), AdapterError> {
    if !cfg!(target_family = "wasm") {
        return Err(unsupported(
            "wechatpay-fetch runs only when built for wasm32 in a JavaScript runtime; \
             natively, use wechatpay-hyper or wechatpay-ureq",
        ));
    }
    let global = js_sys::global();
    for (name, purpose) in REQUIRED_GLOBALS {
        let found = Reflect::get(&global, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        if !found.is_function() {
            return Err(unsupported(format!(
                "there is no global `{name}` ({purpose}); use Cloudflare Workers, Deno or Node 20+"
            )));
        }
    }
    // A page has a `document`; Workers, Deno, Node and web workers do not.
    let document =
        Reflect::get(&global, &JsValue::from_str("document")).unwrap_or(JsValue::UNDEFINED);
    if !document.is_undefined() && !document.is_null() {
        return Err(unsupported(
            "this looks like a browser page (there is a global `document`): a merchant private \
             key must never ship to a browser, and browsers hide the Wechatpay-* answer headers \
             from cross-origin code; call WeChat Pay from your server",
        ));
    }
    getrandom::fill(&mut [0u8; 8]).map_err(|e| {
        unsupported(format!(
            "no secure random source (`crypto.getRandomValues`) for nonces and blinding: {e}"
        ))
    })
}

/// A warning on the runtime's console (Workers' logs, Node's stderr).
pub(crate) fn warn(message: &str) {
    console_warn(message);
}

/// The current Unix time in seconds, from `Date.now()`.
pub(crate) fn unix_now() -> u64 {
    // `as` saturates: a clock before 1970 (or NaN) reads 0, which verification then rejects
    // as skew, rather than wrapping around.
    (js_sys::Date::now() / 1000.0) as u64
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0)
        .ceil()
        .min(MAX_TIMER_MILLIS)
}

/// Waits `duration` on a JavaScript timer.
pub(crate) async fn sleep(duration: Duration) -> Result<(), AdapterError> {
    let waiting = Promise::new(&mut |resolve, reject| {
        if let Err(refused) = set_timeout(&resolve, millis(duration)) {
            let _ = reject.call1(&JsValue::UNDEFINED, &refused);
        }
    });
    JsFuture::from(waiting).await.map(drop).map_err(|refused| {
        unsupported(format!(
            "the runtime refused a timer: {}",
            describe(&refused)
        ))
    })
}

/// Starts `fetch(request)`; an `Err` is a synchronous refusal, before anything was sent.
pub(crate) fn fetch(request: &web_sys::Request) -> Result<Promise, AdapterError> {
    global_fetch(request).map_err(|refused| {
        unsupported(format!(
            "`fetch` refused the request: {}",
            describe(&refused)
        ))
    })
}

/// One attempt's time limit: an `AbortController` whose signal goes with the request, aborted
/// by a timer. Dropping it clears the timer and aborts whatever is still in flight, so an
/// abandoned attempt (the caller dropped the future) does not keep a connection busy.
pub(crate) struct Deadline {
    controller: AbortController,
    timeout: Duration,
    timer: JsValue,
    expired: Rc<Cell<bool>>,
    // Kept alive until the timer is cleared, in `drop`, before the fields are dropped.
    on_expiry: Closure<dyn FnMut()>,
}

impl Deadline {
    pub(crate) fn start(timeout: Duration) -> Result<Deadline, AdapterError> {
        let refused = |e: JsValue| unsupported(format!("cannot set a timeout: {}", describe(&e)));
        let controller = AbortController::new().map_err(refused)?;
        let expired = Rc::new(Cell::new(false));
        let on_expiry = {
            let controller = controller.clone();
            let expired = expired.clone();
            Closure::<dyn FnMut()>::new(move || {
                expired.set(true);
                controller.abort();
            })
        };
        let timer =
            set_timeout(on_expiry.as_ref().unchecked_ref(), millis(timeout)).map_err(refused)?;
        Ok(Deadline {
            controller,
            timeout,
            timer,
            expired,
            on_expiry,
        })
    }

    /// Gives the exchange `timeout` again from now: a download's timeout bounds each wait
    /// for the next piece, not the whole file.
    pub(crate) fn renew(&mut self) -> Result<(), AdapterError> {
        let _ = clear_timeout(&self.timer);
        self.timer = set_timeout(
            self.on_expiry.as_ref().unchecked_ref(),
            millis(self.timeout),
        )
        .map_err(|e| unsupported(format!("cannot set a timeout: {}", describe(&e))))?;
        Ok(())
    }

    pub(crate) fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn expired(&self) -> bool {
        self.expired.get()
    }

    /// Stops the exchange now (an oversize body).
    pub(crate) fn abort(&self) {
        self.controller.abort();
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        let _ = clear_timeout(&self.timer);
        // A no-op once the body has been read; otherwise it releases the connection.
        self.controller.abort();
    }
}

pub(crate) fn unsupported(reason: impl Into<String>) -> AdapterError {
    AdapterError::Unsupported {
        reason: reason.into(),
    }
}

/// A JavaScript exception as a Rust error: its `name: message`, with its `cause` (where Node
/// puts the network error) as the error's source, so that the core shows the whole chain.
#[derive(Debug)]
pub(crate) struct JsFailure {
    text: String,
    cause: Option<Box<JsFailure>>,
}

impl std::fmt::Display for JsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for JsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl JsFailure {
    /// A cause that is itself caused by something, four levels at most: a cyclic `cause`
    /// (possible in JavaScript) ends there.
    pub(crate) fn new(value: &JsValue) -> JsFailure {
        Self::with_depth(value, 4)
    }

    fn with_depth(value: &JsValue, depth: u8) -> JsFailure {
        match value.dyn_ref::<js_sys::Error>() {
            Some(error) => {
                let cause = error.cause();
                let has_cause = !cause.is_undefined() && !cause.is_null();
                JsFailure {
                    text: format!(
                        "{}: {}",
                        String::from(error.name()),
                        String::from(error.message())
                    ),
                    cause: (has_cause && depth > 1)
                        .then(|| Box::new(Self::with_depth(&cause, depth - 1))),
                }
            }
            None => JsFailure {
                text: value.as_string().unwrap_or_else(|| format!("{value:?}")),
                cause: None,
            },
        }
    }
}

/// `TypeError: fetch failed: Error: connect ECONNREFUSED 127.0.0.1:1`: the exception and its
/// causes, as the core shows every error chain.
pub(crate) fn describe(value: &JsValue) -> String {
    ErrorChain(&JsFailure::new(value)).to_string()
}

/// Whether a rejected `fetch` can have reached the platform, and what it was. Node names the
/// system error in `cause.code`; other runtimes give no detail, and the policy treats both
/// kinds alike.
pub(crate) fn classify(value: &JsValue) -> (TransportFailure, TransportCause) {
    let code = value
        .dyn_ref::<js_sys::Error>()
        .map(|error| error.cause())
        .and_then(|cause| Reflect::get(&cause, &JsValue::from_str("code")).ok())
        .and_then(|code| code.as_string())
        .unwrap_or_default();
    let connect = TransportFailure::Connect;
    // As in the native adapters, a TLS failure is not claimed to have happened before
    // anything was sent: the code does not say whether it was the handshake.
    let interrupted = TransportFailure::Interrupted;
    match code.as_str() {
        "ECONNREFUSED" => (connect, TransportCause::Refused),
        "ENOTFOUND" | "EAI_AGAIN" => (connect, TransportCause::Dns),
        "EHOSTUNREACH" | "ENETUNREACH" => (connect, TransportCause::Other),
        "UND_ERR_CONNECT_TIMEOUT" => (connect, TransportCause::TimedOut),
        "ECONNRESET" | "EPIPE" | "UND_ERR_SOCKET" => (interrupted, TransportCause::Reset),
        // OpenSSL's words for a plain HTTP answer read as a TLS record.
        "ERR_SSL_WRONG_VERSION_NUMBER" | "ERR_SSL_PACKET_LENGTH_TOO_LONG" => {
            (interrupted, TransportCause::PlainHttp)
        }
        code if code.starts_with("ERR_SSL_")
            || code.starts_with("ERR_TLS_")
            || code.starts_with("CERT_")
            || code.starts_with("UNABLE_TO_")
            || code.contains("SELF_SIGNED") =>
        {
            (interrupted, TransportCause::Tls)
        }
        _ => (interrupted, TransportCause::Other),
    }
}
