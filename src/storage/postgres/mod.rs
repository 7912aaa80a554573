//! The shared store for several instances: PostgreSQL through a bounded
//! connection pool. Every operation has a deadline, so an unreachable
//! database answers `Unavailable` (503 with Retry-After) instead of hanging.

mod schema;
mod store;
mod touches;

use super::rows::{IdentityColumns, ResourceColumns};
use super::touches::Touches;
use super::{StoreError, StoredSigningKey};
use crate::domain::{Secret, Timestamp};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{NoTls, Row};

#[derive(Debug, Clone)]
pub struct PgOptions {
    pub url: Secret,
    pub pool_size: usize,
    /// Deadline of one store operation, connecting included.
    pub timeout: Duration,
}

pub struct PostgresStore {
    pool: Pool,
    timeout: Duration,
    /// `lastTokenIssuedAt` times waiting for the next flush (`touches.rs`).
    touches: Arc<Touches>,
}

const IDENTITY_COLUMNS: &str =
    "id, external_id, created_at, last_token_issued_at, revocation_epoch, deleted_at";

impl PostgresStore {
    /// Connects, and applies pending migrations.
    pub async fn connect(options: &PgOptions) -> Result<Self, StoreError> {
        let store = Self::pool_only(options)?;
        let mut client = store.client().await?;
        store.deadline(schema::migrate(&mut client)).await?;
        touches::start(
            store.pool.clone(),
            store.timeout,
            Arc::downgrade(&store.touches),
        );
        Ok(store)
    }

    /// Applies pending migrations and says how many ran.
    pub async fn migrate(options: &PgOptions) -> Result<usize, StoreError> {
        let store = Self::pool_only(options)?;
        let mut client = store.client().await?;
        store.deadline(schema::migrate(&mut client)).await
    }

    fn pool_only(options: &PgOptions) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config =
            options.url.expose().parse().map_err(|e| {
                StoreError::Unavailable(format!("the database URL is invalid: {e}"))
            })?;
        config.connect_timeout(options.timeout);
        config.keepalives(true);
        let statement_timeout = format!("-c statement_timeout={}", options.timeout.as_millis());
        let merged = match config.get_options() {
            Some(existing) => format!("{existing} {statement_timeout}"),
            None => statement_timeout,
        };
        config.options(merged);
        config.application_name("commid");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot build the connection pool: {e}")))?;
        Ok(PostgresStore {
            pool,
            timeout: options.timeout,
            touches: Arc::default(),
        })
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(format!("no database connection: {e}")))
    }

    async fn deadline<T>(
        &self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout(self.timeout * 2, work)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Unavailable(
                    "the database did not answer in time".into(),
                ))
            })
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        self.deadline(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(sql).await.map_err(map_err)?;
            client.query(&stmt, params).await.map_err(map_err)
        })
        .await
    }
}

pub(crate) fn map_err(e: tokio_postgres::Error) -> StoreError {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(e.to_string()),
        Some(code)
            if *code == SqlState::QUERY_CANCELED
                || code.code().starts_with("08")
                || code.code().starts_with("57") =>
        {
            StoreError::Unavailable(e.to_string())
        }
        Some(_) => StoreError::Internal(e.to_string()),
        None => StoreError::Unavailable(e.to_string()),
    }
}

fn resource_columns(r: &Row) -> ResourceColumns {
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))
}

fn identity_columns(r: &Row) -> IdentityColumns {
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5))
}

fn signing_key(r: &Row) -> StoredSigningKey {
    StoredSigningKey {
        kid: r.get(0),
        private_key_pem: Secret::new(r.get::<_, String>(1)),
        created_at: Timestamp::from_micros(r.get(2)),
        retired_at: r.get::<_, Option<i64>>(3).map(Timestamp::from_micros),
    }
}
