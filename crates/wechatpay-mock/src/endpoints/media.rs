//! `POST /v3/merchant/media/upload` and `POST /v3/merchant/media/video_upload`: image and
//! video uploads (图片上传, 视频上传), checked as the platform checks them, answered with a
//! `media_id`.
//!
//! By the time an upload gets here, authentication has verified the signature over its `meta`
//! part (see [`crate::multipart`]). Here: the `meta` JSON names the file and its SHA-256, which
//! must be the lower-case hex digest of the file part; the file part's name is the one in
//! `meta`; the content is a format the endpoint takes, its extension agrees, and it is within
//! the size limit. The `media_id` is derived from the endpoint and the file's digest
//! ([`media_id_for`]), so a test can predict it; the platform keeps the newest
//! [`MAX_MEDIA_KEPT`] uploads ([`MockPlatform::media`]), not their bytes.

use std::collections::VecDeque;

use http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wechatpay_core::merchant::media::{MediaFormat, MediaKind};

use super::{Call, Endpoint, Outcome, Route};
use crate::multipart;
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::store::Seeding;

/// How many uploads the platform remembers: the newest ones.
pub const MAX_MEDIA_KEPT: usize = 1000;

/// An upload the platform took.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaRecord {
    /// The id answered.
    pub media_id: String,
    /// The endpoint it came through.
    pub kind: MediaKind,
    /// Its format, by its content.
    pub format: MediaFormat,
    /// The name in `meta`.
    pub filename: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: usize,
}

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/merchant/media/upload",
            answer: image,
        },
        Route {
            method: Method::POST,
            path: "/v3/merchant/media/video_upload",
            answer: video,
        },
    ],
    seed,
    unknown_enum_values: &[],
    tables: &[],
    progress: &[],
};

/// The uploads the platform remembers, oldest first.
#[derive(Debug, Clone, Default)]
struct Media(VecDeque<MediaRecord>);

/// The `media_id` the platform answers for `file` uploaded through `kind`'s endpoint:
/// unpadded URL-safe base64 of SHA-256 over the endpoint's path, a newline and the file.
pub fn media_id_for(kind: MediaKind, file: &[u8]) -> String {
    use base64::Engine as _;
    let digest = Sha256::new()
        .chain_update(kind.path().as_bytes())
        .chain_update(b"\n")
        .chain_update(file)
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

fn image(call: &Call<'_>) -> Outcome {
    upload(call, MediaKind::Image)
}

fn video(call: &Call<'_>) -> Outcome {
    upload(call, MediaKind::Video)
}

fn upload(call: &Call<'_>, kind: MediaKind) -> Outcome {
    let content_type = call.header("content-type").unwrap_or_default();
    if !multipart::is_multipart(Some(content_type)) {
        return Err(Reply::invalid_request(
            "Content-Type 应为 multipart/form-data",
        ));
    }
    let upload = multipart::parse(content_type, call.body())
        .map_err(|reason| Reply::invalid_request(&format!("multipart 格式错误: {reason}")))?;
    let meta: Value = serde_json::from_slice(&upload.meta)
        .map_err(|_| Reply::param_error("meta", "body", "应为JSON"))?;
    let text = |field: &str| meta.get(field).and_then(Value::as_str).unwrap_or_default();
    let (filename, sha256) = (text("filename"), text("sha256"));
    if filename.is_empty() {
        return Err(Reply::param_error("filename", "meta", "不能为空"));
    }
    let actual = hex(&Sha256::digest(&upload.file));
    if sha256 != actual {
        return Err(Reply::param_error(
            "sha256",
            "meta",
            "与文件内容的SHA-256(小写十六进制)不符",
        ));
    }
    if upload.filename.as_deref() != Some(filename) {
        return Err(Reply::param_error(
            "filename",
            "file",
            "file 部分的 filename 应与 meta 中的 filename 一致",
        ));
    }
    let format = match MediaFormat::detect(&upload.file) {
        Some(format) if format.kind() == kind => format,
        _ => {
            return Err(Reply::param_error(
                "file",
                "body",
                match kind {
                    MediaKind::Image => "图片格式仅支持JPG、BMP、PNG",
                    _ => "视频格式仅支持AVI、WMV、MPEG、MP4、MOV、MKV、FLV、F4V、M4V、RMVB",
                },
            ));
        }
    };
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !format.extensions().contains(&extension.as_str()) {
        return Err(Reply::param_error(
            "filename",
            "meta",
            "文件扩展名与文件内容不符",
        ));
    }
    if upload.file.len() > kind.limit() {
        return Err(Reply::param_error(
            "file",
            "body",
            match kind {
                MediaKind::Image => "图片大小不能超过2M",
                _ => "视频大小不能超过5M",
            },
        ));
    }
    let record = MediaRecord {
        media_id: media_id_for(kind, &upload.file),
        kind,
        format,
        filename: filename.to_owned(),
        sha256: actual,
        size: upload.file.len(),
    };
    let body = json!({"media_id": record.media_id})
        .to_string()
        .into_bytes();
    call.store().write(|media: &mut Media| {
        media.0.retain(|m| m.media_id != record.media_id);
        if media.0.len() >= MAX_MEDIA_KEPT {
            media.0.pop_front();
        }
        media.0.push_back(record);
    });
    Ok(Reply::ok(body))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl MockPlatform {
    /// The upload answered with `media_id`, among the newest [`MAX_MEDIA_KEPT`].
    pub fn media(&self, media_id: &str) -> Option<MediaRecord> {
        self.store()
            .read(|media: &Media| media.0.iter().find(|m| m.media_id == media_id).cloned())
    }
}

/// Whether `media_id` names an upload the platform remembers, for endpoints that take one.
pub(crate) fn known(call: &Call<'_>, media_id: &str) -> bool {
    call.store()
        .read(|media: &Media| media.0.iter().any(|m| m.media_id == media_id))
}

/// No upload is seeded.
fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    seeding.insert(Media::default());
    Ok(())
}
