//! The seam's two-step forms and request kinds: a merchant key that signs asynchronously,
//! verification with crypto other than the core's, the request context's encryption key, the
//! multipart body whose `meta` alone is signed, and downloads trusted only through a digest.
//! Each two-step form is checked against the in-process path on every committed vector.

mod common;

use std::io::Write;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::vectors::*;
use common::*;
use http::{Method, Response, StatusCode};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::Sha256;
use wechatpay_core::rand_core::CryptoRng;
use wechatpay_core::{
    Authentication, Backend, CertificateSerial, CryptoError, DigestWriter, DownloadTicket, Error,
    Host, MchId, MerchantCredentials, MerchantKey, Multipart, Nonce, Operation, RequestContext,
    RequestParts, SigningKey, VerificationError, VerifiedBody,
};

/// A request given as raw parts, the way a vector states it.
struct Raw {
    method: Method,
    path_and_query: String,
    body: Vec<u8>,
}

impl Operation for Raw {
    type Output = Vec<u8>;
    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        if self.body.is_empty() {
            Ok(RequestParts::new(self.method.clone(), &self.path_and_query))
        } else {
            RequestParts::json_bytes(self.method.clone(), &self.path_and_query, self.body.clone())
        }
    }
    fn decode(&self, body: VerifiedBody<'_>) -> Result<Vec<u8>, Error> {
        Ok(body.bytes().to_vec())
    }
}

/// A key held by a "remote service": a thread that signs after a while and answers through a
/// channel, so the signature arrives as a future resolved later.
fn sign_remotely(
    key: MerchantKey,
    message: Vec<u8>,
) -> futures::channel::oneshot::Receiver<Vec<u8>> {
    let (answer, later) = futures::channel::oneshot::channel();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        let signature = key.sign(&message, &mut rng()).expect("remote signature");
        let _ = answer.send(signature);
    });
    later
}

/// A `GET` of `/`: for checks of the answer side, where the request does not matter.
fn any_get() -> Raw {
    Raw {
        method: Method::GET,
        path_and_query: "/".into(),
        body: Vec::new(),
    }
}

/// A `GET` of `/v3/certificates`.
fn certificates() -> Raw {
    Raw {
        method: Method::GET,
        path_and_query: "/v3/certificates".into(),
        body: Vec::new(),
    }
}

#[test]
fn an_asynchronous_signer_agrees_with_the_in_process_key_on_every_vector() {
    let mut checked = 0;
    for backend in Backend::all() {
        let in_process = client(*backend);
        let key = MerchantKey::from_pem_with_backend(MERCHANT_KEY, *backend).unwrap();
        // The client of a merchant whose key is elsewhere: it holds no key at all.
        let remote = wechatpay_core::Client::new(
            MerchantCredentials::signed_elsewhere(
                MchId::new(MCHID).unwrap(),
                CertificateSerial::new(MERCHANT_SERIAL).unwrap(),
            ),
            platform_keys(*backend),
        )
        .unwrap();
        for case in cases("sign") {
            let input: SignInput = serde_json::from_slice(&read(&case, "input.json")).unwrap();
            let operation = Raw {
                method: Method::from_bytes(input.method.as_bytes()).unwrap(),
                path_and_query: input.path_and_query.clone(),
                body: read_optional(&case, "body"),
            };
            let nonce = Nonce::new(&input.nonce).unwrap();
            let unsigned = remote
                .prepare_unsigned(
                    &operation,
                    Host::Primary,
                    input.timestamp,
                    &nonce,
                    &mut rng(),
                )
                .unwrap();
            assert_eq!(unsigned.message(), read(&case, "message"), "{case:?}");
            assert!(unsigned.request().headers().get("Authorization").is_none());

            let later = sign_remotely(key.clone(), unsigned.message().to_vec());
            let signature = futures::executor::block_on(later).unwrap();
            let request = unsigned.finish(&signature).unwrap();

            let authorization = request.headers()["Authorization"].to_str().unwrap();
            let expected = String::from_utf8(read(&case, "authorization")).unwrap();
            assert_eq!(authorization, expected, "{case:?} on {backend:?}");
            assert!(request.headers()["Authorization"].is_sensitive());

            // Byte for byte the request the in-process key makes.
            let direct = in_process
                .prepare(
                    &operation,
                    Host::Primary,
                    input.timestamp,
                    &nonce,
                    &mut rng(),
                )
                .unwrap();
            assert_eq!(direct.headers(), request.headers(), "{case:?}");
            assert_eq!(direct.body(), request.body());
            assert_eq!(direct.uri(), request.uri());

            // Without a key here, the one-step form says what to do instead.
            let error = remote
                .prepare(
                    &operation,
                    Host::Primary,
                    input.timestamp,
                    &nonce,
                    &mut rng(),
                )
                .unwrap_err();
            assert!(error.to_string().contains("prepare_unsigned"), "{error}");
            checked += 1;
        }
    }
    assert_eq!(checked, cases("sign").len() * Backend::all().len());
}

