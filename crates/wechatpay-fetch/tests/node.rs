//! The adapter under Node, against the mock platform over real loopback HTTP.
//!
//! Run with `cargo test -p wechatpay-fetch --target wasm32-unknown-unknown`: Cargo's runner
//! for that target (`tests/with-mock.sh`, named in `.cargo/config.toml`) starts
//! `wechatpay mock --backup --control`, passes its two URLs in `WECHATPAY_MOCK_URL` and
//! `WECHATPAY_MOCK_BACKUP_URL` (and a loopback URL nothing listens on in
//! `WECHATPAY_CLOSED_URL`), and runs `wasm-bindgen-test-runner` under Node.
//!
//! First the conformance table every adapter runs (`wechatpay_mock::conformance`), with faults
//! injected and attempts counted through the mock's control routes, which the adapter's own
//! `send` reaches (so every fault queued is also a request with a body moved as given), the
//! download checks, from a one-request server in this Node process, and the certificate checks,
//! which switch the mock to certificate mode and back. Then what only this
//! adapter can meet: a JavaScript runtime that would not send the request as
//! signed, the `AbortController` timeout, and the runtime's random source. wasm-bindgen-test
//! runs one test at a time, so each test that counts requests starts by clearing the
//! platform's faults and log.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::WritableStream;
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::{AdapterSettings, DownloadTicket, RetryPolicy};
use wechatpay_fetch::{Error, FetchClient, JsRandom};
use wechatpay_mock::conformance::{
    Control, ControlRoutes, FileServer, Suite, check_bills, check_certificates, check_downloads,
    check_uploads,
};
use wechatpay_mock::records::seeded;
use wechatpay_mock::{MockKeys, SeenRequest};

fn env(name: &str) -> String {
    let value = Reflect::get(&js_sys::global(), &"process".into())
        .and_then(|process| Reflect::get(&process, &"env".into()))
        .and_then(|env| Reflect::get(&env, &name.into()))
        .ok()
        .and_then(|value| value.as_string());
    value.unwrap_or_else(|| {
        panic!("{name} is not set: run these tests through `cargo test --target wasm32-unknown-unknown`, whose runner starts the mock")
    })
}

fn primary() -> String {
    env("WECHATPAY_MOCK_URL")
}

/// The time from `Date.now()`: `std::time::Instant` panics in wasm.
fn clock() -> Duration {
    Duration::from_secs_f64(js_sys::Date::now() / 1000.0)
}

/// A client of the mock's primary host, with the default settings.
fn client() -> FetchClient {
    FetchClient::new(MockKeys::fixtures().client(&primary()).unwrap()).unwrap()
}

/// Clears the platform's faults and request log.
async fn reset() {
    let client = client();
    ControlRoutes::new(&client, &primary())
        .reset()
        .await
        .unwrap();
}

async fn inject(fault: &str, times: u32) {
    let client = client();
    let control = ControlRoutes::new(&client, &primary());
    control.inject(fault, times).await.unwrap();
}

/// What the platform saw, oldest first.
async fn seen() -> Vec<SeenRequest> {
    let client = client();
    ControlRoutes::new(&client, &primary())
        .requests()
        .await
        .unwrap()
}

#[wasm_bindgen_test]
async fn the_conformance_table_holds() {
    let control_client = client();
    let control = ControlRoutes::new(&control_client, &primary());
    let backup = env("WECHATPAY_MOCK_BACKUP_URL");
    let closed = env("WECHATPAY_CLOSED_URL");
    let suite = Suite::new(&control, &primary(), &backup, &closed, clock);
    let report = suite.run(FetchClient::new).await;
    assert!(report.all_passed(), "{report}");
}

#[wasm_bindgen_test]
async fn uploads_and_untyped_endpoints_go_through_whole() {
    reset().await;
    // The files are built in Rust (`wechatpay-fixtures`), the largest a 5 MiB video.
    let report = check_uploads(&primary(), FetchClient::new).await;
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);
    let uploads: Vec<(String, Option<u16>)> = seen()
        .await
        .into_iter()
        .filter(|r| r.path_and_query.starts_with("/v3/merchant/media/"))
        .map(|r| (r.path_and_query, r.status))
        .collect();
    assert_eq!(
        uploads,
        [
            ("/v3/merchant/media/upload".to_owned(), Some(200)),
            ("/v3/merchant/media/video_upload".to_owned(), Some(200)),
        ]
    );
}

