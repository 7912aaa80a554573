//! Which store the settings select, and its pool and timeout.

use super::{ConfigError, Database, Layer};
use std::time::Duration;

impl Layer {
    /// The store these settings select (with the defaults where they say
    /// nothing).
    pub fn database(&self) -> Result<Database, ConfigError> {
        Layer::defaults().merge(self.clone()).store_database()
    }

    pub(super) fn store_database(&self) -> Result<Database, ConfigError> {
        let Some(url) = &self.database_url else {
            return Ok(Database::Sqlite(self.data_dir()));
        };
        let text = url.expose();
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid(
                "the database URL must start with postgres:// (for SQLite, leave it out and use --data-dir).".into(),
            ));
        }
        let pool_size = super::declared(self.database_pool_size);
        if !(1..=1024).contains(&pool_size) {
            return Err(ConfigError::Invalid(format!(
                "database pool size {pool_size} is out of range: use 1 to 1024."
            )));
        }
        let timeout_ms = super::declared(self.database_timeout_ms);
        if !(100..=60_000).contains(&timeout_ms) {
            return Err(ConfigError::Invalid(format!(
                "database timeout {timeout_ms} ms is out of range: use 100 to 60000."
            )));
        }
        Ok(Database::Postgres(crate::storage::postgres::PgOptions {
            url: url.clone(),
            pool_size,
            timeout: Duration::from_millis(timeout_ms),
        }))
    }
}
