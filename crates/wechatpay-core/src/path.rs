//! Paths and queries in the one encoding that is signed and sent unchanged.

use std::fmt::Write as _;

use percent_encoding::{
    AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode, utf8_percent_encode,
};

use crate::error::Error;
use crate::signing::check_path_and_query;
use crate::text::Quoted;

/// RFC 3986 unreserved characters stay; every other byte is percent-encoded, `/` included.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Builds a path and query in the one encoding that is signed and sent unchanged.
///
/// Path parameters and query values are percent-encoded (RFC 3986 unreserved characters stay,
/// every other byte becomes `%XX`, `/` included), so a value cannot add a path segment, a query
/// or a fragment.
#[derive(Debug, Clone)]
pub struct PathBuilder {
    text: String,
    has_query: bool,
}

impl PathBuilder {
    /// Starts from a fixed path such as `/v3/ecommerce/applyments`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`path_and_query`) unless `base` is an absolute path without a
    /// query, in the form [`crate::check_path_and_query`] accepts: a base such as
    /// `@evil.example/v3` would otherwise move the request, signature and all, to another host.
    pub fn new(base: &str) -> Result<Self, Error> {
        check_path_and_query(base)?;
        if base.contains('?') {
            return Err(Error::invalid(
                "path_and_query",
                format!(
                    "{:?} must not hold a query: add it with PathBuilder::query",
                    Quoted::value(base)
                ),
            ));
        }
        Ok(PathBuilder {
            text: base.to_owned(),
            has_query: false,
        })
    }

    /// Reads a path and query as a person types it, for endpoints without a typed operation:
    /// each path segment and each query name and value is percent-decoded, then encoded as
    /// [`PathBuilder::segment`] and [`PathBuilder::query`] encode. Text typed raw and text
    /// typed already encoded give the same bytes, and those bytes are what is signed and sent.
    ///
    /// A trailing `/` is kept (some endpoints end in one, `POST /v3/ecommerce/applyments/`).
    /// In the query, `+` is a plus sign, not a space.
    ///
    /// ```
    /// use wechatpay_core::PathBuilder;
    ///
    /// let typed = PathBuilder::parse("/v3/ecommerce/applyments/out-request-no/申请 01?appid=wx1&x=a/b")?;
    /// let encoded = PathBuilder::parse(
    ///     "/v3/ecommerce/applyments/out-request-no/%E7%94%B3%E8%AF%B7%2001?appid=wx1&x=a%2Fb",
    /// )?;
    /// assert_eq!(typed.finish(), encoded.finish());
    /// assert_eq!(PathBuilder::parse("/v3/ecommerce/applyments/")?.finish(), "/v3/ecommerce/applyments/");
    /// # Ok::<(), wechatpay_core::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`path_and_query`): a path that does not start with `/`, holds
    /// an empty segment (`//`), a `.` or `..` segment, or a fragment (`#`, never sent); a
    /// query with an empty pair (`&&`) or an empty name.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| {
            Error::invalid(
                "path_and_query",
                format!("{:?} {reason}", Quoted::value(text)),
            )
        };
        if text.contains('#') {
            return Err(invalid(
                "holds a fragment ('#'), which is never sent: encode it as %23",
            ));
        }
        let (path, query) = match text.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (text, None),
        };
        let Some(path) = path.strip_prefix('/') else {
            return Err(invalid("must start with '/'"));
        };
        let mut builder = PathBuilder {
            text: String::from("/"),
            has_query: false,
        };
        let segments: Vec<&str> = path.split('/').collect();
        let last = segments.len() - 1;
        for (index, segment) in segments.iter().enumerate() {
            let decoded: Vec<u8> = percent_decode_str(segment).collect();
            if decoded.is_empty() {
                // Only the last may be empty: a trailing slash (or the root, already written).
                if index == last {
                    if index > 0 {
                        builder.text.push('/');
                    }
                    break;
                }
                return Err(invalid("has an empty segment ('//')"));
            }
            if decoded == b"." || decoded == b".." {
                return Err(invalid(
                    "has a '.' or '..' segment, which HTTP clients remove before sending",
                ));
            }
            if index > 0 {
                builder.text.push('/');
            }
            let _ = write!(builder.text, "{}", percent_encode(&decoded, COMPONENT));
        }
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            let (name, value) = match pair.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (pair, None),
            };
            if name.is_empty() {
                return Err(invalid(if pair.is_empty() {
                    "has an empty query pair ('&&' or a trailing '&')"
                } else {
                    "has a query parameter without a name"
                }));
            }
            builder.text.push(if builder.has_query { '&' } else { '?' });
            builder.has_query = true;
            let name: Vec<u8> = percent_decode_str(name).collect();
            let _ = write!(builder.text, "{}", percent_encode(&name, COMPONENT));
            if let Some(value) = value {
                let value: Vec<u8> = percent_decode_str(value).collect();
                let _ = write!(builder.text, "={}", percent_encode(&value, COMPONENT));
            }
        }
        check_path_and_query(&builder.text)?;
        Ok(builder)
    }

    /// Appends `/` and the encoded parameter `value`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] naming `name` when `value` is empty, `.` or `..` (HTTP clients
    /// would drop or collapse such a segment), or when called after a query was added.
    pub fn segment(mut self, name: &'static str, value: &str) -> Result<Self, Error> {
        if value.is_empty() {
            return Err(Error::invalid(name, "must not be empty"));
        }
        if value == "." || value == ".." {
            return Err(Error::invalid(
                name,
                format!("{value:?} cannot be sent as a path segment: HTTP clients remove it"),
            ));
        }
        if self.has_query {
            return Err(Error::invalid(
                name,
                "a path segment cannot follow the query",
            ));
        }
        if !self.text.ends_with('/') {
            self.text.push('/');
        }
        let _ = write!(self.text, "{}", utf8_percent_encode(value, COMPONENT));
        Ok(self)
    }

    /// Appends `name=value` to the query, encoded.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.text.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        let _ = write!(
            self.text,
            "{}={}",
            utf8_percent_encode(name, COMPONENT),
            utf8_percent_encode(value, COMPONENT)
        );
        self
    }

    /// The path and query.
    pub fn finish(self) -> String {
        self.text
    }
}
