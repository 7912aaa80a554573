use super::assignment_request::{not_found, teams_extension_key};
use crate::acs::assignments::TeamsExtensionAssignment;
use crate::domain::EntraId;
use crate::domain::TeamsExtensionApiVersion;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, get};

/// Get a Teams Phone extensibility assignment.
#[utoipa::path(
    tag = "Teams Phone extensibility",
    operation_id = "TeamsExtensionOperations_GetAssignment",
    params(
        ("tenantId" = inline(EntraId), Path, description = "The Microsoft Entra tenant id."),
        ("objectId" = inline(EntraId), Path, description = "The Microsoft Entra object id of the user or resource account."),
        ("api-version" = inline(TeamsExtensionApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "The assignment.", body = TeamsExtensionAssignment),
        (status = 400, description = "An id is not a GUID, or the api-version has no Teams Phone extensibility.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such assignment.", body = ErrorResponse),
    )
)]
#[get("/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}")]
pub async fn get_teams_extension_assignment(
    req: ApiRequest,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = teams_extension_key(&req, &path.0, &path.1)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    match state.store.assignment(resource.id, key).await? {
        Some(stored) => {
            Ok(HttpResponse::Ok().json(TeamsExtensionAssignment::from(&stored.assignment)))
        }
        None => Err(not_found(&key)),
    }
}
