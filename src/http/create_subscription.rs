use crate::acs::subscriptions::{CreateSubscriptionRequest, Subscription};
use crate::domain::{ApiVersion, CallbackUrl, CustomId, EventKinds, Member};
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::respond::no_store;
use crate::http::state::AppState;
use crate::http::subscribing::{PURPOSE, answered, location, subscribe};
use actix_web::http::header::LOCATION;
use actix_web::web::Data;
use actix_web::{HttpResponse, post};

/// Subscribe a URL to the resource's change feed (commid's own).
///
/// Each event of the kinds asked for (and, with `customId`, of that
/// identity only) that happens after this call is posted to the callback
/// URL as a Standard Webhooks delivery, signed with the secret this answer
/// shows once: at least once, in feed order, retried with backoff and
/// suspended after repeated failures. The URL must be https, on a host this
/// server allows, and resolve to public addresses only. Owner-level: the
/// resource's access key (HMAC or connection string).
#[utoipa::path(
    tag = "Directory",
    operation_id = "Directory_CreateSubscription",
    params(("api-version" = inline(ApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = CreateSubscriptionRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed: the subscription, with its secret (shown this once).", body = Subscription,
            headers(("Location" = String, description = "The subscription's URL."))),
        (status = 400, description = "The callback URL is not https, not on an allowed host or resolves to a non-public address; an event kind or the custom id is not valid; the resource has as many subscriptions as it may; or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[post("/webhookSubscriptions")]
pub async fn create_subscription(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: CreateSubscriptionRequest = req
        .json()?
        .ok_or_else(|| ApiError::bad_body("it is empty: send callbackUrl and eventKinds"))?;
    let callback = CallbackUrl::parse(&body.callback_url).map_err(ApiError::validation)?;
    let kinds = EventKinds::parse(&body.event_kinds).map_err(ApiError::validation)?;
    let custom_id = body
        .custom_id
        .map(|c| CustomId::parse(c, Member::CustomId))
        .transpose()
        .map_err(ApiError::validation)?;
    let resource = req.refuse_upstream(PURPOSE)?;
    let created = subscribe(&state, resource, callback, kinds, custom_id).await?;
    let mut response = HttpResponse::Created();
    no_store(&mut response);
    response.insert_header((LOCATION, location(&req, resource, created.id)));
    Ok(response.json(answered(&created, true)))
}
