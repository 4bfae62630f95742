//! Uploads, where untrusted bytes are read: the core's file type detection and the mock
//! platform's reading of a multipart body (`multer`, and the checks around it), including the
//! `meta` part its authentication verifies the signature over.
//!
//! Input: a mode byte (its value modulo 8: 0 to 3 for mode 0, 4 to 6 for mode 1, 7 for mode 2,
//! whose RSA would otherwise take most of the time), then
//! - mode 0: `Content-Type \n body`, read by `wechatpay_mock::multipart::parse`: no panic, and
//!   what it reads (meta, file) is bytes of the body;
//! - mode 1: `filename \0 file`, through `UploadMedia::detect`: refused as an input error, or
//!   built into a body that the mock reads back to exactly the `meta` signed and the file;
//! - mode 2: as mode 1, and an upload the core builds is signed and sent to the mock platform,
//!   which must take it and answer the `media_id` of that file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::merchant::media::{MediaFormat, UploadMedia};
use wechatpay_core::{Backend, Client, Error, Host, Nonce};
use wechatpay_fuzz::NOW;
use wechatpay_mock::endpoints::media::media_id_for;
use wechatpay_mock::{MockKeys, MockPlatform, multipart};

/// One platform and one client (aws-lc-rs signs several times faster) for the whole run.
fn platform() -> &'static (MockPlatform, Client) {
    static PLATFORM: OnceLock<(MockPlatform, Client)> = OnceLock::new();
    PLATFORM.get_or_init(|| {
        let keys = MockKeys::fixtures();
        let platform = MockPlatform::new(keys.clone(), &mut ChaCha20Rng::from_seed([8; 32]))
            .expect("mock platform");
        let client = wechatpay_fuzz::new_client(Backend::AwsLc)
            .with_base_url("http://127.0.0.1:8080")
            .expect("mock client");
        (platform, client)
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn read_back(data: &[u8]) {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(content_type) = std::str::from_utf8(content_type) else {
        return;
    };
    if let Ok(upload) = multipart::parse(content_type, body) {
        assert!(contains(body, &upload.meta), "meta not from the body");
        assert!(contains(body, &upload.file), "file not from the body");
    }
}

fn build(data: &[u8], send: bool) {
    let (name, file) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(name) = std::str::from_utf8(name) else {
        return;
    };
    let format = MediaFormat::detect(file);
    let upload = match UploadMedia::detect(name, file.to_vec()) {
        Ok(upload) => upload,
        Err(Error::InvalidInput { reason, .. }) => {
            assert!(!reason.is_empty());
            return;
        }
        Err(other) => panic!("an upload refused with {other:?}"),
    };
    assert_eq!(Some(upload.format()), format);
    let multipart_body = upload.multipart().clone();
    let content_type = multipart_body.content_type();
    let meta = multipart_body.meta().to_vec();
    let wire = multipart_body.into_wire();
    let read = multipart::parse(&content_type, &wire).expect("the mock reads what the core sends");
    assert_eq!(read.meta, meta, "meta changed between the core and the mock");
    assert_eq!(read.file, file, "file changed between the core and the mock");
    assert_eq!(read.filename.as_deref(), Some(name));
    if !send {
        return;
    }
    let (platform, client) = platform();
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let request = client
        .prepare(&upload, Host::Primary, NOW, &Nonce::generate(&mut rng), &mut rng)
        .expect("an upload the core built signs");
    let response = platform
        .handle(&request, NOW, &mut rng)
        .response
        .expect("an answer");
    let uploaded = client
        .parse(&upload, &response, NOW)
        .unwrap_or_else(|e| panic!("the platform refused an upload the core built: {e}"));
    assert_eq!(uploaded.media_id, media_id_for(upload.kind(), file));
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 8 {
        0..=3 => read_back(rest),
        4..=6 => build(rest, false),
        _ => build(rest, true),
    }
});
