//! The polling triggers' OpenAPI entry, made from each kind's spec: a
//! template written once, whose path, operation id and texts each kind
//! fills in (`mod.rs` registers the routes).

use super::TriggerParams;
use crate::acs::models::IdentityEvent;
use crate::domain::EventKindSpec;
use crate::error::ErrorResponse;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{RefOr, Response};

/// What every polling trigger's description says after its first line.
const CONTRACT: &str = "Power Automate and Logic Apps poll it as their polling contract says: a \
first call (no `since`) starts at the change feed's current end; then \
each call of the `Location` it got answers 200 with one event or 202 when \
there is none, each time with the next `Location` and `Retry-After`.";

/// The template of every polling trigger's entry; the texts in it are
/// replaced by [`entry`].
#[utoipa::path(
    get,
    path = "/triggers/{trigger}",
    tag = "Triggers",
    params(TriggerParams),
    responses(
        (status = 200, description = "fired", body = IdentityEvent,
            headers(
                ("Location" = String, description = "The next poll: this operation's absolute URL with the cursor past the event."),
                ("Retry-After" = u32, description = "Seconds before the next poll: 0 when more events are waiting."),
            )),
        (status = 202, description = "waiting",
            headers(
                ("Location" = String, description = "The next poll: this operation's absolute URL with the cursor."),
                ("Retry-After" = u32, description = "Seconds before the next poll."),
            )),
        (status = 400, description = "since is not a cursor this service gave for this resource, or the connection string names an ACS resource.", body = ErrorResponse),
        (status = 401, description = "Not authenticated.", body = ErrorResponse),
    )
)]
#[allow(dead_code)]
fn template() {}

/// The entry of `spec`'s trigger in the document.
pub(super) fn entry(spec: &EventKindSpec) -> Operation {
    let mut operation = <__path_template as utoipa::Path>::operation();
    operation.operation_id = Some(spec.polling_operation_id.to_owned());
    operation.summary = Some(format!(
        "Poll for {} (commid's own polling trigger).",
        spec.events
    ));
    operation.description = Some(format!(
        "Fires once for each event after the first poll: {}.\n{CONTRACT}",
        spec.clause
    ));
    describe(
        &mut operation,
        "200",
        format!("{}: the event.", capitalized(spec.clause)),
    );
    describe(
        &mut operation,
        "202",
        format!("Nothing since the cursor: no {}.", spec.events),
    );
    operation
}

pub(super) fn describe(operation: &mut Operation, status: &str, description: String) {
    if let Some(RefOr::T(Response { description: d, .. })) =
        operation.responses.responses.get_mut(status)
    {
        *d = description;
    }
}

pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
