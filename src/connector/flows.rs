//! What makes the connector more than a list of actions, in one table:
//! its polling triggers, the dropdowns of its parameters, the actions that
//! page, and the operation the connection is tested with (the `x-ms-`
//! extensions `extensions.rs` writes from these entries).

use super::table::Operation;
use crate::domain::{ApiVersion, EventKind, EventKindSpec};
use std::sync::LazyLock;

/// A trigger: an operation that Power Automate and Logic Apps poll
/// (`x-ms-trigger: single`, one flow run per 200), or that registers a
/// flow's callback URL (a webhook trigger, `x-ms-notification-url`), and
/// the hint the designer shows to make it fire.
pub struct Trigger {
    pub operation: Operation,
    pub hint: &'static str,
    pub webhook: bool,
}

/// The polling triggers, one per kind of event, from each kind's spec.
pub static TRIGGERS: LazyLock<Vec<Trigger>> = LazyLock::new(|| {
    EventKind::ALL
        .iter()
        .map(|kind| polling(kind.spec()))
        .collect()
});

fn polling(spec: &'static EventKindSpec) -> Trigger {
    Trigger {
        operation: Operation {
            method: "get",
            route: spec.polling_path,
            path: spec.polling_path,
            operation_id: spec.connector_polling_id,
            summary: spec.summary,
            description: leak(format!(
                "Starts a flow run for {} after the flow is turned on.",
                spec.fires_on
            )),
            body_summary: None,
        },
        hint: spec.hint,
        webhook: false,
    }
}

/// The webhook triggers, one per kind of event, beside the polling ones.
pub static WEBHOOK_TRIGGERS: LazyLock<Vec<Trigger>> = LazyLock::new(|| {
    EventKind::ALL
        .iter()
        .map(|kind| webhook(kind.spec()))
        .collect()
});

fn webhook(spec: &'static EventKindSpec) -> Trigger {
    Trigger {
        operation: Operation {
            method: "post",
            route: spec.webhook_path,
            path: spec.webhook_path,
            operation_id: spec.connector_webhook_id,
            summary: spec.webhook_summary,
            description: leak(format!(
                "Starts a flow run within seconds of {}, as commid calls the flow. Needs a commid \
                 server that can reach Power Automate; where it cannot, use {}.",
                spec.fires_on, spec.summary
            )),
            body_summary: Some("Callback"),
        },
        hint: spec.hint,
        webhook: true,
    }
}

/// What a webhook trigger's flow receives, by the OpenAPI document's name
/// for its schema (`x-ms-notification-content`).
pub const NOTIFICATION_SCHEMA: &str = "WebhookEvent";

/// The operation Power Automate calls on the `Location` a webhook trigger
/// answered with, to unregister the flow: hidden from makers.
pub const UNREGISTER: &str = "DeleteWebhookSubscription";

/// Text made once per process for a table entry that lives as long.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A literal argument of an operation another one calls.
#[derive(Debug, Clone, Copy)]
pub enum Literal {
    Text(&'static str),
    Integer(i64),
}

/// A dropdown (`x-ms-dynamic-values` and its successor `x-ms-dynamic-list`):
/// the items of `collection` in the answer of `operation_id` called with
/// `parameters`; each item offers the value at `value_path`, shown as the
/// one at `title_path`. A maker may still type a value or use dynamic content.
pub struct DynamicValues {
    pub operation_id: &'static str,
    pub parameters: &'static [(&'static str, Literal)],
    pub collection: &'static str,
    pub value_path: &'static str,
    pub title_path: &'static str,
}

/// Dropdowns, by the exported name of the parameter: every action with the
/// parameter gets it. The designer reads one page only, so the newest 1000
/// users; List users names them by custom ID, or by ID when they have none.
pub const DYNAMIC_VALUES: &[(&str, DynamicValues)] = &[(
    "identityId",
    DynamicValues {
        operation_id: "ListCommunicationIdentities",
        parameters: &[
            ("api-version", Literal::Text(ApiVersion::DEFAULT)),
            ("order", Literal::Text("desc")),
            ("maxPageSize", Literal::Integer(1000)),
        ],
        collection: "value",
        value_path: "id",
        title_path: "displayName",
    },
)];

/// Actions whose answers come in pages (`x-ms-pageable`), by operation id,
/// with the answer's property that holds the next page's URL.
pub const PAGEABLE: &[(&str, &str)] = &[("ListCommunicationIdentities", "nextLink")];

/// The operation the connection is tested with when it is made
/// (`x-ms-capabilities.testConnection`), and its arguments; hidden from
/// makers (`x-ms-visibility: internal`).
pub const TEST_CONNECTION: &str = "TestConnection";
pub const TEST_CONNECTION_PARAMETERS: &[(&str, Literal)] =
    &[("api-version", Literal::Text(ApiVersion::DEFAULT))];

/// Response headers the connector declares, by status: a polling trigger's
/// 202 (`Location`, `Retry-After`) and a webhook trigger's 201 (`Location`),
/// which the engine reads. On a 200 the designer would offer them as
/// outputs of every run, so they are left out.
pub const HEADERS_ON: &[&str] = &["201", "202"];
