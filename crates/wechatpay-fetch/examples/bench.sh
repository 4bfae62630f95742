#!/usr/bin/env bash
# Builds the adapter's benchmark and the Worker example in release for wasm32-unknown-unknown,
# binds them (the benchmark for Node, the Worker as a Worker gets it), and runs the driver next
# to the mock platform. Arguments go to the driver: `--quick` for a few runs only (CI).
#
#   crates/wechatpay-fetch/examples/bench.sh [--quick]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
target_dir=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
built="$target_dir/wasm32-unknown-unknown/release/examples"
out="$target_dir/wasm-bench"

cargo build --release --locked --target wasm32-unknown-unknown -p wechatpay-fetch \
    --example bench --example worker
rm -rf "$out"
wasm-bindgen --target nodejs --out-dir "$out" "$built/bench.wasm"
wasm-bindgen --target web --out-dir "$out" "$built/worker.wasm"
crates/wechatpay-fetch/tests/with-mock.sh \
    node crates/wechatpay-fetch/examples/bench-node.mjs "$out" "$@"