#[test]
fn a_synchronous_external_key_signs_as_the_in_process_one() {
    #[derive(Debug)]
    struct Hsm(MerchantKey);
    impl SigningKey for Hsm {
        fn sign(&self, message: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>, CryptoError> {
            self.0.sign(message, rng)
        }
    }
    let key = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
    let credentials = MerchantCredentials::with_signing_key(
        MchId::new(MCHID).unwrap(),
        CertificateSerial::new(MERCHANT_SERIAL).unwrap(),
        Arc::new(Hsm(key)),
    );
    assert!(credentials.key().is_none());
    assert!(format!("{credentials:?}").contains("external"));
    let external =
        wechatpay_core::Client::new(credentials, platform_keys(Backend::default())).unwrap();
    let operation = certificates();
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    let a = external
        .prepare(&operation, Host::Primary, NOW, &nonce, &mut rng())
        .unwrap();
    let b = client(Backend::default())
        .prepare(&operation, Host::Primary, NOW, &nonce, &mut rng())
        .unwrap();
    assert_eq!(a.headers(), b.headers());
    // An external key decrypts nothing here, and says so.
    let error = external
        .credentials()
        .decrypt(&wechatpay_core::EncryptedField::new("AAAA"), &mut rng())
        .unwrap_err();
    assert!(
        error.to_string().contains("outside this process"),
        "{error}"
    );
}

#[test]
fn finish_refuses_a_signature_given_as_text() {
    let client = client(Backend::default());
    let operation = certificates();
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    for wrong in [vec![b'A'; 344], vec![0; 255], vec![0; 513], Vec::new()] {
        let unsigned = client
            .prepare_unsigned(&operation, Host::Primary, NOW, &nonce, &mut rng())
            .unwrap();
        let error = unsigned.finish(&wrong).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "signature"),
            "{error}"
        );
    }
}

/// Verification by other crypto than the core's: the `rsa` crate, fed only what the two-step
/// form hands out (the public key's DER, the message, the signature).
fn verify_elsewhere(spki_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let key = VerifyingKey::<Sha256>::from_public_key_der(spki_der).expect("SPKI DER");
    let Ok(signature) = Signature::try_from(signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

#[test]
fn two_step_verification_agrees_with_the_core_on_every_vector() {
    let mut checked = 0;
    for backend in Backend::all() {
        let client = client(*backend);
        for case in cases("verify") {
            let input: VerifyInput = serde_json::from_slice(&read(&case, "input.json")).unwrap();
            let body = read(&case, "body");
            for tamper in [false, true] {
                let mut body = body.clone();
                if tamper {
                    body.push(b' ');
                }
                let mut response = Response::new(body.clone());
                *response.headers_mut() = input.headers();
                response
                    .headers_mut()
                    .insert("Request-ID", "08F4C1A2".parse().unwrap());

                let received = client.receive(&response, NOW);
                let check = received.signature_check().expect("a check to make");
                assert_eq!(check.key().serial(), input.serial);
                let mut message = read(&case, "message");
                if tamper {
                    message.pop();
                    message.extend_from_slice(b" \n");
                }
                assert_eq!(check.message(), message, "{case:?}");
                let verdict =
                    verify_elsewhere(check.key().spki_der(), &check.message(), check.signature());
                assert_eq!(verdict, !tamper, "{case:?} on {backend:?}");
                let two_step = client.decode(&any_get(), received.conclude(verdict));
                let one_step = client.parse(&any_get(), &response, NOW);
                match (&two_step, &one_step) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    _ => panic!("{case:?}: {two_step:?} vs {one_step:?}"),
                }
                if tamper {
                    assert!(matches!(
                        two_step,
                        Err(Error::Verification {
                            kind: VerificationError::BadSignature { .. },
                            ..
                        })
                    ));
                } else {
                    assert_eq!(two_step.unwrap(), body);
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * cases("verify").len() * Backend::all().len());
}

#[test]
fn a_true_verdict_cannot_pass_what_was_refused_before_the_crypto() {
    let client = client(Backend::default());
    let mut probe = Response::new(b"{}".to_vec());
    for (name, value) in [
        ("Wechatpay-Timestamp", "1700000000"),
        ("Wechatpay-Nonce", "n"),
        ("Wechatpay-Serial", PUBLIC_KEY_ID),
        ("Wechatpay-Signature", "WECHATPAY/SIGNTEST/AAAA"),
    ] {
        probe.headers_mut().insert(name, value.parse().unwrap());
    }
    let received = client.receive(&probe, NOW);
    assert!(received.signature_check().is_none());
    let error = client
        .decode(&any_get(), received.conclude(true))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Verification {
            kind: VerificationError::SignatureProbe,
            ..
        }
    ));

    // An unsigned success is refused whatever the verdict.
    let unsigned = Response::new(b"{}".to_vec());
    let error = client
        .decode(&any_get(), client.receive(&unsigned, NOW).conclude(true))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Verification {
            kind: VerificationError::MissingHeader { .. },
            ..
        }
    ));

    // An unsigned error answer is an API error marked unsigned.
    let mut gateway = Response::new(b"<html>502</html>".to_vec());
    *gateway.status_mut() = StatusCode::BAD_GATEWAY;
    let checked = client.receive(&gateway, NOW).conclude(true);
    assert_eq!(checked.authentication(), Authentication::Unsigned);
}

