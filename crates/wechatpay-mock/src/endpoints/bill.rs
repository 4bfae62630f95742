//! Bills: `GET /v3/bill/tradebill` (申请交易账单), `GET /v3/bill/fundflowbill` (申请资金账单),
//! `GET /v3/ecommerce/bill/fundflowbill` (申请二级商户资金账单), and the download of the file they
//! announce, `GET /v3/billdownload/file?token=...`, answered unsigned as the platform does.
//!
//! Bills are made up deterministically (module `text`), of about [`MockPlatform::set_bill_size`]
//! bytes (3 MiB unless set), gzip'd for `tar_type=GZIP`; the sub-merchants' fund-flow bill
//! comes as two files, each AES-256-GCM encrypted under the platform's bill key (seeded, and
//! sent RSA-OAEP-encrypted to the merchant as `encrypt_key`) and a 16-character nonce of its
//! own, empty associated data, the tag appended. A download URL names the host the request
//! was sent to, so that a client only ever fetches it from the mock it asked.
//!
//! [`Fault::AlteredFile`](crate::Fault::AlteredFile) alters a downloaded file on its way, so
//! that a client's digest check can be seen to refuse it.

use std::io::Write;
use std::sync::Arc;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::aes::cipher::consts::U16;
use aes_gcm::{AesGcm, Nonce};
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, Method};
use serde_json::json;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::{Call, Endpoint, Outcome, Route};
use crate::platform::{MockPlatform, SetupError};
use crate::reply::Reply;
use crate::store::Seeding;

pub(crate) mod text;

use super::ledger::{self, Entry, EntryKind};
use text::{FlowRow, Kind, TradeKind, TradeRow};

/// The size of a bill unless [`MockPlatform::set_bill_size`] says otherwise: several MiB,
/// so that every download arrives in many pieces.
pub const DEFAULT_BILL_SIZE: usize = 3 * 1024 * 1024;

/// The largest bill the mock makes: 256 MiB, past any benchmark, and a bound on what a
/// request to the control route can make it build.
pub const MAX_BILL_SIZE: usize = 256 * 1024 * 1024;

/// The platform's key for the sub-merchants' bill files: 32 characters, used as their bytes.
const ECOMMERCE_KEY: &str = "Mock3billKey0fTheSubMerchants32C";

/// How many bill files the mock keeps ready: a ticket's file is made once, then served.
const CACHED_FILES: usize = 4;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::GET,
            path: "/v3/bill/tradebill",
            answer: trade_bill,
        },
        Route {
            method: Method::GET,
            path: "/v3/bill/fundflowbill",
            answer: fund_flow_bill,
        },
        Route {
            method: Method::GET,
            path: "/v3/ecommerce/bill/fundflowbill",
            answer: ecommerce_fund_flow_bill,
        },
        Route {
            method: Method::GET,
            path: "/v3/billdownload/file",
            answer: download,
        },
    ],
    seed,
    unknown_enum_values: &[],
    tables: &[],
    progress: &[],
};

/// The size of the bills made, and the files ready to download.
#[derive(Debug, Clone, Default)]
struct Bills {
    size: Option<usize>,
    files: Vec<(String, Arc<BillFile>)>,
}

/// A file as downloaded, and the digest of the text it holds.
#[derive(Debug)]
struct BillFile {
    bytes: Vec<u8>,
    digest: String,
}

/// The bill key, and the same encrypted to the merchant.
#[derive(Debug, Clone, Default)]
struct BillKey {
    encrypted: String,
}

fn seed(seeding: &mut Seeding<'_>) -> Result<(), SetupError> {
    let encrypted = seeding.encrypt_for_merchant(ECOMMERCE_KEY)?;
    seeding.insert(BillKey { encrypted });
    Ok(())
}

