//! A custom `Operation` with any method, path and body, through `Client::prepare`: whatever is
//! prepared goes to the base URL's scheme, host and port, and its path and query are exactly
//! the ones signed. A path must not be able to move a signed request to another host.
//!
//! Input: `method \n path_and_query \n body`; without a third line the request has no body.
#![no_main]

use std::sync::OnceLock;

use http::{Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_core::{
    Backend, Client, Error, Host, Nonce, Operation, PlatformKeys, RequestContext, RequestParts,
    SigningInput, VerifiedBody,
};
use wechatpay_fuzz::{NOW, new_client};

/// An endpoint the core does not know, whose request is whatever the fuzzer wrote.
struct Arbitrary {
    method: Method,
    path_and_query: String,
    body: Option<String>,
}

impl Operation for Arbitrary {
    type Output = ();

    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        match &self.body {
            None => Ok(RequestParts::new(
                self.method.clone(),
                self.path_and_query.clone(),
            )),
            Some(body) => {
                RequestParts::json(self.method.clone(), self.path_and_query.clone(), body)
            }
        }
    }

    fn decode(&self, _body: VerifiedBody<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// The production hosts (no port), and a loopback host with a port and no backup. aws-lc-rs
/// signs several times faster, and this target signs four times per input.
fn clients() -> &'static [Client; 2] {
    static CLIENTS: OnceLock<[Client; 2]> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let loopback = new_client(Backend::AwsLc)
            .with_base_url("http://127.0.0.1:8443")
            .and_then(|c| c.with_backup_url(None))
            .expect("loopback base URL");
        [new_client(Backend::AwsLc), loopback]
    })
}

fn check_destination(request: &Request<Vec<u8>>, base_url: &str, parts: &RequestParts) {
    let base: Uri = base_url.parse().expect("base URL");
    let uri = request.uri();
    let shown = format!(
        "{uri} for base {base_url} and path {:?}",
        parts.path_and_query()
    );
    assert_eq!(uri.scheme(), base.scheme(), "scheme moved: {shown}");
    assert_eq!(
        uri.authority(),
        base.authority(),
        "authority moved: {shown}"
    );
    assert_eq!(uri.host(), base.host(), "host moved: {shown}");
    assert_eq!(uri.port_u16(), base.port_u16(), "port moved: {shown}");
    assert_eq!(
        uri.path_and_query().map(|p| p.as_str()),
        Some(parts.path_and_query()),
        "path and query changed: {shown}"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut lines = data.splitn(3, |&b| b == b'\n');
    let Ok(method) = Method::from_bytes(lines.next().unwrap_or_default()) else {
        return;
    };
    let path_and_query = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let body = lines
        .next()
        .map(|body| String::from_utf8_lossy(body).into_owned());
    let operation = Arbitrary {
        method,
        path_and_query,
        body,
    };

    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let nonce = Nonce::generate(&mut rng);
    let mut authorizations = Vec::new();
    for (client, host) in [
        (&clients()[0], Host::Primary),
        (&clients()[0], Host::Backup),
        (&clients()[1], Host::Primary),
    ] {
        let Ok(request) = client.prepare(&operation, host, NOW, &nonce, &mut rng) else {
            continue;
        };
        let keys = PlatformKeys::new();
        let parts = operation
            .request(&mut RequestContext::new(&keys, &mut rng))
            .expect("prepared, so the parts build");
        check_destination(&request, client.base_url(host), &parts);
        let authorization = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .expect("signed");
        authorizations.push((authorization.clone(), parts));
    }
    // PKCS#1 v1.5 signatures are deterministic: signing the operation's own path again must give
    // the very header that was sent, so the signed path is the operation's path.
    if let Some((_, parts)) = authorizations.first() {
        let expected = clients()[0]
            .credentials()
            .sign(
                &SigningInput {
                    method: parts.method(),
                    path_and_query: parts.path_and_query(),
                    timestamp: NOW,
                    nonce: &nonce,
                    body: parts.signed_body(),
                },
                &mut rng,
            )
            .expect("what prepare signed signs again");
        for (authorization, _) in &authorizations {
            assert_eq!(
                authorization.as_bytes(),
                expected.authorization().as_bytes(),
                "signed message differs"
            );
        }
    }
});
