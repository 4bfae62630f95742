//! Callbacks end to end in the core: verified, decrypted, typed by event
//! (`OpenedNotification`), and answered (`NotificationAnswer`). The typed vectors were made
//! with Python's `cryptography` and signed with `openssl` (testdata/generate.sh).

mod common;

use std::fs;

use common::*;
use http::{HeaderMap, HeaderValue, StatusCode};
use wechatpay_core::ecommerce::refund::{RefundAccount, RefundStatus};
use wechatpay_core::ecommerce::transaction::{TradeState, TradeType};
use wechatpay_core::{
    ApiV3Key, Backend, CryptoError, Error, Event, EventType, Notification, NotificationAnswer,
    OpenedNotification, VerificationError,
};

fn key() -> ApiV3Key {
    ApiV3Key::new(API_V3_KEY).unwrap()
}

/// A notification vector's body and the headers of its `verify/callback_*` signature.
fn vector(name: &str) -> (HeaderMap, Vec<u8>) {
    (
        vectors::callback_headers(name),
        vectors::callback_body(name),
    )
}

fn opened(name: &str) -> OpenedNotification {
    let (headers, body) = vector(name);
    client(Backend::default())
        .open_notification(&headers, &body, NOW, &key())
        .unwrap()
}

#[test]
fn a_partner_payment_is_typed_with_every_field() {
    let notification = opened("transaction_success");
    assert_eq!(notification.id, "EV-2018022511223320874");
    assert_eq!(notification.event_type, EventType::TransactionSuccess);
    assert_eq!(notification.summary.as_deref(), Some("支付成功"));
    let Event::Transaction(paid) = &notification.event else {
        panic!("{:?}", notification.event)
    };
    assert_eq!(paid.sp_appid.as_deref(), Some("wx8888888888888888"));
    assert_eq!(paid.sp_mchid, "1900000001");
    assert_eq!(paid.sub_appid.as_deref(), Some("wxd678efh567hg6999"));
    assert_eq!(paid.sub_mchid, "1542488631");
    assert_eq!(paid.out_trade_no, "1217752501201407033233368018");
    assert_eq!(
        paid.transaction_id.as_deref(),
        Some("4200000985202103031441826014")
    );
    assert_eq!(paid.trade_type, Some(TradeType::Jsapi));
    assert_eq!(paid.trade_state, TradeState::Success);
    assert_eq!(paid.trade_state_desc.as_deref(), Some("支付成功"));
    assert_eq!(paid.bank_type.as_deref(), Some("CMC"));
    assert_eq!(paid.attach.as_deref(), Some("自定义数据"));
    assert_eq!(
        paid.success_time_at().unwrap().unix_timestamp(),
        1_528_425_296
    );
    let payer = paid.payer.as_ref().unwrap();
    assert_eq!(
        payer.sp_openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    );
    assert_eq!(
        payer.sub_openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS7p")
    );
    assert_eq!(paid.amount.total, 100);
    assert_eq!(paid.amount.payer_total, Some(90));
    assert_eq!(paid.amount.currency.as_deref(), Some("CNY"));
    assert_eq!(paid.amount.payer_currency.as_deref(), Some("CNY"));
    assert_eq!(
        paid.scene_info.as_ref().unwrap().device_id.as_deref(),
        Some("013467007045764")
    );
    let promotion = &paid.promotion_detail[0];
    assert_eq!(
        (
            promotion.coupon_id.as_str(),
            promotion.amount,
            promotion.kind.as_deref()
        ),
        ("109519", 10, Some("CASH"))
    );
    assert_eq!(promotion.goods_detail[0].goods_id, "M1006");
    assert_eq!(promotion.goods_detail[0].discount_amount, 10);

    let shown = format!("{notification:?}");
    assert!(!shown.contains("oUpF8uMu"), "openids never print: {shown}");
    assert!(shown.contains("1217752501201407033233368018"), "{shown}");
}

