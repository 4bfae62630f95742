//! A loopback HTTP/1.1 server around a [`MockPlatform`], on its own thread and runtime so that
//! blocking tests, async tests and the command line can all use it.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use getrandom::SysRng;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand_core::UnwrapErr;
use tokio::sync::oneshot;

use crate::control;
use crate::platform::MockPlatform;

/// The largest request body the server reads: the largest upload, with room for its part
/// headers.
const MAX_REQUEST_BODY: usize = wechatpay_core::merchant::media::VIDEO_LIMIT + 64 * 1024;

/// A running loopback server. Dropping it stops the server and closes its connections.
///
/// It sends the callbacks the platform queued (the test callbacks `POST /v3/security/echo`
/// asked for, [`MockPlatform::take_echo_callbacks`], and those of the sandbox's moves,
/// [`MockPlatform::take_notices`]) after each request and otherwise within 50 ms, as the
/// platform delivers callbacks, for as long as it runs.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    platform: Arc<MockPlatform>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Which routes a server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routes {
    Platform,
    PlatformAndControl,
}

#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

impl MockServer {
    /// Starts serving `platform` on `127.0.0.1`, on a port the system picks.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the socket or starting the runtime.
    pub fn start(platform: Arc<MockPlatform>) -> io::Result<Self> {
        Self::start_on(platform, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Starts serving `platform` on `addr`.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the socket or starting the runtime.
    pub fn start_on(platform: Arc<MockPlatform>, addr: SocketAddr) -> io::Result<Self> {
        Self::spawn(platform, addr, Routes::Platform)
    }

    /// Starts serving `platform` on `addr`, with the control routes under `/mock/` as well
    /// (inject and clear faults, list and clear the requests seen; see [`crate::control`]).
    /// For loopback test servers only: the control routes need no signature.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the socket or starting the runtime.
    pub fn start_with_control(platform: Arc<MockPlatform>, addr: SocketAddr) -> io::Result<Self> {
        Self::spawn(platform, addr, Routes::PlatformAndControl)
    }

    fn spawn(platform: Arc<MockPlatform>, addr: SocketAddr, routes: Routes) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (shutdown, stopped) = oneshot::channel();
        let served = platform.clone();
        let thread = std::thread::Builder::new()
            .name(format!("wechatpay-mock-{}", addr.port()))
            .spawn(move || runtime.block_on(serve(listener, served, routes, stopped)))?;
        Ok(MockServer {
            addr,
            platform,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The platform behind the server.
    pub fn platform(&self) -> &Arc<MockPlatform> {
        &self.platform
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

async fn serve(
    listener: TcpListener,
    platform: Arc<MockPlatform>,
    routes: Routes,
    mut stopped: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    // Callbacks queued by moves made in-process (MockPlatform::advance) go out within a tick,
    // as the platform sends them soon after the event, not with the next request.
    let mut ticks = tokio::time::interval(CALLBACK_TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = ticks.tick() => send_callbacks(&platform, unix_now()),
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let platform = platform.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(platform.clone(), routes, request));
                    // Connection errors (including the deliberate drops) end only that connection.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    // Returning drops the runtime, and with it every open connection.
}

async fn answer(
    platform: Arc<MockPlatform>,
    routes: Routes,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Ok(too_large()),
    };
    let request = http::Request::from_parts(parts, body);
    let now = unix_now();
    if routes == Routes::PlatformAndControl && request.uri().path().starts_with(control::PREFIX) {
        let response = if request.method() == http::Method::POST
            && request.uri().path() == "/mock/notifications"
        {
            match control::trigger(&platform, &request, now, &mut UnwrapErr(SysRng)) {
                Ok(trigger) => {
                    let accepted = trigger.accepted();
                    // The delivery goes on after this answer, on the server's runtime, and
                    // ends with it.
                    let platform = platform.clone();
                    tokio::spawn(async move {
                        let _ = crate::delivery::deliver(
                            &platform,
                            &trigger.body,
                            &trigger.url,
                            &trigger.options,
                            |_| {},
                        )
                        .await;
                    });
                    accepted
                }
                Err(reason) => control::refused(reason),
            }
        } else {
            control::handle(&platform, &request, now)
        };
        send_callbacks(&platform, now);
        return Ok(response.map(|body| Full::new(Bytes::from(body))));
    }
    let answer = platform.handle(&request, now, &mut UnwrapErr(SysRng));
    send_callbacks(&platform, now);
    if !answer.delay.is_zero() {
        tokio::time::sleep(answer.delay).await;
    }
    match answer.response {
        Some(response) => Ok(response.map(|body| Full::new(Bytes::from(body)))),
        None => Err(DropConnection),
    }
}

/// How often the server sends the callbacks queued outside any request.
const CALLBACK_TICK: std::time::Duration = std::time::Duration::from_millis(50);

/// This machine's clock, Unix seconds: the server is the platform's clock.
fn unix_now() -> u64 {
    #[allow(clippy::disallowed_methods)]
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Sends the callbacks the platform queued: the test callbacks echoes asked for
/// ([`MockPlatform::take_echo_callbacks`]) and those the sandbox's moves asked for
/// ([`MockPlatform::take_notices`]), each as the platform delivers callbacks, on the server's
/// runtime: they go on after the answer, and end with the server.
fn send_callbacks(platform: &Arc<MockPlatform>, now: u64) {
    let echoes = platform
        .take_echo_callbacks()
        .into_iter()
        .map(|callback| (callback.url, callback.event));
    let notices = platform
        .take_notices()
        .into_iter()
        .map(|notice| (notice.url, notice.event));
    for (url, event) in echoes.chain(notices) {
        let Ok(body) = platform.callback_body(&event, now, &mut UnwrapErr(SysRng)) else {
            continue;
        };
        let url = platform.callback_destination(&url);
        let platform = platform.clone();
        tokio::spawn(async move {
            let _ = crate::delivery::deliver(
                &platform,
                &body,
                &url,
                &crate::delivery::DeliveryOptions::new(),
                |_| {},
            )
            .await;
        });
    }
}

fn too_large() -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(
        br#"{"code":"INVALID_REQUEST","message":"request body too large"}"#,
    )));
    *response.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
    response
}
