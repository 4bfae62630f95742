//! The sandbox: records that move as the platform moves them, the callbacks their moves send,
//! and the whole world saved and loaded as JSON.
//!
//! Three things make the mock a sandbox rather than a set of canned answers, and each lives
//! with the endpoint module whose records it concerns:
//!
//! - **Tables** ([`Table`]): an endpoint's records, named, so that
//!   [`MockPlatform::save_state`] and [`MockPlatform::load_state`] carry them as JSON. A
//!   merchant's integration tests then start from a prepared world.
//! - **Progress** ([`Progress`]): how a kind of record moves (`applyment`, `order`, `refund`,
//!   ...): one step along the path the platform takes (`CHECKING → AUDITING → NEED_SIGN →
//!   FINISH`), or to a state asked for (`REJECTED`). [`MockPlatform::advance`] (and
//!   `POST /mock/advance`) moves a record on demand; under [`Schedule::EveryQuery`] every
//!   query of a record moves it one step first, as if the platform had worked meanwhile.
//! - **Notices** ([`Notice`]): the callbacks a move sends (an order paid sends
//!   `TRANSACTION.SUCCESS` to its `notify_url`). They wait in the platform
//!   ([`MockPlatform::take_notices`]); a [`MockServer`](crate::MockServer) delivers them as
//!   the platform delivers callbacks.

use std::collections::VecDeque;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::callbacks::CallbackEvent;
use crate::endpoints;
use crate::platform::MockPlatform;
use crate::store::Store;

/// The version written in saved state, checked when it is loaded.
pub const STATE_FORMAT: u64 = 1;

/// How many notices wait to be sent at most (the newest): a platform used without a server
/// would otherwise keep every one.
pub const MAX_NOTICES_QUEUED: usize = 1024;

/// One table of records, as saved state names it.
pub(crate) struct Table {
    /// Its name in the saved JSON.
    pub(crate) name: &'static str,
    save: fn(&Store) -> Result<Value, String>,
    load: fn(&Store, Value) -> Result<(), String>,
}