/// Encrypts two fields, to the keys given (`None`: the context's choice).
struct Submit(Option<&'static str>, Option<&'static str>);

impl Operation for Submit {
    type Output = ();
    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        let mut encrypt = |serial: Option<&str>, text: &str| match serial {
            Some(serial) => context.encrypt_to(serial, text),
            None => context.encrypt(text),
        };
        let name = encrypt(self.0, "张三")?;
        let id = encrypt(self.1, "110101199003070000")?;
        RequestParts::json(
            Method::POST,
            "/v3/x",
            &serde_json::json!({"name": name, "id": id}),
        )
    }
    fn decode(&self, _: VerifiedBody<'_>) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn the_request_names_the_key_its_fields_were_encrypted_to() {
    let client = client(Backend::default());
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    let prepare =
        |operation: &Submit| client.prepare(operation, Host::Primary, NOW, &nonce, &mut rng());

    // The preferred key, or the certificate when a field chose it: every field follows.
    assert_eq!(
        prepare(&Submit(None, None)).unwrap().headers()["Wechatpay-Serial"],
        PUBLIC_KEY_ID
    );
    assert_eq!(
        prepare(&Submit(Some(CERT_SERIAL), None)).unwrap().headers()["Wechatpay-Serial"],
        CERT_SERIAL
    );
    assert_eq!(
        prepare(&Submit(Some(CERT_SERIAL), Some(CERT_SERIAL)))
            .unwrap()
            .headers()["Wechatpay-Serial"],
        CERT_SERIAL
    );
    // Two keys in one request, or a key that is not configured: refused before signing.
    for operation in [
        Submit(Some(CERT_SERIAL), Some(PUBLIC_KEY_ID)),
        Submit(None, Some(CERT_SERIAL)),
        Submit(Some("ABCDEF"), None),
    ] {
        let error = prepare(&operation).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "Wechatpay-Serial"),
            "{error}"
        );
    }
    // The fields decrypt with the platform key the header names.
    let request = prepare(&Submit(Some(CERT_SERIAL), None)).unwrap();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    for field in ["name", "id"] {
        assert_eq!(body[field].as_str().map(str::len), Some(344));
    }
}

struct Upload(Multipart);

impl Operation for Upload {
    type Output = ();
    fn request(&self, _: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        Ok(RequestParts::multipart(
            "/v3/merchant/media/upload",
            self.0.clone(),
        ))
    }
    fn decode(&self, _: VerifiedBody<'_>) -> Result<(), Error> {
        Ok(())
    }
}

#[test]
fn an_upload_signs_its_meta_and_sends_those_very_bytes() {
    let image =
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00 the rest of a JPEG \r\n--not-a-boundary".to_vec();
    let meta = serde_json::json!({
        "filename": "门店.jpg",
        "sha256": "8a1f6e0c9a2ab1f7d7bb1d1b6d5c2a9a0e8f3c4b5a6978675645342312019080",
    });
    let upload = Multipart::new(&meta, "门店.jpg", "image/jpeg", image.clone()).unwrap();
    let client = client(Backend::default());
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    let unsigned = client
        .prepare_unsigned(
            &Upload(upload.clone()),
            Host::Primary,
            NOW,
            &nonce,
            &mut rng(),
        )
        .unwrap();
    let meta_text = upload.meta().to_vec();
    let expected_message = [
        b"POST\n/v3/merchant/media/upload\n1700000000\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
            .as_slice(),
        &meta_text,
        b"\n",
    ]
    .concat();
    assert_eq!(unsigned.message(), expected_message);

    let request = unsigned.sign(&mut rng()).unwrap();
    let content_type = request.headers()["Content-Type"].to_str().unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    assert!(!boundary.contains('"'), "an unquoted boundary");
    assert_eq!(boundary, upload.boundary());

    // Exactly two parts: the meta (the signed bytes, unchanged) and the file.
    let body = request.body();
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    assert_eq!(
        text.matches(&delimiter).count(),
        3,
        "two parts and the close"
    );
    assert!(body.ends_with(format!("\r\n--{boundary}--\r\n").as_bytes()));
    let meta_part = [
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n").as_bytes(),
        &meta_text,
        b"\r\n",
    ]
    .concat();
    assert!(body.starts_with(&meta_part));
    let file_part = [
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"门店.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        &image,
        format!("\r\n--{boundary}--\r\n").as_bytes(),
    ]
    .concat();
    assert_eq!(&body[meta_part.len()..], file_part.as_slice());

    // The signature covers the meta: recompute it over the message stated above.
    let signature = client
        .credentials()
        .sign(
            &wechatpay_core::SigningInput {
                method: &Method::POST,
                path_and_query: "/v3/merchant/media/upload",
                timestamp: NOW,
                nonce: &nonce,
                body: &meta_text,
            },
            &mut rng(),
        )
        .unwrap();
    assert_eq!(
        request.headers()["Authorization"],
        signature.authorization()
    );
}

