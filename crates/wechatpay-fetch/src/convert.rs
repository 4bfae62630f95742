//! `http` values to and from the JavaScript `Request` and `Response`, byte for byte.

use http::header::USER_AGENT;
use http::{HeaderName, HeaderValue};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStreamDefaultReader, ReadableStreamReadResult, RequestInit,
    RequestRedirect,
};
use wechatpay_core::{AdapterError, AdapterSettings, AttemptFailure, TransportCause};

use crate::runtime::{Deadline, JsFailure, classify, describe, unsupported};

/// The JavaScript `Request` for a signed request. Sets no `mode`, `credentials`, `cache` or
/// `referrer` (Workers refuse them) and does not follow redirects (the signed request must
/// not go anywhere else). Fails, before anything is sent, when the runtime would not send
/// the request as signed: a refused header, a dropped `User-Agent`, a rewritten URL.
pub(crate) fn request(
    signed: &http::Request<Vec<u8>>,
    signal: &AbortSignal,
) -> Result<web_sys::Request, AdapterError> {
    let headers = Headers::new()
        .map_err(|e| unsupported(format!("cannot build Headers: {}", describe(&e))))?;
    for (name, value) in signed.headers() {
        headers
            .append(name.as_str(), &latin1(value.as_bytes()))
            .map_err(|e| {
                unsupported(format!(
                    "the runtime refuses to set the {name} header: {}",
                    describe(&e)
                ))
            })?;
    }
    let init = RequestInit::new();
    init.set_method(signed.method().as_str());
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(signal));
    if !signed.body().is_empty() {
        init.set_body(&Uint8Array::from(signed.body().as_slice()));
    }
    let url = signed.uri().to_string();
    let built = web_sys::Request::new_with_str_and_init(&url, &init).map_err(|e| {
        unsupported(format!(
            "the runtime refuses the request to {url}: {}",
            describe(&e)
        ))
    })?;

    // WeChat Pay answers 400 INVALID_REQUEST to a request without a User-Agent. A runtime that
    // filters it as a forbidden header (a browser does) drops it here, silently.
    if let Some(expected) = signed.headers().get(USER_AGENT) {
        let kept = built.headers().get(USER_AGENT.as_str()).ok().flatten();
        if kept.as_deref().map(str::as_bytes) != Some(expected.as_bytes()) {
            return Err(unsupported(format!(
                "the runtime drops the User-Agent header (kept: {kept:?}), and WeChat Pay \
                 refuses requests without one; use Cloudflare Workers, Deno or Node"
            )));
        }
    }
    // The signature covers the path and query as signed: a runtime that normalises the URL
    // would send a request the platform rejects as SIGN_ERROR.
    let sent = built.url();
    let signed_path = signed.uri().path_and_query().map_or("/", |p| p.as_str());
    let same_path = sent
        .strip_suffix(signed_path)
        .and_then(|origin| origin.split_once("://"))
        .is_some_and(|(_, authority)| !authority.contains('/'));
    if !same_path {
        return Err(unsupported(format!(
            "the runtime rewrote the URL {url} as {sent}; the signature covers the path as signed"
        )));
    }
    Ok(built)
}

/// The answer's status and headers, as an `http` response with an empty body.
pub(crate) fn head(answer: &web_sys::Response) -> Result<http::Response<Vec<u8>>, AttemptFailure> {
    let mut builder = http::Response::builder().status(answer.status());
    let entries = js_sys::try_iter(&answer.headers())
        .map_err(|e| interrupted(&e))?
        .into_iter()
        .flatten();
    for entry in entries {
        let entry = entry.map_err(|e| interrupted(&e))?;
        let pair = js_sys::Array::from(&entry);
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            continue;
        };
        // The runtime has already validated both; anything `http` still refuses is skipped
        // rather than failing an answer whose signed parts are intact.
        let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.as_bytes()),
            bytes_of_latin1(&value).map(|bytes| HeaderValue::from_bytes(&bytes)),
        ) else {
            continue;
        };
        builder = builder.header(name, value);
    }
    builder
        .body(Vec::new())
        .map_err(|e| AttemptFailure::Transport {
            kind: wechatpay_core::TransportFailure::Interrupted,
            cause: TransportCause::Other,
            source: Box::new(e),
        })
}

