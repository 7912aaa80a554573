//! [`RoleStore`] on PostgreSQL.

use super::PostgresStore;
use crate::domain::{ResourceId, RoleGrant};
use crate::storage::StoreError;
use crate::storage::roles::{RoleStore, columns, grant_of};
use async_trait::async_trait;

#[async_trait]
impl RoleStore for PostgresStore {
    async fn grant_role(&self, resource: ResourceId, grant: RoleGrant) -> Result<bool, StoreError> {
        let (resource, issuer, principal, role) = columns(resource, &grant);
        let rows = self
            .query(
                "INSERT INTO role_grants (resource_id, issuer, principal, role)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
                &[&resource, &issuer, &principal, &role],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn revoke_role(
        &self,
        resource: ResourceId,
        grant: RoleGrant,
    ) -> Result<bool, StoreError> {
        let (resource, issuer, principal, role) = columns(resource, &grant);
        let rows = self
            .query(
                "DELETE FROM role_grants
                 WHERE resource_id = $1 AND issuer = $2 AND principal = $3 AND role = $4
                 RETURNING 1",
                &[&resource, &issuer, &principal, &role],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn role_grants(&self) -> Result<Vec<(ResourceId, RoleGrant)>, StoreError> {
        let rows = self
            .query(
                "SELECT resource_id, issuer, principal, role FROM role_grants
                 ORDER BY resource_id, issuer, principal, role",
                &[],
            )
            .await?;
        rows.into_iter()
            .map(|r| grant_of((r.get(0), r.get(1), r.get(2), r.get(3))))
            .collect()
    }
}
