//! The self-check (商户签名验签/加解密测试): `POST /v3/security/echo`.
//!
//! The platform echoes a message back. One call proves, end to end, what a merchant's first
//! real request depends on: the merchant's signature (the platform accepts the request), the
//! platform key (the answer verifies), the clock (both timestamps are within the window) and,
//! with [`SecurityEcho::with_encrypted_message`], the encryption both ways: the request field
//! is encrypted to the platform key the request names in `Wechatpay-Serial`, and the platform
//! answers it encrypted to the merchant's API certificate, for the merchant key to decrypt.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::ecommerce::check_text;
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::sensitive::{EncryptedField, SensitiveString};
use crate::text::Quoted;

const PATH: &str = "/v3/security/echo";

/// The longest `echo_message` accepted, in characters. The API page sets no limit; this one
/// keeps a self-check a short request.
pub const MAX_ECHO_MESSAGE_CHARS: usize = 256;

/// The longest `encrypted_echo_message` plaintext accepted, in UTF-8 bytes: what RSA-OAEP
/// (SHA-1) fits in one block of a 2048-bit key, the size of every platform key.
pub const MAX_ENCRYPTED_ECHO_MESSAGE_BYTES: usize = 214;

/// The longest `notify_url` accepted, in characters, as the APIs' `notify_url` fields allow.
pub const MAX_NOTIFY_URL_CHARS: usize = 256;

/// `POST /v3/security/echo`: the platform echoes `echo_message`, and the plaintext of
/// `encrypted_echo_message` (when given) encrypted to the merchant's API certificate. With a
/// `notify_url`, it also sends a test callback there.
///
/// The encrypted field is encrypted while the request is built, through its
/// [`RequestContext`], so the request names that platform key in `Wechatpay-Serial` by itself.
///
/// ```
/// use wechatpay_core::security::SecurityEcho;
/// use wechatpay_core::{Client, Host, MerchantCredentials, Nonce, PlatformKeys};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
/// # let merchant_key = wechatpay_fixtures::keys::MERCHANT_KEY_PEM;
/// # let platform_pub = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
/// let credentials = MerchantCredentials::new("1900000001", "3775B6A45ACD588826D15E583A95F5DD20000001", merchant_key)?;
/// let mut platform_keys = PlatformKeys::new();
/// platform_keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", platform_pub)?;
/// let client = Client::new(credentials, platform_keys)?;
///
/// let echo = SecurityEcho::new("doctor 1700000000")?.with_encrypted_message("张三")?;
/// let request = client.prepare(&echo, Host::Primary, 1_700_000_000, &Nonce::generate(&mut rng), &mut rng)?;
/// assert_eq!(request.headers()["Wechatpay-Serial"], "PUB_KEY_ID_0119000000012024112300000000000001");
///
/// // The adapter sends `request`; the platform answers, signed, with the field encrypted to
/// // the merchant's certificate:
/// # let response = {
/// #     let mut merchant = PlatformKeys::new();
/// #     merchant.add_public_key("PUB_KEY_ID_01", wechatpay_fixtures::keys::MERCHANT_PUBLIC_KEY_PEM)?;
/// #     let field = wechatpay_core::RequestContext::new(&merchant, &mut rng).encrypt("张三")?;
/// #     let body = serde_json::json!({"echo_message": "doctor 1700000000", "encrypted_echo_message": field});
/// #     let mut response = http::Response::new(body.to_string().into_bytes());
/// #     wechatpay_core::PlatformSigner::new(
/// #         "PUB_KEY_ID_0119000000012024112300000000000001",
/// #         wechatpay_fixtures::keys::PLATFORM_KEY_PEM,
/// #         wechatpay_core::Backend::default(),
/// #     )?
/// #     .sign_response(&mut response, 1_700_000_001, "E5F0A1B2C3D4E5F60718293A4B5C6D7E", &mut rng)?;
/// #     response
/// # };
/// let answer = client.parse(&echo, &response, 1_700_000_001)?;
/// assert_eq!(answer.echo_message, echo.echo_message());
/// let field = answer.encrypted_echo_message.as_ref().expect("asked for");
/// let decrypted = client.credentials().decrypt(field, &mut rng)?;
/// assert_eq!(Some(&decrypted), echo.encrypted_message());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEcho {
    echo_message: String,
    encrypted_echo_message: Option<SensitiveString>,
    notify_url: Option<String>,
}

