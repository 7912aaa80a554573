//! What both Bearer exchanges do once their handler has its request: check
//! that the api-version has the feature, validate the Entra token for the
//! exchange, find an assignment of the resource that admits the token's
//! principal and application, and issue a token for
//! `8:acs:<resource>_…<tenant>_<object>` that expires with the Entra token
//! and carries the assignment's version.

use super::bearer::BearerRequest;
use crate::acs::assignments::{CommunicationIdentityAccessTokenResult, ExchangedIdentity};
use crate::acs::models::AccessToken;
use crate::domain::{
    AssignedUserId, AssignmentKey, AssignmentKind, Exchange, Feature, PrincipalType,
    StoredAssignment, Timestamp,
};
use crate::error::ApiError;
use crate::http::respond::no_store;
use crate::http::state::AppState;
use crate::issuers::{self, Refusal};
use crate::tokens;
use actix_web::HttpResponse;

pub async fn exchange(
    req: &BearerRequest,
    state: &AppState,
    exchange: Exchange,
) -> Result<HttpResponse, ApiError> {
    let kind = match exchange {
        Exchange::EntraUser => {
            req.require(Feature::EntraUsers, "Entra ID users")?;
            AssignmentKind::EntraUser
        }
        _ => {
            req.require(Feature::TeamsExtension, "Teams Phone extensibility")?;
            AssignmentKind::TeamsExtension
        }
    };
    let (resource, token) = req.credentials().await?;
    let refused = |refusal: Refusal| {
        log::info!(
            "{} token of resource '{}' refused: {refusal}",
            exchange.as_str(),
            resource.name.as_str()
        );
        req.refused(ApiError::invalid_access_token())
    };
    let now = Timestamp::now();
    let issuers = state.issuers.for_resource(&resource.name);
    let token = issuers::validate_assigned(exchange, issuers, token.expose(), now)
        .await
        .map_err(refused)?;
    let who = &token.principal;
    let candidates: Vec<StoredAssignment> = match kind {
        AssignmentKind::TeamsExtension => state
            .store
            .assignment(
                resource.id,
                AssignmentKey::teams_extension(who.tenant, who.object),
            )
            .await?
            .into_iter()
            .collect(),
        AssignmentKind::EntraUser => {
            let mut objects = vec![who.object, who.tenant];
            objects.extend(&who.groups);
            state
                .store
                .assignments_for(resource.id, kind, &objects)
                .await?
        }
    };
    // The most specific assignment that admits it: the user's own, then a
    // group's, then the tenant's.
    let admitted = candidates
        .into_iter()
        .filter(|a| a.assignment.admits(who))
        .min_by_key(|a| {
            let rank = match a.assignment.principal_type {
                PrincipalType::Group => 1,
                PrincipalType::Tenant => 2,
                _ => 0,
            };
            (rank, a.assignment.object_id)
        })
        .ok_or_else(|| refused(Refusal::NotAssigned))?;
    req.admit(&resource)?;
    let user = AssignedUserId::new(kind, resource.id, who.tenant, who.object);
    req.log_identity(&user.to_string());
    let via = (kind == AssignmentKind::EntraUser).then_some(admitted.assignment.object_id);
    let grant = tokens::assigned_user_grant(
        &resource,
        user,
        &token.scopes,
        token.expires,
        admitted.version,
        via,
        now,
    );
    let issued = tokens::issue(&state.keys, &grant).map_err(ApiError::internal)?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.json(CommunicationIdentityAccessTokenResult {
        identity: ExchangedIdentity {
            id: user.to_string(),
        },
        access_token: AccessToken::new(issued.token, issued.expires_on),
    }))
}