/// A one-request server in this Node process (the mock has no download route, and wasm
/// cannot listen): it answers the first request with `answer` and keeps that request's head.
/// Node's `net` comes through `process.getBuiltinModule` (Node 20.16+), which works whether
/// the generated test module is CommonJS or an ES module.
struct NodeFileServer {
    url: String,
    head: Promise,
}

impl FileServer for NodeFileServer {
    fn url(&self) -> &str {
        &self.url
    }

    async fn request_head(self) -> Result<String, String> {
        let head = JsFuture::from(self.head).await;
        head.map(|head| head.as_string().unwrap_or_default())
            .map_err(|e| format!("{e:?}"))
    }
}

async fn serve_in_node(answer: Vec<u8>) -> Result<NodeFileServer, String> {
    let start = Function::new_with_args(
        "answer",
        "const net = process.getBuiltinModule('node:net');
         let headDone, headFailed;
         const head = new Promise((resolve, reject) => { headDone = resolve; headFailed = reject; });
         const server = net.createServer((socket) => {
             let received = Buffer.alloc(0);
             socket.on('data', (chunk) => {
                 received = Buffer.concat([received, chunk]);
                 const end = received.indexOf('\\r\\n\\r\\n');
                 if (end < 0) return;
                 headDone(received.subarray(0, end + 4).toString('latin1'));
                 socket.end(Buffer.from(answer));
                 server.close();
             });
         });
         setTimeout(() => { headFailed('no request came'); server.close(); }, 10000).unref();
         return new Promise((resolve, reject) => {
             server.on('error', reject);
             server.listen(0, '127.0.0.1', () =>
                 resolve({ url: `http://127.0.0.1:${server.address().port}`, head }));
         });",
    );
    let started = start
        .call1(&JsValue::UNDEFINED, &Uint8Array::from(&answer[..]))
        .map_err(|e| format!("{e:?}"))?;
    let started = JsFuture::from(started.unchecked_into::<Promise>())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let field = |name: &str| Reflect::get(&started, &name.into()).map_err(|e| format!("{e:?}"));
    Ok(NodeFileServer {
        url: field("url")?.as_string().unwrap_or_default(),
        head: field("head")?.unchecked_into(),
    })
}

/// Downloads the file `ticket` announces into a `WritableStream` whose chunks are kept, and
/// returns them joined.
async fn to_memory(client: &FetchClient, ticket: &DownloadTicket) -> Result<(u64, Vec<u8>), Error> {
    let chunks = Array::new();
    let mut sink: WritableStream = Function::new_with_args(
        "chunks",
        "return new WritableStream({ write(chunk) { chunks.push(chunk); } });",
    )
    .call1(&JsValue::UNDEFINED, &chunks)
    .unwrap()
    .unchecked_into();
    let length = client.download(ticket, &mut sink).await?;
    let file = chunks
        .iter()
        .flat_map(|chunk| Uint8Array::new(&chunk).to_vec())
        .collect();
    Ok((length, file))
}

#[wasm_bindgen_test]
async fn a_download_streams_to_a_writable_stream_through_its_digest() {
    let report = check_downloads(serve_in_node, FetchClient::new, async |c, t| {
        to_memory(c, t).await
    })
    .await;
    assert!(report.all_passed(), "{report}");
}

#[wasm_bindgen_test]
async fn bills_of_several_mib_stream_from_the_mock_through_their_digest() {
    let control_client = client();
    let control = ControlRoutes::new(&control_client, &primary());
    let report = check_bills(&control, client(), async |c, t| to_memory(c, t).await).await;
    assert!(report.all_passed(), "{report}");
}