/// The request body: the plaintext of the encrypted field never gets here.
#[derive(Serialize)]
struct Body<'a> {
    echo_message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted_echo_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
}

impl SecurityEcho {
    /// An echo of `echo_message`, sent in clear.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`echo_message`): empty, or longer than
    /// [`MAX_ECHO_MESSAGE_CHARS`] characters.
    pub fn new(echo_message: impl Into<String>) -> Result<Self, Error> {
        let echo_message = echo_message.into();
        check_text("echo_message", &echo_message, MAX_ECHO_MESSAGE_CHARS, None)?;
        Ok(SecurityEcho {
            echo_message,
            encrypted_echo_message: None,
            notify_url: None,
        })
    }

    /// With `encrypted_echo_message`: `plaintext` is encrypted to a platform key when the
    /// request is built, and comes back encrypted to the merchant's API certificate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`encrypted_echo_message`): empty, or longer than
    /// [`MAX_ENCRYPTED_ECHO_MESSAGE_BYTES`] bytes of UTF-8. The message never shows the text.
    pub fn with_encrypted_message(self, plaintext: impl Into<String>) -> Result<Self, Error> {
        let plaintext = SensitiveString::new(plaintext);
        let len = plaintext.expose().len();
        if len == 0 || len > MAX_ENCRYPTED_ECHO_MESSAGE_BYTES {
            return Err(Error::invalid(
                "encrypted_echo_message",
                format!(
                    "must be 1 to {MAX_ENCRYPTED_ECHO_MESSAGE_BYTES} bytes of UTF-8 (one RSA-OAEP \
                     block of a 2048-bit platform key), got {len}"
                ),
            ));
        }
        Ok(SecurityEcho {
            encrypted_echo_message: Some(plaintext),
            ..self
        })
    }

    /// With `notify_url`: the platform also sends a test callback there.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`notify_url`) unless an absolute `https://` URL with a host,
    /// without user name, query or fragment (the platform calls it as given, and refuses
    /// parameters in it), of at most [`MAX_NOTIFY_URL_CHARS`] characters.
    pub fn with_notify_url(self, notify_url: impl Into<String>) -> Result<Self, Error> {
        let notify_url = notify_url.into();
        check_notify_url(&notify_url)?;
        Ok(SecurityEcho {
            notify_url: Some(notify_url),
            ..self
        })
    }

    /// The message sent in clear, which the answer must echo.
    pub fn echo_message(&self) -> &str {
        &self.echo_message
    }

    /// The plaintext of the encrypted field, which the answer's must decrypt to.
    pub fn encrypted_message(&self) -> Option<&SensitiveString> {
        self.encrypted_echo_message.as_ref()
    }

    /// Where the test callback goes, if anywhere.
    pub fn notify_url(&self) -> Option<&str> {
        self.notify_url.as_deref()
    }
}

pub(crate) fn check_notify_url(url: &str) -> Result<(), Error> {
    let refuse = |why: &str| {
        Error::invalid(
            "notify_url",
            format!(
                "{} {why}: give an https:// URL the platform can call, without parameters",
                Quoted::value(url)
            ),
        )
    };
    let count = url.chars().count();
    if count == 0 || count > MAX_NOTIFY_URL_CHARS {
        return Err(Error::invalid(
            "notify_url",
            format!("must be 1 to {MAX_NOTIFY_URL_CHARS} characters, got {count}"),
        ));
    }
    // `http::Uri` drops a fragment silently and refuses spaces and controls; check both first
    // so that the URL sent is the URL given.
    if url.contains('#') {
        return Err(refuse("has a fragment (#...)"));
    }
    let uri: http::Uri = url
        .parse()
        .map_err(|_| refuse("is not a URL (no spaces or control characters, a host after //)"))?;
    if uri.scheme_str() != Some("https") {
        return Err(refuse("is not https"));
    }
    match uri.authority() {
        Some(authority) if authority.as_str().contains('@') => {
            Err(refuse("has a user name (...@)"))
        }
        Some(authority) if !authority.host().is_empty() => {
            if uri.query().is_some() {
                Err(refuse("has a query (?...)"))
            } else {
                Ok(())
            }
        }
        _ => Err(refuse("has no host")),
    }
}

