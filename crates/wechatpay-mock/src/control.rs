//! The control routes a [`MockServer`](crate::MockServer) can answer besides the platform's, so
//! that a test which cannot call [`MockPlatform`] in-process (a wasm test under Node, a test in
//! another language) can still inject faults and count attempts over HTTP.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /mock/faults` with `{"fault": "system-error", "times": 2}` | [`MockPlatform::inject`] (`times` defaults to 1; names as [`Fault`]'s `Display`) |
//! | `DELETE /mock/faults` | [`MockPlatform::clear_faults`] |
//! | `GET /mock/requests` | [`MockPlatform::requests`] as a JSON array |
//! | `DELETE /mock/requests` | [`MockPlatform::clear_requests`] |
//! | `POST /mock/bills` with `{"size": 3145728}` | [`MockPlatform::set_bill_size`] (bytes, at most [`MAX_BILL_SIZE`]) |
//!
//! They need no signature: they are for loopback test servers only.
//!
//! Every value is bounded, and a value past its bound is answered `400` with
//! `{"error": "..."}` naming the bound: `slow:` at most [`Fault::MAX_DELAY`] (600000 ms),
//! `oversize-body:` at most [`Fault::MAX_OVERSIZE_BODY`] (64 MiB), `times` a `u32`, and at most
//! [`MAX_QUEUED_FAULTS`] faults waiting at once.

use http::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};

use crate::endpoints::bill::MAX_BILL_SIZE;
use crate::faults::Fault;
use crate::platform::{MAX_QUEUED_FAULTS, MockPlatform};

/// The prefix of every control route; the platform's own routes all start with `/v3/`.
pub const PREFIX: &str = "/mock/";

/// Answers a request whose path starts with [`PREFIX`], as a
/// [`MockServer`](crate::MockServer) with control routes does: any request, however odd, gets
/// an answer.
pub fn handle(platform: &MockPlatform, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let method = request.method();
    match request.uri().path() {
        "/mock/faults" if method == Method::POST => {
            let injected = parse_injection(request.body()).and_then(|(fault, times)| {
                platform.inject_bounded(fault, times).map_err(|queued| {
                    format!(
                        "{queued} faults are queued, the most the control route accepts \
                         ({MAX_QUEUED_FAULTS}): DELETE /mock/faults first"
                    )
                })
            });
            match injected {
                Ok(()) => answer(StatusCode::NO_CONTENT, None),
                Err(reason) => answer(StatusCode::BAD_REQUEST, Some(json!({ "error": reason }))),
            }
        }
        "/mock/faults" if method == Method::DELETE => {
            platform.clear_faults();
            answer(StatusCode::NO_CONTENT, None)
        }
        "/mock/requests" if method == Method::GET => {
            let seen: Vec<Value> = platform
                .requests()
                .into_iter()
                .map(|seen| {
                    json!({
                        "method": seen.method,
                        "path_and_query": seen.path_and_query,
                        "host": seen.host,
                        "user_agent": seen.user_agent,
                        "status": seen.status,
                        "fault": seen.fault.map(|fault| fault.to_string()),
                    })
                })
                .collect();
            answer(StatusCode::OK, Some(Value::Array(seen)))
        }
        "/mock/requests" if method == Method::DELETE => {
            platform.clear_requests();
            answer(StatusCode::NO_CONTENT, None)
        }
        "/mock/bills" if method == Method::POST => {
            let size = serde_json::from_slice::<Value>(request.body())
                .ok()
                .and_then(|value| value.get("size").and_then(Value::as_u64))
                .and_then(|size| usize::try_from(size).ok())
                .filter(|size| *size <= MAX_BILL_SIZE);
            match size {
                Some(size) => {
                    platform.set_bill_size(size);
                    answer(StatusCode::NO_CONTENT, None)
                }
                None => answer(
                    StatusCode::BAD_REQUEST,
                    Some(json!({
                        "error": format!("expected {{\"size\": BYTES}}, at most {MAX_BILL_SIZE}")
                    })),
                ),
            }
        }
        "/mock/faults" | "/mock/requests" | "/mock/bills" => answer(
            StatusCode::METHOD_NOT_ALLOWED,
            Some(json!({ "error": format!("{method} is not a control method here") })),
        ),
        path => answer(
            StatusCode::NOT_FOUND,
            Some(json!({
                "error": format!("no control route {path}"),
                "routes": ["POST /mock/faults", "DELETE /mock/faults", "GET /mock/requests", "DELETE /mock/requests", "POST /mock/bills"],
            })),
        ),
    }
}

