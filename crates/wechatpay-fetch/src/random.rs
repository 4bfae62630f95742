//! The runtime's secure random source, for the core's functions that take an RNG.

use std::convert::Infallible;

use getrandom::SysRng;
use rand_core::{TryCryptoRng, TryRng, UnwrapErr};

/// `crypto.getRandomValues` (through `getrandom`) as a `rand_core` [`CryptoRng`]: what the
/// adapter draws nonces from, and what to pass to the core's functions that need randomness,
/// such as [`MerchantCredentials::decrypt`] (RSA blinding) or a [`RequestContext`] (OAEP).
///
/// # Panics
///
/// If `crypto.getRandomValues` fails, which [`FetchClient::new`] checks it does not: with a
/// broken random source no signature or encryption would be safe.
///
/// [`CryptoRng`]: rand_core::CryptoRng
/// [`MerchantCredentials::decrypt`]: wechatpay_core::MerchantCredentials::decrypt
/// [`RequestContext`]: wechatpay_core::RequestContext
/// [`FetchClient::new`]: crate::FetchClient::new
#[derive(Debug, Default)]
pub struct JsRandom(UnwrapErr<SysRng>);

impl TryRng for JsRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.0.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.try_fill_bytes(dst)
    }
}

impl TryCryptoRng for JsRandom {}
