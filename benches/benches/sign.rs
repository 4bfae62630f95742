//! Request signing, whole (validation, encoding, message, signature, header) on each backend,
//! against the bare RSA signature of that backend on the same message, and OpenSSL.

use std::hint::black_box;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Method;
use openssl::hash::MessageDigest;
use openssl::sign::Signer;
use rsa::signature::RandomizedSigner as _;
use wechatpay_benches::{NOW, bare, client, rng};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Backend, Host, Nonce, SigningInput};

fn sign(c: &mut Criterion) {
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").expect("valid");
    let nonce = Nonce::new("593BEC0C930BF1AFEB40B4A08C8FB242").expect("nonce");
    let parts = wechatpay_benches::request_parts(&query);
    let message = SigningInput {
        method: &Method::GET,
        path_and_query: parts.path_and_query(),
        timestamp: NOW,
        nonce: &nonce,
        body: b"",
    }
    .message();

    let core_rust_crypto = client(Backend::RustCrypto);
    let core_aws_lc = client(Backend::AwsLc);
    let bare_rust_crypto = bare::rust_crypto_signer();
    let bare_aws_lc = bare::aws_lc_signer();
    let openssl_key = bare::openssl_private();
    let system_random = SystemRandom::new();
    let mut rng = rng();

    let mut group = c.benchmark_group("sign");
    group.bench_function("core_rust_crypto", |b| {
        b.iter(|| {
            core_rust_crypto
                .prepare(black_box(&query), Host::Primary, NOW, &nonce, &mut rng)
                .expect("signed")
        })
    });
    group.bench_function("bare_rust_crypto", |b| {
        b.iter(|| bare_rust_crypto.sign_with_rng(&mut rng, black_box(&message)))
    });
    group.bench_function("core_aws_lc", |b| {
        b.iter(|| {
            core_aws_lc
                .prepare(black_box(&query), Host::Primary, NOW, &nonce, &mut rng)
                .expect("signed")
        })
    });
    group.bench_function("bare_aws_lc", |b| {
        let mut signature = vec![0; bare_aws_lc.public_modulus_len()];
        b.iter(|| {
            bare_aws_lc
                .sign(
                    &RSA_PKCS1_SHA256,
                    &system_random,
                    black_box(&message),
                    &mut signature,
                )
                .expect("signed")
        })
    });
    group.bench_function("openssl", |b| {
        b.iter(|| {
            let mut signer = Signer::new(MessageDigest::sha256(), &openssl_key).expect("signer");
            signer
                .sign_oneshot_to_vec(black_box(&message))
                .expect("signed")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = sign
}
criterion_main!(benches);
