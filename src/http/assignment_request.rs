//! What the assignment operations share: the api-version check, the keys
//! in their paths, their bodies as domain values, and their answers.

use crate::acs::assignments::{EntraAssignmentRequest, TeamsExtensionAssignmentRequest};
use crate::domain::{
    Assignment, AssignmentKey, AssignmentKind, EntraId, Feature, Invalid, PrincipalType,
    parse_client_ids,
};
use crate::error::ApiError;
use crate::http::ApiRequest;

/// The key of `/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
pub fn teams_extension_key(
    req: &ApiRequest,
    tenant: &str,
    object: &str,
) -> Result<AssignmentKey, ApiError> {
    req.api_version
        .require(Feature::TeamsExtension, "Teams Phone extensibility")
        .map_err(ApiError::unsupported_api_version)?;
    let tenant = EntraId::parse(tenant, "tenantId").map_err(ApiError::validation)?;
    let object = EntraId::parse(object, "objectId").map_err(ApiError::validation)?;
    req.log_identity(&object.to_string());
    Ok(AssignmentKey::teams_extension(tenant, object))
}

/// The api-version check of the Entra-user operations.
pub fn require_entra(req: &ApiRequest) -> Result<(), ApiError> {
    req.api_version
        .require(Feature::EntraUsers, "Entra ID users")
        .map_err(ApiError::unsupported_api_version)
}

/// The key of `/access/entra/assignments/{objectId}`.
pub fn entra_key(req: &ApiRequest, object: &str) -> Result<AssignmentKey, ApiError> {
    require_entra(req)?;
    let object = EntraId::parse(object, "objectId").map_err(ApiError::validation)?;
    req.log_identity(&object.to_string());
    Ok(AssignmentKey::entra_user(object))
}

/// A member that, when given, must name what the path names.
fn same_as_path(given: Option<&str>, path: EntraId, target: &'static str) -> Result<(), Invalid> {
    match given {
        Some(text) if EntraId::from_guid(text) != Some(path) => Err(Invalid::new(
            format!("The {target} in the body must be the one in the path, {path}."),
            target,
        )),
        _ => Ok(()),
    }
}

/// The Teams-extension assignment a put asks for.
pub fn teams_extension_assignment(
    key: AssignmentKey,
    body: Option<TeamsExtensionAssignmentRequest>,
) -> Result<Assignment, ApiError> {
    let body = body.unwrap_or_default();
    let tenant = key.tenant.expect("a Teams-extension key has a tenant");
    let build = || {
        same_as_path(body.object_id.as_deref(), key.object, "objectId")?;
        same_as_path(body.tenant_id.as_deref(), tenant, "tenantId")?;
        let kind = AssignmentKind::TeamsExtension;
        let principal_type = PrincipalType::parse(kind, body.principal_type.as_deref())?;
        let client_ids = parse_client_ids(body.client_ids.clone())?;
        Assignment::new(kind, tenant, key.object, principal_type, client_ids)
    };
    build().map_err(ApiError::validation)
}

/// The Entra assignment for `object` that a put, or one member of a bulk
/// update, asks for: every member required.
pub fn entra_assignment(
    object: EntraId,
    body: EntraAssignmentRequest,
) -> Result<Assignment, Invalid> {
    same_as_path(body.object_id.as_deref(), object, "objectId")?;
    let tenant = body
        .tenant_id
        .as_deref()
        .ok_or_else(|| Invalid::new("TenantId: The TenantId field is required.", "tenantId"))
        .and_then(|t| EntraId::parse(t, "tenantId"))?;
    let kind = AssignmentKind::EntraUser;
    let principal_type = PrincipalType::parse(kind, body.principal_type.as_deref())?;
    let client_ids = parse_client_ids(body.client_ids)?;
    Assignment::new(kind, tenant, object, principal_type, client_ids)
}

/// 404 for `key`.
pub fn not_found(key: &AssignmentKey) -> ApiError {
    match key.tenant {
        Some(tenant) => {
            ApiError::assignment_not_found(format!("of object {} in tenant {tenant}", key.object))
        }
        None => ApiError::assignment_not_found(format!("of object {}", key.object)),
    }
}
