use crate::domain::{ApiVersion, IdentityId};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use crate::storage::Deleted;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete};

/// Delete the identity, revoke all tokens for the identity and delete all associated data.
///
/// Deleting an identity that is already deleted succeeds too, so that a
/// retried delete (flows retry) gets the same answer.
#[utoipa::path(
    tag = "Identity",
    operation_id = "CommunicationIdentity_Delete",
    params(
        ("id" = inline(IdentityId), Path, description = "Identifier of the identity to be deleted."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 204, description = "Deleted, or already deleted."),
        (status = 400, description = "Malformed identity id.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such identity.", body = ErrorResponse),
    )
)]
// `{id}` never starts with `:`: `/identities/:count` and its kin are
// actions, and a method they lack is a 405, never an id to parse.
#[delete("/identities/{id:[^:/][^/]*}")]
pub async fn delete_identity(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req.identity_id(&id)?;
    if req.local().is_none() {
        return forward(&req, &state, Repeatable::Yes).await;
    }
    let actor = req.actor().map(ToString::to_string);
    match state.store.delete_identity_by(id, actor).await? {
        Deleted::Now => {
            state.feed.wake();
            Ok(HttpResponse::NoContent().finish())
        }
        Deleted::Already => Ok(HttpResponse::NoContent().finish()),
        Deleted::NotFound => Err(ApiError::identity_not_found(id)),
    }
}
