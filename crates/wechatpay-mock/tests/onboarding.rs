//! Onboarding and individual payees against the sandbox, through the core's typed operations:
//! a typed submission and its revocation, the settlement account changed through an
//! application that the sandbox reviews, and the pre-signing of individual payees.

use http::Method;
use serde_json::json;
use time::macros::date;
use wechatpay_core::ecommerce::applyment::submit::{
    AccountInfo, BankAccountType, ContactInfo, ContactType, IdCardInfo, MediaId, OrganizationType,
    SalesSceneInfo, SubmitApplyment, ValidityPeriod,
};
use wechatpay_core::ecommerce::applyment::{
    ApplymentState, QueryApplymentByOutRequestNo, RevokeApplymentById,
    RevokeApplymentByOutRequestNo,
};
use wechatpay_core::ecommerce::contract::{CredType, PreEntrustSign, RealNameIdentity};
use wechatpay_core::ecommerce::settlement::{
    AccountNumberRule, AuditResult, ModifyMode, ModifySettlement, QuerySettlement,
    QuerySettlementApplication, SettlementAccountType, VerifyResult,
};
use wechatpay_core::merchant::media::UploadMedia;
use wechatpay_core::{AnyEndpoint, PathBuilder, SensitiveString};
use wechatpay_fixtures::media::{LOGO_BMP, LOGO_PNG};
use wechatpay_mock::endpoints::settlement::seeded as settled;
use wechatpay_mock::records::seeded;
use wechatpay_mock::{AdvanceError, MockPlatform, Schedule};

mod support;

use support::{NOW, api_code, exchange, param_field, setup};

fn secret(text: &str) -> SensitiveString {
    SensitiveString::new(text)
}

/// A small merchant's applyment, its ID card images uploaded to `platform` first.
fn small_merchant(
    platform: &MockPlatform,
    client: &wechatpay_core::Client,
    out_request_no: &str,
) -> SubmitApplyment {
    let upload = |name: &str, file: &[u8]| {
        let uploaded = exchange(
            platform,
            client,
            &UploadMedia::image(name, file.to_vec()).unwrap(),
        )
        .unwrap();
        MediaId::new(uploaded.media_id).unwrap()
    };
    let front = upload("front.png", LOGO_PNG);
    let back = upload("back.bmp", LOGO_BMP);
    SubmitApplyment::new(
        out_request_no,
        OrganizationType::Micro,
        AccountInfo::new(
            BankAccountType::Personal,
            "工商银行",
            secret("张三"),
            "110000",
            secret("6214830000001234"),
        )
        .unwrap(),
        ContactInfo::new(ContactType::Legal, secret("张三"), secret("13900000000")).unwrap(),
        SalesSceneInfo::by_url("张三烧烤", "https://shop.example.com/zhangsan").unwrap(),
        "张三烧烤",
    )
    .unwrap()
    .with_id_card_info(
        IdCardInfo::new(
            front,
            back,
            secret("张三"),
            secret("110101199003070011"),
            ValidityPeriod::new(date!(2019 - 06 - 06), date!(2039 - 06 - 06)).unwrap(),
        )
        .unwrap(),
    )
}

#[test]
fn a_typed_submission_is_revoked_once_and_answers_the_same_ids_again() {
    let (platform, client) = setup();
    let submitted = exchange(
        &platform,
        &client,
        &small_merchant(&platform, &client, "APPLYMENT_TYPED_0001"),
    )
    .unwrap();
    assert_eq!(submitted.out_request_no, "APPLYMENT_TYPED_0001");
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_TYPED_0001").unwrap();
    assert_eq!(
        exchange(&platform, &client, &query)
            .unwrap()
            .applyment_state,
        ApplymentState::Checking
    );

    let revoke = RevokeApplymentByOutRequestNo::new("APPLYMENT_TYPED_0001").unwrap();
    assert_eq!(exchange(&platform, &client, &revoke).unwrap(), submitted);
    let canceled = exchange(&platform, &client, &query).unwrap();
    assert_eq!(canceled.applyment_state, ApplymentState::Canceled);
    // Again, by either id: the same answer, nothing moves.
    assert_eq!(exchange(&platform, &client, &revoke).unwrap(), submitted);
    let by_id = RevokeApplymentById::new(submitted.applyment_id);
    assert_eq!(exchange(&platform, &client, &by_id).unwrap(), submitted);
    assert_eq!(exchange(&platform, &client, &query).unwrap(), canceled);
}

