//! Image and video uploads: the format by magic bytes and by extension, the size limits, and
//! the `meta` part that is both the text signed and the bytes sent.

mod common;

use common::{NOW, client, rng, signed_response};
use http::Method;
use sha2::{Digest, Sha256};
use wechatpay_core::merchant::media::{
    IMAGE_LIMIT, MediaFormat, MediaKind, UploadMedia, UploadedMedia, VIDEO_LIMIT,
};
use wechatpay_core::{Backend, Error, Host, Nonce, RequestBody, SigningInput};
use wechatpay_fixtures::media::{CLIP_MP4, LOGO_BMP, LOGO_PNG};

/// An ISO base media file of `brand`.
fn iso_media(brand: &[u8; 4]) -> Vec<u8> {
    let mut file = vec![0, 0, 0, 0x18];
    file.extend_from_slice(b"ftyp");
    file.extend_from_slice(brand);
    file.extend_from_slice(&[0, 0, 2, 0]);
    file.extend_from_slice(b"isommp41");
    file.extend_from_slice(b"\0\0\0\x10mdat the frames");
    file
}

fn matroska(doc_type: &[u8]) -> Vec<u8> {
    let mut file = vec![
        0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82,
    ];
    file.push(0x80 | doc_type.len() as u8);
    file.extend_from_slice(doc_type);
    file.resize(512, 0);
    file
}

/// One sample of every format the platform takes, with every extension it may carry.
fn samples() -> Vec<(MediaFormat, Vec<u8>, &'static [&'static str])> {
    let mut avi = b"RIFF\x24\0\0\0AVI LIST".to_vec();
    avi.resize(64, 0);
    vec![
        (
            MediaFormat::Jpeg,
            b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01".to_vec(),
            &["jpg", "jpeg"],
        ),
        (MediaFormat::Png, LOGO_PNG.to_vec(), &["png"]),
        (MediaFormat::Bmp, LOGO_BMP.to_vec(), &["bmp"]),
        (MediaFormat::Avi, avi, &["avi"]),
        (
            MediaFormat::Wmv,
            b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C".to_vec(),
            &["wmv"],
        ),
        (
            MediaFormat::Mpeg,
            b"\x00\x00\x01\xBA\x44\x00\x04\x00\x04\x01".to_vec(),
            &["mpeg", "mpg"],
        ),
        (MediaFormat::Mp4, CLIP_MP4.to_vec(), &["mp4", "m4v", "f4v"]),
        (MediaFormat::Mp4, iso_media(b"M4V "), &["m4v", "mp4"]),
        (MediaFormat::Mp4, iso_media(b"F4V "), &["f4v"]),
        (MediaFormat::QuickTime, iso_media(b"qt  "), &["mov"]),
        (MediaFormat::Matroska, matroska(b"matroska"), &["mkv"]),
        (
            MediaFormat::Flv,
            b"FLV\x01\x05\0\0\0\x09".to_vec(),
            &["flv"],
        ),
        (
            MediaFormat::RealMedia,
            b".RMF\0\0\0\x12\0\x01".to_vec(),
            &["rmvb"],
        ),
    ]
}

fn invalid_field(error: &Error) -> (&str, &str) {
    match error {
        Error::InvalidInput { field, reason } => (field, reason),
        other => panic!("not an input error: {other}"),
    }
}

#[test]
fn every_format_is_known_by_its_magic_bytes_and_goes_to_its_endpoint() {
    let mut seen = Vec::new();
    for (format, file, extensions) in samples() {
        assert_eq!(MediaFormat::detect(&file), Some(format), "{format}");
        for extension in extensions {
            for name in [
                format!("sample.{extension}"),
                format!("SAMPLE.{}", extension.to_uppercase()),
            ] {
                let upload = UploadMedia::detect(&name, file.clone())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(upload.format(), format);
                assert_eq!(upload.kind(), format.kind());
                let typed = match format.kind() {
                    MediaKind::Image => UploadMedia::image(&name, file.clone()),
                    MediaKind::Video => UploadMedia::video(&name, file.clone()),
                    _ => unreachable!(),
                };
                assert_eq!(typed.unwrap(), upload, "{name}");
            }
        }
        seen.push(format);
    }
    for kind in [MediaKind::Image, MediaKind::Video] {
        for format in kind.formats() {
            assert!(seen.contains(&format), "no sample of {format}");
        }
    }
    assert_eq!(MediaKind::Image.formats().count(), 3);
    assert_eq!(MediaKind::Video.formats().count(), 8);
}