/// The table of records of type `T`, saved under `name`.
pub(crate) const fn table<T>(name: &'static str) -> Table
where
    T: Serialize + DeserializeOwned + Default + Clone + Send + Sync + 'static,
{
    Table {
        name,
        save: save_table::<T>,
        load: load_table::<T>,
    }
}

fn save_table<T>(store: &Store) -> Result<Value, String>
where
    T: Serialize + Default + Clone + Send + Sync + 'static,
{
    store.read(|table: &T| serde_json::to_value(table).map_err(|e| e.to_string()))
}

fn load_table<T>(store: &Store, value: Value) -> Result<(), String>
where
    T: DeserializeOwned + Default + Clone + Send + Sync + 'static,
{
    let table: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
    store.write(|current: &mut T| *current = table);
    Ok(())
}

/// How one kind of record moves.
pub(crate) struct Progress {
    /// The kind, as `POST /mock/advance` names it: `applyment`, `order`, `refund`...
    pub(crate) kind: &'static str,
    /// Moves the record [`Step::id`] names one step, or to [`Step::to`]; returns its state
    /// after the move. An `Err` says why it cannot move (unknown record, a final state, a
    /// state it cannot reach from where it is), and nothing changed.
    pub(crate) advance: fn(&mut Step<'_>) -> Result<String, AdvanceError>,
}

/// Why a record could not move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdvanceError {
    /// No kind of record has this name.
    #[error("no kind of record is called {kind:?}; the kinds are {known}")]
    UnknownKind {
        /// The name asked for.
        kind: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// No record of the kind has this id.
    #[error("no {kind} is known as {id:?}")]
    UnknownRecord {
        /// The kind.
        kind: String,
        /// The id asked for.
        id: String,
    },
    /// The record cannot move there from where it is.
    #[error("{kind} {id:?} cannot move {reason}")]
    Refused {
        /// The kind.
        kind: String,
        /// The id.
        id: String,
        /// Why, as "from CLOSED to SUCCESS" or "on: FINISH is final".
        reason: String,
    },
}

/// A record's move, as its [`Progress`] sees it.
pub(crate) struct Step<'a> {
    kind: &'static str,
    id: &'a str,
    to: Option<&'a str>,
    now: u64,
    store: &'a Store,
    notices: Vec<Notice>,
}

impl<'a> Step<'a> {
    /// The record's id as the caller gave it (whichever of its ids the kind accepts).
    pub(crate) fn id(&self) -> &'a str {
        self.id
    }

    /// The state asked for, or `None` for the next one on the platform's usual path.
    pub(crate) fn to(&self) -> Option<&'a str> {
        self.to
    }

    /// The platform's clock, Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// The platform's records.
    pub(crate) fn store(&self) -> &'a Store {
        self.store
    }

    /// Sends `event` to `url` once the move is made.
    pub(crate) fn notify(&mut self, url: &str, event: CallbackEvent) {
        self.notices.push(Notice {
            url: url.to_owned(),
            event,
        });
    }

    /// The notify URL the merchant set in the merchant platform (商户平台), for callbacks no
    /// request names (profit sharing's), if any.
    pub(crate) fn merchant_notify_url(&self) -> Option<String> {
        self.store
            .read(|sandbox: &Sandbox| sandbox.merchant_notify_url.clone())
    }

    /// "No such record", for this kind and id.
    pub(crate) fn unknown(&self) -> AdvanceError {
        AdvanceError::UnknownRecord {
            kind: self.kind.to_owned(),
            id: self.id.to_owned(),
        }
    }

    /// "Cannot move", for this kind and id, with why.
    pub(crate) fn refused(&self, reason: impl Into<String>) -> AdvanceError {
        AdvanceError::Refused {
            kind: self.kind.to_owned(),
            id: self.id.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A callback a move asked for, waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notice {
    /// Where it goes: the record's `notify_url`.
    pub url: String,
    /// The event, its resource the record as it is now.
    pub event: CallbackEvent,
}

/// When records move by themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Schedule {
    /// Only when asked ([`MockPlatform::advance`], `POST /mock/advance`): tests decide.
    #[default]
    OnControl,
    /// Also one step each time a record is queried, as if the platform had worked between two
    /// polls: a client that polls an applyment sees it reach `FINISH`.
    EveryQuery,
}

impl Schedule {
    /// Each schedule and its name, as the control route and `wechatpay mock --schedule` take
    /// it.
    pub const NAMES: [(&'static str, Schedule); 2] = [
        ("on-control", Schedule::OnControl),
        ("every-query", Schedule::EveryQuery),
    ];
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = Schedule::NAMES
            .iter()
            .find(|(_, schedule)| schedule == self)
            .map_or("on-control", |(name, _)| name);
        f.write_str(name)
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Schedule::NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, schedule)| *schedule)
            .ok_or_else(|| format!("no schedule is called {text:?}: on-control or every-query"))
    }
}

/// What a move did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Advanced {
    /// The record's state after it.
    pub state: String,
    /// The callbacks it queued, as [`MockPlatform::take_notices`] will give them.
    pub notices: usize,
}

/// The sandbox's own settings and queue, kept in the store like any table.
#[derive(Debug, Clone, Default)]
struct Sandbox {
    schedule: Schedule,
    notices: VecDeque<Notice>,
    /// Where callbacks to `https://` URLs go instead ([`MockPlatform::redirect_callbacks`]).
    redirect: Option<String>,
    /// The notify URL set in the merchant platform ([`MockPlatform::set_merchant_notify_url`]).
    merchant_notify_url: Option<String>,
}

/// Why a callback redirection or a merchant notify URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a URL the mock can send callbacks to: {0:?} (a redirection is an http:// origin without a path, such as http://127.0.0.1:8080; a notify URL is http:// or https://)"
)]
pub struct InvalidRedirect(pub String);

/// Why saved state could not be loaded; the platform is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Not an object with `format` and `tables`.
    #[error("saved state must be {{\"format\": {STATE_FORMAT}, \"tables\": {{...}}}}: {reason}")]
    Shape {
        /// What was wrong.
        reason: String,
    },
    /// A table did not read.
    #[error("table {table:?} of the saved state: {reason}")]
    Table {
        /// Its name.
        table: String,
        /// Why.
        reason: String,
    },
}

impl MockPlatform {
    /// Every table of the platform, as JSON: `{"format": 1, "schedule": ..., "tables": {name:
    /// records}}`. [`MockPlatform::load_state`] takes it back, on this platform or another with
    /// the same keys (sensitive fields in records are encrypted to the merchant's key).
    pub fn save_state(&self) -> Value {
        let mut tables = Map::new();
        for table in endpoints::tables() {
            let value = (table.save)(self.store()).unwrap_or_else(|reason| {
                // Records are plain data; a failure here is the mock's own mistake.
                Value::String(format!("not saved: {reason}"))
            });
            tables.insert(table.name.to_owned(), value);
        }
        serde_json::json!({
            "format": STATE_FORMAT,
            "schedule": self.schedule(),
            "tables": tables,
        })
    }

