//! Durability: the real binary is killed with SIGKILL in the middle of
//! concurrent creates, revokes and deletes; after a restart every write it
//! acknowledged is there.

use crate::common::server::call;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

#[derive(Default)]
struct Acked {
    created: Vec<String>,
    /// A token, and an identity whose revoke was acknowledged after the token was issued.
    revoked: Vec<(String, String)>,
    deleted: Vec<String>,
    /// Deletes sent, acknowledged or not: these may or may not have happened.
    delete_sent: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_sigkill_on_sqlite() {
    crash_and_check(&["--http"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_sigkill_on_postgres() {
    let Some(schema) = crate::common::postgres::schema("the PostgreSQL crash test").await else {
        return;
    };
    crash_and_check(&["--http", "--database-url", &schema.url]).await;
}

/// Starts a server with `args`, drives concurrent writes, kills it with
/// SIGKILL at a random moment, restarts it and checks every acknowledged write.
async fn crash_and_check(args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = crate::common::server::start(dir.path(), args);
    let http = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut workers = Vec::new();
    for worker in 0..12 {
        let (acked, http, s) = (acked.clone(), http.clone(), server.target.clone());
        workers.push(tokio::spawn(async move {
            for round in 0.. {
                let Some((201, body)) = call(
                    &http,
                    &s,
                    reqwest::Method::POST,
                    "/identities",
                    Some(json!({"createTokenWithScopes": ["chat"]})),
                )
                .await
                else {
                    break;
                };
                let id = body["identity"]["id"].as_str().unwrap().to_owned();
                let token = body["accessToken"]["token"].as_str().unwrap().to_owned();
                acked.lock().unwrap().created.push(id.clone());
                let path = format!("/identities/{}", id.replace(':', "%3A"));
                if (worker + round) % 2 == 0 {
                    let Some((204, _)) = call(
                        &http,
                        &s,
                        reqwest::Method::POST,
                        &format!("{path}/:revokeAccessTokens"),
                        None,
                    )
                    .await
                    else {
                        break;
                    };
                    acked.lock().unwrap().revoked.push((token, id));
                } else {
                    acked.lock().unwrap().delete_sent.push(id.clone());
                    let Some((204, _)) =
                        call(&http, &s, reqwest::Method::DELETE, &path, None).await
                    else {
                        break;
                    };
                    acked.lock().unwrap().deleted.push(id);
                }
            }
        }));
    }
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    tokio::time::sleep(Duration::from_millis(300 + u64::from(nanos % 1200))).await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }

    let server = crate::common::server::start(dir.path(), args);
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.created.len() > 20,
        "too few writes before the kill: {}",
        acked.created.len()
    );
    let t = &server.target;
    for (token, id) in &acked.revoked {
        let (status, verdict) = call(
            &http,
            t,
            reqwest::Method::POST,
            "/accessTokens/:verify",
            Some(json!({"token": token})),
        )
        .await
        .unwrap();
        assert_eq!(status, 200);
        assert_eq!(verdict["reason"], "revoked", "the revoke of {id} survived");
    }
    for id in &acked.created {
        let path = format!("/identities/{}", id.replace(':', "%3A"));
        let (status, _) = call(&http, t, reqwest::Method::GET, &path, None)
            .await
            .unwrap();
        if acked.deleted.contains(id) {
            assert_eq!(status, 404, "{id} was deleted");
        } else if !acked.delete_sent.contains(id) {
            assert_eq!(status, 200, "{id} was created");
        }
        // Live or a tombstone, the identity exists: deleting it is not a 404.
        let (status, _) = call(&http, t, reqwest::Method::DELETE, &path, None)
            .await
            .unwrap();
        assert_eq!(status, 204, "{id} exists");
    }
    eprintln!(
        "acknowledged before SIGKILL: {} creates, {} revokes, {} deletes",
        acked.created.len(),
        acked.revoked.len(),
        acked.deleted.len()
    );
}