#[test]
fn other_formats_and_unknown_bytes_are_refused_naming_what_was_found() {
    let cases: [(&[u8], &str, &str); 5] = [
        (
            b"GIF89a\x01\0\x01\0",
            "a.gif",
            "is image/gif by its content",
        ),
        (b"%PDF-1.7\n", "a.pdf", "is application/pdf by its content"),
        (&matroska(b"webm"), "a.webm", "is video/webm by its content"),
        (
            b"just text",
            "a.jpg",
            "starts with bytes of no known format (6A 75 73 74 20 74 65 78)",
        ),
        (b"", "a.jpg", "is empty"),
    ];
    for (file, name, expected) in cases {
        for upload in [UploadMedia::image, UploadMedia::video, UploadMedia::detect] {
            let error = upload(name, file.to_vec()).unwrap_err();
            let (field, reason) = invalid_field(&error);
            assert_eq!(field, "file");
            assert!(reason.contains(expected), "{name}: {reason}");
        }
    }
    let error = UploadMedia::image("a.gif", b"GIF89a".to_vec()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("image uploads take JPG, BMP, PNG"),
        "{error}"
    );
    let error = UploadMedia::detect("a.txt", b"hello".to_vec()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("images (JPG, BMP, PNG) and videos (AVI, WMV, MPEG"),
        "{error}"
    );
}

#[test]
fn an_image_sent_as_a_video_or_the_reverse_is_pointed_to_its_endpoint() {
    let error = UploadMedia::video("logo.png", LOGO_PNG.to_vec()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid file: is a PNG image (image/png) by its content, and video uploads take AVI, \
         WMV, MPEG, MP4, MOV, MKV, FLV, F4V, M4V, RMVB: send it to the image endpoint \
         (POST /v3/merchant/media/upload)"
    );
    let error = UploadMedia::image("clip.mp4", CLIP_MP4.to_vec()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("send it to the video endpoint (POST /v3/merchant/media/video_upload)"),
        "{error}"
    );
}

#[test]
fn an_extension_that_disagrees_with_the_content_is_refused_naming_both() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "logo.jpg",
            LOGO_PNG,
            "\"logo.jpg\": the extension .jpg does not match the content, a PNG image; name it .png",
        ),
        (
            "logo.png",
            b"\xFF\xD8\xFF\xDB",
            "the extension .png does not match the content, a JPEG image; name it .jpg or .jpeg",
        ),
        (
            "clip.mov",
            CLIP_MP4,
            "the extension .mov does not match the content, an MP4 video; name it .mp4 or .m4v or .f4v",
        ),
        (
            "logo",
            LOGO_BMP,
            "\"logo\" has no extension; the content is a BMP image: name it .bmp",
        ),
        (
            "logo.png.exe",
            LOGO_PNG,
            "the extension .exe does not match the content, a PNG image",
        ),
    ];
    for (name, file, expected) in cases {
        let error = UploadMedia::detect(name, file.to_vec()).unwrap_err();
        let (field, reason) = invalid_field(&error);
        assert_eq!(field, "filename", "{name}");
        assert!(reason.contains(expected), "{name}: {reason}");
    }
}

