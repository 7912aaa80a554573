//! The bounds every session of the store carries on the server.
use super::{PgOptions, PostgresStore};
use crate::domain::Secret;
use std::time::{Duration, Instant};

/// A session that stops in the middle of a transaction (an instance frozen
/// or cut off while holding a lock, such as the feed's sequencer lock) is
/// ended by PostgreSQL, and its locks are freed for the other instances.
#[tokio::test]
async fn a_session_left_in_an_open_transaction_is_ended_and_its_locks_freed() {
    let Some(url) = super::test_url() else {
        return;
    };
    let store = PostgresStore::pool_only(&PgOptions {
        url: Secret::new(url.clone()),
        pool_size: 1,
        timeout: Duration::from_millis(500),
    })
    .unwrap();
    // A lock of this test's own, so that no other test waits for it.
    let lock = i64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap());
    let mut client = store.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    let taken: bool = tx
        .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&lock])
        .await
        .unwrap()
        .get(0);
    assert!(taken);
    // The transaction now waits, as a frozen instance's would.
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let free = || async {
        admin
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&lock])
            .await
            .unwrap()
            .get::<_, bool>(0)
    };
    assert!(!free().await, "the lock is held while the session lives");
    let started = Instant::now();
    while !free().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the session still holds the lock after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The session was ended: its transaction cannot go on.
    assert!(tx.query_one("SELECT 1", &[]).await.is_err());
}