#[test]
fn uploads_refuse_names_and_types_that_would_break_the_headers() {
    for name in ["", "a\"b.jpg", "a\r\nb.jpg", "a\\b.jpg", &"a".repeat(256)] {
        assert!(
            Multipart::new(&serde_json::json!({}), name, "image/jpeg", vec![1]).is_err(),
            "{name:?}"
        );
    }
    for kind in [
        "",
        "image",
        "image/",
        "/jpeg",
        "image/jpeg; q=1",
        "image/jp\"eg",
    ] {
        assert!(
            Multipart::new(&serde_json::json!({}), "a.jpg", kind, vec![1]).is_err(),
            "{kind:?}"
        );
    }
    assert!(
        Multipart::new(
            &serde_json::json!({"f": "🛒"}),
            "a.jpg",
            "image/jpeg",
            vec![1]
        )
        .is_err()
    );
}

#[test]
fn a_download_is_signed_for_its_own_host_and_checked_by_its_digest() {
    let client = client(Backend::default());
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").unwrap();
    let bill = b"`2024-01-01,`1900000001\n".repeat(1000);
    let digest: String = {
        use sha1::Digest;
        sha1::Sha1::digest(&bill)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let ticket: DownloadTicket = serde_json::from_value(serde_json::json!({
        "hash_type": "SHA1",
        "hash_value": digest,
        "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUP_Cv-is~ga%2B",
    }))
    .unwrap();
    let request = client
        .prepare_download(&ticket, NOW, &nonce, &mut rng())
        .unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(
        request.uri(),
        "https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUP_Cv-is~ga%2B"
    );
    assert!(request.body().is_empty());
    let expected = client
        .credentials()
        .sign(
            &wechatpay_core::SigningInput {
                method: &Method::GET,
                path_and_query: "/v3/billdownload/file?token=6XIv5TUP_Cv-is~ga%2B",
                timestamp: NOW,
                nonce: &nonce,
                body: b"",
            },
            &mut rng(),
        )
        .unwrap();
    assert_eq!(request.headers()["Authorization"], expected.authorization());

    // Streamed in pieces through the digest: the writer comes back only when it matched.
    let mut sink = DigestWriter::new(Vec::new(), &ticket);
    for piece in bill.chunks(4096) {
        sink.write_all(piece).unwrap();
    }
    assert_eq!(sink.finish().unwrap(), bill);
    let mut cut = DigestWriter::new(Vec::new(), &ticket);
    cut.write_all(&bill[..bill.len() - 1]).unwrap();
    let error = cut.finish().unwrap_err();
    assert!(matches!(
        error,
        Error::Verification {
            kind: VerificationError::DigestMismatch { .. },
            ..
        }
    ));
    assert!(error.to_string().contains(&ticket.digest_hex()), "{error}");

    // The Authorization goes to no host but the configured ones.
    let elsewhere = DownloadTicket::new(
        "SHA1",
        &ticket.digest_hex(),
        "https://evil.example/v3/billdownload/file?token=t",
    )
    .unwrap();
    let error = client
        .prepare_download(&elsewhere, NOW, &nonce, &mut rng())
        .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidInput { field, .. } if field == "download_url"),
        "{error}"
    );
    let backup = DownloadTicket::new(
        "SHA1",
        &ticket.digest_hex(),
        "https://api2.mch.weixin.qq.com/v3/billdownload/file?token=t",
    )
    .unwrap();
    assert!(
        client
            .prepare_download(&backup, NOW, &nonce, &mut rng())
            .is_ok()
    );
}