#[test]
fn the_size_limits_are_exact_and_named_in_the_error() {
    let padded = |head: &[u8], len: usize| {
        let mut file = head.to_vec();
        file.resize(len, 0);
        file
    };
    assert!(UploadMedia::image("a.png", padded(LOGO_PNG, IMAGE_LIMIT)).is_ok());
    let error = UploadMedia::image("a.png", padded(LOGO_PNG, IMAGE_LIMIT + 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid file: is 2097153 bytes, over the 2 MiB (2097152-byte) limit of image uploads"
    );
    assert!(UploadMedia::video("a.mp4", padded(CLIP_MP4, VIDEO_LIMIT)).is_ok());
    let error = UploadMedia::detect("a.mp4", padded(CLIP_MP4, VIDEO_LIMIT + 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid file: is 5242881 bytes, over the 5 MiB (5242880-byte) limit of video uploads"
    );
}

#[test]
fn names_that_would_break_the_part_headers_are_refused() {
    for name in ["a\".png", "a\r\n.png", "a\\b.png"] {
        let error = UploadMedia::image(name, LOGO_PNG.to_vec()).unwrap_err();
        assert_eq!(invalid_field(&error).0, "filename", "{name:?}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn meta_is_the_signed_text_and_the_sent_part_byte_for_byte() {
    let client = client(Backend::default());
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    for (name, file, path, content_type) in [
        (
            "门店 logo.png",
            LOGO_PNG,
            "/v3/merchant/media/upload",
            "image/png",
        ),
        (
            "clip.mp4",
            CLIP_MP4,
            "/v3/merchant/media/video_upload",
            "video/mp4",
        ),
    ] {
        let upload = UploadMedia::detect(name, file.to_vec()).unwrap();
        let digest = sha256_hex(file);
        assert_eq!(upload.sha256(), digest);
        let meta = format!(r#"{{"filename":"{name}","sha256":"{digest}"}}"#);
        assert_eq!(upload.multipart().meta(), meta.as_bytes());

        let unsigned = client
            .prepare_unsigned(&upload, Host::Primary, NOW, &nonce, &mut rng())
            .unwrap();
        let message = format!("POST\n{path}\n{NOW}\n593BEC0C930BF1AFEB40B4A08C8FB242\n{meta}\n");
        assert_eq!(unsigned.message(), message.as_bytes());

        let request = unsigned.sign(&mut rng()).unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().path(), path);
        let boundary = upload.multipart().boundary();
        assert_eq!(
            request.headers()["Content-Type"],
            format!("multipart/form-data; boundary={boundary}").as_str()
        );
        let expected_body = [
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
                 Content-Type: application/json\r\n\r\n{meta}\r\n--{boundary}\r\n\
                 Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
            file,
            format!("\r\n--{boundary}--\r\n").as_bytes(),
        ]
        .concat();
        assert_eq!(request.body(), &expected_body);

        let signature = client
            .credentials()
            .sign(
                &SigningInput {
                    method: &Method::POST,
                    path_and_query: path,
                    timestamp: NOW,
                    nonce: &nonce,
                    body: meta.as_bytes(),
                },
                &mut rng(),
            )
            .unwrap();
        assert_eq!(
            request.headers()["Authorization"],
            signature.authorization()
        );
        // The request's parts say the same.
        let parts = common::request_of(&upload).unwrap();
        assert_eq!(parts.signed_body(), meta.as_bytes());
        assert!(matches!(parts.body(), RequestBody::Multipart(m) if m == upload.multipart()));
    }
}

#[test]
fn the_signed_answer_is_the_media_id() {
    let client = client(Backend::default());
    let upload = UploadMedia::image("logo.png", LOGO_PNG.to_vec()).unwrap();
    let body = br#"{"media_id":"6uqyGjGrCf2GtyXP8bxrbuH9-aAoTjH-rKeSl3Lf4_So6kdkQu4w8BYVP3bzLtvR38lxt4PjtCDXsQpzqge_hQEovHzOhsLleGFQVRF-U_0"}"#;
    let response = signed_response(Backend::default(), 200, body);
    let uploaded: UploadedMedia = client.parse(&upload, &response, NOW).unwrap();
    assert!(uploaded.media_id.starts_with("6uqyGjGrCf2GtyXP8bx"));

    for bad in [&br#"{"media_id":""}"#[..], b"{}", b"<html>"] {
        let response = signed_response(Backend::default(), 200, bad);
        let error = client.parse(&upload, &response, NOW).unwrap_err();
        assert!(matches!(error, Error::Decode(_)), "{error}");
    }
    // Unsigned, it is never read.
    let response = common::unsigned_response(200, body);
    assert!(matches!(
        client.parse(&upload, &response, NOW),
        Err(Error::Verification { .. })
    ));
}
