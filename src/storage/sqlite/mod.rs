//! The embedded store: one SQLite file in WAL mode.

mod assignments;
pub mod backup;
mod directory;
mod events;
mod identities;
mod readers;
mod roles;
mod rows;
mod schema;
mod subscriptions;
pub use schema::SCHEMA_VERSION;
mod token_states;
mod touches;
mod writer;

use super::{
    Created, Deleted, EventsRead, IdentityPage, IdentityRecord, ListQuery, NewIdentity, Store,
    StoreError, StoreProbes, StoredSigningKey, StoredValue, TokenState,
};
use crate::domain::{
    AccessKey, FeedPosition, IdentityId, KeySlot, ListFilter, Resource, ResourceId,
    RevocationEpoch, Secret, Timestamp,
};
use crate::storage::rows as convert;
use crate::vault::Vault;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use std::fs::File;
use std::path::{Path, PathBuf};

pub struct SqliteStore {
    writer: writer::Writer,
    readers: readers::Readers,
    touches: std::sync::Arc<crate::storage::touches::Touches>,
    token_states: std::sync::Arc<token_states::TokenStates>,
    /// Seals and opens the secrets (`storage/rows.rs`).
    vault: Vault,
    /// Held for the life of a serving store: one server per database.
    _lock: Option<File>,
}

/// Who else may use the database while this store is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A server: refuses to open while another server holds the database.
    Exclusive,
    /// An administrative command, which may run beside a server.
    Shared,
}

/// Writes that may wait for the writer by default.
pub const DEFAULT_WRITE_QUEUE: usize = 8192;
pub const FILE_NAME: &str = "commid.sqlite3";
/// The file a server holds locked while it runs on the data dir.
pub const LOCK_FILE: &str = "commid.lock";

impl SqliteStore {
    /// Opens (creating if needed) `dir/commid.sqlite3` and applies pending
    /// migrations.
    pub fn open(dir: &Path, access: Access) -> Result<Self, StoreError> {
        Self::open_with_queue(dir, access, DEFAULT_WRITE_QUEUE)
    }

    /// [`Self::open`] with room for `queue` writes waiting for the writer;
    /// past that, writes are refused with `Busy` (503) instead of queueing.
    pub fn open_with_queue(dir: &Path, access: Access, queue: usize) -> Result<Self, StoreError> {
        let path = dir.join(FILE_NAME);
        let lock = match access {
            Access::Exclusive => Some(lock(dir)?),
            Access::Shared => None,
        };
        let mut conn = Connection::open(&path).map_err(map_err)?;
        schema::configure(&conn).map_err(map_err)?;
        schema::migrate(&mut conn)?;
        if access == Access::Exclusive {
            subscriptions::release_leases(&conn).map_err(map_err)?;
        }
        let writer = writer::Writer::start(conn, queue);
        Ok(SqliteStore {
            touches: touches::start(writer.clone()),
            writer,
            readers: readers::Readers::new(path),
            token_states: Default::default(),
            vault: Vault::none(),
            _lock: lock,
        })
    }

    /// This store, sealing and opening secrets with `vault` (without one,
    /// it keeps them in plaintext).
    pub fn with_vault(mut self, vault: Vault) -> Self {
        self.vault = vault;
        self
    }

    /// Applies pending migrations and says how many ran.
    pub fn migrate(dir: &Path) -> Result<usize, StoreError> {
        let mut conn = Connection::open(dir.join(FILE_NAME)).map_err(map_err)?;
        schema::configure(&conn).map_err(map_err)?;
        schema::migrate(&mut conn)
    }
}

