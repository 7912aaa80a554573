//! A database of the first commid (external ids, no feed) migrated by this
//! one: every mapping is kept as a custom id, the counter starts right, and
//! the new operations work on the old data.

use commid::domain::{CustomId, ListFilter, Member, Order, ResourceId};
use commid::storage::{Created, Database, ListQuery, Opener, Store};
use commid::vault::Vault;
use std::sync::Arc;

const RESOURCE: &str = "4ccc92c8-9815-4422-bddc-ceea181dc774";
const LIVE: &str =
    "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000001";
const OTHER: &str =
    "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000002";
const GONE: &str =
    "8:acs:4ccc92c8-9815-4422-bddc-ceea181dc774_0195f7a4-0000-7000-8000-000000000003";

/// An old resource, two live identities (one mapped) and a tombstone.
fn old_rows() -> String {
    format!(
        "INSERT INTO resources VALUES ('{RESOURCE}', 'default', 'unitedstates', 'https://localhost:8443/',
           'cHJpbWFyeS1rZXktb2YtdGhpcnR5LXR3by1ieXRlcyE=', 'c2Vjb25kYXJ5LWtleS1vZi10aGlydHktdHdvLWJ5dGU=', 1);
         INSERT INTO identities (id, resource_id, external_id, created_at) VALUES ('{LIVE}', '{RESOURCE}', 'legacy-user', 2);
         INSERT INTO identities (id, resource_id, external_id, created_at) VALUES ('{OTHER}', '{RESOURCE}', NULL, 3);
         INSERT INTO identities (id, resource_id, external_id, created_at, deleted_at, revocation_epoch)
           VALUES ('{GONE}', '{RESOURCE}', NULL, 4, 5, 1);"
    )
}

async fn check_the_old_data(store: Arc<dyn Store>) {
    let resource = ResourceId::parse(RESOURCE).unwrap();
    let legacy = CustomId::parse("legacy-user".into(), Member::CustomId).unwrap();
    let all = ListFilter::default();
    assert_eq!(store.count_identities(resource, &all).await.unwrap(), 2);
    let by_custom = ListFilter {
        custom_id: Some(legacy.clone()),
        ..ListFilter::default()
    };
    let page = store
        .list_identities(&ListQuery {
            resource,
            filter: by_custom,
            order: Order::OldestFirst,
            after: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id.to_string(), LIVE);
    // Get-or-create finds the old mapping.
    let again = commid::storage::NewIdentity {
        id: commid::domain::IdentityId::generate(resource),
        custom_id: Some(legacy),
        created_at: commid::domain::Timestamp::now(),
        token_issued_at: None,
        actor: None,
    };
    let Created::Existing(found) = store.create_identity(again).await.unwrap() else {
        panic!("the old mapping was lost")
    };
    assert_eq!(found.id.to_string(), LIVE);
    assert!(
        store
            .identity(found.id)
            .await
            .unwrap()
            .unwrap()
            .custom_id
            .is_some()
    );
    let tomb = commid::domain::IdentityId::parse(GONE).unwrap();
    assert!(store.identity(tomb).await.unwrap().unwrap().is_deleted());
}

#[tokio::test]
async fn a_first_version_sqlite_database_keeps_every_mapping_as_a_custom_id() {
    let dir = tempfile::tempdir().unwrap();
    let conn =
        rusqlite::Connection::open(dir.path().join(commid::storage::sqlite::FILE_NAME)).unwrap();
    conn.execute_batch(include_str!("../fixtures/schema-v1-sqlite.sql"))
        .unwrap();
    conn.execute_batch(&old_rows()).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    drop(conn);
    let database = Database::Sqlite(dir.path().to_path_buf());
    assert_eq!(
        commid::storage::migrate(&database).await.unwrap(),
        commid::storage::sqlite::SCHEMA_VERSION - 1
    );
    let store = commid::storage::open(&database, Opener::Command, &Vault::none())
        .await
        .unwrap();
    check_the_old_data(store).await;
}

#[tokio::test]
async fn a_first_version_postgresql_schema_keeps_every_mapping_as_a_custom_id() {
    let Some(schema) = crate::common::postgres::schema("the PostgreSQL v1 migration test").await
    else {
        return;
    };
    let (client, connection) = tokio_postgres::connect(&schema.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "{}\n{}\nCREATE TABLE commid_schema (version INTEGER NOT NULL);\nINSERT INTO commid_schema VALUES (1);",
            include_str!("../fixtures/schema-v1-postgres.sql"),
            old_rows()
        ))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    let database = Database::Postgres(commid::storage::postgres::PgOptions {
        url: commid::domain::Secret::new(schema.url.clone()),
        pool_size: 2,
        timeout: std::time::Duration::from_secs(5),
    });
    assert_eq!(
        commid::storage::migrate(&database).await.unwrap(),
        commid::storage::postgres::SCHEMA_VERSION - 1
    );
    let store = commid::storage::open(&database, Opener::Command, &Vault::none())
        .await
        .unwrap();
    check_the_old_data(store).await;
}
