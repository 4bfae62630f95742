//! Image and video uploads (图片上传, 视频上传): a file goes up once, and the `media_id` the
//! platform answers stands for it in applyments and other requests.
//!
//! Everything the platform would refuse is refused here, before anything is signed: a file
//! whose content (its magic bytes) is not one of the formats the endpoint takes, a file over
//! the endpoint's size limit, and a file name whose extension does not match the content.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::body::{Multipart, RequestParts};
use crate::context::RequestContext;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::text::{Quoted, Untrusted};

/// The largest image the platform takes: 2 MiB.
pub const IMAGE_LIMIT: usize = 2 * 1024 * 1024;
/// The largest video the platform takes: 5 MiB.
pub const VIDEO_LIMIT: usize = 5 * 1024 * 1024;

/// Which of the two upload endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// `POST /v3/merchant/media/upload`: JPG, BMP, PNG, at most [`IMAGE_LIMIT`].
    Image,
    /// `POST /v3/merchant/media/video_upload`: AVI, WMV, MPEG, MP4, MOV, MKV, FLV, F4V, M4V,
    /// RMVB, at most [`VIDEO_LIMIT`].
    Video,
}

impl MediaKind {
    /// The endpoint's path.
    pub fn path(self) -> &'static str {
        match self {
            MediaKind::Image => "/v3/merchant/media/upload",
            MediaKind::Video => "/v3/merchant/media/video_upload",
        }
    }

    /// The largest file the endpoint takes, in bytes.
    pub fn limit(self) -> usize {
        match self {
            MediaKind::Image => IMAGE_LIMIT,
            MediaKind::Video => VIDEO_LIMIT,
        }
    }

    /// The formats the endpoint takes.
    pub fn formats(self) -> impl Iterator<Item = MediaFormat> {
        FORMATS
            .iter()
            .filter(move |f| f.kind == self)
            .map(|f| f.format)
    }

    fn noun(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
        }
    }

    /// `JPG, BMP, PNG`: the formats as the API page lists them.
    fn listed(self) -> &'static str {
        match self {
            MediaKind::Image => "JPG, BMP, PNG",
            MediaKind::Video => "AVI, WMV, MPEG, MP4, MOV, MKV, FLV, F4V, M4V, RMVB",
        }
    }
}

/// A file format the platform takes, as its content shows it.
///
/// Formats that share a container are one format here: MP4, M4V and F4V are all the ISO base
/// media file format, told apart only by a brand that tools write inconsistently, so a file of
/// that container may carry any of the three extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaFormat {
    /// JPEG (`.jpg`, `.jpeg`).
    Jpeg,
    /// PNG (`.png`).
    Png,
    /// BMP (`.bmp`).
    Bmp,
    /// AVI (`.avi`).
    Avi,
    /// Windows Media Video, ASF (`.wmv`).
    Wmv,
    /// MPEG program stream (`.mpeg`, `.mpg`).
    Mpeg,
    /// ISO base media: MP4, M4V, F4V (`.mp4`, `.m4v`, `.f4v`).
    Mp4,
    /// QuickTime (`.mov`).
    QuickTime,
    /// Matroska (`.mkv`).
    Matroska,
    /// Flash Video (`.flv`).
    Flv,
    /// RealMedia variable bit rate (`.rmvb`).
    RealMedia,
}

struct FormatInfo {
    format: MediaFormat,
    kind: MediaKind,
    /// With its article: `a PNG image`, `an MP4 video`.
    name: &'static str,
    /// The MIME types `infer` reports for this format.
    detected_as: &'static [&'static str],
    /// Lower-case, without the dot; the first is the one to suggest.
    extensions: &'static [&'static str],
}

/// `infer` has no matcher for RealMedia; this MIME type names the one added for it.
const REALMEDIA_MIME: &str = "application/vnd.rn-realmedia-vbr";

