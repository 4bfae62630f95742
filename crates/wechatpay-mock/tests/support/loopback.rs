//! The loopback side of the tests: a merchant's callback endpoint, the control routes and the
//! platform's routes of a running [`MockServer`], spoken to over real HTTP with hyper.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use wechatpay_core::{Client, NotificationAnswer, Operation};
use wechatpay_mock::MockServer;

/// This machine's clock, which a running server signs by.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// One callback as a merchant endpoint received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

/// A merchant endpoint on loopback that answers each callback with the next status of
/// `script` (the last one for ever after), after `delay`, and records what it received.
pub struct Endpoint {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    pub async fn start(script: Vec<u16>, delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let log = log.clone();
                            let script = script.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body.collect().await.unwrap().to_bytes().to_vec();
                                let index = {
                                    let mut log = log.lock().unwrap();
                                    log.push(Received {
                                        at: Instant::now(),
                                        headers: parts.headers,
                                        body,
                                    });
                                    log.len() - 1
                                };
                                tokio::time::sleep(delay).await;
                                let status = script[index.min(script.len() - 1)];
                                let answer = if status == 204 || status == 200 {
                                    NotificationAnswer::success()
                                } else {
                                    NotificationAnswer::failure_with_status(
                                        http::StatusCode::from_u16(status).unwrap(),
                                        "库存服务不可用",
                                    )
                                    .unwrap_or_else(|_| NotificationAnswer::success())
                                };
                                let mut response = answer.to_response();
                                *response.status_mut() =
                                    http::StatusCode::from_u16(status).unwrap();
                                Ok::<_, Infallible>(response.map(|b| Full::new(Bytes::from(b))))
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Endpoint {
            addr,
            received,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/notify", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request to a control route of `server`, and its status and JSON answer.
pub async fn control(
    server: &MockServer,
    method: http::Method,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", server.addr().to_string())
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// `operation` signed by `client` at `now`, sent to `server`'s platform routes, and the
/// response as it came.
pub async fn send<O: Operation>(
    server: &MockServer,
    client: &Client,
    operation: &O,
    now: u64,
) -> http::Response<Vec<u8>> {
    let request = super::prepare(client, operation, now);
    let stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts.uri = parts
        .uri
        .path_and_query()
        .unwrap()
        .as_str()
        .parse()
        .unwrap();
    parts
        .headers
        .insert("host", server.addr().to_string().parse().unwrap());
    let response = sender
        .send_request(http::Request::from_parts(
            parts,
            Full::new(Bytes::from(body)),
        ))
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    http::Response::from_parts(parts, body)
}
