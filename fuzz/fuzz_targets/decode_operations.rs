//! Decoding of each operation's answer, past verification (the `--cfg fuzzing` hook).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_core::ecommerce::applyment::{QueryApplymentById, QueryApplymentByOutRequestNo};
use wechatpay_core::ecommerce::contract::{QueryContractByOpenid, QueryContractByOutContractCode};
use wechatpay_core::{Operation, VerifiedBody};

fuzz_target!(|data: &[u8]| {
    let body = VerifiedBody::for_fuzzing(data);
    for applyment in [
        QueryApplymentByOutRequestNo::new("APPLYMENT_00000000001")
            .expect("valid")
            .decode(body),
        QueryApplymentById::new(2_000_002_124_775_691).decode(body),
    ] {
        match applyment {
            Ok(applyment) => {
                let _ = format!("{applyment:?} {:?}", applyment.next_step());
                let _ = (
                    applyment.applyment_state.is_final(),
                    applyment.applyment_state.is_pending(),
                );
                if let Some(validation) = &applyment.account_validation {
                    let _ = (validation.deadline_at(), validation.pay_amount_yuan());
                }
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    for contract in [
        QueryContractByOutContractCode::new("APPLYMENT_00000000001", "wxd678efh567h23787")
            .expect("valid")
            .decode(body),
        QueryContractByOpenid::new("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wxd678efh567h23787")
            .expect("valid")
            .decode(body),
    ] {
        match contract {
            Ok(contract) => {
                let _ = format!("{contract:?}");
                let _ = (contract.signed_at(), contract.is_authorized());
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
});
