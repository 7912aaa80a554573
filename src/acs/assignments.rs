//! The JSON bodies of Teams Phone extensibility and Entra ID users
//! (WIRE-2025 §6, §7): assignments, and the Bearer exchanges' request and
//! answer. What the server writes and the client reads, defined once.

use super::models::AccessToken;
use crate::domain::{Assignment, AssignmentKind, EntraId, GUID_PATTERN};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

fn principal_type_schema(kind: AssignmentKind, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(kind.principal_types().iter().map(|p| p.as_str())))
        .description(Some(description))
        .into()
}

/// `principalType` of a Teams-extension assignment.
pub struct TeamsExtensionPrincipalType;

impl PartialSchema for TeamsExtensionPrincipalType {
    fn schema() -> RefOr<Schema> {
        principal_type_schema(
            AssignmentKind::TeamsExtension,
            "A Teams user, or a Teams resource account (resourceAccount and teamsResourceAccount are the same).",
        )
    }
}

impl ToSchema for TeamsExtensionPrincipalType {}

/// `principalType` of an Entra assignment.
pub struct EntraPrincipalType;

impl PartialSchema for EntraPrincipalType {
    fn schema() -> RefOr<Schema> {
        principal_type_schema(
            AssignmentKind::EntraUser,
            "A user, the members of a group, or every user of a tenant.",
        )
    }
}

impl ToSchema for EntraPrincipalType {}

fn ids(ids: &[EntraId]) -> Vec<String> {
    ids.iter().map(EntraId::to_string).collect()
}

/// What a Teams-extension assignment grants.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionAssignmentRequest {
    // Described by its schema: a `$ref` takes no description of its own.
    #[schema(required = true, value_type = TeamsExtensionPrincipalType)]
    pub principal_type: Option<String>,
    /// The applications (client ids) through which the principal may
    /// exchange its tokens. A user's assignment without them admits no
    /// application; a resource account's admits any the issuer trusts.
    #[schema(value_type = Option<Vec<EntraId>>)]
    pub client_ids: Option<Vec<String>>,
    /// Ignored, but must be the path's when given.
    #[schema(ignore)]
    pub object_id: Option<String>,
    /// Ignored, but must be the path's when given.
    #[schema(ignore)]
    pub tenant_id: Option<String>,
}

/// A Teams-extension assignment: a Teams user or resource account of a
/// tenant that may exchange its Entra tokens for access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamsExtensionAssignment {
    /// The Microsoft Entra object id of the user or resource account.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub object_id: String,
    /// The Microsoft Entra tenant id.
    #[schema(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub tenant_id: String,
    #[schema(value_type = TeamsExtensionPrincipalType)]
    pub principal_type: String,
    /// The applications through which the principal may exchange tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<EntraId>>)]
    pub client_ids: Option<Vec<String>>,
}

impl From<&Assignment> for TeamsExtensionAssignment {
    fn from(a: &Assignment) -> Self {
        TeamsExtensionAssignment {
            object_id: a.object_id.to_string(),
            tenant_id: a.tenant_id.to_string(),
            principal_type: a.principal_type.as_str().to_owned(),
            client_ids: a.client_ids.as_deref().map(ids),
        }
    }
}

/// What an Entra assignment grants.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntraAssignmentRequest {
    /// The Microsoft Entra tenant of the principal.
    #[schema(required = true, value_type = EntraId)]
    pub tenant_id: Option<String>,
    /// Whom the assignment is for.
    #[schema(required = true, value_type = EntraPrincipalType)]
    pub principal_type: Option<String>,
    /// The applications (client ids) through which the principal may
    /// exchange its tokens.
    #[schema(required = true, value_type = Vec<EntraId>)]
    pub client_ids: Option<Vec<String>>,
    /// Ignored, but must be the path's when given.
    #[schema(ignore)]
    pub object_id: Option<String>,
}

/// An Entra assignment: a user, group or tenant whose users may exchange
/// their Entra tokens for access tokens, through the client ids listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntraAssignment {
    /// The object id of the user or group, or the tenant id.
    #[schema(value_type = EntraId)]
    pub object_id: String,
    #[schema(value_type = EntraId)]
    pub tenant_id: String,
    #[schema(value_type = EntraPrincipalType)]
    pub principal_type: String,
    #[schema(value_type = Vec<EntraId>)]
    pub client_ids: Vec<String>,
}

impl From<&Assignment> for EntraAssignment {
    fn from(a: &Assignment) -> Self {
        EntraAssignment {
            object_id: a.object_id.to_string(),
            tenant_id: a.tenant_id.to_string(),
            principal_type: a.principal_type.as_str().to_owned(),
            client_ids: a.client_ids.as_deref().map(ids).unwrap_or_default(),
        }
    }
}

/// A page of Entra assignments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntraAssignments {
    pub value: Vec<EntraAssignment>,
    /// The next page's URL, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// A JSON merge patch (RFC 7396) of the Entra assignments: each member
/// names an object id, and sets its assignment (every member required) or,
/// with `null`, removes it.
pub struct EntraAssignmentsUpdate;

impl PartialSchema for EntraAssignmentsUpdate {
    fn schema() -> RefOr<Schema> {
        let value = OneOfBuilder::new()
            .item(Ref::from_schema_name(EntraAssignmentRequest::name()))
            .item(ObjectBuilder::new().schema_type(SchemaType::Type(Type::Null)));
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(SchemaType::Type(Type::String))
                    .pattern(Some(GUID_PATTERN)),
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(value.into()))))
            .description(Some(
                "Object id (a GUID) → the assignment to set, or null to remove it.",
            ))
            .into()
    }
}

impl ToSchema for EntraAssignmentsUpdate {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            EntraAssignmentRequest::name().into_owned(),
            EntraAssignmentRequest::schema(),
        ));
        EntraAssignmentRequest::schemas(schemas);
    }
}

/// The body of a Bearer exchange: an empty object (its members, if any,
/// are ignored).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ExchangeTokenRequest {}

/// Whom an exchanged token is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExchangedIdentity {
    /// `8:acs:<resource id>_<tenant id>_<object id>` (Teams Phone
    /// extensibility) or `8:acs:<resource id>_wf_<tenant id>_<object id>`
    /// (Entra ID users).
    pub id: String,
}

/// The identity of the Entra principal, and its access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentityAccessTokenResult {
    pub identity: ExchangedIdentity,
    pub access_token: AccessToken,
}
