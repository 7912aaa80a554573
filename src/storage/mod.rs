//! Storage: one trait sized to what the handlers and commands need, one
//! implementation per backend. Every backend passes the same suite
//! (`tests/storage_suite.rs`).

pub mod assignments;
mod listing;
mod measured;
pub mod postgres;
mod records;
pub mod roles;
mod rows;
pub mod sealing;
pub mod sqlite;
pub mod subscriptions;
mod touches;

pub use assignments::{AssignmentChange, AssignmentStore, Put};
pub use records::{
    Created, Deleted, EventsRead, IdentityEvent, IdentityPage, IdentityRecord, ListQuery,
    NewIdentity, StoredSigningKey, TokenState,
};
pub use roles::RoleStore;
pub use sealing::StoredValue;
pub use subscriptions::{
    LeaseOwner, NewSubscription, Progress, StoredSubscription, SubscriptionCounts,
    SubscriptionStore,
};

use crate::domain::{
    AccessKey, FeedPosition, IdentityId, KeySlot, ListFilter, Resource, ResourceId,
    RevocationEpoch, Secret, Timestamp,
};
use crate::vault::Vault;
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;

/// 32 random bytes, base64: a new paging secret, kept if none exists yet.
fn fresh_secret() -> Secret {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system's random source");
    Secret::new(base64::engine::general_purpose::STANDARD.encode(bytes))
}
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

/// Opens the store `database` names, applying pending migrations; it seals
/// and opens secrets with `vault`. The one place that chooses a backend.
pub async fn open(
    database: &Database,
    opener: Opener,
    vault: &Vault,
) -> Result<Arc<dyn Store>, StoreError> {
    let vault = vault.clone();
    match (database, opener) {
        (Database::Sqlite(dir), Opener::Server { write_queue }) => Ok(Arc::new(
            sqlite::SqliteStore::open_with_queue(dir, sqlite::Access::Exclusive, write_queue)?
                .with_vault(vault),
        )),
        (Database::Sqlite(dir), Opener::Command) => {
            if !dir.join(sqlite::FILE_NAME).exists() {
                return Err(StoreError::Unavailable(format!(
                    "no commid database in {}: run `commid serve` once, or pass --data-dir or --database-url",
                    dir.display()
                )));
            }
            Ok(Arc::new(
                sqlite::SqliteStore::open(dir, sqlite::Access::Shared)?.with_vault(vault),
            ))
        }
        (Database::Postgres(options), _) => Ok(Arc::new(
            postgres::PostgresStore::connect(options)
                .await?
                .with_vault(vault),
        )),
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

#[async_trait]
pub trait Store: AssignmentStore + SubscriptionStore + RoleStore + Send + Sync + 'static {
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
    /// custom id (get-or-create, atomically). A new identity is counted and
    /// its `created` event recorded in the same write.
    async fn create_identity(&self, new: NewIdentity) -> Result<Created, StoreError>;
    /// Deleted identities are returned too, as tombstones.
    async fn identity(&self, id: IdentityId) -> Result<Option<IdentityRecord>, StoreError>;
    /// What issuing and verifying a token read: [`Self::identity`]'s state,
    /// never staler than the last revoke or delete this store answered (a
    /// store may serve it from memory when that holds). `None` when the
    /// identity does not exist.
    async fn token_state(&self, id: IdentityId) -> Result<Option<TokenState>, StoreError> {
        Ok(self.identity(id).await?.as_ref().map(TokenState::of))
    }
    /// The epoch `id`'s tokens are issued under now, from
    /// [`Self::token_state`]; `None` when it does not exist or is deleted.
    async fn live_epoch(&self, id: IdentityId) -> Result<Option<RevocationEpoch>, StoreError> {
        Ok(self.token_state(id).await?.and_then(TokenState::live_epoch))
    }
    /// Raises the revocation epoch of a live identity and returns the new
    /// value (recording a `tokensRevoked` event); `None` when the identity
    /// does not exist or is deleted.
    async fn revoke_tokens(&self, id: IdentityId) -> Result<Option<RevocationEpoch>, StoreError> {
        self.revoke_tokens_by(id, None).await
    }
    /// [`Self::revoke_tokens`], its event naming who did it (`key:primary`,
    /// a principal and its issuer).
    async fn revoke_tokens_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Option<RevocationEpoch>, StoreError>;
    /// Turns a live identity into a tombstone, revoking its tokens, and
    /// records a `deleted` event.
    async fn delete_identity(&self, id: IdentityId) -> Result<Deleted, StoreError> {
        self.delete_identity_by(id, None).await
    }
    /// [`Self::delete_identity`], its event naming who did it.
    async fn delete_identity_by(
        &self,
        id: IdentityId,
        actor: Option<String>,
    ) -> Result<Deleted, StoreError>;
    /// A page of the live identities `query` asks for, in id order (creation
    /// order); examines a bounded number of rows, so a page may be short
    /// while `resume_after` says more may follow.
    async fn list_identities(&self, query: &ListQuery) -> Result<IdentityPage, StoreError>;
    /// How many live identities of `resource` pass `filter`; without filters
    /// a maintained counter, not a scan.
    async fn count_identities(
        &self,
        resource: ResourceId,
        filter: &ListFilter,
    ) -> Result<u64, StoreError>;
    /// The events of `resource` after `after`, in feed order, at most `limit`;
    /// `Expired` when events after `after` were pruned by retention.
    async fn identity_events(
        &self,
        resource: ResourceId,
        after: FeedPosition,
        limit: usize,
    ) -> Result<EventsRead, StoreError>;
    /// The feed's current end: a reader starting here sees only what
    /// happens next.
    async fn feed_end(&self) -> Result<FeedPosition, StoreError>;
    /// Deletes events older than `cutoff` (the oldest first, in bounded
    /// batches); says how many went.
    async fn prune_events(&self, cutoff: Timestamp) -> Result<u64, StoreError>;
    /// The secret that signs continuation tokens and feed cursors, shared by
    /// every instance on the database; made on first use.
    async fn paging_secret(&self) -> Result<Secret, StoreError>;
    /// Notes when a token was last issued. Informational: written within a
    /// fraction of a second, and not awaited by the caller.
    fn token_issued(&self, id: IdentityId, at: Timestamp);
    /// Writes the token times gathered since the last flush now, and waits
    /// for them: what a graceful stop calls last.
    async fn flush_token_times(&self) -> Result<(), StoreError>;

    async fn signing_keys(&self) -> Result<Vec<StoredSigningKey>, StoreError>;
    /// Adds a key and retires every other unretired key as of its creation.
    async fn insert_signing_key(&self, key: StoredSigningKey) -> Result<(), StoreError>;

    /// Every value of the sealed columns ([`sealing::COLUMNS`]) as stored,
    /// sealed or plaintext: for [`sealing::census`] and [`sealing::reseal`].
    async fn sealed_values(&self) -> Result<Vec<StoredValue>, StoreError>;
    /// Stores `text` in place of `value` if the row still holds what was
    /// read (compare and set); says whether it did.
    async fn replace_sealed(&self, value: &StoredValue, text: String) -> Result<bool, StoreError>;

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
    /// Seconds the change feed is behind: how long the last events numbered
    /// had waited for their number (PostgreSQL; SQLite numbers as it commits).
    pub feed_lag: Option<Arc<dyn Fn() -> f64 + Send + Sync>>,
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
