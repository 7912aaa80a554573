use super::assignment_request::teams_extension_key;
use crate::domain::EntraId;
use crate::domain::TeamsExtensionApiVersion;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete};

/// Delete a Teams Phone extensibility assignment.
///
/// Later exchanges of the principal's tokens fail, and the tokens already
/// exchanged under the assignment are no longer valid
/// (`POST /accessTokens/:verify` answers revoked). Deleting an assignment
/// that does not exist succeeds too, so that a retried delete gets the same
/// answer.
#[utoipa::path(
    tag = "Teams Phone extensibility",
    operation_id = "TeamsExtensionOperations_DeleteAssignment",
    params(
        ("tenantId" = inline(EntraId), Path, description = "The Microsoft Entra tenant id."),
        ("objectId" = inline(EntraId), Path, description = "The Microsoft Entra object id of the user or resource account."),
        ("api-version" = inline(TeamsExtensionApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 204, description = "Deleted, or there was none."),
        (status = 400, description = "An id is not a GUID, or the api-version has no Teams Phone extensibility.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[delete("/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}")]
pub async fn delete_teams_extension_assignment(
    req: ApiRequest,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = teams_extension_key(&req, &path.0, &path.1)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    state.store.delete_assignment(resource.id, key).await?;
    Ok(HttpResponse::NoContent().finish())
}
