//! Downloads (bills): the one kind of answer the platform does not sign. A file is trusted
//! only through the digest a signed answer gave for it before, checked as the bytes stream
//! by (after gunzip and decryption: see [`FileDecoder`]); the types hand the bytes out only
//! once the check passed.

mod decoder;
mod gcm;

use std::fmt;
use std::io::{self, Write};

use serde::Deserialize;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::error::{Error, VerificationError};
use crate::signing::check_path_and_query;
use crate::text::Quoted;

pub use decoder::FileDecoder;

/// The digest algorithms the platform names in `hash_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// `SHA1`, the one the bill endpoints use.
    Sha1,
}

impl DigestAlgorithm {
    /// The name the platform uses.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA1",
        }
    }

    fn len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
        }
    }
}

/// A file the platform announced in a signed answer (`hash_type`, `hash_value`,
/// `download_url`): where to fetch it and the digest it must have. Decoded from that answer
/// (it is `Deserialize`), so its digest is as trustworthy as the signature it came under.
///
/// ```
/// use wechatpay_core::DownloadTicket;
///
/// let ticket: DownloadTicket = serde_json::from_str(r#"{
///     "hash_type": "SHA1",
///     "hash_value": "a9993e364706816aba3e25717850c26c9cd0d89d",
///     "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"
/// }"#)?;
/// let mut check = ticket.digest_check();
/// check.update(b"a");
/// check.update(b"bc");
/// assert_eq!(check.finish()?, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TicketFields")]
pub struct DownloadTicket {
    algorithm: DigestAlgorithm,
    digest: Vec<u8>,
    origin: String,
    path_and_query: String,
    gzipped: bool,
    encryption: Option<FileKey>,
}

/// The AES-256-GCM key and nonce an encrypted bill file was encrypted under.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct FileKey {
    key: Zeroizing<[u8; 32]>,
    nonce: Vec<u8>,
}

impl FileKey {
    pub(crate) fn key(&self) -> &[u8; 32] {
        &self.key
    }

    pub(crate) fn nonce(&self) -> &[u8] {
        &self.nonce
    }
}

#[derive(Deserialize)]
struct TicketFields {
    hash_type: String,
    hash_value: String,
    download_url: String,
}

impl TryFrom<TicketFields> for DownloadTicket {
    type Error = Error;
    fn try_from(fields: TicketFields) -> Result<Self, Error> {
        DownloadTicket::new(&fields.hash_type, &fields.hash_value, &fields.download_url)
    }
}

impl DownloadTicket {
    /// A ticket from the three fields of a signed answer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: a `hash_type` other than `SHA1`, a `hash_value` that is not
    /// its hex digest, a `download_url` that is not an absolute `http(s)` URL whose path and
    /// query can be signed as they are.
    pub fn new(hash_type: &str, hash_value: &str, download_url: &str) -> Result<Self, Error> {
        let algorithm = match hash_type {
            "SHA1" => DigestAlgorithm::Sha1,
            other => {
                return Err(Error::invalid(
                    "hash_type",
                    format!(
                        "{:?} is not a digest the core knows (SHA1)",
                        Quoted::value(other)
                    ),
                ));
            }
        };
        let digest = from_hex(hash_value)
            .filter(|digest| digest.len() == algorithm.len())
            .ok_or_else(|| {
                Error::invalid(
                    "hash_value",
                    format!(
                        "{:?} is not a {} digest in hex",
                        Quoted::value(hash_value),
                        algorithm.name()
                    ),
                )
            })?;
        let invalid = |reason: &str| {
            Error::invalid(
                "download_url",
                format!("{:?}: {reason}", Quoted::value(download_url)),
            )
        };
        let uri: http::Uri = download_url.parse().map_err(|_| invalid("not a URL"))?;
        let scheme = match uri.scheme_str() {
            Some(scheme @ ("https" | "http")) => scheme,
            _ => return Err(invalid("expected an https:// URL")),
        };
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("user information is not allowed in the URL"));
        }
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        check_path_and_query(path_and_query)?;
        Ok(DownloadTicket {
            algorithm,
            digest,
            origin: format!("{scheme}://{authority}"),
            path_and_query: path_and_query.to_owned(),
            gzipped: false,
            encryption: None,
        })
    }

    /// The same ticket for a file sent gzip'd (a bill asked for with `tar_type=GZIP`): the
    /// download is gunzipped, and the digest, which is the uncompressed bill's, checked over
    /// the text. The bill operations set it themselves.
    pub fn gzipped(self) -> Self {
        DownloadTicket {
            gzipped: true,
            ..self
        }
    }

    /// Whether the file is sent gzip'd.
    pub fn is_gzipped(&self) -> bool {
        self.gzipped
    }

    /// Whether the file is encrypted (an e-commerce fund-flow bill's).
    pub fn is_encrypted(&self) -> bool {
        self.encryption.is_some()
    }

    /// The same ticket for a file encrypted with AES-256-GCM under `key` and the `nonce` text,
    /// with empty associated data.
    pub(crate) fn encrypted(self, key: [u8; 32], nonce: &str) -> Self {
        DownloadTicket {
            encryption: Some(FileKey {
                key: Zeroizing::new(key),
                nonce: nonce.as_bytes().to_vec(),
            }),
            ..self
        }
    }

    pub(crate) fn encryption(&self) -> Option<&FileKey> {
        self.encryption.as_ref()
    }

    /// The digest algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The expected digest, lower-case hex.
    pub fn digest_hex(&self) -> String {
        to_hex(&self.digest)
    }

    /// The scheme and host the file is fetched from (`https://api.mch.weixin.qq.com`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path and query, signed and sent as given.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// A digest check to feed the file's bytes to, in order.
    pub fn digest_check(&self) -> DigestCheck {
        DigestCheck {
            algorithm: self.algorithm,
            expected: self.digest.clone(),
            hasher: Sha1::new(),
            len: 0,
        }
    }
}

