//! `POST /v3/ecommerce/applyments/` (提交申请单): the platform submits a sub-merchant's
//! application, and WeChat Pay answers the applyment's ids.
//!
//! The model follows the API page: one [`SubmitApplyment`] with the parts every applyment
//! has (settlement account, super administrator, shop, short name) given to
//! [`SubmitApplyment::new`], and the parts that depend on the kind of subject added with
//! `with_*`. Images and documents are named by the `media_id` an upload answered
//! ([`crate::merchant::media::UploadMedia`]), as a [`MediaId`].
//!
//! Personal data (names, ID and bank account numbers, the phone and e-mail of the super
//! administrator) is taken as [`SensitiveString`] and encrypted only when the request is built,
//! through its [`RequestContext`]: the plaintext never reaches the body, an error message or
//! `Debug`. The rules the page states between fields (which subjects need a business licence,
//! which account types each may use, what an agent acting as administrator must bring) are
//! checked when the request is built, before anything is signed.

use std::fmt;

use http::Method;
use serde::Serialize;
use time::Date;

use super::ApplymentIds;
use crate::body::RequestParts;
use crate::context::RequestContext;
use crate::ecommerce::{Alphabet, CODE, check_text, protocol_enum};
use crate::endpoint::{Endpoint, param};
use crate::error::Error;
use crate::operation::{Operation, VerifiedBody};
use crate::sensitive::SensitiveString;

const PATH: &str = "/v3/ecommerce/applyments/";

/// The longest plaintext of an encrypted field, in UTF-8 bytes: what RSA-OAEP (SHA-1) fits in
/// one block of a 2048-bit key, the size of every platform key.
pub const MAX_ENCRYPTED_BYTES: usize = 214;

/// The most pictures a list of `media_id`s takes (`qualifications`, `business_addition_pics`,
/// `finance_license_pics`).
pub const MAX_PICTURES: usize = 5;

/// The most beneficial owners (`ubo_info_list`) an applyment lists.
pub const MAX_UBOS: usize = 4;

/// The longest `merchant_shortname`, in UTF-8 bytes (21 Chinese characters).
pub const MAX_SHORTNAME_BYTES: usize = 64;

/// What a `media_id` may hold: the platform's ids are URL-safe base64; anything printable
/// is let through, so that an id of another shape is the platform's to judge.
const MEDIA_ID: Alphabet = Alphabet {
    allows: |c| c.is_ascii_graphic(),
    description: "printable ASCII without spaces",
};

/// A unified social credit code or certificate number.
const LICENSE_NUMBER: Alphabet = Alphabet {
    allows: |c| c.is_ascii_alphanumeric(),
    description: "ASCII letters and digits",
};

/// Codes of the bank tables (`bank_address_code`, `bank_branch_id`) and account numbers.
pub(crate) const DIGITS: Alphabet = Alphabet {
    allows: |c| c.is_ascii_digit(),
    description: "ASCII digits",
};

protocol_enum! {
    /// `organization_type`: the kind of subject applying.
    pub enum OrganizationType {
        /// `2401` 小微商户: a person selling without a business licence.
        Micro => "2401",
        /// `2500` 个人卖家: a person selling without a licence for more than six months and
        /// above the revenue threshold; needs `business_addition_desc`.
        PersonalSeller => "2500",
        /// `4` 个体工商户: a sole proprietorship.
        IndividualBusiness => "4",
        /// `2` 企业: a company.
        Enterprise => "2",
        /// `3` 事业单位: a public institution.
        PublicInstitution => "3",
        /// `2502` 政府机关: a government body.
        Government => "2502",
        /// `1708` 社会组织: a social organisation.
        SocialOrganization => "1708",
    }
}

impl OrganizationType {
    /// Whether the subject is a person without a licence (`2401`, `2500`): no business licence,
    /// a personal account, no e-mail needed.
    pub fn is_personal(&self) -> bool {
        matches!(
            self,
            OrganizationType::Micro | OrganizationType::PersonalSeller
        )
    }
}

protocol_enum! {
    /// `cert_type`: the registration certificate of a public institution, government body or
    /// social organisation.
    pub enum CertType {
        /// `CERTIFICATE_TYPE_2388` 事业单位法人证书.
        PublicInstitutionLegalPerson => "CERTIFICATE_TYPE_2388",
        /// `CERTIFICATE_TYPE_2389` 统一社会信用代码证书.
        UnifiedSocialCreditCode => "CERTIFICATE_TYPE_2389",
        /// `CERTIFICATE_TYPE_2390`.
        Type2390 => "CERTIFICATE_TYPE_2390",
        /// `CERTIFICATE_TYPE_2391`.
        Type2391 => "CERTIFICATE_TYPE_2391",
        /// `CERTIFICATE_TYPE_2392`.
        Type2392 => "CERTIFICATE_TYPE_2392",
        /// `CERTIFICATE_TYPE_2393`.
        Type2393 => "CERTIFICATE_TYPE_2393",
        /// `CERTIFICATE_TYPE_2394` 社会团体法人登记证书.
        SocialGroupLegalPerson => "CERTIFICATE_TYPE_2394",
        /// `CERTIFICATE_TYPE_2395` 民办非企业单位登记证书.
        PrivateNonEnterpriseUnit => "CERTIFICATE_TYPE_2395",
        /// `CERTIFICATE_TYPE_2396` 基金会法人登记证书.
        FoundationLegalPerson => "CERTIFICATE_TYPE_2396",
        /// `CERTIFICATE_TYPE_2399` 宗教活动场所登记证.
        ReligiousVenue => "CERTIFICATE_TYPE_2399",
        /// `CERTIFICATE_TYPE_2400` 政府部门下发的其他有效证明文件.
        OtherGovernmentDocument => "CERTIFICATE_TYPE_2400",
        /// `CERTIFICATE_TYPE_2520` 执业许可证/执业证.
        PracticeLicense => "CERTIFICATE_TYPE_2520",
        /// `CERTIFICATE_TYPE_2521` 基层群众性自治组织特别法人统一社会信用代码证.
        GrassrootsSelfGovernment => "CERTIFICATE_TYPE_2521",
        /// `CERTIFICATE_TYPE_2522` 农村集体经济组织登记证.
        RuralCollectiveEconomy => "CERTIFICATE_TYPE_2522",
    }
}

protocol_enum! {
    /// `finance_type`: the kind of financial institution.
    pub enum FinanceType {
        /// `BANK_AGENT` 银行业.
        BankAgent => "BANK_AGENT",
        /// `PAYMENT_AGENT` 支付机构.
        PaymentAgent => "PAYMENT_AGENT",
        /// `INSURANCE` 保险业.
        Insurance => "INSURANCE",
        /// `TRADE_AND_SETTLE` 交易及结算类金融机构.
        TradeAndSettle => "TRADE_AND_SETTLE",
        /// `OTHER` 其他金融机构.
        Other => "OTHER",
    }
}

protocol_enum! {
    /// `id_holder_type`: who the identity document belongs to, for public institutions and
    /// government bodies.
    pub enum IdHolderType {
        /// `LEGAL` 法人: the legal person (the default).
        Legal => "LEGAL",
        /// `SUPER` 经办人: an agent; needs `authorize_letter_copy`.
        Super => "SUPER",
    }
}

protocol_enum! {
    /// An identity document type (`id_doc_type`, `ubo_id_doc_type`, `contact_id_doc_type`).
    pub enum IdDocType {
        /// 中国大陆居民-身份证: the mainland ID card, the default.
        MainlandIdCard => "IDENTIFICATION_TYPE_MAINLAND_IDCARD",
        /// 其他国家或地区居民-护照.
        OverseaPassport => "IDENTIFICATION_TYPE_OVERSEA_PASSPORT",
        /// 中国香港居民-来往内地通行证.
        Hongkong => "IDENTIFICATION_TYPE_HONGKONG",
        /// 中国澳门居民-来往内地通行证.
        Macao => "IDENTIFICATION_TYPE_MACAO",
        /// 中国台湾居民-来往大陆通行证.
        Taiwan => "IDENTIFICATION_TYPE_TAIWAN",
        /// 外国人居留证.
        ForeignResident => "IDENTIFICATION_TYPE_FOREIGN_RESIDENT",
        /// 港澳居民证.
        HongkongMacaoResident => "IDENTIFICATION_TYPE_HONGKONG_MACAO_RESIDENT",
        /// 台湾居民证.
        TaiwanResident => "IDENTIFICATION_TYPE_TAIWAN_RESIDENT",
    }
}

protocol_enum! {
    /// `bank_account_type`: whose account the money settles to.
    pub enum BankAccountType {
        /// `74` 对公账户: the subject's corporate account.
        Corporate => "74",
        /// `75` 对私账户: the operator's personal account.
        Personal => "75",
    }
}

protocol_enum! {
    /// `contact_type`: who the super administrator is.
    pub enum ContactType {
        /// `65` 经营者/法人: the operator or legal person.
        Legal => "65",
        /// `66` 经办人: an agent authorised by the subject; needs an identity document and
        /// `business_authorization_letter`.
        Agent => "66",
    }
}

/// The `media_id` of an uploaded image ([`crate::merchant::media::UploadMedia`]), as the
/// applyment names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct MediaId(String);

