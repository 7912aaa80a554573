use crate::acs::subscriptions::Subscriptions;
use crate::domain::ApiVersion;
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::state::AppState;
use crate::http::subscribing::{PURPOSE, answered};
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

/// List the resource's webhook subscriptions, oldest first (commid's own).
///
/// Their state, deliveries and last error; never their secrets.
/// Owner-level: the resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_ListSubscriptions",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    responses(
        (status = 200, description = "The subscriptions.", body = Subscriptions),
        (status = 400, description = "The connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[get("/webhookSubscriptions")]
pub async fn list_subscriptions(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let resource = req.refuse_upstream(PURPOSE)?;
    let value = state
        .store
        .subscriptions(resource.id)
        .await?
        .iter()
        .map(|s| answered(s, false))
        .collect();
    Ok(HttpResponse::Ok().json(Subscriptions { value }))
}