#[wasm_bindgen_test]
async fn certificates_download_rotate_and_say_public_key_mode() {
    use wechatpay_fetch::FetchTransport;

    let control_client = client();
    let control = ControlRoutes::new(&control_client, &primary());
    let report = check_certificates(&control, &primary(), FetchClient::new).await;
    assert!(report.all_passed(), "{report}");
    assert_eq!(report.passed.len(), 5);

    // Again over a transport that verifies with WebCrypto: the certificates a refresh adds
    // are imported on first use. `SubtleCrypto.verify` counts its calls meanwhile.
    let transport = FetchTransport::with_merchant_key(
        wechatpay_fixtures::keys::MERCHANT_KEY_PEM,
        &wechatpay_core::PlatformKeys::new(),
    )
    .await
    .unwrap();
    assert!(transport.uses_webcrypto(), "Node has RSASSA-PKCS1-v1_5");
    js("const subtle = Object.getPrototypeOf(crypto.subtle);
        globalThis.__verify = subtle.verify;
        globalThis.__verified = 0;
        subtle.verify = function (...args) {
            globalThis.__verified += 1;
            return globalThis.__verify.apply(this, args);
        };");
    let report = check_certificates(&control, &primary(), |core| {
        FetchClient::with_transport(core, transport.clone())
    })
    .await;
    let verified = Reflect::get(&js_sys::global(), &"__verified".into())
        .unwrap()
        .as_f64()
        .unwrap_or_default();
    js(
        "Object.getPrototypeOf(crypto.subtle).verify = globalThis.__verify;
        delete globalThis.__verify; delete globalThis.__verified;",
    );
    assert!(report.all_passed(), "{report}");
    // Every answer signed with a certificate went through WebCrypto: the first download and
    // the query after it, the query after the rotation and its download, and the listing.
    assert!(verified >= 5.0, "WebCrypto verified {verified} answers");
    assert!(transport.uses_webcrypto());
}

#[wasm_bindgen_test]
async fn applyment_account_fields_decrypt_with_the_runtime_rng() {
    let client = client();
    let query = QueryApplymentByOutRequestNo::new(seeded::ACCOUNT_NEED_VERIFY).unwrap();
    let applyment = client.execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::AccountNeedVerify);
    let validation = applyment.account_validation.as_ref().unwrap();
    let credentials = client.core().credentials();
    let mut rng = JsRandom::default();
    let name = credentials
        .decrypt(&validation.account_name, &mut rng)
        .unwrap();
    assert_eq!(name.expose(), "张三");
    let number = credentials
        .decrypt(validation.account_no.as_ref().unwrap(), &mut rng)
        .unwrap();
    assert_eq!(number.expose(), "6214830000001234");
}

#[wasm_bindgen_test]
async fn a_slow_answer_is_aborted_through_the_abort_controller() {
    reset().await;
    inject("slow:3000", 1).await;
    let client = client().with_settings(
        AdapterSettings::default()
            .with_timeout(Duration::from_millis(300))
            .with_retry_policy(RetryPolicy::none()),
    );
    let query = QueryApplymentByOutRequestNo::new(seeded::NEED_SIGN).unwrap();
    let started = js_sys::Date::now();
    let error = client.execute(&query).await.unwrap_err();
    let waited = js_sys::Date::now() - started;
    assert!(
        matches!(&error, Error::Timeout { attempts: 1, timeout, host }
            if *timeout == Duration::from_millis(300) && *host == primary()),
        "{error}"
    );
    // Aborted, not waited out: the mock holds its answer for 3 s.
    assert!(waited < 2500.0, "returned after {waited} ms");
}

/// Runs `code` in the global scope: the tests' way to make Node behave like another runtime.
fn js(code: &str) {
    Function::new_no_args(code)
        .call0(&JsValue::UNDEFINED)
        .unwrap();
}

/// Queries a seeded applyment while `Headers.prototype.append` is `function (name, value) {
/// BODY }`, with the runtime's own as `original`.
async fn query_with_headers_append(body: &str) -> Result<ApplymentState, Error> {
    js(&format!(
        "globalThis.__append = Headers.prototype.append;
         Headers.prototype.append = function (name, value) {{
             const original = globalThis.__append;
             {body}
         }};"
    ));
    let query = QueryApplymentByOutRequestNo::new(seeded::NEED_SIGN).unwrap();
    let result = client().execute(&query).await;
    js("Headers.prototype.append = globalThis.__append; delete globalThis.__append;");
    result.map(|applyment| applyment.applyment_state)
}

#[wasm_bindgen_test]
async fn a_runtime_that_drops_the_user_agent_fails_before_sending() {
    reset().await;
    // As a browser does with a forbidden header: accepted, and nothing kept.
    let error = query_with_headers_append(
        "if (name.toLowerCase() !== 'user-agent') original.call(this, name, value);",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("drops the User-Agent")),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(seen().await.is_empty(), "nothing may be sent");
}

#[wasm_bindgen_test]
async fn a_runtime_that_refuses_the_user_agent_fails_before_sending() {
    reset().await;
    let error = query_with_headers_append(
        "if (name.toLowerCase() === 'user-agent') throw new TypeError('forbidden header name');
         original.call(this, name, value);",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason }
            if reason.contains("user-agent header") && reason.contains("forbidden header name")),
        "{error}"
    );
    assert!(seen().await.is_empty(), "nothing may be sent");
}

