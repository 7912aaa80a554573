use crate::domain::{Invalid, Resource, Scopes, Subject, Timestamp};
use crate::error::{ApiError, ErrorResponse};
use crate::http::forward::{Repeatable, forward};
use crate::http::models::TokenScope;
use crate::http::{ApiRequest, AppState, no_store};
use crate::tokens::{self, Rejection};
use actix_web::web::Data;
use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The token to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyTokenRequest {
    /// A communication access token issued by this service.
    #[schema(required = true, value_type = String)]
    pub token: Option<String>,
}

/// Why a token is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum InvalidReason {
    /// Its lifetime has passed.
    Expired,
    /// The identity's tokens were revoked after it was issued.
    Revoked,
    /// The identity was deleted.
    Deleted,
    /// Not signed by a key of this service, or altered.
    BadSignature,
    /// Issued for another resource.
    WrongResource,
    /// Not a token of this service's form.
    Malformed,
}

/// The verdict. When valid: the identity, scopes and expiry; otherwise the reason.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyTokenResponse {
    /// Whether the token is valid now.
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<VerifiedIdentity>,
    /// The token's scopes, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<TokenScope>>,
    /// When the token expires, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub expires_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<InvalidReason>,
}

/// The identity a valid token belongs to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerifiedIdentity {
    /// Identifier of the identity.
    pub id: String,
}

/// Verify an access token.
///
/// Tells a chat or calling backend whether a token is valid now: signature,
/// expiry, identity alive, not revoked.
#[utoipa::path(
    tag = "Token",
    operation_id = "CommunicationIdentity_VerifyAccessToken",
    params(("api-version" = String, Query, description = "Version of API to invoke.")),
    request_body(content = VerifyTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The verdict.", body = VerifyTokenResponse),
        (status = 400, description = "No token given.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    ),
    security(("hmac" = []), ("connection_string" = []))
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
    Ok(response.json(verdict))
}

async fn verdict(
    req: &ApiRequest,
    resource: &Resource,
    state: &AppState,
    token: &str,
) -> Result<VerifyTokenResponse, ApiError> {
    let invalid = |reason| VerifyTokenResponse {
        valid: false,
        identity: None,
        scopes: None,
        expires_on: None,
        reason: Some(reason),
    };
    let mut decoded = tokens::decode(&state.keys, token, Timestamp::now());
    if decoded == Err(Rejection::UnknownKey) {
        match state.keys.reload_for_unknown_kid(&*state.store).await {
            Ok(true) => decoded = tokens::decode(&state.keys, token, Timestamp::now()),
            Ok(false) => {}
            Err(e) => log::warn!("cannot reload signing keys: {e}"),
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
    };
    if id.resource() != resource.id || claims.resource_id != resource.id.to_string() {
        return Ok(invalid(InvalidReason::WrongResource));
    }
    req.log_identity(&id.to_string());
    let record = match state.store.identity(id).await? {
        Some(record) if !record.is_deleted() => record,
        _ => return Ok(invalid(InvalidReason::Deleted)),
    };
    if record.revocation_epoch != claims.rev {
        return Ok(invalid(InvalidReason::Revoked));
    }
    Ok(valid(subject, &scopes, claims.exp))
}

fn valid(subject: Subject, scopes: &Scopes, exp: i64) -> VerifyTokenResponse {
    let scopes = scopes
        .iter()
        .map(|s| {
            serde_json::from_value(serde_json::Value::from(s.as_str()))
                .expect("every scope has a schema name")
        })
        .collect();
    VerifyTokenResponse {
        valid: true,
        identity: Some(VerifiedIdentity {
            id: subject.to_string(),
        }),
        scopes: Some(scopes),
        expires_on: Some(Timestamp::from_unix_seconds(exp).to_acs_string()),
        reason: None,
    }
}