#[test]
fn a_combined_payment_is_typed_by_its_combine_out_trade_no() {
    let notification = opened("combine_transaction_success");
    assert_eq!(notification.event_type, EventType::TransactionSuccess);
    let Event::CombineTransaction(paid) = &notification.event else {
        panic!("{:?}", notification.event)
    };
    assert_eq!(paid.combine_out_trade_no, "P20150806125346");
    assert_eq!(paid.combine_mchid, "1900000001");
    assert_eq!(paid.sub_orders.len(), 2);
    let first = &paid.sub_orders[0];
    assert_eq!(
        (first.sub_mchid.as_str(), first.amount.total_amount),
        ("1542488631", 10)
    );
    assert_eq!(first.amount.payer_amount, Some(10));
    assert_eq!(
        first.success_time_at().unwrap().unix_timestamp(),
        1_432_099_775
    );
    // A trade type added after this version: kept, never a failure.
    let second = &paid.sub_orders[1];
    assert_eq!(
        second.trade_type,
        Some(TradeType::Unknown("FUTURE_PAY".to_owned()))
    );
    assert_eq!(second.amount.total_amount, 20);
    assert_eq!(second.amount.payer_amount, None);
    assert_eq!(
        paid.combine_payer_info.as_ref().unwrap().openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    );
    let shown = format!("{notification:?}");
    assert!(!shown.contains("oUpF8uMu"), "openids never print: {shown}");
}

#[test]
fn each_refund_event_is_typed_with_its_status() {
    let success = opened("refund_success");
    assert_eq!(success.event_type, EventType::RefundSuccess);
    let Event::Refund(refund) = &success.event else {
        panic!("{:?}", success.event)
    };
    assert_eq!(refund.refund_status, RefundStatus::Success);
    assert_eq!(refund.out_refund_no, "1217752501201407033233368019");
    assert_eq!(refund.refund_id, "50000000382019052709732678859");
    assert_eq!(refund.refund_account, Some(RefundAccount::SubMerchant));
    let amount = refund.amount.as_ref().unwrap();
    assert_eq!(
        (
            amount.total,
            amount.refund,
            amount.payer_total,
            amount.payer_refund
        ),
        (Some(100), 60, Some(90), Some(54))
    );
    assert_eq!(
        refund.user_received_account.as_ref().unwrap().expose(),
        "招商银行信用卡0403"
    );
    assert!(refund.success_time_at().is_some());
    assert!(
        !format!("{success:?}").contains("0403"),
        "an account never prints"
    );

    let abnormal = opened("refund_abnormal");
    assert_eq!(abnormal.event_type, EventType::RefundAbnormal);
    let Event::Refund(refund) = &abnormal.event else {
        panic!("{:?}", abnormal.event)
    };
    assert_eq!(refund.refund_status, RefundStatus::Abnormal);
    assert_eq!(refund.amount, None, "seen without amounts: still typed");
    assert_eq!(refund.success_time_at(), None);

    let closed = opened("refund_closed");
    assert_eq!(closed.event_type, EventType::RefundClosed);
    let Event::Refund(refund) = &closed.event else {
        panic!("{:?}", closed.event)
    };
    assert_eq!(refund.refund_status, RefundStatus::Closed);
    assert_eq!(refund.refund_account, Some(RefundAccount::PartnerAdvance));
}

#[test]
fn an_event_without_a_model_comes_as_raw_json() {
    for name in ["applyment_state_change", "empty_associated_data"] {
        let notification = opened(name);
        assert_eq!(
            notification.event_type,
            EventType::Unknown("APPLYMENT_STATE_CHANGE".to_owned())
        );
        assert_eq!(notification.event_type.as_str(), "APPLYMENT_STATE_CHANGE");
        let Event::Other(raw) = &notification.event else {
            panic!("{:?}", notification.event)
        };
        assert_eq!(raw.original_type(), "applyment");
        let plaintext = fs::read_to_string(
            testdata()
                .join("vectors/notification")
                .join(name)
                .join("plaintext"),
        )
        .unwrap();
        assert_eq!(raw.plaintext().expose(), plaintext);
        let json: serde_json::Value = raw.json().unwrap();
        assert_eq!(json["sub_mchid"], "1542488631");
        let shown = format!("{raw:?}");
        assert!(!shown.contains("1542488631"), "{shown}");
        assert!(
            shown.contains(&format!("<{} bytes>", plaintext.len())),
            "{shown}"
        );
    }
}

