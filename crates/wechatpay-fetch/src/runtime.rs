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
use wechatpay_core::{AdapterError, TransportFailure};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(request: &web_sys::Request) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, millis: f64) -> Result<JsValue, JsValue>;
    // Node returns a `Timeout` object, the others a number: kept as an opaque value.
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
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
    _on_expiry: Closure<dyn FnMut()>,
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
            _on_expiry: on_expiry,
        })
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

/// A JavaScript exception as a Rust error: its text, causes included.
#[derive(Debug)]
pub(crate) struct JsFailure(String);

impl std::fmt::Display for JsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsFailure {}

impl JsFailure {
    pub(crate) fn new(value: &JsValue) -> JsFailure {
        JsFailure(describe(value))
    }
}

/// `TypeError: fetch failed (Error: connect ECONNREFUSED 127.0.0.1:1)`: the exception and its
/// causes, which is where Node puts the network error.
pub(crate) fn describe(value: &JsValue) -> String {
    let mut text = String::new();
    let mut current = value.clone();
    let mut causes = 0;
    for depth in 0..4 {
        if current.is_undefined() || current.is_null() {
            break;
        }
        if depth > 0 {
            text.push_str(" (caused by ");
            causes += 1;
        }
        match current.dyn_ref::<js_sys::Error>() {
            Some(error) => {
                text.push_str(&format!(
                    "{}: {}",
                    String::from(error.name()),
                    String::from(error.message())
                ));
                current = error.cause();
            }
            None => {
                text.push_str(
                    &current
                        .as_string()
                        .unwrap_or_else(|| format!("{current:?}")),
                );
                current = JsValue::UNDEFINED;
            }
        }
    }
    // Counted as opened: a message may itself contain " (caused by ".
    text.push_str(&")".repeat(causes));
    text
}

/// Whether a rejected `fetch` can have reached the platform. Node names the system error in
/// `cause.code`; other runtimes give no detail, and the policy treats both kinds alike.
pub(crate) fn classify(value: &JsValue) -> TransportFailure {
    const NOT_CONNECTED: [&str; 6] = [
        "ECONNREFUSED",
        "ENOTFOUND",
        "EAI_AGAIN",
        "EHOSTUNREACH",
        "ENETUNREACH",
        "UND_ERR_CONNECT_TIMEOUT",
    ];
    let code = value
        .dyn_ref::<js_sys::Error>()
        .map(|error| error.cause())
        .and_then(|cause| Reflect::get(&cause, &JsValue::from_str("code")).ok())
        .and_then(|code| code.as_string());
    match code {
        Some(code) if NOT_CONNECTED.contains(&code.as_str()) => TransportFailure::Connect,
        _ => TransportFailure::Interrupted,
    }
}
