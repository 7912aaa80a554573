//! Two instances on one PostgreSQL database delivering webhooks: the one
//! that holds a subscription's lease is killed with SIGKILL mid-delivery,
//! and the other takes the subscription over once the lease expires:
//! every event delivered, in order, only the delivery under way repeated.

use crate::common::deliveries::{borrowed, check_nothing_lost, create, env_for, subscribe};
use crate::common::receiver::Receiver;
use crate::common::server::start_with_env;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_of_the_delivering_instance_is_taken_over_by_the_other() {
    let Some(schema) = crate::common::postgres::schema("the webhook takeover test").await else {
        return;
    };
    let receiver = Receiver::start();
    receiver.delay(Duration::from_millis(25));
    // A lease lasts 3 s: three times the delivery timeout.
    let env = env_for(&receiver, 1000);
    let args = ["--http", "--database-url", schema.url.as_str()];
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let mut a = start_with_env(dirs[0].path(), &args, &borrowed(&env));
    let http = reqwest::Client::new();
    subscribe(&http, &a.target, &receiver).await;
    // a leases the subscription before b starts.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let b = start_with_env(dirs[1].path(), &args, &borrowed(&env));
    let created = create(&http, &b.target, 60).await;
    let before = receiver
        .wait_for("/hook", 10, Duration::from_secs(30))
        .await;
    assert!(before.len() >= 10, "a delivers what b wrote");
    a.child.kill().expect("SIGKILL");
    a.child.wait().unwrap();
    assert!(
        receiver.delivered("/hook").len() < created.len(),
        "killed mid-way"
    );
    check_nothing_lost(&receiver, &created, 1).await;
    drop(b);
}