impl MediaId {
    /// Checks the id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`media_id`) unless 1 to 256 printable ASCII characters.
    pub fn new(media_id: impl Into<String>) -> Result<Self, Error> {
        let media_id = media_id.into();
        check_text("media_id", &media_id, 256, Some(&MEDIA_ID))?;
        Ok(MediaId(media_id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MediaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long a document is valid: from `begin` until `end`, or for the long term (`长期`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    begin: Date,
    end: Option<Date>,
}

/// The text of a long-term end, as the page writes it.
const LONG_TERM: &str = "长期";

impl ValidityPeriod {
    /// Valid from `begin` until `end`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`period`) unless `end` is after `begin`, and both years have
    /// four digits.
    pub fn new(begin: Date, end: Date) -> Result<Self, Error> {
        check_year(begin)?;
        check_year(end)?;
        if end <= begin {
            return Err(Error::invalid(
                "period",
                "the end must be after the beginning",
            ));
        }
        Ok(ValidityPeriod {
            begin,
            end: Some(end),
        })
    }

    /// Valid from `begin` for the long term.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`period`) unless the year has four digits.
    pub fn long_term(begin: Date) -> Result<Self, Error> {
        check_year(begin)?;
        Ok(ValidityPeriod { begin, end: None })
    }

    /// The first day.
    pub fn begin(&self) -> Date {
        self.begin
    }

    /// The last day, or `None` for the long term.
    pub fn end(&self) -> Option<Date> {
        self.end
    }

    fn begin_text(&self) -> String {
        date_text(self.begin)
    }

    fn end_text(&self) -> String {
        self.end.map_or_else(|| LONG_TERM.to_owned(), date_text)
    }
}

fn check_year(date: Date) -> Result<(), Error> {
    if (1000..=9999).contains(&date.year()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "period",
            format!("year {} is not a four-digit year", date.year()),
        ))
    }
}

/// `yyyy-MM-dd`, as the page writes dates (the crate's `time` has no formatting feature).
fn date_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Checks a plaintext that will be encrypted: present, and within one RSA block. The message
/// never shows the text.
pub(crate) fn check_sensitive(field: &'static str, value: &SensitiveString) -> Result<(), Error> {
    let len = value.expose().len();
    if len == 0 || len > MAX_ENCRYPTED_BYTES || value.expose().trim().is_empty() {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {MAX_ENCRYPTED_BYTES} bytes of UTF-8, not blank, got {len}"),
        ));
    }
    Ok(())
}

/// A mainland ID card number: 15 digits, or 17 digits and a check digit or `X`.
pub(crate) fn check_id_card_number(
    field: &'static str,
    value: &SensitiveString,
) -> Result<(), Error> {
    let text = value.expose();
    let valid = match text.len() {
        15 => text.bytes().all(|b| b.is_ascii_digit()),
        18 => {
            let (body, check) = text.split_at(17);
            body.bytes().all(|b| b.is_ascii_digit())
                && (check == "X" || check.bytes().all(|b| b.is_ascii_digit()))
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            "must be 15 digits, or 17 digits followed by a digit or 'X'",
        ))
    }
}

fn check_pictures(field: &'static str, pictures: &[MediaId], min: usize) -> Result<(), Error> {
    if pictures.len() < min || pictures.len() > MAX_PICTURES {
        return Err(Error::invalid(
            field,
            format!(
                "takes {min} to {MAX_PICTURES} media_ids, got {}",
                pictures.len()
            ),
        ));
    }
    Ok(())
}

/// `business_license_info`: the business licence (个体工商户, 企业) or registration certificate
/// (政府机关, 事业单位, 社会组织).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessLicenseInfo {
    business_license_copy: MediaId,
    business_license_number: String,
    merchant_name: String,
    /// Sent in clear, as the page has it, but a person's name: redacted in `Debug`.
    legal_person: SensitiveString,
    cert_type: Option<CertType>,
    company_address: Option<String>,
    business_time: Option<ValidityPeriod>,
}

impl BusinessLicenseInfo {
    /// The licence's picture, number (the unified social credit code), the subject's name as
    /// printed, and its legal person's name (sent in clear, as the page has it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `business_license_number` unless 1 to 18 ASCII letters and
    /// digits; `merchant_name` and `legal_person` unless 1 to 128 characters.
    pub fn new(
        business_license_copy: MediaId,
        business_license_number: impl Into<String>,
        merchant_name: impl Into<String>,
        legal_person: SensitiveString,
    ) -> Result<Self, Error> {
        let business_license_number = business_license_number.into();
        let merchant_name = merchant_name.into();
        check_text(
            "business_license_info.business_license_number",
            &business_license_number,
            18,
            Some(&LICENSE_NUMBER),
        )?;
        check_text(
            "business_license_info.merchant_name",
            &merchant_name,
            128,
            None,
        )?;
        let count = legal_person.expose().chars().count();
        if count == 0 || count > 128 || legal_person.expose().trim().is_empty() {
            return Err(Error::invalid(
                "business_license_info.legal_person",
                format!("must be 1 to 128 characters, not blank, got {count}"),
            ));
        }
        Ok(BusinessLicenseInfo {
            business_license_copy,
            business_license_number,
            merchant_name,
            legal_person,
            cert_type: None,
            company_address: None,
            business_time: None,
        })
    }

    /// With `cert_type`: which registration certificate (政府机关, 事业单位, 社会组织 only).
    pub fn with_cert_type(self, cert_type: CertType) -> Self {
        BusinessLicenseInfo {
            cert_type: Some(cert_type),
            ..self
        }
    }

    /// With `company_address`, the registered address (required of 政府机关, 事业单位,
    /// 社会组织).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`business_license_info.company_address`) unless 1 to 128
    /// characters.
    pub fn with_company_address(self, company_address: impl Into<String>) -> Result<Self, Error> {
        let company_address = company_address.into();
        check_text(
            "business_license_info.company_address",
            &company_address,
            128,
            None,
        )?;
        Ok(BusinessLicenseInfo {
            company_address: Some(company_address),
            ..self
        })
    }

    /// With `business_time`, the certificate's validity (required of 政府机关, 事业单位,
    /// 社会组织).
    pub fn with_business_time(self, period: ValidityPeriod) -> Self {
        BusinessLicenseInfo {
            business_time: Some(period),
            ..self
        }
    }
}

/// `finance_institution_info`: the licence of a financial institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinanceInstitutionInfo {
    finance_type: FinanceType,
    finance_license_pics: Vec<MediaId>,
}

impl FinanceInstitutionInfo {
    /// The kind of institution and the pictures of its licences.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`finance_institution_info.finance_license_pics`) unless 1 to
    /// [`MAX_PICTURES`] pictures.
    pub fn new(
        finance_type: FinanceType,
        finance_license_pics: Vec<MediaId>,
    ) -> Result<Self, Error> {
        check_pictures(
            "finance_institution_info.finance_license_pics",
            &finance_license_pics,
            1,
        )?;
        Ok(FinanceInstitutionInfo {
            finance_type,
            finance_license_pics,
        })
    }
}

/// `id_card_info`: the legal person's (or operator's) mainland ID card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCardInfo {
    id_card_copy: MediaId,
    id_card_national: MediaId,
    id_card_name: SensitiveString,
    id_card_number: SensitiveString,
    id_card_address: Option<SensitiveString>,
    valid: ValidityPeriod,
}

impl IdCardInfo {
    /// The pictures of both sides (portrait, national emblem), the name and number (encrypted
    /// when the request is built) and the card's validity.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `id_card_info.id_card_name` empty or over
    /// [`MAX_ENCRYPTED_BYTES`]; `id_card_info.id_card_number` not 15 digits or 17 digits and a
    /// check digit or `X`. The messages never show the values.
    pub fn new(
        id_card_copy: MediaId,
        id_card_national: MediaId,
        id_card_name: SensitiveString,
        id_card_number: SensitiveString,
        valid: ValidityPeriod,
    ) -> Result<Self, Error> {
        check_sensitive("id_card_info.id_card_name", &id_card_name)?;
        check_id_card_number("id_card_info.id_card_number", &id_card_number)?;
        Ok(IdCardInfo {
            id_card_copy,
            id_card_national,
            id_card_name,
            id_card_number,
            id_card_address: None,
            valid,
        })
    }

    /// With `id_card_address`, the address on the card (required of companies), encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`id_card_info.id_card_address`) when empty or over
    /// [`MAX_ENCRYPTED_BYTES`].
    pub fn with_id_card_address(self, address: SensitiveString) -> Result<Self, Error> {
        check_sensitive("id_card_info.id_card_address", &address)?;
        Ok(IdCardInfo {
            id_card_address: Some(address),
            ..self
        })
    }
}

/// `id_doc_info`: the legal person's identity document when it is not a mainland ID card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdDocInfo {
    id_doc_copy: MediaId,
    id_doc_copy_back: Option<MediaId>,
    id_doc_name: SensitiveString,
    id_doc_number: SensitiveString,
    id_doc_address: Option<SensitiveString>,
    period: ValidityPeriod,
}

impl IdDocInfo {
    /// The picture of the front, the name and number (encrypted) and the validity.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`id_doc_info.id_doc_name`, `id_doc_info.id_doc_number`) when
    /// empty or over [`MAX_ENCRYPTED_BYTES`].
    pub fn new(
        id_doc_copy: MediaId,
        id_doc_name: SensitiveString,
        id_doc_number: SensitiveString,
        period: ValidityPeriod,
    ) -> Result<Self, Error> {
        check_sensitive("id_doc_info.id_doc_name", &id_doc_name)?;
        check_sensitive("id_doc_info.id_doc_number", &id_doc_number)?;
        Ok(IdDocInfo {
            id_doc_copy,
            id_doc_copy_back: None,
            id_doc_name,
            id_doc_number,
            id_doc_address: None,
            period,
        })
    }

    /// With `id_doc_copy_back`, the back (every document but a passport has one).
    pub fn with_id_doc_copy_back(self, back: MediaId) -> Self {
        IdDocInfo {
            id_doc_copy_back: Some(back),
            ..self
        }
    }

    /// With `id_doc_address` (required of companies), encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`id_doc_info.id_doc_address`) when empty or over
    /// [`MAX_ENCRYPTED_BYTES`].
    pub fn with_id_doc_address(self, address: SensitiveString) -> Result<Self, Error> {
        check_sensitive("id_doc_info.id_doc_address", &address)?;
        Ok(IdDocInfo {
            id_doc_address: Some(address),
            ..self
        })
    }
}

/// One of `ubo_info_list`: a beneficial owner of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UboInfo {
    ubo_id_doc_type: IdDocType,
    ubo_id_doc_copy: MediaId,
    ubo_id_doc_copy_back: Option<MediaId>,
    ubo_id_doc_name: SensitiveString,
    ubo_id_doc_number: SensitiveString,
    ubo_id_doc_address: Option<SensitiveString>,
    period: ValidityPeriod,
}

