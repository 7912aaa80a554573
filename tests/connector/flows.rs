//! What the connector offers beyond the certified connector's actions, as
//! a maker sees it in the definition: List users with paging, Get a user by
//! custom ID, the User ID dropdowns, the three polling triggers and the
//! connection test (`flows_served.rs` calls them).

use commid::connector::DEFAULT_HOST;
use commid::domain::ApiVersion;
use serde_json::{Value, json};

pub(super) fn definition() -> Value {
    commid::connector::api_definition(&commid::router::openapi_json(), DEFAULT_HOST).unwrap()
}

/// The path, method and operation with `id`.
pub(super) fn find(d: &Value, id: &str) -> (String, String, Value) {
    for (path, item) in d["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["operationId"] == id {
                return (path.clone(), method.clone(), op.clone());
            }
        }
    }
    panic!("no operation {id}");
}

pub(super) fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

#[test]
fn list_users_pages_by_next_link_with_its_filters_under_advanced_parameters() {
    let d = definition();
    let (path, method, list) = find(&d, "ListCommunicationIdentities");
    assert_eq!((path.as_str(), method.as_str()), ("/identities", "get"));
    assert_eq!(list["summary"], "List users");
    assert_eq!(list["x-ms-pageable"], json!({"nextLinkName": "nextLink"}));
    for (name, label) in [
        ("customId", "Custom ID"),
        ("createdAfter", "Created After"),
        ("createdBefore", "Created Before"),
        ("lastTokenIssuedBefore", "Idle Since"),
        ("order", "Order"),
        ("maxPageSize", "Page Size"),
    ] {
        let p = parameter(&list, name);
        assert_eq!(
            (&p["x-ms-summary"], &p["x-ms-visibility"]),
            (&json!(label), &json!("advanced")),
            "{name}"
        );
    }
    assert_eq!(
        parameter(&list, "continuationToken")["x-ms-visibility"],
        "internal"
    );
    let page = &list["responses"]["200"]["schema"];
    assert_eq!(
        page["properties"]["nextLink"]["x-ms-visibility"],
        "internal"
    );
    let item = &page["properties"]["value"]["items"];
    assert_eq!(item["required"], json!(["id", "displayName", "createdAt"]));
    assert_eq!(item["properties"]["id"]["x-ms-summary"], "User ID");
}

#[test]
fn get_a_user_by_custom_id_takes_the_custom_id_as_its_one_required_input() {
    let d = definition();
    let (path, _, get) = find(&d, "GetCommunicationIdentityByCustomId");
    assert_eq!(path, "/identities/:byCustomId");
    let custom = parameter(&get, "customId");
    assert_eq!(
        (&custom["required"], &custom["x-ms-visibility"]),
        (&json!(true), &json!("important"))
    );
    assert_eq!(
        get["responses"]["200"]["schema"]["properties"]["id"]["x-ms-summary"],
        "User ID"
    );
}

#[test]
fn every_user_id_offers_the_newest_users_from_list_users_by_custom_id_or_id() {
    let d = definition();
    let mut seen = 0;
    for id in [
        "IssueIdentityAccessToken",
        "RevokeIdentityAccessTokens",
        "DeleteCommunicationIdentity",
        "GetCommunicationIdentity",
    ] {
        let (_, _, op) = find(&d, id);
        let user = parameter(&op, "identityId");
        assert_eq!(
            user["x-ms-dynamic-values"],
            json!({
                "operationId": "ListCommunicationIdentities",
                "parameters": {"api-version": ApiVersion::DEFAULT, "order": "desc", "maxPageSize": 1000},
                "value-collection": "value",
                "value-path": "id",
                "value-title": "displayName",
            }),
            "{id}"
        );
        assert_eq!(
            user["x-ms-dynamic-list"]["parameters"]["api-version"],
            json!({"value": ApiVersion::DEFAULT})
        );
        assert_eq!(user["type"], "string", "a typed ID is still a value");
        seen += 1;
    }
    assert_eq!(seen, 4);
}

