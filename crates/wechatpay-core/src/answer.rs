//! An answer on its way in: received, its signature checked (by the core, or in two steps by
//! other crypto), then decoded. The steps are types, so a body is decoded only after its
//! check concluded.

use http::{HeaderMap, Response, StatusCode};

use crate::client::{Client, request_id};
use crate::error::{Authentication, Error, VerificationError};
use crate::operation::VerifiedBody;
use crate::platform_keys::{PlatformKey, PlatformKeys};
use crate::verification::{SignatureCheck, SignatureHeaders};

/// An answer received, its signature not yet checked. Made by [`Client::receive`].
///
/// Every check that needs no public key operation is already made (headers, the signature
/// probe, a known key valid at the time); what is left is in [`Received::signature_check`].
#[derive(Debug)]
pub struct Received<'r> {
    answer: Answer<'r>,
    max_skew: u64,
    state: State<'r>,
}

/// What an answer's signature came to, ready for [`Client::decode`].
#[derive(Debug)]
pub struct Checked<'r> {
    answer: Answer<'r>,
    outcome: Outcome<'r>,
}

#[derive(Debug, Clone, Copy)]
struct Answer<'r> {
    status: StatusCode,
    headers: &'r HeaderMap,
    body: &'r [u8],
}

#[derive(Debug)]
enum State<'r> {
    /// No signature header at all.
    Unsigned,
    /// Refused before any public key operation.
    Refused(VerificationError),
    /// The public key operation is to be made.
    Pending(Box<SignatureCheck<'r, 'r>>),
}

#[derive(Debug)]
enum Outcome<'r> {
    Unsigned,
    Refused(VerificationError),
    Verified(&'r PlatformKey),
}

impl<'r> Received<'r> {
    pub(crate) fn new<B: AsRef<[u8]>>(
        client: &'r Client,
        keys: &'r PlatformKeys,
        response: &'r Response<B>,
        now: u64,
    ) -> Self {
        let answer = Answer {
            status: response.status(),
            headers: response.headers(),
            body: response.body().as_ref(),
        };
        let state = if !answer.status.is_success() && !SignatureHeaders::any_present(answer.headers)
        {
            // Error answers are often unsigned (gateways, proxies); a success never may be.
            State::Unsigned
        } else {
            match SignatureHeaders::from_headers(answer.headers)
                .and_then(|signed| keys.signature_check(&signed, answer.body, now))
            {
                Ok(check) => State::Pending(Box::new(check)),
                Err(refused) => State::Refused(refused),
            }
        };
        Received {
            answer,
            max_skew: client.max_clock_skew(),
            state,
        }
    }

    /// The signature to verify with other crypto: `None` when the answer is unsigned or was
    /// already refused (conclude with any verdict then: it is not used).
    pub fn signature_check(&self) -> Option<&SignatureCheck<'r, 'r>> {
        match &self.state {
            State::Pending(check) => Some(check),
            _ => None,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.answer.status
    }

    /// The second step: `valid` is whether [`SignatureCheck::message`] verified under the
    /// key's public key. The clock window is checked here.
    pub fn conclude(self, valid: bool) -> Checked<'r> {
        let outcome = match self.state {
            State::Unsigned => Outcome::Unsigned,
            State::Refused(refused) => Outcome::Refused(refused),
            State::Pending(check) => match check.conclude(valid, self.max_skew) {
                Ok(key) => Outcome::Verified(key),
                Err(refused) => Outcome::Refused(refused),
            },
        };
        Checked {
            answer: self.answer,
            outcome,
        }
    }

    /// Both steps with the core's own crypto.
    pub(crate) fn check(self) -> Checked<'r> {
        let valid = self.signature_check().is_some_and(SignatureCheck::verify);
        self.conclude(valid)
    }
}

impl<'r> Checked<'r> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.answer.status
    }

    /// The headers.
    pub fn headers(&self) -> &'r HeaderMap {
        self.answer.headers
    }

    /// The raw body: trusted only when [`Checked::authentication`] says it verified.
    pub fn body(&self) -> &'r [u8] {
        self.answer.body
    }

    /// The `Request-ID` header.
    pub fn request_id(&self) -> Option<&'r str> {
        request_id(self.answer.headers)
    }

    /// Whether the answer was signed, and whether its signature verified.
    pub fn authentication(&self) -> Authentication {
        match &self.outcome {
            Outcome::Unsigned => Authentication::Unsigned,
            Outcome::Refused(why) => Authentication::Failed(why.clone()),
            Outcome::Verified(key) => Authentication::Verified {
                serial: key.serial().to_owned(),
            },
        }
    }

    /// The body of a verified answer.
    pub(crate) fn verified_body(&self) -> Result<VerifiedBody<'r>, Error> {
        match &self.outcome {
            Outcome::Verified(_) => Ok(VerifiedBody::new(
                self.answer.body,
                self.answer.status,
                self.request_id(),
            )),
            Outcome::Refused(kind) => Err(Error::Verification {
                kind: kind.clone(),
                request_id: self.request_id().map(str::to_owned),
            }),
            // Unreachable for a success status, which `Received::new` always checks; kept
            // an error, never a body.
            Outcome::Unsigned => Err(Error::Verification {
                kind: VerificationError::MissingHeader {
                    name: crate::verification::WECHATPAY_SIGNATURE,
                },
                request_id: self.request_id().map(str::to_owned),
            }),
        }
    }
}