#[wasm_bindgen_test]
async fn a_runtime_that_replaces_the_user_agent_on_the_wire_is_still_accepted() {
    reset().await;
    // A runtime that keeps the header in the Request but sends its own (Node's fetch sends
    // `node` when a request has none): the platform needs a User-Agent, not ours.
    js("globalThis.__fetch = globalThis.fetch;
        globalThis.fetch = function (request) {
            const headers = new Headers(request.headers);
            headers.delete('user-agent');
            return globalThis.__fetch(new Request(request, { headers }));
        };");
    let query = QueryApplymentByOutRequestNo::new(seeded::NEED_SIGN).unwrap();
    let result = client().execute(&query).await;
    js("globalThis.fetch = globalThis.__fetch; delete globalThis.__fetch;");
    assert_eq!(result.unwrap().applyment_state, ApplymentState::NeedSign);
    let seen = seen().await;
    let user_agent = seen[0].user_agent.as_deref().unwrap();
    assert!(!user_agent.contains("wechatpay"), "{user_agent}");
}

/// `FetchClient::new` in a runtime that `disguise` made look like another, undone by `undo`.
fn refusal_in(disguise: &str, undo: &str) -> Error {
    js(disguise);
    let result = FetchClient::new(MockKeys::fixtures().client(&primary()).unwrap());
    js(undo);
    result.unwrap_err()
}

#[wasm_bindgen_test]
async fn a_browser_page_is_refused() {
    let error = refusal_in("globalThis.document = {};", "delete globalThis.document;");
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("browser")),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn a_runtime_without_fetch_is_refused() {
    let error = refusal_in(
        "globalThis.__fetch = globalThis.fetch; delete globalThis.fetch;",
        "globalThis.fetch = globalThis.__fetch; delete globalThis.__fetch;",
    );
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("`fetch`")),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn a_runtime_that_rewrites_the_url_fails_before_sending() {
    reset().await;
    // A runtime whose `Request` decodes `%2F` would send another path than the one signed,
    // and the platform would answer SIGN_ERROR.
    js("globalThis.__Request = Request;
        globalThis.Request = class extends globalThis.__Request {
            constructor(input, init) { super(String(input).replaceAll('%2F', '/'), init); }
        };");
    let query = QueryApplymentByOutRequestNo::new(seeded::CHECKING).unwrap();
    let result = client().execute(&query).await;
    js("globalThis.Request = globalThis.__Request; delete globalThis.__Request;");
    let error = result.unwrap_err();
    assert!(
        matches!(&error, Error::Unsupported { reason } if reason.contains("rewrote the URL")),
        "{error}"
    );
    assert!(seen().await.is_empty(), "nothing may be sent");
}

/// The fixture platform keys, by value (a client takes them).
fn fixture_platform_keys() -> wechatpay_core::PlatformKeys {
    use wechatpay_fixtures::keys;
    let mut platform_keys = wechatpay_core::PlatformKeys::new();
    platform_keys
        .add_public_key(keys::PLATFORM_PUBLIC_KEY_ID, keys::PLATFORM_PUBLIC_KEY_PEM)
        .unwrap();
    platform_keys
        .add_certificate(keys::PLATFORM_CERT_PEM)
        .unwrap();
    platform_keys
}

/// A transport holding the fixture merchant key in WebCrypto, checked to be there.
async fn webcrypto(
    platform_keys: &wechatpay_core::PlatformKeys,
) -> wechatpay_fetch::FetchTransport {
    let transport = wechatpay_fetch::FetchTransport::with_merchant_key(
        wechatpay_fixtures::keys::MERCHANT_KEY_PEM,
        platform_keys,
    )
    .await
    .unwrap();
    assert!(
        transport.uses_webcrypto(),
        "Node has RSASSA-PKCS1-v1_5 and RSA-OAEP"
    );
    transport
}

/// Checks that `transport` signs a request's message to the bytes the pure-Rust key gives.
async fn signs_as_the_pure_rust_key(transport: &wechatpay_fetch::FetchTransport) {
    use wechatpay_core::{MerchantKey, SigningKey, Transport};
    let message = b"GET\n/v3/certificates\n1700000000\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";
    let signature = Transport::sign(transport, message).await.unwrap().unwrap();
    let expected = MerchantKey::from_pem(wechatpay_fixtures::keys::MERCHANT_KEY_PEM)
        .unwrap()
        .sign(message, &mut JsRandom::default())
        .unwrap();
    assert_eq!(signature, expected);
}

/// A client that holds no merchant key, of the mock's primary host: `transport` signs.
fn keyless(
    platform_keys: wechatpay_core::PlatformKeys,
    transport: wechatpay_fetch::FetchTransport,
) -> FetchClient {
    use wechatpay_fixtures::keys;
    let credentials = wechatpay_core::MerchantCredentials::signed_elsewhere(
        keys::MCHID.parse().unwrap(),
        keys::MERCHANT_SERIAL.parse().unwrap(),
    );
    let core = wechatpay_core::Client::new(credentials, platform_keys)
        .unwrap()
        .with_base_url(&primary())
        .unwrap()
        .with_backup_url(None)
        .unwrap();
    FetchClient::with_transport(core, transport).unwrap()
}

#[wasm_bindgen_test]
async fn webcrypto_signs_as_the_pure_rust_key_does_and_runs_whole_calls() {
    reset().await;
    let platform_keys = fixture_platform_keys();
    let transport = webcrypto(&platform_keys).await;

    // PKCS#1 v1.5 is deterministic: WebCrypto's signature is the pure-Rust one, byte for byte.
    signs_as_the_pure_rust_key(&transport).await;

    // A client with no key of its own: the transport signs, and verifies the answers.
    let wechatpay = keyless(platform_keys, transport);
    let query = QueryApplymentByOutRequestNo::new(seeded::FINISH).unwrap();
    let applyment = wechatpay.execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Finish);

    // A tampered answer fails WebCrypto's verification, as the core's would.
    inject("tampered-body", 1).await;
    let error = wechatpay.execute(&query).await.unwrap_err();
    assert!(
        matches!(
            error.core().and_then(wechatpay_core::Error::verification),
            Some(wechatpay_core::VerificationError::BadSignature { .. })
        ),
        "{error}"
    );
}

#[wasm_bindgen_test]
async fn a_merchant_key_refused_by_the_core_is_refused_before_webcrypto() {
    use wechatpay_fetch::FetchTransport;
    let error = FetchTransport::with_merchant_key(
        wechatpay_fixtures::keys::RSA1024_KEY_PEM,
        &fixture_platform_keys(),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("2048"), "{error}");
}

/// The core's committed vectors, read through Node's `fs` (the test runs under Node).
mod vectors {
    use js_sys::{Array, Function, Uint8Array};
    use wasm_bindgen::JsValue;

    const ROOT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wechatpay-core/testdata/vectors"
    );

    fn call(body: &str, argument: &str) -> Result<JsValue, JsValue> {
        Function::new_with_args("path", body).call1(&JsValue::NULL, &JsValue::from_str(argument))
    }

    /// The folder of one kind of vector (or of a single-case kind).
    pub fn folder(kind: &str) -> String {
        format!("{ROOT}/{kind}")
    }

    /// The case folders of one kind, sorted.
    pub fn cases(kind: &str) -> Vec<String> {
        let listed = call(
            "return process.getBuiltinModule('fs').readdirSync(path).sort();",
            &format!("{ROOT}/{kind}"),
        )
        .expect("the vector folder");
        let names: Vec<String> = Array::from(&listed)
            .iter()
            .filter_map(|name| name.as_string())
            .map(|name| format!("{ROOT}/{kind}/{name}"))
            .collect();
        assert!(!names.is_empty(), "no {kind} vectors");
        names
    }

    /// A file of a case; empty when it does not exist (a `GET` has no body).
    pub fn read(case: &str, file: &str) -> Vec<u8> {
        call(
            "const fs = process.getBuiltinModule('fs'); \
             return fs.existsSync(path) ? fs.readFileSync(path) : new Uint8Array();",
            &format!("{case}/{file}"),
        )
        .map(|bytes| Uint8Array::new(&bytes).to_vec())
        .expect("a readable vector file")
    }

    /// Base64 decoded by the runtime, so that the test does not lean on the core's decoder.
    pub fn base64(text: &str) -> Vec<u8> {
        call("return Buffer.from(path, 'base64');", text)
            .map(|bytes| Uint8Array::new(&bytes).to_vec())
            .expect("base64")
    }
}

