use crate::domain::{ApiVersion, IdentityId};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::state::AppState;
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, post};

/// Revoke all access tokens for the specific identity.
///
/// Every token issued before this call returns stops verifying at once;
/// tokens issued afterwards are valid.
#[utoipa::path(
    tag = "Identity",
    operation_id = "CommunicationIdentity_RevokeAccessTokens",
    params(
        ("id" = inline(IdentityId), Path, description = "Identifier of the identity."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, description = "Malformed identity id.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such identity, or deleted.", body = ErrorResponse),
    )
)]
#[post("/identities/{id}/:revokeAccessTokens")]
pub async fn revoke_tokens(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req.identity_id(&id)?;
    if req.local().is_none() {
        return forward(&req, &state, Repeatable::Yes).await;
    }
    let actor = req.actor().map(ToString::to_string);
    match state.store.revoke_tokens_by(id, actor).await? {
        Some(_) => {
            state.feed.wake();
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(ApiError::identity_not_found(id)),
    }
}