impl UboInfo {
    /// The owner's document: its type, the picture of its front, the name and number
    /// (encrypted) and the validity.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`ubo_info_list.ubo_id_doc_name`,
    /// `ubo_info_list.ubo_id_doc_number`) when empty or over [`MAX_ENCRYPTED_BYTES`].
    pub fn new(
        ubo_id_doc_type: IdDocType,
        ubo_id_doc_copy: MediaId,
        ubo_id_doc_name: SensitiveString,
        ubo_id_doc_number: SensitiveString,
        period: ValidityPeriod,
    ) -> Result<Self, Error> {
        check_sensitive("ubo_info_list.ubo_id_doc_name", &ubo_id_doc_name)?;
        check_sensitive("ubo_info_list.ubo_id_doc_number", &ubo_id_doc_number)?;
        Ok(UboInfo {
            ubo_id_doc_type,
            ubo_id_doc_copy,
            ubo_id_doc_copy_back: None,
            ubo_id_doc_name,
            ubo_id_doc_number,
            ubo_id_doc_address: None,
            period,
        })
    }

    /// With `ubo_id_doc_copy_back` (every document but a passport has a back).
    pub fn with_ubo_id_doc_copy_back(self, back: MediaId) -> Self {
        UboInfo {
            ubo_id_doc_copy_back: Some(back),
            ..self
        }
    }

    /// With `ubo_id_doc_address`, encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`ubo_info_list.ubo_id_doc_address`) when empty or over
    /// [`MAX_ENCRYPTED_BYTES`].
    pub fn with_ubo_id_doc_address(self, address: SensitiveString) -> Result<Self, Error> {
        check_sensitive("ubo_info_list.ubo_id_doc_address", &address)?;
        Ok(UboInfo {
            ubo_id_doc_address: Some(address),
            ..self
        })
    }
}

/// `account_info`: the bank account the sub-merchant withdraws to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    bank_account_type: BankAccountType,
    account_bank: String,
    account_name: SensitiveString,
    bank_address_code: String,
    account_number: SensitiveString,
    bank_branch_id: Option<String>,
    bank_name: Option<String>,
    account_cert_info: Option<AccountCertInfo>,
}

impl AccountInfo {
    /// The account: its type, the bank (`工商银行`, as the platform's bank list names it), the
    /// holder's name (encrypted), the bank's province and city code (`110000`), and the
    /// account number (encrypted).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `account_info.account_bank` unless 1 to 128 characters;
    /// `account_info.bank_address_code` unless 1 to 12 digits; `account_info.account_name`
    /// empty or over [`MAX_ENCRYPTED_BYTES`]; `account_info.account_number` unless 1 to 128
    /// digits. The messages never show the name or the number.
    pub fn new(
        bank_account_type: BankAccountType,
        account_bank: impl Into<String>,
        account_name: SensitiveString,
        bank_address_code: impl Into<String>,
        account_number: SensitiveString,
    ) -> Result<Self, Error> {
        let account_bank = account_bank.into();
        let bank_address_code = bank_address_code.into();
        check_text("account_info.account_bank", &account_bank, 128, None)?;
        check_text(
            "account_info.bank_address_code",
            &bank_address_code,
            12,
            Some(&DIGITS),
        )?;
        check_sensitive("account_info.account_name", &account_name)?;
        check_account_number("account_info.account_number", &account_number)?;
        Ok(AccountInfo {
            bank_account_type,
            account_bank,
            account_name,
            bank_address_code,
            account_number,
            bank_branch_id: None,
            bank_name: None,
            account_cert_info: None,
        })
    }

    /// With `bank_branch_id`, the branch's interbank number (`402713354941`), for banks whose
    /// branch must be named: this or [`AccountInfo::with_bank_name`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account_info.bank_branch_id`) unless 1 to 64 digits.
    pub fn with_bank_branch_id(self, bank_branch_id: impl Into<String>) -> Result<Self, Error> {
        let bank_branch_id = bank_branch_id.into();
        check_text(
            "account_info.bank_branch_id",
            &bank_branch_id,
            64,
            Some(&DIGITS),
        )?;
        Ok(AccountInfo {
            bank_branch_id: Some(bank_branch_id),
            ..self
        })
    }

    /// With `bank_name`, the branch's full name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account_info.bank_name`) unless 1 to 128 characters.
    pub fn with_bank_name(self, bank_name: impl Into<String>) -> Result<Self, Error> {
        let bank_name = bank_name.into();
        check_text("account_info.bank_name", &bank_name, 128, None)?;
        Ok(AccountInfo {
            bank_name: Some(bank_name),
            ..self
        })
    }

    /// With `account_cert_info`: the proof that an account in another name may receive the
    /// subject's money (政府机关, 事业单位, or the 党费 industry).
    pub fn with_account_cert_info(self, info: AccountCertInfo) -> Self {
        AccountInfo {
            account_cert_info: Some(info),
            ..self
        }
    }
}

/// Digits only, at most 128: a bank account number.
pub(crate) fn check_account_number(
    field: &'static str,
    number: &SensitiveString,
) -> Result<(), Error> {
    let text = number.expose();
    if text.is_empty() || text.len() > 128 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(field, "must be 1 to 128 ASCII digits"));
    }
    Ok(())
}

/// `account_cert_info`: the letters that allow settling to an account in another name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountCertInfo {
    settlement_cert_pic: MediaId,
    relation_cert_pic: MediaId,
    other_cert_pics: Vec<MediaId>,
}

impl AccountCertInfo {
    /// The settlement letter, the relation letter, and 1 to 3 further documents.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`account_info.account_cert_info.other_cert_pics`) unless 1 to
    /// 3 pictures.
    pub fn new(
        settlement_cert_pic: MediaId,
        relation_cert_pic: MediaId,
        other_cert_pics: Vec<MediaId>,
    ) -> Result<Self, Error> {
        if !(1..=3).contains(&other_cert_pics.len()) {
            return Err(Error::invalid(
                "account_info.account_cert_info.other_cert_pics",
                format!("takes 1 to 3 media_ids, got {}", other_cert_pics.len()),
            ));
        }
        Ok(AccountCertInfo {
            settlement_cert_pic,
            relation_cert_pic,
            other_cert_pics,
        })
    }
}

/// `contact_info`: the super administrator, who signs the agreement and receives the
/// platform's notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    contact_type: ContactType,
    contact_name: SensitiveString,
    mobile_phone: SensitiveString,
    contact_email: Option<SensitiveString>,
    contact_id_doc_type: Option<IdDocType>,
    contact_id_card_number: Option<SensitiveString>,
    contact_id_doc_copy: Option<MediaId>,
    contact_id_doc_copy_back: Option<MediaId>,
    contact_id_doc_period: Option<ValidityPeriod>,
    business_authorization_letter: Option<MediaId>,
}

impl ContactInfo {
    /// The administrator's role, name and mobile number (both encrypted).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `contact_info.contact_name` empty or over
    /// [`MAX_ENCRYPTED_BYTES`]; `contact_info.mobile_phone` unless 11 digits. The messages never
    /// show the values.
    pub fn new(
        contact_type: ContactType,
        contact_name: SensitiveString,
        mobile_phone: SensitiveString,
    ) -> Result<Self, Error> {
        check_sensitive("contact_info.contact_name", &contact_name)?;
        let phone = mobile_phone.expose();
        if phone.len() != 11 || !phone.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "contact_info.mobile_phone",
                "must be 11 digits",
            ));
        }
        Ok(ContactInfo {
            contact_type,
            contact_name,
            mobile_phone,
            contact_email: None,
            contact_id_doc_type: None,
            contact_id_card_number: None,
            contact_id_doc_copy: None,
            contact_id_doc_copy_back: None,
            contact_id_doc_period: None,
            business_authorization_letter: None,
        })
    }

    /// With `contact_email` (required unless the subject is a person, 2401 or 2500), encrypted.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`contact_info.contact_email`) unless it holds an `@` between
    /// text, within [`MAX_ENCRYPTED_BYTES`].
    pub fn with_contact_email(self, email: SensitiveString) -> Result<Self, Error> {
        check_sensitive("contact_info.contact_email", &email)?;
        let well_formed = email
            .expose()
            .split_once('@')
            .is_some_and(|(user, domain)| {
                !user.is_empty()
                    && !domain.is_empty()
                    && !email.expose().contains(char::is_whitespace)
            });
        if !well_formed {
            return Err(Error::invalid(
                "contact_info.contact_email",
                "must be an address such as name@example.com",
            ));
        }
        Ok(ContactInfo {
            contact_email: Some(email),
            ..self
        })
    }

    /// With the identity document of an agent administrator ([`ContactType::Agent`]): its
    /// type, number (encrypted), the picture of its front, and its validity.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`contact_info.contact_id_card_number`) when empty or over
    /// [`MAX_ENCRYPTED_BYTES`], or not an ID card number for
    /// [`IdDocType::MainlandIdCard`].
    pub fn with_id_doc(
        self,
        doc_type: IdDocType,
        number: SensitiveString,
        copy: MediaId,
        period: ValidityPeriod,
    ) -> Result<Self, Error> {
        check_sensitive("contact_info.contact_id_card_number", &number)?;
        if doc_type == IdDocType::MainlandIdCard {
            check_id_card_number("contact_info.contact_id_card_number", &number)?;
        }
        Ok(ContactInfo {
            contact_id_doc_type: Some(doc_type),
            contact_id_card_number: Some(number),
            contact_id_doc_copy: Some(copy),
            contact_id_doc_period: Some(period),
            ..self
        })
    }

    /// With `contact_id_doc_copy_back`, the back of the agent's document.
    pub fn with_id_doc_copy_back(self, back: MediaId) -> Self {
        ContactInfo {
            contact_id_doc_copy_back: Some(back),
            ..self
        }
    }

    /// With `business_authorization_letter`, the subject's authorisation of an agent
    /// administrator.
    pub fn with_business_authorization_letter(self, letter: MediaId) -> Self {
        ContactInfo {
            business_authorization_letter: Some(letter),
            ..self
        }
    }
}