fn lock(dir: &Path) -> Result<File, StoreError> {
    let path: PathBuf = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Unavailable(format!(
            "another commid server is using the data dir {}. Stop it, choose another --data-dir, \
             or run several instances on PostgreSQL (--database-url postgres://…)",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Unavailable(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::*;
    match e.sqlite_error_code() {
        Some(
            DatabaseBusy | DatabaseLocked | CannotOpen | ReadOnly | DiskFull | SystemIoFailure,
        ) => StoreError::Unavailable(e.to_string()),
        Some(ConstraintViolation) => StoreError::Conflict(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.readers
            .read(|c| c.query_row("SELECT 1", [], |_| Ok(())))
    }

    async fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        let rows = self.readers.read(|c| {
            let mut stmt = c.prepare_cached(rows::RESOURCE_SELECT)?;
            stmt.query_map([], rows::resource_row)?
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter()
            .map(|row| convert::resource(row, &self.vault))
            .collect()
    }

    async fn insert_resource(&self, r: Resource) -> Result<(), StoreError> {
        let primary = convert::sealed_key(&self.vault, r.id, KeySlot::Primary, &r.primary_key)?;
        let secondary =
            convert::sealed_key(&self.vault, r.id, KeySlot::Secondary, &r.secondary_key)?;
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO resources (id, name, location, endpoint, primary_key, secondary_key, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        r.id.to_string(),
                        r.name.as_str(),
                        r.location.as_str(),
                        r.endpoint.as_str(),
                        primary,
                        secondary,
                        Timestamp::now().micros()
                    ],
                )
                .map(drop)
                .map_err(map_err)
            })
            .await
    }

    async fn replace_key(
        &self,
        id: ResourceId,
        slot: KeySlot,
        key: AccessKey,
    ) -> Result<bool, StoreError> {
        let sql = match slot {
            KeySlot::Primary => "UPDATE resources SET primary_key = ?1 WHERE id = ?2",
            KeySlot::Secondary => "UPDATE resources SET secondary_key = ?1 WHERE id = ?2",
        };
        let stored = convert::sealed_key(&self.vault, id, slot, &key)?;
        self.writer
            .write(move |c| {
                c.execute(sql, params![stored, id.to_string()])
                    .map(|n| n == 1)
                    .map_err(map_err)
            })
            .await
    }

    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError> {
        self.writer.write(move |c| identities::create(c, new)).await
    }

    async fn identity(&self, id: IdentityId) -> Result<Option<IdentityRecord>, StoreError> {
        let row = self.readers.read(|c| {
            c.prepare_cached(rows::IDENTITY_BY_ID)?
                .query_row([id.to_string()], rows::identity_row)
                .optional()
        })?;
        row.map(crate::storage::rows::identity).transpose()
    }

    async fn token_state(&self, id: IdentityId) -> Result<Option<TokenState>, StoreError> {
        let miss = match self.token_states.get(id) {
            Ok(state) => return Ok(Some(state)),
            Err(miss) => miss,
        };
        let state = self.identity(id).await?.as_ref().map(TokenState::of);
        if let Some(state) = state {
            self.token_states.keep(id, state, miss);
        }
        Ok(state)
    }

    async fn revoke_tokens_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Option<RevocationEpoch>, StoreError> {
        let states = self.token_states.clone();
        // Forgotten on the writer thread, whatever the commit's outcome (a
        // failed commit may still have landed) and whether or not this
        // future is still awaited.
        self.writer
            .write_then(
                move |c| identities::revoke(c, id, actor.as_deref()),
                move || states.forget(id),
            )
            .await
    }

    async fn delete_identity_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Deleted, StoreError> {
        let states = self.token_states.clone();
        self.writer
            .write_then(
                move |c| identities::delete(c, id, actor.as_deref()),
                move || states.forget(id),
            )
            .await
    }

    async fn list_identities(&self, query: &ListQuery) -> Result<IdentityPage, StoreError> {
        let rows = self.readers.read(|c| directory::list(c, query))?;
        directory::page(query, rows)
    }

    async fn count_identities(
        &self,
        resource: ResourceId,
        filter: &ListFilter,
    ) -> Result<u64, StoreError> {
        self.readers.read(|c| directory::count(c, resource, filter))
    }

    async fn identity_events(
        &self,
        resource: ResourceId,
        after: FeedPosition,
        limit: usize,
    ) -> Result<EventsRead, StoreError> {
        self.readers
            .read(|c| events::read(c, resource, after, limit))?
    }

    async fn feed_end(&self) -> Result<FeedPosition, StoreError> {
        self.readers.read(events::end)
    }

    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError> {
        let mut pruned = 0;
        loop {
            let batch = self
                .writer
                .write(move |c| events::prune_batch(c, cutoff))
                .await?;
            pruned += batch as u64;
            if batch == 0 {
                return Ok(pruned);
            }
        }
    }

    async fn paging_secret(&self) -> Result<Secret, StoreError> {
        let fresh = convert::sealed_paging_secret(&self.vault, &crate::storage::fresh_secret())?;
        let stored = self
            .writer
            .write(move |c| events::paging_secret(c, &fresh))
            .await?;
        convert::paging_secret(&stored, &self.vault)
    }

    fn token_issued(&self, id: IdentityId, at: Timestamp) {
        self.touches.record(id, at);
    }

    async fn flush_token_times(&self) -> Result<(), StoreError> {
        let batch = self.touches.take();
        if batch.is_empty() {
            return Ok(());
        }
        self.writer.write(move |c| touches::write(c, batch)).await
    }

    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows = self.readers.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT kid, private_key_pem, created_at, retired_at FROM signing_keys ORDER BY created_at",
            )?;
            stmt.query_map([], rows::signing_key_row)?
                .collect::<Result<Vec<_>, _>>()
        })?;
        rows.into_iter()
            .map(|row| convert::signing_key(row, &self.vault))
            .collect()
    }

    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError> {
        let pem = convert::sealed_signing_key(&self.vault, &key)?;
        self.writer
            .write(move |c| {
                c.execute(
                    "UPDATE signing_keys SET retired_at = ?1 WHERE retired_at IS NULL",
                    [key.created_at.micros()],
                )
                .and_then(|_| {
                    c.execute(
                        "INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at) VALUES (?1, ?2, ?3, ?4)",
                        params![
                            key.kid,
                            pem,
                            key.created_at.micros(),
                            key.retired_at.map(|t| t.micros())
                        ],
                    )
                })
                .map(drop)
                .map_err(map_err)
            })
            .await
    }

    async fn sealed_values(&self) -> Result<Vec<StoredValue>, StoreError> {
        self.readers.read(rows::sealed_values)
    }

    async fn replace_sealed(&self, value: &StoredValue, text: String) -> Result<bool, StoreError> {
        let value = value.clone();
        self.writer
            .write(move |c| rows::replace_sealed(c, &value, &text))
            .await
    }

    fn probes(&self) -> StoreProbes {
        let stats = self.writer.stats();
        let readers = self.readers.counts();
        StoreProbes {
            write_queue_depth: Some(stats.depth.clone()),
            group_commit_writes: Some(stats.group_writes.clone()),
            pool: Some(std::sync::Arc::new(move || readers.usage())),
            // Numbered as they commit: never behind.
            feed_lag: Some(std::sync::Arc::new(|| 0.0)),
        }
    }
}
