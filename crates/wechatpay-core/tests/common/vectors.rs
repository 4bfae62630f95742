//! The committed test vectors' folders, read the same way by every test that checks them.

use std::fs;
use std::path::{Path, PathBuf};

use http::HeaderMap;
use serde::Deserialize;

/// Every case folder of one kind (`sign`, `verify`, `oaep`, ...), sorted.
pub fn cases(kind: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(super::testdata().join("vectors").join(kind))
        .expect("vector folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no {kind} vectors found");
    cases
}

/// A file of a case.
pub fn read(case: &Path, file: &str) -> Vec<u8> {
    fs::read(case.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", case.display()))
}

/// A file of a case that may be absent (a `GET` has no body): empty then.
pub fn read_optional(case: &Path, file: &str) -> Vec<u8> {
    fs::read(case.join(file)).unwrap_or_default()
}

/// A text file of a case.
pub fn read_text(case: &Path, file: &str) -> String {
    String::from_utf8(read(case, file)).expect("UTF-8")
}

/// `input.json` of a sign case.
#[derive(Deserialize)]
pub struct SignInput {
    pub method: String,
    pub path_and_query: String,
    pub timestamp: u64,
    pub nonce: String,
}

/// `input.json` of a verify case.
#[derive(Deserialize)]
pub struct VerifyInput {
    pub timestamp: String,
    pub nonce: String,
    pub serial: String,
    pub signature: String,
    pub expect: String,
}

impl VerifyInput {
    /// The case's four signature headers.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("Wechatpay-Timestamp", self.timestamp.parse().unwrap());
        headers.insert("Wechatpay-Nonce", self.nonce.parse().unwrap());
        headers.insert("Wechatpay-Serial", self.serial.parse().unwrap());
        headers.insert("Wechatpay-Signature", self.signature.parse().unwrap());
        headers
    }
}

/// The signature headers of the `verify/callback_<name>` vector: the platform's signature over
/// the body of the `notification/<name>` vector.
pub fn callback_headers(name: &str) -> HeaderMap {
    let case = super::testdata()
        .join("vectors/verify")
        .join(format!("callback_{name}"));
    let input: VerifyInput =
        serde_json::from_slice(&read(&case, "input.json")).expect("verify input.json");
    input.headers()
}

/// The body of the `notification/<name>` vector, as the platform posted it.
pub fn callback_body(name: &str) -> Vec<u8> {
    read(
        &super::testdata().join("vectors/notification").join(name),
        "body",
    )
}
