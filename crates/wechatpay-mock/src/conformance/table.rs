//! The scenarios: what every adapter owes a caller, one row each.

use std::time::Duration;

use wechatpay_core::{TransportCause, TransportFailure};

use super::{
    Attempt, Elapsed, Expect, Hosts, Query, Role, Scenario, Settings, VerificationKind, Via,
};
use crate::records::seeded;

const P200: Attempt = Attempt::answered(Role::Primary, 200);
const P500: Attempt = Attempt::answered(Role::Primary, 500);
const B200: Attempt = Attempt::answered(Role::Backup, 200);
const P_DROPPED: Attempt = Attempt::dropped(Role::Primary);

const fn applyment(state: &'static str) -> Expect {
    Expect::Applyment {
        state,
        applyment_id: None,
    }
}

const AUDITING: Expect = applyment("AUDITING");

/// One attempt, so that a failure is seen as it happened, not as the last of several.
const ONCE: Settings = Settings {
    max_attempts: 1,
    ..Settings::FAST
};

/// A short timeout, against answers held for 2 s.
const IMPATIENT: Settings = Settings {
    timeout: Duration::from_millis(300),
    ..Settings::FAST
};

/// What the rows leave out: the seeded applyment in `AUDITING`, queried once on the primary
/// host with fast retries, answered in full.
const ROW: Scenario = Scenario {
    name: "",
    faults: &[],
    query: Query::Applyment(seeded::AUDITING),
    via: Via::Execute,
    hosts: Hosts::Primary,
    settings: Settings::FAST,
    expect: AUDITING,
    seen: &[P200],
    path: None,
    elapsed: Elapsed::ANY,
};

const fn signature_fault(
    name: &'static str,
    faults: &'static [(&'static str, u32)],
    kind: VerificationKind,
) -> Scenario {
    Scenario {
        name,
        faults,
        expect: Expect::Verification(kind),
        ..ROW
    }
}

