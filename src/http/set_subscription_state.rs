//! Suspend and resume a subscription: two operations, one shape.

use crate::acs::subscriptions::Subscription;
use crate::domain::{ApiVersion, SubscriptionId, SubscriptionState, Timestamp};
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::state::AppState;
use crate::http::subscribing::{PURPOSE, answered, completed, subscription_id};
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, post};

/// Resume a suspended webhook subscription (commid's own).
///
/// Delivery starts again at once from where it stopped: the first event
/// not yet delivered, with its failures forgotten. Owner-level: the
/// resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_ResumeSubscription",
    params(
        ("subscriptionId" = inline(SubscriptionId), Path, description = "The subscription's id."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "Active again.", body = Subscription),
        (status = 400, description = "The id is not a UUID, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "The resource has no such subscription.", body = ErrorResponse),
    )
)]
#[post("/webhookSubscriptions/{subscriptionId}/:resume")]
pub async fn resume_subscription(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set(&req, &id, &state, SubscriptionState::Active).await
}

/// Suspend a webhook subscription (commid's own).
///
/// Nothing is delivered until it is resumed; the events that happen
/// meanwhile are delivered then (within the change feed's retention).
/// Owner-level: the resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_SuspendSubscription",
    params(
        ("subscriptionId" = inline(SubscriptionId), Path, description = "The subscription's id."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "Suspended.", body = Subscription),
        (status = 400, description = "The id is not a UUID, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "The resource has no such subscription.", body = ErrorResponse),
    )
)]
#[post("/webhookSubscriptions/{subscriptionId}/:suspend")]
pub async fn suspend_subscription(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set(&req, &id, &state, SubscriptionState::Suspended).await
}

async fn set(
    req: &ApiRequest,
    raw: &str,
    state: &AppState,
    to: SubscriptionState,
) -> Result<HttpResponse, ApiError> {
    let id: SubscriptionId = subscription_id(raw)?;
    let resource = req.refuse_upstream(PURPOSE)?;
    let (store, resource_id) = (state.store.clone(), resource.id);
    let changed = completed(async move {
        store
            .set_subscription_state(resource_id, id, to, Timestamp::now())
            .await
    })
    .await??;
    match changed {
        Some(s) => {
            log::info!("webhook subscription {id} is {} now", to.as_str());
            Ok(HttpResponse::Ok().json(answered(&s, false)))
        }
        None => Err(ApiError::subscription_not_found(id)),
    }
}