#[test]
fn the_triggers_poll_for_one_event_per_run_and_say_how_to_see_them_fire() {
    let d = definition();
    for (id, summary) in [
        ("OnCommunicationIdentityCreated", "When a user is created"),
        ("OnCommunicationIdentityDeleted", "When a user is deleted"),
        (
            "OnIdentityAccessTokensRevoked",
            "When a user's tokens are revoked",
        ),
    ] {
        let (_, method, op) = find(&d, id);
        assert_eq!((method.as_str(), &op["summary"]), ("get", &json!(summary)));
        assert_eq!(op["x-ms-trigger"], "single");
        assert_eq!(
            op["x-ms-trigger-metadata"],
            json!({"kind": "query", "mode": "polling"})
        );
        assert!(
            op["x-ms-trigger-hint"]
                .as_str()
                .unwrap()
                .starts_with("To see it work")
        );
        assert_eq!(parameter(&op, "since")["x-ms-visibility"], "internal");
        let fired = &op["responses"]["200"];
        assert!(fired.get("headers").is_none(), "no header outputs");
        assert_eq!(
            fired["schema"]["properties"]["id"]["x-ms-summary"],
            "User ID"
        );
        let waiting = &op["responses"]["202"];
        assert!(waiting.get("schema").is_none());
        assert_eq!(waiting["headers"]["Location"]["type"], "string");
        assert_eq!(waiting["headers"]["Retry-After"]["type"], "integer");
    }
}

#[test]
fn the_connection_is_tested_with_a_hidden_cheap_read_when_it_is_made() {
    let d = definition();
    assert_eq!(
        d["x-ms-capabilities"],
        json!({"testConnection": {"operationId": "TestConnection", "parameters": {"api-version": ApiVersion::DEFAULT}}})
    );
    let (path, method, test) = find(&d, "TestConnection");
    assert_eq!(
        (path.as_str(), method.as_str()),
        ("/connection/:test", "get")
    );
    assert_eq!(test["x-ms-visibility"], "internal");
}

#[test]
fn each_kind_has_a_webhook_trigger_whose_flow_gets_the_events_fields() {
    let d = definition();
    for (id, summary, path) in [
        (
            "OnCommunicationIdentityCreatedWebhook",
            "When a user is created via webhook",
            "/triggers/identityCreated/subscriptions",
        ),
        (
            "OnCommunicationIdentityDeletedWebhook",
            "When a user is deleted via webhook",
            "/triggers/identityDeleted/subscriptions",
        ),
        (
            "OnIdentityAccessTokensRevokedWebhook",
            "When a user's tokens are revoked via webhook",
            "/triggers/identityTokensRevoked/subscriptions",
        ),
    ] {
        let (found, method, op) = find(&d, id);
        assert_eq!((found.as_str(), method.as_str()), (path, "post"));
        assert_eq!(
            (&op["summary"], &op["x-ms-trigger"]),
            (&json!(summary), &json!("single"))
        );
        let body = &parameter(&op, "body")["schema"];
        assert_eq!(
            body["properties"]["callbackUrl"]["x-ms-notification-url"],
            true
        );
        assert_eq!(body["required"], json!(["callbackUrl"]));
        let content = &d["paths"][path]["x-ms-notification-content"]["schema"];
        assert_eq!(
            content["properties"]["data"]["properties"]["id"]["x-ms-summary"],
            "User ID"
        );
        assert_eq!(content["properties"]["type"]["x-ms-summary"], "Event Type");
        assert!(op["responses"]["201"]["headers"]["Location"].is_object());
    }
    let (path, method, unregister) = find(&d, "DeleteWebhookSubscription");
    assert_eq!(
        (path.as_str(), method.as_str()),
        ("/webhookSubscriptions/{subscriptionId}", "delete")
    );
    assert_eq!(
        unregister["x-ms-visibility"], "internal",
        "makers never see it"
    );
}
