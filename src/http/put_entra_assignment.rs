use super::assignment_request::{entra_assignment, entra_key};
use crate::acs::assignments::{EntraAssignment, EntraAssignmentRequest};
use crate::domain::AssignmentVersion;
use crate::domain::EntraApiVersion;
use crate::domain::EntraId;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use crate::storage::Put;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, put};

/// Create or replace an Entra ID users assignment.
///
/// Gives a user, the members of a group, or every user of a tenant access
/// to the resource's Entra token exchange, through the client ids listed.
/// A replacement that changes anything makes the tokens exchanged under
/// the assignment invalid; one that changes nothing does not. A `tenant`
/// assignment is for the tenant itself: its object id is its `tenantId`.
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdAssignment_Upsert",
    params(
        ("objectId" = inline(EntraId), Path, description = "The object id of the user or group, or the tenant id."),
        ("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke."),
    ),
    request_body(content = EntraAssignmentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = EntraAssignment),
        (status = 200, description = "Replaced.", body = EntraAssignment),
        (status = 400, description = "A member is missing or not valid, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[put("/access/entra/assignments/{objectId}")]
pub async fn put_entra_assignment(
    req: ApiRequest,
    object: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = entra_key(&req, &object)?;
    let body: EntraAssignmentRequest = req.json()?.unwrap_or_default();
    let assignment = entra_assignment(key.object, body).map_err(ApiError::validation)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let put = state
        .store
        .put_assignment(resource.id, assignment, AssignmentVersion::generate())
        .await?;
    Ok(match put {
        Put::Created(s) => HttpResponse::Created().json(EntraAssignment::from(&s.assignment)),
        Put::Replaced(s) => HttpResponse::Ok().json(EntraAssignment::from(&s.assignment)),
    })
}
