//! A new applyment through the generic operation: its sensitive fields encrypted by pointer to
//! the key `Wechatpay-Serial` names, its ID card images named by the `media_id`s of uploads;
//! then the typed query sees it.

use http::Method;
use serde_json::{Value, json};
use wechatpay_core::ecommerce::applyment::{ApplymentState, QueryApplymentByOutRequestNo};
use wechatpay_core::merchant::media::UploadMedia;
use wechatpay_core::{AnyEndpoint, PathBuilder};
use wechatpay_fixtures::media::{LOGO_BMP, LOGO_PNG};
use wechatpay_mock::MockKeys;
use wechatpay_mock::records::seeded;

mod support;

use support::{certificate_client, exchange, param_field, setup};

fn submission(body: &Value, encrypt: &[&str]) -> AnyEndpoint {
    let mut operation = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/ecommerce/applyments/").unwrap(),
    )
    .unwrap()
    .with_json(body)
    .unwrap();
    for pointer in encrypt {
        operation = operation.encrypt(pointer).unwrap();
    }
    operation
}

const ENCRYPTED: [&str; 3] = [
    "/id_card_info/id_card_name",
    "/id_card_info/id_card_number",
    "/contact_info/contact_name",
];

#[test]
fn a_submission_with_encrypted_fields_and_uploaded_images_becomes_an_applyment() {
    let (platform, client) = setup();
    let front = exchange(
        &platform,
        &client,
        &UploadMedia::image("front.png", LOGO_PNG.to_vec()).unwrap(),
    )
    .unwrap();
    let back = exchange(
        &platform,
        &client,
        &UploadMedia::image("back.bmp", LOGO_BMP.to_vec()).unwrap(),
    )
    .unwrap();
    let body = json!({
        "out_request_no": "APPLYMENT_NEW_0001",
        "organization_type": "2401",
        "id_card_info": {
            "id_card_copy": front.media_id,
            "id_card_national": back.media_id,
            "id_card_name": "张三",
            "id_card_number": "110101199003070011",
            "id_card_valid_time": "2026-06-06",
        },
        "contact_info": {"contact_type": "65", "contact_name": "张三"},
        "merchant_shortname": "张三餐饮店",
    });
    let answer = exchange(&platform, &client, &submission(&body, &ENCRYPTED))
        .unwrap()
        .expect("a body");
    assert_eq!(answer["out_request_no"], "APPLYMENT_NEW_0001");
    let applyment_id = answer["applyment_id"].as_u64().expect("an integer id");

    // The typed query sees it, and the generic query answers the same document.
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_NEW_0001").unwrap();
    let applyment = exchange(&platform, &client, &query).unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Checking);
    assert_eq!(applyment.applyment_id, applyment_id);
    let generic = AnyEndpoint::new(
        Method::GET,
        PathBuilder::parse(&format!("/v3/ecommerce/applyments/{applyment_id}")).unwrap(),
    )
    .unwrap();
    let document = exchange(&platform, &client, &generic)
        .unwrap()
        .expect("a body");
    assert_eq!(document["applyment_id"].as_u64(), Some(applyment_id));
    assert_eq!(document["applyment_state"], "CHECKING");

    // The same request number again: the same applyment, unchanged.
    let again = exchange(&platform, &client, &submission(&body, &ENCRYPTED))
        .unwrap()
        .expect("a body");
    assert_eq!(again["applyment_id"].as_u64(), Some(applyment_id));
}

#[test]
fn a_rejected_applyment_submitted_again_is_checked_again() {
    let (platform, client) = setup();
    let body = json!({"out_request_no": seeded::REJECTED, "organization_type": "2401"});
    let answer = exchange(&platform, &client, &submission(&body, &[]))
        .unwrap()
        .expect("a body");
    let query = QueryApplymentByOutRequestNo::new(seeded::REJECTED).unwrap();
    let applyment = exchange(&platform, &client, &query).unwrap();
    assert_eq!(applyment.applyment_state, ApplymentState::Checking);
    assert_eq!(
        answer["applyment_id"].as_u64(),
        Some(applyment.applyment_id)
    );
}

#[test]
fn sensitive_fields_must_decrypt_and_media_ids_must_be_uploads() {
    let (platform, client) = setup();
    let body = json!({
        "out_request_no": "APPLYMENT_NEW_0002",
        "organization_type": "2401",
        "id_card_info": {"id_card_name": "张三", "id_card_number": "110101199003070011"},
        "contact_info": {"contact_name": "张三"},
    });
    // Forgotten encryption of one field: the platform names it.
    let forgot = submission(&body, &ENCRYPTED[..2]);
    assert_eq!(
        param_field(exchange(&platform, &client, &forgot)),
        "contact_info.contact_name"
    );
    // An image that was never uploaded.
    let mut unknown = body.clone();
    unknown["id_card_info"]["id_card_copy"] = json!("never-uploaded");
    assert_eq!(
        param_field(exchange(
            &platform,
            &client,
            &submission(&unknown, &ENCRYPTED)
        )),
        "id_card_info.id_card_copy"
    );
    // Fields in lists are checked each: a beneficial owner's name sent in plaintext, an
    // additional picture never uploaded.
    let mut owners = body.clone();
    owners["ubo_info_list"] = json!([{"ubo_id_doc_name": "李四"}]);
    assert_eq!(
        param_field(exchange(
            &platform,
            &client,
            &submission(&owners, &ENCRYPTED)
        )),
        "ubo_info_list.0.ubo_id_doc_name"
    );
    let mut pictures = body.clone();
    pictures["business_addition_pics"] = json!(["never-uploaded"]);
    assert_eq!(
        param_field(exchange(
            &platform,
            &client,
            &submission(&pictures, &ENCRYPTED)
        )),
        "business_addition_pics.0"
    );
    for (broken, field) in [
        (json!({"organization_type": "2401"}), "out_request_no"),
        (json!({"out_request_no": "A"}), "organization_type"),
        (json!(["not", "an", "object"]), "body"),
    ] {
        assert_eq!(
            param_field(exchange(&platform, &client, &submission(&broken, &[]))),
            field
        );
    }
    // Nothing was added by a refused submission.
    let query = QueryApplymentByOutRequestNo::new("APPLYMENT_NEW_0002").unwrap();
    let error = exchange(&platform, &client, &query).unwrap_err();
    assert_eq!(
        error.api().and_then(|a| a.code.as_deref()),
        Some("RESOURCE_NOT_EXISTS")
    );
}

#[test]
fn fields_encrypted_to_the_platform_certificate_decrypt_with_it() {
    let (platform, _) = setup();
    let keys = MockKeys::fixtures();
    let certificate = keys
        .certificate
        .clone()
        .expect("the fixtures have a certificate");
    // A merchant in certificate mode: the certificate is the only platform key.
    let client = certificate_client(&keys, &[&certificate.certificate_pem]);
    let body = json!({
        "out_request_no": "APPLYMENT_CERT_0001",
        "organization_type": "2401",
        "id_card_info": {"id_card_name": "张三", "id_card_number": "110101199003070011"},
        "contact_info": {"contact_name": "张三"},
    });
    let answer = exchange(&platform, &client, &submission(&body, &ENCRYPTED))
        .unwrap()
        .expect("a body");
    assert_eq!(answer["out_request_no"], "APPLYMENT_CERT_0001");
}
