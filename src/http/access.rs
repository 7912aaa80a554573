//! Who may call an operation: the words the table of operations
//! (`crate::router`) is written in. The extractors enforce them; the
//! OpenAPI document's security requirements are derived from them.

use crate::domain::Role;
use actix_web::http::Method;
use std::collections::HashMap;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

/// The security schemes, as the OpenAPI document names them.
pub const HMAC: &str = "hmac";
pub const CONNECTION_STRING: &str = "connection_string";
pub const ENTRA_BEARER: &str = "entra_bearer";
pub const BEARER: &str = "bearer";

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    /// Anyone, without credentials (health, the public signing keys).
    Anyone,
    /// A caller signed in to the resource: with a key (HMAC or
    /// `Connection-String`), which means `owner`, or with a Bearer token
    /// of a trusted issuer whose principal holds `owner` or one of these
    /// roles.
    Signed(&'static [Role]),
    /// The end user whose Microsoft Entra token a Bearer exchange takes.
    EntraUser,
}

impl Callers {
    /// The OpenAPI security requirements: any one of them will do. A
    /// Bearer token's lists the roles that allow the operation (as OpenAPI
    /// 3.1 lets a scheme other than OAuth list role names).
    pub fn security(self) -> Option<Vec<SecurityRequirement>> {
        let none: [&str; 0] = [];
        match self {
            Callers::Anyone => None,
            Callers::Signed(_) => Some(vec![
                SecurityRequirement::new(HMAC, none),
                SecurityRequirement::new(CONNECTION_STRING, none),
                SecurityRequirement::new(BEARER, self.roles().iter().map(|r| r.as_str())),
            ]),
            Callers::EntraUser => Some(vec![SecurityRequirement::new(ENTRA_BEARER, none)]),
        }
    }

    /// The roles that allow the operation, `owner` first; none but for a
    /// signed operation.
    pub fn roles(self) -> Vec<Role> {
        match self {
            Callers::Signed(roles) => std::iter::once(Role::Owner)
                .chain(roles.iter().copied())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a principal holding `role` may call the operation.
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

/// Who may call each documented operation, by method and route template
/// (as actix matched it), with its operation id: what a request with a
/// Bearer token is checked against.
#[derive(Default)]
pub struct AccessTable {
    by_route: HashMap<(Method, String), (Callers, String)>,
}

impl AccessTable {
    pub fn insert(&mut self, method: &str, template: &str, callers: Callers, operation_id: String) {
        if let Ok(method) = Method::from_bytes(method.as_bytes()) {
            self.by_route
                .insert((method, template.to_owned()), (callers, operation_id));
        }
    }

    /// Who may call the operation at `template` with `method`, and its id.
    pub fn get(&self, method: &Method, template: &str) -> Option<&(Callers, String)> {
        self.by_route.get(&(method.clone(), template.to_owned()))
    }
}

/// Declares the security schemes in the document's components.
pub struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            HMAC,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…, as the ACS SDKs sign.",
            ))),
        );
        components.add_security_scheme(
            CONNECTION_STRING,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Connection-String",
                "endpoint=https://…/;accesskey=…, as the Power Automate connector sends.",
            ))),
        );
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token of an issuer the resource trusts for management (Microsoft Entra ID, \
                         as DefaultAzureCredential gets one, or any OpenID Connect issuer), whose principal \
                         holds one of the roles listed on the resource. Answered 403 AuthorizationFailed \
                         without one.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            ENTRA_BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The end user's Microsoft Entra access token, from an issuer the resource trusts.",
                    ))
                    .build(),
            ),
        );
    }
}
