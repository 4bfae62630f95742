#!/usr/bin/env bash
# Generates the test keys and certificates in keys/, and keys/ids.json.
#
#   ./generate.sh             keep existing keys/certs (create only missing ones), check
#                             that every derived file belongs to its key, rewrite ids.json
#   ./generate.sh --new-keys  throw away keys/ and generate fresh keys/certs
#
# All cryptography is done with the `openssl` CLI (OpenSSL 3.x); python3 only writes
# ids.json. The core's vectors are computed from these keys: after new keys, run
# crates/wechatpay-core/testdata/generate.sh, which runs this script first.
#
# THESE KEYS ARE FOR TESTS ONLY. They are published in the repository and
# must never be used for anything real.
set -euo pipefail
export LC_ALL=C

NEW_KEYS=0
for arg in "$@"; do
  case "$arg" in
    --new-keys) NEW_KEYS=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")"
KEYS="$(pwd)/keys"

# Set by `generated`: the vectors of the core no longer match the keys.
GENERATED=0
generated() { echo "generated $1" >&2; GENERATED=1; }

# ---------------------------------------------------------------------------
# Fixed identifiers
# ---------------------------------------------------------------------------
MCHID="1900000001"
PLATFORM_PUBLIC_KEY_ID="PUB_KEY_ID_0119000000012024112300000000000001"
# 40 hex digits each, top nibble nonzero and < 8 (positive DER INTEGER, no pad byte)
MERCHANT_SERIAL_SET="3775B6A45ACD588826D15E583A95F5DD20000001"
PLATFORM_CERT_SERIAL_SET="5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_CERT_EXPIRED_SERIAL_SET="6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90"
PLATFORM_CERT_NEXT_SERIAL_SET="2A7F3C9E61B4D8052E6A1F7C3B9D4E8A5C2F6B13"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------------------
# Keys and certificates
# ---------------------------------------------------------------------------
if [[ $NEW_KEYS == 1 ]]; then
  rm -rf "$KEYS"
fi
mkdir -p "$KEYS"

# gen_rsa FILE BITS -> prints "new" if it was generated
gen_rsa() {
  local out="$1" bits="$2"
  if [[ ! -f "$out" ]]; then
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$out" 2>/dev/null
    generated "$(basename "$out")"
    return 0
  fi
  return 1
}

