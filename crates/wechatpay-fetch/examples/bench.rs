//! The Rust half of the adapter's benchmark under Node; the driver, which times everything and
//! prints the table, is `bench-node.mjs`, and `bench.sh` builds both and runs them.
//!
//! It holds two clients of the mock platform on the fixture keys, one per way the adapter
//! does its RSA ([`Path`]): the runtime's WebCrypto (`FetchTransport::with_merchant_key`, the
//! client's credentials `signed_elsewhere`) and the core's pure-Rust backend compiled to wasm
//! (the key in the client's credentials, the default transport). Each timed method does one
//! operation, as `Adapter::execute` does it for one attempt, on the path it is given:
//!
//! ```js
//! const bench = await Bench.start(process.env.WECHATPAY_MOCK_URL);
//! await bench.sign(Path.WebCrypto);    // a whole signed request
//! await bench.verify(Path.PureRust);   // a whole answer verified and decoded
//! await bench.call(Path.WebCrypto);    // a whole call of the mock over loopback
//! ```
//!
//! and it hands the driver the very inputs its primitives see (the keys' DER, a request's
//! message, the answer's message and signature), so that WebCrypto alone is timed on the
//! same bytes.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Request, Response};
use js_sys::Uint8Array;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wechatpay_core::ecommerce::applyment::{
    Applyment, ApplymentState, QueryApplymentByOutRequestNo,
};
use wechatpay_core::{
    Backend, Call, Client, MerchantCredentials, MerchantKey, PlatformKeys, PlatformSigner,
    SigningKey, Step, Transport,
};
use wechatpay_fetch::{FetchClient, FetchTransport};
use wechatpay_mock::MockKeys;
use wechatpay_mock::records::{PAGE_EXAMPLE_APPLYMENT, seeded};

/// Where the RSA runs.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy)]
pub enum Path {
    /// `crypto.subtle`, the keys imported once, not extractable.
    WebCrypto,
    /// The core's own backend (the `rsa` crate), compiled to wasm.
    PureRust,
}

/// The two clients, the operation they run, and the signed answer they verify.
#[wasm_bindgen]
pub struct Bench {
    webcrypto: FetchClient,
    pure_rust: FetchClient,
    /// The seeded `FINISH` applyment, whose answer is the API page's example.
    query: QueryApplymentByOutRequestNo,
    /// The mock's answer for it (1,746 bytes), signed by the platform key at start-up.
    answer: Response<Vec<u8>>,
}

impl Bench {
    fn client(&self, path: Path) -> &FetchClient {
        match path {
            Path::WebCrypto => &self.webcrypto,
            Path::PureRust => &self.pure_rust,
        }
    }
}

#[wasm_bindgen]
impl Bench {
    /// Builds both clients for the mock at `mock_url`, and signs the answer to verify with the
    /// time of the JavaScript clock (the core refuses one more than five minutes old).
    ///
    /// Fails unless the WebCrypto path really uses WebCrypto: the adapter falls back to pure
    /// Rust quietly but for one console warning, and the figures would compare nothing.
    pub async fn start(mock_url: String) -> Result<Bench, JsError> {
        let mock = MockKeys::fixtures();
        let pure_rust = FetchClient::new(mock.client(&mock_url)?)?;

        let platform_keys = platform_keys(&mock)?;
        let transport =
            FetchTransport::with_merchant_key(&mock.merchant_private_key_pem, &platform_keys)
                .await?;
        if !transport.uses_webcrypto() {
            return Err(JsError::new(
                "the transport fell back to pure Rust: this runtime's WebCrypto lacks RSASSA-PKCS1-v1_5",
            ));
        }
        let credentials = MerchantCredentials::signed_elsewhere(
            mock.mchid.parse()?,
            mock.merchant_serial.parse()?,
        );
        let core = Client::new(credentials, platform_keys)?
            .with_base_url(&mock_url)?
            .with_backup_url(None)?;
        let webcrypto = FetchClient::with_transport(core, transport)?;

        let signer = PlatformSigner::new(
            &mock.platform_public_key_id,
            &mock.platform_private_key_pem,
            Backend::default(),
        )?;
        let mut answer = Response::new(PAGE_EXAMPLE_APPLYMENT.as_bytes().to_vec());
        let headers = answer.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            "request-id",
            HeaderValue::from_static("08F78BB5AF0610B0DE0618F6C3C97302"),
        );
        signer.sign_response(
            &mut answer,
            pure_rust.transport().now(),
            "C2DDDB4C3CCC4A5C21AA52C0DC6C3CAB",
            &mut pure_rust.transport().rng(),
        )?;

