//! `wechatpay submit-applyment FILE`: a sub-merchant's applyment from a JSON description in
//! the page's field names, built into the core's typed `SubmitApplyment` (every rule checked,
//! every sensitive field encrypted to the platform key) and submitted.

use std::io::Read;
use std::path::PathBuf;

use serde_json::{Map, Value};
use time::{Date, Month};
use wechatpay_core::SensitiveString;
use wechatpay_core::ecommerce::applyment::submit::{
    AccountCertInfo, AccountInfo, BankAccountType, BusinessLicenseInfo, CertType, ContactInfo,
    ContactType, FinanceInstitutionInfo, FinanceType, IdCardInfo, IdDocInfo, IdDocType,
    IdHolderType, MediaId, OrganizationType, SalesSceneInfo, SettlementInfo, SubmitApplyment,
    UboInfo, ValidityPeriod,
};

use super::{WithBody, body_text};
use crate::config::{Api, Output};
use crate::failure::{self, Failure};

#[derive(Debug, clap::Args)]
#[command(after_long_help = FORMAT)]
pub struct Args {
    /// The applyment as a JSON object in the API page's field names, with the sensitive fields
    /// (names, ID and account numbers, phone, e-mail) in PLAINTEXT: they are encrypted here.
    /// `-` reads standard input. See the end of --help for the fields taken.
    file: PathBuf,
    #[command(flatten)]
    api: Api,
}

/// What the description holds, for `--help`.
const FORMAT: &str = "\
The description is the request body of POST /v3/ecommerce/applyments/ as the API page writes
it, with plaintext where the page has ciphertext. Every field of the page is taken:
out_request_no, organization_type, merchant_shortname, account_info (with account_cert_info),
contact_info, sales_scene_info, business_license_info, id_card_info or id_doc_type + id_doc_info,
id_holder_type, authorize_letter_copy, finance_institution + finance_institution_info, owner,
ubo_info_list, settlement_info, qualifications, business_addition_pics, business_addition_desc.
Pictures are media_ids from `wechatpay upload`; dates are YYYY-MM-DD, and an end date may be
\"长期\" (long term); business_time is [\"BEGIN\",\"END\"] (as an array or as the page's string).
A field the page does not have is refused, so that a misspelt field is not silently left out.

Example (a micro merchant, organization_type 2401):
  {\"out_request_no\": \"APPLY_0001\", \"organization_type\": \"2401\",
   \"merchant_shortname\": \"爱烧烤\",
   \"id_card_info\": {\"id_card_copy\": \"MEDIA_FRONT\", \"id_card_national\": \"MEDIA_BACK\",
     \"id_card_name\": \"张三\", \"id_card_number\": \"110101199003070011\",
     \"id_card_valid_time_begin\": \"2019-06-06\", \"id_card_valid_time\": \"2039-06-06\"},
   \"account_info\": {\"bank_account_type\": \"75\", \"account_bank\": \"工商银行\",
     \"account_name\": \"张三\", \"bank_address_code\": \"110000\",
     \"account_number\": \"6214830000001234\"},
   \"contact_info\": {\"contact_type\": \"65\", \"contact_name\": \"张三\",
     \"mobile_phone\": \"13900000000\"},
   \"sales_scene_info\": {\"store_name\": \"爱烧烤\", \"store_url\": \"https://shop.example\"}}

Prints the applyment_id and out_request_no; follow it with `wechatpay applyment OUT_REQUEST_NO
--watch`. Submitting again under the same out_request_no corrects a rejected applyment.";

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let description = read(&args.file)?;
    let applyment = applyment(&description)?;
    let http = args.api.http().await?;
    let (ids, body) = super::execute(&http, &WithBody(&applyment), "submitting the applyment")
        .await
        .map_err(|error| match error {
            // The rules between fields are checked as the request is built: nothing was sent.
            wechatpay_hyper::Error::Core(core @ wechatpay_core::Error::InvalidInput { .. }) => {
                super::input_failure(core, |_| None)
            }
            other => failure::from_call(other, args.api.base_url()),
        })?;
    match args.output() {
        Output::Json => super::emit(&body_text(&body)),
        Output::Text => super::emit(&format!(
            "applyment_id   {}\nout_request_no {}\nnext           wechatpay applyment {} --watch",
            ids.applyment_id,
            wechatpay_core::Untrusted(&ids.out_request_no),
            crate::shell::quote(&ids.out_request_no),
        )),
    }
    Ok(())
}

