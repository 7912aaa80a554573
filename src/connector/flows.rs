//! What makes the connector more than a list of actions, in one table:
//! its polling triggers, the dropdowns of its parameters, the actions that
//! page, and the operation the connection is tested with (the `x-ms-`
//! extensions `extensions.rs` writes from these entries).

use super::table::Operation;
use crate::domain::ApiVersion;

/// A polling trigger: an operation that Power Automate and Logic Apps poll
/// (`x-ms-trigger: single`, one flow run per 200), and the hint the
/// designer shows to make it fire.
pub struct Trigger {
    pub operation: Operation,
    pub hint: &'static str,
}

pub const TRIGGERS: &[Trigger] = &[
    Trigger {
        operation: Operation {
            method: "get",
            route: "/triggers/identityCreated",
            path: "/triggers/identityCreated",
            operation_id: "OnCommunicationIdentityCreated",
            summary: "When a user is created",
            description: "Starts a flow run for each user created after the flow is turned on.",
            body_summary: None,
        },
        hint: "To see it work now, create a user.",
    },
    Trigger {
        operation: Operation {
            method: "get",
            route: "/triggers/identityDeleted",
            path: "/triggers/identityDeleted",
            operation_id: "OnCommunicationIdentityDeleted",
            summary: "When a user is deleted",
            description: "Starts a flow run for each user deleted after the flow is turned on.",
            body_summary: None,
        },
        hint: "To see it work now, delete a user.",
    },
    Trigger {
        operation: Operation {
            method: "get",
            route: "/triggers/identityTokensRevoked",
            path: "/triggers/identityTokensRevoked",
            operation_id: "OnIdentityAccessTokensRevoked",
            summary: "When a user's tokens are revoked",
            description: "Starts a flow run each time all access tokens of a user are revoked, \
                after the flow is turned on.",
            body_summary: None,
        },
        hint: "To see it work now, revoke a user's access tokens.",
    },
];

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
/// 202 (`Location`, `Retry-After`), which the engine reads. On a 200 the
/// designer would offer them as outputs of every run, so they are left out.
pub const HEADERS_ON: &[&str] = &["202"];