        Ok(Bench {
            webcrypto,
            pure_rust,
            query: QueryApplymentByOutRequestNo::new(seeded::FINISH)?,
            answer,
        })
    }

    /// One whole signed request: the parameters checked and encoded, the URI, headers, nonce
    /// and message, the signature and the `Authorization` header.
    pub async fn sign(&self, path: Path) -> Result<(), JsError> {
        whole_sign(self.client(path), &self.query).await?;
        Ok(())
    }

    /// One whole answer read: its headers, the key and the clock checked, the signature
    /// verified, the body decoded (and checked to be the applyment signed).
    pub async fn verify(&self, path: Path) -> Result<(), JsError> {
        let applyment = whole_verify(self.client(path), &self.query, &self.answer).await?;
        check_finished(&applyment)
    }

    /// One whole call of the mock platform: signed, sent over loopback, verified, decoded.
    pub async fn call(&self, path: Path) -> Result<(), JsError> {
        let applyment = self.client(path).execute(&self.query).await?;
        check_finished(&applyment)
    }

    /// The raw signature of `message` by the merchant key on `path`: the driver checks that
    /// both paths and its own WebCrypto give the same bytes (PKCS#1 v1.5 is deterministic).
    pub async fn signature(&self, path: Path, message: &[u8]) -> Result<Uint8Array, JsError> {
        let client = self.client(path);
        let signature = match path {
            Path::WebCrypto => client
                .transport()
                .sign(message)
                .await
                .ok_or_else(|| JsError::new("the WebCrypto transport holds no key"))??,
            Path::PureRust => client
                .core()
                .credentials()
                .key()
                .ok_or_else(|| JsError::new("the pure-Rust client holds no key"))?
                .sign(message, &mut client.transport().rng())?,
        };
        Ok(Uint8Array::from(&signature[..]))
    }

    /// The message a whole sign signs, made now: what WebCrypto alone signs.
    #[wasm_bindgen(js_name = requestMessage)]
    pub fn request_message(&self) -> Result<Uint8Array, JsError> {
        let client = &self.pure_rust;
        let transport = client.transport();
        let mut call = Call::new(client.core(), &self.query, client.settings().retry);
        let unsigned = call.unsigned_request(transport.now(), &mut transport.rng())?;
        Ok(Uint8Array::from(unsigned.message()))
    }

    /// A request signed now, as `{ url, headers: [[name, value], ...] }`, for the driver's
    /// plain `fetch` of the mock (the floor of a whole call). The mock accepts it again and
    /// again for five minutes: it checks the clock, not the nonces.
    #[wasm_bindgen(js_name = signedRequest)]
    pub async fn signed_request(&self) -> Result<JsValue, JsError> {
        let request = whole_sign(&self.pure_rust, &self.query).await?;
        let headers: Vec<_> = request
            .headers()
            .iter()
            .map(|(name, value)| Ok(json!([name.as_str(), value.to_str()?])))
            .collect::<Result<_, JsError>>()?;
        let described = json!({ "url": request.uri().to_string(), "headers": headers });
        js_sys::JSON::parse(&described.to_string())
            .map_err(|_| JsError::new("JSON.parse refused the request"))
    }

    /// The signed answer's `timestamp\nnonce\nbody\n` and raw signature, as the core hands
    /// them to the crypto: what WebCrypto alone verifies.
    #[wasm_bindgen(js_name = answerSignature)]
    pub fn answer_signature(&self) -> Result<js_sys::Array, JsError> {
        let client = &self.pure_rust;
        let received = client
            .core()
            .receive(&self.answer, client.transport().now());
        let check = received
            .signature_check()
            .ok_or_else(|| JsError::new("the answer was refused before its signature"))?;
        Ok(js_sys::Array::of2(
            &Uint8Array::from(&check.message()[..]),
            &Uint8Array::from(check.signature()),
        ))
    }

    /// The merchant key as PKCS#8 DER, as the adapter gives it to `importKey` (a test key:
    /// see `wechatpay_fixtures`).
    #[wasm_bindgen(js_name = merchantKeyPkcs8)]
    pub fn merchant_key_pkcs8(&self) -> Result<Uint8Array, JsError> {
        let der = MerchantKey::pkcs8_der_from_pem(&MockKeys::fixtures().merchant_private_key_pem)?;
        Ok(Uint8Array::from(&der[..]))
    }

    /// The SPKI DER of the platform key that signed the answer.
    #[wasm_bindgen(js_name = platformKeySpki)]
    pub fn platform_key_spki(&self) -> Result<Uint8Array, JsError> {
        let serial = MockKeys::fixtures().platform_public_key_id;
        let key = self
            .pure_rust
            .core()
            .platform_keys()
            .get(&serial)
            .ok_or_else(|| JsError::new("the client lacks the platform public key"))?;
        Ok(Uint8Array::from(key.spki_der()))
    }
}

