#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target from the core's test vectors, into fuzz/seeds/.
set -euo pipefail
cd "$(dirname "$0")"
vectors=../crates/wechatpay-core/testdata/vectors
rm -rf seeds
mkdir -p seeds/{verify_response,authorization_header,decode_operations,path_params,decrypt_field,callback_body}

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]], end="")' "$1" "$2"; }

for case in "$vectors"/verify/*/; do
    name=$(basename "$case")
    {
        for key in timestamp nonce signature serial; do field "$case/input.json" "$key"; printf '\n'; done
        printf '200\n'
        cat "$case/body"
    } > "seeds/verify_response/$name"
    cp "$case/body" "seeds/decode_operations/$name"
done
# Every optional part of an applyment at once, as the decoders see it past verification.
cat > seeds/decode_operations/every_field <<'JSON'
{"applyment_state":"ACCOUNT_NEED_VERIFY","applyment_state_desc":"待账户验证","sign_url":"https://pay.weixin.qq.com/s","sub_mchid":"1542488631","account_validation":{"account_name":"AAAA","account_no":"AAAA","pay_amount":124,"destination_account_number":"7222223333322332","destination_account_name":"财付通支付科技有限公司","destination_account_bank":"招商银行威盛大厦支行","city":"深圳","remark":"入驻账户验证","deadline":"2018-12-10 17:09:01"},"audit_detail":[{"param_name":"id_card_copy","reject_reason":"模糊"}],"legal_validation_url":"https://pay.weixin.qq.com/l","out_request_no":"A","applyment_id":18446744073709551615,"sign_state":"UNSIGNED","signed_time":"2018-06-08T10:34:56+08:00","auth_state":"AUTHORIZED","real_name_auth_result":{"scope":"pay_realname","access_token":"T","access_token_expire_time":"2018-06-08T12:34:56+08:00"}}
JSON
cp "$vectors"/../pages/*.json seeds/decode_operations/
for case in "$vectors"/sign/*/; do
    cp "$case/authorization" "seeds/authorization_header/$(basename "$case")"
    field "$case/input.json" path_and_query > "seeds/path_params/$(basename "$case")"
done
printf 'a b/c?d#e%%f+申请' > seeds/path_params/out_request_no
printf 'APPLYMENT_00000000001\0wxd678efh567h23787' > seeds/path_params/contract
for case in "$vectors"/oaep/*/ "$vectors"/oaep_not_utf8/; do
    cp "$case/ciphertext" "seeds/decrypt_field/$(basename "$case")"
done
for case in "$vectors"/notification/*/; do
    cp "$case/body" "seeds/callback_body/$(basename "$case")"
done
for target in seeds/*/; do
    printf '%-22s %s seeds\n' "$(basename "$target")" "$(ls "$target" | wc -l)"
done
