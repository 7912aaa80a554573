//! The webhook subscription API: create (the secret shown once), list,
//! get, suspend, resume and delete, on every api-version; the webhook
//! triggers registered as Power Automate registers them; and the callback
//! URLs refused so that commid is no open relay. Deliveries are in
//! `webhooks.rs`.

use crate::api::passthrough::front_and_upstream;
use crate::api::webhooks::act;
use crate::common::app::*;
use commid::config::Layer;
use reqwest::Method;
use serde_json::{Value, json};

/// An app that lets subscriptions name `localhost:8999` and `127.0.0.1:8999`
/// (nothing listens: these tests deliver nothing), and whether loopback
/// addresses may be called.
pub async fn app_allowing_loopback(allow_private: bool) -> TestApp {
    spawn_with(|layer| Layer {
        webhook_allowed_hosts: Some(vec!["localhost:8999".into(), "127.0.0.1:8999".into()]),
        webhook_allow_private_addresses: Some(allow_private),
        ..layer
    })
    .await
}

const HOOK: &str = "https://localhost:8999/hook?sig=s3cret";

async fn create(app: &TestApp, body: Value) -> reqwest::Response {
    app.signed(
        Method::POST,
        &format!("/webhookSubscriptions?{API}"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_subscription_is_created_with_its_secret_once_then_listed_read_and_deleted() {
    let app = app_allowing_loopback(true).await;
    let r = create(
        &app,
        json!({"callbackUrl": HOOK, "eventKinds": ["created", "tokensRevoked"], "customId": "sally"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers()["cache-control"],
        "no-store",
        "the secret is not cached"
    );
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("{}/webhookSubscriptions/{id}?{API}", app.local)
    );
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["eventKinds"], json!(["created", "tokensRevoked"]));
    assert_eq!(
        (
            &created["state"],
            &created["customId"],
            &created["delivered"]
        ),
        (&json!("active"), &json!("sally"), &json!(0))
    );

    let path = format!("/webhookSubscriptions/{id}?api-version=2026-09-23");
    let got: Value = app
        .signed(Method::GET, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["callbackUrl"], HOOK);
    assert!(got.get("secret").is_none(), "never shown again: {got}");
    let listed: Value = app
        .signed(
            Method::GET,
            "/webhookSubscriptions?api-version=2021-03-07",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["value"], json!([got]), "every api-version has them");

    let r = app.signed(Method::DELETE, &path, None).await;
    assert_eq!(r.status(), 204);
    error_of(app.signed(Method::GET, &path, None).await, 404).await;
    let again = app.signed(Method::DELETE, &path, None).await;
    assert_eq!(
        again.status(),
        204,
        "deleting again succeeds, as a retry would"
    );
}

#[tokio::test]
async fn a_subscription_is_suspended_and_resumed() {
    let app = app_allowing_loopback(true).await;
    let created: Value = create(
        &app,
        json!({"callbackUrl": HOOK, "eventKinds": ["deleted"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(act(&app, id, "suspend").await["state"], "suspended");
    assert_eq!(act(&app, id, "resume").await["state"], "active");
    let missing = "0190a6e4-0000-7000-8000-000000000000";
    let r = app
        .signed(
            Method::POST,
            &format!("/webhookSubscriptions/{missing}/:resume?{API}"),
            None,
        )
        .await;
    assert_eq!(error_of(r, 404).await["code"], "SubscriptionNotFound");
}

#[tokio::test]
async fn bad_subscriptions_are_refused_naming_what_is_wrong() {
    let app = app_allowing_loopback(true).await;
    for (body, target) in [
        (
            json!({"callbackUrl": "http://localhost:8999/hook", "eventKinds": ["created"]}),
            "callbackUrl",
        ),
        (
            json!({"callbackUrl": "https://elsewhere.example.com/hook", "eventKinds": ["created"]}),
            "callbackUrl",
        ),
        (json!({"callbackUrl": HOOK, "eventKinds": []}), "eventKinds"),
        (
            json!({"callbackUrl": HOOK, "eventKinds": ["updated"]}),
            "eventKinds",
        ),
        (
            json!({"callbackUrl": HOOK, "eventKinds": ["created"], "customId": ""}),
            "customId",
        ),
    ] {
        let e = error_of(create(&app, body.clone()).await, 400).await;
        assert_eq!(
            (e["code"].as_str(), e["target"].as_str()),
            (Some("ValidationError"), Some(target)),
            "{body}"
        );
    }
    let e = error_of(create(&app, json!({"eventKinds": ["created"]})).await, 400).await;
    assert!(
        e["message"].as_str().unwrap().contains("callbackUrl"),
        "{e}"
    );
    let r = app
        .signed(
            Method::GET,
            &format!("/webhookSubscriptions/nope?{API}"),
            None,
        )
        .await;
    assert_eq!(error_of(r, 400).await["target"], "subscriptionId");
}

#[tokio::test]
async fn a_callback_to_a_loopback_address_is_refused_at_registration() {
    let app = app_allowing_loopback(false).await;
    for url in [HOOK, "https://127.0.0.1:8999/hook"] {
        let e = error_of(
            create(&app, json!({"callbackUrl": url, "eventKinds": ["created"]})).await,
            400,
        )
        .await;
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("127.0.0.1") && message.contains("not a public address"),
            "{url}: {message}"
        );
        assert!(
            !message.contains("s3cret"),
            "the URL's query is never echoed"
        );
    }
    let listed: Value = app
        .signed(Method::GET, &format!("/webhookSubscriptions?{API}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["value"], json!([]));
}

#[tokio::test]
async fn a_webhook_trigger_registers_as_power_automate_does_and_unregisters_by_its_location() {
    let app = app_allowing_loopback(true).await;
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let r = app
        .http
        .post(format!(
            "{}/triggers/identityDeleted/subscriptions?{API}",
            app.local
        ))
        .header("Connection-String", &app.connection_string)
        .header("X-MS-APIM-Referrer-Prefix", prefix)
        .json(&json!({"callbackUrl": HOOK}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let registered: Value = r.json().await.unwrap();
    assert_eq!(registered["eventKinds"], json!(["deleted"]));
    assert!(
        registered.get("secret").is_none(),
        "a flow has no use for it"
    );
    let id = registered["id"].as_str().unwrap();
    let path = format!("/webhookSubscriptions/{id}?{API}");
    assert_eq!(
        location,
        format!("{prefix}{path}"),
        "back through the gateway"
    );
    // The gateway maps its URL to the operation: the DELETE reaches commid
    // with the connection's header.
    let r = app
        .with_connection_string(&app.connection_string, Method::DELETE, &path, None)
        .await;
    assert_eq!(r.status(), 204);
    error_of(app.signed(Method::GET, &path, None).await, 404).await;
}

#[tokio::test]
async fn subscriptions_need_a_commid_resource_and_say_so_to_an_acs_connection() {
    let (front, upstream) = front_and_upstream().await;
    for (method, path) in [
        (Method::GET, "/webhookSubscriptions".to_owned()),
        (
            Method::POST,
            "/triggers/identityCreated/subscriptions".to_owned(),
        ),
        (
            Method::DELETE,
            "/webhookSubscriptions/0190a6e4-0000-7000-8000-000000000000".to_owned(),
        ),
    ] {
        let body = (method == Method::POST)
            .then(|| json!({"callbackUrl": "https://prod-01.westus.logic.azure.com/x"}));
        let r = front
            .with_connection_string(
                &upstream.connection_string,
                method.clone(),
                &format!("{path}?{API}"),
                body,
            )
            .await;
        assert_eq!(
            error_of(r, 400).await["code"],
            "UnsupportedOperation",
            "{method} {path}"
        );
    }
}
