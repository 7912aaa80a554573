use super::assignment_request::{entra_assignment, require_entra};
use crate::acs::assignments::{
    EntraAssignment, EntraAssignmentRequest, EntraAssignments, EntraAssignmentsUpdate,
};
use crate::domain::EntraApiVersion;
use crate::domain::{AssignmentKey, AssignmentVersion, EntraId, Invalid};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use crate::storage::AssignmentChange;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Data;
use actix_web::{HttpResponse, patch};
use serde_json::{Map, Value};

const MERGE_PATCH: &str = "application/merge-patch+json";

/// Create, replace and delete Entra ID users assignments in one request.
///
/// A JSON merge patch (`Content-Type: application/merge-patch+json`): each
/// member is an object id, whose assignment it sets (every member of it
/// required) or, with `null`, deletes. All of it is applied, or nothing.
/// The answer lists the assignments set. A `tenant` assignment's member
/// name is its `tenantId`.
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdAssignments_Update",
    params(("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = EntraAssignmentsUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The assignments set.", body = EntraAssignments),
        (status = 400, description = "A member is not valid, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 415, description = "The body is not application/merge-patch+json.", body = ErrorResponse),
    )
)]
#[patch("/access/entra/assignments")]
pub async fn update_entra_assignments(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_entra(&req)?;
    let media = req
        .http()
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    if !media.is_some_and(|m| m.eq_ignore_ascii_case(MERGE_PATCH)) {
        return Err(ApiError::unsupported_media_type(MERGE_PATCH));
    }
    let body: Map<String, Value> = req
        .json()?
        .ok_or_else(|| ApiError::bad_body("it is empty"))?;
    let changes = changes(body)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let set = state.store.update_assignments(resource.id, changes).await?;
    Ok(HttpResponse::Ok().json(EntraAssignments {
        value: set
            .iter()
            .map(|s| EntraAssignment::from(&s.assignment))
            .collect(),
        next_link: None,
    }))
}

/// Each member as a change; an object id may be named once.
fn changes(body: Map<String, Value>) -> Result<Vec<AssignmentChange>, ApiError> {
    let mut seen: Vec<EntraId> = Vec::with_capacity(body.len());
    let mut changes = Vec::with_capacity(body.len());
    for (name, value) in body {
        let object = EntraId::parse(&name, "objectId").map_err(ApiError::validation)?;
        if seen.contains(&object) {
            return Err(ApiError::validation(Invalid::new(
                format!("The object id {object} is named twice."),
                "objectId",
            )));
        }
        seen.push(object);
        let in_member = |e: Invalid| {
            ApiError::validation(Invalid {
                message: format!("{object}: {}", e.message),
                target: e.target,
            })
        };
        changes.push(match value {
            Value::Null => AssignmentChange::Remove(AssignmentKey::entra_user(object)),
            value => {
                let request: EntraAssignmentRequest = serde_json::from_value(value)
                    .map_err(|e| ApiError::bad_body(format!("{object}: {e}")))?;
                let assignment = entra_assignment(object, request).map_err(in_member)?;
                AssignmentChange::Set(assignment, AssignmentVersion::generate())
            }
        });
    }
    Ok(changes)
}