/// `sales_scene_info`: the shop, by its link or its QR code (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesSceneInfo {
    store_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_qr_code: Option<MediaId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mini_program_sub_appid: Option<String>,
}

impl SalesSceneInfo {
    /// The shop's name and the link to its home page.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `sales_scene_info.store_name` unless 1 to 256 characters;
    /// `sales_scene_info.store_url` unless an `http://` or `https://` URL of at most 1024
    /// characters, without spaces.
    pub fn by_url(
        store_name: impl Into<String>,
        store_url: impl Into<String>,
    ) -> Result<Self, Error> {
        let store_name = store_name.into();
        check_text("sales_scene_info.store_name", &store_name, 256, None)?;
        SalesSceneInfo {
            store_name,
            store_url: None,
            store_qr_code: None,
            mini_program_sub_appid: None,
        }
        .with_store_url(store_url)
    }

    /// The shop's name and the picture of its QR code (a mini program's shop page, say).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sales_scene_info.store_name`) unless 1 to 256 characters.
    pub fn by_qr_code(
        store_name: impl Into<String>,
        store_qr_code: MediaId,
    ) -> Result<Self, Error> {
        let store_name = store_name.into();
        check_text("sales_scene_info.store_name", &store_name, 256, None)?;
        Ok(SalesSceneInfo {
            store_name,
            store_url: None,
            store_qr_code: Some(store_qr_code),
            mini_program_sub_appid: None,
        })
    }

    /// With (or replacing) `store_url`.
    ///
    /// # Errors
    ///
    /// As [`SalesSceneInfo::by_url`].
    pub fn with_store_url(self, store_url: impl Into<String>) -> Result<Self, Error> {
        let store_url = store_url.into();
        check_text("sales_scene_info.store_url", &store_url, 1024, None)?;
        let web = store_url
            .strip_prefix("https://")
            .or_else(|| store_url.strip_prefix("http://"));
        if !web.is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace)) {
            return Err(Error::invalid(
                "sales_scene_info.store_url",
                "must be an http:// or https:// URL without spaces",
            ));
        }
        Ok(SalesSceneInfo {
            store_url: Some(store_url),
            ..self
        })
    }

    /// With (or replacing) `store_qr_code`.
    pub fn with_store_qr_code(self, store_qr_code: MediaId) -> Self {
        SalesSceneInfo {
            store_qr_code: Some(store_qr_code),
            ..self
        }
    }

    /// With `mini_program_sub_appid`: a verified mini program of the same subject, bound to
    /// the sub-merchant once it exists.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`sales_scene_info.mini_program_sub_appid`) unless 1 to 32
    /// ASCII letters, digits, `_` or `-`.
    pub fn with_mini_program_sub_appid(self, appid: impl Into<String>) -> Result<Self, Error> {
        let appid = appid.into();
        check_text(
            "sales_scene_info.mini_program_sub_appid",
            &appid,
            32,
            Some(&CODE),
        )?;
        Ok(SalesSceneInfo {
            mini_program_sub_appid: Some(appid),
            ..self
        })
    }
}

/// `settlement_info`: the fee rule and the industry; the platform fills in its defaults for
/// what is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SettlementInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    settlement_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    qualification_type: Option<String>,
}

impl SettlementInfo {
    /// Neither field: the platform's defaults.
    pub fn new() -> Self {
        SettlementInfo::default()
    }

    /// With `settlement_id`, the settlement rule (`719`), which must match the platform's fee
    /// level.
    pub fn with_settlement_id(self, settlement_id: u32) -> Self {
        SettlementInfo {
            settlement_id: Some(settlement_id),
            ..self
        }
    }

    /// With `qualification_type`, the industry (`零售批发/生活娱乐/其他`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`settlement_info.qualification_type`) unless 1 to 200
    /// characters.
    pub fn with_qualification_type(self, industry: impl Into<String>) -> Result<Self, Error> {
        let industry = industry.into();
        check_text("settlement_info.qualification_type", &industry, 200, None)?;
        Ok(SettlementInfo {
            qualification_type: Some(industry),
            ..self
        })
    }
}

/// `POST /v3/ecommerce/applyments/`: a sub-merchant's application. The trailing `/` of the
/// path is part of it, signed and sent.
///
/// Submitting again under the same `out_request_no` is how a rejected applyment is corrected;
/// the platform answers the same `applyment_id`.
///
/// ```
/// use time::macros::date;
/// use wechatpay_core::ecommerce::applyment::submit::{
///     AccountInfo, BankAccountType, ContactInfo, ContactType, IdCardInfo, MediaId,
///     OrganizationType, SalesSceneInfo, SubmitApplyment, ValidityPeriod,
/// };
/// use wechatpay_core::{Operation, PlatformKeys, RequestContext, SensitiveString};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([0; 32]);
/// # let pem = wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM;
///
/// // The media_ids answered by two earlier uploads (UploadMedia::image).
/// let front = MediaId::new("jTpGmxUX3FBWVQ5NJTZvlKX_gdU4cRz7z5NxpnFuAxhBTEO_PvWkfSCJ3zVIn001D8daLC-ehEuo0BJqRTvDujqhThn4ReFxikqJ5YW6zFQ")?;
/// let back = MediaId::new("47ZC6GC-vnrbEny__Ie_An5-tCpqxuZm2XAUf-4KGprrKhpVBDIUv0OF4wFNIO4kqg05InE4d2I6_H7I4")?;
///
/// let applyment = SubmitApplyment::new(
///     "APPLYMENT_00000000001",
///     OrganizationType::Micro,
///     AccountInfo::new(
///         BankAccountType::Personal,
///         "工商银行",
///         SensitiveString::new("张三"),
///         "110000",
///         SensitiveString::new("6214830000001234"),
///     )?,
///     ContactInfo::new(ContactType::Legal, SensitiveString::new("张三"), SensitiveString::new("13900000000"))?,
///     SalesSceneInfo::by_url("爱烧烤", "http://www.qq.com")?,
///     "爱烧烤",
/// )?
/// .with_id_card_info(IdCardInfo::new(
///     front,
///     back,
///     SensitiveString::new("张三"),
///     SensitiveString::new("110101199003070011"),
///     ValidityPeriod::new(date!(2019 - 06 - 06), date!(2039 - 06 - 06))?,
/// )?);
///
/// let mut keys = PlatformKeys::new();
/// keys.add_public_key("PUB_KEY_ID_0119000000012024112300000000000001", pem)?;
/// let parts = applyment.request(&mut RequestContext::new(&keys, &mut rng))?;
/// assert_eq!(parts.path_and_query(), "/v3/ecommerce/applyments/");
/// // The plaintexts are encrypted: none of them is in the body.
/// let body = String::from_utf8_lossy(parts.signed_body());
/// assert!(!body.contains("张三") && !body.contains("13900000000"));
/// assert!(!format!("{applyment:?}").contains("张三"));
/// # Ok::<(), wechatpay_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitApplyment {
    out_request_no: String,
    organization_type: OrganizationType,
    account_info: AccountInfo,
    contact_info: ContactInfo,
    sales_scene_info: SalesSceneInfo,
    merchant_shortname: String,
    business_license_info: Option<BusinessLicenseInfo>,
    finance_institution_info: Option<FinanceInstitutionInfo>,
    id_holder_type: Option<IdHolderType>,
    id_doc_type: Option<IdDocType>,
    authorize_letter_copy: Option<MediaId>,
    id_card_info: Option<IdCardInfo>,
    id_doc_info: Option<IdDocInfo>,
    owner: Option<bool>,
    ubo_info_list: Vec<UboInfo>,
    settlement_info: Option<SettlementInfo>,
    qualifications: Vec<MediaId>,
    business_addition_pics: Vec<MediaId>,
    business_addition_desc: Option<String>,
}

impl SubmitApplyment {
    /// The parts every applyment has: its request number, the kind of subject, the settlement
    /// account, the super administrator, the shop, and the short name buyers see on the
    /// payment page.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`]: `out_request_no` unless 1 to 124 characters;
    /// `merchant_shortname` unless 1 to [`MAX_SHORTNAME_BYTES`] bytes of UTF-8.
    pub fn new(
        out_request_no: impl Into<String>,
        organization_type: OrganizationType,
        account_info: AccountInfo,
        contact_info: ContactInfo,
        sales_scene_info: SalesSceneInfo,
        merchant_shortname: impl Into<String>,
    ) -> Result<Self, Error> {
        let out_request_no = out_request_no.into();
        let merchant_shortname = merchant_shortname.into();
        check_text("out_request_no", &out_request_no, 124, None)?;
        let len = merchant_shortname.len();
        if len == 0 || len > MAX_SHORTNAME_BYTES || merchant_shortname.trim().is_empty() {
            return Err(Error::invalid(
                "merchant_shortname",
                format!(
                    "must be 1 to {MAX_SHORTNAME_BYTES} bytes of UTF-8 (21 Chinese characters), \
                     not blank, got {len}"
                ),
            ));
        }
        Ok(SubmitApplyment {
            out_request_no,
            organization_type,
            account_info,
            contact_info,
            sales_scene_info,
            merchant_shortname,
            business_license_info: None,
            finance_institution_info: None,
            id_holder_type: None,
            id_doc_type: None,
            authorize_letter_copy: None,
            id_card_info: None,
            id_doc_info: None,
            owner: None,
            ubo_info_list: Vec::new(),
            settlement_info: None,
            qualifications: Vec::new(),
            business_addition_pics: Vec::new(),
            business_addition_desc: None,
        })
    }

    /// The request number.
    pub fn out_request_no(&self) -> &str {
        &self.out_request_no
    }

