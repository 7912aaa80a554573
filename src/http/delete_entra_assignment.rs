use super::assignment_request::entra_key;
use crate::domain::EntraApiVersion;
use crate::domain::EntraId;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete};

/// Delete an Entra ID users assignment.
///
/// Later exchanges it admitted fail, and the tokens already exchanged under
/// it are no longer valid. Deleting an assignment that does not exist
/// succeeds too.
#[utoipa::path(
    tag = "Entra ID users",
    operation_id = "EntraIdAssignment_Delete",
    params(
        ("objectId" = inline(EntraId), Path, description = "The object id of the user or group, or the tenant id."),
        ("api-version" = inline(EntraApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 204, description = "Deleted, or there was none."),
        (status = 400, description = "The id is not a GUID, or the api-version has no Entra ID users.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[delete("/access/entra/assignments/{objectId}")]
pub async fn delete_entra_assignment(
    req: ApiRequest,
    object: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = entra_key(&req, &object)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    state.store.delete_assignment(resource.id, key).await?;
    Ok(HttpResponse::NoContent().finish())
}
