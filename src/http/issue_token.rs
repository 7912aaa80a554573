use crate::acs::models::AccessToken;
use crate::domain::{ApiVersion, IdentityId};
use crate::domain::{Scope, Scopes, Timestamp, TokenLifetime};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::respond::{access_token, no_store};
use crate::http::state::AppState;
use crate::tokens::{self, Grant};
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, post};
use serde::Deserialize;
use utoipa::ToSchema;

/// The scopes and lifetime of the token to issue.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueTokenRequest {
    /// Scopes of the token: at least one.
    #[schema(value_type = Vec<Scope>, min_items = 1)]
    pub scopes: Option<Vec<String>>,
    /// Token lifetime in minutes, 60 to 1440 (default 1440).
    #[schema(value_type = Option<TokenLifetime>, inline)]
    #[serde(default, deserialize_with = "crate::http::extract::whole_number")]
    pub expires_in_minutes: Option<i64>,
}

/// Issue a new token for an identity.
#[utoipa::path(
    tag = "Token",
    operation_id = "CommunicationIdentity_IssueAccessToken",
    params(
        ("id" = inline(IdentityId), Path, description = "Identifier of the identity to issue token for."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    request_body(content = IssueTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The token.", body = AccessToken),
        (status = 400, description = "Invalid request.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "No such identity, or deleted.", body = ErrorResponse),
    )
)]
#[post("/identities/{id}/:issueAccessToken")]
pub async fn issue_token(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = req.identity_id(&id)?;
    let body: IssueTokenRequest = req.json()?.unwrap_or_default();
    let scopes = Scopes::parse(body.scopes.as_deref()).map_err(ApiError::validation)?;
    let lifetime =
        TokenLifetime::from_minutes(body.expires_in_minutes).map_err(ApiError::validation)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let Some(epoch) = state.store.live_epoch(id).await? else {
        return Err(ApiError::identity_not_found(id));
    };
    let now = Timestamp::now();
    let grant = Grant::identity(resource, id, &scopes, lifetime, epoch, now);
    let issued = tokens::issue(&state.keys, &grant).map_err(ApiError::internal)?;
    state.store.token_issued(id, now);
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(access_token(response, issued))
}