#[test]
fn only_an_applyment_under_way_is_revoked() {
    let (platform, client) = setup();
    // Audited: revoked by WeChat Pay's id, even one above 2^53.
    let auditing = QueryApplymentByOutRequestNo::new(seeded::AUDITING).unwrap();
    let id = exchange(&platform, &client, &auditing)
        .unwrap()
        .applyment_id;
    let ids = exchange(&platform, &client, &RevokeApplymentById::new(id)).unwrap();
    assert_eq!(
        (ids.applyment_id, ids.out_request_no.as_str()),
        (id, seeded::AUDITING)
    );
    let checking = RevokeApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    let ids = exchange(&platform, &client, &checking).unwrap();
    assert_eq!(ids.applyment_id, 9_007_199_254_740_993);

    // A finished one cannot be; an unknown one is not found.
    let finished = RevokeApplymentByOutRequestNo::new(seeded::FINISH).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &finished)),
        (400, "INVALID_REQUEST".to_owned())
    );
    let finish = QueryApplymentByOutRequestNo::new(seeded::FINISH).unwrap();
    assert_eq!(
        exchange(&platform, &client, &finish)
            .unwrap()
            .applyment_state,
        ApplymentState::Finish
    );
    for unknown in [
        exchange(
            &platform,
            &client,
            &RevokeApplymentByOutRequestNo::new("APPLYMENT_NEVER").unwrap(),
        ),
        exchange(&platform, &client, &RevokeApplymentById::new(1)),
    ] {
        assert_eq!(api_code(unknown), (404, "RESOURCE_NOT_EXISTS".to_owned()));
    }
    let not_a_number = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/ecommerce/applyments/12a/revoke").unwrap(),
    )
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &not_a_number)),
        "applyment_id"
    );
}

fn change(sub_mchid: &str, number: &str) -> ModifySettlement {
    ModifySettlement::new(
        sub_mchid,
        SettlementAccountType::Business,
        "招商银行",
        "440300",
        secret(number),
    )
    .unwrap()
    .with_bank_branch_id("308584000013")
    .unwrap()
    .with_account_name(secret("某某科技有限公司"))
    .unwrap()
    .with_modify_mode(ModifyMode::Async)
}

#[test]
fn a_settlement_change_is_reviewed_before_the_account_changes() {
    let (platform, client) = setup();
    let current = QuerySettlement::new(settled::SUB_MCHID).unwrap();
    let before = exchange(&platform, &client, &current).unwrap();
    assert_eq!(before.account_number, "62*************78");
    assert_eq!(before.verify_result, VerifyResult::Success);

    let change = change(settled::SUB_MCHID, "6225880000001234567");
    let application_no = exchange(&platform, &client, &change)
        .unwrap()
        .application_no
        .expect("an application");
    // The same change again: the same application; another one meanwhile is refused.
    let again = exchange(&platform, &client, &change).unwrap();
    assert_eq!(
        again.application_no.as_deref(),
        Some(application_no.as_str())
    );
    let other = self::change(settled::SUB_MCHID, "6225880000009999");
    assert_eq!(
        api_code(exchange(&platform, &client, &other)),
        (400, "INVALID_REQUEST".to_owned())
    );

    let follow = QuerySettlementApplication::new(settled::SUB_MCHID, &application_no).unwrap();
    let reviewed = exchange(&platform, &client, &follow).unwrap();
    assert_eq!(reviewed.verify_result, AuditResult::Auditing);
    assert_eq!(reviewed.account_name, "某*******");
    assert_eq!(reviewed.account_number, "62***************67");
    assert_eq!(reviewed.verify_finished_at(), None);
    assert_eq!(exchange(&platform, &client, &current).unwrap(), before);

    let advanced = platform
        .advance("settlement-application", &application_no, None, NOW + 60)
        .unwrap();
    assert_eq!(advanced.state, "AUDIT_SUCCESS");
    let masked_v2 = follow
        .clone()
        .with_account_number_rule(AccountNumberRule::MaskV2);
    let done = exchange(&platform, &client, &masked_v2).unwrap();
    assert_eq!(done.verify_result, AuditResult::Success);
    assert_eq!(done.account_number, "622588*********4567");
    assert_eq!(
        done.verify_finished_at().map(|t| t.unix_timestamp()),
        Some(i64::try_from(NOW + 60).unwrap())
    );
    let after = exchange(&platform, &client, &current).unwrap();
    assert_eq!(after.account_bank, "招商银行");
    assert_eq!(after.bank_branch_id.as_deref(), Some("308584000013"));
    assert_eq!(after.account_number, "62***************67");
    // Final: it moves no more, and a new change may follow.
    let refused = platform
        .advance(
            "settlement-application",
            &application_no,
            Some("AUDIT_FAIL"),
            NOW,
        )
        .unwrap_err();
    assert!(matches!(refused, AdvanceError::Refused { .. }), "{refused}");
    assert!(exchange(&platform, &client, &other).is_ok());
}

