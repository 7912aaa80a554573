//! The polling triggers as Power Automate's engine calls them: the first
//! poll, 200 with one event, 202 when there is none, the next `Location`
//! each time, and what happens to expired, foreign and pass-through cursors.

use crate::api::passthrough::front_and_upstream;
use crate::common::app::*;
use crate::common::poller::{Poll, Poller};
use reqwest::Method;

const CREATED: &str = "/triggers/identityCreated";
const DELETED: &str = "/triggers/identityDeleted";
const REVOKED: &str = "/triggers/identityTokensRevoked";

/// A trigger of `app` after its first poll, which must start at the end.
async fn started(app: &TestApp, path: &str) -> Poller {
    let url = format!("{}{path}?{API}", app.local);
    let mut poller = Poller::direct(&app.http, &app.connection_string, url);
    let first = poller.poll().await;
    assert_eq!((first.status, first.retry_after), (202, 60), "{first:?}");
    assert!(
        first
            .location
            .starts_with(&format!("{}{path}?{API}&since=", app.local)),
        "{}",
        first.location
    );
    poller
}

fn fired(poll: &Poll) -> (&str, &str, u64) {
    let event = poll.event.as_ref().expect("an event");
    (
        event["kind"].as_str().unwrap(),
        event["id"].as_str().unwrap(),
        poll.retry_after,
    )
}

#[tokio::test]
async fn a_first_poll_starts_at_the_end_so_earlier_users_never_fire_it() {
    let app = spawn_app().await;
    app.create_with_custom_id("before").await;
    let mut created = started(&app, CREATED).await;
    let again = created.poll().await;
    assert_eq!((again.status, again.retry_after), (202, 60));
}

#[tokio::test]
async fn each_event_fires_its_trigger_once_with_the_next_location_and_when_to_come_back() {
    let app = spawn_app().await;
    let mut created = started(&app, CREATED).await;
    let mut deleted = started(&app, DELETED).await;
    let mut revoked = started(&app, REVOKED).await;
    let ann = app.create_with_custom_id("ann").await;
    let bob = app.create_with_custom_id("bob").await;
    assert_eq!(app.revoke(&ann).await.status(), 204);
    assert_eq!(app.delete(&bob).await.status(), 204);

    let first = created.poll().await;
    assert_eq!(fired(&first), ("created", ann.as_str(), 0), "bob waits");
    assert_eq!(first.event.as_ref().unwrap()["customId"], "ann");
    let second = created.poll().await;
    assert_eq!(fired(&second), ("created", bob.as_str(), 60));
    let past = created.poll().await;
    assert_eq!((past.status, past.retry_after), (202, 60));
    let idle = created.poll().await;
    assert_eq!(idle.status, 202);
    assert_eq!(idle.location, past.location, "nothing new: the same cursor");

    let gone = deleted.poll().await;
    assert_eq!(fired(&gone), ("deleted", bob.as_str(), 60));
    assert_eq!(gone.event.as_ref().unwrap()["customId"], "bob");
    let cut = revoked.poll().await;
    assert_eq!(fired(&cut), ("tokensRevoked", ann.as_str(), 60));
    for trigger in [&mut deleted, &mut revoked] {
        assert_eq!(trigger.poll().await.status, 202);
    }
}

#[tokio::test]
async fn events_of_other_kinds_move_the_cursor_past_them() {
    let app = spawn_app().await;
    let mut deleted = started(&app, DELETED).await;
    let before = deleted.next.clone();
    let ann = app.create_with_custom_id("ann").await;
    assert_eq!(app.revoke(&ann).await.status(), 204);
    let skipped = deleted.poll().await;
    assert_eq!(skipped.status, 202);
    assert_ne!(skipped.location, before, "the cursor moved past them");
    assert_eq!(app.delete(&ann).await.status(), 204);
    assert_eq!(fired(&deleted.poll().await).1, ann);
}

#[tokio::test]
async fn a_cursor_past_the_retention_starts_again_at_the_end_instead_of_failing() {
    let app = spawn_app().await;
    let mut created = started(&app, CREATED).await;
    app.create_with_custom_id("pruned").await;
    use commid::storage::Store;
    app.admin_store()
        .prune_events(commid::domain::Timestamp::now())
        .await
        .unwrap();
    let restarted = created.poll().await;
    assert_eq!((restarted.status, restarted.retry_after), (202, 60));
    let later = app.create_with_custom_id("later").await;
    assert_eq!(fired(&created.poll().await).1, later);
}

#[tokio::test]
async fn a_malformed_or_another_resources_cursor_is_400_naming_since() {
    let app = spawn_app().await;
    let created = started(&app, CREATED).await;
    let with_cursor = created.next.strip_prefix(&app.local).unwrap().to_owned();
    let other = spawn_app().await;
    let nonsense = format!("{CREATED}?{API}&since=nonsense");
    for (target, path) in [(&other, with_cursor.as_str()), (&app, nonsense.as_str())] {
        let r = target
            .with_connection_string(&target.connection_string, Method::GET, path, None)
            .await;
        assert_eq!(error_of(r, 400).await["target"], "since", "{path}");
    }
}

#[tokio::test]
async fn a_poll_without_credentials_is_401() {
    let app = spawn_app().await;
    let r = app.unsigned(Method::GET, &format!("{CREATED}?{API}")).await;
    assert_eq!(error_of(r, 401).await["code"], "Denied");
}

#[tokio::test]
async fn the_triggers_need_a_commid_resource_and_say_so_to_an_acs_connection() {
    let (front, upstream) = front_and_upstream().await;
    for path in [CREATED, DELETED, REVOKED] {
        let r = front
            .with_connection_string(
                &upstream.connection_string,
                Method::GET,
                &format!("{path}?{API}"),
                None,
            )
            .await;
        let e = error_of(r, 400).await;
        assert_eq!(e["code"], "UnsupportedOperation", "{path}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("a resource of this commid server"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn the_next_poll_goes_through_the_gateway_that_named_itself() {
    let app = spawn_app().await;
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let mut created = Poller::through_gateway(
        &app.http,
        &app.connection_string,
        prefix,
        vec![app.local.clone()],
        &format!("{CREATED}?{API}"),
    );
    let first = created.poll().await;
    assert!(
        first
            .location
            .starts_with(&format!("{prefix}{CREATED}?{API}&since=")),
        "{}",
        first.location
    );
    let ann = app.create_with_custom_id("ann").await;
    assert_eq!(fired(&created.poll().await).1, ann);
    // A prefix that is not https is not a gateway's: the link stays direct.
    let r = app
        .http
        .get(format!("{}{CREATED}?{API}", app.local))
        .header("Connection-String", &app.connection_string)
        .header("X-MS-APIM-Referrer-Prefix", "http://gateway.example/apim/x")
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&app.local), "{location}");
}

#[tokio::test]
async fn the_lists_next_link_goes_through_the_gateway_too_and_stays_relative_for_api_clients() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.create_with_custom_id(&format!("u{i}")).await;
    }
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let page = |gateway: bool| {
        let mut request = app
            .http
            .get(format!("{}/identities?{API}&maxPageSize=2", app.local))
            .header("Connection-String", &app.connection_string);
        if gateway {
            request = request.header("X-MS-APIM-Referrer-Prefix", prefix);
        }
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            body["nextLink"].as_str().unwrap().to_owned()
        }
    };
    let through = page(true).await;
    assert!(
        through.starts_with(&format!("{prefix}/identities?{API}&")),
        "{through}"
    );
    let relative = page(false).await;
    assert!(relative.starts_with("/identities?"), "{relative}");
    assert_eq!(through, format!("{prefix}{relative}"));
}