#[test]
fn a_known_event_with_another_resource_type_is_not_forced_into_a_model() {
    // Other products send TRANSACTION.SUCCESS with resources of their own shape.
    let (_, body) = vector("transaction_success");
    let mut envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
    envelope["resource"]["original_type"] = "payscore".into();
    let notification: Notification = serde_json::from_value(envelope).unwrap();
    let plaintext =
        fs::read_to_string(testdata().join("vectors/notification/transaction_success/plaintext"))
            .unwrap();
    let opened = notification
        .open_with(wechatpay_core::SensitiveString::new(plaintext))
        .unwrap();
    assert_eq!(opened.event_type, EventType::TransactionSuccess);
    assert!(matches!(&opened.event, Event::Other(raw) if raw.original_type() == "payscore"));
}

#[test]
fn open_with_a_plaintext_from_elsewhere_types_it_as_open_does() {
    for name in [
        "transaction_success",
        "refund_success",
        "applyment_state_change",
    ] {
        let (headers, body) = vector(name);
        let client = client(Backend::default());
        let notification = client.parse_notification(&headers, &body, NOW).unwrap();
        let plaintext = notification
            .resource
            .sealed()
            .unwrap()
            .open(&key())
            .unwrap();
        assert_eq!(
            notification.open_with(plaintext).unwrap(),
            notification.open(&key()).unwrap()
        );
    }
}

#[test]
fn opening_verifies_first_with_every_backend() {
    for backend in Backend::all() {
        let client = client(*backend);
        let (headers, body) = vector("refund_success");
        assert!(matches!(
            client
                .open_notification(&headers, &body, NOW, &key())
                .unwrap()
                .event,
            Event::Refund(_)
        ));
        let mut altered = body.clone();
        let at = altered.len() - 5;
        altered[at] ^= 1;
        let error = client
            .open_notification(&headers, &altered, NOW, &key())
            .unwrap_err();
        assert!(
            matches!(
                error.verification(),
                Some(VerificationError::BadSignature { .. })
            ),
            "{error}"
        );
    }
}

/// A notification whose resource is `plaintext`, encrypted here with the test key.
fn sealed_notification(event_type: &str, original_type: &str, plaintext: &str) -> Notification {
    let nonce = b"0123456789ab";
    serde_json::from_value(serde_json::json!({
        "id": "EV-1",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": seal(API_V3_KEY, nonce, original_type, plaintext.as_bytes()),
            "associated_data": original_type,
            "nonce": "0123456789ab",
        },
    }))
    .unwrap()
}

#[test]
fn a_typed_resource_that_does_not_fit_fails_without_showing_its_data() {
    // A value of the wrong type: serde would quote it; the error must not.
    let wrong_type = sealed_notification(
        "TRANSACTION.SUCCESS",
        "transaction",
        r#"{"sp_mchid":"1","sub_mchid":"2","out_trade_no":"3","transaction_id":"4","trade_state":"SUCCESS","payer":{"sp_openid":"oSECRETopenid"},"amount":{"total":"oSECRETamount"}}"#,
    );
    let error = wrong_type.open(&key()).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, Error::Decode(_)), "{shown}");
    assert!(!shown.contains("oSECRET"), "{shown}");
    assert!(shown.contains("\"transaction\" resource"), "{shown}");

    // A missing field is named: no one's data is in a field name.
    let missing = sealed_notification(
        "REFUND.SUCCESS",
        "refund",
        r#"{"sp_mchid":"1","sub_mchid":"2","out_trade_no":"3","transaction_id":"4","out_refund_no":"5","refund_status":"SUCCESS","user_received_account":"oSECRET"}"#,
    );
    let error = missing.open(&key()).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("missing field `refund_id`"), "{shown}");
    assert!(!shown.contains("oSECRET"), "{shown}");
    assert_eq!(
        NotificationAnswer::refusal(&error).status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    // Not JSON at all.
    let not_json = sealed_notification("REFUND.SUCCESS", "refund", "oSECRET");
    let error = not_json.open(&key()).unwrap_err();
    assert!(!format!("{error} {error:?}").contains("oSECRET"));
}

#[test]
fn the_answers_are_what_the_platform_expects() {
    let success = NotificationAnswer::success();
    assert!(success.is_success());
    assert_eq!(success.message(), None);
    let response = success.to_response();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.body().is_empty());
    assert!(response.headers().is_empty());

    let failure = NotificationAnswer::failure("库存服务不可用 \"now\"");
    assert!(!failure.is_success());
    let response = failure.to_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"code": "FAIL", "message": "库存服务不可用 \"now\""})
    );

    let busy =
        NotificationAnswer::failure_with_status(StatusCode::SERVICE_UNAVAILABLE, "busy").unwrap();
    assert_eq!(busy.to_response().status(), StatusCode::SERVICE_UNAVAILABLE);
    for not_a_failure in [StatusCode::OK, StatusCode::NO_CONTENT, StatusCode::FOUND] {
        match NotificationAnswer::failure_with_status(not_a_failure, "x") {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "status"),
            other => panic!("{not_a_failure}: {other:?}"),
        }
    }
}

