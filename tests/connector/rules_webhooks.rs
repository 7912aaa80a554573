//! The rules of webhook triggers, from Microsoft's documentation of custom
//! connectors (openapi-extensions: `x-ms-notification-url`,
//! `x-ms-notification-content`; create-webhook-trigger: 201 with
//! `Location`, and a `DELETE` for it) and its published schema (the
//! notification content sits on the path item), run as part of
//! `rules.rs`'s `violations`; and, for each rule, a broken copy of the
//! export that it catches.

use super::rules::{at, caught};
use super::rules_dropdowns::{operations, parameters};
use serde_json::{Value, json};

/// A webhook trigger's broken rules, each as "where: what".
pub(super) fn webhook(d: &Value, at: &str, op: &Value, fail: &mut impl FnMut(&str, &str)) {
    let path = at.split_once(' ').map_or("", |(_, p)| p);
    let body = parameters(op).find(|p| p["in"] == "body");
    let schema = body.map(|b| &b["schema"]);
    let notified = schema.and_then(|s| {
        s["properties"]
            .as_object()?
            .iter()
            .find(|(_, p)| p["x-ms-notification-url"] == true)
            .map(|(name, p)| (name.clone(), p))
    });
    match notified {
        None => fail(at, "no body property with x-ms-notification-url"),
        Some((name, property)) => {
            if property["x-ms-visibility"] != "internal" {
                fail(at, "the notification URL is not internal");
            }
            let required = schema.map(|s| &s["required"]);
            if !required.is_some_and(|r| r.as_array().is_some_and(|r| r.contains(&json!(name)))) {
                fail(at, "the notification URL is not required");
            }
        }
    }
    if op.get("x-ms-trigger-metadata").is_some() {
        fail(at, "a webhook trigger has polling metadata");
    }
    super::rules_triggers::hinted_and_named(at, op, fail);
    if op["responses"]["201"]["headers"]["Location"]["type"] != "string" {
        fail(at, "the 201 does not declare Location");
    }
    let content = &d["paths"][path]["x-ms-notification-content"];
    if content["schema"]["type"] != "object" {
        fail(at, "no x-ms-notification-content object on the path");
    }
    let unlabelled = content["schema"]["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, p)| p["x-ms-summary"].as_str().is_none_or(str::is_empty));
    if unlabelled {
        fail(at, "a notification property without x-ms-summary");
    }
    let unregister = operations(d)
        .into_iter()
        .any(|(_, method, op)| method == "delete" && op["x-ms-visibility"] == "internal");
    if !unregister {
        fail(at, "no internal delete to unregister with");
    }
}

const CREATED: &str = "/paths/~1triggers~1identityCreated~1subscriptions";
const UNREGISTER: &str = "/paths/~1webhookSubscriptions~1{subscriptionId}/delete";

#[test]
fn a_webhook_trigger_without_its_notification_url_or_content_is_caught() {
    let url = format!("{CREATED}/post/parameters/1/schema/properties/callbackUrl");
    caught("no body property with x-ms-notification-url", |d| {
        at(d, &url)
            .as_object_mut()
            .unwrap()
            .remove("x-ms-notification-url");
    });
    caught("the notification URL is not internal", |d| {
        at(d, &url)["x-ms-visibility"] = json!("advanced");
    });
    caught("the notification URL is not required", |d| {
        at(d, &format!("{CREATED}/post/parameters/1/schema"))["required"] = json!([]);
    });
    caught("no x-ms-notification-content object", |d| {
        at(d, CREATED)
            .as_object_mut()
            .unwrap()
            .remove("x-ms-notification-content");
    });
    caught("a notification property without x-ms-summary", |d| {
        at(
            d,
            &format!("{CREATED}/x-ms-notification-content/schema/properties/type"),
        )
        .as_object_mut()
        .unwrap()
        .remove("x-ms-summary");
    });
}

#[test]
fn a_webhook_trigger_that_cannot_be_unregistered_is_caught() {
    caught("the 201 does not declare Location", |d| {
        at(d, &format!("{CREATED}/post/responses/201"))
            .as_object_mut()
            .unwrap()
            .remove("headers");
    });
    caught("no internal delete to unregister with", |d| {
        at(d, UNREGISTER)
            .as_object_mut()
            .unwrap()
            .remove("x-ms-visibility");
    });
    caught("has polling metadata", |d| {
        at(d, &format!("{CREATED}/post"))["x-ms-trigger-metadata"] =
            json!({"kind": "query", "mode": "polling"});
    });
}