    /// Replaces the tables `state` holds (and the schedule, when it names one) with its
    /// records; a table it does not hold is left as it is, so a prepared world may give only
    /// what it cares about.
    ///
    /// # Errors
    ///
    /// [`StateError`] when `state` is not saved state, names a table the platform does not
    /// have, or a table does not read; then nothing is changed.
    pub fn load_state(&self, state: &Value) -> Result<(), StateError> {
        let shape = |reason: &str| StateError::Shape {
            reason: reason.to_owned(),
        };
        let object = state.as_object().ok_or_else(|| shape("not an object"))?;
        if object.get("format").and_then(Value::as_u64) != Some(STATE_FORMAT) {
            return Err(shape("\"format\" is missing or another version"));
        }
        let schedule = match object.get("schedule") {
            None => None,
            Some(value) => Some(
                serde_json::from_value::<Schedule>(value.clone())
                    .map_err(|e| shape(&format!("\"schedule\": {e}")))?,
            ),
        };
        let given = match object.get("tables") {
            None => Map::new(),
            Some(Value::Object(tables)) => tables.clone(),
            Some(_) => return Err(shape("\"tables\" is not an object")),
        };
        let known: Vec<&Table> = endpoints::tables().collect();
        if let Some(name) = given
            .keys()
            .find(|name| !known.iter().any(|t| t.name == *name))
        {
            return Err(StateError::Table {
                table: name.clone(),
                reason: format!(
                    "no such table; the tables are {}",
                    known.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        // Read every table into a scratch store first, so that a bad one changes nothing.
        let scratch = Store::empty();
        for table in &known {
            if let Some(value) = given.get(table.name) {
                (table.load)(&scratch, value.clone()).map_err(|reason| StateError::Table {
                    table: table.name.to_owned(),
                    reason,
                })?;
            }
        }
        for table in known {
            if let Some(value) = given.get(table.name) {
                (table.load)(self.store(), value.clone()).map_err(|reason| StateError::Table {
                    table: table.name.to_owned(),
                    reason,
                })?;
            }
        }
        if let Some(schedule) = schedule {
            self.set_schedule(schedule);
        }
        Ok(())
    }

    /// Moves the record of `kind` (`applyment`, `order`, ...) known as `id` one step along
    /// the platform's usual path, or to the state `to`, at Unix time `now`; the callbacks
    /// the move sends wait in [`MockPlatform::take_notices`].
    ///
    /// # Errors
    ///
    /// [`AdvanceError`] for an unknown kind or record, or a move the record cannot make;
    /// nothing changes then.
    pub fn advance(
        &self,
        kind: &str,
        id: &str,
        to: Option<&str>,
        now: u64,
    ) -> Result<Advanced, AdvanceError> {
        move_record(self.store(), kind, id, to, now)
    }

    /// The callbacks moves asked for since the last call, oldest first (the newest
    /// [`MAX_NOTICES_QUEUED`]), now no longer queued. A [`MockServer`](crate::MockServer)
    /// takes and sends them after each request and each control call.
    pub fn take_notices(&self) -> Vec<Notice> {
        self.store()
            .write(|sandbox: &mut Sandbox| sandbox.notices.drain(..).collect())
    }

    /// When records move by themselves.
    pub fn schedule(&self) -> Schedule {
        self.store().read(|sandbox: &Sandbox| sandbox.schedule)
    }

    /// Records move by themselves this way from now on.
    pub fn set_schedule(&self, schedule: Schedule) {
        self.store()
            .write(|sandbox: &mut Sandbox| sandbox.schedule = schedule);
    }

    /// Delivers callbacks meant for `https://` URLs to `origin` (`http://127.0.0.1:8080`)
    /// instead, with the same path and query; `None` stops it. A merchant gives the platform
    /// its public `https://` notify URL, which the core insists on; a test receives the
    /// callbacks on a loopback server, as a tunnel would bring them.
    ///
    /// # Errors
    ///
    /// [`InvalidRedirect`] unless `origin` is `http://` and a host (and port) alone.
    pub fn redirect_callbacks(&self, origin: Option<&str>) -> Result<(), InvalidRedirect> {
        let origin = match origin {
            None => None,
            Some(origin) => {
                let origin = origin.trim_end_matches('/');
                let host = origin
                    .strip_prefix("http://")
                    .filter(|host| !host.is_empty() && !host.contains(['/', '?', '#', '@']))
                    .ok_or_else(|| InvalidRedirect(origin.to_owned()))?;
                Some(format!("http://{host}"))
            }
        };
        self.store()
            .write(|sandbox: &mut Sandbox| sandbox.redirect = origin);
        Ok(())
    }

    /// Sets the notify URL the merchant configured in the merchant platform (商户平台), where
    /// the platform sends the callbacks no request names a URL for: profit sharing's
    /// (`PROFITSHARING.SUCCESS`, `PROFITSHARING.RETURN`); `None`, as until it is set, sends
    /// them nowhere.
    ///
    /// # Errors
    ///
    /// [`InvalidRedirect`] unless `url` is an `http://` or `https://` URL.
    pub fn set_merchant_notify_url(&self, url: Option<&str>) -> Result<(), InvalidRedirect> {
        if let Some(url) = url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(InvalidRedirect(url.to_owned()));
        }
        self.store().write(|sandbox: &mut Sandbox| {
            sandbox.merchant_notify_url = url.map(str::to_owned);
        });
        Ok(())
    }

    /// Where a callback meant for `url` is delivered: `url` itself, or its path and query on
    /// the origin of [`MockPlatform::redirect_callbacks`] when it is `https://`.
    pub fn callback_destination(&self, url: &str) -> String {
        let redirect = self
            .store()
            .read(|sandbox: &Sandbox| sandbox.redirect.clone());
        match (redirect, url.strip_prefix("https://")) {
            (Some(origin), Some(rest)) => {
                let path = rest.find(['/', '?']).map_or("/", |at| &rest[at..]);
                format!("{origin}{path}")
            }
            _ => url.to_owned(),
        }
    }
}

/// Queues `notices` to be sent, keeping the newest [`MAX_NOTICES_QUEUED`].
fn queue(store: &Store, notices: Vec<Notice>) {
    if notices.is_empty() {
        return;
    }
    store.write(|sandbox: &mut Sandbox| {
        sandbox.notices.extend(notices);
        let excess = sandbox.notices.len().saturating_sub(MAX_NOTICES_QUEUED);
        sandbox.notices.drain(..excess);
    });
}

/// For a query's answer: under [`Schedule::EveryQuery`], moves the record of `kind` known as
/// `id` one step first. A record that cannot move (unknown, final) is simply answered as it is.
pub(crate) fn polled(call: &endpoints::Call<'_>, kind: &str, id: &str) {
    let store = call.store();
    if store.read(|sandbox: &Sandbox| sandbox.schedule) != Schedule::EveryQuery {
        return;
    }
    // Unknown and final records are answered as they are: a poll changes nothing then.
    let _ = move_record(store, kind, id, None, call.now());
}

/// For a request that moves a record itself (a revocation, a cancellation): moves the record
/// of `kind` known as `id` to `to`, at the request's time, as [`MockPlatform::advance`] does;
/// the callbacks the move sends are queued.
///
/// # Errors
///
/// As [`MockPlatform::advance`]; nothing changes then.
pub(crate) fn requested(
    call: &endpoints::Call<'_>,
    kind: &str,
    id: &str,
    to: &str,
) -> Result<String, AdvanceError> {
    move_record(call.store(), kind, id, Some(to), call.now()).map(|advanced| advanced.state)
}

/// Moves the record of `kind` known as `id` in `store` (see [`MockPlatform::advance`]), and
/// queues the callbacks the move sends.
fn move_record(
    store: &Store,
    kind: &str,
    id: &str,
    to: Option<&str>,
    now: u64,
) -> Result<Advanced, AdvanceError> {
    let progress = endpoints::progress()
        .find(|p| p.kind == kind)
        .ok_or_else(|| AdvanceError::UnknownKind {
            kind: kind.to_owned(),
            known: endpoints::progress()
                .map(|p| p.kind)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut step = Step {
        kind: progress.kind,
        id,
        to,
        now,
        store,
        notices: Vec::new(),
    };
    let state = (progress.advance)(&mut step)?;
    let notices = step.notices.len();
    queue(store, step.notices);
    Ok(Advanced { state, notices })
}