#[wasm_bindgen_test]
async fn every_vector_signs_and_verifies_through_webcrypto() {
    use wechatpay_core::{Backend, SignatureHeaders, SigningInput, Transport};

    let platform_keys = fixture_platform_keys();
    let transport = webcrypto(&platform_keys).await;
    assert_eq!(
        Backend::default(),
        Backend::RustCrypto,
        "wasm has the pure-Rust backend only"
    );

    let mut signed = 0;
    for case in vectors::cases("sign") {
        let input: serde_json::Value =
            serde_json::from_slice(&vectors::read(&case, "input.json")).unwrap();
        let method =
            http::Method::from_bytes(input["method"].as_str().unwrap().as_bytes()).unwrap();
        let nonce = wechatpay_core::Nonce::new(input["nonce"].as_str().unwrap()).unwrap();
        let body = vectors::read(&case, "body");
        let message = SigningInput {
            method: &method,
            path_and_query: input["path_and_query"].as_str().unwrap(),
            timestamp: input["timestamp"].as_u64().unwrap(),
            nonce: &nonce,
            body: &body,
        }
        .message();
        assert_eq!(message, vectors::read(&case, "message"), "{case}");
        let signature = Transport::sign(&transport, &message)
            .await
            .unwrap()
            .unwrap();
        let expected = String::from_utf8(vectors::read(&case, "signature")).unwrap();
        assert_eq!(signature, vectors::base64(expected.trim()), "{case}");
        signed += 1;
    }

    let mut verified = 0;
    for case in vectors::cases("verify") {
        let input: serde_json::Value =
            serde_json::from_slice(&vectors::read(&case, "input.json")).unwrap();
        let text = |name: &str| input[name].as_str().unwrap().to_owned();
        let (timestamp, nonce, signature, serial) = (
            text("timestamp"),
            text("nonce"),
            text("signature"),
            text("serial"),
        );
        let signed_headers =
            SignatureHeaders::new(&timestamp, &nonce, &signature, &serial).unwrap();
        let body = vectors::read(&case, "body");
        let mut tampered = body.clone();
        tampered.push(b' ');
        for (body, expected) in [(&body, true), (&tampered, false)] {
            let check = platform_keys
                .signature_check(&signed_headers, body, 1_700_000_000)
                .unwrap();
            let verdict = Transport::verify(&transport, &check).await;
            assert_eq!(verdict, Some(expected), "{case}");
            // The core's own verdict agrees.
            assert_eq!(check.verify(), expected, "{case}");
        }
        verified += 1;
    }
    assert!(
        signed >= 7 && verified >= 7,
        "{signed} signed, {verified} verified"
    );
}