# Issue a self-signed certificate with an explicit serial and explicit dates.
# `openssl req -x509` in OpenSSL 3.0 cannot set explicit notBefore/notAfter,
# so a throwaway `openssl ca -selfsign` setup in $TMP is used instead.
# selfsign_cert KEY SUBJ SERIAL_HEX STARTDATE ENDDATE OUT
selfsign_cert() {
  local key="$1" subj="$2" serial="$3" start="$4" end="$5" out="$6"
  local ca="$TMP/ca.$serial"
  rm -rf "$ca"; mkdir -p "$ca/newcerts"
  : > "$ca/index.txt"
  echo "$serial" > "$ca/serial"
  cat > "$ca/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir             = $ca
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = none
x509_extensions = cert_ext
[ policy_any ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
[ cert_ext ]
basicConstraints     = critical, CA:FALSE
keyUsage             = critical, digitalSignature, nonRepudiation, keyEncipherment
subjectKeyIdentifier = hash
EOF
  openssl req -new -key "$key" -subj "$subj" -out "$ca/req.csr"
  openssl ca -config "$ca/ca.cnf" -batch -notext -preserveDN -selfsign \
    -keyfile "$key" -in "$ca/req.csr" -md sha256 \
    -startdate "$start" -enddate "$end" -out "$out" 2>"$ca/ca.log" \
    || { cat "$ca/ca.log" >&2; exit 1; }
  rm -rf "$ca"
  generated "$(basename "$out")"
}

# --- merchant key (RSA 2048) and derived files
M_NEW=0
gen_rsa "$KEYS/merchant_key.pem" 2048 && M_NEW=1
if [[ $M_NEW == 1 || ! -f "$KEYS/merchant_key_pkcs1.pem" ]]; then
  openssl rsa -in "$KEYS/merchant_key.pem" -traditional -out "$KEYS/merchant_key_pkcs1.pem" 2>/dev/null
  generated merchant_key_pkcs1.pem
fi
if [[ $M_NEW == 1 || ! -f "$KEYS/merchant_key_encrypted.pem" ]]; then
  openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout pass:test \
    -in "$KEYS/merchant_key.pem" -out "$KEYS/merchant_key_encrypted.pem"
  generated merchant_key_encrypted.pem
fi
if [[ $M_NEW == 1 || ! -f "$KEYS/merchant_pub.pem" ]]; then
  openssl pkey -in "$KEYS/merchant_key.pem" -pubout -out "$KEYS/merchant_pub.pem"
  generated merchant_pub.pem
fi
if [[ $M_NEW == 1 || ! -f "$KEYS/merchant_cert.pem" ]]; then
  selfsign_cert "$KEYS/merchant_key.pem" "/CN=$MCHID" "$MERCHANT_SERIAL_SET" \
    20230101000000Z 20340101000000Z "$KEYS/merchant_cert.pem"
fi

# --- platform key, "public key mode"
P_NEW=0
gen_rsa "$KEYS/platform_key.pem" 2048 && P_NEW=1
if [[ $P_NEW == 1 || ! -f "$KEYS/platform_pub.pem" ]]; then
  openssl pkey -in "$KEYS/platform_key.pem" -pubout -out "$KEYS/platform_pub.pem"
  generated platform_pub.pem
fi

# --- platform key, "certificate mode" (+ a current and an expired certificate)
PC_NEW=0
gen_rsa "$KEYS/platform_cert_key.pem" 2048 && PC_NEW=1
PLATFORM_SUBJ="/C=CN/O=WeChat Pay Test Fixtures/OU=Test Only/CN=Test WeChat Pay Platform"
if [[ $PC_NEW == 1 || ! -f "$KEYS/platform_cert.pem" ]]; then
  selfsign_cert "$KEYS/platform_cert_key.pem" "$PLATFORM_SUBJ" "$PLATFORM_CERT_SERIAL_SET" \
    20230101000000Z 20290101000000Z "$KEYS/platform_cert.pem"
fi
if [[ $PC_NEW == 1 || ! -f "$KEYS/platform_cert_expired.pem" ]]; then
  selfsign_cert "$KEYS/platform_cert_key.pem" "$PLATFORM_SUBJ" "$PLATFORM_CERT_EXPIRED_SERIAL_SET" \
    20150101000000Z 20200101000000Z "$KEYS/platform_cert_expired.pem"
fi

# --- the platform's next certificate, on a key of its own, for a rotation with an overlap
PN_NEW=0
gen_rsa "$KEYS/platform_cert_next_key.pem" 2048 && PN_NEW=1
if [[ $PN_NEW == 1 || ! -f "$KEYS/platform_cert_next.pem" ]]; then
  selfsign_cert "$KEYS/platform_cert_next_key.pem" "$PLATFORM_SUBJ" "$PLATFORM_CERT_NEXT_SERIAL_SET" \
    20260101000000Z 20310101000000Z "$KEYS/platform_cert_next.pem"
fi

# --- keys that must be rejected
if [[ ! -f "$KEYS/ec_key.pem" ]]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/ec_key.pem"
  generated ec_key.pem
fi
gen_rsa "$KEYS/rsa1024_key.pem" 1024 || true

# --- consistency checks: every derived file must belong to its private key
pubder() { openssl pkey -pubout -outform DER "$@" 2>/dev/null | openssl dgst -sha256 -r | cut -d' ' -f1; }
certpub() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -pubout -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
fail() { echo "CONSISTENCY ERROR: $*" >&2; echo "(run $0 --new-keys)" >&2; exit 1; }
M_FP="$(pubder -in "$KEYS/merchant_key.pem")"
[[ "$(pubder -in "$KEYS/merchant_key_pkcs1.pem")" == "$M_FP" ]] || fail merchant_key_pkcs1.pem
[[ "$(pubder -in "$KEYS/merchant_key_encrypted.pem" -passin pass:test)" == "$M_FP" ]] || fail merchant_key_encrypted.pem
[[ "$(pubder -pubin -in "$KEYS/merchant_pub.pem")" == "$M_FP" ]] || fail merchant_pub.pem
[[ "$(certpub "$KEYS/merchant_cert.pem")" == "$M_FP" ]] || fail merchant_cert.pem
[[ "$(pubder -pubin -in "$KEYS/platform_pub.pem")" == "$(pubder -in "$KEYS/platform_key.pem")" ]] || fail platform_pub.pem
PC_FP="$(pubder -in "$KEYS/platform_cert_key.pem")"
[[ "$(certpub "$KEYS/platform_cert.pem")" == "$PC_FP" ]] || fail platform_cert.pem
[[ "$(certpub "$KEYS/platform_cert_expired.pem")" == "$PC_FP" ]] || fail platform_cert_expired.pem
[[ "$(certpub "$KEYS/platform_cert_next.pem")" == "$(pubder -in "$KEYS/platform_cert_next_key.pem")" ]] || fail platform_cert_next.pem
[[ "$(pubder -in "$KEYS/platform_cert_next_key.pem")" != "$PC_FP" ]] || fail "platform_cert_next_key.pem is the current certificate's key"
head -1 "$KEYS/merchant_key.pem"           | grep -qx -- '-----BEGIN PRIVATE KEY-----'           || fail "merchant_key.pem not PKCS#8"
head -1 "$KEYS/merchant_key_pkcs1.pem"     | grep -qx -- '-----BEGIN RSA PRIVATE KEY-----'       || fail "merchant_key_pkcs1.pem not PKCS#1"
head -1 "$KEYS/merchant_key_encrypted.pem" | grep -qx -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' || fail "merchant_key_encrypted.pem not encrypted PKCS#8"
for f in platform_key.pem platform_cert_key.pem platform_cert_next_key.pem ec_key.pem rsa1024_key.pem; do
  head -1 "$KEYS/$f" | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "$f not PKCS#8"
done
openssl x509 -in "$KEYS/merchant_cert.pem" -noout -subject | grep -qx 'subject=CN = 1900000001' || fail "merchant_cert.pem subject"
openssl verify -CAfile "$KEYS/platform_cert.pem" -attime 1720000000 "$KEYS/platform_cert.pem" >/dev/null || fail "platform_cert.pem self-signature"
openssl verify -CAfile "$KEYS/platform_cert_next.pem" -attime 1780000000 "$KEYS/platform_cert_next.pem" >/dev/null || fail "platform_cert_next.pem self-signature"

# --- serials, read back from the certificates
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'a-f' 'A-F'; }
MERCHANT_SERIAL="$(serial_of "$KEYS/merchant_cert.pem")"
PLATFORM_CERT_SERIAL="$(serial_of "$KEYS/platform_cert.pem")"
PLATFORM_CERT_EXPIRED_SERIAL="$(serial_of "$KEYS/platform_cert_expired.pem")"
PLATFORM_CERT_NEXT_SERIAL="$(serial_of "$KEYS/platform_cert_next.pem")"
for s in "$MERCHANT_SERIAL" "$PLATFORM_CERT_SERIAL" "$PLATFORM_CERT_EXPIRED_SERIAL" "$PLATFORM_CERT_NEXT_SERIAL"; do
  [[ "$s" =~ ^[0-9A-F]{40}$ ]] || fail "serial $s is not 40 uppercase hex digits"
