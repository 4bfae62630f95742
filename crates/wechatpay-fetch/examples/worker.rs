//! The Rust half of a Cloudflare Worker that answers `GET /?out_request_no=...` with that
//! applyment's state; the JavaScript half is in the README. It exports one class:
//!
//! ```js
//! const merchant = await Merchant.create(mchid, serial_no, private_key_pem, public_key_id, public_key_pem);
//! await merchant.applyment("APPLYMENT_00000000001");
//! // { out_request_no, applyment_id (a string: it may exceed 2^53), state, state_desc, next_step }
//! ```
//!
//! The RSA runs in the runtime's WebCrypto: the keys are imported once, in `Merchant.create`,
//! as non-extractable `CryptoKey`s, and a call costs about a millisecond of CPU instead of ten.
//!
//! Build it for a Worker (for Deno too) with:
//!
//! ```sh
//! cargo build --release --target wasm32-unknown-unknown -p wechatpay-fetch --example worker
//! wasm-bindgen --target web --out-dir pkg target/wasm32-unknown-unknown/release/examples/worker.wasm
//! ```
//!
//! CI runs it, with the README's JavaScript half, under Node against the mock:
//! `worker-node.mjs`.

use std::rc::Rc;

use serde_json::json;
use wasm_bindgen::prelude::*;
use wechatpay_core::ecommerce::applyment::QueryApplymentByOutRequestNo;
use wechatpay_core::{Client, MerchantCredentials, PlatformKeys};
use wechatpay_fetch::{FetchClient, FetchTransport};
use zeroize::Zeroizing;

/// A merchant's client. Build one per Worker instance, not per request: parsing the key is
/// the expensive part.
#[wasm_bindgen]
pub struct Merchant {
    client: Rc<FetchClient>,
}

#[wasm_bindgen]
impl Merchant {
    /// Resolves to a merchant's client, from its `mchid`, certificate serial and private key
    /// (PEM), and the platform public key's id and PEM, as the merchant portal shows them;
    /// `base_url` only to point it at a mock platform. The keys go into WebCrypto here (the
    /// core checks them first); the PEM text is zeroed in wasm memory once imported.
    pub async fn create(
        mchid: String,
        serial_no: String,
        private_key_pem: String,
        public_key_id: String,
        public_key_pem: String,
        base_url: Option<String>,
    ) -> Result<Merchant, JsError> {
        let private_key_pem = Zeroizing::new(private_key_pem);
        let mut platform_keys = PlatformKeys::new();
        platform_keys.add_public_key(&public_key_id, &public_key_pem)?;
        let transport = FetchTransport::with_merchant_key(&private_key_pem, &platform_keys).await?;
        // The client holds no key: the transport signs for it.
        let credentials = MerchantCredentials::signed_elsewhere(mchid.parse()?, serial_no.parse()?);
        let mut core = Client::new(credentials, platform_keys)?;
        if let Some(base_url) = base_url {
            core = core.with_base_url(&base_url)?;
        }
        Ok(Merchant {
            client: Rc::new(FetchClient::with_transport(core, transport)?),
        })
    }

    /// Resolves to the applyment's state and what to do next; rejects with the error's text
    /// (which names the `Request-ID` when the platform answered).
    pub fn applyment(&self, out_request_no: String) -> js_sys::Promise {
        let client = self.client.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let failed = |e: &dyn std::fmt::Display| JsValue::from(JsError::new(&e.to_string()));
            let query =
                QueryApplymentByOutRequestNo::new(out_request_no).map_err(|e| failed(&e))?;
            let applyment = client.execute(&query).await.map_err(|e| failed(&e))?;
            let summary = json!({
                "out_request_no": applyment.out_request_no,
                "applyment_id": applyment.applyment_id.to_string(),
                "state": applyment.applyment_state.to_string(),
                "state_desc": applyment.applyment_state_desc,
                "next_step": format!("{:?}", applyment.next_step()),
            });
            js_sys::JSON::parse(&summary.to_string())
        })
    }
}
