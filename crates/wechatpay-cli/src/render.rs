//! Output: applyments and contracts as text (QR codes for links on a terminal) or JSON.
//!
//! Strings from answers are shown through `Untrusted`: a verified answer is WeChat Pay's, but
//! a control character in it must still not drive the terminal.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use serde_json::{Value, json};
use wechatpay_core::ecommerce::applyment::{Applyment, AuditDetail, NextStep};
use wechatpay_core::ecommerce::contract::Contract;
use wechatpay_core::{MerchantCredentials, Untrusted};

use crate::failure::Failure;

/// A link as a QR code drawn with half blocks, for a phone to scan off the terminal; ends with
/// a newline.
pub fn qr(link: &str) -> String {
    match QrCode::new(link.as_bytes()) {
        Ok(code) => {
            let mut drawn = code
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            drawn.push('\n');
            drawn
        }
        Err(_) => "(too long for a QR code)\n".to_owned(),
    }
}

/// The account to remit from, decrypted with the merchant key.
pub struct Revealed {
    pub account_name: String,
    pub account_no: Option<String>,
}

/// The remittance account of an applyment that asks for one, decrypted.
pub fn reveal(
    applyment: &Applyment,
    credentials: &MerchantCredentials,
) -> Result<Option<Revealed>, Failure> {
    let Some(remit) = &applyment.account_validation else {
        return Ok(None);
    };
    let mut rng = crate::commands::rng();
    let name = credentials.decrypt(&remit.account_name, &mut rng)?;
    let number = remit
        .account_no
        .as_ref()
        .map(|n| credentials.decrypt(n, &mut rng))
        .transpose()?;
    Ok(Some(Revealed {
        account_name: name.expose().to_owned(),
        account_no: number.map(|n| n.expose().to_owned()),
    }))
}

/// The next step's name and what to do, in the words the text output uses too.
fn step(next: &NextStep<'_>) -> (&'static str, String) {
    match next {
        NextStep::KeepPolling => (
            "keep_polling",
            "wait: under check or review; query again later (--watch polls)".to_owned(),
        ),
        NextStep::VerifyAccount { .. } => (
            "verify_account",
            "verify the settlement account, one of:".to_owned(),
        ),
        NextStep::FixRejected { .. } => (
            "fix_rejected",
            "fix the rejected items and submit again:".to_owned(),
        ),
        NextStep::Sign { .. } => (
            "sign",
            "the super administrator scans this link to sign:".to_owned(),
        ),
        NextStep::Done { sub_mchid } => (
            "done",
            format!(
                "nothing: sub-merchant {} can trade",
                Untrusted(sub_mchid.unwrap_or("(id not given)"))
            ),
        ),
        NextStep::Frozen { .. } => (
            "frozen",
            "contact WeChat Pay: the applyment is frozen".to_owned(),
        ),
        NextStep::Canceled => (
            "canceled",
            "submit a new application with a new out_request_no".to_owned(),
        ),
        NextStep::Unrecognized { state } => (
            "unrecognized",
            format!(
                "unrecognised state {}: check the merchant platform",
                Untrusted(state)
            ),
        ),
        _ => ("unknown", "check the merchant platform".to_owned()),
    }
}

/// The applyment, and what to do next. Account fields are shown only when `revealed`; links
/// are drawn as QR codes when `qr_codes` (stdout is a terminal).
pub fn applyment(applyment: &Applyment, revealed: Option<&Revealed>, qr_codes: bool) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: &str| {
        out.push_str(&format!("{label:<13}{value}\n"));
    };
    let qr = |link: &str| if qr_codes { qr(link) } else { String::new() };
    line(
        &mut out,
        "applyment",
        &format!(
            "{} (applyment_id {})",
            Untrusted(&applyment.out_request_no),
            applyment.applyment_id
        ),
    );
    line(
        &mut out,
        "state",
        &format!(
            "{} ({})",
            Untrusted(applyment.applyment_state.as_str()),
            Untrusted(&applyment.applyment_state_desc)
        ),
    );
    if let Some(sign_state) = &applyment.sign_state {
        line(
            &mut out,
            "sign state",
            &Untrusted(sign_state.as_str()).to_string(),
        );
    }
    if let Some(sub_mchid) = &applyment.sub_mchid {
        line(&mut out, "sub_mchid", &Untrusted(sub_mchid).to_string());
    }
    let next = applyment.next_step();
    line(&mut out, "next", &step(&next).1);
    match next {
        NextStep::VerifyAccount {
            remittance,
            legal_validation_url,
        } => {
            if let Some(remit) = remittance {
                const HIDDEN: &str = "<hidden: --reveal shows it>";
                let (name, number) = match revealed {
                    Some(account) => (
                        Untrusted(&account.account_name).to_string(),
                        account
                            .account_no
                            .as_deref()
                            .map(|n| Untrusted(n).to_string()),
                    ),
                    None => (
                        HIDDEN.to_owned(),
                        remit.account_no.as_ref().map(|_| HIDDEN.to_owned()),
                    ),
                };
                out.push_str(&format!(
                    "  - remit {} CNY before {} (Beijing time)\n      from account name {}{}\n      to {} / {} ({}, {})\n      with remark {:?}\n",
                    remit.pay_amount_yuan(),
                    Untrusted(&remit.deadline),
                    name,
                    number.map(|n| format!(", card {n}")).unwrap_or_default(),
                    Untrusted(&remit.destination_account_name),
                    Untrusted(&remit.destination_account_number),
                    Untrusted(&remit.destination_account_bank),
                    Untrusted(&remit.city),
                    remit.remark,
                ));
            }
            if let Some(url) = legal_validation_url {
                out.push_str(&format!(
                    "  - the legal person scans this link to verify:\n      {}\n{}",
                    Untrusted(url),
                    qr(url)
                ));
            }
        }
        NextStep::FixRejected { items } | NextStep::Frozen { items } => {
            push_items(&mut out, items);
        }
        NextStep::Sign { sign_url } => match sign_url {
            Some(url) => out.push_str(&format!("  {}\n{}", Untrusted(url), qr(url))),
            None => out.push_str("  (no sign_url in the answer: query again shortly)\n"),
        },
        _ => {}
    }
    out
}

