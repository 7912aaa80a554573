use super::assignment_request::{entra_key, not_found};
use crate::acs::assignments::EntraAssignment;
use crate::domain::EntraApiVersion;
use crate::domain::EntraId;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, get};

/// Get an Entra ID users assignment.
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdAssignment_Get",
    params(
        ("objectId" = inline(EntraId), Path, description = "The object id of the user or group, or the tenant id."),
        ("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "The assignment.", body = EntraAssignment),
        (status = 400, description = "The id is not a GUID, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such assignment.", body = ErrorResponse),
    )
)]
#[get("/access/entra/assignments/{objectId}")]
pub async fn get_entra_assignment(
    req: ApiRequest,
    object: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = entra_key(&req, &object)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    match state.store.assignment(resource.id, key).await? {
        Some(stored) => Ok(HttpResponse::Ok().json(EntraAssignment::from(&stored.assignment))),
        None => Err(not_found(&key)),
    }
}
