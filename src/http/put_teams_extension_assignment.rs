use super::assignment_request::{teams_extension_assignment, teams_extension_key};
use crate::acs::assignments::{TeamsExtensionAssignment, TeamsExtensionAssignmentRequest};
use crate::domain::AssignmentVersion;
use crate::domain::EntraId;
use crate::domain::TeamsExtensionApiVersion;
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use crate::storage::Put;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, put};

/// Create or replace a Teams Phone extensibility assignment.
///
/// Gives a Teams user or resource account of a tenant access to the
/// resource's Teams-extension token exchange. A replacement that changes
/// anything makes the tokens exchanged under the assignment invalid
/// (`POST /accessTokens/:verify` answers revoked); one that changes nothing
/// does not.
#[utoipa::path(
    tag = "Teams Phone extensibility",
    operation_id = "TeamsExtensionOperations_UpsertAssignment",
    params(
        ("tenantId" = inline(EntraId), Path, description = "The Microsoft Entra tenant id."),
        ("objectId" = inline(EntraId), Path, description = "The Microsoft Entra object id of the user or resource account."),
        ("api-version" = inline(TeamsExtensionApiVersion), Query, description = "Version of API to invoke."),
    ),
    request_body(content = TeamsExtensionAssignmentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = TeamsExtensionAssignment),
        (status = 200, description = "Replaced.", body = TeamsExtensionAssignment),
        (status = 400, description = "A member is missing or not valid, or the api-version has no Teams Phone extensibility.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[put("/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}")]
pub async fn put_teams_extension_assignment(
    req: ApiRequest,
    path: Path<(String, String)>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = teams_extension_key(&req, &path.0, &path.1)?;
    let assignment = teams_extension_assignment(key, req.json()?)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let put = state
        .store
        .put_assignment(resource.id, assignment, AssignmentVersion::generate())
        .await?;
    Ok(match put {
        Put::Created(s) => {
            HttpResponse::Created().json(TeamsExtensionAssignment::from(&s.assignment))
        }
        Put::Replaced(s) => HttpResponse::Ok().json(TeamsExtensionAssignment::from(&s.assignment)),
    })
}
