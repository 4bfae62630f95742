//! The runner: each scenario against a client, and what it returned checked against the row.

use std::time::Duration;

use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::ecommerce::contract::{QueryContractByOpenid, QueryContractByOutContractCode};
use wechatpay_core::{AdapterError, Client, Error, Operation};

use super::{
    Control, Expect, Failure, Hosts, Query, Report, Role, SCENARIOS, Scenario, Subject, Via,
};
use crate::keys::MockKeys;
use crate::platform::SeenRequest;
use crate::records::seeded;

/// Where the table runs: a platform under [`Control`], the URLs its scenarios send to, and a
/// clock to time them.
#[derive(Debug)]
pub struct Suite<'a, K: ?Sized> {
    control: &'a K,
    primary: String,
    backup: String,
    closed: String,
    clock: fn() -> Duration,
}

impl<'a, K: Control + ?Sized> Suite<'a, K> {
    /// A suite over `control`, whose platform answers at `primary` and `backup`; `closed` is
    /// a loopback URL nothing listens on. `clock` is the time since any fixed instant
    /// (`std::time::Instant` panics in wasm, so the test supplies its runtime's).
    pub fn new(
        control: &'a K,
        primary: &str,
        backup: &str,
        closed: &str,
        clock: fn() -> Duration,
    ) -> Self {
        let url = |url: &str| url.trim_end_matches('/').to_owned();
        Suite {
            control,
            primary: url(primary),
            backup: url(backup),
            closed: url(closed),
            clock,
        }
    }

    /// Runs every scenario of [`SCENARIOS`] with a client `build` makes from a core client.
    pub async fn run<C: Subject>(
        &self,
        build: impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Report {
        self.run_scenarios(SCENARIOS, build).await
    }

    /// Runs `scenarios`, one after the other, with a client `build` makes from a core client.
    pub async fn run_scenarios<'s, C: Subject>(
        &self,
        scenarios: impl IntoIterator<Item = &'s Scenario>,
        build: impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Report {
        let mut report = Report::default();
        for scenario in scenarios {
            match self.run_one(scenario, &build).await {
                Ok(seen) => {
                    report.passed.push(scenario.name);
                    report.requests_seen += seen;
                }
                Err(reason) => report.failed.push(Failure {
                    scenario: scenario.name,
                    reason,
                }),
            }
        }
        report
    }

    /// Runs one scenario; the number of requests the platform saw, or what did not hold.
    async fn run_one<C: Subject>(
        &self,
        scenario: &Scenario,
        build: &impl Fn(Client) -> Result<C, AdapterError>,
    ) -> Result<usize, String> {
        self.control.reset().await?;
        for (fault, times) in scenario.faults {
            self.control.inject(fault, *times).await?;
        }
        let (base_url, backup_url) = self.urls(scenario.hosts);
        let core = MockKeys::fixtures()
            .client(&base_url)
            .and_then(|client| client.with_backup_url(backup_url.as_deref()))
            .map_err(|e| format!("the core client: {e}"))?;
        let client = build(core)
            .map_err(|e| format!("building the client: {e}"))?
            .with_settings(scenario.settings.adapter_settings());

        let started = (self.clock)();
        let got = perform(&client, scenario.query, scenario.via).await;
        let elapsed = (self.clock)().saturating_sub(started);
        let seen = self.control.requests().await?;

        check_outcome(&scenario.expect, &got, &base_url)?;
        self.check_seen(scenario, &seen, client.product())?;
        let bounds = scenario.elapsed;
        if elapsed < bounds.at_least || elapsed > bounds.at_most {
            return Err(format!(
                "took {elapsed:?}, not between {:?} and {:?}",
                bounds.at_least, bounds.at_most
            ));
        }
        Ok(seen.len())
    }

    /// The base URL and the backup URL of a scenario's client.
    fn urls(&self, hosts: Hosts) -> (String, Option<String>) {
        match hosts {
            Hosts::Primary => (self.primary.clone(), None),
            Hosts::PrimaryAndBackup => (self.primary.clone(), Some(self.backup.clone())),
            Hosts::ClosedAndBackup => (self.closed.clone(), Some(self.backup.clone())),
            Hosts::Closed => (self.closed.clone(), None),
            Hosts::PrimaryOverTls => (self.primary.replacen("http://", "https://", 1), None),
            Hosts::Unresolvable => ("https://nonexistent.invalid".to_owned(), None),
        }
    }

    /// The requests seen against the scenario's: their hosts, statuses, paths and
    /// `User-Agent`s.
    fn check_seen(
        &self,
        scenario: &Scenario,
        seen: &[SeenRequest],
        product: &str,
    ) -> Result<(), String> {
        let role = |request: &SeenRequest| match request.host.as_deref() {
            Some(host) if host == authority(&self.primary) => Some(Role::Primary),
            Some(host) if host == authority(&self.backup) => Some(Role::Backup),
            _ => None,
        };
        let got: Vec<(Option<Role>, Option<u16>)> =
            seen.iter().map(|r| (role(r), r.status)).collect();
        let wanted: Vec<(Option<Role>, Option<u16>)> = scenario
            .seen
            .iter()
            .map(|a| (Some(a.host), a.status))
            .collect();
        if got != wanted {
            return Err(format!(
                "the platform saw (host, status) {got:?}, not {wanted:?}: {seen:?}"
            ));
        }
        // Every request names the adapter, then the core, as the platform's logs should show.
        let user_agent = format!("{product} wechatpay-core/");
        if let Some(request) = seen.iter().find(|r| {
            !r.user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with(&user_agent))
        }) {
            return Err(format!(
                "a request's User-Agent does not start with {user_agent:?}: {request:?}"
            ));
        }
        if let Some(path) = scenario.path
            && let Some(request) = seen.iter().find(|r| r.path_and_query != path)
        {
            return Err(format!(
                "a request went to {:?}, not {path:?}",
                request.path_and_query
            ));
        }
        Ok(())
    }
}