/// As `Adapter::execute` makes each attempt's request: the `Call`'s unsigned request, signed
/// by the transport when it holds the key, else by the credentials.
async fn whole_sign(
    client: &FetchClient,
    query: &QueryApplymentByOutRequestNo,
) -> Result<Request<Vec<u8>>, JsError> {
    let transport = client.transport();
    let mut rng = transport.rng();
    let mut call = Call::new(client.core(), query, client.settings().retry);
    let unsigned = call.unsigned_request(transport.now(), &mut rng)?;
    Ok(match transport.sign(unsigned.message()).await {
        Some(signature) => unsigned.finish(&signature?)?,
        None => unsigned.sign(&mut rng)?,
    })
}

/// As `Adapter::execute` reads each answer: received, verified by the transport when it can,
/// else by the core, concluded, decoded by the `Call`.
async fn whole_verify(
    client: &FetchClient,
    query: &QueryApplymentByOutRequestNo,
    answer: &Response<Vec<u8>>,
) -> Result<Applyment, JsError> {
    let transport = client.transport();
    let mut rng = transport.rng();
    let mut call = Call::new(client.core(), query, client.settings().retry);
    let received = client.core().receive(answer, transport.now());
    let valid = match received.signature_check() {
        Some(check) => match transport.verify(check).await {
            Some(valid) => valid,
            None => check.verify(),
        },
        None => false,
    };
    match call.checked(received.conclude(valid), &mut rng) {
        Step::Done(applyment) => Ok(applyment?),
        Step::Retry { .. } => Err(JsError::new("the answer was refused (retryable)")),
    }
}

/// A wrong answer must fail the run, not be timed.
fn check_finished(applyment: &Applyment) -> Result<(), JsError> {
    if applyment.applyment_state == ApplymentState::Finish
        && applyment.out_request_no == seeded::FINISH
    {
        Ok(())
    } else {
        Err(JsError::new(&format!(
            "expected the seeded FINISH applyment, got {} in state {}",
            applyment.out_request_no, applyment.applyment_state
        )))
    }
}

/// The platform keys the mock signs with, as `MockKeys::client` trusts them.
fn platform_keys(mock: &MockKeys) -> Result<PlatformKeys, JsError> {
    let mut keys = PlatformKeys::new();
    keys.add_public_key(&mock.platform_public_key_id, &mock.platform_public_key_pem)?;
    if let Some(certificate) = &mock.certificate {
        keys.add_certificate(&certificate.certificate_pem)?;
    }
    Ok(keys)
}
