#!/usr/bin/env bash
# Regenerates the wechatpay-core test vectors (vectors/) from the test keys of
# wechatpay-fixtures (crates/wechatpay-fixtures/keys/).
#
#   ./generate.sh             keep existing keys/certs (create only missing ones),
#                             recompute every vector from the keys
#   ./generate.sh --new-keys  throw away the keys and generate fresh keys/certs too
#
# The keys are made, or only checked, by crates/wechatpay-fixtures/generate.sh, which this
# script runs first with the same argument. All cryptography is done with the `openssl` CLI
# (OpenSSL 3.x) so that the vectors are an independent cross-check of the Rust
# implementation; python3 only reads and writes JSON files, and makes the AES-GCM callbacks
# that `openssl enc` cannot.
set -euo pipefail
export LC_ALL=C

KEY_ARGS=()
for arg in "$@"; do
  case "$arg" in
    --new-keys) KEY_ARGS=(--new-keys) ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")"
TESTDATA="$(pwd)"
FIXTURES="$(cd ../../wechatpay-fixtures && pwd)"
KEYS="$FIXTURES/keys"
VEC="$TESTDATA/vectors"

"$FIXTURES/generate.sh" "${KEY_ARGS[@]}"

# The identifiers, as the key script read them back from the certificates.
id() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]], end="")' "$KEYS/ids.json" "$1"; }
MCHID="$(id mchid)"
MERCHANT_SERIAL="$(id merchant_serial)"
PLATFORM_PUBLIC_KEY_ID="$(id platform_public_key_id)"
PLATFORM_CERT_SERIAL="$(id platform_cert_serial)"

OAEP_OPTS=(-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1 -pkeyopt rsa_mgf1_md:sha1)

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# openssl base64, one line, no trailing newline
b64() { openssl base64 -A -in "$1" | tr -d '\n'; }

# ---------------------------------------------------------------------------
# Vectors (always recomputed)
# ---------------------------------------------------------------------------
rm -rf "$VEC"
mkdir -p "$VEC/sign" "$VEC/verify" "$VEC/oaep"