/// Every scenario, in the order [`Suite::run`](super::Suite::run) runs them.
pub const SCENARIOS: &[Scenario] = &[
    // Every state decodes, and what is sent is what was signed.
    Scenario {
        name: "an applyment in CHECKING decodes, its out_request_no sent percent-encoded as signed",
        query: Query::Applyment(seeded::CHECKING),
        expect: Expect::Applyment {
            state: "CHECKING",
            applyment_id: Some((1 << 53) + 1),
        },
        path: Some(
            "/v3/ecommerce/applyments/out-request-no/%E5%95%86%E6%88%B7%E7%94%B3%E8%AF%B7%2F2024%20%231%3F",
        ),
        ..ROW
    },
    Scenario {
        name: "an applyment in ACCOUNT_NEED_VERIFY decodes",
        query: Query::Applyment(seeded::ACCOUNT_NEED_VERIFY),
        expect: applyment("ACCOUNT_NEED_VERIFY"),
        ..ROW
    },
    Scenario {
        name: "an applyment in AUDITING decodes",
        ..ROW
    },
    Scenario {
        name: "an applyment in REJECTED decodes",
        query: Query::Applyment(seeded::REJECTED),
        expect: applyment("REJECTED"),
        ..ROW
    },
    Scenario {
        name: "an applyment in NEED_SIGN decodes",
        query: Query::Applyment(seeded::NEED_SIGN),
        expect: applyment("NEED_SIGN"),
        ..ROW
    },
    Scenario {
        name: "an applyment in FINISH decodes",
        query: Query::Applyment(seeded::FINISH),
        expect: applyment("FINISH"),
        ..ROW
    },
    Scenario {
        name: "an applyment in FROZEN decodes",
        query: Query::Applyment(seeded::FROZEN),
        expect: applyment("FROZEN"),
        ..ROW
    },
    Scenario {
        name: "an applyment in CANCELED decodes",
        query: Query::Applyment(seeded::CANCELED),
        expect: applyment("CANCELED"),
        ..ROW
    },
    Scenario {
        name: "an authorized contract decodes by out_contract_code, its openid byte for byte",
        query: Query::ContractByCode(seeded::CONTRACT_AUTHORIZED),
        expect: Expect::Contract {
            auth_state: "AUTHORIZED",
            openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t"),
        },
        path: Some(
            "/v3/ecommerce/individual-contracts/out-contract-code/APPLYMENT_00000000001?appid=wxd678efh567h23787",
        ),
        ..ROW
    },
    Scenario {
        name: "an unauthorized contract decodes",
        query: Query::ContractByCode(seeded::CONTRACT_UNAUTHORIZED),
        expect: Expect::Contract {
            auth_state: "UNAUTHORIZED",
            openid: None,
        },
        ..ROW
    },
    Scenario {
        name: "a contract decodes by openid",
        query: Query::ContractByOpenid(seeded::OPENID),
        expect: Expect::Contract {
            auth_state: "AUTHORIZED",
            openid: None,
        },
        ..ROW
    },
    // Every signature fault is its verification error, and final: one attempt each.
    signature_fault(
        "a tampered body is a bad signature",
        &[("tampered-body", 1)],
        VerificationKind::BadSignature,
    ),
    signature_fault(
        "an answer signed with another key is a bad signature",
        &[("wrong-signing-key", 1)],
        VerificationKind::BadSignature,
    ),
    signature_fault(
        "the signature probe is rejected",
        &[("signature-probe", 1)],
        VerificationKind::SignatureProbe,
    ),
    signature_fault(
        "a stale timestamp is clock skew",
        &[("stale-timestamp", 1)],
        VerificationKind::ClockSkew,
    ),
    signature_fault(
        "a future timestamp is clock skew",
        &[("future-timestamp", 1)],
        VerificationKind::ClockSkew,
    ),
    signature_fault(
        "an unsigned answer is a missing header",
        &[("missing-signature-headers", 1)],
        VerificationKind::MissingHeader,
    ),
    signature_fault(
        "an unknown platform key is an unknown serial",
        &[("unknown-serial", 1)],
        VerificationKind::UnknownSerial,
    ),
    // Body faults: decode errors, or tolerated.
    Scenario {
        name: "a signed body that is not JSON is a decode error",
        faults: &[("invalid-json", 1)],
        expect: Expect::Decode,
        ..ROW
    },
    Scenario {
        name: "a signed empty body is a decode error",
        faults: &[("empty-body", 1)],
        expect: Expect::Decode,
        ..ROW
    },
    Scenario {
        name: "an enum value no client knows yet is kept as received",
        faults: &[("unknown-enum-values", 1)],
        expect: applyment("UNDER_SUPERVISION"),
        ..ROW
    },
    Scenario {
        name: "fields no client knows yet are ignored",
        faults: &[("extra-fields", 1)],
        ..ROW
    },
    // API errors carry the status, the code and the Request-ID.
    Scenario {
        name: "a missing applyment is a 404 RESOURCE_NOT_EXISTS, not retried",
        query: Query::Applyment("NO_SUCH_APPLYMENT"),
        expect: Expect::Api {
            status: 404,
            code: Some("RESOURCE_NOT_EXISTS"),
            retryable: false,
        },
        seen: &[Attempt::answered(Role::Primary, 404)],
        ..ROW
    },
    Scenario {
        name: "a redirect is an answer, not followed with the signed request",
        faults: &[("redirect", 1)],
        expect: Expect::Api {
            status: 302,
            code: None,
            retryable: false,
        },
        seen: &[Attempt::answered(Role::Primary, 302)],
        ..ROW
    },
    // Retries: how often, on which host, after how long.
    Scenario {
        name: "SYSTEM_ERROR twice, then an answer: three attempts on the same host",
        faults: &[("system-error", 2)],
        hosts: Hosts::PrimaryAndBackup,
        seen: &[P500, P500, P200],
        ..ROW
    },
    Scenario {
        name: "a 429 asking for more than the policy's longest wait is reported at once",
        faults: &[("too-many-requests", 1)],
        expect: Expect::Api {
            status: 429,
            code: Some("FREQUENCY_LIMITED"),
            retryable: true,
        },
        seen: &[Attempt::answered(Role::Primary, 429)],
        ..ROW
    },
    Scenario {
        name: "a 429's Retry-After is obeyed by a policy that allows it",
        faults: &[("too-many-requests", 1), ("rate-limited", 1)],
        settings: Settings {
            max_delay: Duration::from_secs(2),
            ..Settings::FAST
        },
        seen: &[Attempt::answered(Role::Primary, 429), P500, P200],
        elapsed: Elapsed {
            at_least: Duration::from_secs(1),
            at_most: Duration::MAX,
        },
        ..ROW
    },
    Scenario {
        name: "RATELIMIT_EXCEEDED is retried up to the policy's attempts, then reported",
        faults: &[("rate-limited", 5)],
        expect: Expect::Api {
            status: 500,
            code: Some("RATELIMIT_EXCEEDED"),
            retryable: true,
        },
        seen: &[P500, P500, P500],
        ..ROW
    },
    Scenario {
        name: "a dropped connection is retried",
        faults: &[("drop-connection", 1)],
        seen: &[P_DROPPED, P200],
        ..ROW
    },
    Scenario {
        name: "a connection dropped on every attempt is a transport failure after the policy's attempts",
        faults: &[("drop-connection", 5)],
        expect: Expect::Transport {
            cause: None,
            kind: Some(TransportFailure::Interrupted),
            attempts: 3,
            starts: "exchanging with {host}: ",
            mentions: None,
            ends: "; gave up after 3 attempts",
        },
        seen: &[P_DROPPED, P_DROPPED, P_DROPPED],
        ..ROW
    },
    Scenario {
        name: "a dropped connection on the primary host moves to the backup host",
        faults: &[("drop-connection", 1)],
        hosts: Hosts::PrimaryAndBackup,
        seen: &[P_DROPPED, B200],
        ..ROW
    },
    Scenario {
        name: "without failover a dropped connection is retried on the primary host",
        faults: &[("drop-connection", 1)],
        hosts: Hosts::PrimaryAndBackup,
        settings: Settings {
            failover: false,
            ..Settings::FAST
        },
        seen: &[P_DROPPED, P200],
        ..ROW
    },
    Scenario {
        name: "a timeout is retried, and the next attempt succeeds",
        faults: &[("slow:2000", 1)],
        settings: IMPATIENT,
        seen: &[P200, P200],
        ..ROW
    },
    Scenario {
        name: "a slow answer times out on every attempt, each at the timeout",
        faults: &[("slow:2000", 2)],
        settings: Settings {
            max_attempts: 2,
            ..IMPATIENT
        },
        expect: Expect::Timeout {
            timeout: Duration::from_millis(300),
            attempts: 2,
            shown: "no complete answer from {host} within 300ms; gave up after 2 attempts",
        },
        seen: &[P200, P200],
        // Waited out, two answers held for 2 s would take 4 s.
        elapsed: Elapsed {
            at_least: Duration::ZERO,
            at_most: Duration::from_millis(1500),
        },
        ..ROW
    },
    // The body limit.
    Scenario {
        name: "an answer over the body limit is refused",
        faults: &[("oversize-body:2097152", 1)],
        expect: Expect::BodyTooLarge { limit: 1024 * 1024 },
        ..ROW
    },
    Scenario {
        name: "a larger body limit reads, verifies and decodes the same answer",
        faults: &[("oversize-body:2097152", 1)],
        settings: Settings {
            body_limit: 4 * 1024 * 1024,
            ..Settings::FAST
        },
        ..ROW
    },
    Scenario {
        name: "a small body limit refuses an ordinary answer",
        settings: Settings {
            body_limit: 64,
            ..Settings::FAST
        },
        expect: Expect::BodyTooLarge { limit: 64 },
        ..ROW
    },
    // Hosts that do not answer.
    Scenario {
        name: "an unreachable primary host fails over to the backup host",
        hosts: Hosts::ClosedAndBackup,
        seen: &[B200],
        ..ROW
    },
    Scenario {
        name: "a refused connection names the host and the cause",
        hosts: Hosts::Closed,
        expect: Expect::Transport {
            cause: Some(TransportCause::Refused),
            kind: Some(TransportFailure::Connect),
            attempts: 3,
            starts: "connecting to {host}: ",
            mentions: Some("connection refused"),
            ends: "(is the server running, and is the port right?); gave up after 3 attempts",
        },
        seen: &[],
        ..ROW
    },
    Scenario {
        name: "TLS to a plain HTTP server asks whether it is one",
        hosts: Hosts::PrimaryOverTls,
        settings: ONCE,
        expect: Expect::Transport {
            cause: Some(TransportCause::PlainHttp),
            kind: None,
            attempts: 1,
            starts: "connecting to {host}: TLS handshake failed: ",
            mentions: None,
            ends: "(is this an http:// server?)",
        },
        seen: &[],
        ..ROW
    },
    Scenario {
        name: "a host name that does not resolve is a DNS failure",
        hosts: Hosts::Unresolvable,
        settings: ONCE,
        expect: Expect::Transport {
            cause: Some(TransportCause::Dns),
            kind: Some(TransportFailure::Connect),
            attempts: 1,
            starts: "connecting to {host}: ",
            mentions: None,
            ends: "(is the host name right?)",
        },
        seen: &[],
        ..ROW
    },
    // `send`: one exchange, as given.
    Scenario {
        name: "send moves a signed request as given, and the core verifies its answer",
        via: Via::Send,
        ..ROW
    },
    Scenario {
        name: "send makes one attempt: a SYSTEM_ERROR is the answer",
        faults: &[("system-error", 1)],
        via: Via::Send,
        expect: Expect::Status(500),
        seen: &[P500],
        ..ROW
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Fault;

    #[test]
    fn every_fault_of_the_table_is_one_the_mock_reads() {
        for scenario in SCENARIOS {
            for (fault, times) in scenario.faults {
                assert!(fault.parse::<Fault>().is_ok(), "{}: {fault}", scenario.name);
                assert!(*times > 0, "{}", scenario.name);
            }
        }
    }

    #[test]
    fn scenario_names_are_unique() {
        let mut names: Vec<_> = SCENARIOS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