impl fmt::Debug for DownloadTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query holds a short-lived token: enough to fetch the bill. Left out.
        let path = self.path_and_query.split('?').next().unwrap_or_default();
        f.debug_struct("DownloadTicket")
            .field("algorithm", &self.algorithm)
            .field("digest", &self.digest_hex())
            .field("origin", &self.origin)
            .field("path", &path)
            .field("gzipped", &self.gzipped)
            // The key decrypts the bill: only whether there is one.
            .field("encrypted", &self.encryption.is_some())
            .finish_non_exhaustive()
    }
}

/// The digest of a download, computed as its bytes arrive. [`DigestCheck::finish`] compares
/// it with the ticket's.
#[derive(Clone)]
pub struct DigestCheck {
    algorithm: DigestAlgorithm,
    expected: Vec<u8>,
    hasher: Sha1,
    len: u64,
}

impl DigestCheck {
    /// Feeds the next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.len = self.len.saturating_add(bytes.len() as u64);
    }

    /// How many bytes were fed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no byte was fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Compares the digest of everything fed with the expected one; the file's length on
    /// success.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`] with [`VerificationError::DigestMismatch`], naming both
    /// digests.
    pub fn finish(self) -> Result<u64, Error> {
        let actual = self.hasher.finalize();
        if actual.as_slice() == self.expected.as_slice() {
            return Ok(self.len);
        }
        Err(Error::Verification {
            kind: VerificationError::DigestMismatch {
                algorithm: self.algorithm.name(),
                expected: to_hex(&self.expected),
                actual: to_hex(&actual),
            },
            request_id: None,
        })
    }
}

impl fmt::Debug for DigestCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestCheck")
            .field("algorithm", &self.algorithm)
            .field("expected", &to_hex(&self.expected))
            .field("len", &self.len)
            .finish()
    }
}

/// A sink that checks what it is given: the bytes of the download written to it are decoded
/// as the ticket says (gunzip, decryption: see [`FileDecoder`]) into the inner writer and
/// the digest, and the inner writer comes back only from [`DigestWriter::finish`], once the
/// digest matched. Write into a `Vec<u8>` and the bytes cannot be read before the check;
/// write into a temporary file and move it into place only after `finish` succeeds.
///
/// ```
/// use std::io::Write;
/// use wechatpay_core::{DigestWriter, DownloadTicket};
///
/// let ticket = DownloadTicket::new("SHA1", "a9993e364706816aba3e25717850c26c9cd0d89d",
///     "https://api.mch.weixin.qq.com/v3/billdownload/file?token=t")?;
/// let mut sink = DigestWriter::new(Vec::new(), &ticket);
/// sink.write_all(b"abc")?;
/// assert_eq!(sink.finish()?, b"abc");
///
/// let mut altered = DigestWriter::new(Vec::new(), &ticket);
/// altered.write_all(b"abd")?;
/// assert!(altered.finish().is_err()); // and the bytes are gone with it
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DigestWriter<W> {
    inner: W,
    decoder: FileDecoder,
    /// The first decoding failure: every later call fails, `finish` with this error.
    failure: Option<Error>,
}

