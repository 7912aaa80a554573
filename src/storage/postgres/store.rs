//! The `Store` operations on PostgreSQL.

use super::{
    IDENTITY_COLUMNS, PostgresStore, directory, events, identity_columns, map_err, replace_sealed,
    resource_columns, sealed_values, signing_key_columns,
};
use crate::domain::{
    AccessKey, EventKind, FeedPosition, IdentityId, KeySlot, ListFilter, Resource, ResourceId,
    RevocationEpoch, Secret, Timestamp,
};
use crate::storage::rows;
use crate::storage::{
    Created, Deleted, EventsRead, IdentityPage, IdentityRecord, ListQuery, NewIdentity, PoolUsage,
    Store, StoreError, StoreProbes, StoredSigningKey, StoredValue,
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
            .map(|r| rows::resource(resource_columns(r), &self.vault))
            .collect()
    }

    async fn insert_resource(&self, r: Resource) -> Result<(), StoreError> {
        let primary = rows::sealed_key(&self.vault, r.id, KeySlot::Primary, &r.primary_key)?;
        let secondary = rows::sealed_key(&self.vault, r.id, KeySlot::Secondary, &r.secondary_key)?;
        self.query(
            "INSERT INTO resources (id, name, location, endpoint, primary_key, secondary_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &r.id.to_string(),
                &r.name.as_str(),
                &r.location.as_str(),
                &r.endpoint.as_str(),
                &primary,
                &secondary,
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
        let stored = rows::sealed_key(&self.vault, id, slot, &key)?;
        Ok(!self
            .query(sql, &[&stored, &id.to_string()])
            .await?
            .is_empty())
    }

    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError> {
        let issued = new.token_issued_at.map(|t| t.micros());
        let custom_id = new.custom_id.as_ref().map(|c| c.as_str());
        // The identity, its event and its count in one statement.
        let inserted = self
            .query(
                &format!(
                    "WITH inserted AS (
                       INSERT INTO identities (id, resource_id, custom_id, created_at, last_token_issued_at)
                       VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (resource_id, custom_id) WHERE custom_id IS NOT NULL DO NOTHING
                       RETURNING {IDENTITY_COLUMNS}, resource_id),
                     event AS (
                       INSERT INTO identity_events (resource_id, kind, identity_id, custom_id, at, actor)
                       SELECT resource_id, $6, id, custom_id, created_at, $8 FROM inserted),
                     counted AS (
                       INSERT INTO identity_counts (resource_id, shard, live)
                       SELECT resource_id, $7, 1 FROM inserted
                       ON CONFLICT (resource_id, shard) DO UPDATE SET live = identity_counts.live + 1)
                     SELECT {IDENTITY_COLUMNS} FROM inserted"
                ),
                &[
                    &new.id.to_string(),
                    &new.id.resource().to_string(),
                    &custom_id,
                    &new.created_at.micros(),
                    &issued,
                    &EventKind::Created.code(),
                    &events::shard(),
                    &new.actor,
                ],
            )
            .await?;
        if let Some(row) = inserted.first() {
            return Ok(Created::New(rows::identity(identity_columns(row))?));
        }
        // The custom id is taken: return its live identity.
        let existing = self
            .query(
                &format!(
                    "UPDATE identities SET last_token_issued_at = GREATEST(last_token_issued_at, $3)
                     WHERE resource_id = $1 AND custom_id = $2 RETURNING {IDENTITY_COLUMNS}"
                ),
                &[&new.id.resource().to_string(), &custom_id, &issued],
            )
            .await?;
        match existing.first() {
            Some(row) => Ok(Created::Existing(rows::identity(identity_columns(row))?)),
            None => Err(StoreError::Unavailable(
                "the identity with that custom id changed meanwhile; retry".into(),
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

    async fn revoke_tokens_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Option<RevocationEpoch>, StoreError> {
        let rows = self
            .query(
                "WITH revoked AS (
                   UPDATE identities SET revocation_epoch = revocation_epoch + 1
                   WHERE id = $1 AND deleted_at IS NULL
                   RETURNING resource_id, id, custom_id, revocation_epoch),
                 event AS (
                   INSERT INTO identity_events (resource_id, kind, identity_id, custom_id, at, actor)
                   SELECT resource_id, $2, id, custom_id, $3, $4 FROM revoked)
                 SELECT revocation_epoch FROM revoked",
                &[
                    &id.to_string(),
                    &EventKind::TokensRevoked.code(),
                    &Timestamp::now().micros(),
                    &actor,
                ],
            )
            .await?;
        Ok(rows.first().map(|r| RevocationEpoch::from_i64(r.get(0))))
    }

    async fn delete_identity_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Deleted, StoreError> {
        // `target` sees the row before the update: its custom id goes into
        // the event. A concurrent second delete changes nothing and records
        // nothing.
        let rows = self
            .query(
                "WITH target AS (SELECT id, resource_id, custom_id FROM identities WHERE id = $1),
                      changed AS (
                        UPDATE identities SET deleted_at = $2, custom_id = NULL, last_token_issued_at = NULL,
                               revocation_epoch = revocation_epoch + 1
                        WHERE id = $1 AND deleted_at IS NULL RETURNING id),
                      event AS (
                        INSERT INTO identity_events (resource_id, kind, identity_id, custom_id, at, actor)
                        SELECT t.resource_id, $3, t.id, t.custom_id, $2, $5 FROM target t JOIN changed USING (id)),
                      counted AS (
                        INSERT INTO identity_counts (resource_id, shard, live)
                        SELECT t.resource_id, $4, -1 FROM target t JOIN changed USING (id)
                        ON CONFLICT (resource_id, shard) DO UPDATE SET live = identity_counts.live - 1)
                 SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM target)",
                &[
                    &id.to_string(),
                    &Timestamp::now().micros(),
                    &EventKind::Deleted.code(),
                    &events::shard(),
                    &actor,
                ],
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

    async fn list_identities(&self, query: &ListQuery) -> Result<IdentityPage, StoreError> {
        directory::list(self, query).await
    }

    async fn count_identities(
        &self,
        resource: ResourceId,
        filter: &ListFilter,
    ) -> Result<u64, StoreError> {
        directory::count(self, resource, filter).await
    }

    async fn identity_events(
        &self,
        resource: ResourceId,
        after: FeedPosition,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        events::read(self, resource, after, limit).await
    }

    async fn feed_end(&self) -> Result<FeedPosition, StoreError> {
        events::end(self).await
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        events::prune(self, cutoff).await
    }

    async fn paging_secret(&self) -> Result<Secret, StoreError> {
        let fresh = rows::sealed_paging_secret(&self.vault, &crate::storage::fresh_secret())?;
        let stored = self
            .query(
                "WITH made AS (
                   INSERT INTO commid_settings (name, value) VALUES ('paging_secret', $1)
                   ON CONFLICT (name) DO NOTHING RETURNING value)
                 SELECT value FROM made
                 UNION ALL SELECT value FROM commid_settings WHERE name = 'paging_secret'",
                &[&fresh],
            )
            .await?;
        if let Some(row) = stored.first() {
            return rows::paging_secret(row.get(0), &self.vault);
        }
        // Another instance made it while this statement ran: read theirs.
        let stored = self
            .query(
                "SELECT value FROM commid_settings WHERE name = 'paging_secret'",
                &[],
            )
            .await?;
        let row = stored
            .first()
            .ok_or_else(|| StoreError::Internal("no paging secret".into()))?;
        rows::paging_secret(row.get(0), &self.vault)
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
        rows.iter()
            .map(|r| rows::signing_key(signing_key_columns(r), &self.vault))
            .collect()
    }

    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError> {
        let pem = rows::sealed_signing_key(&self.vault, &key)?;
        self.deadline(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(map_err)?;
            tx.execute("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL", &[&key.created_at.micros()])
                .await
                .map_err(map_err)?;
            tx.execute(
                "INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at) VALUES ($1, $2, $3, $4)",
                &[&key.kid, &pem, &key.created_at.micros(), &key.retired_at.map(|t| t.micros())],
            )
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)
        })
        .await
    }

    async fn sealed_values(&self) -> Result<Vec<StoredValue>, StoreError> {
        sealed_values(self).await
    }

    async fn replace_sealed(&self, value: &StoredValue, text: String) -> Result<bool, StoreError> {
        replace_sealed(self, value, text).await
    }

    fn probes(&self) -> StoreProbes {
        let pool = self.pool.clone();
        let lag = self.feed_lag_micros.clone();
        StoreProbes {
            feed_lag: Some(std::sync::Arc::new(move || {
                lag.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
            })),
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
