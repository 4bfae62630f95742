//! `wechatpay decrypt CIPHERTEXT`

use wechatpay_core::EncryptedField;

use crate::config::Settings;
use crate::failure::Failure;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The base64 field, as in the answer.
    ciphertext: String,
}

pub fn run(settings: &Settings, args: Args) -> Result<(), Failure> {
    let credentials = settings.credentials()?;
    let plaintext = credentials.decrypt(
        &EncryptedField::new(args.ciphertext.trim()),
        &mut super::rng(),
    )?;
    // Asked for explicitly: this is the one place the plaintext is printed.
    println!("{}", plaintext.expose());
    Ok(())
}
