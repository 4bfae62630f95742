//! A download's bytes on their way to bill text: decrypted (an e-commerce fund-flow bill),
//! gunzipped (`tar_type=GZIP`), then digested, in bounded pieces, with no I/O.
//!
//! The digest the platform announces is the uncompressed bill's, so it is taken last, over
//! the text. Every piece is handed out before the file is trusted: the caller writes it where
//! nothing reads it until [`FileDecoder::finish`] succeeded (a temporary file moved into place
//! afterwards, a buffer given back only then, as [`crate::DigestWriter`] does).

use std::fmt;
use std::io::Write;

use flate2::write::MultiGzDecoder;

use super::gcm::GcmStream;
use super::{DigestCheck, DownloadTicket};
use crate::error::{Error, VerificationError};

/// The most of a download's bytes one [`FileDecoder::decode`] takes, so that each piece of
/// text it hands out stays small (gzip inflates by 32 KiB steps at most per call).
const STEP: usize = 64 * 1024;

/// Where the decoder is: taking the body's bytes, draining what it holds after the body
/// ended, or done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Open,
    Ending,
    Ended,
}

/// Decodes the bytes of a file a [`DownloadTicket`] announced into the bill's text, and
/// checks the text's digest: [`FileDecoder::decode`] for each piece of the body as it
/// arrives, [`FileDecoder::end`] until it gives nothing once the body ended, then
/// [`FileDecoder::finish`]. Each call hands out at most a few dozen KiB, so memory stays
/// bounded whatever the file's size or compression ratio.
///
/// Nothing handed out is trusted until `finish` returned `Ok`: an encrypted file's tag is
/// checked by the last call to `end`, the digest by `finish`.
///
/// ```
/// use std::io::Write;
/// use wechatpay_core::{DownloadTicket, FileDecoder};
///
/// let text = b"bill text";
/// let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
/// gzip.write_all(text)?;
/// let file = gzip.finish()?;
/// let ticket = DownloadTicket::new("SHA1", "4e2e0ef3a6fdb0cf78c6d9b2d1bd67a2e7e5a1b8",
///     "https://api.mch.weixin.qq.com/v3/billdownload/file?token=t")?.gzipped();
///
/// let mut decoder = FileDecoder::new(&ticket);
/// let mut out = Vec::new();
/// let mut received: &[u8] = &file;
/// while !received.is_empty() {
///     out.extend_from_slice(decoder.decode(&mut received)?);
/// }
/// loop {
///     let piece = decoder.end()?;
///     if piece.is_empty() { break; }
///     out.extend_from_slice(piece);
/// }
/// assert_eq!(out, text);
/// // The announced digest is not this text's: nothing of `out` may be used.
/// assert!(decoder.finish().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FileDecoder {
    decryption: Option<GcmStream>,
    gunzip: Option<MultiGzDecoder<Vec<u8>>>,
    gunzip_finished: bool,
    /// Decrypted bytes gunzip has not taken yet.
    plain: Vec<u8>,
    plain_taken: usize,
    piece: Vec<u8>,
    check: DigestCheck,
    received: u64,
    stage: Stage,
    /// A gunzip failure inside an encrypted file, reported only once the tag was compared:
    /// bytes that fail authentication are reported as such, whatever they inflate to.
    deferred: Option<Error>,
}

impl FileDecoder {
    /// A decoder for the file `ticket` announced, as the ticket says it is sent.
    pub fn new(ticket: &DownloadTicket) -> Self {
        FileDecoder {
            decryption: ticket
                .encryption()
                .map(|file_key| GcmStream::new(file_key.key(), file_key.nonce())),
            gunzip: ticket
                .is_gzipped()
                .then(|| MultiGzDecoder::new(Vec::with_capacity(STEP))),
            gunzip_finished: false,
            plain: Vec::new(),
            plain_taken: 0,
            piece: Vec::with_capacity(STEP),
            check: ticket.digest_check(),
            received: 0,
            stage: Stage::Open,
            deferred: None,
        }
    }

    /// Takes bytes of the body from the front of `received` (advancing it) and gives the text
    /// they decode to, possibly none yet. Call it until `received` is empty.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`] with [`VerificationError::UndecodableFile`] when the bytes are
    /// not gzip as announced; [`Error::InvalidInput`] after [`FileDecoder::end`].
    pub fn decode(&mut self, received: &mut &[u8]) -> Result<&[u8], Error> {
        self.piece.clear();
        if self.stage != Stage::Open {
            return Err(Error::invalid(
                "download",
                "bytes given after the end of the file",
            ));
        }
        if received.is_empty() {
            return Ok(&self.piece);
        }
        if let (Some(decryption), Some(_)) = (&mut self.decryption, &self.deferred) {
            // The text is already refused: only the tag is left to compute.
            let data: &[u8] = received;
            let take = data.len().min(STEP);
            self.plain.clear();
            decryption.update(&data[..take], &mut self.plain);
            self.plain.clear();
            self.plain_taken = 0;
            self.received += take as u64;
            *received = &data[take..];
            return Ok(&self.piece);
        }
        if self.gunzip.is_some() && self.plain_taken < self.plain.len() {
            // Decrypted bytes wait for gunzip: they come first, and `received` waits.
            self.inflate_or_defer()?;
        } else {
            let data: &[u8] = received;
            let take = data.len().min(STEP);
            let now = &data[..take];
            let mut consumed = take;
            if let Some(decryption) = &mut self.decryption {
                if self.gunzip.is_some() {
                    self.plain.clear();
                    self.plain_taken = 0;
                    decryption.update(now, &mut self.plain);
                } else {
                    decryption.update(now, &mut self.piece);
                }
            } else if let Some(gunzip) = &mut self.gunzip {
                consumed = inflate(gunzip, now)?;
                std::mem::swap(&mut self.piece, gunzip.get_mut());
            } else {
                self.piece.extend_from_slice(now);
            }
            if self.decryption.is_some() && self.gunzip.is_some() {
                self.inflate_or_defer()?;
            }
            self.received += consumed as u64;
            *received = &data[consumed..];
        }
        self.check.update(&self.piece);
        Ok(&self.piece)
    }

