//! Response verification, the whole path (headers, base64, SHA-256, RSA) on each backend,
//! against the bare RSA verification of that backend on the same message, and OpenSSL.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use openssl::hash::MessageDigest;
use openssl::sign::Verifier;
use rsa::signature::Verifier as _;
use wechatpay_benches::{BODY_SIZES, NOW, bare, platform_keys, signed_response};
use wechatpay_core::Backend;

fn verify(c: &mut Criterion) {
    let core_rust_crypto = platform_keys(Backend::RustCrypto);
    let core_aws_lc = platform_keys(Backend::AwsLc);
    let bare_rust_crypto = bare::rust_crypto_verifier();
    let bare_aws_lc = bare::aws_lc_verifier();
    let openssl_key = bare::openssl_public();
    for (label, size) in BODY_SIZES {
        let response = signed_response(size);
        let rsa_signature =
            rsa::pkcs1v15::Signature::try_from(response.signature.as_slice()).expect("signature");
        let mut group = c.benchmark_group(format!("verify_{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function("core_rust_crypto", |b| {
            b.iter(|| {
                core_rust_crypto
                    .verify(
                        black_box(&response.headers),
                        black_box(&response.body),
                        NOW,
                        300,
                    )
                    .expect("valid")
            })
        });
        group.bench_function("bare_rust_crypto", |b| {
            b.iter(|| {
                bare_rust_crypto
                    .verify(black_box(&response.message), &rsa_signature)
                    .expect("valid")
            })
        });
        group.bench_function("core_aws_lc", |b| {
            b.iter(|| {
                core_aws_lc
                    .verify(
                        black_box(&response.headers),
                        black_box(&response.body),
                        NOW,
                        300,
                    )
                    .expect("valid")
            })
        });
        group.bench_function("bare_aws_lc", |b| {
            b.iter(|| {
                bare_aws_lc
                    .verify_sig(black_box(&response.message), &response.signature)
                    .expect("valid")
            })
        });
        group.bench_function("openssl", |b| {
            b.iter(|| {
                let mut verifier =
                    Verifier::new(MessageDigest::sha256(), &openssl_key).expect("verifier");
                verifier
                    .update(black_box(&response.message))
                    .expect("update");
                assert!(verifier.verify(&response.signature).expect("verify"));
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = verify
}
criterion_main!(benches);
