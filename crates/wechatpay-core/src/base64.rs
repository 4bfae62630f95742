//! The one base64 flavour of APIv3: standard alphabet, padded.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Decodes into `buffer`, without allocating; `None` if invalid or too long for it.
pub(crate) fn decode_into<'b>(text: &str, buffer: &'b mut [u8]) -> Option<&'b [u8]> {
    let len = STANDARD.decode_slice(text, buffer).ok()?;
    buffer.get(..len)
}
