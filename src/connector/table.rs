//! What utoipa cannot say about the connector, in one table: the actions'
//! names as makers see them, the annotations of their parameters, the
//! responses every action describes, and the connector's own metadata
//! (`labels.rs` has the properties' labels and the enums' display names).
//! The conversion refuses a document with an operation, parameter, property
//! or enum these tables do not name, so a new field in a handler cannot reach
//! makers without a label.

use super::flows::{TEST_CONNECTION, UNREGISTER};
use crate::domain::ApiVersion;

/// The connector's name in Power Automate: at most 30 characters, without
/// "API" or "Connector".
pub const TITLE: &str = "commid Communication Identity";

pub const DESCRIPTION: &str = "Create users on your own commid communication identity server, \
    issue them chat and calling access tokens, revoke their tokens, delete them, and verify tokens. \
    It speaks the Azure Communication Services Identity API.";

/// The icon's background and the connector's colour in the designer.
pub const BRAND_COLOR: &str = "#00695C";

pub const PUBLISHER: &str = "commid";
pub const STACK_OWNER: &str = "commid";

/// The host of the definition at the repository root. Each connection names
/// its own host (see `properties.rs`), so this one is only a placeholder.
pub const DEFAULT_HOST: &str = "localhost:8443";

/// `x-ms-connector-metadata`. The two addresses are placeholders until the
/// project has a public home.
pub const METADATA: [(&str, &str); 3] = [
    ("Website", "https://commid.example.com/"),
    ("Privacy policy", "https://commid.example.com/privacy"),
    ("Categories", "Communication"),
];

/// Operations of the handlers that are not actions, by method and route:
/// probes and the key set; the directory's count, change feed and webhook
/// subscriptions (the triggers offer the feed, the webhook triggers their
/// own subscriptions); the Bearer exchanges, which take an end user's
/// Entra token (a flow has none to give, and the connection authenticates
/// with a connection string); and the Entra-user assignments, which only
/// the 2025-03-02-preview api-version has (and whose bulk update is a
/// merge patch, which a connector cannot send).
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/identities/:count"),
    ("get", "/identityEvents"),
    ("post", "/access/teamsExtension/:exchangeAccessToken"),
    ("post", "/access/entra/:exchangeAccessToken"),
    ("get", "/access/entra/assignments"),
    ("patch", "/access/entra/assignments"),
    ("get", "/access/entra/assignments/{objectId}"),
    ("put", "/access/entra/assignments/{objectId}"),
    ("delete", "/access/entra/assignments/{objectId}"),
    ("post", "/webhookSubscriptions"),
    ("get", "/webhookSubscriptions"),
    ("get", "/webhookSubscriptions/{subscriptionId}"),
    ("post", "/webhookSubscriptions/{subscriptionId}/:resume"),
    ("post", "/webhookSubscriptions/{subscriptionId}/:suspend"),
];

/// Actions whose operation [`ApiVersion::DEFAULT`] does not have, and the
/// api-version their (internal) parameter defaults to instead.
pub const API_VERSIONS: &[(&str, &str)] = &[(TEAMS_PHONE_ASSIGNMENT, "2025-06-30")];

const TEAMS_PHONE_ASSIGNMENT: &str =
    "/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}";

/// One action. `route` and `method` name the handler in the OpenAPI
/// document; `path`, `operation_id` and `summary` are what the connector
/// shows, the first four as in Microsoft's certified ACS Identity connector.
pub struct Operation {
    pub method: &'static str,
    pub route: &'static str,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// The label of the request body, when the action has one.
    pub body_summary: Option<&'static str>,
}

pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "post",
        route: "/identities",
        path: "/identities",
        operation_id: "CreateCommunicationIdentity",
        summary: "Create a user",
        description: "Create a new user, and optionally, an access token.",
        body_summary: Some("User Options"),
    },
    Operation {
        method: "post",
        route: "/identities/{id}/:issueAccessToken",
        path: "/identities/{identityId}/:issueAccessToken",
        operation_id: "IssueIdentityAccessToken",
        summary: "Issue a user access token",
        description: "Issue a new access token for the user.",
        body_summary: Some("Token Options"),
    },
    Operation {
        method: "post",
        route: "/identities/{id}/:revokeAccessTokens",
        path: "/identities/{identityId}/:revokeAccessTokens",
        operation_id: "RevokeIdentityAccessTokens",
        summary: "Revoke user access tokens",
        description: "Revoke all access tokens for the user.",
        body_summary: None,
    },
    Operation {
        method: "delete",
        route: "/identities/{id}",
        path: "/identities/{identityId}",
        operation_id: "DeleteCommunicationIdentity",
        summary: "Delete a user",
        description: "Delete the user, revoke all access tokens for the user and delete all associated data.",
        body_summary: None,
    },
    Operation {
        method: "get",
        route: "/identities/{id}",
        path: "/identities/{identityId}",
        operation_id: "GetCommunicationIdentity",
        summary: "Get a user",
        description: "Get a user's external ID and when a token was last issued for the user.",
        body_summary: None,
    },
    Operation {
        method: "post",
        route: "/accessTokens/:verify",
        path: "/accessTokens/:verify",
        operation_id: "VerifyAccessToken",
        summary: "Verify an access token",
        description: "Check whether an access token is valid now: issued by this service, not expired, \
            not revoked, and its user not deleted.",
        body_summary: Some("Token To Verify"),
    },
    Operation {
        method: "post",
        route: "/teamsUser/:exchangeAccessToken",
        path: "/teamsUser/:exchangeAccessToken",
        operation_id: "ExchangeTeamsUserAccessToken",
        summary: "Exchange a Teams user access token",
        description: "Exchange a Teams user's Microsoft Entra access token for an access token \
            of the Teams user that expires when the Entra token does.",
        body_summary: Some("Teams User Token"),
    },
    Operation {
        method: "put",
        route: TEAMS_PHONE_ASSIGNMENT,
        path: TEAMS_PHONE_ASSIGNMENT,
        operation_id: "SetTeamsPhoneAssignment",
        summary: "Create or Replace a Teams Phone Assignment",
        description: "Give a Teams user or Teams resource account of a tenant access to Teams Phone \
            extensibility: its Microsoft Entra tokens may then be exchanged for access tokens, \
            through the client applications listed.",
        body_summary: Some("Assignment"),
    },
    Operation {
        method: "get",
        route: TEAMS_PHONE_ASSIGNMENT,
        path: TEAMS_PHONE_ASSIGNMENT,
        operation_id: "GetTeamsPhoneAssignment",
        summary: "Get a Teams Phone Assignment",
        description: "Get the Teams Phone extensibility assignment of a Teams user or resource account.",
        body_summary: None,
    },
    Operation {
        method: "delete",
        route: TEAMS_PHONE_ASSIGNMENT,
        path: TEAMS_PHONE_ASSIGNMENT,
        operation_id: "DeleteTeamsPhoneAssignment",
        summary: "Delete a Teams Phone Assignment",
        description: "Remove a Teams user's or resource account's access to Teams Phone extensibility; \
            the access tokens already exchanged under the assignment stop being valid.",
        body_summary: None,
    },
    Operation {
        method: "get",
        route: "/identities",
        path: "/identities",
        operation_id: "ListCommunicationIdentities",
        summary: "List users",
        description: "List the users of the resource, oldest first unless Order says otherwise, \
            optionally only the one with a custom ID, those whose custom ID starts with some text, \
            those created in a time range, or those idle since a time.",
        body_summary: None,
    },
    Operation {
        method: "get",
        route: "/identities/:byCustomId",
        path: "/identities/:byCustomId",
        operation_id: "GetCommunicationIdentityByCustomId",
        summary: "Get a user by custom ID",
        description: "Get the user that has a custom ID, and when a token was last issued for the user.",
        body_summary: None,
    },
    Operation {
        method: "get",
        route: "/connection/:test",
        path: "/connection/:test",
        operation_id: TEST_CONNECTION,
        summary: "Test the connection",
        description: "Check that the connection string works: commid, or the Azure Communication Services \
            resource it names, accepts its key.",
        body_summary: None,
    },
    Operation {
        method: "delete",
        route: "/webhookSubscriptions/{subscriptionId}",
        path: "/webhookSubscriptions/{subscriptionId}",
        operation_id: UNREGISTER,
        summary: "Delete a webhook subscription",
        description: "Stop the deliveries to a flow: what Power Automate calls when a flow with a webhook \
            trigger is turned off or deleted.",
        body_summary: None,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// No `x-ms-visibility`: shown, after the important ones.
    Normal,
    Important,
    Advanced,
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Visibility::Normal => None,
            Visibility::Important => Some("important"),
            Visibility::Advanced => Some("advanced"),
            Visibility::Internal => Some("internal"),
        }
    }
}

/// A path or query parameter, by the handler's name for it.
pub struct Parameter {
    pub location: &'static str,
    pub name: &'static str,
    /// The name in the connector's path template.
    pub exported_name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub visibility: Visibility,
    pub default: Option<&'static str>,
    /// `x-ms-url-encoding: single`: ACS ids hold `:`.
    pub url_encoding_single: bool,
}

