#!/usr/bin/env python3
"""Prints the benchmark table of benches/README.md from criterion's last estimates.

    python3 benches/report.py [target/criterion]
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def median(group, function):
    path = root / group / function / "new" / "estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"]


def us(ns):
    return f"{ns / 1000:,.1f} µs"


print("| body | core rust-crypto | bare rsa | ratio | core aws-lc | bare aws-lc | ratio | OpenSSL | core aws-lc / OpenSSL |")
print("|---|---|---|---|---|---|---|---|---|")
for size in ["0B", "1.5KB", "64KB", "1MiB"]:
    group = f"verify_{size}"
    m = {f: median(group, f) for f in ["core_rust_crypto", "bare_rust_crypto", "core_aws_lc", "bare_aws_lc", "openssl"]}
    print(
        f"| {size} | {us(m['core_rust_crypto'])} | {us(m['bare_rust_crypto'])} | {m['core_rust_crypto'] / m['bare_rust_crypto']:.3f} "
        f"| {us(m['core_aws_lc'])} | {us(m['bare_aws_lc'])} | {m['core_aws_lc'] / m['bare_aws_lc']:.3f} "
        f"| {us(m['openssl'])} | {m['core_aws_lc'] / m['openssl']:.3f} |"
    )
print()
s = {f: median("sign", f) for f in ["core_rust_crypto", "bare_rust_crypto", "core_aws_lc", "bare_aws_lc", "openssl"]}
print("| sign | core | bare | ratio |")
print("|---|---|---|---|")
print(f"| rust-crypto (rsa 0.10, blinded) | {us(s['core_rust_crypto'])} | {us(s['bare_rust_crypto'])} | {s['core_rust_crypto'] / s['bare_rust_crypto']:.3f} |")
print(f"| aws-lc-rs | {us(s['core_aws_lc'])} | {us(s['bare_aws_lc'])} | {s['core_aws_lc'] / s['bare_aws_lc']:.3f} |")
print(f"| OpenSSL 3 (reference) | | {us(s['openssl'])} | |")
print(f"| core aws-lc-rs / OpenSSL | | | {s['core_aws_lc'] / s['openssl']:.3f} |")
print()
print("| shared client, signing | 1 thread (per request) | all cores (per request) | speed-up |")
print("|---|---|---|---|")
for name in ["rust_crypto", "aws_lc"]:
    group = root / f"shared_client_sign_{name}"
    runs = sorted(p.name for p in group.iterdir() if p.name.endswith("_threads"))
    one = median(group.name, "1_threads")
    many_name = max(runs, key=lambda n: int(n.split("_")[0]))
    many = median(group.name, many_name)
    print(f"| {name} | {us(one)} | {us(many)} ({many_name.replace('_', ' ')}) | {one / many:.2f}x |")
