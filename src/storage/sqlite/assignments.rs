//! [`AssignmentStore`] on SQLite: reads on the readers, writes through the
//! one writer, so a put's read-compare-write is atomic.

use super::{SqliteStore, map_err};
use crate::domain::{
    Assignment, AssignmentKey, AssignmentKind, AssignmentVersion, EntraId, ResourceId,
    StoredAssignment,
};
use crate::storage::StoreError;
use crate::storage::assignments::{
    ASSIGNMENT_COLUMNS, AssignmentChange, AssignmentColumns, AssignmentStore, Put, content_columns,
    key_columns, stored,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

fn row(r: &Row<'_>) -> rusqlite::Result<AssignmentColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn select_one(
    c: &Connection,
    resource: ResourceId,
    key: &AssignmentKey,
) -> rusqlite::Result<Option<AssignmentColumns>> {
    let (kind, tenant_key, object) = key_columns(key);
    c.prepare_cached(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
         WHERE resource_id = ?1 AND kind = ?2 AND tenant_key = ?3 AND object_id = ?4"
    ))?
    .query_row(params![resource.to_string(), kind, tenant_key, object], row)
    .optional()
}

/// Inside the writer's transaction: the put, comparing with what is stored.
fn put(
    c: &Connection,
    resource: ResourceId,
    assignment: Assignment,
    version: AssignmentVersion,
) -> Result<Put, StoreError> {
    let key = assignment.key();
    let existing = select_one(c, resource, &key)
        .map_err(map_err)?
        .map(stored)
        .transpose()?;
    let existed = existing.is_some();
    if let Some(old) = existing.filter(|old| old.assignment == assignment) {
        return Ok(Put::Replaced(old));
    }
    let (kind, tenant_key, object) = key_columns(&key);
    let (tenant, principal_type, client_ids) = content_columns(&assignment);
    c.prepare_cached(
        "INSERT INTO assignments (resource_id, kind, tenant_key, object_id, tenant_id, principal_type, client_ids, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (resource_id, kind, tenant_key, object_id) DO UPDATE SET
           tenant_id = excluded.tenant_id, principal_type = excluded.principal_type,
           client_ids = excluded.client_ids, version = excluded.version",
    )
    .and_then(|mut s| {
        s.execute(params![
            resource.to_string(),
            kind,
            tenant_key,
            object,
            tenant,
            principal_type,
            client_ids,
            version.as_i64()
        ])
    })
    .map_err(map_err)?;
    let stored = StoredAssignment {
        assignment,
        version,
    };
    Ok(if existed {
        Put::Replaced(stored)
    } else {
        Put::Created(stored)
    })
}

fn delete(c: &Connection, resource: ResourceId, key: &AssignmentKey) -> Result<bool, StoreError> {
    let (kind, tenant_key, object) = key_columns(key);
    c.prepare_cached(
        "DELETE FROM assignments
         WHERE resource_id = ?1 AND kind = ?2 AND tenant_key = ?3 AND object_id = ?4",
    )
    .and_then(|mut s| s.execute(params![resource.to_string(), kind, tenant_key, object]))
    .map(|n| n > 0)
    .map_err(map_err)
}

#[async_trait]
impl AssignmentStore for SqliteStore {
    async fn assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<Option<StoredAssignment>, StoreError> {
        self.readers
            .read(|c| select_one(c, resource, &key))?
            .map(stored)
            .transpose()
    }

    async fn put_assignment(
        &self,
        resource: ResourceId,
        assignment: Assignment,
        version: AssignmentVersion,
    ) -> Result<Put, StoreError> {
        self.writer
            .write(move |c| put(c, resource, assignment, version))
            .await
    }

    async fn delete_assignment(
        &self,
        resource: ResourceId,
        key: AssignmentKey,
    ) -> Result<bool, StoreError> {
        self.writer.write(move |c| delete(c, resource, &key)).await
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
        let rows = self.readers.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
                 WHERE resource_id = ?1 AND kind = ?2 AND (tenant_key, object_id) > (?3, ?4)
                 ORDER BY tenant_key, object_id LIMIT ?5"
            ))?
            .query_map(
                params![
                    resource.to_string(),
                    kind.as_str(),
                    after_tenant,
                    after_object,
                    limit
                ],
                row,
            )?
            .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter().map(stored).collect()
    }

    async fn update_assignments(
        &self,
        resource: ResourceId,
        changes: Vec<AssignmentChange>,
    ) -> Result<Vec<StoredAssignment>, StoreError> {
        // The writer runs each write in a savepoint: an error undoes them all.
        self.writer
            .write(move |c| {
                let mut set = Vec::new();
                for change in changes {
                    match change {
                        AssignmentChange::Set(a, version) => match put(c, resource, a, version)? {
                            Put::Created(s) | Put::Replaced(s) => set.push(s),
                        },
                        AssignmentChange::Remove(key) => {
                            delete(c, resource, &key)?;
                        }
                    }
                }
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
        let rows = self.readers.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ASSIGNMENT_COLUMNS} FROM assignments
                 WHERE resource_id = ?1 AND kind = ?2 AND object_id = ?3"
            ))?;
            let mut rows = Vec::new();
            for object in objects {
                let found = stmt.query_map(
                    params![resource.to_string(), kind.as_str(), object.to_string()],
                    row,
                )?;
                for r in found {
                    rows.push(r?);
                }
            }
            Ok(rows)
        })?;
        rows.into_iter().map(stored).collect()
    }
}