    /// With `business_license_info`: required of every subject but a person (2401, 2500),
    /// who must not send one.
    pub fn with_business_license_info(self, info: BusinessLicenseInfo) -> Self {
        SubmitApplyment {
            business_license_info: Some(info),
            ..self
        }
    }

    /// With `finance_institution` `true` and its `finance_institution_info`: the subject is a
    /// financial institution. Left out, the platform takes it for one that is not.
    pub fn with_finance_institution(self, info: FinanceInstitutionInfo) -> Self {
        SubmitApplyment {
            finance_institution_info: Some(info),
            ..self
        }
    }

    /// With `id_holder_type`: [`IdHolderType::Super`] when an agent acts for a public
    /// institution or government body (then [`SubmitApplyment::with_authorize_letter_copy`]).
    pub fn with_id_holder_type(self, id_holder_type: IdHolderType) -> Self {
        SubmitApplyment {
            id_holder_type: Some(id_holder_type),
            ..self
        }
    }

    /// With `authorize_letter_copy`, the legal person's letter for an agent holder.
    pub fn with_authorize_letter_copy(self, letter: MediaId) -> Self {
        SubmitApplyment {
            authorize_letter_copy: Some(letter),
            ..self
        }
    }

    /// With `id_card_info` (and `id_doc_type` left to its default, the mainland ID card).
    pub fn with_id_card_info(self, info: IdCardInfo) -> Self {
        SubmitApplyment {
            id_card_info: Some(info),
            ..self
        }
    }

    /// With `id_doc_type` and `id_doc_info`: a document other than the mainland ID card.
    pub fn with_id_doc_info(self, doc_type: IdDocType, info: IdDocInfo) -> Self {
        SubmitApplyment {
            id_doc_type: Some(doc_type),
            id_doc_info: Some(info),
            ..self
        }
    }

    /// With `owner`: whether the legal person is a beneficial owner (companies only).
    pub fn with_owner(self, owner: bool) -> Self {
        SubmitApplyment {
            owner: Some(owner),
            ..self
        }
    }

    /// With one more of `ubo_info_list` (companies only).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`ubo_info_list`) past [`MAX_UBOS`].
    pub fn with_ubo(mut self, ubo: UboInfo) -> Result<Self, Error> {
        if self.ubo_info_list.len() >= MAX_UBOS {
            return Err(Error::invalid(
                "ubo_info_list",
                format!("takes at most {MAX_UBOS} beneficial owners"),
            ));
        }
        self.ubo_info_list.push(ubo);
        Ok(self)
    }

    /// With `settlement_info`.
    pub fn with_settlement_info(self, info: SettlementInfo) -> Self {
        SubmitApplyment {
            settlement_info: Some(info),
            ..self
        }
    }

    /// With `qualifications`, the pictures of the industry's special qualifications.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`qualifications`) past [`MAX_PICTURES`].
    pub fn with_qualifications(self, pictures: Vec<MediaId>) -> Result<Self, Error> {
        check_pictures("qualifications", &pictures, 0)?;
        Ok(SubmitApplyment {
            qualifications: pictures,
            ..self
        })
    }

    /// With `business_addition_pics`, further material the review asks for.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`business_addition_pics`) past [`MAX_PICTURES`].
    pub fn with_business_addition_pics(self, pictures: Vec<MediaId>) -> Result<Self, Error> {
        check_pictures("business_addition_pics", &pictures, 0)?;
        Ok(SubmitApplyment {
            business_addition_pics: pictures,
            ..self
        })
    }

    /// With `business_addition_desc`, a note to the review (required of a personal seller,
    /// 2500, who states the duration and revenue of the business there).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] (`business_addition_desc`) unless 1 to 512 characters.
    pub fn with_business_addition_desc(self, desc: impl Into<String>) -> Result<Self, Error> {
        let desc = desc.into();
        check_text("business_addition_desc", &desc, 512, None)?;
        Ok(SubmitApplyment {
            business_addition_desc: Some(desc),
            ..self
        })
    }

    /// The rules between fields that the page states.
    fn check(&self) -> Result<(), Error> {
        let personal = self.organization_type.is_personal();
        let known = !matches!(self.organization_type, OrganizationType::Unknown(_));
        match (&self.business_license_info, personal) {
            (Some(_), true) => {
                return Err(Error::invalid(
                    "business_license_info",
                    "a person (organization_type 2401 or 2500) has no business licence: leave it out",
                ));
            }
            (None, false) if known => {
                return Err(Error::invalid(
                    "business_license_info",
                    format!(
                        "organization_type {} needs its business licence or registration certificate",
                        self.organization_type
                    ),
                ));
            }
            _ => {}
        }
        if self.organization_type == OrganizationType::PersonalSeller
            && self.business_addition_desc.is_none()
        {
            return Err(Error::invalid(
                "business_addition_desc",
                "a personal seller (2500) must describe the duration and revenue of the business",
            ));
        }
        self.check_identity()?;
        self.check_account()?;
        self.check_contact(personal)
    }

    fn check_identity(&self) -> Result<(), Error> {
        if self.id_holder_type == Some(IdHolderType::Super) {
            if self.authorize_letter_copy.is_none() {
                return Err(Error::invalid(
                    "authorize_letter_copy",
                    "an agent holder (id_holder_type SUPER) needs the legal person's letter",
                ));
            }
            return Ok(());
        }
        match (&self.id_card_info, &self.id_doc_info) {
            (Some(_), Some(_)) => Err(Error::invalid(
                "id_doc_info",
                "give either id_card_info (mainland ID card) or id_doc_info, not both",
            )),
            (None, None) => Err(Error::invalid(
                "id_card_info",
                "the legal person's identity is needed: id_card_info, or id_doc_info for another document",
            )),
            (None, Some(_)) if self.id_doc_type == Some(IdDocType::MainlandIdCard) => {
                Err(Error::invalid(
                    "id_card_info",
                    "a mainland ID card goes in id_card_info, not id_doc_info",
                ))
            }
            _ => Ok(()),
        }
    }

    fn check_account(&self) -> Result<(), Error> {
        let allowed = match self.organization_type {
            OrganizationType::Micro | OrganizationType::PersonalSeller => {
                Some(BankAccountType::Personal)
            }
            OrganizationType::Enterprise
            | OrganizationType::PublicInstitution
            | OrganizationType::Government
            | OrganizationType::SocialOrganization => Some(BankAccountType::Corporate),
            // A sole proprietorship may use either; a type this version does not know is the
            // platform's to judge.
            _ => None,
        };
        match allowed {
            Some(allowed) if allowed != self.account_info.bank_account_type => Err(Error::invalid(
                "account_info.bank_account_type",
                format!(
                    "organization_type {} settles to a {} account ({})",
                    self.organization_type,
                    match allowed {
                        BankAccountType::Corporate => "corporate",
                        _ => "personal",
                    },
                    allowed
                ),
            )),
            _ => Ok(()),
        }
    }

    fn check_contact(&self, personal: bool) -> Result<(), Error> {
        let contact = &self.contact_info;
        if contact.contact_email.is_none() && !personal {
            return Err(Error::invalid(
                "contact_info.contact_email",
                "every subject but a person (2401, 2500) gives the administrator's e-mail",
            ));
        }
        if contact.contact_type == ContactType::Agent {
            if personal {
                return Err(Error::invalid(
                    "contact_info.contact_type",
                    "a person (2401, 2500) is their own administrator (65)",
                ));
            }
            if contact.contact_id_card_number.is_none() {
                return Err(Error::invalid(
                    "contact_info.contact_id_card_number",
                    "an agent administrator (66) needs an identity document: ContactInfo::with_id_doc",
                ));
            }
            if contact.business_authorization_letter.is_none() {
                return Err(Error::invalid(
                    "contact_info.business_authorization_letter",
                    "an agent administrator (66) needs the subject's authorisation letter",
                ));
            }
        }
        Ok(())
    }
}

/// The request body; ciphertexts replace the plaintexts, which never get here.
#[derive(Serialize)]
struct Body<'a> {
    out_request_no: &'a str,
    organization_type: &'a OrganizationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    finance_institution: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_license_info: Option<LicenseBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finance_institution_info: Option<&'a FinanceInstitutionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_holder_type: Option<&'a IdHolderType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_type: Option<&'a IdDocType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorize_letter_copy: Option<&'a MediaId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_card_info: Option<IdCardBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_info: Option<IdDocBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ubo_info_list: Vec<UboBody<'a>>,
    account_info: AccountBody<'a>,
    contact_info: ContactBody<'a>,
    sales_scene_info: &'a SalesSceneInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    settlement_info: Option<&'a SettlementInfo>,
    merchant_shortname: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    qualifications: &'a [MediaId],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    business_addition_pics: &'a [MediaId],
    #[serde(skip_serializing_if = "Option::is_none")]
    business_addition_desc: Option<&'a str>,
}

#[derive(Serialize)]
struct LicenseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    cert_type: Option<&'a CertType>,
    business_license_copy: &'a MediaId,
    business_license_number: &'a str,
    merchant_name: &'a str,
    legal_person: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    company_address: Option<&'a str>,
    /// A JSON array of two dates, itself sent as a string: `["2014-01-01","长期"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    business_time: Option<String>,
}

#[derive(Serialize)]
struct IdCardBody<'a> {
    id_card_copy: &'a MediaId,
    id_card_national: &'a MediaId,
    id_card_name: String,
    id_card_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_card_address: Option<String>,
    id_card_valid_time_begin: String,
    id_card_valid_time: String,
}

#[derive(Serialize)]
struct IdDocBody<'a> {
    id_doc_copy: &'a MediaId,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_copy_back: Option<&'a MediaId>,
    id_doc_name: String,
    id_doc_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_doc_address: Option<String>,
    doc_period_begin: String,
    doc_period_end: String,
}

#[derive(Serialize)]
struct UboBody<'a> {
    ubo_id_doc_type: &'a IdDocType,
    ubo_id_doc_copy: &'a MediaId,
    #[serde(skip_serializing_if = "Option::is_none")]
    ubo_id_doc_copy_back: Option<&'a MediaId>,
    ubo_id_doc_name: String,
    ubo_id_doc_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ubo_id_doc_address: Option<String>,
    ubo_id_doc_period_begin: String,
    ubo_id_doc_period_end: String,
}