/// The description's bytes, from the file or standard input.
fn read(file: &PathBuf) -> Result<Value, Failure> {
    let shown = file.display();
    let cannot = |e: std::io::Error| {
        Failure::usage(
            format!("cannot read {shown}: {e}"),
            "pass the path of the applyment's JSON description, or - for standard input",
        )
    };
    let bytes = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(cannot)?;
        bytes
    } else {
        std::fs::read(file).map_err(cannot)?
    };
    // serde_json's message gives the line and column, never the text there.
    serde_json::from_slice(&bytes).map_err(|e| {
        Failure::usage(
            format!("{shown} is not one JSON document: {e}"),
            "write the applyment as one JSON object (see --help)",
        )
    })
}

/// One object of the description and where it is, so that every message names the field as
/// the page does (`contact_info.mobile_phone`), and never its value.
struct Object<'a> {
    map: &'a Map<String, Value>,
    at: String,
}

fn missing(name: &str) -> Failure {
    Failure::usage(
        format!("{name} is missing"),
        format!("add {name} to the description, as the API page names it"),
    )
}

fn wrong(name: &str, expected: &str) -> Failure {
    Failure::usage(
        format!("{name} must be {expected}"),
        format!("correct {name} and run again"),
    )
}

impl<'a> Object<'a> {
    /// `value` as an object at `at`, refusing any field but `known`.
    fn new(value: &'a Value, at: String, known: &[&str]) -> Result<Self, Failure> {
        let shown = if at.is_empty() {
            "the description"
        } else {
            &at
        };
        let map = value
            .as_object()
            .ok_or_else(|| wrong(shown, "a JSON object"))?;
        if let Some(unknown) = map.keys().find(|key| !known.contains(&key.as_str())) {
            let name = if at.is_empty() {
                unknown.clone()
            } else {
                format!("{at}.{unknown}")
            };
            return Err(Failure::usage(
                format!(
                    "{} is not a field of the applyment here",
                    wechatpay_core::Untrusted(&name)
                ),
                format!(
                    "use the API page's field names; {shown} takes: {}",
                    known.join(", ")
                ),
            ));
        }
        Ok(Object { map, at })
    }

    fn name(&self, field: &str) -> String {
        if self.at.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.at)
        }
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn opt_str(&self, field: &str) -> Result<Option<&'a str>, Failure> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(wrong(&self.name(field), "a string")),
        }
    }

    fn str(&self, field: &str) -> Result<&'a str, Failure> {
        self.opt_str(field)?
            .ok_or_else(|| missing(&self.name(field)))
    }

    fn sensitive(&self, field: &str) -> Result<SensitiveString, Failure> {
        self.str(field).map(SensitiveString::new)
    }

    fn opt_sensitive(&self, field: &str) -> Result<Option<SensitiveString>, Failure> {
        Ok(self.opt_str(field)?.map(SensitiveString::new))
    }

    fn opt_bool(&self, field: &str) -> Result<Option<bool>, Failure> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(value)) => Ok(Some(*value)),
            Some(_) => Err(wrong(&self.name(field), "true or false")),
        }
    }

    fn media(&self, field: &str) -> Result<MediaId, Failure> {
        let name = self.name(field);
        checked(&name, MediaId::new(self.str(field)?))
    }

    fn opt_media(&self, field: &str) -> Result<Option<MediaId>, Failure> {
        match self.opt_str(field)? {
            None => Ok(None),
            Some(id) => checked(&self.name(field), MediaId::new(id)).map(Some),
        }
    }

    /// A list of `media_id`s; absent is empty.
    fn medias(&self, field: &str) -> Result<Vec<MediaId>, Failure> {
        let name = self.name(field);
        let Some(value) = self.get(field) else {
            return Ok(Vec::new());
        };
        let list = value
            .as_array()
            .ok_or_else(|| wrong(&name, "an array of media_ids"))?;
        list.iter()
            .enumerate()
            .map(|(i, id)| {
                let item = format!("{name}[{i}]");
                let id = id
                    .as_str()
                    .ok_or_else(|| wrong(&item, "a media_id string"))?;
                checked(&item, MediaId::new(id))
            })
            .collect()
    }

    fn object(&self, field: &str, known: &[&str]) -> Result<Object<'a>, Failure> {
        self.opt_object(field, known)?
            .ok_or_else(|| missing(&self.name(field)))
    }

    fn opt_object(&self, field: &str, known: &[&str]) -> Result<Option<Object<'a>>, Failure> {
        self.get(field)
            .map(|value| Object::new(value, self.name(field), known))
            .transpose()
    }

    /// A validity from two fields: a begin date, and an end date or `长期`.
    fn period(&self, begin: &str, end: &str) -> Result<ValidityPeriod, Failure> {
        period(
            (&self.name(begin), self.str(begin)?),
            (&self.name(end), self.str(end)?),
        )
    }
}

