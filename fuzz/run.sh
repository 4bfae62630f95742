#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each; exits non-zero on any crash.
#   bash fuzz/run.sh SECONDS [TARGET...]
# Needs a nightly toolchain and cargo-fuzz. The corpus grows in fuzz/corpus/<target> (not
# committed), starting from seeds made from the test vectors; a crash leaves its input in
# fuzz/artifacts/<target>/ and the libFuzzer log in fuzz/logs/<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
bash seeds.sh >/dev/null
mkdir -p logs
cargo +nightly fuzz build
status=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    if cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 >"logs/$target.log" 2>&1; then
        result=ok
    else
        result=CRASH
        status=1
    fi
    # A crashed run prints no final stats: `|| true`, so that it is reported, not fatal here.
    runs=$(grep -oP 'stat::number_of_executed_units:\s*\K\d+' "logs/$target.log" | tail -1 || true)
    cov=$(grep -oP '#\d+\s+DONE\s+cov: \K\d+' "logs/$target.log" | tail -1 || true)
    ft=$(grep -oP '#\d+\s+DONE\s+cov: \d+ ft: \K\d+' "logs/$target.log" | tail -1 || true)
    printf '%-22s %-5s %10s execs  cov %6s  ft %6s  corpus %s\n' "$target" "$result" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$(ls "corpus/$target" | wc -l)"
    if [[ $result == CRASH ]]; then
        tail -40 "logs/$target.log"
    fi
done
exit "$status"
