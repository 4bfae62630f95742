//! Bills end to end in the core: a gzip'd bill gunzipped before its digest, the e-commerce
//! vector (made with Python's `cryptography`, see testdata/README.md) decrypted, gunzipped and
//! checked, and bills parsed into rows and summaries.

mod common;

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha1::{Digest, Sha1};
use wechatpay_core::bill::{
    AccountType, Amount, Bill, BillReader, FlowDirection, FundFlowBill, TradeBill, TradeState,
};
use wechatpay_core::ecommerce::bill::EcommerceFundFlowBill;
use wechatpay_core::{
    Backend, DigestWriter, DownloadTicket, Error, FileDecoder, Operation, PlatformKeys,
    RequestContext, VerificationError,
};

const TRADE: &[u8] = include_bytes!("../testdata/bills/trade_all.csv");
const FUND_FLOW: &[u8] = include_bytes!("../testdata/bills/fundflow.csv");
const VECTOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/bills/ecommerce_fundflow"
);
const URL: &str = "https://api.mch.weixin.qq.com/v3/billdownload/file?token=t";

fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{VECTOR}/{name}")).unwrap()
}

/// Writes `file` into a checking writer `piece` bytes at a time.
fn download(ticket: &DownloadTicket, file: &[u8], piece: usize) -> Result<Vec<u8>, Error> {
    let mut sink = DigestWriter::new(Vec::new(), ticket);
    for chunk in file.chunks(piece) {
        if sink.write_all(chunk).is_err() {
            break;
        }
    }
    sink.finish()
}

fn digest_mismatch(error: &Error) -> Option<(&str, &str)> {
    match error.verification()? {
        VerificationError::DigestMismatch {
            expected, actual, ..
        } => Some((expected.as_str(), actual.as_str())),
        _ => None,
    }
}

#[test]
fn a_gzipped_bill_is_gunzipped_before_its_digest_is_checked() {
    let file = gzip(TRADE);
    let ticket = DownloadTicket::new("SHA1", &sha1_hex(TRADE), URL)
        .unwrap()
        .gzipped();
    for piece in [1, 7, 4096, file.len()] {
        assert_eq!(download(&ticket, &file, piece).unwrap(), TRADE, "{piece}");
    }
    // The digest is of the text, not of the compressed file: a ticket naming the file's
    // digest is a mismatch that names both.
    let wrong = DownloadTicket::new("SHA1", &sha1_hex(&file), URL)
        .unwrap()
        .gzipped();
    let error = download(&wrong, &file, 512).unwrap_err();
    assert_eq!(
        digest_mismatch(&error),
        Some((sha1_hex(&file).as_str(), sha1_hex(TRADE).as_str()))
    );
    let message = error.to_string();
    assert!(message.contains(&sha1_hex(&file)) && message.contains(&sha1_hex(TRADE)));
}

#[test]
fn a_file_that_is_not_the_announced_gzip_is_refused_whole() {
    let file = gzip(TRADE);
    let ticket = DownloadTicket::new("SHA1", &sha1_hex(TRADE), URL)
        .unwrap()
        .gzipped();
    let cut = download(&ticket, &file[..file.len() - 9], 100).unwrap_err();
    assert!(
        matches!(
            cut.verification(),
            Some(VerificationError::UndecodableFile { format: "gzip", .. })
        ),
        "{cut}"
    );
    let plain = download(&ticket, TRADE, 100).unwrap_err();
    assert!(
        matches!(
            plain.verification(),
            Some(VerificationError::UndecodableFile { .. })
        ),
        "{plain}"
    );
    // Data after the last gzip member is not gzip either.
    let mut trailing = file.clone();
    trailing.extend_from_slice(b"garbage");
    assert!(download(&ticket, &trailing, 100).is_err());
    // Two members are one gzip file (RFC 1952), as the platform may send.
    let (front, back) = TRADE.split_at(1000);
    let mut members = gzip(front);
    members.extend_from_slice(&gzip(back));
    assert_eq!(download(&ticket, &members, 333).unwrap(), TRADE);
}

