//! Callback body parsing, past verification (the `--cfg fuzzing` hook), and the resource's
//! decryption with the test APIv3 key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_core::{Notification, VerifiedBody};
use wechatpay_fuzz::api_v3_key;

fuzz_target!(|data: &[u8]| {
    match Notification::decode(VerifiedBody::for_fuzzing(data)) {
        Ok(notification) => {
            let _ = format!("{notification:?}");
            if let Ok(plaintext) = notification.resource.decrypt(api_v3_key()) {
                assert_eq!(format!("{plaintext:?}"), "<redacted>");
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
