#!/usr/bin/env python3
"""Makes the e-commerce fund-flow bill vector in ecommerce_fundflow/ with Python's
`cryptography`, independently of the Rust code that decrypts it:

- key: a 32-character AES-256 key (its ASCII bytes are the key), chosen here;
- encrypt_key: that key RSA-OAEP (SHA-1, MGF1-SHA-1) encrypted to the test merchant key of
  wechatpay-fixtures, base64, as the platform sends it;
- nonce: 16 characters, as on the bill pages;
- file: AES-256-GCM of the gzip'd fundflow.csv (associated data empty), the tag appended;
- hash_value: the SHA-1 of fundflow.csv, the uncompressed bill.

OAEP is randomized: encrypt_key changes on every run, the rest does not (gzip's mtime is 0).
"""
import base64
import gzip
import hashlib
import pathlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

here = pathlib.Path(__file__).resolve().parent
keys = here.parents[2] / "wechatpay-fixtures" / "keys"
out = here / "ecommerce_fundflow"
out.mkdir(exist_ok=True)

bill = (here / "fundflow.csv").read_bytes()
key = b"Wq7mVd3LkP9sXe2RtY6uZc4NbA8hJf5G"
nonce = b"a8607ef79034c49c"
assert len(key) == 32 and len(nonce) == 16

merchant = serialization.load_pem_private_key((keys / "merchant_key.pem").read_bytes(), None)
encrypt_key = merchant.public_key().encrypt(
    key,
    padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
)
compressed = gzip.compress(bill, mtime=0)
file = AESGCM(key).encrypt(nonce, compressed, None)

(out / "key").write_bytes(key)
(out / "nonce").write_bytes(nonce)
(out / "encrypt_key").write_text(base64.b64encode(encrypt_key).decode())
(out / "file").write_bytes(file)
(out / "hash_value").write_text(hashlib.sha1(bill).hexdigest())

# The file must decrypt back with the same library, and the key with the merchant key.
assert gzip.decompress(AESGCM(key).decrypt(nonce, file, None)) == bill
assert merchant.decrypt(
    encrypt_key,
    padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
) == key
print(f"ecommerce_fundflow: {len(file)}-byte file, digest {hashlib.sha1(bill).hexdigest()}")
