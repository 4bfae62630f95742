//! Paths and queries in the one encoding that is signed and sent unchanged.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

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