#[test]
fn a_file_that_inflates_a_thousandfold_comes_out_in_small_pieces() {
    let text = vec![b'0'; 8 * 1024 * 1024];
    let file = gzip(&text);
    assert!(file.len() < 64 * 1024, "{}", file.len());
    let ticket = DownloadTicket::new("SHA1", &sha1_hex(&text), URL)
        .unwrap()
        .gzipped();
    let mut decoder = FileDecoder::new(&ticket);
    let (mut total, mut largest) = (0, 0);
    let mut received: &[u8] = &file;
    while !received.is_empty() {
        let piece = decoder.decode(&mut received).unwrap();
        (total, largest) = (total + piece.len(), largest.max(piece.len()));
    }
    loop {
        let piece = decoder.end().unwrap();
        if piece.is_empty() {
            break;
        }
        (total, largest) = (total + piece.len(), largest.max(piece.len()));
    }
    assert_eq!(total, text.len());
    assert!(largest <= 64 * 1024, "a piece of {largest} bytes");
    assert_eq!(decoder.finish().unwrap(), text.len() as u64);
}

#[test]
fn finishing_before_the_end_was_decoded_is_refused() {
    let ticket = DownloadTicket::new("SHA1", &sha1_hex(b""), URL).unwrap();
    let decoder = FileDecoder::new(&ticket);
    assert!(matches!(decoder.finish(), Err(Error::InvalidInput { .. })));
}

fn ecommerce_answer(hash_value: &str) -> Vec<u8> {
    serde_json::json!({
        "download_bill_count": 1,
        "download_bill_list": [{
            "bill_sequence": 1,
            "download_url": URL,
            "encrypt_key": String::from_utf8(vector("encrypt_key")).unwrap(),
            "hash_type": "SHA1",
            "hash_value": hash_value,
            "nonce": String::from_utf8(vector("nonce")).unwrap(),
        }]
    })
    .to_string()
    .into_bytes()
}

fn ecommerce_ticket(hash_value: &str) -> DownloadTicket {
    // Through the client, as an adapter does: a signed answer, verified, then decoded.
    let client = common::client(Backend::default());
    let response = common::signed_response(Backend::default(), 200, &ecommerce_answer(hash_value));
    let operation = EcommerceFundFlowBill::new("2024-11-23").unwrap().gzipped();
    let bill = client.parse(&operation, &response, common::NOW).unwrap();
    let mut rng = common::rng();
    bill.files[0]
        .ticket(client.credentials(), &mut rng)
        .unwrap()
}

#[test]
fn the_ecommerce_vector_decrypts_then_gunzips_then_matches_its_digest() {
    let hash_value = String::from_utf8(vector("hash_value")).unwrap();
    assert_eq!(hash_value, sha1_hex(FUND_FLOW));
    let ticket = ecommerce_ticket(&hash_value);
    assert!(ticket.is_encrypted() && ticket.is_gzipped());
    let file = vector("file");
    for piece in [1, 16, 17, 100, file.len()] {
        assert_eq!(
            download(&ticket, &file, piece).unwrap(),
            FUND_FLOW,
            "{piece}"
        );
    }
    // One byte changed anywhere: the tag fails, and nothing is handed out as the bill.
    for at in [0, file.len() / 2, file.len() - 1] {
        let mut altered = file.clone();
        altered[at] ^= 0x20;
        let error = download(&ticket, &altered, 64).unwrap_err();
        assert!(
            matches!(
                error.verification(),
                Some(VerificationError::FileTagMismatch)
            ),
            "{at}: {error}"
        );
    }
    // A whole file whose digest is not the announced one.
    let other = ecommerce_ticket(&sha1_hex(b"another bill"));
    let error = download(&other, &file, 64).unwrap_err();
    assert_eq!(
        digest_mismatch(&error),
        Some((sha1_hex(b"another bill").as_str(), hash_value.as_str()))
    );
}

