//! Which failed statements run again: a read whose connection was lost.
//! PostgreSQL ends connections on a restart, on `pg_terminate_backend`, or
//! after a network cut; the pool then opens new ones, and a read, which
//! changes nothing, is safe to send again. A write is not: it may have been
//! committed before the connection went.

use super::{StoreError, map_err};
use tokio_postgres::error::SqlState;

/// How one try of a statement ended.
pub(super) enum Attempt {
    /// Its connection went away: another connection may succeed.
    Lost(tokio_postgres::Error),
    Failed(tokio_postgres::Error),
    /// No connection at all (the pool's own error).
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Attempt {
    fn from(e: tokio_postgres::Error) -> Self {
        let lost = match e.code() {
            // The server ended this session: an administrator, a shutdown
            // or a crash of another backend.
            Some(code) => {
                *code == SqlState::ADMIN_SHUTDOWN
                    || *code == SqlState::CRASH_SHUTDOWN
                    || code.code().starts_with("08")
            }
            // Closed, or a socket error: the connection is gone.
            None => true,
        };
        if lost {
            Attempt::Lost(e)
        } else {
            Attempt::Failed(e)
        }
    }
}

impl From<Attempt> for StoreError {
    fn from(a: Attempt) -> Self {
        match a {
            Attempt::Lost(e) | Attempt::Failed(e) => map_err(e),
            Attempt::Store(e) => e,
        }
    }
}

/// A statement that only reads: running it twice changes nothing.
pub(super) fn is_read(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("");
    first.eq_ignore_ascii_case("SELECT")
}

#[cfg(test)]
mod tests {
    use super::super::{PgOptions, PostgresStore};
    use super::*;
    use crate::domain::Secret;
    use std::time::Duration;

    #[test]
    fn only_selects_count_as_reads() {
        assert!(is_read("SELECT 1"));
        assert!(is_read("\n  select id FROM identities"));
        assert!(!is_read("INSERT INTO identities VALUES (1) RETURNING id"));
        assert!(!is_read("UPDATE identities SET x = 1"));
        assert!(!is_read(
            "WITH d AS (DELETE FROM events RETURNING 1) SELECT count(*) FROM d"
        ));
    }

    /// A read in flight when an administrator ends its connection
    /// (`pg_terminate_backend`) answers from a new connection.
    #[tokio::test]
    async fn a_read_whose_connection_is_terminated_runs_again_on_a_new_one() {
        let Some(url) = super::super::test_url() else {
            return;
        };
        let store = PostgresStore::pool_only(&PgOptions {
            url: Secret::new(url.clone()),
            pool_size: 2,
            timeout: Duration::from_secs(5),
        })
        .unwrap();
        let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let marker = format!("commid-retry-test-{}", uuid::Uuid::new_v4().simple());
        let sql = format!("SELECT pg_backend_pid(), pg_sleep(2)::text, '{marker}'");
        let read = tokio::spawn(async move { store.query(&sql, &[]).await });
        // The read's backend, once its statement runs.
        let watched = format!(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE '%{marker}%' \
             AND pid <> pg_backend_pid()"
        );
        let pid: i32 = loop {
            if let Some(row) = admin.query(&watched, &[]).await.unwrap().first() {
                break row.get(0);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let ended: bool = admin
            .query_one("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap()
            .get(0);
        assert!(ended);
        let rows = read
            .await
            .unwrap()
            .expect("the read answers from another connection");
        assert_ne!(rows[0].get::<_, i32>(0), pid);
    }
}