#[derive(Serialize)]
struct AccountBody<'a> {
    bank_account_type: &'a BankAccountType,
    account_bank: &'a str,
    account_name: String,
    bank_address_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_branch_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_name: Option<&'a str>,
    account_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_cert_info: Option<&'a AccountCertInfo>,
}

#[derive(Serialize)]
struct ContactBody<'a> {
    contact_type: &'a ContactType,
    contact_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_doc_type: Option<&'a IdDocType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_doc_copy: Option<&'a MediaId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_doc_copy_back: Option<&'a MediaId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_doc_period_begin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id_doc_period_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_authorization_letter: Option<&'a MediaId>,
    mobile_phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_email: Option<String>,
}

/// Encrypts an optional plaintext.
fn encrypt_option(
    context: &mut RequestContext<'_>,
    value: Option<&SensitiveString>,
) -> Result<Option<String>, Error> {
    value.map(|v| context.encrypt(v.expose())).transpose()
}

impl Operation for SubmitApplyment {
    type Output = ApplymentIds;

    fn request(&self, context: &mut RequestContext<'_>) -> Result<RequestParts, Error> {
        self.check()?;
        let license = self.business_license_info.as_ref().map(|l| LicenseBody {
            cert_type: l.cert_type.as_ref(),
            business_license_copy: &l.business_license_copy,
            business_license_number: &l.business_license_number,
            merchant_name: &l.merchant_name,
            legal_person: l.legal_person.expose(),
            company_address: l.company_address.as_deref(),
            business_time: l
                .business_time
                .map(|p| serde_json::Value::from(vec![p.begin_text(), p.end_text()]).to_string()),
        });
        let id_card_info = match &self.id_card_info {
            Some(card) => Some(IdCardBody {
                id_card_copy: &card.id_card_copy,
                id_card_national: &card.id_card_national,
                id_card_name: context.encrypt(card.id_card_name.expose())?,
                id_card_number: context.encrypt(card.id_card_number.expose())?,
                id_card_address: encrypt_option(context, card.id_card_address.as_ref())?,
                id_card_valid_time_begin: card.valid.begin_text(),
                id_card_valid_time: card.valid.end_text(),
            }),
            None => None,
        };
        let id_doc_info = match &self.id_doc_info {
            Some(doc) => Some(IdDocBody {
                id_doc_copy: &doc.id_doc_copy,
                id_doc_copy_back: doc.id_doc_copy_back.as_ref(),
                id_doc_name: context.encrypt(doc.id_doc_name.expose())?,
                id_doc_number: context.encrypt(doc.id_doc_number.expose())?,
                id_doc_address: encrypt_option(context, doc.id_doc_address.as_ref())?,
                doc_period_begin: doc.period.begin_text(),
                doc_period_end: doc.period.end_text(),
            }),
            None => None,
        };
        let mut ubo_info_list = Vec::with_capacity(self.ubo_info_list.len());
        for ubo in &self.ubo_info_list {
            ubo_info_list.push(UboBody {
                ubo_id_doc_type: &ubo.ubo_id_doc_type,
                ubo_id_doc_copy: &ubo.ubo_id_doc_copy,
                ubo_id_doc_copy_back: ubo.ubo_id_doc_copy_back.as_ref(),
                ubo_id_doc_name: context.encrypt(ubo.ubo_id_doc_name.expose())?,
                ubo_id_doc_number: context.encrypt(ubo.ubo_id_doc_number.expose())?,
                ubo_id_doc_address: encrypt_option(context, ubo.ubo_id_doc_address.as_ref())?,
                ubo_id_doc_period_begin: ubo.period.begin_text(),
                ubo_id_doc_period_end: ubo.period.end_text(),
            });
        }
        let account = &self.account_info;
        let account_info = AccountBody {
            bank_account_type: &account.bank_account_type,
            account_bank: &account.account_bank,
            account_name: context.encrypt(account.account_name.expose())?,
            bank_address_code: &account.bank_address_code,
            bank_branch_id: account.bank_branch_id.as_deref(),
            bank_name: account.bank_name.as_deref(),
            account_number: context.encrypt(account.account_number.expose())?,
            account_cert_info: account.account_cert_info.as_ref(),
        };
        let contact = &self.contact_info;
        let contact_info = ContactBody {
            contact_type: &contact.contact_type,
            contact_name: context.encrypt(contact.contact_name.expose())?,
            contact_id_doc_type: contact.contact_id_doc_type.as_ref(),
            contact_id_card_number: encrypt_option(
                context,
                contact.contact_id_card_number.as_ref(),
            )?,
            contact_id_doc_copy: contact.contact_id_doc_copy.as_ref(),
            contact_id_doc_copy_back: contact.contact_id_doc_copy_back.as_ref(),
            contact_id_doc_period_begin: contact.contact_id_doc_period.map(|p| p.begin_text()),
            contact_id_doc_period_end: contact.contact_id_doc_period.map(|p| p.end_text()),
            business_authorization_letter: contact.business_authorization_letter.as_ref(),
            mobile_phone: context.encrypt(contact.mobile_phone.expose())?,
            contact_email: encrypt_option(context, contact.contact_email.as_ref())?,
        };
        RequestParts::json(
            Method::POST,
            PATH,
            &Body {
                out_request_no: &self.out_request_no,
                organization_type: &self.organization_type,
                finance_institution: self.finance_institution_info.as_ref().map(|_| true),
                business_license_info: license,
                finance_institution_info: self.finance_institution_info.as_ref(),
                id_holder_type: self.id_holder_type.as_ref(),
                id_doc_type: self.id_doc_type.as_ref(),
                authorize_letter_copy: self.authorize_letter_copy.as_ref(),
                id_card_info,
                id_doc_info,
                owner: self.owner,
                ubo_info_list,
                account_info,
                contact_info,
                sales_scene_info: &self.sales_scene_info,
                settlement_info: self.settlement_info.as_ref(),
                merchant_shortname: &self.merchant_shortname,
                qualifications: &self.qualifications,
                business_addition_pics: &self.business_addition_pics,
                business_addition_desc: self.business_addition_desc.as_deref(),
            },
        )
    }

    fn decode(&self, body: VerifiedBody<'_>) -> Result<ApplymentIds, Error> {
        body.json()
    }
}

/// A small-merchant (2401) applyment with the page's example values for everything but the
/// parameters, for [`ENDPOINTS`]. The personal data is made up and never a parameter: it is
/// encrypted, so it could not be found again in the body.
fn example(values: &[&str]) -> Result<SubmitApplyment, Error> {
    let name = ENDPOINTS[0].name;
    let person = || SensitiveString::new("张三");
    let front = MediaId::new(
        "jTpGmxUX3FBWVQ5NJTZvlKX_gdU4cRz7z5NxpnFuAxhBTEO_PvWkfSCJ3zVIn001D8daLC-ehEuo0BJqRTvDujqhThn4ReFxikqJ5YW6zFQ",
    )?;
    let back = MediaId::new(
        "47ZC6GC-vnrbEny__Ie_An5-tCpqxuZm2XAUf-4KGprrKhpVBDIUv0OF4wFNIO4kqg05InE4d2I6_H7I4",
    )?;
    let valid = ValidityPeriod::new(
        time::macros::date!(2019 - 06 - 06),
        time::macros::date!(2026 - 06 - 06),
    )?;
    let applyment = SubmitApplyment::new(
        param(name, values, 0)?,
        OrganizationType::from(param(name, values, 1)?),
        AccountInfo::new(
            BankAccountType::Personal,
            "工商银行",
            person(),
            "110000",
            SensitiveString::new("6214830000001234"),
        )?,
        ContactInfo::new(
            ContactType::Legal,
            person(),
            SensitiveString::new("13900000000"),
        )?,
        SalesSceneInfo::by_url(param(name, values, 3)?, param(name, values, 4)?)?,
        param(name, values, 2)?,
    )?;
    Ok(applyment.with_id_card_info(IdCardInfo::new(
        front,
        back,
        person(),
        SensitiveString::new("110101199003070011"),
        valid,
    )?))
}

/// The submission, for [`crate::endpoint::endpoints`].
pub(crate) const ENDPOINTS: &[Endpoint] = &[Endpoint {
    name: "POST /v3/ecommerce/applyments/",
    params: &[
        "out_request_no",
        "organization_type",
        "merchant_shortname",
        "store_name",
        "store_url",
    ],
    example: &[
        "APPLYMENT_00000000001",
        "2401",
        "腾讯",
        "爱烧烤",
        "http://www.qq.com",
    ],
    request: |values, context| example(values)?.request(context),
    decode: |body| {
        let ids: ApplymentIds = body.json()?;
        let _ = format!("{ids:?}");
        Ok(())
    },
}];

#[cfg(test)]
mod tests {
    use crate::ecommerce::test_support::field_of;
    use serde_json::{Value, json};
    use time::macros::date;

    use super::*;
    use crate::credentials::MerchantKey;
    use crate::platform_keys::PlatformKeys;

    fn rng() -> rand_chacha::ChaCha20Rng {
        use rand_core::SeedableRng;
        rand_chacha::ChaCha20Rng::from_seed([7; 32])
    }

    fn keys() -> PlatformKeys {
        let mut keys = PlatformKeys::new();
        keys.add_public_key(
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID,
            wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_PEM,
        )
        .unwrap();
        keys
    }

