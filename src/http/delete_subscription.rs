use crate::domain::{ApiVersion, SubscriptionId};
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::state::AppState;
use crate::http::subscribing::{PURPOSE, completed, subscription_id};
use actix_web::web::{Data, Path};
use actix_web::{HttpResponse, delete};

/// Delete a webhook subscription (commid's own).
///
/// Nothing more is delivered to it (a delivery already under way may still
/// arrive). What Power Automate calls on the `Location` a webhook trigger
/// answered with when the flow is turned off or deleted. Deleting a
/// subscription that does not exist succeeds too. Owner-level: the
/// resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_DeleteSubscription",
    params(
        ("subscriptionId" = inline(SubscriptionId), Path, description = "The subscription's id."),
        ("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke."),
    ),
    responses(
        (status = 204, description = "Deleted, or there was none."),
        (status = 400, description = "The id is not a UUID, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[delete("/webhookSubscriptions/{subscriptionId}")]
pub async fn delete_subscription(
    req: ApiRequest,
    id: Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = subscription_id(&id)?;
    let resource = req.refuse_upstream(PURPOSE)?;
    let (store, resource_id, name) = (
        state.store.clone(),
        resource.id,
        resource.name.as_str().to_owned(),
    );
    completed(async move {
        let deleted = store.delete_subscription(resource_id, id).await;
        if let Ok(true) = deleted {
            log::info!("webhook subscription {id} of resource {name} deleted");
        }
        deleted
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}
