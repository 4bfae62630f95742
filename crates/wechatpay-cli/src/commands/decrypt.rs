//! `wechatpay decrypt CIPHERTEXT`

use wechatpay_core::EncryptedField;

use crate::config::{Format, Output, PrivateKey};
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The base64 field, as in the answer.
    ciphertext: String,
    #[command(flatten)]
    key: PrivateKey,
    #[command(flatten)]
    format: Format,
}

impl Args {
    pub fn output(&self) -> Output {
        self.format.output
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let key = args.key.merchant_key()?;
    let plaintext = key.decrypt(
        &EncryptedField::new(args.ciphertext.trim()),
        &mut super::rng(),
    )?;
    // Asked for explicitly: this is the one place the plaintext is printed.
    match args.output() {
        Output::Json => {
            super::emit(&serde_json::json!({ "plaintext": plaintext.expose() }).to_string())
        }
        Output::Text => super::emit(plaintext.expose()),
    }
    Ok(())
}