fn push_items(out: &mut String, items: &[AuditDetail]) {
    for item in items {
        out.push_str(&format!(
            "  - {}: {}\n",
            Untrusted(&item.param_name),
            Untrusted(&item.reject_reason)
        ));
    }
}

/// The applyment for scripts: the verified body as received under `applyment`, the computed
/// next step under `next`, and the decrypted account under `revealed` when asked for.
pub fn applyment_json(applyment: &Applyment, body: &[u8], revealed: Option<&Revealed>) -> String {
    let next = applyment.next_step();
    let (name, action) = step(&next);
    let mut step = json!({ "step": name, "action": action });
    let items = |items: &[AuditDetail]| -> Value {
        items
            .iter()
            .map(|i| json!({ "param_name": i.param_name, "reject_reason": i.reject_reason }))
            .collect()
    };
    let extra = match next {
        NextStep::VerifyAccount {
            legal_validation_url,
            ..
        } => json!({ "legal_validation_url": legal_validation_url }),
        NextStep::FixRejected { items: list } | NextStep::Frozen { items: list } => {
            json!({ "items": items(list) })
        }
        NextStep::Sign { sign_url } => json!({ "sign_url": sign_url }),
        NextStep::Done { sub_mchid } => json!({ "sub_mchid": sub_mchid }),
        NextStep::Unrecognized { state } => json!({ "state": state }),
        _ => json!({}),
    };
    if let (Value::Object(step), Value::Object(extra)) = (&mut step, extra) {
        step.extend(extra);
    }
    let revealed = revealed.map(
        |account| json!({ "account_name": account.account_name, "account_no": account.account_no }),
    );
    // The body is spliced in as received (it decoded, so it is JSON): re-serialising it
    // would reorder its keys.
    let mut out = format!(
        "{{\"applyment\":{},\"next\":{step}",
        crate::commands::body_text(body)
    );
    if let Some(revealed) = revealed {
        out.push_str(&format!(",\"revealed\":{revealed}"));
    }
    out.push('}');
    out
}

/// The contract, with strings shown escaped so that a trailing tab or space is visible.
pub fn contract(out_contract_code: &str, appid: &str, contract: &Contract) -> String {
    let mut out = format!(
        "{:<13}{} (appid {})\n",
        "contract",
        Untrusted(out_contract_code),
        Untrusted(appid)
    );
    out.push_str(&format!(
        "{:<13}{}\n",
        "auth state",
        Untrusted(contract.auth_state.as_str())
    ));
    if let Some(signed_time) = &contract.signed_time {
        out.push_str(&format!("{:<13}{}\n", "signed", Untrusted(signed_time)));
    }
    if let Some(openid) = &contract.individual_openid {
        out.push_str(&format!("{:<13}{openid:?}\n", "openid"));
    }
    if let Some(auth_id) = &contract.individual_auth_id {
        out.push_str(&format!("{:<13}{}\n", "auth id", Untrusted(auth_id)));
    }
    if let Some(real_name) = &contract.real_name_auth_result {
        out.push_str(&format!(
            "{:<13}scope {}, access token {}, expires {}\n",
            "real name",
            Untrusted(real_name.scope.as_deref().unwrap_or("-")),
            if real_name.access_token.is_some() {
                "<redacted>"
            } else {
                "-"
            },
            Untrusted(real_name.access_token_expire_time.as_deref().unwrap_or("-")),
        ));
    }
    out
}
