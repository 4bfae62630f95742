//! The native side of the suite: the platform on two loopback ports, a server that answers one
//! request, and an executor for blocking adapters.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use getrandom::SysRng;
use rand_core::UnwrapErr;

use super::{FileServer, Suite};
use crate::keys::MockKeys;
use crate::platform::MockPlatform;
use crate::server::MockServer;

/// How long a [`OneAnswer`] waits for its request, so that a test whose client never comes
/// fails instead of hanging.
const ONE_ANSWER_PATIENCE: Duration = Duration::from_secs(10);

/// The platform on two loopback ports (a primary and a backup host sharing one log and one
/// fault queue), and a loopback URL nothing listens on: all a native test needs to run the
/// table.
#[derive(Debug)]
pub struct Loopback {
    platform: Arc<MockPlatform>,
    primary: MockServer,
    backup: MockServer,
    closed: String,
}

impl Loopback {
    /// Starts the platform, with the fixture keys, on two ports.
    ///
    /// # Errors
    ///
    /// The I/O error of binding a socket or starting a server's runtime.
    pub fn start() -> io::Result<Self> {
        let platform = MockPlatform::new(MockKeys::fixtures(), &mut UnwrapErr(SysRng))
            .map_err(io::Error::other)?;
        let platform = Arc::new(platform);
        // A port that was free a moment ago, and that nothing binds again in a test run.
        let closed = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        Ok(Loopback {
            primary: MockServer::start(platform.clone())?,
            backup: MockServer::start(platform.clone())?,
            platform,
            closed: format!("http://{closed}"),
        })
    }

    /// The platform both ports serve.
    pub fn platform(&self) -> &Arc<MockPlatform> {
        &self.platform
    }

    /// The primary host's base URL.
    pub fn url(&self) -> String {
        self.primary.url()
    }

    /// The suite over this platform, timed with [`system_clock`].
    pub fn suite(&self) -> Suite<'_, MockPlatform> {
        Suite::new(
            &self.platform,
            &self.primary.url(),
            &self.backup.url(),
            &self.closed,
            system_clock,
        )
    }
}

/// The time since the first call: a monotonic clock for [`Suite::new`].
pub fn system_clock() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Runs `future` to completion on this thread: how a blocking adapter's test drives the
/// runner, whose futures are then ready as soon as they are polled.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// A loopback server that answers one request with bytes given in advance, whatever it asks,
/// and keeps the request's head: for what no platform would answer (a download, a redirect
/// off the platform) and for what a client puts on the wire.
#[derive(Debug)]
pub struct OneAnswer {
    url: String,
    thread: JoinHandle<io::Result<String>>,
}

impl OneAnswer {
    /// Starts serving `answer`, a whole HTTP/1.1 response.
    ///
    /// # Errors
    ///
    /// The I/O error of binding the socket.
    pub fn start(answer: Vec<u8>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        listener.set_nonblocking(true)?;
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if started.elapsed() > ONE_ANSWER_PATIENCE {
                            return Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                "no request came to the one-answer server",
                            ));
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => return Err(e),
                }
            };
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(ONE_ANSWER_PATIENCE))?;
            let mut head = Vec::new();
            let mut byte = [0; 1];
            // A request head is small; a body (none is expected) is left unread.
            while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
                stream.read_exact(&mut byte)?;
                head.extend_from_slice(&byte);
            }
            stream.write_all(&answer)?;
            stream.flush()?;
            Ok(String::from_utf8_lossy(&head).into_owned())
        });
        Ok(OneAnswer { url, thread })
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the exchange and returns the request's head as it arrived.
    ///
    /// # Errors
    ///
    /// The I/O error of the exchange, or a timeout when no request came.
    pub fn request_head(self) -> io::Result<String> {
        self.thread
            .join()
            .map_err(|_| io::Error::other("the one-answer server's thread panicked"))?
    }
}

/// Starts a [`OneAnswer`] for [`check_downloads`](super::check_downloads).
///
/// # Errors
///
/// The I/O error of binding the socket, in words.
pub async fn serve_once(answer: Vec<u8>) -> Result<OneAnswer, String> {
    OneAnswer::start(answer).map_err(|e| format!("starting the one-answer server: {e}"))
}

impl FileServer for OneAnswer {
    fn url(&self) -> &str {
        OneAnswer::url(self)
    }

    async fn request_head(self) -> Result<String, String> {
        OneAnswer::request_head(self).map_err(|e| e.to_string())
    }
}
