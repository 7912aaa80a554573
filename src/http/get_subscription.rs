use crate::acs::subscriptions::Subscription;
use crate::domain::{ApiVersion, SubscriptionId};
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::state::AppState;
use crate::http::subscribing::{PURPOSE, answered, subscription_id};
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, get};

/// Get a webhook subscription (commid's own).
///
/// Its state, deliveries and last error; never its secret. Owner-level:
/// the resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_GetSubscription",
    params(
        ("subscriptionId" = inline(SubscriptionId), Path, description = "The subscription's id."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 200, description = "The subscription.", body = Subscription),
        (status = 400, description = "The id is not a UUID, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
        (status = 404, description = "The resource has no such subscription.", body = ErrorResponse),
    )
)]
#[get("/webhookSubscriptions/{subscriptionId}")]
pub async fn get_subscription(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = subscription_id(&id)?;
    let resource = req.refuse_upstream(PURPOSE)?;
    match state.store.subscription(resource.id, id).await? {
        Some(s) => Ok(HttpResponse::Ok().json(answered(&s, false))),
        None => Err(ApiError::subscription_not_found(id)),
    }
}
