use crate::acs::models::AccessToken;
use crate::domain::ApiVersion;
use crate::domain::{Invalid, TeamsUserId, Timestamp, same_id};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::respond::{no_store, token_json};
use crate::http::state::AppState;
use crate::{issuers, tokens};
use actix_web::web::Data;
use actix_web::{HttpResponse, post};
use serde::Deserialize;
use utoipa::ToSchema;

/// The Teams user's Microsoft Entra access token, and whom it must be for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamsUserExchangeTokenRequest {
    /// The Microsoft Entra access token of a Teams user, with the
    /// Teams.ManageCalls and Teams.ManageChats permissions of Communication
    /// Services, from a trusted issuer.
    #[schema(required = true, value_type = String)]
    pub token: Option<String>,
    /// Client ID of the Microsoft Entra application, checked against the
    /// token's appid (or azp) claim.
    #[schema(required = true, value_type = String)]
    pub app_id: Option<String>,
    /// Object ID of the Microsoft Entra user (the Teams user), checked
    /// against the token's oid claim.
    #[schema(required = true, value_type = String)]
    pub user_id: Option<String>,
}

/// Exchange a Teams user's Microsoft Entra access token for an access token.
///
/// The new token is for the Teams user (`8:orgid:<object id>`), has the chat
/// and voip scopes, and expires when the Entra token does (at most 24 hours).
#[utoipa::path(
    tag = "Token",
    operation_id = "CommunicationIdentity_ExchangeTeamsUserAccessToken",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = TeamsUserExchangeTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The token.", body = AccessToken),
        (status = 400, description = "A member is missing, or the Entra token is for another application or user.", body = ErrorResponse),
        (status = 401, description = "Not authenticated, or the Entra token is not valid: expired, not from a trusted issuer, or without the Teams permissions.", body = ErrorResponse),
    )
)]
#[post("/teamsUser/:exchangeAccessToken")]
pub async fn exchange_teams_token(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: Option<TeamsUserExchangeTokenRequest> = req.json()?;
    let (token, app_id, user_id) = match body {
        Some(TeamsUserExchangeTokenRequest {
            token: Some(token),
            app_id: Some(app_id),
            user_id: Some(user_id),
        }) => (token, app_id, user_id),
        body => return Err(ApiError::validation(missing_member(body))),
    };
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let now = Timestamp::now();
    let issuers = state.issuers.for_resource(&resource.name);
    let entra = issuers::validate(issuers, &token, now)
        .await
        .map_err(|refusal| {
            log::info!(
                "Teams token of resource '{}' refused: {refusal}",
                resource.name.as_str()
            );
            ApiError::invalid_access_token()
        })?;
    if !same_id(&entra.app_id, &app_id) {
        return Err(ApiError::validation(Invalid::new(
            "Provided AAD token issued for unexpected application.",
            "appId",
        )));
    }
    if TeamsUserId::from_object_id(&user_id) != Some(entra.user) {
        return Err(ApiError::validation(Invalid::new(
            "Provided AAD token issued for unexpected user.",
            "userId",
        )));
    }
    req.log_identity(&entra.user.to_string());
    let scopes = tokens::teams_user_scopes();
    let grant = tokens::teams_user_grant(resource, entra.user, &scopes, entra.expires, now);
    let issued = tokens::issue(&state.keys, &grant).map_err(ApiError::internal)?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(token_json(
        response,
        &AccessToken::new(issued.token, issued.expires_on),
    ))
}

/// The first member the body lacks, as ASP.NET names it.
fn missing_member(body: Option<TeamsUserExchangeTokenRequest>) -> Invalid {
    let (token, app_id) = body
        .map(|b| (b.token.is_some(), b.app_id.is_some()))
        .unwrap_or_default();
    let (name, target) = if !token {
        ("Token", "token")
    } else if !app_id {
        ("AppId", "appId")
    } else {
        ("UserId", "userId")
    };
    Invalid::new(format!("{name}: The {name} field is required."), target)
}
