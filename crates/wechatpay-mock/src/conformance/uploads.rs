//! Uploads, the generic operation and the self-check through an adapter: the bodies that are
//! not JSON (a multipart upload up to the largest video), an endpoint called without a typed
//! model, its answer compared with the typed one, and the echo with a field encrypted both
//! ways.

use http::Method;
use serde_json::{Value, json};
use wechatpay_core::ecommerce::applyment::{
    ApplymentState, QueryApplymentById, QueryApplymentByOutRequestNo,
};
use wechatpay_core::merchant::media::{MediaKind, UploadMedia, VIDEO_LIMIT};
use wechatpay_core::security::SecurityEcho;
use wechatpay_core::{AdapterError, AnyEndpoint, Client, PathBuilder};
use wechatpay_fixtures::media::{CLIP_MP4, LOGO_PNG};

use super::{Failure, Report, Subject};
use crate::endpoints::media::media_id_for;
use crate::keys::MockKeys;
use crate::records::seeded;

/// The request number the generic submission uses: the same on every run, which the platform
/// answers with the same applyment.
pub const SUBMITTED_OUT_REQUEST_NO: &str = "APPLYMENT_CONFORMANCE_0001";

/// Uploads an image and the largest video the platform takes, and calls endpoints through
/// [`AnyEndpoint`], with a client that `build` makes for the platform at `base_url` (the
/// mock, fixture keys): every `media_id` is the one the platform derives from the file, a
/// generic query answers what the typed query decodes, and a generic submission with
/// encrypted fields and an uploaded image becomes an applyment the typed query sees. Then the
/// self-check (`SecurityEcho`): the message echoed, and a field encrypted to the platform
/// comes back encrypted to the merchant, and opens to what was sent.
pub async fn check_uploads<C: Subject>(
    base_url: &str,
    build: impl Fn(Client) -> Result<C, AdapterError>,
) -> Report {
    let mut report = Report::default();
    let client = match MockKeys::fixtures()
        .client(base_url)
        .map_err(|e| e.to_string())
        .and_then(|core| build(core).map_err(|e| e.to_string()))
    {
        Ok(client) => client,
        Err(reason) => {
            report.failed.push(Failure {
                scenario: "the client for uploads",
                reason,
            });
            return report;
        }
    };
    let mut record = |scenario: &'static str, outcome: Result<(), String>| match outcome {
        Ok(()) => report.passed.push(scenario),
        Err(reason) => report.failed.push(Failure { scenario, reason }),
    };
    let image = upload(
        &client,
        "门店 logo.png",
        LOGO_PNG.to_vec(),
        MediaKind::Image,
    )
    .await;
    record(
        "an image upload is answered with the media_id of its file",
        image.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let mut video = CLIP_MP4.to_vec();
    video.resize(VIDEO_LIMIT, b'v');
    record(
        "the largest video the platform takes goes up whole",
        upload(&client, "clip.mp4", video, MediaKind::Video)
            .await
            .map(|_| ()),
    );
    record(
        "a generic query answers the document the typed query decodes",
        generic_query(&client).await,
    );
    let media_id = image.unwrap_or_default();
    record(
        "a generic submission with encrypted fields becomes an applyment",
        generic_submission(&client, &media_id).await,
    );
    record(
        "the self-check echoes its message and its encrypted field, decrypted back",
        echo(&client).await,
    );
    report
}

/// `POST /v3/security/echo` with an encrypted field: the platform decrypts it with the key the
/// request names and answers it encrypted to the merchant, whose key must open it.
async fn echo<C: Subject>(client: &C) -> Result<(), String> {
    const MESSAGE: &str = "conformance echo 自检";
    const SECRET: &str = "张三 110101199003070011";
    let echo = SecurityEcho::new(MESSAGE)
        .and_then(|e| e.with_encrypted_message(SECRET))
        .map_err(|e| e.to_string())?;
    let answer = client.execute(&echo).await.map_err(|e| e.to_string())?;
    if answer.echo_message != MESSAGE {
        return Err(format!("echoed {:?}", answer.echo_message));
    }
    let field = answer
        .encrypted_echo_message
        .ok_or("the encrypted field was not echoed")?;
    let opened = client
        .core()
        .credentials()
        .decrypt(&field, &mut client.rng())
        .map_err(|e| e.to_string())?;
    if opened.expose() == SECRET {
        Ok(())
    } else {
        Err("the encrypted field came back as another text".to_owned())
    }
}

