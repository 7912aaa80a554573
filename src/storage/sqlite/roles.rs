//! [`RoleStore`] on SQLite: reads on the readers, writes through the writer.

use super::{SqliteStore, map_err};
use crate::domain::{ResourceId, RoleGrant};
use crate::storage::StoreError;
use crate::storage::roles::{RoleStore, columns, grant_of};
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl RoleStore for SqliteStore {
    async fn grant_role(&self, resource: ResourceId, grant: RoleGrant) -> Result<bool, StoreError> {
        let (resource, issuer, principal, role) = columns(resource, &grant);
        self.writer
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO role_grants (resource_id, issuer, principal, role)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                )
                .and_then(|mut s| s.execute(params![resource, issuer, principal, role]))
                .map(|n| n > 0)
                .map_err(map_err)
            })
            .await
    }

    async fn revoke_role(
        &self,
        resource: ResourceId,
        grant: RoleGrant,
    ) -> Result<bool, StoreError> {
        let (resource, issuer, principal, role) = columns(resource, &grant);
        self.writer
            .write(move |c| {
                c.prepare_cached(
                    "DELETE FROM role_grants
                     WHERE resource_id = ?1 AND issuer = ?2 AND principal = ?3 AND role = ?4",
                )
                .and_then(|mut s| s.execute(params![resource, issuer, principal, role]))
                .map(|n| n > 0)
                .map_err(map_err)
            })
            .await
    }

    async fn role_grants(&self) -> Result<Vec<(ResourceId, RoleGrant)>, StoreError> {
        let rows = self.readers.read(|c| {
            c.prepare_cached(
                "SELECT resource_id, issuer, principal, role FROM role_grants
                 ORDER BY resource_id, issuer, principal, role",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter().map(grant_of).collect()
    }
}