#[wasm_bindgen_test]
async fn sensitive_fields_decrypt_through_webcrypto() {
    use wechatpay_core::{CryptoError, EncryptedField};
    use wechatpay_fetch::FetchTransport;

    let transport = webcrypto(&fixture_platform_keys()).await;
    // Every OAEP vector (made with the openssl command line).
    for case in vectors::cases("oaep") {
        let ciphertext = String::from_utf8(vectors::read(&case, "ciphertext")).unwrap();
        let plaintext = transport
            .decrypt(&EncryptedField::new(ciphertext.trim()))
            .await
            .unwrap();
        assert_eq!(
            plaintext.expose().as_bytes(),
            vectors::read(&case, "plaintext"),
            "{case}"
        );
        assert_eq!(format!("{plaintext:?}"), "<redacted>");
    }
    // The seeded applyment's account fields, as the mock encrypts them.
    reset().await;
    let query = QueryApplymentByOutRequestNo::new(seeded::ACCOUNT_NEED_VERIFY).unwrap();
    let applyment = client().execute(&query).await.unwrap();
    let validation = applyment.account_validation.unwrap();
    let name = transport.decrypt(&validation.account_name).await.unwrap();
    assert_eq!(name.expose(), "张三");

    // What fails, fails as the core says it.
    let kind = |error: Error| match error.core() {
        Some(wechatpay_core::Error::Crypto(kind)) => kind.clone(),
        other => panic!("{other:?}"),
    };
    let not_base64 = transport
        .decrypt(&EncryptedField::new("!!"))
        .await
        .unwrap_err();
    assert_eq!(kind(not_base64), CryptoError::InvalidBase64);
    let altered = transport
        .decrypt(&EncryptedField::new("AAAA"))
        .await
        .unwrap_err();
    assert_eq!(kind(altered), CryptoError::DecryptionFailed);
    let not_utf8 = String::from_utf8(vectors::read(
        &vectors::folder("oaep_not_utf8"),
        "ciphertext",
    ))
    .unwrap();
    let error = transport
        .decrypt(&EncryptedField::new(not_utf8.trim()))
        .await
        .unwrap_err();
    assert_eq!(kind(error), CryptoError::NotUtf8);
    // A transport without the key says so.
    let error = FetchTransport::default()
        .decrypt(&EncryptedField::new("AAAA"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("with_merchant_key"), "{error}");
}

/// The notification vectors' callbacks, signed now by the fixture platform key (their own
/// signatures are of a time outside the clock window), with their APIv3 key and plaintext.
fn callbacks() -> Vec<(http::HeaderMap, Vec<u8>, String, String)> {
    use wechatpay_core::{Backend, PlatformSigner};
    use wechatpay_fixtures::keys;
    let signer = PlatformSigner::new(
        keys::PLATFORM_PUBLIC_KEY_ID,
        keys::PLATFORM_KEY_PEM,
        Backend::default(),
    )
    .unwrap();
    vectors::cases("notification")
        .into_iter()
        .map(|case| {
            let mut signed = http::Response::new(vectors::read(&case, "body"));
            signer
                .sign_response(
                    &mut signed,
                    clock().as_secs(),
                    "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                    &mut JsRandom::default(),
                )
                .unwrap();
            let text = |file| String::from_utf8(vectors::read(&case, file)).unwrap();
            let (headers, body) = signed.into_parts();
            (headers.headers, body, text("api_v3_key"), text("plaintext"))
        })
        .collect()
}

/// A callback verified and its resource opened by the client's transport.
async fn open_callback(
    wechatpay: &FetchClient,
    headers: &http::HeaderMap,
    body: &[u8],
) -> (
    wechatpay_core::Notification,
    wechatpay_core::SensitiveString,
) {
    let notification = wechatpay.parse_notification(headers, body).await.unwrap();
    let opened = wechatpay
        .transport()
        .decrypt_notification(&notification.resource)
        .await
        .unwrap();
    (notification, opened)
}

#[wasm_bindgen_test]
async fn callbacks_verify_and_decrypt_through_webcrypto() {
    use wechatpay_core::{CryptoError, VerificationError};
    use wechatpay_fetch::FetchTransport;

    let cases = callbacks();
    assert_eq!(cases.len(), 7);
    for (headers, body, api_v3_key, plaintext) in cases {
        let platform_keys = fixture_platform_keys();
        let transport = webcrypto(&platform_keys)
            .await
            .with_api_v3_key(&api_v3_key)
            .await
            .unwrap();
        assert!(transport.uses_webcrypto(), "Node has AES-GCM");
        let wechatpay = keyless(platform_keys, transport);

        // Verified by WebCrypto at the runtime's time, opened by WebCrypto.
        let (notification, opened) = open_callback(&wechatpay, &headers, &body).await;
        assert_eq!(opened.expose(), plaintext);
        // Typed by event as the core's own decryption is.
        let key = wechatpay_core::ApiV3Key::new(&api_v3_key).unwrap();
        assert_eq!(
            notification.open_with(opened.clone()).unwrap(),
            notification.open(&key).unwrap()
        );
        // The core's AES-GCM opens it the same.
        assert_eq!(notification.resource.decrypt(&key).unwrap(), opened);

        // Altered on the way: refused before anything is opened.
        let mut altered = body.clone();
        altered[12] ^= 1;
        let error = wechatpay
            .parse_notification(&headers, &altered)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error.core().and_then(wechatpay_core::Error::verification),
                Some(VerificationError::BadSignature { .. })
            ),
            "{error}"
        );

        // What fails to open fails as the core says it.
        let kind = |error: Error| match error.core() {
            Some(wechatpay_core::Error::Crypto(kind)) => kind.clone(),
            other => panic!("{other:?}"),
        };
        let transport = wechatpay.transport();
        let mut other_aad = notification.resource.clone();
        other_aad.associated_data.push('x');
        let mut not_base64 = notification.resource.clone();
        not_base64.ciphertext = "!!".into();
        let mut short = notification.resource.clone();
        short.ciphertext = "AAAA".into();
        let mut sm4 = notification.resource.clone();
        sm4.algorithm = "AEAD_SM4_GCM".into();
        let mut nonce = notification.resource.clone();
        nonce.nonce = "abc".into();
        for (resource, expected) in [
            (&other_aad, CryptoError::DecryptionFailed),
            (&not_base64, CryptoError::InvalidBase64),
            (&short, CryptoError::DecryptionFailed),
            (
                &sm4,
                CryptoError::UnsupportedAlgorithm {
                    algorithm: "AEAD_SM4_GCM".into(),
                },
            ),
            (&nonce, CryptoError::InvalidNonce { len: 3 }),
        ] {
            let error = transport.decrypt_notification(resource).await.unwrap_err();
            assert_eq!(kind(error), expected);
        }
        let other_key = FetchTransport::default()
            .with_api_v3_key("Wechatpay0Test0ApiV3Key000000002")
            .await
            .unwrap();
        let error = other_key
            .decrypt_notification(&notification.resource)
            .await
            .unwrap_err();
        assert_eq!(kind(error), CryptoError::DecryptionFailed);
    }

    // A key of the wrong length is refused with the core's words; a transport without the
    // key says which builder gives it.
    let error = FetchTransport::default()
        .with_api_v3_key("short")
        .await
        .unwrap_err();
    assert!(
        matches!(error.core(), Some(wechatpay_core::Error::InvalidInput { field, .. }) if field == "api_v3_key"),
        "{error}"
    );
    assert!(
        !error.to_string().contains("short"),
        "a key is never echoed"
    );
    let (_, body, _, _) = &callbacks()[0];
    let resource = serde_json::from_slice::<wechatpay_core::Notification>(body)
        .unwrap()
        .resource;
    let error = FetchTransport::default()
        .decrypt_notification(&resource)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("with_api_v3_key"), "{error}");
}

