//! The labels makers see on body and response properties, and the display
//! names of enum values: the half of the table keyed by the OpenAPI
//! document's schema names (`table.rs` holds the rest).

use super::table::Visibility;

/// A property of a component schema of the OpenAPI document.
pub struct Property {
    pub schema: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub visibility: Visibility,
    /// Replaces the handler's doc comment, or stands in for a missing one.
    pub description: Option<&'static str>,
    pub format: Option<&'static str>,
    /// Required in the connector although the handler reads it leniently.
    pub required: bool,
    /// JSON text of the default value.
    pub default: Option<&'static str>,
    /// Where Power Automate puts the flow's callback URL when it registers
    /// a webhook trigger (`x-ms-notification-url`).
    pub notification_url: bool,
}

const fn property(schema: &'static str, name: &'static str, summary: &'static str) -> Property {
    Property {
        schema,
        name,
        summary,
        visibility: Visibility::Normal,
        description: None,
        format: None,
        required: false,
        default: None,
        notification_url: false,
    }
}

impl Property {
    const fn important(self) -> Self {
        Property {
            visibility: Visibility::Important,
            ..self
        }
    }
    const fn advanced(self) -> Self {
        Property {
            visibility: Visibility::Advanced,
            ..self
        }
    }
    const fn internal(self) -> Self {
        Property {
            visibility: Visibility::Internal,
            ..self
        }
    }
    const fn described(self, description: &'static str) -> Self {
        Property {
            description: Some(description),
            ..self
        }
    }
    const fn date_time(self) -> Self {
        Property {
            format: Some("date-time"),
            ..self
        }
    }
    const fn required(self) -> Self {
        Property {
            required: true,
            ..self
        }
    }
    const fn default(self, json: &'static str) -> Self {
        Property {
            default: Some(json),
            ..self
        }
    }
    /// The callback URL a webhook trigger's registration carries: filled
    /// in by the platform, hidden from makers.
    const fn notification_url(self) -> Self {
        Property {
            notification_url: true,
            visibility: Visibility::Internal,
            required: true,
            ..self
        }
    }
}

