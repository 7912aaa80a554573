//! Deliveries to a local TLS receiver (loopback, allowed because these
//! tests say so): each event once and in order, signed as Standard Webhooks
//! says; registered and unregistered as Power Automate does; a receiver
//! that fails, hangs or answers slowly; suspension and resumption; and a
//! callback that resolves to loopback refused at connect time.

use crate::common::app::*;
use crate::common::receiver::{Receiver, sequences};
use commid::config::Layer;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

pub(super) const WITHIN: Duration = Duration::from_secs(15);

/// An app that delivers to `receiver`, with `adjust` on top.
pub(super) async fn app_for(receiver: &Receiver, adjust: impl FnOnce(Layer) -> Layer) -> TestApp {
    let (host, ca) = (receiver.host(), receiver.ca_cert.clone());
    spawn_with(move |layer| {
        adjust(Layer {
            webhook_allowed_hosts: Some(vec![host]),
            webhook_allow_private_addresses: Some(true),
            webhook_ca_cert: Some(ca),
            metrics: Some(true),
            ..layer
        })
    })
    .await
}

async fn subscribe(app: &TestApp, url: &str, kinds: &[&str]) -> Value {
    subscribe_with(app, json!({"callbackUrl": url, "eventKinds": kinds})).await
}

/// The subscription `body` creates (201).
pub(super) async fn subscribe_with(app: &TestApp, body: Value) -> Value {
    let r = app
        .signed(
            Method::POST,
            &format!("/webhookSubscriptions?{API}"),
            Some(body),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// `POST /webhookSubscriptions/{id}/:{action}` (suspend, resume): the
/// subscription it answers with 200.
pub(super) async fn act(app: &TestApp, id: &str, action: &str) -> Value {
    let r = app
        .signed(
            Method::POST,
            &format!("/webhookSubscriptions/{id}/:{action}?{API}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 200, "{action}");
    r.json().await.unwrap()
}

async fn subscription(app: &TestApp, id: &str) -> Value {
    app.signed(
        Method::GET,
        &format!("/webhookSubscriptions/{id}?{API}"),
        None,
    )
    .await
    .json()
    .await
    .unwrap()
}

async fn metrics(app: &TestApp) -> String {
    app.unsigned(Method::GET, "/metrics")
        .await
        .text()
        .await
        .unwrap()
}

/// Waits until the subscription `id` satisfies `done`.
async fn until(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let s = subscription(app, id).await;
        if done(&s) || std::time::Instant::now() > deadline {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_reaches_each_subscriber_once_in_order_signed_and_a_flow_unregisters_by_location()
 {
    let receiver = Receiver::start();
    let app = app_for(&receiver, |l| l).await;
    // Power Automate registers a flow's trigger with its callback URL.
    let r = app
        .http
        .post(format!(
            "{}/triggers/identityCreated/subscriptions?{API}",
            app.local
        ))
        .header("Connection-String", &app.connection_string)
        .json(&json!({"callbackUrl": receiver.url("/flow")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let flow_location = r.headers()["location"].to_str().unwrap().to_owned();
    let backend = subscribe(
        &app,
        &receiver.url("/backend"),
        &["created", "deleted", "tokensRevoked"],
    )
    .await;
    let secret = backend["secret"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;

    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.create_identity().await);
    }
    assert_eq!(app.revoke(&created[1]).await.status(), 204);
    assert_eq!(app.delete(&created[2]).await.status(), 204);

    let flow = receiver.wait_for("/flow", 5, WITHIN).await;
    let ids: Vec<String> = flow.iter().map(id_of).collect();
    assert_eq!(
        ids, created,
        "the flow got each user created, once, in order"
    );
    let all = receiver.wait_for("/backend", 7, WITHIN).await;
    let kinds: Vec<String> = all
        .iter()
        .map(|d| d.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds.len(), 7, "{kinds:?}");
    assert_eq!(&kinds[5..], ["identity.tokensRevoked", "identity.deleted"]);
    let seq: Vec<u64> = all.iter().map(|d| d.sequence()).collect();
    assert!(
        seq.windows(2).all(|w| w[0] < w[1]),
        "in feed order: {seq:?}"
    );
    for delivery in &all {
        assert!(delivery.signed_with(secret), "{delivery:?}");
        assert!(delivery.id.starts_with("evt_") && !delivery.id.contains('.'));
        let at: i64 = delivery.timestamp.parse().unwrap();
        assert!((at - chrono_now()).abs() < 60, "webhook-timestamp is now");
    }
    assert!(!all[0].signed_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    let payload = all[0].json();
    assert_eq!(payload["data"]["kind"], "created");
    assert!(payload["timestamp"].is_string());

    // The flow is turned off: Power Automate deletes the Location.
    let path = flow_location.trim_start_matches(&app.local);
    let r = app
        .with_connection_string(&app.connection_string, Method::DELETE, path, None)
        .await;
    assert_eq!(r.status(), 204);
    let late = app.create_identity().await;
    let all = receiver.wait_for("/backend", 8, WITHIN).await;
    assert_eq!(all[7].json()["data"]["id"], late.as_str());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        receiver.delivered("/flow").len(),
        5,
        "nothing after the DELETE"
    );

    let text = metrics(&app).await;
    assert!(
        text.contains("commid_webhook_deliveries_total{outcome=\"delivered\"} 13"),
        "{text}"
    );
    assert!(
        text.contains("commid_webhook_delivery_latency_seconds_count 13"),
        "{text}"
    );
}

pub(super) fn id_of(delivery: &crate::common::receiver::Received) -> String {
    delivery.json()["data"]["id"].as_str().unwrap().to_owned()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_then_suspended_and_resumes_where_it_stopped() {
    let receiver = Receiver::start();
    let app = app_for(&receiver, |l| Layer {
        webhook_retry_base_ms: Some(50),
        webhook_max_failures: Some(3),
        ..l
    })
    .await;
    let s = subscribe(&app, &receiver.url("/hook"), &["created"]).await;
    let id = s["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    receiver.answer(500);
    let first = app.create_identity().await;
    let suspended = until(&app, id, |s| s["state"] == "suspended").await;
    assert_eq!(suspended["state"], "suspended", "{suspended}");
    assert_eq!(suspended["failures"], 3);
    assert_eq!(suspended["lastError"], "answered 500 Internal Server Error");
    assert_eq!(receiver.received().len(), 3, "three attempts, then no more");
    let text = metrics(&app).await;
    assert!(
        text.contains("commid_webhook_deliveries_total{outcome=\"failed\"} 3"),
        "{text}"
    );
    assert!(text.contains("commid_webhook_retries_total 2"), "{text}");
    assert!(
        text.contains("commid_webhook_suspensions_total 1"),
        "{text}"
    );

    receiver.answer(200);
    let second = app.create_identity().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        receiver.delivered("/hook").is_empty(),
        "nothing while suspended"
    );
    act(&app, id, "resume").await;
    let got = receiver.wait_for("/hook", 2, WITHIN).await;
    let ids: Vec<String> = got.iter().map(id_of).collect();
    assert_eq!(
        ids,
        [first, second],
        "from where it stopped, in order, once each"
    );
    let resumed = until(&app, id, |s| s["delivered"] == 2).await;
    assert_eq!(
        (resumed["state"].as_str(), resumed["failures"].as_u64()),
        (Some("active"), Some(0))
    );
    assert!(resumed.get("lastError").is_none(), "{resumed}");
    let text = metrics(&app).await;
    assert!(
        text.contains("commid_webhook_subscriptions{state=\"active\"}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_times_out_and_is_retried_and_a_slow_one_is_waited_for() {
    let receiver = Receiver::start();
    let app = app_for(&receiver, |l| Layer {
        webhook_timeout_ms: Some(500),
        webhook_retry_base_ms: Some(100),
        webhook_max_failures: Some(50),
        ..l
    })
    .await;
    let s = subscribe(&app, &receiver.url("/hook"), &["created"]).await;
    let id = s["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    receiver.hang(true);
    let first = app.create_identity().await;
    let failing = until(&app, id, |s| s["failures"].as_u64() >= Some(1)).await;
    assert_eq!(failing["lastError"], "no answer within 500 ms", "{failing}");
    assert!(failing["nextAttemptAt"].is_string(), "{failing}");
    // Slow, but within the timeout.
    receiver.delay(Duration::from_millis(300));
    receiver.hang(false);
    let second = app.create_identity().await;
    let got = receiver.wait_for("/hook", 2, WITHIN).await;
    let ids: Vec<String> = got.iter().map(id_of).collect();
    assert_eq!(ids, [first, second]);
    assert_eq!(sequences(&got).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_that_resolves_to_loopback_is_refused_at_connect_time() {
    let receiver = Receiver::start();
    // Loopback is not allowed here: the subscription was made when its
    // name resolved elsewhere (written straight into the store, as the
    // registration check would have let it through then).
    let app = app_for(&receiver, |l| Layer {
        webhook_allow_private_addresses: Some(false),
        webhook_max_failures: Some(1),
        ..l
    })
    .await;
    let store = app.admin_store();
    let resource = commid::storage::Store::resources(&store)
        .await
        .unwrap()
        .remove(0);
    let new = commid::storage::NewSubscription {
        id: commid::domain::SubscriptionId::generate(),
        resource: resource.id,
        callback_url: commid::domain::CallbackUrl::parse(&receiver.url("/hook")).unwrap(),
        kinds: commid::domain::EventKinds::of(&[commid::domain::EventKind::Created]),
        custom_id: None,
        secret: commid::domain::WebhookSecret::generate(),
        created_at: commid::domain::Timestamp::now(),
    };
    let id = new.id.to_string();
    commid::storage::SubscriptionStore::create_subscription(&store, new)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.create_identity().await;
    let refused = until(&app, &id, |s| s["state"] == "suspended").await;
    let error = refused["lastError"].as_str().unwrap_or_default();
    assert!(
        error.contains("refused at connect time") && error.contains("127.0.0.1"),
        "{refused}"
    );
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}