/// A core check of one value, under the name the description gives it.
fn checked<T>(name: &str, result: Result<T, wechatpay_core::Error>) -> Result<T, Failure> {
    result.map_err(|error| super::input_failure(error, |_| Some(name.to_owned())))
}

/// The core's own field names are the page's, so its message already names the field.
fn core<T>(result: Result<T, wechatpay_core::Error>) -> Result<T, Failure> {
    result.map_err(|error| super::input_failure(error, |_| None))
}

fn date(name: &str, text: &str) -> Result<Date, Failure> {
    let bad = || wrong(name, "a date written YYYY-MM-DD");
    let mut parts = text.splitn(3, '-');
    let mut number = |digits: usize| -> Result<u32, Failure> {
        let part = parts.next().ok_or_else(bad)?;
        if part.len() != digits || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (year, month, day) = (number(4)?, number(2)?, number(2)?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let year = i32::try_from(year).map_err(|_| bad())?;
    let day = u8::try_from(day).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

/// The page's word for a document valid for the long term.
const LONG_TERM: &str = "长期";

fn period(begin: (&str, &str), end: (&str, &str)) -> Result<ValidityPeriod, Failure> {
    let first = date(begin.0, begin.1)?;
    let result = if end.1 == LONG_TERM {
        ValidityPeriod::long_term(first)
    } else {
        ValidityPeriod::new(first, date(end.0, end.1)?)
    };
    checked(end.0, result)
}

/// The typed applyment the description describes; every check of the core applies.
fn applyment(description: &Value) -> Result<SubmitApplyment, Failure> {
    let top = Object::new(
        description,
        String::new(),
        &[
            "out_request_no",
            "organization_type",
            "finance_institution",
            "business_license_info",
            "finance_institution_info",
            "id_holder_type",
            "id_doc_type",
            "authorize_letter_copy",
            "id_card_info",
            "id_doc_info",
            "owner",
            "ubo_info_list",
            "account_info",
            "contact_info",
            "sales_scene_info",
            "settlement_info",
            "merchant_shortname",
            "qualifications",
            "business_addition_pics",
            "business_addition_desc",
        ],
    )?;
    let mut applyment = core(SubmitApplyment::new(
        top.str("out_request_no")?,
        OrganizationType::from(top.str("organization_type")?),
        account_info(&top)?,
        contact_info(&top)?,
        sales_scene_info(&top)?,
        top.str("merchant_shortname")?,
    ))?;
    if let Some(license) = business_license_info(&top)? {
        applyment = applyment.with_business_license_info(license);
    }
    let finance = top.opt_object(
        "finance_institution_info",
        &["finance_type", "finance_license_pics"],
    )?;
    match (top.opt_bool("finance_institution")?, finance) {
        (Some(false) | None, None) => {}
        (Some(true) | None, Some(info)) => {
            let info = core(FinanceInstitutionInfo::new(
                FinanceType::from(info.str("finance_type")?),
                info.medias("finance_license_pics")?,
            ))?;
            applyment = applyment.with_finance_institution(info);
        }
        (Some(true), None) => return Err(missing("finance_institution_info")),
        (Some(false), Some(_)) => {
            return Err(Failure::usage(
                "finance_institution_info is given with finance_institution false",
                "set finance_institution to true, or leave finance_institution_info out",
            ));
        }
    }
    if let Some(holder) = top.opt_str("id_holder_type")? {
        applyment = applyment.with_id_holder_type(IdHolderType::from(holder));
    }
    if let Some(letter) = top.opt_media("authorize_letter_copy")? {
        applyment = applyment.with_authorize_letter_copy(letter);
    }
    if let Some(card) = top.opt_object(
        "id_card_info",
        &[
            "id_card_copy",
            "id_card_national",
            "id_card_name",
            "id_card_number",
            "id_card_address",
            "id_card_valid_time_begin",
            "id_card_valid_time",
        ],
    )? {
        let mut info = core(IdCardInfo::new(
            card.media("id_card_copy")?,
            card.media("id_card_national")?,
            card.sensitive("id_card_name")?,
            card.sensitive("id_card_number")?,
            card.period("id_card_valid_time_begin", "id_card_valid_time")?,
        ))?;
        if let Some(address) = card.opt_sensitive("id_card_address")? {
            info = core(info.with_id_card_address(address))?;
        }
        applyment = applyment.with_id_card_info(info);
    }
    if let Some(doc) = top.opt_object(
        "id_doc_info",
        &[
            "id_doc_copy",
            "id_doc_copy_back",
            "id_doc_name",
            "id_doc_number",
            "id_doc_address",
            "doc_period_begin",
            "doc_period_end",
        ],
    )? {
        let doc_type = IdDocType::from(top.str("id_doc_type")?);
        let mut info = core(IdDocInfo::new(
            doc.media("id_doc_copy")?,
            doc.sensitive("id_doc_name")?,
            doc.sensitive("id_doc_number")?,
            doc.period("doc_period_begin", "doc_period_end")?,
        ))?;
        if let Some(back) = doc.opt_media("id_doc_copy_back")? {
            info = info.with_id_doc_copy_back(back);
        }
        if let Some(address) = doc.opt_sensitive("id_doc_address")? {
            info = core(info.with_id_doc_address(address))?;
        }
        applyment = applyment.with_id_doc_info(doc_type, info);
    } else if top.get("id_doc_type").is_some() {
        // The default, a mainland ID card, goes with id_card_info; any other needs its info.
        let doc_type = IdDocType::from(top.str("id_doc_type")?);
        if doc_type != IdDocType::MainlandIdCard {
            return Err(missing("id_doc_info"));
        }
    }
    if let Some(owner) = top.opt_bool("owner")? {
        applyment = applyment.with_owner(owner);
    }
    if let Some(list) = top.get("ubo_info_list") {
        let list = list
            .as_array()
            .ok_or_else(|| wrong("ubo_info_list", "an array"))?;
        for (i, ubo) in list.iter().enumerate() {
            applyment = core(applyment.with_ubo(ubo_info(ubo, i)?))?;
        }
    }
    if let Some(settlement) =
        top.opt_object("settlement_info", &["settlement_id", "qualification_type"])?
    {
        let mut info = SettlementInfo::new();
        match settlement.get("settlement_id") {
            None => {}
            Some(value) => {
                let id = match value {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }
                .and_then(|id| u32::try_from(id).ok())
                .ok_or_else(|| wrong("settlement_info.settlement_id", "a number such as 719"))?;
                info = info.with_settlement_id(id);
            }
        }
        if let Some(industry) = settlement.opt_str("qualification_type")? {
            info = core(info.with_qualification_type(industry))?;
        }
        applyment = applyment.with_settlement_info(info);
    }
    let qualifications = top.medias("qualifications")?;
    if !qualifications.is_empty() {
        applyment = core(applyment.with_qualifications(qualifications))?;
    }
    let pictures = top.medias("business_addition_pics")?;
    if !pictures.is_empty() {
        applyment = core(applyment.with_business_addition_pics(pictures))?;
    }
    if let Some(desc) = top.opt_str("business_addition_desc")? {
        applyment = core(applyment.with_business_addition_desc(desc))?;
    }
    Ok(applyment)
}

fn account_info(top: &Object<'_>) -> Result<AccountInfo, Failure> {
    let account = top.object(
        "account_info",
        &[
            "bank_account_type",
            "account_bank",
            "account_name",
            "bank_address_code",
            "bank_branch_id",
            "bank_name",
            "account_number",
            "account_cert_info",
        ],
    )?;
    let mut info = core(AccountInfo::new(
        BankAccountType::from(account.str("bank_account_type")?),
        account.str("account_bank")?,
        account.sensitive("account_name")?,
        account.str("bank_address_code")?,
        account.sensitive("account_number")?,
    ))?;
    if let Some(branch) = account.opt_str("bank_branch_id")? {
        info = core(info.with_bank_branch_id(branch))?;
    }
    if let Some(name) = account.opt_str("bank_name")? {
        info = core(info.with_bank_name(name))?;
    }
    if let Some(cert) = account.opt_object(
        "account_cert_info",
        &[
            "settlement_cert_pic",
            "relation_cert_pic",
            "other_cert_pics",
        ],
    )? {
        info = info.with_account_cert_info(core(AccountCertInfo::new(
            cert.media("settlement_cert_pic")?,
            cert.media("relation_cert_pic")?,
            cert.medias("other_cert_pics")?,
        ))?);
    }
    Ok(info)
}

fn contact_info(top: &Object<'_>) -> Result<ContactInfo, Failure> {
    let contact = top.object(
        "contact_info",
        &[
            "contact_type",
            "contact_name",
            "contact_id_doc_type",
            "contact_id_card_number",
            "contact_id_doc_copy",
            "contact_id_doc_copy_back",
            "contact_id_doc_period_begin",
            "contact_id_doc_period_end",
            "business_authorization_letter",
            "mobile_phone",
            "contact_email",
        ],
    )?;
    let mut info = core(ContactInfo::new(
        ContactType::from(contact.str("contact_type")?),
        contact.sensitive("contact_name")?,
        contact.sensitive("mobile_phone")?,
    ))?;
    if let Some(email) = contact.opt_sensitive("contact_email")? {
        info = core(info.with_contact_email(email))?;
    }
    let number = contact.opt_sensitive("contact_id_card_number")?;
    // The agent's document comes whole: a part of it alone would be silently left out.
    if number.is_none() {
        for part in [
            "contact_id_doc_type",
            "contact_id_doc_copy",
            "contact_id_doc_copy_back",
            "contact_id_doc_period_begin",
            "contact_id_doc_period_end",
        ] {
            if contact.get(part).is_some() {
                return Err(Failure::usage(
                    format!(
                        "contact_info.{part} is given without contact_info.contact_id_card_number"
                    ),
                    "give the agent's whole document (number, copy, period), or none of it",
                ));
            }
        }
    }
    if let Some(number) = number {
        let doc_type = contact
            .opt_str("contact_id_doc_type")?
            .map_or(IdDocType::MainlandIdCard, IdDocType::from);
        info = core(info.with_id_doc(
            doc_type,
            number,
            contact.media("contact_id_doc_copy")?,
            contact.period("contact_id_doc_period_begin", "contact_id_doc_period_end")?,
        ))?;
    }
    if let Some(back) = contact.opt_media("contact_id_doc_copy_back")? {
        info = info.with_id_doc_copy_back(back);
    }
    if let Some(letter) = contact.opt_media("business_authorization_letter")? {
        info = info.with_business_authorization_letter(letter);
    }
    Ok(info)
}

fn sales_scene_info(top: &Object<'_>) -> Result<SalesSceneInfo, Failure> {
    let scene = top.object(
        "sales_scene_info",
        &[
            "store_name",
            "store_url",
            "store_qr_code",
            "mini_program_sub_appid",
        ],
    )?;
    let name = scene.str("store_name")?;
    let mut info = match (
        scene.opt_str("store_url")?,
        scene.opt_media("store_qr_code")?,
    ) {
        (Some(url), qr_code) => {
            let info = core(SalesSceneInfo::by_url(name, url))?;
            match qr_code {
                Some(qr_code) => info.with_store_qr_code(qr_code),
                None => info,
            }
        }
        (None, Some(qr_code)) => core(SalesSceneInfo::by_qr_code(name, qr_code))?,
        (None, None) => {
            return Err(Failure::usage(
                "sales_scene_info needs store_url or store_qr_code",
                "add the shop's link (store_url) or the media_id of its QR code (store_qr_code)",
            ));
        }
    };
    if let Some(appid) = scene.opt_str("mini_program_sub_appid")? {
        info = core(info.with_mini_program_sub_appid(appid))?;
    }
    Ok(info)
}

fn business_license_info(top: &Object<'_>) -> Result<Option<BusinessLicenseInfo>, Failure> {
    let Some(license) = top.opt_object(
        "business_license_info",
        &[
            "cert_type",
            "business_license_copy",
            "business_license_number",
            "merchant_name",
            "legal_person",
            "company_address",
            "business_time",
        ],
    )?
    else {
        return Ok(None);
    };
    let mut info = core(BusinessLicenseInfo::new(
        license.media("business_license_copy")?,
        license.str("business_license_number")?,
        license.str("merchant_name")?,
        license.sensitive("legal_person")?,
    ))?;
    if let Some(cert_type) = license.opt_str("cert_type")? {
        info = info.with_cert_type(CertType::from(cert_type));
    }
    if let Some(address) = license.opt_str("company_address")? {
        info = core(info.with_company_address(address))?;
    }
    if let Some(time) = license.get("business_time") {
        let name = license.name("business_time");
        // The page sends the array as a string; an array is taken too.
        let parsed;
        let array = match time {
            Value::String(text) => {
                parsed = serde_json::from_str::<Value>(text).ok();
                parsed.as_ref()
            }
            other => Some(other),
        }
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2);
        let bad = || {
            wrong(
                &name,
                "[\"BEGIN\",\"END\"], dates YYYY-MM-DD (END may be 长期)",
            )
        };
        let array = array.ok_or_else(bad)?;
        let begin = array[0].as_str().ok_or_else(bad)?;
        let end = array[1].as_str().ok_or_else(bad)?;
        info = info.with_business_time(period((&name, begin), (&name, end))?);
    }
    Ok(Some(info))
}

fn ubo_info(value: &Value, index: usize) -> Result<UboInfo, Failure> {
    let ubo = Object::new(
        value,
        format!("ubo_info_list[{index}]"),
        &[
            "ubo_id_doc_type",
            "ubo_id_doc_copy",
            "ubo_id_doc_copy_back",
            "ubo_id_doc_name",
            "ubo_id_doc_number",
            "ubo_id_doc_address",
            "ubo_id_doc_period_begin",
            "ubo_id_doc_period_end",
        ],
    )?;
    let mut info = core(UboInfo::new(
        IdDocType::from(ubo.str("ubo_id_doc_type")?),
        ubo.media("ubo_id_doc_copy")?,
        ubo.sensitive("ubo_id_doc_name")?,
        ubo.sensitive("ubo_id_doc_number")?,
        ubo.period("ubo_id_doc_period_begin", "ubo_id_doc_period_end")?,
    ))?;
    if let Some(back) = ubo.opt_media("ubo_id_doc_copy_back")? {
        info = info.with_ubo_id_doc_copy_back(back);
    }
    if let Some(address) = ubo.opt_sensitive("ubo_id_doc_address")? {
        info = core(info.with_ubo_id_doc_address(address))?;
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_strictly() {
        assert!(date("d", "2019-06-06").is_ok());
        for bad in [
            "2019-6-06",
            "2019-02-30",
            "19-06-06",
            "2019-06-06x",
            "",
            "2019/06/06",
        ] {
            assert_eq!(date("d", bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
