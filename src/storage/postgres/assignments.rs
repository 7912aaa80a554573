//! [`AssignmentStore`] on PostgreSQL. A put is one upsert that keeps the
//! version when nothing changes, so concurrent instances agree on it.

use super::{PostgresStore, map_err};
use crate::domain::{
    Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraId, ResourceId,
    StoredAssignment,
};
use crate::storage::StoreError;
use crate::storage::assignments::{
    ASSIGNMENT_COLUMNS, AssignmentChange, AssignmentStore, Put, content_columns, key_columns,
    stored,
};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

fn columns(r: &Row) -> Result<StoredAssignment, StoreError> {
    stored((r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
}

const UPSERT: &str = "INSERT INTO assignments AS a
     (resource_id, kind, tenant_key, object_id, tenant_id, principal_type, client_ids, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (resource_id, kind, tenant_key, object_id) DO UPDATE SET
       tenant_id = EXCLUDED.tenant_id,
       principal_type = EXCLUDED.principal_type,
       client_ids = EXCLUDED.client_ids,
       version = CASE
         WHEN (a.tenant_id, a.principal_type, a.client_ids)
              IS NOT DISTINCT FROM (EXCLUDED.tenant_id, EXCLUDED.principal_type, EXCLUDED.client_ids)
         THEN a.version ELSE EXCLUDED.version END
     RETURNING a.version, (a.xmax = 0) AS inserted";

const DELETE: &str = "DELETE FROM assignments
     WHERE resource_id = $1 AND kind = $2 AND tenant_key = $3 AND object_id = $4";

async fn put(
    client: &impl GenericClient,
    resource: ResourceId,
    assignment: Assignment,
    version: AssignmentVersion,
) -> Result<Put, StoreError> {
    let (kind, tenant_key, object) = key_columns(&assignment.key());
    let (tenant, principal_type, client_ids) = content_columns(&assignment);
    let stmt = client.prepare_cached(UPSERT).await.map_err(map_err)?;
    let row = client
        .query_one(
            &stmt,
            &[
                &resource.to_string(),
                &kind,
                &tenant_key,
                &object,
                &tenant,
                &principal_type,
                &client_ids,
                &version.as_i64(),
            ],
        )
        .await
        .map_err(map_err)?;
    let stored = StoredAssignment {
        assignment,
        version: AssignmentVersion::from_i64(row.get(0)),
    };
    Ok(if row.get(1) {
        Put::Created(stored)
    } else {
        Put::Replaced(stored)
    })
}

#[async_trait]
impl AssignmentStore for PostgresStore {
    async fn assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<Option<StoredAssignment>, StoreError> {
        let (kind, tenant_key, object) = key_columns(&key);
        let rows = self
            .query(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
                     WHERE resource_id = $1 AND kind = $2 AND tenant_key = $3 AND object_id = $4"
                ),
                &[&resource.to_string(), &kind, &tenant_key, &object],
            )
            .await?;
        rows.first().map(columns).transpose()
    }

    async fn put_assignment(
        &self,
        resource: ResourceId,
        assignment: Assignment,
        version: AssignmentVersion,
    ) -> Result<Put, StoreError> {
        self.deadline(async {
            let client = self.client().await?;
            put(&client, resource, assignment, version).await
        })
        .await
    }

    async fn delete_assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<bool, StoreError> {
        let (kind, tenant_key, object) = key_columns(&key);
        let rows = self
            .query(
                &format!("{DELETE} RETURNING 1"),
                &[&resource.to_string(), &kind, &tenant_key, &object],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn assignments(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        after: Option<AssignmentKey>,
        limit: usize,
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        let (_, after_tenant, after_object) =
            after
                .as_ref()
                .map(key_columns)
                .unwrap_or(("", String::new(), String::new()));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .query(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
                     WHERE resource_id = $1 AND kind = $2 AND (tenant_key, object_id) > ($3, $4)
                     ORDER BY tenant_key, object_id LIMIT $5"
                ),
                &[
                    &resource.to_string(),
                    &kind.as_str(),
                    &after_tenant,
                    &after_object,
                    &limit,
                ],
            )
            .await?;
        rows.iter().map(columns).collect()
    }

    async fn update_assignments(
        &self,
        resource: ResourceId,
        changes: Vec<AssignmentChange>,
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        self.deadline(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            let mut set = Vec::new();
            for change in changes {
                match change {
                    AssignmentChange::Set(a, version) => {
                        match put(&tx, resource, a, version).await? {
                            Put::Created(s) | Put::Replaced(s) => set.push(s),
                        }
                    }
                    AssignmentChange::Remove(key) => {
                        let (kind, tenant_key, object) = key_columns(&key);
                        tx.execute(
                            DELETE,
                            &[&resource.to_string(), &kind, &tenant_key, &object],
                        )
                        .await
                        .map_err(map_err)?;
                    }
                }
            }
            tx.commit().await.map_err(map_err)?;
            Ok(set)
        })
        .await
    }

    async fn assignments_for(
        &self,
        resource: ResourceId,
        kind: AssignmentKind,
        objects: &[EntraId],
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        let objects: Vec<String> = objects.iter().map(EntraId::to_string).collect();
        let rows = self
            .query(
                &format!(
                    "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
                     WHERE resource_id = $1 AND kind = $2 AND object_id = ANY($3)"
                ),
                &[&resource.to_string(), &kind.as_str(), &objects],
            )
            .await?;
        rows.iter().map(columns).collect()
    }
}
