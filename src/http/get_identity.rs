use crate::acs::models::Identity;
use crate::domain::Feature;
use crate::domain::{ApiVersion, IdentityId};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use crate::storage::IdentityRecord;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, get};

/// Get an identity by its id.
#[utoipa::path(
    tag = "Identity",
    operation_id = "CommunicationIdentity_Get",
    params(
        ("id" = inline(IdentityId), Path, description = "Identifier of the identity."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "The identity.", body = Identity),
        (status = 400, description = "Malformed identity id.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such identity, or deleted.", body = ErrorResponse),
    )
)]
// `{id}` never starts with `:`: `/identities/:count` and its kin are
// actions, and a method they lack is a 405, never an id to parse.
#[get("/identities/{id:[^:/][^/]*}")]
pub async fn get_identity(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req.identity_id(&id)?;
    if req.local().is_none() {
        return forward(&req, &state, Repeatable::Yes).await;
    }
    match state.store.identity(id).await? {
        Some(record) if !record.is_deleted() => Ok(HttpResponse::Ok().json(as_got(&req, &record))),
        _ => Err(ApiError::identity_not_found(id)),
    }
}

/// ACS's shape in 2025-03-02-preview; elsewhere (where GET is commid's own)
/// the custom id is also named `externalId`, as commid answered first.
pub fn as_got(req: &ApiRequest, record: &IdentityRecord) -> Identity {
    let identity = Identity::with_custom_id(
        record.id,
        record.custom_id.as_ref(),
        record.last_token_issued_at,
    );
    if req.api_version.has(Feature::CustomId) {
        identity
    } else {
        identity.also_as_external_id()
    }
}