#[test]
fn a_refused_change_leaves_the_account_and_says_why() {
    let (platform, client) = setup();
    let current = QuerySettlement::new(settled::PAGES_SUB_MCHID).unwrap();
    let before = exchange(&platform, &client, &current).unwrap();
    let application_no = exchange(
        &platform,
        &client,
        &change(settled::PAGES_SUB_MCHID, "6225880000001234567"),
    )
    .unwrap()
    .application_no
    .unwrap();
    platform
        .advance(
            "settlement-application",
            &application_no,
            Some("AUDIT_FAIL"),
            NOW,
        )
        .unwrap();
    let follow =
        QuerySettlementApplication::new(settled::PAGES_SUB_MCHID, &application_no).unwrap();
    let failed = exchange(&platform, &client, &follow).unwrap();
    assert_eq!(failed.verify_result, AuditResult::Fail);
    assert!(failed.verify_fail_reason.is_some());
    assert_eq!(exchange(&platform, &client, &current).unwrap(), before);
    // Another sub-merchant does not see the application.
    let elsewhere = QuerySettlementApplication::new(settled::SUB_MCHID, &application_no).unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &elsewhere)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
}

#[test]
fn under_the_every_query_schedule_polling_the_account_sees_the_change() {
    let (platform, client) = setup();
    platform.set_schedule(Schedule::EveryQuery);
    let current = QuerySettlement::new(settled::FINISHED_SUB_MCHID).unwrap();
    exchange(
        &platform,
        &client,
        &change(settled::FINISHED_SUB_MCHID, "6225880000001234567"),
    )
    .unwrap();
    let polled = exchange(&platform, &client, &current).unwrap();
    assert_eq!(polled.account_number, "62***************67");
}

#[test]
fn settlement_requests_are_checked_and_the_account_number_must_be_encrypted() {
    let (platform, client) = setup();
    let unknown = QuerySettlement::new("1999999999").unwrap();
    assert_eq!(
        api_code(exchange(&platform, &client, &unknown)),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
    let short = QuerySettlement::new("1234").unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &short)),
        "sub_mchid"
    );
    let body = json!({
        "account_type": "ACCOUNT_TYPE_BUSINESS",
        "account_bank": "工商银行",
        "bank_address_code": "110000",
        "account_number": "6214830000001234",
    });
    let plaintext = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/apply4sub/sub_merchants/1900006491/modify-settlement").unwrap(),
    )
    .unwrap()
    .with_json(&body)
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &plaintext)),
        "account_number"
    );
    let mut other_type = body.clone();
    other_type["account_type"] = json!("ACCOUNT_TYPE_OTHER");
    let refused = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/apply4sub/sub_merchants/1900006491/modify-settlement").unwrap(),
    )
    .unwrap()
    .with_json(&other_type)
    .unwrap()
    .encrypt("/account_number")
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &refused)),
        "account_type"
    );
    let rule = AnyEndpoint::new(
        Method::GET,
        PathBuilder::parse(
            "/v3/apply4sub/sub_merchants/1900006491/application/1?account_number_rule=ALL",
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        param_field(exchange(&platform, &client, &rule)),
        "account_number_rule"
    );
    // Saved state keeps masked numbers only.
    exchange(
        &platform,
        &client,
        &change(settled::SUB_MCHID, "6225880000001234567"),
    )
    .unwrap();
    let state = platform.save_state().to_string();
    assert!(state.contains("\"settlements\""));
    assert!(!state.contains("6225880000001234567"));
    assert!(!state.contains("某某科技有限公司"));
}

