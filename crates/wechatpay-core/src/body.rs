//! What an operation sends: method, path and query, and a body of one of the three kinds the
//! platform takes (none, JSON, a multipart upload whose `meta` alone is signed).

use http::Method;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::text::Quoted;

/// The parts of a request an [`crate::Operation`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestParts {
    method: Method,
    path_and_query: String,
    body: RequestBody,
}

/// The body of a request, in the forms the platform signs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestBody {
    /// No body: an empty line in the signed message.
    Empty,
    /// A JSON document, signed whole, sent as `application/json`.
    Json(Vec<u8>),
    /// A `multipart/form-data` upload: only its `meta` JSON is signed.
    Multipart(Multipart),
}

impl RequestParts {
    /// A request without a body. `path_and_query` should come from a [`crate::PathBuilder`].
    pub fn new(method: Method, path_and_query: impl Into<String>) -> Self {
        RequestParts {
            method,
            path_and_query: path_and_query.into(),
            body: RequestBody::Empty,
        }
    }

    /// A request with a JSON body, serialised once here: these are the bytes signed and sent.
    /// Leave unset fields out of the JSON (`#[serde(skip_serializing_if = "Option::is_none")]`)
    /// rather than sending `null`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`body`) when serialisation fails or the text holds a character
    /// outside the Basic Multilingual Plane (emoji), which the platform rejects.
    pub fn json<T: Serialize + ?Sized>(
        method: Method,
        path_and_query: impl Into<String>,
        body: &T,
    ) -> Result<Self, Error> {
        Ok(RequestParts {
            body: RequestBody::Json(json_bytes("body", body)?),
            ..RequestParts::new(method, path_and_query)
        })
    }

    /// A request with a JSON document already serialised (a file, a template): signed and sent
    /// byte for byte, as given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`body`) when the bytes are not one JSON document, or hold a
    /// character outside the Basic Multilingual Plane.
    pub fn json_bytes(
        method: Method,
        path_and_query: impl Into<String>,
        body: Vec<u8>,
    ) -> Result<Self, Error> {
        serde_json::from_slice::<serde::de::IgnoredAny>(&body)
            .map_err(|e| Error::invalid("body", format!("is not one JSON document: {e}")))?;
        check_bmp("body", &body)?;
        Ok(RequestParts {
            body: RequestBody::Json(body),
            ..RequestParts::new(method, path_and_query)
        })
    }

    /// A `POST` of a multipart upload.
    pub fn multipart(path_and_query: impl Into<String>, upload: Multipart) -> Self {
        RequestParts {
            body: RequestBody::Multipart(upload),
            ..RequestParts::new(Method::POST, path_and_query)
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query, as signed and sent.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The body.
    pub fn body(&self) -> &RequestBody {
        &self.body
    }

    /// The body's bytes as the signature covers them: the JSON document, an upload's `meta`,
    /// nothing for a request without a body.
    pub fn signed_body(&self) -> &[u8] {
        match &self.body {
            RequestBody::Empty => &[],
            RequestBody::Json(json) => json,
            RequestBody::Multipart(upload) => upload.meta(),
        }
    }

    pub(crate) fn into_parts(self) -> (Method, String, RequestBody) {
        (self.method, self.path_and_query, self.body)
    }
}

impl RequestBody {
    /// The `Content-Type` the body is sent with; `None` without a body.
    pub fn content_type(&self) -> Option<String> {
        match self {
            RequestBody::Empty => None,
            RequestBody::Json(_) => Some("application/json".to_owned()),
            RequestBody::Multipart(upload) => Some(upload.content_type()),
        }
    }

    /// The bytes sent.
    pub(crate) fn into_wire(self) -> Vec<u8> {
        match self {
            RequestBody::Empty => Vec::new(),
            RequestBody::Json(json) => json,
            RequestBody::Multipart(upload) => upload.into_wire(),
        }
    }
}

/// A `multipart/form-data` upload as the platform takes it: a `meta` part (JSON, the only
/// bytes signed) and a `file` part.
///
/// `meta` is serialised once, here; the part sent is these very bytes, so the signed text and
/// the sent text cannot differ (a re-serialised or re-spaced `meta` is the commonest
/// `SIGN_ERROR` on uploads). The boundary is the core's own, derived from the content and
/// checked to occur in neither part, and it is not quoted in `Content-Type`.
///
/// ```
/// use wechatpay_core::Multipart;
///
/// let image = b"\xFF\xD8\xFF\xE0 a JPEG".to_vec();
/// let meta = serde_json::json!({"filename": "logo.jpg", "sha256": "..."});
/// let upload = Multipart::new(&meta, "logo.jpg", "image/jpeg", image)?;
/// assert_eq!(upload.meta(), br#"{"filename":"logo.jpg","sha256":"..."}"#);
/// assert!(upload.content_type().starts_with("multipart/form-data; boundary="));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Multipart {
    meta: Vec<u8>,
    filename: String,
    file_content_type: String,
    file: Vec<u8>,
    boundary: String,
}

impl Multipart {
    /// An upload of `file`, named `filename` and sent as `content_type`, with `meta` as its
    /// signed description.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `meta` that does not serialise or holds a character outside
    /// the Basic Multilingual Plane; a `filename` that is empty, longer than 255 bytes, or
    /// holds `"`, `\` or a control character (it is sent inside a quoted header parameter);
    /// a `content_type` that is not `type/subtype` in visible ASCII.
    pub fn new<T: Serialize + ?Sized>(
        meta: &T,
        filename: &str,
        content_type: &str,
        file: Vec<u8>,
    ) -> Result<Self, Error> {
        let meta = json_bytes("meta", meta)?;
        if filename.is_empty()
            || filename.len() > 255
            || filename
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control())
        {
            return Err(Error::invalid(
                "filename",
                format!(
                    "{:?} must be 1 to 255 bytes without quotes, backslashes or control characters",
                    Quoted::value(filename)
                ),
            ));
        }
        let valid_type = content_type.split_once('/').is_some_and(|(kind, sub)| {
            !kind.is_empty()
                && !sub.is_empty()
                && content_type
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/+-.".contains(&b))
        });
        if !valid_type {
            return Err(Error::invalid(
                "content_type",
                format!(
                    "{:?} is not a media type such as image/jpeg",
                    Quoted::value(content_type)
                ),
            ));
        }
        let boundary = boundary_for(&meta, &file);
        Ok(Multipart {
            meta,
            filename: filename.to_owned(),
            file_content_type: content_type.to_owned(),
            file,
            boundary,
        })
    }

