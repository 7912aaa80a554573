//! The change feed with two instances writing on one PostgreSQL database
//! and a reader alternating between them: sequence numbers commit out of
//! order across connections, and still no event is skipped or repeated.

use crate::common::server::{Target, call, start};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const WRITERS_PER_INSTANCE: usize = 8;
const CREATES_PER_WRITER: usize = 25;

async fn events(http: &reqwest::Client, t: &Target, since: &str) -> (Vec<Value>, String) {
    let path = format!("/identityEvents?maxPageSize=50&since={}", urlencode(since));
    let (status, page) = call(http, t, Method::GET, &path, None).await.unwrap();
    assert_eq!(status, 200, "{page}");
    let events = page["value"].as_array().unwrap().clone();
    (events, page["cursor"].as_str().unwrap().to_owned())
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Creates, revokes and deletes from one writer on one instance; returns
/// what it did, by identity.
async fn write(http: reqwest::Client, t: Target, writer: usize) -> Vec<(String, &'static str)> {
    let mut done = Vec::new();
    for i in 0..CREATES_PER_WRITER {
        let body = json!({"customId": format!("w{writer}-{i}")});
        let (status, created) = call(&http, &t, Method::POST, "/identities", Some(body))
            .await
            .unwrap();
        assert_eq!(status, 201, "{created}");
        let id = created["identity"]["id"].as_str().unwrap().to_owned();
        done.push((id.clone(), "created"));
        let path = format!("/identities/{}", id.replace(':', "%3A"));
        if i % 5 == 0 {
            let (status, _) = call(
                &http,
                &t,
                Method::POST,
                &format!("{path}/:revokeAccessTokens"),
                None,
            )
            .await
            .unwrap();
            assert_eq!(status, 204);
            done.push((id.clone(), "tokensRevoked"));
        }
        if i % 7 == 0 {
            let (status, _) = call(&http, &t, Method::DELETE, &path, None).await.unwrap();
            assert_eq!(status, 204);
            done.push((id, "deleted"));
        }
    }
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_writing_and_a_reader_alternating_see_every_event_once_in_order() {
    let Some(schema) = crate::common::postgres::schema("the change feed race test").await else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = start(dirs[0].path(), &["--http", "--database-url", &schema.url]);
    let b = start(dirs[1].path(), &["--http", "--database-url", &schema.url]);
    let http = reqwest::Client::new();
    let (start_events, mut cursor) = events_from_end(&http, &a.target).await;
    assert!(start_events.is_empty());

    let mut writers = Vec::new();
    for w in 0..WRITERS_PER_INSTANCE * 2 {
        let t = if w % 2 == 0 {
            a.target.clone()
        } else {
            b.target.clone()
        };
        writers.push(tokio::spawn(write(http.clone(), t, w)));
    }
    // Read while they write, alternating instances.
    let mut seen: Vec<Value> = Vec::new();
    let mut turn = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        let t = if turn % 2 == 0 { &a.target } else { &b.target };
        let (page, next) = events(&http, t, &cursor).await;
        seen.extend(page);
        cursor = next;
        turn += 1;
    }
    let mut expected: Vec<(String, &'static str)> = Vec::new();
    for w in writers {
        expected.extend(w.await.unwrap());
    }
    // Then until every event has come, or a deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < expected.len() && Instant::now() < deadline {
        let t = if turn % 2 == 0 { &a.target } else { &b.target };
        let (page, next) = events(&http, t, &cursor).await;
        if page.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seen.extend(page);
        cursor = next;
        turn += 1;
    }

    let sequences: Vec<u64> = seen
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "in order, none twice"
    );
    let got: HashSet<(String, String)> = seen
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(got.len(), seen.len(), "no event twice");
    let want: HashSet<(String, String)> = expected
        .iter()
        .map(|(id, kind)| (id.clone(), (*kind).to_owned()))
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    assert!(
        missing.is_empty(),
        "{} events skipped: {missing:?}",
        missing.len()
    );
    assert_eq!(got, want, "nothing that did not happen");
    // Per identity, the order they happened in.
    let mut order: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &seen {
        order
            .entry(e["id"].as_str().unwrap())
            .or_default()
            .push(e["kind"].as_str().unwrap());
    }
    for kinds in order.values() {
        assert_eq!(kinds[0], "created", "{kinds:?}");
    }
}

async fn events_from_end(http: &reqwest::Client, t: &Target) -> (Vec<Value>, String) {
    let (status, page) = call(http, t, Method::GET, "/identityEvents", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{page}");
    (
        page["value"].as_array().unwrap().clone(),
        page["cursor"].as_str().unwrap().to_owned(),
    )
}
