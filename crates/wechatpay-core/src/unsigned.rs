//! A request complete but for its signature: the two-step form of signing, for keys that sign
//! outside the process and answer later.

use std::fmt;

use http::Request;
use http::header::AUTHORIZATION;
use rand_core::CryptoRng;

use crate::credentials::MerchantCredentials;
use crate::error::Error;
use crate::nonce::Nonce;
use crate::signing::RequestSignature;

/// A request built and checked, waiting for its signature. Made by
/// [`crate::Client::prepare_unsigned`]; [`UnsignedRequest::finish`] takes the signature of
/// [`UnsignedRequest::message`] and returns the request to send.
pub struct UnsignedRequest<'c> {
    credentials: &'c MerchantCredentials,
    request: Request<Vec<u8>>,
    message: Vec<u8>,
    timestamp: u64,
    nonce: Nonce,
}

impl<'c> UnsignedRequest<'c> {
    pub(crate) fn new(
        credentials: &'c MerchantCredentials,
        request: Request<Vec<u8>>,
        message: Vec<u8>,
        timestamp: u64,
        nonce: Nonce,
    ) -> Self {
        UnsignedRequest {
            credentials,
            request,
            message,
            timestamp,
            nonce,
        }
    }

    /// The exact message to sign with SHA256withRSA (RSASSA-PKCS1-v1_5): method, path and
    /// query, timestamp, nonce and the signed body (the JSON, or an upload's `meta`), each
    /// followed by `\n`.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The request as it will be sent, but for `Authorization`.
    pub fn request(&self) -> &Request<Vec<u8>> {
        &self.request
    }

    /// The second step: puts `Authorization` on the request, from `signature`, the raw bytes
    /// of the signature of [`UnsignedRequest::message`] (not its base64).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`signature`) unless 256 to 512 bytes, the sizes of RSA 2048 to
    /// 4096 signatures: base64 or hex text given by mistake is refused here rather than by the
    /// platform.
    pub fn finish(self, signature: &[u8]) -> Result<Request<Vec<u8>>, Error> {
        let signature =
            RequestSignature::new(self.credentials, &self.nonce, self.timestamp, signature)?;
        let mut request = self.request;
        request
            .headers_mut()
            .insert(AUTHORIZATION, signature.header_value().clone());
        Ok(request)
    }
}

impl UnsignedRequest<'_> {
    /// Both steps here: signs [`UnsignedRequest::message`] with the credentials' own signer
    /// (an in-process key or a synchronous [`crate::SigningKey`]) and finishes the request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`private_key`) when the credentials sign elsewhere;
    /// [`Error::Signing`].
    pub fn sign<R: CryptoRng + ?Sized>(self, rng: &mut R) -> Result<Request<Vec<u8>>, Error> {
        let signature = self.credentials.sign_message(&self.message, rng)?;
        self.finish(&signature)
    }
}

impl fmt::Debug for UnsignedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsignedRequest")
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("message_len", &self.message.len())
            .finish_non_exhaustive()
    }
}
