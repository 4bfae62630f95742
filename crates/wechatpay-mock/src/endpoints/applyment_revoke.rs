//! `POST /v3/ecommerce/applyments/{applyment_id}/revoke` and
//! `POST /v3/ecommerce/applyments/out-request-no/{out_request_no}/revoke` (撤销申请单): the
//! platform withdraws an applyment, which then reads `CANCELED`.
//!
//! The applyments are the [`applyment`](super::applyment) endpoint's records: a revocation
//! moves one through that endpoint's own progress (kind `applyment`, to `CANCELED`), so it
//! follows the same rules as a control call, and it reads the ids it answers through that
//! endpoint's query. Revoking one already `CANCELED` answers its ids again; one that cannot be
//! revoked (`FINISH`, and whatever the applyment progress refuses) is a `400
//! INVALID_REQUEST`, an unknown one a `404 RESOURCE_NOT_EXISTS`.

use http::{Method, Request};
use serde_json::{Value, json};

use super::{Call, Endpoint, Outcome, Route};
use crate::reply::Reply;
use crate::sandbox::{AdvanceError, requested};
use crate::store::Seeding;

pub(crate) const ENDPOINT: Endpoint = Endpoint {
    routes: &[
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/applyments/{applyment_id}/revoke",
            answer: by_applyment_id,
        },
        Route {
            method: Method::POST,
            path: "/v3/ecommerce/applyments/out-request-no/{out_request_no}/revoke",
            answer: by_out_request_no,
        },
    ],
    seed,
    unknown_enum_values: &[],
    tables: &[],
    progress: &[],
};

fn seed(_: &mut Seeding<'_>) -> Result<(), crate::platform::SetupError> {
    Ok(())
}

fn by_applyment_id(call: &Call<'_>) -> Outcome {
    // Digits as sent: the platform does not percent-decode a number.
    let raw = call.raw_path("applyment_id")?;
    let applyment_id = raw
        .parse::<u64>()
        .map_err(|_| Reply::param_error("applyment_id", "path", "应为整数"))?;
    revoke(
        call,
        &applyment_id.to_string(),
        &format!("/v3/ecommerce/applyments/{applyment_id}"),
    )
}

fn by_out_request_no(call: &Call<'_>) -> Outcome {
    let out_request_no = call.path("out_request_no")?;
    if !(1..=124).contains(&out_request_no.chars().count()) {
        return Err(Reply::param_error(
            "out_request_no",
            "path",
            "长度应为1到124个字符",
        ));
    }
    let raw = call.raw_path("out_request_no")?;
    revoke(
        call,
        &out_request_no,
        &format!("/v3/ecommerce/applyments/out-request-no/{raw}"),
    )
}

/// Moves the applyment `id` to `CANCELED` and answers its ids, which the query at
/// `query_path` reads.
fn revoke(call: &Call<'_>, id: &str, query_path: &str) -> Outcome {
    let moved = requested(call, "applyment", id, "CANCELED");
    // Read after the move: the query moves a record under the every-query schedule, and a
    // canceled one (or one that cannot move) stays as it is.
    let applyment = current(call, query_path)?;
    let state = applyment
        .get("applyment_state")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match moved {
        Ok(_) => {}
        Err(AdvanceError::Refused { .. }) if state == "CANCELED" => {}
        Err(AdvanceError::Refused { .. }) => {
            return Err(Reply::invalid_request(&format!(
                "申请单状态为{state},不允许撤销"
            )));
        }
        Err(_) => return Err(Reply::not_found("申请单不存在")),
    }
    Ok(Reply::ok(
        json!({
            "applyment_id": applyment.get("applyment_id"),
            "out_request_no": applyment.get("out_request_no"),
        })
        .to_string()
        .into_bytes(),
    ))
}

/// The applyment as the applyment endpoint's query at `path` answers it.
fn current(call: &Call<'_>, path: &str) -> Result<Value, Reply> {
    let (_, route) =
        super::route(&Method::GET, path).ok_or_else(|| Reply::not_found("申请单不存在"))?;
    let request = Request::new(Vec::new());
    let query = Call::new(
        route,
        &request,
        (path, ""),
        (call.store(), call.keyring()),
        call.now(),
    );
    let reply = (route.answer)(&query)?;
    serde_json::from_slice(&reply.body).map_err(|_| Reply::not_found("申请单不存在"))
}
