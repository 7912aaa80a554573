//! The `Store` operations on PostgreSQL.

use super::{
    IDENTITY_COLUMNS, PostgresStore, identity_columns, map_err, resource_columns, signing_key,
};
use crate::domain::{
    AccessKey, IdentityId, KeySlot, Resource, ResourceId, RevocationEpoch, Timestamp,
};
use crate::storage::rows;
use crate::storage::{
    Created, Deleted, IdentityRecord, NewIdentity, PoolUsage, Store, StoreError, StoreProbes,
    StoredSigningKey,
};
use async_trait::async_trait;

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.query("SELECT 1", &[]).await.map(drop)
    }

    async fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        let rows = self
            .query(
                "SELECT id, name, location, endpoint, primary_key, secondary_key FROM resources ORDER BY created_at, name",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| rows::resource(resource_columns(r)))
            .collect()
    }

    async fn insert_resource(&self, r: Resource) -> Result<(), StoreError> {
        self.query(
            "INSERT INTO resources (id, name, location, endpoint, primary_key, secondary_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &r.id.to_string(),
                &r.name.as_str(),
                &r.location.as_str(),
                &r.endpoint.as_str(),
                &r.primary_key.text().expose(),
                &r.secondary_key.text().expose(),
                &Timestamp::now().micros(),
            ],
        )
        .await
        .map(drop)
    }

    async fn replace_key(
        &self,
        id: ResourceId,
        slot: KeySlot,
        key: AccessKey,
    ) -> Result<bool, StoreError> {
        let sql = match slot {
            KeySlot::Primary => "UPDATE resources SET primary_key = $1 WHERE id = $2 RETURNING id",
            KeySlot::Secondary => {
                "UPDATE resources SET secondary_key = $1 WHERE id = $2 RETURNING id"
            }
        };
        Ok(!self
            .query(sql, &[&key.text().expose(), &id.to_string()])
            .await?
            .is_empty())
    }

    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError> {
        let issued = new.token_issued_at.map(|t| t.micros());
        let inserted = self
            .query(
                &format!(
                    "INSERT INTO identities (id, resource_id, external_id, created_at, last_token_issued_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (resource_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
                     RETURNING {IDENTITY_COLUMNS}"
                ),
                &[
                    &new.id.to_string(),
                    &new.id.resource().to_string(),
                    &new.external_id.as_ref().map(|e| e.as_str()),
                    &new.created_at.micros(),
                    &issued,
                ],
            )
            .await?;
        if let Some(row) = inserted.first() {
            return Ok(Created::New(rows::identity(identity_columns(row))?));
        }
        // The external id is taken: return its live identity.
        let existing = self
            .query(
                &format!(
                    "UPDATE identities SET last_token_issued_at = GREATEST(last_token_issued_at, $3)
                     WHERE resource_id = $1 AND external_id = $2 RETURNING {IDENTITY_COLUMNS}"
                ),
                &[
                    &new.id.resource().to_string(),
                    &new.external_id.as_ref().map(|e| e.as_str()),
                    &issued,
                ],
            )
            .await?;
        match existing.first() {
            Some(row) => Ok(Created::Existing(rows::identity(identity_columns(row))?)),
            None => Err(StoreError::Unavailable(
                "the identity with that external id changed meanwhile; retry".into(),
            )),
        }
    }

    async fn identity(&self, id: IdentityId) -> Result<Option<IdentityRecord>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = $1"),
                &[&id.to_string()],
            )
            .await?;
        rows.first()
            .map(|r| rows::identity(identity_columns(r)))
            .transpose()
    }

    async fn revoke_tokens(&self, id: IdentityId) -> Result<Option<RevocationEpoch>, StoreError> {
        let rows = self
            .query(
                "UPDATE identities SET revocation_epoch = revocation_epoch + 1
                 WHERE id = $1 AND deleted_at IS NULL RETURNING revocation_epoch",
                &[&id.to_string()],
            )
            .await?;
        Ok(rows.first().map(|r| RevocationEpoch::from_i64(r.get(0))))
    }

    async fn delete_identity(&self, id: IdentityId) -> Result<Deleted, StoreError> {
        let rows = self
            .query(
                "WITH target AS (SELECT id, deleted_at FROM identities WHERE id = $1),
                      changed AS (
                        UPDATE identities SET deleted_at = $2, external_id = NULL, last_token_issued_at = NULL,
                               revocation_epoch = revocation_epoch + 1
                        WHERE id = $1 AND deleted_at IS NULL RETURNING id)
                 SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM target)",
                &[&id.to_string(), &Timestamp::now().micros()],
            )
            .await?;
        let (changed, existed): (i64, i64) =
            rows.first().map(|r| (r.get(0), r.get(1))).unwrap_or((0, 0));
        Ok(match (changed, existed) {
            (1, _) => Deleted::Now,
            (_, 0) => Deleted::NotFound,
            _ => Deleted::Already,
        })
    }

    fn token_issued(&self, id: IdentityId, at: Timestamp) {
        self.touches.record(id, at);
    }

    async fn flush_token_times(&self) -> Result<(), StoreError> {
        let batch = self.touches.take();
        if batch.is_empty() {
            return Ok(());
        }
        super::touches::write(&self.pool, self.timeout, &batch)
            .await
            .map_err(StoreError::Unavailable)
    }

    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows = self
            .query("SELECT kid, private_key_pem, created_at, retired_at FROM signing_keys ORDER BY created_at", &[])
            .await?;
        Ok(rows.iter().map(signing_key).collect())
    }

    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError> {
        self.deadline(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            tx.execute("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL", &[&key.created_at.micros()])
                .await
                .map_err(map_err)?;
            tx.execute(
                "INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at) VALUES ($1, $2, $3, $4)",
                &[&key.kid, &key.private_key_pem.expose(), &key.created_at.micros(), &key.retired_at.map(|t| t.micros())],
            )
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)
        })
        .await
    }

    fn probes(&self) -> StoreProbes {
        let pool = self.pool.clone();
        StoreProbes {
            pool: Some(std::sync::Arc::new(move || {
                let status = pool.status();
                PoolUsage {
                    idle: status.available,
                    in_use: status.size.saturating_sub(status.available),
                    max: Some(status.max_size),
                    waiting: Some(status.waiting),
                }
            })),
            ..StoreProbes::default()
        }
    }
}