async fn upload<C: Subject>(
    client: &C,
    name: &str,
    file: Vec<u8>,
    kind: MediaKind,
) -> Result<String, String> {
    let expected = media_id_for(kind, &file);
    let operation = UploadMedia::detect(name, file).map_err(|e| e.to_string())?;
    if operation.kind() != kind {
        return Err(format!("{name} was taken as {:?}", operation.kind()));
    }
    let uploaded = client
        .execute(&operation)
        .await
        .map_err(|e| e.to_string())?;
    if uploaded.media_id == expected {
        Ok(uploaded.media_id)
    } else {
        Err(format!(
            "media_id {:?}, not {expected:?}: the platform received another file",
            uploaded.media_id
        ))
    }
}

async fn generic_query<C: Subject>(client: &C) -> Result<(), String> {
    // The seeded applyment whose request number needs encoding and whose id is above 2^53.
    let typed = client
        .execute(&QueryApplymentByOutRequestNo::new(seeded::CHECKING).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| e.to_string())?;
    let path = PathBuilder::new("/v3/ecommerce/applyments/out-request-no")
        .and_then(|p| p.segment("out_request_no", seeded::CHECKING))
        .map_err(|e| e.to_string())?;
    let generic = AnyEndpoint::new(Method::GET, path).map_err(|e| e.to_string())?;
    let document = client
        .execute(&generic)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no body")?;
    let id = document.get("applyment_id").and_then(Value::as_u64);
    let state = document.get("applyment_state").and_then(Value::as_str);
    if id != Some(typed.applyment_id) || state != Some(typed.applyment_state.as_str()) {
        return Err(format!(
            "the generic answer says {id:?} in {state:?}, the typed one {} in {}",
            typed.applyment_id, typed.applyment_state
        ));
    }
    // The same document by id, through a path typed as a person types it.
    let by_id = AnyEndpoint::new(
        Method::GET,
        PathBuilder::parse(&format!("/v3/ecommerce/applyments/{}", typed.applyment_id))
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let again = client.execute(&by_id).await.map_err(|e| e.to_string())?;
    if again.as_ref() != Some(&document) {
        return Err(format!("by id: {again:?}, by request number: {document}"));
    }
    Ok(())
}

async fn generic_submission<C: Subject>(client: &C, media_id: &str) -> Result<(), String> {
    let body = json!({
        "out_request_no": SUBMITTED_OUT_REQUEST_NO,
        "organization_type": "2401",
        "id_card_info": {
            "id_card_copy": media_id,
            "id_card_name": "张三",
            "id_card_number": "110101199003070011",
        },
    });
    let submit = AnyEndpoint::new(
        Method::POST,
        PathBuilder::parse("/v3/ecommerce/applyments/").map_err(|e| e.to_string())?,
    )
    .and_then(|s| s.with_json(&body))
    .and_then(|s| s.encrypt("/id_card_info/id_card_name"))
    .and_then(|s| s.encrypt("/id_card_info/id_card_number"))
    .map_err(|e| e.to_string())?;
    let answer = client
        .execute(&submit)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no body")?;
    let applyment_id = answer
        .get("applyment_id")
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("no applyment_id in {answer}"))?;
    let applyment = client
        .execute(&QueryApplymentById::new(applyment_id))
        .await
        .map_err(|e| e.to_string())?;
    if applyment.applyment_state != ApplymentState::Checking
        || applyment.out_request_no != SUBMITTED_OUT_REQUEST_NO
    {
        return Err(format!(
            "the submitted applyment is {} in {}",
            applyment.out_request_no, applyment.applyment_state
        ));
    }
    Ok(())
}
