use super::{Trigger, TriggerParams, poll};
use crate::acs::models::IdentityEvent;
use crate::domain::EventKind;
use crate::error::{ApiError, ErrorResponse};
use crate::http::{ApiRequest, AppState};
use actix_web::web::Data;
use actix_web::{HttpResponse, get};

const TRIGGER: Trigger = Trigger {
    kind: EventKind::Created,
    path: "/triggers/identityCreated",
    purpose: "start a flow when a user is created",
};

/// Poll for identities created (commid's own polling trigger).
///
/// Each identity created after the first poll fires it once.
/// Power Automate and Logic Apps poll it as their polling contract says: a
/// first call (no `since`) starts at the change feed's current end; then
/// each call of the `Location` it got answers 200 with one event or 202 when
/// there is none, each time with the next `Location` and `Retry-After`.
#[utoipa::path(
    tag = "Triggers",
    operation_id = "Triggers_IdentityCreated",
    params(TriggerParams),
    responses(
        (status = 200, description = "An identity was created: the event.", body = IdentityEvent,
            headers(
                ("Location" = String, description = "The next poll: this operation's absolute URL with the cursor past the event."),
                ("Retry-After" = u32, description = "Seconds before the next poll: 0 when more events are waiting."),
            )),
        (status = 202, description = "No identity was created since the cursor.",
            headers(
                ("Location" = String, description = "The next poll: this operation's absolute URL with the cursor."),
                ("Retry-After" = u32, description = "Seconds before the next poll."),
            )),
        (status = 400, description = "since is not a cursor this service gave for this resource, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    ),
    security(("hmac" = []), ("connection_string" = []))
)]
#[get("/triggers/identityCreated")]
pub async fn identity_created(
    req: ApiRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    poll(&req, &state, &TRIGGER).await
}