# RFC 3986 percent-encoding of every byte except ALPHA / DIGIT / - . _ ~
pct_encode() {
  local s="$1" out="" hex
  for hex in $(printf '%s' "$s" | od -An -v -tx1); do
    local c=$((16#$hex))
    if (( (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) \
          || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E )); then
      out+="$(printf "\\x$hex")"
    else
      out+="%$(printf '%s' "$hex" | tr 'a-f' 'A-F')"
    fi
  done
  printf '%s' "$out"
}

# sign_case NAME METHOD PATH_AND_QUERY TIMESTAMP NONCE HAS_BODY(0|1) BODY [EXTRA_KEY EXTRA_VALUE]
sign_case() {
  local name="$1" method="$2" pq="$3" ts="$4" nonce="$5" has_body="$6" body="$7"
  local extra_k="${8:-}" extra_v="${9:-}"
  local d="$VEC/sign/$name"
  mkdir -p "$d"
  [[ "$nonce" =~ ^[A-Za-z0-9]{32}$ ]] || { echo "bad nonce $nonce" >&2; exit 1; }
  python3 - "$d/input.json" "$method" "$pq" "$ts" "$nonce" "$extra_k" "$extra_v" <<'PY'
import json, sys
out, method, pq, ts, nonce, ek, ev = sys.argv[1:]
obj = {"method": method, "path_and_query": pq, "timestamp": int(ts), "nonce": nonce}
if ek:
    obj[ek] = ev
with open(out, "w", encoding="utf-8") as f:
    json.dump(obj, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
  if [[ $has_body == 1 ]]; then
    printf '%s' "$body" > "$d/body"
  fi
  printf '%s\n%s\n%s\n%s\n' "$method" "$pq" "$ts" "$nonce" > "$d/message"
  if [[ $has_body == 1 ]]; then cat "$d/body" >> "$d/message"; fi
  printf '\n' >> "$d/message"

  openssl dgst -sha256 -sign "$KEYS/merchant_key.pem" -out "$TMP/sig.bin" "$d/message"
  openssl dgst -sha256 -verify "$KEYS/merchant_pub.pem" -signature "$TMP/sig.bin" "$d/message" >/dev/null
  b64 "$TMP/sig.bin" > "$d/signature"
  printf 'WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"' \
    "$MCHID" "$nonce" "$(cat "$d/signature")" "$ts" "$MERCHANT_SERIAL" > "$d/authorization"
}

sign_case get_contract GET \
  '/v3/ecommerce/individual-contracts/out-contract-code/APPLYMENT_00000000001?appid=wxd678efh567h23787' \
  1700000000 593BEC0C930BF1AFEB40B4A08C8FB242 0 ''

sign_case get_applyment GET \
  '/v3/ecommerce/applyments/out-request-no/APPLYMENT_00000000001' \
  1700000000 C4F2B8A1D7E94A0B9C3E5F6071829A3B 0 ''

OUT_REQUEST_NO='a b/c?d#e%f+申请'
ENCODED="$(pct_encode "$OUT_REQUEST_NO")"
[[ "$ENCODED" == 'a%20b%2Fc%3Fd%23e%25f%2B%E7%94%B3%E8%AF%B7' ]] || { echo "pct_encode mismatch: $ENCODED" >&2; exit 1; }
sign_case get_applyment_encoded GET \
  "/v3/ecommerce/applyments/out-request-no/$ENCODED" \
  1700000000 7d1e0f3a9b2c4d5e6f708192a3b4c5d6 0 '' out_request_no "$OUT_REQUEST_NO"

sign_case get_contract_by_openid GET \
  '/v3/ecommerce/individual-contracts/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o?appid=wxd678efh567h23787&permission_type=INDIVIDUAL_PAYEE' \
  1700000000 Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed 0 ''

sign_case post_json_utf8 POST '/v3/ecommerce/applyments/' \
  1700000000 A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6 1 \
  '{"out_request_no":"APPLYMENT_00000000002","merchant_shortname":"腾讯"}'

sign_case post_body_trailing_newline POST '/v3/test/echo' \
  1700000000 0123456789abcdefABCDEF0123456789 1 $'{"a":1}\n'

sign_case get_with_empty_nonce_timestamp_edge GET '/v3/certificates' \
  4102444800 BigTimestampYear2100Nonce0000001 0 ''

# verify_case NAME SIGNING_KEY VERIFY_PUBKEY_PEM SERIAL TIMESTAMP NONCE BODY_FILE
verify_case() {
  local name="$1" key="$2" pub="$3" serial="$4" ts="$5" nonce="$6" bodyfile="$7"
  local d="$VEC/verify/$name"
  mkdir -p "$d"
  [[ "$nonce" =~ ^[A-Za-z0-9]{32}$ ]] || { echo "bad nonce $nonce" >&2; exit 1; }
  cp "$bodyfile" "$d/body"
  printf '%s\n%s\n' "$ts" "$nonce" > "$d/message"
  cat "$d/body" >> "$d/message"
  printf '\n' >> "$d/message"
  openssl dgst -sha256 -sign "$key" -out "$TMP/sig.bin" "$d/message"
  openssl dgst -sha256 -verify "$pub" -signature "$TMP/sig.bin" "$d/message" >/dev/null
  python3 - "$d/input.json" "$ts" "$nonce" "$serial" "$(b64 "$TMP/sig.bin")" <<'PY'
import json, sys
out, ts, nonce, serial, sig = sys.argv[1:]
with open(out, "w", encoding="utf-8") as f:
    json.dump({"timestamp": ts, "nonce": nonce, "serial": serial, "signature": sig,
               "expect": "ok"}, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
}

openssl x509 -in "$KEYS/platform_cert.pem" -noout -pubkey > "$TMP/platform_cert_pub.pem"

printf '%s' "$(cat <<'EOF'
{
  "applyment_state" : "FINISH",
  "applyment_state_desc" : "完成",
  "sub_mchid" : "1542488631",
  "out_request_no" : "APPLYMENT_00000000001",
  "applyment_id" : 2000002124775691,
  "sign_state" : "SIGNED"
}
EOF
)" > "$TMP/applyment.json"
printf '%s' '{"individual_auth_id":"1900000109","signed_time":"2018-06-08T10:34:56+08:00","auth_state":"AUTHORIZED","individual_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\t"}' > "$TMP/contract.json"
: > "$TMP/empty"
printf '%s' '{"code":"RESOURCE_NOT_EXISTS","message":"申请单不存在"}' > "$TMP/error.json"

verify_case applyment_public_key "$KEYS/platform_key.pem" "$KEYS/platform_pub.pem" \
  "$PLATFORM_PUBLIC_KEY_ID" 1700000000 E5F0A1B2C3D4E5F60718293A4B5C6D7E "$TMP/applyment.json"
verify_case applyment_certificate "$KEYS/platform_cert_key.pem" "$TMP/platform_cert_pub.pem" \
  "$PLATFORM_CERT_SERIAL" 1700000000 E5F0A1B2C3D4E5F60718293A4B5C6D7E "$TMP/applyment.json"
verify_case contract_tab_escape "$KEYS/platform_key.pem" "$KEYS/platform_pub.pem" \
  "$PLATFORM_PUBLIC_KEY_ID" 1700000000 9a8b7c6d5e4f30211203f4e5d6c7b8a9 "$TMP/contract.json"
verify_case empty_body "$KEYS/platform_key.pem" "$KEYS/platform_pub.pem" \
  "$PLATFORM_PUBLIC_KEY_ID" 1700000000 EmptyBodyNonce000000000000000001 "$TMP/empty"
verify_case error_body_signed "$KEYS/platform_key.pem" "$KEYS/platform_pub.pem" \
  "$PLATFORM_PUBLIC_KEY_ID" 1700000000 ErrorBodyNonce000000000000000001 "$TMP/error.json"

# oaep_case NAME PLAINTEXT_FILE
oaep_case() {
  local name="$1" ptfile="$2"
  local d="$VEC/oaep/$name"
  mkdir -p "$d"
  cp "$ptfile" "$d/plaintext"
  openssl pkeyutl -encrypt -pubin -inkey "$KEYS/merchant_pub.pem" "${OAEP_OPTS[@]}" \
    -in "$d/plaintext" -out "$TMP/ct.bin"
  b64 "$TMP/ct.bin" > "$d/ciphertext"
  # round trip from the base64 text actually written
  openssl base64 -d -A -in "$d/ciphertext" -out "$TMP/ct2.bin"
  openssl pkeyutl -decrypt -inkey "$KEYS/merchant_key.pem" "${OAEP_OPTS[@]}" \
    -in "$TMP/ct2.bin" -out "$TMP/pt.bin"
  cmp -s "$TMP/pt.bin" "$d/plaintext" || { echo "OAEP round trip failed for $name" >&2; exit 1; }
}

printf '%s' '张三' > "$TMP/p1"
printf '%s' '6214830000001234' > "$TMP/p2"
printf '%s' '深圳市腾讯计算机系统有限公司' > "$TMP/p3"
head -c 214 /dev/zero | tr '\0' 'A' > "$TMP/p4"
: > "$TMP/p5"
oaep_case account_name_chinese "$TMP/p1"
oaep_case account_no "$TMP/p2"
oaep_case company_name "$TMP/p3"
oaep_case max_214_bytes "$TMP/p4"
oaep_case empty "$TMP/p5"
# Not UTF-8 (Latin-1 "é"): decryption must say so rather than hand out mojibake.
mkdir -p "$VEC/oaep_not_utf8"
printf '\351' > "$VEC/oaep_not_utf8/plaintext"
openssl pkeyutl -encrypt -pubin -inkey "$KEYS/merchant_pub.pem" "${OAEP_OPTS[@]}" \
  -in "$VEC/oaep_not_utf8/plaintext" -out "$TMP/ct.bin"
b64 "$TMP/ct.bin" > "$VEC/oaep_not_utf8/ciphertext"
# sanity: 215 bytes must NOT fit (2048-bit key, SHA-1 OAEP: 256 - 2*20 - 2 = 214)
head -c 215 /dev/zero | tr '\0' 'A' > "$TMP/p6"
if openssl pkeyutl -encrypt -pubin -inkey "$KEYS/merchant_pub.pem" "${OAEP_OPTS[@]}" \
     -in "$TMP/p6" -out "$TMP/ct.bin" 2>/dev/null; then
  echo "unexpected: 215-byte OAEP plaintext accepted" >&2; exit 1
fi

# ---------------------------------------------------------------------------
# Callback (notification) vectors: AES-256-GCM with the APIv3 key, made with Python's
# `cryptography` (OpenSSL's `enc` has no AEAD modes), then signed like a response.
# ---------------------------------------------------------------------------
API_V3_KEY='Wechatpay0Test0ApiV3Key000000001'
# notification_case NAME AAD NONCE12 PLAINTEXT SIG_NONCE [EVENT_TYPE ORIGINAL_TYPE SUMMARY ID]
notification_case() {
  local name="$1" aad="$2" nonce12="$3" plaintext="$4" sig_nonce="$5"
  local event_type="${6:-APPLYMENT_STATE_CHANGE}" original_type="${7:-applyment}"
  local summary="${8:-二级商户进件状态变更}" id="${9:-EV-2018022511223320873}"
  local d="$VEC/notification/$name"
  mkdir -p "$d"
  printf '%s' "$API_V3_KEY" > "$d/api_v3_key"
  printf '%s' "$plaintext" > "$d/plaintext"
  python3 - "$d" "$API_V3_KEY" "$aad" "$nonce12" "$event_type" "$original_type" "$summary" "$id" <<'PY'
import base64, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
d, key, aad, nonce, event_type, original_type, summary, id_ = sys.argv[1:9]
plaintext = open(f"{d}/plaintext", "rb").read()
json.loads(plaintext)  # every resource is JSON
ciphertext = AESGCM(key.encode()).encrypt(nonce.encode(), plaintext, aad.encode() or None)
body = {
    "id": id_,
    "create_time": "2015-05-20T13:29:35+08:00",
    "resource_type": "encrypt-resource",
    "event_type": event_type,
    "summary": summary,
    "resource": {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": aad,
        "nonce": nonce,
    },
}
with open(f"{d}/body", "w", encoding="utf-8") as f:
    f.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
assert AESGCM(key.encode()).decrypt(nonce.encode(), ciphertext, aad.encode() or None) == plaintext
PY
  verify_case "callback_$name" "$KEYS/platform_key.pem" "$KEYS/platform_pub.pem" \
    "$PLATFORM_PUBLIC_KEY_ID" 1700000000 "$sig_nonce" "$d/body"
}
notification_case applyment_state_change 'applyment' 'fdasflkja484' \
  '{"out_request_no":"APPLYMENT_00000000001","applyment_id":2000002124775691,"applyment_state":"NEED_SIGN","sub_mchid":"1542488631"}' \
  CallbackNonce0000000000000000001
notification_case empty_associated_data '' 'a1b2c3d4e5f6' \
  '{"sp_mchid":"1900000001","sub_mchid":"1542488631","payer":{"sub_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100}}' \
  CallbackNonce0000000000000000002

# The e-commerce events the core types: a partner order paid, a combined order paid (one
# sub-order with a trade_type no version knows yet), and a refund in each final state.
notification_case transaction_success 'transaction' 'Tx0Nonce0001' \
  '{"sp_appid":"wx8888888888888888","sp_mchid":"1900000001","sub_appid":"wxd678efh567hg6999","sub_mchid":"1542488631","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000985202103031441826014","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"自定义数据","success_time":"2018-06-08T10:34:56+08:00","payer":{"sp_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","sub_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS7p"},"amount":{"total":100,"payer_total":90,"currency":"CNY","payer_currency":"CNY"},"scene_info":{"device_id":"013467007045764"},"promotion_detail":[{"coupon_id":"109519","name":"单品惠-6","scope":"SINGLE","type":"CASH","amount":10,"stock_id":"931386","wechatpay_contribute":0,"merchant_contribute":10,"other_contribute":0,"currency":"CNY","goods_detail":[{"goods_id":"M1006","quantity":1,"unit_price":100,"discount_amount":10,"goods_remark":"商品备注信息"}]}]}' \
  CallbackNonce0000000000000000003 TRANSACTION.SUCCESS transaction '支付成功' 'EV-2018022511223320874'
notification_case combine_transaction_success 'transaction' 'Tx0Nonce0002' \
  '{"combine_appid":"wxd678efh567hg6787","combine_mchid":"1900000001","combine_out_trade_no":"P20150806125346","scene_info":{"device_id":"POS1:1"},"sub_orders":[{"mchid":"1900000001","trade_type":"JSAPI","trade_state":"SUCCESS","bank_type":"CMC","attach":"深圳分店","success_time":"2015-05-20T13:29:35+08:00","amount":{"total_amount":10,"payer_amount":10,"currency":"CNY","payer_currency":"CNY"},"transaction_id":"4200000985202103031441826015","out_trade_no":"20150806125346","sub_mchid":"1542488631","sub_appid":"wxd678efh567hg6999","sub_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},{"mchid":"1900000001","trade_type":"FUTURE_PAY","trade_state":"SUCCESS","amount":{"total_amount":20},"transaction_id":"4200000985202103031441826016","out_trade_no":"20150806125347","sub_mchid":"1542488632"}],"combine_payer_info":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}' \
  CallbackNonce0000000000000000004 TRANSACTION.SUCCESS transaction '支付成功' 'EV-2018022511223320875'
notification_case refund_success 'refund' 'Rf0Nonce0001' \
  '{"sp_mchid":"1900000001","sub_mchid":"1542488631","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000985202103031441826014","out_refund_no":"1217752501201407033233368019","refund_id":"50000000382019052709732678859","refund_status":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","user_received_account":"招商银行信用卡0403","amount":{"total":100,"refund":60,"payer_total":90,"payer_refund":54},"refund_account":"REFUND_SOURCE_SUB_MERCHANT"}' \
  CallbackNonce0000000000000000005 REFUND.SUCCESS refund '退款成功' 'EV-2018022511223320876'
# As seen in the wild: no amount, no success time.
notification_case refund_abnormal 'refund' 'Rf0Nonce0002' \
  '{"sp_mchid":"1900000001","sub_mchid":"1542488631","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000985202103031441826014","out_refund_no":"1217752501201407033233368020","refund_id":"50000000382019052709732678860","refund_status":"ABNORMAL","user_received_account":"招商银行信用卡0403"}' \
  CallbackNonce0000000000000000006 REFUND.ABNORMAL refund '退款异常' 'EV-2018022511223320877'
notification_case refund_closed 'refund' 'Rf0Nonce0003' \
  '{"sp_mchid":"1900000001","sub_mchid":"1542488631","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000985202103031441826014","out_refund_no":"1217752501201407033233368021","refund_id":"50000000382019052709732678861","refund_status":"CLOSED","amount":{"total":100,"refund":100},"refund_account":"REFUND_SOURCE_PARTNER_ADVANCE"}' \
  CallbackNonce0000000000000000007 REFUND.CLOSED refund '退款关闭' 'EV-2018022511223320878'

echo "ok: vectors recomputed in $VEC" >&2