/// The pieces of an answer's body, as the runtime hands them over.
pub(crate) struct Chunks {
    reader: Option<ReadableStreamDefaultReader>,
}

impl Chunks {
    pub(crate) fn of(answer: &web_sys::Response) -> Chunks {
        Chunks {
            reader: answer
                .body()
                .map(|stream| stream.get_reader().unchecked_into()),
        }
    }

    /// The next piece; `None` at the end.
    pub(crate) async fn next(
        &self,
        deadline: &Deadline,
    ) -> Result<Option<Uint8Array>, AttemptFailure> {
        let Some(reader) = &self.reader else {
            return Ok(None);
        };
        let read = JsFuture::from(reader.read())
            .await
            .map_err(|e| failure(&e, deadline))?;
        let read: ReadableStreamReadResult = read.unchecked_into();
        if read.get_done().unwrap_or(false) {
            return Ok(None);
        }
        // Body chunks are Uint8Arrays; anything else is copied into one.
        Ok(Some(
            read.get_value()
                .dyn_into::<Uint8Array>()
                .unwrap_or_else(|other| Uint8Array::new(&other)),
        ))
    }
}

/// Reads the answer within the deadline, counting the body against `limit` while reading so
/// that an oversize answer stops the transfer instead of filling memory.
pub(crate) async fn response(
    answer: web_sys::Response,
    limit: usize,
    deadline: &Deadline,
) -> Result<http::Response<Vec<u8>>, AttemptFailure> {
    let (parts, _) = head(&answer)?.into_parts();
    if let Err(too_large) = AdapterSettings::check_declared_length(&parts.headers, limit as u64) {
        deadline.abort();
        return Err(too_large);
    }
    let mut body = Vec::new();
    let chunks = Chunks::of(&answer);
    while let Some(chunk) = chunks.next(deadline).await? {
        let length = chunk.length() as usize;
        // `body.len() <= limit` holds here, so this cannot overflow, even for usize::MAX.
        if length > limit - body.len() {
            // Aborting errors the body stream too, and leaves no promise to be rejected
            // unhandled (a `reader.cancel()` would).
            deadline.abort();
            return Err(AttemptFailure::BodyTooLarge { limit });
        }
        let start = body.len();
        body.resize(start + length, 0);
        chunk.copy_to(&mut body[start..]);
    }
    Ok(http::Response::from_parts(parts, body))
}

/// A rejected `fetch` or read: a timeout if the deadline fired, else a transport failure.
pub(crate) fn failure(value: &wasm_bindgen::JsValue, deadline: &Deadline) -> AttemptFailure {
    if deadline.expired() {
        AttemptFailure::Timeout {
            timeout: deadline.timeout(),
        }
    } else {
        let (kind, cause) = classify(value);
        AttemptFailure::Transport {
            kind,
            cause,
            source: Box::new(JsFailure::new(value)),
        }
    }
}

/// A failure that can have reached the platform, with the JavaScript error's text.
pub(crate) fn interrupted(value: &wasm_bindgen::JsValue) -> AttemptFailure {
    AttemptFailure::Transport {
        kind: wechatpay_core::TransportFailure::Interrupted,
        cause: TransportCause::Other,
        source: Box::new(JsFailure::new(value)),
    }
}

/// Header values cross into JavaScript as "byte strings": one character per byte.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes of a byte string; `None` if a character is above U+00FF (not from the wire).
fn bytes_of_latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_strings_round_trip_every_byte() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(bytes_of_latin1(&latin1(&bytes)), Some(bytes));
        assert_eq!(bytes_of_latin1("签名"), None);
    }
}
