//! Callbacks past verification (the `--cfg fuzzing` hook): the envelope parsed and its
//! resource decrypted with the test APIv3 key, and decrypted resources of every event typed
//! (`Notification::open_with`); every refusal answered as the platform expects.
//!
//! The first byte chooses: even, the rest is a callback body; odd, the rest is a decrypted
//! resource of the event `EVENTS[(byte >> 1) % EVENTS.len()]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_core::{
    Error, Event, Notification, NotificationAnswer, OpenedNotification, SensitiveString,
    VerifiedBody,
};
use wechatpay_fuzz::api_v3_key;

/// (event_type, original_type): the typed events, one without a model, and a typed event with
/// another resource type.
const EVENTS: [(&str, &str); 6] = [
    ("TRANSACTION.SUCCESS", "transaction"),
    ("REFUND.SUCCESS", "refund"),
    ("REFUND.ABNORMAL", "refund"),
    ("REFUND.CLOSED", "refund"),
    ("APPLYMENT_STATE_CHANGE", "applyment"),
    ("TRANSACTION.SUCCESS", "payscore"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        envelope(rest);
    } else {
        let (event_type, original_type) = EVENTS[usize::from(mode >> 1) % EVENTS.len()];
        resource(event_type, original_type, rest);
    }
});

fn envelope(body: &[u8]) {
    match Notification::decode(VerifiedBody::for_fuzzing(body)) {
        Ok(notification) => {
            let _ = format!("{notification:?}");
            match notification.resource.decrypt(api_v3_key()) {
                Ok(plaintext) => {
                    assert_eq!(format!("{plaintext:?}"), "<redacted>");
                    match notification.open_with(plaintext) {
                        Ok(opened) => exercise(&opened),
                        Err(error) => refused(&error),
                    }
                }
                Err(error) => refused(&error),
            }
        }
        Err(error) => refused(&error),
    }
}

fn resource(event_type: &str, original_type: &str, bytes: &[u8]) {
    let Ok(plaintext) = SensitiveString::from_utf8(bytes) else {
        return;
    };
    let notification: Notification = serde_json::from_value(serde_json::json!({
        "id": "EV-FUZZ",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "resource": {
            "original_type": original_type,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": "",
            "nonce": "0123456789ab",
        },
    }))
    .expect("a fixed envelope");
    match notification.open_with(plaintext.clone()) {
        Ok(opened) => {
            assert_eq!(opened.event_type.as_str(), event_type);
            exercise(&opened);
        }
        Err(error) => {
            // A decrypted resource holds personal data: an error never carries it.
            let shown = format!("{error} {error:?}");
            if plaintext.expose().len() >= 16 {
                assert!(!shown.contains(plaintext.expose()), "{shown}");
            }
            if let Error::Decode(decode) = &error {
                assert!(decode.body.is_empty());
            }
            refused(&error);
        }
    }
}

/// What a handler reads beyond the fields.
fn exercise(opened: &OpenedNotification) {
    let _ = format!("{opened:?}");
    match &opened.event {
        Event::Transaction(paid) => {
            let _ = paid.success_time_at();
        }
        Event::CombineTransaction(paid) => {
            for order in &paid.sub_orders {
                let _ = order.success_time_at();
            }
        }
        Event::Refund(refund) => {
            let _ = (refund.success_time_at(), refund.refund_status.as_str());
        }
        Event::Other(raw) => {
            let _ = raw.json::<serde_json::Value>();
        }
        _ => {}
    }
}

/// Every refusal is a failure the platform redelivers after, with the documented body.
fn refused(error: &Error) {
    let answer = NotificationAnswer::refusal(error);
    assert!(answer.status().is_client_error() || answer.status().is_server_error());
    let body: serde_json::Value =
        serde_json::from_slice(&answer.to_response().into_body()).expect("JSON");
    assert_eq!(body["code"], "FAIL");
    let _ = error.to_string();
}