const FORMATS: &[FormatInfo] = &[
    FormatInfo {
        format: MediaFormat::Jpeg,
        kind: MediaKind::Image,
        name: "a JPEG image",
        detected_as: &["image/jpeg"],
        extensions: &["jpg", "jpeg"],
    },
    FormatInfo {
        format: MediaFormat::Png,
        kind: MediaKind::Image,
        name: "a PNG image",
        detected_as: &["image/png"],
        extensions: &["png"],
    },
    FormatInfo {
        format: MediaFormat::Bmp,
        kind: MediaKind::Image,
        name: "a BMP image",
        detected_as: &["image/bmp"],
        extensions: &["bmp"],
    },
    FormatInfo {
        format: MediaFormat::Avi,
        kind: MediaKind::Video,
        name: "an AVI video",
        detected_as: &["video/x-msvideo"],
        extensions: &["avi"],
    },
    FormatInfo {
        format: MediaFormat::Wmv,
        kind: MediaKind::Video,
        name: "a WMV video",
        detected_as: &["video/x-ms-wmv"],
        extensions: &["wmv"],
    },
    FormatInfo {
        format: MediaFormat::Mpeg,
        kind: MediaKind::Video,
        name: "an MPEG video",
        detected_as: &["video/mpeg"],
        extensions: &["mpeg", "mpg"],
    },
    FormatInfo {
        format: MediaFormat::Mp4,
        kind: MediaKind::Video,
        name: "an MP4 video",
        detected_as: &["video/mp4", "video/x-m4v"],
        extensions: &["mp4", "m4v", "f4v"],
    },
    FormatInfo {
        format: MediaFormat::QuickTime,
        kind: MediaKind::Video,
        name: "a QuickTime video",
        detected_as: &["video/quicktime"],
        extensions: &["mov"],
    },
    FormatInfo {
        format: MediaFormat::Matroska,
        kind: MediaKind::Video,
        name: "a Matroska video",
        detected_as: &["video/x-matroska"],
        extensions: &["mkv"],
    },
    FormatInfo {
        format: MediaFormat::Flv,
        kind: MediaKind::Video,
        name: "a Flash video",
        detected_as: &["video/x-flv"],
        extensions: &["flv"],
    },
    FormatInfo {
        format: MediaFormat::RealMedia,
        kind: MediaKind::Video,
        name: "a RealMedia video",
        detected_as: &[REALMEDIA_MIME],
        extensions: &["rmvb"],
    },
];

/// What the magic bytes of a file say: one of the formats the platform takes, another known
/// format, or nothing known.
enum Detected {
    Accepted(&'static FormatInfo, &'static str),
    Other(&'static str),
    Unknown,
}

fn detect(bytes: &[u8]) -> Detected {
    let mut matchers = infer::Infer::new();
    matchers.add(REALMEDIA_MIME, "rmvb", |buf| buf.starts_with(b".RMF"));
    let Some(found) = matchers.get(bytes) else {
        return Detected::Unknown;
    };
    let mime = found.mime_type();
    match FORMATS.iter().find(|f| f.detected_as.contains(&mime)) {
        Some(info) => Detected::Accepted(info, mime),
        None => Detected::Other(mime),
    }
}

impl MediaFormat {
    /// The format `bytes` are in, by their magic bytes, if it is one the platform takes.
    ///
    /// ```
    /// use wechatpay_core::merchant::media::{MediaFormat, MediaKind};
    ///
    /// let format = MediaFormat::detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    /// assert_eq!(format, MediaFormat::Png);
    /// assert_eq!(format.kind(), MediaKind::Image);
    /// assert_eq!(MediaFormat::detect(b"GIF89a"), None);
    /// ```
    pub fn detect(bytes: &[u8]) -> Option<MediaFormat> {
        match detect(bytes) {
            Detected::Accepted(info, _) => Some(info.format),
            _ => None,
        }
    }

    /// The endpoint that takes it.
    pub fn kind(self) -> MediaKind {
        self.info().kind
    }

    /// The file name extensions it may carry, lower-case and without the dot.
    pub fn extensions(self) -> &'static [&'static str] {
        self.info().extensions
    }

    fn info(self) -> &'static FormatInfo {
        FORMATS
            .iter()
            .find(|f| f.format == self)
            .unwrap_or(&FORMATS[0])
    }
}

impl fmt::Display for MediaFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without the article: `PNG image`.
        let name = self.info().name;
        f.write_str(name.split_once(' ').map_or(name, |(_, name)| name))
    }
}

