//! The fixtures the wechatpay crates share: test keys with their identifiers, the example
//! answers printed on the API pages, and sample files to upload.
//!
//! **Test only.** Every private key here was generated for this repository's tests and is
//! published on purpose; none is a real WeChat Pay merchant or platform key. Never use them, or
//! anything signed with them, outside of tests.
//!
//! The files live in this crate's `keys/` and `pages/` folders and are compiled in as `&str`
//! constants, so that the core's tests, the mock platform, the command, the benchmarks and the
//! fuzz targets all read the same bytes, and each of them still packages on its own. `keys/`
//! is made by this crate's `generate.sh` with the `openssl` command line (see its README); the
//! core's signature and encryption vectors are then computed from these keys by
//! `crates/wechatpay-core/testdata/generate.sh`. `pages/` holds answers copied byte for byte
//! from the API pages, and minimal answers as the pages' field tables allow them.
//!
//! ```
//! use wechatpay_fixtures::{keys, pages};
//!
//! // What a merchant configures, and what the platform signs with.
//! assert!(keys::MERCHANT_KEY_PEM.starts_with("-----BEGIN PRIVATE KEY-----"));
//! assert!(keys::PLATFORM_PUBLIC_KEY_ID.starts_with("PUB_KEY_ID_"));
//! assert_eq!(keys::MERCHANT_SERIAL.len(), 40);
//!
//! // The applyment page's example answer, byte for byte.
//! assert!(pages::APPLYMENT_STATE.contains(r#""out_request_no" : "APPLYMENT_00000000001""#));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![no_std]

pub mod keys;
pub mod media;
pub mod pages;
