//! Path parameter validation and encoding: whatever is accepted is sendable as is, and
//! percent-decodes back to the input unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::ecommerce::contract::{QueryContractByOpenid, QueryContractByOutContractCode};
use wechatpay_core::{Operation, check_path_and_query};

fn decoded(encoded: &str) -> String {
    percent_decode_str(encoded)
        .decode_utf8()
        .expect("encoding of UTF-8 decodes to UTF-8")
        .into_owned()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = QueryApplymentByOutRequestNo::new(text) {
        let parts = query.request().expect("accepted input builds a request");
        let path = parts.path_and_query();
        check_path_and_query(path).expect("sendable as is");
        let segment = path
            .strip_prefix("/v3/ecommerce/applyments/out-request-no/")
            .expect("prefix");
        assert!(!segment.contains('/') && !segment.contains('?'));
        assert_eq!(decoded(segment), text);
    }
    // Two parameters: split the input at its first NUL.
    let (first, second) = text
        .split_once('\0')
        .unwrap_or((text, "wxd678efh567h23787"));
    if let Ok(query) = QueryContractByOutContractCode::new(first, second) {
        let parts = query.request().expect("accepted input builds a request");
        let path = parts.path_and_query();
        check_path_and_query(path).expect("sendable as is");
        let rest = path
            .strip_prefix("/v3/ecommerce/individual-contracts/out-contract-code/")
            .expect("prefix");
        let (code, appid) = rest.split_once("?appid=").expect("one query parameter");
        assert_eq!(
            (decoded(code), decoded(appid)),
            (first.to_owned(), second.to_owned())
        );
    }
    if let Ok(query) = QueryContractByOpenid::new(first, second) {
        let parts = query.request().expect("accepted input builds a request");
        check_path_and_query(parts.path_and_query()).expect("sendable as is");
    }
    let _ = check_path_and_query(text);
});