fn identity() -> RealNameIdentity {
    RealNameIdentity::new(
        secret("张三"),
        CredType::IdCard,
        secret("110101199003070011"),
    )
    .unwrap()
}

#[test]
fn pre_signing_opens_one_session_per_contract_code() {
    let (platform, client) = setup();
    let appid = "wxd678efh567h23787";
    let openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    let sessions = [
        PreEntrustSign::app(appid, "CONTRACT_APP").unwrap(),
        PreEntrustSign::mini_program(appid, "CONTRACT_MINI", openid).unwrap(),
        PreEntrustSign::app(appid, "CONTRACT_APP_REAL")
            .unwrap()
            .with_real_name_identity(identity()),
        PreEntrustSign::mini_program(appid, "CONTRACT_MINI_REAL", openid)
            .unwrap()
            .with_real_name_identity(identity()),
    ];
    let mut ids = Vec::new();
    for session in &sessions {
        let opened = exchange(&platform, &client, session).unwrap();
        assert!(opened.pre_entrustweb_id.starts_with("1121_"));
        // The same request again: the same session.
        assert_eq!(exchange(&platform, &client, session).unwrap(), opened);
        ids.push(opened.pre_entrustweb_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    // A code already used, for another payee or another identity.
    for reused in [
        PreEntrustSign::mini_program(appid, "CONTRACT_MINI", "oUpF8uMuAJO_other").unwrap(),
        PreEntrustSign::mini_program(appid, "CONTRACT_MINI", openid)
            .unwrap()
            .with_real_name_identity(identity()),
        PreEntrustSign::app(appid, "CONTRACT_APP_REAL")
            .unwrap()
            .with_real_name_identity(
                RealNameIdentity::new(
                    secret("李四"),
                    CredType::IdCard,
                    secret("110101199003070011"),
                )
                .unwrap(),
            ),
    ] {
        assert_eq!(
            api_code(exchange(&platform, &client, &reused)),
            (400, "INVALID_REQUEST".to_owned())
        );
    }
    let state = platform.save_state().to_string();
    assert!(state.contains("CONTRACT_APP_REAL"));
    assert!(!state.contains("110101199003070011"));
}

#[test]
fn a_real_name_pre_signing_needs_its_identity_encrypted() {
    let (platform, client) = setup();
    let path = "/v3/ecommerce/individual-contracts/pre-entrust-sign-with-real-name-identity/app";
    let body = json!({
        "appid": "wxd678efh567h23787",
        "out_contract_code": "CONTRACT_PLAIN",
        "real_name": "张三",
        "cred_type": "ID_CARD",
        "cred_id": "110101199003070011",
    });
    let request = |encrypt: &[&str], body: &serde_json::Value| {
        let mut operation = AnyEndpoint::new(Method::POST, PathBuilder::parse(path).unwrap())
            .unwrap()
            .with_json(body)
            .unwrap();
        for pointer in encrypt {
            operation = operation.encrypt(pointer).unwrap();
        }
        operation
    };
    assert_eq!(
        param_field(exchange(
            &platform,
            &client,
            &request(&["/real_name"], &body)
        )),
        "cred_id"
    );
    let mut passport = body.clone();
    passport["cred_type"] = json!("PASSPORT");
    assert_eq!(
        param_field(exchange(
            &platform,
            &client,
            &request(&["/real_name", "/cred_id"], &passport)
        )),
        "cred_type"
    );
    let mini = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/ecommerce/individual-contracts/pre-entrust-sign/mini-program")
            .unwrap(),
    )
    .unwrap()
    .with_json(&json!({"appid": "wx1", "out_contract_code": "CONTRACT_NO_OPENID"}))
    .unwrap();
    assert_eq!(param_field(exchange(&platform, &client, &mini)), "openid");
    let answer = exchange(
        &platform,
        &client,
        &request(&["/real_name", "/cred_id"], &body),
    )
    .unwrap()
    .expect("a body");
    assert!(answer["pre_entrustweb_id"].as_str().is_some());
}
