//! `commid backup` and `commid restore` through the real binary, as an
//! operator runs them: a copy taken while a server serves writes, checked,
//! its secrets still sealed, restored into a new data dir, and a server on it
//! that carries on where the copy left off.

use crate::common::server::{Target, call, start_with_env, verify};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `commid ARGS --data-dir DIR`, with no commid settings from the environment.
fn commid(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("COMMID_CONFIG")
        .env_remove("COMMID_ENCRYPTION_KEYS")
        .env_remove("COMMID_DATABASE_URL")
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    text(&out.stderr)
}

fn encryption_key() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args(["secrets", "generate-key"])
        .output()
        .unwrap();
    assert!(out.status.success());
    text(&out.stdout).trim().to_owned()
}

fn path_of(id: &str) -> String {
    format!("/identities/{}", id.replace(':', "%3A"))
}

async fn create(http: &reqwest::Client, t: &Target) -> (String, String) {
    let (status, body) = call(
        http,
        t,
        Method::POST,
        "/identities",
        Some(json!({"createTokenWithScopes": ["chat"]})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    (
        body["identity"]["id"].as_str().unwrap().to_owned(),
        body["accessToken"]["token"].as_str().unwrap().to_owned(),
    )
}

/// Every event after `cursor`, following the pages, and the cursor past them.
async fn events_after(http: &reqwest::Client, t: &Target, cursor: &str) -> (Vec<Value>, String) {
    let (mut events, mut cursor) = (Vec::new(), cursor.to_owned());
    loop {
        let since: String = url_escape(&cursor);
        let (status, page) = call(
            http,
            t,
            Method::GET,
            &format!("/identityEvents?since={since}&maxPageSize=1000"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{page}");
        events.extend(page["value"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().unwrap().to_owned();
        if page.get("nextLink").is_none() {
            return (events, cursor);
        }
    }
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn feed_end(http: &reqwest::Client, t: &Target) -> String {
    let (status, page) = call(http, t, Method::GET, "/identityEvents", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{page}");
    page["cursor"].as_str().unwrap().to_owned()
}

/// What a store held before its copy, and what a restored one must keep.
pub(super) struct History {
    /// The feed's end before any of it.
    start: String,
    kept: String,
    kept_token: String,
    revoked_token: String,
    deleted: String,
    deleted_token: String,
}

/// An identity kept, one whose tokens were revoked and one deleted, each
/// with a token.
pub(super) async fn make_history(http: &reqwest::Client, t: &Target) -> History {
    let start = feed_end(http, t).await;
    let (kept, kept_token) = create(http, t).await;
    let (revoked, revoked_token) = create(http, t).await;
    let (deleted, deleted_token) = create(http, t).await;
    let (status, _) = call(
        http,
        t,
        Method::POST,
        &format!("{}/:revokeAccessTokens", path_of(&revoked)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 204);
    let (status, _) = call(http, t, Method::DELETE, &path_of(&deleted), None)
        .await
        .unwrap();
    assert_eq!(status, 204);
    History {
        start,
        kept,
        kept_token,
        revoked_token,
        deleted,
        deleted_token,
    }
}

/// Runs `copy` (a blocking command) while four clients create identities,
/// and says how many they created.
pub(super) async fn under_writes<T: Send + 'static>(
    http: &reqwest::Client,
    t: &Target,
    copy: impl FnOnce() -> T + Send + 'static,
) -> (T, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (http, t, stop) = (http.clone(), t.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    create(&http, &t).await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let out = tokio::task::spawn_blocking(copy).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    assert!(written > 0, "no write ran beside the copy");
    (out, written)
}

/// A server on a restored store: old tokens verify, the revoke and the
/// delete hold, the feed reads on from before the copy to its end and
/// continues after it. Returns the sequence of the copy's last event.
pub(super) async fn check_restored(http: &reqwest::Client, t: &Target, history: &History) -> u64 {
    assert_eq!(verify(http, t, &history.kept_token).await["valid"], true);
    let verdict = verify(http, t, &history.revoked_token).await;
    assert_eq!(verdict["reason"], "revoked", "{verdict}");
    assert_eq!(
        verify(http, t, &history.deleted_token).await["valid"],
        false
    );
    let (status, _) = call(http, t, Method::GET, &path_of(&history.deleted), None)
        .await
        .unwrap();
    assert_eq!(status, 404, "the deleted identity stays deleted");
    let (status, _) = call(http, t, Method::GET, &path_of(&history.kept), None)
        .await
        .unwrap();
    assert_eq!(status, 200);

    let (events, cursor) = events_after(http, t, &history.start).await;
    let sequences: Vec<u64> = events
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let kinds: Vec<_> = events[..5]
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["created", "created", "created", "tokensRevoked", "deleted"]
    );
    let last = *sequences.last().unwrap();
    let (new, _) = create(http, t).await;
    let (next, _) = events_after(http, t, &cursor).await;
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0]["id"], new.as_str());
    assert!(next[0]["sequence"].as_u64().unwrap() > last);
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_into_a_server_that_carries_on() {
    let key = encryption_key();
    let env = [("COMMID_ENCRYPTION_KEYS", key.as_str())];
    let (old_dir, new_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let backup_file = old_dir.path().join("copy.sqlite3");
    let server = start_with_env(old_dir.path(), &["--http"], &env);
    let (http, t) = (reqwest::Client::new(), server.target.clone());
    let history = make_history(&http, &t).await;
    let (dir, out) = (
        old_dir.path().to_owned(),
        backup_file.to_str().unwrap().to_owned(),
    );
    let (copy, written) =
        under_writes(&http, &t, move || commid(&["backup", "--out", &out], &dir)).await;
    let copy = succeeded(&copy);
    assert_eq!(copy["integrity"], "ok");
    assert_eq!(
        copy["schemaVersion"],
        commid::storage::sqlite::SCHEMA_VERSION
    );
    assert_eq!(copy["resources"], 1);
    assert!(copy["identities"].as_u64().unwrap() >= 2, "{copy}");
    assert_eq!(copy["deletedIdentities"], 1);
    assert_eq!(copy["identitiesWithTokensRevoked"], 1);
    assert_eq!(copy["secrets"]["plaintext"], 0, "{copy}");
    assert!(copy["secrets"]["sealed"].as_u64().unwrap() >= 3, "{copy}");
    let access_key = t.connection_string.split("accesskey=").nth(1).unwrap();
    let bytes = std::fs::read(&backup_file).unwrap();
    assert!(
        !bytes
            .windows(access_key.len())
            .any(|w| w == access_key.as_bytes()),
        "the backup holds the access key in plaintext"
    );
    drop(server);

    // Restored into a new data dir: a server on it is the old one, as of the copy.
    let new_dir = new_dir.path().join("data");
    let from = backup_file.to_str().unwrap();
    let restored = succeeded(&commid(&["restore", "--from", from], &new_dir));
    assert_eq!(restored["identities"], copy["identities"]);
    assert_eq!(restored["lastEventSequence"], copy["lastEventSequence"]);
    let server = start_with_env(&new_dir, &["--http"], &env);
    let t = server.target.clone();
    assert_eq!(
        t.connection_string.split("accesskey=").nth(1).unwrap(),
        access_key,
        "the resource keeps its key"
    );
    let last = check_restored(&http, &t, &history).await;
    assert_eq!(
        copy["lastEventSequence"], last,
        "the feed ends where the copy did"
    );
    eprintln!("commid backup under writes: {written} identities created beside it");
}

#[test]
fn backup_and_restore_refuse_what_would_harm_a_store_or_restore_damage() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_with_env(dir.path(), &["--http"], &[]);
    let copy = dir.path().join("copy.sqlite3");
    let copy_arg = copy.to_str().unwrap();
    succeeded(&commid(&["backup", "--out", copy_arg], dir.path()));

    let message = refused(&commid(&["restore", "--from", copy_arg], dir.path()));
    assert!(message.contains("a commid server is running"), "{message}");
    let own = dir.path().join("commid.sqlite3");
    let own = own.to_str().unwrap();
    let message = refused(&commid(&["backup", "--out", own], dir.path()));
    assert!(message.contains("the data dir's own database"), "{message}");
    drop(server);
    let message = refused(&commid(&["restore", "--from", copy_arg], dir.path()));
    assert!(message.contains("--force"), "{message}");
    let message = refused(&commid(&["restore", "--from", own, "--force"], dir.path()));
    assert!(message.contains("the data dir's own database"), "{message}");
    let restored = succeeded(&commid(
        &["restore", "--from", copy_arg, "--force"],
        dir.path(),
    ));
    assert_eq!(restored["integrity"], "ok");

    // A damaged copy (the first table's page overwritten) is refused
    // before anything is touched.
    let mut bytes = std::fs::read(&copy).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    bytes[page..page + 200].fill(0x5a);
    let damaged = dir.path().join("damaged.sqlite3");
    std::fs::write(&damaged, &bytes).unwrap();
    let other = dir.path().join("other");
    let message = refused(&commid(
        &["restore", "--from", damaged.to_str().unwrap()],
        &other,
    ));
    assert!(message.contains("damaged"), "{message}");
    assert!(!other.join("commid.sqlite3").exists());
    let not_a_database = dir.path().join("server.log");
    let message = refused(&commid(
        &["restore", "--from", not_a_database.to_str().unwrap()],
        &other,
    ));
    assert!(message.contains("not a database"), "{message}");
}

#[test]
fn backup_says_where_a_postgresql_store_is_copied_instead() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args([
            "backup",
            "--out",
            "x",
            "--database-url",
            "postgres://u@127.0.0.1/db",
        ])
        .current_dir(dir.path())
        .env_remove("COMMID_CONFIG")
        .output()
        .unwrap();
    let message = refused(&out);
    assert!(message.contains("pg_dump"), "{message}");
}
