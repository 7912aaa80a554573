//! Roles principals hold on resources: a trait of its own, which every
//! [`Store`](super::Store) also implements. Few rows (a grant per principal
//! and role), read whole by every server every few seconds.

use super::StoreError;
use crate::domain::{Principal, ResourceId, Role, RoleGrant};
use async_trait::async_trait;

#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Grants a role; `false` when the principal held it already.
    async fn grant_role(&self, resource: ResourceId, grant: RoleGrant) -> Result<bool, StoreError>;
    /// Revokes a role; `false` when the principal did not hold it.
    async fn revoke_role(&self, resource: ResourceId, grant: RoleGrant)
    -> Result<bool, StoreError>;
    /// Every grant of every resource, in order.
    async fn role_grants(&self) -> Result<Vec<(ResourceId, RoleGrant)>, StoreError>;
}

/// The columns of a grant, as both backends store them:
/// `resource_id, issuer, principal (kind:id), role`.
pub(super) type RoleColumns = (String, String, String, String);

pub(super) fn columns(resource: ResourceId, grant: &RoleGrant) -> RoleColumns {
    (
        resource.to_string(),
        grant.issuer.clone(),
        grant.principal.to_string(),
        grant.role.as_str().to_owned(),
    )
}

pub(super) fn grant_of(
    (resource, issuer, principal, role): RoleColumns,
) -> Result<(ResourceId, RoleGrant), StoreError> {
    let bad = |what: &str| StoreError::Internal(format!("a stored role grant has {what}"));
    let resource = ResourceId::parse(&resource).map_err(|_| bad("a bad resource id"))?;
    let principal = Principal::parse(&principal).map_err(|_| bad("a bad principal"))?;
    let role = Role::parse(&role).map_err(|_| bad("a bad role"))?;
    Ok((
        resource,
        RoleGrant {
            issuer,
            principal,
            role,
        },
    ))
}