/// The signed description of an upload, in the order the API page writes it.
#[derive(Serialize)]
struct Meta<'a> {
    filename: &'a str,
    sha256: &'a str,
}

/// `POST /v3/merchant/media/upload` or `POST /v3/merchant/media/video_upload`: uploads one
/// file and answers its `media_id`.
///
/// The constructors check the file as the platform does, before anything is signed: its
/// format by its magic bytes, its size against the endpoint's limit, and its name's extension
/// against its format. The request is a two-part `multipart/form-data` body whose `meta` part,
/// `{"filename":"...","sha256":"..."}` with the file's lower-case hex SHA-256, is the text
/// signed and, byte for byte, the part sent (see [`Multipart`]).
///
/// ```
/// use wechatpay_core::merchant::media::{MediaFormat, MediaKind, UploadMedia};
///
/// let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR the rest of the image".to_vec();
/// let upload = UploadMedia::image("门店.png", png)?;
/// assert_eq!(upload.format(), MediaFormat::Png);
/// assert_eq!(upload.kind().path(), "/v3/merchant/media/upload");
/// let meta = std::str::from_utf8(upload.multipart().meta()).unwrap();
/// assert!(meta.starts_with(r#"{"filename":"门店.png","sha256":""#));
///
/// // A name that says otherwise is refused, naming both.
/// let error = UploadMedia::image("logo.jpg", b"\x89PNG\r\n\x1a\n\0".to_vec()).unwrap_err();
/// assert!(error.to_string().contains(".jpg does not match the content, a PNG image"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadMedia {
    kind: MediaKind,
    format: MediaFormat,
    sha256: String,
    upload: Multipart,
}

impl UploadMedia {
    /// An image upload (`POST /v3/merchant/media/upload`) of `file`, named `filename`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `file` when it is empty, not a JPG, BMP or PNG by its content
    /// (a video is pointed to [`UploadMedia::video`]), or over [`IMAGE_LIMIT`]; `filename`
    /// when its extension does not match the content, or as [`Multipart::new`] refuses it.
    pub fn image(filename: &str, file: Vec<u8>) -> Result<Self, Error> {
        Self::new(Some(MediaKind::Image), filename, file)
    }

    /// A video upload (`POST /v3/merchant/media/video_upload`) of `file`, named `filename`.
    ///
    /// # Errors
    ///
    /// As [`UploadMedia::image`], for the video formats and [`VIDEO_LIMIT`].
    pub fn video(filename: &str, file: Vec<u8>) -> Result<Self, Error> {
        Self::new(Some(MediaKind::Video), filename, file)
    }

    /// An upload to whichever endpoint takes the file's content: an image or a video.
    ///
    /// # Errors
    ///
    /// As [`UploadMedia::image`]; a content that is neither is refused naming every format.
    pub fn detect(filename: &str, file: Vec<u8>) -> Result<Self, Error> {
        Self::new(None, filename, file)
    }

    fn new(kind: Option<MediaKind>, filename: &str, file: Vec<u8>) -> Result<Self, Error> {
        let (info, content_type) = check_content(kind, &file)?;
        check_extension(info, filename)?;
        let sha256 = hex_sha256(&file);
        let meta = Meta {
            filename,
            sha256: &sha256,
        };
        let upload = Multipart::new(&meta, filename, content_type, file)?;
        Ok(UploadMedia {
            kind: info.kind,
            format: info.format,
            sha256,
            upload,
        })
    }

    /// The endpoint the file goes to.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The file's format, by its content.
    pub fn format(&self) -> MediaFormat {
        self.format
    }

    /// The file's SHA-256, lower-case hex, as `meta` carries it.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The body as it is signed (its `meta`) and sent.
    pub fn multipart(&self) -> &Multipart {
        &self.upload
    }
}