/// `127.0.0.1:8080` of `http://127.0.0.1:8080`: what a request's `Host` names.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// What a call returned, reduced to what the table checks.
#[derive(Debug)]
enum Got {
    Applyment {
        state: String,
        applyment_id: u64,
    },
    Contract {
        auth_state: String,
        openid: Option<String>,
    },
    Status(u16),
}

/// An answer decoded, or, for [`Via::Send`], one that was not a success.
enum Answer<T> {
    Decoded(T),
    Status(u16),
}

impl<T> Answer<T> {
    fn into_got(self, decoded: impl FnOnce(T) -> Got) -> Got {
        match self {
            Answer::Decoded(output) => decoded(output),
            Answer::Status(status) => Got::Status(status),
        }
    }
}

async fn perform<C: Subject>(client: &C, query: Query, via: Via) -> Result<Got, AdapterError> {
    let contract = |contract: wechatpay_core::ecommerce::contract::Contract| Got::Contract {
        auth_state: contract.auth_state.as_str().to_owned(),
        openid: contract.individual_openid,
    };
    Ok(match query {
        Query::Applyment(out_request_no) => {
            let operation = QueryApplymentByOutRequestNo::new(out_request_no)?;
            call(client, &operation, via)
                .await?
                .into_got(|applyment| Got::Applyment {
                    state: applyment.applyment_state.as_str().to_owned(),
                    applyment_id: applyment.applyment_id,
                })
        }
        Query::ContractByCode(code) => {
            let operation = QueryContractByOutContractCode::new(code, seeded::APPID)?;
            call(client, &operation, via).await?.into_got(contract)
        }
        Query::ContractByOpenid(openid) => {
            let operation = QueryContractByOpenid::new(openid, seeded::APPID)?;
            call(client, &operation, via).await?.into_got(contract)
        }
    })
}

async fn call<C: Subject, O: Operation>(
    client: &C,
    operation: &O,
    via: Via,
) -> Result<Answer<O::Output>, AdapterError> {
    match via {
        Via::Execute => client.execute(operation).await.map(Answer::Decoded),
        Via::Send => {
            let response = client.send(client.sign(operation)?).await?;
            if !response.status().is_success() {
                return Ok(Answer::Status(response.status().as_u16()));
            }
            let output = client.core().parse(operation, &response, client.now())?;
            Ok(Answer::Decoded(output))
        }
    }
}

