//! One shared client signing on every core: it must be `Send + Sync`, and scale. Each
//! iteration is one signed request; with `n` threads the iterations are split between them,
//! so perfect scaling divides the time per request by `n`.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wechatpay_benches::{NOW, client};
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Backend, Client, Host, Nonce};

fn sign_on(client: &Client, threads: u64, iterations: u64) -> Duration {
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001").expect("valid");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let query = &query;
            scope.spawn(move || {
                let mut rng = ChaCha20Rng::seed_from_u64(thread);
                let share = iterations / threads + u64::from(thread < iterations % threads);
                for _ in 0..share {
                    let nonce = Nonce::generate(&mut rng);
                    client
                        .prepare(query, Host::Primary, NOW, &nonce, &mut rng)
                        .expect("signed");
                }
            });
        }
    });
    started.elapsed()
}

fn throughput(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    for (name, backend) in [
        ("rust_crypto", Backend::RustCrypto),
        ("aws_lc", Backend::AwsLc),
    ] {
        let shared = client(backend);
        let mut group = c.benchmark_group(format!("shared_client_sign_{name}"));
        for threads in [1, cores] {
            group.bench_function(format!("{threads}_threads"), |b| {
                b.iter_custom(|iterations| sign_on(&shared, threads, iterations))
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = throughput
}
criterion_main!(benches);
