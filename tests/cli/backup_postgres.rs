//! The PostgreSQL backup procedure of docs/deployment.md, run as written:
//! `pg_dump --format=custom` while an instance serves writes, then
//! `pg_restore --no-owner` into a new database, and an instance on it that
//! carries on. Needs `COMMID_TEST_POSTGRES_URL` (a user that may create
//! databases) and the PostgreSQL client tools; says it is skipped otherwise,
//! unless `COMMID_REQUIRE_POSTGRES=1`.

use super::backup::{check_restored, make_history, under_writes};
use crate::common::postgres::{execute, execute_from_drop};
use crate::common::server::start;
use std::path::PathBuf;
use std::process::Command;

/// A database of its own on the shared server, dropped afterwards.
struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    async fn create(admin_url: &str, prefix: &str) -> TestDatabase {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        execute(admin_url, &format!("CREATE DATABASE {name}")).await;
        TestDatabase {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (url, sql) = (
            self.admin_url.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        execute_from_drop(url, sql);
    }
}

/// `url` naming database `name` instead of its own.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let slash = base.rfind('/').filter(|&i| i > "postgres://".len());
    let authority = slash.map_or(base, |i| &base[..i]);
    format!("{authority}/{name}{query}")
}

/// `tool` from PATH, or from the newest /usr/lib/postgresql/*/bin.
fn find_tool(tool: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join(tool));
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin").join(tool))
        .collect();
    debian.sort_by_key(|p| std::cmp::Reverse(p.clone()));
    on_path.chain(debian).find(|p| p.is_file())
}

/// The server's URL and the tools, or `None` after saying why not.
fn prerequisites(test: &str) -> Option<(String, PathBuf, PathBuf)> {
    let required = std::env::var("COMMID_REQUIRE_POSTGRES").as_deref() == Ok("1");
    let Ok(url) = std::env::var("COMMID_TEST_POSTGRES_URL") else {
        assert!(
            !required,
            "COMMID_REQUIRE_POSTGRES=1 but COMMID_TEST_POSTGRES_URL is not set"
        );
        crate::common::skipped::say(
            "PostgreSQL",
            test,
            "set COMMID_TEST_POSTGRES_URL=postgres://root@127.0.0.1:5432/test (any database \
             the user may create schemas in) to run them",
        );
        return None;
    };
    match (find_tool("pg_dump"), find_tool("pg_restore")) {
        (Some(dump), Some(restore)) => Some((url, dump, restore)),
        _ => {
            assert!(
                !required,
                "COMMID_REQUIRE_POSTGRES=1 but pg_dump or pg_restore is missing"
            );
            crate::common::skipped::say(
                "pg_dump and pg_restore",
                test,
                "install the PostgreSQL client tools (apt-get install postgresql-client)",
            );
            None
        }
    }
}

fn run(tool: &PathBuf, args: &[&str]) {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        tool.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_taken_under_writes_restores_into_an_instance_that_carries_on() {
    let test = "a_pg_dump_taken_under_writes_restores_into_an_instance_that_carries_on";
    let Some((admin_url, pg_dump, pg_restore)) = prerequisites(test) else {
        return;
    };
    let (old, new) = (
        TestDatabase::create(&admin_url, "commid_backup").await,
        TestDatabase::create(&admin_url, "commid_restore").await,
    );
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("commid.dump");
    let server = start(
        &dir.path().join("a"),
        &["--http", "--database-url", &old.url],
    );
    let (http, t) = (reqwest::Client::new(), server.target.clone());
    let history = make_history(&http, &t).await;
    let (url, file) = (old.url.clone(), dump.to_str().unwrap().to_owned());
    let ((), written) = under_writes(&http, &t, move || {
        run(
            &pg_dump,
            &["--format=custom", "--dbname", &url, "--file", &file],
        )
    })
    .await;
    drop(server);

    let file = dump.to_str().unwrap();
    run(
        &pg_restore,
        &["--no-owner", "--exit-on-error", "--dbname", &new.url, file],
    );
    let server = start(
        &dir.path().join("b"),
        &["--http", "--database-url", &new.url],
    );
    assert_eq!(server.target.key, t.key, "the resource keeps its key");
    let last = check_restored(&http, &server.target, &history).await;
    eprintln!(
        "pg_dump under writes: {written} identities created beside it, the feed restored through {last}"
    );
}
