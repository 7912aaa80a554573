use crate::acs::models::{InvalidReason, VerifiedIdentity, VerifyTokenResponse};
use crate::domain::ApiVersion;
use crate::domain::{EntraId, Invalid, Resource, RevocationEpoch, Scopes, Subject, Timestamp};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::respond::{no_store, token_json};
use crate::http::state::AppState;
use crate::tokens::Rejection;
use actix_web::web::Data;
use actix_web::{HttpResponse, post};
use serde::Deserialize;
use utoipa::ToSchema;

/// The token to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyTokenRequest {
    /// A communication access token issued by this service.
    #[schema(required = true, value_type = String, min_length = 1)]
    pub token: Option<String>,
}

/// Verify an access token.
///
/// Tells a chat or calling backend whether a token is valid now: signature,
/// expiry, identity alive, not revoked.
#[utoipa::path(
    tag = "Token",
    operation_id = "CommunicationIdentity_VerifyAccessToken",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = VerifyTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The verdict.", body = VerifyTokenResponse),
        (status = 400, description = "No token given.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[post("/accessTokens/:verify")]
pub async fn verify_token(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: Option<VerifyTokenRequest> = req.json()?;
    let token = body
        .and_then(|b| b.token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::validation(Invalid::new("Token: The Token field is required.", "token"))
        })?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::Yes).await;
    };
    let verdict = verdict(&req, resource, &state, &token).await?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(token_json(response, &verdict))
}

async fn verdict(
    req: &ApiRequest,
    resource: &Resource,
    state: &AppState,
    token: &str,
) -> Result<VerifyTokenResponse, ApiError> {
    let invalid = VerifyTokenResponse::invalid;
    let decode = || state.verified.decode(&state.keys, token, Timestamp::now());
    let mut decoded = decode();
    if decoded.as_ref().err() == Some(&Rejection::UnknownKey) {
        match state.keys.reload_for_unknown_kid(&*state.store).await {
            Ok(true) => decoded = decode(),
            Ok(false) => {}
            Err(e) => log::warn!("cannot reload signing keys: {}", crate::report::chain(&e)),
        }
    }
    let claims = match decoded {
        Ok(claims) => claims,
        Err(Rejection::Malformed) => return Ok(invalid(InvalidReason::Malformed)),
        Err(Rejection::Expired) => return Ok(invalid(InvalidReason::Expired)),
        Err(Rejection::BadSignature | Rejection::UnknownKey) => {
            return Ok(invalid(InvalidReason::BadSignature));
        }
    };
    let (Ok(subject), Some(scopes)) = (
        Subject::parse(&claims.sub),
        Scopes::from_joined(&claims.acs_scope),
    ) else {
        return Ok(invalid(InvalidReason::Malformed));
    };
    let id = match subject {
        Subject::Identity(id) => id,
        // A Teams user has no state here to check: signed and unexpired is valid.
        Subject::TeamsUser(user) => {
            if claims.resource_id != resource.id.to_string() {
                return Ok(invalid(InvalidReason::WrongResource));
            }
            req.log_identity(&user.to_string());
            return Ok(valid(subject, &scopes, claims.exp));
        }
        // Valid while the assignment it was exchanged under is unchanged.
        Subject::Assigned(user) => {
            if user.resource() != resource.id || claims.resource_id != resource.id.to_string() {
                return Ok(invalid(InvalidReason::WrongResource));
            }
            req.log_identity(&user.to_string());
            let via = claims.asg.as_deref().and_then(EntraId::from_guid);
            let Some(key) = user.assignment_key(via) else {
                return Ok(invalid(InvalidReason::Malformed));
            };
            let current = state.store.assignment(resource.id, key).await?;
            if current.is_none_or(|a| a.version.as_i64() != claims.rev) {
                return Ok(invalid(InvalidReason::Revoked));
            }
            return Ok(valid(subject, &scopes, claims.exp));
        }
    };
    if id.resource() != resource.id || claims.resource_id != resource.id.to_string() {
        return Ok(invalid(InvalidReason::WrongResource));
    }
    req.log_identity(&id.to_string());
    let Some(epoch) = state.store.live_epoch(id).await? else {
        return Ok(invalid(InvalidReason::Deleted));
    };
    if epoch != RevocationEpoch::from_i64(claims.rev) {
        return Ok(invalid(InvalidReason::Revoked));
    }
    Ok(valid(subject, &scopes, claims.exp))
}

fn valid(subject: Subject, scopes: &Scopes, exp: i64) -> VerifyTokenResponse {
    VerifyTokenResponse {
        valid: true,
        identity: Some(VerifiedIdentity {
            id: subject.to_string(),
        }),
        scopes: Some(scopes.iter().collect()),
        expires_on: Some(Timestamp::from_unix_seconds(exp).to_acs_string()),
        reason: None,
    }
}
