//! The three triggers polled as Power Automate's engine polls them, through
//! a gateway that sends each poll to the other of two instances on one
//! PostgreSQL database, while writers on both create, revoke and delete:
//! the cursor in `Location` is all the state there is, so either instance
//! answers any poll, and no event is lost or comes twice.

use crate::common::flows::{Backends, race};
use crate::common::poller::Poller;
use crate::common::server::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn polls_alternating_between_two_instances_get_every_event_once_in_order() {
    let Some(schema) = crate::common::postgres::schema("the trigger poller test").await else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = start(dirs[0].path(), &["--http", "--database-url", &schema.url]);
    let b = start(dirs[1].path(), &["--http", "--database-url", &schema.url]);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bases = vec![a.target.base.clone(), b.target.base.clone()];
    let backends = Backends {
        http: http.clone(),
        bases: bases.clone(),
        connection_string: a.target.connection_string.clone(),
    };
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let trigger = |path_and_query: &str| {
        Poller::through_gateway(
            &http,
            &a.target.connection_string,
            prefix,
            bases.clone(),
            path_and_query,
        )
    };
    race(&backends, trigger, 4, 40).await;
}
