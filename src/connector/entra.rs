//! The connector's Microsoft Entra ID connection: instead of a connection
//! string, the maker signs in with Entra, and the Power Platform gateway
//! sends each request with the maker's delegated access token for commid's
//! own application (`Authorization: Bearer`, `aud` its application ID URI),
//! which commid takes on the signed operations for a principal holding a
//! role. Power Platform's published schema for `apiProperties.json` has no
//! `connectionParameterSets` (its `properties` take no other member), so
//! one connector cannot offer both connection types and still validate:
//! this is a second export, with `oauthSetting` identity provider `aad` in
//! place of the connection string.

use super::properties::{API_KEY, HOST};
use serde_json::{Value, json};

/// The connection parameter and security definition of the Entra sign-in:
/// Power Platform pairs an `oauth2` definition with `token`.
pub const TOKEN: &str = "token";
pub const OAUTH2: &str = "oauth2_auth";

/// Where the maker signs in; the v1.0 endpoints, whose `resource` is the
/// application ID URI the token's `aud` then carries.
const LOGIN: &str = "https://login.microsoftonline.com";
/// Power Platform's shared redirect for connectors' OAuth sign-in.
const REDIRECT: &str = "https://global.consent.azure-apim.net/redirect";

/// The Entra ID application the connector signs makers in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraSignIn {
    /// The application (client) id of the registration.
    pub client_id: String,
    /// Its application ID URI (`api://…`): the `aud` of the tokens.
    pub resource: String,
    /// The tenant id, or `common` for any tenant (commid still trusts only
    /// the issuers its configuration names).
    pub tenant: String,
}

/// Turns the definition's security into OAuth 2.0 with Entra ID.
pub fn secure_definition(definition: &mut Value, entra: &EntraSignIn) {
    let tenant = &entra.tenant;
    definition["securityDefinitions"] = json!({
        OAUTH2: {
            "type": "oauth2",
            "flow": "accessCode",
            "authorizationUrl": format!("{LOGIN}/{tenant}/oauth2/authorize"),
            "tokenUrl": format!("{LOGIN}/{tenant}/oauth2/token"),
            "scopes": {}
        }
    });
    definition["security"] = json!([{ OAUTH2: [] }]);
}

/// Replaces the connection string parameter with the Entra sign-in.
pub fn secure_properties(properties: &mut Value, entra: &EntraSignIn) {
    let parameters = &mut properties["properties"]["connectionParameters"];
    if let Some(map) = parameters.as_object_mut() {
        map.remove(API_KEY);
    }
    parameters[TOKEN] = json!({
        "type": "oauthSetting",
        "oAuthSettings": {
            "identityProvider": "aad",
            "clientId": entra.client_id,
            "scopes": [],
            "redirectMode": "Global",
            "redirectUrl": REDIRECT,
            "properties": {"IsFirstParty": "False"},
            "customParameters": {
                "loginUri": {"value": LOGIN},
                "tenantId": {"value": entra.tenant},
                "resourceUri": {"value": entra.resource}
            }
        },
        "uiDefinition": {
            "displayName": "Sign in with Microsoft Entra ID",
            "description": "Sign in with your work account; commid lets you do what your role allows.",
            "tooltip": format!(
                "Your account needs a role on the commid resource at the connection's {HOST}: \
                 an owner grants it with commid access grant --principal oid:<your object id>."
            ),
            "constraints": {"required": "true"}
        }
    });
}
