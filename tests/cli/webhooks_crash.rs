//! SIGKILL while webhook deliveries are under way, on SQLite: after the
//! restart every event is delivered, in order, and only the delivery under
//! way at the kill may come twice.

use crate::common::deliveries::{borrowed, check_nothing_lost, create, env_for, subscribe};
use crate::common::receiver::Receiver;
use crate::common::server::start_with_env;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_delivery_on_sqlite_loses_no_event() {
    let receiver = Receiver::start();
    // Each delivery takes a while: one is under way most of the time.
    receiver.delay(Duration::from_millis(25));
    let dir = tempfile::tempdir().unwrap();
    let env = env_for(&receiver, 2000);
    let mut server = start_with_env(dir.path(), &["--http"], &borrowed(&env));
    let http = reqwest::Client::new();
    subscribe(&http, &server.target, &receiver).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let created = create(&http, &server.target, 60).await;
    let before = receiver
        .wait_for("/hook", 10, Duration::from_secs(30))
        .await;
    assert!(before.len() >= 10, "deliveries started");
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    let delivered_before = receiver.delivered("/hook").len();
    assert!(delivered_before < created.len(), "killed mid-way");

    let _restarted = start_with_env(dir.path(), &["--http"], &borrowed(&env));
    check_nothing_lost(&receiver, &created, 1).await;
}