impl MockPlatform {
    /// Makes the bills of later requests about `bytes` long (at most [`MAX_BILL_SIZE`]).
    pub fn set_bill_size(&self, bytes: usize) {
        self.store().write(|bills: &mut Bills| {
            bills.size = Some(bytes.min(MAX_BILL_SIZE));
            bills.files.clear();
        });
    }
}

/// A bill file, named by its download token: `trade.2024-11-23.ALL.gzip`,
/// `ecommerce.2024-11-23.ALL.plain.2`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileName {
    kind: String,
    date: String,
    variant: String,
    gzipped: bool,
    sequence: Option<u32>,
}

impl FileName {
    fn token(&self) -> String {
        let mut token = format!(
            "{}.{}.{}.{}",
            self.kind,
            self.date,
            self.variant,
            if self.gzipped { "gzip" } else { "plain" }
        );
        if let Some(sequence) = self.sequence {
            token.push_str(&format!(".{sequence}"));
        }
        token
    }

    fn parse(token: &str) -> Option<FileName> {
        let mut parts = token.split('.');
        let kind = parts.next()?.to_owned();
        let date = parts.next()?.to_owned();
        let variant = parts.next()?.to_owned();
        let gzipped = match parts.next()? {
            "gzip" => true,
            "plain" => false,
            _ => return None,
        };
        let sequence = parts.next().map(str::parse).transpose().ok()?;
        parts.next().is_none().then_some(FileName {
            kind,
            date,
            variant,
            gzipped,
            sequence,
        })
    }

    /// Which bill it is.
    fn bill_kind(&self) -> Option<Kind> {
        match (self.kind.as_str(), self.variant.as_str()) {
            ("trade", "ALL") => Some(Kind::Trade(TradeKind::All)),
            ("trade", "SUCCESS") => Some(Kind::Trade(TradeKind::Success)),
            ("trade", "REFUND") => Some(Kind::Trade(TradeKind::Refund)),
            ("fundflow" | "ecommerce", _) => Some(Kind::FundFlow),
            _ => None,
        }
    }

    /// A made-up bill's file, of about `size` bytes.
    fn make(&self, size: usize) -> Option<BillFile> {
        let whole = text::bill(self.bill_kind()?, &self.date, &self.variant, size);
        self.package(whole)
    }

    /// The file of the bill `whole`: its part, gzip'd and encrypted as the name says; and the
    /// digest of its text.
    fn package(&self, whole: Vec<u8>) -> Option<BillFile> {
        let text = match self.sequence {
            None => whole,
            Some(sequence) => part(whole, sequence)?,
        };
        let digest = hex(&Sha1::digest(&text));
        let mut bytes = if self.gzipped { gzip(&text) } else { text };
        if self.sequence.is_some() {
            bytes = encrypt(&bytes, &self.nonce());
        }
        Some(BillFile { bytes, digest })
    }

    /// The nonce of an encrypted file: 16 characters, as on the bill pages.
    fn nonce(&self) -> String {
        hex(&Sha256::digest(self.token().as_bytes()))[..16].to_owned()
    }
}