done

python3 - "$KEYS/ids.json" "$MCHID" "$MERCHANT_SERIAL" "$PLATFORM_PUBLIC_KEY_ID" \
  "$PLATFORM_CERT_SERIAL" "$PLATFORM_CERT_EXPIRED_SERIAL" "$PLATFORM_CERT_NEXT_SERIAL" <<'PY'
import json, sys
out, mchid, ms, pkid, pcs, pces, pcns = sys.argv[1:]
with open(out, "w", encoding="utf-8") as f:
    json.dump({"mchid": mchid, "merchant_serial": ms, "platform_public_key_id": pkid,
               "platform_cert_serial": pcs, "platform_cert_expired_serial": pces,
               "platform_cert_next_serial": pcns},
              f, indent=2, ensure_ascii=False)
    f.write("\n")
PY

if [[ $GENERATED == 1 ]]; then
  echo "keys changed: recompute the core's vectors with crates/wechatpay-core/testdata/generate.sh" >&2
fi
echo "ok: mchid=$MCHID merchant_serial=$MERCHANT_SERIAL platform_cert_serial=$PLATFORM_CERT_SERIAL platform_cert_expired_serial=$PLATFORM_CERT_EXPIRED_SERIAL platform_cert_next_serial=$PLATFORM_CERT_NEXT_SERIAL" >&2
