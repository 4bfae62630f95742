//! Uploads as the platform checks them: the signature over `meta` alone, the two parts, the
//! unquoted boundary, `sha256` against the file, the format, the extension and the size; and
//! the `media_id` answered.

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Request};
use sha2::{Digest, Sha256};
use wechatpay_core::merchant::media::{MediaFormat, MediaKind, UploadMedia};
use wechatpay_core::{
    Client, Error, Multipart, Nonce, Operation, RequestContext, RequestParts, SigningInput,
    VerifiedBody,
};
use wechatpay_fixtures::media::{CLIP_MP4, LOGO_PNG};
use wechatpay_mock::MockPlatform;
use wechatpay_mock::endpoints::media::media_id_for;

mod support;

use support::{NOW, rng, setup};

fn sign<O: Operation>(client: &Client, operation: &O) -> Request<Vec<u8>> {
    support::prepare(client, operation, NOW)
}

/// The platform's answer to `request`, read by the client as `operation`'s.
fn answer<O: Operation>(
    platform: &MockPlatform,
    client: &Client,
    operation: &O,
    request: &Request<Vec<u8>>,
) -> Result<O::Output, Error> {
    let response = platform.handle(request, NOW, &mut rng()).response.unwrap();
    client.parse(operation, &response, NOW)
}

