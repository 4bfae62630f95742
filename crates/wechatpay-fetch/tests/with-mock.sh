#!/usr/bin/env bash
# Cargo's runner for wasm32-unknown-unknown (see .cargo/config.toml), so that
# `cargo test -p wechatpay-fetch --target wasm32-unknown-unknown` does everything. Given a
# command instead of a .wasm file, it runs that command next to the mock. It starts the
# mock platform on loopback (`wechatpay mock --backup --control`: a primary and a backup host
# and the control routes), runs wasm-bindgen-test-runner under Node with the two URLs in
# WECHATPAY_MOCK_URL and WECHATPAY_MOCK_BACKUP_URL (and, in WECHATPAY_CLOSED_URL, a loopback
# port that was free a moment ago, for a refused connection), and stops the mock when done.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"

wanted=$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')
if ! have=$(wasm-bindgen-test-runner --version 2>/dev/null); then
    echo "wasm-bindgen-test-runner is not installed; install the version Cargo.lock uses:" >&2
    echo "  cargo install wasm-bindgen-cli --version =$wanted" >&2
    exit 2
fi
if [[ $have != *" $wanted" ]]; then
    echo "wasm-bindgen-test-runner is $have, but Cargo.lock uses wasm-bindgen $wanted:" >&2
    echo "  cargo install wasm-bindgen-cli --version =$wanted --force" >&2
    exit 2
fi
command -v node >/dev/null || { echo "the wasm tests run under Node (20.16 or later): install nodejs" >&2; exit 2; }

# The mock is the `wechatpay` command, built for the host into the same target directory;
# Cargo has released its lock by the time it runs a test, so building it here is safe.
cargo build --quiet --locked --manifest-path "$root/Cargo.toml" -p wechatpay-cli --bin wechatpay
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

log=$(mktemp)
keys=$(mktemp -d)
"$target_dir/debug/wechatpay" mock --backup --control --keys-dir "$keys" >"$log" 2>&1 &
mock=$!
stop() {
    kill -INT "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
    rm -rf "$log" "$keys"
}
trap stop EXIT

for _ in $(seq 200); do
    grep -q '^Ctrl-C stops it' "$log" && break
    if ! kill -0 "$mock" 2>/dev/null; then
        echo "the mock platform did not start:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.05
done
WECHATPAY_MOCK_URL=$(sed -n 's/^mock platform listening on //p' "$log")
WECHATPAY_MOCK_BACKUP_URL=$(sed -n 's/^backup host listening on //p' "$log")
if [[ -z $WECHATPAY_MOCK_URL || -z $WECHATPAY_MOCK_BACKUP_URL ]]; then
    echo "the mock platform did not print its URLs:" >&2
    cat "$log" >&2
    exit 1
fi
# fetch refuses "bad ports" (9, 1, ...) outright, so the refused connection needs a real one.
closed_port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
WECHATPAY_CLOSED_URL="http://127.0.0.1:$closed_port"
export WECHATPAY_MOCK_URL WECHATPAY_MOCK_BACKUP_URL WECHATPAY_CLOSED_URL

if [[ ${1:-} == *.wasm ]]; then
    wasm-bindgen-test-runner "$@"
else
    "$@"
fi
