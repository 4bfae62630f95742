//! Text output: applyments, contracts, QR codes.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use wechatpay_core::MerchantCredentials;
use wechatpay_core::ecommerce::applyment::{Applyment, AuditDetail, NextStep};
use wechatpay_core::ecommerce::contract::Contract;

use crate::failure::Failure;

/// A link as a QR code drawn with half blocks, for a phone to scan off the terminal.
pub fn qr(link: &str) -> String {
    match QrCode::new(link.as_bytes()) {
        Ok(code) => code
            .render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(_) => "(too long for a QR code)".to_owned(),
    }
}

/// The applyment, and what to do next. Account fields are decrypted only when `reveal`.
pub fn applyment(
    applyment: &Applyment,
    credentials: &MerchantCredentials,
    reveal: bool,
) -> Result<String, Failure> {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: &str| {
        out.push_str(&format!("{label:<13}{value}\n"));
    };
    line(
        &mut out,
        "applyment",
        &format!(
            "{} (applyment_id {})",
            applyment.out_request_no, applyment.applyment_id
        ),
    );
    line(
        &mut out,
        "state",
        &format!(
            "{} ({})",
            applyment.applyment_state, applyment.applyment_state_desc
        ),
    );
    if let Some(sign_state) = &applyment.sign_state {
        line(&mut out, "sign state", sign_state.as_str());
    }
    if let Some(sub_mchid) = &applyment.sub_mchid {
        line(&mut out, "sub_mchid", sub_mchid);
    }
    match applyment.next_step() {
        NextStep::KeepPolling => line(
            &mut out,
            "next",
            "wait: under check or review; query again later (--watch polls)",
        ),
        NextStep::VerifyAccount {
            remittance,
            legal_validation_url,
        } => {
            line(&mut out, "next", "verify the settlement account, one of:");
            if let Some(remit) = remittance {
                let (name, number) = if reveal {
                    let mut rng = crate::commands::rng();
                    let name = credentials.decrypt(&remit.account_name, &mut rng)?;
                    let number = remit
                        .account_no
                        .as_ref()
                        .map(|n| credentials.decrypt(n, &mut rng))
                        .transpose()?;
                    (
                        name.expose().to_owned(),
                        number.map(|n| n.expose().to_owned()),
                    )
                } else {
                    (
                        "<hidden: --reveal shows it>".to_owned(),
                        remit
                            .account_no
                            .as_ref()
                            .map(|_| "<hidden: --reveal shows it>".to_owned()),
                    )
                };
                out.push_str(&format!(
                    "  - remit {} CNY before {} (Beijing time)\n      from account name {}{}\n      to {} / {} ({}, {})\n      with remark {:?}\n",
                    remit.pay_amount_yuan(),
                    remit.deadline,
                    name,
                    number.map(|n| format!(", card {n}")).unwrap_or_default(),
                    remit.destination_account_name,
                    remit.destination_account_number,
                    remit.destination_account_bank,
                    remit.city,
                    remit.remark,
                ));
            }
            if let Some(url) = legal_validation_url {
                out.push_str(&format!(
                    "  - the legal person scans this link to verify:\n      {url}\n{}",
                    qr(url)
                ));
            }
        }
        NextStep::FixRejected { items } => {
            line(&mut out, "next", "fix the rejected items and submit again:");
            push_items(&mut out, items);
        }
        NextStep::Sign { sign_url } => {
            line(
                &mut out,
                "next",
                "the super administrator scans this link to sign:",
            );
            match sign_url {
                Some(url) => out.push_str(&format!("  {url}\n{}", qr(url))),
                None => out.push_str("  (no sign_url in the answer: query again shortly)\n"),
            }
        }
        NextStep::Done { sub_mchid } => line(
            &mut out,
            "next",
            &format!(
                "nothing: sub-merchant {} can trade",
                sub_mchid.unwrap_or("(id not given)")
            ),
        ),
        NextStep::Frozen { items } => {
            line(
                &mut out,
                "next",
                "contact WeChat Pay: the applyment is frozen",
            );
            push_items(&mut out, items);
        }
        NextStep::Canceled => line(
            &mut out,
            "next",
            "submit a new application with a new out_request_no",
        ),
        NextStep::Unrecognized { state } => line(
            &mut out,
            "next",
            &format!("unrecognised state {state}: check the merchant platform"),
        ),
        _ => line(&mut out, "next", "check the merchant platform"),
    }
    Ok(out)
}

fn push_items(out: &mut String, items: &[AuditDetail]) {
    for item in items {
        out.push_str(&format!(
            "  - {}: {}\n",
            item.param_name, item.reject_reason
        ));
    }
}

/// The contract, with strings shown escaped so that a trailing tab or space is visible.
pub fn contract(out_contract_code: &str, appid: &str, contract: &Contract) -> String {
    let mut out = format!("{:<13}{out_contract_code} (appid {appid})\n", "contract");
    out.push_str(&format!("{:<13}{}\n", "auth state", contract.auth_state));
    out.push_str(&format!("{:<13}{}\n", "signed", contract.signed_time));
    if let Some(openid) = &contract.individual_openid {
        out.push_str(&format!("{:<13}{openid:?}\n", "openid"));
    }
    if let Some(auth_id) = &contract.individual_auth_id {
        out.push_str(&format!("{:<13}{auth_id}\n", "auth id"));
    }
    if let Some(real_name) = &contract.real_name_auth_result {
        out.push_str(&format!(
            "{:<13}scope {}, access token {}, expires {}\n",
            "real name",
            real_name.scope.as_deref().unwrap_or("-"),
            if real_name.access_token.is_some() {
                "<redacted>"
            } else {
                "-"
            },
            real_name.access_token_expire_time.as_deref().unwrap_or("-"),
        ));
    }
    out
}