impl<W: Write> DigestWriter<W> {
    /// Wraps `inner` with the decoding and digest check of `ticket`.
    pub fn new(inner: W, ticket: &DownloadTicket) -> Self {
        DigestWriter {
            inner,
            decoder: FileDecoder::new(ticket),
            failure: None,
        }
    }

    /// Decodes the end of the file, flushes, checks the digest, and gives the inner writer
    /// back when it matched.
    ///
    /// # Errors
    ///
    /// As [`FileDecoder::end`] and [`FileDecoder::finish`] (naming both digests on a
    /// mismatch); an I/O error of the inner writer, as [`Error::Io`].
    pub fn finish(mut self) -> Result<W, Error> {
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        loop {
            let piece = self.decoder.end()?;
            if piece.is_empty() {
                break;
            }
            self.inner.write_all(piece).map_err(Error::io)?;
        }
        self.inner.flush().map_err(Error::io)?;
        self.decoder.finish()?;
        Ok(self.inner)
    }

    /// How many bytes of text went to the inner writer.
    pub fn len(&self) -> u64 {
        self.decoder.decoded()
    }

    /// Whether no text went to the inner writer.
    pub fn is_empty(&self) -> bool {
        self.decoder.decoded() == 0
    }
}

impl<W: Write> Write for DigestWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if let Some(failure) = &self.failure {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                failure.to_string(),
            ));
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.decoder.decode(&mut rest) {
                Ok(piece) => self.inner.write_all(piece)?,
                Err(error) => {
                    let message = error.to_string();
                    self.failure = Some(error);
                    return Err(io::Error::new(io::ErrorKind::InvalidData, message));
                }
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    // `from_str_radix` alone would take a sign.
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC_SHA1: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";
    const URL: &str = "https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc";

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(from_hex("00ff7A"), Some(vec![0, 255, 0x7a]));
        assert_eq!(to_hex(&[0, 255, 0x7a]), "00ff7a");
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex("+1"), None);
    }

    #[test]
    fn tickets_refuse_what_cannot_be_checked_or_signed() {
        assert!(DownloadTicket::new("SHA1", ABC_SHA1, URL).is_ok());
        assert!(DownloadTicket::new("SHA1", &ABC_SHA1.to_uppercase(), URL).is_ok());
        for (hash_type, value, url) in [
            ("MD5", ABC_SHA1, URL),
            ("SHA1", &ABC_SHA1[2..], URL),
            ("SHA1", ABC_SHA1, "/v3/billdownload/file"),
            ("SHA1", ABC_SHA1, "ftp://api.mch.weixin.qq.com/x"),
            ("SHA1", ABC_SHA1, "https://user@api.mch.weixin.qq.com/x"),
            ("SHA1", ABC_SHA1, "https://api.mch.weixin.qq.com/a/../b"),
        ] {
            assert!(
                DownloadTicket::new(hash_type, value, url).is_err(),
                "{hash_type} {value} {url}"
            );
        }
    }

    #[test]
    fn a_mismatch_names_both_digests() {
        let ticket = DownloadTicket::new("SHA1", ABC_SHA1, URL).unwrap();
        let mut check = ticket.digest_check();
        check.update(b"abd");
        let message = check.finish().unwrap_err().to_string();
        assert!(message.contains(ABC_SHA1), "{message}");
        assert!(
            message.contains("cb4cc28df0fdbe0ecf9d9662e294b118092a5735"),
            "{message}"
        );
    }

    #[test]
    fn a_short_write_hashes_only_what_was_taken() {
        /// Takes one byte per call.
        struct Trickle(Vec<u8>);
        impl Write for Trickle {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.extend_from_slice(&bytes[..bytes.len().min(1)]);
                Ok(bytes.len().min(1))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let ticket = DownloadTicket::new("SHA1", ABC_SHA1, URL).unwrap();
        let mut sink = DigestWriter::new(Trickle(Vec::new()), &ticket);
        sink.write_all(b"abc").unwrap();
        assert_eq!(sink.len(), 3);
        assert_eq!(sink.finish().unwrap().0, b"abc");
    }

    #[test]
    fn the_token_stays_out_of_debug() {
        let ticket = DownloadTicket::new("SHA1", ABC_SHA1, URL).unwrap();
        assert!(!format!("{ticket:?}").contains("token"));
    }
}