    /// The body `operation` sends, with the fields at `pointers` decrypted in place by the
    /// platform's private key; and the serial the request names.
    fn revealed(operation: &SubmitApplyment, pointers: &[&str]) -> (Value, String) {
        let keys = keys();
        let mut rng = rng();
        let mut context = RequestContext::new(&keys, &mut rng);
        let parts = operation.request(&mut context).unwrap();
        let serial = context.encryption_key().unwrap().serial().to_owned();
        assert_eq!(parts.method(), Method::POST);
        assert_eq!(parts.path_and_query(), "/v3/ecommerce/applyments/");
        let mut body: Value = serde_json::from_slice(parts.signed_body()).unwrap();
        let platform = MerchantKey::from_pem(wechatpay_fixtures::keys::PLATFORM_KEY_PEM).unwrap();
        for pointer in pointers {
            let field = body
                .pointer_mut(pointer)
                .unwrap_or_else(|| panic!("{pointer}"));
            let ciphertext = crate::sensitive::EncryptedField::new(field.as_str().unwrap());
            let plaintext = platform.decrypt(&ciphertext, &mut rng).unwrap();
            *field = Value::from(plaintext.expose());
        }
        (body, serial)
    }

    fn media(id: &str) -> MediaId {
        MediaId::new(id).unwrap()
    }

    fn secret(text: &str) -> SensitiveString {
        SensitiveString::new(text)
    }

    const LICENSE_COPY: &str = "47ZC6GC-vnrbEny__Ie_An5-tCpqxucuxi-vByf3Gjm7KE53JXvGy9tqZm2XAUf-4KGprrKhpVBDIUv0OF4wFNIO4kqg05InE4d2I6_H7I4";
    const ID_FRONT: &str = "jTpGmxUX3FBWVQ5NJTZvlKX_gdU4cRz7z5NxpnFuAxhBTEO_PvWkfSCJ3zVIn001D8daLC-ehEuo0BJqRTvDujqhThn4ReFxikqJ5YW6zFQ";
    const ID_BACK: &str =
        "47ZC6GC-vnrbEny__Ie_An5-tCpqxuZm2XAUf-4KGprrKhpVBDIUv0OF4wFNIO4kqg05InE4d2I6_H7I4";

    fn account(kind: BankAccountType) -> AccountInfo {
        AccountInfo::new(
            kind,
            "工商银行",
            secret("张三"),
            "110000",
            secret("6214830000001234"),
        )
        .unwrap()
    }

    fn legal_contact() -> ContactInfo {
        ContactInfo::new(ContactType::Legal, secret("张三"), secret("13900000000")).unwrap()
    }

    fn id_card() -> IdCardInfo {
        IdCardInfo::new(
            media(ID_FRONT),
            media(ID_BACK),
            secret("张三"),
            secret("11010119900307001X"),
            ValidityPeriod::new(date!(2019 - 06 - 06), date!(2026 - 06 - 06)).unwrap(),
        )
        .unwrap()
    }

    fn micro() -> SubmitApplyment {
        SubmitApplyment::new(
            "APPLYMENT_00000000001",
            OrganizationType::Micro,
            account(BankAccountType::Personal),
            legal_contact(),
            SalesSceneInfo::by_url("爱烧烤", "http://www.qq.com").unwrap(),
            "爱烧烤",
        )
        .unwrap()
        .with_id_card_info(id_card())
    }

    /// A company applyment with the page's example values in every field the page shows.
    fn page_example() -> SubmitApplyment {
        let license = BusinessLicenseInfo::new(
            media(LICENSE_COPY),
            "123456789012345678",
            "腾讯科技有限公司",
            secret("张三"),
        )
        .unwrap()
        .with_cert_type(CertType::PublicInstitutionLegalPerson)
        .with_company_address("深圳南山区科苑路")
        .unwrap()
        .with_business_time(ValidityPeriod::long_term(date!(2014 - 01 - 01)).unwrap());
        let ubo = UboInfo::new(
            IdDocType::MainlandIdCard,
            media("jTpGmxUXqRTvDujqhThn4ReFxikqJ5YW6zFQ"),
            secret("李四"),
            secret("110101199202023456"),
            ValidityPeriod::new(date!(2019 - 06 - 06), date!(2026 - 06 - 06)).unwrap(),
        )
        .unwrap()
        .with_ubo_id_doc_copy_back(media("jTpGmxUX3FBWVQ5NJTZvvDujqhThn4ReFxikqJ5YW6zFQ"))
        .with_ubo_id_doc_address(secret("广东省深圳市南山区xx路xx号xx室"))
        .unwrap();
        let account = account(BankAccountType::Corporate)
            .with_bank_branch_id("402713354941")
            .unwrap()
            .with_bank_name("施秉县农村信用合作联社城关信用社")
            .unwrap();
        let contact = legal_contact()
            .with_contact_email(secret("wechatpay@example.com"))
            .unwrap();
        let scene = SalesSceneInfo::by_url("爱烧烤", "http://www.qq.com")
            .unwrap()
            .with_mini_program_sub_appid("wxa123344545577")
            .unwrap();
        SubmitApplyment::new(
            "APPLYMENT_00000000001",
            OrganizationType::Enterprise,
            account,
            contact,
            scene,
            "腾讯",
        )
        .unwrap()
        .with_business_license_info(license)
        .with_finance_institution(
            FinanceInstitutionInfo::new(FinanceType::BankAgent, vec![media(LICENSE_COPY)]).unwrap(),
        )
        .with_id_card_info(
            id_card()
                .with_id_card_address(secret("广东省深圳市南山区xx路xx号xx室"))
                .unwrap(),
        )
        .with_owner(false)
        .with_ubo(ubo)
        .unwrap()
        .with_settlement_info(
            SettlementInfo::new()
                .with_settlement_id(719)
                .with_qualification_type("零售批发/生活娱乐/其他")
                .unwrap(),
        )
        .with_qualifications(vec![media("jTpGmxUX3FBWVQ5NJInE4d2I6_H7I4")])
        .unwrap()
        .with_business_addition_pics(vec![media("jTpGmg05InE4d2I6_H7I4")])
        .unwrap()
        .with_business_addition_desc("特殊情况，说明原因")
        .unwrap()
    }

    const PAGE_EXAMPLE_ENCRYPTED: [&str; 11] = [
        "/id_card_info/id_card_name",
        "/id_card_info/id_card_number",
        "/id_card_info/id_card_address",
        "/ubo_info_list/0/ubo_id_doc_name",
        "/ubo_info_list/0/ubo_id_doc_number",
        "/ubo_info_list/0/ubo_id_doc_address",
        "/account_info/account_name",
        "/account_info/account_number",
        "/contact_info/contact_name",
        "/contact_info/mobile_phone",
        "/contact_info/contact_email",
    ];

    #[test]
    fn the_page_example_request_is_built_field_for_field_with_its_personal_data_encrypted() {
        let (body, serial) = revealed(&page_example(), &PAGE_EXAMPLE_ENCRYPTED);
        assert_eq!(serial, wechatpay_fixtures::keys::PLATFORM_PUBLIC_KEY_ID);
        let expected = json!({
            "out_request_no": "APPLYMENT_00000000001",
            "organization_type": "2",
            "finance_institution": true,
            "business_license_info": {
                "cert_type": "CERTIFICATE_TYPE_2388",
                "business_license_copy": LICENSE_COPY,
                "business_license_number": "123456789012345678",
                "merchant_name": "腾讯科技有限公司",
                "legal_person": "张三",
                "company_address": "深圳南山区科苑路",
                "business_time": "[\"2014-01-01\",\"长期\"]"
            },
            "finance_institution_info": {
                "finance_type": "BANK_AGENT",
                "finance_license_pics": [LICENSE_COPY]
            },
            "id_card_info": {
                "id_card_copy": ID_FRONT,
                "id_card_national": ID_BACK,
                "id_card_name": "张三",
                "id_card_number": "11010119900307001X",
                "id_card_address": "广东省深圳市南山区xx路xx号xx室",
                "id_card_valid_time_begin": "2019-06-06",
                "id_card_valid_time": "2026-06-06"
            },
            "owner": false,
            "ubo_info_list": [{
                "ubo_id_doc_type": "IDENTIFICATION_TYPE_MAINLAND_IDCARD",
                "ubo_id_doc_copy": "jTpGmxUXqRTvDujqhThn4ReFxikqJ5YW6zFQ",
                "ubo_id_doc_copy_back": "jTpGmxUX3FBWVQ5NJTZvvDujqhThn4ReFxikqJ5YW6zFQ",
                "ubo_id_doc_name": "李四",
                "ubo_id_doc_number": "110101199202023456",
                "ubo_id_doc_address": "广东省深圳市南山区xx路xx号xx室",
                "ubo_id_doc_period_begin": "2019-06-06",
                "ubo_id_doc_period_end": "2026-06-06"
            }],
            "account_info": {
                "bank_account_type": "74",
                "account_bank": "工商银行",
                "account_name": "张三",
                "bank_address_code": "110000",
                "bank_branch_id": "402713354941",
                "bank_name": "施秉县农村信用合作联社城关信用社",
                "account_number": "6214830000001234"
            },
            "contact_info": {
                "contact_type": "65",
                "contact_name": "张三",
                "mobile_phone": "13900000000",
                "contact_email": "wechatpay@example.com"
            },
            "sales_scene_info": {
                "store_name": "爱烧烤",
                "store_url": "http://www.qq.com",
                "mini_program_sub_appid": "wxa123344545577"
            },
            "settlement_info": {"settlement_id": 719, "qualification_type": "零售批发/生活娱乐/其他"},
            "merchant_shortname": "腾讯",
            "qualifications": ["jTpGmxUX3FBWVQ5NJInE4d2I6_H7I4"],
            "business_addition_pics": ["jTpGmg05InE4d2I6_H7I4"],
            "business_addition_desc": "特殊情况，说明原因"
        });
        assert_eq!(body, expected);
    }

    #[test]
    fn a_small_merchant_sends_only_what_it_has_and_the_answer_decodes() {
        let (body, _) = revealed(
            &micro(),
            &["/id_card_info/id_card_name", "/contact_info/mobile_phone"],
        );
        let fields: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            [
                "account_info",
                "contact_info",
                "id_card_info",
                "merchant_shortname",
                "organization_type",
                "out_request_no",
                "sales_scene_info"
            ]
        );
        assert_eq!(body["contact_info"]["mobile_phone"], "13900000000");
        assert!(body["contact_info"].get("contact_email").is_none());