pub const PROPERTIES: &[Property] = &[
    property(
        "CreateIdentityRequest",
        "createTokenWithScopes",
        "Token Scopes",
    )
    .advanced(),
    property(
        "CreateIdentityRequest",
        "expiresInMinutes",
        "Expires In Minutes",
    )
    .advanced(),
    property("CreateIdentityRequest", "customId", "Custom ID")
        .advanced()
        .described(
            "Your own ID for the user (1 to 256 characters): creating again with the same \
             custom ID returns the same user, so a retried flow never makes a second one.",
        ),
    property("CreateIdentityRequest", "externalId", "External ID")
        .advanced()
        .described("Deprecated: the earlier name of Custom ID. Use Custom ID."),
    property("CreateIdentityResponse", "identity", "User").described("The user."),
    property("CreateIdentityResponse", "accessToken", "Issued Token")
        .described("The access token, when Token Scopes were given."),
    property("Identity", "id", "User ID"),
    property("Identity", "customId", "Custom ID"),
    property("Identity", "externalId", "External ID")
        .described("Deprecated: the same value as Custom ID."),
    property("Identity", "lastTokenIssuedAt", "Last Token Issued At").date_time(),
    property("AccessToken", "token", "Access Token"),
    property("AccessToken", "expiresOn", "Token Expiry").date_time(),
    property("IssueTokenRequest", "scopes", "Token Scopes")
        .important()
        .default(r#"["chat"]"#),
    property(
        "IssueTokenRequest",
        "expiresInMinutes",
        "Expires In Minutes",
    )
    .advanced(),
    property("VerifyTokenRequest", "token", "Access Token")
        .important()
        .required(),
    property(
        "TeamsUserExchangeTokenRequest",
        "token",
        "Entra Access Token",
    )
    .important()
    .required(),
    property("TeamsUserExchangeTokenRequest", "appId", "Application ID")
        .important()
        .required(),
    property(
        "TeamsUserExchangeTokenRequest",
        "userId",
        "Teams User Object ID",
    )
    .important()
    .required(),
    property("VerifyTokenResponse", "valid", "Valid").described("Whether the token is valid now."),
    property("VerifyTokenResponse", "identity", "User")
        .described("The user the token belongs to, when it is valid."),
    property("VerifyTokenResponse", "scopes", "Token Scopes")
        .described("The token's scopes, when it is valid."),
    property("VerifyTokenResponse", "expiresOn", "Token Expiry")
        .described("When the token expires, when it is valid.")
        .date_time(),
    property("VerifyTokenResponse", "reason", "Reason")
        .described("Why the token is not valid, when it is not."),
    property("VerifiedIdentity", "id", "User ID").described("The ID of the user."),
    property(
        "TeamsExtensionAssignmentRequest",
        "principalType",
        "Principal Type",
    )
    .important()
    .required(),
    property(
        "TeamsExtensionAssignmentRequest",
        "clientIds",
        "Client Application IDs",
    )
    .described(
        "The application (client) IDs through which a Teams user may exchange its tokens: \
         without them a user's assignment admits no application; a resource account's admits \
         any application the server trusts.",
    ),
    property("TeamsExtensionAssignment", "objectId", "Object ID"),
    property("TeamsExtensionAssignment", "tenantId", "Tenant ID"),
    property(
        "TeamsExtensionAssignment",
        "principalType",
        "Principal Type",
    ),
    property(
        "TeamsExtensionAssignment",
        "clientIds",
        "Client Application IDs",
    ),
    property("ErrorResponse", "error", "Error").described("The error."),
    property("ErrorBody", "code", "Error Code"),
    property("ErrorBody", "message", "Error Message"),
    property("ErrorBody", "target", "Error Target"),
    property("IdentityList", "value", "Users").described("The users of this page."),
    property("IdentityList", "nextLink", "Next Link")
        .internal()
        .described("The URL of the next page; absent on the last page."),
    property("ListedIdentity", "id", "User ID"),
    property("ListedIdentity", "customId", "Custom ID"),
    property("ListedIdentity", "displayName", "Display Name")
        .advanced()
        .described("The custom ID when the user has one, otherwise the user ID."),
    property("ListedIdentity", "createdAt", "Created At").date_time(),
    property(
        "ListedIdentity",
        "lastTokenIssuedAt",
        "Last Token Issued At",
    )
    .date_time(),
    property("IdentityEvent", "id", "User ID").described("The ID of the user."),
    property("IdentityEvent", "customId", "Custom ID")
        .described("The user's custom ID when it happened, if it had one."),
    property("IdentityEvent", "at", "Event Time")
        .described("When it happened.")
        .date_time(),
    property("IdentityEvent", "kind", "Event Kind")
        .advanced()
        .described("What happened."),
    property("IdentityEvent", "sequence", "Event Sequence")
        .advanced()
        .described("The event's place in the change feed: later events have larger numbers."),
    property("WebhookTriggerRequest", "callbackUrl", "Callback URL")
        .notification_url()
        .described("The flow's callback URL, which Power Automate fills in."),
    property("Subscription", "id", "Subscription ID"),
    property("Subscription", "callbackUrl", "Callback URL").advanced(),
    property("Subscription", "eventKinds", "Event Kinds").advanced(),
    property("Subscription", "customId", "Custom ID").advanced(),
    property("Subscription", "state", "State"),
    property("Subscription", "createdAt", "Created At").date_time(),
    property("Subscription", "delivered", "Delivered").advanced(),
    property("Subscription", "failures", "Failures").advanced(),
    property("Subscription", "nextAttemptAt", "Next Attempt At")
        .advanced()
        .date_time(),
    property("Subscription", "lastAttemptAt", "Last Attempt At")
        .advanced()
        .date_time(),
    property("Subscription", "lastDeliveredAt", "Last Delivered At")
        .advanced()
        .date_time(),
    property("Subscription", "lastError", "Last Error").advanced(),
    property("Subscription", "secret", "Signing Secret").internal(),
    property("WebhookEvent", "type", "Event Type")
        .advanced()
        .described("identity.created, identity.deleted or identity.tokensRevoked."),
    property("WebhookEvent", "timestamp", "Event Timestamp")
        .advanced()
        .described("When it happened.")
        .date_time(),
    property("WebhookEvent", "data", "Event").described("What happened to which user."),
    property("IdentityEvent", "actor", "Changed By").described(
        "Who made the change: key:primary, key:secondary, or the signed-in principal and its issuer.",
    ),
    property("ConnectionTest", "kind", "Connection Kind"),
    property("ConnectionTest", "resource", "Resource").described(
        "The commid resource's name, or the Azure Communication Services resource's host.",
    ),
];

/// Display names of the values of every enum schema, by schema name (or,
/// for a parameter's own enum, by the parameter's name).
pub const ENUMS: &[(&str, &[(&str, &str)])] = &[
    (
        "TokenScope",
        &[
            ("chat", "Chat"),
            ("voip", "VoIP"),
            ("chat.join", "Chat (join only)"),
            ("chat.join.limited", "Chat (join only, limited)"),
            ("voip.join", "VoIP (join only)"),
        ],
    ),
    (
        "TeamsExtensionPrincipalType",
        &[
            ("user", "Teams user"),
            ("resourceAccount", "Teams resource account"),
            (
                "teamsResourceAccount",
                "Teams resource account (as the documentation spells it)",
            ),
        ],
    ),
    (
        "InvalidReason",
        &[
            ("expired", "Expired"),
            ("revoked", "Revoked"),
            ("deleted", "User deleted"),
            ("badSignature", "Bad signature"),
            ("wrongResource", "Issued for another resource"),
            ("malformed", "Malformed"),
        ],
    ),
    (
        "SubscriptionState",
        &[("active", "Active"), ("suspended", "Suspended")],
    ),
    (
        "ConnectionKind",
        &[
            ("commid", "commid resource"),
            ("acs", "Azure Communication Services resource"),
        ],
    ),
    // A parameter's enum, by the parameter's name.
    (
        "order",
        &[("asc", "Oldest first"), ("desc", "Newest first")],
    ),
];
