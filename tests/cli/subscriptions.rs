//! `commid identity subscription …` run as the real binary against a real
//! `commid serve` that may deliver to a local receiver.

use super::identity::identity;
use crate::common::deliveries::{borrowed, env_for};
use crate::common::receiver::Receiver;
use crate::common::server::start_with_env;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_created_listed_suspended_resumed_and_deleted_from_the_command_line() {
    let receiver = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(&receiver, 2000);
    let server = start_with_env(dir.path(), &["--http"], &borrowed(&env));
    let cs = server.target.connection_string.clone();
    let url = receiver.url("/hook");
    let created = identity(&[
        "subscription",
        "create",
        "--url",
        &url,
        "--event",
        "created",
        "deleted",
    ])
    .on(&cs)
    .json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        created["eventKinds"],
        serde_json::json!(["created", "deleted"])
    );

    let listed = identity(&["subscription", "list"]).on(&cs).json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("secret").is_none(), "shown once: {listed}");
    let table = identity(&["subscription", "list", "-o", "table"])
        .on(&cs)
        .run();
    assert!(
        table.stdout.contains(&id) && !table.stdout.contains("whsec_"),
        "{table:?}"
    );

    let suspended = identity(&["subscription", "suspend", "--id", &id])
        .on(&cs)
        .json();
    assert_eq!(suspended["state"], "suspended");
    let resumed = identity(&["subscription", "resume", "--id", &id])
        .on(&cs)
        .json();
    assert_eq!(resumed["state"], "active");

    // The subscription delivers what the server writes.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let user = identity(&["user", "create"]).on(&cs).json();
    let got = receiver.wait_for("/hook", 1, Duration::from_secs(15)).await;
    assert_eq!(got[0].json()["data"]["id"], user["properties"]["id"]);
    assert!(got[0].signed_with(created["secret"].as_str().unwrap()));
    // The delivery is counted once the receiver's answer is back, a moment
    // after the receiver saw it.
    let started = std::time::Instant::now();
    loop {
        let shown = identity(&["subscription", "show", "--id", &id])
            .on(&cs)
            .json();
        if shown["delivered"] == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{shown}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let deleted = identity(&["subscription", "delete", "--id", &id])
        .on(&cs)
        .run();
    assert_eq!(
        (deleted.code, deleted.stdout.as_str()),
        (0, ""),
        "{deleted:?}"
    );
    identity(&["subscription", "show", "--id", &id])
        .on(&cs)
        .run()
        .fails(1, "SubscriptionNotFound");
    identity(&[
        "subscription",
        "create",
        "--url",
        &url,
        "--event",
        "updated",
    ])
    .on(&cs)
    .run()
    .fails(2, "not a kind of event");
    identity(&[
        "subscription",
        "create",
        "--url",
        "http://localhost/x",
        "--event",
        "created",
    ])
    .on(&cs)
    .run()
    .fails(2, "https");
}
