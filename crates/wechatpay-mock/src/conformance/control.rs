//! The platform as the runner reaches it: in process, or over the control routes.

use std::future::Future;

use http::header::CONTENT_TYPE;
use http::{Method, Request};
use serde_json::{Value, json};

use super::Subject;
use crate::faults::Fault;
use crate::platform::{MockPlatform, SeenRequest};

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

    /// Makes later bills about `bytes` long ([`MockPlatform::set_bill_size`]).
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached, or refused the size.
    fn set_bill_size(&self, bytes: usize) -> impl Future<Output = Result<(), String>>;
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

    fn set_bill_size(&self, bytes: usize) -> impl Future<Output = Result<(), String>> {
        MockPlatform::set_bill_size(self, bytes);
        std::future::ready(Ok(()))
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

    async fn set_bill_size(&self, bytes: usize) -> Result<(), String> {
        let body = json!({ "size": bytes });
        self.call(Method::POST, "/mock/bills", Some(body), 204)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control;
    use crate::keys::MockKeys;
    use rand_core::SeedableRng;
    use std::time::Duration;

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
}