        let answer = micro()
            .decode(VerifiedBody::new(
                wechatpay_fixtures::pages::ECOMMERCE_APPLYMENT_IDS.as_bytes(),
                http::StatusCode::OK,
                None,
            ))
            .unwrap();
        assert_eq!(answer.applyment_id, 2_000_002_124_775_691);
        assert_eq!(answer.out_request_no, "APPLYMENT_00000000001");
    }

    fn refused(operation: SubmitApplyment) -> String {
        let keys = keys();
        let mut rng = rng();
        field_of(
            operation
                .request(&mut RequestContext::new(&keys, &mut rng))
                .unwrap_err(),
        )
    }

    #[test]
    fn the_rules_between_fields_are_checked_before_anything_is_signed() {
        let license = || {
            BusinessLicenseInfo::new(
                media(LICENSE_COPY),
                "123456789012345678",
                "某某有限公司",
                secret("张三"),
            )
            .unwrap()
        };
        let company = |account: AccountInfo, contact: ContactInfo| {
            SubmitApplyment::new(
                "APPLYMENT_2",
                OrganizationType::Enterprise,
                account,
                contact,
                SalesSceneInfo::by_url("店", "https://shop.example.com").unwrap(),
                "店",
            )
            .unwrap()
        };
        let email = || {
            legal_contact()
                .with_contact_email(secret("a@b.cn"))
                .unwrap()
        };
        // A person has no licence; a company must have one.
        assert_eq!(
            refused(micro().with_business_license_info(license())),
            "business_license_info"
        );
        assert_eq!(
            refused(
                company(account(BankAccountType::Corporate), email()).with_id_card_info(id_card())
            ),
            "business_license_info"
        );
        // A company settles to a corporate account, and gives an e-mail.
        let complete = company(account(BankAccountType::Corporate), email())
            .with_business_license_info(license())
            .with_id_card_info(id_card());
        let keys = keys();
        let mut rng = rng();
        assert!(
            complete
                .request(&mut RequestContext::new(&keys, &mut rng))
                .is_ok()
        );
        assert_eq!(
            refused(
                company(account(BankAccountType::Personal), email())
                    .with_business_license_info(license())
                    .with_id_card_info(id_card())
            ),
            "account_info.bank_account_type"
        );
        assert_eq!(
            refused(
                company(account(BankAccountType::Corporate), legal_contact())
                    .with_business_license_info(license())
                    .with_id_card_info(id_card())
            ),
            "contact_info.contact_email"
        );
        // A person's account is personal; a personal seller explains itself.
        let mut seller = micro();
        seller.organization_type = OrganizationType::PersonalSeller;
        assert_eq!(refused(seller.clone()), "business_addition_desc");
        assert!(
            seller
                .with_business_addition_desc("已持续经营满6个月")
                .unwrap()
                .request(&mut RequestContext::new(&keys, &mut rng))
                .is_ok()
        );
        let mut corporate_micro = micro();
        corporate_micro.account_info = account(BankAccountType::Corporate);
        assert_eq!(refused(corporate_micro), "account_info.bank_account_type");
        // The legal person's identity: one document, or an agent with the letter.
        let mut nobody = micro();
        nobody.id_card_info = None;
        assert_eq!(refused(nobody.clone()), "id_card_info");
        let passport = IdDocInfo::new(
            media(ID_FRONT),
            secret("JOHN SMITH"),
            secret("E12345678"),
            ValidityPeriod::new(date!(2020 - 01 - 02), date!(2030 - 01 - 02)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            refused(micro().with_id_doc_info(IdDocType::OverseaPassport, passport.clone())),
            "id_doc_info"
        );
        assert!(
            nobody
                .clone()
                .with_id_doc_info(IdDocType::OverseaPassport, passport.clone())
                .request(&mut RequestContext::new(&keys, &mut rng))
                .is_ok()
        );
        assert_eq!(
            refused(
                nobody
                    .clone()
                    .with_id_doc_info(IdDocType::MainlandIdCard, passport)
            ),
            "id_card_info"
        );
        assert_eq!(
            refused(nobody.clone().with_id_holder_type(IdHolderType::Super)),
            "authorize_letter_copy"
        );
        // An agent administrator brings a document and the authorisation letter.
        let agent = ContactInfo::new(ContactType::Agent, secret("李四"), secret("13900000001"))
            .unwrap()
            .with_contact_email(secret("a@b.cn"))
            .unwrap();
        let period = ValidityPeriod::long_term(date!(2020 - 01 - 01)).unwrap();
        let with_doc = agent
            .clone()
            .with_id_doc(
                IdDocType::MainlandIdCard,
                secret("110101199202023456"),
                media(ID_FRONT),
                period,
            )
            .unwrap()
            .with_id_doc_copy_back(media(ID_BACK));
        let agent_company = |contact| {
            company(account(BankAccountType::Corporate), contact)
                .with_business_license_info(license())
                .with_id_card_info(id_card())
        };
        assert_eq!(
            refused(agent_company(agent)),
            "contact_info.contact_id_card_number"
        );
        assert_eq!(
            refused(agent_company(with_doc.clone())),
            "contact_info.business_authorization_letter"
        );
        let (body, _) = revealed(
            &agent_company(with_doc.with_business_authorization_letter(media(LICENSE_COPY))),
            &["/contact_info/contact_id_card_number"],
        );
        assert_eq!(
            body["contact_info"]["contact_id_card_number"],
            "110101199202023456"
        );
        assert_eq!(body["contact_info"]["contact_id_doc_period_end"], "长期");
        assert_eq!(
            body["contact_info"]["contact_id_doc_type"],
            "IDENTIFICATION_TYPE_MAINLAND_IDCARD"
        );
    }

    #[test]
    fn fields_are_checked_one_by_one_and_personal_data_never_shows() {
        let secrets = [
            "13900000000",
            "6214830000001234",
            "11010119900307001X",
            "张三",
        ];
        let shown = format!("{:?}", page_example());
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let refusals = [
            (
                ContactInfo::new(ContactType::Legal, secret("张三"), secret("1390000000"))
                    .map(drop),
                "contact_info.mobile_phone",
            ),
            (
                ContactInfo::new(ContactType::Legal, secret(" "), secret("13900000000")).map(drop),
                "contact_info.contact_name",
            ),
            (
                legal_contact()
                    .with_contact_email(secret("张三.example.com"))
                    .map(drop),
                "contact_info.contact_email",
            ),
            (
                IdCardInfo::new(
                    media(ID_FRONT),
                    media(ID_BACK),
                    secret("张三"),
                    secret("11010119900307001x"),
                    ValidityPeriod::long_term(date!(2019 - 06 - 06)).unwrap(),
                )
                .map(drop),
                "id_card_info.id_card_number",
            ),
            (
                AccountInfo::new(
                    BankAccountType::Personal,
                    "工商银行",
                    secret("张三"),
                    "110000",
                    secret("6214 8300 0000 1234"),
                )
                .map(drop),
                "account_info.account_number",
            ),
            (
                AccountInfo::new(
                    BankAccountType::Personal,
                    "工商银行",
                    secret(&"张".repeat(72)),
                    "110000",
                    secret("6214830000001234"),
                )
                .map(drop),
                "account_info.account_name",
            ),
            (
                AccountInfo::new(
                    BankAccountType::Personal,
                    "工商银行",
                    secret("张三"),
                    "北京",
                    secret("6214830000001234"),
                )
                .map(drop),
                "account_info.bank_address_code",
            ),
            (
                SalesSceneInfo::by_url("店", "www.qq.com").map(drop),
                "sales_scene_info.store_url",
            ),
            (
                SubmitApplyment::new(
                    "A",
                    OrganizationType::Micro,
                    account(BankAccountType::Personal),
                    legal_contact(),
                    SalesSceneInfo::by_url("店", "https://a.cn").unwrap(),
                    "腾".repeat(22),
                )
                .map(drop),
                "merchant_shortname",
            ),
            (
                micro()
                    .with_qualifications(vec![media("a"); MAX_PICTURES + 1])
                    .map(drop),
                "qualifications",
            ),
            (MediaId::new("has space").map(drop), "media_id"),
            (MediaId::new("").map(drop), "media_id"),
            (
                ValidityPeriod::new(date!(2020 - 01 - 02), date!(2020 - 01 - 02)).map(drop),
                "period",
            ),
            (
                FinanceInstitutionInfo::new(FinanceType::Other, Vec::new()).map(drop),
                "finance_institution_info.finance_license_pics",
            ),
        ];
        for (result, field) in refusals {
            let error = result.unwrap_err();
            let message = error.to_string();
            for secret in secrets {
                assert!(!message.contains(secret), "{message}");
            }
            assert_eq!(field_of(error), field);
        }
        let mut full = micro();
        for _ in 0..MAX_UBOS {
            full = full
                .with_ubo(
                    UboInfo::new(
                        IdDocType::MainlandIdCard,
                        media(ID_FRONT),
                        secret("李四"),
                        secret("110101199202023456"),
                        ValidityPeriod::long_term(date!(2020 - 01 - 01)).unwrap(),
                    )
                    .unwrap(),
                )
                .unwrap();
        }
        let one_more = full.ubo_info_list[0].clone();
        assert_eq!(
            field_of(full.with_ubo(one_more).unwrap_err()),
            "ubo_info_list"
        );
    }

    #[test]
    fn without_a_platform_key_nothing_is_built() {
        let keys = PlatformKeys::new();
        let mut rng = rng();
        let error = micro()
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap_err();
        assert_eq!(field_of(error), "platform_keys");
    }

    #[test]
    fn an_organization_type_this_version_does_not_know_is_sent_as_given() {
        let mut applyment = micro();
        applyment.organization_type = OrganizationType::from("2600");
        applyment.contact_info = legal_contact()
            .with_contact_email(secret("a@b.cn"))
            .unwrap();
        let (body, _) = revealed(&applyment, &[]);
        assert_eq!(body["organization_type"], "2600");
    }
}