/// The format of `file`, checked against what `kind` (or, without one, either endpoint) takes
/// and against the endpoint's size limit; with the MIME type to send the file part as.
fn check_content(
    kind: Option<MediaKind>,
    file: &[u8],
) -> Result<(&'static FormatInfo, &'static str), Error> {
    let taken = || match kind {
        Some(kind) => format!("{} uploads take {}", kind.noun(), kind.listed()),
        None => format!(
            "uploads take images ({}) and videos ({})",
            MediaKind::Image.listed(),
            MediaKind::Video.listed()
        ),
    };
    if file.is_empty() {
        return Err(Error::invalid("file", "is empty"));
    }
    let (info, mime) = match detect(file) {
        Detected::Accepted(info, mime) => (info, mime),
        Detected::Other(mime) => {
            return Err(Error::invalid(
                "file",
                format!("is {mime} by its content; {}", taken()),
            ));
        }
        Detected::Unknown => {
            return Err(Error::invalid(
                "file",
                format!(
                    "starts with bytes of no known format ({}); {}",
                    hex_prefix(file),
                    taken()
                ),
            ));
        }
    };
    if let Some(kind) = kind
        && kind != info.kind
    {
        let (other, path) = (info.kind, info.kind.path());
        return Err(Error::invalid(
            "file",
            format!(
                "is {} ({mime}) by its content, and {} uploads take {}: send it to the {} endpoint (POST {path})",
                info.name,
                kind.noun(),
                kind.listed(),
                other.noun(),
            ),
        ));
    }
    let limit = info.kind.limit();
    if file.len() > limit {
        return Err(Error::invalid(
            "file",
            format!(
                "is {} bytes, over the {} MiB ({limit}-byte) limit of {} uploads",
                file.len(),
                limit / (1024 * 1024),
                info.kind.noun()
            ),
        ));
    }
    Ok((info, mime))
}

/// The name's extension must be one of the format's, whatever its case.
fn check_extension(info: &FormatInfo, filename: &str) -> Result<(), Error> {
    let suggestion = info
        .extensions
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let extension = filename
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    match extension {
        Some(extension) if info.extensions.contains(&extension.as_str()) => Ok(()),
        Some(extension) => Err(Error::invalid(
            "filename",
            format!(
                "{}: the extension .{} does not match the content, {}; name it {suggestion}",
                Quoted::value(filename),
                Untrusted(&extension),
                info.name
            ),
        )),
        None => Err(Error::invalid(
            "filename",
            format!(
                "{} has no extension; the content is {}: name it {suggestion}",
                Quoted::value(filename),
                info.name
            ),
        )),
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first bytes, in hex, for a message about an unknown format.
fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Operation for UploadMedia {
    type Output = UploadedMedia;

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        Ok(RequestParts::multipart(
            self.kind.path(),
            self.upload.clone(),
        ))
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<UploadedMedia, Error> {
        decode_uploaded(body)
    }
}

fn decode_uploaded(body: VerifiedBody<'_>) -> Result<UploadedMedia, Error> {
    let uploaded: UploadedMedia = body.json()?;
    if uploaded.media_id.is_empty() {
        return Err(body.decode_error::<UploadedMedia>("media_id is empty".to_owned()));
    }
    Ok(uploaded)
}

/// The platform's answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadedMedia {
    /// The id that stands for the file in later requests (an applyment's `id_card_copy`, ...).
    pub media_id: String,
}

/// The two uploads, for [`crate::endpoint::endpoints`]. Their example files are ASCII, so
/// that they fit the table's text parameters.
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "POST /v3/merchant/media/upload",
        params: &["filename", "file"],
        example: &["logo.bmp", "BM a bitmap"],
        request: |values, context| {
            let name = ENDPOINTS[0].name;
            let file = param(name, values, 1)?.as_bytes().to_vec();
            UploadMedia::image(param(name, values, 0)?, file)?.request(context)
        },
        decode: |body| decode_uploaded(body).map(|_| ()),
    },
    Endpoint {
        name: "POST /v3/merchant/media/video_upload",
        params: &["filename", "file"],
        example: &["clip.flv", "FLV\u{1} a flash video"],
        request: |values, context| {
            let name = ENDPOINTS[1].name;
            let file = param(name, values, 1)?.as_bytes().to_vec();
            UploadMedia::video(param(name, values, 0)?, file)?.request(context)
        },
        decode: |body| decode_uploaded(body).map(|_| ()),
    },
];
