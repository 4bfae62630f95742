#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target from the core's test vectors and the fixtures
# (test keys, API page answers), into fuzz/seeds/.
set -euo pipefail
cd "$(dirname "$0")"
vectors=../crates/wechatpay-core/testdata/vectors
fixtures=../crates/wechatpay-fixtures
rm -rf seeds
mkdir -p seeds/{verify_response,authorization_header,decode_operations,path_params,decrypt_field,callback_body}
mkdir -p seeds/{prepare_host,pem_parsers,mock_handle,retry_decide,verify_differential,upload_multipart}

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]], end="")' "$1" "$2"; }

for case in "$vectors"/verify/*/; do
    name=$(basename "$case")
    {
        for key in timestamp nonce signature serial; do field "$case/input.json" "$key"; printf '\n'; done
        printf '200\n'
        cat "$case/body"
    } > "seeds/verify_response/$name"
    cp "$case/body" "seeds/decode_operations/$name"
    # The same answer without the status line, then with its real signature, then with one
    # byte of that signature flipped.
    {
        for key in timestamp nonce signature serial; do field "$case/input.json" "$key"; printf '\n'; done
        cat "$case/body"
    } > "seeds/verify_differential/$name"
    for edit in signed:'!' flipped:'!\x05\x01'; do
        {
            for key in timestamp nonce; do field "$case/input.json" "$key"; printf '\n'; done
            printf "${edit#*:}"'\n'
            field "$case/input.json" serial; printf '\n'
            cat "$case/body"
        } > "seeds/verify_differential/${name}_${edit%%:*}"
    done
done
# Every optional part of an applyment at once, as the decoders see it past verification.
cat > seeds/decode_operations/every_field <<'JSON'
{"applyment_state":"ACCOUNT_NEED_VERIFY","applyment_state_desc":"待账户验证","sign_url":"https://pay.weixin.qq.com/s","sub_mchid":"1542488631","account_validation":{"account_name":"AAAA","account_no":"AAAA","pay_amount":124,"destination_account_number":"7222223333322332","destination_account_name":"财付通支付科技有限公司","destination_account_bank":"招商银行威盛大厦支行","city":"深圳","remark":"入驻账户验证","deadline":"2018-12-10 17:09:01"},"audit_detail":[{"param_name":"id_card_copy","reject_reason":"模糊"}],"legal_validation_url":"https://pay.weixin.qq.com/l","out_request_no":"A","applyment_id":18446744073709551615,"sign_state":"UNSIGNED","signed_time":"2018-06-08T10:34:56+08:00","auth_state":"AUTHORIZED","real_name_auth_result":{"scope":"pay_realname","access_token":"T","access_token_expire_time":"2018-06-08T12:34:56+08:00"}}
JSON
cp "$fixtures"/pages/*.json seeds/decode_operations/
printf '{"echo_message":"wechatpay doctor 1700000000","encrypted_echo_message":"AAAA"}' \
    > seeds/decode_operations/security_echo
for case in "$vectors"/sign/*/; do
    cp "$case/authorization" "seeds/authorization_header/$(basename "$case")"
    field "$case/input.json" path_and_query > "seeds/path_params/$(basename "$case")"