/// Part `sequence` (1 or 2) of a bill split in two at a line end, as the platform splits
/// large ones.
fn part(mut text: Vec<u8>, sequence: u32) -> Option<Vec<u8>> {
    let middle = text.len() / 2;
    let cut = text[middle..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(text.len(), |at| middle + at + 1);
    match sequence {
        1 => {
            text.truncate(cut);
            Some(text)
        }
        2 => Some(text.split_off(cut)),
        _ => None,
    }
}

fn gzip(text: &[u8]) -> Vec<u8> {
    // Fast compression: the mock makes bills of up to hundreds of MiB on demand.
    let mut encoder = GzEncoder::new(Vec::with_capacity(text.len() / 4), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(text);
    encoder.finish().unwrap_or_default()
}

fn encrypt(bytes: &[u8], nonce: &str) -> Vec<u8> {
    let cipher = AesGcm::<Aes256, U16>::new(
        &(*ECOMMERCE_KEY.as_bytes())
            .try_into()
            .unwrap_or([0; 32])
            .into(),
    );
    let mut buffer = bytes.to_vec();
    let nonce = Nonce::<U16>::try_from(nonce.as_bytes()).unwrap_or_default();
    match cipher.encrypt_inout_detached(&nonce, b"", buffer.as_mut_slice().into()) {
        Ok(tag) => buffer.extend_from_slice(&tag),
        // Past GCM's 64 GiB: not a size the mock makes.
        Err(_) => buffer.clear(),
    }
    buffer
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The file `name` names: of the ledger when the sandbox saw money move that day (made anew
/// each time, since the day may go on), else made up once and kept.
fn file(call: &Call<'_>, name: &FileName) -> Option<Arc<BillFile>> {
    if let Some(whole) = ledger_bill(call, name) {
        return name.package(whole).map(Arc::new);
    }
    let token = name.token();
    let (size, ready) = call.store().read(|bills: &Bills| {
        let ready = bills
            .files
            .iter()
            .find(|(t, _)| *t == token)
            .map(|(_, f)| f.clone());
        (bills.size.unwrap_or(DEFAULT_BILL_SIZE), ready)
    });
    if let Some(ready) = ready {
        return Some(ready);
    }
    // Made outside the store's lock: a large bill takes a while.
    let made = Arc::new(name.make(size)?);
    call.store().write(|bills: &mut Bills| {
        if bills.files.len() >= CACHED_FILES {
            bills.files.remove(0);
        }
        bills.files.push((token, made.clone()));
    });
    Some(made)
}

/// The bill `name` names, of what the ledger recorded on its day (China Standard Time); `None`
/// when nothing moved that day. Trade bills list the day's payments and refunds of every
/// sub-merchant; the merchant's fund-flow bill its own account's movements; the sub-merchants'
/// fund-flow bill theirs. The sandbox charges no fees.
fn ledger_bill(call: &Call<'_>, name: &FileName) -> Option<Vec<u8>> {
    let day = day_start_of(&name.date)?;
    let sp_mchid = call.mchid();
    ledger::read(call.store(), |ledger| {
        let entries: Vec<&Entry> = ledger.day(day).collect();
        if entries.is_empty() {
            return None;
        }
        let time = |at: u64| {
            let seconds = at.saturating_sub(day);
            format!(
                "{} {:02}:{:02}:{:02}",
                name.date,
                seconds / 3600 % 24,
                seconds / 60 % 60,
                seconds % 60
            )
        };
        match name.bill_kind()? {
            Kind::Trade(kind) => {
                let rows = entries
                    .iter()
                    .filter(|e| {
                        matches!(
                            (e.kind, kind),
                            (EntryKind::Payment, TradeKind::All | TradeKind::Success)
                                | (EntryKind::Refund, TradeKind::All | TradeKind::Refund)
                        )
                    })
                    .filter_map(|entry| {
                        let order =
                            ledger.order_by_transaction_id(entry.transaction_id.as_deref()?)?;
                        let refund = (entry.kind == EntryKind::Refund)
                            .then(|| (entry.id.clone(), entry.out_no.clone(), -entry.amount));
                        Some(TradeRow {
                            time: time(entry.at),
                            sub_mchid: order.sub_mchid.clone(),
                            transaction_id: order.transaction_id.clone(),
                            out_trade_no: order.out_trade_no.clone(),
                            openid: String::new(),
                            trade_type: order.trade_type.clone(),
                            bank: "OTHERS".to_owned(),
                            amount: i64::try_from(order.total).unwrap_or(i64::MAX),
                            refund,
                            goods: order.description.clone(),
                            attach: String::new(),
                            fee: 0,
                            rate: "0.00%".to_owned(),
                        })
                    })
                    .collect();
                Some(text::trade_bill_of(kind, &sp_mchid, rows))
            }
            Kind::FundFlow => {
                let ecommerce = name.kind == "ecommerce";
                let mut balances: Vec<((String, String), i64)> = Vec::new();
                let rows = entries
                    .iter()
                    .filter(|e| {
                        (e.mchid != sp_mchid) == ecommerce
                            && (name.variant == "ALL" || e.account == name.variant)
                    })
                    .map(|entry| {
                        let key = (entry.mchid.clone(), entry.account.clone());
                        let at = match balances.iter().position(|(k, _)| *k == key) {
                            Some(at) => at,
                            None => {
                                let opening = ledger.balance_until(
                                    &entry.mchid,
                                    &entry.account,
                                    day.saturating_sub(1),
                                );
                                balances.push((key, opening));
                                balances.len() - 1
                            }
                        };
                        balances[at].1 = balances[at].1.saturating_add(entry.amount);
                        FlowRow {
                            time: time(entry.at),
                            business_id: entry.id.clone(),
                            flow_id: format!("{}{}", entry.mchid, entry.id),
                            business: business_name(entry.kind).to_owned(),
                            amount: entry.amount,
                            balance: balances[at].1,
                            remark: String::new(),
                            voucher: entry.out_no.clone(),
                        }
                    })
                    .collect();
                Some(text::fund_flow_bill_of(rows))
            }
        }
    })
}

/// The 业务名称 of a movement.
fn business_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Payment => "交易",
        EntryKind::Refund => "退款",
        EntryKind::ProfitSharing => "分账",
        EntryKind::ProfitSharingReturn => "分账回退",
        EntryKind::Subsidy => "补差",
        EntryKind::SubsidyReturn => "补差回退",
        EntryKind::Withdraw => "提现",
        EntryKind::Transfer => "转账",
    }
}

/// The Unix time at which `date` (`YYYY-MM-DD`, China Standard Time) starts.
fn day_start_of(date: &str) -> Option<u64> {
    let mut parts = date.split('-').map(str::parse::<u32>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let start = date
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .unix_timestamp();
    u64::try_from(start).ok()
}

/// The download URL of `name`, on the host the request was sent to.
fn download_url(call: &Call<'_>, name: &FileName) -> String {
    let host = call.header("host").unwrap_or("127.0.0.1");
    format!("http://{host}/v3/billdownload/file?token={}", name.token())
}

/// `bill_date`, checked as the platform does.
fn bill_date(call: &Call<'_>) -> Result<String, Reply> {
    let date = call
        .query("bill_date")
        .ok_or_else(|| Reply::param_error("bill_date", "query", "缺少参数"))?;
    let bytes = date.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(Reply::param_error(
            "bill_date",
            "query",
            "格式应为yyyy-MM-DD",
        ));
    }
    Ok(date)
}

fn gzipped(call: &Call<'_>) -> Result<bool, Reply> {
    match call.query("tar_type").as_deref() {
        None => Ok(false),
        Some("GZIP") => Ok(true),
        Some(_) => Err(Reply::param_error("tar_type", "query", "应为GZIP")),
    }
}

fn one_of(call: &Call<'_>, name: &str, default: &str, allowed: &[&str]) -> Result<String, Reply> {
    let value = call.query(name).unwrap_or_else(|| default.to_owned());
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(Reply::param_error(
            name,
            "query",
            &format!("应为{}", allowed.join("、")),
        ))
    }
}

/// The signed answer announcing the file `name`.
fn ticket(call: &Call<'_>, name: &FileName) -> Outcome {
    let file = file(call, name).ok_or_else(|| Reply::not_found("账单不存在"))?;
    Ok(Reply::ok(
        json!({
            "hash_type": "SHA1",
            "hash_value": file.digest,
            "download_url": download_url(call, name),
        })
        .to_string()
        .into_bytes(),
    ))
}

fn trade_bill(call: &Call<'_>) -> Outcome {
    let date = bill_date(call)?;
    if let Some(sub_mchid) = call.query("sub_mchid")
        && (sub_mchid.is_empty() || !sub_mchid.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Reply::param_error("sub_mchid", "query", "应为数字"));
    }
    let variant = one_of(call, "bill_type", "ALL", &["ALL", "SUCCESS", "REFUND"])?;
    let name = FileName {
        kind: "trade".to_owned(),
        date,
        variant,
        gzipped: gzipped(call)?,
        sequence: None,
    };
    ticket(call, &name)
}

