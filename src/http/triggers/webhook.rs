//! The webhook triggers, one per kind of event, made from each kind's spec:
//! Power Automate and Logic Apps register a flow's callback URL here when
//! the flow is saved (201 with the `Location` they delete when it is
//! turned off), and each event of the kind is posted to it at once.

use super::declared::{capitalized, describe};
use super::purpose;
use crate::acs::subscriptions::{Subscription, WebhookTriggerRequest};
use crate::domain::{CallbackUrl, EventKindSpec, EventKinds};
use crate::error::{ApiError, ErrorResponse};
use crate::http::ApiRequest;
use crate::http::state::AppState;
use crate::http::subscribing::{answered, location, subscribe};
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use utoipa::openapi::path::Operation;

/// The template of every webhook trigger's entry; [`entry`] fills it in.
#[utoipa::path(
    post,
    path = "/triggers/{trigger}/subscriptions",
    tag = "Triggers",
    params(("api-version" = inline(crate::domain::ApiVersion), Query, description = "Version of API to invoke.")),
    request_body(content = WebhookTriggerRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "registered", body = Subscription,
            headers(("Location" = String, description = "The subscription's URL: deleting it unregisters the flow."))),
        (status = 400, description = "The callback URL is not https, not on an allowed host or resolves to a non-public address, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[allow(dead_code)]
fn template() {}

/// The entry of `spec`'s trigger in the document.
pub(super) fn entry(spec: &EventKindSpec) -> Operation {
    let mut operation = <__path_template as utoipa::Path>::operation();
    operation.operation_id = Some(spec.webhook_operation_id.to_owned());
    operation.summary = Some(format!(
        "Register a callback for {} (commid's own webhook trigger).",
        spec.events
    ));
    operation.description = Some(format!(
        "Each event after the registration ({}) is posted to the callback URL at once, as a \
         signed Standard Webhooks delivery: what Power Automate and Logic Apps call when a flow \
         with this trigger is saved, and unregister by deleting the `Location` answered. The \
         same as creating a subscription to this one kind of event.",
        spec.clause
    ));
    describe(
        &mut operation,
        "201",
        format!(
            "Registered: {} will be posted to the callback URL.",
            capitalized(spec.events)
        ),
    );
    operation
}

pub(super) async fn register(
    req: &ApiRequest,
    state: &AppState,
    spec: &EventKindSpec,
) -> Result<HttpResponse, ApiError> {
    let body: WebhookTriggerRequest = req
        .json()?
        .ok_or_else(|| ApiError::bad_body("it is empty: send callbackUrl"))?;
    let callback = CallbackUrl::parse(&body.callback_url).map_err(ApiError::validation)?;
    let resource = req.refuse_upstream(&purpose(spec))?;
    let kinds = EventKinds::of(&[spec.kind]);
    let created = subscribe(state, resource, callback, kinds, None).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, location(req, resource, created.id)))
        .json(answered(&created, false)))
}