    /// The body ended: the text still held, piece by piece (the end of the gzip stream),
    /// after the tag of an encrypted file was compared. Call it until it gives nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`] with [`VerificationError::FileTagMismatch`] or
    /// [`VerificationError::UndecodableFile`] (a gzip stream cut short).
    pub fn end(&mut self) -> Result<&[u8], Error> {
        self.piece.clear();
        if self.stage == Stage::Open {
            if let Some(decryption) = self.decryption.take()
                && !decryption.finish()
            {
                self.stage = Stage::Ended;
                return Err(verification(VerificationError::FileTagMismatch));
            }
            self.stage = Stage::Ending;
            if let Some(deferred) = self.deferred.take() {
                self.stage = Stage::Ended;
                return Err(deferred);
            }
        }
        while self.piece.is_empty() && self.stage == Stage::Ending {
            match &mut self.gunzip {
                Some(_) if self.plain_taken < self.plain.len() => self.inflate_plain()?,
                Some(gunzip) if !self.gunzip_finished => {
                    self.gunzip_finished = true;
                    gunzip.try_finish().map_err(undecodable)?;
                    std::mem::swap(&mut self.piece, gunzip.get_mut());
                }
                _ => self.stage = Stage::Ended,
            }
        }
        self.check.update(&self.piece);
        Ok(&self.piece)
    }

    /// Checks the digest of all the text handed out; its length on success. Only now may the
    /// text be trusted.
    ///
    /// # Errors
    ///
    /// [`Error::Verification`] with [`VerificationError::DigestMismatch`], naming both
    /// digests; [`Error::InvalidInput`] when [`FileDecoder::end`] was not called until it gave
    /// nothing (the end of the file, and its tag, were not checked).
    pub fn finish(self) -> Result<u64, Error> {
        if self.stage != Stage::Ended {
            return Err(Error::invalid(
                "download",
                "the end of the file was not decoded: call end() until it gives nothing",
            ));
        }
        self.check.finish()
    }

    /// How many bytes of the body were taken.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// How many bytes of text were handed out.
    pub fn decoded(&self) -> u64 {
        self.check.len()
    }

    /// [`FileDecoder::inflate_plain`], a failure kept for after the tag while it is not
    /// compared yet.
    fn inflate_or_defer(&mut self) -> Result<(), Error> {
        match self.inflate_plain() {
            Err(error) if self.decryption.is_some() => {
                self.deferred = Some(error);
                self.piece.clear();
                self.plain.clear();
                self.plain_taken = 0;
                Ok(())
            }
            other => other,
        }
    }

    /// One step of gunzip over the decrypted bytes it has not taken yet.
    fn inflate_plain(&mut self) -> Result<(), Error> {
        if let Some(gunzip) = &mut self.gunzip {
            let consumed = inflate(gunzip, &self.plain[self.plain_taken..])?;
            self.plain_taken += consumed;
            std::mem::swap(&mut self.piece, gunzip.get_mut());
        }
        Ok(())
    }
}

/// One step of gunzip: how many of `bytes` it took. Its text lands in its inner buffer.
fn inflate(gunzip: &mut MultiGzDecoder<Vec<u8>>, bytes: &[u8]) -> Result<usize, Error> {
    match gunzip.write(bytes) {
        // A decoder that takes nothing would be called again for ever.
        Ok(0) if !bytes.is_empty() => Err(undecodable(std::io::Error::other(
            "the decoder takes no more bytes",
        ))),
        Ok(consumed) => Ok(consumed),
        Err(error) => Err(undecodable(error)),
    }
}

fn undecodable(error: std::io::Error) -> Error {
    verification(VerificationError::UndecodableFile {
        format: "gzip",
        reason: error.to_string(),
    })
}

fn verification(kind: VerificationError) -> Error {
    Error::Verification {
        kind,
        request_id: None,
    }
}

impl fmt::Debug for FileDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileDecoder")
            .field("encrypted", &self.decryption.is_some())
            .field("gzip", &self.gunzip.is_some())
            .field("received", &self.received)
            .field("decoded", &self.check.len())
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}
