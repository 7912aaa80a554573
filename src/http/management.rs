//! `Authorization: Bearer <token>` on a signed operation: a token of an
//! issuer the resource trusts for management, whose principal holds a role
//! that the table of operations allows for this one. The `Host` picks the
//! resource, as for the Bearer exchanges. A token that is not valid is a
//! failed authentication (401, counted against the client's address); a
//! valid one without such a role gets 403 `AuthorizationFailed`. Either way
//! the log says why, never the token.

use super::access::AccessTable;
use super::admission;
use super::bearer::resource_for;
use super::state::AppState;
use crate::domain::{Actor, Resource, Secret, Timestamp};
use crate::error::ApiError;
use actix_web::HttpRequest;
use actix_web::web::Data;
use std::net::IpAddr;
use std::sync::Arc;

fn denied() -> ApiError {
    ApiError::denied(
        "Denied by the resource provider. The Bearer token is not valid for this resource: it must \
         come from an issuer the resource trusts for management, for one of its audiences, unexpired.",
    )
}

/// The resource and the actor of a request with a Bearer token, once its
/// principal is known to hold a role that allows the operation.
pub(super) async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    client: Option<IpAddr>,
    token: Secret,
) -> Result<(Arc<Resource>, Actor), ApiError> {
    let refused = |e: ApiError| admission::failed(req, state, client, e);
    let resource = match resource_for(req, &state.directory) {
        Some(resource) => Some(resource),
        None if state.directory.reload_throttled(&*state.store).await => {
            resource_for(req, &state.directory)
        }
        None => None,
    };
    let resource = resource.ok_or_else(|| refused(denied()))?;
    let issuers = state.issuers.for_resource(&resource.name);
    let token = state
        .management_tokens
        .check(resource.id, issuers, token.expose(), Timestamp::now())
        .await
        .map_err(|refusal| {
            log::info!(
                "Bearer token for resource '{}' refused: {refusal}",
                resource.name.as_str()
            );
            refused(denied())
        })?;
    let actor = token.actor();
    // Authenticated: from here on the resource's rate is spent.
    admission::charge(state, &resource)?;
    let (callers, operation) = req
        .app_data::<Data<AccessTable>>()
        .and_then(|table| {
            let pattern = req.match_pattern()?;
            let template = super::allow::document_template(&pattern);
            table.get(req.method(), &template).cloned()
        })
        .ok_or_else(|| ApiError::internal("an operation outside the table of operations"))?;
    let allowed = |state: &AppState| {
        state
            .roles
            .held(resource.id, &token.issuer, &token.principals)
            .into_iter()
            .any(|role| callers.allows(role))
    };
    if allowed(state) || (state.roles.reload_throttled(&*state.store).await && allowed(state)) {
        return Ok((resource, actor));
    }
    log::info!(
        "{actor} holds no role on resource '{}' that allows {operation}",
        resource.name.as_str()
    );
    Err(ApiError::authorization_failed(
        &actor,
        &operation,
        resource.name.as_str(),
        &callers.roles(),
    ))
}