/// An upload of any body the core can build, the checks of `UploadMedia` skipped: what a
/// careless client would send.
struct Raw(&'static str, Multipart);

impl Operation for Raw {
    type Output = serde_json::Value;
    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        Ok(RequestParts::multipart(self.0, self.1.clone()))
    }
    fn decode(&self, body: VerifiedBody<'_>) -> Result<serde_json::Value, Error> {
        body.json()
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn raw(path: &'static str, meta_name: &str, sha256: &str, name: &str, file: &[u8]) -> Raw {
    let meta = serde_json::json!({"filename": meta_name, "sha256": sha256});
    Raw(
        path,
        Multipart::new(&meta, name, "image/png", file.to_vec()).unwrap(),
    )
}

/// The platform's refusal of `request`: status, code, and the field its detail names.
fn refusal<O: Operation>(
    platform: &MockPlatform,
    client: &Client,
    operation: &O,
    request: &Request<Vec<u8>>,
) -> (u16, String, String)
where
    O::Output: std::fmt::Debug,
{
    match answer(platform, client, operation, request) {
        Err(Error::Api(api)) => {
            let field = api
                .detail
                .as_ref()
                .and_then(|d| d.get("field"))
                .and_then(|f| f.as_str())
                .unwrap_or_default()
                .to_owned();
            let text = format!("{field} {}", api.message.clone().unwrap_or_default());
            (
                api.status.as_u16(),
                api.code.clone().unwrap_or_default(),
                text,
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_image_and_a_video_are_taken_and_answered_with_their_media_id() {
    let (platform, client) = setup();
    for (name, file, kind) in [
        ("门店 logo.png", LOGO_PNG, MediaKind::Image),
        ("clip.mp4", CLIP_MP4, MediaKind::Video),
    ] {
        let upload = UploadMedia::detect(name, file.to_vec()).unwrap();
        let request = sign(&client, &upload);
        let uploaded = answer(&platform, &client, &upload, &request).unwrap();
        assert_eq!(uploaded.media_id, media_id_for(kind, file));
        let record = platform.media(&uploaded.media_id).expect("remembered");
        assert_eq!(record.kind, kind);
        assert_eq!(record.filename, name);
        assert_eq!(record.sha256, hex_sha256(file));
        assert_eq!(record.size, file.len());
        assert_eq!(Some(record.format), MediaFormat::detect(file));
    }
    assert_eq!(platform.media("unknown"), None);
}

#[test]
fn the_signature_covers_meta_alone() {
    let (platform, client) = setup();
    let upload = UploadMedia::image("logo.png", LOGO_PNG.to_vec()).unwrap();
    let request = sign(&client, &upload);

    // Signed over the whole multipart body, as SDKs that get uploads wrong do: refused.
    let mut over_body = request.clone();
    let nonce = Nonce::generate(&mut rng());
    let signature = client
        .credentials()
        .sign(
            &SigningInput {
                method: &Method::POST,
                path_and_query: "/v3/merchant/media/upload",
                timestamp: NOW,
                nonce: &nonce,
                body: request.body(),
            },
            &mut rng(),
        )
        .unwrap();
    over_body.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(signature.authorization()).unwrap(),
    );
    let (status, code, _) = refusal(&platform, &client, &upload, &over_body);
    assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"));

    // A meta changed after signing (one space added): refused, whatever the file.
    let mut respaced = request.clone();
    let meta = upload.multipart().meta();
    let body = request.body();
    let at = body
        .windows(meta.len())
        .position(|w| w == meta)
        .expect("the meta part");
    let mut changed = body[..at + 1].to_vec();
    changed.push(b' ');
    changed.extend_from_slice(&body[at + 1..]);
    *respaced.body_mut() = changed;
    let (status, code, _) = refusal(&platform, &client, &upload, &respaced);
    assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"));

    // The file part is not signed: changing it leaves the signature valid, and the sha256 in
    // meta is what catches it.
    let mut other_file = request.clone();
    let last = other_file.body().len() - 60;
    other_file.body_mut()[last] ^= 1;
    let (status, code, text) = refusal(&platform, &client, &upload, &other_file);
    assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{text}");
    assert!(text.starts_with("sha256 "), "{text}");
}

#[test]
fn malformed_uploads_are_refused_before_the_signature() {
    let (platform, client) = setup();
    let upload = UploadMedia::image("logo.png", LOGO_PNG.to_vec()).unwrap();
    let request = sign(&client, &upload);
    let boundary = upload.multipart().boundary().to_owned();

    let mut quoted = request.clone();
    quoted.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&format!("multipart/form-data; boundary=\"{boundary}\"")).unwrap(),
    );
    let (status, code, text) = refusal(&platform, &client, &upload, &quoted);
    assert_eq!((status, code.as_str()), (400, "INVALID_REQUEST"));
    assert!(text.contains("quoted"), "{text}");

    // A third part after the file.
    let mut extra = request.clone();
    let body = extra.body_mut();
    body.truncate(body.len() - format!("--{boundary}--\r\n").len());
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"extra\"\r\n\r\nx\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let (status, code, text) = refusal(&platform, &client, &upload, &extra);
    assert_eq!((status, code.as_str()), (400, "INVALID_REQUEST"));
    assert!(text.contains("more than two parts"), "{text}");

    // Cut short: no closing boundary.
    let mut cut = request.clone();
    let len = cut.body().len();
    cut.body_mut().truncate(len - 10);
    let (status, code, _) = refusal(&platform, &client, &upload, &cut);
    assert_eq!((status, code.as_str()), (400, "INVALID_REQUEST"));
}

#[test]
fn what_the_core_would_refuse_the_platform_refuses_too() {
    let (platform, client) = setup();
    let png_sha = hex_sha256(LOGO_PNG);
    let image = "/v3/merchant/media/upload";
    let video = "/v3/merchant/media/video_upload";
    let mut big = LOGO_PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let big_sha = hex_sha256(&big);
    let cases = [
        (
            raw(image, "logo.png", &"0".repeat(64), "logo.png", LOGO_PNG),
            "sha256 ",
        ),
        (
            raw(
                image,
                "logo.png",
                &png_sha.to_uppercase(),
                "logo.png",
                LOGO_PNG,
            ),
            "sha256 ",
        ),
        (
            raw(image, "logo.jpg", &png_sha, "logo.jpg", LOGO_PNG),
            "filename ",
        ),
        (
            raw(image, "logo.png", &png_sha, "other.png", LOGO_PNG),
            "filename ",
        ),
        (
            raw(video, "logo.png", &png_sha, "logo.png", LOGO_PNG),
            "file ",
        ),
        (
            raw(image, "a.gif", &hex_sha256(b"GIF89a"), "a.gif", b"GIF89a"),
            "file ",
        ),
        (raw(image, "big.png", &big_sha, "big.png", &big), "file "),
    ];
    for (operation, field) in cases {
        let request = sign(&client, &operation);
        let (status, code, text) = refusal(&platform, &client, &operation, &request);
        assert_eq!((status, code.as_str()), (400, "PARAM_ERROR"), "{text}");
        assert!(text.starts_with(field), "{field}: {text}");
    }
    // Not multipart at all, on an upload route.
    let json = Raw(
        image,
        Multipart::new(&serde_json::json!({}), "a.png", "image/png", vec![1]).unwrap(),
    );
    let mut request = sign(&client, &json);
    request
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let (status, code, _) = refusal(&platform, &client, &json, &request);
    // Signed over the multipart's meta, checked over the whole body: the signature fails first.
    assert_eq!((status, code.as_str()), (401, "SIGN_ERROR"));
}
