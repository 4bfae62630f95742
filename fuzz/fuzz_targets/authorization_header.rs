//! The mock platform's reading of a merchant's `Authorization` header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_mock::MerchantAuthorization;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = MerchantAuthorization::parse(text) {
        // What parses is what the protocol allows: five non-empty fields, digits where due.
        assert!(!parsed.mchid.is_empty() && parsed.mchid.bytes().all(|b| b.is_ascii_digit()));
        assert!(
            !parsed.nonce_str.is_empty()
                && !parsed.signature.is_empty()
                && !parsed.serial_no.is_empty()
        );
        for field in [
            &parsed.mchid,
            &parsed.nonce_str,
            &parsed.signature,
            &parsed.serial_no,
        ] {
            assert!(!field.contains('"'));
            assert!(text.contains(&format!("=\"{field}\"")));
        }
    }
});
