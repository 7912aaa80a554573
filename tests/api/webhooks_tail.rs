//! Several subscriptions on one resource, each asking for one user's
//! events, read the change feed's tail in memory together; one resumed from
//! behind where that tail starts reads the store until it has caught up.

use super::webhooks::{WITHIN, act, app_for, id_of, subscribe_with};
use crate::common::app::*;
use crate::common::receiver::{Received, Receiver};
use serde_json::json;
use std::time::Duration;

async fn subscribe(app: &TestApp, url: &str, kinds: &[&str], custom_id: Option<&str>) -> String {
    let mut body = json!({"callbackUrl": url, "eventKinds": kinds});
    if let Some(c) = custom_id {
        body["customId"] = json!(c);
    }
    let created = subscribe_with(app, body).await;
    created["id"].as_str().unwrap().to_owned()
}

/// (event type, identity) of each delivery.
fn events(got: &[Received]) -> Vec<(String, String)> {
    got.iter()
        .map(|d| (d.json()["type"].as_str().unwrap().to_owned(), id_of(d)))
        .collect()
}

fn pair(kind: &str, id: &str) -> (String, String) {
    (format!("identity.{kind}"), id.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_resumed_from_behind_the_others_catches_up_in_order_and_each_gets_only_its_user()
 {
    let receiver = Receiver::start();
    let app = app_for(&receiver, |l| l).await;
    let kinds = ["created", "tokensRevoked"];
    let behind = subscribe(&app, &receiver.url("/alice"), &kinds, Some("alice")).await;
    act(&app, &behind, "suspend").await;
    let alice = app.create_with_custom_id("alice").await;
    // These start after alice's creation: the tail follows the resource
    // from there, so the suspended one is behind it.
    subscribe(&app, &receiver.url("/bob"), &kinds, Some("bob")).await;
    subscribe(&app, &receiver.url("/everyone"), &["created"], None).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let bob = app.create_with_custom_id("bob").await;
    assert_eq!(app.revoke(&alice).await.status(), 204);
    assert_eq!(app.revoke(&bob).await.status(), 204);
    let everyone = receiver.wait_for("/everyone", 1, WITHIN).await;
    assert_eq!(events(&everyone), [pair("created", &bob)]);

    act(&app, &behind, "resume").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Caught up, it takes this one from memory.
    assert_eq!(app.revoke(&alice).await.status(), 204);
    let got = receiver.wait_for("/alice", 3, WITHIN).await;
    assert_eq!(
        events(&got),
        [
            pair("created", &alice),
            pair("tokensRevoked", &alice),
            pair("tokensRevoked", &alice)
        ],
        "every event of alice's, once each, in feed order"
    );
    let got = receiver.wait_for("/bob", 2, WITHIN).await;
    assert_eq!(
        events(&got),
        [pair("created", &bob), pair("tokensRevoked", &bob)]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts: Vec<usize> = ["/alice", "/bob", "/everyone"]
        .iter()
        .map(|p| receiver.delivered(p).len())
        .collect();
    assert_eq!(counts, [3, 2, 1], "nothing more, nothing twice");
}