#[test]
fn a_trade_bill_reads_into_rows_and_its_summary() {
    let bill = Bill::parse(TRADE).unwrap();
    assert_eq!(bill.columns.first().map(String::as_str), Some("交易时间"));
    assert_eq!(bill.rows.len(), 3);
    let first = bill.rows[0].trade().unwrap();
    assert_eq!(first.trade_time, "2024-11-23 09:15:02");
    assert_eq!(first.out_trade_no, "ORDER_20241123_0001");
    assert_eq!(first.sub_mchid.as_deref(), Some("1900000109"));
    assert_eq!(first.trade_state, TradeState::Success);
    assert_eq!(first.settlement_amount.and_then(|a| a.fen()), Some(8800));
    assert_eq!(first.fee.fen(), Some(53));
    assert_eq!(first.fee.to_string(), "0.53000");
    assert_eq!(first.rate.as_deref(), Some("0.60%"));
    // Empty values and unknown columns.
    assert_eq!(bill.rows[0].get("设备号"), Some(""));
    assert_eq!(bill.rows[0].get("分账标识"), Some("N"));
    assert_eq!(bill.rows[1].get("商品名称"), Some("咖啡 大杯"));
    let refund = bill.rows[2].trade().unwrap();
    assert_eq!(refund.trade_state, TradeState::Refund);
    assert_eq!(refund.out_refund_no.as_deref(), Some("REFUND_0001"));
    assert_eq!(refund.refund_amount.and_then(|a| a.fen()), Some(800));
    assert_eq!(refund.fee, Amount::parse("-0.05000").unwrap());
    let summary = bill.summary.trade_summary().unwrap();
    assert_eq!(summary.count, 3);
    assert_eq!(summary.settlement_total.and_then(|a| a.fen()), Some(10050));
    assert_eq!(summary.fee_total.to_string(), "0.56000");
    // A row is not a fund-flow row.
    assert!(matches!(bill.rows[0].fund_flow(), Err(Error::Decode(_))));
}

#[test]
fn a_fund_flow_bill_reads_into_rows_and_its_summary() {
    let mut reader = BillReader::new(FUND_FLOW).unwrap();
    let rows: Vec<_> = reader
        .by_ref()
        .map(|row| row.unwrap().fund_flow().unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].direction, FlowDirection::Expense);
    assert_eq!(rows[0].amount.fen(), Some(2));
    assert_eq!(rows[0].remark.as_deref(), Some("缺货"));
    assert_eq!(rows[1].direction, FlowDirection::Income);
    assert_eq!(rows[1].remark, None);
    assert_eq!(rows[2].business_type, "扣除交易手续费");
    let summary = reader.summary().unwrap().fund_flow_summary().unwrap();
    assert_eq!(
        (summary.count, summary.income_count, summary.expense_count),
        (3, 1, 2)
    );
    assert_eq!(summary.expense_total.fen(), Some(55));
}

#[test]
fn a_bill_cut_short_or_without_its_header_names_the_line() {
    let text = std::str::from_utf8(FUND_FLOW).unwrap();
    let cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    let error = Bill::parse(cut.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("cut short"), "{error}");
    let headless: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let error = Bill::parse(headless.as_bytes()).unwrap_err();
    assert!(error.to_string().contains("line 1"), "{error}");
    let extra = format!("{text}`1,`2\n");
    assert!(Bill::parse(extra.as_bytes()).is_err());
    assert!(Bill::parse(b"").is_err());
    assert!(Bill::parse(b"\xff\xfe,\n").is_err());
    let bad_amount = text.replace("`0.02,", "`0,02x,");
    let bill = Bill::parse(bad_amount.as_bytes()).unwrap();
    let error = bill.rows[0].fund_flow().unwrap_err();
    assert!(error.to_string().contains("line 2"), "{error}");
}

#[test]
fn the_bill_operations_build_what_the_pages_document() {
    fn path_of(operation: &impl Operation) -> String {
        let mut rng = common::rng();
        let keys = PlatformKeys::new();
        let parts = operation
            .request(&mut RequestContext::new(&keys, &mut rng))
            .unwrap();
        parts.path_and_query().to_owned()
    }
    assert_eq!(
        path_of(&TradeBill::new("2024-11-23").unwrap().gzipped()),
        "/v3/bill/tradebill?bill_date=2024-11-23&tar_type=GZIP"
    );
    assert_eq!(
        path_of(
            &FundFlowBill::new("2024-11-23")
                .unwrap()
                .with_account_type(AccountType::Operation)
        ),
        "/v3/bill/fundflowbill?bill_date=2024-11-23&account_type=OPERATION"
    );
    assert_eq!(
        path_of(&EcommerceFundFlowBill::new("2024-11-23").unwrap()),
        "/v3/ecommerce/bill/fundflowbill?bill_date=2024-11-23&account_type=ALL&algorithm=AEAD_AES_256_GCM"
    );
}
