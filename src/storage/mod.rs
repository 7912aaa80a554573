//! Storage: one trait sized to what the handlers and commands need, one
//! implementation per backend. Every backend passes the same suite
//! (`tests/storage_suite.rs`).

mod measured;
pub mod postgres;
mod rows;
pub mod sqlite;
mod touches;

use crate::domain::{
    AccessKey, ExternalId, IdentityId, KeySlot, Resource, ResourceId, RevocationEpoch, Secret,
    Timestamp,
};
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;

pub use measured::MeasuredStore;

/// Which backend holds the data, and where.
#[derive(Debug, Clone)]
pub enum Database {
    /// `commid.sqlite3` in this directory: one server.
    Sqlite(PathBuf),
    /// A shared PostgreSQL database: any number of servers.
    Postgres(postgres::PgOptions),
}

impl Database {
    /// The backend's name, as the metrics label it.
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

/// Who opens the store, which decides what it may share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    /// A server: the only one on a SQLite database, with room for
    /// `write_queue` SQLite writes waiting for the writer.
    Server { write_queue: usize },
    /// An administrative command, which may run beside servers and needs a
    /// database that exists already.
    Command,
}

/// Opens the store `database` names, applying pending migrations. The one
/// place that chooses a backend.
pub async fn open(database: &Database, opener: Opener) -> Result<Arc<dyn Store>, StoreError> {
    match (database, opener) {
        (Database::Sqlite(dir), Opener::Server { write_queue }) => Ok(Arc::new(
            sqlite::SqliteStore::open_with_queue(dir, sqlite::Access::Exclusive, write_queue)?,
        )),
        (Database::Sqlite(dir), Opener::Command) => {
            if !dir.join(sqlite::FILE_NAME).exists() {
                return Err(StoreError::Unavailable(format!(
                    "no commid database in {}: run `commid serve` once, or pass --data-dir or --database-url",
                    dir.display()
                )));
            }
            Ok(Arc::new(sqlite::SqliteStore::open(
                dir,
                sqlite::Access::Shared,
            )?))
        }
        (Database::Postgres(options), _) => {
            Ok(Arc::new(postgres::PostgresStore::connect(options).await?))
        }
    }
}

/// Applies pending migrations (creating a SQLite database and its directory
/// if needed) and says how many ran.
pub async fn migrate(database: &Database) -> Result<usize, StoreError> {
    match database {
        Database::Sqlite(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
            sqlite::SqliteStore::migrate(dir)
        }
        Database::Postgres(options) => postgres::PostgresStore::migrate(options).await,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The write queue is full: the caller should retry shortly.
    Busy,
    /// The database cannot be reached or is locked.
    Unavailable(String),
    /// A uniqueness rule was broken (for example a resource name in use).
    Conflict(String),
    Internal(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Busy => f.write_str("the write queue is full"),
            StoreError::Unavailable(m) => write!(f, "the database is unavailable: {m}"),
            StoreError::Conflict(m) => write!(f, "conflict: {m}"),
            StoreError::Internal(m) => write!(f, "database error: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// An identity as stored. A deleted identity stays as a tombstone: its id,
/// resource and revocation state, and nothing personal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    pub id: IdentityId,
    pub external_id: Option<ExternalId>,
    pub created_at: Timestamp,
    pub last_token_issued_at: Option<Timestamp>,
    /// Raised by every revoke; a token carries the value it was issued under.
    pub revocation_epoch: RevocationEpoch,
    pub deleted_at: Option<Timestamp>,
}

impl IdentityRecord {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub id: IdentityId,
    pub external_id: Option<ExternalId>,
    pub created_at: Timestamp,
    /// Set when the identity is created together with a token.
    pub token_issued_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New(IdentityRecord),
    /// An identity with the same external id already existed.
    Existing(IdentityRecord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Now,
    Already,
    NotFound,
}

/// A token signing key. `retired_at` is set when a newer key takes over; a
/// retired key is still published until every token it signed has expired.
#[derive(Debug, Clone)]
pub struct StoredSigningKey {
    pub kid: String,
    pub private_key_pem: Secret,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Succeeds when the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    async fn resources(&self) -> Result<Vec<Resource>, StoreError>;
    /// Fails with `Conflict` when the name is taken.
    async fn insert_resource(&self, resource: Resource) -> Result<(), StoreError>;
    /// Returns false when no resource has that id.
    async fn replace_key(
        &self,
        id: ResourceId,
        slot: KeySlot,
        key: AccessKey,
    ) -> Result<bool, StoreError>;

    /// Creates the identity, or returns the live one that already has its
    /// external id (get-or-create, atomically).
    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError>;
    /// Deleted identities are returned too, as tombstones.
    async fn identity(&self, id: IdentityId) -> Result<Option<IdentityRecord>, StoreError>;
    /// Raises the revocation epoch of a live identity and returns the new
    /// value; `None` when the identity does not exist or is deleted.
    async fn revoke_tokens(&self, id: IdentityId) -> Result<Option<RevocationEpoch>, StoreError>;
    /// Turns a live identity into a tombstone, revoking its tokens.
    async fn delete_identity(&self, id: IdentityId) -> Result<Deleted, StoreError>;
    /// Notes when a token was last issued. Informational: written within a
    /// fraction of a second, and not awaited by the caller.
    fn token_issued(&self, id: IdentityId, at: Timestamp);
    /// Writes the token times gathered since the last flush now, and waits
    /// for them: what a graceful stop calls last.
    async fn flush_token_times(&self) -> Result<(), StoreError>;

    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError>;
    /// Adds a key and retires every other unretired key as of its creation.
    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError>;

    /// What the backend shows the metrics; nothing unless it says otherwise.
    fn probes(&self) -> StoreProbes {
        StoreProbes::default()
    }
}

/// What a backend lets the metrics read at scrape time: its write queue,
/// its group commits and its connections.
#[derive(Clone, Default)]
pub struct StoreProbes {
    /// SQLite: writes waiting for the writer thread.
    pub write_queue_depth: Option<Arc<std::sync::atomic::AtomicI64>>,
    /// SQLite: how many writes each group commit made durable.
    pub group_commit_writes: Option<prometheus_client::metrics::histogram::Histogram>,
    /// The connections' state now.
    pub pool: Option<Arc<dyn Fn() -> PoolUsage + Send + Sync>>,
}

/// Database connections of this server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolUsage {
    pub idle: usize,
    pub in_use: usize,
    /// The most the pool opens, when it has a limit.
    pub max: Option<usize>,
    /// Callers waiting for a connection, when the pool queues them.
    pub waiting: Option<usize>,
}
