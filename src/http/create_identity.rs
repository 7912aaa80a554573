use crate::acs::models::{AccessToken, Identity};
use crate::domain::Scope;
use crate::domain::{ExternalId, IdentityId, Scopes, Timestamp, TokenLifetime};
use crate::error::{ApiError, ErrorResponse};
use crate::http::forward::{Repeatable, forward};
use crate::http::{ApiRequest, AppState, no_store};
use crate::storage::{Created, NewIdentity};
use crate::tokens::{self, Grant};
use actix_web::web::Data;
use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create an identity, optionally with a token, optionally tagged with an external id.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentityRequest {
    /// Also issue an access token with these scopes.
    #[schema(value_type = Option<Vec<Scope>>)]
    pub create_token_with_scopes: Option<Vec<String>>,
    /// Token lifetime in minutes, 60 to 1440 (default 1440).
    #[schema(minimum = 60, maximum = 1440)]
    pub expires_in_minutes: Option<i64>,
    /// Your own id for the identity (1 to 256 characters): creating again with
    /// the same external id returns the existing identity.
    pub external_id: Option<String>,
}

/// The created (or existing) identity, and its token when scopes were given.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentityResponse {
    pub identity: Identity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
}

/// Create a new identity, and optionally, an access token.
#[utoipa::path(
    tag = "Identity",
    operation_id = "CommunicationIdentity_Create",
    params(("api-version" = String, Query, description = "Version of API to invoke.")),
    request_body(content = Option<CreateIdentityRequest>, content_type = "application/json"),
    responses(
        (status = 201, description = "Created: the new identity.", body = CreateIdentityResponse),
        (status = 200, description = "OK: the existing identity with that external id.", body = CreateIdentityResponse),
        (status = 400, description = "Invalid request.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    ),
    security(("hmac" = []), ("connection_string" = []))
)]
#[post("/identities")]
pub async fn create_identity(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: CreateIdentityRequest = req.json()?.unwrap_or_default();
    let scopes = match body.create_token_with_scopes.as_deref() {
        None | Some([]) => None,
        some => Some(Scopes::parse(some).map_err(ApiError::validation)?),
    };
    let lifetime =
        TokenLifetime::from_minutes(body.expires_in_minutes).map_err(ApiError::validation)?;
    let external_id = body
        .external_id
        .map(ExternalId::parse)
        .transpose()
        .map_err(ApiError::validation)?;
    let Some(resource) = req.local() else {
        return forward(&req, &state, Repeatable::No).await;
    };
    let now = Timestamp::now();
    let new = NewIdentity {
        id: IdentityId::generate(resource.id),
        external_id,
        created_at: now,
        token_issued_at: scopes.as_ref().map(|_| now),
    };
    let (created, record) = match state.store.create_identity(new).await? {
        Created::New(record) => (true, record),
        Created::Existing(record) => (false, record),
    };
    req.log_identity(&record.id.to_string());
    let access_token = match &scopes {
        Some(scopes) => {
            let grant = Grant::identity(
                resource,
                record.id,
                scopes,
                lifetime,
                record.revocation_epoch,
                now,
            );
            let issued = tokens::issue(&state.keys, &grant).map_err(ApiError::internal)?;
            Some(AccessToken::new(issued.token, issued.expires_on))
        }
        None => None,
    };
    // Create answers the id (and external id), never the token time.
    let identity = Identity::new(record.id, record.external_id.as_ref(), None);
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    if access_token.is_some() {
        no_store(&mut response);
    }
    Ok(response.json(CreateIdentityResponse {
        identity,
        access_token,
    }))
}