pub const PARAMETERS: &[Parameter] = &[
    Parameter {
        location: "query",
        name: "api-version",
        exported_name: "api-version",
        summary: "API Version",
        description: "The version of the identity API to call.",
        visibility: Visibility::Internal,
        default: Some(ApiVersion::DEFAULT),
        url_encoding_single: false,
    },
    Parameter {
        location: "path",
        name: "id",
        exported_name: "identityId",
        summary: "User ID",
        description: "The ID of the user, as Create a user returns it (8:acs:…).",
        visibility: Visibility::Important,
        default: None,
        url_encoding_single: true,
    },
    Parameter {
        location: "path",
        name: "tenantId",
        exported_name: "tenantId",
        summary: "Tenant ID",
        description: "The Microsoft Entra tenant ID (a GUID) of the Teams user or resource account.",
        visibility: Visibility::Important,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "path",
        name: "objectId",
        exported_name: "objectId",
        summary: "Object ID",
        description: "The Microsoft Entra object ID (a GUID) of the Teams user or resource account.",
        visibility: Visibility::Important,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "customIdPrefix",
        exported_name: "customIdPrefix",
        summary: "Custom ID Starts With",
        description: "Only users whose custom ID starts with this text, compared exactly \
            (upper and lower case differ). The users then come in custom ID order: \
            A to Z, or Z to A when Order is newest first.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "createdAfter",
        exported_name: "createdAfter",
        summary: "Created After",
        description: "Only users created after this time.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "createdBefore",
        exported_name: "createdBefore",
        summary: "Created Before",
        description: "Only users created before this time.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "lastTokenIssuedBefore",
        exported_name: "lastTokenIssuedBefore",
        summary: "Idle Since",
        description: "Only users idle since this time: their last token was issued before it, \
            or they never had one and were created before it.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "order",
        exported_name: "order",
        summary: "Order",
        description: "Oldest first (the default) or newest first; with Custom ID Starts With, \
            A to Z (the default) or Z to A.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "maxPageSize",
        exported_name: "maxPageSize",
        summary: "Page Size",
        description: "At most this many users per page, 1 to 1000 (100 when empty). With Pagination on, \
            the action follows the pages until it has the number of users its threshold asks for.",
        visibility: Visibility::Advanced,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "continuationToken",
        exported_name: "continuationToken",
        summary: "Continuation Token",
        description: "Where a page starts: only ever taken from the previous page's next link.",
        visibility: Visibility::Internal,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "path",
        name: "subscriptionId",
        exported_name: "subscriptionId",
        summary: "Subscription ID",
        description: "The webhook subscription's ID, from the Location its registration answered with.",
        visibility: Visibility::Normal,
        default: None,
        url_encoding_single: false,
    },
    Parameter {
        location: "query",
        name: "since",
        exported_name: "since",
        summary: "Cursor",
        description: "Where in the change feed the trigger is: set by the trigger itself, \
            in the Location of each answer.",
        visibility: Visibility::Internal,
        default: None,
        url_encoding_single: false,
    },
];

/// Responses every action describes, where its handler does not. `true`:
/// the body is the error envelope (a 429 comes from Power Platform's
/// throttling, with a body of its own).
pub const STANDARD_RESPONSES: &[(&str, &str, bool)] = &[
    (
        "400",
        "Bad request: a value is missing or not valid; the error message says which.",
        true,
    ),
    (
        "401",
        "Unauthorized: the connection string is wrong, or its key was regenerated.",
        true,
    ),
    (
        "404",
        "Not found: the user does not exist or was deleted, or the connection's host is not a commid server.",
        true,
    ),
    (
        "429",
        "Too many requests: the connection's rate limit was reached; retry later.",
        false,
    ),
    ("default", "The operation failed.", true),
];

/// The schema of error bodies, by its name in the OpenAPI document.
pub const ERROR_SCHEMA: &str = "ErrorResponse";

/// Schemas kept once in `definitions` and referred to where a whole body is
/// one of them; everywhere else schemas are inlined, so that each property
/// carries its own label.
pub const DEFINITIONS: &[&str] = &[ERROR_SCHEMA];

/// Parameters whose meaning differs between actions, by operation id:
/// found before the entries of [`PARAMETERS`].
pub const ACTION_PARAMETERS: &[(&str, Parameter)] = &[
    (
        "ListCommunicationIdentities",
        Parameter {
            location: "query",
            name: "customId",
            exported_name: "customId",
            summary: "Custom ID",
            description: "Only the user with exactly this custom ID.",
            visibility: Visibility::Advanced,
            default: None,
            url_encoding_single: false,
        },
    ),
    (
        "GetCommunicationIdentityByCustomId",
        Parameter {
            location: "query",
            name: "customId",
            exported_name: "customId",
            summary: "Custom ID",
            description: "The custom ID the user was created with (1 to 256 characters).",
            visibility: Visibility::Important,
            default: None,
            url_encoding_single: false,
        },
    ),
];
