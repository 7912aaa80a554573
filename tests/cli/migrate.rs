//! `commid migrate`, as an operator runs it before starting servers: it
//! creates the schema once, reports nothing to do after that, and refuses a
//! database written by a newer commid instead of touching it.

use std::path::Path;
use std::process::{Command, Output};

/// The schema versions this commid writes.
const SQLITE: usize = commid::storage::sqlite::SCHEMA_VERSION;
const POSTGRES: usize = commid::storage::postgres::SCHEMA_VERSION;

/// `commid migrate` with `args`, with no database settings from the environment.
fn migrate(args: &[&str], data_dir: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_commid"));
    command.arg("migrate").args(args);
    if let Some(dir) = data_dir {
        command.arg("--data-dir").arg(dir);
    }
    command
        .env_remove("COMMID_DATABASE_URL")
        .env_remove("COMMID_DATA_DIR")
        .env_remove("COMMID_CONFIG")
        .output()
        .expect("the binary runs")
}

/// `commid migrate --database-url URL`, off the async test's threads.
async fn migrate_postgres(url: &str) -> Output {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || migrate(&["--database-url", &url], None))
        .await
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn user_version(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn sqlite_tables(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn migrate_creates_the_sqlite_database_and_a_second_run_has_nothing_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(commid::storage::sqlite::FILE_NAME);
    assert!(!db.exists());

    let first = migrate(&[], Some(dir.path()));
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(
        stdout(&first),
        format!(
            "Applied {SQLITE} migration(s) to {}.\n",
            dir.path().display()
        )
    );
    assert!(db.exists(), "the database file is created");
    assert_eq!(user_version(&db), SQLITE as i64);
    assert_eq!(
        sqlite_tables(&db),
        [
            "assignments",
            "commid_settings",
            "identities",
            "identity_counts",
            "identity_event_pruning",
            "identity_events",
            "resources",
            "role_grants",
            "signing_keys",
            "sqlite_sequence",
            "webhook_subscriptions"
        ]
    );

    let second = migrate(&[], Some(dir.path()));
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(
        stdout(&second),
        format!("Applied 0 migration(s) to {}.\n", dir.path().display())
    );
    assert_eq!(user_version(&db), SQLITE as i64);

    // A server starts on the migrated database and migrates nothing more.
    let server = crate::common::server::start(dir.path(), &["--http"]);
    drop(server);
    assert_eq!(user_version(&db), SQLITE as i64);
}

#[test]
fn a_sqlite_database_from_a_newer_commid_is_refused_by_migrate_and_serve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(commid::storage::sqlite::FILE_NAME);
    let first = migrate(&[], Some(dir.path()));
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let expected = &format!(
        "the database was written by a newer commid (schema version 99, this one knows {SQLITE})"
    );

    let out = migrate(&[], Some(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no claim that anything was applied");
    assert_eq!(
        user_version(&db),
        99,
        "the newer database is left as it was"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["serve", "--http", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("COMMID_DATABASE_URL")
        .env_remove("COMMID_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("Listening on"),
        "the server does not start"
    );
    assert_eq!(
        user_version(&db),
        99,
        "the newer database is left as it was"
    );
}

async fn postgres_tables(url: &str, schema: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let rows = client
        .query(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = $1 ORDER BY table_name",
            &[&schema],
        )
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
    rows.iter().map(|r| r.get(0)).collect()
}

async fn postgres_execute(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = task.await;
}

#[tokio::test]
async fn migrate_creates_the_postgresql_schema_and_a_second_run_has_nothing_to_do() {
    let Some(schema) = crate::common::postgres::schema(
        "migrate_creates_the_postgresql_schema_and_a_second_run_has_nothing_to_do",
    )
    .await
    else {
        return;
    };
    assert!(postgres_tables(&schema.url, &schema.name).await.is_empty());

    let first = migrate_postgres(&schema.url).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(
        stdout(&first),
        format!("Applied {POSTGRES} migration(s) to the PostgreSQL database.\n")
    );
    assert_eq!(
        postgres_tables(&schema.url, &schema.name).await,
        [
            "assignments",
            "commid_schema",
            "commid_settings",
            "identities",
            "identity_counts",
            "identity_event_pruning",
            "identity_events",
            "resources",
            "role_grants",
            "signing_keys",
            "webhook_subscriptions"
        ]
    );

    let second = migrate_postgres(&schema.url).await;
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(
        stdout(&second),
        "Applied 0 migration(s) to the PostgreSQL database.\n"
    );
}

#[tokio::test]
async fn a_postgresql_schema_from_a_newer_commid_is_refused_by_migrate() {
    let Some(schema) = crate::common::postgres::schema(
        "a_postgresql_schema_from_a_newer_commid_is_refused_by_migrate",
    )
    .await
    else {
        return;
    };
    let first = migrate_postgres(&schema.url).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    postgres_execute(&schema.url, "UPDATE commid_schema SET version = 99").await;

    let out = migrate_postgres(&schema.url).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!(
            "the database was written by a newer commid (schema version 99, this one knows {POSTGRES})"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}