fn fund_flow_bill(call: &Call<'_>) -> Outcome {
    let name = FileName {
        kind: "fundflow".to_owned(),
        date: bill_date(call)?,
        variant: one_of(
            call,
            "account_type",
            "BASIC",
            &["BASIC", "OPERATION", "FEES"],
        )?,
        gzipped: gzipped(call)?,
        sequence: None,
    };
    ticket(call, &name)
}

fn ecommerce_fund_flow_bill(call: &Call<'_>) -> Outcome {
    let date = bill_date(call)?;
    let variant = call
        .query("account_type")
        .ok_or_else(|| Reply::param_error("account_type", "query", "缺少参数"))?;
    if !["ALL", "BASIC", "FEES"].contains(&variant.as_str()) {
        return Err(Reply::param_error("account_type", "query", "应为ALL"));
    }
    if call.query("algorithm").as_deref() != Some("AEAD_AES_256_GCM") {
        return Err(Reply::param_error(
            "algorithm",
            "query",
            "应为AEAD_AES_256_GCM",
        ));
    }
    let gzipped = gzipped(call)?;
    let encrypted = call.store().read(|key: &BillKey| key.encrypted.clone());
    let mut list = Vec::new();
    for sequence in [1, 2] {
        let name = FileName {
            kind: "ecommerce".to_owned(),
            date: date.clone(),
            variant: variant.clone(),
            gzipped,
            sequence: Some(sequence),
        };
        let file = file(call, &name).ok_or_else(|| Reply::not_found("账单不存在"))?;
        list.push(json!({
            "bill_sequence": sequence,
            "download_url": download_url(call, &name),
            "encrypt_key": encrypted,
            "hash_type": "SHA1",
            "hash_value": file.digest,
            "nonce": name.nonce(),
        }));
    }
    Ok(Reply::ok(
        json!({"download_bill_count": list.len(), "download_bill_list": list})
            .to_string()
            .into_bytes(),
    ))
}