    /// The `meta` JSON: the bytes signed, and the bytes of the `meta` part.
    pub fn meta(&self) -> &[u8] {
        &self.meta
    }

    /// The file's name.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// The file's bytes.
    pub fn file(&self) -> &[u8] {
        &self.file
    }

    /// The boundary between the parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// `multipart/form-data; boundary=...`, the boundary unquoted.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body sent: the `meta` part, then the `file` part.
    pub fn into_wire(self) -> Vec<u8> {
        let b = &self.boundary;
        let meta_head = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
        );
        let file_head = format!(
            "\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            self.filename, self.file_content_type
        );
        let tail = format!("\r\n--{b}--\r\n");
        let mut wire = Vec::with_capacity(
            meta_head.len() + self.meta.len() + file_head.len() + self.file.len() + tail.len(),
        );
        wire.extend_from_slice(meta_head.as_bytes());
        wire.extend_from_slice(&self.meta);
        wire.extend_from_slice(file_head.as_bytes());
        wire.extend_from_slice(&self.file);
        wire.extend_from_slice(tail.as_bytes());
        wire
    }
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multipart")
            .field("meta", &Quoted::body(&self.meta))
            .field("filename", &self.filename)
            .field("content_type", &self.file_content_type)
            .field("file_len", &self.file.len())
            .field("boundary", &self.boundary)
            .finish()
    }
}

/// A boundary that occurs in neither part: derived from their digest, so that the same upload
/// is the same bytes (reproducible requests, stable test vectors), and lengthened on the
/// astronomically unlikely collision.
fn boundary_for(meta: &[u8], file: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(meta)
        .chain_update(b"\n")
        .chain_update(file)
        .finalize();
    let mut base = String::from("wechatpay-");
    for byte in &digest[..12] {
        base.push_str(&format!("{byte:02x}"));
    }
    avoiding(base, &[meta, file])
}

/// `base`, lengthened until no part holds it.
fn avoiding(mut boundary: String, parts: &[&[u8]]) -> String {
    let mut extra = 0u32;
    while parts.iter().any(|part| contains(part, boundary.as_bytes())) {
        boundary.push_str(&format!("-{extra}"));
        extra += 1;
    }
    boundary
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// JSON serialised once, refused when it holds 4-byte UTF-8 characters.
fn json_bytes<T: Serialize + ?Sized>(field: &'static str, value: &T) -> Result<Vec<u8>, Error> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| Error::invalid(field, format!("cannot serialise: {e}")))?;
    check_bmp(field, &bytes)?;
    Ok(bytes)
}

/// Refuses 4-byte UTF-8 characters, which the platform rejects. In valid UTF-8 (serde_json
/// writes non-ASCII raw), a byte from 0xF0 up starts exactly such a character.
fn check_bmp(field: &'static str, bytes: &[u8]) -> Result<(), Error> {
    if bytes.iter().any(|&b| b >= 0xF0) {
        return Err(Error::invalid(
            field,
            "holds a character of 4 UTF-8 bytes (emoji or rarer CJK); APIv3 accepts 1 to 3 bytes per character",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_boundary_found_in_a_part_is_lengthened() {
        assert_eq!(avoiding("b".to_owned(), &[b"xx", b"yy"]), "b");
        assert_eq!(avoiding("b".to_owned(), &[b"xx", b"abc"]), "b-0");
        assert_eq!(avoiding("b".to_owned(), &[b"b-0", b"abc"]), "b-0-1");
    }

    #[test]
    fn the_boundary_depends_on_the_content_only() {
        let upload = |file: &[u8]| {
            Multipart::new(&serde_json::json!({}), "a.jpg", "image/jpeg", file.to_vec()).unwrap()
        };
        assert_eq!(upload(b"one").boundary(), upload(b"one").boundary());
        assert_ne!(upload(b"one").boundary(), upload(b"two").boundary());
    }
}