fn parse_injection(body: &[u8]) -> Result<(Fault, u32), String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("expected {{\"fault\": NAME, \"times\": N}}: {e}"))?;
    let fault = value
        .get("fault")
        .and_then(Value::as_str)
        .ok_or("\"fault\" must be a fault name")?
        .parse::<Fault>()
        .map_err(|e| e.to_string())?;
    let times = match value.get("times") {
        None => 1,
        Some(times) => times
            .as_u64()
            .and_then(|t| u32::try_from(t).ok())
            .ok_or_else(|| format!("\"times\" must be a whole number from 0 to {}", u32::MAX))?,
    };
    Ok((fault, times))
}

fn answer(status: StatusCode, body: Option<Value>) -> Response<Vec<u8>> {
    let mut builder = Response::builder().status(status);
    if body.is_some() {
        builder = builder.header(http::header::CONTENT_TYPE, "application/json");
    }
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MockKeys;
    use rand_core::SeedableRng;

    fn platform() -> MockPlatform {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
        MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap()
    }

    fn request(method: Method, path: &str, body: &str) -> Request<Vec<u8>> {
        Request::builder()
            .method(method)
            .uri(path)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn faults_are_injected_and_cleared() {
        let platform = platform();
        let injected = handle(
            &platform,
            &request(
                Method::POST,
                "/mock/faults",
                r#"{"fault":"slow:250","times":2}"#,
            ),
        );
        assert_eq!(injected.status(), StatusCode::NO_CONTENT);
        let refused = handle(
            &platform,
            &request(Method::POST, "/mock/faults", r#"{"fault":"slowly"}"#),
        );
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let text = String::from_utf8(refused.into_body()).unwrap();
        assert!(text.contains("unknown fault"), "{text}");
        let cleared = handle(&platform, &request(Method::DELETE, "/mock/faults", ""));
        assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    }

    #[test]
    fn requests_are_listed_as_json() {
        let platform = platform();
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([8; 32]);
        platform.inject(Fault::SystemError, 1);
        let unsigned = Request::builder()
            .uri("/v3/ecommerce/applyments/1")
            .header("user-agent", "probe/1")
            .body(Vec::new())
            .unwrap();
        platform.handle(&unsigned, 1_700_000_000, &mut rng);
        let listed = handle(&platform, &request(Method::GET, "/mock/requests", ""));
        assert_eq!(listed.status(), StatusCode::OK);
        let seen: Value = serde_json::from_slice(listed.body()).unwrap();
        assert_eq!(seen[0]["path_and_query"], "/v3/ecommerce/applyments/1");
        assert_eq!(seen[0]["user_agent"], "probe/1");
        assert_eq!(seen[0]["status"], 500);
        assert_eq!(seen[0]["fault"], "system-error");
        handle(&platform, &request(Method::DELETE, "/mock/requests", ""));
        assert!(platform.requests().is_empty());
    }

    #[test]
    fn unknown_routes_and_methods_say_what_exists() {
        let platform = platform();
        let missing = handle(&platform, &request(Method::GET, "/mock/nothing", ""));
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(String::from_utf8_lossy(missing.body()).contains("POST /mock/faults"));
        let wrong = handle(&platform, &request(Method::PUT, "/mock/faults", ""));
        assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
