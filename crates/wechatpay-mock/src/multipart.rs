//! Upload bodies (`multipart/form-data`) as the platform reads them: an unquoted boundary,
//! exactly two parts, `meta` and `file`, each once. The `meta` part's bytes are what the
//! merchant signed; they are kept exactly as received.
//!
//! The parsing is `multer`'s. It reads from a stream; the whole body is in memory here, so the
//! stream never waits, and each of its futures completes on its first poll.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

/// An upload body, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The `meta` part, byte for byte: the text the merchant signed.
    pub meta: Bytes,
    /// The `file` part's `filename` parameter.
    pub filename: Option<String>,
    /// The `file` part's `Content-Type`.
    pub content_type: Option<String>,
    /// The `file` part: the file.
    pub file: Bytes,
}

/// Whether a request with this `Content-Type` is an upload.
pub fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|value| {
        value
            .trim_start()
            .get(..10)
            .is_some_and(|kind| kind.eq_ignore_ascii_case("multipart/"))
    })
}

/// Reads an upload sent with `content_type`, or says in words why the platform would not.
///
/// # Errors
///
/// A `Content-Type` that is not `multipart/form-data` with a boundary, a quoted boundary (the
/// platform reads the quotes as part of it), a body that is not well-formed multipart, more or
/// fewer than two parts, or parts other than one `meta` and one `file`.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Upload, String> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| format!("Content-Type {content_type:?}: {e}"))?;
    if boundary_is_quoted(content_type) {
        return Err(format!(
            "the boundary in Content-Type {content_type:?} is quoted: send it bare"
        ));
    }
    let body = Bytes::copy_from_slice(body);
    let stream = futures_util::stream::once(std::future::ready(Ok::<_, Infallible>(body)));
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut meta = None;
    let mut file = None;
    let mut count = 0;
    while let Some(field) = in_memory(multipart.next_field())?.map_err(|e| e.to_string())? {
        count += 1;
        if count > 2 {
            return Err("more than two parts: an upload has exactly meta and file".to_owned());
        }
        let name = field.name().map(str::to_owned);
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.to_string());
        let bytes = in_memory(field.bytes())?.map_err(|e| e.to_string())?;
        let slot = match name.as_deref() {
            Some("meta") => &mut meta,
            Some("file") => &mut file,
            other => {
                return Err(format!(
                    "a part named {other:?}: an upload has exactly meta and file"
                ));
            }
        };
        if slot.is_some() {
            return Err(format!("two parts named {name:?}"));
        }
        *slot = Some((bytes, filename, content_type));
    }
    match (meta, file) {
        (Some((meta, _, _)), Some((file, filename, content_type))) => Ok(Upload {
            meta,
            filename,
            content_type,
            file,
        }),
        (None, _) => Err("no meta part".to_owned()),
        (_, None) => Err("no file part".to_owned()),
    }
}

/// Whether the `boundary` parameter's value starts with a quote.
fn boundary_is_quoted(content_type: &str) -> bool {
    content_type.split(';').skip(1).any(|parameter| {
        parameter.split_once('=').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("boundary") && value.trim_start().starts_with('"')
        })
    })
}

/// The output of a future over data in memory, which is ready on its first poll.
fn in_memory<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err("the multipart reader waited on a body already read".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, filename, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let filename = filename
                .map(|f| format!("; filename=\"{f}\""))
                .unwrap_or_default();
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        body
    }

    const META: &[u8] = br#"{"filename":"a.png","sha256":"00"}"#;

    #[test]
    fn the_two_parts_are_read_byte_for_byte() {
        let file = b"\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\n".as_slice();
        let sent = body(
            "b0",
            &[("meta", None, META), ("file", Some("门店.png"), file)],
        );
        let upload = parse("multipart/form-data; boundary=b0", &sent).unwrap();
        assert_eq!(upload.meta, META);
        assert_eq!(upload.file, file);
        assert_eq!(upload.filename.as_deref(), Some("门店.png"));
        assert!(is_multipart(Some("Multipart/Form-Data; boundary=b0")));
        assert!(!is_multipart(Some("application/json")));
        assert!(!is_multipart(None));
    }

    #[test]
    fn what_the_platform_refuses_is_refused() {
        let file = b"\x89PNG".as_slice();
        let good = body("b0", &[("meta", None, META), ("file", Some("a.png"), file)]);
        let cases: Vec<(String, Vec<u8>, &str)> = vec![
            (
                "multipart/form-data; boundary=\"b0\"".into(),
                good.clone(),
                "quoted",
            ),
            ("multipart/form-data".into(), good.clone(), "Content-Type"),
            ("application/json".into(), good.clone(), "Content-Type"),
            (
                "multipart/form-data; boundary=b0".into(),
                body(
                    "b0",
                    &[
                        ("meta", None, META),
                        ("file", Some("a.png"), file),
                        ("extra", None, b"x"),
                    ],
                ),
                "more than two parts",
            ),
            (
                "multipart/form-data; boundary=b0".into(),
                body("b0", &[("meta", None, META)]),
                "no file part",
            ),
            (
                "multipart/form-data; boundary=b0".into(),
                body("b0", &[("file", Some("a.png"), file)]),
                "no meta part",
            ),
            (
                "multipart/form-data; boundary=b0".into(),
                body("b0", &[("meta", None, META), ("meta", None, META)]),
                "two parts named",
            ),
            (
                "multipart/form-data; boundary=b0".into(),
                body(
                    "b0",
                    &[("meta", None, META), ("image", Some("a.png"), file)],
                ),
                "a part named",
            ),
            (
                "multipart/form-data; boundary=b0".into(),
                good[..good.len() - 8].to_vec(),
                "",
            ),
        ];
        for (content_type, sent, expected) in cases {
            let refusal = parse(&content_type, &sent).unwrap_err();
            assert!(refusal.contains(expected), "{content_type}: {refusal}");
        }
    }
}