impl Operation for SecurityEcho {
    type Output = EchoAnswer;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let encrypted_echo_message = self
            .encrypted_echo_message
            .as_ref()
            .map(|plaintext| context.encrypt(plaintext.expose()))
            .transpose()?;
        RequestParts::json(
            Method::POST,
            PATH,
            &Body {
                echo_message: &self.echo_message,
                encrypted_echo_message,
                notify_url: self.notify_url.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<EchoAnswer, Error> {
        body.json()
    }
}

/// The platform's answer to [`SecurityEcho`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct EchoAnswer {
    /// The `echo_message` sent, as the platform read it.
    pub echo_message: String,
    /// The plaintext of the `encrypted_echo_message` sent, encrypted to the merchant's API
    /// certificate: decrypt it with [`crate::MerchantKey::decrypt`]. Absent when none was sent.
    #[serde(default)]
    pub encrypted_echo_message: Option<EncryptedField>,
}

/// The self-check, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[Endpoint {
    name: "POST /v3/security/echo",
    params: &["echo_message", "notify_url"],
    example: &["hello", "https://www.weixin.qq.com/v3/test"],
    request: |values, context| {
        let name = ENDPOINTS[0].name;
        SecurityEcho::new(param(name, values, 0)?)?
            .with_notify_url(param(name, values, 1)?)?
            .request(context)
    },
    decode: |body| {
        let answer: EchoAnswer = body.json()?;
        let _ = format!("{answer:?}");
        Ok(())
    },
}];

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidInput { field, .. } => field.into_owned(),
            other => panic!("not an input error: {other}"),
        }
    }

    #[test]
    fn messages_are_bounded() {
        assert!(SecurityEcho::new("a".repeat(MAX_ECHO_MESSAGE_CHARS)).is_ok());
        assert!(SecurityEcho::new("回".repeat(MAX_ECHO_MESSAGE_CHARS)).is_ok());
        for refused in [String::new(), "a".repeat(MAX_ECHO_MESSAGE_CHARS + 1)] {
            assert_eq!(
                field_of(SecurityEcho::new(refused).unwrap_err()),
                "echo_message"
            );
        }
        let echo = SecurityEcho::new("hello").unwrap();
        assert!(
            echo.clone()
                .with_encrypted_message("a".repeat(MAX_ENCRYPTED_ECHO_MESSAGE_BYTES))
                .is_ok()
        );
        // 72 three-byte characters are 216 bytes: over, though only 72 characters.
        for refused in [String::new(), "密".repeat(72)] {
            let error = echo.clone().with_encrypted_message(refused).unwrap_err();
            assert!(!error.to_string().contains('密'), "{error}");
            assert_eq!(field_of(error), "encrypted_echo_message");
        }
    }

    #[test]
    fn notify_urls_are_https_without_parameters() {
        let echo = SecurityEcho::new("hello").unwrap();
        for accepted in [
            "https://www.weixin.qq.com/v3/test",
            "https://example.com",
            "https://example.com:8443/callbacks/echo",
        ] {
            assert_eq!(
                echo.clone().with_notify_url(accepted).unwrap().notify_url(),
                Some(accepted)
            );
        }
        let too_long = format!("https://example.com/{}", "a".repeat(MAX_NOTIFY_URL_CHARS));
        for (refused, why) in [
            ("", "1 to 256 characters"),
            (too_long.as_str(), "1 to 256 characters"),
            ("http://example.com/notify", "is not https"),
            ("ftp://example.com/", "is not https"),
            ("example.com/notify", "is not a URL"),
            ("/notify", "is not https"),
            ("https://example.com/notify?order=1", "has a query"),
            ("https://example.com?order=1", "has a query"),
            ("https://example.com/notify#top", "has a fragment"),
            ("https://user@example.com/notify", "has a user name"),
            ("https://:443/notify", "has no host"),
            ("https://example.com/a b", "is not a URL"),
            ("https:///notify", "is not a URL"),
        ] {
            let error = echo.clone().with_notify_url(refused).unwrap_err();
            let shown = error.to_string();
            assert!(shown.contains(why), "{refused:?}: {shown}");
            assert_eq!(field_of(error), "notify_url", "{refused:?}");
        }
    }

    #[test]
    fn the_plaintext_never_shows_in_debug() {
        let echo = SecurityEcho::new("hello")
            .unwrap()
            .with_encrypted_message("6214830000001234")
            .unwrap();
        let shown = format!("{echo:?}");
        assert!(!shown.contains("6214830000001234"), "{shown}");
        assert!(shown.contains("hello"), "{shown}");
    }
}
