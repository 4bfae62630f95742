//! The sandbox: records that move (on a control call, or on every query), saved state that
//! loads back, and refusals that change nothing.

use wechatpay_core::ecommerce::applyment::{
    ApplymentState, NextStep, QueryApplymentById, QueryApplymentByOutRequestNo,
};
use wechatpay_mock::records::seeded;
use wechatpay_mock::{AdvanceError, MockKeys, MockPlatform, Schedule, StateError};

mod support;

use support::{NOW, exchange, rng, setup};

#[test]
fn an_applyment_moves_along_the_platform_path_to_finish() {
    let (platform, client) = setup();
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    let mut states = Vec::new();
    for _ in 0..3 {
        let advanced = platform
            .advance("applyment", seeded::CHECKING, None, NOW)
            .unwrap();
        let applyment = exchange(&platform, &client, &query).unwrap();
        assert_eq!(applyment.applyment_state.as_str(), advanced.state);
        assert_eq!(advanced.notices, 0);
        states.push(applyment.applyment_state.clone());
        if applyment.applyment_state == ApplymentState::NeedSign {
            assert!(matches!(applyment.next_step(), NextStep::Sign { sign_url: Some(url) } if url.starts_with("https://")));
        }
    }
    assert_eq!(
        states,
        [
            ApplymentState::Auditing,
            ApplymentState::NeedSign,
            ApplymentState::Finish
        ]
    );
    let done = exchange(&platform, &client, &query).unwrap();
    let NextStep::Done { sub_mchid: Some(sub_mchid) } = done.next_step() else {
        panic!("{done:?}");
    };
    assert_eq!(sub_mchid.len(), 10);
    // By id as well, and final from here on.
    let by_id = QueryApplymentById::new(done.applyment_id);
    assert_eq!(exchange(&platform, &client, &by_id).unwrap(), done);
    let id = done.applyment_id.to_string();
    let refused = platform.advance("applyment", &id, None, NOW).unwrap_err();
    assert!(matches!(refused, AdvanceError::Refused { .. }), "{refused}");
}

#[test]
fn moves_off_the_path_are_allowed_only_where_the_platform_makes_them() {
    let (platform, client) = setup();
    let advanced = platform
        .advance("applyment", seeded::AUDITING, Some("REJECTED"), NOW)
        .unwrap();
    assert_eq!(advanced.state, "REJECTED");
    let rejected = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap(),
    )
    .unwrap();
    assert!(matches!(rejected.next_step(), NextStep::FixRejected { items } if !items.is_empty()));
    // A rejected applyment waits for a new submission; a finished one for nothing.
    for (id, to) in [
        (seeded::AUDITING, None),
        (seeded::FINISH, Some("CANCELED")),
        (seeded::NEED_SIGN, Some("AUDITING")),
        (seeded::CHECKING, Some("WHATEVER")),
    ] {
        let error = platform.advance("applyment", id, to, NOW).unwrap_err();
        assert!(matches!(error, AdvanceError::Refused { .. }), "{id}: {error}");
    }
    assert!(matches!(
        platform.advance("applyment", "nobody", None, NOW),
        Err(AdvanceError::UnknownRecord { .. })
    ));
    let unknown = platform.advance("rocket", "1", None, NOW).unwrap_err();
    assert!(unknown.to_string().contains("applyment"), "{unknown}");
    // Account verification, then on to the audit.
    platform
        .advance("applyment", seeded::CHECKING, Some("ACCOUNT_NEED_VERIFY"), NOW)
        .unwrap();
    let verify = exchange(
        &platform,
        &client,
        &QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        verify.next_step(),
        NextStep::VerifyAccount { remittance: Some(_), legal_validation_url: Some(_) }
    ));
    let audited = platform
        .advance("applyment", seeded::CHECKING, None, NOW)
        .unwrap();
    assert_eq!(audited.state, "AUDITING");
}

#[test]
fn under_every_query_a_poll_moves_the_applyment_first() {
    let (platform, client) = setup();
    assert_eq!(platform.schedule(), Schedule::OnControl);
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    assert_eq!(
        exchange(&platform, &client, &query).unwrap().applyment_state,
        ApplymentState::Checking
    );
    platform.set_schedule(Schedule::EveryQuery);
    let mut polls = 0;
    loop {
        polls += 1;
        let applyment = exchange(&platform, &client, &query).unwrap();
        if applyment.applyment_state.is_final() {
            assert_eq!(applyment.applyment_state, ApplymentState::Finish);
            break;
        }
        assert!(polls < 10, "{applyment:?}");
    }
    assert_eq!(polls, 3);
}

#[test]
fn saved_state_loads_into_another_platform() {
    let (platform, client) = setup();
    platform
        .advance("applyment", seeded::CHECKING, Some("NEED_SIGN"), NOW)
        .unwrap();
    platform.set_schedule(Schedule::EveryQuery);
    let saved = platform.save_state();
    assert_eq!(saved["format"], 1);
    assert_eq!(saved["schedule"], "every-query");
    assert!(saved["tables"]["applyments"].is_array());
    assert!(saved["tables"]["ledger"].is_object());

    // Through text, as `wechatpay mock` writes and reads it.
    let text = serde_json::to_string_pretty(&saved).unwrap();
    let other = MockPlatform::new(MockKeys::fixtures(), &mut rng()).unwrap();
    other
        .load_state(&serde_json::from_str(&text).unwrap())
        .unwrap();
    assert_eq!(other.schedule(), Schedule::EveryQuery);
    other.set_schedule(Schedule::OnControl);
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    assert_eq!(
        exchange(&other, &client, &query).unwrap().applyment_state,
        ApplymentState::NeedSign
    );
    assert_eq!(other.save_state()["tables"], saved["tables"]);
}

#[test]
fn state_that_does_not_read_changes_nothing() {
    let (platform, _) = setup();
    let before = platform.save_state();
    let mut unknown_table = before.clone();
    unknown_table["tables"]["rockets"] = serde_json::json!([]);
    let mut bad_table = before.clone();
    bad_table["tables"]["applyments"] = serde_json::json!([{"applyment_state": "FINISH"}]);
    let mut bad_ledger = before.clone();
    bad_ledger["tables"]["ledger"] = serde_json::json!({"orders": "none"});
    bad_ledger["tables"]["applyments"] = serde_json::json!([]);
    for (state, table) in [
        (unknown_table, Some("rockets")),
        (bad_table, Some("applyments")),
        (bad_ledger, Some("ledger")),
        (serde_json::json!({"format": 2}), None),
        (serde_json::json!([]), None),
    ] {
        let error = platform.load_state(&state).unwrap_err();
        match (table, &error) {
            (Some(name), StateError::Table { table, .. }) => assert_eq!(table, name),
            (None, StateError::Shape { .. }) => {}
            _ => panic!("{error}"),
        }
        assert_eq!(platform.save_state(), before, "{error}");
    }
    // A world that gives only some tables leaves the others alone.
    platform
        .load_state(&serde_json::json!({"format": 1, "tables": {"applyments": []}}))
        .unwrap();
    let after = platform.save_state();
    assert_eq!(after["tables"]["applyments"], serde_json::json!([]));
    assert_eq!(after["tables"]["ledger"], before["tables"]["ledger"]);
}