done
for case in "$vectors"/sign/*/; do
    {
        field "$case/input.json" method; printf '\n'
        field "$case/input.json" path_and_query
        if [[ -s "$case/body" ]]; then printf '\n'; cat "$case/body"; fi
    } > "seeds/prepare_host/$(basename "$case")"
done
# Paths that would move the request to another host or port if they were ever accepted.
for path in userinfo:'@evil.example/v3/x' subdomain:'.evil.example/v3/x' port:':8443/v3/x' \
    authority:'//evil.example/v3/x' relative:'v3/x'; do
    printf 'GET\n%s' "${path#*:}" > "seeds/prepare_host/host_${path%%:*}"
done
# Every PEM the core's tests load, as text and (first byte: the label's index) as DER.
labels=("PRIVATE KEY" "RSA PRIVATE KEY" "PUBLIC KEY" "CERTIFICATE" "RSA PUBLIC KEY" "ENCRYPTED PRIVATE KEY")
for pem in "$fixtures"/keys/*.pem; do
    name=$(basename "$pem" .pem)
    cp "$pem" "seeds/pem_parsers/$name"
    label=$(sed -n 's/^-----BEGIN \(.*\)-----$/\1/p' "$pem" | head -1)
    for index in "${!labels[@]}"; do
        if [[ ${labels[$index]} == "$label" ]]; then
            {
                printf "\\x$(printf '%02x' "$index")"
                sed -n "/^-----BEGIN $label-----\$/,/^-----END $label-----\$/p" "$pem" | sed '1d;$d' | base64 -d
            } > "seeds/pem_parsers/${name}_der"
        fi
    done
done
# A signed query, a fault injected then a signed query, the log read back, an unsigned request.
query='GET /v3/ecommerce/applyments/out-request-no/APPLYMENT_AUDITING'
printf '\x01%s\n\n' "$query" > seeds/mock_handle/signed_query
printf '\x01GET /v3/ecommerce/individual-contracts/out-contract-code/APPLYMENT_00000000001?appid=wxd678efh567h23787\n\n' \
    > seeds/mock_handle/signed_contract
printf '\x01GET /v3/ecommerce/individual-contracts/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o?appid=wxd678efh567h23787&permission_type=INDIVIDUAL_PAYEE\n\n' \
    > seeds/mock_handle/signed_openid
for fault in oversize-body:1024 slow:10 extra-fields unknown-enum-values future-timestamp tampered-body redirect; do
    printf '\x00POST /mock/faults\ncontent-type: application/json\n\n{"fault":"%s","times":2}\0\0\x01%s\n\n\0\0\x00GET /mock/requests\n\n' \
        "$fault" "$query" > "seeds/mock_handle/fault_${fault%%:*}"
done
printf '\x00GET /v3/ecommerce/applyments/1\naccept: */*\nuser-agent: probe/1\nauthorization: WECHATPAY2-SHA256-RSA2048 mchid="1900000001"\n\n' \
    > seeds/mock_handle/unsigned
# Certificate mode: the switch, a signed download, the listing; a rotation to the fixtures'
# next certificate, the first one retired, and a query; a certificate given as PEMs (the
# fixtures' first one again, held already: refused as a duplicate); modes and serials that
# do not exist.
json='content-type: application/json'
printf '\x00POST /mock/mode\n%s\n\n{"mode":"certificate"}\0\0\x01GET /v3/certificates\n\n\0\0\x00GET /mock/certificates\n\n' \
    "$json" > seeds/mock_handle/certificate_mode
printf '\x00POST /mock/certificates\n%s\n\n{}\0\0\x00DELETE /mock/certificates/5157F09EFDC096DE15EBE81A47057A7232F1B8E1\n\n\0\0\x01%s\n\n\0\0\x00GET /mock/requests\n\n' \
    "$json" "$query" > seeds/mock_handle/rotation
{
    printf '\x00POST /mock/certificates\n%s\n\n' "$json"
    python3 -c 'import json,sys; print(json.dumps({"certificate_pem": open(sys.argv[1]).read(), "private_key_pem": open(sys.argv[2]).read()}), end="")' \
        "$fixtures/keys/platform_cert.pem" "$fixtures/keys/platform_cert_key.pem"
} > seeds/mock_handle/rotation_pem
printf '\x00POST /mock/mode\n%s\n\n{"mode":"paper"}\0\0\x00DELETE /mock/certificates/00\n\n\0\0\x00PUT /mock/certificates\n\n' \
    "$json" > seeds/mock_handle/certificate_refusals
# Policies are read by `arbitrary` from raw bytes: a few byte patterns are seeds enough.
printf '\x00' > seeds/retry_decide/zero
printf '\x01\x01\x05\x00\x00\x00\x01\x02\x03\x01\x00\x00\x00' > seeds/retry_decide/small
head -c 256 /dev/zero | tr '\0' '\377' > seeds/retry_decide/ones
printf 'a b/c?d#e%%f+申请' > seeds/path_params/out_request_no
printf 'APPLYMENT_00000000001\0wxd678efh567h23787' > seeds/path_params/contract
for case in "$vectors"/oaep/*/ "$vectors"/oaep_not_utf8/; do
    cp "$case/ciphertext" "seeds/decrypt_field/$(basename "$case")"
done
# callback_body: a first byte of 0 for a callback body, odd for a decrypted resource of the
# event the target's EVENTS table names at index byte >> 1.
for case in "$vectors"/notification/*/; do
    { printf '\x00'; cat "$case/body"; } > "seeds/callback_body/$(basename "$case")"
