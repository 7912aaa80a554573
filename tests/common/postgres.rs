//! A PostgreSQL schema of its own for each test, from
//! `COMMID_TEST_POSTGRES_URL`. Without that variable the tests say they are
//! skipped, unless `COMMID_REQUIRE_POSTGRES=1` (as in CI) makes that a failure.
#![allow(dead_code)]

use tokio_postgres::NoTls;

pub struct TestSchema {
    base_url: String,
    pub name: String,
    /// The database URL with this schema first on the search path.
    pub url: String,
}

/// A fresh schema, or `None` (after saying so) when PostgreSQL is not configured.
pub async fn schema(test: &str) -> Option<TestSchema> {
    let Ok(base_url) = std::env::var("COMMID_TEST_POSTGRES_URL") else {
        if std::env::var("COMMID_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("COMMID_REQUIRE_POSTGRES=1 but COMMID_TEST_POSTGRES_URL is not set");
        }
        super::skipped::say(
            "PostgreSQL",
            test,
            "set COMMID_TEST_POSTGRES_URL=postgres://root@127.0.0.1:5432/test (any database \
             the user may create schemas in) to run them",
        );
        return None;
    };
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    execute(&base_url, &format!("CREATE SCHEMA {name}")).await;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    let url = format!("{base_url}{separator}options=-c%20search_path%3D{name}");
    Some(TestSchema {
        base_url,
        name,
        url,
    })
}

/// Runs `sql` on a connection of its own.
pub async fn execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("PostgreSQL answers");
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.expect("the statement runs");
    drop(client);
    let _ = task.await;
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, sql) = (
            self.base_url.clone(),
            format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
        execute_from_drop(url, sql);
    }
}

/// [`execute`] from a `Drop`, which cannot await: on a thread and runtime
/// of its own, waited for, so that what it drops is gone when the test ends.
pub fn execute_from_drop(url: String, sql: String) {
    let _ = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(execute(&url, &sql))
    })
    .join();
}
