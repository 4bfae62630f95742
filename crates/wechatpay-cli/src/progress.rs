//! What the command shows on stderr while it works: a spinner while a call runs (only when
//! stderr is a terminal), and under `--verbose` one line per attempt, from the `tracing`
//! events the core's `Call` emits with target `wechatpay`.

use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use wechatpay_core::Untrusted;

/// The target the core's events carry.
const TARGET: &str = "wechatpay";

/// The spinner of the call under way, if stderr is a terminal.
static SPINNER: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn spinner() -> Option<ProgressBar> {
    // A poisoned lock only means a panic elsewhere; the spinner is still usable.
    SPINNER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

fn set_spinner(bar: Option<ProgressBar>) {
    *SPINNER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = bar;
}

/// Sets up the event output: `RUST_LOG` when set; otherwise the core's attempts under
/// `--verbose`, nothing else.
pub fn init(verbose: bool) {
    let filter = match EnvFilter::try_from_default_env() {
        Ok(filter) => filter,
        Err(_) if verbose => EnvFilter::new(format!("{TARGET}=debug")),
        Err(_) => EnvFilter::new("off"),
    };
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(Stderr)
        .without_time()
        .with_level(false)
        .with_filter(filter);
    let spinner = std::io::stderr()
        .is_terminal()
        .then(|| SpinnerLayer.with_filter(Targets::new().with_target(TARGET, Level::DEBUG)));
    // Only fails when a subscriber is already set, which nothing else here does.
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(spinner)
        .try_init();
}

/// A spinner with `message` on stderr, while the value lives; nothing when stderr is not a
/// terminal.
pub struct Activity(Option<ProgressBar>);

impl Activity {
    pub fn start(message: &str) -> Activity {
        if !std::io::stderr().is_terminal() {
            return Activity(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        set_spinner(Some(bar.clone()));
        Activity(Some(bar))
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
            set_spinner(None);
        }
    }
}

/// The progress of a download on stderr: a bar of the bytes written and their rate on a
/// terminal; elsewhere, once a slow download has run for a few seconds, a plain line every
/// few seconds, so that a log shows it is still going.
pub struct Transfer {
    what: &'static str,
    bar: Option<ProgressBar>,
    bytes: u64,
    started: std::time::Instant,
    shown: std::time::Instant,
}

/// How long a download runs before a plain progress line, and between two of them.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Transfer {
    pub fn start(what: &'static str) -> Transfer {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {msg}: {bytes} ({bytes_per_sec}, {elapsed})",
            ) {
                bar.set_style(style);
            }
            bar.set_message(what);
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        #[allow(clippy::disallowed_methods)] // the CLI is the clock
        let now = std::time::Instant::now();
        Transfer {
            what,
            bar,
            bytes: 0,
            started: now,
            shown: now,
        }
    }

    /// `bytes` more were written.
    pub fn add(&mut self, bytes: u64) {
        self.bytes += bytes;
        match &self.bar {
            Some(bar) => bar.set_position(self.bytes),
            None => {
                #[allow(clippy::disallowed_methods)] // the CLI is the clock
                let now = std::time::Instant::now();
                if now.duration_since(self.shown) >= PLAIN_EVERY {
                    self.shown = now;
                    let seconds = now.duration_since(self.started).as_secs_f64().max(0.001);
                    line(&format!(
                        "{}: {:.1} MiB so far ({:.1} MiB/s)",
                        self.what,
                        self.bytes as f64 / 1048576.0,
                        self.bytes as f64 / 1048576.0 / seconds
                    ));
                }
            }
        }
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Prints a line on stderr without tearing the spinner.
pub fn line(text: &str) {
    write_stderr(format!("{text}\n").as_bytes());
}

fn write_stderr(bytes: &[u8]) {
    let write = || {
        // Nothing useful can be done when stderr itself is gone.
        let _ = std::io::stderr().write_all(bytes);
    };
    match spinner() {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// The `--verbose` lines' writer: stderr, around the spinner, with every control character
/// but the line's end escaped, for the events quote headers that nobody signed.
struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Stderr;

    fn make_writer(&'a self) -> Stderr {
        Stderr
    }
}

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (text.as_ref(), ""),
        };
        write_stderr(format!("{}{end}", Untrusted(body)).as_bytes());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Shows the latest event of the call on the spinner.
struct SpinnerLayer;

impl<S: Subscriber> Layer<S> for SpinnerLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let Some(bar) = spinner() else {
            return;
        };
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        bar.set_message(Untrusted(&fields.0).to_string());
    }
}

/// An event's fields as `name=value` words.
struct Fields(String);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = match field.name() {
            "message" => write!(self.0, "{value:?}"),
            name => write!(self.0, "{name}={value:?}"),
        };
    }
}
