//! Text from the wire, made safe to print.
//!
//! Error bodies, proxy pages and header values reach terminals and log files. A control
//! character in them can move the cursor, recolour or clear a terminal (ESC, CSI), or forge a
//! whole log line (CR, LF). Everything the core displays that it did not write itself goes
//! through [`Untrusted`].

use std::fmt::{self, Write};

/// Displays a string with every control character escaped (`\n`, `\r`, `\t`, `\u{1b}`, ...):
/// C0 controls, DEL and the C1 controls (U+0080 to U+009F, among them the one-character CSI).
/// Everything else, Chinese text included, is shown as it is.
///
/// ```
/// use wechatpay_core::Untrusted;
///
/// let message = "参数错误\r\n2024-01-01 INFO payment ok\u{1b}[2J";
/// assert_eq!(
///     Untrusted(message).to_string(),
///     r"参数错误\r\n2024-01-01 INFO payment ok\u{1b}[2J"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct Untrusted<'a>(pub &'a str);

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(char::is_control) {
            f.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            if let Some(c) = chars.next() {
                for escaped in c.escape_default() {
                    f.write_char(escaped)?;
                }
            }
            rest = chars.as_str();
        }
        f.write_str(rest)
    }
}

impl fmt::Debug for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `str`'s Debug already escapes every control character.
        fmt::Debug::fmt(self.0, f)
    }
}

/// A possibly hostile value quoted in a message: in double quotes, escaped as `str`'s `Debug`
/// escapes, and cut so that a pasted key or a long body cannot flood a log.
pub(crate) struct Quoted<'a> {
    text: std::borrow::Cow<'a, str>,
    limit: usize,
}

impl<'a> Quoted<'a> {
    /// A setting or parameter: 64 characters at most.
    pub(crate) fn value(text: &'a str) -> Self {
        Quoted {
            text: std::borrow::Cow::Borrowed(text),
            limit: 64,
        }
    }

    /// A body: 200 characters at most, bytes that are not UTF-8 shown as U+FFFD.
    pub(crate) fn body(bytes: &'a [u8]) -> Self {
        Quoted {
            text: String::from_utf8_lossy(bytes),
            limit: 200,
        }
    }
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text.char_indices().nth(self.limit) {
            Some((end, _)) => write!(f, "{:?}...", &self.text[..end]),
            None => write!(f, "{:?}", self.text),
        }
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::Untrusted;

    #[test]
    fn every_control_character_is_escaped() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let shown = Untrusted(&format!("a{c}b")).to_string();
            assert!(
                !shown.chars().any(char::is_control),
                "{c:?} shown as {shown:?}"
            );
            assert!(shown.starts_with('a') && shown.ends_with('b'), "{shown:?}");
        }
    }

    #[test]
    fn quoted_values_are_cut_at_their_limit() {
        use super::Quoted;
        assert_eq!(Quoted::value("ab\n").to_string(), "\"ab\\n\"");
        let long = "密".repeat(65);
        assert_eq!(
            Quoted::value(&long).to_string(),
            format!("{:?}...", "密".repeat(64))
        );
        assert_eq!(
            Quoted::value(&long[..64 * 3]).to_string(),
            format!("{:?}", "密".repeat(64))
        );
        let body = vec![b'x'; 201];
        assert_eq!(
            Quoted::body(&body).to_string(),
            format!("{:?}...", "x".repeat(200))
        );
        assert_eq!(Quoted::body(&[0xff]).to_string(), "\"\u{fffd}\"");
    }

    #[test]
    fn printable_text_is_unchanged() {
        let text = "商户号 \"1900000001\" 不存在 / ok ✓";
        assert_eq!(Untrusted(text).to_string(), text);
    }
}