/// The answer a client gives a callback with these headers and body, at `now`.
fn answer(headers: &HeaderMap, body: &[u8], now: u64, key: &ApiV3Key) -> NotificationAnswer {
    match client(Backend::default()).open_notification(headers, body, now, key) {
        Ok(_) => NotificationAnswer::success(),
        Err(error) => NotificationAnswer::refusal(&error),
    }
}

#[test]
fn every_refusal_has_its_status_and_a_fixed_message() {
    let (headers, body) = vector("transaction_success");
    assert_eq!(answer(&headers, &body, NOW, &key()).status(), 204);

    let check = |answer: NotificationAnswer, status: u16, message: &str| {
        assert_eq!(answer.status(), status, "{answer:?}");
        assert_eq!(answer.message(), Some(message));
        let body: serde_json::Value = serde_json::from_slice(&answer.body()).unwrap();
        assert_eq!(body["code"], "FAIL");
    };

    // Altered in one byte.
    let mut altered = body.clone();
    altered[20] ^= 1;
    let bad_signature = answer(&headers, &altered, NOW, &key());
    check(bad_signature.clone(), 401, "signature verification failed");

    // The platform's probe gets the very answer a bad signature gets.
    let mut probe = headers.clone();
    probe.insert(
        "Wechatpay-Signature",
        HeaderValue::from_static("WECHATPAY/SIGNTEST/cGVyZm9ybWFuY2U="),
    );
    let probed = answer(&probe, &body, NOW, &key());
    assert_eq!(probed, bad_signature);
    assert_eq!(
        probed.to_response().body(),
        bad_signature.to_response().body()
    );

    // Not signed at all, or with a header that cannot be read.
    check(
        answer(&HeaderMap::new(), &body, NOW, &key()),
        401,
        "signature verification failed",
    );
    let mut malformed = headers.clone();
    malformed.insert(
        "Wechatpay-Timestamp",
        HeaderValue::from_static("+1700000000"),
    );
    check(
        answer(&malformed, &body, NOW, &key()),
        401,
        "signature verification failed",
    );

    // A key this merchant does not have.
    let mut unknown = headers.clone();
    unknown.insert(
        "Wechatpay-Serial",
        HeaderValue::from_static("PUB_KEY_ID_0119000000012024112300000000000099"),
    );
    check(
        answer(&unknown, &body, NOW, &key()),
        401,
        "unknown platform key",
    );

    // Authentic but stale, either way: a replay after the window, or a clock adrift.
    for now in [NOW + 301, NOW - 301] {
        check(
            answer(&headers, &body, now, &key()),
            401,
            "timestamp outside the accepted window",
        );
    }
    assert_eq!(answer(&headers, &body, NOW + 300, &key()).status(), 204);

    // Authentic, but this side holds another APIv3 key.
    let wrong_key = ApiV3Key::new("Wechatpay0Test0ApiV3Key000000002").unwrap();
    let error = client(Backend::default())
        .open_notification(&headers, &body, NOW, &wrong_key)
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Crypto(CryptoError::DecryptionFailed)
    ));
    check(
        NotificationAnswer::refusal(&error),
        500,
        "resource decryption failed",
    );

    // Authentic, but not a notification.
    let body = br#"{"id":"EV-1"}"#;
    let response = signed_response(Backend::default(), 200, body);
    check(
        answer(response.headers(), body, NOW, &key()),
        500,
        "callback not understood",
    );
}

#[test]
fn a_refusal_message_never_echoes_the_request() {
    let (mut headers, body) = vector("transaction_success");
    headers.insert(
        "Wechatpay-Serial",
        HeaderValue::from_static("PUB_KEY_ID_<script>alert(1)</script>"),
    );
    let refused = answer(&headers, &body, NOW, &key());
    assert!(!String::from_utf8_lossy(&refused.body()).contains("script"));
}
