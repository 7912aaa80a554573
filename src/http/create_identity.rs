use crate::acs::models::{AccessToken, Identity};
use crate::domain::ApiVersion;
use crate::domain::{
    CustomId, Feature, IdentityId, Invalid, Member, Scope, Scopes, Timestamp, TokenLifetime,
};
use crate::error::{ApiError, ErrorResponse};
use crate::http::extract::ApiRequest;
use crate::http::forward::{Repeatable, forward};
use crate::http::respond::{no_store, token_json};
use crate::http::state::AppState;
use crate::storage::{Created, IdentityRecord, NewIdentity};
use crate::tokens::{self, Grant};
use actix_web::web::Data;
use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Create an identity, optionally with a token, optionally with your own id for it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentityRequest {
    /// Also issue an access token with these scopes.
    #[schema(value_type = Option<Vec<Scope>>)]
    pub create_token_with_scopes: Option<Vec<String>>,
    /// Token lifetime in minutes, 60 to 1440 (default 1440).
    #[schema(value_type = Option<TokenLifetime>, inline)]
    #[serde(default, deserialize_with = "crate::http::extract::whole_number")]
    pub expires_in_minutes: Option<i64>,
    /// Your own id for the identity (1 to 256 characters, no control
    /// characters): creating again with the same custom id returns the same
    /// identity, with 201.
    #[schema(value_type = Option<CustomId>, inline)]
    pub custom_id: Option<String>,
    /// Deprecated: `customId` under the name commid gave it first. Creating
    /// again with the same value returns the same identity, with 200.
    #[schema(deprecated, value_type = Option<CustomId>, inline)]
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
///
/// With a custom id it is get-or-create: the identity that already has it
/// is returned (201), so a retried request never makes a second identity.
/// `externalId` is the custom id's older name: send one of the two, or
/// both with the same value.
#[utoipa::path(
    tag = "Identity",
    operation_id = "CommunicationIdentity_Create",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = Option<CreateIdentityRequest>, content_type = "application/json"),
    responses(
        (status = 201, description = "Created: the new identity, or the one that has the custom id.", body = CreateIdentityResponse),
        (status = 200, description = "OK: the existing identity with that externalId (the deprecated name).", body = CreateIdentityResponse),
        (status = 400, description = "Invalid request.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
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
    let (custom_id, member) = custom_id(body.custom_id, body.external_id)?;
    let Some(resource) = req.local() else {
        check_forwardable(&req, member)?;
        return forward(&req, &state, Repeatable::No).await;
    };
    // One clock reading for the id and createdAt: the directory lists in
    // id order, and its createdAt must not go backwards there.
    let now = Timestamp::now();
    let new = NewIdentity {
        id: IdentityId::generate_at(resource.id, now),
        custom_id,
        created_at: now,
        token_issued_at: scopes.as_ref().map(|_| now),
        actor: req.actor().map(ToString::to_string),
    };
    let (created, record) = match state.store.create_identity(new).await? {
        Created::New(record) => {
            state.feed.wake();
            (true, record)
        }
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
    let mut response = if created || member != Some(Member::ExternalId) {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    if access_token.is_some() {
        no_store(&mut response);
    }
    Ok(token_json(
        response,
        &CreateIdentityResponse {
            identity: answered(&req, member, &record),
            access_token,
        },
    ))
}

/// The custom id, from whichever name the request used; both names are
/// accepted together only with the same value.
fn custom_id(
    custom_id: Option<String>,
    external_id: Option<String>,
) -> Result<(Option<CustomId>, Option<Member>), ApiError> {
    let (value, member) = match (custom_id, external_id) {
        (Some(c), Some(e)) if c != e => {
            return Err(ApiError::validation(Invalid::new(
                "customId and externalId are two names for one value: send customId alone \
                 (or the same value in both).",
                "customId",
            )));
        }
        (Some(c), _) => (c, Member::CustomId),
        (None, Some(e)) => (e, Member::ExternalId),
        (None, None) => return Ok((None, None)),
    };
    let id = CustomId::parse(value, member).map_err(ApiError::validation)?;
    Ok((Some(id), Some(member)))
}

/// ACS takes `customId` only in the versions that define it, and never
/// `externalId`: forwarding either elsewhere would make a new identity
/// each time, silently.
fn check_forwardable(req: &ApiRequest, member: Option<Member>) -> Result<(), ApiError> {
    match member {
        Some(Member::ExternalId) => Err(ApiError::validation(Invalid::new(
            "Azure Communication Services has no externalId: send customId with \
             api-version 2025-03-02-preview.",
            "externalId",
        ))),
        Some(Member::CustomId) => req
            .api_version
            .require(
                Feature::CustomId,
                "customId in Azure Communication Services",
            )
            .map_err(ApiError::validation),
        None => Ok(()),
    }
}

/// The identity as the request's dialect writes it: ACS's shape (`customId`,
/// and the token time, as 2025-03-02-preview answers), commid's first shape
/// for `externalId` requests, or just the id.
fn answered(req: &ApiRequest, member: Option<Member>, record: &IdentityRecord) -> Identity {
    match member {
        Some(Member::ExternalId) => Identity {
            custom_id: None,
            ..Identity::with_custom_id(record.id, record.custom_id.as_ref(), None)
                .also_as_external_id()
        },
        _ if member.is_some() || req.api_version.has(Feature::CustomId) => {
            Identity::with_custom_id(
                record.id,
                record.custom_id.as_ref(),
                record.last_token_issued_at,
            )
        }
        _ => Identity::id_only(record.id),
    }
}
