//! A crash while deliveries are under way: the servers under test are
//! real processes; the receiver lives in the test, so it outlives them.
//! What every such test checks: each event delivered, in feed order, and
//! repeated only where a delivery was under way when its sender died.
#![allow(dead_code)]

use super::receiver::{Receiver, sequences};
use super::server::{Target, call};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

/// The environment that lets a server deliver to `receiver`, with
/// `timeout_ms` per delivery (a lease lasts three times that).
pub fn env_for(receiver: &Receiver, timeout_ms: u64) -> Vec<(String, String)> {
    vec![
        ("COMMID_WEBHOOK_ALLOWED_HOSTS".into(), receiver.host()),
        (
            "COMMID_WEBHOOK_ALLOW_PRIVATE_ADDRESSES".into(),
            "true".into(),
        ),
        (
            "COMMID_WEBHOOK_CA_CERT".into(),
            receiver.ca_cert.display().to_string(),
        ),
        ("COMMID_WEBHOOK_TIMEOUT_MS".into(), timeout_ms.to_string()),
    ]
}

pub fn borrowed(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Subscribes `receiver`'s `/hook` to the identities created.
pub async fn subscribe(http: &reqwest::Client, t: &Target, receiver: &Receiver) {
    let body = json!({"callbackUrl": receiver.url("/hook"), "eventKinds": ["created"]});
    let (status, answer) = call(http, t, Method::POST, "/webhookSubscriptions", Some(body))
        .await
        .unwrap();
    assert_eq!(status, 201, "{answer}");
}

/// Creates `n` identities on `t`, four at a time; their ids.
pub async fn create(http: &reqwest::Client, t: &Target, n: usize) -> Vec<String> {
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let (http, t) = (http.clone(), t.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in (worker..n).step_by(4) {
                let (status, body) = call(&http, &t, Method::POST, "/identities", None)
                    .await
                    .unwrap();
                assert_eq!(status, 201);
                ids.push(body["identity"]["id"].as_str().unwrap().to_owned());
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    ids
}

/// Every id of `created` delivered to `/hook`, in feed order, with at most
/// `repeats` deliveries made twice (consecutively).
pub async fn check_nothing_lost(receiver: &Receiver, created: &[String], repeats: usize) {
    let got = receiver
        .wait_for_all(created, Duration::from_secs(60))
        .await;
    let seq = sequences(&got);
    assert!(
        seq.windows(2).all(|w| w[0] < w[1]),
        "not in feed order, or repeated out of turn: {seq:?}"
    );
    let mut delivered: Vec<String> = got
        .iter()
        .map(|d| d.json()["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    let total = delivered.len();
    delivered.sort();
    delivered.dedup();
    let mut expected = created.to_vec();
    expected.sort();
    assert_eq!(delivered, expected, "every event delivered");
    assert!(
        total - delivered.len() <= repeats,
        "{} repeated deliveries",
        total - delivered.len()
    );
    eprintln!(
        "{} events, {} deliveries ({} repeated)",
        created.len(),
        total,
        total - delivered.len()
    );
}