/// What a call returned against what the scenario expects; `host` is the base URL it used.
fn check_outcome(
    expect: &Expect,
    got: &Result<Got, AdapterError>,
    host: &str,
) -> Result<(), String> {
    let differs = || format!("expected {expect:?}, got {got:?}");
    let agrees = |holds: bool| if holds { Ok(()) } else { Err(differs()) };
    let core = got.as_ref().err().and_then(AdapterError::core);
    let request_id = got.as_ref().err().and_then(AdapterError::request_id);
    match (expect, got) {
        (
            Expect::Applyment {
                state,
                applyment_id,
            },
            Ok(Got::Applyment {
                state: got_state,
                applyment_id: got_id,
            }),
        ) => agrees(got_state == state && applyment_id.is_none_or(|id| id == *got_id)),
        (
            Expect::Contract { auth_state, openid },
            Ok(Got::Contract {
                auth_state: got_state,
                openid: got_openid,
            }),
        ) => agrees(
            got_state == auth_state && openid.is_none_or(|o| got_openid.as_deref() == Some(o)),
        ),
        (Expect::Status(status), Ok(Got::Status(got_status))) => agrees(status == got_status),
        (Expect::Verification(kind), Err(error)) => {
            let verification = core.and_then(Error::verification);
            agrees(
                verification.is_some_and(|v| kind.matches(v))
                    && request_id.is_some()
                    && !error.is_retryable(),
            )
        }
        (Expect::Decode, Err(_)) => {
            agrees(matches!(core, Some(Error::Decode(_))) && request_id.is_some())
        }
        (
            Expect::Api {
                status,
                code,
                retryable,
            },
            Err(error),
        ) => {
            let api = core.and_then(Error::api);
            agrees(api.is_some_and(|api| {
                api.status.as_u16() == *status
                    && api.code.as_deref() == *code
                    && request_id.is_some()
                    && error.is_retryable() == *retryable
            }))
        }
        (
            Expect::Transport {
                cause,
                kind,
                attempts,
                starts,
                mentions,
                ends,
            },
            Err(
                error @ AdapterError::Transport {
                    attempts: got_attempts,
                    host: got_host,
                    kind: got_kind,
                    cause: got_cause,
                    ..
                },
            ),
        ) => {
            let shown = error.to_string();
            let holds = got_host == host
                && got_attempts == attempts
                && cause.is_none_or(|c| c == *got_cause)
                && kind.is_none_or(|k| k == *got_kind)
                && shown.starts_with(&starts.replace("{host}", host))
                && shown.ends_with(ends)
                && mentions.is_none_or(|m| shown.to_lowercase().contains(&m.to_lowercase()));
            if holds {
                Ok(())
            } else {
                Err(format!("{}, shown as {shown:?}", differs()))
            }
        }
        (
            Expect::Timeout {
                timeout,
                attempts,
                shown,
            },
            Err(
                error @ AdapterError::Timeout {
                    timeout: got_timeout,
                    attempts: got_attempts,
                    host: got_host,
                },
            ),
        ) => agrees(
            got_timeout == timeout
                && got_attempts == attempts
                && got_host == host
                && error.to_string() == shown.replace("{host}", host),
        ),
        (Expect::BodyTooLarge { limit }, Err(AdapterError::BodyTooLarge { limit: got_limit })) => {
            agrees(limit == got_limit)
        }
        _ => Err(differs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_is_checked_field_by_field() {
        let applyment = Expect::Applyment {
            state: "AUDITING",
            applyment_id: Some(7),
        };
        let got = |id| {
            Ok(Got::Applyment {
                state: "AUDITING".to_owned(),
                applyment_id: id,
            })
        };
        assert!(check_outcome(&applyment, &got(7), "http://h").is_ok());
        assert!(check_outcome(&applyment, &got(8), "http://h").is_err());
        let too_large = Err(AdapterError::BodyTooLarge { limit: 256 });
        assert!(check_outcome(&Expect::BodyTooLarge { limit: 256 }, &too_large, "").is_ok());
        assert!(check_outcome(&applyment, &too_large, "").is_err());
        let timeout = Err(AdapterError::Timeout {
            timeout: Duration::from_millis(300),
            attempts: 2,
            host: "http://h".to_owned(),
        });
        let expected = Expect::Timeout {
            timeout: Duration::from_millis(300),
            attempts: 2,
            shown: "no complete answer from {host} within 300ms; gave up after 2 attempts",
        };
        assert!(check_outcome(&expected, &timeout, "http://h").is_ok());
        assert!(check_outcome(&expected, &timeout, "http://elsewhere").is_err());
    }

    #[test]
    fn a_url_names_its_authority() {
        assert_eq!(authority("http://127.0.0.1:80"), "127.0.0.1:80");
        assert_eq!(authority("https://h:1/x"), "h:1");
    }
}