done
for event in transaction_success:01 combine_transaction_success:01 refund_success:03 \
             refund_abnormal:05 refund_closed:07 applyment_state_change:09; do
    { printf "\x${event#*:}"; cat "$vectors/notification/${event%%:*}/plaintext"; } \
        > "seeds/callback_body/resource_${event%%:*}"
done
# Uploads: the sample files named right (built and sent), named wrong, and bodies as the core
# sends them and as careless clients do (a quoted boundary, a third part).
media="$fixtures"/media
{ printf '\x07logo.png\0'; cat "$media/logo.png"; } > seeds/upload_multipart/png
{ printf '\x07logo.bmp\0'; cat "$media/logo.bmp"; } > seeds/upload_multipart/bmp
{ printf '\x07clip.mp4\0'; cat "$media/clip.mp4"; } > seeds/upload_multipart/mp4
{ printf '\x04logo.jpg\0'; cat "$media/logo.png"; } > seeds/upload_multipart/misnamed
printf '\x04a.flv\0FLV\x01\x05' > seeds/upload_multipart/flv
printf '\x04a.rmvb\0.RMF\0\0\0\x12' > seeds/upload_multipart/rmvb
part() { printf -- '--b0\r\nContent-Disposition: form-data; name="%s"%s\r\n\r\n%s\r\n' "$@"; }
{ printf '\x00multipart/form-data; boundary=b0\n'; part meta '' '{"filename":"a.png","sha256":"00"}'
  part file '; filename="a.png"' 'PNG'; printf -- '--b0--\r\n'; } > seeds/upload_multipart/two_parts
{ printf '\x00multipart/form-data; boundary="b0"\n'; part meta '' '{}'; part file '; filename="a"' 'x'
  part extra '' 'y'; printf -- '--b0--\r\n'; } > seeds/upload_multipart/three_parts_quoted

# bill_file: a mode byte (0 as it is, 1 gzip'd, 2 encrypted and gzip'd), a piece size, the file.
mkdir -p seeds/bill_file
bills=../crates/wechatpay-core/testdata/bills
for bill in "$bills"/*.csv; do
    name=$(basename "$bill" .csv)
    { printf '\x00\x40'; cat "$bill"; } > "seeds/bill_file/$name"
    { printf '\x01\x07'; gzip -c -n "$bill"; } > "seeds/bill_file/$name.gz"
done
{ printf '\x02\x10'; cat "$bills/ecommerce_fundflow/file"; } > seeds/bill_file/ecommerce

# certificates_answer: a Wechatpay-Serial line, then a /v3/certificates body: the fixture
# certificate sealed with the test APIv3 key (under its own serial, and under another), and
# a listing with nothing sealed.
mkdir -p seeds/certificates_answer
python3 - "$fixtures/keys/platform_cert.pem" seeds/certificates_answer <<'PY'
import base64, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
pem = open(sys.argv[1], "rb").read()
key = b"Wechatpay0Test0ApiV3Key000000001"
serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
sealed = base64.b64encode(AESGCM(key).encrypt(b"61f9c719728a", pem, b"certificate")).decode()
def listing(listed_as):
    return json.dumps({"data": [{"serial_no": listed_as,
        "effective_time": "2023-01-01T08:00:00+08:00", "expire_time": "2029-01-01T08:00:00+08:00",
        "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": "61f9c719728a",
                                "associated_data": "certificate", "ciphertext": sealed}}]})
for name, header, body in [("first_download", serial, listing(serial)),
                           ("mislabelled", serial, listing("6E4C2B1A0F3D5E7A8B9C0D1E2F3A4B5C6D7E8F90")),
                           ("empty", serial, '{"data":[]}')]:
    open(f"{sys.argv[2]}/{name}", "w").write(header + "\n" + body)
PY
for target in seeds/*/; do
    printf '%-22s %s seeds\n' "$(basename "$target")" "$(ls "$target" | wc -l)"
done
