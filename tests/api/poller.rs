//! The three triggers polled as Power Automate's engine polls them, each
//! like one flow, while writers create, revoke and delete: on SQLite, with
//! the engine calling each `Location` as it came and through a gateway.

use crate::common::app::spawn_app;
use crate::common::flows::{Backends, race};
use crate::common::poller::Poller;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_reaches_its_trigger_once_in_order_when_each_location_is_called_as_it_came() {
    let app = spawn_app().await;
    let backends = Backends {
        http: app.http.clone(),
        bases: vec![app.local.clone()],
        connection_string: app.connection_string.clone(),
    };
    let trigger = |path_and_query: &str| {
        let url = format!("{}{path_and_query}", app.local);
        Poller::direct(&app.http, &app.connection_string, url)
    };
    race(&backends, trigger, 3, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_reaches_its_trigger_once_in_order_through_the_gateway() {
    let app = spawn_app().await;
    let backends = Backends {
        http: app.http.clone(),
        bases: vec![app.local.clone()],
        connection_string: app.connection_string.clone(),
    };
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let trigger = |path_and_query: &str| {
        let bases = vec![app.local.clone()];
        Poller::through_gateway(
            &app.http,
            &app.connection_string,
            prefix,
            bases,
            path_and_query,
        )
    };
    race(&backends, trigger, 3, 40).await;
}
