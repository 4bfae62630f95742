//! Paired ratios for the targets: the whole path and its reference, alternated in short rounds
//! in one process, so that drift of a shared machine (frequency, neighbours) falls on both
//! sides of each ratio alike. Criterion (the other benches) measures one function after
//! another, seconds apart, and on a virtual machine its ratios swing by ±10% between runs;
//! the median of per-round ratios here is stable to about 1%.
//!
//! `cargo bench -p wechatpay-benches --bench paired`

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use http::Method;
use openssl::hash::MessageDigest;
use openssl::sign::{Signer, Verifier};
use rsa::signature::Verifier as _;
use wechatpay_benches::{NOW, bare, client, platform_keys, rng, signed_response};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Backend, Host, Nonce, SigningInput};

/// Rounds per ratio, and how long each side runs per round.
const ROUNDS: usize = 101;
const ROUND: Duration = Duration::from_millis(20);

/// Runs `a` and `b` alternately, `ROUNDS` times for about `ROUND` each, and returns the
/// median, first and third quartile of time(a) / time(b) per call.
fn paired(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    // Calibrate: how many calls of `a` fill a round.
    let started = Instant::now();
    let mut calls = 0u32;
    while started.elapsed() < ROUND {
        a();
        calls += 1;
    }
    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..calls {
            f();
        }
        started.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            // Alternate which side goes first, so neither always runs on a warmer cache.
            if round % 2 == 0 {
                let ta = time(&mut a);
                ta / time(&mut b)
            } else {
                let tb = time(&mut b);
                time(&mut a) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    (
        ratios[ROUNDS / 2],
        ratios[ROUNDS / 4],
        ratios[3 * ROUNDS / 4],
    )
}

fn row(name: &str, target: &str, (median, q1, q3): (f64, f64, f64)) {
    println!("| {name} | {median:.3} | {q1:.3} – {q3:.3} | {target} |");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass filters: run only the
    // former, the latter only checks that this compiles.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("| ratio (median of {ROUNDS} paired rounds) | median | quartiles | target |");
    println!("|---|---|---|---|");
    let core_rust_crypto = platform_keys(Backend::RustCrypto);
    let core_aws_lc = platform_keys(Backend::AwsLc);
    let bare_rust_crypto = bare::rust_crypto_verifier();
    let bare_aws_lc = bare::aws_lc_verifier();
    let openssl_public = bare::openssl_public();
    for (label, size) in wechatpay_benches::BODY_SIZES {
        let r = signed_response(size);
        let rsa_signature =
            rsa::pkcs1v15::Signature::try_from(r.signature.as_slice()).expect("signature");
        let whole_rust_crypto = || {
            black_box(
                core_rust_crypto
                    .verify(black_box(&r.headers), black_box(&r.body), NOW, 300)
                    .expect("valid"),
            );
        };
        let whole_aws_lc = || {
            black_box(
                core_aws_lc
                    .verify(black_box(&r.headers), black_box(&r.body), NOW, 300)
                    .expect("valid"),
            );
        };
        row(
            &format!("verify {label}: whole rust-crypto / bare rsa"),
            if size == 1536 { "≤ 1.05" } else { "" },
            paired(whole_rust_crypto, || {
                bare_rust_crypto
                    .verify(black_box(&r.message), &rsa_signature)
                    .expect("valid")
            }),
        );
        row(
            &format!("verify {label}: whole aws-lc / bare aws-lc"),
            if size == 1536 { "≤ 1.05" } else { "" },
            paired(whole_aws_lc, || {
                bare_aws_lc
                    .verify_sig(black_box(&r.message), &r.signature)
                    .expect("valid")
            }),
        );
        row(
            &format!("verify {label}: whole aws-lc / OpenSSL"),
            "≤ 1.0",
            paired(whole_aws_lc, || {
                let mut verifier =
                    Verifier::new(MessageDigest::sha256(), &openssl_public).expect("verifier");
                verifier.update(black_box(&r.message)).expect("update");
                assert!(verifier.verify(&r.signature).expect("verify"));
            }),
        );
    }

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
    let openssl_private = bare::openssl_private();
    let system_random = SystemRandom::new();
    let mut rng_a = rng();
    let mut rng_b = rng();
    let mut signature = vec![0; bare_aws_lc.public_modulus_len()];
    row(
        "sign: whole rust-crypto / bare rsa",
        "",
        paired(
            || {
                black_box(
                    core_rust_crypto
                        .prepare(&query, Host::Primary, NOW, &nonce, &mut rng_a)
                        .expect("signed"),
                );
            },
            || {
                black_box(rsa::signature::RandomizedSigner::sign_with_rng(
                    &bare_rust_crypto,
                    &mut rng_b,
                    black_box(&message),
                ));
            },
        ),
    );
    let mut rng_a = rng();
    row(
        "sign: whole aws-lc / bare aws-lc",
        "",
        paired(
            || {
                black_box(
                    core_aws_lc
                        .prepare(&query, Host::Primary, NOW, &nonce, &mut rng_a)
                        .expect("signed"),
                );
            },
            || {
                bare_aws_lc
                    .sign(
                        &RSA_PKCS1_SHA256,
                        &system_random,
                        black_box(&message),
                        &mut signature,
                    )
                    .expect("signed");
            },
        ),
    );
    let mut rng_a = rng();
    row(
        "sign: whole aws-lc / OpenSSL",
        "≤ 1.1",
        paired(
            || {
                black_box(
                    core_aws_lc
                        .prepare(&query, Host::Primary, NOW, &nonce, &mut rng_a)
                        .expect("signed"),
                );
            },
            || {
                let mut signer =
                    Signer::new(MessageDigest::sha256(), &openssl_private).expect("signer");
                black_box(
                    signer
                        .sign_oneshot_to_vec(black_box(&message))
                        .expect("signed"),
                );
            },
        ),
    );
}