/// The console warnings printed so far while [`lacking_webcrypto`] is in force.
fn warnings() -> Vec<String> {
    let warned = Reflect::get(&js_sys::global(), &"__warnings".into()).unwrap();
    Array::from(&warned)
        .iter()
        .filter_map(|w| w.as_string())
        .collect()
}

#[wasm_bindgen_test]
async fn a_runtime_without_the_algorithms_falls_back_to_pure_rust_and_says_so_once() {
    use wechatpay_core::{CryptoError, EncryptedField};
    use wechatpay_fetch::FetchTransport;
    use wechatpay_fixtures::keys;

    // A runtime whose WebCrypto imports no key (as one lacking the algorithms refuses them),
    // and a console that records what is said.
    js("globalThis.__importKey = crypto.subtle.importKey;
        crypto.subtle.importKey = () => Promise.reject(new DOMException('Unrecognized algorithm', 'NotSupportedError'));
        globalThis.__warn = console.warn;
        globalThis.__warnings = [];
        console.warn = (message) => globalThis.__warnings.push(String(message));");
    let (headers, body, api_v3_key, plaintext) = callbacks().remove(0);
    let mut built = Vec::new();
    for _ in 0..2 {
        let platform_keys = fixture_platform_keys();
        let transport = async {
            FetchTransport::with_merchant_key(keys::MERCHANT_KEY_PEM, &platform_keys)
                .await?
                .with_api_v3_key(&api_v3_key)
                .await
        }
        .await;
        built.push((platform_keys, transport));
    }
    let said = warnings();
    js(
        "crypto.subtle.importKey = globalThis.__importKey; delete globalThis.__importKey;
        console.warn = globalThis.__warn; delete globalThis.__warn; delete globalThis.__warnings;",
    );

    // Said once for the RSA and once for the AES, however many transports were built.
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[0].contains("NotSupportedError") && said[0].contains("signing and verifying"),
        "{said:?}"
    );
    assert!(
        said[1].contains("decrypting callback resources"),
        "{said:?}"
    );
    assert!(
        !said.iter().any(|w| w.contains("PRIVATE KEY")),
        "no key is echoed"
    );

    // Everything still works, on the core's crypto, with the same results.
    let (platform_keys, transport) = built.remove(0);
    let transport = transport.unwrap();
    assert!(!transport.uses_webcrypto());
    signs_as_the_pure_rust_key(&transport).await;
    let error = transport
        .decrypt(&EncryptedField::new("AAAA"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.core(),
            Some(wechatpay_core::Error::Crypto(CryptoError::DecryptionFailed))
        ),
        "{error}"
    );
    let wechatpay = keyless(platform_keys, transport);
    let (_, opened) = open_callback(&wechatpay, &headers, &body).await;
    assert_eq!(opened.expose(), plaintext);
    reset().await;
    let query = QueryApplymentByOutRequestNo::new(seeded::FINISH).unwrap();
    let applyment = wechatpay.execute(&query).await.unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Finish);
}
