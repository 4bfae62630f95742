//! The platform as the runner reaches it: in process, or over the control routes.

use std::future::Future;

use http::header::CONTENT_TYPE;
use http::{Method, Request};
use serde_json::{Value, json};

use super::Subject;
use crate::faults::Fault;
use crate::keyring::PlatformMode;
use crate::keys::CertificateKey;
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

    /// Switches the platform to `mode` ([`MockPlatform::set_mode`]).
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached, or refused the mode.
    fn set_mode(&self, mode: PlatformMode) -> impl Future<Output = Result<(), String>>;

    /// Brings in another platform certificate ([`MockPlatform::rotate_certificate`]).
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached, or refused the certificate.
    fn rotate(&self, certificate: &CertificateKey) -> impl Future<Output = Result<(), String>>;

    /// Retires the certificate of `serial` ([`MockPlatform::retire_certificate`]).
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached, or refused to retire it.
    fn retire(&self, serial: &str) -> impl Future<Output = Result<(), String>>;

    /// The platform's mode and the certificates it holds.
    ///
    /// # Errors
    ///
    /// Why the platform could not be reached or its answer read.
    fn certificates(&self) -> impl Future<Output = Result<CertificateState, String>>;
}

/// The platform's mode and its certificates, as a [`Control`] reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateState {
    /// The mode.
    pub mode: PlatformMode,
    /// The serials of the certificates held, in the order they were issued: what
    /// `GET /v3/certificates` lists in certificate mode.
    pub serials: Vec<String>,
}

impl CertificateState {
    /// The state of a platform in `mode` holding the certificates of `serials`.
    pub fn new(mode: PlatformMode, serials: Vec<String>) -> Self {
        CertificateState { mode, serials }
    }
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

    fn set_mode(&self, mode: PlatformMode) -> impl Future<Output = Result<(), String>> {
        std::future::ready(MockPlatform::set_mode(self, mode).map_err(|e| e.to_string()))
    }

    fn rotate(&self, certificate: &CertificateKey) -> impl Future<Output = Result<(), String>> {
        let rotated = self
            .rotate_certificate(certificate.clone())
            .map(drop)
            .map_err(|e| e.to_string());
        std::future::ready(rotated)
    }

    fn retire(&self, serial: &str) -> impl Future<Output = Result<(), String>> {
        std::future::ready(self.retire_certificate(serial).map_err(|e| e.to_string()))
    }

    fn certificates(&self) -> impl Future<Output = Result<CertificateState, String>> {
        let serials = MockPlatform::certificates(self)
            .into_iter()
            .map(|certificate| certificate.serial)
            .collect();
        std::future::ready(Ok(CertificateState::new(self.mode(), serials)))
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

    async fn set_mode(&self, mode: PlatformMode) -> Result<(), String> {
        let body = json!({ "mode": mode.to_string() });
        self.call(Method::POST, "/mock/mode", Some(body), 204)
            .await
            .map(drop)
    }

    async fn rotate(&self, certificate: &CertificateKey) -> Result<(), String> {
        let body = json!({
            "certificate_pem": certificate.certificate_pem,
            "private_key_pem": certificate.private_key_pem,
        });
        self.call(Method::POST, "/mock/certificates", Some(body), 201)
            .await
            .map(drop)
    }

    async fn retire(&self, serial: &str) -> Result<(), String> {
        // A serial is hex digits; anything else would address another route.
        if !serial.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{serial:?} is not a certificate serial"));
        }
        let route = format!("/mock/certificates/{serial}");
        self.call(Method::DELETE, &route, None, 204).await.map(drop)
    }

    async fn certificates(&self) -> Result<CertificateState, String> {
        let body = self
            .call(Method::GET, "/mock/certificates", None, 200)
            .await?;
        certificates_from_json(&body)
    }
}

/// Reads the answer of `GET /mock/certificates` back into the state it describes.
fn certificates_from_json(body: &[u8]) -> Result<CertificateState, String> {
    let listed: Value =
        serde_json::from_slice(body).map_err(|e| format!("GET /mock/certificates: {e}"))?;
    let mode = listed
        .get("mode")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("GET /mock/certificates: no mode in {listed}"))?
        .parse::<PlatformMode>()
        .map_err(|e| format!("GET /mock/certificates: {e}"))?;
    let serials = listed
        .get("certificates")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("GET /mock/certificates: no certificates in {listed}"))?
        .iter()
        .map(|entry| {
            entry
                .get("serial_no")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("GET /mock/certificates: no serial_no in {entry}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(CertificateState::new(mode, serials))
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
                wechatpay_serial: text(entry, "wechatpay_serial"),
                status,
                signed_by: text(entry, "signed_by"),
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
                .header("wechatpay-serial", "PUB_KEY_ID_0")
                .body(Vec::new())
                .unwrap();
            platform.handle(&unsigned, 1_700_000_000, &mut rng);
        }
        let listed = control::handle(
            &platform,
            &Request::get("/mock/requests").body(Vec::new()).unwrap(),
            0,
        );
        assert_eq!(
            seen_from_json(listed.body()).unwrap(),
            MockPlatform::requests(&platform)
        );
        assert_eq!(
            MockPlatform::requests(&platform)[1]
                .wechatpay_serial
                .as_deref(),
            Some("PUB_KEY_ID_0")
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

    #[test]
    fn the_certificates_read_back_from_the_control_route_and_change_through_control() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut rng).unwrap();
        let original = MockKeys::fixtures().certificate.unwrap().serial;
        let next = CertificateKey::next_fixture();
        let state = |platform: &MockPlatform| {
            let listed = control::handle(
                platform,
                &Request::get("/mock/certificates").body(Vec::new()).unwrap(),
                0,
            );
            let read = certificates_from_json(listed.body()).unwrap();
            assert_eq!(ready(Control::certificates(platform)).unwrap(), read);
            read
        };
        assert_eq!(
            state(&platform),
            CertificateState::new(PlatformMode::PublicKey, vec![original.clone()])
        );
        ready(Control::set_mode(&platform, PlatformMode::Certificate)).unwrap();
        ready(Control::rotate(&platform, &next)).unwrap();
        ready(Control::retire(&platform, &original)).unwrap();
        assert_eq!(
            state(&platform),
            CertificateState::new(PlatformMode::Certificate, vec![next.serial.clone()])
        );
        let refused = ready(Control::retire(&platform, &next.serial)).unwrap_err();
        assert!(refused.contains("last"), "{refused}");
        assert!(certificates_from_json(b"{}").is_err());
        assert!(certificates_from_json(br#"{"mode":"paper","certificates":[]}"#).is_err());
    }
}
