//! The shared store for several instances: PostgreSQL through a bounded
//! connection pool. Every operation has a deadline, so an unreachable
//! database answers `Unavailable` (503 with Retry-After) instead of hanging.

mod assignments;
mod directory;
mod driver;
mod events;
mod retry;
mod roles;
mod schema;
pub use schema::SCHEMA_VERSION;
mod store;
mod subscriptions;
mod tls;
mod touches;

use super::rows::{IdentityColumns, ResourceColumns, SigningKeyColumns};
use super::touches::Touches;
use super::{StoreError, StoredValue, sealing};
use crate::domain::Secret;
use crate::vault::Vault;
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
    /// Microseconds the oldest event of the last sequencer run had waited.
    feed_lag_micros: Arc<std::sync::atomic::AtomicI64>,
    /// Seals and opens the secrets (`storage/rows.rs`).
    vault: Vault,
}

const IDENTITY_COLUMNS: &str =
    "id, custom_id, created_at, last_token_issued_at, revocation_epoch, deleted_at";

/// The server-side bounds of every session: a statement ends at the
/// store's timeout, and a session that sits in an open transaction for
/// twice that is ended by PostgreSQL itself. commid's transactions never
/// wait between statements (each operation has its deadline), so only a
/// frozen or cut-off instance is ever ended, and the locks it holds, such
/// as the change feed's sequencer lock that every instance needs, are
/// freed instead of stalling the feed for all of them.
fn session_timeouts(timeout: std::time::Duration) -> String {
    format!(
        "-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
        timeout.as_millis(),
        timeout.as_millis() * 2
    )
}

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
        let (mut config, tls) = tls::configure(options.url.expose())?;
        config.connect_timeout(options.timeout);
        config.keepalives(true);
        let timeouts = session_timeouts(options.timeout);
        let merged = match config.get_options() {
            Some(existing) => format!("{existing} {timeouts}"),
            None => timeouts,
        };
        config.options(merged);
        config.application_name("commid");
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let driver = driver::Driver::start()
            .map_err(|e| StoreError::Internal(format!("cannot start the database driver: {e}")))?;
        let manager = match tls {
            Some(tls) => {
                Manager::from_connect(config, driver::OnDriver { tls, driver }, manager_config)
            }
            None => Manager::from_connect(
                config,
                driver::OnDriver { tls: NoTls, driver },
                manager_config,
            ),
        };
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
            feed_lag_micros: Arc::default(),
            vault: Vault::none(),
        })
    }

    /// This store, sealing and opening secrets with `vault` (without one,
    /// it keeps them in plaintext).
    pub fn with_vault(mut self, vault: Vault) -> Self {
        self.vault = vault;
        self
    }

    pub(super) async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| {
            StoreError::Unavailable(format!("no database connection: {}", tls::describe(&e)))
        })
    }

    pub(super) async fn deadline<T>(
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

    /// Runs one statement. A read (`SELECT`) whose connection was lost
    /// (the server ended it, a restart, a network cut) runs once more on
    /// another one: the client never sees an error the pool could hide.
    pub(super) async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        self.deadline(async {
            match self.query_once(sql, params).await {
                Err(retry::Attempt::Lost(e)) if retry::is_read(sql) => {
                    log::info!("a database connection was lost ({e}); running the read again");
                    self.query_once(sql, params).await.map_err(StoreError::from)
                }
                done => done.map_err(StoreError::from),
            }
        })
        .await
    }

    async fn query_once(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, retry::Attempt> {
        let client = self.client().await.map_err(retry::Attempt::Store)?;
        let ran = match client.prepare_cached(sql).await {
            Ok(stmt) => client.query(&stmt, params).await,
            Err(e) => Err(e),
        };
        let ran = ran.map_err(retry::Attempt::from);
        if let Err(retry::Attempt::Lost(_)) = &ran {
            // Not back into the pool, even before its task notices the end;
            // and the idle ones go too: a restart or an administrator ends
            // them all at once, and a retry must get a new connection.
            drop(Object::take(client));
            drop(self.pool.retain(|_, _| false));
        }
        ran
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

fn signing_key_columns(r: &Row) -> SigningKeyColumns {
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

/// Every value of the sealed columns, as stored.
async fn sealed_values(store: &PostgresStore) -> Result<Vec<StoredValue>, StoreError> {
    let mut values = Vec::new();
    for &column in sealing::COLUMNS {
        for r in store.query(&column.select_sql(), &[]).await? {
            values.push(StoredValue {
                column,
                row: r.get(0),
                text: Secret::new(r.get::<_, String>(1)),
            });
        }
    }
    Ok(values)
}

async fn replace_sealed(
    store: &PostgresStore,
    value: &StoredValue,
    text: String,
) -> Result<bool, StoreError> {
    let sql = format!(
        "{} RETURNING {}",
        value.column.update_sql(|n| format!("${n}")),
        value.column.key
    );
    let replaced = store
        .query(&sql, &[&text, &value.row, &value.text.expose()])
        .await?;
    Ok(!replaced.is_empty())
}

/// TLS against the server of `COMMID_TEST_POSTGRES_URL`.
#[cfg(test)]
mod tls_tests {
    use super::*;

    fn base_url(test: &str) -> Option<String> {
        let url = std::env::var("COMMID_TEST_POSTGRES_URL").ok();
        if url.is_none() {
            assert!(
                std::env::var("COMMID_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "COMMID_REQUIRE_POSTGRES=1 but COMMID_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipped {test}: set COMMID_TEST_POSTGRES_URL=postgres://… to run it");
        }
        url
    }

    fn store(url: &url::Url) -> PostgresStore {
        PostgresStore::pool_only(&PgOptions {
            url: Secret::new(url.as_str()),
            pool_size: 1,
            timeout: Duration::from_millis(1000),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn require_without_a_trusted_certificate_fails_in_time_and_says_why() {
        let Some(base) = base_url("require_without_a_trusted_certificate") else {
            return;
        };
        let mut url = url::Url::parse(&base).unwrap();
        url.query_pairs_mut().append_pair("sslmode", "require");
        let started = std::time::Instant::now();
        let Err(StoreError::Unavailable(text)) = store(&url).client().await else {
            panic!("a server without TLS, or with a certificate no system CA signed, is refused");
        };
        assert!(started.elapsed() < Duration::from_secs(4), "{text}");
        assert!(
            text.contains("server does not support TLS") || text.contains("sslrootcert=FILE"),
            "{text}"
        );
        assert!(!text.contains("postgres://"), "{text}");
        if let Some(password) = url.password() {
            assert!(!text.contains(password), "{text}");
        }
    }

    #[tokio::test]
    async fn a_server_that_never_answers_the_tls_request_times_out() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let url = format!("postgres://u:hunter2@localhost:{port}/db?sslmode=require");
        let started = std::time::Instant::now();
        let Err(StoreError::Unavailable(text)) =
            store(&url::Url::parse(&url).unwrap()).client().await
        else {
            panic!("a silent server gives no connection");
        };
        assert!(started.elapsed() < Duration::from_secs(3), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        silent.abort();
    }

    #[tokio::test]
    async fn sslrootcert_makes_a_verified_tls_connection() {
        let Some(base) = base_url("sslrootcert_makes_a_verified_tls_connection") else {
            return;
        };
        let mut url = url::Url::parse(&base).unwrap();
        let sql = "SELECT current_setting('ssl'), current_setting('ssl_cert_file')";
        let settings = store(&url).query(sql, &[]).await.unwrap();
        let (ssl, cert): (String, String) = (settings[0].get(0), settings[0].get(1));
        if ssl != "on" || !std::path::Path::new(&cert).is_file() {
            eprintln!("skipped: the server has no TLS, or its certificate file is not readable");
            return;
        }
        // A certificate for a loopback server is for `localhost`, not the address.
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_owned();
        if host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        {
            url.set_host(Some("localhost")).unwrap();
            url.query_pairs_mut().append_pair("hostaddr", &host);
        }
        url.query_pairs_mut()
            .append_pair("sslmode", "verify-full")
            .append_pair("sslrootcert", &cert);
        let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        match store(&url).query(sql, &[]).await {
            Ok(rows) => assert!(rows[0].get::<_, bool>(0), "the connection uses TLS"),
            // Only a self-signed certificate for localhost (such as Debian's
            // snakeoil one) can be its own certificate authority.
            Err(StoreError::Unavailable(text)) if text.contains("sslrootcert=FILE") => {
                eprintln!("skipped: {cert} is not a self-signed certificate for localhost: {text}");
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod session_tests;

/// The server of `COMMID_TEST_POSTGRES_URL` for this module's tests; none
/// (the test skips, saying so) unless `COMMID_REQUIRE_POSTGRES=1`.
#[cfg(test)]
fn test_url() -> Option<String> {
    let url = std::env::var("COMMID_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        assert!(
            std::env::var("COMMID_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "COMMID_REQUIRE_POSTGRES=1 but COMMID_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipped: set COMMID_TEST_POSTGRES_URL=postgres://… to run it");
    }
    url
}