/// The file itself: not signed (the platform does not sign downloads), trusted by the digest
/// its signed announcement gave.
fn download(call: &Call<'_>) -> Outcome {
    let name = call
        .query("token")
        .as_deref()
        .and_then(FileName::parse)
        .ok_or_else(|| Reply::not_found("下载地址无效或已过期").unsigned())?;
    let file = file(call, &name).ok_or_else(|| Reply::not_found("账单不存在").unsigned())?;
    Ok(Reply::ok(file.bytes.clone()).unsigned().with_header(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_files_both_ways() {
        for token in [
            "trade.2024-11-23.ALL.gzip",
            "ecommerce.2024-11-23.ALL.plain.2",
        ] {
            assert_eq!(
                FileName::parse(token).map(|n| n.token()).as_deref(),
                Some(token)
            );
        }
        for token in [
            "",
            "trade.2024-11-23.ALL",
            "trade.2024-11-23.ALL.zip",
            "a.b.c.gzip.x.y",
        ] {
            assert!(FileName::parse(token).is_none(), "{token}");
        }
    }

    #[test]
    fn the_two_parts_of_a_split_bill_are_the_bill() {
        let whole = text::bill(Kind::FundFlow, "2024-11-23", "ALL", 10_000);
        let mut joined = part(whole.clone(), 1).unwrap();
        joined.extend(part(whole.clone(), 2).unwrap());
        assert_eq!(joined, whole);
        assert!(part(whole, 3).is_none());
    }
}
