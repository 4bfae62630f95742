//! A downloaded bill, untrusted bytes all the way: decoded as a ticket says (as it is,
//! gzip'd, or encrypted and gzip'd, fed in pieces of the input's choosing), then read into
//! rows and typed. Nothing may panic, and the decoder's pieces stay bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_core::bill::Bill;
use wechatpay_core::ecommerce::bill::EcommerceFundFlowBill;
use wechatpay_core::{DownloadTicket, FileDecoder, Operation, SensitiveString, VerifiedBody};

const URL: &str = "https://api.mch.weixin.qq.com/v3/billdownload/file?token=t";
const DIGEST: &str = "79bb0f45fc4c42234a918000b2668d689e2bde04";

fn ticket(mode: u8) -> Option<DownloadTicket> {
    let plain = DownloadTicket::new("SHA1", DIGEST, URL).ok()?;
    match mode % 3 {
        0 => Some(plain),
        1 => Some(plain.gzipped()),
        _ => {
            let answer = format!(
                r#"{{"download_bill_count":1,"download_bill_list":[{{"bill_sequence":1,"download_url":"{URL}","encrypt_key":"AA==","hash_type":"SHA1","hash_value":"{DIGEST}","nonce":"a8607ef79034c49c"}}]}}"#
            );
            let bill = EcommerceFundFlowBill::new("2024-11-23")
                .ok()?
                .gzipped()
                .decode(VerifiedBody::for_fuzzing(answer.as_bytes()))
                .ok()?;
            bill.files[0]
                .ticket_with_key(&SensitiveString::new("0123456789abcdef0123456789abcdef"))
                .ok()
        }
    }
}

fn read(text: &[u8]) {
    if let Ok(bill) = Bill::parse(text) {
        for row in &bill.rows {
            let _ = row.trade().map(|r| format!("{r:?}"));
            let _ = row.fund_flow().map(|r| format!("{r:?}"));
        }
        let _ = bill.summary.trade_summary();
        let _ = bill.summary.fund_flow_summary();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((&step, file)) = rest.split_first() else {
        return;
    };
    read(file);
    let Some(ticket) = ticket(mode) else {
        return;
    };
    let mut decoder = FileDecoder::new(&ticket);
    let mut text = Vec::new();
    let step = usize::from(step).max(1);
    for chunk in file.chunks(step) {
        let mut received = chunk;
        while !received.is_empty() {
            match decoder.decode(&mut received) {
                Ok(piece) => {
                    assert!(piece.len() <= 128 * 1024);
                    text.extend_from_slice(piece);
                }
                Err(_) => return,
            }
        }
        if text.len() > 16 * 1024 * 1024 {
            return;
        }
    }
    loop {
        match decoder.end() {
            Ok(piece) if piece.is_empty() => break,
            Ok(piece) => text.extend_from_slice(piece),
            Err(_) => return,
        }
    }
    let _ = decoder.finish();
    read(&text);
});
